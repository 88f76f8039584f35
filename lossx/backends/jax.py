"""JAX adapter: pure functions that work under ``jax.jit``, ``jax.grad`` and ``jax.vmap``.

Options are Python values, closed over or passed as static arguments; the callable
objects (``lossx.backends.jax.Huber(delta=2.0)``) are hashable and compare by
options, so they can themselves be static arguments of a jitted function.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from .._registry import LossSpec
from ._generate import class_doc, lazy_module, option_values_repr


def _as_jax(value: Any) -> Any:
    if value is None or isinstance(value, jnp.ndarray):
        return value
    return jnp.asarray(value)


def _hashable(options: dict[str, Any]) -> dict[str, Any]:
    """Options given as arrays become Python numbers or tuples, so the object can be hashed."""
    frozen = {}
    for name, value in options.items():
        if hasattr(value, "shape"):
            listed = np.asarray(value).tolist()
            value = tuple(listed) if isinstance(listed, list) else listed
        frozen[name] = value
    return frozen


class JaxLoss:
    """Base of the generated loss objects: frozen, hashable options."""

    spec: LossSpec

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        from .._reduction import check_reduction

        self.reduction = check_reduction(reduction)
        self.options = _hashable(self.spec.validate(options))

    def __call__(self, y_pred: Any, y_true: Any, sample_weight: Any = None, mask: Any = None) -> Any:
        return self.spec.compute(
            _as_jax(y_pred), _as_jax(y_true), self.options, self.reduction,
            _as_jax(sample_weight), _as_jax(mask),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({option_values_repr({**self.options, 'reduction': self.reduction})})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (other.options, other.reduction) == (self.options, self.reduction)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.options.items()), self.reduction))


def _make_function(spec: LossSpec) -> Any:
    def loss(y_pred, y_true, *, reduction="mean", sample_weight=None, mask=None, **options):
        return spec.compute(
            _as_jax(y_pred), _as_jax(y_true), spec.validate(options), reduction,
            _as_jax(sample_weight), _as_jax(mask),
        )

    return loss


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (JaxLoss,), {"spec": spec, "__doc__": class_doc(spec, "JAX")})


__getattr__, __dir__ = lazy_module(globals(), _make_function, _make_class)
