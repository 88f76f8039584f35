"""Categorical and sparse categorical cross-entropy: one softmax distribution per row."""

from __future__ import annotations

from ... import primitives as P
from ..._errors import OptionValueError
from ..._reduction import LossTerms
from ..._registry import define_loss
from ...examples import classification as examples
from ...kernels.linear import capped
from .._shared import (
    CATEGORICAL_SMOOTHING,
    CLASS_AXIS,
    CLASS_WEIGHT,
    FROM_LOGITS,
    SOFTCAP,
    Z_LOSS,
    along_axis,
    class_count,
    is_off,
)
from ._labels import IGNORE_INDEX, pick, smoothed, split_labels, valid_rows

__all__ = ["categorical_cross_entropy", "sparse_categorical_cross_entropy"]


def _capped_logits(xp, name, y_pred, from_logits, z_loss, softcap):
    """``y_pred`` with the softcap applied; an error where z-loss or the cap meets probabilities."""
    if not from_logits and (not is_off(z_loss) or softcap is not None):
        raise OptionValueError(
            f"{name}: z_loss and softcap act on logits, but from_logits=False says y_pred are probabilities; "
            "pass from_logits=True with logits, or leave z_loss=0 and softcap=None."
        )
    return capped(xp, y_pred, softcap)


def _with_z_loss(xp, value, y_pred, z_loss, axis):
    """``value + λ·(log Z)²`` per row, ``log Z`` the log-normaliser of the (capped) logits."""
    if is_off(z_loss):
        return value
    log_normaliser = P.logsumexp(y_pred, axis=axis)
    return value + z_loss * log_normaliser * log_normaliser


@define_loss(
    options=[FROM_LOGITS, CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT, Z_LOSS, SOFTCAP],
    class_axis=True,
    probabilities=True,
    aliases=("cce",),
    example=examples.categorical_example,
    showcase=examples.CATEGORICAL_CROSS_ENTROPY,
)
def categorical_cross_entropy(xp, y_pred, y_true, *, from_logits, label_smoothing, axis, class_weight, z_loss, softcap):
    """Categorical cross-entropy ``−Σ_c w_c·t̃_c·log p_c + λ·(log Z)²`` over the class axis.

    ``t̃ = t·(1−ε) + ε/C`` is the smoothed target. From logits, ``log p`` is
    log-softmax; terms with ``t̃_c = 0`` are exactly 0, so −inf logits in masked
    classes are fine. From probabilities ``0·log 0 = 0``; probabilities are not
    renormalised. With ``class_weight`` the element's weight (the 'mean'
    denominator) is ``Σ_c w_c·t_c`` — ``w[y]`` for one-hot targets, so one-hot
    targets give exactly :func:`sparse_categorical_cross_entropy`.
    Logits only: ``softcap = c`` replaces the logits by ``c·tanh(z/c)`` first, and
    ``z_loss = λ`` adds ``λ·(log Σ_c e^{z_c})²`` per row, not class-weighted.
    Shapes: ``y_true`` like ``y_pred`` (..., C, ...); result without the class axis (or axes:
    ``axis=(a, b)`` is one distribution over each slice of those axes, as optax's).
    Reference: torch.nn.CrossEntropyLoss with probability targets;
    keras.losses.CategoricalCrossentropy; optax.softmax_cross_entropy; z-loss: PaLM
    (arXiv 2204.02311); softcap: Gemma 2 (arXiv 2408.00118).
    """
    y_pred = _capped_logits(xp, "categorical_cross_entropy", y_pred, from_logits, z_loss, softcap)
    scaled_target = smoothed(xp, y_pred, y_true, label_smoothing, axis)
    if class_weight is not None:
        weights = along_axis(xp, class_weight, y_pred.ndim, axis)
        scaled_target = scaled_target * weights
    if from_logits and class_weight is None and is_off(z_loss):
        return P.deferred(P.softmax_cross_entropy_soft, y_pred, scaled_target, axis)
    if from_logits:
        value = P.softmax_cross_entropy_soft(y_pred, scaled_target, axis=axis)
    else:
        value = -xp.sum(P.xlogy(scaled_target, y_pred), axis=axis)
    value = _with_z_loss(xp, value, y_pred, z_loss, axis)
    if class_weight is None:
        return value
    return LossTerms(value, weight=xp.sum(y_true * weights, axis=axis))


@define_loss(
    options=[
        FROM_LOGITS,
        CATEGORICAL_SMOOTHING,
        CLASS_AXIS,
        CLASS_WEIGHT,
        IGNORE_INDEX,
        Z_LOSS,
        SOFTCAP,
    ],
    target="labels",
    class_axis=True,
    probabilities=True,
    aliases=("scce",),
    example=examples.sparse_example,
    showcase=examples.SPARSE_CATEGORICAL_CROSS_ENTROPY,
)
def sparse_categorical_cross_entropy(
    xp, y_pred, y_true, *, from_logits, label_smoothing, axis, class_weight, ignore_index, z_loss, softcap
):
    """Cross-entropy with integer labels: ``(1−ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c) + λ·(log Z)²``.

    From logits ``−log p_y`` is :func:`lossx.primitives.softmax_cross_entropy`: where the
    label's logit dominates, the tiny loss keeps its relative accuracy (logits [30, 0],
    label 0: ``log1p(e^−30)``), which ``logsumexp(x) − x_y`` loses, and so does its
    gradient ``p_y − 1`` (eager torch keeps torch's fused kernel, and its digits:
    docs/framework-differences.md). Entries whose label equals ``ignore_index`` contribute nothing and count
    nothing; the 'mean' denominator is ``Σ w_y`` over the other entries (torch's
    rule, but 0 instead of NaN when everything is ignored).
    Logits only: ``softcap = c`` replaces the logits by ``c·tanh(z/c)`` first, and
    ``z_loss = λ`` adds ``λ·(log Σ_c e^{z_c})²`` per row, not class-weighted
    (ignored entries add nothing).
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted);
    result of the labels' shape. With axes ``axis=(a, b)`` a label is the flat (row-major)
    index of its class in the slice of shape ``(y_pred.shape[a], y_pred.shape[b])``, as in optax.
    Reference: torch.nn.CrossEntropyLoss(weight, ignore_index, label_smoothing) with
    class indices; keras.losses.SparseCategoricalCrossentropy(ignore_class);
    optax.softmax_cross_entropy_with_integer_labels; z-loss: PaLM (arXiv 2204.02311);
    softcap: Gemma 2 (arXiv 2408.00118).
    """
    y_pred = _capped_logits(xp, "sparse_categorical_cross_entropy", y_pred, from_logits, z_loss, softcap)
    if from_logits and is_off(label_smoothing) and class_weight is None and ignore_index is None and is_off(z_loss):
        return P.deferred(P.softmax_cross_entropy, y_pred, y_true, axis)
    labels, valid = split_labels(xp, y_true, ignore_index)
    if from_logits and is_off(label_smoothing):
        nll = P.softmax_cross_entropy(y_pred, labels, axis=axis)
    elif from_logits:
        log_normaliser = P.logsumexp(y_pred, axis=axis, keepdims=True)
        nll = P.drop_axis(log_normaliser, axis) - pick(xp, y_pred, labels, axis)
    else:
        p_y = pick(xp, y_pred, labels, axis)
        if valid is not None:  # an ignored entry may sit over p = 0: a stand-in keeps its gradient finite
            p_y = xp.where(valid, p_y, xp.ones_like(p_y))
        nll = -xp.log(p_y)
    weight = None if class_weight is None else P.gather(class_weight, labels)
    value = nll if weight is None else weight * nll
    if not is_off(label_smoothing):
        neg_log_p = log_normaliser - y_pred if from_logits else -xp.log(valid_rows(xp, y_pred, valid, axis))
        if class_weight is not None:
            neg_log_p = along_axis(xp, class_weight, y_pred.ndim, axis) * neg_log_p
        num_classes = class_count(xp, y_pred, axis, False)
        value = (1.0 - label_smoothing) * value + (label_smoothing / num_classes) * xp.sum(neg_log_p, axis=axis)
    value = _with_z_loss(xp, value, y_pred, z_loss, axis)
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)
