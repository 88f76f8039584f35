"""The problem every distributed test solves: one global batch split into uneven shards.

A linear classifier (features → classes) under the sparse categorical cross-entropy with
``ignore_index``, class weights and sample weights: the mean is
``Σ sw_i cw_{y_i} l_i / Σ sw_i cw_{y_i}`` over the labels that are not ignored. Shard ``s``
of ``S`` holds ``round(m (S−1−s) / (S−1))`` valid labels out of its ``m`` rows, so the valid
counts differ from shard to shard and the last shard holds none: a mean of per-shard
means is wrong here, and NaN on that shard.

:func:`reference` is the independent float64 NumPy answer (the loss and its gradients
with respect to the weight matrix and the bias, written from the formula, not with lossx).
The worker scripts (``python -P tests/distributed/<framework>_worker.py``) print their results
as JSON; :func:`encode` and :func:`decode` are that format.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

ROWS = 16
FEATURES = 3
CLASSES = 5
IGNORE = -100
LOSS = "sparse_categorical_cross_entropy"


def valid_counts(shards: int, rows: int = ROWS) -> list[int]:
    """How many labels of each shard are not ignored: from all of them down to none."""
    per_shard = rows // shards
    return [round(per_shard * (shards - 1 - s) / (shards - 1)) for s in range(shards)]


def problem(shards: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The global batch (float64) for ``shards`` equal shards of :data:`ROWS` rows, and the model's parameters."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, ROWS)
    per_shard = ROWS // shards
    for s, valid in enumerate(valid_counts(shards)):
        labels[s * per_shard + valid : (s + 1) * per_shard] = IGNORE
    return {
        "x": rng.normal(size=(ROWS, FEATURES)),
        "labels": labels,
        "sample_weight": rng.uniform(0.5, 2.0, ROWS),
        "class_weight": rng.uniform(0.5, 2.0, CLASSES),
        "weight": rng.normal(size=(CLASSES, FEATURES)),
        "bias": rng.normal(size=CLASSES),
    }


def options(data: dict[str, np.ndarray]) -> dict[str, Any]:
    """The loss's options, as every adapter takes them."""
    return {"from_logits": True, "ignore_index": IGNORE, "class_weight": tuple(data["class_weight"].tolist())}


def shard(data: dict[str, np.ndarray], index: int, shards: int) -> dict[str, np.ndarray]:
    """Rows of shard ``index`` of the batch arrays."""
    per_shard = ROWS // shards
    rows = slice(index * per_shard, (index + 1) * per_shard)
    return {name: data[name][rows] for name in ("x", "labels", "sample_weight")}


def reference(data: dict[str, np.ndarray], denominator: str = "weights") -> dict[str, Any]:
    """The float64 loss of the whole batch and its gradients (``weight``, ``bias``, ``logits``), from the formula.

    ``denominator``: ``"weights"``, lossx's ``Σ sw_i cw_{y_i}``; ``"count"``, the number of
    labels not ignored (Keras's ``"sum_over_batch_size"``, which weights but counts).
    """
    x, labels = data["x"], data["labels"]
    outputs = logits(data)
    shifted = outputs - outputs.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    valid = labels != IGNORE
    picked = np.where(valid, labels, 0)
    weights = np.where(valid, data["sample_weight"] * data["class_weight"][picked], 0.0)
    total = weights.sum() if denominator == "weights" else float(valid.sum())
    losses = -log_p[np.arange(ROWS), picked]
    value = float((weights * losses).sum() / total)
    one_hot = np.eye(CLASSES)[picked]
    d_logits = (weights / total)[:, None] * (np.exp(log_p) - one_hot)
    return {
        "value": value,
        "weight": (d_logits.T @ x).tolist(),
        "bias": d_logits.sum(axis=0).tolist(),
        "logits": d_logits.tolist(),
        "total_weight": float(total),
    }


def logits(data: dict[str, np.ndarray]) -> np.ndarray:
    """The model's float64 outputs on the whole batch."""
    return data["x"] @ data["weight"].T + data["bias"]


def encode(results: dict[str, Any]) -> str:
    """Results (numbers and arrays, nested in dicts) as one JSON line; arrays become float64 lists."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return np.asarray(value, dtype=np.float64).tolist()

    return json.dumps(plain(results))


def decode(text: str) -> dict[str, Any]:
    """The results of the last JSON line of a worker's output."""
    return json.loads(text.strip().splitlines()[-1])
