"""Value and gradient of a loss with respect to its prediction, one function per framework, NumPy in and out.

An adapter-side module: each function imports its framework when called, so importing
this module imports none. ``function`` maps an array of points (the framework's
float64 array) to the loss at each point (``reduction="none"``); each function returns
those values and, with ``grad``, the gradient of their sum with respect to the points:
each point's own derivative, since a point's value depends on that point only. Both are
NumPy float64 arrays; the gradient is None without ``grad``, and zero where the loss does
not depend on the points. At a kink the framework's own subgradient is returned.
:mod:`lossx._curves` differentiates its curves with these.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

__all__ = ["VALUE_AND_GRADIENT", "jax_value_and_gradient", "tensorflow_value_and_gradient",
           "torch_value_and_gradient"]


def torch_value_and_gradient(function: Callable[[Any], Any], x: np.ndarray,
                             grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """``function`` at ``x`` and its gradient, by ``torch.autograd`` in float64."""
    import torch

    tensor = torch.tensor(x, dtype=torch.float64, requires_grad=grad)
    values = function(tensor)
    if not grad:
        return values.detach().numpy(), None
    if not values.requires_grad:  # a loss that does not depend on x here (everything ignored)
        return values.detach().numpy(), np.zeros_like(x)
    (derivative,) = torch.autograd.grad(values.sum(), tensor, allow_unused=True)
    return values.detach().numpy(), np.zeros_like(x) if derivative is None else derivative.numpy()


def jax_value_and_gradient(function: Callable[[Any], Any], x: np.ndarray,
                           grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """``function`` at ``x`` and its gradient, by ``jax.vjp`` in float64."""
    import jax
    import jax.numpy as jnp

    # float64 within this call only: the user's own JAX setting stays as it is.
    with jax.enable_x64(True):
        array = jnp.asarray(x, dtype=jnp.float64)
        if not grad:
            return np.asarray(function(array), dtype=np.float64), None
        values, pullback = jax.vjp(function, array)
        (derivative,) = pullback(jnp.ones_like(values))
        return np.asarray(values, dtype=np.float64), np.asarray(derivative, dtype=np.float64)


def tensorflow_value_and_gradient(function: Callable[[Any], Any], x: np.ndarray,
                                  grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """``function`` at ``x`` and its gradient, by ``tf.GradientTape`` in float64."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tensor = tf.constant(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        values = function(tensor)
    if not grad:
        return np.asarray(values, dtype=np.float64), None
    derivative = tape.gradient(values, tensor)  # of the sum of the values: each point's own derivative
    return np.asarray(values, dtype=np.float64), np.zeros_like(x) if derivative is None else np.asarray(derivative)


#: The function of each framework, by the backend name lossx.curves takes.
VALUE_AND_GRADIENT: dict[str, Callable[[Callable[[Any], Any], np.ndarray, bool],
                                       tuple[np.ndarray, np.ndarray | None]]] = {
    "torch": torch_value_and_gradient,
    "jax": jax_value_and_gradient,
    "tensorflow": tensorflow_value_and_gradient,
}
