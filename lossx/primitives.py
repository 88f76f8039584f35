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

from types import ModuleType
from typing import Any, Callable

from ._namespace import namespace_of

__all__ = [
    "logsumexp",
    "log_softmax",
    "log_sigmoid",
    "softplus",
    "xlogy",
    "xlog1py",
    "one_hot",
    "take_along_axis",
    "gather",
    "drop_axis",
]


# ---------------------------------------------------------------- generic versions


def _logsumexp(xp: ModuleType, x: Any, axis: int, keepdims: bool) -> Any:
    largest = xp.max(x, axis=axis, keepdims=True)
    # A shift by an infinite maximum would turn every entry into NaN; shifting by 0
    # instead gives +inf for a +inf entry and -inf when every entry is -inf.
    shift = xp.where(xp.isfinite(largest), largest, xp.zeros_like(largest))
    out = xp.log(xp.sum(xp.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else xp.squeeze(out, axis=axis)


def _log_softmax(xp: ModuleType, x: Any, axis: int) -> Any:
    return x - _logsumexp(xp, x, axis, True)


def _softplus(xp: ModuleType, x: Any) -> Any:
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))


def _log_sigmoid(xp: ModuleType, x: Any) -> Any:
    return -_softplus(xp, -x)


def _one_hot(xp: ModuleType, labels: Any, num_classes: int, dtype: Any) -> Any:
    classes = xp.arange(num_classes, dtype=labels.dtype)
    return xp.astype(xp.equal(xp.expand_dims(labels, axis=-1), classes), dtype)


def _take_along_axis(xp: ModuleType, x: Any, indices: Any, axis: int) -> Any:
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(x, indices, axis=axis)
    # Select with `where`, not a product, so -inf entries elsewhere on the axis
    # cannot turn the sum into NaN.
    classes = xp.arange(x.shape[axis], dtype=indices.dtype)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    hit = xp.equal(indices, xp.reshape(classes, tuple(shape)))
    return xp.sum(xp.where(hit, x, xp.zeros_like(x)), axis=axis, keepdims=True)


def _gather(xp: ModuleType, vector: Any, indices: Any) -> Any:
    flat = xp.take(vector, xp.reshape(indices, (-1,)), axis=0)
    return xp.reshape(flat, indices.shape)


_GENERIC: dict[str, Callable[..., Any]] = {
    "logsumexp": lambda xp: lambda x, axis, keepdims: _logsumexp(xp, x, axis, keepdims),
    "log_softmax": lambda xp: lambda x, axis: _log_softmax(xp, x, axis),
    "softplus": lambda xp: lambda x: _softplus(xp, x),
    "log_sigmoid": lambda xp: lambda x: _log_sigmoid(xp, x),
    "one_hot": lambda xp: lambda labels, n, dtype: _one_hot(xp, labels, n, dtype),
    "take_along_axis": lambda xp: lambda x, idx, axis: _take_along_axis(xp, x, idx, axis),
    "gather": lambda xp: lambda vector, indices: _gather(xp, vector, indices),
    "drop_axis": lambda xp: lambda x, axis: xp.squeeze(x, axis=axis),
}


# ---------------------------------------------------------------- native kernels
# Each builder imports its framework, which is safe: it only runs once an array
# of that framework has been seen.


def _torch_kernels() -> dict[str, Callable[..., Any]]:
    import torch
    import torch.nn.functional as F

    return {
        "logsumexp": lambda x, axis, keepdims: torch.logsumexp(x, dim=axis, keepdim=keepdims),
        "log_softmax": lambda x, axis: torch.log_softmax(x, dim=axis),
        # torch's default threshold=20 returns x above 20, an error of exp(-20)
        # relative to x: too coarse for float64. Above 50 the error is < 1e-22.
        "softplus": lambda x: F.softplus(x, beta=1.0, threshold=50.0),
        "log_sigmoid": F.logsigmoid,
        "one_hot": lambda labels, n, dtype: F.one_hot(labels.long(), n).to(dtype),
        "take_along_axis": lambda x, idx, axis: torch.take_along_dim(x, idx.long(), dim=axis),
        "gather": lambda vector, indices: vector[indices.long()],
        # array-api-compat's squeeze sorts its axes in Python, which torch.compile
        # cannot trace with dynamic shapes.
        "drop_axis": lambda x, axis: torch.squeeze(x, axis),
    }


def _jax_kernels() -> dict[str, Callable[..., Any]]:
    import jax
    import jax.numpy as jnp

    return {
        "logsumexp": lambda x, axis, keepdims: jax.nn.logsumexp(x, axis=axis, keepdims=keepdims),
        "log_softmax": lambda x, axis: jax.nn.log_softmax(x, axis=axis),
        "softplus": jax.nn.softplus,
        "log_sigmoid": jax.nn.log_sigmoid,
        "one_hot": lambda labels, n, dtype: jax.nn.one_hot(labels, n, dtype=dtype),
        "take_along_axis": lambda x, idx, axis: jnp.take_along_axis(x, idx, axis=axis),
        "gather": lambda vector, indices: jnp.take(vector, indices, axis=0),
    }


def _tensorflow_kernels() -> dict[str, Callable[..., Any]]:
    import tensorflow as tf

    return {
        "logsumexp": lambda x, axis, keepdims: tf.reduce_logsumexp(x, axis=axis, keepdims=keepdims),
        "log_softmax": lambda x, axis: tf.nn.log_softmax(x, axis=axis),
        "softplus": tf.math.softplus,
        "log_sigmoid": tf.math.log_sigmoid,
        "one_hot": lambda labels, n, dtype: tf.one_hot(labels, n, dtype=dtype),
        "gather": lambda vector, indices: tf.gather(vector, indices),
    }


_NATIVE_BUILDERS: dict[str, Callable[[], dict[str, Callable[..., Any]]]] = {
    "array_api_compat.torch": _torch_kernels,
    "jax.numpy": _jax_kernels,
    "lossx._tensorflow_namespace": _tensorflow_kernels,
}

# Keyed by the namespace's module name, not the module: torch.compile cannot trace
# a dictionary lookup that compares module objects.
_KERNELS: dict[str, dict[str, Callable[..., Any]]] = {}


def kernels(xp: ModuleType) -> dict[str, Callable[..., Any]]:
    """The kernel table of namespace ``xp``: native where available, generic elsewhere."""
    table = _KERNELS.get(xp.__name__)
    if table is None:
        table = {name: build(xp) for name, build in _GENERIC.items()}
        builder = _NATIVE_BUILDERS.get(xp.__name__)
        if builder is not None:
            table.update(builder())
        _KERNELS[xp.__name__] = table
    return table


# ---------------------------------------------------------------- public functions


def logsumexp(x: Any, axis: int = -1, keepdims: bool = False) -> Any:
    """``log(sum(exp(x), axis))``, exact for ±inf entries and all-equal maxima."""
    return kernels(namespace_of(x))["logsumexp"](x, axis, keepdims)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x, axis)``: log-probabilities from logits."""
    return kernels(namespace_of(x))["log_softmax"](x, axis)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` computed as ``max(x, 0) + log1p(exp(-|x|))``."""
    return kernels(namespace_of(x))["softplus"](x)


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


def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)`` with the convention ``0 * log(0) = 0``, in value and gradient.

    Only where both are 0 is the product replaced: there the inner ``where`` keeps
    ``log`` away from 0, so the gradient is 0 rather than ``0 * inf = NaN``.
    Elsewhere the gradient with respect to ``x`` is ``log(y)``, also at ``x = 0``
    (soft targets that are themselves differentiated).
    """
    xp = namespace_of(y)
    zero = xp.logical_and(xp.equal(x, 0), xp.equal(y, 0))
    safe_y = xp.where(zero, xp.ones_like(y), y)
    return xp.where(zero, xp.zeros_like(y), x * xp.log(safe_y))


def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)`` with the convention ``0 * log(0) = 0`` (used for ``log(1 - p)``), as :func:`xlogy`."""
    xp = namespace_of(y)
    zero = xp.logical_and(xp.equal(x, 0), xp.equal(y, -1))
    safe_y = xp.where(zero, xp.zeros_like(y), y)
    return xp.where(zero, xp.zeros_like(y), x * xp.log1p(safe_y))
