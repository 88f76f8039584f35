"""Independent mpmath references of the sequence losses (see tests/support/reference/__init__.py).

CTC is computed from its definition, not from the forward recursion lossx uses:
``p(y | x) = Σ_π Π_t p_t(π_t)`` over every path π of ``T_b`` frames whose collapse
(merge repeats, then drop blanks) is ``y``, enumerated explicitly. The paths are
enumerated once per (T_b, labels, C, blank) and cached, since the reference
gradient re-evaluates the loss once per perturbed logit.
"""

from __future__ import annotations

import functools
import itertools
from typing import Callable

import numpy as np

from tests.support.reference import helpers as M


def _collapse(path: tuple[int, ...], blank: int) -> tuple[int, ...]:
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return tuple(k for k in merged if k != blank)


@functools.lru_cache(maxsize=None)
def _alignments(frames: int, labels: tuple[int, ...], classes: int, blank: int) -> tuple[tuple[int, ...], ...]:
    """Every path of ``frames`` symbols in [0, classes) that collapses to ``labels``."""
    return tuple(
        path for path in itertools.product(range(classes), repeat=frames) if _collapse(path, blank) == labels
    )


def ctc(y_pred, y_true, input_lengths=None, label_lengths=None, blank=0, zero_infinity=False, from_logits=True):
    batch, frames, classes = y_pred.shape
    labels = np.asarray(y_true)
    blank = blank % classes  # a negative blank counts from the end
    if label_lengths is None:
        label_lengths = np.sum(labels != blank, axis=1)
    if input_lengths is None:
        input_lengths = np.full(batch, frames)
    log_p = M.log_probabilities(y_pred, from_logits, axis=-1)
    value = np.empty(batch, dtype=object)
    for b in range(batch):
        target = tuple(int(k) for k in labels[b, : int(label_lengths[b])])
        paths = _alignments(int(input_lengths[b]), target, classes, blank)
        if not paths:
            value[b] = M.ZERO if zero_infinity else M.mp.inf
            continue
        probability = sum(M.mp.exp(sum(log_p[b, t, k] for t, k in enumerate(path))) for path in paths)
        value[b] = -M.mp.log(probability)
    return value, None, None


LOSSES: dict[str, Callable[..., tuple]] = {"ctc": ctc}
