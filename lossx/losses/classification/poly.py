"""Poly-1 cross-entropy: the cross-entropy plus ε·(1 − p_t)."""

from __future__ import annotations

from ... import primitives as P
from ..._options import Option
from ..._reduction import LossTerms
from ..._registry import define_loss
from ...examples import classification as examples
from .._shared import CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT, FROM_LOGITS, along_axis
from ._labels import smoothed

__all__ = ["poly_cross_entropy"]


@define_loss(
    options=[
        Option(
            "epsilon",
            "float",
            2.0,
            "ε: coefficient of the added first polynomial term (1 − p_t); 0 gives cross-entropy.",
            low=-1.0,
        ),
        FROM_LOGITS,
        CATEGORICAL_SMOOTHING,
        CLASS_AXIS,
        CLASS_WEIGHT,
    ],
    class_axis=True,
    probabilities=True,
    aliases=("poly1", "poly_loss"),
    example=examples.categorical_example,
    showcase=examples.POLY_CROSS_ENTROPY,
)
def poly_cross_entropy(xp, y_pred, y_true, *, epsilon, from_logits, label_smoothing, axis, class_weight):
    """Poly-1 loss ``Σ_c w_c·t̃_c·(−log p_c + ε·(1 − p_c))`` over the class axis.

    For one-hot targets this is ``CE + ε·(1 − p_y)``, Leng et al.'s Poly-1;
    for soft targets it is optax's ``CE(t, p) + ε·Σ_c t_c·(1 − p_c)``.
    ``t̃ = t·(1−ε_ls) + ε_ls/C`` is the smoothed target (the paper smooths both
    terms), ``w_c`` the class weight ('mean' divides by ``Σ_c w_c·t_c``).
    From logits ``log p`` is log-softmax and ``1 − p = −expm1(log p)`` (exact near
    p = 1, finite at logits ±1e4); from probabilities ``0·log 0 = 0``, no clipping.
    ε ≥ −1 keeps every polynomial coefficient non-negative (the paper's range).
    Shapes: ``y_true`` like ``y_pred`` (..., C, ...); result without the class axis.
    Reference: Leng et al. (2022), "PolyLoss: A Polynomial Expansion Perspective of
    Classification Loss Functions"; optax.poly_loss_cross_entropy (epsilon=2.0).
    """
    target = smoothed(xp, y_pred, y_true, label_smoothing, axis)
    scaled = target
    if class_weight is not None:
        weights = along_axis(xp, class_weight, y_pred.ndim, axis)
        scaled = target * weights
    if from_logits:
        # The cross-entropy through its primitive (closed-form derivatives where the framework
        # has them), the polynomial term beside it.
        one_minus_p = -xp.expm1(P.log_softmax(y_pred, axis=axis))
        value = P.softmax_cross_entropy_soft(y_pred, scaled, axis=axis) + epsilon * xp.sum(
            scaled * one_minus_p, axis=axis
        )
    else:
        value = xp.sum(epsilon * (scaled * (1.0 - y_pred)) - P.xlogy(scaled, y_pred), axis=axis)
    if class_weight is None:
        return value
    return LossTerms(value, weight=xp.sum(y_true * weights, axis=axis))
