"""Generalized cross-entropy: (1 − p_y^q)/q, between cross-entropy (q → 0) and MAE (q = 1)."""

from __future__ import annotations

from ... import primitives as P
from ..._options import Option
from ..._reduction import LossTerms
from ..._registry import define_loss
from ...examples import classification as examples
from .._shared import CLASS_AXIS, CLASS_WEIGHT, FROM_LOGITS
from ._labels import IGNORE_INDEX, pick, split_labels

__all__ = ["generalized_cross_entropy"]


@define_loss(
    options=[
        Option(
            "q",
            "float",
            0.7,
            "Exponent q: toward 0 the loss tends to cross-entropy, at 1 it is 1 − p_y (MAE-like).",
            low=0.0,
            high=1.0,
            low_open=True,
        ),
        FROM_LOGITS,
        CLASS_AXIS,
        CLASS_WEIGHT,
        IGNORE_INDEX,
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
    labels, valid = split_labels(xp, y_true, ignore_index)
    if from_logits:
        log_p_y = -P.softmax_cross_entropy(y_pred, labels, axis=axis)
        value = -xp.expm1(q * log_p_y) / q
    else:
        p_y = pick(xp, y_pred, labels, axis)
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
