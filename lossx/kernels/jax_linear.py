"""JAX's linear cross-entropy: the chunk loop of :mod:`lossx.kernels.linear` as a ``jax.custom_vjp``.

The forward pass is a ``lax.map`` over chunks of rows (padded to whole chunks) that keeps each
row's ``log Z``. The backward pass is a ``lax.scan`` over chunks of classes: each step
recomputes all rows' logits for its classes, adds to the hidden gradient it carries (N, H)
and puts out its slice of the weight's and bias's gradients. A scan that carried the (V, H)
weight gradient instead would have XLA hold a second copy of it. XLA then holds one chunk's
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


def _contract(a: Any, b: Any, axis_a: int, axis_b: int) -> Any:
    # dot_general over the named axes: ``weight.T`` would be a transposed copy of the weight,
    # which XLA hoists out of the loop and keeps.
    return jax.lax.dot_general(a, b, (((axis_a,), (axis_b,)), ((), ())))


def _logits(hidden: Any, weight: Any, bias: Any) -> Any:
    logits = _contract(hidden, weight, 1, 1)
    return logits if bias is None else logits + bias


def _in_chunks(x: Any, chunk: int, count: int) -> Any:
    padding = count * chunk - x.shape[0]
    if padding:
        x = jnp.pad(x, ((0, padding),) + ((0, 0),) * (x.ndim - 1))
    return jnp.reshape(x, (count, chunk, *x.shape[1:]))


@functools.lru_cache(maxsize=64)
def _chunked(fixed: tuple, chunk: int, columns: int, rows: int, num_classes: int) -> Any:
    count = -(-rows // chunk)
    column_count = -(-num_classes // columns)

    def options(traced: tuple) -> tuple:
        operands = iter(traced)
        return tuple(next(operands) if value is _TRACED else value for value in fixed)

    def forward(hidden, weight, bias, labels, class_weight, traced):
        label_smoothing, z_loss, softcap = options(traced)

        def one(chunk_inputs):
            rows_, labels_ = chunk_inputs
            return linear.chunk_loss(
                jnp,
                _logits(rows_, weight, bias),
                labels_,
                class_weight,
                label_smoothing,
                z_loss,
                softcap,
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
        num_classes = weight.shape[0]
        coefficients = linear.row_coefficients(
            jnp,
            labels,
            log_z,
            upstream,
            class_weight,
            label_smoothing,
            z_loss,
            num_classes,
        )

        def step(hidden_gradient, column_inputs):
            offset, weight_, bias_, class_weight_ = column_inputs
            logit_gradient = linear.chunk_logit_gradient(
                jnp,
                _logits(hidden, weight_, bias_),
                labels - offset,
                log_z,
                coefficients,
                class_weight_,
                softcap,
            )
            hidden_gradient = hidden_gradient + jnp.matmul(logit_gradient, weight_)
            bias_gradient = None if bias is None else jnp.sum(logit_gradient, axis=0)
            return hidden_gradient, (_contract(logit_gradient, hidden, 0, 0), bias_gradient)

        # Zero rows pad the weight to whole column chunks: their logits' gradients meet zero
        # weights in the hidden gradient, and their own gradients are dropped.
        offsets = jnp.arange(column_count, dtype=labels.dtype) * columns
        sequences = tuple(
            None if x is None else _in_chunks(x, columns, column_count) for x in (weight, bias, class_weight)
        )
        hidden_gradient, (weight_gradient, bias_gradient) = jax.lax.scan(
            step,
            jnp.zeros_like(hidden),
            (offsets, *sequences),
        )
        weight_gradient = jnp.reshape(weight_gradient, (-1, weight.shape[1]))[:num_classes]
        if bias is not None:
            bias_gradient = jnp.reshape(bias_gradient, (-1,))[:num_classes]
        return hidden_gradient, weight_gradient, bias_gradient, None, None, tuple(None for _ in traced)

    chunked.defvjp(chunked_forward, chunked_backward)
    return chunked


def linear_cross_entropy(
    hidden: Any,
    weight: Any,
    labels: Any,
    bias: Any,
    class_weight: Any,
    label_smoothing: Any,
    z_loss: Any,
    softcap: Any,
    chunk_size: int | None,
) -> Any:
    """:meth:`lossx.kernels.Kernels.linear_cross_entropy` by a ``jax.custom_vjp`` over chunks of rows."""
    rows = hidden.shape[0]
    if not rows:
        return jnp.sum(_logits(hidden, weight, bias), axis=-1)
    numbers = (label_smoothing, z_loss, softcap)
    fixed = tuple(value if generic.is_number(value) else _TRACED for value in numbers)
    traced = tuple(value for value in numbers if not generic.is_number(value))
    num_classes = weight.shape[0]
    chunk = linear.chunk_rows(rows, num_classes, chunk_size)
    columns = linear.chunk_columns(rows, num_classes, chunk_size)
    return _chunked(fixed, chunk, columns, rows, num_classes)(hidden, weight, bias, labels, class_weight, traced)
