"""The kinds of a loss's array inputs: what each must be, checked before the body runs."""

from __future__ import annotations

__all__ = ["INPUT_KINDS", "INTEGER_KINDS", "TARGET_KINDS"]

#: The kinds ``define_loss(target=...)`` takes for the second input.
TARGET_KINDS = ("dense", "binary", "labels")

#: What each kind of input must be; checked before the body runs (see :class:`Input`).
INPUT_KINDS = {
    "prediction": "floating; sets the namespace, dtype and device of the call",
    "dense": "floating, broadcastable to the prediction's shape",
    "binary": "floating targets in [0, 1] (0/1 labels or probabilities), broadcastable to the prediction's shape",
    "labels": "integer class indices in [0, C) (or ignore_index); the prediction's shape without axis",
    "label_lists": "integer class indices of the prediction's shape: along axis, each entry lists its labels "
    "and ends them with −1 (torch's MultiLabelMarginLoss)",
    "classes": "integer class labels like 'labels', or floating targets like 'dense' (the body checks the dtype)",
    "rows": "floating, one value per row: the prediction's shape without axis",
    "groups": "integer group ids (any values); the prediction's shape without axis",
    "lengths": "integer, one per batch entry: shape (batch,)",
    "sequences": "integer, padded sequences: shape (batch, length)",
}
INTEGER_KINDS = ("labels", "label_lists", "groups", "lengths", "sequences")
