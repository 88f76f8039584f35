"""Binary cross-entropy, binary focal and asymmetric losses: sigmoid targets, one probability per entry."""

from __future__ import annotations

from ... import primitives as P
from ..._options import Option
from ..._registry import define_loss
from ...examples import classification as examples
from .._shared import BINARY_SMOOTHING, FROM_LOGITS, is_off

__all__ = ["binary_cross_entropy", "binary_focal_cross_entropy", "asymmetric"]


@define_loss(
    options=[
        FROM_LOGITS,
        BINARY_SMOOTHING,
        Option(
            "pos_weight",
            "float_or_weights",
            None,
            "Weight of the positive term (scalar, or one per entry of the last axis).",
            low=0.0,
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
            "alpha",
            "float",
            None,
            "Class balance: weight α for positives and 1−α for negatives; None = no balancing.",
            low=0.0,
            high=1.0,
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
        log_one_minus_pt = xp.logaddexp(
            _log_or_minus_inf(xp, target) + log_sigmoid_neg, _log_or_minus_inf(xp, 1.0 - target) + log_sigmoid
        )
        modulating = xp.exp(gamma * log_one_minus_pt)
    else:
        cross_entropy = -(P.xlogy(target, y_pred) + P.xlog1py(1.0 - target, -y_pred))
        one_minus_pt = target * (1.0 - y_pred) + (1.0 - target) * y_pred
        modulating = one_minus_pt**gamma
    loss = modulating * cross_entropy
    if alpha is not None:
        loss = (target * alpha + (1.0 - target) * (1.0 - alpha)) * loss
    return loss


def _shifted_negative(xp, y_pred, gamma_neg, clip):
    """``(p_m^γ₋, log(1 − p_m))`` of the shifted probability ``p_m = max(σ(x) − m, 0)``, for ``m`` not 0."""
    # 1 − p_m = min(σ(−x) + m, 1), from σ(−x) rather than 1 − σ(x), which is 0 for x ≳ 37.
    if isinstance(clip, (int, float)):
        log_kept = xp.log(P.sigmoid(-y_pred) + clip)
    else:  # a traced m: log(σ(−x) + m) as a logaddexp, exact also at m = 0
        log_kept = xp.logaddexp(P.log_sigmoid(-y_pred), xp.log(clip))
    log_kept = -P.at_least(-log_kept, 0.0)
    if is_off(gamma_neg):
        return 1.0, log_kept
    shifted = P.at_least(P.sigmoid(y_pred) - clip, 0.0)
    # 0^γ₋ = 0 as a stand-in branch: pow's derivative γ₋·0^(γ₋−1) is inf for γ₋ < 1.
    kept = xp.greater(shifted, 0)
    base = xp.where(kept, shifted, xp.ones_like(shifted))
    return xp.where(kept, base**gamma_neg, xp.zeros_like(shifted)), log_kept


@define_loss(
    options=[
        Option("gamma_pos", "float", 0.0, "Focusing exponent γ₊ of the positive term (1 − p)^γ₊.", low=0.0),
        Option("gamma_neg", "float", 4.0, "Focusing exponent γ₋ of the negative term p_m^γ₋.", low=0.0),
        Option(
            "clip",
            "float",
            0.05,
            "Probability margin m: negatives use p_m = max(p − m, 0) (0: no shift).",
            low=0.0,
            high=1.0,
            high_open=True,
        ),
    ],
    target="binary",
    example=examples.logit_example,
    showcase=examples.ASYMMETRIC,
)
def asymmetric(xp, y_pred, y_true, *, gamma_pos, gamma_neg, clip):
    """Asymmetric loss ``−t·(1 − p)^γ₊·log p − (1 − t)·p_m^γ₋·log(1 − p_m)``, elementwise.

    For multi-label classification: ``y_pred`` are logits ``x`` (always), ``p = σ(x)``,
    and ``t`` the 0/1 (or soft) target of each label. Negatives are focused harder
    (``γ₋ > γ₊``) and their probability is shifted, ``p_m = max(p − m, 0)``, which
    discards easy negatives (``p ≤ m``) entirely. The defaults are the paper's
    recommendation (γ₊ = 0, γ₋ = 4, m = 0.05); timm's AsymmetricLossMultiLabel defaults to
    γ₊ = 1. Computed from logits: ``log p = −softplus(−x)``, ``(1 − p)^γ₊ = exp(γ₊·log σ(−x))``
    and ``1 − p_m = min(σ(−x) + m, 1)`` (``log σ(x)`` where m = 0), so values and gradients are
    exact and finite for logits ±1e4, with none of the reference code's ε = 1e-8 clamps.
    Soft targets weight each term by its own factor; timm's single factor
    ``(1 − p_t)^(γ₊·t + γ₋·(1 − t))`` agrees with it for 0/1 targets only.
    Shapes: as :func:`binary_cross_entropy`. timm's loss (the sum over batch and labels,
    the original ASL reduction) is lossx's ``reduction="sum"``.
    Reference: Ridnik et al. (2021), "Asymmetric Loss For Multi-Label Classification";
    timm.loss.AsymmetricLossMultiLabel.
    """
    log_p, log_not_p = P.log_sigmoid(y_pred), P.log_sigmoid(-y_pred)
    positive = -log_p if is_off(gamma_pos) else -xp.exp(gamma_pos * log_not_p) * log_p
    if is_off(clip):
        focus, log_kept = (1.0 if is_off(gamma_neg) else xp.exp(gamma_neg * log_p)), log_not_p
    else:
        focus, log_kept = _shifted_negative(xp, y_pred, gamma_neg, clip)
    return y_true * positive - (1.0 - y_true) * (focus * log_kept)
