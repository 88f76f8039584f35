"""Independent mpmath references of the classification losses (see tests/support/reference/__init__.py).

Written from the formulas of the papers and of the frameworks' documentation, in
the simplest form: probabilities ``p = softmax(x)`` (or the given ones), smoothed
one-hot targets built explicitly, powers by ``mpmath.power``. None of lossx's
log-space rewrites (log1mexp, expm1, logsumexp picks) appear here.
"""

from __future__ import annotations

from typing import Callable

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
    y_pred, labels, alpha=None, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1, class_weight=None,
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


def nll(y_pred, labels, axis=-1, class_weight=None, ignore_index=None):
    labels, valid = _valid_labels(labels, ignore_index)
    value = -np.squeeze(np.take_along_axis(y_pred, np.expand_dims(labels, axis), axis=axis), axis=axis)
    if class_weight is None:
        return value, None, valid
    label_weight = M.mp_array(class_weight)[labels]
    return label_weight * value, label_weight, valid


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
        nll,
        sparsemax,
        multiclass_sparsemax,
    )
}
