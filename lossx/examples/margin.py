"""Example inputs and showcase option sets of the margin losses: what ``lossx compare`` exercises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._common import Showcase, categorical_example, hinge_example

__all__ = [
    "categorical_example",
    "hinge_example",
    "label_lists_example",
    "margin_example",
    "multilabel_example",
    "MULTI_MARGIN",
    "MULTILABEL_SOFT_MARGIN",
    "MULTILABEL_MARGIN",
]


def margin_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """(N, C) scores and labels: torch's layout, whose class axis is both 1 and −1."""
    return rng.standard_normal((6, 5)), rng.integers(0, 5, 6)


def multilabel_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((4, 5)) * 2, (rng.random((4, 5)) < 0.4).astype(np.float64)


def label_lists_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """(N, C) scores and label lists: each row's labels first, then −1 (and anything after it)."""
    scores = rng.standard_normal((5, 4))
    lists = np.full((5, 4), -1, dtype=np.int64)
    for row in range(5):
        labels = rng.permutation(4)[: rng.integers(1, 4)]
        lists[row, : len(labels)] = labels
    lists[0, 3] = 2  # entries after the first −1 are not labels (here lists[0] ends before index 3)
    lists[0, 2] = -1
    return np.moveaxis(scores, -1, options.get("axis", -1)), np.moveaxis(lists, -1, options.get("axis", -1))


# The option sets `lossx compare` runs, per loss.
MULTI_MARGIN: Showcase = ({}, {"p": 2, "margin": 0.5}, {"class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)}, {"axis": 1})
MULTILABEL_SOFT_MARGIN: Showcase = ({}, {"class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)})
MULTILABEL_MARGIN: Showcase = ({}, {"axis": 0})
