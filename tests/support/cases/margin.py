"""Matrix option sets of the margin losses (see tests/support/cases/__init__.py and tests/numerics/test_matrix.py)."""

from __future__ import annotations

import functools

import numpy as np

from tests.support.cases import CW4, LABEL_WEIGHTINGS, SCCE_WEIGHTINGS, Case, _hinge, away_from, f32


def _scores_and_labels(rng, options):
    """Scores (class axis ``axis``) and labels, every hinge term away from its kink."""
    axis = options.get("axis", -1)
    margin = options.get("margin", 1.0)
    shape = (2, 4, 3) if axis == 1 else (3, 4)
    while True:
        scores = f32(rng.standard_normal(shape) * 1.5)
        labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
        true_score = np.take_along_axis(scores, np.expand_dims(labels, axis), axis=axis)
        if away_from(margin - true_score + scores, (0.0,), gap=1e-2):
            return scores, labels.astype(np.int64)


def _scores_with_distinct_largest(rng, options):
    """Scores (class axis ``axis``) whose largest leads the next by at least 1e-2 (the max's kink), and labels,
    some of them the largest."""
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 4)
    while True:
        scores = f32(rng.standard_normal(shape) * 1.5)
        ordered = np.sort(np.moveaxis(scores, axis, -1), axis=-1)
        if np.all(ordered[..., -1] - ordered[..., -2] > 1e-2):
            labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
            labels.flat[0] = np.argmax(np.moveaxis(scores, axis, -1).reshape(-1, shape[axis])[0])
            return scores, labels.astype(np.int64)


def _multilabel(rng, options, soft=False):
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 4)
    logits = f32(rng.standard_normal(shape) * 2)
    targets = rng.random(shape) if soft else (rng.random(shape) < 0.5).astype(np.float64)
    return logits, f32(targets)


def _label_lists(rng, options):
    """Scores and −1-ended label lists (class axis ``axis``), every hinge term away from its kink."""
    axis = options.get("axis", -1)
    shape = (2, 3, 4) if axis == 1 else (3, 4)
    classes = shape[axis]
    while True:
        scores = np.moveaxis(f32(rng.standard_normal(shape) * 1.5), axis, -1)
        lists = np.full(scores.shape, -1, dtype=np.int64)
        for index in np.ndindex(scores.shape[:-1]):
            labels = rng.permutation(classes)[: rng.integers(1, classes)]
            lists[(*index, slice(0, len(labels)))] = labels
            if len(labels) < classes - 1:  # something after the −1, which must not be read
                lists[(*index, len(labels) + 1)] = rng.integers(0, classes)
        differences = scores[..., :, None] - scores[..., None, :]
        if away_from(1 - differences, (0.0,), gap=1e-2):
            return np.moveaxis(scores, -1, axis), np.moveaxis(lists, -1, axis)


CASES: list[Case] = [
    Case("sq_hinge", "squared_hinge", "pm1", {}, _hinge),
    Case("sq_hinge", "squared_hinge", "01", {}, functools.partial(_hinge, zero_one=True)),
    Case("multi_margin", "multi_margin", "default", {}, _scores_and_labels, LABEL_WEIGHTINGS),
    Case("multi_margin", "multi_margin", "p2-margin0.5", {"p": 2, "margin": 0.5}, _scores_and_labels, LABEL_WEIGHTINGS),
    Case("multi_margin", "multi_margin", "cw", {"class_weight": CW4}, _scores_and_labels, SCCE_WEIGHTINGS),
    Case(
        "multi_margin",
        "multi_margin",
        "axis1-p2-margin2-cw3",
        {"axis": 1, "p": 2, "margin": 2.0, "class_weight": (2.0, 0.5, 1.0, 3.0)},
        _scores_and_labels,
        SCCE_WEIGHTINGS,
    ),
    Case("soft_margin", "soft_margin", "pm1", {}, _hinge),
    Case("soft_margin", "soft_margin", "01", {}, functools.partial(_hinge, zero_one=True)),
    Case("ml_soft_margin", "multilabel_soft_margin", "default", {}, _multilabel, LABEL_WEIGHTINGS),
    Case(
        "ml_soft_margin",
        "multilabel_soft_margin",
        "cw-soft",
        {"class_weight": CW4},
        functools.partial(_multilabel, soft=True),
        LABEL_WEIGHTINGS,
        wrt=(0, 1),
    ),
    Case(
        "ml_soft_margin",
        "multilabel_soft_margin",
        "axis1-cw",
        {"axis": 1, "class_weight": CW4},
        _multilabel,
        LABEL_WEIGHTINGS,
    ),
    Case("ml_margin", "multilabel_margin", "default", {}, _label_lists, LABEL_WEIGHTINGS),
    Case("ml_margin", "multilabel_margin", "axis1", {"axis": 1}, _label_lists, LABEL_WEIGHTINGS),
    Case("perceptron", "perceptron", "pm1", {}, functools.partial(_hinge, margin=0.0)),
    Case("perceptron", "perceptron", "01", {}, functools.partial(_hinge, zero_one=True, margin=0.0)),
    Case("mc_perceptron", "multiclass_perceptron", "default", {}, _scores_with_distinct_largest, LABEL_WEIGHTINGS),
    Case(
        "mc_perceptron", "multiclass_perceptron", "axis1", {"axis": 1}, _scores_with_distinct_largest, LABEL_WEIGHTINGS
    ),
]
