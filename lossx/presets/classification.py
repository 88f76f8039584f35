"""Presets of the classification losses: torch's BCE, cross-entropy, KL and NLL classes, Keras's cross-entropies."""

from __future__ import annotations

from ._preset import PresetReduction, TargetVariant, define_preset

_KERAS_AXIS = {"axis": (-1, "lossx's Keras losses average the last axis per sample, as Keras's do by default.")}

define_preset(
    "BCELoss",
    "torch",
    "binary_cross_entropy",
    rescale="weight",
    doc="torch.nn.BCELoss(weight) on probabilities: weight rescales each element's loss (broadcast like torch's) "
    "and 'mean' is the mean of the rescaled losses, as torch's. torch clamps log p at −100; lossx is exact "
    "(0·log 0 = 0, and inf where a saturated probability contradicts its label).",
)
define_preset(
    "BCEWithLogitsLoss",
    "torch",
    "binary_cross_entropy",
    fixed={"from_logits": True},
    rescale="weight",
    doc="torch.nn.BCEWithLogitsLoss(weight, pos_weight): logits; weight rescales each element's loss as in "
    "BCELoss; pos_weight is a scalar or one per last-axis entry.",
)
define_preset(
    "CrossEntropyLoss",
    "torch",
    "sparse_categorical_cross_entropy",
    fixed={"from_logits": True},
    defaults={"axis": 1, "ignore_index": -100},
    renames={"weight": "class_weight"},
    probability_targets=TargetVariant("categorical_cross_entropy", count_class_weights=False),
    unbatched_ndim=1,
    doc="torch.nn.CrossEntropyLoss(weight, ignore_index=-100, label_smoothing): logits of shape (N, C, d1, ...) "
    "or unbatched (C,). Class-index targets: 'mean' divides by Σ w[y] over the entries not ignored; when "
    "every target is ignored it is 0 (torch: NaN). Probability targets (floating, of the logits' shape, as "
    "for mixup and cutmix): the categorical cross-entropy, with weight and label_smoothing, and 'mean' "
    "divides by the number of entries, as torch's; ignore_index does not apply.",
)
define_preset(
    "BinaryCrossentropy",
    "keras",
    "binary_cross_entropy",
    accepted=_KERAS_AXIS,
    function="binary_crossentropy",
    same_shape=True,
    doc="keras.losses.BinaryCrossentropy(from_logits, label_smoothing). Keras clips probabilities to "
    "[1e-7, 1 − 1e-7]; lossx does not (identical on probabilities inside that range). y_true must have "
    "y_pred's shape, as in Keras (lossx's BinaryCrossEntropy broadcasts it).",
)
define_preset(
    "BinaryFocalCrossentropy",
    "keras",
    "binary_focal_cross_entropy",
    accepted=_KERAS_AXIS,
    defaults={"alpha": 0.25},
    framework_options={"apply_class_balancing": False},
    function="binary_focal_crossentropy",
    same_shape=True,
    translate=lambda options, keras_only: {
        **options,
        "alpha": options["alpha"] if keras_only["apply_class_balancing"] else None,
    },
    untranslate=lambda options: {
        **options,
        "apply_class_balancing": options["alpha"] is not None,
        "alpha": 0.25 if options["alpha"] is None else options["alpha"],
    },
    doc="keras.losses.BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25, gamma=2.0, "
    "from_logits, label_smoothing): alpha applies only with apply_class_balancing=True, as in Keras. "
    "y_true must have y_pred's shape, as in Keras.",
)
define_preset(
    "CategoricalCrossentropy",
    "keras",
    "categorical_cross_entropy",
    function="categorical_crossentropy",
    same_shape=True,
    renormalised_gradient=True,
    doc="keras.losses.CategoricalCrossentropy(from_logits, label_smoothing, axis). Keras rescales "
    "probabilities to sum to 1 and clips them to [1e-7, 1 − 1e-7]; lossx takes them as given. y_true "
    "must have y_pred's shape, as in Keras.",
)
define_preset(
    "SparseCategoricalCrossentropy",
    "keras",
    "sparse_categorical_cross_entropy",
    renames={"ignore_class": "ignore_index"},
    function="sparse_categorical_crossentropy",
    renormalised_gradient=True,
    doc="keras.losses.SparseCategoricalCrossentropy(from_logits, ignore_class, axis).",
)
define_preset(
    "CategoricalFocalCrossentropy",
    "keras",
    "categorical_focal_cross_entropy",
    defaults={"alpha": 0.25},
    function="categorical_focal_crossentropy",
    renormalised_gradient=True,
    doc="keras.losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits, label_smoothing, axis). "
    "Keras rescales probabilities to sum to 1 and clips them to [1e-7, 1 − 1e-7]; lossx takes them as "
    "given (identical on normalised probabilities inside that range). Keras's label smoothing divides "
    "by the size of the last axis whatever `axis` is; lossx by the size of the class axis.",
)
define_preset(
    "CategoricalGeneralizedCrossEntropy",
    "keras",
    "generalized_cross_entropy",
    defaults={"q": 0.5},
    function="categorical_generalized_cross_entropy",
    doc="keras.losses.CategoricalGeneralizedCrossEntropy(q=0.5): integer labels and probabilities, as in "
    "Keras. Keras requires 0 < q < 1; lossx also accepts q = 1. from_logits, axis, class_weight and "
    "ignore_index are lossx extensions.",
)
define_preset(
    "KLDivergence",
    "keras",
    "kl_divergence",
    fixed={"from_logits": False, "log_input": False, "log_target": False},
    function="kl_divergence",
    doc="keras.losses.KLDivergence: probabilities, summed over the last axis. Keras clips both inputs to "
    "[1e-7, 1], so a zero target contributes 1e-7·log(1e-7/q) there; lossx uses 0·log 0 = 0 (identical "
    "on inputs inside that range). For log-probability inputs use lossx's KlDivergence.",
)


def _per_batch_entry(xp, inputs):
    """1 / the size of the first axis (1 for a scalar): torch's KLDivLoss 'batchmean' is Σ / input.size(0)."""
    shape = inputs[0].shape
    return 1.0 / shape[0] if len(shape) else 1.0


define_preset(
    "KLDivLoss",
    "torch",
    "kl_divergence",
    fixed={"log_input": True, "from_logits": False, "pointwise": True},
    reductions={"batchmean": PresetReduction("sum", scale=_per_batch_entry)},
    doc="torch.nn.KLDivLoss(reduction='mean', log_target=False): input holds log-probabilities, target "
    "probabilities (or log-probabilities with log_target=True), of any shape. As torch's: 'none' is the "
    "elementwise terms t·(log t − input), 'mean' their mean over every element (torch's default, which "
    "torch's own docs advise against), 'batchmean' their sum divided by the size of the first axis (the KL "
    "divergence averaged over rows), 'sum' their sum. Zero targets contribute exactly 0 (torch: also 0, but "
    "NaN for log_target with −inf targets or for −inf input).",
)
define_preset(
    "NLLLoss",
    "torch",
    "nll",
    defaults={"axis": 1, "ignore_index": -100},
    renames={"weight": "class_weight"},
    unbatched_ndim=1,
    doc="torch.nn.NLLLoss(weight, ignore_index=-100): log-probabilities of shape (N, C, d1, ...) or unbatched "
    "(C,), and class indices. When every target is ignored, 'mean' is 0 (torch: NaN).",
)
