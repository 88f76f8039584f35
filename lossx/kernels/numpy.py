"""NumPy's kernels: the generic formulas, written into arrays they have just created.

NumPy has no fused loss kernels and evaluates every operation into a new array, so the
generic forms hold three or four full-size temporaries at once where a hand-written NumPy
expression holds one or two (its temporaries are reused by NumPy's elision). These are the
same formulas as :mod:`lossx.kernels.generic`'s, each writing into arrays it has itself just
created (never into an input). NumPy has no fused loss-and-reduction kernels (``FUSED`` is
empty) and no autodiff.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._errors import DistributedError
from . import generic


def _owned(result: Any) -> Any:
    # A ufunc of 0-d arrays returns a NumPy scalar, which cannot take out=.
    return result if isinstance(result, np.ndarray) else np.asarray(result)


def _into(ufunc: Any, fresh: Any, other: Any) -> Any:
    # ufunc(fresh, other) in fresh's memory, unless other broadcasts it to a larger shape.
    if np.broadcast_shapes(fresh.shape, np.shape(other)) == fresh.shape:
        return ufunc(fresh, other, out=fresh)
    return _owned(ufunc(fresh, other))


def _magnitude(y_pred: Any, y_true: Any) -> Any:
    error = _owned(np.subtract(y_pred, y_true))
    return np.abs(error, out=error)


def squared_error(y_pred: Any, y_true: Any) -> Any:
    residual = _owned(np.subtract(y_pred, y_true))
    return np.multiply(residual, residual, out=residual)


def _capped_quadratic(y_pred: Any, y_true: Any, cap: float, scale: float) -> Any:
    # scale·q² + (|e| − q) with q = min(|e|, cap): Huber (scale ½, then ·δ on the linear
    # part, which the caller folds in) and smooth L1 (scale ½/β).
    linear = _magnitude(y_pred, y_true)
    quadratic = _owned(np.minimum(linear, cap))
    np.subtract(linear, quadratic, out=linear)
    np.multiply(quadratic, quadratic, out=quadratic)
    np.multiply(quadratic, scale, out=quadratic)
    return quadratic, linear


def huber(y_pred: Any, y_true: Any, delta: float) -> Any:
    quadratic, linear = _capped_quadratic(y_pred, y_true, delta, 0.5)
    np.multiply(linear, delta, out=linear)
    return np.add(quadratic, linear, out=quadratic)


def smooth_l1(y_pred: Any, y_true: Any, beta: float) -> Any:
    quadratic, linear = _capped_quadratic(y_pred, y_true, beta, 0.5 / beta)
    return np.add(quadratic, linear, out=quadratic)


def log_cosh(y_pred: Any, y_true: Any) -> Any:
    # |e| + softplus(−2|e|) − log 2, where softplus of x = −2|e| ≤ 0 is log1p(exp(x)); below ⅛
    # the series of _log_cosh_value.
    absolute = _magnitude(y_pred, y_true)
    out = np.multiply(absolute, -2.0)
    np.log1p(np.exp(out, out=out), out=out)
    np.add(absolute, out, out=out)
    np.subtract(out, math.log(2.0), out=out)
    near = np.less(absolute, generic.LOG_COSH_NEAR)
    square = np.minimum(absolute, generic.LOG_COSH_NEAR, out=absolute)
    np.multiply(square, square, out=square)
    series = np.multiply(square, generic.LOG_COSH_SERIES[-1])
    for coefficient in reversed(generic.LOG_COSH_SERIES[:-1]):
        np.multiply(np.add(series, coefficient, out=series), square, out=series)
    np.copyto(out, series, where=near)
    return out


def _log1p_exp_minus_abs(x: Any, out: Any = None) -> Any:
    # Into ``out`` (a fresh array of x's shape and dtype) where the caller has one to spare.
    out = _owned(np.abs(x)) if out is None else np.abs(x, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    return np.log1p(out, out=out)


def softplus(x: Any) -> Any:
    # max(x, 0) + log1p(exp(−|x|)). (np.logaddexp(0, x) is the same formula, but without
    # SIMD, so slower; so is adding x under a mask, where=x > 0.)
    tail = _log1p_exp_minus_abs(x)
    return np.add(np.maximum(x, 0.0), tail, out=tail)


def log_sigmoid(x: Any) -> Any:
    # −softplus(−x) = min(x, 0) − log1p(exp(−|x|))
    tail = _log1p_exp_minus_abs(x)
    return np.subtract(np.minimum(x, 0.0), tail, out=tail)


def sigmoid_cross_entropy(logits: Any, target: Any, pos_weight: Any) -> Any:
    # The generic form's non-negative terms, each summed only once it is complete: a tiny loss
    # (x = 30, t = 1) is (x − x) + log1p(e^−30), never (x + log1p(e^−30)) − x.
    if pos_weight is None:
        # (max(x, 0) − t·x) + log1p(e^−|x|), in two arrays.
        products = _owned(np.multiply(target, logits))
        linear = _into(np.subtract, _owned(np.maximum(logits, 0.0)), products)
        tail = _log1p_exp_minus_abs(logits, products if products.shape == np.shape(logits) else None)
        return _into(np.add, linear, tail)
    # (1−t)·softplus(x) + w·t·softplus(−x)
    negative = _log1p_exp_minus_abs(logits)
    positive = _owned(np.add(negative, np.maximum(logits, 0.0)))
    negative = _into(np.subtract, negative, np.minimum(logits, 0.0))
    positive = _into(np.multiply, positive, np.subtract(1.0, target))
    negative = _into(np.multiply, negative, np.multiply(pos_weight, target))
    return _into(np.add, positive, negative)


def logsumexp(x: Any, axis: int, keepdims: bool) -> Any:
    largest = np.max(x, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(largest), largest, 0.0).astype(largest.dtype, copy=False)
    shifted = _owned(np.subtract(x, shift))
    out = np.log(np.sum(np.exp(shifted, out=shifted), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x: Any, axis: int) -> Any:
    # (x − shift) − log Σ e^(x − shift), then sharpened (_sharpened) from the same exponentials.
    largest = np.max(x, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(largest), largest, 0.0).astype(largest.dtype, copy=False)
    log_p = _owned(np.subtract(x, shift))
    exponentials = np.exp(log_p)
    total = np.sum(exponentials, axis=axis, keepdims=True)
    np.subtract(log_p, np.log(total), out=log_p)
    dominant = np.greater(log_p, generic.LOG_HALF)
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
    exponents = _owned(np.subtract(logits, np.where(finite, picked, largest) + shift))
    np.put_along_axis(exponents, index, -math.inf, axis=axis)
    others = np.sum(np.exp(exponents, out=exponents), axis=axis, keepdims=True)
    loss = np.where(finite, shift + np.log1p(np.expm1(-shift) + others), gap)
    return np.squeeze(loss, axis=axis)


def softmax_cross_entropy_soft(logits: Any, target: Any, axis: int) -> Any:
    # −Σ t·log p, with the term 0 where t = 0 and log p = −inf (as times_log).
    log_p = log_softmax(logits, axis)
    np.copyto(log_p, 0.0, where=np.logical_and(np.equal(target, 0), np.equal(log_p, -math.inf)))
    return np.negative(np.sum(_into(np.multiply, log_p, target), axis=axis))


def relative_entropy(target: Any, log_q: Any, axis: int) -> Any:
    # Σ t·(log t − log q), with the term 0 where t = 0 (as the generic form's stand-ins).
    absent = np.equal(target, 0)
    terms = _owned(np.where(absent, 1.0, target).astype(np.result_type(target, log_q), copy=False))
    terms = _into(np.subtract, np.log(terms, out=terms), log_q)
    np.copyto(terms, 0.0, where=absent)
    return np.sum(_into(np.multiply, terms, target), axis=axis)


def _times_log(log: Any, singular: float, stand_in: float) -> Callable[..., Any]:
    # x·log(y) with the stand-in y where x = 0 and y = singular (as _xlogy, _xlog1py).
    def call(x: Any, y: Any) -> Any:
        zero = np.logical_and(np.equal(x, 0), np.equal(y, singular))
        out = _owned(np.where(zero, stand_in, y).astype(np.result_type(y), copy=False))
        return _into(np.multiply, log(out, out=out), x)

    return call


def margin_ranking(x1: Any, x2: Any, target: Any, margin: float) -> Any:
    # max(margin − t·(x₁ − x₂), 0)
    hinge = _into(np.multiply, _owned(np.subtract(x1, x2)), target)
    np.subtract(margin, hinge, out=hinge)
    return np.maximum(hinge, 0.0, out=hinge)


def at_least(x: Any, floor: Any) -> Any:
    return np.maximum(x, floor)


xlogy = _times_log(np.log, 0.0, 1.0)
xlog1py = _times_log(np.log1p, -1.0, 0.0)


# ---------------------------------------------------------------- services


def is_eager(x: Any) -> bool:
    return True


def to_numpy(x: Any) -> Any:
    return np.asarray(x)


def from_numpy(array: Any) -> Any:
    return np.asarray(array)


def across(numerator: Any, denominator: Any, group: Any, loss: str) -> tuple:
    raise DistributedError(
        f"{loss}: mean_across={group!r} needs a distributed framework's arrays (torch, JAX or TensorFlow); "
        "NumPy arrays are held whole by one process, so their mean is already global: drop mean_across."
    )


def value_and_gradient(function: Callable[..., Any], inputs: Sequence[Any], compiled: bool) -> tuple:
    return np.asarray(function(*inputs), dtype=np.float64), None


def value_and_derivative(function: Callable[[Any], Any], x: Any, grad: bool) -> tuple:
    return np.asarray(function(x), dtype=np.float64), None


KERNELS: dict[str, Callable[..., Any]] = {
    "at_least": at_least,
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
    "softmax_cross_entropy_soft": softmax_cross_entropy_soft,
    "relative_entropy": relative_entropy,
    "margin_ranking": margin_ranking,
    "xlogy": xlogy,
    "xlog1py": xlog1py,
}
FUSED: dict[str, Callable[..., Any]] = {}
