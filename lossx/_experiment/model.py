"""The model every framework trains, made in NumPy from the seed: its width, initial weights and
mini-batches, the outputs it has per loss, and the loss on its outputs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._registry import generic_function


def hidden_units(n_features: int) -> int:
    """The width of the hidden layer: twice the features, between 16 and 64."""
    return int(min(64, max(16, 2 * n_features)))


def initial_weights(n_features: int, n_hidden: int, n_outputs: int, seed: int) -> list[np.ndarray]:
    """[W1 (features × hidden), b1, W2 (hidden × outputs), b2] in float32: Glorot-uniform, zero biases."""
    rng = np.random.default_rng([seed, n_features, n_hidden, n_outputs])
    weights = []
    for fan_in, fan_out in ((n_features, n_hidden), (n_hidden, n_outputs)):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        weights += [
            rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32),
            np.zeros(fan_out, dtype=np.float32),
        ]
    return weights


def batches(n_train: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The mini-batches of one epoch (1-based): a permutation drawn from (seed, epoch), cut in order."""
    order = np.random.default_rng([seed, epoch]).permutation(n_train)
    return [order[start : start + batch_size] for start in range(0, n_train, batch_size)]


def n_outputs(feed: str, n_classes: int) -> int:
    return n_classes if feed in ("labels", "one_hot") else 1


def training_targets(feed: str, targets: np.ndarray, n_classes: int) -> np.ndarray:
    """The targets as the loss takes them: labels, one-hot float32 rows, 0/1 float32 or float32 values."""
    if feed == "labels":
        return targets.astype(np.int64)
    if feed == "one_hot":
        return np.eye(n_classes, dtype=np.float32)[targets]
    return targets.astype(np.float32)


def loss_on_outputs(name: str, feed: str, options: Mapping[str, Any]) -> Callable[[Any, Any], Any]:
    """``loss(outputs, targets)`` on any framework's tensors: one-output models give their column to the loss."""
    function = generic_function(name)
    if feed in ("labels", "one_hot"):
        return lambda outputs, targets: function(outputs, targets, **options)
    return lambda outputs, targets: function(outputs[:, 0], targets, **options)
