"""Categorical and sparse categorical focal losses: the cross-entropy scaled by (1 − p)^γ."""

from __future__ import annotations

import math

from ... import primitives as P
from ..._options import Option
from ..._reduction import LossTerms
from ..._registry import define_loss
from ...examples import classification as examples
from .._shared import CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT, FROM_LOGITS, along_axis, class_count, is_off
from ._labels import IGNORE_INDEX, along_classes, pick, picked, smoothed, split_labels, valid_rows

__all__ = ["categorical_focal_cross_entropy", "sparse_categorical_focal_cross_entropy"]

_MINUS_LOG_2 = -math.log(2.0)


def _log1mexp(xp, a):
    """``log(1 − exp(a))`` for ``a < 0``, accurate on both sides of ``a = −log 2`` (Mächler, 2012).

    Each branch only ever sees arguments where it is finite, so neither leaks a NaN gradient.
    """
    near_zero = xp.greater(a, _MINUS_LOG_2)
    minus_one = xp.full_like(a, -1.0)
    upper = xp.where(near_zero, a, minus_one)
    lower = xp.where(near_zero, minus_one, a)
    return xp.where(near_zero, xp.log(-xp.expm1(upper)), xp.log1p(-xp.exp(lower)))


def _modulating_from_log(xp, log_p, gamma):
    """The focal factor ``(1 − p)^γ = exp(γ·log(1 − p))`` from ``log p``, for ``γ > 0``.

    Exactly 0 where ``p`` rounds to 1, with a zero (not NaN) gradient there.
    """
    certain = xp.greater_equal(log_p, 0)
    safe = xp.where(certain, xp.full_like(log_p, -1.0), log_p)
    return xp.where(certain, xp.zeros_like(log_p), xp.exp(gamma * _log1mexp(xp, safe)))


def _modulating_from_probabilities(xp, p, gamma):
    """The focal factor ``(1 − p)^γ = exp(γ·log1p(−p))``, for ``γ > 0``; 0 at ``p = 1`` with a zero gradient."""
    certain = xp.greater_equal(p, 1)
    safe = xp.where(certain, xp.zeros_like(p), p)
    return xp.where(certain, xp.zeros_like(p), xp.exp(gamma * xp.log1p(-safe)))


_ALPHA = Option(
    "alpha",
    "float_or_weights",
    None,
    "Class balance α: a scalar or one factor per class (not part of the 'mean' denominator); None = 1.",
    low=0.0,
)
_GAMMA = Option("gamma", "float", 2.0, "Focusing exponent γ of the modulating factor (1 − p_c)^γ.", low=0.0)


@define_loss(
    options=[_ALPHA, _GAMMA, FROM_LOGITS, CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT],
    class_axis=True,
    probabilities=True,
    aliases=("categorical_focal",),
    example=examples.categorical_example,
    showcase=examples.CATEGORICAL_FOCAL_CROSS_ENTROPY,
)
def categorical_focal_cross_entropy(
    xp, y_pred, y_true, *, alpha, gamma, from_logits, label_smoothing, axis, class_weight
):
    """Categorical focal loss ``−Σ_c α_c·w_c·t̃_c·(1 − p_c)^γ·log p_c`` over the class axis.

    ``t̃ = t·(1−ε) + ε/C`` is the smoothed target, ``α_c`` the balance factor (scalar or
    per class; 1 when ``alpha`` is None), ``w_c`` the class weight. As in Keras the
    modulating factor of each class uses that class's own probability, so one-hot
    targets give ``α_y·(1 − p_y)^γ·(−log p_y)`` (Lin et al.'s form). From logits,
    ``log p`` is log-softmax and ``(1 − p)^γ = exp(γ·log1mexp(log p))``, so it stays
    exact where ``p`` is near 1 or underflows (finite at logits ±1e4). From
    probabilities ``0·log 0 = 0`` and probabilities are taken as given (no clipping,
    no renormalisation). γ = 0 is the (α-scaled) categorical cross-entropy. With
    ``class_weight`` the 'mean' denominator is ``Σ_c w_c·t_c``, as in
    :func:`categorical_cross_entropy`; α is not part of it.
    Shapes: ``y_true`` like ``y_pred`` (..., C, ...); result without the class axis.
    Reference: Lin et al. (2017), "Focal Loss for Dense Object Detection";
    keras.losses.CategoricalFocalCrossentropy (alpha=0.25, gamma=2.0).
    """
    target = smoothed(xp, y_pred, y_true, label_smoothing, axis)
    scaled = target
    if class_weight is not None:
        weights = along_axis(xp, class_weight, y_pred.ndim, axis)
        scaled = scaled * weights
    if alpha is not None:
        scaled = scaled * along_classes(xp, alpha, y_pred.ndim, axis)
    if from_logits:
        log_p = P.log_softmax(y_pred, axis=axis)
        terms = P.times_log(scaled, log_p)
        if not is_off(gamma):
            terms = terms * _modulating_from_log(xp, log_p, gamma)
    else:
        terms = P.xlogy(scaled, y_pred)
        if not is_off(gamma):
            terms = terms * _modulating_from_probabilities(xp, y_pred, gamma)
    value = -xp.sum(terms, axis=axis)
    if class_weight is None:
        return value
    return LossTerms(value, weight=xp.sum(y_true * weights, axis=axis))


@define_loss(
    options=[_ALPHA, _GAMMA, FROM_LOGITS, CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT, IGNORE_INDEX],
    target="labels",
    class_axis=True,
    probabilities=True,
    aliases=("sparse_focal",),
    example=examples.sparse_example,
    showcase=examples.SPARSE_CATEGORICAL_FOCAL_CROSS_ENTROPY,
)
def sparse_categorical_focal_cross_entropy(
    xp, y_pred, y_true, *, alpha, gamma, from_logits, label_smoothing, axis, class_weight, ignore_index
):
    """Focal loss with integer labels: ``α_y·w_y·(1 − p_y)^γ·(−log p_y)``.

    With label smoothing ε it is the focal loss of the smoothed one-hot target,
    ``(1−ε)·α_y·w_y·(1 − p_y)^γ·(−log p_y) + (ε/C)·Σ_c α_c·w_c·(1 − p_c)^γ·(−log p_c)``
    (torch's label-smoothing rule; docs/semantics.md, reductions and weights), so it equals
    :func:`categorical_focal_cross_entropy` on one-hot targets. From logits
    ``log p_y = −softmax_cross_entropy(x, y)`` (accurate where ``p_y → 1``) and
    ``(1 − p_y)^γ = exp(γ·log1mexp(log p_y))`` (finite at logits ±1e4). Entries whose label
    equals ``ignore_index`` contribute nothing and count nothing; the 'mean' denominator is ``Σ w_y`` over the others
    (α is not part of it).
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted).
    Reference: Lin et al. (2017), "Focal Loss for Dense Object Detection";
    keras.losses.CategoricalFocalCrossentropy on one-hot targets.
    """
    labels, valid = split_labels(xp, y_true, ignore_index)
    if from_logits:
        log_p = None if is_off(label_smoothing) else P.log_softmax(y_pred, axis=axis)
        if log_p is None:
            log_p_y = -P.softmax_cross_entropy(y_pred, labels, axis=axis)
        else:
            log_p_y = pick(xp, log_p, labels, axis)
        if valid is not None:  # a harmless stand-in at ignored entries: no inf there, so no NaN gradient
            log_p_y = xp.where(valid, log_p_y, xp.zeros_like(log_p_y))
        value = -log_p_y
        if not is_off(gamma):
            value = value * _modulating_from_log(xp, log_p_y, gamma)
    else:
        p_y = pick(xp, y_pred, labels, axis)
        if valid is not None:
            p_y = xp.where(valid, p_y, xp.ones_like(p_y))
        value = -xp.log(p_y)
        if not is_off(gamma):
            value = value * _modulating_from_probabilities(xp, p_y, gamma)
    if alpha is not None:
        value = picked(alpha, labels) * value
    weight = None if class_weight is None else P.gather(class_weight, labels)
    if weight is not None:
        value = weight * value
    if not is_off(label_smoothing):
        if from_logits:
            assert log_p is not None  # found above wherever label smoothing is on
            every = -log_p
            if not is_off(gamma):
                every = every * _modulating_from_log(xp, log_p, gamma)
        else:
            y_pred = valid_rows(xp, y_pred, valid, axis)
            every = -xp.log(y_pred)
            if not is_off(gamma):
                every = every * _modulating_from_probabilities(xp, y_pred, gamma)
        if alpha is not None:
            every = along_classes(xp, alpha, y_pred.ndim, axis) * every
        if class_weight is not None:
            every = along_axis(xp, class_weight, y_pred.ndim, axis) * every
        num_classes = class_count(xp, y_pred, axis, False)
        value = (1.0 - label_smoothing) * value + (label_smoothing / num_classes) * xp.sum(every, axis=axis)
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)
