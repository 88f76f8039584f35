"""Independent mpmath references of the overlap losses (see tests/reference.py).

Each score is computed from its textbook form ``1 − (numerator + s)/(denominator + s + ε)``
with ``Σ p`` and ``Σ t`` (not from lossx's cancellation-free rewriting), per sample
and class by explicit loops over the batch and the classes.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

import reference_math as M


def _probabilities_and_targets(y_pred, y_true, from_logits, axis, ignore_index):
    """``(p, t, valid)`` with the class axis moved last; ``valid`` is per pixel (and class)."""
    axis = axis % y_pred.ndim
    if np.asarray(y_true).dtype.kind in "iu":
        labels = np.asarray(y_true)
        logits = np.moveaxis(y_pred, axis, -1)
        num_classes = logits.shape[-1]
        if from_logits:
            exps = M.exp(logits)
            p = exps / np.sum(exps, axis=-1, keepdims=True)
        else:
            p = logits
        t = np.empty(p.shape, dtype=object)
        for index in np.ndindex(labels.shape):
            for c in range(num_classes):
                t[index + (c,)] = M.ONE if labels[index] == c else M.ZERO
        valid = np.ones(p.shape, dtype=bool)
        if ignore_index is not None:
            valid = np.broadcast_to((labels != ignore_index)[..., None], p.shape)
    else:
        p = 1 / (1 + M.exp(-y_pred)) if from_logits else y_pred
        p, t = np.moveaxis(p, axis, -1), np.moveaxis(y_true, axis, -1)
        valid = np.ones(p.shape, dtype=bool)
        if ignore_index is not None:
            valid = np.asarray(t != M.mp_scalar(ignore_index), dtype=bool)
    return p, t, valid


def _overlap(score, y_pred, y_true, from_logits=False, smooth=0.0, epsilon=1e-7, axis=-1,
             class_weight=None, ignore_index=None, per_class=True):
    """``score(TP, Σp, Σt, s, ε)`` per sample and class (or per sample, pooled)."""
    p, t, valid = _probabilities_and_targets(y_pred, y_true, from_logits, axis, ignore_index)
    batch, num_classes = p.shape[0], p.shape[-1]
    weights = [M.ONE] * num_classes if class_weight is None else list(M.mp_array(class_weight))
    s, eps = M.mp_scalar(smooth), M.mp_scalar(epsilon)

    def counts(n, classes):
        tp = sum_p = sum_t = M.ZERO
        pixels = 0
        for c in classes:
            w = weights[c] if not per_class else M.ONE
            for index in np.ndindex(p.shape[1:-1]):
                at = (n, *index, c)
                if valid[at]:
                    tp += w * p[at] * t[at]
                    sum_p += w * p[at]
                    sum_t += w * t[at]
                    pixels += 1
        return tp, sum_p, sum_t, pixels

    if per_class:
        value = np.empty((batch, num_classes), dtype=object)
        scored = np.ones((batch, num_classes), dtype=bool)
        for n in range(batch):
            for c in range(num_classes):
                tp, sum_p, sum_t, pixels = counts(n, [c])
                scored[n, c] = pixels > 0
                value[n, c] = score(tp, sum_p, sum_t, s, eps) if pixels else M.ZERO
        valid_out = None if ignore_index is None else scored
        if class_weight is None:
            return value, None, valid_out
        row = np.array(weights, dtype=object)
        return row * value, row, valid_out
    value = np.empty((batch,), dtype=object)
    scored = np.ones((batch,), dtype=bool)
    for n in range(batch):
        tp, sum_p, sum_t, pixels = counts(n, range(num_classes))
        scored[n] = pixels > 0
        value[n] = score(tp, sum_p, sum_t, s, eps) if pixels else M.ZERO
    return value, None, (None if ignore_index is None else scored)


def dice(y_pred, y_true, **options):
    return _overlap(lambda tp, sp, st, s, eps: 1 - (2 * tp + s) / (sp + st + s + eps), y_pred, y_true, **options)


def tversky(y_pred, y_true, alpha=0.5, beta=0.5, **options):
    a, b = M.mp_scalar(alpha), M.mp_scalar(beta)

    def score(tp, sum_p, sum_t, s, eps):
        false_positive, false_negative = sum_p - tp, sum_t - tp
        return 1 - (tp + s) / (tp + a * false_positive + b * false_negative + s + eps)

    return _overlap(score, y_pred, y_true, **options)


def jaccard(y_pred, y_true, **options):
    return _overlap(lambda tp, sp, st, s, eps: 1 - (tp + s) / (sp + st - tp + s + eps), y_pred, y_true, **options)


LOSSES: dict[str, Callable[..., tuple]] = {f.__name__: f for f in (dice, tversky, jaccard)}
