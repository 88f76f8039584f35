"""Keras's distribution API on its JAX engine, over 8 host devices: ``python -P tests/distributed/keras_jax_worker.py``.

``keras.distribution.DataParallel`` shards each batch over the devices and compiles the
step with ``jax.jit``: the arrays the loss sees are global, so its mean is the global one.
Recorded: ``model.fit`` with lossx's Keras class and ``mean_across="replicas"`` (accepted, and
nothing to exchange), without it, and on one device; the gradient read from one SGD step of
learning rate 1. Prints them as one JSON line (tests/distributed/problem.py).
"""

from __future__ import annotations

import os

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
os.environ["KERAS_BACKEND"] = "jax"

import sys
from pathlib import Path
from typing import Any

import jax
import keras
import numpy as np

# Run as a script (python -P): the repository's tests package at the end of sys.path, as pytest's
# append mode puts it, so an installed lossx (tox's wheel) is the one tested.
sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.distributed.keras_fit import fit_step
from tests.distributed.problem import encode, problem

jax.config.update("jax_enable_x64", True)

DEVICES = 8


def _fit(data: dict[str, np.ndarray], dtype: str, distributed: bool, mean_across: Any) -> dict[str, Any]:
    keras.distribution.set_distribution(keras.distribution.DataParallel() if distributed else None)
    return fit_step(data, dtype, mean_across)


def main() -> None:
    assert jax.device_count() == DEVICES, f"XLA gave {jax.device_count()} devices, not {DEVICES}"
    data = problem(DEVICES)
    results = {
        name: {
            "fit": _fit(data, name, True, "replicas"),
            "fit_plain": _fit(data, name, True, None),
            "fit_single": _fit(data, name, False, None),
        }
        for name in ("float64", "float32")
    }
    sys.stdout.write(encode(results) + "\n")


if __name__ == "__main__":
    main()
