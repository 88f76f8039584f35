"""Presets: the frameworks' familiar class names (lossx/_presets.py) in the torch and Keras adapters.

Each preset is checked against the framework's own class of the same name, with
default arguments, on the loss's own example inputs (``define_loss(example=...)``),
and its option translation and errors are checked once here; the mapping page
(tests/test_mapping.py) adds rows with non-default options.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossx
from conftest import framework, installed
from lossx._presets import define_preset, presets

TORCH_PRESETS = presets("torch")
KERAS_PRESETS = presets("keras")


def _example(preset) -> tuple:
    spec = preset.spec
    return spec.example(np.random.default_rng(7), spec.validate(preset.lossx_options({})))


@pytest.mark.skipif(not installed("torch"), reason="torch is not installed")
@pytest.mark.parametrize("preset", TORCH_PRESETS, ids=[p.name for p in TORCH_PRESETS])
def test_torch_preset_equals_torch_class_of_the_same_name(preset):
    torch = framework("torch")
    import lossx.backends.torch as LT

    ours = getattr(LT, preset.name)()
    # By name: a test elsewhere re-imports lossx, which makes new class objects.
    assert [base.__name__ for base in type(ours).__bases__] == [preset.spec.camel_name]
    theirs = getattr(torch.nn, preset.name)(reduction=preset.default_reduction or "mean")
    arrays = [torch.from_numpy(np.array(a)) for a in _example(preset)]
    leaf = arrays[0].requires_grad_(True)
    our_value = ours(*arrays)
    (our_grad,) = torch.autograd.grad(our_value, leaf)
    their_value = theirs(*arrays)
    (their_grad,) = torch.autograd.grad(their_value, leaf)
    torch.testing.assert_close(our_value, their_value, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(our_grad, their_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(not installed("torch"), reason="torch is not installed")
def test_torch_preset_translates_names_and_refuses_fixed_options():
    torch = framework("torch")
    import lossx.backends.torch as LT

    weight = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    module = LT.CrossEntropyLoss(weight=weight, label_smoothing=0.1)
    assert "ignore_index=-100" in repr(module) and "axis=1" in repr(module)
    assert torch.equal(module.state_dict()["class_weight"], weight)
    with pytest.raises(lossx.OptionValueError, match="always has from_logits=True"):
        LT.CrossEntropyLoss(from_logits=False)
    with pytest.raises(lossx.UnknownOptionError, match="has no option 'wieght'"):
        LT.CrossEntropyLoss(wieght=weight)


@pytest.mark.skipif(not installed("tensorflow") and not installed("jax") and not installed("torch"),
                    reason="no Keras engine installed")
@pytest.mark.parametrize("preset", KERAS_PRESETS, ids=[p.name for p in KERAS_PRESETS])
def test_keras_preset_equals_keras_class_of_the_same_name(preset):
    keras = pytest.importorskip("keras")
    import lossx.backends.keras as LK

    y_pred, y_true = _example(preset)[:2]
    ours = getattr(LK, preset.name)(dtype="float64")
    theirs = getattr(keras.losses, preset.name)(dtype="float64")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(y_true, y_pred)), keras.ops.convert_to_numpy(theirs(y_true, y_pred)),
        rtol=1e-6,  # Keras clips probabilities with epsilon 1e-7
    )
    restored = keras.losses.deserialize(keras.losses.serialize(ours))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()


@pytest.mark.skipif(not installed("tensorflow") and not installed("jax") and not installed("torch"),
                    reason="no Keras engine installed")
def test_keras_preset_config_uses_keras_names():
    pytest.importorskip("keras")
    import lossx.backends.keras as LK

    config = LK.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3).get_config()
    assert config["apply_class_balancing"] is True and config["alpha"] == 0.3
    assert LK.BinaryFocalCrossentropy().lossx_options["alpha"] is None
    config = LK.SparseCategoricalCrossentropy(ignore_class=-1).get_config()
    assert config["ignore_class"] == -1 and "ignore_index" not in config
    assert LK.SparseCategoricalCrossentropy.from_config(config).lossx_options["ignore_index"] == -1


def test_every_preset_names_a_registered_loss():
    names = set(lossx.loss_names())
    assert {p.loss for p in presets()} <= names
    assert {p.name for p in TORCH_PRESETS} >= {
        "CrossEntropyLoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "NLLLoss", "KLDivLoss",
    }


def _keras_modules():
    keras = pytest.importorskip("keras")
    import lossx.backends.keras as LK

    return keras, LK


needs_keras = pytest.mark.skipif(
    not installed("tensorflow") and not installed("jax") and not installed("torch"), reason="no Keras engine installed"
)
REPLACING = [p for p in KERAS_PRESETS if p.replaces_own_class]
DENSE_TARGET_PRESETS = [p for p in KERAS_PRESETS if p.spec.target.kind in ("dense", "classes")]
#: Keras gives a number for a broadcast target that its own formula does not: keras.losses.dice
#: sums y_true before broadcasting it (Σt counts it once, Σ t·p once per prediction).
REFUSED_THOUGH_KERAS_BROADCASTS = {"Dice"}


def test_replacing_presets_are_keras_classes_named_like_lossx_ones():
    assert {p.name for p in REPLACING} == {"Dice", "Tversky", "Circle"}
    for preset in REPLACING:
        assert preset.name == preset.spec.camel_name


@needs_keras
@pytest.mark.parametrize("preset", REPLACING, ids=[p.name for p in REPLACING])
def test_replacing_preset_takes_the_place_of_the_own_class(preset):
    keras, LK = _keras_modules()
    cls = getattr(LK, preset.name)
    assert cls.preset is preset
    assert keras.saving.get_registered_object(f"lossx>{preset.name}") is cls
    assert preset.spec.camel_name in dir(LK) and preset.function in dir(LK)
    # lossx's own class is the base, with lossx's semantics (the generic function's numbers).
    (base,) = cls.__bases__
    y_pred, y_true = _example(preset)[:2]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(base(reduction="none", dtype="float64")(y_true, y_pred)),
        getattr(lossx, preset.loss)(y_pred, y_true, reduction="none"), rtol=1e-12,
    )


def test_presets_declare_their_features_consistently():
    with pytest.raises(ValueError, match="replaces_own_class is for a preset named like the loss's own class, Dice"):
        define_preset("KerasDice", "keras", "dice", replaces_own_class=True)
    with pytest.raises(ValueError, match="Dice is already lossx's own class for dice.*replaces_own_class=True"):
        define_preset("Dice", "torch", "dice")
    with pytest.raises(ValueError, match="function, same_shape are implemented by the Keras adapter only"):
        define_preset("TorchDice", "torch", "dice", function="dice", same_shape=True)
    assert "TorchDice" not in {p.name for p in presets()}


@needs_keras
def test_keras_preset_functions_are_keras_functions():
    keras, LK = _keras_modules()
    functions = {p.function for p in KERAS_PRESETS if p.function}
    assert functions <= set(dir(keras.losses))
    assert {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "dice",
            "tversky", "circle", "kl_divergence", "ctc"} <= functions


@needs_keras
@pytest.mark.parametrize("preset", DENSE_TARGET_PRESETS, ids=[p.name for p in DENSE_TARGET_PRESETS])
def test_keras_preset_refuses_a_broadcast_target_exactly_where_keras_does(preset):
    """``same_shape`` is checked against Keras itself: a (1, ...) target for an (N, ...) prediction."""
    keras, LK = _keras_modules()
    y_pred, y_true = _example(preset)[:2]
    y_true = y_true[:1]
    theirs = getattr(keras.losses, preset.name)(dtype="float64")
    ours = getattr(LK, preset.name)(dtype="float64")
    try:
        expected = keras.ops.convert_to_numpy(theirs(y_true, y_pred))
    except ValueError:
        assert preset.same_shape, "Keras refuses the broadcast target; declare same_shape=True"
        with pytest.raises(lossx.ShapeError, match="must have the same shape"):
            ours(y_true, y_pred)
        return
    if preset.name in REFUSED_THOUGH_KERAS_BROADCASTS:
        assert preset.same_shape
        with pytest.raises(lossx.ShapeError, match="must have the same shape"):
            ours(y_true, y_pred)
        return
    assert not preset.same_shape, "Keras broadcasts the target"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(y_true, y_pred)), expected, rtol=1e-6)
