"""Regression losses: elementwise errors between predictions and real targets."""

from __future__ import annotations

from .._options import Option
from .._presets import define_preset
from .._registry import define_loss
from ._shared import regression_example

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
]



@define_loss(aliases=("mse",), example=regression_example)
def mean_squared_error(xp, y_pred, y_true):
    """Squared error ``(y_pred − y_true)²``, elementwise.

    Shapes: ``y_pred`` and ``y_true`` broadcast to a common shape (one of theirs).
    Reference: torch.nn.MSELoss; keras.losses.MeanSquaredError (which also
    averages the last axis per sample).
    """
    residual = y_pred - y_true
    return residual * residual


@define_loss(aliases=("mae",), example=regression_example)
def mean_absolute_error(xp, y_pred, y_true):
    """Absolute error ``|y_pred − y_true|``, elementwise.

    Shapes: as :func:`mean_squared_error`.
    Reference: torch.nn.L1Loss; keras.losses.MeanAbsoluteError.
    """
    return xp.abs(y_pred - y_true)


@define_loss(
    options=[Option("delta", "float", 1.0, "Where the loss turns from quadratic to linear.", low=0.0, low_open=True)],
    example=regression_example,
    showcase=({}, {"delta": 0.5}),
)
def huber(xp, y_pred, y_true, *, delta):
    """Huber loss: ``½e²`` for ``|e| ≤ δ``, ``δ(|e| − ½δ)`` beyond, with ``e = y_pred − y_true``.

    Computed as ``½q² + δ(|e| − q)`` with ``q = min(|e|, δ)``, which never squares a
    large residual, so it stays finite for residuals up to the dtype's maximum.
    Shapes: as :func:`mean_squared_error`.
    Reference: Huber (1964), "Robust Estimation of a Location Parameter";
    torch.nn.HuberLoss(delta); keras.losses.Huber(delta); optax.huber_loss.
    """
    magnitude = xp.abs(y_pred - y_true)
    quadratic = xp.minimum(magnitude, xp.full_like(magnitude, delta))
    return 0.5 * quadratic * quadratic + delta * (magnitude - quadratic)


# ----------------------------------------------------------------- presets

define_preset("MSELoss", "torch", "mean_squared_error", doc="torch.nn.MSELoss.")
define_preset("L1Loss", "torch", "mean_absolute_error", doc="torch.nn.L1Loss.")
define_preset("HuberLoss", "torch", "huber", doc="torch.nn.HuberLoss(delta).")
