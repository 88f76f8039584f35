"""Example inputs and showcase option sets of the classification losses: what ``lossx compare`` exercises."""

from __future__ import annotations

import numpy as np

from ._common import binary_example, categorical_example, softmax, sparse_example

__all__ = [
    "binary_example", "categorical_example", "kl_example", "log_probability_example", "sparse_example",
    "BINARY_CROSS_ENTROPY", "BINARY_FOCAL_CROSS_ENTROPY", "CATEGORICAL_CROSS_ENTROPY",
    "SPARSE_CATEGORICAL_CROSS_ENTROPY", "CATEGORICAL_FOCAL_CROSS_ENTROPY",
    "SPARSE_CATEGORICAL_FOCAL_CROSS_ENTROPY", "POLY_CROSS_ENTROPY", "GENERALIZED_CROSS_ENTROPY",
    "KL_DIVERGENCE", "NLL", "multiclass_sparsemax_example", "sparsemax_example", "SPARSEMAX",
    "MULTICLASS_SPARSEMAX",
]


def log_probability_example(rng, options):
    logits, labels = sparse_example(rng, {**options, "from_logits": True})
    axis = options.get("axis", -1)
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)), labels


def kl_example(rng, options):
    # (N, C): the layout in which torch's 'batchmean' and lossx's 'mean' agree.
    axis = options.get("axis", -1)
    logits = rng.standard_normal((6, 5)) * 2
    target = softmax(rng.standard_normal((6, 5)), axis)
    if options.get("from_logits"):
        y_pred = logits
    else:
        y_pred = softmax(logits, axis)
        y_pred = np.log(y_pred) if options.get("log_input") else y_pred
    return y_pred, np.log(target) if options.get("log_target") else target


def sparsemax_example(rng, options):
    """Logits away from sparse_plus's kinks at ±1 (where the finite differences of `lossx compare` would straddle
    them), and 0/1 labels."""
    while True:
        logits = rng.standard_normal((4, 6)) * 1.5
        if np.all(np.abs(np.abs(logits) - 1) > 1e-3):
            return logits, (rng.random((4, 6)) < 0.4).astype(np.float64)


def multiclass_sparsemax_example(rng, options):
    return sparse_example(rng, {**options, "from_logits": True})


# The option sets `lossx compare` runs, per loss.
BINARY_CROSS_ENTROPY = ({}, {"from_logits": True}, {"from_logits": True, "label_smoothing": 0.1, "pos_weight": 2.0})
BINARY_FOCAL_CROSS_ENTROPY = ({}, {"from_logits": True, "alpha": 0.25}, {"from_logits": True, "gamma": 0.5, "label_smoothing": 0.1})
CATEGORICAL_CROSS_ENTROPY = (
    {"from_logits": True},
    {},
    {"from_logits": True, "label_smoothing": 0.1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
    {"from_logits": True, "axis": 1},
    {"from_logits": True, "z_loss": 1e-4, "softcap": 30.0},
)
SPARSE_CATEGORICAL_CROSS_ENTROPY = (
    {"from_logits": True},
    {},
    {"from_logits": True, "label_smoothing": 0.1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0), "ignore_index": -100},
    {"from_logits": True, "axis": 1, "ignore_index": 0},
    {"from_logits": True, "z_loss": 1e-4, "softcap": 30.0, "ignore_index": -100},
)
CATEGORICAL_FOCAL_CROSS_ENTROPY = (
    {"from_logits": True},
    {"alpha": 0.25},
    {"from_logits": True, "alpha": (0.25, 0.5, 1.0, 0.5, 0.25), "gamma": 0.5, "label_smoothing": 0.1},
    {"from_logits": True, "axis": 1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
)
SPARSE_CATEGORICAL_FOCAL_CROSS_ENTROPY = (
    {"from_logits": True},
    {"alpha": 0.25},
    {"from_logits": True, "alpha": (0.25, 0.5, 1.0, 0.5, 0.25), "gamma": 0.5, "label_smoothing": 0.1,
     "ignore_index": -100},
    {"from_logits": True, "axis": 1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0), "ignore_index": 0},
)
POLY_CROSS_ENTROPY = (
    {"from_logits": True},
    {"epsilon": 1.0},
    {"from_logits": True, "epsilon": -1.0, "label_smoothing": 0.1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
    {"from_logits": True, "axis": 1},
)
GENERALIZED_CROSS_ENTROPY = (
    {},
    {"from_logits": True, "q": 0.5},
    {"from_logits": True, "q": 1.0, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0), "ignore_index": -100},
    {"from_logits": True, "axis": 1, "ignore_index": 0},
)
KL_DIVERGENCE = (
    {},
    {"from_logits": True},
    {"log_input": True, "log_target": True},
    {"from_logits": True, "axis": 1},
    {"log_input": True, "pointwise": True},
)
NLL = (
    {},
    {"axis": 1, "ignore_index": -100, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
)
SPARSEMAX = ({},)
MULTICLASS_SPARSEMAX = ({}, {"axis": 1})
