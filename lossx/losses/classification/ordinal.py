"""Weighted kappa loss: Cohen's weighted kappa of the batch, for ordered classes."""

from __future__ import annotations

from ..._errors import ShapeError
from ..._options import Option
from ..._reduction import LossTerms
from ..._registry import define_loss
from ..._spec import Input
from ...examples import classification as examples
from .._shared import class_positions

__all__ = ["weighted_kappa"]


@define_loss(
    options=[
        Option(
            "power",
            "float",
            2.0,
            "p of the disagreement weights (|i − j|/(C − 1))^p: 2 is quadratic kappa (TFA's default weightage), "
            "1 linear.",
            low=0.0,
            low_open=True,
        ),
        Option(
            "epsilon",
            "float",
            1e-6,
            "Added to the ratio inside the logarithm (TFA's epsilon): a perfect prediction scores log ε.",
            low=0.0,
        ),
        # One axis: the disagreement weights need ordered classes, which a slice of several axes has not.
        Option("axis", "axis", -1, "The class axis of y_pred (torch layout: 1)."),
    ],
    inputs=[
        Input("y_pred", "prediction", "Probabilities over the ordered classes, (N, ..., C, ...)."),
        Input("y_true", "classes", "Integer labels, or one-hot (or soft) targets like y_pred."),
    ],
    class_axis=True,
    probabilities=True,
    aliases=("kappa",),
    example=examples.kappa_example,
    showcase=examples.WEIGHTED_KAPPA,
)
def weighted_kappa(xp, y_pred, y_true, *, power, epsilon, axis):
    """Weighted kappa loss ``log(N·Σ_n Σ_j w(ℓ_n, j)·p_nj / Σ_ij h_i·w(i, j)·q_j + ε)`` of the whole batch.

    ``w(i, j) = (|i − j|/(C − 1))^p`` weighs a disagreement by its distance between the
    ordered classes; ``ℓ_n`` is the label of row ``n`` (``Σ_c c·t_nc`` for dense targets,
    the expected class of soft ones, as TFA reads them), ``h`` the class counts of the
    targets and ``q`` the summed probabilities, so the ratio is the observed over the
    chance-expected disagreement, 1 − κ, and the loss lies in [log ε, log 2]. Where the
    expected disagreement is 0 the ratio is 0 (TFA's divide_no_nan). Near κ = 0 (every label
    the same, or predictions unrelated to the targets) the loss ≈ −κ is the difference of two
    sums over the batch: float32 keeps its absolute accuracy there, not its relative one.
    Every entry along the other axes is a row of the one table (N of them): the loss is
    pooled, one value for the batch (a scalar, like :func:`dice` with ``sum_axes="all"``,
    docs/semantics.md, reductions and weights), so ``sample_weight`` is one number,
    ``"sum"`` is it times the loss and ``"mean"`` the loss itself; an empty batch counts
    nothing (its "mean" is 0).
    Shapes: ``y_pred`` (N, ..., C, ...) with the class axis ``axis`` (C ≥ 2); ``y_true``
    integer labels without it, or dense like ``y_pred``; result a scalar.
    Reference: de la Torre, Puig & Valls (2018), "Weighted kappa loss function for
    multi-class classification of ordinal data in deep learning"; TensorFlow Addons
    tfa.losses.WeightedKappaLoss(weightage="quadratic" (power 2) or "linear" (power 1), epsilon),
    with one-hot y_true of shape (N, C).
    """
    ndim = y_pred.ndim
    axis = axis % ndim
    if y_pred.shape[axis] == 1:
        raise ShapeError(
            f"weighted_kappa: y_pred of shape {tuple(y_pred.shape)} has one class along axis {axis}; kappa "
            "compares at least two ordered classes."
        )
    positions = class_positions(xp, y_pred, axis, y_pred.dtype)
    if xp.isdtype(y_true.dtype, "integral"):
        target = xp.astype(
            xp.equal(xp.expand_dims(y_true, axis=axis), xp.astype(positions, y_true.dtype)), y_pred.dtype
        )
    else:
        target = y_true
    line = xp.reshape(positions, (-1,))
    # C − 1 as a Python int; in a TensorFlow graph whose class axis is unknown, counted from `line`.
    classes = y_pred.shape[axis]
    span = classes - 1 if classes is not None else xp.sum(xp.ones_like(line)) - 1
    label = xp.sum(target * positions, axis=axis, keepdims=True)
    observed = xp.sum((xp.abs(label - positions) / span) ** power * y_pred)
    others = tuple(d for d in range(ndim) if d != axis)
    true_counts = xp.reshape(xp.sum(target, axis=others), (-1, 1))
    pred_counts = xp.reshape(xp.sum(y_pred, axis=others), (1, -1))
    weights = (xp.abs(xp.reshape(line, (-1, 1)) - xp.reshape(line, (1, -1))) / span) ** power
    expected = xp.sum(true_counts * weights * pred_counts)
    rows = xp.sum(xp.ones_like(label))
    disagreed = xp.greater(expected, 0)
    # The stand-in 1 keeps 0/0 out of the unused branch's gradient.
    ratio = xp.where(
        disagreed, rows * observed / xp.where(disagreed, expected, xp.ones_like(expected)), xp.zeros_like(expected)
    )
    return LossTerms(xp.log(ratio + epsilon), valid=xp.greater(rows, 0))
