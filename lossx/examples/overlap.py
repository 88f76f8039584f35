"""Example inputs and showcase option sets of the overlap (segmentation) losses: what ``lossx compare`` exercises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._common import Showcase

__all__ = [
    "overlap_example",
    "lovasz_hinge_example",
    "DICE",
    "GENERALIZED_DICE",
    "TVERSKY",
    "FOCAL_TVERSKY",
    "JACCARD",
    "MCC",
    "LOVASZ_SOFTMAX",
]


def overlap_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Dense multilabel targets, or integer labels when ``ignore_index`` is set."""
    axis = options.get("axis", -1)
    logits = np.moveaxis(rng.standard_normal((4, 6, 3)) * 2, -1, axis)
    if options.get("ignore_index") is not None:
        labels = rng.integers(0, 3, (4, 6))
        labels[rng.random((4, 6)) < 0.2] = options["ignore_index"]
        if options.get("from_logits"):
            return logits, labels
        shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
        return shifted / shifted.sum(axis=axis, keepdims=True), labels
    targets = (rng.random(logits.shape) < 0.4).astype(np.float64)
    return (logits if options.get("from_logits") else 1 / (1 + np.exp(-logits))), targets


def lovasz_hinge_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Logits of binary masks (N, H, W) and their 0/1 targets."""
    return rng.standard_normal((4, 6, 3)) * 2, (rng.random((4, 6, 3)) < 0.4).astype(np.float64)


_SHOWCASE: Showcase = (
    {},
    {"from_logits": True, "smooth": 1.0},
    {"from_logits": True, "ignore_index": -1, "class_weight": (1.0, 2.0, 0.5)},
    {"axis": 1, "per_class": False, "epsilon": 0.0, "smooth": 1e-5},
    {"sum_axes": "all"},
    {"sum_axes": (0, 1), "class_weight": (1.0, 2.0, 0.5)},
)


# The option sets `lossx compare` runs, per loss.
DICE = _SHOWCASE
GENERALIZED_DICE: Showcase = (
    {},
    {"from_logits": True, "weighting": "simple", "smooth": 1e-5, "epsilon": 0.0},
    {"from_logits": True, "ignore_index": -1, "weighting": "uniform"},
    {"axis": 1, "sum_axes": "all"},
)
TVERSKY: Showcase = ({}, {"alpha": 0.3, "beta": 0.7, "from_logits": True, "smooth": 1.0}, *_SHOWCASE[2:])
FOCAL_TVERSKY: Showcase = (
    {},
    {"gamma": 1.5, "from_logits": True, "smooth": 1.0},
    {"alpha": 0.5, "beta": 0.5, "gamma": 1.0},
    *_SHOWCASE[2:],
)
JACCARD = _SHOWCASE
MCC = _SHOWCASE
LOVASZ_SOFTMAX: Showcase = (
    {},
    {"from_logits": True, "classes": "present"},
    {"from_logits": True, "ignore_index": -1, "class_weight": (1.0, 2.0, 0.5)},
    {"axis": 1},
)
