"""How each loss meets the x axis: the quantities it accepts, and its inputs built from the points x."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import losses as _builtin
from .. import primitives as P
from .._errors import CurveError
from .._registry import lookup
from .._spec import LossSpec


def _true_class(xp: Any, x: Any, against: str) -> tuple[Any, Any, Any, Any, Any]:
    """``(p, 1 − p, log p, log(1 − p), z)`` of the true class at ``x``, in ``x``'s framework.

    On the probability axis x is p, and z = log p − log(1 − p); on the logit and margin
    axes x is z (the true class's logit, the other class's being 0) and p = σ(z). Every
    entry is a function of x, so autodiff carries the derivative to x whichever form the
    loss reads.
    """
    if against == "probability":
        log_p, log_q = xp.log(x), xp.log1p(-x)
        return x, 1.0 - x, log_p, log_q, log_p - log_q
    return P.sigmoid(x), P.sigmoid(-x), P.log_sigmoid(x), P.log_sigmoid(-x), x


def _two_columns(xp: Any, first: Any, second: Any) -> Any:
    return xp.stack([first, second], axis=-1)


def _regression_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.zeros(n)


def _unit_variance_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.zeros(n), np.ones(n)


def _binary_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    p, _, _, _, z = _true_class(xp, x, against)
    return (z if options.get("from_logits") else p), np.ones(n)


def _logistic_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return _true_class(xp, x, against)[4], np.ones(n)


def _multilabel_logistic_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return xp.expand_dims(_true_class(xp, x, against)[4], axis=-1), np.ones((n, 1))


def _score_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.ones(n)


def _ranking_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.zeros(n), np.ones(n)


def _two_class_target(spec: LossSpec, n: int, options: Mapping[str, Any]) -> np.ndarray:
    """The true class is class 0: label 0, a label list ``[0, −1]`` or the one-hot row ``[1, 0]``."""
    kind = spec.target.kind
    if kind == "labels":
        return np.zeros(n, dtype=np.int64)
    if kind == "label_lists":
        return np.tile(np.array([0, -1], dtype=np.int64), (n, 1))
    one_hot = np.tile([1.0, 0.0], (n, 1))
    if options.get("log_target"):
        with np.errstate(divide="ignore"):
            return np.log(one_hot)
    return one_hot


def _two_class_scores(spec: LossSpec) -> Callable[..., tuple]:
    def inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
        return _two_columns(xp, x, xp.zeros_like(x)), _two_class_target(spec, n, options)

    return inputs


def _two_class_distribution(spec: LossSpec, log_probabilities: bool = False) -> Callable[..., tuple]:
    """Inputs of a two-class probabilistic loss, in the form its options ask for.

    ``log_probabilities``: the loss always reads log-probabilities (nll); otherwise
    ``log_input=True`` gives log-probabilities, ``from_logits=True`` logits, and
    probabilities by default.
    """

    def inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
        p, q, log_p, log_q, z = _true_class(xp, x, against)
        if log_probabilities or options.get("log_input"):
            prediction = _two_columns(xp, log_p, log_q)
        elif options.get("from_logits"):
            prediction = _two_columns(xp, z, xp.zeros_like(z))
        else:
            prediction = _two_columns(xp, p, q)
        return prediction, _two_class_target(spec, n, options)

    return inputs


@dataclass(frozen=True)
class _Probe:
    """How a loss meets the x axis: the quantities it accepts (its default first) and its inputs at x."""

    axes: tuple[str, ...]
    inputs: Callable[..., tuple]


_REGRESSION = _Probe(("residual",), _regression_inputs)
_PROBABILISTIC_AXES = ("probability", "logit", "margin")
_LOGISTIC_AXES = ("margin", "logit", "probability")


def _probes() -> dict[str, _Probe]:
    def distribution(name: str, **kwargs: bool) -> _Probe:
        return _Probe(_PROBABILISTIC_AXES, _two_class_distribution(lookup(name), **kwargs))

    def scores(name: str) -> _Probe:
        return _Probe(("margin",), _two_class_scores(lookup(name)))

    return {
        **{
            name: _REGRESSION
            for name in ("mean_squared_error", "mean_absolute_error", "huber", "smooth_l1", "log_cosh", "quantile")
        },
        "gaussian_nll": _Probe(("residual",), _unit_variance_inputs),
        "binary_cross_entropy": _Probe(("probability", "margin", "logit"), _binary_inputs),
        "binary_focal_cross_entropy": _Probe(("probability", "margin", "logit"), _binary_inputs),
        "asymmetric": _Probe(_LOGISTIC_AXES, _logistic_inputs),
        **{
            name: distribution(name)
            for name in (
                "categorical_cross_entropy",
                "sparse_categorical_cross_entropy",
                "categorical_focal_cross_entropy",
                "sparse_categorical_focal_cross_entropy",
                "poly_cross_entropy",
                "generalized_cross_entropy",
                "kl_divergence",
                "generalized_kl_divergence",
                "jensen_shannon",
            )
        },
        "nll": distribution("nll", log_probabilities=True),
        "hinge": _Probe(("margin",), _score_inputs),
        "squared_hinge": _Probe(("margin",), _score_inputs),
        "perceptron": _Probe(("margin",), _score_inputs),
        "sparsemax": _Probe(("margin",), _score_inputs),
        "soft_margin": _Probe(_LOGISTIC_AXES, _logistic_inputs),
        "multilabel_soft_margin": _Probe(_LOGISTIC_AXES, _multilabel_logistic_inputs),
        **{
            name: scores(name)
            for name in (
                "categorical_hinge",
                "multi_margin",
                "multilabel_margin",
                "multiclass_perceptron",
                "multiclass_sparsemax",
            )
        },
        "margin_ranking": _Probe(("margin",), _ranking_inputs),
    }


_PROBES: dict[str, _Probe] = _probes()

#: Why a built-in loss has no curve against one quantity.
_NO_CURVE = {
    **dict.fromkeys(
        ("mean_absolute_percentage_error", "mean_squared_logarithmic_error", "poisson"),
        "its value depends on y_true itself, not only on the residual y_pred − y_true",
    ),
    **dict.fromkeys(
        ("cosine_similarity", "cosine_embedding"),
        "it compares the directions of two vectors, not one residual, margin or probability",
    ),
    **dict.fromkeys(
        ("dice", "generalized_dice", "tversky", "focal_tversky", "jaccard", "mcc", "lovasz_hinge", "lovasz_softmax"),
        "it scores the overlap of a whole region, not one prediction",
    ),
    **dict.fromkeys(
        ("generalized_box_iou", "distance_box_iou", "complete_box_iou"),
        "it compares two boxes of four coordinates each, not one residual, margin or probability",
    ),
    "hinge_embedding": "its input is a distance between embeddings, not a residual, margin or probability",
    **dict.fromkeys(
        (
            "triplet_margin",
            "ntxent",
            "circle",
            "contrastive",
            "supervised_contrastive",
            "mined_triplet",
            "lifted_structure",
            "npairs",
        ),
        "it compares several embeddings with each other, not one prediction with a target",
    ),
    "ctc": "it scores whole sequences of class probabilities, not one prediction",
    **dict.fromkeys(
        ("cosface", "arcface"),
        "its inputs are cosines, bounded by [−1, 1], whose margin's effect depends on the scale and the "
        "other classes' cosines, not one residual, margin or probability",
    ),
    "weighted_kappa": "it scores the agreement of a whole batch with its targets, not one prediction",
    "ranking_softmax": "it scores a whole list of items against graded relevances, not one prediction",
}


def _probe(spec: LossSpec) -> _Probe:
    found = _PROBES.get(spec.name)
    if found is not None:
        return found
    if spec.name not in _builtin.__all__:
        kinds = tuple(i.kind for i in spec.inputs)
        if kinds == ("prediction", "dense") and not spec.class_axis and not spec.probabilities:
            return _REGRESSION
        reason = (
            "lossx draws a custom loss against the residual only when it is elementwise with inputs (y_pred, y_true)"
        )
    else:
        reason = _NO_CURVE[spec.name]
    plottable = ", ".join(_PROBES)
    raise CurveError(f"{spec.name} has no curve against one quantity: {reason}. The losses lossx draws: {plottable}.")
