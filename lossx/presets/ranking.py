"""Presets of the ranking and embedding losses: torch's ranking classes, Keras's Circle."""

from __future__ import annotations

from ._preset import FunctionVariant, define_preset


def _distances(xp, distance, inputs, options):
    """margin_ranking's inputs ``(d(a, n), d(a, p), 1)``, torch's three calls of ``distance`` in torch's order."""
    anchor, positive, negative = inputs
    positive_distance, negative_distance = distance(anchor, positive), distance(anchor, negative)
    if options["swap"]:
        negative_distance = xp.minimum(negative_distance, distance(positive, negative))
    return negative_distance, positive_distance, xp.ones_like(positive_distance)


define_preset("MarginRankingLoss", "torch", "margin_ranking", doc="torch.nn.MarginRankingLoss(margin).")
define_preset("HingeEmbeddingLoss", "torch", "hinge_embedding", doc="torch.nn.HingeEmbeddingLoss(margin).")
define_preset(
    "CosineEmbeddingLoss",
    "torch",
    "cosine_embedding",
    doc="torch.nn.CosineEmbeddingLoss(margin): features on the last axis, as torch.",
)
define_preset(
    "TripletMarginLoss",
    "torch",
    "triplet_margin",
    doc="torch.nn.TripletMarginLoss(margin, p, eps, swap): features on the last axis, as torch. "
    "torch refuses margin ≤ 0; lossx accepts margin = 0.",
)
define_preset(
    "TripletMarginWithDistanceLoss",
    "torch",
    "triplet_margin",
    fixed={"p": 2.0, "eps": 1e-6, "axis": -1},
    function_variant=FunctionVariant("distance_function", "margin_ranking", _distances),
    doc="torch.nn.TripletMarginWithDistanceLoss(distance_function=None, margin=1.0, swap=False). With no "
    "distance_function it is TripletMarginLoss's loss with torch's default distance, nn.PairwiseDistance() "
    "(p=2, eps=1e-6, features on the last axis). A distance_function (any callable of two tensors returning "
    "one distance per row, e.g. nn.PairwiseDistance(p=1), or a module with parameters, kept as a submodule) "
    "gives d(a, p) and d(a, n) (with swap, min(d(a, n), d(p, n))), and the loss is "
    "margin_ranking(d(a, n), d(a, p), 1, margin) = max(0, d(a, p) − d(a, n) + margin). A lambda cannot "
    "be pickled, as in torch. torch refuses margin ≤ 0; lossx accepts margin = 0.",
)
define_preset(
    "Circle",
    "keras",
    "circle",
    replaces_own_class=True,
    function="circle",
    defaults={"normalize": False},
    accepted={
        name: (
            None,
            "lossx's circle compares the batch with itself; reference embeddings and labels other "
            "than the batch's have no lossx counterpart.",
        )
        for name in ("ref_labels", "ref_embeddings")
    },
    doc="keras.losses.Circle(gamma=80.0, margin=0.4, remove_diagonal=True): y_true integer labels (N,), y_pred "
    "embeddings (N, D) of unit norm (a UnitNormalization layer), used as given (normalize=False); "
    "normalize=True takes cosine similarities of any embeddings. Rows without a positive or a negative "
    "count nothing, as Keras masks rows whose loss is 0.",
)
