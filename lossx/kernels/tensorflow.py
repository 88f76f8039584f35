"""TensorFlow's kernels: gradients in closed form (``tf.custom_gradient``) and tf.nn's own.

The gradient tape walks back through every operation of a composed form; where that
walk is long (the ``where``s that keep ``0·(−inf)`` out, the capped quadratic of Huber)
these kernels give the generic formula's value (:mod:`lossx.kernels.generic`) with its
gradient in closed form. The namespace they run in is
:mod:`lossx.kernels.tensorflow_namespace`. TensorFlow has no fused loss-and-reduction
kernels that lossx uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from .._errors import DistributedError
from . import generic, tensorflow_namespace
from .tensorflow_linear import linear_cross_entropy


def _same_shape(first: Any, second: Any) -> tuple:
    """Both tensors broadcast to one shape (untouched where their static shapes are equal).

    ``tf.custom_gradient`` needs gradients of its inputs' shapes, and TensorFlow's loss ops
    refuse static shapes that differ.
    """
    if first.shape.is_fully_defined() and first.shape == second.shape:
        return first, second
    shape = tf.broadcast_dynamic_shape(tf.shape(first), tf.shape(second))
    return tf.broadcast_to(first, shape), tf.broadcast_to(second, shape)


def _per_constant(build: Callable[[Any], Callable[..., Any]]) -> Callable[..., Any]:
    """``call(first, second, constant)``: both broadcast to one shape, then ``build(constant)(first, second)``.

    ``tf.custom_gradient`` functions take tensors only, so a Python constant (an axis, a
    threshold) is closed over: one function per value, built when first asked for.
    """
    by_constant: dict[Any, Callable[..., Any]] = {}

    def call(first: Any, second: Any, constant: Any) -> Any:
        if constant not in by_constant:
            by_constant[constant] = build(constant)
        return by_constant[constant](*_same_shape(first, second))

    return call


def _soft_cross_entropy() -> Callable[..., Any]:
    """Soft-target cross-entropy with its gradients in closed form (``tf.custom_gradient``).

    As for torch and JAX: ``∂/∂x = g·(softmax(x)·Σ_c t_c − t)`` and ``∂/∂t = −g·log p``
    (0 where ``t = 0`` and ``log p = −inf``), in place of the gradient tape's walk through
    log-softmax and the ``where`` that keeps ``0·(−inf)`` out (slower than Keras's fused
    ``softmax_cross_entropy_with_logits``, which gives NaN for a −inf logit).
    """

    def build(axis: int) -> Callable[..., Any]:
        @tf.custom_gradient
        def cross_entropy(logits: Any, target: Any) -> Any:
            # _sharpened, keeping its mask, probabilities and sum for the slope
            # instead of recomputing them in the backward (the slope: see the JAX kernel).
            log_p = tf.nn.log_softmax(logits, axis=axis)
            dominant = log_p > generic.LOG_HALF
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

    return _per_constant(build)


def _relative_entropy() -> Callable[..., Any]:
    """``Σ_c t_c·(log t_c − log q_c)`` (0 where ``t_c = 0``) with its gradients in closed form
    (``tf.custom_gradient``): ``∂/∂log q = −g·t``, ``∂/∂t = g·(log t + 1 − log q)`` where
    ``t ≠ 0`` and 0 elsewhere, as for torch."""

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

    return _per_constant(build)


def _capped_quadratic(smooth_l1: bool) -> Callable[..., Any]:
    """Huber (``smooth_l1=False``) or smooth L1 with the derivative in closed form (``tf.custom_gradient``).

    The value is the generic form's, ``½q² + δ(|e| − q)`` (smooth L1: ``½q²/β + (|e| − q)``)
    with ``q = min(|e|, δ)``; ``∂/∂y_pred = clip(e, −δ, δ)`` (smooth L1: divided by β) and
    ``∂/∂y_true`` its negative, the generic form's gradient everywhere (at ``|e| = δ``
    ``tf.minimum`` passes it to ``|e|``). The tape's walk through the composed form took some
    ten operations a call, Keras's own Huber about as many.
    """

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

    return _per_constant(build)


def _log_cosh() -> Callable[..., Any]:
    """Log-cosh with the derivative ``tanh(e)`` in closed form (``tf.custom_gradient``), where
    the tape walked back through the absolute value, the softplus and the sums."""

    @tf.custom_gradient
    def log_cosh(y_pred: Any, y_true: Any) -> Any:
        error = y_pred - y_true
        magnitude = tf.abs(error)

        def gradient(upstream: Any) -> tuple:
            grad = upstream * tf.tanh(error)
            return grad, -grad

        return generic.log_cosh_value(tensorflow_namespace, magnitude, tf.math.softplus), gradient

    return lambda y_pred, y_true: log_cosh(*_same_shape(y_pred, y_true))


def _times_log(log: Callable[..., Any], singular: float, stand_in: float) -> Callable[..., Any]:
    """``x·log(y)`` (``log`` = log or log1p, singular at ``y = singular``) with ``0·log(singular) = 0``
    and its gradients in closed form: ``∂/∂x = log y``, ``∂/∂y = x·log′(y)``, both 0 where ``x = 0``
    and ``y = singular``, the generic form's values (the tape's walk through its ``where`` takes
    twice the operations)."""

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
        if not isinstance(x, tf.Tensor):  # a variable or a number (converting a tensor costs an eager call)
            x = tf.convert_to_tensor(x, dtype=y.dtype)
        return times_log(*_same_shape(x, y))

    return call


_soft_cross_entropy_per_axis = _soft_cross_entropy()
_relative_entropy_per_axis = _relative_entropy()
_huber_per_delta = _capped_quadratic(smooth_l1=False)
_smooth_l1_per_beta = _capped_quadratic(smooth_l1=True)
log_cosh = _log_cosh()
xlogy = _times_log(tf.math.log, 0.0, 1.0)
xlog1py = _times_log(tf.math.log1p, -1.0, 0.0)


def softmax_cross_entropy_soft(logits: Any, target: Any, axis: int) -> Any:
    return _soft_cross_entropy_per_axis(logits, target, axis)


def relative_entropy(target: Any, log_q: Any, axis: int) -> Any:
    return _relative_entropy_per_axis(target, log_q, axis)


def huber(y_pred: Any, y_true: Any, delta: Any) -> Any:
    return _huber_per_delta(y_pred, y_true, delta)


def smooth_l1(y_pred: Any, y_true: Any, beta: Any) -> Any:
    return _smooth_l1_per_beta(y_pred, y_true, beta)


def sigmoid_cross_entropy(logits: Any, target: Any, pos_weight: Any) -> Any:
    if pos_weight is None:
        # TensorFlow's own composition of the generic form's non-negative terms,
        # (max(x, 0) − x·t) + log1p(e^−|x|), with −|x| and max(x, 0) from one `where`
        # (so its gradient at 0 is right too): about half the generic form's eager operations.
        logits, target = _same_shape(logits, target)
        return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits)
    # Not weighted_cross_entropy_with_logits: its (1 − t)·x + (1 + (w − 1)·t)·softplus(−x)
    # cancels where the loss is tiny, and its gradient at x = 0 takes |x|'s subgradient 0.
    return generic.sigmoid_cross_entropy(tensorflow_namespace, logits, target, pos_weight)


def squared_error(y_pred: Any, y_true: Any) -> Any:
    # tf.square's gradient is one multiplication (2·e·g), a product's two and their sum.
    return tf.square(y_pred - y_true)


def logsumexp(x: Any, axis: int, keepdims: bool) -> Any:
    return tf.reduce_logsumexp(x, axis=axis, keepdims=keepdims)


def log_softmax(x: Any, axis: int) -> Any:
    return generic.sharpened(tensorflow_namespace, tf.nn.log_softmax(x, axis=axis), axis)


def softmax(x: Any, axis: int) -> Any:
    return tf.nn.softmax(x, axis=axis)


def stop_gradient(x: Any) -> Any:
    return tf.stop_gradient(x)


def sigmoid(x: Any) -> Any:
    return tf.math.sigmoid(x)


def softplus(x: Any) -> Any:
    return tf.math.softplus(x)


def log_sigmoid(x: Any) -> Any:
    return tf.math.log_sigmoid(x)


def at_least(x: Any, floor: Any) -> Any:
    # A scalar floor saves an array of it; the gradient at a tie is tf.maximum's either way.
    return tf.maximum(x, floor)


def one_hot(labels: Any, num_classes: int, dtype: Any) -> Any:
    return tf.one_hot(labels, num_classes, dtype=dtype)


def gather(vector: Any, indices: Any) -> Any:
    return tf.gather(vector, indices)


def size(x: Any, axis: int) -> Any:
    static = x.shape[axis]
    return static if static is not None else tf.shape(x)[axis]


def fold(step: Callable[..., Any], alpha: Any, constants: tuple, sequences: tuple, steps: Any, collect: bool) -> Any:
    # tf.foldl (tf.scan to collect), a while loop: XLA's compile time grows quadratically with an
    # unrolled recursion, and a graph may leave the number of steps unknown. It differentiates as the loop.
    if not collect:
        return tf.foldl(_fold_body(step), sequences, initializer=(alpha, constants))[0]
    # tf.scan stacks its whole carry: the constants come in by closure, so that only alpha is stacked.
    every = tf.scan(
        lambda previous, current: step(tensorflow_namespace, previous, *constants, *current),
        sequences,
        initializer=alpha,
    )
    # The last step's alpha, or the initial one after no step (a graph may not know which).
    return tf.concat([alpha[tf.newaxis], every[-1:]], axis=0)[-1], every


_FOLD_BODIES: dict[Callable[..., Any], Callable[..., Any]] = {}


def _fold_body(step: Callable[..., Any]) -> Callable[..., Any]:
    # One body per step function, so a traced function sees the same body on every call.
    body = _FOLD_BODIES.get(step)
    if body is None:

        def body(carried: tuple, current: tuple) -> tuple:
            alpha, constants = carried
            return step(tensorflow_namespace, alpha, *constants, *current), constants

        _FOLD_BODIES[step] = body
    return body


# ---------------------------------------------------------------- services


def is_eager(x: Any) -> bool:
    return tf.executing_eagerly()


def to_numpy(x: Any) -> Any:
    return x.numpy()


def from_numpy(array: Any) -> Any:
    return tf.constant(array)


def across(numerator: Any, denominator: Any, group: Any, loss: str) -> tuple:
    """Each replica's share of the mean: its numerator over the denominator summed across replicas.

    The strategies sum the replicas' gradients (and ``strategy.reduce(SUM, ...)`` their
    values), as ``tf.nn.compute_average_loss`` expects, so the shares add up to the global mean.
    """
    if group != "replicas":
        raise DistributedError(
            f"{loss}: mean_across={group!r}: for TensorFlow tensors mean_across takes 'replicas', the replicas "
            "of the enclosing tf.distribute strategy."
        )
    if not tf.distribute.has_strategy() or tf.distribute.in_cross_replica_context():
        raise DistributedError(
            f"{loss}: mean_across='replicas' needs a tf.distribute replica context: call the loss inside "
            "strategy.run(...) (model.fit under strategy.scope() does). Outside a strategy the mean is already "
            "global: drop mean_across."
        )
    context = tf.distribute.get_replica_context()
    return numerator, context.all_reduce(tf.distribute.ReduceOp.SUM, tf.stop_gradient(denominator))


def value_and_gradient(function: Callable[..., Any], inputs: Sequence[Any], compiled: bool) -> tuple:
    # Each compared case traces a new function on purpose; the retracing warning is noise.
    tf.get_logger().setLevel("ERROR")

    def taped(prediction: Any, *others: Any) -> tuple:
        with tf.GradientTape() as tape:
            tape.watch(prediction)
            value = function(prediction, *others)
            total = tf.reduce_sum(value)
        return value, tape.gradient(total, prediction)

    run = tf.function(taped, jit_compile=True) if compiled else taped
    value, gradient = run(*(tf.constant(x) for x in inputs))
    return np.asarray(value, dtype=np.float64), np.asarray(gradient, dtype=np.float64)


def value_and_derivative(function: Callable[[Any], Any], x: Any, grad: bool) -> tuple:
    """``function`` at the NumPy points ``x`` and, with ``grad``, each point's derivative, by ``tf.GradientTape`` in
    float64."""
    tensor = tf.constant(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        values = function(tensor)
    if not grad:
        return np.asarray(values, dtype=np.float64), None
    derivative = tape.gradient(values, tensor)  # of the sum of the values: each point's own derivative
    return np.asarray(values, dtype=np.float64), np.zeros_like(x) if derivative is None else np.asarray(derivative)


KERNELS: dict[str, Callable[..., Any]] = {
    "linear_cross_entropy": linear_cross_entropy,
    "sigmoid_cross_entropy": sigmoid_cross_entropy,
    "xlogy": xlogy,
    "xlog1py": xlog1py,
    "softmax_cross_entropy_soft": softmax_cross_entropy_soft,
    "relative_entropy": relative_entropy,
    "squared_error": squared_error,
    "huber": huber,
    "smooth_l1": smooth_l1,
    "log_cosh": log_cosh,
    "logsumexp": logsumexp,
    "log_softmax": log_softmax,
    "softmax": softmax,
    "stop_gradient": stop_gradient,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "at_least": at_least,
    "one_hot": one_hot,
    "gather": gather,
    "size": size,
    "fold": fold,
}
FUSED: dict[str, Callable[..., Any]] = {}
