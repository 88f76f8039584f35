"""Presets of the ranking and embedding losses: torch's ranking classes, Keras's Circle."""

from __future__ import annotations

from ._preset import define_preset

define_preset("MarginRankingLoss", "torch", "margin_ranking", doc="torch.nn.MarginRankingLoss(margin).")
define_preset("HingeEmbeddingLoss", "torch", "hinge_embedding", doc="torch.nn.HingeEmbeddingLoss(margin).")
define_preset(
    "CosineEmbeddingLoss", "torch", "cosine_embedding",
    doc="torch.nn.CosineEmbeddingLoss(margin): features on the last axis, as torch.",
)
define_preset(
    "TripletMarginLoss", "torch", "triplet_margin",
    doc="torch.nn.TripletMarginLoss(margin, p, eps, swap): features on the last axis, as torch. "
        "torch refuses margin ≤ 0; lossx accepts margin = 0.",
)
define_preset(
    "Circle", "keras", "circle", replaces_own_class=True, function="circle", defaults={"normalize": False},
    accepted={
        name: (None, "lossx's circle compares the batch with itself; reference embeddings and labels other "
                     "than the batch's have no lossx counterpart.")
        for name in ("ref_labels", "ref_embeddings")
    },
    doc="keras.losses.Circle(gamma=80.0, margin=0.4, remove_diagonal=True): y_true integer labels (N,), y_pred "
        "embeddings (N, D) of unit norm (a UnitNormalization layer), used as given (normalize=False); "
        "normalize=True takes cosine similarities of any embeddings. Rows without a positive or a negative "
        "count nothing, as Keras masks rows whose loss is 0.",
)
