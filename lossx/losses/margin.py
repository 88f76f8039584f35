"""Margin losses: hinge and its multiclass, squared and soft variants."""

from __future__ import annotations

from .._registry import define_loss
from ._shared import CLASS_AXIS, categorical_example, hinge_example

__all__ = [
    "hinge",
    "categorical_hinge",
]



@define_loss(example=hinge_example)
def hinge(xp, y_pred, y_true):
    """Hinge loss ``max(1 − t·y_pred, 0)``, elementwise.

    Targets are −1/1; a target of exactly 0 is read as −1, so 0/1 labels work too
    (Keras converts 0/1 labels only when the whole batch is 0/1; lossx decides per
    element, which agrees on every batch of hard labels).
    Shapes: as :func:`mean_squared_error`.
    Reference: keras.losses.Hinge; optax.hinge_loss.
    """
    signs = xp.where(xp.equal(y_true, 0), -xp.ones_like(y_true), y_true)
    margin = 1.0 - signs * y_pred
    return xp.maximum(margin, xp.zeros_like(margin))


@define_loss(options=[CLASS_AXIS], class_axis=True, example=categorical_example)
def categorical_hinge(xp, y_pred, y_true, *, axis):
    """Categorical hinge ``max(1 + max_c((1−t_c)·y_c) − Σ_c t_c·y_c, 0)`` over the class axis.

    Shapes: ``y_true`` (one-hot) like ``y_pred`` (..., C, ...); result without the class axis.
    Reference: Crammer & Singer (2001) multiclass hinge; keras.losses.CategoricalHinge
    (this is its exact formula).
    """
    positive = xp.sum(y_true * y_pred, axis=axis)
    negative = xp.max((1.0 - y_true) * y_pred, axis=axis)
    margin = 1.0 + negative - positive
    return xp.maximum(margin, xp.zeros_like(margin))
