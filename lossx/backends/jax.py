"""JAX adapter: pure functions that work under ``jax.jit``, ``jax.grad`` and ``jax.vmap``.

Options are Python values, closed over or passed as static arguments; the callable
objects (``lossx.backends.jax.Huber(delta=2.0)``) are hashable and compare by
options, so they can themselves be static arguments of a jitted function.
"""

from __future__ import annotations

from typing import Any

from .._config import missing_framework

try:
    import jax.numpy as jnp
except ImportError as error:
    raise missing_framework("jax", error) from error

from .._call import compute
from .._errors import MixedFrameworkError
from .._namespace import framework_name
from .._signatures import loss_function
from .._spec import LossSpec
from ..losses import linear as _linear
from ._generate import FrozenLoss, class_doc, lazy_module


def _as_jax(value: Any) -> Any:
    if value is None or isinstance(value, jnp.ndarray):
        return value
    framework = framework_name(value)
    if framework not in ("numpy", "python"):
        # jnp.asarray would copy a torch or TensorFlow tensor to the host, off its autograd graph.
        raise MixedFrameworkError(
            f"lossx.backends.jax takes JAX arrays (or NumPy arrays, lists and numbers); got a "
            f"{framework} array. Convert it with jnp.asarray, or call the array-generic "
            f"lossx.<loss> functions, which compute in the array's own framework."
        )
    return jnp.asarray(value)


def _run(spec: LossSpec, inputs, options, reduction, sample_weight, mask, total_weight=None, mean_across=None) -> Any:
    if total_weight is not None and not isinstance(total_weight, (int, float)):
        total_weight = _as_jax(total_weight)
    return compute(
        spec,
        tuple(map(_as_jax, inputs)),
        options,
        reduction,
        _as_jax(sample_weight),
        _as_jax(mask),
        total_weight=total_weight,
        mean_across=mean_across,
    )


class JaxLoss(FrozenLoss):
    """Base of the generated JAX loss objects."""

    run = staticmethod(_run)


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (JaxLoss,), {"spec": spec, "__doc__": class_doc(spec, "JAX")})


def linear_cross_entropy(hidden: Any, weight: Any, labels: Any, **named: Any) -> Any:
    """:func:`lossx.linear_cross_entropy` on JAX arrays: jittable, its gradient a ``jax.custom_vjp`` over chunks."""
    arrays = {name: _as_jax(value) if name in ("bias", "sample_weight") else value for name, value in named.items()}
    return _linear.linear_cross_entropy(_as_jax(hidden), _as_jax(weight), _as_jax(labels), **arrays)


__getattr__, __dir__ = lazy_module(
    globals(), lambda spec: loss_function(spec, _run), _make_class, exported=("JaxLoss", "linear_cross_entropy")
)
