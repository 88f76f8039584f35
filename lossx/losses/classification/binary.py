"""Binary cross-entropy and binary focal loss: sigmoid targets, one probability per entry."""

from __future__ import annotations

from ... import primitives as P
from ...examples import classification as examples
from ..._options import Option
from ..._registry import define_loss
from .._shared import BINARY_SMOOTHING, FROM_LOGITS, is_off

__all__ = ["binary_cross_entropy", "binary_focal_cross_entropy"]


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
