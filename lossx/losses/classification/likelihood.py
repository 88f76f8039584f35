"""KL divergences and negative log-likelihood: losses of given log-probabilities, distributions and measures."""

from __future__ import annotations

import math

from ... import primitives as P
from ..._checks import check_probabilities
from ..._errors import OptionValueError, ProbabilityRangeError
from ..._namespace import is_eager
from ..._options import Option
from ..._reduction import LossTerms
from ..._registry import define_loss
from ...examples import classification as examples
from .._shared import CLASS_AXIS, CLASS_WEIGHT
from ._labels import IGNORE_INDEX, split_labels

__all__ = ["kl_divergence", "generalized_kl_divergence", "jensen_shannon", "nll"]


@define_loss(
    options=[
        Option("from_logits", "bool", False, "True: y_pred are logits, turned into log q by log-softmax over axis."),
        Option(
            "log_input",
            "bool",
            False,
            "True: y_pred are log-probabilities log q, used as given (torch.nn.KLDivLoss, optax).",
        ),
        Option("log_target", "bool", False, "True: y_true are log-probabilities log t (torch's log_target)."),
        Option("axis", "axis", -1, "The axis summed over: the distributions' support (torch layout: 1)."),
        Option(
            "pointwise",
            "bool",
            False,
            "True: the terms t_c·(log t_c − log q_c) themselves, not summed over axis (torch.nn.KLDivLoss's "
            "unreduced output, which its 'mean' averages over every element).",
        ),
    ],
    class_axis=True,
    aliases=("kld", "kl_div"),
    example=examples.kl_example,
    showcase=examples.KL_DIVERGENCE,
)
def kl_divergence(xp, y_pred, y_true, *, from_logits, log_input, log_target, axis, pointwise):
    """Kullback–Leibler divergence ``KL(t ‖ q) = Σ_c t_c·(log t_c − log q_c)`` over ``axis``.

    ``q`` is the prediction: probabilities by default, log-probabilities with
    ``log_input=True`` (used as given, not renormalised), logits with
    ``from_logits=True`` (``log q`` = log-softmax). ``t`` is the target:
    probabilities, or log-probabilities with ``log_target=True``. Entries with
    ``t_c = 0`` (``log t_c = −inf``) contribute exactly 0 with a zero gradient,
    whatever ``q_c`` is (``0·log 0 = 0``); ``t_c > 0`` with ``q_c = 0`` gives +inf.
    No clipping. In eager mode probability inputs are range-checked.
    Shapes: ``y_true`` broadcastable to ``y_pred`` (..., C, ...); result without ``axis``
    (one value per distribution; 'mean' averages over distributions, which is
    torch's ``reduction="batchmean"`` for inputs of shape (N, C)). With ``pointwise=True``
    the result is the terms ``t_c·(log t_c − log q_c)``, of the broadcast shape of the
    inputs: torch.nn.KLDivLoss's elementwise output ('mean' is then torch's 'mean').
    Reference: Kullback & Leibler (1951); torch.nn.KLDivLoss(log_target);
    keras.losses.KLDivergence; optax.kl_divergence(_with_log_targets).
    """
    if from_logits and log_input:
        raise OptionValueError(
            "kl_divergence: from_logits=True and log_input=True contradict each other; y_pred are either "
            "logits (normalised by log-softmax) or log-probabilities (used as given): pass one of them."
        )
    if not (from_logits or log_input):
        check_probabilities(
            xp,
            "kl_divergence",
            y_pred,
            y_pred,
            "y_pred",
            "Pass log_input=True for log-probabilities, or from_logits=True for logits.",
        )
    if log_target:
        absent = xp.equal(y_true, -math.inf)
    else:
        check_probabilities(
            xp, "kl_divergence", y_pred, y_true, "y_true", "Pass log_target=True for log-probability targets."
        )
    if from_logits:
        log_q = P.log_softmax(y_pred, axis=axis)
    elif log_input:
        log_q = y_pred
    else:
        # The stand-in q = 1 where t = 0 keeps the log's gradient there finite (q = 0 would give 0·inf).
        log_q = xp.log(xp.where(absent if log_target else xp.equal(y_true, 0), xp.ones_like(y_pred), y_pred))
    if not (log_target or pointwise):
        return P.deferred(P.relative_entropy, y_true, log_q, axis)
    if log_target:
        # Stand-ins where t = 0 (log t = −inf): log t = 0 and log q = 0, so the term is 1·(0 − 0) = 0
        # with zero partials, however q_c = 0 or NaN would have made it NaN.
        log_t = xp.where(absent, xp.zeros_like(y_true), y_true)
        log_q = xp.where(absent, xp.zeros_like(log_q), log_q)
        terms = xp.exp(log_t) * (log_t - log_q)
    else:
        # The same stand-ins where t = 0: log t = log 1 and log q = 0 give t·(0 − 0) = 0.
        absent = xp.equal(y_true, 0)
        log_t = xp.log(xp.where(absent, xp.ones_like(y_true), y_true))
        terms = y_true * (log_t - xp.where(absent, xp.zeros_like(log_q), log_q))
    return terms if pointwise else xp.sum(terms, axis=axis)


def _check_measure(xp, y_pred, array, what, hint):
    """Eager only: ``array`` holds no negative entry (a measure), else a ProbabilityRangeError."""
    if is_eager(y_pred) and is_eager(array):
        low = P.extrema(array, xp=xp)[0]
        if low < 0:
            raise ProbabilityRangeError(
                f"generalized_kl_divergence: {what} must be non-negative measures, but its smallest entry is "
                f"{low:g}. {hint}"
            )


@define_loss(
    options=[
        Option(
            "log_input",
            "bool",
            False,
            "True: y_pred are log-measures log q, used as given (optax's log_predictions).",
        ),
        Option("log_target", "bool", False, "True: y_true are log-measures log t."),
        Option("axis", "axis", -1, "The axis summed over: the measures' support (torch layout: 1)."),
        Option(
            "pointwise",
            "bool",
            False,
            "True: the terms t_c·(log t_c − log q_c) − t_c + q_c themselves, not summed over axis.",
        ),
    ],
    class_axis=True,
    aliases=("convex_kl_divergence",),
    example=examples.measure_example,
    showcase=examples.GENERALIZED_KL_DIVERGENCE,
)
def generalized_kl_divergence(xp, y_pred, y_true, *, log_input, log_target, axis, pointwise):
    """Generalized KL divergence ``Σ_c [t_c·(log t_c − log q_c) − t_c + q_c]`` over ``axis``.

    The I-divergence of non-negative measures ``q`` (prediction) and ``t`` (target), which
    need not be normalised: the Bregman divergence of ``x·log x − x``, ≥ 0 and 0 only at
    ``q = t``; for distributions it is :func:`kl_divergence`. ``q`` is given as is, or as
    ``log q`` with ``log_input=True``; ``t`` as is, or as ``log t`` with ``log_target=True``.
    There is no ``from_logits``: a softmax would normalise what this divergence leaves free.
    Entries with ``t_c = 0`` contribute ``q_c`` (``0·log 0 = 0``), with gradient 1 with
    respect to ``q_c`` and 0 with respect to ``t_c`` (where the derivative is −inf), as
    :func:`kl_divergence`; ``t_c > 0`` with ``q_c = 0`` gives +inf. No clipping. In eager
    mode measures given as is must be ≥ 0.
    Shapes: as :func:`kl_divergence`; with ``pointwise=True`` the result is the terms,
    of the broadcast shape of the inputs.
    Reference: Csiszár (1975), I-divergence; Lee & Seung (2001), NMF with divergence D(V‖WH);
    optax.losses.generalized_kl_divergence (formerly convex_kl_divergence), which is
    ``log_input=True, reduction="none"``.
    """
    if not log_input:
        _check_measure(xp, y_pred, y_pred, "y_pred", "Pass log_input=True for log-measures log q.")
    if log_target:
        absent = xp.equal(y_true, -math.inf)
        target = xp.exp(y_true)
    else:
        _check_measure(xp, y_pred, y_true, "y_true", "Pass log_target=True for log-measures log t.")
        absent = xp.equal(y_true, 0)
        target = y_true
    if log_input:
        measure, log_q = xp.exp(y_pred), y_pred
    else:
        # The stand-in q = 1 where t = 0 keeps the log's gradient there finite (q = 0 would give 0·inf).
        measure, log_q = y_pred, xp.log(xp.where(absent, xp.ones_like(y_pred), y_pred))
    if not (log_target or pointwise):
        return P.relative_entropy(target, log_q, axis) + xp.sum(measure - target, axis=axis)
    # Stand-ins where t = 0: log t = 0 and log q = 0 give t·(0 − 0) = 0 with zero partials.
    if log_target:
        log_t = xp.where(absent, xp.zeros_like(y_true), y_true)
    else:
        log_t = xp.log(xp.where(absent, xp.ones_like(y_true), y_true))
    terms = target * (log_t - xp.where(absent, xp.zeros_like(log_q), log_q)) - target + measure
    return terms if pointwise else xp.sum(terms, axis=axis)


_HALF_LOG_2 = 0.5 * math.log(2.0)


def _jensen_shannon_terms(xp, q, t):
    """``½·[q·log(q/m) + t·log(t/m)]``, ``m = (q + t)/2``, per entry (see :func:`jensen_shannon`)."""
    total = q + t
    empty = xp.equal(total, 0)
    s = xp.where(empty, xp.ones_like(total), total)
    d = (q - t) / s
    near = xp.less_equal(xp.abs(d), 0.5)
    # Near q = t, with q/m = 1 + d and t/m = 1 − d: ¼·s·[log(1 − d²) + 2d·atanh d], whose two parts
    # do not cancel (d² and 2d², where q·log(q/m) and t·log(t/m) are ±s·d/2 around a sum of s·d²/4);
    # 2·atanh d = log1p(2d/(1 − d)). d is 0 off this branch, so its gradient there is finite.
    dn = xp.where(near, d, xp.zeros_like(d))
    close = (0.25 * s) * (xp.log1p(-dn * dn) + dn * xp.log1p(2.0 * dn / (1.0 - dn)))
    # Elsewhere the terms themselves; xlogy makes 0·log 0 = 0 where q = 0 or t = 0.
    far = 0.5 * (P.xlogy(q, 2.0 * q / s, xp=xp) + P.xlogy(t, 2.0 * t / s, xp=xp))
    value = xp.where(near, close, far)
    # q = t = 0: 0, with the partials ½·log 2 of ½·(q + t)·log 2, the value wherever one of them is 0.
    return xp.where(empty, _HALF_LOG_2 * total, value)


@define_loss(
    options=[
        Option("from_logits", "bool", False, "True: y_pred are logits, turned into q by softmax over axis."),
        Option("axis", "axis", -1, "The axis summed over: the distributions' support (torch layout: 1)."),
    ],
    class_axis=True,
    example=examples.distribution_example,
    showcase=examples.JENSEN_SHANNON,
)
def jensen_shannon(xp, y_pred, y_true, *, from_logits, axis):
    """Jensen–Shannon divergence ``½·KL(q ‖ m) + ½·KL(t ‖ m)``, ``m = (q + t)/2``, over ``axis``.

    ``q`` is the prediction (probabilities, or logits with ``from_logits=True``: ``q`` =
    softmax), ``t`` the target distribution; natural log, so the value lies in [0, log 2],
    symmetric in ``q`` and ``t``. ``0·log 0 = 0``: an entry with ``t_c = 0`` contributes
    ``½·q_c·log 2``, exactly, with partial ``½·log 2`` with respect to ``q_c`` (also at
    ``q_c = 0``); symmetrically for ``q_c = 0``. Where ``q_c = 0 < t_c`` the partial with
    respect to ``q_c`` is mathematically −inf; lossx gives −½ there (the ``q·log q`` term at
    ``q = 0`` taken as the constant 0, as kornia's), and the same for ``t_c = 0 < q_c`` with
    respect to ``t_c``. Through a softmax those entries have weight ``q_c = 0`` and the
    gradient is exact. Near ``q = t`` the value keeps its relative accuracy (``d²``-form).
    In eager mode probabilities are range-checked.
    Shapes: ``y_true`` broadcastable to ``y_pred`` (..., C, ...); result without ``axis``.
    Reference: Lin (1991), "Divergence measures based on the Shannon entropy";
    kornia.losses.js_div_loss_2d (heatmaps (B, N, H, W) over H·W: ``y_pred`` and ``y_true``
    reshaped to (B, N, H·W)).
    """
    if not from_logits:
        check_probabilities(
            xp,
            "jensen_shannon",
            y_pred,
            y_pred,
            "y_pred",
            "Pass from_logits=True for logits.",
        )
    check_probabilities(xp, "jensen_shannon", y_pred, y_true, "y_true", "Targets are distributions.")
    q = P.softmax(y_pred, axis=axis) if from_logits else y_pred
    return xp.sum(_jensen_shannon_terms(xp, q, y_true), axis=axis)


@define_loss(
    options=[CLASS_AXIS, CLASS_WEIGHT, IGNORE_INDEX],
    target="labels",
    class_axis=True,
    aliases=("negative_log_likelihood",),
    example=examples.log_probability_example,
    showcase=examples.NLL,
)
def nll(xp, y_pred, y_true, *, axis, class_weight, ignore_index):
    """Negative log-likelihood ``−w_y·y_pred[y]`` of log-probability inputs with integer labels.

    ``y_pred`` holds log-probabilities (e.g. a log-softmax output; not checked or
    renormalised), ``w_y`` the class weight of the label. Entries whose label equals
    ``ignore_index`` contribute nothing and count nothing; the 'mean' denominator is
    ``Σ w_y`` over the others (torch's rule, but 0 instead of NaN when everything is
    ignored). ``nll(log_softmax(x), y)`` is ``sparse_categorical_cross_entropy(x, y,
    from_logits=True)``.
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of
    ``y_pred``'s shape without that axis (a size-1 class axis is also accepted).
    Reference: torch.nn.NLLLoss(weight, ignore_index).
    """
    if class_weight is None and ignore_index is None:
        return P.deferred(P.negative_log_likelihood, y_pred, y_true, axis)
    labels, valid = split_labels(xp, y_true, ignore_index)
    value = P.negative_log_likelihood(y_pred, labels, axis)
    weight = None if class_weight is None else P.gather(class_weight, labels)
    if weight is not None:
        value = weight * value
    if weight is None and valid is None:
        return value
    return LossTerms(value, weight=weight, valid=valid)
