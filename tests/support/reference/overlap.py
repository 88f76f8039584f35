"""Independent mpmath references of the overlap losses (see tests/support/reference/__init__.py).

Each score is computed from its textbook form ``1 − (numerator + s)/(denominator + s + ε)``
with ``Σ p`` and ``Σ t`` (not from lossx's cancellation-free rewriting), by an explicit
loop over the entries each score sums (``sum_axes``; by default every axis but the batch
axis and the class axis). The Lovász losses sort each score's pixels in a Python loop (ignored
pixels removed, not zeroed) and difference the textbook Jaccard loss along that order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.support.reference import helpers as M


def _probabilities_and_targets(y_pred, y_true, from_logits, axis, ignore_index):
    """``(p, t, valid)`` in y_pred's layout (class axis ``axis``); ``valid`` is per pixel (and class)."""
    axis = axis % y_pred.ndim
    if np.asarray(y_true).dtype.kind in "iu":
        labels = np.expand_dims(np.asarray(y_true), axis)
        num_classes = y_pred.shape[axis]
        if from_logits:
            exps = M.exp(y_pred)
            p = exps / np.sum(exps, axis=axis, keepdims=True)
        else:
            p = y_pred
        classes = np.arange(num_classes).reshape([-1 if d == axis else 1 for d in range(y_pred.ndim)])
        t = np.where(labels == classes, M.ONE, M.ZERO)
        valid = np.ones(p.shape, dtype=bool)
        if ignore_index is not None:
            valid = np.broadcast_to(labels != ignore_index, p.shape)
    else:
        p = 1 / (1 + M.exp(-y_pred)) if from_logits else y_pred
        t = y_true
        valid = np.ones(p.shape, dtype=bool)
        if ignore_index is not None:
            valid = np.asarray(t != M.mp_scalar(ignore_index), dtype=bool)
    return p, t, valid


def _summed(ndim, axis, per_class, sum_axes):
    """The axes each score sums over, as the sum_axes option defines them."""
    if sum_axes == "per_sample":
        return {d for d in range(1, ndim) if not (per_class and d == axis)}
    if sum_axes == "all":
        return set(range(ndim))
    return {a % ndim for a in sum_axes}


def _overlap(
    score,
    y_pred,
    y_true,
    from_logits=False,
    smooth=0.0,
    epsilon=1e-7,
    axis=-1,
    class_weight=None,
    ignore_index=None,
    per_class=True,
    sum_axes="per_sample",
):
    """``score(TP, Σp, Σt, n, s, ε)`` for each index of the axes not summed (one loop per score);
    ``n`` counts the score's pixels (weighted, as the sums)."""
    p, t, valid = _probabilities_and_targets(y_pred, y_true, from_logits, axis, ignore_index)
    ndim, axis = p.ndim, axis % p.ndim
    summed = _summed(ndim, axis, per_class, sum_axes)
    kept = [d for d in range(ndim) if d not in summed]
    classes_kept = axis in kept
    num_classes = p.shape[axis]
    weights = [M.ONE] * num_classes if class_weight is None else list(M.mp_array(class_weight))
    s, eps = M.mp_scalar(smooth), M.mp_scalar(epsilon)
    out_shape = tuple(p.shape[d] for d in kept)
    value = np.empty(out_shape, dtype=object)
    scored = np.ones(out_shape, dtype=bool)
    row = np.empty(out_shape, dtype=object)
    for out_index in np.ndindex(out_shape):
        tp = sum_p = sum_t = count = M.ZERO
        pixels = 0
        for index in np.ndindex(p.shape):
            if tuple(index[d] for d in kept) != out_index or not valid[index]:
                continue
            w = M.ONE if classes_kept else weights[index[axis]]
            tp += w * p[index] * t[index]
            sum_p += w * p[index]
            sum_t += w * t[index]
            count += w
            pixels += 1
        scored[out_index] = pixels > 0
        value[out_index] = score(tp, sum_p, sum_t, count, s, eps) if pixels else M.ZERO
        row[out_index] = weights[out_index[kept.index(axis)]] if classes_kept else M.ONE
    valid_out = None if ignore_index is None else scored
    if class_weight is None or not classes_kept:
        return value, None, valid_out
    return row * value, row, valid_out


def dice(y_pred, y_true, **options):
    return _overlap(lambda tp, sp, st, n, s, eps: 1 - (2 * tp + s) / (sp + st + s + eps), y_pred, y_true, **options)


def generalized_dice(
    y_pred,
    y_true,
    weighting="square",
    from_logits=False,
    smooth=1e-5,
    epsilon=0.0,
    axis=-1,
    ignore_index=None,
    sum_axes="per_sample",
):
    """Sudre et al.'s ``1 − (2·Σ_c w_c·TP_c + s) / (Σ_c w_c·(Σp_c + Σt_c) + s + ε)``, one loop per score
    and class; an absent class (Σt_c = 0) takes the largest weight of the score's other classes, 0 if none."""
    p, t, valid = _probabilities_and_targets(y_pred, y_true, from_logits, axis, ignore_index)
    ndim, axis = p.ndim, axis % p.ndim
    summed = _summed(ndim, axis, True, sum_axes) - {axis}
    kept = [d for d in range(ndim) if d not in summed and d != axis]
    s, eps = M.mp_scalar(smooth), M.mp_scalar(epsilon)
    out_shape = tuple(p.shape[d] for d in kept)
    value = np.empty(out_shape, dtype=object)
    scored = np.ones(out_shape, dtype=bool)
    for out_index in np.ndindex(out_shape):
        counts = []  # (TP, Σp, Σt) per class
        pixels = 0
        for c in range(p.shape[axis]):
            tp = sum_p = sum_t = M.ZERO
            for index in np.ndindex(p.shape):
                if index[axis] != c or tuple(index[d] for d in kept) != out_index or not valid[index]:
                    continue
                tp += p[index] * t[index]
                sum_p += p[index]
                sum_t += t[index]
                pixels += 1
            counts.append((tp, sum_p, sum_t))
        if weighting == "uniform":
            weights = [M.ONE] * len(counts)
        else:
            power = 1 if weighting == "simple" else 2
            weights = [1 / sum_t**power if sum_t != 0 else None for _, _, sum_t in counts]
            largest = max((w for w in weights if w is not None), default=M.ZERO)
            weights = [largest if w is None else w for w in weights]
        numerator = 2 * sum(w * tp for w, (tp, _, _) in zip(weights, counts, strict=True)) + s
        denominator = sum(w * (sum_p + sum_t) for w, (_, sum_p, sum_t) in zip(weights, counts, strict=True)) + s + eps
        scored[out_index] = pixels > 0
        value[out_index] = 1 - numerator / denominator if pixels else M.ZERO
    return value, None, None if ignore_index is None else scored


def tversky(y_pred, y_true, alpha=0.5, beta=0.5, **options):
    return focal_tversky(y_pred, y_true, alpha, beta, gamma=1.0, **options)


def focal_tversky(y_pred, y_true, alpha=0.3, beta=0.7, gamma=0.75, **options):
    a, b, g = M.mp_scalar(alpha), M.mp_scalar(beta), M.mp_scalar(gamma)

    def score(tp, sum_p, sum_t, n, s, eps):
        false_positive, false_negative = sum_p - tp, sum_t - tp
        return (1 - (tp + s) / (tp + a * false_positive + b * false_negative + s + eps)) ** g

    return _overlap(score, y_pred, y_true, **options)


def jaccard(y_pred, y_true, **options):
    return _overlap(lambda tp, sp, st, n, s, eps: 1 - (tp + s) / (sp + st - tp + s + eps), y_pred, y_true, **options)


def mcc(y_pred, y_true, epsilon=1e-5, **options):
    """The textbook ``1 − (TP·TN − FP·FN) / sqrt(...)``; a correlation of 0/0 is 0 (scikit-learn's)."""

    def score(tp, sum_p, sum_t, n, s, eps):
        fp, fn = sum_p - tp, sum_t - tp
        tn = n - sum_p - sum_t + tp
        squared = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn) + eps
        return M.ONE if squared == 0 else 1 - (tp * tn - fp * fn) / M.sqrt(squared)

    return _overlap(score, y_pred, y_true, epsilon=epsilon, **options)


def _lovasz_extension(pixels):
    """Berman et al.'s Lovász extension of the Jaccard loss at ``pixels``, a list of (error, target): the
    pixels sorted by error, largest first (a stable sort), and each error weighted by the increment of the
    textbook Jaccard loss ``1 − |Y ∖ A_k| / |Y ∪ A_k|`` when the k-th pixel joins the mispredicted ``A_k``."""
    ordered = sorted(pixels, key=lambda pixel: pixel[0], reverse=True)
    foreground = sum((t for _, t in ordered), M.ZERO)
    value, previous, found, missed = M.ZERO, M.ZERO, M.ZERO, M.ZERO
    for error, t in ordered:
        found += t
        missed += 1 - t
        jaccard = 1 - (foreground - found) / (foreground + missed)
        value += error * (jaccard - previous)
        previous = jaccard
    return value


def lovasz_hinge(y_pred, y_true):
    """Each image's hinge errors ``max(1 − x·(2t − 1), 0)`` over all its pixels, one loop per image."""
    y_pred, y_true = np.broadcast_arrays(y_pred, y_true)
    value = np.empty(y_pred.shape[:1], dtype=object)
    for n in range(y_pred.shape[0]):
        pixels = [(max(1 - x * (2 * t - 1), M.ZERO), t) for x, t in zip(y_pred[n].flat, y_true[n].flat, strict=True)]
        value[n] = _lovasz_extension(pixels)
    return value, None, None


def lovasz_softmax(y_pred, y_true, from_logits=False, axis=-1, classes="all", class_weight=None, ignore_index=None):
    """Per image and class, the errors ``|t − p|`` of the pixels not ignored; ``classes="present"`` leaves out
    (as invalid) the classes without a target in the image, and a score without pixels counts nothing."""
    p, t, valid = _probabilities_and_targets(y_pred, y_true, from_logits, axis, ignore_index)
    p, t, valid = (np.moveaxis(np.broadcast_to(a, p.shape), axis, 1) for a in (p, t, valid))
    batch, num_classes = p.shape[:2]
    weights = [M.ONE] * num_classes if class_weight is None else list(M.mp_array(class_weight))
    value = np.empty((batch, num_classes), dtype=object)
    row = np.empty((batch, num_classes), dtype=object)
    scored = np.ones((batch, num_classes), dtype=bool)
    for n in range(batch):
        for c in range(num_classes):
            pixels = [
                (abs(target - probability), target)
                for probability, target, kept in zip(p[n, c].flat, t[n, c].flat, valid[n, c].flat, strict=True)
                if kept
            ]
            scored[n, c] = bool(pixels) and (classes == "all" or sum(target for _, target in pixels) > 0)
            value[n, c] = weights[c] * _lovasz_extension(pixels) if scored[n, c] else M.ZERO
            row[n, c] = weights[c]
    valid_out = scored if ignore_index is not None or classes == "present" else None
    return value, None if class_weight is None else row, valid_out


LOSSES: dict[str, Callable[..., tuple]] = {
    f.__name__: f for f in (dice, generalized_dice, tversky, focal_tversky, jaccard, mcc, lovasz_hinge, lovasz_softmax)
}
