"""A minimal Array-API namespace for TensorFlow tensors.

array-api-compat has no TensorFlow wrapper, so lossx carries the subset of the
standard its losses and primitives use. It is written with plain ``tf`` ops (not
``tf.experimental.numpy`` behaviour, which changes TensorFlow process-wide), works
on eager tensors and inside ``tf.function`` (including ``jit_compile=True``), and
is imported only after the user's code has imported TensorFlow.

Where TensorFlow deviates from the standard it is bridged here: operators refuse
mixed dtypes, so every helper casts Python scalars to the array's dtype; shapes may
be unknown in graph mode, so nothing here reads static shapes.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

__array_api_version__ = "2023.12"

bool = tf.bool  # noqa: A001 - the standard names the dtype ``bool``
int8, int16, int32, int64 = tf.int8, tf.int16, tf.int32, tf.int64
uint8, uint16, uint32, uint64 = tf.uint8, tf.uint16, tf.uint32, tf.uint64
float16, bfloat16, float32, float64 = tf.float16, tf.bfloat16, tf.float32, tf.float64
inf = float("inf")
nan = float("nan")

_KIND_TEST = {
    "bool": lambda d: d == tf.bool,
    "signed integer": lambda d: d.is_integer and not d.is_unsigned,
    "unsigned integer": lambda d: d.is_integer and d.is_unsigned,
    "integral": lambda d: d.is_integer,
    "real floating": lambda d: d.is_floating,
    "complex floating": lambda d: d.is_complex,
    "numeric": lambda d: d.is_integer or d.is_floating or d.is_complex,
}


def isdtype(dtype: tf.DType, kind: Any) -> bool:
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        return _KIND_TEST[kind](tf.as_dtype(dtype))
    return tf.as_dtype(dtype) == tf.as_dtype(kind)


def finfo(dtype: tf.DType):
    import numpy as np

    return np.finfo(tf.as_dtype(dtype).as_numpy_dtype)


def asarray(obj: Any, dtype: tf.DType | None = None, device: Any = None, copy: Any = None):
    if isinstance(obj, (tf.Tensor, tf.Variable)):
        return obj if dtype is None or obj.dtype == dtype else tf.cast(obj, dtype)
    return tf.convert_to_tensor(obj, dtype=dtype)


def astype(x, dtype, /, *, copy: Any = None, device: Any = None):
    return x if x.dtype == dtype else tf.cast(x, dtype)


def _like(x, value):
    """``value`` (a scalar or tensor) as a tensor of ``x``'s dtype."""
    if isinstance(value, (tf.Tensor, tf.Variable)):
        return value
    return tf.constant(value, dtype=x.dtype)


def _binary(op):
    def apply(x1, x2, /):
        if not isinstance(x1, (tf.Tensor, tf.Variable)):
            x1 = _like(x2, x1)
        else:
            x2 = _like(x1, x2)
        return op(x1, x2)

    apply.__name__ = op.__name__
    return apply


add = _binary(tf.add)
subtract = _binary(tf.subtract)
multiply = _binary(tf.multiply)
divide = _binary(tf.divide)
pow = _binary(tf.pow)  # noqa: A001 - standard name
maximum = _binary(tf.maximum)
minimum = _binary(tf.minimum)
equal = _binary(tf.equal)
not_equal = _binary(tf.not_equal)
less = _binary(tf.less)
less_equal = _binary(tf.less_equal)
greater = _binary(tf.greater)
greater_equal = _binary(tf.greater_equal)
logical_and = tf.logical_and
logical_or = tf.logical_or
logical_not = tf.logical_not

abs = tf.abs  # noqa: A001 - standard name
exp = tf.exp
expm1 = tf.math.expm1
log = tf.math.log
log1p = tf.math.log1p
sqrt = tf.sqrt
square = tf.square
sign = tf.sign
negative = tf.negative
isnan = tf.math.is_nan
isinf = tf.math.is_inf
isfinite = tf.math.is_finite
tanh = tf.tanh


def logaddexp(x1, x2, /):
    x1, x2 = (_like(x2, x1), x2) if not isinstance(x1, tf.Tensor) else (x1, _like(x1, x2))
    larger = tf.maximum(x1, x2)
    # Equal infinities would give inf - inf = NaN in the correction term.
    safe = tf.where(tf.math.is_inf(larger), tf.zeros_like(larger), larger)
    return larger + tf.math.log1p(tf.exp(-tf.abs((x1 - safe) - (x2 - safe))))


def where(condition, x1, x2, /):
    if not isinstance(x1, (tf.Tensor, tf.Variable)):
        x1 = _like(x2, x1) if isinstance(x2, (tf.Tensor, tf.Variable)) else tf.constant(x1)
    x2 = _like(x1, x2)
    return tf.where(condition, x1, x2)


def clip(x, /, min=None, max=None):  # noqa: A002 - standard names
    if min is not None:
        x = tf.maximum(x, _like(x, min))
    if max is not None:
        x = tf.minimum(x, _like(x, max))
    return x


def _reduction(op):
    def apply(x, /, *, axis=None, keepdims=False, dtype=None):
        if dtype is not None:
            x = tf.cast(x, dtype)
        return op(x, axis=axis, keepdims=keepdims)

    apply.__name__ = op.__name__
    return apply


sum = _reduction(tf.reduce_sum)  # noqa: A001 - standard name
prod = _reduction(tf.reduce_prod)
mean = _reduction(tf.reduce_mean)
max = _reduction(tf.reduce_max)  # noqa: A001 - standard name
min = _reduction(tf.reduce_min)  # noqa: A001 - standard name
all = _reduction(tf.reduce_all)  # noqa: A001 - standard name
any = _reduction(tf.reduce_any)  # noqa: A001 - standard name


def zeros_like(x, /, *, dtype=None, device=None):
    return tf.zeros_like(x, dtype=dtype)


def ones_like(x, /, *, dtype=None, device=None):
    return tf.ones_like(x, dtype=dtype)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    return tf.fill(tf.shape(x), tf.constant(fill_value, dtype=dtype or x.dtype))


def zeros(shape, *, dtype=None, device=None):
    return tf.zeros(shape, dtype=dtype or tf.float32)


def ones(shape, *, dtype=None, device=None):
    return tf.ones(shape, dtype=dtype or tf.float32)


def full(shape, fill_value, *, dtype=None, device=None):
    return tf.fill(shape, tf.constant(fill_value, dtype=dtype))


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    if stop is None:
        start, stop = 0, start
    return tf.range(start, stop, step, dtype=dtype or tf.int64)


def reshape(x, /, shape, *, copy=None):
    return tf.reshape(x, shape)


def expand_dims(x, /, *, axis=0):
    return tf.expand_dims(x, axis)


def squeeze(x, /, axis):
    return tf.squeeze(x, axis)


def broadcast_to(x, /, shape):
    return tf.broadcast_to(x, shape)


def broadcast_arrays(*arrays):
    shape = tf.shape(arrays[0])
    for array in arrays[1:]:
        shape = tf.broadcast_dynamic_shape(shape, tf.shape(array))
    return [tf.broadcast_to(array, shape) for array in arrays]


def permute_dims(x, /, axes):
    return tf.transpose(x, axes)


def moveaxis(x, source, destination, /):
    rank = x.shape.rank
    order = [axis for axis in range(rank) if axis != source % rank]
    order.insert(destination % rank, source % rank)
    return tf.transpose(x, order)


def stack(arrays, /, *, axis=0):
    return tf.stack(arrays, axis=axis)


def concat(arrays, /, *, axis=0):
    return tf.concat(arrays, axis=axis)


def matmul(x1, x2, /):
    return tf.linalg.matmul(x1, x2)


def _take_along_last(x, indices):
    # gather_nd with one index per entry: the same values as a batched tf.gather (and the
    # same error for an out-of-range index on CPU), but its gradient is a single scatter
    # where the batched gather's takes some forty small ops, which dominate in eager mode.
    return tf.gather_nd(x, tf.expand_dims(indices, -1), batch_dims=x.shape.rank - 1)


def take_along_axis(x, indices, /, *, axis=-1):
    rank = x.shape.rank
    axis = axis % rank
    if axis == rank - 1:  # the usual class axis: no transposes there and back
        return _take_along_last(x, indices)
    taken = _take_along_last(moveaxis(x, axis, -1), moveaxis(indices, axis, -1))
    return moveaxis(taken, -1, axis)
