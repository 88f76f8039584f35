"""Mapping rows of the nine core losses: mean squared and absolute error, Huber, the cross-entropies, the hinges (see
tests/support/mapping/__init__.py)."""

from __future__ import annotations

import numpy as np

from tests.support.mapping import Row, regression_inputs, softmax


def _binary(rng: np.random.Generator) -> dict[str, np.ndarray]:
    logits = rng.standard_normal((4, 3)) * 2
    probabilities = np.clip(1 / (1 + np.exp(-logits)), 0.02, 0.98)
    labels = (rng.random((4, 3)) < 0.5).astype(np.float64)
    return {
        "logits": logits,
        "input": probabilities,
        "target": labels,
        "y_pred": probabilities,
        "y_true": labels,
        "flat_pred": probabilities[:, 0],
        "flat_true": labels[:, 0],
    }


def _classes(rng: np.random.Generator) -> dict[str, np.ndarray]:
    logits = rng.standard_normal((6, 4)) * 2
    labels = rng.integers(0, 4, 6)
    labels[1] = -100
    kept = np.where(labels < 0, 0, labels)
    return {
        "input": logits,
        "target": labels,
        "logits": logits,
        "labels": kept,
        "weight": np.array([1.0, 2.0, 0.5, 3.0]),
        "one_hot": np.eye(4)[kept],
        "soft": softmax(rng.standard_normal((6, 4))),
        "probabilities": softmax(logits),
        "y_true": np.eye(4)[kept],
        "y_pred": logits,
        "keras_labels": np.where(labels < 0, -1, labels),
    }


def _classes_3d(rng: np.random.Generator) -> dict[str, np.ndarray]:
    logits = rng.standard_normal((2, 4, 3)) * 2
    labels = rng.integers(0, 4, (2, 3))
    labels[0, 1] = -100
    return {"input": logits, "target": labels}


def _class_slices(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Logits (2, 3, 4, 5) whose classes are the 12 entries of each (3, 4) slice, labels (2, 5) their flat index."""
    return {"logits": rng.standard_normal((2, 3, 4, 5)) * 2, "labels": rng.integers(0, 12, (2, 5))}


def _hinge(rng: np.random.Generator) -> dict[str, np.ndarray]:
    while True:
        scores = rng.standard_normal((4, 3)) * 1.5
        signs = rng.choice([-1.0, 1.0], (4, 3))
        if np.all(np.abs(1 - signs * scores) > 1e-3):
            return {
                "y_pred": scores,
                "y_true": signs,
                "scores": scores,
                "labels": signs,
                "flat_pred": scores[:, 0],
                "flat_true": signs[:, 0],
            }


def _categorical_hinge(rng: np.random.Generator) -> dict[str, np.ndarray]:
    scores = rng.standard_normal((5, 4)) * 1.5
    return {"y_pred": scores, "y_true": np.eye(4)[rng.integers(0, 4, 5)]}


LOGITS_NOTE = "lossx takes logits with from_logits=True (the presets fix it)."
KERAS_SAMPLE = "Keras's functions give per-sample values (the mean over the last axis), as lossx's Keras functions do."

ROWS: list[Row] = [
    # ---------------------------------------------------------------- mean_squared_error
    Row(
        "mean_squared_error",
        "torch",
        "F.mse_loss(input, target)",
        "lossx.mean_squared_error(input, target)",
        regression_inputs,
        grad="input",
    ),
    Row(
        "mean_squared_error",
        "torch",
        'nn.MSELoss(reduction="sum")(input, target)',
        'LT.MSELoss(reduction="sum")(input, target)',
        regression_inputs,
        "torch preset.",
        grad="input",
    ),
    Row(
        "mean_squared_error",
        "keras",
        "keras.losses.mean_squared_error(y_true, y_pred)",
        "LK.mean_squared_error(y_true, y_pred)",
        regression_inputs,
        KERAS_SAMPLE,
    ),
    Row(
        "mean_squared_error",
        "keras",
        'keras.losses.MeanSquaredError(dtype="float64")(y_true, y_pred)',
        'LK.MeanSquaredError(dtype="float64")(y_true, y_pred)',
        regression_inputs,
        "Same class name and reductions (default sum_over_batch_size).",
    ),
    Row(
        "mean_squared_error",
        "optax",
        "optax.losses.squared_error(input, target)",
        'lossx.mean_squared_error(input, target, reduction="none")',
        regression_inputs,
        "optax returns per-element values: reduction='none'.",
        grad="input",
    ),
    Row(
        "mean_squared_error",
        "sklearn",
        "sklearn.metrics.mean_squared_error(y_true, y_pred)",
        "lossx.mean_squared_error(y_pred, y_true)",
        regression_inputs,
        "scikit-learn takes y_true first.",
    ),
    # ---------------------------------------------------------------- mean_absolute_error
    Row(
        "mean_absolute_error",
        "torch",
        "F.l1_loss(input, target)",
        "lossx.mean_absolute_error(input, target)",
        regression_inputs,
        grad="input",
    ),
    Row(
        "mean_absolute_error",
        "torch",
        'nn.L1Loss(reduction="none")(input, target)',
        'LT.L1Loss(reduction="none")(input, target)',
        regression_inputs,
        "torch preset.",
        grad="input",
    ),
    Row(
        "mean_absolute_error",
        "keras",
        "keras.losses.mean_absolute_error(y_true, y_pred)",
        "LK.mean_absolute_error(y_true, y_pred)",
        regression_inputs,
        KERAS_SAMPLE,
    ),
    Row(
        "mean_absolute_error",
        "sklearn",
        "sklearn.metrics.mean_absolute_error(y_true, y_pred)",
        "lossx.mean_absolute_error(y_pred, y_true)",
        regression_inputs,
    ),
    # ---------------------------------------------------------------- huber
    Row(
        "huber",
        "torch",
        "F.huber_loss(input, target, delta=2.0)",
        "lossx.huber(input, target, delta=2.0)",
        regression_inputs,
        grad="input",
    ),
    Row(
        "huber",
        "torch",
        "nn.HuberLoss(delta=0.5)(input, target)",
        "LT.HuberLoss(delta=0.5)(input, target)",
        regression_inputs,
        "torch preset.",
        grad="input",
    ),
    Row(
        "huber",
        "keras",
        "keras.losses.huber(y_true, y_pred, delta=2.0)",
        "LK.huber(y_true, y_pred, delta=2.0)",
        regression_inputs,
        KERAS_SAMPLE,
    ),
    Row(
        "huber",
        "optax",
        "optax.losses.huber_loss(input, target, delta=2.0)",
        'lossx.huber(input, target, delta=2.0, reduction="none")',
        regression_inputs,
        grad="input",
    ),
    # ---------------------------------------------------------------- binary_cross_entropy
    Row(
        "binary_cross_entropy",
        "torch",
        "F.binary_cross_entropy(input, target)",
        "lossx.binary_cross_entropy(input, target)",
        _binary,
        "torch clamps log p at −100; lossx is exact (equal inside that range).",
        grad="input",
    ),
    Row(
        "binary_cross_entropy",
        "torch",
        "F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor([1.0, 2.0, 0.5], "
        "dtype=torch.float64))",
        "lossx.binary_cross_entropy(logits, target, from_logits=True, pos_weight=(1.0, 2.0, 0.5))",
        _binary,
        LOGITS_NOTE + " pos_weight: a scalar or one per last-axis entry.",
        grad="logits",
    ),
    Row(
        "binary_cross_entropy",
        "torch",
        'nn.BCEWithLogitsLoss(pos_weight=torch.tensor(2.0, dtype=torch.float64), reduction="sum")(logits, target)',
        'LT.BCEWithLogitsLoss(pos_weight=2.0, reduction="sum")(logits, target)',
        _binary,
        "torch preset.",
        grad="logits",
    ),
    Row(
        "binary_cross_entropy",
        "torch",
        "nn.BCELoss()(input, target)",
        "LT.BCELoss()(input, target)",
        _binary,
        "torch preset (probabilities).",
        grad="input",
    ),
    Row(
        "binary_cross_entropy",
        "torch",
        "nn.BCEWithLogitsLoss(weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))(logits, target)",
        "LT.BCEWithLogitsLoss(weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))(logits, target)",
        _binary,
        "torch preset: weight rescales each element (broadcast from the last axis) and 'mean' is the mean of "
        "the rescaled losses, as torch's.",
        grad="logits",
    ),
    Row(
        "binary_cross_entropy",
        "keras",
        "keras.losses.binary_crossentropy(y_true, logits, from_logits=True, label_smoothing=0.1)",
        "LK.binary_cross_entropy(y_true, logits, from_logits=True, label_smoothing=0.1)",
        _binary,
        KERAS_SAMPLE,
    ),
    Row(
        "binary_cross_entropy",
        "keras",
        'keras.losses.BinaryCrossentropy(dtype="float64")(y_true, y_pred)',
        'LK.BinaryCrossentropy(dtype="float64")(y_true, y_pred)',
        _binary,
        "Keras preset. Keras clips probabilities to [1e-7, 1 − 1e-7]; lossx does not (equal inside).",
    ),
    Row(
        "binary_cross_entropy",
        "optax",
        "optax.losses.sigmoid_binary_cross_entropy(logits, target)",
        'lossx.binary_cross_entropy(logits, target, from_logits=True, reduction="none")',
        _binary,
        "optax takes logits and returns per-element values.",
        grad="logits",
    ),
    Row(
        "binary_cross_entropy",
        "sklearn",
        "sklearn.metrics.log_loss(flat_true, flat_pred)",
        "lossx.binary_cross_entropy(flat_pred, flat_true)",
        _binary,
        "log_loss with a 1-D probability of the positive class.",
    ),
    # ---------------------------------------------------------------- binary_focal_cross_entropy
    Row(
        "binary_focal_cross_entropy",
        "keras",
        "keras.losses.binary_focal_crossentropy(y_true, logits, apply_class_balancing=True, alpha=0.25, gamma=2.0, "
        "from_logits=True)",
        "LK.binary_focal_cross_entropy(y_true, logits, alpha=0.25, gamma=2.0, from_logits=True)",
        _binary,
        "Keras applies alpha only with apply_class_balancing=True; lossx applies it when alpha is given. "
        + KERAS_SAMPLE,
    ),
    Row(
        "binary_focal_cross_entropy",
        "keras",
        'keras.losses.BinaryFocalCrossentropy(gamma=1.5, dtype="float64")(y_true, y_pred)',
        'LK.BinaryFocalCrossentropy(gamma=1.5, dtype="float64")(y_true, y_pred)',
        _binary,
        "Keras preset: Keras's argument names and defaults (apply_class_balancing=False, alpha=0.25).",
    ),
    Row(
        "binary_focal_cross_entropy",
        "optax",
        "optax.losses.sigmoid_focal_loss(logits, target, alpha=0.25, gamma=2.0)",
        'lossx.binary_focal_cross_entropy(logits, target, alpha=0.25, gamma=2.0, from_logits=True, reduction="none")',
        _binary,
        "torchvision.ops.sigmoid_focal_loss has the same formula.",
        grad="logits",
    ),
    # ---------------------------------------------------------------- categorical_cross_entropy
    Row(
        "categorical_cross_entropy",
        "torch",
        "F.cross_entropy(input, soft, label_smoothing=0.1)",
        "lossx.categorical_cross_entropy(input, soft, from_logits=True, axis=1, label_smoothing=0.1)",
        _classes,
        "Probability targets; class axis 1. With class weights torch's 'mean' divides by N, lossx's by Σ w·t.",
        grad="input",
    ),
    Row(
        "categorical_cross_entropy",
        "torch",
        "nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64), "
        "label_smoothing=0.1)(input, soft)",
        "LT.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64), "
        "label_smoothing=0.1)(input, soft)",
        _classes,
        "torch preset with probability targets (mixup, cutmix): torch's 'mean' divides by N even with "
        "weights, and the preset does the same.",
        grad="input",
    ),
    Row(
        "categorical_cross_entropy",
        "keras",
        "keras.losses.categorical_crossentropy(one_hot, logits, from_logits=True, label_smoothing=0.1)",
        "LK.categorical_cross_entropy(one_hot, logits, from_logits=True, label_smoothing=0.1)",
        _classes,
    ),
    Row(
        "categorical_cross_entropy",
        "keras",
        'keras.losses.CategoricalCrossentropy(dtype="float64")(one_hot, probabilities)',
        'LK.CategoricalCrossentropy(dtype="float64")(one_hot, probabilities)',
        _classes,
        "Keras preset. Keras renormalises and clips probabilities; lossx takes them as given (equal on normalised "
        "inputs).",
    ),
    Row(
        "categorical_cross_entropy",
        "optax",
        "optax.losses.softmax_cross_entropy(logits, soft)",
        'lossx.categorical_cross_entropy(logits, soft, from_logits=True, reduction="none")',
        _classes,
        grad="logits",
    ),
    # ---------------------------------------------------------------- sparse_categorical_cross_entropy
    Row(
        "sparse_categorical_cross_entropy",
        "torch",
        "F.cross_entropy(input, target, weight=torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64), "
        "label_smoothing=0.1)",
        "lossx.sparse_categorical_cross_entropy(input, target, from_logits=True, axis=1, ignore_index=-100, "
        "class_weight=(1.0, 2.0, 0.5, 3.0), label_smoothing=0.1)",
        _classes,
        "torch's defaults are axis=1 and ignore_index=−100; when every target is ignored torch returns NaN, lossx 0.",
        grad="input",
    ),
    Row(
        "sparse_categorical_cross_entropy",
        "torch",
        "nn.CrossEntropyLoss()(input, target)",
        "LT.CrossEntropyLoss()(input, target)",
        _classes_3d,
        "torch preset; (N, C, d) logits.",
        grad="input",
    ),
    Row(
        "sparse_categorical_cross_entropy",
        "torch",
        "F.nll_loss(F.log_softmax(input, dim=1), target)",
        "lossx.sparse_categorical_cross_entropy(input, target, from_logits=True, axis=1, ignore_index=-100)",
        _classes,
        "log_softmax + nll_loss is cross-entropy.",
        grad="input",
    ),
    Row(
        "sparse_categorical_cross_entropy",
        "keras",
        "keras.losses.sparse_categorical_crossentropy(keras_labels, y_pred, from_logits=True, ignore_class=-1)",
        "LK.sparse_categorical_cross_entropy(keras_labels, y_pred, from_logits=True, ignore_index=-1)",
        _classes,
        "Keras's ignore_class is lossx's ignore_index.",
    ),
    Row(
        "sparse_categorical_cross_entropy",
        "keras",
        'keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, dtype="float64")(keras_labels, '
        "y_pred)",
        'LK.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, dtype="float64")(keras_labels, y_pred)',
        _classes,
        "Keras preset; its mean divides by the number of valid entries, as Keras's does.",
    ),
    Row(
        "sparse_categorical_cross_entropy",
        "optax",
        "optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels)",
        'lossx.sparse_categorical_cross_entropy(logits, labels, from_logits=True, reduction="none")',
        _classes,
        grad="logits",
    ),
    Row(
        "sparse_categorical_cross_entropy",
        "optax",
        "optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels, axis=(1, 2))",
        'lossx.sparse_categorical_cross_entropy(logits, labels, from_logits=True, axis=(1, 2), reduction="none")',
        _class_slices,
        "A tuple of class axes: a label is the flat (row-major) index of its class in the slice logits.shape[1:3].",
        grad="logits",
    ),
    Row(
        "sparse_categorical_cross_entropy",
        "sklearn",
        "sklearn.metrics.log_loss(labels, probabilities, labels=[0, 1, 2, 3])",
        "lossx.sparse_categorical_cross_entropy(probabilities, labels)",
        _classes,
    ),
    # ---------------------------------------------------------------- hinge
    Row("hinge", "keras", "keras.losses.hinge(y_true, y_pred)", "LK.hinge(y_true, y_pred)", _hinge, KERAS_SAMPLE),
    Row(
        "hinge",
        "optax",
        "optax.losses.hinge_loss(scores, labels)",
        'lossx.hinge(scores, labels, reduction="none")',
        _hinge,
        "Targets −1/1 (lossx also reads 0 as −1).",
        grad="scores",
    ),
    Row(
        "hinge",
        "sklearn",
        "sklearn.metrics.hinge_loss(flat_true, flat_pred)",
        "lossx.hinge(flat_pred, flat_true)",
        _hinge,
        "Binary decision values.",
    ),
    # ---------------------------------------------------------------- categorical_hinge
    Row(
        "categorical_hinge",
        "keras",
        "keras.losses.categorical_hinge(y_true, y_pred)",
        "LK.categorical_hinge(y_true, y_pred)",
        _categorical_hinge,
    ),
    Row(
        "categorical_hinge",
        "keras",
        'keras.losses.CategoricalHinge(dtype="float64")(y_true, y_pred)',
        'LK.CategoricalHinge(dtype="float64")(y_true, y_pred)',
        _categorical_hinge,
        "Same class name.",
    ),
]
