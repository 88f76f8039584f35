"""KL divergence and negative log-likelihood: losses of given log-probabilities and distributions."""

from __future__ import annotations

import math

from ... import primitives as P
from ...examples import classification as examples
from ..._checks import check_probabilities
from ..._errors import OptionValueError
from ..._options import Option
from ..._reduction import LossTerms
from ..._registry import define_loss
from .._shared import CLASS_AXIS, CLASS_WEIGHT
from ._labels import IGNORE_INDEX, split_labels

__all__ = ["kl_divergence", "nll"]


@define_loss(
    options=[
        Option("from_logits", "bool", False, "True: y_pred are logits, turned into log q by log-softmax over axis."),
        Option(
            "log_input", "bool", False,
            "True: y_pred are log-probabilities log q, used as given (torch.nn.KLDivLoss, optax).",
        ),
        Option("log_target", "bool", False, "True: y_true are log-probabilities log t (torch's log_target)."),
        Option("axis", "axis", -1, "The axis summed over: the distributions' support (torch layout: 1)."),
        Option(
            "pointwise", "bool", False,
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
            xp, "kl_divergence", y_pred, y_pred, "y_pred",
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
