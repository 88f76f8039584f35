"""Independent mpmath references of the sequence losses (see tests/support/reference/__init__.py).

CTC is computed from its definition, not from the forward recursion lossx uses:
``p(y | x) = Σ_π Π_t p_t(π_t)`` over every path π of ``T_b`` frames whose collapse
(merge repeats, then drop blanks) is ``y``, enumerated explicitly. The paths are
enumerated once per (T_b, labels, C, blank) and cached, since the reference
gradient re-evaluates the loss once per perturbed logit. The forward variables α
(:func:`ctc_forward_probabilities`) are sums over path prefixes, enumerated likewise.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import numpy as np

from tests.support.reference import helpers as M


def _collapse(path: tuple[int, ...], blank: int) -> tuple[int, ...]:
    merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    return tuple(k for k in merged if k != blank)


@functools.cache
def _alignments(frames: int, labels: tuple[int, ...], classes: int, blank: int) -> tuple[tuple[int, ...], ...]:
    """Every path of ``frames`` symbols in [0, classes) that collapses to ``labels``."""
    return tuple(path for path in itertools.product(range(classes), repeat=frames) if _collapse(path, blank) == labels)


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


@functools.cache
def _prefixes(frames: int, classes: int, blank: int) -> dict[tuple, tuple[tuple[int, ...], ...]]:
    """Every path of ``frames`` symbols in [0, classes), grouped by (its collapse, its last symbol)."""
    groups: dict[tuple, list] = {}
    for path in itertools.product(range(classes), repeat=frames):
        groups.setdefault((_collapse(path, blank), path[-1]), []).append(path)
    return {key: tuple(paths) for key, paths in groups.items()}


def ctc_forward_probabilities(y_pred, y_true, input_lengths, label_lengths, blank=0, from_logits=True):
    """``(loss (B,), log α blank (T, B, L + 1), log α label (T, B, L))`` in float64, from the definition of α.

    With ``l'`` the labels with a blank before, between and after them, ``α_t(s)`` is the
    probability of the path prefixes over frames 0 … t that emit the first ⌈s/2⌉ labels and end
    on ``l'_s``: those whose collapse is ``labels[:⌈s/2⌉]`` and whose last symbol is the blank
    (even s) or label (s − 1)/2 (odd s). Blank states are s = 2n, label states s = 2n + 1. Frames
    past a sequence's length keep its last α; states past 2·L_b are NaN (they are not defined by
    the labels); an empty sum is −inf.
    """
    y_pred = np.asarray(y_pred, dtype=np.float64)
    batch, frames, classes = y_pred.shape
    blank = blank % classes
    labels = np.asarray(y_true)
    log_p = M.log_probabilities(M.mp_array(y_pred), from_logits, axis=-1)
    alpha = np.full((frames, batch, 2 * labels.shape[1] + 1), np.nan)
    for b in range(batch):
        target = tuple(int(k) for k in labels[b, : int(label_lengths[b])])
        length = int(input_lengths[b])
        for t in range(length):
            groups = _prefixes(t + 1, classes, blank)
            for s in range(2 * len(target) + 1):
                last = blank if s % 2 == 0 else target[(s - 1) // 2]
                paths = groups.get((target[: (s + 1) // 2], last), ())
                probability = sum(M.mp.exp(sum(log_p[b, i, k] for i, k in enumerate(path))) for path in paths)
                alpha[t, b, s] = float(M.mp.log(probability)) if paths else -np.inf
        alpha[length:, b] = alpha[length - 1, b]
    value, _, _ = ctc(M.mp_array(y_pred), labels, input_lengths, label_lengths, blank, False, from_logits)
    return M.as_float64(value), alpha[:, :, 0::2], alpha[:, :, 1::2]


LOSSES: dict[str, Callable[..., tuple]] = {"ctc": ctc}
