"""The losses the experiment trains: how each is fed, the options checked against the task, and the
``balanced`` weights resolved from the training labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import ArgumentError, OptionValueError
from .._options import parse_loss_entry
from .._registry import lookup
from .data import Task

#: How each loss the experiment can train is fed: the targets it takes ("labels": integer
#: classes with C logits; "one_hot": one-hot rows with C logits; "binary": 0/1 targets
#: with one logit, two classes only; "values": standardised real targets with one output),
#: and its short title in tables and figures.
TRAINABLE: dict[str, tuple[str, str]] = {
    "sparse_categorical_cross_entropy": ("labels", "cross-entropy"),
    "sparse_categorical_focal_cross_entropy": ("labels", "focal"),
    "generalized_cross_entropy": ("labels", "generalized CE"),
    "multi_margin": ("labels", "multi-margin"),
    "categorical_cross_entropy": ("one_hot", "categorical CE"),
    "categorical_focal_cross_entropy": ("one_hot", "categorical focal"),
    "poly_cross_entropy": ("one_hot", "poly-1"),
    "categorical_hinge": ("one_hot", "categorical hinge"),
    "binary_cross_entropy": ("binary", "binary CE"),
    "binary_focal_cross_entropy": ("binary", "binary focal"),
    "hinge": ("binary", "hinge"),
    "squared_hinge": ("binary", "squared hinge"),
    "soft_margin": ("binary", "soft margin"),
    "mean_squared_error": ("values", "MSE"),
    "mean_absolute_error": ("values", "MAE"),
    "huber": ("values", "Huber"),
    "smooth_l1": ("values", "smooth L1"),
    "log_cosh": ("values", "log-cosh"),
    "quantile": ("values", "quantile"),
}
_TASK_OF_FEED: dict[str, Task] = {
    "labels": "classification",
    "one_hot": "classification",
    "binary": "classification",
    "values": "regression",
}
#: Options the experiment sets itself wherever the loss has them: the model outputs logits.
_FIXED_OPTIONS = {"from_logits": True}
#: The option value that stands for weights from the training labels' inverse frequency, and the options taking it.
BALANCED = "balanced"
_BALANCEABLE = ("class_weight", "alpha", "pos_weight")


@dataclass(frozen=True)
class _LossChoice:
    """A loss as the user named it (``huber:delta=0.5``), checked against the task."""

    name: str
    given: Mapping[str, Any]
    feed: str
    label: str


def _choose_losses(
    losses: Sequence[str | tuple[str, Mapping[str, Any]]], task: Task, n_classes: int
) -> list[_LossChoice]:
    if not losses:
        raise ArgumentError("losses is empty: name at least one loss, e.g. losses=['huber'].")
    chosen = []
    for item in losses:
        name, given = parse_loss_entry(item) if isinstance(item, str) else (item[0], dict(item[1]))
        spec = lookup(name)
        trainable = _trainable_for(task, n_classes)
        if spec.name not in TRAINABLE:
            raise ArgumentError(
                f"{spec.name} is not one the experiment can train (its model outputs class logits or one "
                f"value); for {task} it trains: {', '.join(trainable)}."
            )
        feed, title = TRAINABLE[spec.name]
        if _TASK_OF_FEED[feed] != task:
            raise ArgumentError(
                f"{spec.name} is a {_TASK_OF_FEED[feed]} loss and this data set is a {task} task; "
                f"for {task} the experiment trains: {', '.join(trainable)}."
            )
        if feed == "binary" and n_classes != 2:
            raise ArgumentError(
                f"{spec.name} takes binary targets and this data set has {n_classes} classes; with more than "
                f"two classes use {', '.join(trainable)}."
            )
        for reserved in ("reduction", "sample_weight", "mask", "axis", *_FIXED_OPTIONS):
            if reserved in given:
                raise OptionValueError(
                    f"{spec.name}: the experiment sets {reserved} itself (the model outputs logits with the "
                    f"classes on the last axis, and each batch's loss is the mean); leave it out."
                )
        for key, value in given.items():
            if _is_balanced(value) and key not in _BALANCEABLE:
                raise OptionValueError(
                    f"{spec.name}: {key}={BALANCED} is not defined; {BALANCED} (weights from the training labels' "
                    f"inverse frequency) is a value of {', '.join(_BALANCEABLE)}."
                )
        # "balanced" stands for weights the training labels give later; None passes the same checks now.
        options = {key: None if _is_balanced(value) else value for key, value in given.items()}
        spec.validate(
            {
                **options,
                **{
                    key: value
                    for key, value in _FIXED_OPTIONS.items()
                    if any(option.name == key for option in spec.options)
                },
            }
        )
        described = ", ".join(f"{key}={value}" for key, value in given.items())
        chosen.append(_LossChoice(spec.name, given, feed, f"{title} ({described})" if described else title))
    return chosen


def _is_balanced(value: Any) -> bool:
    return isinstance(value, str) and value == BALANCED


def _trainable_for(task: Task, n_classes: int) -> list[str]:
    return [
        name
        for name, (feed, _) in TRAINABLE.items()
        if _TASK_OF_FEED[feed] == task and (feed != "binary" or n_classes == 2)
    ]


def _resolved_options(choice: _LossChoice, train_labels: np.ndarray, n_classes: int) -> dict[str, Any]:
    """The options a loss is called with: ``balanced`` weights from the training labels, logits where it applies."""
    spec = lookup(choice.name)
    declared = {option.name for option in spec.options}
    options = {key: value for key, value in _FIXED_OPTIONS.items() if key in declared}
    for key, value in choice.given.items():
        options[key] = _balanced(choice.name, key, train_labels, n_classes) if _is_balanced(value) else value
    return options


def _balanced(loss: str, option: str, train_labels: np.ndarray, n_classes: int) -> Any:
    """Weights from the training labels' inverse frequency, in the form ``option`` takes.

    class_weight and a per-class alpha: n / (C · count_c) (scikit-learn's "balanced");
    pos_weight: count_0 / count_1 (torch's advice for BCEWithLogitsLoss); the binary focal
    loss's scalar alpha, the positives' share of the weight: count_0 / n.
    """
    counts = np.bincount(train_labels, minlength=n_classes).astype(np.float64)
    kind = next(declared.kind for declared in lookup(loss).options if declared.name == option)
    if option == "class_weight" or (option == "alpha" and kind == "float_or_weights"):
        return [float(weight) for weight in len(train_labels) / (n_classes * np.maximum(counts, 1.0))]
    if option == "pos_weight":
        return float(counts[0] / max(counts[1], 1.0))
    return float(counts[0] / len(train_labels))
