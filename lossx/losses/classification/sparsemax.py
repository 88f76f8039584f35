"""Sparsemax losses: the Fenchel-Young losses of the Gini entropy, binary and over a class axis.

Their predictions are sparse: sparsemax, the Euclidean projection of the scores onto the
simplex, gives exactly 0 to every class outside its support, and the loss is 0 once the
label's score leads the others by 1.
"""

from __future__ import annotations

from ... import primitives as P
from ..._registry import define_loss
from ...examples import classification as examples
from .._shared import CLASS_AXIS, class_positions
from ._labels import pick

__all__ = ["sparsemax", "multiclass_sparsemax"]


def _sparse_plus(xp, x):
    """``0`` for x ≤ −1, ``(x + 1)²/4`` between, ``x`` for x ≥ 1, written without branches.

    ``¼·(clip(x, −1, 1) + 1)² + max(x − 1, 0)``: nothing is squared beyond 2, so values and
    gradients stay finite for any finite x, and ``x + 1`` is exact where the loss is tiny (x near −1).
    """
    clipped = xp.minimum(P.at_least(x, -1.0), xp.ones_like(x)) + 1.0
    return 0.25 * clipped * clipped + P.at_least(x - 1.0, 0.0)


@define_loss(target="binary", example=examples.sparsemax_example, showcase=examples.SPARSEMAX)
def sparsemax(xp, y_pred, y_true):
    """Binary sparsemax loss ``sparse_plus(−x)`` for label 1, ``sparse_plus(x)`` for label 0, elementwise.

    ``sparse_plus(x)`` is 0 for x ≤ −1, ``(x + 1)²/4`` for |x| < 1 and x for x ≥ 1: a hinge with
    its corner rounded, zero once the logit ``x`` has the label's sign by a margin of 1. Its
    gradient is ``sparse_sigmoid(x) − t``, with ``sparse_sigmoid(x) = clip((x + 1)/2, 0, 1)``.
    Targets are 0/1; a soft target ``t`` gives ``t·sparse_plus(−x) + (1 − t)·sparse_plus(x)``,
    the expected loss of a label drawn with probability t (optax takes 0/1 labels only).
    Shapes: as :func:`mean_squared_error`.
    Reference: optax.losses.sparsemax_loss; Blondel, Martins & Niculae (2020), "Learning with
    Fenchel-Young Losses", sec. 4.4; Martins & Astudillo (2016).
    """
    return y_true * _sparse_plus(xp, -y_pred) + (1.0 - y_true) * _sparse_plus(xp, y_pred)


def _support(xp, shifted, axis):
    """Sparsemax's support: the classes whose score is at least the k-th largest, k the support size.

    With the scores sorted in descending order ``z_(1) ≥ z_(2) ≥ …``, the k-th is in the support
    while ``1 + k·z_(k) > Σ_{j≤k} z_(j)`` (true for a prefix of the order). The mask is a
    comparison, so no gradient passes through the sort.
    """
    ordered = xp.sort(shifted, axis=axis, descending=True)
    rank = class_positions(xp, shifted, axis, shifted.dtype) + 1.0
    kept = 1.0 + rank * ordered > xp.cumulative_sum(ordered, axis=axis)
    # Scores are shifted to a maximum of 0, so 0 is a neutral fill for the minimum.
    smallest_kept = xp.min(xp.where(kept, ordered, xp.zeros_like(ordered)), axis=axis, keepdims=True)
    return shifted >= smallest_kept


@define_loss(
    options=[CLASS_AXIS],
    target="labels",
    class_axis=True,
    example=examples.multiclass_sparsemax_example,
    showcase=examples.MULTICLASS_SPARSEMAX,
)
def multiclass_sparsemax(xp, y_pred, y_true, *, axis):
    """Multiclass sparsemax loss ``½·Σ_{j∈S}(x_j² − τ²) + ½ − x_y`` over the class axis.

    ``p = sparsemax(x) = max(x − τ, 0)`` is the projection of the scores ``x`` onto the
    simplex; ``S`` its support and ``τ = (Σ_{j∈S} x_j − 1)/|S|`` its threshold; the gradient is
    ``p − onehot(y)``. The loss is computed as ``½·‖onehot(y) − p‖² + max(τ − x_y, 0)``
    (the same number: the first term alone when y ∈ S), a sum of non-negative terms, from the
    scores shifted by their maximum, so it keeps its accuracy where it is small and at scores
    of ±1e4. −inf scores (masked classes) are outside the support.
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of ``y_pred``'s
    shape without that axis; result of the labels' shape.
    Reference: optax.losses.multiclass_sparsemax_loss; Martins & Astudillo (2016), "From
    Softmax to Sparsemax: A Sparse Model of Attention and Multi-Label Classification".
    """
    shifted = y_pred - xp.max(y_pred, axis=axis, keepdims=True)
    support = _support(xp, shifted, axis)
    zeros = xp.zeros_like(shifted)
    size = xp.sum(xp.astype(support, shifted.dtype), axis=axis, keepdims=True)
    threshold = (xp.sum(xp.where(support, shifted, zeros), axis=axis, keepdims=True) - 1.0) / size
    probability = xp.where(support, shifted - threshold, zeros)
    at_label = xp.equal(xp.expand_dims(y_true, axis=axis), class_positions(xp, shifted, axis, y_true.dtype))
    residual = xp.astype(at_label, shifted.dtype) - probability
    outside = P.at_least(P.drop_axis(threshold, axis) - pick(xp, shifted, y_true, axis), 0.0)
    return 0.5 * xp.sum(residual * residual, axis=axis) + outside
