"""The experiment's trainer on Keras 3, on whichever engine it runs.

An adapter-side module: lossx._experiment (``dependencies.trainer``) imports it when an
experiment on Keras runs; nothing imports it eagerly, lossx.backends included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np


class Trainer:
    """relu(x·W1 + b1)·W2 + b2 as two ``Dense`` layers set to the NumPy weights, ``keras.optimizers.SGD``.

    The loss is the generic lossx function on the engine's tensors, so its "mean" is lossx's
    weighted mean on every engine (a Keras loss's "sum_over_batch_size" would divide a
    class-weighted sum by the batch size instead). Keras hands the loss its targets cast
    to the predictions' float dtype and, when they are one value per sample, as a column;
    they are given back their own dtype (exactly: labels are small integers) and shape.
    """

    def __init__(
        self, weights: Sequence[np.ndarray], loss: Callable[[Any, Any], Any], learning_rate: float, momentum: float
    ) -> None:
        n_features, n_hidden = weights[0].shape
        self._model = keras.Sequential(
            [
                keras.Input((n_features,), dtype="float32"),
                keras.layers.Dense(n_hidden, activation="relu"),
                keras.layers.Dense(weights[2].shape[1]),
            ]
        )
        self._model.set_weights(list(weights))
        self._targets: tuple[str, int] | None = None

        def keras_loss(y_true: Any, y_pred: Any) -> Any:
            if self._targets is not None:
                dtype, rank = self._targets
                y_true = keras.ops.cast(y_true, dtype) if np.issubdtype(dtype, np.integer) else y_true
                y_true = keras.ops.reshape(y_true, (-1,)) if rank == 1 else y_true
            return loss(y_pred, y_true)

        self._model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum), loss=keras_loss
        )

    def __enter__(self) -> Trainer:
        return self

    def __exit__(self, *exception: object) -> None:
        return None

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One update on the batch (x, y); returns the batch's loss before it."""
        self._targets = self._targets or (y.dtype.name, y.ndim)
        return float(self._model.train_on_batch(x, y))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._model(x, training=False))

    def weights(self) -> list[np.ndarray]:
        return [np.asarray(weight) for weight in self._model.get_weights()]
