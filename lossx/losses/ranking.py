"""Embedding and ranking losses: margin ranking, hinge embedding, cosine embedding, the
listwise ranking softmax, triplet margin, NT-Xent (SimCLR's contrastive loss) and Circle loss;
over a batch of embeddings also the pairwise contrastive, supervised contrastive, mined triplet, lifted
structure and N-pair losses."""

from __future__ import annotations

import math

from .. import primitives as P
from .._errors import LabelRangeError, ShapeError
from .._namespace import device_of, is_eager
from .._options import Option
from .._reduction import LossTerms
from .._registry import define_loss
from .._spec import Input, Packing
from ..examples import ranking as examples

__all__ = [
    "margin_ranking",
    "hinge_embedding",
    "cosine_embedding",
    "ranking_softmax",
    "triplet_margin",
    "ntxent",
    "circle",
    "contrastive",
    "supervised_contrastive",
    "mined_triplet",
    "lifted_structure",
    "npairs",
]

FEATURE_AXIS = Option("axis", "axis", -1, "The feature axis the distance or similarity is taken over.")


def _negative_axis(axis: int, ndim: int) -> int:
    """``axis`` counted from the end, so inputs of lower rank broadcast along the same axis."""
    return axis % ndim - ndim


#: The class ids of a batch of embeddings.
_BATCH_LABELS = Input("labels", "groups", "Class (or group) ids, shape (N,); rows with equal ids are positive pairs.")
#: The inputs of the losses over a batch of embeddings.
_BATCH_INPUTS = [Input("embeddings", "prediction", "Embeddings, shape (N, D): one row per example."), _BATCH_LABELS]


# ----------------------------------------------------------------- pairwise ranking


@define_loss(
    options=[Option("margin", "float", 0.0, "The margin by which the preferred score should win.")],
    inputs=[
        Input("input1", "prediction", "Scores of the first items."),
        Input("input2", "dense", "Scores of the second items, broadcastable to input1."),
        Input("target", "dense", "1 where input1 should rank higher, −1 where input2 should."),
    ],
    packing=Packing(("input1", "input2"), axis=-1, y_true="target"),
    example=examples.margin_ranking_example,
    showcase=examples.MARGIN_RANKING,
)
def margin_ranking(xp, input1, input2, target, *, margin):
    """Margin ranking loss ``max(0, −t·(x₁ − x₂) + margin)``, elementwise.

    Shapes: ``input1``, ``input2`` and ``target`` broadcast to a common shape (one of
    theirs); the unreduced loss has that shape. Targets are ±1.
    Reference: torch.nn.MarginRankingLoss(margin) (this is its formula).
    """
    return P.deferred(P.margin_ranking, input1, input2, target, margin)


@define_loss(
    options=[Option("margin", "float", 1.0, "Distances of dissimilar pairs below the margin are penalised.")],
    inputs=[
        Input("y_pred", "prediction", "Distances x (e.g. the L1 distance between two embeddings)."),
        Input("y_true", "dense", "1 for similar pairs, −1 for dissimilar pairs."),
    ],
    example=examples.hinge_embedding_example,
    showcase=examples.HINGE_EMBEDDING,
)
def hinge_embedding(xp, y_pred, y_true, *, margin):
    """Hinge embedding loss: ``x`` where ``t = 1``, ``max(0, margin − x)`` where ``t = −1``, elementwise.

    As in torch's kernel, a target that is neither 1 nor −1 gets both terms,
    ``x + max(0, margin − x)``.
    Shapes: as :func:`mean_squared_error`.
    Reference: torch.nn.HingeEmbeddingLoss(margin) (this is its formula).
    """
    return P.deferred(P.hinge_embedding, y_pred, y_true, margin)


# ----------------------------------------------------------------- embeddings


@define_loss(
    options=[
        Option("margin", "float", 0.0, "Cosines of dissimilar pairs above the margin are penalised."),
        FEATURE_AXIS,
        Option("eps", "float", 1e-12, "Added to each squared norm (torch's constant).", low=0.0),
    ],
    inputs=[
        Input("input1", "prediction", "First embeddings."),
        Input("input2", "dense", "Second embeddings, broadcastable to input1."),
        Input("target", "rows", "1 for similar pairs, −1 for dissimilar pairs; one per row."),
    ],
    packing=Packing(("input1", "input2"), axis=-2, y_true="target"),
    class_axis=True,
    example=examples.cosine_embedding_example,
    showcase=examples.COSINE_EMBEDDING,
)
def cosine_embedding(xp, input1, input2, target, *, margin, axis, eps):
    """Cosine embedding loss: ``1 − cos`` where ``t = 1``, ``max(0, cos − margin)`` where ``t = −1``.

    ``cos = Σ x₁·x₂ / (√(Σ x₁² + ε) · √(Σ x₂² + ε))`` over the feature axis, so zero
    vectors give ``cos = 0`` and finite gradients. Targets other than ±1 give 0 (as torch).
    torch computes ``√((Σx₁² + ε)(Σx₂² + ε))`` as one root; the two roots here are the
    same number (within rounding) and cannot overflow for large vectors.
    Shapes: ``input1`` (..., D, ...) with the feature axis ``axis``; ``input2`` broadcasts
    with it; ``target`` and the unreduced loss have input1's shape without ``axis``.
    Reference: torch.nn.CosineEmbeddingLoss(margin) (ε = 1e-12 is torch's constant; torch
    stores it in single precision, ≈ 9.99999996e-13, a difference visible only for
    vectors of norm ~1e-6).
    """
    axis = _negative_axis(axis, input1.ndim)
    dot = xp.sum(input1 * input2, axis=axis)
    norm1 = xp.sqrt(xp.sum(input1 * input1, axis=axis) + eps)
    norm2 = xp.sqrt(xp.sum(input2 * input2, axis=axis) + eps)
    cosine = dot / (norm1 * norm2)
    zeros = xp.zeros_like(cosine)
    similar = xp.where(xp.equal(target, 1.0), 1.0 - cosine, zeros)
    dissimilar = xp.where(xp.equal(target, -1.0), xp.maximum(cosine - margin, zeros), zeros)
    return similar + dissimilar


# ----------------------------------------------------------------- listwise ranking


@define_loss(
    options=[Option("axis", "axis", -1, "The list axis: the items ranked against each other.")],
    inputs=[
        Input("y_pred", "prediction", "Scores of the items; −inf marks padding."),
        Input("y_true", "dense", "Graded relevances (≥ 0) of the items, broadcastable to y_pred."),
    ],
    class_axis=True,
    example=examples.ranking_softmax_example,
    showcase=examples.RANKING_SOFTMAX,
)
def ranking_softmax(xp, y_pred, y_true, *, axis):
    """Listwise softmax loss ``−Σ_i y_i·log softmax(s)_i`` over the list axis, one value per list.

    ``s`` are the items' scores and ``y`` their relevances, not normalised (a list whose
    relevances are all 0 has loss 0 and counts in ``"mean"``, as in optax). Items whose score
    is −inf are padding: they and their relevances count nothing, and a list of padding only has
    no loss and counts nothing (``"mean"`` averages the other lists), which is optax's
    ``where=False``. Negative relevances are an error (checked in eager mode) outside padding.
    optax's per-item ``weights`` multiply the relevances: pass ``y_true·weights``.
    Shapes: ``y_pred`` (..., L, ...) with the list axis ``axis``; ``y_true`` broadcasts with it;
    the unreduced loss has y_pred's shape without ``axis``.
    Reference: optax.losses.ranking_softmax_loss (this is its formula); Cao et al. (2007),
    "Learning to Rank: From Pairwise Approach to Listwise Approach" (ListNet, whose target is a
    softmax of the relevances rather than the relevances themselves); TF-Ranking's SoftmaxLoss
    has this formula but pads with a score of log 1e−10 rather than leaving items out.
    """
    present = xp.logical_not(xp.equal(y_pred, -math.inf))
    zeros = xp.zeros_like(y_pred)
    relevance = xp.where(present, y_true, zeros)
    if is_eager(y_pred) and is_eager(relevance) and P.extrema(relevance)[0] < 0:
        raise LabelRangeError(
            "ranking_softmax: y_true has negative relevances; relevances must be ≥ 0 (to leave an item "
            "out of its list, give it the score −inf)."
        )
    has_item = xp.any(present, axis=axis, keepdims=True)
    # A list of padding only gets finite stand-in scores: its log-softmax, and so its gradient, stays finite.
    scores = xp.where(has_item, y_pred, zeros)
    value = P.softmax_cross_entropy_soft(scores, relevance, axis=axis)
    return LossTerms(value, valid=P.drop_axis(has_item, axis))


@define_loss(
    options=[
        Option("margin", "float", 1.0, "How much farther the negative should be than the positive.", low=0.0),
        Option("p", "float", 2.0, "The degree of the p-norm distance.", low=0.0, low_open=True),
        Option("eps", "float", 1e-6, "Added to each difference before the norm (as torch).", low=0.0),
        Option("swap", "bool", False, "Use min(d(a, n), d(p, n)) as the negative distance (distance swap)."),
        FEATURE_AXIS,
    ],
    inputs=[
        Input("anchor", "prediction", "Anchor embeddings."),
        Input("positive", "dense", "Embeddings of the same class as the anchors."),
        Input("negative", "dense", "Embeddings of another class."),
    ],
    packing=Packing(("anchor", "positive", "negative"), axis=-2),
    class_axis=True,
    example=examples.triplet_example,
    showcase=examples.TRIPLET_MARGIN,
)
def triplet_margin(xp, anchor, positive, negative, *, margin, p, eps, swap, axis):
    """Triplet margin loss ``max(0, margin + d(a, p) − d(a, n))`` per row.

    ``d(x, y) = (Σ |x − y + ε|^p)^(1/p)`` over the feature axis, with ε added to the
    difference as torch.pairwise_distance does. With ``swap=True`` the negative
    distance is ``min(d(a, n), d(p, n))`` (Balntas et al.'s distance swap).
    Shapes: ``anchor`` (..., D, ...) with the feature axis ``axis``; ``positive`` and
    ``negative`` broadcast with it; the unreduced loss has anchor's shape without ``axis``.
    Reference: Balntas et al. (2016), "Learning local feature descriptors with triplets
    and shallow convolutional neural networks"; torch.nn.TripletMarginLoss(margin, p,
    eps, swap) (this is its formula). optax.triplet_margin_loss adds ε to the sum of
    powers instead, and raises signed differences to the power (not |·|); with
    ``eps=0`` and ``p=2`` the two agree.
    """
    axis = _negative_axis(axis, anchor.ndim)
    positive_distance = P.pairwise_distance(anchor, positive, p, eps, axis)
    negative_distance = P.pairwise_distance(anchor, negative, p, eps, axis)
    if swap:
        negative_distance = xp.minimum(negative_distance, P.pairwise_distance(positive, negative, p, eps, axis))
    hinge = margin + positive_distance - negative_distance
    return xp.maximum(hinge, xp.zeros_like(hinge))


@define_loss(
    options=[Option("temperature", "float", 0.07, "τ: similarities are divided by it.", low=0.0, low_open=True)],
    inputs=_BATCH_INPUTS,
    class_axis=True,
    example=examples.ntxent_example,
    showcase=examples.NTXENT,
)
def ntxent(xp, embeddings, labels, *, temperature):
    """NT-Xent (normalized temperature-scaled cross entropy), SimCLR's contrastive loss.

    With ``s_ij = cos(e_i, e_j)/τ``, P(i) the other rows of i's group and N(i) the rows
    of other groups, each positive pair contributes
    ``ℓ_ij = −log( exp(s_ij) / (exp(s_ij) + Σ_{k∈N(i)} exp(s_ik)) )``, computed as
    ``softplus(logsumexp_{k∈N(i)} s_ik − s_ij)`` (0 when N(i) is empty).
    The unreduced loss of anchor row i is ``Σ_{j∈P(i)} ℓ_ij``, weighted by ``|P(i)|``:
    ``"mean"`` is ``Σ_ij ℓ_ij / Σ_i |P(i)|``, the mean over positive pairs that
    optax.ntxent returns; rows with no positive count nothing. With no positive pair
    at all ``"mean"`` is 0 (optax: NaN). Norms are clipped below at the dtype's
    machine epsilon, as optax does: ``cos = e_i·e_j / (√max(|e_i|², ε) √max(|e_j|², ε))``.
    Shapes: ``embeddings`` (N, D), ``labels`` (N,) integers; unreduced loss (N,).
    Reference: Chen et al. (2020), "A Simple Framework for Contrastive Learning of Visual
    Representations"; optax.ntxent (this is its formula); pytorch-metric-learning NTXentLoss.
    """
    if embeddings.ndim != 2:
        raise ShapeError(
            f"ntxent: embeddings must have shape (N, D), got shape {tuple(embeddings.shape)}; "
            "reshape a batch of pairs (2, N, D) to (2N, D) with group ids for the pairs."
        )
    squared_norm = xp.sum(embeddings * embeddings, axis=-1, keepdims=True)
    tiny = xp.full_like(squared_norm, float(xp.finfo(embeddings.dtype).eps))
    unit = embeddings / xp.sqrt(xp.maximum(squared_norm, tiny))
    cosine = xp.matmul(unit, xp.permute_dims(unit, (1, 0)))
    similarity = cosine / temperature

    rows = embeddings.shape[0]
    if rows == 0:  # an empty batch (a static shape): no pairs, and a row maximum would have nothing to reduce
        no_pairs = xp.sum(similarity, axis=1)
        return LossTerms(no_pairs, no_pairs)
    if rows is None:  # a TensorFlow graph with an unknown batch size
        rows = xp.sum(xp.ones_like(labels, dtype=xp.int32))
    index = xp.arange(rows, dtype=xp.int32, **device_of(embeddings))
    diagonal = xp.equal(xp.expand_dims(index, axis=1), xp.expand_dims(index, axis=0))
    same = xp.equal(xp.expand_dims(labels, axis=1), xp.expand_dims(labels, axis=0))
    positive = xp.logical_and(same, xp.logical_not(diagonal))
    negative = xp.logical_not(same)

    # logsumexp over each row's negatives, shifted by their maximum; the fill value (the
    # row's minimum) keeps every number finite, also for rows with no negative.
    row_min = xp.min(similarity, axis=1, keepdims=True)
    shift = xp.max(xp.where(negative, similarity, row_min), axis=1, keepdims=True)
    scaled = xp.exp(xp.where(negative, similarity - shift, xp.zeros_like(similarity)))
    total = xp.sum(xp.where(negative, scaled, xp.zeros_like(scaled)), axis=1, keepdims=True)
    has_negative = xp.any(negative, axis=1, keepdims=True)
    log_negatives = xp.log(xp.where(has_negative, total, xp.ones_like(total))) + shift
    pair_loss = P.softplus(log_negatives - similarity)
    pair_loss = xp.where(xp.logical_and(positive, has_negative), pair_loss, xp.zeros_like(pair_loss))
    value = xp.sum(pair_loss, axis=1)
    weight = xp.sum(xp.astype(positive, value.dtype), axis=1)
    return LossTerms(value, weight)


def _unit_rows(xp, embeddings):
    """Rows scaled to unit norm, their norm clipped below at the dtype's machine epsilon (as :func:`ntxent`)."""
    squared_norm = xp.sum(embeddings * embeddings, axis=-1, keepdims=True)
    tiny = xp.full_like(squared_norm, float(xp.finfo(embeddings.dtype).eps))
    return embeddings / xp.sqrt(xp.maximum(squared_norm, tiny))


def _pair_masks(xp, labels):
    """``(positive, negative)``: the (N, N) pairs of one class (the diagonal included) and of two classes."""
    same = xp.equal(xp.expand_dims(labels, axis=1), xp.expand_dims(labels, axis=0))
    return same, xp.logical_not(same)


def _row_index(xp, embeddings, labels):
    """0, 1, …, N − 1: the index of each row."""
    rows = embeddings.shape[0]
    if rows is None:  # a TensorFlow graph with an unknown batch size
        rows = xp.sum(xp.ones_like(labels, dtype=xp.int32))
    return xp.arange(rows, dtype=xp.int32, **device_of(embeddings))


def _diagonal(xp, embeddings, labels):
    index = _row_index(xp, embeddings, labels)
    return xp.equal(xp.expand_dims(index, axis=1), xp.expand_dims(index, axis=0))


def _masked_logsumexp(xp, x, mask):
    """Row-wise ``log Σ_{mask} exp(x)`` and whether the row has an entry at all.

    Entries outside the mask are set to a finite stand-in far below any logit, so they
    vanish from the sum (exp underflows to 0) and every number, and so every gradient,
    stays finite; a row with no entry gets a finite, very negative value, which the
    caller masks out.
    """
    stand_in = -float(xp.finfo(x.dtype).max) / 4  # twice it is still finite
    masked = xp.where(mask, x, xp.full_like(x, stand_in))
    shift = xp.max(masked, axis=1, keepdims=True)
    total = xp.sum(xp.exp(masked - shift), axis=1, keepdims=True)
    return xp.log(total) + shift, xp.any(mask, axis=1, keepdims=True)


@define_loss(
    options=[
        Option("gamma", "float", 80.0, "γ: the scale of the weighted similarities.", low=0.0),
        Option(
            "margin",
            "float",
            0.4,
            "m: the relaxation; optima 1 + m (positives) and −m (negatives), decision margins 1 − m and m.",
        ),
        Option("remove_diagonal", "bool", True, "Leave each row's pair with itself out of its positives."),
        Option(
            "normalize",
            "bool",
            True,
            "L2-normalise the embeddings, so s is the cosine similarity; False: "
            "s is the dot product of embeddings already of unit norm (Keras's "
            "circle expects them).",
        ),
    ],
    inputs=_BATCH_INPUTS,
    class_axis=True,
    example=examples.circle_example,
    showcase=examples.CIRCLE,
)
def circle(xp, embeddings, labels, *, gamma, margin, remove_diagonal, normalize):
    """Circle loss of Sun et al. (2020), per anchor row i:

    ``L_i = log(1 + Σ_{k∈N(i)} exp(γ·α_n·(s_ik − Δ_n)) · Σ_{j∈P(i)} exp(−γ·α_p·(s_ij − Δ_p)))``
    with ``α_p = [1 + m − s_ij]₊``, ``α_n = [s_ik + m]₊``, ``Δ_p = 1 − m``, ``Δ_n = m``,
    computed as ``softplus(logsumexp_P(·) + logsumexp_N(·))``. P(i) are the rows of i's
    class (without i itself when ``remove_diagonal``), N(i) the rows of other classes;
    a row with no positive or no negative has no loss and counts nothing (``"mean"``
    averages the other rows; 0 when none is left). ``s`` is the cosine similarity
    (``normalize=True``; norms clipped below at the dtype's machine epsilon) or the dot
    product, taken as at most 1: keras.losses.circle works with the distance 1 − s,
    floored at 0.
    Shapes: ``embeddings`` (N, D), ``labels`` (N,) integers; unreduced loss (N,).
    Reference: Sun et al. (2020), "Circle Loss: A Unified Perspective of Pair Similarity
    Optimization", eq. 6 (the pair-wise form); keras.losses.Circle (gamma=80, margin=0.4,
    on unit-norm embeddings: ``normalize=False``); pytorch-metric-learning CircleLoss.
    """
    if embeddings.ndim != 2:
        raise ShapeError(
            f"circle: embeddings must have shape (N, D), got shape {tuple(embeddings.shape)}; "
            "flatten the leading axes into the batch, with one class id per row."
        )
    unit = _unit_rows(xp, embeddings) if normalize else embeddings
    similarity = xp.matmul(unit, xp.permute_dims(unit, (1, 0)))
    if embeddings.shape[0] == 0:  # an empty batch (a static shape): a row reduction would have nothing to reduce
        no_pairs = xp.sum(similarity, axis=1)
        return LossTerms(no_pairs, valid=xp.zeros_like(no_pairs, dtype=xp.bool))
    # Keras's distance 1 − s, floored at 0 (s above 1 only by rounding, or from rows longer than 1).
    distance = xp.maximum(1.0 - similarity, xp.zeros_like(similarity))
    zeros = xp.zeros_like(distance)
    positive_logits = -gamma * xp.maximum(margin + distance, zeros) * (margin - distance)
    negative_logits = gamma * xp.maximum((1.0 + margin) - distance, zeros) * ((1.0 - margin) - distance)
    positive, negative = _pair_masks(xp, labels)
    if remove_diagonal:
        positive = xp.logical_and(positive, xp.logical_not(_diagonal(xp, embeddings, labels)))
    log_positive, has_positive = _masked_logsumexp(xp, positive_logits, positive)
    log_negative, has_negative = _masked_logsumexp(xp, negative_logits, negative)
    scored = xp.logical_and(has_positive, has_negative)[:, 0]
    value = P.softplus(log_positive + log_negative)[:, 0]
    return LossTerms(xp.where(scored, value, xp.zeros_like(value)), valid=scored)


# ----------------------------------------------------------------- losses over every pair of a batch


def _embedding_rows(name, embeddings):
    if embeddings.ndim != 2:
        raise ShapeError(
            f"{name}: embeddings must have shape (N, D), got shape {tuple(embeddings.shape)}; "
            "flatten the leading axes into the batch, with one class id per row."
        )


def _euclidean(xp, rows, squared=False):
    """(N, N) Euclidean distances between the rows (``squared``: their squares), from the differences.

    The Gram form |a|² + |b|² − 2a·b that TFA and torch.cdist use loses a small distance to
    cancellation (in float32 two rows 1e-3 apart come out 10% off, and identical rows about
    3e-4 apart), at the price of (N, N, D) memory; the distance of identical rows is 0 with
    gradient 0.
    """
    first, second = xp.expand_dims(rows, axis=1), xp.expand_dims(rows, axis=0)
    if squared:
        difference = first - second
        return xp.sum(difference * difference, axis=-1)
    return P.pairwise_distance(first, second, 2.0, 0.0, -1)


@define_loss(
    options=[
        Option("pos_margin", "float", 0.0, "m₊: positive pairs farther apart than this are penalised.", low=0.0),
        Option("neg_margin", "float", 1.0, "m₋: negative pairs closer than this are penalised.", low=0.0),
        Option(
            "normalize",
            "bool",
            True,
            "L2-normalise the embeddings first (pytorch-metric-learning's default "
            "distance); False: distances between the embeddings as given.",
        ),
        Option(
            "squared",
            "bool",
            False,
            "Square each hinge, [d − m₊]₊² and [m₋ − d]₊² (Hadsell et al.'s form, "
            "without its ½; TFA's contrastive_loss).",
        ),
    ],
    inputs=_BATCH_INPUTS,
    class_axis=True,
    example=examples.contrastive_example,
    showcase=examples.CONTRASTIVE,
)
def contrastive(xp, embeddings, labels, *, pos_margin, neg_margin, normalize, squared):
    """Pairwise contrastive loss (Hadsell, Chopra & LeCun, 2006) over every pair of the batch.

    With ``d_ij`` the Euclidean distance of rows i and j (of the L2-normalised rows when
    ``normalize``), a positive pair (same class, j ≠ i) costs ``[d_ij − m₊]₊`` and a negative
    pair ``[m₋ − d_ij]₊`` (each squared when ``squared``). The unreduced loss of anchor row i
    is the sum over its N − 1 pairs, weighted by N − 1: ``"sum"`` is the sum over ordered
    pairs (each unordered pair twice) and ``"mean"`` the mean over pairs; a sample weight
    weighs every pair of its anchor. Distances come from the differences of the rows
    ((N, N, D) memory), exact for close pairs; identical rows have distance 0 with gradient 0.
    Norms are clipped below at the dtype's machine epsilon, as :func:`ntxent`.
    Shapes: ``embeddings`` (N, D), ``labels`` (N,) integers; unreduced loss (N,).
    Reference: Hadsell, Chopra & LeCun (2006), "Dimensionality Reduction by Learning an
    Invariant Mapping"; pytorch-metric-learning ContrastiveLoss(pos_margin=0, neg_margin=1)
    with reducer=SumReducer() is ``"sum"`` (its default AvgNonZeroReducer adds the mean of the
    nonzero positive-pair losses to the mean of the nonzero negative-pair losses, two ratios
    whose denominators depend on which hinges are active: no weighted mean Σw·l / Σw is that).
    """
    _embedding_rows("contrastive", embeddings)
    rows = _unit_rows(xp, embeddings) if normalize else embeddings
    distance = _euclidean(xp, rows)
    zeros = xp.zeros_like(distance)
    pull = xp.maximum(distance - pos_margin, zeros)
    push = xp.maximum(neg_margin - distance, zeros)
    if squared:
        pull, push = pull * pull, push * push
    same, negative = _pair_masks(xp, labels)
    others = xp.logical_not(_diagonal(xp, embeddings, labels))
    pair_loss = xp.where(xp.logical_and(same, others), pull, xp.where(negative, push, zeros))
    value = xp.sum(pair_loss, axis=1)
    return LossTerms(value, xp.sum(xp.astype(others, value.dtype), axis=1))


@define_loss(
    options=[Option("temperature", "float", 0.1, "τ: similarities are divided by it.", low=0.0, low_open=True)],
    inputs=_BATCH_INPUTS,
    class_axis=True,
    example=examples.supervised_contrastive_example,
    showcase=examples.SUPERVISED_CONTRASTIVE,
)
def supervised_contrastive(xp, embeddings, labels, *, temperature):
    """Supervised contrastive loss (SupCon, Khosla et al. 2020, the "out" form), per anchor row i:

    ``L_i = −(1/|P(i)|) Σ_{j∈P(i)} log( exp(s_ij) / Σ_{k≠i} exp(s_ik) )`` with
    ``s_ij = cos(e_i, e_j)/τ``, P(i) the other rows of i's class and N(i) the rows of other
    classes; computed as ``(logsumexp_P s − mean_P s) + softplus(logsumexp_N s − logsumexp_P s)``,
    which is exactly 0 for a lone positive that takes all the probability. A row with no
    positive or no negative (a batch of one class) has no loss and counts nothing: ``"mean"``
    averages the other rows (0 when none is left), as pytorch-metric-learning's default
    AvgNonZeroReducer (a row with both has a loss > 0) and its 0 for a batch without negative
    pairs. Norms are clipped below at the dtype's machine epsilon, as :func:`ntxent`.
    Shapes: ``embeddings`` (N, D), ``labels`` (N,) integers; unreduced loss (N,).
    Reference: Khosla et al. (2020), "Supervised Contrastive Learning", eq. 2 (L_out, without
    the official code's τ/τ_base factor); pytorch-metric-learning SupConLoss(temperature=0.1).
    """
    _embedding_rows("supervised_contrastive", embeddings)
    unit = _unit_rows(xp, embeddings)
    similarity = xp.matmul(unit, xp.permute_dims(unit, (1, 0))) / temperature
    if embeddings.shape[0] == 0:  # an empty batch (a static shape): a row reduction would have nothing to reduce
        no_pairs = xp.sum(similarity, axis=1)
        return LossTerms(no_pairs, valid=xp.zeros_like(no_pairs, dtype=xp.bool))
    same, negative = _pair_masks(xp, labels)
    positive = xp.logical_and(same, xp.logical_not(_diagonal(xp, embeddings, labels)))
    log_positive, has_positive = _masked_logsumexp(xp, similarity, positive)
    log_negative, has_negative = _masked_logsumexp(xp, similarity, negative)
    count = xp.sum(xp.astype(positive, similarity.dtype), axis=1, keepdims=True)
    total = xp.sum(xp.where(positive, similarity, xp.zeros_like(similarity)), axis=1, keepdims=True)
    mean_positive = total / xp.maximum(count, xp.ones_like(count))
    value = ((log_positive - mean_positive) + P.softplus(log_negative - log_positive))[:, 0]
    scored = xp.logical_and(has_positive, has_negative)[:, 0]
    return LossTerms(xp.where(scored, value, xp.zeros_like(value)), valid=scored)


def _mining_distances(xp, embeddings, distance):
    if distance == "cosine":
        # 1 − cos is ½|u − v|² for unit rows u and v: the differences keep small distances exact.
        return 0.5 * _euclidean(xp, _unit_rows(xp, embeddings), squared=True)
    return _euclidean(xp, embeddings, squared=distance == "squared_euclidean")


@define_loss(
    options=[
        Option("margin", "float", 1.0, "How much farther the negative should be than the positive.", low=0.0),
        Option(
            "mining",
            "choice",
            "semi_hard",
            "semi_hard: every positive pair with its closest negative beyond "
            "the positive (TFA's triplet_semihard_loss); hard: each anchor's "
            "farthest positive with its closest negative (triplet_hard_loss).",
            named=("semi_hard", "hard"),
        ),
        Option(
            "distance",
            "choice",
            "euclidean",
            "euclidean (TFA's 'L2'), squared_euclidean ('squared-L2') or cosine, 1 − cos ('angular').",
            named=("euclidean", "squared_euclidean", "cosine"),
        ),
        Option(
            "soft",
            "bool",
            False,
            "softplus(d_p − d_n) instead of [margin + d_p − d_n]₊ (the margin is unused): TFA's soft margin.",
        ),
    ],
    inputs=_BATCH_INPUTS,
    class_axis=True,
    example=examples.mined_triplet_example,
    showcase=examples.MINED_TRIPLET,
)
def mined_triplet(xp, embeddings, labels, *, margin, mining, distance, soft):
    """Triplet loss with its triplets mined in the batch, as TensorFlow Addons' triplet losses.

    ``d`` are the (N, N) distances (``distance``), P(i) the other rows of i's class, N(i) the
    rows of other classes, and each triplet costs ``[margin + d_p − d_n]₊`` (``soft``:
    ``softplus(d_p − d_n)``).

    * ``mining="semi_hard"`` (Schroff et al.): every positive pair (i, j) takes as ``d_n`` the
      closest negative farther than j, ``min{d_ik : k ∈ N(i), d_ik > d_ij}``, else the
      farthest negative, ``max_{N(i)} d_ik``, else (no negative at all) 0. The unreduced loss
      of row i is the sum over its positive pairs, weighted by |P(i)|: ``"mean"`` is the mean
      over positive pairs, TFA's triplet_semihard_loss (which gives NaN without any positive
      pair; lossx 0). Memory (N, N, N).
    * ``mining="hard"`` (batch hard, Hermans et al.): each row i has one triplet, ``d_p`` its
      farthest positive and ``d_n`` its closest negative; without a positive ``d_p`` = 0 (the
      row itself), without a negative ``d_n = d_p`` (TFA's masked minimum of no entry is the
      row's largest distance). ``"mean"`` is TFA's triplet_hard_loss, the mean over rows.

    The Euclidean distances come from the rows' differences ((N, N, D) memory), exact for
    close pairs where TFA's Gram form |a|² + |b|² − 2a·b is not; identical rows have
    distance 0 with gradient 0. ``"cosine"`` is ``1 − cos``, computed as ``½|u_i − u_j|²`` of
    the unit rows (norms clipped below at the dtype's machine epsilon, as :func:`ntxent`).
    Shapes: ``embeddings`` (N, D), ``labels`` (N,) integers; unreduced loss (N,).
    Reference: tfa.losses.triplet_semihard_loss(y_true, y_pred, margin, distance_metric) and
    tfa.losses.triplet_hard_loss(y_true, y_pred, margin, soft, distance_metric) (labels first,
    distance_metric "L2", "squared-L2", "angular"); Schroff et al. (2015), "FaceNet"; Hermans et
    al. (2017), "In Defense of the Triplet Loss for Person Re-Identification".
    """
    _embedding_rows("mined_triplet", embeddings)
    d = _mining_distances(xp, embeddings, distance)
    if embeddings.shape[0] == 0:  # an empty batch (a static shape): a row reduction would have nothing to reduce
        return xp.sum(d, axis=1)
    zeros = xp.zeros_like(d)
    same, negative = _pair_masks(xp, labels)
    positive = xp.logical_and(same, xp.logical_not(_diagonal(xp, embeddings, labels)))
    farthest = xp.max(d, axis=1, keepdims=True)
    if mining == "hard":
        d_p = xp.max(xp.where(positive, d, zeros), axis=1, keepdims=True)  # 0 without a positive (d ≥ 0)
        d_n = xp.min(xp.where(negative, d, farthest), axis=1, keepdims=True)
        gap = (d_p - d_n)[:, 0]
        return P.softplus(gap) if soft else xp.maximum(margin + gap, xp.zeros_like(gap))
    # beyond[i, j, k]: k is a negative of anchor i farther from it than j.
    to_negative = xp.expand_dims(d, axis=1)
    beyond = xp.logical_and(xp.expand_dims(negative, axis=1), xp.greater(to_negative, xp.expand_dims(d, axis=2)))
    closest_beyond = xp.min(xp.where(beyond, to_negative, xp.expand_dims(farthest, axis=2)), axis=2)
    farthest_negative = xp.max(xp.where(negative, d, zeros), axis=1, keepdims=True)  # 0 without a negative
    d_n = xp.where(xp.any(beyond, axis=2), closest_beyond, farthest_negative)
    gap = d - d_n
    pair_loss = P.softplus(gap) if soft else xp.maximum(margin + gap, zeros)
    value = xp.sum(xp.where(positive, pair_loss, zeros), axis=1)
    return LossTerms(value, xp.sum(xp.astype(positive, value.dtype), axis=1))


@define_loss(
    options=[
        Option(
            "margin",
            "float",
            1.0,
            "α: how much farther than a positive pair its negatives should be "
            "(TFA's margin; pytorch-metric-learning's neg_margin − pos_margin).",
        ),
        Option(
            "normalize",
            "bool",
            False,
            "L2-normalise the embeddings first (pytorch-metric-learning's default "
            "distance); False: distances between the embeddings as given (TFA).",
        ),
    ],
    inputs=_BATCH_INPUTS,
    class_axis=True,
    example=examples.lifted_structure_example,
    showcase=examples.LIFTED_STRUCTURE,
)
def lifted_structure(xp, embeddings, labels, *, margin, normalize):
    """Lifted structured loss (Oh Song et al., 2016), the smooth form, over every positive pair of the batch.

    With ``D`` the (N, N) Euclidean distances (of the L2-normalised rows when ``normalize``), P(i)
    the other rows of i's class and N(i) the rows of other classes, each positive pair (i, j) has
    ``J_ij = log(Σ_{k∈N(i)} exp(α − D_ik) + Σ_{l∈N(j)} exp(α − D_jl)) + D_ij``, computed from each
    row's log-sum-exp over its negatives as ``L_i + softplus(L_j − L_i)`` ((N, N) memory, no sum
    per pair). The unreduced loss of anchor row i is ``½ Σ_{j∈P(i)} [J_ij]₊²``, weighted by
    |P(i)|: ``"mean"`` is ``Σ [J_ij]₊² / (2|P|)`` over the unordered positive pairs P, the paper's
    loss and TFA's lifted_struct_loss; a row without a positive counts nothing, and with no
    positive pair at all ``"mean"`` is 0 (TFA: NaN). A batch of one class has no negatives
    (J = −∞): its pairs cost 0 and still count, as in TFA. Distances come from the differences of
    the rows ((N, N, D) memory), exact for close pairs where TFA's Gram form |a|² + |b|² − 2a·b
    is not; identical rows have distance 0 with gradient 0. Norms are clipped below at the
    dtype's machine epsilon, as :func:`ntxent`.
    Shapes: ``embeddings`` (N, D), ``labels`` (N,) integers; unreduced loss (N,).
    Reference: Oh Song, Xiang, Jegelka & Savarese (2016), "Deep Metric Learning via Lifted
    Structured Feature Embedding" (the smooth upper bound J̃); tfa.losses.lifted_struct_loss(labels,
    embeddings, margin); pytorch-metric-learning LiftedStructureLoss(neg_margin, pos_margin) with
    distance=LpDistance(normalize_embeddings=normalize) and reducer=MeanReducer() is
    ``margin = neg_margin − pos_margin`` (its two margins enter only through their difference);
    its default AvgNonZeroReducer averages the nonzero pair losses only.
    """
    _embedding_rows("lifted_structure", embeddings)
    rows = _unit_rows(xp, embeddings) if normalize else embeddings
    distance = _euclidean(xp, rows)
    if embeddings.shape[0] == 0:  # an empty batch (a static shape): a row reduction would have nothing to reduce
        return xp.sum(distance, axis=1)
    same, negative = _pair_masks(xp, labels)
    positive = xp.logical_and(same, xp.logical_not(_diagonal(xp, embeddings, labels)))
    log_negatives, has_negative = _masked_logsumexp(xp, -distance, negative)
    # log(e^{L_i} + e^{L_j}) with a smooth gradient (a max would split its subgradient at L_i = L_j).
    joint = log_negatives + P.softplus(xp.permute_dims(log_negatives, (1, 0)) - log_negatives)
    zeros = xp.zeros_like(distance)
    hinge = xp.maximum((margin + joint) + distance, zeros)
    # The classes' negatives are the same rows, so a row without one means a batch without one.
    pair_loss = xp.where(xp.logical_and(positive, has_negative), 0.5 * (hinge * hinge), zeros)
    value = xp.sum(pair_loss, axis=1)
    return LossTerms(value, xp.sum(xp.astype(positive, value.dtype), axis=1))


@define_loss(
    options=[
        Option(
            "l2_reg",
            "float",
            0.0,
            "λ: adds ¼λ(|a_i|² + |p_i|²) to each pair's loss (tf.contrib's reg_lambda, 0.002 there).",
            low=0.0,
        )
    ],
    inputs=[
        Input("anchor", "prediction", "Anchor embeddings, shape (N, D): one row per pair."),
        Input("positive", "dense", "Positive embeddings, shape (N, D): row i of anchor i's class."),
        _BATCH_LABELS,
    ],
    packing=Packing(("anchor", "positive"), axis=-2, y_true="labels"),
    class_axis=True,
    example=examples.npairs_example,
    showcase=examples.NPAIRS,
)
def npairs(xp, anchor, positive, labels, *, l2_reg):
    """Multi-class N-pair loss (Sohn, 2016) over a batch of (anchor, positive) pairs.

    With ``S = a·pᵀ`` the (N, N) dot products of the anchors with the positives, anchor row i
    costs the softmax cross-entropy of ``S_i`` against ``t_ij = [y_j = y_i] / |{k : y_k = y_i}|``
    (its own positive, shared equally with those of its class), plus ``¼λ(|a_i|² + |p_i|²)``:
    ``L_i = −Σ_j t_ij·log softmax(S_i)_j + ¼λ(|a_i|² + |p_i|²)``. With distinct labels (the paper's
    N pairs of N classes) the first term is ``log(1 + Σ_{j≠i} exp(a_i·p_j − a_i·p_i))``. It is
    computed as ``(logsumexp_j S_ij − S_ii) − mean_{j∈P(i)} (S_ij − S_ii)`` over the rows P(i) of
    i's class, the first term :func:`sparse_categorical_cross_entropy`'s with label i, so a tiny
    loss keeps its digits where that one does (not in eager torch, which takes torch's
    ``cross_entropy``).
    ``"mean"`` is the mean over pairs: TFA's npairs_loss(labels, a @ pᵀ) and, with ``l2_reg=λ``,
    tf.contrib's npairs_loss(labels, a, p, reg_lambda=λ).
    Shapes: ``anchor`` and ``positive`` (N, D), ``labels`` (N,) integers; unreduced loss (N,).
    Reference: Sohn (2016), "Improved Deep Metric Learning with Multi-class N-pair Loss
    Objective"; tfa.losses.npairs_loss(y_true, y_pred), which takes the similarity matrix
    y_pred = a @ pᵀ; tf.contrib.losses.metric_learning.npairs_loss(labels, embeddings_anchor,
    embeddings_positive, reg_lambda); pytorch-metric-learning NPairsLoss with
    distance=DotProductSimilarity(normalize_embeddings=False), on the rows [a; p] with labels
    [y; y], is this loss where the labels are distinct (it keeps one pair per class).
    """
    shapes = tuple(anchor.shape), tuple(positive.shape)
    if (
        anchor.ndim != 2
        or positive.ndim != 2
        or any(None not in pair and len(set(pair)) > 1 for pair in zip(*shapes, strict=True))
    ):
        raise ShapeError(
            f"npairs: anchor and positive must both have shape (N, D), got shapes {shapes[0]} and {shapes[1]}; "
            "row i of positive is the positive of anchor i, with labels[i] their class."
        )
    similarity = xp.matmul(anchor, xp.permute_dims(positive, (1, 0)))
    regulariser = (0.25 * l2_reg) * (xp.sum(anchor * anchor, axis=1) + xp.sum(positive * positive, axis=1))
    if anchor.shape[0] == 0:  # an empty batch (a static shape): a row maximum would have nothing to reduce
        return xp.sum(similarity, axis=1) + regulariser
    own = P.softmax_cross_entropy(similarity, _row_index(xp, anchor, labels), axis=-1)  # logsumexp(S_i) − S_ii
    same = _pair_masks(xp, labels)[0]
    diagonal = _diagonal(xp, anchor, labels)
    zeros = xp.zeros_like(similarity)
    # The class's other positives share the target: minus the mean over P(i) of S_ij − S_ii, which a lone
    # positive leaves out altogether (so its tiny loss, and gradient, is the cross-entropy's alone).
    own_score = xp.sum(xp.where(diagonal, similarity, zeros), axis=1, keepdims=True)
    others = xp.sum(xp.where(xp.logical_and(same, xp.logical_not(diagonal)), similarity - own_score, zeros), axis=1)
    return own - others / xp.sum(xp.astype(same, similarity.dtype), axis=1) + regulariser
