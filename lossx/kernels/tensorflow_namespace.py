"""A minimal Array-API namespace for TensorFlow tensors.

array-api-compat has no TensorFlow wrapper, so lossx carries the subset of the
standard its losses and primitives use. It is written with plain ``tf`` ops (not
``tf.experimental.numpy`` behaviour, which changes TensorFlow process-wide), works
on eager tensors and inside ``tf.function`` (including ``jit_compile=True``), and
is imported only after the user's code has imported TensorFlow.

Where TensorFlow deviates from the standard it is bridged here: operators refuse
mixed dtypes, so every function that the standard lets take a Python scalar (the
arithmetic and comparison functions, ``maximum``, ``minimum``, ``logaddexp``,
``where``, ``clip``, ``full_like``) gives it the dtype of the array beside it, float64
included; shapes may be unknown in graph mode, so nothing here reads static shapes.

TensorFlow has no weakly typed scalars, so a Python float with no array to follow
(``where(c, 2.0, 1.0)``, ``asarray(0.5)``, ``zeros(shape)``) takes the namespace's
default floating dtype, which a loss call sets to the dtype it computes in
(:class:`default_floating_dtype`): float64 in a float64 loss, as NumPy, torch and JAX
end up there by type promotion. Outside a loss call it is float32, TensorFlow's own
default. Nothing here touches TensorFlow's process-wide state.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import tensorflow as tf

__array_api_version__ = "2023.12"

bool = tf.bool
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


def isdtype(dtype: tf.DType, kind: Any) -> builtins.bool:
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        return _KIND_TEST[kind](tf.as_dtype(dtype))
    return tf.as_dtype(dtype) == tf.as_dtype(kind)


def finfo(dtype: tf.DType):
    import numpy as np

    return np.finfo(tf.as_dtype(dtype).as_numpy_dtype)


_ARRAY = (tf.Tensor, tf.Variable)
_DEFAULT_FLOATING: ContextVar[tf.DType] = ContextVar("lossx_tensorflow_default_floating", default=tf.float32)
_DEFAULT_INTEGRAL = tf.int64
# The complex dtype of a floating one's precision (float16 and bfloat16 have none narrower than complex64).
_DEFAULT_COMPLEX = {tf.float16: tf.complex64, tf.bfloat16: tf.complex64, tf.float32: tf.complex64}


@contextmanager
def default_floating_dtype(dtype: tf.DType) -> Iterator[None]:
    """``with default_floating_dtype(dtype):`` Python floats with no array to follow become ``dtype``.

    Context-local (a ``ContextVar``): threads and nested loss calls each see their own.
    """
    token = _DEFAULT_FLOATING.set(dtype)
    try:
        yield
    finally:
        _DEFAULT_FLOATING.reset(token)


def _scalar_dtype(value: Any) -> tf.DType | None:
    """The default dtype of a Python scalar's kind (None for anything else: TensorFlow infers it)."""
    # `builtins.`: this module's `bool`, `max`, `all`, ... are the standard's.
    if isinstance(value, builtins.bool):
        return tf.bool
    if isinstance(value, builtins.int):
        return _DEFAULT_INTEGRAL
    if isinstance(value, builtins.float):
        return _DEFAULT_FLOATING.get()
    if isinstance(value, builtins.complex):
        return _DEFAULT_COMPLEX.get(_DEFAULT_FLOATING.get(), tf.complex128)
    return None


_KIND_ORDER = {tf.bool: 0, _DEFAULT_INTEGRAL: 1}


def _scalars_dtype(*values: Any) -> tf.DType | None:
    """The dtype of Python scalars combined with no array: the default dtype of their highest kind."""
    dtypes = [_scalar_dtype(value) for value in values]
    known = [dtype for dtype in dtypes if dtype is not None]
    if len(known) != len(dtypes):
        return None
    return builtins.max(known, key=lambda dtype: _KIND_ORDER.get(dtype, 2 if dtype.is_floating else 3))


def asarray(obj: Any, dtype: tf.DType | None = None, device: Any = None, copy: Any = None):
    if isinstance(obj, _ARRAY):
        return obj if dtype is None or obj.dtype == dtype else tf.cast(obj, dtype)
    if dtype is None and _python_numbers(obj):
        import numpy as np

        # Python numbers take the default dtype of their (highest) kind, as in the standard.
        obj = np.asarray(obj)
        dtype = _scalar_dtype(obj.dtype.type(0).item())
    return tf.convert_to_tensor(obj, dtype=dtype)


def _python_numbers(obj: Any) -> builtins.bool:
    """Whether ``obj`` is a Python number or a (nested) list or tuple of them, and nothing else."""
    if isinstance(obj, (list, tuple)):
        return builtins.all(_python_numbers(item) for item in obj)
    return isinstance(obj, (builtins.bool, builtins.int, builtins.float, builtins.complex))


def astype(x, dtype, /, *, copy: Any = None, device: Any = None):
    return x if x.dtype == dtype else tf.cast(x, dtype)


def _like(x, value):
    """``value`` (a scalar or tensor) as a tensor of ``x``'s dtype."""
    if isinstance(value, _ARRAY):
        return value
    return tf.constant(value, dtype=x.dtype)


def _pair(x1, x2):
    """Both as tensors: a scalar takes the other's dtype, two scalars the default dtype of their kind."""
    if isinstance(x1, _ARRAY):
        return x1, _like(x1, x2)
    if isinstance(x2, _ARRAY):
        return _like(x2, x1), x2
    dtype = _scalars_dtype(x1, x2)
    return tf.constant(x1, dtype=dtype), tf.constant(x2, dtype=dtype)


def _binary(op):
    def apply(x1, x2, /):
        return op(*_pair(x1, x2))

    apply.__name__ = op.__name__
    return apply


add = _binary(tf.add)
subtract = _binary(tf.subtract)
multiply = _binary(tf.multiply)
divide = _binary(tf.divide)
pow = _binary(tf.pow)
maximum = _binary(tf.maximum)
minimum = _binary(tf.minimum)
equal = _binary(tf.equal)
not_equal = _binary(tf.not_equal)
less = _binary(tf.less)
less_equal = _binary(tf.less_equal)
greater = _binary(tf.greater)
greater_equal = _binary(tf.greater_equal)
atan2 = _binary(tf.math.atan2)
logical_and = tf.logical_and
logical_or = tf.logical_or
logical_not = tf.logical_not

abs = tf.abs
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
cos = tf.cos
sin = tf.sin


def logaddexp(x1, x2, /):
    x1, x2 = _pair(x1, x2)
    larger = tf.maximum(x1, x2)
    # Equal infinities would give inf - inf = NaN in the correction term.
    safe = tf.where(tf.math.is_inf(larger), tf.zeros_like(larger), larger)
    return larger + tf.math.log1p(tf.exp(-tf.abs((x1 - safe) - (x2 - safe))))


def where(condition, x1, x2, /):
    return tf.where(condition, *_pair(x1, x2))


def clip(x, /, min=None, max=None):
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


sum = _reduction(tf.reduce_sum)
prod = _reduction(tf.reduce_prod)
mean = _reduction(tf.reduce_mean)
max = _reduction(tf.reduce_max)
min = _reduction(tf.reduce_min)
all = _reduction(tf.reduce_all)
any = _reduction(tf.reduce_any)


def sort(x, /, *, axis=-1, descending=False, stable=True):
    return tf.sort(x, axis=axis, direction="DESCENDING" if descending else "ASCENDING")


def argsort(x, /, *, axis=-1, descending=False, stable=True):
    return tf.argsort(x, axis=axis, direction="DESCENDING" if descending else "ASCENDING", stable=stable)


def cumulative_sum(x, /, *, axis=None):
    return tf.math.cumsum(x, axis=0 if axis is None else axis)


def zeros_like(x, /, *, dtype=None, device=None):
    return tf.zeros_like(x, dtype=dtype)


def ones_like(x, /, *, dtype=None, device=None):
    return tf.ones_like(x, dtype=dtype)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    return tf.fill(tf.shape(x), tf.constant(fill_value, dtype=dtype or x.dtype))


def zeros(shape, *, dtype=None, device=None):
    return tf.zeros(shape, dtype=dtype or _DEFAULT_FLOATING.get())


def ones(shape, *, dtype=None, device=None):
    return tf.ones(shape, dtype=dtype or _DEFAULT_FLOATING.get())


def full(shape, fill_value, *, dtype=None, device=None):
    return tf.fill(shape, tf.constant(fill_value, dtype=dtype or _scalar_dtype(fill_value)))


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    if stop is None:
        start, stop = 0, start
    return tf.range(start, stop, step, dtype=dtype or _scalars_dtype(start, stop, step) or _DEFAULT_INTEGRAL)


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
