"""Independent mpmath references of the ranking losses (see tests/support/reference/__init__.py).

Written from the definitions (torch's documented formulas, the NT-Xent and Circle loss
papers), loop by loop where that is clearest; nothing here imports lossx.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.support.reference import helpers as M


def _feature_last(x: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """``x`` with its feature axis (``axis`` of an ``ndim`` array, counted from the end) last."""
    return np.moveaxis(x, axis % ndim - ndim, -1)


def margin_ranking(input1, input2, target, margin=0.0):
    margin = M.mp_scalar(margin)
    return M.positive_part(-target * (input1 - input2) + margin), None, None


def hinge_embedding(y_pred, y_true, margin=1.0):
    margin = M.mp_scalar(margin)
    y_pred, y_true = np.broadcast_arrays(y_pred, y_true)
    value = np.empty(y_pred.shape, dtype=object)
    for index in np.ndindex(y_pred.shape):
        x, t = y_pred[index], y_true[index]
        if t == 1:
            value[index] = x
        elif t == -1:
            value[index] = max(M.ZERO, margin - x)
        else:  # torch's kernel: both terms for any other target
            value[index] = x + max(M.ZERO, margin - x)
    return value, None, None


def cosine_embedding(input1, input2, target, margin=0.0, axis=-1, eps=1e-12):
    ndim = input1.ndim
    a, b = np.broadcast_arrays(_feature_last(input1, axis, ndim), _feature_last(input2, axis, ndim))
    margin, eps = M.mp_scalar(margin), M.mp_scalar(eps)
    value = np.empty(a.shape[:-1], dtype=object)
    for index in np.ndindex(value.shape):
        u, v = a[index], b[index]
        cosine = np.sum(u * v) / M.mp.sqrt((np.sum(u * u) + eps) * (np.sum(v * v) + eps))
        t = target[index]
        value[index] = 1 - cosine if t == 1 else max(M.ZERO, cosine - margin) if t == -1 else M.ZERO
    return value, None, None


def ranking_softmax(y_pred, y_true, axis=-1):
    """−Σ_i y_i·log(e^{s_i} / Σ_j e^{s_j}) per list, over the items whose score is not −inf; a list without
    one has no loss and is not valid."""
    scores, relevance = np.broadcast_arrays(y_pred, y_true)
    scores, relevance = np.moveaxis(scores, axis, -1), np.moveaxis(relevance, axis, -1)
    value = np.empty(scores.shape[:-1], dtype=object)
    valid = np.zeros(scores.shape[:-1], dtype=bool)
    for index in np.ndindex(value.shape):
        items = [(s, y) for s, y in zip(scores[index], relevance[index], strict=True) if s != -M.mp.inf]
        valid[index] = bool(items)
        normaliser = sum(M.mp.exp(s) for s, _ in items)
        value[index] = -sum((y * M.mp.log(M.mp.exp(s) / normaliser) for s, y in items), M.ZERO)
    return value, None, valid


def _distance(u: np.ndarray, v: np.ndarray, p, eps) -> object:
    """The p-norm of ``u − v + ε`` (torch.pairwise_distance)."""
    return M.mp.power(sum(M.mp.power(abs(d), p) for d in (u - v + eps)), 1 / p)


def triplet_margin(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, axis=-1):
    ndim = anchor.ndim
    a, pos, neg = np.broadcast_arrays(*(_feature_last(x, axis, ndim) for x in (anchor, positive, negative)))
    margin, p, eps = M.mp_scalar(margin), M.mp_scalar(p), M.mp_scalar(eps)
    value = np.empty(a.shape[:-1], dtype=object)
    for index in np.ndindex(value.shape):
        d_pos = _distance(a[index], pos[index], p, eps)
        d_neg = _distance(a[index], neg[index], p, eps)
        if swap:
            d_neg = min(d_neg, _distance(pos[index], neg[index], p, eps))
        value[index] = max(M.ZERO, margin + d_pos - d_neg)
    return value, None, None


def ntxent(embeddings, labels, temperature=0.07):
    """Sum of −log softmax over {the positive} ∪ negatives, per anchor; weight = number of positives."""
    labels = np.asarray(labels)
    count = embeddings.shape[0]
    tau = M.mp_scalar(temperature)
    norms = [M.mp.sqrt(np.sum(row * row)) for row in embeddings]

    def similarity(i, j):
        return np.sum(embeddings[i] * embeddings[j]) / (norms[i] * norms[j]) / tau

    value = np.empty(count, dtype=object)
    positives = np.empty(count, dtype=object)
    for i in range(count):
        negatives = [M.mp.exp(similarity(i, k)) for k in range(count) if labels[k] != labels[i]]
        total, pairs = M.ZERO, 0
        for j in range(count):
            if j == i or labels[j] != labels[i]:
                continue
            numerator = M.mp.exp(similarity(i, j))
            total += -M.mp.log(numerator / (numerator + sum(negatives)))
            pairs += 1
        value[i], positives[i] = total, M.mp.mpf(pairs)
    return value, positives, None


def circle(embeddings, labels, gamma=80.0, margin=0.4, remove_diagonal=True, normalize=True):
    """Sun et al. (2020), eq. 6, anchor by anchor: log(1 + Σ_n exp(γ·α_n·(s_n − m)) · Σ_p exp(−γ·α_p·(s_p − 1 + m))).

    α_p = [1 + m − s_p]₊ and α_n = [s_n + m]₊; s is the cosine (or, without normalising, the
    dot product) capped at 1, Keras's floor of the distance 1 − s at 0. Anchors without a
    positive or a negative have no loss and are not valid.
    """
    labels = np.asarray(labels)
    count = embeddings.shape[0]
    gamma, margin = M.mp_scalar(gamma), M.mp_scalar(margin)
    rows = [row / M.mp.sqrt(np.sum(row * row)) if normalize else row for row in embeddings]
    value = np.empty(count, dtype=object)
    valid = np.zeros(count, dtype=bool)
    for i in range(count):
        positives, negatives = [], []
        for j in range(count):
            s = min(np.sum(rows[i] * rows[j]), M.ONE)
            if labels[j] != labels[i]:
                negatives.append(M.mp.exp(gamma * max(s + margin, M.ZERO) * (s - margin)))
            elif j != i or not remove_diagonal:
                positives.append(M.mp.exp(-gamma * max(1 + margin - s, M.ZERO) * (s - (1 - margin))))
        valid[i] = bool(positives) and bool(negatives)
        value[i] = M.mp.log(1 + sum(negatives) * sum(positives)) if valid[i] else M.ZERO
    return value, None, valid


LOSSES: dict[str, Callable[..., tuple]] = {
    f.__name__: f
    for f in (margin_ranking, hinge_embedding, cosine_embedding, ranking_softmax, triplet_margin, ntxent, circle)
}


def _unit(row):
    return row / M.mp.sqrt(np.sum(row * row))


def _euclidean(u, v):
    return M.mp.sqrt(np.sum((u - v) * (u - v)))


def contrastive(embeddings, labels, pos_margin=0.0, neg_margin=1.0, normalize=True, squared=False):
    """Hadsell et al. (2006) over every ordered pair: [d − m₊]₊ for positives, [m₋ − d]₊ for negatives (each
    squared when ``squared``), summed per anchor; weight = the anchor's number of pairs, N − 1."""
    labels = np.asarray(labels)
    count = embeddings.shape[0]
    pos_margin, neg_margin = M.mp_scalar(pos_margin), M.mp_scalar(neg_margin)
    rows = [_unit(row) if normalize else row for row in embeddings]
    value = np.empty(count, dtype=object)
    for i in range(count):
        total = M.ZERO
        for j in range(count):
            if j == i:
                continue
            d = _euclidean(rows[i], rows[j])
            hinge = max(d - pos_margin, M.ZERO) if labels[j] == labels[i] else max(neg_margin - d, M.ZERO)
            total += hinge * hinge if squared else hinge
        value[i] = total
    return value, np.array([M.mp.mpf(count - 1)] * count, dtype=object), None


def supervised_contrastive(embeddings, labels, temperature=0.1):
    """Khosla et al. (2020), L_out: per anchor, the mean over its positives of −log(exp(s_ij) / Σ_{k≠i} exp(s_ik));
    anchors without a positive or without a negative are not valid."""
    labels = np.asarray(labels)
    count = embeddings.shape[0]
    tau = M.mp_scalar(temperature)
    rows = [_unit(row) for row in embeddings]
    value = np.empty(count, dtype=object)
    valid = np.zeros(count, dtype=bool)
    for i in range(count):
        similarity = {k: np.sum(rows[i] * rows[k]) / tau for k in range(count) if k != i}
        positives = [k for k in similarity if labels[k] == labels[i]]
        valid[i] = bool(positives) and len(positives) < len(similarity)
        denominator = sum(M.mp.exp(s) for s in similarity.values())
        value[i] = (
            sum(-M.mp.log(M.mp.exp(similarity[j]) / denominator) for j in positives) / len(positives)
            if valid[i]
            else M.ZERO
        )
    return value, None, valid


def _mining_distance(embeddings, distance):
    rows = [_unit(row) for row in embeddings] if distance == "cosine" else list(embeddings)
    count = len(rows)
    d = np.empty((count, count), dtype=object)
    for i in range(count):
        for j in range(count):
            if distance == "cosine":
                d[i, j] = M.ZERO if i == j else 1 - np.sum(rows[i] * rows[j])
            else:
                squared = np.sum((rows[i] - rows[j]) * (rows[i] - rows[j]))
                d[i, j] = squared if distance == "squared_euclidean" else M.mp.sqrt(squared)
    return d


def mined_triplet(embeddings, labels, margin=1.0, mining="semi_hard", distance="euclidean", soft=False):
    """Triplets mined as TFA's triplet_semihard_loss and triplet_hard_loss define them (the docstrings and the
    masked minimum/maximum conventions: an empty maximum is the row's own distance 0, an empty minimum the row's
    largest distance), anchor by anchor; semi-hard: a sum over positive pairs, weight = their number."""
    labels = np.asarray(labels)
    count = embeddings.shape[0]
    margin = M.mp_scalar(margin)
    d = _mining_distance(embeddings, distance)

    def cost(d_p, d_n):
        return M.mp.log(1 + M.mp.exp(d_p - d_n)) if soft else max(margin + d_p - d_n, M.ZERO)

    value = np.empty(count, dtype=object)
    weight = np.empty(count, dtype=object)
    for i in range(count):
        positives = [j for j in range(count) if j != i and labels[j] == labels[i]]
        negatives = [k for k in range(count) if labels[k] != labels[i]]
        if mining == "hard":
            d_p = max((d[i, j] for j in positives), default=M.ZERO)
            d_n = min((d[i, k] for k in negatives), default=max(d[i, k] for k in range(count)))
            value[i], weight[i] = cost(d_p, d_n), None
            continue
        total = M.ZERO
        for j in positives:
            beyond = [d[i, k] for k in negatives if d[i, k] > d[i, j]]
            d_n = min(beyond) if beyond else max((d[i, k] for k in negatives), default=M.ZERO)
            total += cost(d[i, j], d_n)
        value[i], weight[i] = total, M.mp.mpf(len(positives))
    return value, None if mining == "hard" else weight, None


LOSSES.update({f.__name__: f for f in (contrastive, supervised_contrastive, mined_triplet)})


def lifted_structure(embeddings, labels, margin=1.0, normalize=False):
    """Oh Song et al. (2016), the smooth J̃ pair by pair: J_ij = log(Σ_{k∈N(i)} e^{α − D_ik} + Σ_{l∈N(j)} e^{α − D_jl})
    + D_ij; anchor i sums ½[J_ij]₊² over its positives, weight = their number. Without any negative J is −∞: 0."""
    labels = np.asarray(labels)
    count = embeddings.shape[0]
    margin = M.mp_scalar(margin)
    rows = [_unit(row) if normalize else row for row in embeddings]
    value = np.empty(count, dtype=object)
    weight = np.empty(count, dtype=object)
    for i in range(count):
        total, pairs = M.ZERO, 0
        for j in range(count):
            if j == i or labels[j] != labels[i]:
                continue
            spread = sum(
                (
                    M.mp.exp(margin - _euclidean(rows[a], rows[k]))
                    for a in (i, j)
                    for k in range(count)
                    if labels[k] != labels[a]
                ),
                M.ZERO,
            )
            if spread > 0:
                total += max(M.mp.log(spread) + _euclidean(rows[i], rows[j]), M.ZERO) ** 2 / 2
            pairs += 1
        value[i], weight[i] = total, M.mp.mpf(pairs)
    return value, weight, None


def npairs(anchor, positive, labels, l2_reg=0.0):
    """Sohn (2016): anchor i's softmax over its dot products with every positive, the target shared equally by
    the positives of its class; plus ¼λ(|a_i|² + |p_i|²)."""
    labels = np.asarray(labels)
    count = anchor.shape[0]
    l2_reg = M.mp_scalar(l2_reg)
    value = np.empty(count, dtype=object)
    for i in range(count):
        scores = [np.sum(anchor[i] * positive[j]) for j in range(count)]
        log_total = M.mp.log(sum(M.mp.exp(s) for s in scores))
        same = [j for j in range(count) if labels[j] == labels[i]]
        cross_entropy = sum(log_total - scores[j] for j in same) / len(same)
        value[i] = cross_entropy + l2_reg / 4 * (np.sum(anchor[i] * anchor[i]) + np.sum(positive[i] * positive[i]))
    return value, None, None


LOSSES.update({f.__name__: f for f in (lifted_structure, npairs)})
