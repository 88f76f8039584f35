"""Classification losses: binary, categorical and sparse cross-entropies and focal losses."""

from __future__ import annotations

from .. import primitives as P
from .._options import Option
from .._reduction import LossTerms
from .._presets import define_preset
from .._registry import define_loss
from ._shared import (
    BINARY_SMOOTHING,
    CATEGORICAL_SMOOTHING,
    CLASS_AXIS,
    CLASS_WEIGHT,
    FROM_LOGITS,
    along_axis,
    binary_example,
    categorical_example,
    class_count,
    sparse_example,
)

__all__ = [
    "binary_cross_entropy",
    "binary_focal_cross_entropy",
    "categorical_cross_entropy",
    "sparse_categorical_cross_entropy",
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
    probabilities=True,
    aliases=("bce",),
    example=binary_example,
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
    example=binary_example,
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


@define_loss(
    options=[FROM_LOGITS, CATEGORICAL_SMOOTHING, CLASS_AXIS, CLASS_WEIGHT],
    class_axis=True,
    probabilities=True,
    aliases=("cce",),
    example=categorical_example,
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
        target = y_true * (1.0 - label_smoothing) + label_smoothing / class_count(xp, y_pred, axis, True)
    scaled_target = target
    if class_weight is not None:
        weights = along_axis(xp, class_weight, y_pred.ndim, axis)
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
    example=sparse_example,
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
            neg_log_p = along_axis(xp, class_weight, y_pred.ndim, axis) * neg_log_p
        num_classes = class_count(xp, y_pred, axis, False)
        value = (1.0 - label_smoothing) * value + (label_smoothing / num_classes) * xp.sum(neg_log_p, axis=axis)
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)


# ----------------------------------------------------------------- presets

_KERAS_AXIS = {"axis": (-1, "lossx's Keras losses average the last axis per sample, as Keras's do by default.")}

define_preset(
    "BCELoss", "torch", "binary_cross_entropy",
    doc="torch.nn.BCELoss on probabilities. torch clamps log p at −100; lossx is exact (0·log 0 = 0, and "
        "inf where a saturated probability contradicts its label). torch's per-element `weight` is "
        "lossx's sample_weight argument of forward.",
)
define_preset(
    "BCEWithLogitsLoss", "torch", "binary_cross_entropy", fixed={"from_logits": True},
    doc="torch.nn.BCEWithLogitsLoss(pos_weight): logits; pos_weight scalar or one per last-axis entry.",
)
define_preset(
    "CrossEntropyLoss", "torch", "sparse_categorical_cross_entropy",
    fixed={"from_logits": True}, defaults={"axis": 1, "ignore_index": -100}, renames={"weight": "class_weight"},
    doc="torch.nn.CrossEntropyLoss(weight, ignore_index=-100, label_smoothing) with class-index targets: "
        "logits of shape (N, C, d1, ...). When every target is ignored, 'mean' is 0 (torch: NaN). "
        "For probability targets use CategoricalCrossEntropy(from_logits=True, axis=1).",
)
define_preset(
    "BinaryCrossentropy", "keras", "binary_cross_entropy", accepted=_KERAS_AXIS,
    doc="keras.losses.BinaryCrossentropy(from_logits, label_smoothing). Keras clips probabilities to "
        "[1e-7, 1 − 1e-7]; lossx does not (identical on probabilities inside that range).",
)
define_preset(
    "BinaryFocalCrossentropy", "keras", "binary_focal_cross_entropy",
    accepted=_KERAS_AXIS, defaults={"alpha": 0.25}, framework_options={"apply_class_balancing": False},
    translate=lambda options, keras_only: {
        **options, "alpha": options["alpha"] if keras_only["apply_class_balancing"] else None,
    },
    untranslate=lambda options: {
        **options, "apply_class_balancing": options["alpha"] is not None,
        "alpha": 0.25 if options["alpha"] is None else options["alpha"],
    },
    doc="keras.losses.BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25, gamma=2.0, "
        "from_logits, label_smoothing): alpha applies only with apply_class_balancing=True, as in Keras.",
)
define_preset(
    "CategoricalCrossentropy", "keras", "categorical_cross_entropy",
    doc="keras.losses.CategoricalCrossentropy(from_logits, label_smoothing, axis). Keras rescales "
        "probabilities to sum to 1 and clips them to [1e-7, 1 − 1e-7]; lossx takes them as given.",
)
define_preset(
    "SparseCategoricalCrossentropy", "keras", "sparse_categorical_cross_entropy",
    renames={"ignore_class": "ignore_index"},
    doc="keras.losses.SparseCategoricalCrossentropy(from_logits, ignore_class, axis).",
)
