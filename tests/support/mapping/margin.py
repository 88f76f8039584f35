"""Mapping rows of the margin losses (see tests/support/mapping/__init__.py)."""

from __future__ import annotations

import numpy as np

from tests.support.mapping import Row

W4 = "torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)"


def _signed(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(4, 5) scores and −1/1 targets, every margin 1 − t·y away from the hinge's kink."""
    while True:
        scores = rng.standard_normal((4, 5)) * 1.5
        signs = rng.choice([-1.0, 1.0], (4, 5))
        if np.all(np.abs(1 - signs * scores) > 1e-3):
            break
    return {"input": scores, "target": signs, "y_pred": scores, "y_true": signs, "zero_one": (signs + 1) / 2}


def _one_hot(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(6, 4) positive scores, integer labels and one-hot targets, away from the kinks."""
    while True:
        scores = rng.uniform(0.1, 3.0, (6, 4))
        labels = rng.integers(0, 4, 6)
        one_hot = np.eye(4)[labels]
        others = np.sort(np.where(one_hot == 1, -np.inf, scores), axis=-1)
        margin = 1 + others[:, -1] - scores[np.arange(6), labels]
        if np.all(others[:, -1] - others[:, -2] > 1e-3) and np.all(np.abs(margin) > 1e-3):
            break
    return {"scores": scores, "labels": labels, "y_true": one_hot, "y_pred": scores}


def _margins(rng: np.random.Generator, margins=(1.0, 0.5, 2.0)) -> dict[str, np.ndarray]:
    """(6, 4) scores and labels, every term m − x_y + x_c away from its kink for each margin."""
    while True:
        scores = rng.standard_normal((6, 4)) * 1.5
        labels = rng.integers(0, 4, 6)
        gaps = scores - scores[np.arange(6), labels][:, None]
        if all(np.all(np.abs(m + gaps) > 1e-3) for m in margins):
            return {"input": scores, "target": labels}


def _multilabel(rng: np.random.Generator) -> dict[str, np.ndarray]:
    logits = rng.standard_normal((5, 4)) * 2
    return {
        "input": logits,
        "target": (rng.random((5, 4)) < 0.5).astype(np.float64),
        "input3": rng.standard_normal((2, 3, 4)) * 2,
        "target3": (rng.random((2, 3, 4)) < 0.5).astype(np.float64),
    }


ROWS: list[Row] = []

# ----------------------------------------------------------------- hinge, categorical hinge
ROWS += [
    Row(
        "hinge",
        "keras",
        "keras.losses.hinge(y_true, y_pred)",
        "LK.hinge(y_true, y_pred)",
        _signed,
        "Keras's functions average the last axis per sample; lossx's Keras adapter does the same.",
    ),
    Row(
        "hinge",
        "keras",
        'keras.losses.Hinge(dtype="float64")(y_true, y_pred)',
        "lossx.hinge(y_pred, y_true)",
        _signed,
        "Keras's mean of per-sample means is lossx's mean over all elements.",
    ),
    Row(
        "hinge",
        "keras",
        'keras.losses.Hinge(dtype="float64")(zero_one, y_pred)',
        "lossx.hinge(y_pred, zero_one)",
        _signed,
        "0/1 targets: Keras converts them when the whole batch is 0/1, lossx per element (a 0 reads as −1); "
        "the same on every batch of hard labels.",
    ),
    Row(
        "hinge",
        "optax",
        "optax.losses.hinge_loss(input, target)",
        'lossx.hinge(input, target, reduction="none")',
        _signed,
        "optax returns per-element values: lossx's reduction='none'. optax needs −1/1 targets.",
        grad="input",
    ),
    Row(
        "categorical_hinge",
        "keras",
        'keras.losses.CategoricalHinge(dtype="float64")(y_true, y_pred)',
        'LK.CategoricalHinge(dtype="float64")(y_true, y_pred)',
        _one_hot,
    ),
    Row(
        "categorical_hinge",
        "keras",
        "keras.losses.categorical_hinge(y_true, y_pred)",
        'lossx.categorical_hinge(y_pred, y_true, reduction="none")',
        _one_hot,
    ),
    Row(
        "categorical_hinge",
        "optax",
        "optax.losses.multiclass_hinge_loss(scores, labels)",
        'lossx.categorical_hinge(scores, jax.nn.one_hot(labels, 4, dtype=scores.dtype), reduction="none")',
        _one_hot,
        "optax's Crammer-Singer hinge max(0, 1 + max_{c≠y} x_c − x_y) takes integer labels; it equals the "
        "categorical hinge, whose max over (1−t)·x includes 0 for the true class, only when some other "
        "score is ≥ 0 (here: positive scores). For integer labels in general see multi_margin.",
        grad="scores",
    ),
]

# ----------------------------------------------------------------- squared hinge
ROWS += [
    Row(
        "squared_hinge",
        "keras",
        "keras.losses.squared_hinge(y_true, y_pred)",
        "LK.squared_hinge(y_true, y_pred)",
        _signed,
        "Per-sample means over the last axis, as Keras's function.",
    ),
    Row(
        "squared_hinge",
        "keras",
        'keras.losses.SquaredHinge(dtype="float64")(y_true, y_pred)',
        'LK.SquaredHinge(dtype="float64")(y_true, y_pred)',
        _signed,
    ),
    Row(
        "squared_hinge",
        "keras",
        'keras.losses.SquaredHinge(reduction="sum", dtype="float64")(zero_one, y_pred)',
        'lossx.squared_hinge(y_pred, zero_one, reduction="sum") / 5',
        _signed,
        "0/1 targets read as −1/1 (per element in lossx, per batch in Keras). Keras's 'sum' adds the "
        "per-sample means over the last axis (here of length 5).",
    ),
]

# ----------------------------------------------------------------- multi margin
ROWS += [
    Row(
        "multi_margin",
        "torch",
        "F.multi_margin_loss(input, target)",
        "lossx.multi_margin(input, target)",
        _margins,
        "torch's class axis is 1 of (N, C); lossx's default axis −1 is the same axis for 2-D scores.",
        grad="input",
    ),
    Row(
        "multi_margin",
        "torch",
        'F.multi_margin_loss(input, target, p=2, margin=0.5, reduction="none")',
        'lossx.multi_margin(input, target, p=2, margin=0.5, reduction="none")',
        _margins,
        grad="input",
    ),
    Row(
        "multi_margin",
        "torch",
        f'F.multi_margin_loss(input, target, margin=2.0, weight={W4}, reduction="sum")',
        f'lossx.multi_margin(input, target, margin=2.0, class_weight={W4}, reduction="sum")',
        _margins,
        "weight → class_weight: each row's loss is multiplied by w[y], in 'none' and 'sum' alike.",
        grad="input",
    ),
    Row(
        "multi_margin",
        "torch",
        f"F.multi_margin_loss(input, target, weight={W4})",
        f'lossx.multi_margin(input, target, class_weight={W4}, reduction="sum") / len(target)',
        _margins,
        "Deviation: with weights torch's 'mean' divides by the number of rows N; lossx's 'mean' divides by "
        "Σ w[y] (docs/semantics.md, reductions and weights; as torch's own CrossEntropyLoss and NLLLoss), so torch's "
        "number is lossx's "
        "'sum' / N.",
        grad="input",
    ),
    Row(
        "multi_margin",
        "torch",
        "nn.MultiMarginLoss(p=2, margin=0.5)(input, target)",
        "LT.MultiMarginLoss(p=2, margin=0.5)(input, target)",
        _margins,
        "Preset: axis=1 (torch layout, also for (N, C, d1, ...)).",
        grad="input",
    ),
    Row(
        "multi_margin",
        "torch",
        f"nn.MultiMarginLoss(weight={W4})(input, target)",
        f"LT.MultiMarginLoss(weight={W4})(input, target)",
        _margins,
        "The preset takes torch's weight with torch's 'mean' (divided by the number of rows).",
        grad="input",
    ),
]

# ----------------------------------------------------------------- multi-label margin


def _label_lists(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(5, 4) scores and label lists ended by −1 (with values after the −1, which are not read)."""
    while True:
        scores = rng.standard_normal((5, 4)) * 1.5
        lists = np.full((5, 4), -1, dtype=np.int64)
        for row in range(5):
            labels = rng.permutation(4)[: rng.integers(1, 3)]
            lists[row, : len(labels)] = labels
            lists[row, len(labels) + 1] = rng.integers(0, 4)
        if np.all(np.abs(1 - (scores[:, :, None] - scores[:, None, :])) > 1e-3):
            return {"input": scores, "target": lists, "unbatched_input": scores[0], "unbatched_target": lists[0]}


ROWS += [
    Row(
        "multilabel_margin",
        "torch",
        "F.multilabel_margin_loss(input, target)",
        "lossx.multilabel_margin(input, target)",
        _label_lists,
        "Each row's labels up to the first −1; what follows it is not read.",
        grad="input",
    ),
    Row(
        "multilabel_margin",
        "torch",
        'F.multilabel_margin_loss(input, target, reduction="none")',
        'lossx.multilabel_margin(input, target, reduction="none")',
        _label_lists,
        grad="input",
    ),
    Row(
        "multilabel_margin",
        "torch",
        "nn.MultiLabelMarginLoss()(unbatched_input, unbatched_target)",
        "LT.MultiLabelMarginLoss()(unbatched_input, unbatched_target)",
        _label_lists,
        "torch preset; unbatched (C,) input.",
        grad="unbatched_input",
    ),
]

# ----------------------------------------------------------------- soft margin
ROWS += [
    Row(
        "soft_margin",
        "torch",
        "F.soft_margin_loss(input, target)",
        "lossx.soft_margin(input, target)",
        _signed,
        "−1/1 targets; a 0 target reads as −1 in lossx (torch gives log 2 there).",
        grad="input",
    ),
    Row(
        "soft_margin",
        "torch",
        'F.soft_margin_loss(input, target, reduction="none")',
        'lossx.soft_margin(input, target, reduction="none")',
        _signed,
        grad="input",
    ),
    Row(
        "soft_margin",
        "torch",
        'nn.SoftMarginLoss(reduction="sum")(input, target)',
        'LT.SoftMarginLoss(reduction="sum")(input, target)',
        _signed,
        "Preset.",
        grad="input",
    ),
]

# ----------------------------------------------------------------- multi-label soft margin
ROWS += [
    Row(
        "multilabel_soft_margin",
        "torch",
        "F.multilabel_soft_margin_loss(input, target)",
        "lossx.multilabel_soft_margin(input, target)",
        _multilabel,
        grad="input",
    ),
    Row(
        "multilabel_soft_margin",
        "torch",
        f'F.multilabel_soft_margin_loss(input, target, weight={W4}, reduction="none")',
        f'lossx.multilabel_soft_margin(input, target, class_weight={W4}, reduction="none")',
        _multilabel,
        "weight → class_weight: each class's term is multiplied before the mean over the C classes; it is "
        "not a 'mean' denominator.",
        grad="input",
    ),
    Row(
        "multilabel_soft_margin",
        "torch",
        'F.multilabel_soft_margin_loss(input3, target3, reduction="none")',
        'lossx.multilabel_soft_margin(input3, target3, reduction="none")',
        _multilabel,
        "torch averages the last axis of inputs of any rank; so does lossx's default axis=−1.",
        grad="input3",
    ),
    Row(
        "multilabel_soft_margin",
        "torch",
        f"nn.MultiLabelSoftMarginLoss(weight={W4})(input, target)",
        f"LT.MultiLabelSoftMarginLoss(weight={W4})(input, target)",
        _multilabel,
        "Preset.",
        grad="input",
    ),
]

# ----------------------------------------------------------------- perceptron, multiclass perceptron


def _signed_scores(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(4, 5) scores away from the perceptron's kink at 0, and −1/1 targets."""
    while True:
        scores = rng.standard_normal((4, 5)) * 1.5
        if np.all(np.abs(scores) > 1e-3):
            return {"input": scores, "target": rng.choice([-1.0, 1.0], (4, 5))}


def _distinct_largest(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(6, 4) scores whose largest leads the next by 1e-3 or more (the max's kink), and labels."""
    while True:
        scores = rng.standard_normal((6, 4)) * 1.5
        ordered = np.sort(scores, axis=-1)
        if np.all(ordered[:, -1] - ordered[:, -2] > 1e-3):
            return {"input": scores, "target": rng.integers(0, 4, 6)}


ROWS += [
    Row(
        "perceptron",
        "optax",
        "optax.losses.perceptron_loss(input, target)",
        'lossx.perceptron(input, target, reduction="none")',
        _signed_scores,
        "optax returns per-element values: lossx's reduction='none'. optax needs −1/1 targets; lossx also reads "
        "0 as −1.",
        grad="input",
    ),
    Row(
        "multiclass_perceptron",
        "optax",
        "optax.losses.multiclass_perceptron_loss(input, target)",
        'lossx.multiclass_perceptron(input, target, reduction="none")',
        _distinct_largest,
        "optax returns one value per row: lossx's reduction='none'.",
        grad="input",
    ),
]
