"""Mapping rows of the overlap losses (see tests/support/mapping/__init__.py).

Keras's Dice and Tversky sum over the axes they are given (default: every axis, the batch
included): lossx's ``sum_axes``, and the Keras adapter's classes take Keras's arguments.
lossx's default scores each sample and class, which is Keras's ``axis=(1, 2)`` on
channels-last (N, H, W, C) inputs. optax.dice_loss scores each sample and class and averages
the classes: lossx's ``reduction="none"`` then a mean over the class axis.
"""

from __future__ import annotations

import numpy as np

from tests.support.mapping import Row, softmax


def _masks(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Channels-last (2, 3, 4, 3) probabilities and multilabel 0/1 targets (Keras names)."""
    y_pred = 1 / (1 + np.exp(-rng.standard_normal((2, 3, 4, 3)) * 1.5))
    y_true = (rng.random((2, 3, 4, 3)) < 0.5).astype(np.float64)
    return {"y_pred": y_pred, "y_true": y_true}


def _segmentation(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(2, 4, 4, 3) logits, their softmax, integer labels and one-hot targets (optax names)."""
    logits = rng.standard_normal((2, 4, 4, 3)) * 1.5
    labels = rng.integers(0, 3, (2, 4, 4))
    binary_logits = rng.standard_normal((2, 4, 4)) * 1.5
    return {
        "logits": logits,
        "probabilities": softmax(logits),
        "labels": labels,
        "targets": np.eye(3)[labels],
        "binary_logits": binary_logits,
        "binary_targets": (rng.random((2, 4, 4)) < 0.5).astype(np.float64),
    }


POOLED = (
    "Keras's default axis=None pools the whole batch into one score, which is not a per-sample loss "
    "(docs/semantics.md, reductions and weights): lossx's sum_axes='all'."
)
W3 = "jnp.array([1.0, 2.0, 0.5])"

ROWS: list[Row] = []

# ----------------------------------------------------------------- dice
ROWS += [
    Row(
        "dice",
        "keras",
        'keras.losses.Dice(dtype="float64")(y_true, y_pred)',
        'lossx.dice(y_pred, y_true, sum_axes="all")',
        _masks,
        POOLED,
    ),
    Row(
        "dice",
        "keras",
        'keras.losses.Dice(axis=(1, 2, 3), reduction=None, dtype="float64")(y_true, y_pred)',
        'LK.Dice(axis=(1, 2, 3), reduction=None, dtype="float64")(y_true, y_pred)',
        _masks,
        "lossx's Keras Dice takes Keras's arguments: axis (lossx's sum_axes), epsilon 1e-7 in the denominator "
        "only. lossx's own per-sample Dice there is LK.Dice(axis='per_sample'), its class axis class_axis.",
    ),
    Row(
        "dice",
        "keras",
        'keras.losses.Dice(axis=(1, 2), dtype="float64")(y_true, y_pred)',
        "lossx.dice(y_pred, y_true)",
        _masks,
        "Keras's axis = every axis but the batch and the (last) class axis is lossx's default: one score per "
        "sample and class, averaged by Keras's sum_over_batch_size.",
    ),
    Row(
        "dice",
        "keras",
        'keras.losses.Dice(axis=(1, 2), reduction=None, dtype="float64")(y_true, y_pred)',
        'lossx.dice(y_pred, y_true, reduction="none")',
        _masks,
        "Shape (N, C).",
    ),
    Row(
        "dice",
        "keras",
        "keras.losses.dice(y_true, y_pred, axis=(1, 2, 3))",
        'lossx.dice(y_pred, y_true, per_class=False, reduction="none")',
        _masks,
        "Pooling the classes too: per_class=False (or sum_axes=(1, 2, 3)), shape (N,).",
    ),
    Row(
        "dice",
        "optax",
        "optax.losses.dice_loss(logits, targets)",
        'jnp.mean(lossx.dice(logits, labels, from_logits=True, smooth=2.0, epsilon=0.0, reduction="none"), axis=-1)',
        _segmentation,
        "optax's score is (TP + s) / ((Σp + Σt)/2 + s): its smooth=s is lossx's smooth=2s with epsilon=0. "
        "optax applies softmax to logits (apply_softmax=True): from_logits=True with integer labels "
        "(or one-hot targets). optax averages the classes per sample: 'none', then a mean over classes.",
        grad="logits",
    ),
    Row(
        "dice",
        "optax",
        f"optax.losses.dice_loss(logits, targets, class_weights={W3}, smooth=0.5, ignore_background=True)",
        f"jnp.mean(lossx.dice(logits, targets.argmax(-1), from_logits=True, class_weight={W3}, smooth=1.0, "
        f'epsilon=0.0, reduction="none")[:, 1:], axis=-1)',
        _segmentation,
        "optax multiplies each class's score by its weight and divides by the number of classes, not by "
        "Σ w as lossx's 'mean' does: take 'none', then a mean over the classes; ignore_background=True "
        "drops class 0 ([:, 1:]).",
        grad="logits",
    ),
    Row(
        "dice",
        "optax",
        "optax.losses.dice_loss(probabilities, targets, apply_softmax=False, smooth=0.0)",
        'jnp.mean(lossx.dice(probabilities, targets, smooth=0.0, epsilon=0.0, reduction="none"), axis=-1)',
        _segmentation,
        "Probabilities with dense one-hot targets.",
        grad="probabilities",
    ),
    Row(
        "dice",
        "optax",
        "optax.losses.binary_dice_loss(binary_logits, binary_targets)",
        "lossx.dice(binary_logits[..., None], binary_targets[..., None], from_logits=True, smooth=2.0, epsilon=0.0, "
        'reduction="none")[:, 0]',
        _segmentation,
        "Binary masks: lossx needs the class axis of size 1 (optax adds it); from_logits applies sigmoid "
        "for dense targets, as optax for one channel.",
        grad="binary_logits",
    ),
]

# ----------------------------------------------------------------- generalized_dice


def _class_volumes(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """torch-layout (2, 3, 4, 4) logits and their sigmoid; multilabel 0/1 targets in which each (sample, class)
    fills 0 or a power of two of its 16 pixels (class 2 absent from sample 0; batch totals 2, 8, 16), integer
    labels (N, H, W) with such class counts (class 2 absent from sample 0) and their (N, 1, H, W) label map.
    MONAI computes the class weights in float32: 1/Σt and 1/(Σt)² of these counts are exact there."""
    logits = rng.standard_normal((2, 3, 4, 4)) * 1.5
    target = np.zeros((2, 3, 16))
    for n, row in enumerate([(1, 4, 0), (1, 4, 16)]):
        for c, count in enumerate(row):
            target[n, c, rng.permutation(16)[:count]] = 1.0
    labels = np.stack([rng.permutation(np.repeat(np.arange(3), row)) for row in [(8, 8, 0), (4, 4, 8)]])
    labels = labels.reshape(2, 4, 4)
    return {
        "logits": logits,
        "input": 1 / (1 + np.exp(-logits)),
        "target": target.reshape(2, 3, 4, 4),
        "labels": labels,
        "label_map": labels[:, None].astype(np.float64),
    }


_OPTAX_GDL_WEIGHTS = "(lambda w: w / jnp.sum(w) * w.size)(1.0 / (jnp.sum(targets, axis=(0, 1, 2)) ** 2 + 1e-7))"

ROWS += [
    Row(
        "generalized_dice",
        "monai",
        "monai.losses.GeneralizedDiceLoss()(input, target)",
        "lossx.generalized_dice(input, target, axis=1)",
        _class_volumes,
        "Weights 1/(Σt)² per sample and class, the classes pooled into one score per sample; "
        "MONAI's smooth_nr = smooth_dr = 1e-5 are lossx's defaults (smooth=1e-5, epsilon=0). An absent class takes the "
        "largest weight "
        "of the sample's others, as in MONAI.",
        grad="input",
    ),
    Row(
        "generalized_dice",
        "monai",
        "monai.losses.GeneralizedDiceLoss(sigmoid=True, batch=True, w_type='simple')(logits, target)",
        'lossx.generalized_dice(logits, target, weighting="simple", from_logits=True, axis=1, sum_axes="all")',
        _class_volumes,
        "batch=True sums each class's counts, and takes its weight, over the whole batch: sum_axes='all', "
        "one score; w_type is weighting.",
        grad="logits",
    ),
    Row(
        "generalized_dice",
        "monai",
        "monai.losses.GeneralizedDiceLoss(softmax=True, to_onehot_y=True)(logits, label_map)",
        "lossx.generalized_dice(logits, labels, from_logits=True, axis=1)",
        _class_volumes,
        "Integer labels: lossx one-hot encodes them (MONAI's to_onehot_y, from a (N, 1, H, W) label map) and "
        "from_logits applies the softmax over the class axis.",
        grad="logits",
    ),
    Row(
        "generalized_dice",
        "optax",
        "optax.losses.multiclass_generalized_dice_loss(logits, targets)",
        f"lossx.dice(logits, labels, from_logits=True, smooth=2.0, epsilon=0.0, class_weight={_OPTAX_GDL_WEIGHTS})",
        _segmentation,
        "optax's generalised Dice is not Sudre et al.'s pooled score: weights 1/(f² + 1e-7) from the class "
        "frequencies f of the whole batch, normalised to mean 1, multiply each sample's per-class Dice losses, "
        "which are averaged. That is lossx's dice with those weights as class_weight ('mean' divides by "
        "N·Σw = N·C) and optax's smooth s as smooth=2s, epsilon=0.",
        grad="logits",
    ),
]

# ----------------------------------------------------------------- tversky
ROWS += [
    Row(
        "tversky",
        "keras",
        'keras.losses.Tversky(alpha=0.7, beta=0.3, dtype="float64")(y_true, y_pred)',
        'lossx.tversky(y_pred, y_true, alpha=0.3, beta=0.7, sum_axes="all")',
        _masks,
        POOLED + " Keras's code applies alpha to Σ t·(1−p), the false negatives (its docs say false "
        "positives); lossx's alpha weights false positives (Salehi et al., optax, MONAI), so alpha and "
        "beta swap.",
    ),
    Row(
        "tversky",
        "keras",
        'keras.losses.Tversky(alpha=0.7, beta=0.3, dtype="float64")(y_true, y_pred)',
        'LK.Tversky(alpha=0.7, beta=0.3, dtype="float64")(y_true, y_pred)',
        _masks,
        "lossx's Keras Tversky takes Keras's arguments in Keras's convention (alpha on the false negatives).",
    ),
    Row(
        "tversky",
        "keras",
        'keras.losses.Tversky(alpha=0.7, beta=0.3, axis=(1, 2), dtype="float64")(y_true, y_pred)',
        "lossx.tversky(y_pred, y_true, alpha=0.3, beta=0.7)",
        _masks,
        "Per sample and class, as for Dice; alpha and beta swap.",
    ),
    Row(
        "tversky",
        "keras",
        "keras.losses.tversky(y_true, y_pred, axis=(1, 2, 3))",
        'lossx.tversky(y_pred, y_true, per_class=False, reduction="none")',
        _masks,
        "Defaults alpha = beta = 0.5 agree; per_class=False pools the classes.",
    ),
    Row(
        "tversky",
        "optax",
        "optax.losses.dice_loss(logits, targets, alpha=0.3, beta=0.7, smooth=1.0)",
        "jnp.mean(lossx.tversky(logits, labels, alpha=0.3, beta=0.7, from_logits=True, smooth=1.0, epsilon=0.0, "
        'reduction="none"), axis=-1)',
        _segmentation,
        "optax.dice_loss with alpha, beta is the Tversky loss, with the same alpha (false positives), beta and smooth.",
        grad="logits",
    ),
]

# ----------------------------------------------------------------- jaccard
ROWS += [
    Row(
        "jaccard",
        "optax",
        "optax.losses.dice_loss(logits, targets, alpha=1.0, beta=1.0, smooth=1.0)",
        'jnp.mean(lossx.jaccard(logits, labels, from_logits=True, smooth=1.0, epsilon=0.0, reduction="none"), axis=-1)',
        _segmentation,
        "alpha = beta = 1 turns optax's Dice into the Jaccard (IoU) loss.",
        grad="logits",
    ),
    Row(
        "jaccard",
        "keras",
        'keras.losses.Tversky(alpha=1.0, beta=1.0, axis=(1, 2), dtype="float64")(y_true, y_pred)',
        'LK.Jaccard(dtype="float64")(y_true, y_pred)',
        _masks,
        "Keras has no Jaccard loss; its Tversky with alpha = beta = 1 is one.",
    ),
]

# ----------------------------------------------------------------- mcc


def _torch_layout_masks(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """torch-layout (2, 3, 4, 4) logits, their sigmoid and softmax, multilabel 0/1 targets, integer labels
    (N, H, W) and MONAI's (N, 1, H, W) label maps."""
    logits = rng.standard_normal((2, 3, 4, 4)) * 1.5
    labels = rng.integers(0, 3, (2, 4, 4))
    return {
        "logits": logits,
        "input": 1 / (1 + np.exp(-logits)),
        "probabilities": softmax(logits, axis=1),
        "target": (rng.random((2, 3, 4, 4)) < 0.5).astype(np.float64),
        "labels": labels,
        "label_map": labels[:, None].astype(np.float64),
    }


ROWS += [
    Row(
        "mcc",
        "monai",
        "monai.losses.MCCLoss()(input, target)",
        "lossx.mcc(input, target, axis=1)",
        _torch_layout_masks,
        "One score per sample and class, averaged, and epsilon (MONAI's smooth_dr) 1e-5 under the root, as "
        "MONAI. MONAI sets a score with FP = FN = 0 to 0, lossx does not (docs/losses.md); soft predictions "
        "never reach it.",
        grad="input",
    ),
    Row(
        "mcc",
        "monai",
        "monai.losses.MCCLoss(sigmoid=True, batch=True, smooth_dr=1e-7, reduction='none')(logits, target)",
        'lossx.mcc(logits, target, from_logits=True, axis=1, sum_axes=(0, 2, 3), epsilon=1e-7, reduction="none")',
        _torch_layout_masks,
        "batch=True sums each class's counts over the batch too: sum_axes=(0, 2, 3) with the class axis 1, "
        "one score per class.",
        grad="logits",
    ),
    Row(
        "mcc",
        "monai",
        "monai.losses.MCCLoss(softmax=True, to_onehot_y=True)(logits, label_map)",
        "lossx.mcc(logits, labels, from_logits=True, axis=1)",
        _torch_layout_masks,
        "Integer labels: lossx one-hot encodes them (MONAI's to_onehot_y, from a (N, 1, H, W) label map) and "
        "from_logits applies the softmax over the class axis.",
        grad="logits",
    ),
]

# ----------------------------------------------------------------- lovasz_hinge, lovasz_softmax


def _apart(errors: np.ndarray) -> bool:
    """Each score's errors (axes after the first two) 1e-3 from 0 and from each other: a tie is a kink."""
    rows = np.sort(errors.reshape(*errors.shape[:2], -1), axis=-1)
    return bool(np.all(np.abs(rows) > 1e-3) and np.all(np.diff(rows, axis=-1) > 1e-3))


def _lovasz_images(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """kornia's layouts: binary logits (2, 1, 4, 5) with 0/1 labels (2, 4, 5) and class logits (2, 4, 4, 5) with
    labels in [0, 4) (2, 4, 5), the hinge errors and |onehot − softmax| of each image (and class) apart."""
    while True:
        binary_logits, binary_labels = rng.standard_normal((2, 1, 4, 5)) * 1.5, rng.integers(0, 2, (2, 4, 5))
        logits, labels = rng.standard_normal((2, 4, 4, 5)) * 1.5, rng.integers(0, 4, (2, 4, 5))
        hinge_errors = 1 - binary_logits * (2 * binary_labels[:, None] - 1)
        class_errors = np.abs(np.moveaxis(np.eye(4)[labels], -1, 1) - softmax(logits, axis=1))
        if _apart(hinge_errors) and _apart(class_errors):
            return {"binary_logits": binary_logits, "binary_labels": binary_labels, "logits": logits, "labels": labels}


W4 = "(0.5, 2.0, 1.0, 1.5)"

ROWS += [
    Row(
        "lovasz_hinge",
        "kornia",
        "kornia.losses.lovasz_hinge_loss(binary_logits, binary_labels)",
        "lossx.lovasz_hinge(binary_logits[:, 0], binary_labels)",
        _lovasz_images,
        "kornia takes one logit channel (B, 1, H, W) and labels (B, H, W): lossx's y_pred without the channel "
        "(or the labels with it). Both score each image and average. segmentation_models_pytorch's "
        "LovaszLoss(mode='binary') pools the batch (Berman et al.'s per_image=False): lossx on inputs "
        "reshaped to (1, −1).",
        grad="binary_logits",
    ),
    Row(
        "lovasz_softmax",
        "kornia",
        "kornia.losses.lovasz_softmax_loss(logits, labels)",
        "lossx.lovasz_softmax(logits, labels, from_logits=True, axis=1)",
        _lovasz_images,
        "kornia takes logits (its softmax over dim 1) and averages every image's every class, absent ones "
        "included: lossx's classes='all' (the default). Berman et al.'s and segmentation_models_pytorch's "
        "classes='present' leaves the absent ones out.",
        grad="logits",
    ),
    Row(
        "lovasz_softmax",
        "kornia",
        f"kornia.losses.lovasz_softmax_loss(logits, labels, weight=torch.tensor({W4}))",
        f'lossx.lovasz_softmax(logits, labels, from_logits=True, axis=1, class_weight={W4}, reduction="sum") '
        "/ (logits.shape[0] * logits.shape[1])",
        _lovasz_images,
        "kornia multiplies each class's score by its weight and divides by the number of classes, not by the "
        "weights' sum as lossx's 'mean' does: the weighted sum over N·C.",
        grad="logits",
    ),
]


# ----------------------------------------------------------------- dice in MONAI's compound losses (lossx.combine)


def _compound(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """torch-layout (2, 3, 4, 4) logits, multilabel 0/1 targets, integer labels (N, H, W), their one-hot
    targets and MONAI's (N, 1, H, W) label map."""
    logits = rng.standard_normal((2, 3, 4, 4)) * 1.5
    labels = rng.integers(0, 3, (2, 4, 4))
    return {
        "logits": logits,
        "target": (rng.random((2, 3, 4, 4)) < 0.5).astype(np.float64),
        "labels": labels,
        "one_hot": np.eye(3)[labels].transpose(0, 3, 1, 2),
        "label_map": labels[:, None].astype(np.float64),
    }


_MONAI_DICE = '"dice": {"from_logits": True, "axis": 1, "smooth": 1e-5, "epsilon": 0.0}'
_COMPOUND = (
    "Each term is reduced on its own and the results added (docs/semantics.md, combined losses); "
    "MONAI's Dice is lossx's with smooth_nr = smooth_dr = 1e-5 as smooth, epsilon 0. "
)

ROWS += [
    Row(
        "dice",
        "monai",
        "monai.losses.DiceCELoss(softmax=True, to_onehot_y=True, lambda_ce=0.5)(logits, label_map)",
        f'lossx.combine({{"dice": 1.0, "scce": 0.5}}, name="monai_dice_ce", options={{{_MONAI_DICE}}})(logits, labels)',
        _compound,
        _COMPOUND + "Softmax over the classes with integer labels (MONAI's to_onehot_y); torch's cross-entropy of "
        "class indices. MONAI's default softmax=False, sigmoid=False reads the input as probabilities for Dice "
        "and as logits for the cross-entropy, which one from_logits cannot say; its weight scales each Dice "
        "score without entering the mean; so no preset carries its name.",
        grad="logits",
    ),
    Row(
        "dice",
        "monai",
        "monai.losses.DiceCELoss(sigmoid=True, reduction='sum')(logits, target)",
        f'lossx.combine({{"dice": 1.0, "cce": 1.0}}, name="monai_dice_ce_sigmoid", options={{{_MONAI_DICE}}})'
        '(logits, target, reduction="sum")',
        _compound,
        _COMPOUND + "Sigmoid Dice of dense targets; the cross-entropy stays torch's softmax one of probability "
        "targets, categorical_cross_entropy.",
        grad="logits",
    ),
    Row(
        "dice",
        "monai",
        "monai.losses.DiceFocalLoss(sigmoid=True, gamma=1.5, alpha=0.3)(logits, one_hot)",
        f'lossx.combine({{"dice": 1.0, "focal": 1.0}}, name="monai_dice_focal", options={{{_MONAI_DICE}, '
        '"focal": {"gamma": 1.5, "alpha": 0.3}})(logits, one_hot)',
        _compound,
        _COMPOUND + "MONAI's focal loss is the sigmoid one of 0/1 targets, binary_focal_cross_entropy; it computes "
        "in float32 (input.float()), hence rtol 1e-6. Its reduction='sum' sums spatial means, no lossx reduction.",
        grad="logits",
        rtol=1e-6,
    ),
]
