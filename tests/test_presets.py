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
from lossx._presets import presets

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
