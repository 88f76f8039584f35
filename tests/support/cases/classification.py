"""Matrix option sets of the classification losses (see tests/support/cases/__init__.py and
tests/numerics/test_matrix.py)."""

from __future__ import annotations

import functools

import numpy as np

from tests.support.cases import (
    CW4,
    LABEL_WEIGHTINGS,
    SCCE_WEIGHTINGS,
    Case,
    _categorical,
    _labels,
    away_from,
    f32,
    softmax,
)

ALPHA4 = (0.25, 0.5, 1.0, 0.75)  # exact in float32


def _shape(options):
    return (2, 4, 3) if options.get("axis", -1) == 1 else (3, 2, 4)


def _log_probabilities(rng, options):
    """Log-softmax outputs (float32-representable) and integer labels, for nll."""
    logits, labels = _labels(rng, {**options, "from_logits": True})
    axis = options.get("axis", -1)
    log_p = logits - np.log(np.sum(np.exp(logits), axis=axis, keepdims=True))
    return f32(log_p), labels


def _distributions(rng, options, zeros=False):
    """KL inputs: a prediction as the options ask (probabilities, log-probabilities or logits)
    and a target distribution (or its log).

    With ``zeros`` about a third of the target entries are exactly 0 (−inf with
    log_target; one entry per row is kept), and at about half of those the prediction
    is 0 as well (probabilities; −inf log-probabilities and logits, as in masked classes).
    """
    axis = options.get("axis", -1)
    shape = _shape(options)
    logits = rng.standard_normal(shape) * 2
    target = softmax(rng.standard_normal(shape), axis)
    with np.errstate(divide="ignore"):
        if zeros:
            absent = rng.random(shape) < 0.35
            absent.flat[0] = True
            kept = np.expand_dims(np.argmax(rng.random(shape) * ~absent, axis=axis), axis)
            np.put_along_axis(absent, kept, False, axis=axis)
            target = np.where(absent, 0.0, target)
            target = target / target.sum(axis=axis, keepdims=True)
            masked = absent & (rng.random(shape) < 0.5)
            masked.flat[0] = absent.flat[0]
            logits = np.where(masked, -np.inf, logits)
        probabilities = f32(softmax(logits, axis))
        if options.get("from_logits"):
            y_pred = logits
        elif options.get("log_input"):
            y_pred = np.log(probabilities)
        else:
            y_pred = probabilities
        target = f32(target)
        if options.get("log_target"):
            target = np.log(target)
    return f32(y_pred), target


def _measures(rng, options, zeros=False):
    """Unnormalised measures (or their logs, as the options ask) along ``axis``: entries in (0.05, 3).

    With ``zeros`` about a third of the target entries are exactly 0 (−inf with log_target),
    and at about half of those the prediction is 0 as well (−inf with log_input).
    """
    shape = _shape(options)
    y_pred = np.exp(rng.uniform(-3.0, 1.1, shape))
    y_true = np.exp(rng.uniform(-3.0, 1.1, shape))
    if zeros:
        absent = rng.random(shape) < 0.35
        absent.flat[0] = True
        y_true = np.where(absent, 0.0, y_true)
        masked = absent & (rng.random(shape) < 0.5)
        masked.flat[0] = True
        y_pred = np.where(masked, 0.0, y_pred)
    with np.errstate(divide="ignore"):
        y_pred, y_true = f32(y_pred), f32(y_true)
        return (
            np.log(y_pred) if options.get("log_input") else y_pred,
            np.log(y_true) if options.get("log_target") else y_true,
        )


def _js_distributions(rng, options, zeros=False):
    """Jensen–Shannon inputs: a prediction (probabilities or logits) and a target distribution.

    With ``zeros`` about a third of the target entries are 0 and at about half of those the
    prediction is 0 too (probabilities); never a zero prediction under a positive target, where
    the gradient is −inf.
    """
    return _distributions(rng, {**options, "log_input": False, "log_target": False}, zeros=zeros)


def _asymmetric(rng, options, soft=False):
    """Logits with σ(x) away from the clip's kink at p = m, and 0/1 (or soft) targets."""
    clip = options.get("clip", 0.05)
    while True:
        logits = f32(rng.standard_normal((3, 4)) * 2.5)
        if clip == 0 or away_from(1 / (1 + np.exp(-logits)), (clip,), 1e-2):
            targets = rng.random((3, 4)) if soft else (rng.random((3, 4)) < 0.4).astype(np.float64)
            return logits, f32(targets)


def _sparsemax(rng, options):
    """Logits on every piece of sparse_plus, away from its kinks at ±1; 0/1 targets and, in the last row, soft ones."""
    while True:
        logits = f32(rng.standard_normal((3, 4)) * 1.5)
        if away_from(np.abs(logits), (1.0,), gap=1e-2):
            targets = (rng.random((3, 4)) < 0.5).astype(np.float64)
            targets[-1] = f32(rng.random(4))
            return logits, targets


def sparsemax_threshold(scores):
    """τ of sparsemax along the last axis (NumPy): ``(Σ_{j≤k} z_(j) − 1)/k`` for the support size k."""
    ordered = -np.sort(-scores, axis=-1)
    total = np.cumsum(ordered, axis=-1)
    rank = np.arange(1, scores.shape[-1] + 1)
    size = np.sum(1 + rank * ordered > total, axis=-1, keepdims=True)
    return (np.take_along_axis(total, size - 1, axis=-1) - 1) / size


def _sparse_scores(rng, options):
    """Scores (class axis ``axis``) with every score at least 1e-2 from the threshold τ (the support's edge, where
    the loss has a kink), supports of one class and of several, labels inside and outside them; in the (3, 4) layout
    one score is −inf (a masked class, never a label)."""
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 4)
    while True:
        scores = f32(rng.standard_normal(shape) * 0.8)
        if axis != 1:
            scores[1, 2] = -np.inf
        last = np.moveaxis(scores, axis, -1)
        tau = sparsemax_threshold(last)
        support = last > tau
        sizes = np.sum(support, axis=-1)
        labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
        if axis != 1:
            labels[1] = (2 + rng.integers(1, 4)) % 4
        inside = np.take_along_axis(support, labels[..., None], axis=-1)[..., 0]
        if (
            away_from(last[np.isfinite(last)] - np.broadcast_to(tau, last.shape)[np.isfinite(last)], (0.0,), gap=1e-2)
            and np.any(sizes == 1)
            and np.any(sizes > 1)
            and np.any(inside)
            and np.any(~inside)
        ):
            return scores, labels.astype(np.int64)


_soft = functools.partial(_categorical, soft=True)


def _cosines(rng, options):
    """Cosines in [−0.9, 0.9] (class axis ``axis``) and labels; for ArcFace every label's cosine is away from the
    jump of its logit at cos θ = −cos m, and the first one on the fallback side of it where the margin allows."""
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 4)
    jump = -np.cos(options.get("margin", 0.5))
    while True:
        cosines = f32(rng.uniform(-0.9, 0.9, shape))
        labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
        label_cosines = np.take_along_axis(cosines, np.expand_dims(labels, axis), axis)
        if jump > -0.85:
            label_cosines.flat[0] = -0.875
            np.put_along_axis(cosines, np.expand_dims(labels, axis), label_cosines, axis)
        if away_from(label_cosines, (jump,), gap=1e-2):
            return cosines, labels.astype(np.int64)


def _ordinal(rng, options, dense=False):
    """Probabilities over ordered classes (class axis ``axis``) leaning towards integer labels, and the labels or
    soft targets leaning the same way: κ away from 0, where log(1 − κ + ε) ≈ −κ cancels two sums of the batch."""
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (6, 4)
    labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
    lean = 3 * np.moveaxis(np.eye(shape[axis])[labels], -1, axis)
    y_pred = f32(softmax(rng.standard_normal(shape) + lean, axis))
    if dense:
        return y_pred, f32(softmax(rng.standard_normal(shape) + lean, axis))
    return y_pred, labels.astype(np.int64)


CASES: list[Case] = [
    # ---------------------------------------------------------------- categorical focal
    Case("cfocal", "categorical_focal_cross_entropy", "probs-gamma2", {}, _categorical, LABEL_WEIGHTINGS),
    Case(
        "cfocal",
        "categorical_focal_cross_entropy",
        "from_logits-alpha0.25",
        {"from_logits": True, "alpha": 0.25},
        _categorical,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "cfocal",
        "categorical_focal_cross_entropy",
        "from_logits-alphavec-gamma0.5-ls0.1-soft",
        {"from_logits": True, "alpha": ALPHA4, "gamma": 0.5, "label_smoothing": 0.1},
        _soft,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "cfocal",
        "categorical_focal_cross_entropy",
        "probs-gamma0-cw-ls0.1",
        {"gamma": 0.0, "class_weight": CW4, "label_smoothing": 0.1},
        _categorical,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "cfocal",
        "categorical_focal_cross_entropy",
        "axis1-from_logits-gamma1.5-cw-alphavec",
        {"from_logits": True, "axis": 1, "gamma": 1.5, "class_weight": CW4, "alpha": ALPHA4},
        _categorical,
        LABEL_WEIGHTINGS,
    ),
    # ---------------------------------------------------------------- sparse categorical focal
    Case(
        "sfocal",
        "sparse_categorical_focal_cross_entropy",
        "from_logits",
        {"from_logits": True},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "sfocal",
        "sparse_categorical_focal_cross_entropy",
        "probs-alpha0.25-gamma0.5-ls0.1",
        {"alpha": 0.25, "gamma": 0.5, "label_smoothing": 0.1},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "sfocal",
        "sparse_categorical_focal_cross_entropy",
        "from_logits-alphavec-cw-ls0.1-ii-100",
        {"from_logits": True, "alpha": ALPHA4, "class_weight": CW4, "label_smoothing": 0.1, "ignore_index": -100},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "sfocal",
        "sparse_categorical_focal_cross_entropy",
        "probs-gamma0-cw-ii1",
        {"gamma": 0.0, "class_weight": CW4, "ignore_index": 1},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "sfocal",
        "sparse_categorical_focal_cross_entropy",
        "axis1-from_logits-gamma3-ii0",
        {"from_logits": True, "axis": 1, "gamma": 3.0, "ignore_index": 0},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    # ---------------------------------------------------------------- poly-1
    Case("poly", "poly_cross_entropy", "probs", {}, _categorical, LABEL_WEIGHTINGS),
    Case(
        "poly",
        "poly_cross_entropy",
        "from_logits-eps1-soft",
        {"from_logits": True, "epsilon": 1.0},
        _soft,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "poly",
        "poly_cross_entropy",
        "from_logits-eps-1-ls0.1-cw",
        {"from_logits": True, "epsilon": -1.0, "label_smoothing": 0.1, "class_weight": CW4},
        _categorical,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "poly",
        "poly_cross_entropy",
        "axis1-probs-eps0.5-cw-soft",
        {"axis": 1, "epsilon": 0.5, "class_weight": CW4},
        _soft,
        LABEL_WEIGHTINGS,
    ),
    # ---------------------------------------------------------------- generalized cross-entropy
    Case("gce", "generalized_cross_entropy", "probs", {}, _labels, SCCE_WEIGHTINGS),
    Case(
        "gce",
        "generalized_cross_entropy",
        "from_logits-q0.25",
        {"from_logits": True, "q": 0.25},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "gce",
        "generalized_cross_entropy",
        "probs-q1-cw-ii-100",
        {"q": 1.0, "class_weight": CW4, "ignore_index": -100},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "gce",
        "generalized_cross_entropy",
        "axis1-from_logits-q0.5-cw-ii2",
        {"from_logits": True, "axis": 1, "q": 0.5, "class_weight": CW4, "ignore_index": 2},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    # ---------------------------------------------------------------- KL divergence
    Case("kl", "kl_divergence", "probs", {}, _distributions, LABEL_WEIGHTINGS, wrt=(0, 1)),
    Case("kl", "kl_divergence", "probs-zeros", {}, functools.partial(_distributions, zeros=True), LABEL_WEIGHTINGS),
    Case("kl", "kl_divergence", "log_input", {"log_input": True}, _distributions, LABEL_WEIGHTINGS, wrt=(0, 1)),
    Case(
        "kl",
        "kl_divergence",
        "log_input-log_target-zeros",
        {"log_input": True, "log_target": True},
        functools.partial(_distributions, zeros=True),
        LABEL_WEIGHTINGS,
    ),
    Case(
        "kl",
        "kl_divergence",
        "from_logits-log_target",
        {"from_logits": True, "log_target": True},
        _distributions,
        LABEL_WEIGHTINGS,
        wrt=(0, 1),
    ),
    Case(
        "kl",
        "kl_divergence",
        "axis1-from_logits-zeros",
        {"from_logits": True, "axis": 1},
        functools.partial(_distributions, zeros=True),
        LABEL_WEIGHTINGS,
    ),
    Case(
        "kl",
        "kl_divergence",
        "log_input-pointwise-zeros",
        {"log_input": True, "pointwise": True},
        functools.partial(_distributions, zeros=True),
        LABEL_WEIGHTINGS,
    ),
    Case(
        "kl",
        "kl_divergence",
        "log_target-pointwise",
        {"log_input": True, "log_target": True, "pointwise": True},
        _distributions,
        LABEL_WEIGHTINGS,
        wrt=(0, 1),
    ),
    # ---------------------------------------------------------------- generalized KL divergence
    Case(
        "gkl",
        "generalized_kl_divergence",
        "measures-zeros",
        {},
        functools.partial(_measures, zeros=True),
        LABEL_WEIGHTINGS,
    ),
    Case("gkl", "generalized_kl_divergence", "axis1-log_input", {"axis": 1, "log_input": True}, _measures, wrt=(0, 1)),
    Case(
        "gkl",
        "generalized_kl_divergence",
        "log_input-log_target-pointwise-zeros",
        {"log_input": True, "log_target": True, "pointwise": True},
        functools.partial(_measures, zeros=True),
    ),
    # ---------------------------------------------------------------- Jensen–Shannon divergence
    Case("js", "jensen_shannon", "probs-zeros", {}, functools.partial(_js_distributions, zeros=True), LABEL_WEIGHTINGS),
    Case("js", "jensen_shannon", "axis1-from_logits", {"axis": 1, "from_logits": True}, _js_distributions, wrt=(0, 1)),
    # ---------------------------------------------------------------- asymmetric loss
    Case("asl", "asymmetric", "default", {}, _asymmetric, LABEL_WEIGHTINGS),
    Case(
        "asl",
        "asymmetric",
        "gp1-gn2-clip0-soft",
        {"gamma_pos": 1.0, "gamma_neg": 2.0, "clip": 0.0},
        functools.partial(_asymmetric, soft=True),
        wrt=(0, 1),
    ),
    Case("asl", "asymmetric", "gp2-gn0.5-clip0.2", {"gamma_pos": 2.0, "gamma_neg": 0.5, "clip": 0.2}, _asymmetric),
    # ---------------------------------------------------------------- negative log-likelihood
    Case("nll", "nll", "default", {}, _log_probabilities, SCCE_WEIGHTINGS),
    Case("nll", "nll", "cw-ii-100", {"class_weight": CW4, "ignore_index": -100}, _log_probabilities, SCCE_WEIGHTINGS),
    Case(
        "nll",
        "nll",
        "axis1-cw-ii0",
        {"axis": 1, "class_weight": CW4, "ignore_index": 0},
        _log_probabilities,
        SCCE_WEIGHTINGS,
    ),
    # ---------------------------------------------------------------- additive-margin softmax, weighted kappa
    Case("cosface", "cosface", "default", {}, _cosines, LABEL_WEIGHTINGS),
    Case("cosface", "cosface", "axis1-s16-m0.2", {"axis": 1, "scale": 16.0, "margin": 0.2}, _cosines, LABEL_WEIGHTINGS),
    Case("arcface", "arcface", "default", {}, _cosines, LABEL_WEIGHTINGS),
    Case("arcface", "arcface", "axis1-s16-m1.2", {"axis": 1, "scale": 16.0, "margin": 1.2}, _cosines, LABEL_WEIGHTINGS),
    Case("kappa", "weighted_kappa", "labels", {}, _ordinal),
    Case(
        "kappa",
        "weighted_kappa",
        "axis1-soft-p1-eps1e-3",
        {"axis": 1, "power": 1.0, "epsilon": 1e-3},
        functools.partial(_ordinal, dense=True),
    ),
    # ---------------------------------------------------------------- sparsemax
    Case("sparsemax", "sparsemax", "01-soft", {}, _sparsemax, LABEL_WEIGHTINGS),
    Case("mc_sparsemax", "multiclass_sparsemax", "masked-class", {}, _sparse_scores, LABEL_WEIGHTINGS),
    Case("mc_sparsemax", "multiclass_sparsemax", "axis1", {"axis": 1}, _sparse_scores, LABEL_WEIGHTINGS),
]
