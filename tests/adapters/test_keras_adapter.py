"""The Keras adapter on the process's Keras engine (KERAS_BACKEND: tensorflow, jax or torch).

CI runs this file once per engine. It trains small models compiled with lossx losses
that carry non-default options, saves them, reloads them in a fresh Python process
without ``custom_objects`` and checks the options and loss values survive; and it checks
``get_config``/``from_config``, ``sample_weight``, Keras's reduction names and
``ignore_index`` against Keras's own ``SparseCategoricalCrossentropy(ignore_class)``.
The drop-ins are checked against Keras's own losses: ``Dice`` and ``Tversky`` for every
``axis`` and ``sample_weight`` Keras accepts (and refusing the ones it refuses), inside
``fit``; the cross-entropy presets' shape rule; every function of ``keras.losses``
(signature and per-sample values); ``Circle``.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

from tests.support.frameworks import only_framework

keras = pytest.importorskip("keras")

import lossx  # noqa: E402
from lossx.backends import keras as LK  # noqa: E402

pytestmark = only_framework("keras")

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
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(outputs)])


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
    # Keras's Tversky (its alpha and beta, the batch pooled) with lossx's from_logits on top.
    "tversky": (
        lambda: LK.Tversky(alpha=0.7, beta=0.3, from_logits=True, smooth=0.5),
        _binary_data,
        1,
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
    _, tversky_config, *_ = saved_models["tversky"]
    assert (tversky_config["alpha"], tversky_config["beta"], tversky_config["axis"]) == (0.7, 0.3, None)
    assert tversky_config["from_logits"] is True and tversky_config["smooth"] == 0.5


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
    if option.kind in ("axes", "class_axes"):
        return [1, 2]
    if option.kind == "choice":
        return next(value for value in option.named if value != option.default)
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


KERAS_LOSSES = [
    spec for spec in lossx.registered() if spec.name in lossx.losses.__all__ and LK.unsupported_reason(spec) is None
]


def keras_arguments(cls, options):
    """lossx ``options`` as the arguments of the Keras class ``cls``: a preset that replaces the
    loss's own class (Keras's ``Dice``) takes every option, under its framework's names."""
    preset = getattr(cls, "preset", None)
    if preset is None or not preset.replaces_own_class:
        return dict(options)
    arguments = preset.framework_config(preset.spec.validate(options))
    return {name: list(value) if isinstance(value, tuple) else value for name, value in arguments.items()}


@pytest.mark.parametrize("spec", KERAS_LOSSES, ids=[spec.camel_name for spec in KERAS_LOSSES])
def test_get_config_from_config_round_trips_every_option(spec):
    cls = getattr(LK, spec.camel_name)
    lossx_options = {option.name: _non_default(option) for option in spec.options}
    options = keras_arguments(cls, lossx_options)
    loss = cls(reduction="sum", name="my_loss", dtype="float64", **options)
    assert loss.lossx_options == spec.validate(lossx_options), "the arguments mean these lossx options"
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


@pytest.mark.parametrize("spec", KERAS_LOSSES, ids=[spec.camel_name for spec in KERAS_LOSSES])
def test_default_config_has_every_declared_option(spec):
    cls = getattr(LK, spec.camel_name)
    config = cls().get_config()
    for name in keras_arguments(cls, {}):
        assert name in config
    assert config["reduction"] == "sum_over_batch_size"
    assert config["name"] == spec.name


def test_tuple_class_axes_round_trip_as_a_list_and_compute_like_optax():
    """JSON has no tuples: axis=(1, 2) is saved as [1, 2] and comes back the tuple the loss computes with."""
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp

    loss = LK.SparseCategoricalCrossEntropy(from_logits=True, axis=(1, 2), dtype="float64")
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(loss)))
    assert config["config"]["axis"] == [1, 2]
    restored = keras.saving.deserialize_keras_object(config)
    assert restored.lossx_options["axis"] == (1, 2) and restored.get_config() == loss.get_config()
    rng = np.random.default_rng(4)
    logits, labels = rng.standard_normal((3, 2, 4, 5)), rng.integers(0, 8, (3, 5))
    expected = optax.losses.softmax_cross_entropy_with_integer_labels(
        jnp.asarray(logits), jnp.asarray(labels), axis=(1, 2)
    )
    _close(restored(labels, logits), float(jnp.mean(expected)), rtol=1e-12, atol=0)


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
    logits = (rng.standard_normal((*shape, classes)) * 2).astype("float32")
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
        "class_weight=(1.0, 2.0), ignore_index=None, z_loss=0.0, softcap=None, reduction='sum')"
    )


# ----------------------------------------------------------------- Keras's Dice and Tversky


def _masks(seed=8, shape=(3, 4, 5, 2)):
    """Channels-last probabilities in (0.05, 0.95) and 0/1 masks, (N, H, W, C), float32."""
    rng = np.random.default_rng(seed)
    return (rng.random(shape) < 0.5).astype("float32"), rng.uniform(0.05, 0.95, shape).astype("float32")


#: Keras's axis values: None (the whole batch pooled), per sample and class, per sample, along
#: one axis, the batch pooled per class, and a list (what a JSON config gives back).
OVERLAP_AXES = [None, (1, 2), (1, 2, 3), (1,), (0, 1, 2), [1, 2]]
#: Every sample_weight shape Keras accepts for some axis, and some it refuses.
OVERLAP_WEIGHTS = {
    "none": None,
    "N": np.array([0.5, 2.0, 1.0]),
    "N1": np.array([[0.5], [2.0], [1.0]]),
    "scalar": 2.5,
    "C": np.array([0.25, 1.5]),
    "NC": np.linspace(0.5, 2.0, 6).reshape(3, 2),
}


def _keras_outcome(make_loss, y_true, y_pred, sample_weight):
    """The loss's value as NumPy, or the exception it raised."""
    try:
        return _numpy(make_loss()(y_true, y_pred, sample_weight=sample_weight))
    except Exception as error:
        return error


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("weighting", list(OVERLAP_WEIGHTS))
@pytest.mark.parametrize("axis", OVERLAP_AXES, ids=[str(a).replace(" ", "") for a in OVERLAP_AXES])
@pytest.mark.parametrize(
    ("name", "options"), [("Dice", {}), ("Tversky", {"alpha": 0.7, "beta": 0.2})], ids=["dice", "tversky-a0.7-b0.2"]
)
def test_overlap_classes_are_keras_drop_ins(name, options, axis, weighting, dtype):
    """Keras's numbers for Keras's arguments, every reduction; what Keras refuses, lossx refuses clearly.

    So does a weight that would enlarge a per-sample loss that is not a scalar (Keras's silent
    outer product, docs/framework-differences.md).
    """
    if dtype == "float64" and ENGINE == "jax":
        pytest.skip(
            "Keras's JAX engine has float64 only with jax_enable_x64, and then its own losses are exact "
            "to float32 only (tests/numerics/test_conformance.py, _keras_float64_problem)"
        )
    y_true, y_pred = _masks()
    y_pred = y_pred.astype(dtype)
    sample_weight = OVERLAP_WEIGHTS[weighting]
    per_sample = tuple(getattr(keras.losses, name.lower())(y_true, y_pred, axis=axis, **options).shape)
    weighted = _keras_outcome(
        lambda: getattr(keras.losses, name)(axis=axis, reduction="none", **options), y_true, y_pred, sample_weight
    )
    enlarges = per_sample != () and not isinstance(weighted, Exception) and weighted.size > np.prod(per_sample)
    for reduction in KERAS_REDUCTIONS:
        theirs = _keras_outcome(
            functools.partial(getattr(keras.losses, name), axis=axis, reduction=reduction, dtype=dtype, **options),
            y_true,
            y_pred,
            sample_weight,
        )
        make_ours = functools.partial(getattr(LK, name), axis=axis, reduction=reduction, dtype=dtype, **options)
        if isinstance(theirs, Exception) or enlarges:
            with pytest.raises(lossx.ShapeError, match=r"sample_weight of shape .* does not align .* give it shape"):
                make_ours()(y_true, y_pred, sample_weight=sample_weight)
            continue
        ours = make_ours()(y_true, y_pred, sample_weight=sample_weight)
        # Keras's reductions on its torch engine give float64 losses in float32 (docs/framework-differences.md).
        assert keras.backend.standardize_dtype(ours.dtype) == theirs.dtype.name
        assert tuple(ours.shape) == theirs.shape, reduction
        tolerance = 1e-12 if dtype == "float64" and ENGINE == "tensorflow" else 2e-6
        _close(ours, theirs, rtol=tolerance, atol=tolerance)


def test_overlap_functions_are_keras_functions():
    y_true, y_pred = _masks(9)
    for axis in OVERLAP_AXES:
        _close(LK.dice(y_true, y_pred, axis=axis), keras.losses.dice(y_true, y_pred, axis=axis))
        _close(
            LK.tversky(y_true, y_pred, alpha=0.3, beta=0.6, axis=axis),
            keras.losses.tversky(y_true, y_pred, alpha=0.3, beta=0.6, axis=axis),
        )
    assert tuple(LK.dice(y_true, y_pred).shape) == ()


def test_tversky_takes_keras_alpha_and_beta():
    """Keras's alpha weighs Σ t·(1−p): lossx's beta. The config keeps Keras's names and values."""
    y_true, y_pred = _masks(10)
    loss = LK.Tversky(alpha=0.9, beta=0.1, axis=(1, 2, 3))
    assert (loss.lossx_options["alpha"], loss.lossx_options["beta"]) == (0.1, 0.9)
    config = loss.get_config()
    assert (config["alpha"], config["beta"], config["axis"]) == (0.9, 0.1, [1, 2, 3])
    assert repr(loss).startswith("Tversky(") and "alpha=0.9" in repr(loss) and "beta=0.1" in repr(loss)
    per_sample = lossx.tversky(y_pred, y_true, alpha=0.1, beta=0.9, sum_axes=(1, 2, 3), reduction="none")
    _close(loss(y_true, y_pred), np.mean(per_sample))
    restored = LK.Tversky.from_config(json.loads(json.dumps(config)))
    _close(restored(y_true, y_pred), loss(y_true, y_pred))


def test_lossx_per_sample_dice_stays_reachable():
    """axis='per_sample' is lossx's own Dice: one score per sample and class at any rank (class_axis: torch layout)."""
    y_true, y_pred = _masks(11)
    ours = LK.Dice(axis="per_sample", reduction="none")(y_true, y_pred)
    expected = lossx.dice(y_pred, y_true, reduction="none")
    assert tuple(ours.shape) == (3, 2)
    _close(ours, expected)
    # Keras's spelling of the same scores on channels-last inputs of rank 4:
    _close(ours, keras.losses.Dice(axis=(1, 2), reduction="none")(y_true, y_pred))
    torch_layout = LK.Dice(axis="per_sample", class_axis=1, reduction="none")(
        np.moveaxis(y_true, -1, 1), np.moveaxis(y_pred, -1, 1)
    )
    _close(torch_layout, expected)
    labels = np.argmax(y_true, axis=-1)
    _close(LK.Dice(axis="per_sample", reduction="none")(labels, y_pred), lossx.dice(y_pred, labels, reduction="none"))


def test_overlap_lossx_extras_under_keras_axis():
    """from_logits, smooth, class_weight and ignore_index keep their meaning under Keras's axis."""
    rng = np.random.default_rng(12)
    logits = rng.standard_normal((3, 4, 5, 2)).astype("float32")
    y_true = (rng.random((3, 4, 5, 2)) < 0.5).astype("float32")
    y_true[0, 0, 0, 0] = 255.0
    options = {"from_logits": True, "smooth": 1.0, "class_weight": [1.0, 3.0], "ignore_index": 255}
    probabilities = 1 / (1 + np.exp(-logits))
    for axis, sum_axes in ((None, "all"), ((1, 2), (1, 2)), ((1, 2, 3), (1, 2, 3))):
        ours = LK.Dice(axis=axis, reduction="none", **options)(y_true, logits)
        expected = lossx.dice(
            probabilities,
            y_true,
            sum_axes=sum_axes,
            reduction="none",
            **{k: v for k, v in options.items() if k != "from_logits"},
        )
        _close(ours, expected)


def test_binary_masks_without_class_axis_like_keras():
    """A (N, H, W) mask for a (N, H, W, 1) output: Keras aligns the ranks; one class takes no labels."""
    y_true, y_pred = _masks(13, shape=(3, 4, 5, 1))
    for axis in (None, (1, 2)):
        _close(LK.Dice(axis=axis)(y_true[..., 0], y_pred), keras.losses.Dice(axis=axis)(y_true[..., 0], y_pred))


def test_dice_inside_fit_with_sample_weight_matches_keras():
    """Dice() pools the batch into one score; fit's (N,) sample_weight scales it by the mean weight, as Keras's."""
    keras.utils.set_random_seed(3)
    x, y = _binary_data()
    y = np.concatenate([y, 1 - y], axis=1)
    sample_weight = np.linspace(0.5, 1.5, len(x)).astype("float32")

    def sigmoid_model():
        return keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2, activation="sigmoid")]
        )

    ours, theirs = sigmoid_model(), sigmoid_model()
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer=keras.optimizers.SGD(0.1), loss=LK.Dice())
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.Dice())
    fit = {"sample_weight": sample_weight, "epochs": 2, "batch_size": 32, "shuffle": False, "verbose": 0}
    history = ours.fit(x, y, **fit).history["loss"]
    expected = theirs.fit(x, y, **fit).history["loss"]
    np.testing.assert_allclose(history, expected, rtol=1e-5)
    np.testing.assert_allclose(ours.get_weights()[-1], theirs.get_weights()[-1], rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------------- Keras's shape rule of the cross-entropies


@pytest.mark.parametrize(
    ("preset", "own", "y_true_shape"),
    [
        ("BinaryCrossentropy", "BinaryCrossEntropy", (3, 1)),
        ("BinaryCrossentropy", "BinaryCrossEntropy", (1, 3)),
        ("BinaryFocalCrossentropy", "BinaryFocalCrossEntropy", (3, 1)),
        ("CategoricalCrossentropy", "CategoricalCrossEntropy", (1, 3)),
    ],
    ids=["bce-3x1", "bce-1x3", "focal-3x1", "cce-1x3"],
)
def test_cross_entropy_presets_refuse_other_shapes_as_keras(preset, own, y_true_shape):
    rng = np.random.default_rng(14)
    y_pred = rng.uniform(0.1, 0.9, (3, 3)).astype("float32")
    y_true = (rng.random(y_true_shape) < 0.5).astype("float32")
    with pytest.raises(ValueError, match="same shape"):
        getattr(keras.losses, preset)()(y_true, y_pred)
    with pytest.raises(
        lossx.ShapeError,
        match=rf"y_true of shape {re.escape(str(y_true_shape))} and "
        rf"y_pred of shape \(3, 3\) must have the same shape.*{own}",
    ):
        getattr(LK, preset)()(y_true, y_pred)
    function = getattr(LK, getattr(LK, preset).preset.function)
    with pytest.raises(lossx.ShapeError, match="must have the same shape"):
        function(y_true, y_pred)
    if preset != "CategoricalCrossentropy":  # a (3, 1) target broadcast along the classes is refused anyway
        assert np.isfinite(float(_numpy(getattr(LK, own)()(y_true, y_pred)))), "lossx's own class broadcasts"


def test_cross_entropy_presets_refuse_inside_a_traced_train_step():
    model = _model(3)
    model.compile(optimizer="sgd", loss=LK.BinaryCrossentropy(from_logits=True))
    x, y = _binary_data()
    with pytest.raises(lossx.ShapeError, match=r"y_true of shape \(None, 1\)|y_true of shape \(32, 1\)"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)


# ----------------------------------------------------------------- Keras's loss functions


def _function_inputs():
    rng = np.random.default_rng(15)

    def softmax(x):
        shifted = np.exp(x - x.max(-1, keepdims=True))
        return shifted / shifted.sum(-1, keepdims=True)

    regression = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    positive = rng.uniform(0.5, 2.0, (4, 5)), rng.uniform(0.5, 2.0, (4, 5))
    bits = (rng.random((4, 5)) < 0.5).astype("float64")
    probabilities, logits = rng.uniform(0.05, 0.95, (4, 5)), rng.standard_normal((4, 5)) * 2
    labels = rng.integers(0, 5, (4,))
    one_hot = np.eye(5)[labels]
    embeddings = rng.standard_normal((8, 4))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    groups = np.array([0, 1, 2, 0, 1, 2, 0, 3])
    masks, masks_pred = _masks(16)
    signs = np.where(bits > 0, 1.0, -1.0)
    return {
        "mean_squared_error": [(regression, {})],
        "mean_absolute_error": [(regression, {})],
        "mean_absolute_percentage_error": [(positive, {})],
        "mean_squared_logarithmic_error": [(positive, {})],
        "cosine_similarity": [(regression, {}), (regression, {"axis": 0})],
        "huber": [(regression, {}), (regression, {"delta": 0.5})],
        "log_cosh": [(regression, {})],
        "hinge": [((signs, regression[1]), {}), ((bits, regression[1]), {})],
        "squared_hinge": [((signs, regression[1]), {}), ((bits, regression[1]), {})],
        "categorical_hinge": [((one_hot, logits), {})],
        "poisson": [(positive, {})],
        "kl_divergence": [((softmax(logits), softmax(regression[0])), {})],
        "binary_crossentropy": [
            ((bits, probabilities), {}),
            ((bits, logits), {"from_logits": True, "label_smoothing": 0.1}),
        ],
        "binary_focal_crossentropy": [
            ((bits, probabilities), {}),
            ((bits, logits), {"from_logits": True, "apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5}),
        ],
        "categorical_crossentropy": [
            ((one_hot, softmax(logits)), {}),
            ((one_hot, logits), {"from_logits": True, "label_smoothing": 0.2}),
        ],
        "categorical_focal_crossentropy": [
            ((one_hot, softmax(logits)), {}),
            ((one_hot, logits), {"from_logits": True, "alpha": 0.5, "gamma": 1.0}),
        ],
        "sparse_categorical_crossentropy": [
            ((labels, softmax(logits)), {}),
            ((np.array([0, -1, 3, 2]), logits), {"from_logits": True, "ignore_class": -1}),
        ],
        "categorical_generalized_cross_entropy": [
            ((labels, softmax(logits)), {"q": 0.5}),
            ((labels, softmax(logits)), {"q": 0.7}),
        ],
        "ctc": [((np.array([[1, 2, 0], [3, 1, 2], [2, 0, 0], [1, 1, 0]]), rng.standard_normal((4, 7, 5))), {})],
        "circle": [
            ((groups, embeddings), {}),
            ((groups, embeddings), {"gamma": 32.0, "margin": 0.25, "remove_diagonal": False}),
        ],
        "dice": [((masks, masks_pred), {}), ((masks, masks_pred), {"axis": (1, 2)})],
        "tversky": [((masks, masks_pred), {"alpha": 0.7, "beta": 0.3}), ((masks, masks_pred), {"axis": (1, 2, 3)})],
    }


FUNCTION_INPUTS = _function_inputs()
KERAS_FUNCTIONS = sorted(
    name
    for name in dir(keras.losses)
    if name[0].islower() and callable(getattr(keras.losses, name)) and name not in ("get", "serialize", "deserialize")
)


def test_every_keras_function_is_checked_here():
    assert KERAS_FUNCTIONS == sorted(FUNCTION_INPUTS)


@pytest.mark.parametrize("name", KERAS_FUNCTIONS)
def test_keras_function_gives_keras_per_sample_values(name):
    theirs, ours = getattr(keras.losses, name), getattr(LK, name)
    signature = inspect.signature(ours)
    assert list(signature.parameters)[:2] == ["y_true", "y_pred"]
    for parameter in list(inspect.signature(theirs).parameters.values())[2:]:
        assert parameter.name in signature.parameters, f"Keras's argument {parameter.name!r}"
        if parameter.default is not inspect.Parameter.empty:
            assert signature.parameters[parameter.name].default == parameter.default, parameter.name
    for (y_true, y_pred), options in FUNCTION_INPUTS[name]:
        # Keras tensors: Keras's own categorical_generalized_cross_entropy fails on NumPy input on torch.
        y_true = keras.ops.convert_to_tensor(y_true)
        y_pred = keras.ops.convert_to_tensor(y_pred.astype("float32"))
        expected = theirs(y_true, y_pred, **options)
        value = ours(y_true, y_pred, **options)
        assert tuple(value.shape) == tuple(expected.shape), options
        assert keras.backend.standardize_dtype(value.dtype) == "float32"
        _close(value, expected, rtol=2e-5, atol=1e-6)


def test_keras_functions_take_options_by_keyword_only():
    y_true, y_pred = FUNCTION_INPUTS["binary_crossentropy"][0][0]
    with pytest.raises(TypeError):
        LK.binary_crossentropy(y_true, y_pred, True)


# ----------------------------------------------------------------- Keras's Circle


@pytest.mark.parametrize("reduction", KERAS_REDUCTIONS, ids=[str(r) for r in KERAS_REDUCTIONS])
def test_circle_class_matches_keras_with_sample_weight(reduction):
    (groups, embeddings), _ = FUNCTION_INPUTS["circle"][0]
    embeddings = embeddings.astype("float32")
    for sample_weight in (None, np.linspace(0.5, 2.0, 8), np.linspace(0.5, 2.0, 8)[:, None]):
        for options in ({}, {"gamma": 16.0, "margin": 0.1, "remove_diagonal": False}):
            ours = LK.Circle(reduction=reduction, **options)(groups, embeddings, sample_weight=sample_weight)
            theirs = keras.losses.Circle(reduction=reduction, **options)(
                groups, embeddings, sample_weight=sample_weight
            )
            assert tuple(ours.shape) == tuple(theirs.shape)
            _close(ours, theirs)


def test_circle_normalize_takes_any_embeddings():
    (groups, embeddings), _ = FUNCTION_INPUTS["circle"][0]
    scaled = (embeddings * np.linspace(0.5, 3.0, 8)[:, None]).astype("float32")
    _close(LK.Circle(normalize=True)(groups, scaled), keras.losses.Circle()(groups, embeddings.astype("float32")))


def test_circle_refuses_reference_embeddings():
    (groups, embeddings), _ = FUNCTION_INPUTS["circle"][0]
    with pytest.raises(
        lossx.OptionValueError, match=r"ref_embeddings of shape \(8, 4\) is not supported: lossx's circle"
    ):
        LK.circle(groups, embeddings, ref_embeddings=embeddings)


# ----------------------------------------------------------------- lossx.get under the keras backend


def test_get_under_keras_refuses_positional_arrays_from_user_code():
    """A script written for (y_pred, y_true) cannot silently swap its arrays under LOSSX_BACKEND=keras."""
    y_pred = np.array([[0.2, 0.7], [0.4, 0.9]])
    y_true = np.array([[0.0, 1.0], [0.0, 1.0]])
    with lossx.use_backend("keras"):
        loss = lossx.get("quantile", quantile=0.8)
        with pytest.raises(
            lossx.ArgumentError,
            match=r"made by lossx.get under the keras backend.*loss\(y_pred=\.\.\., y_true=\.\.\.\)",
        ):
            loss(y_pred, y_true)
        by_name = float(keras.ops.convert_to_numpy(loss(y_pred=y_pred, y_true=y_true)))
        facade = lossx.Quantile(quantile=0.8)
    with lossx.use_backend("numpy"):
        assert by_name == pytest.approx(
            float(lossx.get("quantile", quantile=0.8)(y_pred=y_pred, y_true=y_true)), rel=1e-6
        )
        assert by_name != pytest.approx(float(lossx.quantile(y_true, y_pred, quantile=0.8)), rel=1e-3)
    with pytest.raises(lossx.ArgumentError, match=r"made by lossx\.get"):
        facade(y_pred, y_true)
    # The adapter's own class keeps Keras's positional order.
    assert float(keras.ops.convert_to_numpy(LK.Quantile(quantile=0.8)(y_true, y_pred))) == pytest.approx(
        by_name, rel=1e-6
    )


def test_get_under_keras_trains_and_evaluates_through_compile():
    """Keras's own machinery still calls the object positionally, in Keras's order."""
    keras.utils.set_random_seed(4)
    x, y = _binary_data()
    with lossx.use_backend("keras"):
        loss = lossx.get("binary_cross_entropy", from_logits=True)
    model = _model(1)
    model.compile(optimizer="sgd", loss=loss)
    history = model.fit(x, y, epochs=1, batch_size=32, verbose=0).history["loss"]
    reference = _model(1)
    reference.set_weights(model.get_weights())
    reference.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
    assert np.isfinite(history[0])
    np.testing.assert_allclose(
        model.evaluate(x, y, batch_size=96, verbose=0), reference.evaluate(x, y, batch_size=96, verbose=0), rtol=1e-5
    )


def test_keras_class_takes_arrays_by_name_and_says_when_labels_look_like_predictions():
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    labels = np.array([0, 2])
    loss = LK.SparseCategoricalCrossEntropy(from_logits=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loss(y_pred=logits, y_true=labels)),
        keras.ops.convert_to_numpy(loss(labels, logits)),
        rtol=1e-6,
    )
    with pytest.raises(lossx.LabelRangeError, match=r"arguments are swapped: Keras classes take \(y_true, y_pred\)"):
        loss(logits, labels)
    with pytest.raises(lossx.ArgumentError, match="missing y_true"):
        loss(y_pred=logits)


# ----------------------------------------------------------------- packed inputs


def _signs(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def _packed_case(name, rng):
    """``(options, lossx's inputs, Keras's (y_true, y_pred))``, packed here as the README and
    docs/framework-differences.md write it, not from the declaration the adapter reads."""
    if name == "GaussianNll":
        mean, target, variance = rng.standard_normal(8), rng.standard_normal(8), rng.uniform(0.2, 2.0, 8)
        return {"full": True, "eps": 0.1}, (mean, target, variance), (target, np.stack([mean, variance], axis=-1))
    if name == "MarginRanking":
        while True:  # away from the hinge's kink
            first, second, target = rng.standard_normal(8), rng.standard_normal(8), _signs(rng, 8)
            if np.all(np.abs(0.2 - target * (first - second)) > 0.05):
                return {"margin": 0.2}, (first, second, target), (target, np.stack([first, second], axis=-1))
    if name == "CosineEmbedding":
        first, second, target = rng.standard_normal((8, 5)), rng.standard_normal((8, 5)), _signs(rng, 8)
        return {"margin": -0.9}, (first, second, target), (target, np.stack([first, second], axis=1))
    if name == "Npairs":
        anchor, positive = rng.standard_normal((2, 8, 5))
        labels = np.array([0, 1, 2, 3, 0, 4, 5, 1])
        return {"l2_reg": 0.1}, (anchor, positive, labels), (labels, np.stack([anchor, positive], axis=1))
    anchor, positive, negative = rng.standard_normal((3, 8, 5))
    return (
        {"margin": 2.0, "swap": True, "p": 1.5},
        (anchor, positive, negative),
        (np.zeros(8), np.stack([anchor, positive, negative], axis=1)),
    )


PACKED = ["GaussianNll", "MarginRanking", "CosineEmbedding", "TripletMargin", "Npairs"]


def _value_and_gradient(function, array):
    """``function(array)`` and its gradient with respect to ``array``, on this engine."""
    if ENGINE == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(array)
            value = function(array)
        return value, tape.gradient(value, array)
    if ENGINE == "jax":
        import jax

        return jax.value_and_grad(function)(array)
    array = array.detach().requires_grad_(True)
    value = function(array)
    value.backward()
    return value, array.grad


def test_every_loss_with_more_inputs_is_checked_packed():
    assert sorted(PACKED) == sorted(spec.camel_name for spec in KERAS_LOSSES if spec.required_inputs > 2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "none", "mean_with_sample_weight"])
@pytest.mark.parametrize("name", PACKED)
def test_packed_class_is_the_loss_of_the_unpacked_inputs(name, reduction, dtype):
    """Values and gradients: the Keras class on Keras's packed (y_true, y_pred), lossx's function on the inputs."""
    if dtype == "float64" and ENGINE != "tensorflow":
        pytest.skip(
            "Keras's JAX engine has float64 only with jax_enable_x64, and its JAX and torch engines reduce "
            "float64 losses in float32 (docs/framework-differences.md)"
        )
    rng = np.random.default_rng(PACKED.index(name))
    options, inputs, (y_true, y_pred) = _packed_case(name, rng)
    spec = getattr(LK, name).spec
    weight = rng.uniform(0.0, 2.0, len(y_pred))
    # Integer class ids stay integers (lossx's function refuses floating ones).
    convert = lambda array: keras.ops.convert_to_tensor(  # noqa: E731
        np.asarray(array, None if np.asarray(array).dtype.kind == "i" else dtype)
    )
    loss = getattr(LK, name)(reduction=reduction, dtype=dtype, **options)
    ours, gradient = _value_and_gradient(
        lambda packed: keras.ops.sum(loss(convert(y_true), packed, sample_weight=convert(weight))), convert(y_pred)
    )

    packed = spec.packing.y_pred
    unpacked = dict(zip((i.name for i in spec.inputs), map(convert, inputs), strict=False))
    lossx_reduction = {"sum_over_batch_size": "sum", "none": "none", "mean_with_sample_weight": "mean"}[reduction]

    def theirs(*arrays):
        value = getattr(lossx, spec.name)(
            **{**unpacked, **dict(zip(packed, arrays, strict=False))},
            reduction=lossx_reduction,
            sample_weight=convert(weight),
            **options,
        )
        return keras.ops.sum(value) / (len(weight) if reduction == "sum_over_batch_size" else 1)

    expected = theirs(*(unpacked[name] for name in packed))
    expected_gradients = [
        _value_and_gradient(
            lambda array, i=i: theirs(*(array if j == i else unpacked[n] for j, n in enumerate(packed))), unpacked[name]
        )[1]
        for i, name in enumerate(packed)
    ]
    tolerance = 1e-12 if dtype == "float64" else 2e-6
    assert keras.backend.standardize_dtype(ours.dtype) == dtype
    _close(ours, expected, rtol=tolerance, atol=tolerance)
    _close(
        gradient,
        np.stack([_numpy(g) for g in expected_gradients], axis=spec.packing.axis),
        rtol=tolerance,
        atol=tolerance,
    )


@pytest.mark.parametrize("name", PACKED)
def test_packed_class_gives_one_value_per_sample(name):
    """Keras's per-sample values: y_pred (N, 2) or (N, k, D) gives (N,), which sample_weight weights."""
    _, _, (y_true, y_pred) = _packed_case(name, np.random.default_rng(7))
    per_sample = getattr(LK, name)(reduction="none")(y_true, y_pred)
    assert tuple(per_sample.shape) == (len(y_pred),)
    weight = np.arange(len(y_pred), dtype="float32")
    _close(getattr(LK, name)()(y_true, y_pred, sample_weight=weight), np.sum(_numpy(per_sample) * weight) / len(weight))
    # A (N, 1) weight, as Keras's fit may pass it; and a (N, 1) target for an elementwise loss, as for a Dense(1).
    y_true = np.asarray(y_true)[:, None] if not getattr(LK, name).spec.class_axis else y_true
    _close(
        getattr(LK, name)()(y_true, y_pred, sample_weight=weight[:, None]),
        np.sum(_numpy(per_sample) * weight) / len(weight),
    )


def test_packed_classes_fit_a_dense_head():
    """Each packed class trains a Dense layer whose output is the packed y_pred (fit, sample_weight, evaluate)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 6)).astype("float32")
    weight = rng.uniform(0.5, 1.5, 64).astype("float32")
    heads = {
        "GaussianNll": ([keras.layers.Dense(2, activation="softplus")], x[:, 0] + 0.1 * rng.standard_normal(64)),
        "MarginRanking": ([keras.layers.Dense(2)], np.sign(x[:, 1] + 0.01)),
        "CosineEmbedding": ([keras.layers.Dense(8), keras.layers.Reshape((2, 4))], np.sign(x[:, 2] + 0.01)),
        "Npairs": ([keras.layers.Dense(8), keras.layers.Reshape((2, 4))], (x[:, 3] > 0).astype(np.int64)),
        "TripletMargin": ([keras.layers.Dense(12), keras.layers.Reshape((3, 4))], np.zeros(64)),
    }
    for name, (layers, y) in heads.items():
        keras.utils.set_random_seed(4)
        model = keras.Sequential([keras.Input((6,)), *layers])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss=getattr(LK, name)())
        before = model.evaluate(x, y.astype("float32"), sample_weight=weight, batch_size=64, verbose=0)
        history = model.fit(x, y.astype("float32"), sample_weight=weight, epochs=2, batch_size=32, verbose=0)
        after = model.evaluate(x, y.astype("float32"), sample_weight=weight, batch_size=64, verbose=0)
        assert np.all(np.isfinite(history.history["loss"])) and after < before, name
        expected = getattr(LK, name)()(y.astype("float32"), model.predict(x, verbose=0), sample_weight=weight)
        np.testing.assert_allclose(after, _numpy(expected), rtol=1e-5, err_msg=name)
    # A loss that reads no y_true trains without one: Keras passes y_true=None.
    assert np.isfinite(model.fit(x, epochs=1, batch_size=16, verbose=0).history["loss"][0])


@pytest.mark.parametrize("name", PACKED)
def test_packed_class_refuses_unpacked_y_pred(name):
    spec = getattr(LK, name).spec
    _, inputs, (y_true, _) = _packed_case(name, np.random.default_rng(0))
    wrong = np.stack([inputs[0]] * (len(spec.packing.y_pred) + 1), axis=spec.packing.axis)
    for y_pred in (inputs[0], wrong):
        with pytest.raises(
            lossx.ShapeError,
            match=re.escape(
                f"{name}: y_pred of shape {y_pred.shape} has no axis {spec.packing.axis} of size "
                f"{len(spec.packing.y_pred)}; Keras's y_pred packs the inputs of {spec.name}: {spec.packing.describe()}"
            ),
        ):
            getattr(LK, name)()(y_true, y_pred)


@pytest.mark.parametrize("name", PACKED)
def test_packed_class_traces_with_static_slices(name):
    """Inside a jitted train function (tf.function(jit_compile=True) / jax.jit) the unpacking is static slicing."""
    _, _, (y_true, y_pred) = _packed_case(name, np.random.default_rng(1))
    loss = getattr(LK, name)()
    y_true, y_pred = (keras.ops.convert_to_tensor(np.asarray(a, "float32")) for a in (y_true, y_pred))
    if ENGINE == "tensorflow":
        import tensorflow as tf

        traced = tf.function(lambda t, p: loss(t, p), jit_compile=True)(y_true, y_pred)
    elif ENGINE == "jax":
        import jax

        traced = jax.jit(lambda t, p: loss(t, p))(y_true, y_pred)
    else:
        pytest.skip("the torch engine runs eagerly here")
    _close(traced, loss(y_true, y_pred))
