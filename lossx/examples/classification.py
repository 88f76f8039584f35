"""Example inputs and showcase option sets of the classification losses: what ``lossx compare`` exercises."""

from __future__ import annotations

import numpy as np

from ._common import Showcase, binary_example, categorical_example, softmax, sparse_example

__all__ = [
    "binary_example",
    "categorical_example",
    "cosine_example",
    "distribution_example",
    "kappa_example",
    "kl_example",
    "log_probability_example",
    "logit_example",
    "measure_example",
    "sparse_example",
    "BINARY_CROSS_ENTROPY",
    "BINARY_FOCAL_CROSS_ENTROPY",
    "ASYMMETRIC",
    "CATEGORICAL_CROSS_ENTROPY",
    "SPARSE_CATEGORICAL_CROSS_ENTROPY",
    "CATEGORICAL_FOCAL_CROSS_ENTROPY",
    "SPARSE_CATEGORICAL_FOCAL_CROSS_ENTROPY",
    "POLY_CROSS_ENTROPY",
    "GENERALIZED_CROSS_ENTROPY",
    "KL_DIVERGENCE",
    "GENERALIZED_KL_DIVERGENCE",
    "JENSEN_SHANNON",
    "NLL",
    "COSFACE",
    "ARCFACE",
    "WEIGHTED_KAPPA",
    "multiclass_sparsemax_example",
    "sparsemax_example",
    "SPARSEMAX",
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


def measure_example(rng, options):
    """Unnormalised non-negative measures (their logs with log_input / log_target), along ``axis``."""
    y_pred = np.exp(rng.standard_normal((6, 5)))
    y_true = np.exp(rng.standard_normal((6, 5))) * 2
    return (
        np.log(y_pred) if options.get("log_input") else y_pred,
        np.log(y_true) if options.get("log_target") else y_true,
    )


def distribution_example(rng, options):
    axis = options.get("axis", -1)
    logits = rng.standard_normal((6, 5)) * 2
    return (logits if options.get("from_logits") else softmax(logits, axis)), softmax(rng.standard_normal((6, 5)), axis)


def logit_example(rng, options):
    """Multi-label logits and 0/1 targets."""
    return rng.standard_normal((4, 6)) * 2, (rng.random((4, 6)) < 0.4).astype(np.float64)


def cosine_example(rng, options):
    """Cosines of normalised embeddings with normalised class weights, and labels."""
    axis = options.get("axis", -1)
    embeddings = rng.standard_normal((4, 3, 8))
    weights = rng.standard_normal((8, 5))
    cosines = (embeddings / np.linalg.norm(embeddings, axis=-1, keepdims=True)) @ (
        weights / np.linalg.norm(weights, axis=0, keepdims=True)
    )
    return np.clip(np.moveaxis(cosines, -1, axis), -1.0, 1.0), rng.integers(0, 5, (4, 3))


def kappa_example(rng, options):
    """Probabilities over five ordered classes, and labels near the most probable class."""
    axis = options.get("axis", -1)
    logits = rng.standard_normal((8, 5)) * 2
    labels = np.clip(np.argmax(logits, axis=-1) + rng.integers(-1, 2, 8), 0, 4)
    return np.moveaxis(softmax(logits, -1), -1, axis), labels


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
BINARY_CROSS_ENTROPY: Showcase = (
    {},
    {"from_logits": True},
    {"from_logits": True, "label_smoothing": 0.1, "pos_weight": 2.0},
)
BINARY_FOCAL_CROSS_ENTROPY: Showcase = (
    {},
    {"from_logits": True, "alpha": 0.25},
    {"from_logits": True, "gamma": 0.5, "label_smoothing": 0.1},
)
ASYMMETRIC: Showcase = ({}, {"gamma_pos": 1.0}, {"gamma_pos": 1.0, "gamma_neg": 2.0, "clip": 0.0})
CATEGORICAL_CROSS_ENTROPY: Showcase = (
    {"from_logits": True},
    {},
    {"from_logits": True, "label_smoothing": 0.1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
    {"from_logits": True, "axis": 1},
    {"from_logits": True, "z_loss": 1e-4, "softcap": 30.0},
)
SPARSE_CATEGORICAL_CROSS_ENTROPY: Showcase = (
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
    {
        "from_logits": True,
        "alpha": (0.25, 0.5, 1.0, 0.5, 0.25),
        "gamma": 0.5,
        "label_smoothing": 0.1,
        "ignore_index": -100,
    },
    {"from_logits": True, "axis": 1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0), "ignore_index": 0},
)
POLY_CROSS_ENTROPY = (
    {"from_logits": True},
    {"epsilon": 1.0},
    {"from_logits": True, "epsilon": -1.0, "label_smoothing": 0.1, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
    {"from_logits": True, "axis": 1},
)
GENERALIZED_CROSS_ENTROPY: Showcase = (
    {},
    {"from_logits": True, "q": 0.5},
    {"from_logits": True, "q": 1.0, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0), "ignore_index": -100},
    {"from_logits": True, "axis": 1, "ignore_index": 0},
)
KL_DIVERGENCE: Showcase = (
    {},
    {"from_logits": True},
    {"log_input": True, "log_target": True},
    {"from_logits": True, "axis": 1},
    {"log_input": True, "pointwise": True},
)
GENERALIZED_KL_DIVERGENCE: Showcase = (
    {},
    {"log_input": True},
    {"log_input": True, "log_target": True, "pointwise": True},
)
JENSEN_SHANNON: Showcase = ({}, {"from_logits": True}, {"from_logits": True, "axis": 1})
NLL: Showcase = (
    {},
    {"axis": 1, "ignore_index": -100, "class_weight": (1.0, 2.0, 0.5, 1.0, 3.0)},
)
COSFACE: Showcase = ({}, {"scale": 30.0, "margin": 0.2}, {"axis": 1})
ARCFACE: Showcase = ({}, {"scale": 30.0, "margin": 0.3}, {"axis": 1})
WEIGHTED_KAPPA: Showcase = ({}, {"power": 1.0}, {"epsilon": 1e-3, "axis": 1})
SPARSEMAX: Showcase = ({},)
MULTICLASS_SPARSEMAX: Showcase = ({}, {"axis": 1})
