"""Mapping rows of the ranking losses (see tests/support/mapping/__init__.py)."""

from __future__ import annotations

import numpy as np

from tests.support.mapping import Row

ROWS: list[Row] = []


def _signs(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.choice([-1.0, 1.0], shape)


def _ranking_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    while True:
        input1, input2, target = rng.standard_normal((4, 5)), rng.standard_normal((4, 5)), _signs(rng, (4, 5))
        # Away from the kink of max(0, margin − t·(x₁ − x₂)) for the margins used below.
        if all(np.all(np.abs(m - target * (input1 - input2)) > 1e-3) for m in (0.0, 0.5)):
            return {"input1": input1, "input2": input2, "target": target}


def _hinge_embedding_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    while True:
        distances = np.abs(rng.standard_normal((4, 5))) * 2
        target = rng.choice([-1.0, 1.0, 0.0], (4, 5), p=[0.45, 0.45, 0.1])
        if all(np.all(np.abs(m - distances) > 1e-3) for m in (1.0, 2.0)):
            return {"input": distances, "target": target}


def _cosine_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    input1 = rng.standard_normal((6, 4))
    input2 = rng.uniform(-1, 1, (6, 1)) * input1 + 0.5 * rng.standard_normal((6, 4))
    target = _signs(rng, (6,))
    return {"input1": input1, "input2": input2, "target": target}


def _triplet_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    while True:
        anchor = rng.standard_normal((6, 4))
        positive = anchor + 0.8 * rng.standard_normal((6, 4))
        negative = anchor + 1.2 * rng.standard_normal((6, 4))
        inputs = {"anchor": anchor, "positive": positive, "negative": negative}
        # Away from the hinge and swap kinks for the options used below (finite differences
        # are not involved, but a tie would make torch's and lossx's subgradients differ).
        ok = True
        for p in (1.0, 2.0):
            d = {
                k: np.sum(np.abs(x - y + 1e-6) ** p, axis=-1) ** (1 / p)
                for k, (x, y) in {
                    "ap": (anchor, positive),
                    "an": (anchor, negative),
                    "pn": (positive, negative),
                }.items()
            }
            for swap in (False, True):
                d_neg = np.minimum(d["an"], d["pn"]) if swap else d["an"]
                ok &= bool(np.all(np.abs(1.0 + d["ap"] - d_neg) > 1e-3)) and bool(
                    np.all(np.abs(d["an"] - d["pn"]) > 1e-3)
                )
        if ok:
            return inputs


def _ntxent_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "embeddings": rng.standard_normal((8, 3)),
        # A group of three, two pairs and a singleton (an anchor with no positive).
        "labels": np.array([0, 1, 0, 2, 1, 0, 2, 7], dtype=np.int64),
    }


def _ntxent_pairs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"embeddings": rng.standard_normal((8, 5)), "labels": np.array([0, 1, 2, 3, 0, 1, 2, 3])}


# ----------------------------------------------------------------- margin_ranking

ROWS += [
    Row(
        "margin_ranking",
        "torch",
        "F.margin_ranking_loss(input1, input2, target, margin=0.5)",
        "lossx.margin_ranking(input1, input2, target, margin=0.5)",
        _ranking_inputs,
        grad="input1",
    ),
    Row(
        "margin_ranking",
        "torch",
        "F.margin_ranking_loss(input1, input2, target, reduction='none')",
        "lossx.margin_ranking(input1, input2, target, reduction='none')",
        _ranking_inputs,
        grad="input2",
    ),
    Row(
        "margin_ranking",
        "torch",
        "nn.MarginRankingLoss(margin=0.5, reduction='sum')(input1, input2, target)",
        "LT.MarginRankingLoss(margin=0.5, reduction='sum')(input1, input2, target)",
        _ranking_inputs,
        notes="Preset: torch's class name and options.",
        grad="input1",
    ),
]

# ----------------------------------------------------------------- hinge_embedding

ROWS += [
    Row(
        "hinge_embedding",
        "torch",
        "F.hinge_embedding_loss(input, target, margin=2.0, reduction='none')",
        "lossx.hinge_embedding(input, target, margin=2.0, reduction='none')",
        _hinge_embedding_inputs,
        notes="Targets ±1; like torch's kernel, any other target (here some 0s) gets both terms, "
        "x + max(0, margin − x).",
        grad="input",
    ),
    Row(
        "hinge_embedding",
        "torch",
        "nn.HingeEmbeddingLoss()(input, target)",
        "LT.HingeEmbeddingLoss()(input, target)",
        _hinge_embedding_inputs,
        notes="Preset: torch's class name and options (margin=1.0).",
        grad="input",
    ),
]

# ----------------------------------------------------------------- cosine_embedding

ROWS += [
    Row(
        "cosine_embedding",
        "torch",
        "F.cosine_embedding_loss(input1, input2, target, margin=0.2)",
        "lossx.cosine_embedding(input1, input2, target, margin=0.2)",
        _cosine_inputs,
        notes="Features on the last axis (torch's dim 1 of 2-D inputs); pass axis= for another layout. "
        "ε = 1e-12 is added to each squared norm as in torch (option eps); torch stores it in single "
        "precision (≈ 9.99999996e-13), a difference visible only for vectors of norm ~1e-6.",
        grad="input1",
    ),
    Row(
        "cosine_embedding",
        "torch",
        "F.cosine_embedding_loss(input1, input2, target, reduction='none')",
        "lossx.cosine_embedding(input1, input2, target, reduction='none')",
        _cosine_inputs,
        grad="input2",
    ),
    Row(
        "cosine_embedding",
        "torch",
        "nn.CosineEmbeddingLoss(margin=0.2)(input1, input2, target)",
        "LT.CosineEmbeddingLoss(margin=0.2)(input1, input2, target)",
        _cosine_inputs,
        notes="Preset: torch's class name and options.",
        grad="input1",
    ),
]

# ----------------------------------------------------------------- ranking_softmax


def _ranking_lists(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Five lists of six items: graded relevances (list 1 all 0), and optax's ``where`` with list 3 all padding."""
    scores = rng.standard_normal((5, 6)) * 1.5
    labels = rng.integers(0, 4, (5, 6)).astype(np.float64)
    labels[1] = 0.0
    where = rng.random((5, 6)) < 0.75
    where[3] = False
    return {"scores": scores, "labels": labels, "where": where}


ROWS += [
    Row(
        "ranking_softmax",
        "optax",
        "optax.losses.ranking_softmax_loss(scores, labels)",
        "lossx.ranking_softmax(scores, labels)",
        _ranking_lists,
        notes="Both average over lists; relevances are used as they are (not normalised), so a list whose "
        "relevances are all 0 has loss 0 and counts in the mean.",
        grad="scores",
    ),
    Row(
        "ranking_softmax",
        "optax",
        "optax.losses.ranking_softmax_loss(scores, labels, where=where, reduce_fn=jnp.sum)",
        'lossx.ranking_softmax(jnp.where(where, scores, -jnp.inf), labels, reduction="sum")',
        _ranking_lists,
        notes="optax's where=False is a score of −inf in lossx: the item and its relevance count nothing.",
        grad="scores",
    ),
    Row(
        "ranking_softmax",
        "optax",
        "optax.losses.ranking_softmax_loss(scores, labels, where=where, weights=labels + 1.0, reduce_fn=None)",
        'lossx.ranking_softmax(jnp.where(where, scores, -jnp.inf), labels * (labels + 1.0), reduction="none")',
        _ranking_lists,
        notes="optax's weights multiply the relevances; reduce_fn=None is reduction='none' (0 for a list of "
        "padding only, on both sides). With where, optax's mean leaves such lists out, as lossx's mean does.",
    ),
]

# ----------------------------------------------------------------- triplet_margin

ROWS += [
    Row(
        "triplet_margin",
        "torch",
        "F.triplet_margin_loss(anchor, positive, negative)",
        "lossx.triplet_margin(anchor, positive, negative)",
        _triplet_inputs,
        notes="Same defaults (margin=1, p=2, eps=1e-6 added to the difference, swap=False); features on "
        "the last axis. torch refuses margin ≤ 0; lossx accepts margin = 0.",
        grad="anchor",
    ),
    Row(
        "triplet_margin",
        "torch",
        "F.triplet_margin_loss(anchor, positive, negative, margin=0.5, p=1, swap=True, reduction='none')",
        "lossx.triplet_margin(anchor, positive, negative, margin=0.5, p=1, swap=True, reduction='none')",
        _triplet_inputs,
        grad="positive",
    ),
    Row(
        "triplet_margin",
        "torch",
        "nn.TripletMarginLoss(margin=1.0, p=2, swap=True)(anchor, positive, negative)",
        "LT.TripletMarginLoss(margin=1.0, p=2, swap=True)(anchor, positive, negative)",
        _triplet_inputs,
        notes="Preset: torch's class name and options.",
        grad="negative",
    ),
    Row(
        "triplet_margin",
        "torch",
        "nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1), swap=True, "
        "reduction='none')(anchor, positive, negative)",
        "LT.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1), swap=True, "
        "reduction='none')(anchor, positive, negative)",
        _triplet_inputs,
        notes="Preset: torch's class; distance_function=None is triplet_margin (p=2, eps=1e-6), any other callable "
        "gives the distances of margin_ranking(d(a, n), d(a, p), 1, margin).",
        grad="anchor",
    ),
    Row(
        "triplet_margin",
        "optax",
        "optax.losses.triplet_margin_loss(anchor, positive, negative, eps=0.0)",
        "lossx.triplet_margin(anchor, positive, negative, eps=0.0, reduction='none')",
        _triplet_inputs,
        notes="optax returns per-row values: reduction='none'. optax adds eps to the sum of powers "
        "((Σ dᵖ + eps)^(1/p)), lossx and torch to each difference ((Σ |d + eps|ᵖ)^(1/p)), so the rows "
        "agree exactly at eps=0 and differ by O(eps) otherwise. optax raises signed differences to "
        "norm_degree, so its odd degrees (norm_degree=1) are not p-norm distances; lossx's p is.",
        grad="anchor",
    ),
]

# ----------------------------------------------------------------- ntxent

ROWS += [
    Row(
        "ntxent",
        "optax",
        "optax.losses.ntxent(embeddings, labels)",
        "lossx.ntxent(embeddings, labels)",
        _ntxent_pairs,
        notes="SimCLR batch: each example and its augmentation share a label.",
        grad="embeddings",
    ),
    Row(
        "ntxent",
        "optax",
        "optax.losses.ntxent(embeddings, labels, temperature=0.5)",
        "lossx.ntxent(embeddings, labels, temperature=0.5)",
        _ntxent_inputs,
        notes="Groups of any size: optax averages over positive pairs, and so does lossx's 'mean' "
        "(each anchor row's unreduced value is the sum over its positives, weighted by their count); "
        "anchors with no positive count nothing. With no positive pair at all optax gives NaN, "
        "lossx 0.",
        grad="embeddings",
    ),
]

# ----------------------------------------------------------------- circle


def _circle_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Keras names: y_true integer labels (class 3 alone: a row without positives), y_pred unit rows."""
    embeddings = rng.standard_normal((7, 3))
    return {
        "y_true": np.array([0, 1, 2, 0, 1, 2, 3]),
        "y_pred": embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True),
    }


ROWS += [
    Row(
        "circle",
        "keras",
        'keras.losses.Circle(dtype="float64")(y_true, y_pred)',
        "lossx.circle(y_pred, y_true, normalize=False)",
        _circle_inputs,
        notes="Keras expects unit-norm embeddings and takes 1 − y_pred·y_predᵀ as distances: normalize=False "
        "(lossx's default normalises, giving cosine similarities of any embeddings). Keras masks rows "
        "whose loss is 0 (no positive or no negative pair), so its sum_over_batch_size averages the "
        "other rows: lossx's 'mean'.",
    ),
    Row(
        "circle",
        "keras",
        'keras.losses.Circle(gamma=32.0, margin=0.25, remove_diagonal=False, reduction=None, dtype="float64")(y_true, '
        "y_pred)",
        'LK.Circle(gamma=32.0, margin=0.25, remove_diagonal=False, reduction=None, dtype="float64")(y_true, y_pred)',
        _circle_inputs,
        notes="lossx's Keras Circle takes Keras's arguments and defaults (normalize=False).",
    ),
    Row(
        "circle",
        "keras",
        "keras.losses.circle(y_true, y_pred)",
        'lossx.circle(y_pred, y_true, normalize=False, reduction="none")',
        _circle_inputs,
        notes="Per-row values; a row without positives is 0 on both sides. keras.losses.circle's "
        "ref_labels/ref_embeddings (a reference set other than the batch) have no lossx counterpart.",
    ),
]

# ----------------------------------------------------------------- lifted_structure, npairs


def _lifted_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Nine embeddings in four classes, class 3 alone (a row without positives)."""
    return {"embeddings": rng.standard_normal((9, 4)), "labels": np.array([0, 1, 2, 0, 1, 2, 0, 3, 1])}


def _npair_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Six pairs of six distinct classes, each positive near its anchor."""
    anchor = rng.standard_normal((6, 4))
    return {
        "anchor": anchor,
        "positive": anchor + 0.6 * rng.standard_normal((6, 4)),
        "labels": np.array([3, 0, 5, 1, 2, 4]),
    }


ROWS += [
    Row(
        "lifted_structure",
        "pytorch_metric_learning",
        "pml.losses.LiftedStructureLoss(neg_margin=1.5, pos_margin=0.5, "
        "distance=pml.distances.LpDistance(normalize_embeddings=False), reducer=pml.reducers.MeanReducer())"
        "(embeddings, labels)",
        "lossx.lifted_structure(embeddings, labels, margin=1.0)",
        _lifted_inputs,
        notes="pml's margins enter only as neg_margin − pos_margin, lossx's margin (TFA's lifted_struct_loss's "
        "margin). pml's default distance normalises the embeddings: normalize=True. Its default "
        "AvgNonZeroReducer averages the nonzero pair losses only; MeanReducer, the mean over positive pairs, "
        "is lossx's 'mean' (SumReducer its 'sum').",
        grad="embeddings",
    ),
    Row(
        "npairs",
        "pytorch_metric_learning",
        "pml.losses.NPairsLoss(distance=pml.distances.DotProductSimilarity(normalize_embeddings=False))"
        "(torch.cat([anchor, positive]), torch.cat([labels, labels]))",
        "lossx.npairs(anchor, positive, labels)",
        _npair_inputs,
        notes="pml forms its pairs from one batch and keeps one pair per class: with distinct labels, the rows "
        "[anchor; positive] are lossx's pairs. pml's default similarity normalises the embeddings; lossx "
        "takes the dot products as the paper and TFA do. lossx also takes classes shared by several "
        "pairs (the targets split among them, as TFA's npairs_loss).",
        grad="anchor",
    ),
]
