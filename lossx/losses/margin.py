"""Margin losses: hinge and its multiclass, squared and soft variants."""

from __future__ import annotations

from .. import primitives as P
from .._options import Option
from .._reduction import LossTerms
from .._registry import define_loss
from .._spec import Input
from ..examples import margin as examples
from ._shared import (
    CLASS_AXIS,
    CLASS_WEIGHT,
    along_axis,
)
from .classification._labels import pick

__all__ = [
    "hinge",
    "categorical_hinge",
    "squared_hinge",
    "multi_margin",
    "soft_margin",
    "multilabel_soft_margin",
    "multilabel_margin",
    "perceptron",
    "multiclass_perceptron",
]


def _signs(xp, y_true):
    """−1/1 targets; a target of exactly 0 reads as −1, so 0/1 labels work too."""
    # A scalar −1, not an array of them: one pass over the targets instead of three.
    return xp.where(xp.equal(y_true, 0), -1.0, y_true)


@define_loss(example=examples.hinge_example)
def hinge(xp, y_pred, y_true):
    """Hinge loss ``max(1 − t·y_pred, 0)``, elementwise.

    Targets are −1/1; a target of exactly 0 is read as −1, so 0/1 labels work too
    (Keras converts 0/1 labels only when the whole batch is 0/1; lossx decides per
    element, which agrees on every batch of hard labels).
    Shapes: as :func:`mean_squared_error`.
    Reference: keras.losses.Hinge; optax.hinge_loss.
    """
    return P.at_least(1.0 - _signs(xp, y_true) * y_pred, 0.0)


@define_loss(options=[CLASS_AXIS], class_axis=True, example=examples.categorical_example)
def categorical_hinge(xp, y_pred, y_true, *, axis):
    """Categorical hinge ``max(1 + max_c((1−t_c)·y_c) − Σ_c t_c·y_c, 0)`` over the class axis.

    Shapes: ``y_true`` (one-hot) like ``y_pred`` (..., C, ...); result without the class axis.
    Reference: Crammer & Singer (2001) multiclass hinge; keras.losses.CategoricalHinge
    (this is its exact formula).
    """
    positive = xp.sum(y_true * y_pred, axis=axis)
    negative = xp.max((1.0 - y_true) * y_pred, axis=axis)
    return P.at_least(1.0 + negative - positive, 0.0)


@define_loss(example=examples.hinge_example)
def squared_hinge(xp, y_pred, y_true):
    """Squared hinge loss ``max(1 − t·y_pred, 0)²``, elementwise.

    Targets are −1/1; a target of exactly 0 is read as −1, so 0/1 labels work too
    (as :func:`hinge`).
    Shapes: as :func:`mean_squared_error`.
    Reference: keras.losses.SquaredHinge (which also averages the last axis per sample);
    the L2-SVM loss.
    """
    # square, not a product: the same values, and its gradient is one multiplication
    # (2·positive·g) instead of two products and their sum.
    return xp.square(P.at_least(1.0 - _signs(xp, y_true) * y_pred, 0.0))


@define_loss(
    options=[
        Option("p", "int", 1, "Exponent of each hinge term: 1 (hinge) or 2 (squared hinge).", low=1, high=2),
        Option("margin", "float", 1.0, "The margin m by which the true class's score should lead."),
        CLASS_AXIS,
        CLASS_WEIGHT,
    ],
    target="labels",
    class_axis=True,
    example=examples.margin_example,
    showcase=examples.MULTI_MARGIN,
)
def multi_margin(xp, y_pred, y_true, *, p, margin, axis, class_weight):
    """Multiclass margin loss ``w_y · Σ_{c≠y} max(0, m − x_y + x_c)^p / C`` over the class axis.

    ``x`` are the scores (any real numbers), ``y`` the integer label, ``C`` the number
    of classes and ``w_y`` the class weight of the label (1 by default); the term of the
    true class itself is left out. With ``class_weight``, 'mean' divides by ``Σ w_y``
    (docs/semantics.md, reductions and weights; as torch's CrossEntropyLoss); torch's
    MultiMarginLoss divides by the number of rows even with weights (its preset
    ``lossx.backends.torch.MultiMarginLoss(weight=w)`` does the same).
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of ``y_pred``'s
    shape without that axis; result of the labels' shape.
    Reference: torch.nn.MultiMarginLoss(p, margin, weight) (2-D inputs, class axis 1);
    Weston & Watkins (1999) multiclass SVM.
    """
    if class_weight is None:
        return P.deferred(P.multi_margin, y_pred, y_true, p, margin, axis)
    value = P.multi_margin(y_pred, y_true, p, margin, axis=axis)
    weight = P.gather(class_weight, y_true)
    return LossTerms(weight * value, weight=weight)


@define_loss(example=examples.hinge_example)
def soft_margin(xp, y_pred, y_true):
    """Soft-margin (logistic) loss ``log(1 + exp(−t·y_pred))``, elementwise.

    Computed as ``softplus(−t·y_pred)``: finite and exact for scores ±1e4. Targets are
    −1/1; a target of exactly 0 is read as −1 (torch would give log 2 there), so
    with 0/1 labels this is binary cross-entropy from logits.
    Shapes: as :func:`mean_squared_error`.
    Reference: torch.nn.SoftMarginLoss.
    """
    return P.softplus(-_signs(xp, y_true) * y_pred)


@define_loss(
    options=[
        Option("axis", "axis", -1, "The class axis averaged over (torch: the last axis)."),
        Option(
            "class_weight",
            "weights",
            None,
            "One weight per class, multiplying that class's term before the mean over classes "
            "(torch's weight: Σ_c w_c·ℓ_c / C).",
            low=0.0,
        ),
    ],
    target="binary",
    class_axis=True,
    example=examples.multilabel_example,
    showcase=examples.MULTILABEL_SOFT_MARGIN,
)
def multilabel_soft_margin(xp, y_pred, y_true, *, axis, class_weight):
    """Multi-label soft margin ``(1/C)·Σ_c w_c·[t_c·softplus(−x_c) + (1−t_c)·softplus(x_c)]``.

    The mean over the class axis of the binary cross-entropies of the logits ``x``
    with the 0/1 (or soft, in [0, 1]) targets ``t``, each class term weighted by
    ``w_c`` (1 by default); the weights multiply, they are not a 'mean' denominator.
    Both softplus terms are non-negative, so there is no cancellation, for logits ±1e4 or
    where the loss is tiny (each term is :func:`lossx.primitives.sigmoid_cross_entropy`).
    Shapes: ``y_true`` like ``y_pred`` (..., C, ...); result without the class axis.
    Reference: torch.nn.MultiLabelSoftMarginLoss(weight).
    """
    terms = P.sigmoid_cross_entropy(y_pred, y_true)
    if class_weight is not None:
        terms = along_axis(xp, class_weight, y_pred.ndim, axis) * terms
    return xp.mean(terms, axis=axis)


@define_loss(
    options=[Option("axis", "axis", -1, "The class axis (torch: the last axis).")],
    inputs=[
        Input("y_pred", "prediction", "Scores, (..., C, ...)."),
        Input("y_true", "label_lists", "Each entry's labels along axis, ended by −1: the shape of y_pred."),
    ],
    class_axis=True,
    example=examples.label_lists_example,
    showcase=examples.MULTILABEL_MARGIN,
)
def multilabel_margin(xp, y_pred, y_true, *, axis):
    """Multi-label margin loss ``Σ_{j∈Y} Σ_{i∉Y} max(0, 1 − (x_j − x_i)) / C`` over the class axis.

    ``x`` are the scores and ``Y`` the entry's labels: the values of ``y_true`` along the class
    axis up to the first −1 (what follows it is not read); a label listed twice counts twice,
    as in torch. Every label's score should exceed every other class's by the margin 1.
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; ``y_true`` integers of the
    same shape; result without the class axis. torch computes it with its own kernel; elsewhere
    every (label, class) pair is formed at once, which takes memory of C² per entry.
    Reference: torch.nn.MultiLabelMarginLoss; Weston & Watkins (1999), "Support vector
    machines for multi-class pattern recognition".
    """
    return P.deferred(P.multilabel_margin, y_pred, y_true, axis)


@define_loss(example=examples.hinge_example)
def perceptron(xp, y_pred, y_true):
    """Perceptron loss ``max(−t·y_pred, 0)``, elementwise: the hinge without its margin.

    Zero for every correctly signed score, however small, so it stops where the data are
    separated. Targets are −1/1; a target of exactly 0 is read as −1, so 0/1 labels work too
    (as :func:`hinge`; optax requires −1/1).
    Shapes: as :func:`mean_squared_error`.
    Reference: optax.losses.perceptron_loss; Rosenblatt (1958).
    """
    return P.at_least(-_signs(xp, y_true) * y_pred, 0.0)


@define_loss(options=[CLASS_AXIS], target="labels", class_axis=True, example=examples.margin_example)
def multiclass_perceptron(xp, y_pred, y_true, *, axis):
    """Multiclass perceptron loss ``max_c x_c − x_y`` over the class axis.

    ``x`` are the scores and ``y`` the integer label: zero when the label's score is the
    largest, else how far it falls behind the largest.
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of ``y_pred``'s
    shape without that axis; result of the labels' shape.
    Reference: optax.losses.multiclass_perceptron_loss; Collins (2002), discriminative
    training with the perceptron.
    """
    return xp.max(y_pred, axis=axis) - pick(xp, y_pred, y_true, axis)
