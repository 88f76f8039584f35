"""The built-in losses, each defined once against the Array-API namespace ``xp``.

Every loss here is registered through :func:`lossx.define_loss`, exactly as a
user's custom loss would be, and so exists in every adapter. Formulas use the
stable primitives of :mod:`lossx.primitives`; ``y_pred`` comes first.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import primitives as P
from ._options import Option
from ._reduction import LossTerms
from ._registry import define_loss

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "binary_cross_entropy",
    "binary_focal_cross_entropy",
    "categorical_cross_entropy",
    "sparse_categorical_cross_entropy",
    "hinge",
    "categorical_hinge",
]

# ----------------------------------------------------------------- shared options

FROM_LOGITS = Option(
    "from_logits", "bool", False,
    "True: y_pred are logits, computed in log space; False: probabilities in [0, 1].",
)
BINARY_SMOOTHING = Option(
    "label_smoothing", "float", 0.0,
    "ε: targets move toward 0.5 as t·(1−ε) + ε/2.", low=0.0, high=1.0,
)
CATEGORICAL_SMOOTHING = Option(
    "label_smoothing", "float", 0.0,
    "ε: targets move toward uniform as t·(1−ε) + ε/C.", low=0.0, high=1.0,
)
CLASS_AXIS = Option("axis", "axis", -1, "The class axis of y_pred (torch layout: 1).")
CLASS_WEIGHT = Option(
    "class_weight", "weights", None,
    "One weight per class, picked by the target; 'mean' divides by their sum.", low=0.0,
)

# ----------------------------------------------------------------- example inputs
# Inputs on which `lossx compare` exercises each loss (NumPy float64).


def _regression_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((4, 6)), rng.standard_normal((4, 6))


def _binary_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    logits = rng.standard_normal((4, 6)) * 2
    y_pred = logits if options.get("from_logits") else 1 / (1 + np.exp(-logits))
    return y_pred, (rng.random((4, 6)) < 0.4).astype(np.float64)


def _softmax(logits: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _categorical_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    axis = options.get("axis", -1)
    logits = np.moveaxis(rng.standard_normal((4, 3, 5)) * 2, -1, axis)
    labels = rng.integers(0, 5, (4, 3))
    one_hot = np.moveaxis(np.eye(5)[labels], -1, axis)
    y_pred = logits if options.get("from_logits") else _softmax(logits, axis)
    return y_pred, one_hot


def _sparse_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    axis = options.get("axis", -1)
    logits = np.moveaxis(rng.standard_normal((4, 3, 5)) * 2, -1, axis)
    labels = rng.integers(0, 5, (4, 3))
    if options.get("ignore_index") is not None:
        labels[rng.random((4, 3)) < 0.25] = options["ignore_index"]
    y_pred = logits if options.get("from_logits") else _softmax(logits, axis)
    return y_pred, labels


def _hinge_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((4, 6)), rng.choice([-1.0, 1.0], (4, 6))


# ----------------------------------------------------------------- regression


@define_loss(aliases=("mse",), example=_regression_example)
def mean_squared_error(xp, y_pred, y_true):
    """Squared error ``(y_pred − y_true)²``, elementwise.

    Shapes: ``y_pred`` and ``y_true`` broadcast to a common shape (one of theirs).
    Reference: torch.nn.MSELoss; keras.losses.MeanSquaredError (which also
    averages the last axis per sample).
    """
    residual = y_pred - y_true
    return residual * residual


@define_loss(aliases=("mae",), example=_regression_example)
def mean_absolute_error(xp, y_pred, y_true):
    """Absolute error ``|y_pred − y_true|``, elementwise.

    Shapes: as :func:`mean_squared_error`.
    Reference: torch.nn.L1Loss; keras.losses.MeanAbsoluteError.
    """
    return xp.abs(y_pred - y_true)


@define_loss(
    options=[Option("delta", "float", 1.0, "Where the loss turns from quadratic to linear.", low=0.0, low_open=True)],
    example=_regression_example,
    showcase=({}, {"delta": 0.5}),
)
def huber(xp, y_pred, y_true, *, delta):
    """Huber loss: ``½e²`` for ``|e| ≤ δ``, ``δ(|e| − ½δ)`` beyond, with ``e = y_pred − y_true``.

    Computed as ``½q² + δ(|e| − q)`` with ``q = min(|e|, δ)``, which never squares a
    large residual, so it stays finite for residuals up to the dtype's maximum.
    Shapes: as :func:`mean_squared_error`.
    Reference: Huber (1964), "Robust Estimation of a Location Parameter";
    torch.nn.HuberLoss(delta); keras.losses.Huber(delta); optax.huber_loss.
    """
    magnitude = xp.abs(y_pred - y_true)
    quadratic = xp.minimum(magnitude, xp.full_like(magnitude, delta))
    return 0.5 * quadratic * quadratic + delta * (magnitude - quadratic)


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
    probabilities=True,
    aliases=("bce",),
    example=_binary_example,
    showcase=({}, {"from_logits": True}, {"from_logits": True, "label_smoothing": 0.1, "pos_weight": 2.0}),
)
def binary_cross_entropy(xp, y_pred, y_true, *, from_logits, label_smoothing, pos_weight):
    """Binary cross-entropy ``−[w·t·log p + (1−t)·log(1−p)]``, elementwise.

    ``t`` is the (smoothed) target in [0, 1], ``w`` the positive weight (1 by default).
    From logits ``x`` it is ``(1−t)·x − (1 + (w−1)·t)·log σ(x)``, computed with
    log-sigmoid: finite for logits ±1e4. From probabilities it uses ``0·log 0 = 0``,
    so saturated probabilities give exact values (no clipping).
    Shapes: ``y_true`` broadcasts with ``y_pred``; a vector ``pos_weight`` runs along
    the last axis.
    Reference: torch.nn.BCEWithLogitsLoss(pos_weight) and BCELoss;
    keras.losses.BinaryCrossentropy; optax.sigmoid_binary_cross_entropy.
    """
    target = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        log_p = P.log_sigmoid(y_pred)
        positive_scale = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
        return (1.0 - target) * y_pred - positive_scale * log_p
    positive = P.xlogy(target, y_pred)
    if pos_weight is not None:
        positive = pos_weight * positive
    return -(positive + P.xlog1py(1.0 - target, -y_pred))


def _log_or_minus_inf(xp, value):
    """``log(value)`` with ``-inf`` at 0, computed without a divide-by-zero warning."""
    zero = xp.equal(value, 0)
    return xp.where(zero, xp.full_like(value, -float("inf")), xp.log(xp.where(zero, xp.ones_like(value), value)))


def _smooth_binary(target, label_smoothing):
    return target * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else target


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
    probabilities=True,
    aliases=("focal", "binary_focal"),
    example=_binary_example,
    showcase=({}, {"from_logits": True, "alpha": 0.25}, {"from_logits": True, "gamma": 0.5, "label_smoothing": 0.1}),
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
        cross_entropy = (1.0 - target) * y_pred - log_sigmoid
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


def _num_classes(xp, y_pred, axis, keepdims):
    """C as a Python int; in a TensorFlow graph whose class axis is unknown, a computed array."""
    static = y_pred.shape[axis]
    if static is not None:
        return static
    return xp.sum(xp.ones_like(y_pred), axis=axis, keepdims=keepdims)


def _along_axis(xp, vector, ndim, axis):
    """A per-class vector shaped to broadcast along ``axis`` of an ``ndim`` array."""
    shape = [1] * ndim
    shape[axis] = -1
    return xp.reshape(vector, tuple(shape))


@define_loss(
    options=[FROM_LOGITS, CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT],
    class_axis=True,
    probabilities=True,
    aliases=("cce",),
    example=_categorical_example,
    showcase=(
        {"from_logits": True},
        {},
        {"from_logits": True, "label_smoothing": 0.1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
        {"from_logits": True, "axis": 1},
    ),
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
    target = y_true
    if label_smoothing:
        target = y_true * (1.0 - label_smoothing) + label_smoothing / _num_classes(xp, y_pred, axis, True)
    scaled_target = target
    if class_weight is not None:
        weights = _along_axis(xp, class_weight, y_pred.ndim, axis)
        scaled_target = target * weights
    if from_logits:
        log_p = P.log_softmax(y_pred, axis=axis)
        terms = xp.where(xp.equal(scaled_target, 0), xp.zeros_like(log_p), scaled_target * log_p)
    else:
        terms = P.xlogy(scaled_target, y_pred)
    value = -xp.sum(terms, axis=axis)
    if class_weight is None:
        return value
    return LossTerms(value, weight=xp.sum(y_true * weights, axis=axis))


@define_loss(
    options=[
        FROM_LOGITS,
        CATEGORICAL_SMOOTHING,
        CLASS_AXIS,
        CLASS_WEIGHT,
        Option("ignore_index", "int", None, "A label value that contributes nothing and counts nothing."),
    ],
    target="labels",
    class_axis=True,
    probabilities=True,
    aliases=("scce",),
    example=_sparse_example,
    showcase=(
        {"from_logits": True},
        {},
        {"from_logits": True, "label_smoothing": 0.1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0), "ignore_index": -100},
        {"from_logits": True, "axis": 1, "ignore_index": 0},
    ),
)
def sparse_categorical_cross_entropy(
    xp, y_pred, y_true, *, from_logits, label_smoothing, axis, class_weight, ignore_index
):
    """Cross-entropy with integer labels: ``(1−ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c)``.

    From logits ``−log p_y = logsumexp(x) − x_y`` (log-softmax is never built unless
    ε > 0). Entries whose label equals ``ignore_index`` contribute nothing and count
    nothing; the 'mean' denominator is ``Σ w_y`` over the other entries (torch's
    rule, but 0 instead of NaN when everything is ignored).
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted);
    result of the labels' shape.
    Reference: torch.nn.CrossEntropyLoss(weight, ignore_index, label_smoothing) with
    class indices; keras.losses.SparseCategoricalCrossentropy(ignore_class);
    optax.softmax_cross_entropy_with_integer_labels.
    """
    valid = None if ignore_index is None else xp.not_equal(y_true, ignore_index)
    labels = y_true if valid is None else xp.where(valid, y_true, xp.zeros_like(y_true))
    index = xp.expand_dims(labels, axis=axis)
    if from_logits:
        log_normaliser = P.logsumexp(y_pred, axis=axis, keepdims=True)
        picked = P.take_along_axis(y_pred, index, axis=axis)
        nll = P.drop_axis(log_normaliser - picked, axis)
    else:
        nll = -xp.log(P.drop_axis(P.take_along_axis(y_pred, index, axis=axis), axis))
    weight = None if class_weight is None else P.gather(class_weight, labels)
    value = nll if weight is None else weight * nll
    if label_smoothing:
        neg_log_p = log_normaliser - y_pred if from_logits else -xp.log(y_pred)
        if class_weight is not None:
            neg_log_p = _along_axis(xp, class_weight, y_pred.ndim, axis) * neg_log_p
        num_classes = _num_classes(xp, y_pred, axis, False)
        value = (1.0 - label_smoothing) * value + (label_smoothing / num_classes) * xp.sum(neg_log_p, axis=axis)
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)


# ----------------------------------------------------------------- margins


@define_loss(example=_hinge_example)
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


@define_loss(options=[CLASS_AXIS], class_axis=True, example=_categorical_example)
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
