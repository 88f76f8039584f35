"""What ``lossx.suggest`` knows: the tasks, outputs, target forms and frameworks it accepts, and the
thresholds its rules use (docs/choosing.md, the rules)."""

from __future__ import annotations

from collections.abc import Mapping

#: The tasks ``task=`` accepts, and what their targets look like.
TASKS: Mapping[str, str] = {
    "binary": "one 0/1 (or two-valued) label, or a probability in [0, 1], per example",
    "multiclass": "one integer class label per example",
    "multilabel": "rows of K independent 0/1 labels, shape (N, K)",
    "probabilities": "rows of class probabilities summing to 1, one-hot or soft, shape (N, K)",
    "regression": "real values",
    "counts": "non-negative integers",
    "positive_skewed": "non-negative values with a long right tail",
    "segmentation": "masks: (N, H, W) labels per pixel, or (N, H, W, C) channels",
}
#: The model outputs ``output=`` accepts.
OUTPUTS: Mapping[str, str] = {
    "logits": "raw scores, no activation (from_logits=True)",
    "sigmoid": "a sigmoid per output: independent probabilities (from_logits=False)",
    "softmax": "a softmax over the class axis: probabilities summing to 1 (from_logits=False)",
    "linear": "a linear layer: unbounded values (regression; for a classifier, logits)",
}
#: How ``y_true`` enters a suggested loss (:meth:`Suggestions.prepared_targets`): class indices
#: are positions in ``evidence.classes`` (for one-hot rows: the hot column); the positive class
#: is the larger of two values.
TARGET_FORMS: Mapping[str, str] = {
    "as_given": "y_true as given",
    "class_indices": "y_true as class indices",
    "is_positive": "y_true as 1.0 for the positive class, else 0.0",
}
#: The frameworks ``Suggestions.snippet`` writes code for.
FRAMEWORKS = ("numpy", "torch", "jax", "keras")

_CLASSIFICATION = frozenset({"binary", "multiclass", "multilabel", "probabilities", "segmentation"})
_VALUES = frozenset({"regression", "counts", "positive_skewed"})

#: At or above this majority / minority ratio the class-weighted loss comes first.
IMBALANCED = 2.0
#: At or above this ratio the focal loss comes first.
STRONGLY_IMBALANCED = 10.0
#: A fraction of robust outliers at or above this puts Huber and MAE before MSE.
OUTLIERS = 0.01
#: A modified z-score above this marks an outlier (Iglewicz and Hoaglin, 1993).
OUTLIER_Z = 3.5
#: Huber's tuning constant: 95% efficiency under normal errors (Huber, 1964).
HUBER_K = 1.345
#: At or above this skewness non-negative values are "positive skewed".
SKEWED = 1.0
#: Non-negative integers with at most this many distinct values may be class labels.
MAX_CLASSES = 1000
#: A last axis of at most this size on (N, H, W, C) masks is read as channels.
MAX_CHANNELS = 16
#: Below this many targets the evidence is marked rough.
FEW_TARGETS = 30
#: Rows of probabilities sum to 1 within this.
ROW_SUM_TOLERANCE = 1e-3
#: σ = MAD · 1/Φ⁻¹(¾) for normal data; σ = mean absolute deviation · √(π/2) where MAD is 0.
_MAD_TO_SIGMA = 1.482602218505602
_MEAN_AD_TO_SIGMA = 1.2533141373155001
