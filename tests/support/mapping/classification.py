"""Mapping rows of the classification losses (see tests/support/mapping/__init__.py)."""

from __future__ import annotations

import numpy as np

from tests.support.mapping import Row, softmax

W4 = "torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)"


def _log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _classes(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(6, 4) logits, their probabilities and log-probabilities, integer labels (one −100), targets.

    Probabilities are kept inside Keras's clipping range [1e-7, 1 − 1e-7].
    """
    while True:
        logits = rng.standard_normal((6, 4)) * 2
        probabilities = softmax(logits)
        if np.all((probabilities > 1e-6) & (probabilities < 1 - 1e-6)):
            break
    labels = rng.integers(0, 4, 6)
    with_ignored = labels.copy()
    with_ignored[1] = -100
    return {
        "logits": logits,
        "probabilities": probabilities,
        "input": _log_softmax(logits),
        "labels": labels,
        "target": with_ignored,
        "one_hot": np.eye(4)[labels],
        "soft": softmax(rng.standard_normal((6, 4))),
    }


def _classes_3d(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """torch layout (N, C, d): log-probabilities along axis 1 and labels (one −100)."""
    logits = rng.standard_normal((2, 4, 3)) * 2
    labels = rng.integers(0, 4, (2, 3))
    labels[0, 1] = -100
    return {"input": _log_softmax(logits, axis=1), "target": labels}


def _distributions(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(5, 4) predictions (log-probabilities ``input``, probabilities ``y_pred``, ``logits``) and
    targets: ``target`` with exact zeros, ``positive`` / ``y_true`` strictly inside Keras's clip range."""
    logits = rng.standard_normal((5, 4)) * 2
    positive = softmax(rng.standard_normal((5, 4)))
    target = np.where(rng.random((5, 4)) < 0.3, 0.0, positive)
    target[:, 0] = positive[:, 0]  # no row entirely zero
    target[0, 1] = 0.0
    target = target / target.sum(axis=1, keepdims=True)
    return {
        "logits": logits,
        "input": _log_softmax(logits),
        "y_pred": softmax(logits),
        "target": target,
        "positive": positive,
        "log_target": np.log(positive),
        "y_true": positive,
    }


def _distributions_3d(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """torch layout (N, C, d): log-probabilities and target distributions along axis 1."""
    return {
        "input": _log_softmax(rng.standard_normal((2, 4, 3)) * 2, axis=1),
        "target": softmax(rng.standard_normal((2, 4, 3)), axis=1),
    }


def _measures(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(5, 4) log-measures ``input`` and unnormalised non-negative measures ``measure``, some exactly 0."""
    measure = np.exp(rng.standard_normal((5, 4)))
    measure[rng.random((5, 4)) < 0.25] = 0.0
    return {"input": rng.standard_normal((5, 4)), "measure": measure}


KERAS_CLIP = (
    "Keras clips probabilities to [1e-7, 1 − 1e-7]; these inputs lie inside, where lossx (no clipping) is equal."
)
FOCAL_FORM = (
    "Both use the per-class form Σ_c α_c·t_c·(1 − p_c)^γ·(−log p_c); Keras also renormalises "
    "probabilities to sum to 1, lossx takes them as given."
)

ROWS: list[Row] = [
    # ---------------------------------------------------------------- categorical_focal_cross_entropy
    Row(
        "categorical_focal_cross_entropy",
        "keras",
        "keras.losses.categorical_focal_crossentropy(one_hot, logits, alpha=0.25, gamma=2.0, from_logits=True)",
        "LK.categorical_focal_cross_entropy(one_hot, logits, alpha=0.25, gamma=2.0, from_logits=True)",
        _classes,
        "Keras's defaults are alpha=0.25, gamma=2.0; lossx's are alpha=None (no balancing), gamma=2.0. " + FOCAL_FORM,
    ),
    Row(
        "categorical_focal_cross_entropy",
        "keras",
        "keras.losses.categorical_focal_crossentropy(soft, probabilities, alpha=[0.25, 0.5, 1.0, 0.75], gamma=1.5, "
        "label_smoothing=0.1)",
        "LK.categorical_focal_cross_entropy(soft, probabilities, alpha=(0.25, 0.5, 1.0, 0.75), gamma=1.5, "
        "label_smoothing=0.1)",
        _classes,
        "Per-class alpha, soft targets and label smoothing. " + KERAS_CLIP,
    ),
    Row(
        "categorical_focal_cross_entropy",
        "keras",
        'keras.losses.CategoricalFocalCrossentropy(dtype="float64")(one_hot, probabilities)',
        'LK.CategoricalFocalCrossentropy(dtype="float64")(one_hot, probabilities)',
        _classes,
        "Keras preset: Keras's class name and defaults (alpha=0.25, gamma=2.0). " + KERAS_CLIP,
    ),
    Row(
        "categorical_focal_cross_entropy",
        "keras",
        "keras.losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=3.0, from_logits=True, label_smoothing=0.2, "
        'reduction="sum", dtype="float64")(one_hot, logits)',
        'LK.CategoricalFocalCrossentropy(alpha=0.5, gamma=3.0, from_logits=True, label_smoothing=0.2, reduction="sum", '
        'dtype="float64")(one_hot, logits)',
        _classes,
        "Keras preset with every Keras option and a Keras reduction.",
    ),
    # ---------------------------------------------------------------- sparse_categorical_focal_cross_entropy
    Row(
        "sparse_categorical_focal_cross_entropy",
        "keras",
        "keras.losses.categorical_focal_crossentropy(one_hot, logits, alpha=0.25, from_logits=True, "
        "label_smoothing=0.1)",
        "LK.sparse_categorical_focal_cross_entropy(labels, logits, alpha=0.25, from_logits=True, label_smoothing=0.1)",
        _classes,
        "Keras has no sparse focal loss: its categorical one on one-hot targets is lossx's sparse one "
        "on the labels (label smoothing included).",
    ),
    Row(
        "sparse_categorical_focal_cross_entropy",
        "keras",
        'keras.losses.CategoricalFocalCrossentropy(alpha=[0.25, 0.5, 1.0, 0.75], gamma=0.5, dtype="float64")(one_hot, '
        "probabilities)",
        'LK.SparseCategoricalFocalCrossEntropy(alpha=(0.25, 0.5, 1.0, 0.75), gamma=0.5, dtype="float64")(labels, '
        "probabilities)",
        _classes,
        "Per-class alpha; lossx's Keras class takes the integer labels. " + KERAS_CLIP,
    ),
    # ---------------------------------------------------------------- poly_cross_entropy
    Row(
        "poly_cross_entropy",
        "optax",
        "optax.losses.poly_loss_cross_entropy(logits, one_hot)",
        'lossx.poly_cross_entropy(logits, one_hot, from_logits=True, reduction="none")',
        _classes,
        "optax takes logits and returns per-example values; both default to epsilon=2.0.",
        grad="logits",
    ),
    Row(
        "poly_cross_entropy",
        "optax",
        "optax.losses.poly_loss_cross_entropy(logits, soft, epsilon=-0.5)",
        'lossx.poly_cross_entropy(logits, soft, epsilon=-0.5, from_logits=True, reduction="none")',
        _classes,
        "Soft targets: CE(t, p) + ε·Σ_c t_c·(1 − p_c) in both.",
        grad="logits",
    ),
    Row(
        "poly_cross_entropy",
        "optax",
        "optax.losses.poly_loss_cross_entropy(logits, optax.losses.smooth_labels(one_hot, 0.1), epsilon=1.0)",
        "lossx.poly_cross_entropy(logits, one_hot, epsilon=1.0, from_logits=True, label_smoothing=0.1, "
        'reduction="none")',
        _classes,
        "label_smoothing smooths the targets of both terms, as optax.smooth_labels does (and the paper).",
        grad="logits",
    ),
    # ---------------------------------------------------------------- generalized_cross_entropy
    Row(
        "generalized_cross_entropy",
        "keras",
        "keras.losses.categorical_generalized_cross_entropy(labels, probabilities, q=0.7)",
        "LK.generalized_cross_entropy(labels, probabilities, q=0.7)",
        _classes,
        "Integer labels and probabilities in both. lossx's default q is the paper's 0.7; Keras's class default is 0.5.",
    ),
    Row(
        "generalized_cross_entropy",
        "keras",
        'keras.losses.CategoricalGeneralizedCrossEntropy(dtype="float64")(labels, probabilities)',
        'LK.CategoricalGeneralizedCrossEntropy(dtype="float64")(labels, probabilities)',
        _classes,
        "Keras preset: Keras's class name and default q=0.5.",
    ),
    Row(
        "generalized_cross_entropy",
        "keras",
        'keras.losses.CategoricalGeneralizedCrossEntropy(q=0.25, reduction="sum", dtype="float64")(labels, '
        "probabilities)",
        'LK.CategoricalGeneralizedCrossEntropy(q=0.25, reduction="sum", dtype="float64")(labels, probabilities)',
        _classes,
        "Keras preset with a Keras reduction.",
    ),
    # ---------------------------------------------------------------- kl_divergence
    Row(
        "kl_divergence",
        "torch",
        'F.kl_div(input, target, reduction="batchmean")',
        "lossx.kl_divergence(input, target, log_input=True)",
        _distributions,
        "torch takes log-probabilities (log_input=True); its 'batchmean' is lossx's 'mean' over rows. "
        "Zero targets contribute 0 in both.",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "torch",
        'F.kl_div(input, target, reduction="none").sum(dim=1)',
        'lossx.kl_divergence(input, target, log_input=True, reduction="none")',
        _distributions,
        "torch's 'none' is elementwise; lossx's is one value per row (the sum over axis).",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "torch",
        'F.kl_div(input, log_target, reduction="sum", log_target=True)',
        'lossx.kl_divergence(input, log_target, log_input=True, log_target=True, reduction="sum")',
        _distributions,
        "Same option name. With log_target a −inf target gives NaN in torch, 0 in lossx (finite targets here).",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "torch",
        'F.kl_div(F.log_softmax(logits, dim=1), target, reduction="batchmean")',
        "lossx.kl_divergence(logits, target, from_logits=True, axis=1)",
        _distributions,
        "Distillation-style: from_logits applies the log-softmax.",
        grad="logits",
    ),
    Row(
        "kl_divergence",
        "torch",
        "nn.KLDivLoss()(input, target)",
        "LT.KLDivLoss()(input, target)",
        _distributions,
        "torch preset, with torch's default reduction 'mean': the mean of the elementwise terms over every "
        "element (N·C here), as torch's.",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "torch",
        'nn.KLDivLoss(reduction="none")(input, target)',
        'LT.KLDivLoss(reduction="none")(input, target)',
        _distributions,
        "torch preset: 'none' is the elementwise terms t·(log t − input), of the input's shape.",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "torch",
        'nn.KLDivLoss(reduction="sum")(input, target)',
        'LT.KLDivLoss(reduction="sum")(input, target)',
        _distributions_3d,
        "torch preset on (N, C, d): 'sum' is identical for every shape.",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "torch",
        'nn.KLDivLoss(reduction="batchmean")(input, target)',
        'LT.KLDivLoss(reduction="batchmean")(input, target)',
        _distributions_3d,
        "torch preset on (N, C, d): 'batchmean' is the sum divided by N, as torch's (lossx's own "
        "kl_divergence 'mean' divides by the N·d distributions).",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "keras",
        "keras.losses.kl_divergence(y_true, y_pred)",
        "LK.kl_divergence(y_true, y_pred)",
        _distributions,
        "Probabilities, summed over the last axis. Keras clips both to [1e-7, 1] (so a zero "
        "target gives 1e-7·log(1e-7/q) there, lossx exactly 0); these inputs lie inside.",
    ),
    Row(
        "kl_divergence",
        "keras",
        'keras.losses.KLDivergence(dtype="float64")(y_true, y_pred)',
        'LK.KLDivergence(dtype="float64")(y_true, y_pred)',
        _distributions,
        "Keras preset (probabilities).",
    ),
    Row(
        "kl_divergence",
        "optax",
        "optax.losses.kl_divergence(input, target)",
        'lossx.kl_divergence(input, target, log_input=True, reduction="none")',
        _distributions,
        "optax takes log-predictions and returns per-example values; zero targets contribute 0 in both.",
        grad="input",
    ),
    Row(
        "kl_divergence",
        "optax",
        "optax.losses.kl_divergence_with_log_targets(input, log_target)",
        'lossx.kl_divergence(input, log_target, log_input=True, log_target=True, reduction="none")',
        _distributions,
        grad="input",
    ),
    # ---------------------------------------------------------------- generalized_kl_divergence
    Row(
        "generalized_kl_divergence",
        "optax",
        "optax.losses.generalized_kl_divergence(input, measure)",
        'lossx.generalized_kl_divergence(input, measure, log_input=True, reduction="none")',
        _measures,
        "optax takes log-predictions and returns per-example values; zero targets contribute q in both. "
        "optax's convex_kl_divergence is its deprecated name, lossx's alias convex_kl_divergence.",
        grad="input",
    ),
    Row(
        "generalized_kl_divergence",
        "optax",
        "optax.losses.generalized_kl_divergence(input, measure, axis=1)",
        'lossx.generalized_kl_divergence(input, measure, log_input=True, axis=1, reduction="none")',
        _measures,
        "Same axis option.",
        grad="input",
    ),
    # ---------------------------------------------------------------- nll
    Row(
        "nll",
        "torch",
        f"F.nll_loss(input, target, weight={W4})",
        "lossx.nll(input, target, axis=1, ignore_index=-100, class_weight=(1.0, 2.0, 0.5, 3.0))",
        _classes,
        "torch's defaults are axis=1 and ignore_index=−100; 'mean' divides by Σ w_y over the kept entries in "
        "both; when every target is ignored torch returns NaN, lossx 0.",
        grad="input",
    ),
    Row(
        "nll",
        "torch",
        "nn.NLLLoss()(input, target)",
        "LT.NLLLoss()(input, target)",
        _classes_3d,
        "torch preset; (N, C, d) log-probabilities.",
        grad="input",
    ),
    Row(
        "nll",
        "torch",
        f'nn.NLLLoss(weight={W4}, ignore_index=2, reduction="sum")(input, labels)',
        f'LT.NLLLoss(weight={W4}, ignore_index=2, reduction="sum")(input, labels)',
        _classes,
        "torch preset with torch's argument names.",
        grad="input",
    ),
    Row(
        "nll",
        "torch",
        "F.nll_loss(F.log_softmax(logits, dim=1), target)",
        "lossx.nll(F.log_softmax(logits, dim=1), target, axis=1, ignore_index=-100)",
        _classes,
        "Any log-probabilities: here a log-softmax output.",
        grad="logits",
    ),
    Row(
        "nll",
        "sklearn",
        "sklearn.metrics.log_loss(labels, probabilities, labels=[0, 1, 2, 3])",
        "lossx.nll(np.log(probabilities), labels)",
        _classes,
        "log_loss takes probabilities; nll their logarithm.",
    ),
]

# ----------------------------------------------------------------- sparsemax, multiclass sparsemax


def _sparse_logits(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(4, 5) logits away from sparse_plus's kinks at ±1, and 0/1 labels."""
    while True:
        logits = rng.standard_normal((4, 5)) * 1.5
        if np.all(np.abs(np.abs(logits) - 1) > 1e-3):
            return {"input": logits, "target": (rng.random((4, 5)) < 0.5).astype(np.float64)}


def _sparse_scores(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(6, 4) scores with none within 1e-3 of sparsemax's threshold (the support's edge), and labels."""
    while True:
        scores = rng.standard_normal((6, 4))
        ordered = -np.sort(-scores, axis=-1)
        total = np.cumsum(ordered, axis=-1)
        size = np.sum(1 + np.arange(1, 5) * ordered > total, axis=-1, keepdims=True)
        tau = (np.take_along_axis(total, size - 1, axis=-1) - 1) / size
        if np.all(np.abs(scores - tau) > 1e-3):
            return {"input": scores, "target": rng.integers(0, 4, 6)}


ROWS += [
    Row(
        "sparsemax",
        "optax",
        "optax.losses.sparsemax_loss(input, target)",
        'lossx.sparsemax(input, target, reduction="none")',
        _sparse_logits,
        "optax returns per-element values: lossx's reduction='none'. Labels 0/1 (lossx also takes soft targets).",
        grad="input",
    ),
    Row(
        "multiclass_sparsemax",
        "optax",
        "optax.losses.multiclass_sparsemax_loss(input, target)",
        'lossx.multiclass_sparsemax(input, target, reduction="none")',
        _sparse_scores,
        "optax returns one value per row (its class axis is the last): lossx's reduction='none'.",
        grad="input",
    ),
]
