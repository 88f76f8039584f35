"""The Keras adapter on the process's Keras engine (KERAS_BACKEND: tensorflow, jax or torch).

CI runs this file once per engine. It trains small models compiled with lossx losses
that carry non-default options, saves them, reloads them in a fresh Python process
without ``custom_objects`` and checks the options and loss values survive; and it checks
``get_config``/``from_config``, ``sample_weight``, Keras's reduction names and
``ignore_index`` against Keras's own ``SparseCategoricalCrossentropy(ignore_class)``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

import lossx  # noqa: E402
from lossx.backends import keras as LK  # noqa: E402

ENGINE = keras.backend.backend()
CLASS_WEIGHT = [1.0, 2.0, 0.5, 3.0]
KERAS_REDUCTIONS = ["sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight"]


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _close(actual, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(_numpy(actual), _numpy(expected), rtol=rtol, atol=atol)


def _child_env():
    env = dict(os.environ)
    env["KERAS_BACKEND"] = ENGINE
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def _run_child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter on this engine; it prints one JSON line last."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=_child_env(), timeout=300
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------- training, save, reload


def _binary_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 6)).astype("float32")
    y = (x[:, :1] - 0.5 * x[:, 1:2] + 0.3 * rng.standard_normal((96, 1)) > 0).astype("float32")
    return x, y


def _sparse_data():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((96, 6)).astype("float32")
    y = np.argmax(x[:, :4] + 0.3 * rng.standard_normal((96, 4)), axis=1)
    y[::7] = -1  # padding, ignored through ignore_index
    return x, y


def _model(outputs):
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(outputs)]
    )


TRAINED = {
    "focal": (
        lambda: LK.BinaryFocalCrossEntropy(gamma=1.5, alpha=0.3, from_logits=True, label_smoothing=0.05),
        _binary_data,
        1,
    ),
    "scce": (
        lambda: LK.SparseCategoricalCrossEntropy(
            from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-1, label_smoothing=0.1, reduction="sum"
        ),
        _sparse_data,
        4,
    ),
}


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """Train each model for 2 epochs and save it; returns {name: (path, config, eval loss, history)}."""
    keras.utils.set_random_seed(0)
    directory = tmp_path_factory.mktemp("keras_models")
    saved = {}
    for name, (make_loss, data, outputs) in TRAINED.items():
        x, y = data()
        model = _model(outputs)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=make_loss())
        history = model.fit(x, y, epochs=2, batch_size=32, verbose=0).history["loss"]
        path = directory / f"{name}.keras"
        model.save(path)
        np.savez(directory / f"{name}.npz", x=x, y=y)
        value = model.evaluate(x, y, batch_size=32, verbose=0)
        direct = model.loss(y, model.predict(x, verbose=0))
        saved[name] = (str(path), model.loss.get_config(), value, float(_numpy(direct)), history)
    return saved


def test_training_gives_finite_decreasing_loss(saved_models):
    for name, (_, _, value, _, history) in saved_models.items():
        assert len(history) == 2 and np.all(np.isfinite(history)), (name, history)
        assert history[1] <= history[0], (name, history)
        assert np.isfinite(value)


def test_model_loss_keeps_lossx_class_and_options(saved_models):
    _, focal_config, *_ = saved_models["focal"]
    assert focal_config["gamma"] == 1.5 and focal_config["alpha"] == 0.3 and focal_config["from_logits"] is True
    _, scce_config, *_ = saved_models["scce"]
    assert scce_config["class_weight"] == CLASS_WEIGHT and scce_config["ignore_index"] == -1
    assert scce_config["reduction"] == "sum"


def test_load_model_in_fresh_process_without_custom_objects(saved_models):
    paths = {name: entry[0] for name, entry in saved_models.items()}
    child = _run_child(
        f"""
        import json
        import keras, lossx
        import numpy as np
        out = {{}}
        for name, path in {paths!r}.items():
            model = keras.models.load_model(path)
            data = np.load(path[: -len(".keras")] + ".npz")
            x, y = data["x"], data["y"]
            direct = model.loss(y, model.predict(x, verbose=0))
            out[name] = {{
                "class": type(model.loss).__module__ + "." + type(model.loss).__name__,
                "config": model.loss.get_config(),
                "evaluate": model.evaluate(x, y, batch_size=32, verbose=0),
                "direct": float(keras.ops.convert_to_numpy(direct)),
            }}
        print(json.dumps(out))
        """
    )
    for name, (_, config, value, direct, _) in saved_models.items():
        loaded = child[name]
        assert loaded["class"] == f"lossx.backends.keras.{type(TRAINED[name][0]()).__name__}"
        assert loaded["config"] == json.loads(json.dumps(config))
        np.testing.assert_allclose(loaded["evaluate"], value, rtol=1e-5)
        np.testing.assert_allclose(loaded["direct"], direct, rtol=1e-5)


def test_load_model_when_lossx_is_imported_before_keras(saved_models):
    path = saved_models["focal"][0]
    child = _run_child(
        f"""
        import json
        import lossx
        import keras
        model = keras.models.load_model({path!r})
        print(json.dumps({{"config": model.loss.get_config()}}))
        """
    )
    assert child["config"]["gamma"] == 1.5


# ----------------------------------------------------------------- get_config / from_config


def _non_default(option):
    """A valid value of ``option`` that differs from its default (generic over declarations)."""
    if option.kind == "bool":
        return not option.default
    if option.kind == "axes":
        return [1, 2]
    if option.kind in ("weights", "float_or_weights"):
        high = 3.0 if option.high is None else option.high
        return [high * 0.2, high * 0.6, high * 0.4]
    if option.kind == "axis":
        return 1
    if option.kind == "int":
        candidates = [-7, 3] if option.low is None else [int(option.high or option.low + 3), int(option.low)]
        return next(value for value in candidates if value != option.default)
    low = 0.0 if option.low is None else option.low
    high = low + 2.0 if option.high is None else option.high
    value = low + 0.3 * (high - low)
    return value if value != option.default else low + 0.6 * (high - low)


SPECS = [
    spec for spec in lossx.registered()
    if spec.name in lossx.losses.__all__ and LK.unsupported_reason(spec) is None
]


@pytest.mark.parametrize("spec", SPECS, ids=[spec.camel_name for spec in SPECS])
def test_get_config_from_config_round_trips_every_option(spec):
    cls = getattr(LK, spec.camel_name)
    options = {option.name: _non_default(option) for option in spec.options}
    loss = cls(reduction="sum", name="my_loss", dtype="float64", **options)
    config = loss.get_config()
    assert json.loads(json.dumps(config)) == config, "config must be JSON-serialisable"
    for name, value in options.items():
        assert config[name] == value, (name, config)
    assert config["reduction"] == "sum" and config["name"] == "my_loss"

    restored = cls.from_config(config)
    assert type(restored) is cls
    assert restored.get_config() == config
    assert restored.reduction == "sum" and restored.name == "my_loss"
    assert restored.dtype == "float64"
    assert config["dtype"] == "float64"

    serialized = keras.saving.serialize_keras_object(loss)
    assert serialized["registered_name"] == f"lossx>{spec.camel_name}"
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is cls and again.get_config() == config


@pytest.mark.parametrize("spec", SPECS, ids=[spec.camel_name for spec in SPECS])
def test_default_config_has_every_declared_option(spec):
    config = getattr(LK, spec.camel_name)().get_config()
    for option in spec.options:
        assert option.name in config
    assert config["reduction"] == "sum_over_batch_size"
    assert config["name"] == spec.name


def test_keras_get_by_config_and_scalar_pos_weight():
    loss = LK.BinaryCrossEntropy(from_logits=True, pos_weight=2.5)
    config = loss.get_config()
    assert config["pos_weight"] == 2.5
    restored = keras.losses.get(keras.saving.serialize_keras_object(loss))
    assert isinstance(restored, LK.BinaryCrossEntropy) and restored.get_config() == config


# ----------------------------------------------------------------- numbers on this engine


def _regression():
    rng = np.random.default_rng(2)
    return rng.standard_normal((8, 5)).astype("float32"), rng.standard_normal((8, 5)).astype("float32")


@pytest.mark.parametrize("reduction", KERAS_REDUCTIONS, ids=[str(r) for r in KERAS_REDUCTIONS])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_reduction_names_match_keras(reduction, weighted):
    y_true, y_pred = _regression()
    sample_weight = np.linspace(0.0, 2.0, 8).astype("float32") if weighted else None
    ours = LK.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=sample_weight)
    theirs = keras.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=sample_weight)
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs)


def test_sample_weight_follows_keras_convention():
    """Per-sample losses average the last axis; sum_over_batch_size divides by the batch size."""
    y_true, y_pred = _regression()
    weight = np.array([0.0, 1.0, 2.0, 0.5, 0.0, 3.0, 1.0, 1.0], "float32")
    per_sample = np.mean(np.abs(y_pred - y_true), axis=-1)
    _close(LK.MeanAbsoluteError()(y_true, y_pred, sample_weight=weight), np.sum(per_sample * weight) / 8)
    _close(
        LK.MeanAbsoluteError(reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=weight),
        np.sum(per_sample * weight) / weight.sum(),
    )
    _close(LK.MeanAbsoluteError(reduction="none")(y_true, y_pred, sample_weight=weight), per_sample * weight)
    # A (batch, 1) weight, as Keras's fit passes it, works too.
    _close(LK.MeanAbsoluteError()(y_true, y_pred, sample_weight=weight[:, None]), np.sum(per_sample * weight) / 8)


def _segmentation(shape, classes=4, seed=3):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal(shape + (classes,)) * 2).astype("float32")
    labels = rng.integers(0, classes, shape)
    labels[rng.random(shape) < 0.3] = -1
    return logits, labels


@pytest.mark.parametrize("shape", [(10,), (4, 6), (2, 3, 5)], ids=["2d", "3d", "4d"])
@pytest.mark.parametrize("reduction", KERAS_REDUCTIONS, ids=[str(r) for r in KERAS_REDUCTIONS])
def test_ignore_index_masks_like_keras_ignore_class(shape, reduction):
    logits, labels = _segmentation(shape)
    # Keras's own loss, with ignore_class, rejects a (B,) weight for a (B, d...) loss on
    # every engine and a (B, 1...) weight on torch (an in-place product): give the full shape.
    sample_weight = np.broadcast_to(
        np.linspace(0.5, 1.5, shape[0]).astype("float32").reshape((-1,) + (1,) * (len(shape) - 1)), shape
    ).copy()
    for weight in (None, sample_weight):
        ours = LK.SparseCategoricalCrossEntropy(from_logits=True, ignore_index=-1, reduction=reduction)(
            labels, logits, sample_weight=weight
        )
        theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=reduction)(
            labels, logits, sample_weight=weight
        )
        assert tuple(ours.shape) == tuple(theirs.shape)
        _close(ours, theirs)


def test_everything_ignored_gives_zero():
    logits, _ = _segmentation((6,))
    labels = np.full((6,), -1)
    value = LK.SparseCategoricalCrossEntropy(from_logits=True, ignore_index=-1)(labels, logits)
    assert float(_numpy(value)) == 0.0


def test_class_weight_acts_like_keras_fit_class_weight():
    """lossx class_weight under Keras's reduction = Keras's class_weight (a per-sample weight w[y])."""
    logits, labels = _segmentation((12,), seed=4)
    labels = np.abs(labels)
    weight = np.asarray(CLASS_WEIGHT, "float32")
    ours = LK.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT)(labels, logits)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits, sample_weight=weight[labels])
    _close(ours, theirs)


def test_function_form_returns_per_sample_values():
    y_true, y_pred = _regression()
    ours = LK.huber(y_true, y_pred, delta=0.5)
    theirs = keras.losses.huber(y_true, y_pred, delta=0.5)
    assert tuple(ours.shape) == (8,)
    _close(ours, theirs)
    logits, labels = _segmentation((4, 6))
    ours = LK.sparse_categorical_cross_entropy(labels, logits, from_logits=True, ignore_index=-1)
    assert tuple(ours.shape) == (4, 6)
    theirs = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, ignore_class=-1)
    _close(ours, theirs)


@pytest.mark.parametrize(
    ("ours", "theirs", "options"),
    [
        ("BinaryCrossEntropy", "BinaryCrossentropy", {"from_logits": True}),
        ("MeanSquaredError", "MeanSquaredError", {}),
        ("Huber", "Huber", {"delta": 0.5}),
        ("Hinge", "Hinge", {}),
    ],
    ids=["bce", "mse", "huber", "hinge"],
)
@pytest.mark.parametrize("layout", ["flat_true", "flat_pred"])
def test_flat_targets_for_a_single_output_like_keras(ours, theirs, options, layout):
    """A Dense(1) head fitted on labels of shape (B,): Keras aligns the ranks, so must lossx."""
    rng = np.random.default_rng(6)
    y_true = (rng.random(8) < 0.5).astype("float32")
    y_pred = rng.standard_normal((8, 1)).astype("float32")
    if layout == "flat_pred":
        y_true, y_pred = y_true[:, None], y_pred[:, 0]
    for reduction in ("sum_over_batch_size", "none"):
        value = getattr(LK, ours)(reduction=reduction, **options)(y_true, y_pred)
        expected = getattr(keras.losses, theirs)(reduction=reduction, **options)(y_true, y_pred)
        assert tuple(value.shape) == tuple(expected.shape)
        _close(value, expected)


def test_fit_dense_one_on_flat_labels():
    keras.utils.set_random_seed(2)
    x, y = _binary_data()
    model = _model(1)
    model.compile(optimizer="sgd", loss=LK.BinaryCrossEntropy(from_logits=True, label_smoothing=0.1))
    history = model.fit(x, y[:, 0], epochs=1, batch_size=32, verbose=0).history["loss"]
    assert np.isfinite(history[0])
    reference = _model(1)
    reference.set_weights(model.get_weights())
    reference.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1))
    np.testing.assert_allclose(
        model.evaluate(x, y[:, 0], batch_size=96, verbose=0),
        reference.evaluate(x, y[:, 0], batch_size=96, verbose=0),
        rtol=1e-5,
    )


def test_works_inside_compiled_train_step_with_sample_weight():
    keras.utils.set_random_seed(1)
    x, y = _sparse_data()
    sample_weight = np.linspace(0.5, 1.5, len(x)).astype("float32")
    model = _model(4)
    model.compile(optimizer="sgd", loss=LK.SparseCategoricalCrossEntropy(from_logits=True, ignore_index=-1))
    history = model.fit(x, y, sample_weight=sample_weight, epochs=1, batch_size=96, verbose=0).history["loss"]
    assert np.isfinite(history[0])
    reference = _model(4)
    reference.set_weights(model.get_weights())
    reference.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1))
    model_value = model.evaluate(x, y, sample_weight=sample_weight, batch_size=96, verbose=0)
    reference_value = reference.evaluate(x, y, sample_weight=sample_weight, batch_size=96, verbose=0)
    np.testing.assert_allclose(model_value, reference_value, rtol=1e-5)


def test_repr_shows_every_option_and_the_reduction():
    loss = LK.SparseCategoricalCrossEntropy(from_logits=True, class_weight=[1.0, 2.0], reduction="sum")
    assert repr(loss) == (
        "SparseCategoricalCrossEntropy(from_logits=True, label_smoothing=0.0, axis=-1, "
        "class_weight=(1.0, 2.0), ignore_index=None, reduction='sum')"
    )
