"""JAX adapter: pure functions that work under ``jax.jit``, ``jax.grad`` and ``jax.vmap``.

Options are Python values, closed over or passed as static arguments; the callable
objects (``lossx.backends.jax.Huber(delta=2.0)``) are hashable and compare by
options, so they can themselves be static arguments of a jitted function.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .._registry import LossSpec, loss_function
from ._generate import FrozenLoss, class_doc, lazy_module


def _as_jax(value: Any) -> Any:
    if value is None or isinstance(value, jnp.ndarray):
        return value
    return jnp.asarray(value)


def _run(spec: LossSpec, inputs, options, reduction, sample_weight, mask) -> Any:
    return spec.compute(tuple(map(_as_jax, inputs)), options, reduction, _as_jax(sample_weight), _as_jax(mask))


class JaxLoss(FrozenLoss):
    """Base of the generated JAX loss objects."""

    run = staticmethod(_run)


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (JaxLoss,), {"spec": spec, "__doc__": class_doc(spec, "JAX")})


__getattr__, __dir__ = lazy_module(globals(), lambda spec: loss_function(spec, _run), _make_class)
