"""Overlap losses for segmentation: Dice, generalised Dice, Tversky, focal Tversky, Jaccard (IoU), MCC and
the Lovász hinge and Lovász-Softmax losses.

All compare soft true positives ``TP = Σ p·t``, false positives
``FP = Σ p·(1−t)`` and false negatives ``FN = Σ (1−p)·t`` (MCC also the true negatives
``TN = Σ (1−p)·(1−t)``), summed over every axis
but the batch axis (0) and, by default, the class axis: one score per sample and
class, which the reduction averages (weighted by ``class_weight``), as
segmentation_models_pytorch and MONAI average per-class scores (the generalised Dice
pools each sample's classes, weighted by weights computed from its targets). ``sum_axes`` names
other axes to sum over, as Keras's ``axis`` does (``"all"``: the whole batch pooled
into one score, Keras's default). Each loss but MCC is
``1 − (overlap + s) / (overlap + penalty + s + ε)`` with non-negative sums
(``Σp + Σt`` is never formed); below ½ it is computed as
``(penalty + ε) / (overlap + penalty + s + ε)``, so a nearly perfect overlap loses
no digits to cancellation, and above as written, so the gradient loses none either.

Targets (the input kind ``"classes"``) are either

* integer labels (multiclass): ``y_pred`` (N, ..., C, ...) with the class axis
  ``axis``, labels of ``y_pred``'s shape without it; one-hot encoded inside;
  ``ignore_index`` removes pixels from every sum; ``from_logits`` applies softmax;
* dense targets like ``y_pred`` (binary with a class axis of size 1, multilabel, or
  one-hot): ``from_logits`` applies sigmoid; target entries equal to
  ``ignore_index`` are removed from the sums.

The Lovász losses (Berman et al. 2018) are the Lovász extension of the Jaccard loss instead:
each image's errors sorted in descending order, weighted by the Jaccard loss's increments along
that order (one score per image for the binary hinge, per image and class for Lovász-Softmax,
whose targets are the family's).
"""

from __future__ import annotations

import math
from typing import Any

from .. import primitives as P
from .._errors import OptionValueError, ShapeError
from .._options import Option
from .._reduction import LossTerms
from .._registry import define_loss
from .._spec import Input
from ..examples import overlap as examples
from ._shared import along_axis, class_positions

__all__ = [
    "dice",
    "generalized_dice",
    "tversky",
    "focal_tversky",
    "jaccard",
    "mcc",
    "lovasz_hinge",
    "lovasz_softmax",
]

# ----------------------------------------------------------------- shared options

_FROM_LOGITS = Option(
    "from_logits",
    "bool",
    False,
    "True: y_pred are logits (sigmoid for dense targets, softmax over axis for integer labels); "
    "False: probabilities in [0, 1].",
)
_SMOOTH = Option(
    "smooth",
    "float",
    0.0,
    "Added to the numerator and the denominator of the score (smp's smooth, MONAI's smooth_nr = "
    "smooth_dr); an empty class predicted empty then scores 0 loss.",
    low=0.0,
)
_EPSILON = Option(
    "epsilon",
    "float",
    1e-7,
    "Added to the denominator only, against 0/0 (Keras's backend.epsilon()).",
    low=0.0,
)
_AXIS = Option("axis", "axis", -1, "The class axis of y_pred (torch layout: 1); never the batch axis 0.")
_CLASS_WEIGHT = Option(
    "class_weight",
    "weights",
    None,
    "One weight per class: with per_class=True it weights each class's score and 'mean' divides by "
    "their sum; with per_class=False it weights each class's sums (generalised Dice).",
    low=0.0,
)
_IGNORE_INDEX = Option(
    "ignore_index",
    "int",
    None,
    "A label (or dense target) value whose pixels are left out of every sum; a score with no pixel "
    "left counts nothing.",
)
_PER_CLASS = Option(
    "per_class",
    "bool",
    True,
    "True: one score per sample and class, shape (N, C); False: the classes pooled into one score "
    "per sample, shape (N,) (Keras's Dice(axis=(1, ..., ndim−1))). Applies with sum_axes='per_sample'.",
)
_SUM_AXES = Option(
    "sum_axes",
    "axes",
    "per_sample",
    "The axes each score sums its counts over, one score per index of the others: 'per_sample', every "
    "axis but the batch axis 0 and (per_class=True) the class axis; 'all', every axis, one score for the "
    "whole batch (Keras's Dice() default, axis=None); or a tuple of axes (Keras's axis), where the class "
    "axis among them pools the classes.",
    named=("per_sample", "all"),
)


def _penalty_weights(alpha: float, beta: float) -> list[Option]:
    """The Tversky weights of the false positives and negatives, with their defaults."""
    return [
        Option("alpha", "float", alpha, "Weight α of the false positives Σ p·(1−t).", low=0.0),
        Option("beta", "float", beta, "Weight β of the false negatives Σ (1−p)·t.", low=0.0),
    ]


_OPTIONS = [_FROM_LOGITS, _SMOOTH, _EPSILON, _AXIS, _CLASS_WEIGHT, _IGNORE_INDEX, _PER_CLASS, _SUM_AXES]
_INPUTS = [
    Input("y_pred", "prediction", "Probabilities (or logits with from_logits=True), (N, ..., C, ...)."),
    Input("y_true", "classes", "Integer labels (multiclass) or dense targets in [0, 1] like y_pred."),
]


def _probabilities_and_targets(xp, y_pred, y_true, from_logits, class_axis, ignore_index):
    """``(p, 1 − p or None, t, valid)``: the probabilities, their complement where it is computed
    from logits, the targets (integer labels one-hot along ``class_axis``) and which entries are
    not ignored (None without ``ignore_index``; for labels, broadcastable along the class axis).

    From logits 1 − p is computed as such (σ(−x), or −expm1 of the log-softmax): 1 − p from p
    would round it where p → 1, and with it a nearly perfect score's tiny loss. Probabilities are
    given, and 1 − p is exact for p ≥ ½.
    """
    complement = None
    if xp.isdtype(y_true.dtype, "integral"):
        if from_logits:
            log_p = P.log_softmax(y_pred, axis=class_axis)
            p, complement = xp.exp(log_p), -xp.expm1(log_p)
        else:
            p = y_pred
        index = xp.expand_dims(y_true, axis=class_axis)
        t = xp.astype(xp.equal(index, class_positions(xp, y_pred, class_axis, y_true.dtype)), p.dtype)
        valid = None if ignore_index is None else xp.not_equal(index, ignore_index)
    else:
        p, complement = (P.sigmoid(y_pred), P.sigmoid(-y_pred)) if from_logits else (y_pred, None)
        t = y_true
        valid = None if ignore_index is None else xp.not_equal(t, ignore_index)
    return p, complement, t, valid


def _overlap_sums(
    xp,
    y_pred,
    y_true,
    name,
    *,
    alpha,
    beta,
    from_logits,
    axis,
    class_weight,
    ignore_index,
    per_class,
    sum_axes,
    negatives=False,
    target_sums=False,
):
    """``(sums, scored, kept)``: the soft counts of each score, ``(TP, α·FP + β·FN)`` (with
    ``target_sums=True`` also ``Σt``) or, with ``negatives=True``, ``(TP, FP, FN, TN)``; where
    a score has pixels; and the class axis of the scores (None when the classes are pooled).

    The penalty is summed as one sum of ``α·(p − p·t) + β·(t − p·t)``: the same
    non-negative terms as ``α·p·(1−t)`` and ``β·(1−p)·t`` (exactly so for 0/1 targets),
    but with ``p·t`` formed once and one reduction instead of two, which saves a pass
    over the (N, ..., C) arrays in the forward and in the backward. From logits the second
    term is ``β·(1−p)·t`` with ``1 − p`` computed directly.
    """
    ndim = y_pred.ndim
    labels = xp.isdtype(y_true.dtype, "integral")
    # The class axis matters for labels (one-hot along it), class weights and the per-sample
    # axes; Keras's pooled scores of dense targets take inputs of any rank.
    if labels or class_weight is not None or sum_axes == "per_sample":
        class_axis = _class_axis(name, ndim, axis)
    else:
        class_axis = axis % ndim
    p, complement, t, valid = _probabilities_and_targets(xp, y_pred, y_true, from_logits, class_axis, ignore_index)
    if valid is not None:
        # `where`, not a product: an ignored target such as 255 must not leak into the sums.
        p = xp.where(valid, p, xp.zeros_like(p))
        t = xp.where(valid, t, xp.zeros_like(t))
    tp = p * t
    # p·(1−t) and (1−p)·t; never negative, as p·t ≤ p and p·t ≤ t
    fp, fn = p - tp, t - tp if complement is None else complement * t
    if negatives:
        tn = (1.0 - p if complement is None else complement) * (1.0 - t)
        terms: tuple[Any, ...] = (tp, fp, fn, tn if valid is None else xp.where(valid, tn, xp.zeros_like(tn)))
    else:
        unit_weights = isinstance(alpha, float) and isinstance(beta, float) and alpha == beta == 1.0  # not traced
        terms = (tp, (fp + fn) if unit_weights else alpha * fp + beta * fn)
        if target_sums:
            terms = (*terms, t)
    reduced = _summed_axes(name, ndim, class_axis, per_class, sum_axes)
    kept = None if class_axis in reduced else class_axis - sum(d < class_axis for d in reduced)
    if class_weight is not None and kept is None:
        weights = along_axis(xp, class_weight, ndim, class_axis)
        terms = tuple(weights * term for term in terms)
    scored = None
    if valid is not None:
        counts = xp.where(valid, xp.ones_like(tp), xp.zeros_like(tp))
        scored = xp.greater(xp.sum(counts, axis=reduced) if reduced else counts, 0)
    if reduced:
        terms = tuple(xp.sum(term, axis=reduced) for term in terms)
    return terms, scored, kept


def _summed_axes(name: str, ndim: int, class_axis: int, per_class: bool, sum_axes: Any) -> tuple[int, ...]:
    """The axes the counts of one score are summed over, from ``sum_axes`` and ``per_class``."""
    if sum_axes == "per_sample":
        return tuple(d for d in range(1, ndim) if not (per_class and d == class_axis))
    if sum_axes == "all":
        return tuple(range(ndim))
    outside = [a for a in sum_axes if not -ndim <= a < ndim]
    if outside:
        raise OptionValueError(
            f"{name}: sum_axes={sum_axes} names axis {outside[0]}, out of range for y_pred with {ndim} axes; "
            f"use axes in [{-ndim}, {ndim - 1}]."
        )
    reduced = tuple(sorted({a % ndim for a in sum_axes}))
    if len(reduced) != len(sum_axes):
        raise OptionValueError(
            f"{name}: sum_axes={sum_axes} names one axis twice for y_pred with {ndim} axes; give each axis once."
        )
    if not per_class and class_axis not in reduced:
        raise OptionValueError(
            f"{name}: per_class=False pools the classes, but sum_axes={sum_axes} keeps the class axis "
            f"{class_axis}; add it to sum_axes (per_class applies only with sum_axes='per_sample')."
        )
    return reduced


def _class_axis(name: str, ndim: int, axis: int) -> int:
    if ndim < 2:
        raise ShapeError(
            f"{name}: y_pred has {ndim} axes; overlap losses need a batch axis and a class axis, "
            "e.g. shape (N, C) or (N, H, W, C). Add a class axis of size 1 for binary masks."
        )
    if axis % ndim == 0:
        raise OptionValueError(
            f"{name}: axis={axis} is the batch axis 0; the class axis is another one (−1 for "
            "channels-last, 1 for torch's (N, C, H, W))."
        )
    return axis % ndim


def _score(xp, penalty, overlap, scored, smooth, epsilon, class_weight, kept, exponent=None):
    """``1 − (overlap + s) / (overlap + penalty + s + ε)``, to the power ``exponent`` if given,
    with the class weights and validity.

    Below ½ the loss is computed as ``(penalty + ε) / denominator`` (no cancellation near
    a perfect overlap), elsewhere as ``1 − (overlap + s) / denominator`` (whose gradient
    has no cancellation, e.g. it is exactly 0 where a class is absent from the targets and s = 0).
    """
    agreement = overlap + smooth
    numerator = penalty + epsilon
    denominator = overlap + penalty + (smooth + epsilon)
    if scored is not None:
        # A score without pixels is masked out; keep its (unused) gradient finite.
        denominator = xp.where(scored, denominator, xp.ones_like(denominator))
    value = xp.where(xp.less(numerator, agreement), numerator / denominator, 1.0 - agreement / denominator)
    if exponent is not None:
        if scored is not None:
            # A masked score's base may be negative (1 − s with s > 1); its power must stay finite.
            value = xp.where(scored, value, xp.ones_like(value))
        value = value**exponent
    return _weighted(xp, value, scored, class_weight, kept)


def _weighted(xp, value, scored, class_weight, kept):
    """The scores with their validity and, along the class axis ``kept``, their class weights."""
    if class_weight is None or kept is None:
        return value if scored is None else LossTerms(value, valid=scored)
    weights = along_axis(xp, class_weight, value.ndim, kept)
    return LossTerms(weights * value, weight=weights, valid=scored)


@define_loss(
    options=_OPTIONS,
    inputs=_INPUTS,
    class_axis=True,
    probabilities=True,
    example=examples.overlap_example,
    showcase=examples.DICE,
)
def dice(xp, y_pred, y_true, *, from_logits, smooth, epsilon, axis, class_weight, ignore_index, per_class, sum_axes):
    """Dice loss ``1 − (2·TP + s) / (Σp + Σt + s + ε) = (FP + FN + ε) / (2·TP + FP + FN + s + ε)``.

    ``TP = Σ p·t``, ``FP = Σ p·(1−t)``, ``FN = Σ (1−p)·t`` over every axis but the batch
    axis and (``per_class=True``) the class axis ``axis``, or over the axes ``sum_axes``
    names; ``s`` is ``smooth``, ``ε`` ``epsilon``. With ``class_weight`` each class's
    score is weighted and 'mean' divides by the weights' sum (where the classes are
    pooled, ``per_class=False`` or the class axis among ``sum_axes``, each class's
    counts are weighted before pooling: the generalised Dice of Sudre et al. with fixed
    weights).
    Shapes: ``y_pred`` (N, ..., C, ...); ``y_true`` integer labels without the class
    axis, or dense like ``y_pred``; result (N, C), or (N,) with ``per_class=False``, or
    the axes ``sum_axes`` leaves (``"all"``: a scalar).
    Keras: ``keras.losses.Dice(axis=a)`` is ``dice(sum_axes=a, epsilon=keras.backend.epsilon())``
    (``axis=None``, its default, is ``sum_axes="all"``: the whole batch pooled into one score,
    not a per-sample loss, docs/semantics.md, reductions and weights); the Keras adapter's
    ``Dice`` takes Keras's arguments. Keras's ``Dice(axis=(1, ..., ndim−2))`` on
    channels-last inputs is lossx's default exactly.
    optax.dice_loss(smooth=s) is ``smooth=2s, epsilon=0`` (its score is (TP + s) /
    ((Σp + Σt)/2 + s)), with its class average and class_weights as 'none' then a mean
    over classes.
    Reference: Milletari et al. (2016), V-Net; keras.losses.Dice; optax.dice_loss;
    segmentation_models_pytorch DiceLoss; MONAI DiceLoss.
    """
    (tp, penalty), scored, kept = _overlap_sums(
        xp,
        y_pred,
        y_true,
        "dice",
        alpha=1.0,
        beta=1.0,
        from_logits=from_logits,
        axis=axis,
        class_weight=class_weight,
        ignore_index=ignore_index,
        per_class=per_class,
        sum_axes=sum_axes,
    )
    return _score(xp, penalty, tp + tp, scored, smooth, epsilon, class_weight, kept)


_WEIGHTING = Option(
    "weighting",
    "choice",
    "square",
    "The class weights from the targets of each score: square, w_c = 1/(Σt_c)² (Sudre et al.'s, MONAI's default); "
    "simple, 1/Σt_c; uniform, 1 (the Dice of the pooled counts). A class absent from a score's targets takes "
    "the largest weight of the others (0 if every class is absent).",
    named=("square", "simple", "uniform"),
)
_POOLED_SUM_AXES = Option(
    "sum_axes",
    "axes",
    "per_sample",
    "The axes each class's counts are summed over before the weighted classes are pooled into one score, one "
    "score per index of the other axes: 'per_sample', every axis but the batch axis 0 and the class axis; 'all', "
    "every axis but the class axis: one score for the whole batch, weights from the batch's totals (MONAI's "
    "batch=True); or a tuple of axes. The class axis is pooled, named or not.",
    named=("per_sample", "all"),
)


def _class_sum_axes(name: str, ndim: int, class_axis: int, sum_axes: Any) -> Any:
    """``sum_axes`` of :func:`generalized_dice` as the axes of each class's sums: the class axis left out."""
    if sum_axes == "per_sample":
        return sum_axes
    return tuple(d for d in _summed_axes(name, ndim, class_axis, True, sum_axes) if d != class_axis)


def _volume_weights(xp, target_sum, weighting, kept):
    """``1/Σt`` or ``1/(Σt)²`` per class; where that is infinite (an absent class, or ``(Σt)²``
    below the reciprocal of the largest float), the largest finite weight along ``kept``, as
    MONAI replaces infinite weights (0 if none is finite)."""
    volume = target_sum if weighting == "simple" else target_sum * target_sum
    ones = xp.ones_like(volume)
    positive = xp.greater(volume, 0.0)
    present = xp.logical_and(positive, xp.isfinite(1.0 / xp.where(positive, volume, ones)))
    # The reciprocal of a safe volume: an infinite one's gradient, though masked, would be 0·inf.
    finite = xp.where(present, 1.0 / xp.where(present, volume, ones), xp.zeros_like(volume))
    return xp.where(present, finite, xp.max(finite, axis=kept, keepdims=True))


@define_loss(
    options=[
        _WEIGHTING,
        _FROM_LOGITS,
        Option(
            "smooth",
            "float",
            1e-5,
            "Added to the numerator and the denominator of the score (MONAI's smooth_nr = smooth_dr): a "
            "perfect prediction, and a score with no class present, lose exactly 0.",
            low=0.0,
        ),
        Option("epsilon", "float", 0.0, "Added to the denominator only, against 0/0 where smooth = 0.", low=0.0),
        _AXIS,
        _IGNORE_INDEX,
        _POOLED_SUM_AXES,
    ],
    inputs=_INPUTS,
    class_axis=True,
    probabilities=True,
    example=examples.overlap_example,
    showcase=examples.GENERALIZED_DICE,
)
def generalized_dice(xp, y_pred, y_true, *, weighting, from_logits, smooth, epsilon, axis, ignore_index, sum_axes):
    """Generalised Dice loss ``1 − (2·Σ_c w_c·TP_c + s) / (Σ_c w_c·(Σp_c + Σt_c) + s + ε)``, ``w_c = 1/(Σt_c)²``.

    ``TP_c``, ``Σp_c = TP_c + FP_c`` and ``Σt_c = TP_c + FN_c`` are class c's soft counts as in
    :func:`dice`, summed over every axis but the batch and the class axis (or over ``sum_axes``);
    the classes are then pooled into one score per sample, each class's counts weighted by
    ``w_c``, computed from that score's targets: ``1/(Σt_c)²`` (``weighting="square"``), ``1/Σt_c``
    (``"simple"``) or 1 (``"uniform"``: :func:`dice` with ``per_class=False``). The weights make each
    class count about equally whatever its size. A class absent from a score's targets (``Σt_c = 0``,
    an infinite weight) takes the largest finite weight of the score's other classes, as MONAI does
    (0 when every class is absent: the score is then ``1 − s/(s + ε)``, a constant). The weights are
    functions of the targets, differentiated as such: MONAI does not detach them either, but its
    in-place replacement of the infinite weights fails in a backward pass to the targets. ``s`` is ``smooth``,
    ``ε`` ``epsilon``, by default MONAI's (s = 1e-5, ε = 0), unlike :func:`dice`'s: they are added to
    sums of order ``C/Σt`` (square weights), so an ε in the denominator alone would keep a perfect
    prediction's loss near ``ε·Σt/(2C)``, far from 0 on large images. There are no ``class_weight``
    and ``per_class``: the weights are computed, and the classes always pooled. Computed as
    ``(penalty + ε) / (2·Σ w·TP + penalty + s + ε)`` with ``penalty = Σ w·(FP + FN)`` below ½, so a
    nearly perfect prediction loses no digits.
    Shapes: ``y_pred`` (N, ..., C, ...); ``y_true`` integer labels without the class axis, or dense
    like ``y_pred``; result (N,), or the axes ``sum_axes`` leaves but the class axis (``"all"``: a scalar).
    MONAI: ``GeneralizedDiceLoss(w_type=w)`` is ``generalized_dice(weighting=w, axis=1)``,
    ``batch=True`` is ``sum_axes="all"``; MONAI computes the weights in float32 even for float64
    inputs, lossx in the inputs' dtype.
    optax's ``multiclass_generalized_dice_loss`` is another loss: weights ``1/(f_c² + 1e-7)`` from the
    class frequencies ``f_c`` of the whole batch, normalised to mean 1, multiply each sample's per-class
    Dice losses, which are then averaged: lossx's :func:`dice` with ``class_weight`` set to those
    weights, ``smooth=2``, ``epsilon=0`` (docs/mapping.md).
    Reference: Sudre et al. (2017), "Generalised Dice overlap as a deep learning loss function for highly
    unbalanced segmentations"; MONAI GeneralizedDiceLoss.
    """
    name = "generalized_dice"
    class_axis = _class_axis(name, y_pred.ndim, axis)
    (tp, penalty, target_sum), scored, kept = _overlap_sums(
        xp,
        y_pred,
        y_true,
        name,
        alpha=1.0,
        beta=1.0,
        from_logits=from_logits,
        axis=axis,
        class_weight=None,
        ignore_index=ignore_index,
        per_class=True,
        sum_axes=_class_sum_axes(name, y_pred.ndim, class_axis, sum_axes),
        target_sums=True,
    )
    if weighting != "uniform":
        weights = _volume_weights(xp, target_sum, weighting, kept)
        tp, penalty = weights * tp, weights * penalty
    overlap = xp.sum(tp + tp, axis=kept)
    if scored is not None:
        scored = xp.any(scored, axis=kept)
    return _score(xp, xp.sum(penalty, axis=kept), overlap, scored, smooth, epsilon, None, None)


@define_loss(
    options=[
        *_penalty_weights(0.5, 0.5),
        *_OPTIONS,
    ],
    inputs=_INPUTS,
    class_axis=True,
    probabilities=True,
    example=examples.overlap_example,
    showcase=examples.TVERSKY,
)
def tversky(
    xp,
    y_pred,
    y_true,
    *,
    alpha,
    beta,
    from_logits,
    smooth,
    epsilon,
    axis,
    class_weight,
    ignore_index,
    per_class,
    sum_axes,
):
    """Tversky loss ``1 − (TP + s) / (TP + α·FP + β·FN + s + ε) = (α·FP + β·FN + ε) / (TP + α·FP + β·FN + s + ε)``.

    ``TP``, ``FP``, ``FN``, ``s``, ``ε``, the axes and ``class_weight`` as in :func:`dice`.
    α = β = ½ is Dice with ``smooth`` and ``epsilon`` halved; α = β = 1 is :func:`jaccard`.
    α weights the false positives and β the false negatives, as in the paper, optax,
    smp and MONAI. keras.losses.Tversky's code applies its ``alpha`` to Σ t·(1−p) (the
    false negatives, although its docs say false positives), so Keras's
    ``Tversky(alpha=a, beta=b, axis=x)`` is lossx's ``tversky(alpha=b, beta=a, sum_axes=x)``
    (``axis=None`` is ``sum_axes="all"``, as for :func:`dice`); the Keras adapter's
    ``Tversky`` takes Keras's arguments, in Keras's convention.
    Shapes: as :func:`dice`.
    Reference: Salehi et al. (2017), "Tversky loss function for image segmentation";
    keras.losses.Tversky; optax.dice_loss(alpha, beta); MONAI TverskyLoss.
    """
    (tp, penalty), scored, kept = _overlap_sums(
        xp,
        y_pred,
        y_true,
        "tversky",
        alpha=alpha,
        beta=beta,
        from_logits=from_logits,
        axis=axis,
        class_weight=class_weight,
        ignore_index=ignore_index,
        per_class=per_class,
        sum_axes=sum_axes,
    )
    return _score(xp, penalty, tp, scored, smooth, epsilon, class_weight, kept)


@define_loss(
    options=[
        *_penalty_weights(0.3, 0.7),
        Option(
            "gamma",
            "float",
            0.75,
            "Exponent γ of each score's Tversky loss (Abraham & Khan's 1/γ; smp's gamma): below 1 it "
            "raises the loss of well-predicted classes relative to the rest.",
            low=0.0,
            low_open=True,
        ),
        *_OPTIONS,
    ],
    inputs=_INPUTS,
    class_axis=True,
    probabilities=True,
    example=examples.overlap_example,
    showcase=examples.FOCAL_TVERSKY,
)
def focal_tversky(
    xp,
    y_pred,
    y_true,
    *,
    alpha,
    beta,
    gamma,
    from_logits,
    smooth,
    epsilon,
    axis,
    class_weight,
    ignore_index,
    per_class,
    sum_axes,
):
    """Focal Tversky loss: each score's :func:`tversky` loss to the power γ.

    ``(1 − (TP + s) / (TP + α·FP + β·FN + s + ε))^γ``.

    ``TP``, ``FP``, ``FN``, ``s``, ``ε``, the axes and ``class_weight`` as in :func:`dice`;
    the class weights multiply the powered scores. The defaults are the paper's: false
    negatives weigh more (α = 0.3, β = 0.7) and γ = 0.75 (the paper's 1/γ with γ = 4/3).
    γ = 1 is :func:`tversky`. For γ < 1 the gradient of a score whose loss is exactly 0 is
    infinite, which only ``epsilon=0`` with ``smooth > 0`` reaches (the default ε keeps every
    loss above 0). segmentation_models_pytorch's ``TverskyLoss(gamma=γ)`` raises its mean over
    classes to γ instead, which is this loss only where there is one score (``per_class=False``,
    or one class).
    Shapes: as :func:`dice`.
    Reference: Abraham & Khan (2019), "A novel focal Tversky loss function with improved attention
    U-Net for lesion segmentation"; segmentation_models_pytorch TverskyLoss(gamma).
    """
    (tp, penalty), scored, kept = _overlap_sums(
        xp,
        y_pred,
        y_true,
        "focal_tversky",
        alpha=alpha,
        beta=beta,
        from_logits=from_logits,
        axis=axis,
        class_weight=class_weight,
        ignore_index=ignore_index,
        per_class=per_class,
        sum_axes=sum_axes,
    )
    exponent = None if isinstance(gamma, (int, float)) and gamma == 1 else gamma
    return _score(xp, penalty, tp, scored, smooth, epsilon, class_weight, kept, exponent)


@define_loss(
    options=_OPTIONS,
    inputs=_INPUTS,
    class_axis=True,
    probabilities=True,
    aliases=("iou",),
    example=examples.overlap_example,
    showcase=examples.JACCARD,
)
def jaccard(xp, y_pred, y_true, *, from_logits, smooth, epsilon, axis, class_weight, ignore_index, per_class, sum_axes):
    """Jaccard (soft IoU) loss ``1 − (TP + s) / (Σp + Σt − TP + s + ε) = (FP + FN + ε) / (TP + FP + FN + s + ε)``.

    ``TP``, ``FP``, ``FN``, ``s``, ``ε``, the axes and ``class_weight`` as in :func:`dice`;
    it is :func:`tversky` with α = β = 1.
    Shapes: as :func:`dice`.
    Reference: Rahman & Wang (2016), "Optimizing intersection-over-union in deep neural
    networks"; segmentation_models_pytorch JaccardLoss; optax.dice_loss(alpha=1, beta=1).
    """
    (tp, penalty), scored, kept = _overlap_sums(
        xp,
        y_pred,
        y_true,
        "jaccard",
        alpha=1.0,
        beta=1.0,
        from_logits=from_logits,
        axis=axis,
        class_weight=class_weight,
        ignore_index=ignore_index,
        per_class=per_class,
        sum_axes=sum_axes,
    )
    return _score(xp, penalty, tp, scored, smooth, epsilon, class_weight, kept)


@define_loss(
    options=[
        _FROM_LOGITS,
        Option(
            "epsilon",
            "float",
            1e-5,
            "Added to the product under the square root of the denominator, against 0/0 (MONAI's smooth_dr).",
            low=0.0,
        ),
        *_OPTIONS[3:],
    ],
    inputs=_INPUTS,
    class_axis=True,
    probabilities=True,
    example=examples.overlap_example,
    showcase=examples.MCC,
)
def mcc(xp, y_pred, y_true, *, from_logits, epsilon, axis, class_weight, ignore_index, per_class, sum_axes):
    """Matthews correlation loss ``1 − (TP·TN − FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN) + ε)``.

    ``TP``, ``FP``, ``FN``, the axes and ``class_weight`` as in :func:`dice`, and the soft true
    negatives ``TN = Σ (1−p)·(1−t)``: unlike the other overlap losses it counts the background
    a score gets right, so a class that fills most of the image cannot score well by predicting
    everywhere. ``ε`` is ``epsilon``, under the root. There is no ``smooth``: added to the numerator
    (MONAI's ``smooth_nr``, 0 by default) it lifts the correlation above 1 wherever the counts are
    small, and the loss below 0.
    Where the correlation is 0/0 (the product and ε are 0, e.g. a class absent from both prediction
    and target with ε = 0) it is taken as 0, as scikit-learn's matthews_corrcoef does: the loss is 1
    there. A class absent from both scores 1 for any ε, with a zero gradient: a constant. MONAI
    sets the loss to 0 wherever FP = FN = 0; lossx does not, as that makes the loss jump by up to
    ε/(2·TP·TN) where probabilities saturate (σ(−1e4) is 0 in floating point) and scores an absent
    class 0 rather than 1; elsewhere the two agree. Where ``N = TP·TN − FP·FN > 0`` the loss is computed as
    ``((TP+FP+FN+TN)·(TP·FP·FN + TP·FP·TN + TP·FN·TN + FP·FN·TN) + ε) / ((R + N)·R)``
    with ``R`` the denominator (the identity ``R² − N² = ε + (a+b+c+d)(abc+abd+acd+bcd)``), so
    a nearly perfect score loses no digits to cancellation.
    Shapes: as :func:`dice`.
    Reference: Abhishek & Hamarneh (2021), "Matthews correlation coefficient loss for deep
    convolutional networks: application to skin lesion segmentation"; MONAI MCCLoss (this is its
    formula with ``smooth_nr=0``, per sample and class by default, ``batch=True`` being
    ``sum_axes=(0, ...)``);
    segmentation_models_pytorch MCCLoss (binary, the whole batch pooled, with 1e-5 added to each count).
    """
    (tp, fp, fn, tn), scored, kept = _overlap_sums(
        xp,
        y_pred,
        y_true,
        "mcc",
        alpha=1.0,
        beta=1.0,
        from_logits=from_logits,
        axis=axis,
        class_weight=class_weight,
        ignore_index=ignore_index,
        per_class=per_class,
        sum_axes=sum_axes,
        negatives=True,
    )
    correlation = tp * tn - fp * fn
    squared = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn) + epsilon
    undefined = xp.equal(squared, 0.0)
    # Safe denominators where a branch is not taken: its gradient is masked, but must not be 0·inf.
    root = xp.sqrt(xp.where(undefined, xp.ones_like(squared), squared))
    positive = xp.greater(correlation, 0.0)
    excess = (tp + fp + fn + tn) * (tp * fp * (fn + tn) + (tp + fp) * fn * tn) + epsilon
    near = excess / (xp.where(positive, root + correlation, xp.ones_like(root)) * root)
    far = 1.0 - correlation / root
    value = xp.where(undefined, xp.ones_like(squared), xp.where(positive, near, far))
    return _weighted(xp, value, scored, class_weight, kept)


# ----------------------------------------------------------------- Lovász extensions


def _flattened(xp, x, leading):
    """``x`` with its axes after the first ``leading`` merged into one: the pixels of each score.

    A size unknown while tracing (a TensorFlow graph) is the run-time one (the ``size`` kernel);
    the pixels are spelled out where their sizes are known, so that an empty batch reshapes too.
    """
    if x.ndim == leading + 1:
        return x
    size = P.kernels(xp)["size"]
    sizes = [size(x, d) for d in range(leading)]
    pixels = x.shape[leading:]
    return xp.reshape(x, (*sizes, math.prod(pixels) if None not in pixels else -1))


def _lovasz_terms(xp, errors, targets):
    """``(e, g)`` along the last axis: the errors sorted in descending order, and the gradient
    ``g_k = J_k − J_{k−1}`` of the Jaccard loss ``J_k = 1 − I_k/U_k`` of the first k of them
    mispredicted, with ``I_k = Σt − Σ_{j≤k} t_j`` and ``U_k = Σt + Σ_{j≤k} (1 − t_j)`` over the
    targets in the same order (Berman et al.'s lovasz_grad).

    ``U_k − I_k = k``, so ``J_k = k/U_k`` and ``g_k = (I_k + k·t_k) / (U_k·U_{k−1})``, with
    ``U_{k−1} = U_k − (1 − t_k)``: each weight a quotient of counts, exact for 0/1 targets up to 2²⁴
    pixels, not a difference of two Jaccard losses near 1 (whose float32 weights, of order 1/P, are
    off by 1% on a 512×512 image). ``U_{k−1}`` is 0 only at k = 1 with no target at all, where
    ``g_1 = J_1 = 1``. The order is found by a stable ``argsort`` (equal errors keep their index order
    on every backend, and with it the subgradient at ties); the gradient reaches the errors through
    the gather.
    """
    order = xp.argsort(errors, axis=-1, descending=True, stable=True)
    ordered = P.take_along_axis(errors, order, axis=-1)
    t = P.take_along_axis(targets, order, axis=-1)
    ones = xp.ones_like(t)
    rank = xp.cumulative_sum(ones, axis=-1)
    found = xp.cumulative_sum(t, axis=-1)
    # The total as the last partial sum: I_k ≥ 0 exactly, whatever the rounding of soft targets.
    remaining = found[..., -1:] - found
    union = remaining + rank
    before = union - (1.0 - t)
    defined = xp.greater(before, 0.0)
    weight = (remaining + rank * t) / (union * xp.where(defined, before, ones))
    return ordered, xp.where(defined, weight, ones)


@define_loss(
    target="binary",
    inputs=[
        Input("y_pred", "prediction", "Logits, (N, ...): each sample is one image, scored over all its axes."),
        Input("y_true", "binary", "0/1 targets (1: foreground) like y_pred."),
    ],
    class_axis=True,
    example=examples.lovasz_hinge_example,
)
def lovasz_hinge(xp, y_pred, y_true):
    """Lovász hinge loss ``Σ_k max(e_(k), 0)·g_k`` per image: the Jaccard loss's Lovász extension at the hinge errors.

    ``e = 1 − x·(2t − 1)`` are the hinge errors of the logits ``x`` against the 0/1 targets ``t``,
    over every axis of a sample but the batch axis; ``e_(1) ≥ e_(2) ≥ …`` in descending order, and
    ``g_k = J_k − J_{k−1}``, with ``J_k`` the Jaccard loss ``1 − |Y ∖ A_k| / |Y ∪ A_k|`` of the foreground
    ``Y`` when the pixels ``A_k`` of the k largest errors are mispredicted. It is 0 when every logit has
    its target's sign by a margin of 1, and a convex, piecewise linear surrogate of ``1 − IoU`` of the
    foreground: logits of ±1 with positive signs on a predicted foreground give ``2·(1 − IoU)``. An
    image without foreground scores its largest error. The gradient reaches the errors, not their
    order; at ties it is one of the subgradients.
    Each image is scored on its own (Berman et al.'s ``per_image=True``, kornia's only mode): their
    ``per_image=False``, the whole batch as one image, is this loss on ``y_pred`` and ``y_true``
    reshaped to (1, −1). There is no ``ignore_index``: the targets are binary and range-checked.
    Shapes: ``y_pred`` (N, ...), at least two axes (a binary mask (N, H, W), or (N, H, W, 1));
    ``y_true`` broadcastable to it; result (N,).
    kornia: ``lovasz_hinge_loss(pred, target)`` on pred (B, 1, H, W) and labels (B, H, W) is
    ``lovasz_hinge(pred[:, 0], target)``. segmentation_models_pytorch's ``LovaszLoss(mode="binary")``
    is Berman's (``per_image=False`` by default, so the batch pooled).
    Reference: Berman, Rannen Triki & Blaschko (2018), "The Lovász-Softmax loss: a tractable surrogate
    for the optimization of the intersection-over-union measure in neural networks" (CVPR);
    kornia.losses.lovasz_hinge_loss.
    """
    if y_pred.ndim < 2:
        raise ShapeError(
            f"lovasz_hinge: y_pred has {y_pred.ndim} axes; it needs a batch axis and the pixels of each image, "
            "e.g. shape (N, H, W). Add a batch axis of size 1 for one image."
        )
    errors = 1.0 - y_pred * (2.0 * y_true - 1.0)
    errors, targets = xp.broadcast_arrays(errors, y_true)
    ordered, weight = _lovasz_terms(xp, _flattened(xp, errors, 1), _flattened(xp, targets, 1))
    return xp.sum(P.at_least(ordered, 0.0) * weight, axis=-1)


@define_loss(
    options=[
        _FROM_LOGITS,
        _AXIS,
        Option(
            "classes",
            "choice",
            "all",
            "Which classes each image averages: all, every class (kornia's; a class absent from the image scores "
            "its largest probability); present, the classes its targets contain (Berman et al.'s default).",
            named=("all", "present"),
        ),
        Option(
            "class_weight",
            "weights",
            None,
            "One weight per class: it weights each class's score and 'mean' divides by their sum.",
            low=0.0,
        ),
        Option(
            "ignore_index",
            "int",
            None,
            "A label (or dense target) value whose pixels are left out of the sorting; a score with no pixel "
            "left counts nothing.",
        ),
    ],
    inputs=_INPUTS,
    class_axis=True,
    probabilities=True,
    example=examples.overlap_example,
    showcase=examples.LOVASZ_SOFTMAX,
)
def lovasz_softmax(xp, y_pred, y_true, *, from_logits, axis, classes, class_weight, ignore_index):
    """Lovász-Softmax loss ``Σ_k e_(k)·g_k`` per image and class: the Lovász extension of the class's Jaccard loss.

    For each image and class c, ``e = |t_c − p_c|`` are the errors of the class's probabilities
    against its targets over every axis but the batch and the class axis, ``e_(1) ≥ e_(2) ≥ …`` in
    descending order and ``g_k = J_k − J_{k−1}`` with ``J_k`` the Jaccard loss of class c when the
    pixels of the k largest errors are mispredicted (as in :func:`lovasz_hinge`). A convex surrogate
    of ``1 − IoU`` of each class, exact at 0/1 predictions. A class absent from an image scores the
    largest probability the image gives it; ``classes="present"`` leaves such scores out (they count
    nothing). The gradient reaches the errors, not their order; at ties it is one of the subgradients.
    From logits, ``|1 − p|`` for a target 1 is ``1 − p`` computed as such, so a nearly perfect
    prediction keeps its digits. Targets as for :func:`dice`: integer labels (softmax over ``axis`` with
    ``from_logits``) or dense targets like ``y_pred`` (sigmoid with ``from_logits``).
    ``'mean'`` averages every (image, class) score, weighted by ``class_weight``: with
    ``classes="all"`` that is kornia's mean over images and classes; with ``"present"`` each present
    (image, class) pair counts once, where Berman et al.'s ``per_image=True`` averages each image's
    present classes first (the same when every image has as many). Their default ``per_image=False``
    (also segmentation_models_pytorch's ``LovaszLoss(mode="multiclass")``) sorts the pixels of the whole
    batch at once: this loss on the batch moved into the pixel axes, with a batch of one.
    Shapes: ``y_pred`` (N, ..., C, ...); ``y_true`` integer labels without the class axis, or dense like
    ``y_pred``; result (N, C).
    kornia: ``lovasz_softmax_loss(pred, target)`` is ``lovasz_softmax(pred, target, from_logits=True,
    axis=1)``; its ``weight`` multiplies each class's score and divides by C, not by the weights' sum:
    ``reduction="sum"`` with ``class_weight`` divided by N·C.
    Reference: Berman, Rannen Triki & Blaschko (2018), "The Lovász-Softmax loss: a tractable surrogate
    for the optimization of the intersection-over-union measure in neural networks" (CVPR);
    kornia.losses.lovasz_softmax_loss.
    """
    class_axis = _class_axis("lovasz_softmax", y_pred.ndim, axis)
    p, complement, t, valid = _probabilities_and_targets(xp, y_pred, y_true, from_logits, class_axis, ignore_index)
    if xp.isdtype(y_true.dtype, "integral"):
        errors = xp.where(xp.greater(t, 0.5), 1.0 - p if complement is None else complement, p)
    elif complement is None:
        errors = xp.abs(t - p)
    else:
        # |t − p| = |(t − 1) + (1 − p)| with t − 1 exact for t ≥ ½.
        errors = xp.where(xp.greater_equal(t, 0.5), xp.abs((t - 1.0) + complement), xp.abs(t - p))
    if valid is not None:
        # An ignored pixel sorts among the zero errors, where nothing it does to the weights counts.
        errors = xp.where(valid, errors, xp.zeros_like(errors))
        t = xp.where(valid, t, xp.zeros_like(t))
    errors, t = xp.broadcast_arrays(errors, t)

    def scores_first(x):
        return _flattened(xp, xp.moveaxis(x, class_axis, 1), 2)

    t = scores_first(t)
    ordered, weight = _lovasz_terms(xp, scores_first(errors), t)
    value = xp.sum(ordered * weight, axis=-1)
    scored = None
    if classes == "present":
        scored = xp.greater(xp.sum(t, axis=-1), 0.0)
    elif valid is not None:
        scored = xp.any(scores_first(xp.broadcast_arrays(valid, errors)[0]), axis=-1)
    return _weighted(xp, value, scored, class_weight, 1)
