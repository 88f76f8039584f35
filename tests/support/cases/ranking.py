"""Matrix option sets of the ranking losses (see tests/support/cases/__init__.py and tests/numerics/test_matrix.py).

Inputs are float32-representable and drawn away from the kinks: max(·, 0) of every
hinge (Circle loss's negative weights [s + m]₊ included), the min of the triplet distance
swap, |·| at 0 of the L1 distance.
"""

from __future__ import annotations

import functools

import numpy as np

from tests.support.cases import BASE_WEIGHTINGS, LABEL_WEIGHTINGS, Case, away_from, f32

GROUP_WEIGHTINGS = (*LABEL_WEIGHTINGS, "sw-mask", "allmasked")


def _signs(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def _margin_ranking(rng, options, broadcast=False):
    margin = options.get("margin", 0.0)
    while True:
        input1 = f32(rng.standard_normal((3, 4)) * 1.5)
        input2 = f32(rng.standard_normal((1, 4) if broadcast else (3, 4)) * 1.5)
        target = _signs(rng, (3, 1) if broadcast else (3, 4))
        if away_from(margin - target * (input1 - input2), (0.0,)):
            return input1, input2, target


def _hinge_embedding(rng, options, with_zero=False):
    margin = options.get("margin", 1.0)
    while True:
        distances = f32(np.abs(rng.standard_normal((3, 4))) * 1.5 * margin)
        target = rng.choice([-1.0, 0.0, 1.0] if with_zero else [-1.0, 1.0], (3, 4))
        if away_from(margin - distances, (0.0,)) and (not with_zero or np.any(target == 0)):
            return distances, target


def _cosine(a, b, axis, eps):
    a, b = np.broadcast_arrays(a, b)
    return np.sum(a * b, axis=axis) / np.sqrt((np.sum(a * a, axis=axis) + eps) * (np.sum(b * b, axis=axis) + eps))


def _cosine_embedding(rng, options, broadcast=False):
    axis, margin, eps = options.get("axis", -1), options.get("margin", 0.0), options.get("eps", 1e-12)
    shape = (4, 3) if axis == 0 else (3, 4)
    rows = 3
    while True:
        input1 = f32(rng.standard_normal(shape))
        if broadcast:
            input2 = f32(rng.standard_normal((1, shape[-1])))
        else:
            # Some pairs close in angle, so margins > 0 have active entries too.
            scale = rng.uniform(-1.0, 1.0, rows)
            along = scale[None, :] if axis == 0 else scale[:, None]
            input2 = f32(along * input1 + 0.5 * rng.standard_normal(shape))
        target = _signs(rng, (rows,))
        cosine = _cosine(input1, input2, axis, eps)
        if away_from(cosine - margin, (0.0,)) and np.any((target == -1) & (cosine > margin)):
            return input1, input2, target


def _ranking_lists(rng, options, padding=False):
    """Lists of five scores along ``axis`` with graded relevances 0–3, one list's all 0; with ``padding`` two scores
    are −inf (one of them with a relevance, which is ignored) and one list is padding only."""
    axis = options.get("axis", -1)
    scores = f32(rng.standard_normal((4, 5)) * 1.5)
    relevance = rng.integers(0, 4, (4, 5)).astype(np.float64)
    relevance[2] = 0.0
    if padding:
        scores[0, [1, 3]] = -np.inf
        relevance[0, 1] = 2.0
        scores[3] = -np.inf
    return np.moveaxis(scores, -1, axis), np.moveaxis(relevance, -1, axis)


def _distance(x1, x2, p, eps, axis):
    return np.sum(np.abs(x1 - x2 + eps) ** p, axis=axis) ** (1 / p)


def _triplet(rng, options):
    margin, p, eps = options.get("margin", 1.0), options.get("p", 2.0), options.get("eps", 1e-6)
    axis, swap = options.get("axis", -1), options.get("swap", False)
    shape = (4, 3) if axis == 0 else (3, 4)
    while True:
        anchor = f32(rng.standard_normal(shape))
        positive = f32(anchor + 0.8 * rng.standard_normal(shape))
        negative = f32(anchor + 1.2 * rng.standard_normal(shape))
        differences = np.concatenate(
            [(anchor - positive).ravel(), (anchor - negative).ravel(), (positive - negative).ravel()]
        )
        d_pos = _distance(anchor, positive, p, eps, axis)
        d_neg = _distance(anchor, negative, p, eps, axis)
        d_swap = _distance(positive, negative, p, eps, axis)
        if not away_from(differences + eps, (0.0,)) or (swap and not away_from(d_neg - d_swap, (0.0,))):
            continue
        if swap and not np.any(d_swap < d_neg):
            continue  # the swap must change something
        hinge = margin + d_pos - (np.minimum(d_neg, d_swap) if swap else d_neg)
        if away_from(hinge, (0.0,)) and np.any(hinge > 0) and np.any(hinge < 0):
            return anchor, positive, negative


def _ntxent(rng, options, labels):
    labels = np.asarray(labels)
    dimension = 2 if labels.size == 6 else 3
    while True:
        embeddings = f32(rng.standard_normal((labels.size, dimension)))
        if np.all(np.linalg.norm(embeddings, axis=1) > 0.3):
            return embeddings, labels


def _circle(rng, options, labels, unit=False):
    """Embeddings whose pairs stay away from the kinks of α_n = [s + m]₊ (negatives, s = −m) and
    α_p = [1 + m − s]₊ (positives, s = 1 + m); ``unit`` rows (float32-rounded, so |x| = 1 within
    1e-7) for ``normalize=False``."""
    labels = np.asarray(labels)
    margin = options.get("margin", 0.4)
    negative = labels[:, None] != labels[None, :]
    positive = ~negative & ~np.eye(labels.size, dtype=bool)
    while True:
        embeddings = rng.standard_normal((labels.size, 3))
        norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
        if np.any(norms < 0.3):
            continue
        cosine = (embeddings / norms) @ (embeddings / norms).T
        if away_from(cosine[negative], (-margin,), gap=1e-2) and away_from(cosine[positive], (1 + margin,), gap=1e-2):
            return f32(embeddings / norms if unit else embeddings), labels


CASES: list[Case] = [
    Case("margin_rank", "margin_ranking", "default", {}, _margin_ranking, LABEL_WEIGHTINGS, wrt=(0, 1)),
    Case(
        "margin_rank",
        "margin_ranking",
        "margin0.5-broadcast",
        {"margin": 0.5},
        functools.partial(_margin_ranking, broadcast=True),
        BASE_WEIGHTINGS,
        wrt=(0, 1),
    ),
    Case("margin_rank", "margin_ranking", "margin-1", {"margin": -1.0}, _margin_ranking, wrt=(0, 1)),
    Case("hinge_emb", "hinge_embedding", "default", {}, _hinge_embedding, LABEL_WEIGHTINGS),
    Case(
        "hinge_emb",
        "hinge_embedding",
        "margin2-target0",
        {"margin": 2.0},
        functools.partial(_hinge_embedding, with_zero=True),
    ),
    Case("cos_emb", "cosine_embedding", "default", {}, _cosine_embedding, LABEL_WEIGHTINGS, wrt=(0, 1)),
    Case(
        "cos_emb", "cosine_embedding", "margin0.5-eps0.25", {"margin": 0.5, "eps": 0.25}, _cosine_embedding, wrt=(0, 1)
    ),
    Case(
        "cos_emb", "cosine_embedding", "axis0-margin-0.25", {"axis": 0, "margin": -0.25}, _cosine_embedding, wrt=(0, 1)
    ),
    Case(
        "cos_emb",
        "cosine_embedding",
        "axis1-broadcast",
        {"axis": 1},
        functools.partial(_cosine_embedding, broadcast=True),
        wrt=(0, 1),
    ),
    Case("rank_softmax", "ranking_softmax", "default", {}, _ranking_lists, LABEL_WEIGHTINGS),
    Case(
        "rank_softmax",
        "ranking_softmax",
        "axis0-padding",
        {"axis": 0},
        functools.partial(_ranking_lists, padding=True),
        GROUP_WEIGHTINGS,
    ),
    Case("triplet", "triplet_margin", "default", {}, _triplet, LABEL_WEIGHTINGS, wrt=(0, 1, 2)),
    Case(
        "triplet",
        "triplet_margin",
        "p1-swap-margin0.5",
        {"p": 1.0, "swap": True, "margin": 0.5},
        _triplet,
        wrt=(0, 1, 2),
    ),
    Case(
        "triplet", "triplet_margin", "p3-eps0-margin2", {"p": 3.0, "eps": 0.0, "margin": 2.0}, _triplet, wrt=(0, 1, 2)
    ),
    Case(
        "triplet",
        "triplet_margin",
        "p1.5-swap-axis0-eps0.01",
        {"p": 1.5, "swap": True, "axis": 0, "eps": 0.01},
        _triplet,
        wrt=(0, 1, 2),
    ),
    Case("ntxent", "ntxent", "pairs", {}, functools.partial(_ntxent, labels=[0, 0, 1, 1, 2, 2]), GROUP_WEIGHTINGS),
    Case(
        "ntxent",
        "ntxent",
        "t0.5-groups-int32",
        {"temperature": 0.5},
        functools.partial(_ntxent, labels=np.array([0, 1, 0, 2, 0, 1], dtype=np.int32)),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "ntxent",
        "ntxent",
        "t0.25-one-group",
        {"temperature": 0.25},
        functools.partial(_ntxent, labels=[3, 3, 3, 3, 3]),
        BASE_WEIGHTINGS,
    ),
    # Class 3 has one member: its row has no positive and counts nothing.
    Case(
        "circle",
        "circle",
        "default-lonely-row",
        {},
        functools.partial(_circle, labels=[0, 0, 1, 1, 2, 2, 0, 3]),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "circle",
        "circle",
        "g32-m0.25-keepdiag-int32",
        {"gamma": 32.0, "margin": 0.25, "remove_diagonal": False},
        functools.partial(_circle, labels=np.array([1, 0, 1, 2, 0, 2], dtype=np.int32)),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "circle",
        "circle",
        "unit-rows-g16-m-0.1",
        {"normalize": False, "gamma": 16.0, "margin": -0.1},
        functools.partial(_circle, labels=[0, 1, 0, 1, 2, 2], unit=True),
    ),
    # No negatives at all: every row counts nothing, "mean" is 0.
    Case(
        "circle",
        "circle",
        "g4-one-class",
        {"gamma": 4.0},
        functools.partial(_circle, labels=[5, 5, 5, 5]),
        BASE_WEIGHTINGS,
    ),
]


def _pair_distances(embeddings, normalize=False, distance="euclidean"):
    """(N, N) distances of the embedding-batch losses: Euclidean (of unit rows when ``normalize``), squared, or
    1 − cos."""
    if normalize or distance == "cosine":
        embeddings = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    squared = np.sum((embeddings[:, None, :] - embeddings[None, :, :]) ** 2, axis=-1)
    if distance == "cosine":
        return squared / 2
    return squared if distance == "squared_euclidean" else np.sqrt(squared)


def _contrastive(rng, options, labels):
    """Embeddings whose pair distances stay away from both margins (the hinges' kinks)."""
    labels = np.asarray(labels)
    margins = (options.get("pos_margin", 0.0), options.get("neg_margin", 1.0))
    off_diagonal = ~np.eye(labels.size, dtype=bool)
    while True:
        embeddings = f32(rng.standard_normal((labels.size, 3)))
        if np.any(np.linalg.norm(embeddings, axis=1) < 0.3):
            continue
        distances = _pair_distances(embeddings, options.get("normalize", True))[off_diagonal]
        if away_from(distances, margins) and np.any(distances < margins[1]):
            return embeddings, labels


def _mined_triplet(rng, options, labels):
    """Embeddings whose distances from each row are 1e-3 or more apart (the mining's comparisons, its minima and
    maxima) and whose margin + d_ij − d_ik all stay 1e-3 or more from the hinge's kink."""
    labels = np.asarray(labels)
    margin = options.get("margin", 1.0)
    while True:
        embeddings = f32(rng.standard_normal((labels.size, 3)))
        if np.any(np.linalg.norm(embeddings, axis=1) < 0.3):
            continue
        distances = _pair_distances(embeddings, distance=options.get("distance", "euclidean"))
        gaps = np.diff(np.sort(distances, axis=1), axis=1)
        if np.all(gaps > 1e-3) and away_from(margin + distances[:, :, None] - distances[:, None, :], (0.0,)):
            return embeddings, labels


_LONELY = [0, 0, 1, 1, 2, 2, 0, 3]  # class 3 has one member: a row without positives
_INT32_GROUPS = np.array([1, 0, 1, 2, 0, 2, 2, 1], dtype=np.int32)

CASES += [
    Case(
        "contrastive",
        "contrastive",
        "default-lonely-row",
        {},
        functools.partial(_contrastive, labels=_LONELY),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "contrastive",
        "contrastive",
        "pm0.25-nm1.5-squared-raw-int32",
        {"pos_margin": 0.25, "neg_margin": 1.5, "squared": True, "normalize": False},
        functools.partial(_contrastive, labels=_INT32_GROUPS),
    ),
    Case(
        "supcon",
        "supervised_contrastive",
        "default-lonely-row",
        {},
        functools.partial(_ntxent, labels=_LONELY),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "supcon",
        "supervised_contrastive",
        "t0.5-int32",
        {"temperature": 0.5},
        functools.partial(_ntxent, labels=_INT32_GROUPS),
    ),
    Case(
        "mined_triplet",
        "mined_triplet",
        "semi_hard-lonely-row",
        {},
        functools.partial(_mined_triplet, labels=_LONELY),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "mined_triplet",
        "mined_triplet",
        "hard-squared-m0.5-lonely-row",
        {"mining": "hard", "distance": "squared_euclidean", "margin": 0.5},
        functools.partial(_mined_triplet, labels=_LONELY),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "mined_triplet",
        "mined_triplet",
        "hard-soft-cosine-int32",
        {"mining": "hard", "soft": True, "distance": "cosine"},
        functools.partial(_mined_triplet, labels=_INT32_GROUPS),
    ),
]


def _lifted_structure(rng, options, labels, inactive=False):
    """Embeddings whose positive pairs' J_ij = log(Σ_{N(i)} e^{α − D} + Σ_{N(j)} e^{α − D}) + D_ij all stay away from
    the hinge's kink at 0, some above it (and, with ``inactive``, some below)."""
    labels = np.asarray(labels)
    negative = labels[:, None] != labels[None, :]
    positive = ~negative & ~np.eye(labels.size, dtype=bool)
    while True:
        embeddings = f32(rng.standard_normal((labels.size, 3)))
        if np.any(np.linalg.norm(embeddings, axis=1) < 0.3):
            continue
        distances = _pair_distances(embeddings, options.get("normalize", False))
        spread = np.sum(np.where(negative, np.exp(options.get("margin", 1.0) - distances), 0.0), axis=1)
        hinges = (np.log(spread[:, None] + spread[None, :]) + distances)[positive]
        if away_from(hinges, (0.0,)) and np.any(hinges > 0) and (not inactive or np.any(hinges < 0)):
            return embeddings, labels


def _npairs(rng, options, labels):
    """Anchors and positives near them (dot products of a few units), one pair per row."""
    labels = np.asarray(labels)
    anchor = rng.standard_normal((labels.size, 3))
    return f32(anchor), f32(anchor + 0.5 * rng.standard_normal(anchor.shape)), labels


_NPAIRS_DISTINCT = [3, 0, 5, 1, 2, 4]

CASES += [
    Case(
        "lifted",
        "lifted_structure",
        "default-lonely-row",
        {},
        functools.partial(_lifted_structure, labels=_LONELY),
        GROUP_WEIGHTINGS,
    ),
    Case(
        "lifted",
        "lifted_structure",
        "m-1.5-normalize-int32",
        {"margin": -1.5, "normalize": True},
        functools.partial(_lifted_structure, labels=_INT32_GROUPS, inactive=True),
    ),
    Case(
        "npairs",
        "npairs",
        "distinct",
        {},
        functools.partial(_npairs, labels=_NPAIRS_DISTINCT),
        GROUP_WEIGHTINGS,
        wrt=(0, 1),
    ),
    Case(
        "npairs",
        "npairs",
        "l2_0.5-groups-int32",
        {"l2_reg": 0.5},
        functools.partial(_npairs, labels=_INT32_GROUPS[:6]),
        wrt=(0, 1),
    ),
]
