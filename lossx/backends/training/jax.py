"""The experiment's trainer on JAX: the model, optax's SGD with momentum, one jitted step.

An adapter-side module: lossx._experiment (``dependencies.trainer``) imports it when an
experiment on JAX runs; nothing imports it eagerly, lossx.backends included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax


def _outputs(parameters: Sequence[Any], x: Any) -> Any:
    w1, b1, w2, b2 = parameters
    return jax.nn.relu(x @ w1 + b1) @ w2 + b2


class Trainer:
    """relu(x·W1 + b1)·W2 + b2 from NumPy weights, trained by ``optax.sgd`` on the given loss under ``jax.jit``."""

    def __init__(
        self, weights: Sequence[np.ndarray], loss: Callable[[Any, Any], Any], learning_rate: float, momentum: float
    ) -> None:
        # float32 explicitly: the process may have enabled JAX's float64 mode.
        self._parameters = [jnp.asarray(weight, dtype=jnp.float32) for weight in weights]
        optimizer = optax.sgd(learning_rate, momentum=momentum)
        self._state = optimizer.init(self._parameters)

        def batch_loss(parameters: Sequence[Any], x: Any, y: Any) -> Any:
            return loss(_outputs(parameters, x), y)

        def step(parameters: Sequence[Any], state: Any, x: Any, y: Any) -> tuple:
            value, gradients = jax.value_and_grad(batch_loss)(parameters, x, y)
            updates, state = optimizer.update(gradients, state, parameters)
            return optax.apply_updates(parameters, updates), state, value

        self._step = jax.jit(step)
        self._predict = jax.jit(_outputs)

    def __enter__(self) -> Trainer:
        return self

    def __exit__(self, *exception: object) -> None:
        return None

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One update on the batch (x, y); returns the batch's loss before it."""
        self._parameters, self._state, value = self._step(self._parameters, self._state, x, y)
        return float(value)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._predict(self._parameters, x))

    def weights(self) -> list[np.ndarray]:
        return [np.asarray(parameter) for parameter in self._parameters]
