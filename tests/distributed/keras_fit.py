"""One ``model.fit`` step of the problem's linear classifier with lossx's Keras loss (the Keras workers' shared step).

Imported by the workers after they have set up Keras's engine and devices.
"""

from __future__ import annotations

import contextlib
from typing import Any

import keras
import numpy as np

import lossx.backends.keras as lossx_keras
from tests.distributed.problem import CLASSES, FEATURES, options


def fit_step(data: dict[str, np.ndarray], dtype: str, mean_across: Any, scope: Any = None) -> dict[str, Any]:
    """The loss ``fit`` logs and the gradient it applied (one SGD step of learning rate 1).

    The model is built and compiled in ``scope`` (a strategy's; None: the default one).
    """
    keras.config.set_floatx(dtype)
    with contextlib.nullcontext() if scope is None else scope:
        model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(CLASSES)])
        model.layers[0].set_weights([data["weight"].T, data["bias"]])
        loss = lossx_keras.SparseCategoricalCrossEntropy(mean_across=mean_across, **options(data))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss=loss)
    history = model.fit(
        data["x"].astype(dtype),
        data["labels"],
        sample_weight=data["sample_weight"].astype(dtype),
        batch_size=len(data["labels"]),
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    kernel, bias = model.layers[0].get_weights()
    return {"value": history.history["loss"][0], "weight": data["weight"] - kernel.T, "bias": data["bias"] - bias}
