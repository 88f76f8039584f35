"""Matrix option sets of the sequence losses (see tests/support/cases/__init__.py and tests/numerics/test_matrix.py).

CTC inputs are small (B = 2, T ≤ 6, C = 4): the mpmath reference enumerates every
alignment and differentiates every logit.
"""

from __future__ import annotations

import functools

import numpy as np

from tests.support.cases import LABEL_WEIGHTINGS, Case, f32, softmax

_FRAMES, _CLASSES = 6, 4


def _ctc(rng, options, labels, input_lengths=None, label_lengths=None, probabilities=False):
    """Logits (2, 6, 4) (probabilities with ``probabilities=True``), the given labels and lengths."""
    logits = rng.standard_normal((2, _FRAMES, _CLASSES)) * 1.5
    y_pred = softmax(logits, -1) if probabilities else logits
    arrays = [f32(y_pred), np.asarray(labels, dtype=np.int64)]
    for lengths in (input_lengths, label_lengths):
        if lengths is not None:
            arrays.append(np.asarray(lengths, dtype=np.int64))
    return tuple(arrays)


def _with_lengths(labels, input_lengths, label_lengths, **kwargs):
    return functools.partial(_ctc, labels=labels, input_lengths=input_lengths, label_lengths=label_lengths, **kwargs)


CASES: list[Case] = [
    # Keras's convention: labels padded with the blank 0, every frame counts.
    Case("ctc", "ctc", "default", {}, functools.partial(_ctc, labels=[[1, 3, 0], [2, 0, 0]]), LABEL_WEIGHTINGS),
    # Explicit lengths: frames past input_lengths and labels past label_lengths (padded with
    # -1 and with an out-of-range 7) are ignored.
    Case("ctc", "ctc", "lengths", {}, _with_lengths([[3, 1, -1], [2, 1, 7]], [4, 6], [2, 2])),
    # The blank is the last class; label 0 is an ordinary label.
    Case("ctc", "ctc", "blank3", {"blank": 3}, _with_lengths([[0, 2, 3], [1, 0, 1]], [5, 6], None)),
    # A negative blank counts from the end (TensorFlow's blank_index=-1): here class 3.
    Case("ctc", "ctc", "blank-1", {"blank": -1}, _with_lengths([[2, 0, 3], [1, 2, 1]], None, None), ("sw",)),
    # Repeated labels need a blank between their copies.
    Case("ctc", "ctc", "repeats", {}, functools.partial(_ctc, labels=[[1, 1, 2], [3, 3, 0]])),
    # Sequence 1 cannot be aligned (3 repeated labels need 5 frames; it has 4): 0, zero gradient.
    Case("ctc", "ctc", "zero_infinity", {"zero_infinity": True}, _with_lengths([[2, 1, 0], [1, 1, 1]], [6, 4], [2, 3])),
    # Probabilities instead of logits (Keras 2's ctc_batch_cost).
    Case(
        "ctc",
        "ctc",
        "probs",
        {"from_logits": False},
        _with_lengths([[1, 2, 0], [3, 1, 3]], [5, 6], [2, 3], probabilities=True),
    ),
]
