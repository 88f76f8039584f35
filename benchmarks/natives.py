"""What the harness times: each loss's inputs at a size N×C, and each framework's own equivalent.

Every loss gets N·C prediction elements in float32 (integer labels int64):
elementwise and class-axis losses take (N, C); the overlap losses (dice, generalized_dice,
tversky, focal_tversky, jaccard, mcc, lovasz_softmax) take (N/16, 16, C): 16 "pixels" per sample, and
lovasz_hinge binary masks of that shape (16·C pixels per sample); the box losses take
N·C/4 pairs of boxes (N·C/4, 4); ctc takes logits (N/32, 32, C) (32 frames, 8 labels per sequence).

A :class:`Native` is a framework's call that gives the same number as lossx's
adapter called on ``inputs`` with ``options``. torch, optax and NumPy natives are
Python expressions over the arrays of the loss's input maker (compiled once into
a function, so the text shown in BENCHMARKS.md is exactly what runs); a Keras native
is the expression of a ``keras.losses.Loss`` object, called ``(y_true, y_pred)`` on
``inputs`` in Keras's order, as lossx's Keras class is. The harness checks that both
sides give the same value before timing them. The pairings follow the mapping page
(docs/mapping.md), with the mean reduction on both sides.

NumPy has no loss library, so its "native" is a hand-written NumPy expression of the
same formula, where the formula fits on one line: it measures what lossx's Array-API
layer costs over plain NumPy. Losses without one report lossx's absolute time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The frameworks that have natives: torch modes use ``torch``, JAX jit ``optax``,
#: Keras/TF modes ``keras``, NumPy ``numpy``.
NATIVE_LIBRARIES = ("torch", "optax", "keras", "numpy")

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Native:
    """A framework's equivalent of lossx called on ``inputs`` (lossx's order) with ``options``."""

    expr: str
    inputs: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Benchmark:
    """One loss: its input maker, the default lossx call, and its natives by library.

    ``inputs``/``options`` are used in frameworks without a native (lossx's absolute
    time); the first input is the prediction, the array differentiated.
    """

    loss: str
    make: Callable[[np.random.Generator, int, int], Arrays]
    inputs: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    torch: Native | None = None
    optax: Native | None = None
    keras: Native | None = None
    numpy: Native | None = None

    def native(self, library: str) -> Native | None:
        return getattr(self, library)

    def call(self, library: str) -> tuple[tuple[str, ...], Mapping[str, Any]]:
        """lossx's inputs and options when timed against ``library``'s native (or alone)."""
        native = self.native(library)
        return (native.inputs, native.options) if native else (self.inputs, self.options)


# ------------------------------------------------------------------ input makers


def _normal(rng: np.random.Generator, shape: tuple, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape, dtype=np.float32) * scale).astype(np.float32)


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))).astype(np.float32)


def _signs(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.choice(np.array([-1.0, 1.0], dtype=np.float32), shape)


def _labels(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    return rng.integers(0, c, n, dtype=np.int64)


def _one_hot(labels: np.ndarray, c: int) -> np.ndarray:
    return (labels[..., None] == np.arange(c)).astype(np.float32)


def regression(rng, n, c) -> Arrays:
    return {"x": _normal(rng, (n, c), 1.5), "t": _normal(rng, (n, c))}


def percentage(rng, n, c) -> Arrays:
    t = _signs(rng, (n, c)) * rng.uniform(0.25, 3.0, (n, c)).astype(np.float32)
    return {"x": t + _normal(rng, (n, c)), "t": t}


def logarithmic(rng, n, c) -> Arrays:
    return {"x": rng.uniform(0, 4, (n, c)).astype(np.float32), "t": rng.uniform(0, 4, (n, c)).astype(np.float32)}


def counts(rng, n, c) -> Arrays:
    log_rate = _normal(rng, (n, c), 0.5)
    return {"log_rate": log_rate, "rate": np.exp(log_rate), "counts": rng.poisson(2.0, (n, c)).astype(np.float32)}


def gaussian(rng, n, c) -> Arrays:
    return {**regression(rng, n, c), "var": rng.uniform(0.2, 2.0, (n, c)).astype(np.float32)}


def binary(rng, n, c) -> Arrays:
    return {"logits": _normal(rng, (n, c), 2.0), "t": (rng.random((n, c)) < 0.5).astype(np.float32)}


def signed(rng, n, c) -> Arrays:
    return {"x": _normal(rng, (n, c), 1.5), "t": _signs(rng, (n, c))}


def sparse(rng, n, c) -> Arrays:
    return {"logits": _normal(rng, (n, c), 2.0), "labels": _labels(rng, n, c)}


def soft(rng, n, c) -> Arrays:
    return {"logits": _normal(rng, (n, c), 2.0), "soft": _softmax(_normal(rng, (n, c)))}


def one_hot(rng, n, c) -> Arrays:
    return {"logits": _normal(rng, (n, c), 2.0), "one_hot": _one_hot(_labels(rng, n, c), c)}


def probabilities(rng, n, c) -> Arrays:
    return {"probs": _softmax(_normal(rng, (n, c))), "labels": _labels(rng, n, c)}


def distributions(rng, n, c) -> Arrays:
    """Scale-1 logits, so Keras's clipping at 1e-7 hardly ever applies, even for C = 32000."""
    logits = _normal(rng, (n, c))
    return {"log_probs": _log_softmax(logits), "probs": _softmax(logits), "target": _softmax(_normal(rng, (n, c)))}


def cosines(rng, n, c) -> Arrays:
    return {"cos": rng.uniform(-1, 1, (n, c)).astype(np.float32), "labels": _labels(rng, n, c)}


def log_probabilities(rng, n, c) -> Arrays:
    return {"log_probs": _log_softmax(_normal(rng, (n, c), 2.0)), "labels": _labels(rng, n, c)}


def positive_scores(rng, n, c) -> Arrays:
    """Positive scores: there optax's Crammer-Singer hinge equals the categorical hinge."""
    labels = _labels(rng, n, c)
    return {
        "scores": rng.uniform(0.1, 3.0, (n, c)).astype(np.float32),
        "one_hot": _one_hot(labels, c),
        "labels": labels,
    }


def multilabel(rng, n, c) -> Arrays:
    return {"x": _normal(rng, (n, c), 2.0), "t": (rng.random((n, c)) < 0.5).astype(np.float32)}


#: Classes of the multi-label margin benchmark: outside torch, lossx pairs every label with every
#: class (memory C² per row), so the big sizes' C would not fit (docs/performance.md).
LABEL_LIST_CLASSES = 64


def label_lists(rng, n, c) -> Arrays:
    """Scores (n, min(c, 64)) and label lists: up to 3 labels per row, ended by −1."""
    classes = min(c, LABEL_LIST_CLASSES)
    lists = np.full((n, classes), -1, dtype=np.int64)
    for row, count in enumerate(rng.integers(1, 4, n)):
        lists[row, :count] = rng.choice(classes, min(count, classes), replace=False)
    return {"x": _normal(rng, (n, classes), 1.5), "t": lists}


def segmentation(rng, n, c) -> Arrays:
    """lossx takes the labels from logits (softmax; dense targets with logits would mean sigmoid)."""
    shape = (max(1, n // 16), 16, c)
    logits, labels = _normal(rng, shape, 1.5), rng.integers(0, c, shape[:2], dtype=np.int64)
    return {"logits": logits, "probs": _softmax(logits), "labels": labels, "one_hot": _one_hot(labels, c)}


def binary_masks(rng, n, c) -> Arrays:
    """Logits of (N/16, 16, C) binary masks, one image per sample, and their 0/1 targets."""
    shape = (max(1, n // 16), 16, c)
    return {"logits": _normal(rng, shape, 1.5), "masks": (rng.random(shape) < 0.4).astype(np.float32)}


def boxes(rng, n, c) -> Arrays:
    """N·C/4 pairs of (x1, y1, x2, y2) boxes: corners in [0, 10), sides in [0.5, 4), targets moved and resized."""
    count = max(1, n * c // 4)
    corner, size = rng.uniform(0, 10, (count, 2)), rng.uniform(0.5, 4, (count, 2))
    moved, scale = corner + rng.normal(0, 1, (count, 2)), rng.uniform(0.6, 1.5, (count, 2))
    return {
        "pred": np.concatenate([moved, moved + size * scale], axis=-1).astype(np.float32),
        "target": np.concatenate([corner, corner + size], axis=-1).astype(np.float32),
    }


def pairs(rng, n, c) -> Arrays:
    return {"x1": _normal(rng, (n, c)), "x2": _normal(rng, (n, c)), "t": _signs(rng, (n, c))}


def relevance_lists(rng, n, c) -> Arrays:
    return {"scores": _normal(rng, (n, c), 1.5), "relevance": rng.integers(0, 4, (n, c)).astype(np.float32)}


def distances(rng, n, c) -> Arrays:
    return {"d": np.abs(_normal(rng, (n, c), 2.0)), "t": _signs(rng, (n, c))}


def embedding_pairs(rng, n, c) -> Arrays:
    return {"x1": _normal(rng, (n, c)), "x2": _normal(rng, (n, c)), "t": _signs(rng, (n,))}


def triplets(rng, n, c) -> Arrays:
    anchor = _normal(rng, (n, c))
    return {
        "anchor": anchor,
        "positive": anchor + _normal(rng, (n, c), 0.8),
        "negative": anchor + _normal(rng, (n, c), 1.2),
    }


def contrastive(rng, n, c) -> Arrays:
    """A SimCLR batch: rows 2k and 2k+1 are two views of one example (pairs of labels); the
    embeddings also scaled to unit rows, as Keras's Circle expects them."""
    embeddings = _normal(rng, (n, c))
    unit = (embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)).astype(np.float32)
    return {"embeddings": embeddings, "unit_embeddings": unit, "labels": np.arange(n, dtype=np.int64) // 2}


#: Rows and features of the embedding batches whose Euclidean distances lossx takes from the rows' differences
#: (memory N²·D) and whose semi-hard mining compares every triplet (N³): the big sizes would not fit.
PAIRWISE_ROWS, PAIRWISE_FEATURES = 256, 64


def pairwise(rng, n, c) -> Arrays:
    """A batch of min(n, 256) embeddings of min(c, 64) features, in classes of four."""
    rows, features = min(n, PAIRWISE_ROWS), min(c, PAIRWISE_FEATURES)
    return {"embeddings": _normal(rng, (rows, features)), "labels": np.arange(rows, dtype=np.int64) // 4}


def npair_batch(rng, n, c) -> Arrays:
    """n anchors, each with a positive near it, in n classes: the paper's N-pair batch."""
    anchor = _normal(rng, (n, c), 0.5)
    return {"anchor": anchor, "positive": anchor + _normal(rng, (n, c), 0.25), "labels": np.arange(n, dtype=np.int64)}


CTC_FRAMES, CTC_LABELS = 32, 8


def sequences(rng, n, c) -> Arrays:
    batch = max(1, n // CTC_FRAMES)
    return {
        "logits": _normal(rng, (batch, CTC_FRAMES, c), 1.5),
        "labels": rng.integers(1, c, (batch, CTC_LABELS), dtype=np.int64),
        "input_lengths": np.full(batch, CTC_FRAMES, dtype=np.int64),
        "label_lengths": np.full(batch, CTC_LABELS, dtype=np.int64),
        "logit_paddings": np.zeros((batch, CTC_FRAMES), dtype=np.float32),
        "label_paddings": np.zeros((batch, CTC_LABELS), dtype=np.float32),
    }


# ------------------------------------------------------------------ hand-written NumPy helpers


def logsumexp(x: np.ndarray) -> np.ndarray:
    """Max-shifted logsumexp over the last axis: the helper NumPy natives use."""
    largest = x.max(axis=-1, keepdims=True)
    return (np.log(np.exp(x - largest).sum(axis=-1, keepdims=True)) + largest)[..., 0]


# ------------------------------------------------------------------ the losses

_XT = ("x", "t")
_LOGITS = {"from_logits": True}
_HUBER_NP = "np.mean(np.where(np.abs(x - t) <= 1, 0.5 * (x - t) ** 2, np.abs(x - t) - 0.5))"

BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark(
        "mean_squared_error",
        regression,
        _XT,
        torch=Native("F.mse_loss(x, t)", _XT),
        optax=Native("jnp.mean(optax.losses.squared_error(x, t))", _XT),
        keras=Native("keras.losses.MeanSquaredError()", _XT),
        numpy=Native("np.mean((x - t) ** 2)", _XT),
    ),
    Benchmark(
        "mean_absolute_error",
        regression,
        _XT,
        torch=Native("F.l1_loss(x, t)", _XT),
        keras=Native("keras.losses.MeanAbsoluteError()", _XT),
        numpy=Native("np.mean(np.abs(x - t))", _XT),
    ),
    Benchmark(
        "huber",
        regression,
        _XT,
        torch=Native("F.huber_loss(x, t)", _XT),
        optax=Native("jnp.mean(optax.losses.huber_loss(x, t))", _XT),
        keras=Native("keras.losses.Huber()", _XT),
        numpy=Native(_HUBER_NP, _XT),
    ),
    Benchmark(
        "mean_absolute_percentage_error",
        percentage,
        _XT,
        keras=Native("keras.losses.MeanAbsolutePercentageError()", _XT),
        numpy=Native("100 * np.mean(np.abs((t - x) / np.maximum(np.abs(t), 1e-7)))", _XT),
    ),
    Benchmark(
        "mean_squared_logarithmic_error",
        logarithmic,
        _XT,
        keras=Native("keras.losses.MeanSquaredLogarithmicError()", _XT),
        numpy=Native("np.mean((np.log1p(np.maximum(x, 1e-7)) - np.log1p(np.maximum(t, 1e-7))) ** 2)", _XT),
    ),
    Benchmark(
        "smooth_l1",
        regression,
        _XT,
        torch=Native("F.smooth_l1_loss(x, t)", _XT),
        # With beta = delta = 1 smooth L1 is Huber.
        optax=Native("jnp.mean(optax.losses.huber_loss(x, t))", _XT),
        keras=Native("keras.losses.Huber()", _XT),
        numpy=Native(_HUBER_NP, _XT),
    ),
    Benchmark(
        "log_cosh",
        regression,
        _XT,
        optax=Native("jnp.mean(optax.losses.log_cosh(x, t))", _XT),
        keras=Native("keras.losses.LogCosh()", _XT),
        numpy=Native("np.mean(np.logaddexp(x - t, t - x) - np.log(2))", _XT),
    ),
    Benchmark("quantile", regression, _XT, numpy=Native("np.mean(np.maximum(0.5 * (t - x), -0.5 * (t - x)))", _XT)),
    Benchmark(
        "poisson",
        counts,
        ("rate", "counts"),
        torch=Native("F.poisson_nll_loss(log_rate, counts)", ("log_rate", "counts"), {"log_input": True}),
        keras=Native("keras.losses.Poisson()", ("rate", "counts")),
        numpy=Native("np.mean(rate - counts * np.log(rate + 1e-7))", ("rate", "counts")),
    ),
    Benchmark(
        "gaussian_nll",
        gaussian,
        ("x", "t", "var"),
        torch=Native("F.gaussian_nll_loss(x, t, var)", ("x", "t", "var")),
        numpy=Native(
            "np.mean(0.5 * (np.log(np.maximum(var, 1e-6)) + (x - t) ** 2 / np.maximum(var, 1e-6)))", ("x", "t", "var")
        ),
    ),
    Benchmark(
        "cosine_similarity",
        regression,
        _XT,
        torch=Native("-F.cosine_similarity(x, t, dim=-1).mean()", _XT, {"eps": 1e-8}),
        optax=Native("-jnp.mean(optax.losses.cosine_similarity(x, t))", _XT, {"eps": 0.0}),
        keras=Native("keras.losses.CosineSimilarity()", _XT),
    ),
    Benchmark(
        "binary_cross_entropy",
        binary,
        ("logits", "t"),
        _LOGITS,
        torch=Native("F.binary_cross_entropy_with_logits(logits, t)", ("logits", "t"), _LOGITS),
        optax=Native("jnp.mean(optax.losses.sigmoid_binary_cross_entropy(logits, t))", ("logits", "t"), _LOGITS),
        keras=Native("keras.losses.BinaryCrossentropy(from_logits=True)", ("logits", "t"), _LOGITS),
        numpy=Native("np.mean(np.logaddexp(0, logits) - t * logits)", ("logits", "t"), _LOGITS),
    ),
    Benchmark(
        "binary_focal_cross_entropy",
        binary,
        ("logits", "t"),
        _LOGITS,
        optax=Native(
            "jnp.mean(optax.losses.sigmoid_focal_loss(logits, t, alpha=0.25, gamma=2.0))",
            ("logits", "t"),
            {"alpha": 0.25, **_LOGITS},
        ),
        keras=Native(
            "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.25, from_logits=True)",
            ("logits", "t"),
            {"alpha": 0.25, **_LOGITS},
        ),
    ),
    Benchmark(
        "asymmetric",
        binary,
        ("logits", "t"),
        numpy=Native(
            "np.mean(t * np.logaddexp(0, -logits) - (1 - t) * np.maximum(1 / (1 + np.exp(-logits)) "
            "- 0.05, 0) ** 4 * np.log(np.minimum(1 / (1 + np.exp(logits)) + 0.05, 1)))",
            ("logits", "t"),
        ),
    ),
    Benchmark(
        "categorical_cross_entropy",
        soft,
        ("logits", "soft"),
        _LOGITS,
        torch=Native("F.cross_entropy(logits, soft)", ("logits", "soft"), _LOGITS),
        optax=Native("jnp.mean(optax.losses.softmax_cross_entropy(logits, soft))", ("logits", "soft"), _LOGITS),
        keras=Native("keras.losses.CategoricalCrossentropy(from_logits=True)", ("logits", "soft"), _LOGITS),
        numpy=Native("np.mean(logsumexp(logits) - np.sum(soft * logits, axis=-1))", ("logits", "soft"), _LOGITS),
    ),
    Benchmark(
        "sparse_categorical_cross_entropy",
        sparse,
        ("logits", "labels"),
        _LOGITS,
        torch=Native("F.cross_entropy(logits, labels)", ("logits", "labels"), _LOGITS),
        optax=Native(
            "jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels))",
            ("logits", "labels"),
            _LOGITS,
        ),
        keras=Native("keras.losses.SparseCategoricalCrossentropy(from_logits=True)", ("logits", "labels"), _LOGITS),
        numpy=Native(
            "np.mean(logsumexp(logits) - np.take_along_axis(logits, labels[:, None], -1)[:, 0])",
            ("logits", "labels"),
            _LOGITS,
        ),
    ),
    Benchmark(
        "categorical_focal_cross_entropy",
        one_hot,
        ("logits", "one_hot"),
        _LOGITS,
        keras=Native(
            "keras.losses.CategoricalFocalCrossentropy(alpha=0.25, from_logits=True)",
            ("logits", "one_hot"),
            {"alpha": 0.25, **_LOGITS},
        ),
    ),
    Benchmark("sparse_categorical_focal_cross_entropy", sparse, ("logits", "labels"), _LOGITS),
    Benchmark(
        "poly_cross_entropy",
        one_hot,
        ("logits", "one_hot"),
        _LOGITS,
        optax=Native("jnp.mean(optax.losses.poly_loss_cross_entropy(logits, one_hot))", ("logits", "one_hot"), _LOGITS),
    ),
    Benchmark(
        "generalized_cross_entropy",
        probabilities,
        ("probs", "labels"),
        keras=Native("keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7)", ("probs", "labels")),
    ),
    Benchmark(
        "kl_divergence",
        distributions,
        ("log_probs", "target"),
        {"log_input": True},
        torch=Native(
            'F.kl_div(log_probs, target, reduction="batchmean")', ("log_probs", "target"), {"log_input": True}
        ),
        optax=Native(
            "jnp.mean(optax.losses.kl_divergence(log_probs, target))", ("log_probs", "target"), {"log_input": True}
        ),
        keras=Native("keras.losses.KLDivergence()", ("probs", "target")),
        numpy=Native(
            "np.mean(np.sum(target * (np.log(target) - log_probs), axis=-1))",
            ("log_probs", "target"),
            {"log_input": True},
        ),
    ),
    Benchmark(
        "generalized_kl_divergence",
        distributions,
        ("log_probs", "target"),
        {"log_input": True},
        optax=Native(
            "jnp.mean(optax.losses.generalized_kl_divergence(log_probs, target))",
            ("log_probs", "target"),
            {"log_input": True},
        ),
        numpy=Native(
            "np.mean(np.sum(target * (np.log(target) - log_probs) - target + np.exp(log_probs), axis=-1))",
            ("log_probs", "target"),
            {"log_input": True},
        ),
    ),
    Benchmark(
        "jensen_shannon",
        distributions,
        ("probs", "target"),
        numpy=Native(
            "np.mean(np.sum(0.5 * (probs * np.log(2 * probs / (probs + target)) + target * "
            "np.log(2 * target / (probs + target))), axis=-1))",
            ("probs", "target"),
        ),
    ),
    Benchmark(
        "nll",
        log_probabilities,
        ("log_probs", "labels"),
        torch=Native("F.nll_loss(log_probs, labels)", ("log_probs", "labels")),
        numpy=Native("-np.mean(np.take_along_axis(log_probs, labels[:, None], -1))", ("log_probs", "labels")),
    ),
    Benchmark(
        "cosface",
        cosines,
        ("cos", "labels"),
        torch=Native(
            "F.cross_entropy(64 * (cos - 0.35 * F.one_hot(labels, cos.shape[-1])), labels)", ("cos", "labels")
        ),
    ),
    Benchmark("arcface", cosines, ("cos", "labels")),
    Benchmark("weighted_kappa", probabilities, ("probs", "labels")),
    Benchmark(
        "sparsemax",
        binary,
        ("logits", "t"),
        optax=Native("jnp.mean(optax.losses.sparsemax_loss(logits, t))", ("logits", "t")),
    ),
    Benchmark(
        "multiclass_sparsemax",
        sparse,
        ("logits", "labels"),
        optax=Native("jnp.mean(optax.losses.multiclass_sparsemax_loss(logits, labels))", ("logits", "labels")),
    ),
    Benchmark(
        "hinge",
        signed,
        _XT,
        optax=Native("jnp.mean(optax.losses.hinge_loss(x, t))", _XT),
        keras=Native("keras.losses.Hinge()", _XT),
        numpy=Native("np.mean(np.maximum(0, 1 - t * x))", _XT),
    ),
    Benchmark(
        "categorical_hinge",
        positive_scores,
        ("scores", "one_hot"),
        optax=Native("jnp.mean(optax.losses.multiclass_hinge_loss(scores, labels))", ("scores", "one_hot")),
        keras=Native("keras.losses.CategoricalHinge()", ("scores", "one_hot")),
        numpy=Native(
            "np.mean(np.maximum(0, np.max((1 - one_hot) * scores, axis=-1) - np.sum(one_hot * scores, axis=-1) + 1))",
            ("scores", "one_hot"),
        ),
    ),
    Benchmark(
        "squared_hinge",
        signed,
        _XT,
        keras=Native("keras.losses.SquaredHinge()", _XT),
        numpy=Native("np.mean(np.maximum(0, 1 - t * x) ** 2)", _XT),
    ),
    Benchmark(
        "multi_margin",
        sparse,
        ("logits", "labels"),
        torch=Native("F.multi_margin_loss(logits, labels)", ("logits", "labels")),
    ),
    Benchmark(
        "soft_margin",
        signed,
        _XT,
        torch=Native("F.soft_margin_loss(x, t)", _XT),
        numpy=Native("np.mean(np.logaddexp(0, -t * x))", _XT),
    ),
    Benchmark("multilabel_soft_margin", multilabel, _XT, torch=Native("F.multilabel_soft_margin_loss(x, t)", _XT)),
    Benchmark("multilabel_margin", label_lists, _XT, torch=Native("F.multilabel_margin_loss(x, t)", _XT)),
    Benchmark(
        "perceptron",
        signed,
        _XT,
        optax=Native("jnp.mean(optax.losses.perceptron_loss(x, t))", _XT),
        numpy=Native("np.mean(np.maximum(0, -t * x))", _XT),
    ),
    Benchmark(
        "multiclass_perceptron",
        sparse,
        ("logits", "labels"),
        optax=Native("jnp.mean(optax.losses.multiclass_perceptron_loss(logits, labels))", ("logits", "labels")),
        numpy=Native(
            "np.mean(np.max(logits, axis=-1) - np.take_along_axis(logits, labels[:, None], -1)[:, 0])",
            ("logits", "labels"),
        ),
    ),
    Benchmark(
        "dice",
        segmentation,
        ("logits", "labels"),
        _LOGITS,
        # optax's smooth s is lossx's 2s with epsilon 0 (docs/mapping.md).
        optax=Native(
            "jnp.mean(optax.losses.dice_loss(logits, one_hot))",
            ("logits", "labels"),
            {"smooth": 2.0, "epsilon": 0.0, **_LOGITS},
        ),
        keras=Native("keras.losses.Dice(axis=(1,))", ("probs", "one_hot"), {"axis": (1,)}),
    ),
    # optax's multiclass_generalized_dice_loss is another formula (docs/mapping.md); MONAI is not a framework.
    Benchmark("generalized_dice", segmentation, ("logits", "labels"), _LOGITS),
    Benchmark(
        "tversky",
        segmentation,
        ("logits", "labels"),
        _LOGITS,
        optax=Native(
            "jnp.mean(optax.losses.dice_loss(logits, one_hot, alpha=0.3, beta=0.7))",
            ("logits", "labels"),
            {"alpha": 0.3, "beta": 0.7, "smooth": 1.0, "epsilon": 0.0, **_LOGITS},
        ),
        # lossx's Keras Tversky takes Keras's alpha and beta (alpha weighs the false negatives).
        keras=Native(
            "keras.losses.Tversky(alpha=0.7, beta=0.3, axis=(1,))",
            ("probs", "one_hot"),
            {"alpha": 0.7, "beta": 0.3, "axis": (1,)},
        ),
    ),
    # No framework has a focal Tversky or an MCC loss (MONAI's MCCLoss is not a framework's).
    Benchmark("focal_tversky", segmentation, ("logits", "labels"), _LOGITS),
    Benchmark(
        "jaccard",
        segmentation,
        ("logits", "labels"),
        _LOGITS,
        optax=Native(
            "jnp.mean(optax.losses.dice_loss(logits, one_hot, alpha=1.0, beta=1.0))",
            ("logits", "labels"),
            {"smooth": 1.0, "epsilon": 0.0, **_LOGITS},
        ),
        keras=Native("keras.losses.Tversky(alpha=1.0, beta=1.0, axis=(1,))", ("probs", "one_hot")),
    ),
    Benchmark("mcc", segmentation, ("logits", "labels"), _LOGITS),
    # kornia's Lovász losses are not a framework's (and take (B, C, H, W) images only).
    Benchmark("lovasz_hinge", binary_masks, ("logits", "masks")),
    Benchmark("lovasz_softmax", segmentation, ("logits", "labels"), _LOGITS),
    Benchmark("generalized_box_iou", boxes, ("pred", "target")),
    Benchmark("distance_box_iou", boxes, ("pred", "target")),
    Benchmark("complete_box_iou", boxes, ("pred", "target")),
    Benchmark(
        "margin_ranking",
        pairs,
        ("x1", "x2", "t"),
        torch=Native("F.margin_ranking_loss(x1, x2, t)", ("x1", "x2", "t")),
        numpy=Native("np.mean(np.maximum(0, -t * (x1 - x2)))", ("x1", "x2", "t")),
    ),
    Benchmark("hinge_embedding", distances, ("d", "t"), torch=Native("F.hinge_embedding_loss(d, t)", ("d", "t"))),
    Benchmark(
        "cosine_embedding",
        embedding_pairs,
        ("x1", "x2", "t"),
        torch=Native("F.cosine_embedding_loss(x1, x2, t)", ("x1", "x2", "t")),
    ),
    Benchmark(
        "ranking_softmax",
        relevance_lists,
        ("scores", "relevance"),
        optax=Native("optax.losses.ranking_softmax_loss(scores, relevance)", ("scores", "relevance")),
    ),
    Benchmark(
        "triplet_margin",
        triplets,
        ("anchor", "positive", "negative"),
        torch=Native("F.triplet_margin_loss(anchor, positive, negative)", ("anchor", "positive", "negative")),
        optax=Native(
            "jnp.mean(optax.losses.triplet_margin_loss(anchor, positive, negative, eps=0.0))",
            ("anchor", "positive", "negative"),
            {"eps": 0.0},
        ),
    ),
    Benchmark(
        "ntxent",
        contrastive,
        ("embeddings", "labels"),
        optax=Native("optax.losses.ntxent(embeddings, labels)", ("embeddings", "labels")),
    ),
    Benchmark(
        "circle",
        contrastive,
        ("unit_embeddings", "labels"),
        keras=Native("keras.losses.Circle()", ("unit_embeddings", "labels")),
    ),
    Benchmark("contrastive", pairwise, ("embeddings", "labels")),
    Benchmark("supervised_contrastive", contrastive, ("embeddings", "labels")),
    Benchmark("mined_triplet", pairwise, ("embeddings", "labels")),
    Benchmark("lifted_structure", pairwise, ("embeddings", "labels")),
    # Distinct labels: the targets are the identity, a cross-entropy with label i for anchor i.
    Benchmark(
        "npairs",
        npair_batch,
        ("anchor", "positive", "labels"),
        torch=Native("F.cross_entropy(anchor @ positive.T, labels)", ("anchor", "positive", "labels")),
        optax=Native(
            "jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(anchor @ positive.T, labels))",
            ("anchor", "positive", "labels"),
        ),
    ),
    Benchmark(
        "ctc",
        sequences,
        ("logits", "labels", "input_lengths", "label_lengths"),
        # torch's 'mean' divides by the label lengths; 'sum' is the same on both sides.
        torch=Native(
            'F.ctc_loss(logits.transpose(0, 1).log_softmax(2), labels, input_lengths, label_lengths, reduction="sum")',
            ("logits", "labels", "input_lengths", "label_lengths"),
            {"reduction": "sum"},
        ),
        optax=Native(
            "jnp.mean(optax.ctc_loss(logits, logit_paddings, labels, label_paddings))",
            ("logits", "labels", "input_lengths", "label_lengths"),
        ),
        keras=Native("keras.losses.CTC()", ("logits", "labels")),
    ),
)


def benchmarks(names: list[str] | None = None, native_only: bool = False) -> list[Benchmark]:
    """The benchmarks of ``names`` (every loss when empty), optionally only those with a native."""
    by_name = {b.loss: b for b in BENCHMARKS}
    unknown = [name for name in names or () if name not in by_name]
    if unknown:
        raise ValueError(f"no benchmark for {', '.join(unknown)}; choose from: {', '.join(by_name)}")
    chosen = [by_name[name] for name in names] if names else list(BENCHMARKS)
    if native_only:
        chosen = [b for b in chosen if any(b.native(lib) for lib in NATIVE_LIBRARIES if lib != "numpy")]
    return chosen
