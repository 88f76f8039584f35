"""The experiment's trainer on torch: the model, SGD with momentum, one thread.

An adapter-side module: lossx._experiment (``dependencies.trainer``) imports it when an
experiment on torch runs; nothing imports it eagerly, lossx.backends included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch


class Trainer:
    """relu(x·W1 + b1)·W2 + b2 from NumPy weights, trained by ``torch.optim.SGD`` on the given loss.

    Used as a context manager: inside, torch runs on one thread (a model this small is
    faster so, and on a busy machine several threads wait for each other); the previous
    setting is restored on leaving.
    """

    def __init__(
        self, weights: Sequence[np.ndarray], loss: Callable[[Any, Any], Any], learning_rate: float, momentum: float
    ) -> None:
        self._parameters = [torch.tensor(weight, requires_grad=True) for weight in weights]
        self._loss = loss
        self._optimizer = torch.optim.SGD(self._parameters, lr=learning_rate, momentum=momentum)
        self._threads = torch.get_num_threads()

    def __enter__(self) -> Trainer:
        self._threads = torch.get_num_threads()
        torch.set_num_threads(1)
        return self

    def __exit__(self, *exception: object) -> None:
        torch.set_num_threads(self._threads)

    def _outputs(self, x: torch.Tensor) -> torch.Tensor:
        w1, b1, w2, b2 = self._parameters
        return torch.relu(x @ w1 + b1) @ w2 + b2

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One update on the batch (x, y); returns the batch's loss before it."""
        self._optimizer.zero_grad()
        loss = self._loss(self._outputs(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        self._optimizer.step()
        return float(loss.detach())

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self._outputs(torch.from_numpy(x)).numpy()

    def weights(self) -> list[np.ndarray]:
        return [parameter.detach().numpy().copy() for parameter in self._parameters]
