"""TensorFlow's linear cross-entropy: the chunk loop of :mod:`lossx.kernels.linear` under ``tf.custom_gradient``.

The rows are padded to whole chunks, whose count may be known only when the graph runs (a
Keras model's batch axis). The forward pass is a ``tf.map_fn`` that keeps each row's
``log Z``; the backward pass a ``tf.while_loop`` that recomputes one chunk's logits at a time
and carries the weight's and bias's gradients. Both run one chunk at a time
(``parallel_iterations=1``): TensorFlow would otherwise run several chunks at once, each with
its (chunk, V) arrays.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from . import linear
from . import tensorflow_namespace as tnp

__all__ = ["linear_cross_entropy"]


def _logits(hidden: Any, weight: Any, bias: Any) -> Any:
    logits = tf.linalg.matmul(hidden, weight, transpose_b=True)
    return logits if bias is None else logits + bias


def _in_chunks(x: Any, chunk: int, count: Any) -> Any:
    padding = count * chunk - tf.shape(x)[0]
    x = tf.pad(x, [[0, padding]] + [[0, 0]] * (len(x.shape) - 1))
    return tf.reshape(x, tf.concat([[count, chunk], tf.shape(x)[1:]], axis=0))


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
    """:meth:`lossx.kernels.Kernels.linear_cross_entropy` by a ``tf.custom_gradient`` over chunks of rows."""
    static_rows = hidden.shape[0]
    if static_rows == 0:
        return tf.reduce_sum(_logits(hidden, weight, bias), axis=-1)
    chunk = linear.chunk_rows(static_rows or 2**62, weight.shape[0], chunk_size)
    rows = tf.shape(hidden)[0]
    count = (rows + chunk - 1) // chunk
    chunked_labels = _in_chunks(labels, chunk, count)
    options = (class_weight, label_smoothing, z_loss, softcap)

    def forward(hidden_, weight_, bias_):
        def one(chunk_inputs):
            rows_, labels_ = chunk_inputs
            return linear.chunk_loss(tnp, _logits(rows_, weight_, bias_), labels_, *options)

        loss, log_z = tf.map_fn(
            one,
            (_in_chunks(hidden_, chunk, count), chunked_labels),
            parallel_iterations=1,
            fn_output_signature=(hidden_.dtype, hidden_.dtype),
        )
        return tf.reshape(loss, [-1])[:rows], tf.reshape(log_z, [-1])[:rows]

    def backward(hidden_, weight_, bias_, log_z, upstream):
        sequences = [_in_chunks(x, chunk, count) for x in (hidden_, log_z, upstream)]
        hidden_parts = tf.TensorArray(hidden_.dtype, size=count, element_shape=[chunk, hidden_.shape[1]])

        def step(index, weight_gradient, bias_gradient, parts):
            rows_, log_z_, upstream_ = (x[index] for x in sequences)
            labels_ = chunked_labels[index]
            coefficients = linear.row_coefficients(
                tnp,
                labels_,
                log_z_,
                upstream_,
                class_weight,
                label_smoothing,
                z_loss,
                weight_.shape[0],
            )
            logit_gradient = linear.chunk_logit_gradient(
                tnp,
                _logits(rows_, weight_, bias_),
                labels_,
                log_z_,
                coefficients,
                class_weight,
                softcap,
            )
            weight_gradient += tf.linalg.matmul(logit_gradient, rows_, transpose_a=True)
            bias_gradient += tf.reduce_sum(logit_gradient, axis=0)
            return (
                index + 1,
                weight_gradient,
                bias_gradient,
                parts.write(index, tf.linalg.matmul(logit_gradient, weight_)),
            )

        bias_start = tf.zeros_like(weight_[:, 0]) if bias_ is None else tf.zeros_like(bias_)
        _, weight_gradient, bias_gradient, parts = tf.while_loop(
            lambda index, *_: index < count,
            step,
            (tf.constant(0), tf.zeros_like(weight_), bias_start, hidden_parts),
            parallel_iterations=1,
        )
        return tf.reshape(parts.stack(), [-1, hidden_.shape[1]])[:rows], weight_gradient, bias_gradient

    if bias is None:

        @tf.custom_gradient
        def without_bias(hidden_, weight_):
            loss, log_z = forward(hidden_, weight_, None)
            return loss, lambda upstream: backward(hidden_, weight_, None, log_z, upstream)[:2]

        return without_bias(hidden, weight)

    @tf.custom_gradient
    def with_bias(hidden_, weight_, bias_):
        loss, log_z = forward(hidden_, weight_, bias_)
        return loss, lambda upstream: backward(hidden_, weight_, bias_, log_z, upstream)

    return with_bias(hidden, weight, bias)
