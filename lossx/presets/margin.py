"""Presets of the margin losses: torch's margin classes."""

from __future__ import annotations

from ._preset import define_preset

define_preset(
    "MultiMarginLoss",
    "torch",
    "multi_margin",
    defaults={"axis": 1},
    renames={"weight": "class_weight"},
    count_class_weights=False,
    unbatched_ndim=1,
    doc="torch.nn.MultiMarginLoss(p, margin, weight) on scores of shape (N, C), (N, C, d1, ...) (class axis 1) "
    "or unbatched (C,). As torch's, weight[y] rescales each loss and 'mean' divides by the number of "
    "entries, not by Σ w[y] (lossx's MultiMargin(class_weight=w) divides by Σ w[y]).",
)
define_preset(
    "SoftMarginLoss",
    "torch",
    "soft_margin",
    doc="torch.nn.SoftMarginLoss on −1/1 targets (a 0 target reads as −1; torch gives log 2 there).",
)
define_preset(
    "MultiLabelSoftMarginLoss",
    "torch",
    "multilabel_soft_margin",
    renames={"weight": "class_weight"},
    doc="torch.nn.MultiLabelSoftMarginLoss(weight): logits of shape (N, C), 0/1 targets; the class "
    "axis is the last one, as torch's.",
)
define_preset(
    "MultiLabelMarginLoss",
    "torch",
    "multilabel_margin",
    doc="torch.nn.MultiLabelMarginLoss: scores (N, C) or unbatched (C,), and targets of the same shape "
    "listing each entry's labels, ended by −1.",
)
