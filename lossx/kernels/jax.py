"""JAX's kernels: closed-form JVPs where autodiff of the generic form runs slowly under XLA, and jax.nn's own.

Each ``jax.custom_jvp`` here computes the value of the generic formula
(:mod:`lossx.kernels.generic`) and gives its tangent in closed form, so forward mode,
reverse mode and higher derivatives keep working, and a non-differentiated input (the
usual target) costs nothing: its tangent stays a symbolic zero. JAX has no fused
loss-and-reduction kernels: XLA fuses a loss and its reduction itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from .._errors import DistributedError
from . import generic
from .jax_linear import linear_cross_entropy


def _sharpened_parts(logits: Any, axis: int) -> tuple:
    """generic.sharpened of jax.nn.log_softmax, with its mask and the sum of the other probabilities.

    The mask and sum are kept for the slopes below: XLA:CPU runs each further masked
    reduction over (N, C) as a pass of its own, so recomputing them would cost passes.
    """
    log_p = jax.nn.log_softmax(logits, axis=axis)
    dominant = log_p > generic.LOG_HALF
    others = jnp.sum(jnp.where(dominant, 0.0, jnp.exp(log_p)), axis=axis, keepdims=True)
    return jnp.where(dominant, jnp.log1p(-jnp.minimum(others, 0.5)), log_p), dominant, others


def _soft_cross_entropy_value(logits: Any, target: Any, axis: int) -> Any:
    return -jnp.sum(generic.times_log(jnp, target, _sharpened_parts(logits, axis)[0]), axis=axis)


def _soft_cross_entropy_jvp(axis: int, primals: tuple, tangents: tuple) -> tuple:
    """Soft-target cross-entropy ``−Σ_c t_c·log_softmax(x)_c`` with its JVP in closed form.

    Autodiff of the composed form (log-softmax, the ``where`` that keeps ``0·(−inf)``
    out, the sum) ran several times slower than optax's NaN-prone ``−Σ t·log_softmax(x)``
    under jit on CPU; the closed form ``d = Σ_c (q_c·dx_c − log p_c·dt_c)``, with
    ``q = p·Σt − t`` (at a dominant class ``p·(Σt − t) − t·(1 − p)``, with ``1 − p`` the sum
    of the other probabilities), gives the same values and derivatives at optax's cost.
    """
    logits, target = primals
    d_logits, d_target = tangents
    log_p, dominant, others = _sharpened_parts(logits, axis)
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


_soft_cross_entropy = jax.custom_jvp(_soft_cross_entropy_value, nondiff_argnums=(2,))
_soft_cross_entropy.defjvp(_soft_cross_entropy_jvp, symbolic_zeros=True)


def softmax_cross_entropy_soft(logits: Any, target: Any, axis: int) -> Any:
    if target.shape != logits.shape:
        logits, target = jnp.broadcast_arrays(logits, target)
    return _soft_cross_entropy(logits, target, axis)


def _relative_entropy_value(target: Any, log_q: Any, axis: int) -> Any:
    return jnp.sum(jnp.where(target == 0, 0.0, target * (jnp.log(target) - log_q)), axis=axis)


def _relative_entropy_jvp(axis: int, primals: tuple, tangents: tuple) -> tuple:
    """``Σ_c t_c·(log t_c − log q_c)`` (0 where ``t_c = 0``) with its JVP in closed form.

    The value is one `where` over the finished term, ``where(t = 0, 0, t·(log t − log q))``,
    which XLA fuses into the sum; the composed form's two stand-ins (needed so that
    autodiff does not meet ``0·inf``) each cost XLA:CPU a separate pass and an (N, C)
    buffer. Here autodiff never sees the value's form: the tangent is
    ``Σ_c (−t_c·d log q_c + [t_c ≠ 0]·(log t_c + 1 − log q_c)·dt_c)``, and a target that is
    not differentiated costs nothing (symbolic zero).
    """
    target, log_q = primals
    d_target, d_log_q = tangents
    out = _relative_entropy_value(target, log_q, axis)
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


_relative_entropy = jax.custom_jvp(_relative_entropy_value, nondiff_argnums=(2,))
_relative_entropy.defjvp(_relative_entropy_jvp, symbolic_zeros=True)


def relative_entropy(target: Any, log_q: Any, axis: int) -> Any:
    if target.shape != log_q.shape:
        target, log_q = jnp.broadcast_arrays(target, log_q)
    return _relative_entropy(target, log_q, axis)


def _log_softmax_value(logits: Any, axis: int) -> Any:
    return _sharpened_parts(logits, axis)[0]


def _log_softmax_jvp(axis: int, primals: tuple, tangents: tuple) -> tuple:
    """The sharpened log-softmax (generic.sharpened) with its JVP in closed form.

    Autodiff of the sharpened form is accurate but XLA:CPU runs its extra masked sum and
    `where` slowly (sparse cross-entropy through it several times the plain form's time).
    The JVP ``d log p = dx − Σ_c p_c·dx_c`` is written so that its transpose, the gradient,
    never rounds ``1 − p`` at the dominant class ``k``: there it is
    ``(1 − p_k)·dx_k − Σ_{c≠k} p_c·dx_c`` with ``1 − p_k`` the sum of the other probabilities,
    elsewhere ``dx_c − p_k·dx_k − Σ_{c≠k} p_c·dx_c``.
    """
    (logits,), (d_logits,) = primals, tangents
    log_p, dominant, others = _sharpened_parts(logits, axis)
    p = jnp.exp(log_p)
    rest = jnp.sum(jnp.where(dominant, 0.0, p * d_logits), axis=axis, keepdims=True)  # Σ_{c≠k} p_c·dx_c
    d_top = jnp.sum(jnp.where(dominant, d_logits, 0.0), axis=axis, keepdims=True)  # dx_k (0 without a k)
    p_top = jnp.sum(jnp.where(dominant, p, 0.0), axis=axis, keepdims=True)
    return log_p, jnp.where(dominant, others * d_logits - rest, d_logits - p_top * d_top - rest)


_log_softmax = jax.custom_jvp(_log_softmax_value, nondiff_argnums=(1,))
_log_softmax.defjvp(_log_softmax_jvp)


def log_softmax(x: Any, axis: int) -> Any:
    return _log_softmax(x, axis)


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


def logsumexp(x: Any, axis: int, keepdims: bool) -> Any:
    return jax.nn.logsumexp(x, axis=axis, keepdims=keepdims)


def softmax(x: Any, axis: int) -> Any:
    return jax.nn.softmax(x, axis=axis)


def stop_gradient(x: Any) -> Any:
    return jax.lax.stop_gradient(x)


def softplus(x: Any) -> Any:
    return jax.nn.softplus(x)


def log_sigmoid(x: Any) -> Any:
    return jax.nn.log_sigmoid(x)


def one_hot(labels: Any, num_classes: int, dtype: Any) -> Any:
    return jax.nn.one_hot(labels, num_classes, dtype=dtype)


def take_along_axis(x: Any, indices: Any, axis: int) -> Any:
    return jnp.take_along_axis(x, indices, axis=axis)


def gather(vector: Any, indices: Any) -> Any:
    sharding = getattr(jax.typeof(indices), "sharding", None)
    if sharding is not None and jax.sharding.AxisType.Explicit in sharding.mesh.axis_types:
        # Under explicit sharding (jax.make_mesh's default) JAX cannot choose where the picked
        # class weights live, and refuses the gather: they are laid out as the labels are.
        return vector.at[indices].get(out_sharding=sharding)
    return jnp.take(vector, indices, axis=0)


@functools.cache
def _scan_body(step: Callable[..., Any], collect: bool) -> Callable[..., Any]:
    # One body per step function: the constants travel in the carry rather than in a closure, so
    # JAX reuses its traced and compiled loop between eager calls instead of compiling it anew.
    def body(carried: tuple, current: tuple) -> tuple:
        alpha, constants = carried
        alpha = step(jnp, alpha, *constants, *current)
        return (alpha, constants), alpha if collect else None

    return body


def fold(step: Callable[..., Any], alpha: Any, constants: tuple, sequences: tuple, steps: Any, collect: bool) -> Any:
    # lax.scan, not an unrolled loop: XLA's compile time grows quadratically with an unrolled
    # recursion. It differentiates as the loop; its stacked outputs are every step's alpha.
    (alpha, _), every = jax.lax.scan(_scan_body(step, collect), (alpha, constants), sequences)
    return (alpha, every) if collect else alpha


# ---------------------------------------------------------------- services


def is_eager(x: Any) -> bool:
    return not isinstance(x, jax.core.Tracer)


def to_numpy(x: Any) -> Any:
    return np.asarray(x)


def from_numpy(array: Any) -> Any:
    return jnp.asarray(array)


def across(numerator: Any, denominator: Any, group: Any, loss: str) -> tuple:
    """Both sums over the axis ``group`` of the enclosing ``shard_map`` or ``pmap``, in one ``psum``.

    Every device then holds the global mean. Its gradient is JAX's own: exact per device
    under ``shard_map``, and under ``pmap`` (where psum's transpose is a psum) such that the
    ``pmean`` of the parameters' gradients, the usual data-parallel step, is the global one.
    """
    if not isinstance(group, (str, tuple)):
        raise DistributedError(
            f"{loss}: mean_across={group!r}: for JAX arrays give the axis name of the enclosing jax.shard_map or "
            "jax.pmap (a string, or a tuple of names)."
        )
    try:
        for name in group if isinstance(group, tuple) else (group,):
            jax.lax.axis_size(name)  # psum fails on an unknown name by an assertion inside shard_map
    except NameError as error:
        raise DistributedError(
            f"{loss}: mean_across={group!r} is not an axis name bound here ({error}). Call the loss inside "
            f"jax.shard_map over a mesh with an axis {group!r}, or jax.pmap(..., axis_name={group!r}). Under "
            "jax.jit on globally sharded arrays the plain mean is already global: drop mean_across."
        ) from None
    return jax.lax.psum((numerator, jax.lax.stop_gradient(denominator)), group)


def value_and_gradient(function: Callable[..., Any], inputs: Sequence[Any], compiled: bool) -> tuple:
    jax.config.update("jax_enable_x64", True)
    others = [jnp.asarray(x) for x in inputs[1:]]

    def total(prediction: Any) -> tuple:
        value = function(prediction, *others)
        return jnp.sum(value), value

    differentiated = jax.value_and_grad(total, has_aux=True)
    (_, value), gradient = (jax.jit(differentiated) if compiled else differentiated)(jnp.asarray(inputs[0]))
    return np.asarray(value, dtype=np.float64), np.asarray(gradient, dtype=np.float64)


def value_and_derivative(function: Callable[[Any], Any], x: Any, grad: bool) -> tuple:
    """``function`` at the NumPy points ``x`` and, with ``grad``, each point's derivative, by ``jax.vjp`` in float64."""
    # float64 within this call only: the user's own JAX setting stays as it is.
    with jax.enable_x64(True):
        array = jnp.asarray(x, dtype=jnp.float64)
        if not grad:
            return np.asarray(function(array), dtype=np.float64), None
        values, pullback = jax.vjp(function, array)
        (derivative,) = pullback(jnp.ones_like(values))
        return np.asarray(values, dtype=np.float64), np.asarray(derivative, dtype=np.float64)


# log_cosh is the generic formula, differentiated by autodiff, which XLA fuses whole: a custom_jvp
# or custom_vjp with tanh(e) kept two (N, C) arrays for the backward, as XLA does not fuse across
# their boundary.
KERNELS: dict[str, Callable[..., Any]] = {
    "extrema": extrema,
    "softmax_cross_entropy_soft": softmax_cross_entropy_soft,
    "relative_entropy": relative_entropy,
    "logsumexp": logsumexp,
    "log_softmax": log_softmax,
    "softmax": softmax,
    "stop_gradient": stop_gradient,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "one_hot": one_hot,
    "take_along_axis": take_along_axis,
    "gather": gather,
    "fold": fold,
    "linear_cross_entropy": linear_cross_entropy,
}
FUSED: dict[str, Callable[..., Any]] = {}
