"""Independent mpmath references of the classification losses (see tests/support/reference/__init__.py).

Written from the formulas of the papers and of the frameworks' documentation, in
the simplest form: probabilities ``p = softmax(x)`` (or the given ones), smoothed
one-hot targets built explicitly, powers by ``mpmath.power``. None of lossx's
log-space rewrites (log1mexp, expm1, logsumexp picks) appear here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.support.reference import helpers as M

power = np.frompyfunc(lambda base, exponent: M.mp.power(base, exponent), 2, 1)


def _probabilities(y_pred, from_logits, axis):
    """``(p, log p)`` over the class axis."""
    log_p = M.log_probabilities(y_pred, from_logits, axis)
    return (M.exp(log_p) if from_logits else y_pred), log_p


def _smoothed(target, label_smoothing, num_classes):
    eps = M.mp_scalar(label_smoothing)
    return target * (1 - eps) + eps / num_classes


def _class_factor(values, num_classes, ndim, axis):
    """A scalar or per-class option as a class vector shaped along ``axis`` (ones when None)."""
    if values is None:
        values = 1.0
    return M.class_vector(np.broadcast_to(np.asarray(values, dtype=np.float64), (num_classes,)), ndim, axis)


def _one_hot(labels, num_classes, axis):
    """Integer labels as an object array of mpf one-hot vectors along ``axis`` (ignored labels: class 0)."""
    return np.moveaxis(M.mp_array(np.eye(num_classes)[labels]), -1, axis)


def _valid_labels(labels, ignore_index):
    labels = np.asarray(labels)
    valid = None if ignore_index is None else labels != ignore_index
    return (labels if valid is None else np.where(valid, labels, 0)), valid


def _focal_terms(p, log_p, target, factor, gamma):
    """``Σ_c factor_c·t_c·(1 − p_c)^γ·(−log p_c)`` per entry, before the sum."""
    modulating = power(1 - p, M.mp_scalar(gamma))
    return -M.times_log(factor * target * modulating, log_p)


def categorical_focal_cross_entropy(
    y_pred, y_true, alpha=None, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1, class_weight=None
):
    num_classes = y_pred.shape[axis]
    p, log_p = _probabilities(y_pred, from_logits, axis)
    target = _smoothed(y_true, label_smoothing, num_classes)
    weights = _class_factor(class_weight, num_classes, y_pred.ndim, axis)
    factor = weights * _class_factor(alpha, num_classes, y_pred.ndim, axis)
    value = np.sum(_focal_terms(p, log_p, target, factor, gamma), axis=axis)
    return value, (None if class_weight is None else np.sum(weights * y_true, axis=axis)), None


def sparse_categorical_focal_cross_entropy(
    y_pred,
    labels,
    alpha=None,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
    class_weight=None,
    ignore_index=None,
):
    num_classes = y_pred.shape[axis]
    labels, valid = _valid_labels(labels, ignore_index)
    p, log_p = _probabilities(y_pred, from_logits, axis)
    target = _smoothed(_one_hot(labels, num_classes, axis), label_smoothing, num_classes)
    weights = _class_factor(class_weight, num_classes, y_pred.ndim, axis)
    factor = weights * _class_factor(alpha, num_classes, y_pred.ndim, axis)
    value = np.sum(_focal_terms(p, log_p, target, factor, gamma), axis=axis)
    label_weight = None if class_weight is None else M.mp_array(class_weight)[labels]
    return value, label_weight, valid


def poly_cross_entropy(y_pred, y_true, epsilon=2.0, from_logits=False, label_smoothing=0.0, axis=-1, class_weight=None):
    num_classes = y_pred.shape[axis]
    p, log_p = _probabilities(y_pred, from_logits, axis)
    target = _smoothed(y_true, label_smoothing, num_classes)
    weights = _class_factor(class_weight, num_classes, y_pred.ndim, axis)
    cross_entropy = -np.sum(M.times_log(weights * target, log_p), axis=axis)
    one_minus_pt = np.sum(weights * target * (1 - p), axis=axis)
    value = cross_entropy + M.mp_scalar(epsilon) * one_minus_pt
    return value, (None if class_weight is None else np.sum(weights * y_true, axis=axis)), None


def generalized_cross_entropy(y_pred, labels, q=0.7, from_logits=False, axis=-1, class_weight=None, ignore_index=None):
    num_classes = y_pred.shape[axis]
    labels, valid = _valid_labels(labels, ignore_index)
    p, _ = _probabilities(y_pred, from_logits, axis)
    p_y = np.sum(p * _one_hot(labels, num_classes, axis), axis=axis)
    q = M.mp_scalar(q)
    value = (1 - power(p_y, q)) / q
    if class_weight is None:
        return value, None, valid
    label_weight = M.mp_array(class_weight)[labels]
    return label_weight * value, label_weight, valid


def kl_divergence(y_pred, y_true, from_logits=False, log_input=False, log_target=False, axis=-1, pointwise=False):
    if from_logits:
        y_pred = M.log_probabilities(y_pred, True, axis)
    y_pred, y_true = np.broadcast_arrays(y_pred, y_true)
    terms = np.empty(y_pred.shape, dtype=object)
    for index in np.ndindex(y_pred.shape):
        t = M.mp.exp(y_true[index]) if log_target else y_true[index]
        if t == 0:  # 0·log 0 = 0, whatever q is
            terms[index] = M.ZERO
            continue
        log_t = y_true[index] if log_target else M.mp.log(t)
        log_q = y_pred[index] if (from_logits or log_input) else M.mp.log(y_pred[index])
        terms[index] = t * (log_t - log_q)
    return (terms if pointwise else np.sum(terms, axis=axis)), None, None


def generalized_kl_divergence(y_pred, y_true, log_input=False, log_target=False, axis=-1, pointwise=False):
    """Σ_c [t·log(t/q) − t + q], term by term, with 0·log 0 = 0."""
    y_pred, y_true = np.broadcast_arrays(y_pred, y_true)
    terms = np.empty(y_pred.shape, dtype=object)
    for index in np.ndindex(y_pred.shape):
        q = M.mp.exp(y_pred[index]) if log_input else y_pred[index]
        t = M.mp.exp(y_true[index]) if log_target else y_true[index]
        terms[index] = q if t == 0 else t * M.mp.log(t / q) - t + q
    return (terms if pointwise else np.sum(terms, axis=axis)), None, None


def jensen_shannon(y_pred, y_true, from_logits=False, axis=-1):
    """½·Σ_c [q·log(q/m) + t·log(t/m)], m = (q + t)/2, term by term, with 0·log 0 = 0."""
    q = M.exp(M.log_probabilities(y_pred, True, axis)) if from_logits else y_pred
    q, t = np.broadcast_arrays(q, y_true)
    terms = np.empty(q.shape, dtype=object)
    for index in np.ndindex(q.shape):
        m = (q[index] + t[index]) / 2
        terms[index] = sum((M.ZERO if p == 0 else p * M.mp.log(p / m) for p in (q[index], t[index])), M.ZERO) / 2
    return np.sum(terms, axis=axis), None, None


def asymmetric(y_pred, y_true, gamma_pos=0.0, gamma_neg=4.0, clip=0.05):
    """−t·(1 − p)^γ₊·log p − (1 − t)·p_m^γ₋·log(1 − p_m), p = 1/(1 + e^−x), 1 − p = 1/(1 + e^x), p_m = max(p − m, 0)."""
    p, not_p = 1 / (1 + M.exp(-y_pred)), 1 / (1 + M.exp(y_pred))
    m = M.mp_scalar(clip)
    shifted = np.where(p > m, p - m, M.ZERO)
    kept = np.where(p > m, not_p + m, M.ONE)  # 1 − p_m
    positive = -power(not_p, M.mp_scalar(gamma_pos)) * M.log(p)
    negative = -power(shifted, M.mp_scalar(gamma_neg)) * M.log(kept)
    return y_true * positive + (1 - y_true) * negative, None, None


def nll(y_pred, labels, axis=-1, class_weight=None, ignore_index=None):
    labels, valid = _valid_labels(labels, ignore_index)
    value = -np.squeeze(np.take_along_axis(y_pred, np.expand_dims(labels, axis), axis=axis), axis=axis)
    if class_weight is None:
        return value, None, valid
    label_weight = M.mp_array(class_weight)[labels]
    return label_weight * value, label_weight, valid


def _margin_softmax(y_pred, labels, scale, axis, label_logit):
    """``−log softmax(s·x)_y`` per entry, ``x`` the cosines with the label's replaced by ``label_logit(cos θ_y)``."""
    labels = np.asarray(labels)
    cosines = np.moveaxis(y_pred, axis, -1)
    scale = M.mp_scalar(scale)
    value = np.empty(labels.shape, dtype=object)
    for index in np.ndindex(labels.shape):
        label = int(labels[index])
        logits = [scale * (label_logit(c) if k == label else c) for k, c in enumerate(cosines[index])]
        value[index] = M.mp.log(sum(M.mp.exp(z) for z in logits)) - logits[label]
    return value, None, None


def cosface(y_pred, labels, scale=64.0, margin=0.35, axis=-1):
    """Wang et al. (2018): the label's cosine minus m."""
    margin = M.mp_scalar(margin)
    return _margin_softmax(y_pred, labels, scale, axis, lambda c: c - margin)


def arcface(y_pred, labels, scale=64.0, margin=0.5, axis=-1):
    """Deng et al. (2019) with pytorch-metric-learning's ArcFaceLoss fallback: θ = arccos(clamp(c, −1, 1));
    cos(θ + m) where θ ≤ π − m, else c − m·sin m."""
    margin = M.mp_scalar(margin)

    def label_logit(c):
        theta = M.mp.acos(min(max(c, -M.ONE), M.ONE))
        return M.mp.cos(theta + margin) if theta <= M.mp.pi - margin else c - margin * M.mp.sin(margin)

    return _margin_softmax(y_pred, labels, scale, axis, label_logit)


def weighted_kappa(y_pred, y_true, power=2.0, epsilon=1e-6, axis=-1):
    """TensorFlow Addons' weighted kappa loss as its source (tensorflow_addons/losses/kappa_loss.py) defines it:
    with W_ij = (|i − j|/(C − 1))^p, the label ℓ_n = Σ_c c·t_nc of row n, the class counts h = Σ_n t_n and the
    summed probabilities q = Σ_n p_n, log(divide_no_nan(Σ_nj W(ℓ_n, j)·p_nj, hᵀ·W·q / N) + ε), by loops over
    the rows (every index of the axes other than the class axis) and the classes."""
    p = np.moveaxis(y_pred, axis, -1)
    num_classes = p.shape[-1]
    rows = [p[index] for index in np.ndindex(p.shape[:-1])]
    if np.asarray(y_true).dtype.kind in "iu":
        targets = [
            [M.ONE if c == int(label) else M.ZERO for c in range(num_classes)]
            for label in np.asarray(y_true).reshape(-1)
        ]
    else:
        dense = np.moveaxis(y_true, axis, -1)
        targets = [list(dense[index]) for index in np.ndindex(dense.shape[:-1])]
    exponent, span = M.mp_scalar(power), num_classes - 1

    def weight(i, j):
        return M.mp.power(abs(i - j) / span, exponent)

    numerator = M.ZERO
    for row, target in zip(rows, targets, strict=True):
        label = sum(c * t for c, t in enumerate(target))
        numerator += sum(weight(label, j) * row[j] for j in range(num_classes))
    counts = [sum(target[i] for target in targets) for i in range(num_classes)]
    sums = [sum(row[j] for row in rows) for j in range(num_classes)]
    denominator = sum(counts[i] * weight(i, j) * sums[j] for i in range(num_classes) for j in range(num_classes)) / len(
        rows
    )
    ratio = M.ZERO if denominator == 0 else numerator / denominator
    return np.asarray(M.mp.log(ratio + M.mp_scalar(epsilon)), dtype=object), None, None


def _sparse_plus(x):
    """Blondel et al.'s sparse_plus, piece by piece."""
    if x <= -1:
        return M.ZERO
    if x >= 1:
        return x
    return (x + 1) ** 2 / 4


def sparsemax(y_pred, y_true):
    y_pred, y_true = np.broadcast_arrays(y_pred, y_true)
    value = np.empty(y_pred.shape, dtype=object)
    for index in np.ndindex(y_pred.shape):
        x, t = y_pred[index], y_true[index]
        value[index] = t * _sparse_plus(-x) + (1 - t) * _sparse_plus(x)
    return value, None, None


def multiclass_sparsemax(y_pred, labels, axis=-1):
    """Martins & Astudillo (2016): −z_y + ½·Σ_{j∈S}(z_j² − τ²) + ½, the support S found from the sorted scores."""
    labels = np.asarray(labels)
    scores = np.moveaxis(y_pred, axis, -1)
    value = np.empty(labels.shape, dtype=object)
    for index in np.ndindex(labels.shape):
        row = list(scores[index])
        ordered = sorted(row, reverse=True)
        size, total = 0, M.ZERO
        for k, z in enumerate(ordered, start=1):
            if 1 + k * z > total + z:
                size, total = k, total + z
            else:
                break
        tau = (total - 1) / size
        value[index] = -row[int(labels[index])] + sum(z * z - tau * tau for z in row if z > tau) / 2 + M.mp.mpf(1) / 2
    return value, None, None


LOSSES: dict[str, Callable[..., tuple]] = {
    f.__name__: f
    for f in (
        categorical_focal_cross_entropy,
        sparse_categorical_focal_cross_entropy,
        poly_cross_entropy,
        generalized_cross_entropy,
        kl_divergence,
        generalized_kl_divergence,
        jensen_shannon,
        asymmetric,
        nll,
        cosface,
        arcface,
        weighted_kappa,
        sparsemax,
        multiclass_sparsemax,
    )
}
