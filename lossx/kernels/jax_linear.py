"""JAX's linear cross-entropy: the chunk loop of :mod:`lossx.kernels.linear` as a ``jax.custom_vjp``.

The rows are padded to whole chunks; the forward pass is a ``lax.map`` over them that keeps
each row's ``log Z``, the backward pass a ``lax.scan`` that recomputes one chunk's logits at a
time and carries the weight's and bias's gradients. XLA then holds one chunk's (chunk, V)
arrays, not the (N, V) logits. Options that are Python numbers are fixed in the function (one
per option set, kept); traced ones (under ``jax.jit`` or ``grad``) are operands without a gradient.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp

from . import generic, linear

__all__ = ["linear_cross_entropy"]


class _Traced:
    """Stands for an option that is an operand of the function rather than a number fixed in it."""


_TRACED = _Traced()


def _logits(hidden: Any, weight: Any, bias: Any) -> Any:
    logits = jnp.matmul(hidden, weight.T)
    return logits if bias is None else logits + bias


def _in_chunks(x: Any, chunk: int, count: int) -> Any:
    padding = count * chunk - x.shape[0]
    if padding:
        x = jnp.pad(x, ((0, padding),) + ((0, 0),) * (x.ndim - 1))
    return jnp.reshape(x, (count, chunk) + x.shape[1:])


@functools.lru_cache(maxsize=64)
def _chunked(fixed: tuple, chunk: int, rows: int) -> Any:
    count = -(-rows // chunk)

    def options(traced: tuple) -> tuple:
        operands = iter(traced)
        return tuple(next(operands) if value is _TRACED else value for value in fixed)

    def forward(hidden, weight, bias, labels, class_weight, traced):
        label_smoothing, z_loss, softcap = options(traced)

        def one(chunk_inputs):
            rows_, labels_ = chunk_inputs
            return linear.chunk_loss(
                jnp, _logits(rows_, weight, bias), labels_, class_weight, label_smoothing, z_loss, softcap,
            )

        loss, log_z = jax.lax.map(one, (_in_chunks(hidden, chunk, count), _in_chunks(labels, chunk, count)))
        return jnp.reshape(loss, (-1,))[:rows], jnp.reshape(log_z, (-1,))[:rows]

    @jax.custom_vjp
    def chunked(hidden, weight, bias, labels, class_weight, traced):
        return forward(hidden, weight, bias, labels, class_weight, traced)[0]

    def chunked_forward(hidden, weight, bias, labels, class_weight, traced):
        loss, log_z = forward(hidden, weight, bias, labels, class_weight, traced)
        return loss, (hidden, weight, bias, labels, class_weight, traced, log_z)

    def chunked_backward(saved, upstream):
        hidden, weight, bias, labels, class_weight, traced, log_z = saved
        label_smoothing, z_loss, softcap = options(traced)

        def step(carry, chunk_inputs):
            weight_gradient, bias_gradient = carry
            rows_, labels_, log_z_, upstream_ = chunk_inputs
            logit_gradient = linear.chunk_logit_gradient(
                jnp, _logits(rows_, weight, bias), labels_, log_z_, upstream_, class_weight, label_smoothing,
                z_loss, softcap,
            )
            weight_gradient = weight_gradient + jnp.matmul(logit_gradient.T, rows_)
            if bias is not None:
                bias_gradient = bias_gradient + jnp.sum(logit_gradient, axis=0)
            return (weight_gradient, bias_gradient), jnp.matmul(logit_gradient, weight)

        start = (jnp.zeros_like(weight), None if bias is None else jnp.zeros_like(bias))
        sequences = tuple(_in_chunks(x, chunk, count) for x in (hidden, labels, log_z, upstream))
        (weight_gradient, bias_gradient), hidden_gradient = jax.lax.scan(step, start, sequences)
        hidden_gradient = jnp.reshape(hidden_gradient, (-1, hidden.shape[1]))[:rows]
        return hidden_gradient, weight_gradient, bias_gradient, None, None, tuple(None for _ in traced)

    chunked.defvjp(chunked_forward, chunked_backward)
    return chunked


def linear_cross_entropy(
    hidden: Any, weight: Any, labels: Any, bias: Any, class_weight: Any, label_smoothing: Any, z_loss: Any,
    softcap: Any, chunk_size: int | None,
) -> Any:
    """:meth:`lossx.kernels.Kernels.linear_cross_entropy` by a ``jax.custom_vjp`` over chunks of rows."""
    rows = hidden.shape[0]
    if not rows:
        return jnp.sum(_logits(hidden, weight, bias), axis=-1)
    numbers = (label_smoothing, z_loss, softcap)
    fixed = tuple(value if generic.is_number(value) else _TRACED for value in numbers)
    traced = tuple(value for value in numbers if not generic.is_number(value))
    chunk = linear.chunk_rows(rows, weight.shape[0], chunk_size)
    return _chunked(fixed, chunk, rows)(hidden, weight, bias, labels, class_weight, traced)
