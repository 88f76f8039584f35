"""lossx.combine (docs/semantics.md, combined losses): a weighted sum of losses, each reduced on its own.

The reference of every value is the components called apart and summed with the weights; MONAI's
DiceCELoss and DiceFocalLoss are in tests/numerics/test_conformance.py. The Keras test runs on the
process's Keras engine (every keras-* environment).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

import lossx
from lossx import ArgumentError, OptionValueError, ReductionError, ShapeError, UnknownLossError

#: Registered at import, so the catalogue-wide sweeps of api/test_errors.py also cover combined losses.
DICE_CE = lossx.combine({"dice": 1.0, "scce": 0.5}, name="test_dice_ce", options={"dice": {"from_logits": True}})
#: Two losses with one unreduced shape (N,) and different means: a class-weighted cross-entropy divides by
#: Σ w_y, the Jensen–Shannon divergence by N.
CE_JS = lossx.combine({"cce": 1.0, "jensen_shannon": 2.0}, name="test_cce_js", options={"cce": {"from_logits": True}})
CLASS_WEIGHT = (0.5, 2.0, 1.5)


def _segmentation(seed=0):
    """Channels-last (3, 4, 4, 3) logits, their labels, a sample weight and a mask of the samples."""
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((3, 4, 4, 3)) * 1.5,
        rng.integers(0, 3, (3, 4, 4)),
        np.array([0.5, 1.0, 2.0]),
        np.array([True, False, True]),
    )


def _rows(seed=1):
    """(5, 3) logits and one-hot targets."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((5, 3)) * 1.5, np.eye(3)[rng.integers(0, 3, 5)]


def test_options_are_the_components_declared_once():
    names = [option.name for option in DICE_CE.spec.options]
    assert names[:2] == ["dice_weight", "scce_weight"]
    # Declared alike by both (they read the same inputs): one option each.
    assert {"from_logits", "axis", "class_weight", "ignore_index"} <= set(names)
    # scce also takes a tuple of class axes, dice one axis: the shared axis is one axis.
    assert next(option for option in DICE_CE.spec.options if option.name == "axis").kind == "axis"
    with pytest.raises(OptionValueError, match="axis"):
        DICE_CE(*_segmentation()[:2], axis=(1, 2))
    assert names.count("from_logits") == 1 and DICE_CE.spec.validate({})["from_logits"] is True
    assert {"smooth", "label_smoothing"} <= set(names), "an option of one component keeps its name"
    assert [i.kind for i in DICE_CE.spec.inputs] == ["prediction", "labels"]
    # tversky's alpha (false positives, default 0.5) and the focal loss's (class balance, default None) differ.
    tversky_focal = lossx.combine(
        {"tversky": 1.0, "focal": 1.0}, name="test_tversky_focal", options={"focal": {"alpha": 0.25}}
    )
    declared = {option.name: option for option in tversky_focal.spec.options}
    assert {"tversky_alpha", "focal_alpha", "from_logits"} <= set(declared) and "alpha" not in declared
    assert declared["tversky_alpha"].default == 0.5 and declared["focal_alpha"].default == 0.25
    assert declared["focal_alpha"].canonical("x", None) is None, "an option off by default can still be turned off"
    assert (
        lossx.combine({"dice": 1.0, "scce": 0.5}, name="test_dice_ce", options={"dice": {"from_logits": True}})
        is DICE_CE
    ), "the same definition, the same loss"


def test_a_combined_loss_is_a_component_like_any_other():
    nested = lossx.combine(
        {"test_dice_ce": 2.0, "jaccard": 1.0}, name="test_nested", options={"jaccard": {"from_logits": True}}
    )
    names = [option.name for option in nested.spec.options]
    # class_weight is declared alike; from_logits is not (test_dice_ce's default is True, jaccard's False).
    assert "class_weight" in names and {"test_dice_ce_from_logits", "jaccard_from_logits"} <= set(names)
    logits, labels, _, _ = _segmentation()
    np.testing.assert_allclose(
        nested(logits, labels, class_weight=CLASS_WEIGHT),
        2.0 * DICE_CE(logits, labels, class_weight=CLASS_WEIGHT)
        + lossx.jaccard(logits, labels, from_logits=True, class_weight=CLASS_WEIGHT),
        rtol=1e-14,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
def test_every_reduction_is_the_weighted_sum_of_the_components(reduction, weighted):
    logits, labels, sample_weight, mask = _segmentation()
    common = {"reduction": reduction}
    if weighted:
        common.update(sample_weight=sample_weight, mask=mask, class_weight=CLASS_WEIGHT)
    expected = lossx.dice(logits, labels, from_logits=True, **common) + 0.5 * lossx.scce(
        logits, labels, from_logits=True, **common
    )
    np.testing.assert_allclose(DICE_CE(logits, labels, **common), expected, rtol=1e-14)
    np.testing.assert_allclose(
        DICE_CE(logits, labels, dice_weight=0.0, **common),
        0.5 * lossx.scce(logits, labels, from_logits=True, **common),
        rtol=1e-14,
    )


def test_none_adds_the_unreduced_results_of_one_shape():
    logits, targets = _rows()
    weight = np.array([1.0, 0.0, 2.0, 1.0, 0.5])
    expected = lossx.cce(
        logits, targets, from_logits=True, class_weight=CLASS_WEIGHT, reduction="none", sample_weight=weight
    ) + 2.0 * lossx.jensen_shannon(logits, targets, from_logits=True, reduction="none", sample_weight=weight)
    value = CE_JS(logits, targets, class_weight=CLASS_WEIGHT, reduction="none", sample_weight=weight)
    np.testing.assert_allclose(value, expected, rtol=1e-14)
    assert value.shape == (5,)
    segmentation_logits, labels, _, _ = _segmentation()
    with pytest.raises(
        ShapeError,
        match=r"test_dice_ce: reduction='none' adds .* dice's have shape \(3, 3\) and "
        r"scce's \(3, 4, 4\); use 'mean' or 'sum'",
    ):
        DICE_CE(segmentation_logits, labels, reduction="none")


def test_the_mean_is_not_one_reduction_of_the_summed_values():
    """Each component keeps its own denominator: Σ w_y for the class-weighted cross-entropy, N for the
    Jensen–Shannon divergence. One mean of the summed per-sample values divides both by one of them."""
    logits, targets = _rows()
    value = CE_JS(logits, targets, class_weight=CLASS_WEIGHT)
    cross_entropy = lossx.cce(logits, targets, from_logits=True, class_weight=CLASS_WEIGHT, reduction="none")
    divergence = lossx.jensen_shannon(logits, targets, from_logits=True, reduction="none")
    picked = targets @ np.array(CLASS_WEIGHT)  # w_y
    np.testing.assert_allclose(value, cross_entropy.sum() / picked.sum() + 2.0 * divergence.mean(), rtol=1e-14)
    summed = cross_entropy + 2.0 * divergence
    for one_reduction in (summed.sum() / picked.sum(), summed.mean()):
        assert abs(value - one_reduction) > 1e-3 * abs(value)


def test_the_default_name_joins_the_keys():
    combined = lossx.combine({"mse": 1.0, "MeanAbsoluteError": 0.25})
    assert combined.spec.name == "mse_plus_mean_absolute_error" and lossx.get("mse_plus_mean_absolute_error")
    y_pred, y_true = np.array([0.5, -1.0, 2.0]), np.array([0.0, 1.0, 1.5])
    np.testing.assert_allclose(
        combined(y_pred, y_true), np.mean((y_pred - y_true) ** 2) + 0.25 * np.mean(np.abs(y_pred - y_true)), rtol=1e-15
    )
    assert lossx.combine({"mse": 1.0, "mean_absolute_error": 0.25}) is combined
    with pytest.raises(ArgumentError, match="already registered; give the combination another name"):
        lossx.combine({"mse": 1.0, "mean_absolute_error": 0.5})


def _combine(weights, **kwargs):
    def call():
        lossx.combine(weights, **{"name": "test_refused", **kwargs})

    return call


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (_combine({"dcie": 1.0}), UnknownLossError, "test_refused: Unknown loss 'dcie'. Did you mean 'dice'"),
        (
            _combine({"dice": -0.5, "scce": 1.0}),
            OptionValueError,
            r"the weight of dice is -0.5; a weight is a finite "
            r"number ≥ 0",
        ),
        (_combine({}), ArgumentError, "weights must map one or more losses to their weights"),
        (
            _combine({"scce": 1.0, "mse": 1.0}),
            ArgumentError,
            r"scce takes y_true of kind 'labels' .* and mse of kind 'dense' .*Combine losses whose inputs agree",
        ),
        (
            _combine({"mse": 1.0, "triplet_margin": 1.0}),
            ArgumentError,
            "the components of a combined loss take the same inputs",
        ),
        (
            _combine({"dice": 1.0, "cce": 1.0}, options={"dice": {"axis": 1}, "cce": {"axis": -1}}),
            OptionValueError,
            r"axis is one option, shared by dice, cce.* two values \(dice: 1, cce: -1\)",
        ),
        (
            _combine({"dice": 1.0}, options={"scce": {}}),
            ArgumentError,
            "options are given for 'scce', which is not one",
        ),
        (_combine({"cce": 1.0, "categorical_cross_entropy": 1.0}), ArgumentError, "name the same loss"),
        (_combine({"dice": 1.0}, options={"dice": {"colour": 1}}), lossx.UnknownOptionError, "dice: unknown option"),
        (_combine({"dice": 2.0, "scce": 0.5}, name="test_dice_ce"), ArgumentError, "already registered"),
        (lambda: DICE_CE(*_segmentation()[:2], total_weight=4.0), ReductionError, "no single unreduced result or Σw"),
        (lambda: lossx.total_weight("test_dice_ce", *_segmentation()[:2]), ReductionError, "reduced on its own"),
    ],
    ids=[
        "unknown-loss",
        "negative-weight",
        "empty",
        "kinds",
        "arity",
        "shared-values",
        "options-key",
        "twice",
        "unknown-option",
        "name-taken",
        "total_weight",
        "lossx.total_weight",
    ],
)
def test_errors_say_what_to_do(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_torch_module_gradient_and_compile():
    torch = pytest.importorskip("torch")
    import lossx.backends.torch as LT

    logits, labels, sample_weight, _ = _segmentation()
    module = LT.TestDiceCe(class_weight=CLASS_WEIGHT, scce_weight=2.0, reduction="sum")
    assert "dice_weight=1.0, scce_weight=2.0" in repr(module) and "class_weight" in module.state_dict()
    target = torch.from_numpy(labels)

    def value_and_grad(loss):
        x = torch.tensor(logits, requires_grad=True)
        value = loss(x, target, sample_weight=torch.from_numpy(sample_weight))
        value.backward()
        return value.detach().numpy(), x.grad.numpy()

    options = {"from_logits": True, "class_weight": CLASS_WEIGHT, "reduction": "sum"}
    expected = value_and_grad(
        lambda x, t, sample_weight: (
            lossx.dice(x, t, sample_weight=sample_weight, **options)
            + 2.0 * lossx.scce(x, t, sample_weight=sample_weight, **options)
        )
    )
    for loss in (module, torch.compile(module, fullgraph=True)):
        for got, want in zip(value_and_grad(loss), expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_jax_jit_static_object_and_a_traced_weight():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import lossx.backends.jax as LJ

    logits, labels, _, _ = _segmentation()
    expected = lossx.dice(logits, labels, from_logits=True) + 0.5 * lossx.scce(logits, labels, from_logits=True)
    loss = LJ.TestDiceCe()
    assert hash(loss) == hash(LJ.TestDiceCe()) and loss == LJ.TestDiceCe(scce_weight=0.5)
    jitted = jax.jit(lambda f, x, y: f(x, y), static_argnums=0)
    np.testing.assert_allclose(jitted(loss, logits, labels), expected, rtol=1e-14)
    # The weights are float options: traceable, and the gradient with respect to one is its component.
    gradient = jax.jit(jax.grad(lambda w: lossx.test_dice_ce(logits, labels, dice_weight=w)))(1.0)
    np.testing.assert_allclose(gradient, lossx.dice(logits, labels, from_logits=True), rtol=1e-14)


def test_keras_class_reduces_each_component_as_keras_and_survives_save_and_load(tmp_path):
    keras = pytest.importorskip("keras")
    import lossx.backends.keras as LK

    logits, labels, sample_weight, _ = _segmentation()
    weight = sample_weight[:, None, None]  # Keras broadcasts sample_weight from the per-sample values' last axis
    loss = LK.TestDiceCe(class_weight=CLASS_WEIGHT, dtype="float64")

    def keras_mean(function, **options):  # Keras's sum_over_batch_size of lossx's weighted per-sample values
        return np.mean(
            function(logits, labels, class_weight=CLASS_WEIGHT, reduction="none", sample_weight=weight, **options)
        )

    expected = keras_mean(lossx.dice, from_logits=True) + 0.5 * keras_mean(lossx.scce, from_logits=True)
    value = loss(labels, logits, sample_weight=weight)
    # Keras's torch engine returns its float64 losses in float32 (tests/api/test_mapping.py, KERAS_FLOAT32_ENGINE_RTOL).
    in_float64 = keras.backend.standardize_dtype(value.dtype) == "float64"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(value), expected, rtol=1e-12 if in_float64 else 1e-6)
    with pytest.raises(ShapeError, match="adds its components' unreduced results"):
        LK.TestDiceCe(reduction="none")(labels, logits)
    config = loss.get_config()
    assert (
        config["dice_weight"] == 1.0 and config["scce_weight"] == 0.5 and config["class_weight"] == list(CLASS_WEIGHT)
    )
    assert LK.TestDiceCe.from_config(config).get_config() == config

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=LK.TestDiceCe(scce_weight=2.0))
    x = np.random.default_rng(2).standard_normal((6, 4, 4, 2)).astype("float32")
    y = np.random.default_rng(3).integers(0, 3, (6, 4, 4))
    model.fit(x, y, epochs=1, batch_size=3, verbose=0)
    path = tmp_path / "combined.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.loss) is LK.TestDiceCe and loaded.loss.get_config() == model.loss.get_config()
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6)
