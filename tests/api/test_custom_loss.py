"""docs/semantics.md (custom losses): a user-defined loss exists everywhere, through the same machinery."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import lossx
import lossx.testing


@lossx.define_loss(
    options=[lossx.Option("power", "float", 2.0, "Exponent of the absolute residual.", low=1.0)],
    aliases=("pow_err",),
)
def power_error(xp, y_pred, y_true, *, power):
    """``|y_pred − y_true|^power``, elementwise. Reference: the Lp losses."""
    return xp.abs(y_pred - y_true) ** power


def test_generic_function_goes_through_the_machinery():
    y_pred, y_true = np.array([[1.0, 2.0], [3.0, 5.0]]), np.zeros((2, 2))
    assert lossx.power_error is power_error
    np.testing.assert_allclose(power_error(y_pred, y_true, power=1.5), np.mean(np.abs(y_pred) ** 1.5), rtol=1e-15)
    weights = np.array([1.0, 3.0])
    expected = (1 * (1 + 4) + 3 * (9 + 25)) / (2 * 1 + 2 * 3)
    np.testing.assert_allclose(power_error(y_pred, y_true, sample_weight=weights), expected, rtol=1e-15)
    with pytest.raises(lossx.OptionValueError, match=r"power=0\.5 is out of range"):
        power_error(y_pred, y_true, power=0.5)


def test_custom_loss_in_every_installed_adapter():
    import lossx.backends.numpy as numpy_adapter

    assert numpy_adapter.PowerError(power=3.0)(np.array([2.0]), np.array([0.0])) == 8.0
    assert lossx.get("pow_err", power=3.0).options == {"power": 3.0}
    for backend in lossx.installed_backends():
        module = lossx.backends.load(backend)
        assert hasattr(module, "PowerError") and hasattr(module, "power_error")


def test_custom_loss_checked_across_frameworks_by_the_testing_helpers():
    rows = lossx.testing.compare("power_error", {"power": 3.0})
    frameworks = {row.framework for row in rows}
    # Keras's classes are checked against Keras's own (drop-ins), not as a mode of compare.
    assert frameworks == {f for f in lossx.testing.installed_frameworks() if lossx.testing.MODES[f]}
    assert all(row.passed for row in rows), [row for row in rows if not row.passed]


def test_custom_loss_docstring_lists_options():
    assert "power = 2.0" in power_error.__doc__ and "Valid: [1, inf)" in power_error.__doc__


def test_duplicate_name_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        lossx.define_loss(power_error.spec.body, name="power_error")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_custom_loss_torch_module():
    import torch

    import lossx.backends.torch as torch_adapter

    module = torch_adapter.PowerError(power=3.0, reduction="sum")
    assert "power=3.0" in repr(module)
    y_pred = torch.tensor([1.0, -2.0], requires_grad=True)
    module(y_pred, torch.zeros(2)).backward()
    torch.testing.assert_close(y_pred.grad, torch.tensor([3.0, -12.0]))


@lossx.define_loss(options=[lossx.Option("delta", "float", 1.0, "Huber threshold.", low=0.0, low_open=True)])
def deferred_huber(xp, y_pred, y_true, *, delta):
    """Huber as a deferred primitive: ``P.deferred(P.huber, ...)``. Reference: torch.nn.HuberLoss."""
    return lossx.primitives.deferred(lossx.primitives.huber, y_pred, y_true, delta)


def test_deferred_primitive_is_the_primitive_under_every_reduction():
    y_pred, y_true = np.array([[0.2, -3.0], [1.5, 0.4]]), np.array([[0.0, 0.0], [0.0, 1.0]])
    error = np.abs(y_pred - y_true)
    per_entry = np.where(error <= 0.5, 0.5 * error**2, 0.5 * (error - 0.25))
    np.testing.assert_allclose(deferred_huber(y_pred, y_true, delta=0.5, reduction="none"), per_entry, rtol=1e-15)
    np.testing.assert_allclose(deferred_huber(y_pred, y_true, delta=0.5), per_entry.mean(), rtol=1e-15)
    weights = np.array([2.0, 1.0])
    np.testing.assert_allclose(
        deferred_huber(y_pred, y_true, delta=0.5, sample_weight=weights),
        (2 * per_entry[0].sum() + per_entry[1].sum()) / 6.0,
        rtol=1e-15,
    )
    terms = deferred_huber.spec.evaluate((y_pred, y_true), {"delta": 0.5})[1]
    np.testing.assert_allclose(terms.value, per_entry, rtol=1e-15)
    rows = lossx.testing.compare("deferred_huber", {"delta": 0.5})
    assert all(row.passed for row in rows), [row for row in rows if not row.passed]


def test_deferred_takes_primitives_only():
    with pytest.raises(ValueError, match=r"primitive of lossx\.primitives"):
        lossx.primitives.deferred(np.abs, np.ones(2))


def test_packing_holds_every_required_input_once():
    three = [lossx.Input("a", "prediction"), lossx.Input("b"), lossx.Input("c")]
    with pytest.raises(
        ValueError,
        match=r"packing must hold each required input \(a, b, c\) once, in y_pred or "
        r"y_true; it holds a, b, b",
    ):
        lossx.define_loss(
            lambda xp, a, b, c: a, name="badly_packed", inputs=three, packing=lossx.Packing(("a", "b"), y_true="b")
        )
    assert "badly_packed" not in {spec.name for spec in lossx.registered()}
    with pytest.raises(ValueError, match="two or more inputs along a negative axis"):
        lossx.Packing(("a", "b"), axis=1)
