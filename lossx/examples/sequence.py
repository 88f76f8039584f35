"""Example inputs and showcase option sets of the sequence losses: what ``lossx compare`` exercises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._common import Showcase

__all__ = [
    "ctc_example",
    "CTC",
]


def ctc_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Logits (4, 8, 5), labels padded with the blank, and lengths that allow an alignment."""
    batch, frames, classes, max_labels = 4, 8, 5, 3
    blank = options.get("blank", 0) % classes
    symbols = np.array([c for c in range(classes) if c != blank])
    label_lengths = rng.integers(1, max_labels + 1, batch)
    labels = np.full((batch, max_labels), blank, dtype=np.int64)
    for row, length in enumerate(label_lengths):
        labels[row, :length] = rng.choice(symbols, length)
    input_lengths = rng.integers(frames - 2, frames + 1, batch)
    logits = rng.standard_normal((batch, frames, classes)) * 2
    if not options.get("from_logits", True):
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        logits = shifted / shifted.sum(axis=-1, keepdims=True)
    return logits, labels, input_lengths.astype(np.int64), label_lengths.astype(np.int64)


# The option sets `lossx compare` runs, per loss.
CTC: Showcase = ({}, {"blank": 4, "zero_infinity": True}, {"from_logits": False})
