"""Example inputs and showcase option sets of the bounding-box regression losses: what ``lossx compare`` exercises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._common import Showcase

__all__ = ["box_pairs", "boxes_example", "BOX_IOU"]


def box_pairs(rng: np.random.Generator, shape: tuple = (6,), gap: float = 1e-2) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and target boxes ``shape + (4,)`` in (x1, y1, x2, y2): most pairs overlap, some are apart.

    Every pair is at least ``gap`` away from the kinks of the losses' minima and maxima: no two
    coordinates of a pair tie, and no intersection's width or height is near 0.
    """
    while True:
        corner = rng.uniform(0, 10, (*shape, 2))
        size = rng.uniform(0.5, 4, (*shape, 2))
        target = np.concatenate([corner, corner + size], axis=-1)
        shift = rng.normal(0, 1.0, (*shape, 2))
        scale = rng.uniform(0.6, 1.5, (*shape, 2))
        centre = corner + size / 2 + shift
        prediction = np.concatenate([centre - size * scale / 2, centre + size * scale / 2], axis=-1)
        low = np.maximum(prediction[..., :2], target[..., :2])
        high = np.minimum(prediction[..., 2:], target[..., 2:])
        if np.all(np.abs(prediction - target) > gap) and np.all(np.abs(high - low) > gap):
            return prediction, target


def boxes_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return box_pairs(rng)


# The option sets `lossx compare` runs, per loss.
BOX_IOU: Showcase = ({}, {"eps": 0.0})
