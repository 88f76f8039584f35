"""``lossx.experiment``: the default lesson, the training settings, and the loop that trains every loss
on the same split, initial weights and batches."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._errors import ArgumentError, OptionValueError
from .data import Task, _load, _prepare, _Split
from .dependencies import choose_framework, trainer
from .losses import _choose_losses, _LossChoice, _resolved_options
from .metrics import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    _predictions,
    classification_metrics,
    regression_metrics,
)
from .model import batches, hidden_units, initial_weights, loss_on_outputs, n_outputs, training_targets
from .results import DatasetResult, EpochReport, ExperimentResult, LossResult, _plain

#: The default run, a lesson in choosing a loss: imbalanced classes call for a weighted or
#: focal loss; outliers in the targets for MAE, Huber or log-cosh rather than MSE.
LESSON: tuple[dict[str, Any], ...] = (
    {
        "data": "breast_cancer",
        "imbalance": 10.0,
        "losses": (
            "sparse_categorical_cross_entropy",
            "sparse_categorical_cross_entropy:class_weight=balanced",
            "sparse_categorical_focal_cross_entropy:gamma=2",
        ),
    },
    {
        "data": "diabetes",
        "outliers": 0.1,
        "losses": ("mean_squared_error", "mean_absolute_error", "huber:delta=1", "log_cosh"),
    },
)
DEFAULT_LOSSES: dict[str, tuple[str, ...]] = {
    "classification": LESSON[0]["losses"],
    "regression": LESSON[1]["losses"],
}
DEFAULT_EPOCHS = 20
BATCH_SIZE = 32
LEARNING_RATE = 0.01
MOMENTUM = 0.9


def experiment(
    data: str | os.PathLike[str] | None = None,
    *,
    losses: Sequence[str | tuple[str, Mapping[str, Any]]] | None = None,
    framework: str | None = None,
    imbalance: float | None = None,
    outliers: float | None = None,
    label_noise: float | None = None,
    epochs: int = DEFAULT_EPOCHS,
    seed: int = 0,
    task: Task | None = None,
    target: str | None = None,
    progress: Callable[[EpochReport], None] | None = None,
) -> ExperimentResult:
    """Train one small model with each loss on the same split, and record its curves.

    Parameters
    ----------
    data:
        ``"digits"``, ``"breast_cancer"``, ``"wine"`` (classification) or ``"diabetes"``
        (regression), scikit-learn's bundled data sets; or a ``.csv`` file (a header row,
        numeric feature columns and the target column ``target``, else the last one, or
        ``target=``) or a ``.npz`` file (arrays ``X``, samples × features, and ``y``).
        None: the default lesson, two data sets: breast_cancer with a 10:1 class
        imbalance (cross-entropy, class-weighted cross-entropy, focal) and diabetes with
        10% outliers in its training targets (MSE, MAE, Huber, log-cosh).
    losses:
        lossx losses by name, each optionally with options: ``"huber:delta=0.5"`` or
        ``("huber", {"delta": 0.5})``; ``class_weight="balanced"`` (also ``alpha``,
        ``pos_weight``) means inverse-frequency weights of the training labels. Default:
        the lesson's losses for the task.
    framework:
        ``"torch"``, ``"jax"`` (with optax) or ``"keras"`` (on its configured engine);
        default: the first of these installed.
    imbalance:
        Keep every sample of the most frequent class and subsample each other class to
        ``1/imbalance`` of it (before the split): majority:minority = ``imbalance``.
    outliers:
        Move this fraction of the training targets (regression) by 5 to 10 standard deviations.
    label_noise:
        Move this fraction of the training labels (classification) to another class.
    epochs, seed:
        Passes over the training set; the seed of the split, the injections, the initial
        weights and the batches (every loss and framework gets the same ones).
    task:
        ``"classification"`` or ``"regression"`` for a file (default: integer targets with
        at most 20 distinct values, or text labels, are classes).
    progress:
        Called with an :class:`EpochReport` before training (epoch 0) and after every epoch.

    Notes
    -----
    The model is an MLP with one hidden ReLU layer (twice the features, 16 to 64 units),
    trained by SGD with momentum 0.9, learning rate 0.01, mini-batches of 32. Features
    are standardised with the training set's mean and deviation; regression targets too
    (the losses see standardised targets; the metrics are in the targets' own units).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise OptionValueError(f"epochs must be a positive integer, got {epochs!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise OptionValueError(f"seed must be an integer, got {seed!r}.")
    if data is None:
        given = {
            "losses": losses,
            "imbalance": imbalance,
            "outliers": outliers,
            "label_noise": label_noise,
            "task": task,
            "target": target,
        }
        named = [key for key, value in given.items() if value is not None]
        if named:
            raise ArgumentError(
                f"{', '.join(named)} describe one data set; give data= too (without it the experiment runs its "
                "default lesson: breast_cancer with a class imbalance, diabetes with outliers)."
            )
        plans = [dict(step) for step in LESSON]
    else:
        plans = [
            {
                "data": data,
                "losses": losses,
                "imbalance": imbalance,
                "outliers": outliers,
                "label_noise": label_noise,
                "task": task,
                "target": target,
            }
        ]
    prepared = []
    for plan in plans:
        table = _load(plan["data"], plan.get("task"), plan.get("target"))
        split = _prepare(table, seed, plan.get("imbalance"), plan.get("outliers"), plan.get("label_noise"))
        choices = _choose_losses(plan.get("losses") or DEFAULT_LOSSES[table.task], table.task, len(table.classes))
        prepared.append((plan, split, choices))
    chosen_framework = choose_framework(framework)
    results = tuple(
        _train_dataset(chosen_framework, plan, split, choices, epochs, seed, progress)
        for plan, split, choices in prepared
    )
    return ExperimentResult(chosen_framework, seed, epochs, BATCH_SIZE, LEARNING_RATE, MOMENTUM, results)


def _train_dataset(
    framework: str,
    plan: Mapping[str, Any],
    split: _Split,
    choices: Sequence[_LossChoice],
    epochs: int,
    seed: int,
    progress: Callable[[EpochReport], None] | None,
) -> DatasetResult:
    table = split.table
    classification = table.task == "classification"
    minority = split.minority
    n_hidden = hidden_units(split.x_train.shape[1])
    runs = [
        _train_loss(framework, split, choice, index, len(choices), n_hidden, epochs, seed, progress)
        for index, choice in enumerate(choices)
    ]
    counts = np.bincount(split.y_train, minlength=split.n_classes) if classification else np.array([], dtype=int)
    return DatasetResult(
        data=table.name,
        task=table.task,
        n_train=len(split.x_train),
        n_validation=len(split.x_validation),
        n_features=split.x_train.shape[1],
        hidden_units=n_hidden,
        classes=table.classes,
        train_class_counts=tuple(int(count) for count in counts),
        minority_classes=tuple(table.classes[label] for label in minority),
        imbalance=None if plan.get("imbalance") is None else float(plan["imbalance"]),
        outliers=None if plan.get("outliers") is None else float(plan["outliers"]),
        label_noise=None if plan.get("label_noise") is None else float(plan["label_noise"]),
        changed_targets=split.changed_targets,
        losses=tuple(runs),
    )


def _train_loss(
    framework: str,
    split: _Split,
    choice: _LossChoice,
    index: int,
    count: int,
    n_hidden: int,
    epochs: int,
    seed: int,
    progress: Callable[[EpochReport], None] | None,
) -> LossResult:
    """Train the MLP with the ``index``-th of ``count`` losses, evaluated before the first epoch and after each."""
    table = split.table
    classification = table.task == "classification"
    minority = split.minority
    options = _resolved_options(choice, split.y_train, split.n_classes)
    loss = loss_on_outputs(choice.name, choice.feed, options)
    train_targets = training_targets(choice.feed, split.y_train, split.n_classes)
    validation_targets = training_targets(choice.feed, split.y_validation, split.n_classes)
    weights = initial_weights(split.x_train.shape[1], n_hidden, n_outputs(choice.feed, split.n_classes), seed)
    model = trainer(framework, weights, loss, LEARNING_RATE, MOMENTUM)
    history: dict[str, list[float]] = {"train_loss": [], "validation_loss": []}

    def evaluate(epoch: int) -> None:
        outputs = {"train": model.predict(split.x_train), "validation": model.predict(split.x_validation)}
        history["train_loss"].append(float(loss(outputs["train"], train_targets)))
        history["validation_loss"].append(float(loss(outputs["validation"], validation_targets)))
        if not np.isfinite(outputs["validation"]).all():
            found = dict.fromkeys(CLASSIFICATION_METRICS if classification else REGRESSION_METRICS, math.nan)
        elif classification:
            found = classification_metrics(
                split.y_validation, _predictions(choice.feed, outputs["validation"]), minority
            )
        else:
            found = regression_metrics(
                split.y_validation * split.target_scale + split.target_mean,
                outputs["validation"][:, 0] * split.target_scale + split.target_mean,
            )
        for name, value in found.items():
            history.setdefault(name, []).append(value)
        if progress is not None:
            progress(
                EpochReport(
                    table.name,
                    choice.label,
                    index,
                    count,
                    epoch,
                    epochs,
                    history["train_loss"][-1],
                    history["validation_loss"][-1],
                )
            )

    with model:
        evaluate(0)
        for epoch in range(1, epochs + 1):
            for batch in batches(len(split.x_train), BATCH_SIZE, seed, epoch):
                model.step(split.x_train[batch], train_targets[batch])
            evaluate(epoch)
    return LossResult(
        choice.name,
        _plain(dict(options)),
        choice.label,
        tuple(range(epochs + 1)),
        tuple(history.pop("train_loss")),
        tuple(history.pop("validation_loss")),
        {name: tuple(values) for name, values in history.items()},
    )
