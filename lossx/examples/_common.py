"""Example inputs shared by several families (NumPy float64, or integer labels)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["regression_example", "binary_example", "softmax", "categorical_example", "sparse_example", "hinge_example"]

#: The option sets ``lossx compare`` runs for one loss (``LossSpec.showcase``).
Showcase = tuple[Mapping[str, Any], ...]


def regression_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((4, 6)), rng.standard_normal((4, 6))


def binary_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    logits = rng.standard_normal((4, 6)) * 2
    y_pred = logits if options.get("from_logits") else 1 / (1 + np.exp(-logits))
    return y_pred, (rng.random((4, 6)) < 0.4).astype(np.float64)


def softmax(logits: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def categorical_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    axis = options.get("axis", -1)
    logits = np.moveaxis(rng.standard_normal((4, 3, 5)) * 2, -1, axis)
    labels = rng.integers(0, 5, (4, 3))
    one_hot = np.moveaxis(np.eye(5)[labels], -1, axis)
    y_pred = logits if options.get("from_logits") else softmax(logits, axis)
    return y_pred, one_hot


def sparse_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    axis = options.get("axis", -1)
    logits = np.moveaxis(rng.standard_normal((4, 3, 5)) * 2, -1, axis)
    labels = rng.integers(0, 5, (4, 3))
    if options.get("ignore_index") is not None:
        labels[rng.random((4, 3)) < 0.25] = options["ignore_index"]
    y_pred = logits if options.get("from_logits") else softmax(logits, axis)
    return y_pred, labels


def hinge_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((4, 6)), rng.choice([-1.0, 1.0], (4, 6))
