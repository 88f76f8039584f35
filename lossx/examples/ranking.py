"""Example inputs and showcase option sets of the ranking and embedding losses: what ``lossx compare`` exercises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._common import Showcase

__all__ = [
    "circle_example",
    "cosine_embedding_example",
    "hinge_embedding_example",
    "margin_ranking_example",
    "ntxent_example",
    "ranking_softmax_example",
    "triplet_example",
    "MARGIN_RANKING",
    "HINGE_EMBEDDING",
    "COSINE_EMBEDDING",
    "RANKING_SOFTMAX",
    "TRIPLET_MARGIN",
    "NTXENT",
    "CIRCLE",
    "contrastive_example",
    "supervised_contrastive_example",
    "mined_triplet_example",
    "CONTRASTIVE",
    "SUPERVISED_CONTRASTIVE",
    "MINED_TRIPLET",
    "lifted_structure_example",
    "npairs_example",
    "LIFTED_STRUCTURE",
    "NPAIRS",
]


def _signs(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.choice([-1.0, 1.0], shape)


def margin_ranking_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    margin = options.get("margin", 0.0)
    while True:
        input1, input2 = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
        target = _signs(rng, (4, 6))
        if np.all(np.abs(margin - target * (input1 - input2)) > 1e-3):
            return input1, input2, target


def hinge_embedding_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    margin = options.get("margin", 1.0)
    while True:
        distances = np.abs(rng.standard_normal((4, 6))) * 1.5
        if np.all(np.abs(margin - distances) > 1e-3):
            return distances, _signs(rng, (4, 6))


def _cosine(x1: np.ndarray, x2: np.ndarray, axis: int) -> np.ndarray:
    return np.sum(x1 * x2, axis=axis) / np.sqrt(np.sum(x1 * x1, axis=axis) * np.sum(x2 * x2, axis=axis))


def cosine_embedding_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    axis, margin = options.get("axis", -1), options.get("margin", 0.0)
    shape = (5, 4) if axis in (-1, 1) else (4, 5)
    while True:
        input1, input2 = rng.standard_normal(shape), rng.standard_normal(shape)
        if np.all(np.abs(_cosine(input1, input2, axis) - margin) > 1e-3):
            rows = np.delete(shape, axis % 2)
            return input1, input2, _signs(rng, tuple(rows))


def ranking_softmax_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Lists of six scores (along ``axis``) with graded relevances 0–3; the last list's relevances are all 0."""
    relevance = rng.integers(0, 4, (4, 6)).astype(np.float64)
    relevance[-1] = 0.0
    scores = rng.standard_normal((4, 6)) * 1.5
    return np.moveaxis(scores, -1, options.get("axis", -1)), np.moveaxis(relevance, -1, options.get("axis", -1))


def _distance(x1: np.ndarray, x2: np.ndarray, p: float, eps: float, axis: int) -> np.ndarray:
    return np.sum(np.abs(x1 - x2 + eps) ** p, axis=axis) ** (1 / p)


def triplet_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    margin, p, eps = options.get("margin", 1.0), options.get("p", 2.0), options.get("eps", 1e-6)
    axis, swap = options.get("axis", -1), options.get("swap", False)
    while True:
        anchor, positive, negative = (rng.standard_normal((4, 5)) for _ in range(3))
        positive = anchor + 0.7 * positive
        d_pos = _distance(anchor, positive, p, eps, axis)
        d_neg = _distance(anchor, negative, p, eps, axis)
        d_swap = _distance(positive, negative, p, eps, axis)
        if swap and np.any(np.abs(d_neg - d_swap) < 1e-3):
            continue
        d_neg = np.minimum(d_neg, d_swap) if swap else d_neg
        if np.all(np.abs(margin + d_pos - d_neg) > 1e-3):
            return anchor, positive, negative


def ntxent_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((8, 4)), np.array([0, 1, 2, 3, 0, 1, 2, 3], dtype=np.int64)


def circle_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Eight embeddings in four classes, class 3 with one member (a row without positives);
    unit rows when ``normalize=False``, which expects them."""
    embeddings = rng.standard_normal((8, 4))
    if not options.get("normalize", True):
        embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return embeddings, np.array([0, 1, 2, 0, 1, 2, 0, 3], dtype=np.int64)


_GROUPS = np.array([0, 1, 2, 0, 1, 2, 0, 3], dtype=np.int64)


def _pair_distances(embeddings: np.ndarray, options: Mapping[str, Any]) -> np.ndarray:
    """The (N, N) distances the embedding-batch losses take (1 − cos for the cosine distance)."""
    if options.get("normalize", False) or options.get("distance") == "cosine":
        embeddings = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    squared = np.sum((embeddings[:, None, :] - embeddings[None, :, :]) ** 2, axis=-1)
    if options.get("distance") == "cosine":
        return squared / 2
    return squared if options.get("distance") == "squared_euclidean" else np.sqrt(squared)


def contrastive_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Eight embeddings in four classes (class 3 alone), every distance 1e-3 or more from a margin."""
    margins = (options.get("pos_margin", 0.0), options.get("neg_margin", 1.0))
    while True:
        embeddings = rng.standard_normal((8, 4))
        distances = _pair_distances(embeddings, {"normalize": options.get("normalize", True)})
        off_diagonal = distances[~np.eye(8, dtype=bool)]
        if all(np.all(np.abs(off_diagonal - m) > 1e-3) for m in margins):
            return embeddings, _GROUPS


def supervised_contrastive_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((8, 4)), _GROUPS


def mined_triplet_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Eight embeddings in four classes (class 3 alone): each row's distances 1e-3 or more apart (the mining's
    comparisons, minima and maxima), and every margin + d_ij − d_ik 1e-3 or more from the hinge's kink."""
    margin = options.get("margin", 1.0)
    while True:
        embeddings = rng.standard_normal((8, 4))
        distances = _pair_distances(embeddings, options)
        rows = np.sort(distances, axis=1)
        hinges = margin + distances[:, :, None] - distances[:, None, :]
        if np.all(np.diff(rows, axis=1) > 1e-3) and np.all(np.abs(hinges) > 1e-3):
            return embeddings, _GROUPS


def _lifted_structure_hinges(embeddings: np.ndarray, labels: np.ndarray, options: Mapping[str, Any]) -> np.ndarray:
    """J_ij of every positive pair: log(Σ_{N(i)} e^{α − D} + Σ_{N(j)} e^{α − D}) + D_ij."""
    distances = _pair_distances(embeddings, options)
    negative = labels[:, None] != labels[None, :]
    spread = np.sum(np.where(negative, np.exp(options.get("margin", 1.0) - distances), 0.0), axis=1)
    positive = ~negative & ~np.eye(len(labels), dtype=bool)
    return (np.log(spread[:, None] + spread[None, :]) + distances)[positive]


def lifted_structure_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Eight embeddings in four classes (class 3 alone), every positive pair's J 1e-3 or more from the hinge's kink."""
    while True:
        embeddings = rng.standard_normal((8, 4))
        if np.all(np.abs(_lifted_structure_hinges(embeddings, _GROUPS, options)) > 1e-3):
            return embeddings, _GROUPS


def npairs_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """Six pairs, the positives near their anchors, in six classes but for one shared class (rows 0 and 3)."""
    anchor = rng.standard_normal((6, 4))
    return anchor, anchor + 0.5 * rng.standard_normal((6, 4)), np.array([0, 1, 2, 0, 3, 4], dtype=np.int64)


# The option sets `lossx compare` runs, per loss.
MARGIN_RANKING: Showcase = ({}, {"margin": 0.5})
HINGE_EMBEDDING: Showcase = ({}, {"margin": 2.0})
COSINE_EMBEDDING: Showcase = ({}, {"margin": 0.2}, {"axis": 0})
RANKING_SOFTMAX: Showcase = ({}, {"axis": 0})
TRIPLET_MARGIN: Showcase = ({}, {"p": 1.0, "swap": True}, {"p": 3.0, "margin": 2.0, "eps": 0.0})
NTXENT: Showcase = ({}, {"temperature": 0.5})
CIRCLE: Showcase = ({}, {"gamma": 32.0, "margin": 0.25}, {"remove_diagonal": False}, {"normalize": False})
CONTRASTIVE: Showcase = (
    {},
    {"pos_margin": 0.25, "neg_margin": 1.5, "squared": True},
    {"normalize": False, "neg_margin": 3.0},
)
SUPERVISED_CONTRASTIVE: Showcase = ({}, {"temperature": 0.5})
MINED_TRIPLET: Showcase = (
    {},
    {"mining": "hard"},
    {"mining": "hard", "soft": True, "distance": "squared_euclidean"},
    {"distance": "cosine", "margin": 0.5},
)
LIFTED_STRUCTURE: Showcase = ({}, {"margin": 0.5, "normalize": True})
NPAIRS: Showcase = ({}, {"l2_reg": 0.002})
