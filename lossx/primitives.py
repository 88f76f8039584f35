"""Numerically stable building blocks, shared by every loss.

Each primitive has a pure Array-API implementation that is stable by construction
(max-shifted logsumexp, ``softplus(x) = max(x, 0) + log1p(exp(-|x|))``, ...) and,
where the array's framework has a fused native kernel of the same accuracy, it
delegates to that kernel: this is how a loss written once reaches native speed.

The namespace and its kernel table are looked up once per array type, so a call
costs a dictionary lookup on top of the kernel.

Custom losses (:func:`lossx.define_loss`) use these functions as the built-in
ones do::

    from lossx import primitives as P
    P.log_softmax(logits, axis=-1)
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any, Callable, NamedTuple

from ._namespace import device_of, namespace_of

__all__ = [
    "logsumexp",
    "log_softmax",
    "softmax",
    "log_sigmoid",
    "sigmoid",
    "softplus",
    "at_least",
    "squared_error",
    "absolute_error",
    "huber",
    "smooth_l1",
    "log_cosh",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "softmax_cross_entropy_soft",
    "relative_entropy",
    "negative_log_likelihood",
    "multi_margin",
    "multilabel_margin",
    "margin_ranking",
    "hinge_embedding",
    "pairwise_distance",
    "times_log",
    "xlogy",
    "xlog1py",
    "one_hot",
    "take_along_axis",
    "gather",
    "drop_axis",
    "deferred",
    "Deferred",
]


# ---------------------------------------------------------------- generic versions


def _is_number(value: Any) -> bool:
    """A Python number (or None): an option's usual form. A 0-d array is a traced or learned one."""
    return value is None or isinstance(value, (int, float))


def _logsumexp(xp: ModuleType, x: Any, axis: int, keepdims: bool) -> Any:
    largest = xp.max(x, axis=axis, keepdims=True)
    # A shift by an infinite maximum would turn every entry into NaN; shifting by 0
    # instead gives +inf for a +inf entry and -inf when every entry is -inf.
    shift = xp.where(xp.isfinite(largest), largest, xp.zeros_like(largest))
    out = xp.log(xp.sum(xp.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else xp.squeeze(out, axis=axis)


def _log_softmax(xp: ModuleType, x: Any, axis: int) -> Any:
    largest = xp.max(x, axis=axis, keepdims=True)
    shift = xp.where(xp.isfinite(largest), largest, xp.zeros_like(largest))
    shifted = x - shift  # as _logsumexp; shifted first, so x − lse never rounds a large lse
    log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    return _sharpened(xp, log_p, axis)


_LOG_HALF = -math.log(2.0)


def _sharpened(xp: ModuleType, log_p: Any, axis: int) -> Any:
    """``log_p`` (a log-softmax) with its entry above log ½, if any, recomputed as ``log1p(−Σ others)``.

    Where one class dominates, ``x_k − m − log(Σ e^{x−m})`` takes the log of ``1 + tiny``
    and keeps few of the tiny's digits: logits [30, 0] give ``log p_0`` = −9.3481e−14 for
    −log1p(e^−30) = −9.3576e−14 in float64, 0 in float32. The sum of the other probabilities, each accurate, restores them,
    and the loss ``−log p_y`` and ``1 − p_y`` keep their relative accuracy where they are tiny.
    Autodiff of it is as accurate: the dominant entry's value depends on the others only, so no
    gradient is a rounded ``p_y − 1``. At most one entry per line lies above log ½.
    """
    dominant = log_p > _LOG_HALF
    others = xp.sum(xp.where(dominant, xp.zeros_like(log_p), xp.exp(log_p)), axis=axis, keepdims=True)
    # Below ½ on a line with a dominant entry; the cap keeps log1p, and its gradient, finite on the others.
    return xp.where(dominant, xp.log1p(-_capped(xp, others, 0.5)), log_p)


def _softplus(xp: ModuleType, x: Any) -> Any:
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))


def _log_sigmoid(xp: ModuleType, x: Any) -> Any:
    return -_softplus(xp, -x)


def _one_hot(xp: ModuleType, labels: Any, num_classes: int, dtype: Any) -> Any:
    classes = xp.arange(num_classes, dtype=labels.dtype, **device_of(labels))
    return xp.astype(xp.equal(xp.expand_dims(labels, axis=-1), classes), dtype)


def _take_along_axis(xp: ModuleType, x: Any, indices: Any, axis: int) -> Any:
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(x, indices, axis=axis)
    # Entry k of `indices` against every class c: k stays on `axis`, c goes to `axis + 1`.
    # Select with `where`, not a product, so -inf entries elsewhere on the axis
    # cannot turn the sum into NaN.
    axis = axis % x.ndim
    shape = [1] * (x.ndim + 1)
    shape[axis + 1] = x.shape[axis]
    classes = xp.reshape(xp.arange(x.shape[axis], dtype=indices.dtype, **device_of(x)), tuple(shape))
    hit = xp.equal(xp.expand_dims(indices, axis=axis + 1), classes)
    spread = xp.expand_dims(x, axis=axis)
    return xp.sum(xp.where(hit, spread, xp.zeros_like(spread)), axis=axis + 1)


def _extrema(xp: ModuleType, x: Any) -> tuple:
    if 0 in x.shape:  # no entries: nothing lies outside any range
        return 0, 0
    number = int if xp.isdtype(x.dtype, "integral") else float
    return number(xp.min(x)), number(xp.max(x))


def _at_least(xp: ModuleType, x: Any, floor: Any) -> Any:
    # An array of the floor, not a scalar: as in _capped.
    return xp.maximum(x, xp.full_like(x, floor) if _is_number(floor) else floor)


def _gather(xp: ModuleType, vector: Any, indices: Any) -> Any:
    flat = xp.take(vector, xp.reshape(indices, (-1,)), axis=0)
    return xp.reshape(flat, indices.shape)


def _squared_error(y_pred: Any, y_true: Any) -> Any:
    residual = y_pred - y_true
    return residual * residual


def _absolute_error(xp: ModuleType, y_pred: Any, y_true: Any) -> Any:
    return xp.abs(y_pred - y_true)


def _capped(xp: ModuleType, magnitude: Any, cap: Any) -> Any:
    # An array of the cap, not a scalar: array-api-compat's scalar promotion breaks
    # torch.compile's full graph. A 0-d array cap (a traced option) broadcasts as it is.
    return xp.minimum(magnitude, xp.full_like(magnitude, cap) if _is_number(cap) else cap)


def _huber(xp: ModuleType, y_pred: Any, y_true: Any, delta: float) -> Any:
    # ½q² + δ(|e| − q) with q = min(|e|, δ): never squares a large residual.
    magnitude = xp.abs(y_pred - y_true)
    quadratic = _capped(xp, magnitude, delta)
    return 0.5 * quadratic * quadratic + delta * (magnitude - quadratic)


def _smooth_l1(xp: ModuleType, y_pred: Any, y_true: Any, beta: Any) -> Any:
    # ½q²/β + (|e| − q), not huber/β: δ·|e| could overflow where |e| does not. A traced β
    # may be 0, where q = 0 and the quadratic term's 0/0 is replaced by 0 (the L1 loss).
    magnitude = xp.abs(y_pred - y_true)
    quadratic = _capped(xp, magnitude, beta)
    scale = 0.5 / (beta if _is_number(beta) else xp.where(xp.greater(beta, 0), beta, xp.ones_like(beta)))
    return scale * quadratic * quadratic + (magnitude - quadratic)


def _sigmoid_cross_entropy(xp: ModuleType, logits: Any, target: Any, pos_weight: Any) -> Any:
    # (1−t)·softplus(x) + w·t·softplus(−x) as where(x ≥ 0, (1−t)·x, −w·t·x) + (1 − t + w·t)·log1p(e^−|x|):
    # every term is non-negative, so a tiny loss keeps its digits (x = −30, t = 0: log1p(e^−30)),
    # where (1−t)·x − log σ(x) = −30 + 30.0000000000000936 cancels them. −|x| is taken by the same
    # `where`, so autodiff at x = 0 differentiates one branch of both (|x|'s subgradient 0 there
    # would lose σ(0)), and its derivative (1−t)·σ(x) − w·t·σ(−x) is as accurate as the value.
    complement = 1.0 - target
    nonnegative = logits >= 0
    tail = xp.log1p(xp.exp(xp.where(nonnegative, -logits, logits)))
    if pos_weight is None:
        return xp.where(nonnegative, complement * logits, -target * logits) + tail
    positive = pos_weight * target
    return xp.where(nonnegative, complement * logits, -positive * logits) + (complement + positive) * tail


def _softmax_cross_entropy(
    table: dict, xp: ModuleType, logits: Any, labels: Any, axis: int,
    stop_gradient: Callable[[Any], Any] = lambda x: x,
) -> Any:
    """``−log softmax(x)_y``, relative to the label: ``g + log1p(expm1(−g) + Σ_{c≠y} e^{x_c − x_y − g})``.

    ``g = max(x) − x_y ≥ 0`` is only a shift (the value does not depend on it), so the sum
    never overflows. Both terms are non-negative, and where the label's logit is the largest
    (g = 0) the loss is ``log1p(Σ_{c≠y} e^{x_c − x_y})``: a tiny loss keeps its digits, which
    ``logsumexp(x) − x_y`` loses (logits [30, 0], label 0: 9.2371e−14 for 9.3576e−14). ``x_y``
    enters only through the differences in the sum, so autodiff gives ``∂/∂x_y = −Σ_{c≠y} p_c``
    as one sum, not the rounded ``p_y − 1``. ``stop_gradient`` (the framework's) keeps autodiff
    off the shift, whose derivative is 0 but would come out as a rounding error.
    A label at a −inf logit gives +inf (as ``logsumexp(x) − x_y``).
    """
    index = xp.expand_dims(labels, axis=axis)
    picked = table["take_along_axis"](logits, index, axis)
    largest = stop_gradient(xp.max(logits, axis=axis, keepdims=True))
    gap = largest - picked
    finite = xp.isfinite(gap)
    shift = stop_gradient(xp.where(finite, gap, xp.zeros_like(gap)))
    reference = xp.where(finite, picked, largest)  # a stand-in where the gap is infinite: no NaN gradient
    at_label = xp.equal(index, _class_positions(xp, logits, axis, labels.dtype))
    # −inf in the exponent, not a `where` on the exponential: its gradient is then 0 without a pass.
    exponents = xp.where(at_label, xp.full_like(logits, -math.inf), (logits - reference) - shift)
    others = xp.sum(xp.exp(exponents), axis=axis, keepdims=True)
    loss = xp.where(finite, shift + xp.log1p(xp.expm1(-shift) + others), gap)
    return table["drop_axis"](loss, axis)


def _class_positions(xp: ModuleType, x: Any, axis: int, dtype: Any) -> Any:
    """``0, 1, …, C−1`` along ``axis`` of ``x`` (1 elsewhere), also where C is unknown until run time."""
    num_classes = x.shape[axis]
    if num_classes is None:  # a TensorFlow graph with an unknown class count: counted from one line
        line = x[tuple(slice(None) if d == axis % x.ndim else 0 for d in range(x.ndim))]
        num_classes = xp.astype(xp.sum(xp.ones_like(line)), dtype)
    shape = [1] * x.ndim
    shape[axis] = -1
    return xp.reshape(xp.arange(num_classes, dtype=dtype, **device_of(x)), tuple(shape))


def _negative_log_likelihood(table: dict, xp: ModuleType, log_p: Any, labels: Any, axis: int) -> Any:
    picked = table["take_along_axis"](log_p, xp.expand_dims(labels, axis=axis), axis)
    return -table["drop_axis"](picked, axis)


def _multi_margin(table: dict, xp: ModuleType, scores: Any, labels: Any, p: int, margin: float, axis: int) -> Any:
    index = xp.expand_dims(labels, axis=axis)
    violation = margin - table["take_along_axis"](scores, index, axis) + scores
    terms = xp.maximum(violation, xp.zeros_like(violation))
    if p == 2:
        terms = terms * terms
    # The true class's own term (always max(m, 0)^p) is left out.
    classes = _class_positions(xp, scores, axis, labels.dtype)
    return xp.mean(xp.where(xp.equal(index, classes), xp.zeros_like(terms), terms), axis=axis)


def _multilabel_margin(table: dict, xp: ModuleType, scores: Any, lists: Any, axis: int) -> Any:
    # Every (label j, class i) pair at once: j along `axis`, i along `axis + 1`, so memory grows
    # as C² per entry (torch's kernel loops over each entry's labels instead).
    axis = axis % scores.ndim
    num_classes = scores.shape[axis]
    if num_classes is None:  # a TensorFlow graph with an unknown class count: counted from one line
        line = scores[tuple(slice(None) if d == axis else 0 for d in range(scores.ndim))]
        num_classes = xp.astype(xp.sum(xp.ones_like(line)), lists.dtype)
    shape = [1] * scores.ndim
    shape[axis] = -1
    positions = xp.reshape(xp.arange(num_classes, dtype=lists.dtype, **device_of(scores)), tuple(shape))
    # Entry j is a label when no −1 comes before it: the first −1's position (C if none) exceeds j.
    beyond = xp.zeros_like(lists) + (xp.max(positions) + 1)
    first_end = xp.min(xp.where(xp.equal(lists, -1), positions, beyond), axis=axis, keepdims=True)
    listed = xp.less(positions, first_end)
    labels = xp.where(listed, lists, xp.zeros_like(lists))
    label_scores = table["take_along_axis"](scores, labels, axis)
    is_label = xp.any(xp.logical_and(xp.expand_dims(listed, axis=axis + 1),
                                     xp.equal(xp.expand_dims(labels, axis=axis + 1),
                                              xp.expand_dims(positions, axis=axis))), axis=axis, keepdims=True)
    margins = 1.0 - xp.expand_dims(label_scores, axis=axis + 1) + xp.expand_dims(scores, axis=axis)
    counted = xp.logical_and(xp.expand_dims(listed, axis=axis + 1), xp.logical_not(is_label))
    hinge = xp.where(counted, xp.maximum(margins, xp.zeros_like(margins)), xp.zeros_like(margins))
    total = xp.sum(hinge, axis=(axis, axis + 1))
    return total / (num_classes if isinstance(num_classes, int) else xp.astype(num_classes, scores.dtype))


def _times_log(xp: ModuleType, weight: Any, log_p: Any) -> Any:
    # One `where`, on the log only: where it replaces −inf by 0 the weight is 0, so the
    # product is 0·0 = 0, its weight-gradient is the stand-in 0 and its log-gradient the
    # weight 0. (A second `where` on the product would change nothing but the cost.)
    absent = xp.logical_and(xp.equal(weight, 0), xp.equal(log_p, -math.inf))
    return weight * xp.where(absent, xp.zeros_like(log_p), log_p)


def _xlogy(xp: ModuleType, x: Any, y: Any) -> Any:
    # As _times_log: where x = y = 0 the stand-in y = 1 makes x·log 1 = 0 with both partials
    # 0, where log 0 would have given 0·(−inf) = NaN and a gradient 0·inf = NaN.
    zero = xp.logical_and(xp.equal(x, 0), xp.equal(y, 0))
    return x * xp.log(xp.where(zero, xp.ones_like(y), y))


def _xlog1py(xp: ModuleType, x: Any, y: Any) -> Any:
    zero = xp.logical_and(xp.equal(x, 0), xp.equal(y, -1))
    return x * xp.log1p(xp.where(zero, xp.zeros_like(y), y))


def _relative_entropy(xp: ModuleType, target: Any, log_q: Any, axis: int) -> Any:
    # Stand-ins where t = 0: log t = 0 and log q = 0, so the term is 0·(0 − 0) = 0 with zero
    # partials, where q = 0 or NaN would have made it 0·inf = NaN.
    absent = xp.equal(target, 0)
    log_t = xp.log(xp.where(absent, xp.ones_like(target), target))
    log_q = xp.where(absent, xp.zeros_like(log_q), log_q)
    return xp.sum(target * (log_t - log_q), axis=axis)


def _pairwise_distance(xp: ModuleType, x1: Any, x2: Any, p: Any, eps: Any, axis: int) -> Any:
    # At zero distance (possible only with eps = 0) the value is 0 with gradient 0, the
    # subgradient torch's norm gives, not the NaN of a bare root. Traced p or eps (0-d
    # arrays) take the general power form.
    # x + 0 is x (up to the sign of 0, which |·| and the square drop).
    difference = x1 - x2 if _is_number(eps) and eps == 0 else x1 - x2 + eps
    if _is_number(p) and p == 1.0:
        return xp.sum(xp.abs(difference), axis=axis)
    powered = difference * difference if _is_number(p) and p == 2.0 else xp.abs(difference) ** p
    total = xp.sum(powered, axis=axis)
    positive = xp.greater(total, 0.0)
    safe = xp.where(positive, total, xp.ones_like(total))
    root = xp.sqrt(safe) if _is_number(p) and p == 2.0 else safe ** (1.0 / p)
    return xp.where(positive, root, xp.zeros_like(root))


def _margin_ranking(xp: ModuleType, x1: Any, x2: Any, target: Any, margin: Any) -> Any:
    # margin − t·(x₁ − x₂) is exactly t·(x₂ − x₁) when margin = 0: one pass fewer each way.
    hinge = target * (x2 - x1) if _is_number(margin) and margin == 0.0 else margin - target * (x1 - x2)
    return xp.maximum(hinge, xp.zeros_like(hinge))


def _hinge_embedding(xp: ModuleType, x: Any, target: Any, margin: float) -> Any:
    hinge = margin - x
    zeros = xp.zeros_like(hinge)
    dissimilar = xp.where(xp.not_equal(target, 1.0), xp.maximum(hinge, zeros), zeros)
    similar = xp.where(xp.not_equal(target, -1.0), x, xp.zeros_like(x))
    return dissimilar + similar


# log cosh e = Σ c_n·e^(2n), n = 1 … 6 (c_n = 2^(2n−1)·(2^(2n) − 1)·B_2n / (n·(2n)!)): below |e| = ⅛ the
# first omitted term is 5e−13 of the sum (the numerical promise's float64 1e−12), and at ⅛ the far
# form loses 6e−6 in float32 (the promise's 1e−5) and 1.3e−14 in float64.
_LOG_COSH_SERIES = (
    0.5, -0.08333333333333333, 0.022222222222222223, -0.006746031746031746, 0.0021869488536155205,
    -0.0007386029608251831,
)
_LOG_COSH_NEAR = 0.125


def _log_cosh_value(xp: ModuleType, magnitude: Any, softplus: Callable[[Any], Any]) -> Any:
    """``log cosh e`` of ``|e|``: ``|e| + softplus(−2|e|) − log 2``, and its Taylor series below ⅛.

    Near 0 log cosh e ≈ e²/2 is tiny and the first form's terms are ~log 2, which cancel it
    (e = 1e−4: 4.99999997e−9 for 4.99999996e−9 in float64, 0 in float32). The series (six
    multiply-adds in e², no transcendental) is within the numerical promise there, and so is
    its derivative, the series of tanh(e). It is evaluated at min(|e|, ⅛), so it is finite
    (and its gradient 0) where it is not taken.
    """
    near = magnitude < _LOG_COSH_NEAR
    square = _capped(xp, magnitude, _LOG_COSH_NEAR)
    square = square * square
    series = _LOG_COSH_SERIES[-1] * square
    for coefficient in reversed(_LOG_COSH_SERIES[:-1]):
        series = (series + coefficient) * square
    return xp.where(near, series, magnitude + softplus(magnitude * -2.0) - math.log(2.0))


def _log_cosh(table: dict, xp: ModuleType, y_pred: Any, y_true: Any) -> Any:
    # Never cosh, so finite for every finite residual (|e| − log 2 where cosh would overflow).
    return _log_cosh_value(xp, xp.abs(y_pred - y_true), table["softplus"])


def _softmax_cross_entropy_soft(table: dict, xp: ModuleType, logits: Any, target: Any, axis: int) -> Any:
    return -xp.sum(_times_log(xp, target, table["log_softmax"](logits, axis)), axis=axis)


def _unchanged(x: Any) -> Any:
    return x


_GENERIC: dict[str, Callable[..., Any]] = {
    "logsumexp": lambda xp: lambda x, axis, keepdims: _logsumexp(xp, x, axis, keepdims),
    "log_softmax": lambda xp: lambda x, axis: _log_softmax(xp, x, axis),
    "softplus": lambda xp: lambda x: _softplus(xp, x),
    "log_sigmoid": lambda xp: lambda x: _log_sigmoid(xp, x),
    "at_least": lambda xp: lambda x, floor: _at_least(xp, x, floor),
    "one_hot": lambda xp: lambda labels, n, dtype: _one_hot(xp, labels, n, dtype),
    "take_along_axis": lambda xp: lambda x, idx, axis: _take_along_axis(xp, x, idx, axis),
    "gather": lambda xp: lambda vector, indices: _gather(xp, vector, indices),
    "drop_axis": lambda xp: lambda x, axis: xp.squeeze(x, axis=axis),
    "extrema": lambda xp: lambda x: _extrema(xp, x),
    "squared_error": lambda xp: _squared_error,
    "absolute_error": lambda xp: lambda y_pred, y_true: _absolute_error(xp, y_pred, y_true),
    "huber": lambda xp: lambda y_pred, y_true, delta: _huber(xp, y_pred, y_true, delta),
    "smooth_l1": lambda xp: lambda y_pred, y_true, beta: _smooth_l1(xp, y_pred, y_true, beta),
    "sigmoid_cross_entropy": lambda xp: lambda x, t, w: _sigmoid_cross_entropy(xp, x, t, w),
    "times_log": lambda xp: lambda weight, log_p: _times_log(xp, weight, log_p),
    "relative_entropy": lambda xp: lambda target, log_q, axis: _relative_entropy(xp, target, log_q, axis),
    "pairwise_distance": lambda xp: lambda x1, x2, p, eps, axis: _pairwise_distance(xp, x1, x2, p, eps, axis),
    "margin_ranking": lambda xp: lambda x1, x2, target, margin: _margin_ranking(xp, x1, x2, target, margin),
    "hinge_embedding": lambda xp: lambda x, target, margin: _hinge_embedding(xp, x, target, margin),
    "xlogy": lambda xp: lambda x, y: _xlogy(xp, x, y),
    "xlog1py": lambda xp: lambda x, y: _xlog1py(xp, x, y),
}
# Built from the table they are in, so they use its native pieces (take_along_axis, ...).
_COMPOSED: dict[str, Callable[..., Any]] = {
    "softmax_cross_entropy": lambda table, xp: lambda x, labels, axis: _softmax_cross_entropy(
        table, xp, x, labels, axis, table.get("stop_gradient", _unchanged)),
    "softmax_cross_entropy_soft": lambda table, xp: lambda x, target, axis: _softmax_cross_entropy_soft(
        table, xp, x, target, axis),
    "multi_margin": lambda table, xp: lambda x, labels, p, margin, axis: _multi_margin(
        table, xp, x, labels, p, margin, axis),
    "multilabel_margin": lambda table, xp: lambda x, lists, axis: _multilabel_margin(table, xp, x, lists, axis),
    "negative_log_likelihood": lambda table, xp: lambda log_p, labels, axis: _negative_log_likelihood(
        table, xp, log_p, labels, axis),
    "log_cosh": lambda table, xp: lambda y_pred, y_true: _log_cosh(table, xp, y_pred, y_true),
    # exp of the table's stable logarithms: no overflow (nor NumPy's warning) for any finite x.
    "softmax": lambda table, xp: lambda x, axis: xp.exp(table["log_softmax"](x, axis)),
    "sigmoid": lambda table, xp: lambda x: xp.exp(table["log_sigmoid"](x)),
}


# ---------------------------------------------------------------- native kernels
# Each builder imports its framework, which is safe: it only runs once an array
# of that framework has been seen.


def _torch_sharpened_log_softmax(x: Any, axis: int) -> Any:
    """:func:`_sharpened` of ``torch.log_softmax`` with torch's ops (differentiable, traced whole by torch.compile)."""
    import torch

    log_p = torch.log_softmax(x, dim=axis)
    dominant = log_p > _LOG_HALF
    others = torch.where(dominant, 0.0, log_p.exp()).sum(axis, keepdim=True)
    return torch.where(dominant, torch.log1p(-others.clamp(max=0.5)), log_p)


def _torch_soft_cross_entropy(same_shape: Callable[..., tuple]) -> Any:
    import torch
    from array_api_compat import torch as torch_namespace
    from torch.autograd.function import once_differentiable

    def _masked_dot(target: Any, log_p: Any, axis: int) -> Any:
        # t·log p is exact wherever t ≠ 0; where t = 0 the term is 0 even for log p = −inf.
        return (target * log_p).masked_fill_(target == 0, 0.0).sum(axis)

    class SoftTargetCrossEntropy(torch.autograd.Function):
        """``−Σ_c t_c·log_softmax(x)_c`` with ``0·log 0 = 0``, and its gradients in closed form.

        Autograd of the composed form takes ~10 passes over (N, C) (the `where`s that keep
        ``0·(−inf)`` out of value and gradient); the closed forms take 3:
        ``∂/∂x = g·(softmax(x)·Σ_c t_c − t)`` (finite for −inf logits, whose softmax is 0) and
        ``∂/∂t = −g·log p``, 0 where ``t = 0`` and ``log p = −inf`` (as :func:`times_log`).
        First derivatives only: a second derivative raises rather than being silently wrong.

        Eager only, and torch's ``log_softmax`` unsharpened: where the target's class dominates,
        a tiny loss keeps few of its digits, as in torch's own ``cross_entropy``; sharpening it
        cost 2.2× and +130 µs a call (docs/performance.md, "The digits of a tiny loss").
        """

        @staticmethod
        def forward(ctx: Any, logits: Any, target: Any, axis: int) -> Any:
            log_p = torch.log_softmax(logits, axis)
            ctx.save_for_backward(log_p, target)
            ctx.axis = axis
            # One fused dot product; it is NaN only where some 0·log 0 = 0·(−inf) term is (or the
            # inputs hold NaN, which the masked form keeps), so the masked form, 4× slower in
            # eager mode, runs only then.
            loss = -torch.linalg.vecdot(target, log_p, dim=axis)
            if bool(torch.isnan(loss).any()):
                loss = -_masked_dot(target, log_p, axis)
            return loss

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad: Any) -> Any:
            log_p, target = ctx.saved_tensors
            grad = grad.unsqueeze(ctx.axis)
            grad_logits = grad_target = None
            if ctx.needs_input_grad[0]:
                # g·(p·Σt − t) is log-softmax's backward of the upstream gradient −g·t: torch's
                # fused kernel for it takes one pass where the composed form takes three.
                grad_logits = torch.ops.aten._log_softmax_backward_data(-grad * target, log_p, ctx.axis, log_p.dtype)
            if ctx.needs_input_grad[1]:
                absent = (target == 0) & (log_p == -math.inf)
                grad_target = -grad * log_p.masked_fill(absent, 0.0)
            return grad_logits, grad_target, None

    def soft_cross_entropy(logits: Any, target: Any, axis: int) -> Any:
        logits, target = same_shape(logits, target)
        if torch.compiler.is_compiling():
            # Inductor fuses the composed form (the sharpened log-softmax, times_log, the sum) and
            # its autodiff, which keeps a tiny loss's digits.
            return -torch.sum(_times_log(torch_namespace, target, _torch_sharpened_log_softmax(logits, axis)), dim=axis)
        return SoftTargetCrossEntropy.apply(logits, target, axis % logits.ndim)

    return soft_cross_entropy


def _torch_relative_entropy(same_shape: Callable[..., tuple]) -> Any:
    import torch
    from torch.autograd.function import once_differentiable

    def _masked(target: Any, log_q: Any, axis: int) -> Any:
        # t·log t is 0 at t = 0 (xlogy); t·log q is exact wherever t ≠ 0, and 0 where t = 0.
        own = torch.special.xlogy(target, target)
        return (own - target * log_q).masked_fill_(target == 0, 0.0).sum(axis)

    class RelativeEntropy(torch.autograd.Function):
        """``Σ_c t_c·(log t_c − log q_c)``, 0 where ``t_c = 0``, with its gradients in closed form.

        The composed form (the `where`s that keep ``0·(−inf)`` out of value and gradient)
        takes ~9 passes each way; these take 2 forward (``Σ t·log t`` and one fused dot
        product ``Σ t·log q``) and 1 per gradient: ``∂/∂log q = −g·t`` and
        ``∂/∂t = g·(log t + 1 − log q)``, 0 where ``t = 0`` (the composed form's stand-ins).
        First derivatives only: a second derivative raises rather than being silently wrong.
        """

        @staticmethod
        def forward(ctx: Any, target: Any, log_q: Any, axis: int) -> Any:
            ctx.save_for_backward(target, log_q)
            ctx.axis = axis
            if torch.compiler.is_compiling():  # the compiler fuses the masked form into one pass
                return _masked(target, log_q, axis)
            # NaN only where a 0·log 0 = 0·(−inf) term is (or the inputs hold NaN, which the
            # masked form keeps): the masked form runs only then, as in soft cross-entropy.
            loss = torch.special.xlogy(target, target).sum(axis) - torch.linalg.vecdot(target, log_q, dim=axis)
            if bool(torch.isnan(loss).any()):
                loss = _masked(target, log_q, axis)
            return loss

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad: Any) -> Any:
            target, log_q = ctx.saved_tensors
            grad = grad.unsqueeze(ctx.axis)
            grad_target = grad_log_q = None
            if ctx.needs_input_grad[0]:
                grad_target = (grad * (torch.log(target) + 1.0 - log_q)).masked_fill_(target == 0, 0.0)
            if ctx.needs_input_grad[1]:
                grad_log_q = -grad * target
            return grad_target, grad_log_q, None

    def relative_entropy(target: Any, log_q: Any, axis: int) -> Any:
        target, log_q = same_shape(target, log_q)
        return RelativeEntropy.apply(target, log_q, axis % log_q.ndim)

    return relative_entropy


def _torch_sigmoid_cross_entropy() -> Callable[..., Any]:
    import torch
    import torch.nn.functional as F
    from torch.autograd.function import once_differentiable

    def softplus(x: Any) -> Any:
        return F.softplus(x, 1.0, 50.0)  # threshold 50: see the "softplus" kernel

    def positive_term(logits: Any, pos_weight: Any) -> Any:
        # w·softplus(−x) (the positive term's factor of w·t), in a fresh array.
        term = softplus(torch.neg(logits))
        return term if pos_weight is None else term.mul_(pos_weight)

    reduce = {"none": lambda loss: loss, "mean": torch.mean, "sum": torch.sum}

    class SigmoidCrossEntropy(torch.autograd.Function):
        """``(1−t)·softplus(x) + w·t·softplus(−x)`` and its reduction, with its gradients in closed form.

        torch's ``binary_cross_entropy_with_logits`` computes ``(1−t)·x − (1 + (w−1)·t)·log σ(x)``,
        whose terms cancel where the loss is tiny (x = −30, t = 0 gives 9.2371e−14 for
        log1p(e^−30) = 9.3576e−14 in float64, 0 in float32), and its gradient ``σ(x) − t`` does
        the same for x = 30, t = 1. Here both softplus terms are non-negative and ``lerp``
        combines them without cancelling (it is exact at t = 0 and t = 1); the gradients are
        ``∂/∂x = (1−t)·σ(x) − w·t·σ(−x)``, each σ computed on its own side, ``∂/∂t = w·softplus(−x) −
        softplus(x)`` and ``∂/∂w = t·softplus(−x)`` (summed to w's shape). First derivatives only:
        a second derivative raises rather than being silently wrong.
        """

        @staticmethod
        def forward(ctx: Any, logits: Any, target: Any, pos_weight: Any, reduction: str) -> Any:
            # The positive term first: its −x is freed before softplus(x) is allocated.
            positive = positive_term(logits, pos_weight)
            loss = softplus(logits).lerp_(positive, target)
            weight_tensor = pos_weight if isinstance(pos_weight, torch.Tensor) else None
            ctx.save_for_backward(logits, target, weight_tensor)
            ctx.weight_number = pos_weight if weight_tensor is None else None
            ctx.reduction = reduction
            return reduce[reduction](loss)

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad: Any) -> Any:
            logits, target, pos_weight = ctx.saved_tensors
            pos_weight = ctx.weight_number if pos_weight is None else pos_weight
            if ctx.reduction == "mean":
                grad = grad / logits.numel()
            grad_logits = grad_target = grad_pos_weight = None
            if ctx.needs_input_grad[0]:
                negative = torch.sigmoid_(torch.neg(logits))
                if pos_weight is not None:
                    negative.mul_(pos_weight)
                grad_logits = torch.sigmoid(logits).lerp_(negative.neg_(), target).mul_(grad)
            if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
                positive = positive_term(logits, None)
                if ctx.needs_input_grad[2]:
                    grad_pos_weight = (target * positive * grad).sum_to_size(pos_weight.shape)
                if ctx.needs_input_grad[1]:
                    if pos_weight is not None:
                        positive.mul_(pos_weight)
                    grad_target = positive.sub_(softplus(logits)).mul_(grad)
            return grad_logits, grad_target, grad_pos_weight, None

    return SigmoidCrossEntropy.apply


def _torch_log_cosh(same_shape: Callable[..., tuple]) -> Callable[..., Any]:
    import torch
    import torch.nn.functional as F
    from array_api_compat import torch as torch_namespace
    from torch.autograd.function import once_differentiable

    class LogCosh(torch.autograd.Function):
        """:func:`_log_cosh_value` of ``y_pred − y_true`` with the derivative ``tanh(e)`` in closed form.

        The series' multiply-adds run in place in one array, and autograd keeps ``e`` only: the
        composed form recorded every step of them (at 4096x1000 five times the time of the
        plain ``|e| + softplus(−2|e|) − log 2``, measured side by side).
        First derivatives only: a second derivative raises rather than being silently wrong.
        """

        @staticmethod
        def forward(ctx: Any, y_pred: Any, y_true: Any) -> Any:
            error = y_pred - y_true
            magnitude = error.abs()
            far = F.softplus(magnitude * -2.0, 1.0, 50.0).add_(magnitude).sub_(math.log(2.0))
            square = magnitude.clamp(max=_LOG_COSH_NEAR).square_()
            series = square * _LOG_COSH_SERIES[-1]
            for coefficient in reversed(_LOG_COSH_SERIES[:-1]):
                series.add_(coefficient).mul_(square)
            ctx.save_for_backward(error)
            return torch.where(magnitude < _LOG_COSH_NEAR, series, far)

        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad: Any) -> Any:
            (error,) = ctx.saved_tensors
            slope = torch.tanh(error).mul_(grad)
            return slope, -slope

    def softplus(x: Any) -> Any:
        return F.softplus(x, 1.0, 50.0)

    def log_cosh(y_pred: Any, y_true: Any) -> Any:
        if torch.compiler.is_compiling():  # inductor fuses the composed form and its autodiff
            return _log_cosh_value(torch_namespace, torch.abs(y_pred - y_true), softplus)
        return LogCosh.apply(*same_shape(y_pred, y_true))

    return log_cosh


def _torch_kernels() -> dict[str, Callable[..., Any]]:
    import torch
    import torch.nn.functional as F
    from array_api_compat import torch as torch_namespace

    def same_shape(a: Any, b: Any) -> tuple:
        # torch's losses warn when the target's shape differs, and the closed-form gradients
        # need equal shapes; lossx broadcasts (checked before).
        return (a, b) if a.shape == b.shape else torch.broadcast_tensors(a, b)

    # Each loss kernel takes a `reduction`: "none" serves the primitive, "mean" and "sum" its
    # fused form (see Deferred), and returns None where the kernel does not fit the inputs.
    # They call the C++ bindings that torch's F.mse_loss & co. call: the Python wrappers
    # spend ~5 µs a call (a third of a small MSE) on what lossx has done already (shapes
    # checked and broadcast, options validated); the bindings keep __torch_function__ and
    # autocast, and torch.compile traces them.
    code = {"none": 0, "mean": 1, "sum": 2}  # torch's reduction enum (torch.nn._reduction)

    def long(labels: Any) -> Any:
        # .long() of an int64 tensor returns it, after a dispatch that costs a quarter microsecond.
        return labels if labels.dtype == torch.int64 else labels.long()

    def extrema(x: Any) -> tuple:
        if x.numel() == 0:
            return 0, 0
        # One pass over x for both; a value check records no autograd node (labels need no detach).
        low, high = torch.aminmax(x.detach() if x.requires_grad else x)
        return low.item(), high.item()

    def squared_error(y_pred: Any, y_true: Any, reduction: str = "none") -> Any:
        return torch._C._nn.mse_loss(*same_shape(y_pred, y_true), code[reduction])

    def absolute_error(y_pred: Any, y_true: Any, reduction: str = "none") -> Any:
        return torch._C._nn.l1_loss(*same_shape(y_pred, y_true), code[reduction])

    def huber(y_pred: Any, y_true: Any, delta: float, reduction: str = "none") -> Any:
        return torch._C._nn.huber_loss(*same_shape(y_pred, y_true), code[reduction], delta)

    def smooth_l1(y_pred: Any, y_true: Any, beta: float, reduction: str = "none") -> Any:
        return torch._C._nn.smooth_l1_loss(*same_shape(y_pred, y_true), code[reduction], beta)

    sigmoid_cross_entropy_function = _torch_sigmoid_cross_entropy()

    def sigmoid_cross_entropy(x: Any, t: Any, pos_weight: Any, reduction: str = "none") -> Any:
        if torch.compiler.is_compiling():
            # Inductor fuses the generic form, and autodiff of it, into one pass each way.
            if reduction != "none":
                return None
            return _sigmoid_cross_entropy(torch, x, t, pos_weight)
        x, t = same_shape(x, t)
        return sigmoid_cross_entropy_function(x, t, pos_weight, reduction)

    def take_along_axis(x: Any, indices: Any, axis: int) -> Any:
        if torch.compiler.is_compiling() and indices.shape[axis] == 1:
            # One pick per line, as a comparison with the positions: inductor fuses it into the
            # reduction, and its backward into a `where`, where take_along_dim's backward scatters
            # into a new (N, C) buffer (sparse CE's compiled peak 31.3 → 15.6 MB, torch's own).
            positions = torch.arange(x.shape[axis], device=x.device)
            positions = positions.reshape((-1,) + (1,) * (x.ndim - 1 - axis % x.ndim))
            return torch.sum(torch.where(positions == indices, x, 0.0), dim=axis, keepdim=True)
        return torch.take_along_dim(x, long(indices), dim=axis)

    composed_table = {"take_along_axis": lambda x, idx, axis: take_along_axis(x, idx, axis),
                      "drop_axis": lambda x, axis: torch.squeeze(x, axis)}

    def softmax_cross_entropy(x: Any, labels: Any, axis: int, reduction: str = "none") -> Any:
        if torch.compiler.is_compiling():
            # Compiled code fuses the generic form itself, and it does not stop on out-of-range
            # labels, which are only checked in eager mode (docs/semantics.md, errors).
            if reduction != "none":
                return None
            return _softmax_cross_entropy(composed_table, torch_namespace, x, labels, axis, torch.Tensor.detach)
        # torch's fused kernel, although it loses a tiny loss's digits where the label dominates
        # (its log_softmax): lossx's exact form in eager torch cost +100 µs a call at 32x10
        # (docs/performance.md, "The digits of a tiny loss"). Compiled code keeps them (above).
        if x.ndim > 1 and axis % x.ndim != 1:  # torch's class axis is 1
            x = torch.movedim(x, axis, 1)
        # No ignored label (ignore_index=-100 cannot match: labels were checked to lie in [0, C)).
        return torch._C._nn.cross_entropy_loss(x, long(labels), None, code[reduction], -100, 0.0)

    def negative_log_likelihood(log_p: Any, labels: Any, axis: int, reduction: str = "none") -> Any:
        if torch.compiler.is_compiling():  # as softmax_cross_entropy
            if reduction != "none":
                return None
            # take_along_dim, not the comparison of take_along_axis: a loss that reads one
            # entry per line should not pay a pass over all of them.
            return -torch.take_along_dim(log_p, long(labels).unsqueeze(axis), dim=axis).squeeze(axis)
        if log_p.ndim > 1 and axis % log_p.ndim != 1:
            log_p = torch.movedim(log_p, axis, 1)
        return torch._C._nn.nll_loss_nd(log_p, long(labels), None, code[reduction], -100)

    def ctc_log_probs(log_probs: Any, labels: Any, input_lengths: Any, label_lengths: Any, blank: int,
                      zero_infinity: bool) -> Any:
        """lossx's ctc on log-softmax outputs (B, T, C), labels padded with the blank; None where unfit.

        torch's kernel serves float32 only (in float64 its gradient is off by ~5e-12 relative,
        above the numerical promise's 1e-12), non-empty inputs (it refuses them) and finite log-probabilities
        (−inf from masked classes gives NaN gradients); the caller computes the rest itself.
        """
        if log_probs.dtype != torch.float32 or log_probs.numel() == 0 or not bool(torch.isfinite(log_probs).all()):
            return None
        batch, frames = log_probs.shape[0], log_probs.shape[1]
        if input_lengths is None:
            input_lengths = torch.full((batch,), frames, dtype=torch.long, device=log_probs.device)
        return F.ctc_loss(
            log_probs.transpose(0, 1), long(labels), long(input_lengths), long(label_lengths),
            blank=blank, reduction="none", zero_infinity=zero_infinity,
        )

    def multi_margin(x: Any, labels: Any, p: int, margin: float, axis: int, reduction: str = "none") -> Any:
        # torch's kernel takes (N, C) scores only: other layouts are moved and flattened to it.
        if x.ndim != 2 or axis % 2 != 1:
            rows = torch.movedim(x, axis, -1).reshape(-1, x.shape[axis])
            flat = torch._C._nn.multi_margin_loss(rows, long(labels.reshape(-1)), p, margin, None, code[reduction])
            return flat if reduction != "none" else flat.reshape(labels.shape)
        return torch._C._nn.multi_margin_loss(x, long(labels), p, margin, None, code[reduction])

    def multilabel_margin(x: Any, lists: Any, axis: int, reduction: str = "none") -> Any:
        # torch's kernel loops over each entry's labels (memory of the scores' size, where the
        # generic formula pairs every label with every class); it takes (C,) or (N, C) scores,
        # so other layouts are moved and flattened to it. Under torch.compile the generic formula:
        # torch 2.13's compiled multilabel_margin_loss gives other numbers than its eager kernel.
        if torch.compiler.is_compiling():
            generic = {"take_along_axis": lambda s, i, a: torch.take_along_dim(s, long(i), a)}
            return None if reduction != "none" else _multilabel_margin(generic, torch_namespace, x, lists, axis)
        if x.ndim == 2 and axis % 2 == 1 or x.ndim == 1:
            return torch._C._nn.multilabel_margin_loss(x, long(lists), code[reduction])
        rows = torch.movedim(x, axis, -1).reshape(-1, x.shape[axis])
        flat = torch._C._nn.multilabel_margin_loss(rows, long(torch.movedim(lists, axis, -1).reshape(rows.shape)),
                                                   code[reduction])
        return flat if reduction != "none" else flat.reshape(lists.shape[:axis % x.ndim] + lists.shape[axis % x.ndim + 1:])

    def margin_ranking(x1: Any, x2: Any, target: Any, margin: float, reduction: str = "none") -> Any:
        # torch's C++ composite of lossx's formula (−t·(x₁ − x₂) + margin, clamped at 0): the
        # same values, without a Python call per operation.
        return torch.margin_ranking_loss(x1, x2, target, margin, code[reduction])

    def hinge_embedding(x: Any, target: Any, margin: float, reduction: str = "none") -> Any:
        return torch.hinge_embedding_loss(x, target, margin, code[reduction])

    def pairwise_distance(x1: Any, x2: Any, p: float, eps: float, axis: int) -> Any:
        # torch.pairwise_distance's norm, over any axis; its gradient at zero distance is 0.
        return torch.linalg.vector_norm(x1 - x2 + eps if eps else x1 - x2, p, dim=axis)

    def no_entries(args: tuple) -> bool:
        # A loss kernel's arrays come first; the loss has no entries if one of them has none
        # (they broadcast to the shape of one of them).
        for arg in args:
            if not isinstance(arg, torch.Tensor):
                return False
            if arg.numel() == 0:
                return True
        return False

    def fused(kernel: Callable[..., Any]) -> Callable[..., Any]:
        def reduced(reduction: str, *args: Any) -> Any:
            # torch's "mean" of no entries is NaN; lossx's is 0 (docs/semantics.md, reductions and weights), from the unfused path.
            if reduction == "mean" and no_entries(args):
                return None
            return kernel(*args, reduction=reduction)

        return reduced

    def soft_cross_entropy_reduced(reduction: str, logits: Any, target: Any, axis: int) -> Any:
        # torch's own cross-entropy with probability targets: one graph of C++ nodes, no Python
        # backward. It is NaN for a 0·log 0 term (a −inf logit where t = 0), which lossx's is
        # not: a NaN result (that, or NaN inputs) is left to the exact form. Like the Function,
        # it keeps few digits of a tiny loss where the target's class dominates.
        if torch.compiler.is_compiling() or logits.numel() == 0:
            return None
        logits, target = same_shape(logits, target)
        if logits.ndim > 1 and axis % logits.ndim != 1:
            logits, target = torch.movedim(logits, axis, 1), torch.movedim(target, axis, 1)
        out = torch._C._nn.cross_entropy_loss(logits, target, None, code[reduction], -100, 0.0)
        return None if bool(torch.isnan(out)) else out

    def relative_entropy_reduced(reduction: str, target: Any, log_q: Any, axis: int) -> Any:
        # torch.kl_div, Σ xlogy(t, t) − t·log q, as above: NaN for a 0·log 0 term (t = 0 where
        # log q = −inf), and its target gradient is NaN wherever t = 0, so a differentiated
        # target also takes the exact form.
        if torch.compiler.is_compiling() or target.requires_grad or log_q.numel() == 0:
            return None
        target, log_q = same_shape(target, log_q)
        total = torch.kl_div(log_q, target, code["sum"], log_target=False)
        if bool(torch.isnan(total)):
            return None
        return total / (log_q.numel() // log_q.shape[axis]) if reduction == "mean" else total

    losses = {
        "squared_error": squared_error,
        "absolute_error": absolute_error,
        "huber": huber,
        "smooth_l1": smooth_l1,
        "sigmoid_cross_entropy": sigmoid_cross_entropy,
        "softmax_cross_entropy": softmax_cross_entropy,
        "negative_log_likelihood": negative_log_likelihood,
        "multi_margin": multi_margin,
        "multilabel_margin": multilabel_margin,
        "margin_ranking": margin_ranking,
        "hinge_embedding": hinge_embedding,
    }
    return {
        "pairwise_distance": pairwise_distance,
        "logsumexp": lambda x, axis, keepdims: torch.logsumexp(x, dim=axis, keepdim=keepdims),
        "log_softmax": _torch_sharpened_log_softmax,
        "softmax": lambda x, axis: torch.softmax(x, dim=axis),
        "sigmoid": torch.sigmoid,
        # torch's default threshold=20 returns x above 20, an error of exp(-20)
        # relative to x: too coarse for float64. Above 50 the error is < 1e-22.
        "softplus": lambda x: F.softplus(x, beta=1.0, threshold=50.0),
        "log_sigmoid": F.logsigmoid,
        "one_hot": lambda labels, n, dtype: F.one_hot(long(labels), n).to(dtype),
        "take_along_axis": take_along_axis,
        "gather": lambda vector, indices: vector[long(indices)],
        # array-api-compat's squeeze sorts its axes in Python, which torch.compile
        # cannot trace with dynamic shapes.
        "drop_axis": lambda x, axis: torch.squeeze(x, axis),
        "extrema": extrema,
        **losses,
        **{_REDUCED + name: fused(kernel) for name, kernel in losses.items()},
        "softmax_cross_entropy_soft": _torch_soft_cross_entropy(same_shape),
        _REDUCED + "softmax_cross_entropy_soft": soft_cross_entropy_reduced,
        "relative_entropy": _torch_relative_entropy(same_shape),
        "log_cosh": _torch_log_cosh(same_shape),
        _REDUCED + "relative_entropy": relative_entropy_reduced,
        # Not primitives of every namespace: the ctc loss uses them where they exist.
        "ctc_log_probs": ctc_log_probs,
        "stop_gradient": torch.Tensor.detach,
    }


def _jax_soft_cross_entropy() -> Callable[..., Any]:
    """Soft-target cross-entropy ``−Σ_c t_c·log_softmax(x)_c`` with its JVP in closed form.

    Autodiff of the composed form (log-softmax, the ``where`` that keeps ``0·(−inf)``
    out, the sum) ran at 3.3× optax's NaN-prone ``−Σ t·log_softmax(x)`` under jit on
    CPU; the closed form ``d = Σ_c (q_c·dx_c − log p_c·dt_c)``, with ``q = p·Σt − t``
    (at a dominant class ``p·(Σt − t) − t·(1 − p)``, with ``1 − p`` the sum of the other
    probabilities), gives the same values and derivatives at optax's cost. It is a JVP, so forward mode,
    reverse mode and higher derivatives keep working, and a non-differentiated input
    (the usual target) costs nothing: its tangent stays a symbolic zero.
    """
    import jax
    import jax.numpy as jnp
    from jax.custom_derivatives import SymbolicZero

    def sharpened(logits: Any, axis: int) -> tuple:
        # _sharpened, keeping its mask and sum for the slope: XLA:CPU runs each further masked
        # reduction over (N, C) as a pass of its own (recomputing them cost 3× optax).
        log_p = jax.nn.log_softmax(logits, axis=axis)
        dominant = log_p > _LOG_HALF
        others = jnp.sum(jnp.where(dominant, 0.0, jnp.exp(log_p)), axis=axis, keepdims=True)
        return jnp.where(dominant, jnp.log1p(-jnp.minimum(others, 0.5)), log_p), dominant, others

    def soft_cross_entropy(logits: Any, target: Any, axis: int) -> Any:
        return -jnp.sum(_times_log(jnp, target, sharpened(logits, axis)[0]), axis=axis)

    def soft_cross_entropy_jvp(axis: int, primals: tuple, tangents: tuple) -> tuple:
        logits, target = primals
        d_logits, d_target = tangents
        log_p, dominant, others = sharpened(logits, axis)
        # −inf stands in as 0 where t = 0 (times_log): in the value, and as ∂/∂t = −log p.
        safe_log_p = jnp.where((target == 0) & (log_p == -jnp.inf), 0.0, log_p)
        out = -jnp.sum(target * safe_log_p, axis=axis)
        terms = []
        if not isinstance(d_logits, SymbolicZero):
            # One product with the slope p·Σt − t, at the dominant class p·(Σt − t) − t·(1 − p)
            # with 1 − p the sum of the others: its transpose, the reverse-mode gradient, is that slope
            # itself, not a sum of parts that would round p − 1.
            p = jnp.exp(log_p)
            total = jnp.sum(target, axis=axis, keepdims=True)
            slope = jnp.where(dominant, p * (total - target) - target * others, p * total - target)
            terms.append(slope * d_logits)
        if not isinstance(d_target, SymbolicZero):
            terms.append(-safe_log_p * d_target)
        if not terms:
            return out, jnp.zeros_like(out)
        return out, jnp.sum(sum(terms[1:], terms[0]), axis=axis)

    soft_cross_entropy = jax.custom_jvp(soft_cross_entropy, nondiff_argnums=(2,))
    soft_cross_entropy.defjvp(soft_cross_entropy_jvp, symbolic_zeros=True)

    def soft_cross_entropy_broadcast(logits: Any, target: Any, axis: int) -> Any:
        if target.shape != logits.shape:
            logits, target = jnp.broadcast_arrays(logits, target)
        return soft_cross_entropy(logits, target, axis)

    return soft_cross_entropy_broadcast


def _jax_relative_entropy() -> Callable[..., Any]:
    """``Σ_c t_c·(log t_c − log q_c)`` (0 where ``t_c = 0``) with its JVP in closed form.

    The value is one `where` over the finished term, ``where(t = 0, 0, t·(log t − log q))``,
    which XLA fuses into the sum; the composed form's two stand-ins (needed so that
    autodiff does not meet ``0·inf``) each cost XLA:CPU a separate pass and an (N, C)
    buffer: 1.48× optax. Here autodiff never sees the value's form: the tangent is
    ``Σ_c (−t_c·d log q_c + [t_c ≠ 0]·(log t_c + 1 − log q_c)·dt_c)``, and a target that is
    not differentiated costs nothing (symbolic zero).
    """
    import jax
    import jax.numpy as jnp
    from jax.custom_derivatives import SymbolicZero

    def value(target: Any, log_q: Any, axis: int) -> Any:
        return jnp.sum(jnp.where(target == 0, 0.0, target * (jnp.log(target) - log_q)), axis=axis)

    def relative_entropy_jvp(axis: int, primals: tuple, tangents: tuple) -> tuple:
        target, log_q = primals
        d_target, d_log_q = tangents
        out = value(target, log_q, axis)
        terms = []
        if not isinstance(d_log_q, SymbolicZero):
            terms.append(-target * d_log_q)
        if not isinstance(d_target, SymbolicZero):
            absent = target == 0
            log_t = jnp.log(jnp.where(absent, 1.0, target))
            terms.append(jnp.where(absent, 0.0, log_t + 1.0 - log_q) * d_target)
        if not terms:
            return out, jnp.zeros_like(out)
        return out, jnp.sum(sum(terms[1:], terms[0]), axis=axis)

    relative_entropy = jax.custom_jvp(value, nondiff_argnums=(2,))
    relative_entropy.defjvp(relative_entropy_jvp, symbolic_zeros=True)

    def relative_entropy_broadcast(target: Any, log_q: Any, axis: int) -> Any:
        if target.shape != log_q.shape:
            target, log_q = jnp.broadcast_arrays(target, log_q)
        return relative_entropy(target, log_q, axis)

    return relative_entropy_broadcast


def _jax_log_softmax() -> Callable[..., Any]:
    """The sharpened log-softmax (:func:`_sharpened`) with its JVP in closed form.

    Autodiff of the sharpened form is accurate but XLA:CPU runs its extra masked sum and
    `where` slowly (sparse cross-entropy through it 6.8× the plain form, side by side). The
    JVP ``d log p = dx − Σ_c p_c·dx_c`` is written so that its transpose, the gradient, never
    rounds ``1 − p`` at the dominant class ``k``: there it is ``(1 − p_k)·dx_k − Σ_{c≠k} p_c·dx_c``
    with ``1 − p_k`` the sum of the other probabilities, elsewhere ``dx_c − p_k·dx_k − Σ_{c≠k} p_c·dx_c``.
    """
    import jax
    import jax.numpy as jnp

    def parts(logits: Any, axis: int) -> tuple:
        log_p = jax.nn.log_softmax(logits, axis=axis)
        dominant = log_p > _LOG_HALF
        others = jnp.sum(jnp.where(dominant, 0.0, jnp.exp(log_p)), axis=axis, keepdims=True)
        return jnp.where(dominant, jnp.log1p(-jnp.minimum(others, 0.5)), log_p), dominant, others

    def log_softmax(logits: Any, axis: int) -> Any:
        return parts(logits, axis)[0]

    def log_softmax_jvp(axis: int, primals: tuple, tangents: tuple) -> tuple:
        (logits,), (d_logits,) = primals, tangents
        log_p, dominant, others = parts(logits, axis)
        p = jnp.exp(log_p)
        rest = jnp.sum(jnp.where(dominant, 0.0, p * d_logits), axis=axis, keepdims=True)  # Σ_{c≠k} p_c·dx_c
        d_top = jnp.sum(jnp.where(dominant, d_logits, 0.0), axis=axis, keepdims=True)  # dx_k (0 without a k)
        p_top = jnp.sum(jnp.where(dominant, p, 0.0), axis=axis, keepdims=True)
        return log_p, jnp.where(dominant, others * d_logits - rest, d_logits - p_top * d_top - rest)

    log_softmax = jax.custom_jvp(log_softmax, nondiff_argnums=(1,))
    log_softmax.defjvp(log_softmax_jvp)
    return log_softmax


def _jax_kernels() -> dict[str, Callable[..., Any]]:
    import jax
    import jax.numpy as jnp

    def log_cosh(y_pred: Any, y_true: Any) -> Any:
        # _log_cosh_value, differentiated by autodiff, which XLA fuses whole (a custom_jvp or
        # custom_vjp with tanh(e) kept two (N, C) arrays for the backward: XLA does not fuse
        # across their boundary; 49 MB against optax's 15.6 MB at 4096x1000).
        return _log_cosh_value(jnp, jnp.abs(y_pred - y_true), jax.nn.softplus)

    def extrema(x: Any) -> tuple:
        # Inside a jax.jit trace (one whose only traced values are options, say) an array
        # captured from outside is concrete, but operations on it are traced: its range is
        # not known until the compiled call runs, so there is nothing to check yet, as for
        # a traced input.
        if 0 in x.shape:
            return 0, 0
        low, high = jnp.min(x), jnp.max(x)
        if isinstance(low, jax.core.Tracer):
            return 0, 0
        number = int if jnp.issubdtype(x.dtype, jnp.integer) else float
        return number(low), number(high)

    return {
        "extrema": extrema,
        "softmax_cross_entropy_soft": _jax_soft_cross_entropy(),
        "relative_entropy": _jax_relative_entropy(),
        "log_cosh": log_cosh,
        "logsumexp": lambda x, axis, keepdims: jax.nn.logsumexp(x, axis=axis, keepdims=keepdims),
        "log_softmax": _jax_log_softmax(),
        "softmax": lambda x, axis: jax.nn.softmax(x, axis=axis),
        # Not a primitive: the composed forms that need one (softmax_cross_entropy) look it up.
        "stop_gradient": jax.lax.stop_gradient,
        "softplus": jax.nn.softplus,
        "log_sigmoid": jax.nn.log_sigmoid,
        "one_hot": lambda labels, n, dtype: jax.nn.one_hot(labels, n, dtype=dtype),
        "take_along_axis": lambda x, idx, axis: jnp.take_along_axis(x, idx, axis=axis),
        "gather": lambda vector, indices: jnp.take(vector, indices, axis=0),
    }


def _tensorflow_same_shape(first: Any, second: Any) -> tuple:
    """Both tensors broadcast to one shape (untouched where their static shapes are equal).

    ``tf.custom_gradient`` needs gradients of its inputs' shapes, and TensorFlow's loss ops
    refuse static shapes that differ.
    """
    import tensorflow as tf

    if first.shape.is_fully_defined() and first.shape == second.shape:
        return first, second
    shape = tf.broadcast_dynamic_shape(tf.shape(first), tf.shape(second))
    return tf.broadcast_to(first, shape), tf.broadcast_to(second, shape)


def _tensorflow_per_constant(build: Callable[[Any], Callable[..., Any]]) -> Callable[..., Any]:
    """``call(first, second, constant)``: both broadcast to one shape, then ``build(constant)(first, second)``.

    ``tf.custom_gradient`` functions take tensors only, so a Python constant (an axis, a
    threshold) is closed over: one function per value, built when first asked for.
    """
    by_constant: dict[Any, Callable[..., Any]] = {}

    def call(first: Any, second: Any, constant: Any) -> Any:
        if constant not in by_constant:
            by_constant[constant] = build(constant)
        return by_constant[constant](*_tensorflow_same_shape(first, second))

    return call


def _tensorflow_soft_cross_entropy() -> Callable[..., Any]:
    """Soft-target cross-entropy with its gradients in closed form (``tf.custom_gradient``).

    As for torch and JAX: ``∂/∂x = g·(softmax(x)·Σ_c t_c − t)`` and ``∂/∂t = −g·log p``
    (0 where ``t = 0`` and ``log p = −inf``), in place of the gradient tape's walk through
    log-softmax and the ``where`` that keeps ``0·(−inf)`` out (1.8× Keras's fused
    ``softmax_cross_entropy_with_logits``, which gives NaN for a −inf logit).
    """
    import tensorflow as tf

    def build(axis: int) -> Callable[..., Any]:
        @tf.custom_gradient
        def cross_entropy(logits: Any, target: Any) -> Any:
            # _sharpened, keeping its mask, probabilities and sum for the slope
            # instead of recomputing them in the backward (the slope: see the JAX kernel).
            log_p = tf.nn.log_softmax(logits, axis=axis)
            dominant = log_p > _LOG_HALF
            p = tf.exp(log_p)
            others = tf.reduce_sum(tf.where(dominant, tf.zeros_like(p), p), axis=axis, keepdims=True)
            log_p = tf.where(dominant, tf.math.log1p(-tf.minimum(others, 0.5)), log_p)

            def gradient(upstream: Any) -> tuple:
                upstream = tf.expand_dims(upstream, axis)
                total = tf.reduce_sum(target, axis=axis, keepdims=True)
                slope = tf.where(dominant, p * (total - target) - target * others, p * total - target)
                absent = tf.logical_and(tf.equal(target, 0), tf.equal(log_p, -math.inf))
                safe_log_p = tf.where(absent, tf.zeros_like(log_p), log_p)
                return upstream * slope, -upstream * safe_log_p

            # multiply_no_nan: t·log p, and 0 where t = 0 whatever log p is (−inf included).
            return -tf.reduce_sum(tf.math.multiply_no_nan(log_p, target), axis=axis), gradient

        return cross_entropy

    return _tensorflow_per_constant(build)


def _tensorflow_relative_entropy() -> Callable[..., Any]:
    """``Σ_c t_c·(log t_c − log q_c)`` (0 where ``t_c = 0``) with its gradients in closed form
    (``tf.custom_gradient``): ``∂/∂log q = −g·t``, ``∂/∂t = g·(log t + 1 − log q)`` where
    ``t ≠ 0`` and 0 elsewhere, as for torch."""
    import tensorflow as tf

    def build(axis: int) -> Callable[..., Any]:
        @tf.custom_gradient
        def relative_entropy(target: Any, log_q: Any) -> Any:
            def gradient(upstream: Any) -> tuple:
                upstream = tf.expand_dims(upstream, axis)
                present = tf.not_equal(target, 0)
                log_t = tf.math.log(tf.where(present, target, tf.ones_like(target)))
                grad_target = tf.where(present, upstream * (log_t + 1.0 - log_q), tf.zeros_like(target))
                return grad_target, -upstream * target

            # xlogy and multiply_no_nan are 0 where t = 0, whatever log q is there (−inf, NaN).
            terms = tf.math.xlogy(target, target) - tf.math.multiply_no_nan(log_q, target)
            return tf.reduce_sum(terms, axis=axis), gradient

        return relative_entropy

    return _tensorflow_per_constant(build)


def _tensorflow_capped_quadratic(smooth_l1: bool) -> Callable[..., Any]:
    """Huber (``smooth_l1=False``) or smooth L1 with the derivative in closed form (``tf.custom_gradient``).

    The value is the generic form's, ``½q² + δ(|e| − q)`` (smooth L1: ``½q²/β + (|e| − q)``)
    with ``q = min(|e|, δ)``; ``∂/∂y_pred = clip(e, −δ, δ)`` (smooth L1: divided by β) and
    ``∂/∂y_true`` its negative, the generic form's gradient everywhere (at ``|e| = δ``
    ``tf.minimum`` passes it to ``|e|``). The tape's walk through the composed form took some
    ten operations a call, Keras's own Huber about as many.
    """
    import tensorflow as tf

    def build(cap: float) -> Callable[..., Any]:
        @tf.custom_gradient
        def loss(y_pred: Any, y_true: Any) -> Any:
            error = y_pred - y_true
            magnitude = tf.abs(error)
            quadratic = tf.minimum(magnitude, cap)
            if smooth_l1:
                value = (0.5 / cap) * quadratic * quadratic + (magnitude - quadratic)
            else:
                value = 0.5 * quadratic * quadratic + cap * (magnitude - quadratic)

            def gradient(upstream: Any) -> tuple:
                slope = tf.clip_by_value(error, -cap, cap)
                grad = upstream * (slope / cap if smooth_l1 else slope)
                return grad, -grad

            return value, gradient

        return loss

    return _tensorflow_per_constant(build)


def _tensorflow_log_cosh() -> Callable[..., Any]:
    """Log-cosh with the derivative ``tanh(e)`` in closed form (``tf.custom_gradient``), where
    the tape walked back through the absolute value, the softplus and the sums."""
    import tensorflow as tf

    from . import _tensorflow_namespace

    @tf.custom_gradient
    def log_cosh(y_pred: Any, y_true: Any) -> Any:
        error = y_pred - y_true
        magnitude = tf.abs(error)

        def gradient(upstream: Any) -> tuple:
            grad = upstream * tf.tanh(error)
            return grad, -grad

        return _log_cosh_value(_tensorflow_namespace, magnitude, tf.math.softplus), gradient

    return lambda y_pred, y_true: log_cosh(*_tensorflow_same_shape(y_pred, y_true))


def _tensorflow_times_log(log: Callable[..., Any], singular: float, stand_in: float) -> Callable[..., Any]:
    """``x·log(y)`` (``log`` = log or log1p, singular at ``y = singular``) with ``0·log(singular) = 0``
    and its gradients in closed form: ``∂/∂x = log y``, ``∂/∂y = x·log′(y)``, both 0 where ``x = 0``
    and ``y = singular``, the generic form's values (the tape's walk through its ``where`` takes
    twice the operations)."""
    import tensorflow as tf

    @tf.custom_gradient
    def times_log(x: Any, y: Any) -> Any:
        both_zero = tf.logical_and(tf.equal(x, 0.0), tf.equal(y, singular))
        safe = tf.where(both_zero, tf.constant(stand_in, y.dtype), y)
        safe_log = log(safe)

        def gradient(upstream: Any) -> tuple:
            # log′(y) is 1/y (log) or 1/(1 + y) (log1p); at the stand-in x = 0 makes it 0.
            return upstream * safe_log, upstream * x / (safe if singular == 0.0 else 1.0 + safe)

        return x * safe_log, gradient

    def call(x: Any, y: Any) -> Any:
        if not isinstance(x, tf.Tensor):  # a variable or a number (converting a tensor costs ~5 µs eagerly)
            x = tf.convert_to_tensor(x, dtype=y.dtype)
        return times_log(*_tensorflow_same_shape(x, y))

    return call


def _tensorflow_kernels() -> dict[str, Callable[..., Any]]:
    import tensorflow as tf

    from . import _tensorflow_namespace

    def sigmoid_cross_entropy(logits: Any, target: Any, pos_weight: Any) -> Any:
        if pos_weight is None:
            # TensorFlow's own composition of the generic form's non-negative terms,
            # (max(x, 0) − x·t) + log1p(e^−|x|), with −|x| and max(x, 0) from one `where`
            # (so its gradient at 0 is right too): about half the generic form's eager operations.
            logits, target = _tensorflow_same_shape(logits, target)
            return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits)
        # Not weighted_cross_entropy_with_logits: its (1 − t)·x + (1 + (w − 1)·t)·softplus(−x)
        # cancels where the loss is tiny, and its gradient at x = 0 takes |x|'s subgradient 0.
        return _sigmoid_cross_entropy(_tensorflow_namespace, logits, target, pos_weight)

    return {
        "sigmoid_cross_entropy": sigmoid_cross_entropy,
        "xlogy": _tensorflow_times_log(tf.math.log, 0.0, 1.0),
        "xlog1py": _tensorflow_times_log(tf.math.log1p, -1.0, 0.0),
        "softmax_cross_entropy_soft": _tensorflow_soft_cross_entropy(),
        "relative_entropy": _tensorflow_relative_entropy(),
        # tf.square's gradient is one multiplication (2·e·g), a product's two and their sum.
        "squared_error": lambda y_pred, y_true: tf.square(y_pred - y_true),
        "huber": _tensorflow_capped_quadratic(smooth_l1=False),
        "smooth_l1": _tensorflow_capped_quadratic(smooth_l1=True),
        "log_cosh": _tensorflow_log_cosh(),
        "logsumexp": lambda x, axis, keepdims: tf.reduce_logsumexp(x, axis=axis, keepdims=keepdims),
        "log_softmax": lambda x, axis: _sharpened(_tensorflow_namespace, tf.nn.log_softmax(x, axis=axis), axis),
        "softmax": lambda x, axis: tf.nn.softmax(x, axis=axis),
        "stop_gradient": tf.stop_gradient,
        "sigmoid": tf.math.sigmoid,
        "softplus": tf.math.softplus,
        "log_sigmoid": tf.math.log_sigmoid,
        # A scalar floor saves an array of it; the gradient at a tie is tf.maximum's either way.
        "at_least": lambda x, floor: tf.maximum(x, floor),
        "one_hot": lambda labels, n, dtype: tf.one_hot(labels, n, dtype=dtype),
        "gather": lambda vector, indices: tf.gather(vector, indices),
    }


def _numpy_kernels() -> dict[str, Callable[..., Any]]:
    # NumPy has no fused loss kernels and evaluates every operation into a new array, so the
    # generic forms hold three or four full-size temporaries at once where a hand-written NumPy
    # expression holds one or two (its temporaries are reused by NumPy's elision). These are the
    # same formulas, each writing into arrays it has itself just created (never into an input).
    import numpy as np

    def owned(result: Any) -> Any:
        # A ufunc of 0-d arrays returns a NumPy scalar, which cannot take out=.
        return result if isinstance(result, np.ndarray) else np.asarray(result)

    def into(ufunc: Any, fresh: Any, other: Any) -> Any:
        # ufunc(fresh, other) in fresh's memory, unless other broadcasts it to a larger shape.
        if np.broadcast_shapes(fresh.shape, np.shape(other)) == fresh.shape:
            return ufunc(fresh, other, out=fresh)
        return owned(ufunc(fresh, other))

    def magnitude(y_pred: Any, y_true: Any) -> Any:
        error = owned(np.subtract(y_pred, y_true))
        return np.abs(error, out=error)

    def squared_error(y_pred: Any, y_true: Any) -> Any:
        residual = owned(np.subtract(y_pred, y_true))
        return np.multiply(residual, residual, out=residual)

    def capped_quadratic(y_pred: Any, y_true: Any, cap: float, scale: float) -> Any:
        # scale·q² + (|e| − q) with q = min(|e|, cap): Huber (scale ½, then ·δ on the linear
        # part, which the caller folds in) and smooth L1 (scale ½/β).
        linear = magnitude(y_pred, y_true)
        quadratic = owned(np.minimum(linear, cap))
        np.subtract(linear, quadratic, out=linear)
        np.multiply(quadratic, quadratic, out=quadratic)
        np.multiply(quadratic, scale, out=quadratic)
        return quadratic, linear

    def huber(y_pred: Any, y_true: Any, delta: float) -> Any:
        quadratic, linear = capped_quadratic(y_pred, y_true, delta, 0.5)
        np.multiply(linear, delta, out=linear)
        return np.add(quadratic, linear, out=quadratic)

    def smooth_l1(y_pred: Any, y_true: Any, beta: float) -> Any:
        quadratic, linear = capped_quadratic(y_pred, y_true, beta, 0.5 / beta)
        return np.add(quadratic, linear, out=quadratic)

    def log_cosh(y_pred: Any, y_true: Any) -> Any:
        # |e| + softplus(−2|e|) − log 2, where softplus of x = −2|e| ≤ 0 is log1p(exp(x)); below ⅛
        # the series of _log_cosh_value.
        absolute = magnitude(y_pred, y_true)
        out = np.multiply(absolute, -2.0)
        np.log1p(np.exp(out, out=out), out=out)
        np.add(absolute, out, out=out)
        np.subtract(out, math.log(2.0), out=out)
        near = np.less(absolute, _LOG_COSH_NEAR)
        square = np.minimum(absolute, _LOG_COSH_NEAR, out=absolute)
        np.multiply(square, square, out=square)
        series = np.multiply(square, _LOG_COSH_SERIES[-1])
        for coefficient in reversed(_LOG_COSH_SERIES[:-1]):
            np.multiply(np.add(series, coefficient, out=series), square, out=series)
        np.copyto(out, series, where=near)
        return out

    def log1p_exp_minus_abs(x: Any, out: Any = None) -> Any:
        # Into ``out`` (a fresh array of x's shape and dtype) where the caller has one to spare.
        out = owned(np.abs(x)) if out is None else np.abs(x, out=out)
        np.negative(out, out=out)
        np.exp(out, out=out)
        return np.log1p(out, out=out)

    def softplus(x: Any) -> Any:
        # max(x, 0) + log1p(exp(−|x|)). (np.logaddexp(0, x) is the same formula, but without
        # SIMD: five times slower, measured; so is adding x under a mask, where=x > 0.)
        tail = log1p_exp_minus_abs(x)
        return np.add(np.maximum(x, 0.0), tail, out=tail)

    def log_sigmoid(x: Any) -> Any:
        # −softplus(−x) = min(x, 0) − log1p(exp(−|x|))
        tail = log1p_exp_minus_abs(x)
        return np.subtract(np.minimum(x, 0.0), tail, out=tail)

    def sigmoid_cross_entropy(logits: Any, target: Any, pos_weight: Any) -> Any:
        # The generic form's non-negative terms, each summed only once it is complete: a tiny loss
        # (x = 30, t = 1) is (x − x) + log1p(e^−30), never (x + log1p(e^−30)) − x.
        if pos_weight is None:
            # (max(x, 0) − t·x) + log1p(e^−|x|), in two arrays.
            products = owned(np.multiply(target, logits))
            linear = into(np.subtract, owned(np.maximum(logits, 0.0)), products)
            tail = log1p_exp_minus_abs(logits, products if products.shape == np.shape(logits) else None)
            return into(np.add, linear, tail)
        # (1−t)·softplus(x) + w·t·softplus(−x)
        negative = log1p_exp_minus_abs(logits)
        positive = owned(np.add(negative, np.maximum(logits, 0.0)))
        negative = into(np.subtract, negative, np.minimum(logits, 0.0))
        positive = into(np.multiply, positive, np.subtract(1.0, target))
        negative = into(np.multiply, negative, np.multiply(pos_weight, target))
        return into(np.add, positive, negative)

    def logsumexp(x: Any, axis: int, keepdims: bool) -> Any:
        largest = np.max(x, axis=axis, keepdims=True)
        shift = np.where(np.isfinite(largest), largest, 0.0).astype(largest.dtype, copy=False)
        shifted = owned(np.subtract(x, shift))
        out = np.log(np.sum(np.exp(shifted, out=shifted), axis=axis, keepdims=True)) + shift
        return out if keepdims else np.squeeze(out, axis=axis)

    def log_softmax(x: Any, axis: int) -> Any:
        # (x − shift) − log Σ e^(x − shift), then sharpened (_sharpened) from the same exponentials.
        largest = np.max(x, axis=axis, keepdims=True)
        shift = np.where(np.isfinite(largest), largest, 0.0).astype(largest.dtype, copy=False)
        log_p = owned(np.subtract(x, shift))
        exponentials = np.exp(log_p)
        total = np.sum(exponentials, axis=axis, keepdims=True)
        np.subtract(log_p, np.log(total), out=log_p)
        dominant = np.greater(log_p, _LOG_HALF)
        np.copyto(exponentials, 0.0, where=dominant)
        others = np.sum(exponentials, axis=axis, keepdims=True)
        others = np.minimum(np.divide(others, total, out=others, where=total > 0), 0.5)  # 0 for a line of −inf
        np.copyto(log_p, np.log1p(-others), where=dominant)
        return log_p

    def softmax_cross_entropy(logits: Any, labels: Any, axis: int) -> Any:
        # _softmax_cross_entropy's label-relative form in one (N, C) array.
        index = np.expand_dims(labels, axis)
        picked = np.take_along_axis(logits, index, axis=axis)
        largest = np.max(logits, axis=axis, keepdims=True)
        gap = largest - picked
        finite = np.isfinite(gap)
        shift = np.where(finite, gap, 0.0).astype(gap.dtype, copy=False)
        exponents = owned(np.subtract(logits, np.where(finite, picked, largest) + shift))
        np.put_along_axis(exponents, index, -math.inf, axis=axis)
        others = np.sum(np.exp(exponents, out=exponents), axis=axis, keepdims=True)
        loss = np.where(finite, shift + np.log1p(np.expm1(-shift) + others), gap)
        return np.squeeze(loss, axis=axis)

    def soft_cross_entropy(logits: Any, target: Any, axis: int) -> Any:
        # −Σ t·log p, with the term 0 where t = 0 and log p = −inf (as times_log).
        log_p = log_softmax(logits, axis)
        np.copyto(log_p, 0.0, where=np.logical_and(np.equal(target, 0), np.equal(log_p, -math.inf)))
        return np.negative(np.sum(into(np.multiply, log_p, target), axis=axis))

    def relative_entropy(target: Any, log_q: Any, axis: int) -> Any:
        # Σ t·(log t − log q), with the term 0 where t = 0 (as the generic form's stand-ins).
        absent = np.equal(target, 0)
        terms = owned(np.where(absent, 1.0, target).astype(np.result_type(target, log_q), copy=False))
        terms = into(np.subtract, np.log(terms, out=terms), log_q)
        np.copyto(terms, 0.0, where=absent)
        return np.sum(into(np.multiply, terms, target), axis=axis)

    def times_log(log: Any, singular: float, stand_in: float) -> Callable[..., Any]:
        # x·log(y) with the stand-in y where x = 0 and y = singular (as _xlogy, _xlog1py).
        def call(x: Any, y: Any) -> Any:
            zero = np.logical_and(np.equal(x, 0), np.equal(y, singular))
            out = owned(np.where(zero, stand_in, y).astype(np.result_type(y), copy=False))
            return into(np.multiply, log(out, out=out), x)

        return call

    def margin_ranking(x1: Any, x2: Any, target: Any, margin: float) -> Any:
        # max(margin − t·(x₁ − x₂), 0)
        hinge = into(np.multiply, owned(np.subtract(x1, x2)), target)
        np.subtract(margin, hinge, out=hinge)
        return np.maximum(hinge, 0.0, out=hinge)

    return {
        "at_least": lambda x, floor: np.maximum(x, floor),
        "squared_error": squared_error,
        "huber": huber,
        "smooth_l1": smooth_l1,
        "log_cosh": log_cosh,
        "softplus": softplus,
        "log_sigmoid": log_sigmoid,
        "sigmoid_cross_entropy": sigmoid_cross_entropy,
        "logsumexp": logsumexp,
        "log_softmax": log_softmax,
        "softmax_cross_entropy": softmax_cross_entropy,
        "softmax_cross_entropy_soft": soft_cross_entropy,
        "relative_entropy": relative_entropy,
        "margin_ranking": margin_ranking,
        "xlogy": times_log(np.log, 0.0, 1.0),
        "xlog1py": times_log(np.log1p, -1.0, 0.0),
    }


_NATIVE_BUILDERS: dict[str, Callable[[], dict[str, Callable[..., Any]]]] = {
    "array_api_compat.numpy": _numpy_kernels,
    "array_api_compat.torch": _torch_kernels,
    "jax.numpy": _jax_kernels,
    "lossx._tensorflow_namespace": _tensorflow_kernels,
}

# The kernel of a loss primitive fused with its "mean" or "sum" is filed under this prefix and
# the primitive's name: ``reduced(reduction, *args)``, None where it does not fit the arguments.
_REDUCED = "reduced "

# Keyed by the namespace's module name, not the module: torch.compile cannot trace
# a dictionary lookup that compares module objects.
_KERNELS: dict[str, dict[str, Callable[..., Any]]] = {}


def kernels(xp: ModuleType) -> dict[str, Callable[..., Any]]:
    """The kernel table of namespace ``xp``: native where available, generic elsewhere."""
    table = _KERNELS.get(xp.__name__)
    if table is None:
        table = {name: build(xp) for name, build in _GENERIC.items()}
        builder = _NATIVE_BUILDERS.get(xp.__name__)
        native = builder() if builder is not None else {}
        table.update(native)
        for name, build in _COMPOSED.items():
            if name not in native:
                table[name] = build(table, xp)
        _KERNELS[xp.__name__] = table
    return table


_GENERIC_KERNELS: dict[str, dict[str, Callable[..., Any]]] = {}

#: The positions of each primitive's option parameters: Python numbers, which the native
#: kernels take (torch's ``F.huber_loss(delta=...)``), or 0-d arrays (an option traced by
#: ``jax.jit``/``vmap``/``grad``, a learned torch tensor), which only the generic formulas take.
_OPTION_PARAMETERS = {
    "at_least": (1,), "huber": (2,), "smooth_l1": (2,), "multi_margin": (3,), "pairwise_distance": (2, 3),
    "margin_ranking": (3,), "hinge_embedding": (2,),
}


def _generic_kernels(xp: ModuleType) -> dict[str, Callable[..., Any]]:
    """The generic formulas of namespace ``xp`` alone (for primitives called with array options)."""
    table = _GENERIC_KERNELS.get(xp.__name__)
    if table is None:
        table = {name: build(xp) for name, build in _GENERIC.items()}
        table.update({name: build(table, xp) for name, build in _COMPOSED.items()})
        _GENERIC_KERNELS[xp.__name__] = table
    return table


def _has_array_option(name: str, args: tuple) -> bool:
    return any(not _is_number(args[i]) for i in _OPTION_PARAMETERS.get(name, ()))


def _call(name: str, xp: ModuleType, *args: Any) -> Any:
    """Primitive ``name`` on ``args``: the namespace's kernel, or its generic formula for array options."""
    table = _generic_kernels(xp) if _has_array_option(name, args) else kernels(xp)
    return table[name](*args)


# ---------------------------------------------------------------- deferred losses


class Deferred(NamedTuple):
    """The per-element losses ``primitive(*args)``, not yet computed: see :func:`deferred`."""

    primitive: str
    args: tuple

    def compute(self) -> Any:
        """The per-element losses, as the primitive computes them."""
        return _call(self.primitive, namespace_of(self.args[0]), *self.args)

    def reduced(self, reduction: str, xp: ModuleType | None = None) -> Any:
        """Their unweighted "mean" or "sum" from the framework's fused kernel, or None where it has none.

        ``xp`` is the arrays' namespace, where the caller knows it already.
        """
        if _has_array_option(self.primitive, self.args):
            return None
        fused = kernels(xp or namespace_of(self.args[0])).get(_REDUCED + self.primitive)
        return None if fused is None else fused(reduction, *self.args)


def deferred(primitive: Callable[..., Any], *args: Any) -> Deferred:
    """``primitive(*args)`` as a loss body's result, computed when the reduction is known.

    A body whose loss is one primitive alone returns
    ``P.deferred(P.huber, y_pred, y_true, delta)`` rather than ``P.huber(y_pred, y_true,
    delta)``. Where the framework computes that loss and its mean or sum in one kernel
    (torch's ``F.huber_loss(reduction="mean")``), an unweighted, unmasked "mean" or "sum"
    call uses it: one autograd node instead of the loss's and the reduction's, a third
    less of torch's own time for a small batch. Every other call (``"none"``,
    weights, masks, other frameworks, :meth:`LossSpec.evaluate`) computes
    ``primitive(*args)`` and reduces it as usual, so the value is the same either way.
    """
    name = getattr(primitive, "__name__", None)
    if name not in _GENERIC and name not in _COMPOSED:
        raise ValueError(f"deferred takes a primitive of lossx.primitives; got {primitive!r}.")
    return Deferred(name, args)


# ---------------------------------------------------------------- public functions


def logsumexp(x: Any, axis: int = -1, keepdims: bool = False) -> Any:
    """``log(sum(exp(x), axis))``, exact for ±inf entries and all-equal maxima."""
    return kernels(namespace_of(x))["logsumexp"](x, axis, keepdims)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x − logsumexp(x, axis)``: log-probabilities from logits.

    Accurate where one class dominates: its entry is ``log1p(−Σ others)``, so ``−log p`` and
    ``1 − p = −expm1(log p)`` keep their relative accuracy where they are tiny (logits [30, 0]:
    ``log p_0 = −log1p(e^−30)``), in value and gradient.
    """
    return kernels(namespace_of(x))["log_softmax"](x, axis)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` computed as ``max(x, 0) + log1p(exp(-|x|))``."""
    return kernels(namespace_of(x))["softplus"](x)


def at_least(x: Any, floor: float) -> Any:
    """``max(x, floor)`` for a Python number ``floor``, elementwise (``floor=0.0``: the hinge).

    Its gradient where ``x = floor`` is the framework's ``maximum``'s.
    """
    return _call("at_least", namespace_of(x), x, floor)


def softmax(x: Any, axis: int = -1) -> Any:
    """``exp(log_softmax(x))``: probabilities from logits (one fused kernel where the framework has one)."""
    return kernels(namespace_of(x))["softmax"](x, axis)


def sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(−x))``, as ``exp(log_sigmoid(x))``: no overflow for any finite ``x``."""
    return kernels(namespace_of(x))["sigmoid"](x)


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, finite for every finite ``x``."""
    return kernels(namespace_of(x))["log_sigmoid"](x)


def one_hot(labels: Any, num_classes: int, dtype: Any) -> Any:
    """One-hot encoding along a new last axis, with the given floating dtype."""
    return kernels(namespace_of(labels))["one_hot"](labels, num_classes, dtype)


def take_along_axis(x: Any, indices: Any, axis: int = -1) -> Any:
    """Entries of ``x`` picked by integer ``indices`` along ``axis`` (same rank as ``x``)."""
    return kernels(namespace_of(x))["take_along_axis"](x, indices, axis)


def gather(vector: Any, indices: Any) -> Any:
    """``vector[indices]`` for a 1-D ``vector`` and integer ``indices`` of any shape."""
    return kernels(namespace_of(vector))["gather"](vector, indices)


def drop_axis(x: Any, axis: int) -> Any:
    """``x`` without its size-1 axis ``axis`` (a squeeze that every compiler can trace)."""
    return kernels(namespace_of(x))["drop_axis"](x, axis)


def squared_error(y_pred: Any, y_true: Any) -> Any:
    """``(y_pred − y_true)²``, elementwise (one fused kernel where the framework has one)."""
    return kernels(namespace_of(y_pred))["squared_error"](y_pred, y_true)


def absolute_error(y_pred: Any, y_true: Any) -> Any:
    """``|y_pred − y_true|``, elementwise (one fused kernel where the framework has one)."""
    return kernels(namespace_of(y_pred))["absolute_error"](y_pred, y_true)


def huber(y_pred: Any, y_true: Any, delta: float) -> Any:
    """Huber ``½e²`` for ``|e| ≤ δ``, ``δ(|e| − ½δ)`` beyond, ``e = y_pred − y_true``; finite for any finite ``e``."""
    return _call("huber", namespace_of(y_pred), y_pred, y_true, delta)


def smooth_l1(y_pred: Any, y_true: Any, beta: float) -> Any:
    """Smooth L1 ``huber(y_pred, y_true, β) / β`` for ``β > 0``."""
    return _call("smooth_l1", namespace_of(y_pred), y_pred, y_true, beta)


def log_cosh(y_pred: Any, y_true: Any) -> Any:
    """``log(cosh(y_pred − y_true))`` as ``|e| + softplus(−2|e|) − log 2``, finite for any finite ``e``; derivative ``tanh(e)``.

    Below ``|e| = ⅛`` it is the Taylor series, which keeps the relative accuracy of the tiny
    ``≈ e²/2`` that the first form cancels.
    """
    return kernels(namespace_of(y_pred))["log_cosh"](y_pred, y_true)


def sigmoid_cross_entropy(logits: Any, target: Any, pos_weight: Any = None) -> Any:
    """``(1−t)·softplus(x) + w·t·softplus(−x)``: binary cross-entropy from logits, elementwise.

    Summed from non-negative terms, so a tiny loss keeps its relative accuracy (``x = −30, t = 0``:
    ``log1p(e^−30)``), in value and gradient ``(1−t)·σ(x) − w·t·σ(−x)``.
    ``pos_weight`` ``w``: None (1), a Python float, or an array broadcasting along the last axis.
    """
    return kernels(namespace_of(logits))["sigmoid_cross_entropy"](logits, target, pos_weight)


def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1) -> Any:
    """``logsumexp(x) − x_y = −log_softmax(x)_y``: cross-entropy of logits with integer labels, without ``axis``.

    Accurate where the label dominates (logits [30, 0], label 0: ``log1p(e^−30)``), in value and
    gradient ``p − onehot(y)``, except in eager torch, which takes torch's fused ``cross_entropy``
    (docs/framework-differences.md, tiny losses).
    """
    return kernels(namespace_of(logits))["softmax_cross_entropy"](logits, labels, axis)


def times_log(weight: Any, log_p: Any) -> Any:
    """``weight·log p`` with ``0·log 0 = 0`` where ``log p = −inf``, finite in value and every gradient.

    The product is replaced only where the weight is 0 AND ``log p = −inf``; there the
    inner ``where`` hides the −inf too, since the untaken branch's gradient is
    ``0·(−inf) = NaN``. Elsewhere the gradient with respect to the weight is ``log p``.
    """
    return kernels(namespace_of(log_p))["times_log"](weight, log_p)


def softmax_cross_entropy_soft(logits: Any, target: Any, axis: int = -1) -> Any:
    """``−Σ_c t_c·log_softmax(x)_c`` over ``axis`` for (weighted) probability targets ``t``.

    Terms with ``t_c = 0`` are exactly 0, so −inf logits in masked classes are fine. Accurate
    where the target's class dominates (see :func:`log_softmax`), in value and gradient, except
    in eager torch, which takes torch's fused kernels (docs/framework-differences.md, tiny losses).
    """
    return kernels(namespace_of(logits))["softmax_cross_entropy_soft"](logits, target, axis)


def relative_entropy(target: Any, log_q: Any, axis: int = -1) -> Any:
    """``Σ_c t_c·(log t_c − log q_c)`` over ``axis``: the KL divergence of ``q`` from ``t``.

    Terms with ``t_c = 0`` are exactly 0 in value and gradient, whatever ``log q_c`` is
    (−inf, NaN); ``t_c > 0`` with ``log q_c = −inf`` gives +inf.
    """
    return kernels(namespace_of(log_q))["relative_entropy"](target, log_q, axis)


def negative_log_likelihood(log_p: Any, labels: Any, axis: int = -1) -> Any:
    """``−log_p[y]``: the negative log-probability of each integer label, without ``axis``."""
    return kernels(namespace_of(log_p))["negative_log_likelihood"](log_p, labels, axis)


def multi_margin(scores: Any, labels: Any, p: int, margin: float, axis: int = -1) -> Any:
    """``Σ_{c≠y} max(0, m − x_y + x_c)^p / C`` over ``axis`` (p = 1 or 2), without ``axis``."""
    return _call("multi_margin", namespace_of(scores), scores, labels, p, margin, axis)


def multilabel_margin(scores: Any, lists: Any, axis: int = -1) -> Any:
    """``Σ_{j∈Y} Σ_{i∉Y} max(0, 1 − (x_j − x_i)) / C`` over ``axis``, without it; ``Y`` the labels
    listed along ``axis`` of the integer ``lists`` before the first −1 (torch's MultiLabelMarginLoss)."""
    return kernels(namespace_of(scores))["multilabel_margin"](scores, lists, axis)


def pairwise_distance(x1: Any, x2: Any, p: float, eps: float, axis: int = -1) -> Any:
    """``(Σ |x₁ − x₂ + ε|^p)^(1/p)`` over ``axis``, without it (torch.pairwise_distance, any axis).

    ``p`` > 0 and finite. At zero distance (possible only with ``eps = 0``) the value is 0
    with gradient 0, the subgradient of torch's norm, not the NaN of a bare root.
    """
    return _call("pairwise_distance", namespace_of(x1), x1, x2, p, eps, axis)


def margin_ranking(x1: Any, x2: Any, target: Any, margin: float) -> Any:
    """``max(0, −t·(x₁ − x₂) + margin)``, elementwise (torch.nn.MarginRankingLoss's formula)."""
    return _call("margin_ranking", namespace_of(x1), x1, x2, target, margin)


def hinge_embedding(x: Any, target: Any, margin: float) -> Any:
    """``x`` where ``t = 1``, ``max(0, margin − x)`` where ``t = −1``, both terms for any other ``t``.

    Elementwise; torch.nn.HingeEmbeddingLoss's formula.
    """
    return _call("hinge_embedding", namespace_of(x), x, target, margin)


def extrema(x: Any) -> tuple:
    """``(min, max)`` of an eager array as Python numbers, for value checks.

    ``(0, 0)`` when there is nothing to check: an empty array, or one whose values a
    ``jax.jit`` trace does not know yet. NaN if any entry is NaN.
    """
    return kernels(namespace_of(x))["extrema"](x)


def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)`` with the convention ``0 * log(0) = 0``, in value and gradient.

    Only where both are 0 is the product replaced, and there the gradient is 0 rather
    than ``0 * inf = NaN``. Elsewhere the gradient with respect to ``x`` is ``log(y)``,
    also at ``x = 0`` (soft targets that are themselves differentiated).
    """
    return kernels(namespace_of(y))["xlogy"](x, y)


def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)`` with the convention ``0 * log(0) = 0`` (used for ``log(1 - p)``), as :func:`xlogy`."""
    return kernels(namespace_of(y))["xlog1py"](x, y)
