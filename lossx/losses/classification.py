"""Classification losses: cross-entropies, focal, poly and generalized cross-entropies,
KL divergence and negative log-likelihood."""

from __future__ import annotations

import math

from .. import primitives as P
from ..examples import classification as examples
from .._errors import OptionValueError
from .._options import Option
from .._reduction import LossTerms
from .._checks import check_probabilities
from .._registry import define_loss
from ._shared import (
    BINARY_SMOOTHING,
    CATEGORICAL_SMOOTHING,
    CLASS_AXIS,
    CLASS_WEIGHT,
    FROM_LOGITS,
    along_axis,
    class_count,
    is_off,
)

__all__ = [
    "binary_cross_entropy",
    "binary_focal_cross_entropy",
    "categorical_cross_entropy",
    "sparse_categorical_cross_entropy",
    "categorical_focal_cross_entropy",
    "sparse_categorical_focal_cross_entropy",
    "poly_cross_entropy",
    "generalized_cross_entropy",
    "kl_divergence",
    "nll",
]


# ----------------------------------------------------------------- binary


@define_loss(
    options=[
        FROM_LOGITS,
        BINARY_SMOOTHING,
        Option(
            "pos_weight", "float_or_weights", None,
            "Weight of the positive term (scalar, or one per entry of the last axis).", low=0.0,
        ),
    ],
    target="binary",
    probabilities=True,
    aliases=("bce",),
    example=examples.binary_example,
    showcase=examples.BINARY_CROSS_ENTROPY,
)
def binary_cross_entropy(xp, y_pred, y_true, *, from_logits, label_smoothing, pos_weight):
    """Binary cross-entropy ``−[w·t·log p + (1−t)·log(1−p)]``, elementwise.

    ``t`` is the (smoothed) target in [0, 1], ``w`` the positive weight (1 by default).
    From logits ``x`` it is ``(1−t)·softplus(x) + w·t·softplus(−x)``, summed from
    non-negative terms: finite for logits ±1e4, and a tiny loss keeps its relative
    accuracy (logit −30 with label 0: ``log1p(e^−30)``). From probabilities it uses
    ``0·log 0 = 0``, so saturated probabilities give exact values (no clipping).
    Shapes: ``y_true`` broadcasts with ``y_pred``; a vector ``pos_weight`` runs along
    the last axis.
    Reference: torch.nn.BCEWithLogitsLoss(pos_weight) and BCELoss;
    keras.losses.BinaryCrossentropy; optax.sigmoid_binary_cross_entropy.
    """
    target = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        return P.deferred(P.sigmoid_cross_entropy, y_pred, target, pos_weight)
    positive = P.xlogy(target, y_pred)
    if pos_weight is not None:
        positive = pos_weight * positive
    return -(positive + P.xlog1py(1.0 - target, -y_pred))


def _log_or_minus_inf(xp, value):
    """``log(value)`` with ``-inf`` at 0, computed without a divide-by-zero warning."""
    zero = xp.equal(value, 0)
    return xp.where(zero, xp.full_like(value, -float("inf")), xp.log(xp.where(zero, xp.ones_like(value), value)))


def _smooth_binary(target, label_smoothing):
    return target if is_off(label_smoothing) else target * (1.0 - label_smoothing) + 0.5 * label_smoothing


@define_loss(
    options=[
        Option(
            "alpha", "float", None,
            "Class balance: weight α for positives and 1−α for negatives; None = no balancing.",
            low=0.0, high=1.0,
        ),
        Option("gamma", "float", 2.0, "Focusing exponent γ of the modulating factor (1 − p_t)^γ.", low=0.0),
        FROM_LOGITS,
        BINARY_SMOOTHING,
    ],
    target="binary",
    probabilities=True,
    aliases=("focal", "binary_focal"),
    example=examples.binary_example,
    showcase=examples.BINARY_FOCAL_CROSS_ENTROPY,
)
def binary_focal_cross_entropy(xp, y_pred, y_true, *, alpha, gamma, from_logits, label_smoothing):
    """Binary focal loss ``α_t · (1 − p_t)^γ · BCE(p, t)``, elementwise.

    ``p_t = t·p + (1−t)·(1−p)`` and ``α_t = t·α + (1−t)·(1−α)`` (only when ``alpha``
    is given), with ``t`` the smoothed target (as Keras). From logits the
    modulating factor is ``exp(γ·log(t·σ(−x) + (1−t)·σ(x)))`` with the log taken
    by logaddexp of log-sigmoids, so it stays exact where σ underflows.
    Shapes: as :func:`binary_cross_entropy`.
    Reference: Lin et al. (2017), "Focal Loss for Dense Object Detection";
    torchvision.ops.sigmoid_focal_loss (alpha=0.25); keras.losses.BinaryFocalCrossentropy.
    """
    target = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        log_sigmoid = P.log_sigmoid(y_pred)
        log_sigmoid_neg = log_sigmoid - y_pred
        cross_entropy = P.sigmoid_cross_entropy(y_pred, target)
        log_one_minus_pt = xp.logaddexp(_log_or_minus_inf(xp, target) + log_sigmoid_neg,
                                        _log_or_minus_inf(xp, 1.0 - target) + log_sigmoid)
        modulating = xp.exp(gamma * log_one_minus_pt)
    else:
        cross_entropy = -(P.xlogy(target, y_pred) + P.xlog1py(1.0 - target, -y_pred))
        one_minus_pt = target * (1.0 - y_pred) + (1.0 - target) * y_pred
        modulating = one_minus_pt**gamma
    loss = modulating * cross_entropy
    if alpha is not None:
        loss = (target * alpha + (1.0 - target) * (1.0 - alpha)) * loss
    return loss


# ----------------------------------------------------------------- categorical


_IGNORE_INDEX = Option("ignore_index", "int", None, "A label value that contributes nothing and counts nothing.")


_MINUS_LOG_2 = -math.log(2.0)


def _split_labels(xp, y_true, ignore_index):
    """``(labels, valid)``: ignored entries become class 0 and are False in ``valid`` (None: none ignored)."""
    if ignore_index is None:
        return y_true, None
    valid = xp.not_equal(y_true, ignore_index)
    return xp.where(valid, y_true, xp.zeros_like(y_true)), valid


def _valid_rows(xp, y_pred, valid, axis):
    """Probabilities with the rows of ignored entries set to 1: zeros there would give NaN gradients."""
    if valid is None:
        return y_pred
    return xp.where(xp.expand_dims(valid, axis=axis), y_pred, xp.ones_like(y_pred))


def _pick(xp, x, labels, axis):
    """The entries of ``x`` chosen by ``labels`` along ``axis``, with that axis removed."""
    return P.drop_axis(P.take_along_axis(x, xp.expand_dims(labels, axis=axis), axis=axis), axis)


def _smoothed(xp, y_pred, y_true, label_smoothing, axis):
    """Categorical label smoothing ``t·(1−ε) + ε/C`` (docs/semantics.md, reductions and weights)."""
    if is_off(label_smoothing):
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / class_count(xp, y_pred, axis, True)


@define_loss(
    options=[FROM_LOGITS, CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT],
    class_axis=True,
    probabilities=True,
    aliases=("cce",),
    example=examples.categorical_example,
    showcase=examples.CATEGORICAL_CROSS_ENTROPY,
)
def categorical_cross_entropy(xp, y_pred, y_true, *, from_logits, label_smoothing, axis, class_weight):
    """Categorical cross-entropy ``−Σ_c w_c·t̃_c·log p_c`` over the class axis.

    ``t̃ = t·(1−ε) + ε/C`` is the smoothed target. From logits, ``log p`` is
    log-softmax; terms with ``t̃_c = 0`` are exactly 0, so −inf logits in masked
    classes are fine. From probabilities ``0·log 0 = 0``; probabilities are not
    renormalised. With ``class_weight`` the element's weight (the 'mean'
    denominator) is ``Σ_c w_c·t_c`` — ``w[y]`` for one-hot targets, so one-hot
    targets give exactly :func:`sparse_categorical_cross_entropy`.
    Shapes: ``y_true`` like ``y_pred`` (..., C, ...); result without the class axis.
    Reference: torch.nn.CrossEntropyLoss with probability targets;
    keras.losses.CategoricalCrossentropy; optax.softmax_cross_entropy.
    """
    scaled_target = _smoothed(xp, y_pred, y_true, label_smoothing, axis)
    if class_weight is not None:
        weights = along_axis(xp, class_weight, y_pred.ndim, axis)
        scaled_target = scaled_target * weights
    if from_logits and class_weight is None:
        return P.deferred(P.softmax_cross_entropy_soft, y_pred, scaled_target, axis)
    if from_logits:
        value = P.softmax_cross_entropy_soft(y_pred, scaled_target, axis=axis)
    else:
        value = -xp.sum(P.xlogy(scaled_target, y_pred), axis=axis)
    if class_weight is None:
        return value
    return LossTerms(value, weight=xp.sum(y_true * weights, axis=axis))


@define_loss(
    options=[
        FROM_LOGITS,
        CATEGORICAL_SMOOTHING,
        CLASS_AXIS,
        CLASS_WEIGHT,
        _IGNORE_INDEX,
    ],
    target="labels",
    class_axis=True,
    probabilities=True,
    aliases=("scce",),
    example=examples.sparse_example,
    showcase=examples.SPARSE_CATEGORICAL_CROSS_ENTROPY,
)
def sparse_categorical_cross_entropy(
    xp, y_pred, y_true, *, from_logits, label_smoothing, axis, class_weight, ignore_index
):
    """Cross-entropy with integer labels: ``(1−ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c)``.

    From logits ``−log p_y`` is :func:`lossx.primitives.softmax_cross_entropy`: where the
    label's logit dominates, the tiny loss keeps its relative accuracy (logits [30, 0],
    label 0: ``log1p(e^−30)``), which ``logsumexp(x) − x_y`` loses, and so does its
    gradient ``p_y − 1`` (eager torch keeps torch's fused kernel, and its digits:
    docs/framework-differences.md). Entries whose label equals ``ignore_index`` contribute nothing and count
    nothing; the 'mean' denominator is ``Σ w_y`` over the other entries (torch's
    rule, but 0 instead of NaN when everything is ignored).
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted);
    result of the labels' shape.
    Reference: torch.nn.CrossEntropyLoss(weight, ignore_index, label_smoothing) with
    class indices; keras.losses.SparseCategoricalCrossentropy(ignore_class);
    optax.softmax_cross_entropy_with_integer_labels.
    """
    if from_logits and is_off(label_smoothing) and class_weight is None and ignore_index is None:
        return P.deferred(P.softmax_cross_entropy, y_pred, y_true, axis)
    labels, valid = _split_labels(xp, y_true, ignore_index)
    if from_logits and is_off(label_smoothing):
        nll = P.softmax_cross_entropy(y_pred, labels, axis=axis)
    elif from_logits:
        log_normaliser = P.logsumexp(y_pred, axis=axis, keepdims=True)
        nll = P.drop_axis(log_normaliser, axis) - _pick(xp, y_pred, labels, axis)
    else:
        p_y = _pick(xp, y_pred, labels, axis)
        if valid is not None:  # an ignored entry may sit over p = 0: a stand-in keeps its gradient finite
            p_y = xp.where(valid, p_y, xp.ones_like(p_y))
        nll = -xp.log(p_y)
    weight = None if class_weight is None else P.gather(class_weight, labels)
    value = nll if weight is None else weight * nll
    if not is_off(label_smoothing):
        neg_log_p = log_normaliser - y_pred if from_logits else -xp.log(_valid_rows(xp, y_pred, valid, axis))
        if class_weight is not None:
            neg_log_p = along_axis(xp, class_weight, y_pred.ndim, axis) * neg_log_p
        num_classes = class_count(xp, y_pred, axis, False)
        value = (1.0 - label_smoothing) * value + (label_smoothing / num_classes) * xp.sum(neg_log_p, axis=axis)
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)


# ----------------------------------------------------------------- helpers of the losses below

def _is_scalar(factor):
    return isinstance(factor, float) or factor.ndim == 0


def _along_classes(xp, factor, ndim, axis):
    """A per-class option (scalar or vector) shaped to multiply an ``ndim`` array along ``axis``."""
    return factor if _is_scalar(factor) else along_axis(xp, factor, ndim, axis)


def _picked(factor, labels):
    """A per-class option (scalar or vector) at each label."""
    return factor if _is_scalar(factor) else P.gather(factor, labels)


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


# ----------------------------------------------------------------- focal


_ALPHA = Option(
    "alpha", "float_or_weights", None,
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
    target = _smoothed(xp, y_pred, y_true, label_smoothing, axis)
    scaled = target
    if class_weight is not None:
        weights = along_axis(xp, class_weight, y_pred.ndim, axis)
        scaled = scaled * weights
    if alpha is not None:
        scaled = scaled * _along_classes(xp, alpha, y_pred.ndim, axis)
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
    options=[_ALPHA, _GAMMA, FROM_LOGITS, CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT, _IGNORE_INDEX],
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
    ``(1 − p_y)^γ = exp(γ·log1mexp(log p_y))`` (finite at logits ±1e4). Entries whose label equals ``ignore_index`` contribute
    nothing and count nothing; the 'mean' denominator is ``Σ w_y`` over the others
    (α is not part of it).
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted).
    Reference: Lin et al. (2017), "Focal Loss for Dense Object Detection";
    keras.losses.CategoricalFocalCrossentropy on one-hot targets.
    """
    labels, valid = _split_labels(xp, y_true, ignore_index)
    if from_logits:
        log_p = None if is_off(label_smoothing) else P.log_softmax(y_pred, axis=axis)
        if log_p is None:
            log_p_y = -P.softmax_cross_entropy(y_pred, labels, axis=axis)
        else:
            log_p_y = _pick(xp, log_p, labels, axis)
        if valid is not None:  # a harmless stand-in at ignored entries: no inf there, so no NaN gradient
            log_p_y = xp.where(valid, log_p_y, xp.zeros_like(log_p_y))
        value = -log_p_y
        if not is_off(gamma):
            value = value * _modulating_from_log(xp, log_p_y, gamma)
    else:
        p_y = _pick(xp, y_pred, labels, axis)
        if valid is not None:
            p_y = xp.where(valid, p_y, xp.ones_like(p_y))
        value = -xp.log(p_y)
        if not is_off(gamma):
            value = value * _modulating_from_probabilities(xp, p_y, gamma)
    if alpha is not None:
        value = _picked(alpha, labels) * value
    weight = None if class_weight is None else P.gather(class_weight, labels)
    if weight is not None:
        value = weight * value
    if not is_off(label_smoothing):
        if from_logits:
            every = -log_p
            if not is_off(gamma):
                every = every * _modulating_from_log(xp, log_p, gamma)
        else:
            y_pred = _valid_rows(xp, y_pred, valid, axis)
            every = -xp.log(y_pred)
            if not is_off(gamma):
                every = every * _modulating_from_probabilities(xp, y_pred, gamma)
        if alpha is not None:
            every = _along_classes(xp, alpha, y_pred.ndim, axis) * every
        if class_weight is not None:
            every = along_axis(xp, class_weight, y_pred.ndim, axis) * every
        num_classes = class_count(xp, y_pred, axis, False)
        value = (1.0 - label_smoothing) * value + (label_smoothing / num_classes) * xp.sum(every, axis=axis)
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)


# ----------------------------------------------------------------- poly-1


@define_loss(
    options=[
        Option(
            "epsilon", "float", 2.0,
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
    target = _smoothed(xp, y_pred, y_true, label_smoothing, axis)
    scaled = target
    if class_weight is not None:
        weights = along_axis(xp, class_weight, y_pred.ndim, axis)
        scaled = target * weights
    if from_logits:
        # The cross-entropy through its primitive (closed-form derivatives where the framework
        # has them), the polynomial term beside it.
        one_minus_p = -xp.expm1(P.log_softmax(y_pred, axis=axis))
        value = P.softmax_cross_entropy_soft(y_pred, scaled, axis=axis) + epsilon * xp.sum(
            scaled * one_minus_p, axis=axis)
    else:
        value = xp.sum(epsilon * (scaled * (1.0 - y_pred)) - P.xlogy(scaled, y_pred), axis=axis)
    if class_weight is None:
        return value
    return LossTerms(value, weight=xp.sum(y_true * weights, axis=axis))


# ----------------------------------------------------------------- generalized cross-entropy


@define_loss(
    options=[
        Option(
            "q", "float", 0.7,
            "Exponent q: toward 0 the loss tends to cross-entropy, at 1 it is 1 − p_y (MAE-like).",
            low=0.0, high=1.0, low_open=True,
        ),
        FROM_LOGITS,
        CLASS_AXIS,
        CLASS_WEIGHT,
        _IGNORE_INDEX,
    ],
    target="labels",
    class_axis=True,
    probabilities=True,
    aliases=("gce",),
    example=examples.sparse_example,
    showcase=examples.GENERALIZED_CROSS_ENTROPY,
)
def generalized_cross_entropy(xp, y_pred, y_true, *, q, from_logits, axis, class_weight, ignore_index):
    """Generalized cross-entropy ``w_y·(1 − p_y^q)/q`` with integer labels.

    Computed as ``−expm1(q·log p_y)/q``: accurate for ``p_y`` near 1 and, from logits
    (``log p_y = −softmax_cross_entropy(x, y)``, accurate there too), finite at logits ±1e4. From probabilities
    ``p_y = 0`` gives exactly ``1/q`` (gradient ``−p^(q−1)``: −inf for q < 1, −1 at q = 1).
    Entries whose label equals ``ignore_index`` contribute nothing and count
    nothing; the 'mean' denominator is ``Σ w_y`` over the others.
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted).
    Reference: Zhang & Sabuncu (2018), "Generalized Cross Entropy Loss for Training
    Deep Neural Networks with Noisy Labels" (q = 0.7 there);
    keras.losses.CategoricalGeneralizedCrossEntropy (q=0.5, integer labels, probabilities).
    """
    labels, valid = _split_labels(xp, y_true, ignore_index)
    if from_logits:
        log_p_y = -P.softmax_cross_entropy(y_pred, labels, axis=axis)
        value = -xp.expm1(q * log_p_y) / q
    else:
        p_y = _pick(xp, y_pred, labels, axis)
        if valid is not None:
            p_y = xp.where(valid, p_y, xp.ones_like(p_y))
        positive = xp.greater(p_y, 0)
        safe = xp.where(positive, p_y, xp.ones_like(p_y))
        # p = 0 takes the power form, whose gradient there is the true one.
        value = xp.where(positive, -xp.expm1(q * xp.log(safe)) / q, (1.0 - p_y**q) / q)
    weight = None if class_weight is None else P.gather(class_weight, labels)
    if weight is not None:
        value = weight * value
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)


# ----------------------------------------------------------------- KL divergence and NLL


@define_loss(
    options=[
        Option("from_logits", "bool", False, "True: y_pred are logits, turned into log q by log-softmax over axis."),
        Option(
            "log_input", "bool", False,
            "True: y_pred are log-probabilities log q, used as given (torch.nn.KLDivLoss, optax).",
        ),
        Option("log_target", "bool", False, "True: y_true are log-probabilities log t (torch's log_target)."),
        Option("axis", "axis", -1, "The axis summed over: the distributions' support (torch layout: 1)."),
        Option(
            "pointwise", "bool", False,
            "True: the terms t_c·(log t_c − log q_c) themselves, not summed over axis (torch.nn.KLDivLoss's "
            "unreduced output, which its 'mean' averages over every element).",
        ),
    ],
    class_axis=True,
    aliases=("kld", "kl_div"),
    example=examples.kl_example,
    showcase=examples.KL_DIVERGENCE,
)
def kl_divergence(xp, y_pred, y_true, *, from_logits, log_input, log_target, axis, pointwise):
    """Kullback–Leibler divergence ``KL(t ‖ q) = Σ_c t_c·(log t_c − log q_c)`` over ``axis``.

    ``q`` is the prediction: probabilities by default, log-probabilities with
    ``log_input=True`` (used as given, not renormalised), logits with
    ``from_logits=True`` (``log q`` = log-softmax). ``t`` is the target:
    probabilities, or log-probabilities with ``log_target=True``. Entries with
    ``t_c = 0`` (``log t_c = −inf``) contribute exactly 0 with a zero gradient,
    whatever ``q_c`` is (``0·log 0 = 0``); ``t_c > 0`` with ``q_c = 0`` gives +inf.
    No clipping. In eager mode probability inputs are range-checked.
    Shapes: ``y_true`` broadcastable to ``y_pred`` (..., C, ...); result without ``axis``
    (one value per distribution; 'mean' averages over distributions, which is
    torch's ``reduction="batchmean"`` for inputs of shape (N, C)). With ``pointwise=True``
    the result is the terms ``t_c·(log t_c − log q_c)``, of the broadcast shape of the
    inputs: torch.nn.KLDivLoss's elementwise output ('mean' is then torch's 'mean').
    Reference: Kullback & Leibler (1951); torch.nn.KLDivLoss(log_target);
    keras.losses.KLDivergence; optax.kl_divergence(_with_log_targets).
    """
    if from_logits and log_input:
        raise OptionValueError(
            "kl_divergence: from_logits=True and log_input=True contradict each other; y_pred are either "
            "logits (normalised by log-softmax) or log-probabilities (used as given): pass one of them."
        )
    if not (from_logits or log_input):
        check_probabilities(
            xp, "kl_divergence", y_pred, y_pred, "y_pred",
            "Pass log_input=True for log-probabilities, or from_logits=True for logits.",
        )
    if log_target:
        absent = xp.equal(y_true, -math.inf)
    else:
        check_probabilities(
            xp, "kl_divergence", y_pred, y_true, "y_true", "Pass log_target=True for log-probability targets."
        )
    if from_logits:
        log_q = P.log_softmax(y_pred, axis=axis)
    elif log_input:
        log_q = y_pred
    else:
        # The stand-in q = 1 where t = 0 keeps the log's gradient there finite (q = 0 would give 0·inf).
        log_q = xp.log(xp.where(absent if log_target else xp.equal(y_true, 0), xp.ones_like(y_pred), y_pred))
    if not (log_target or pointwise):
        return P.deferred(P.relative_entropy, y_true, log_q, axis)
    if log_target:
        # Stand-ins where t = 0 (log t = −inf): log t = 0 and log q = 0, so the term is 1·(0 − 0) = 0
        # with zero partials, however q_c = 0 or NaN would have made it NaN.
        log_t = xp.where(absent, xp.zeros_like(y_true), y_true)
        log_q = xp.where(absent, xp.zeros_like(log_q), log_q)
        terms = xp.exp(log_t) * (log_t - log_q)
    else:
        # The same stand-ins where t = 0: log t = log 1 and log q = 0 give t·(0 − 0) = 0.
        absent = xp.equal(y_true, 0)
        log_t = xp.log(xp.where(absent, xp.ones_like(y_true), y_true))
        terms = y_true * (log_t - xp.where(absent, xp.zeros_like(log_q), log_q))
    return terms if pointwise else xp.sum(terms, axis=axis)


@define_loss(
    options=[CLASS_AXIS, CLASS_WEIGHT, _IGNORE_INDEX],
    target="labels",
    class_axis=True,
    aliases=("negative_log_likelihood",),
    example=examples.log_probability_example,
    showcase=examples.NLL,
)
def nll(xp, y_pred, y_true, *, axis, class_weight, ignore_index):
    """Negative log-likelihood ``−w_y·y_pred[y]`` of log-probability inputs with integer labels.

    ``y_pred`` holds log-probabilities (e.g. a log-softmax output; not checked or
    renormalised), ``w_y`` the class weight of the label. Entries whose label equals
    ``ignore_index`` contribute nothing and count nothing; the 'mean' denominator is
    ``Σ w_y`` over the others (torch's rule, but 0 instead of NaN when everything is
    ignored). ``nll(log_softmax(x), y)`` is ``sparse_categorical_cross_entropy(x, y,
    from_logits=True)``.
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted).
    Reference: torch.nn.NLLLoss(weight, ignore_index).
    """
    if class_weight is None and ignore_index is None:
        return P.deferred(P.negative_log_likelihood, y_pred, y_true, axis)
    labels, valid = _split_labels(xp, y_true, ignore_index)
    value = P.negative_log_likelihood(y_pred, labels, axis)
    weight = None if class_weight is None else P.gather(class_weight, labels)
    if weight is not None:
        value = weight * value
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)
