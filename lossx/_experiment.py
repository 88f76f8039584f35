"""``lossx.experiment`` and ``lossx experiment``: one small model trained with several losses (docs/experiment.md).

The experiment is framework-neutral up to the training step: data, split, injections,
initial weights and the order of the mini-batches are made here in NumPy from the seed,
so every framework's trainer (``lossx._experiment_torch``, ``_experiment_jax``,
``_experiment_keras``, imported only when chosen) starts from the same loss and takes the
same first update. The losses are lossx's generic functions, called on the framework's
tensors during training and on NumPy arrays for the per-epoch evaluation.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Sequence

import numpy as np

from ._errors import ArgumentError, MissingFrameworkError, OptionValueError, ShapeError
from ._options import parse_loss_entry
from ._registry import generic_function, lookup
from ._suggest.files import _is_number

if TYPE_CHECKING:
    import argparse

    from matplotlib.figure import Figure
    from rich.console import Console

__all__ = [
    "DATASETS",
    "DEFAULT_OUT",
    "FRAMEWORKS",
    "DatasetResult",
    "EpochReport",
    "ExperimentResult",
    "LossResult",
    "experiment",
]

Task = Literal["classification", "regression"]

#: scikit-learn's bundled data sets (no download), by the name ``data=`` takes, and their task.
DATASETS: dict[str, Task] = {
    "digits": "classification",
    "breast_cancer": "classification",
    "wine": "classification",
    "diabetes": "regression",
}
#: The frameworks a model is trained on, in the order tried when none is chosen (fastest first).
FRAMEWORKS = ("torch", "jax", "keras")
#: Where ``lossx experiment`` writes its files unless given ``--out``.
DEFAULT_OUT = "lossx-experiment"

#: The default run, a lesson in choosing a loss: imbalanced classes call for a weighted or
#: focal loss; outliers in the targets for MAE, Huber or log-cosh rather than MSE.
LESSON: tuple[dict[str, Any], ...] = (
    {"data": "breast_cancer", "imbalance": 10.0,
     "losses": ("sparse_categorical_cross_entropy", "sparse_categorical_cross_entropy:class_weight=balanced",
                "sparse_categorical_focal_cross_entropy:gamma=2")},
    {"data": "diabetes", "outliers": 0.1,
     "losses": ("mean_squared_error", "mean_absolute_error", "huber:delta=1", "log_cosh")},
)
DEFAULT_LOSSES: dict[str, tuple[str, ...]] = {
    "classification": LESSON[0]["losses"],
    "regression": LESSON[1]["losses"],
}
DEFAULT_EPOCHS = 20
BATCH_SIZE = 32
LEARNING_RATE = 0.01
MOMENTUM = 0.9
#: The share of the samples held out for validation (stratified for classification).
VALIDATION_FRACTION = 0.25
#: An outlier moves its target by this many standard deviations of the training targets (either sign).
OUTLIER_DEVIATIONS = (5.0, 10.0)
#: Integer targets with at most this many distinct values are read as class labels (files only).
MAX_INFERRED_CLASSES = 20

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
_TASK_OF_FEED: dict[str, Task] = {"labels": "classification", "one_hot": "classification",
                                  "binary": "classification", "values": "regression"}
#: Options the experiment sets itself wherever the loss has them: the model outputs logits.
_FIXED_OPTIONS = {"from_logits": True}
#: The option value that stands for weights from the training labels' inverse frequency, and the options taking it.
BALANCED = "balanced"
_BALANCEABLE = ("class_weight", "alpha", "pos_weight")

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "minority_recall")
REGRESSION_METRICS = ("mae", "rmse", "median_absolute_error")
#: Column titles of the metrics in tables and figures.
METRIC_TITLES = {
    "accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "macro_f1": "macro-F1",
    "minority_recall": "minority recall", "mae": "MAE", "rmse": "RMSE", "median_absolute_error": "median AE",
}
#: Column headings of the metrics in the terminal's table, two lines at most, short enough for 80 columns.
METRIC_HEADINGS = {
    "accuracy": "acc.", "balanced_accuracy": "bal.\nacc.", "macro_f1": "macro\nF1", "minority_recall": "minority\nrecall",
    "mae": "MAE", "rmse": "RMSE", "median_absolute_error": "median\nAE",
}
#: For each metric, whether higher is better (for the summary line of the lesson).
HIGHER_IS_BETTER = {"accuracy": True, "balanced_accuracy": True, "macro_f1": True, "minority_recall": True,
                    "mae": False, "rmse": False, "median_absolute_error": False}
#: The metric each task's lesson is read from.
HEADLINE_METRIC: dict[str, str] = {"classification": "minority_recall", "regression": "mae"}
#: The metrics the figure draws beside the loss curves, per task.
FIGURE_METRICS: dict[str, tuple[str, str]] = {"classification": ("minority_recall", "balanced_accuracy"),
                                              "regression": ("mae", "rmse")}


# ---------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LossResult:
    """One loss trained on one data set: its curves over the epochs (epoch 0 is the initial model).

    ``train_loss`` is the loss on the whole training set (its injected outliers or
    flipped labels included), ``validation_loss`` on the validation set, both in the
    units the model is trained in (standardised targets for regression);
    ``metrics[name]`` is the validation metric per epoch (regression metrics in the
    targets' own units).
    """

    loss: str
    options: Mapping[str, Any]
    label: str
    epochs: tuple[int, ...]
    train_loss: tuple[float, ...]
    validation_loss: tuple[float, ...]
    metrics: Mapping[str, tuple[float, ...]]

    def final(self) -> dict[str, float]:
        """The numbers after the last epoch: training and validation loss, then the metrics."""
        return {"train_loss": self.train_loss[-1], "validation_loss": self.validation_loss[-1],
                **{name: values[-1] for name, values in self.metrics.items()}}


@dataclass(frozen=True)
class DatasetResult:
    """Every loss trained on one data set, with what was done to the data."""

    data: str
    task: Task
    n_train: int
    n_validation: int
    n_features: int
    hidden_units: int
    classes: tuple[str, ...]
    train_class_counts: tuple[int, ...]
    minority_classes: tuple[str, ...]
    imbalance: float | None
    outliers: float | None
    label_noise: float | None
    changed_targets: int
    losses: tuple[LossResult, ...]

    @property
    def metric_names(self) -> tuple[str, ...]:
        return CLASSIFICATION_METRICS if self.task == "classification" else REGRESSION_METRICS

    @property
    def injection(self) -> str:
        """What was injected, in words ("imbalance 10:1", "10% outliers"), or "" for nothing."""
        parts = []
        if self.imbalance is not None:
            parts.append(f"imbalance {self.imbalance:g}:1")
        if self.outliers:
            parts.append(f"{self.outliers:.0%} outliers")
        if self.label_noise:
            parts.append(f"{self.label_noise:.0%} label noise")
        return ", ".join(parts)

    @property
    def title(self) -> str:
        """The data set, the injection and the size of the split, for headings."""
        injected = f", {self.injection}" if self.injection else ""
        return f"{self.data} ({self.task}{injected}; {self.n_train} train / {self.n_validation} validation)"

    def rows(self) -> list[dict[str, Any]]:
        """The final table: one row per loss."""
        return [{"data": self.data, "loss": run.label, **run.final()} for run in self.losses]

    def headline(self) -> str:
        """One sentence: which loss did best on the task's headline metric, against the first loss."""
        metric = HEADLINE_METRIC[self.task]
        better = max if HIGHER_IS_BETTER[metric] else min
        finite = [run for run in self.losses if math.isfinite(run.final()[metric])]
        if not finite:
            return f"No loss ended with a finite validation {METRIC_TITLES[metric]}: training diverged."
        best = better(finite, key=lambda run: run.final()[metric])
        baseline = self.losses[0]
        digits = 3 if self.task == "classification" else 1
        title = f"Best validation {METRIC_TITLES[metric]}: {best.label}, {best.final()[metric]:.{digits}f}"
        if best is baseline:
            return f"{title} (no other loss did better)."
        return f"{title}, against {baseline.final()[metric]:.{digits}f} for {baseline.label}."


@dataclass(frozen=True)
class ExperimentResult:
    """The result of :func:`lossx.experiment`: every data set's losses, and the settings that made them."""

    framework: str
    seed: int
    epochs: int
    batch_size: int
    learning_rate: float
    momentum: float
    datasets: tuple[DatasetResult, ...]

    def rows(self) -> list[dict[str, Any]]:
        """The final table of every data set: one row per data set and loss."""
        return [row for dataset in self.datasets for row in dataset.rows()]

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready Python values."""
        return _plain({
            "framework": self.framework, "seed": self.seed, "epochs": self.epochs, "batch_size": self.batch_size,
            "learning_rate": self.learning_rate, "momentum": self.momentum,
            "optimizer": "SGD with momentum", "model": "MLP: one hidden ReLU layer",
            "datasets": [_dataset_dict(dataset) for dataset in self.datasets],
        })

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    def write_csv(self, path: str | os.PathLike[str], *, per_epoch: bool = False) -> Path:
        """The final table (one row per data set and loss), or with ``per_epoch`` every epoch's numbers."""
        path = Path(path)
        metrics = [name for name in (*CLASSIFICATION_METRICS, *REGRESSION_METRICS)
                   if any(name in dataset.metric_names for dataset in self.datasets)]
        header = ["data", "task", "loss", *(["epoch"] if per_epoch else []), "train_loss", "validation_loss", *metrics]
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for dataset in self.datasets:
                for run in dataset.losses:
                    epochs = range(len(run.epochs)) if per_epoch else [len(run.epochs) - 1]
                    for index in epochs:
                        writer.writerow([
                            dataset.data, dataset.task, run.label, *([run.epochs[index]] if per_epoch else []),
                            _number(run.train_loss[index]), _number(run.validation_loss[index]),
                            *(_number(run.metrics[name][index]) if name in run.metrics else "" for name in metrics),
                        ])
        return path

    def figure(self) -> Figure:
        """The loss and metric curves over the epochs: one row of panels per data set."""
        return _figure(self)

    def save(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write ``results.json``, ``summary.csv``, ``history.csv`` and ``curves.png`` into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = [self.write_json(directory / "results.json"), self.write_csv(directory / "summary.csv"),
                   self.write_csv(directory / "history.csv", per_epoch=True)]
        figure = self.figure()
        figure.savefig(directory / "curves.png", dpi=90)
        return [*written, directory / "curves.png"]


@dataclass(frozen=True)
class EpochReport:
    """What :func:`lossx.experiment` tells its ``progress`` callback after each epoch (epoch 0: before training)."""

    data: str
    loss: str
    loss_index: int
    loss_count: int
    epoch: int
    epochs: int
    train_loss: float
    validation_loss: float


def _dataset_dict(dataset: DatasetResult) -> dict[str, Any]:
    return {
        "data": dataset.data, "task": dataset.task, "n_train": dataset.n_train,
        "n_validation": dataset.n_validation, "n_features": dataset.n_features,
        "hidden_units": dataset.hidden_units, "classes": list(dataset.classes),
        "train_class_counts": list(dataset.train_class_counts), "minority_classes": list(dataset.minority_classes),
        "imbalance": dataset.imbalance, "outliers": dataset.outliers, "label_noise": dataset.label_noise,
        "changed_targets": dataset.changed_targets,
        "final": dataset.rows(),
        "losses": [{"loss": run.loss, "options": dict(run.options), "label": run.label, "epochs": list(run.epochs),
                    "train_loss": list(run.train_loss), "validation_loss": list(run.validation_loss),
                    "metrics": {name: list(values) for name, values in run.metrics.items()}}
                   for run in dataset.losses],
    }


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists and NumPy scalars as Python numbers; NaN/inf as None (JSON has neither)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value: float) -> str:
    return repr(float(value))


# ------------------------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class _LossChoice:
    """A loss as the user named it (``huber:delta=0.5``), checked against the task."""

    name: str
    given: Mapping[str, Any]
    feed: str
    label: str


def _choose_losses(losses: Sequence[str | tuple[str, Mapping[str, Any]]], task: Task, n_classes: int) -> list[_LossChoice]:
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
                f"value); for {task} it trains: {', '.join(trainable)}.")
        feed, title = TRAINABLE[spec.name]
        if _TASK_OF_FEED[feed] != task:
            raise ArgumentError(
                f"{spec.name} is a {_TASK_OF_FEED[feed]} loss and this data set is a {task} task; "
                f"for {task} the experiment trains: {', '.join(trainable)}.")
        if feed == "binary" and n_classes != 2:
            raise ArgumentError(
                f"{spec.name} takes binary targets and this data set has {n_classes} classes; with more than "
                f"two classes use {', '.join(trainable)}.")
        for reserved in ("reduction", "sample_weight", "mask", "axis", *_FIXED_OPTIONS):
            if reserved in given:
                raise OptionValueError(
                    f"{spec.name}: the experiment sets {reserved} itself (the model outputs logits with the "
                    f"classes on the last axis, and each batch's loss is the mean); leave it out.")
        for key, value in given.items():
            if _is_balanced(value) and key not in _BALANCEABLE:
                raise OptionValueError(
                    f"{spec.name}: {key}={BALANCED} is not defined; {BALANCED} (weights from the training labels' "
                    f"inverse frequency) is a value of {', '.join(_BALANCEABLE)}.")
        # "balanced" stands for weights the training labels give later; None passes the same checks now.
        options = {key: None if _is_balanced(value) else value for key, value in given.items()}
        spec.validate({**options, **{key: value for key, value in _FIXED_OPTIONS.items()
                                     if any(option.name == key for option in spec.options)}})
        described = ", ".join(f"{key}={value}" for key, value in given.items())
        chosen.append(_LossChoice(spec.name, given, feed, f"{title} ({described})" if described else title))
    return chosen


def _is_balanced(value: Any) -> bool:
    return isinstance(value, str) and value == BALANCED


def _trainable_for(task: Task, n_classes: int) -> list[str]:
    return [name for name, (feed, _) in TRAINABLE.items()
            if _TASK_OF_FEED[feed] == task and (feed != "binary" or n_classes == 2)]


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


# --------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Table:
    name: str
    features: np.ndarray
    targets: np.ndarray
    task: Task
    classes: tuple[str, ...]


def _load(data: str | os.PathLike[str], task: Task | None, target: str | None) -> _Table:
    text = os.fspath(data)
    if text in DATASETS:
        if task not in (None, DATASETS[text]):
            raise ArgumentError(f"{text} is a {DATASETS[text]} data set; leave out task={task!r}.")
        if target is not None:
            raise ArgumentError("target= names a column of a CSV file; the bundled data sets have their own.")
        return _bundled(text)
    path = Path(text)
    if path.suffix.lower() not in (".csv", ".npz"):
        raise ArgumentError(
            f"Unknown data set {text!r}: use one of {', '.join(DATASETS)}, or a .csv file (a header row, numeric "
            "feature columns and a target column) or a .npz file (arrays X and y); docs/experiment.md.")
    if not path.is_file():
        raise ArgumentError(f"No such data file: {text}.")
    if path.suffix.lower() == ".npz":
        if target is not None:
            raise ArgumentError("target= names a column of a CSV file; a .npz file holds its targets as y.")
        features, targets = _read_npz(path)
    else:
        features, targets = _read_csv(path, target)
    return _from_arrays(path.name, features, targets, task)


def _bundled(name: str) -> _Table:
    datasets = _sklearn("datasets")
    bunch = getattr(datasets, f"load_{name}")()
    features = np.asarray(bunch.data, dtype=np.float64)
    if DATASETS[name] == "regression":
        return _Table(name, features, np.asarray(bunch.target, dtype=np.float64), "regression", ())
    classes = tuple(str(label) for label in getattr(bunch, "target_names", np.unique(bunch.target)))
    return _Table(name, features, np.asarray(bunch.target, dtype=np.int64), "classification", classes)


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in ("X", "y") if key not in archive.files]
            if missing:
                raise ShapeError(
                    f"{path}: a .npz data file holds arrays X (samples × features) and y (one target per sample); "
                    f"it has {', '.join(archive.files) or 'no arrays'}.")
            return archive["X"], archive["y"]
    except (OSError, ValueError) as error:
        if isinstance(error, ShapeError):
            raise
        raise ShapeError(f"{path} is not a readable .npz file ({error}).") from None


def _read_csv(path: Path, target: str | None) -> tuple[np.ndarray, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if len(rows) < 2:
        raise ShapeError(f"{path}: a CSV data file needs a header row and at least one row of data.")
    header, *body = rows
    header = [name.strip() for name in header]
    if target is None:
        target = "target" if "target" in header else header[-1]
    if target not in header:
        raise ShapeError(f"{path}: no column {target!r}; its columns are {', '.join(header)}.")
    ragged = [number for number, row in enumerate(body, 2) if len(row) != len(header)]
    if ragged:
        raise ShapeError(f"{path}: line {ragged[0]} has a different number of fields than the header "
                         f"({len(header)}).")
    column = header.index(target)
    features = []
    for number, row in enumerate(body, 2):
        try:
            features.append([float(value) for index, value in enumerate(row) if index != column])
        except ValueError:
            bad = next(index for index, value in enumerate(row) if index != column and not _is_number(value))
            raise ShapeError(
                f"{path}: line {number}, column {header[bad]!r} holds {row[bad]!r}; every column but the target "
                f"{target!r} must be a number.") from None
    labels = [row[column].strip() for row in body]
    targets = (np.array([float(value) for value in labels]) if all(map(_is_number, labels))
               else np.array(labels))
    return np.array(features, dtype=np.float64).reshape(len(body), len(header) - 1), targets


def _from_arrays(name: str, features: Any, targets: Any, task: Task | None) -> _Table:
    features = np.asarray(features)
    targets = np.asarray(targets)
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets[:, 0]
    if features.ndim != 2 or targets.ndim != 1 or len(features) != len(targets):
        raise ShapeError(
            f"{name}: the features must be one row per sample (samples × features) and the targets one value per "
            f"sample; got features of shape {features.shape} and targets of shape {targets.shape}.")
    if features.shape[1] == 0:
        raise ShapeError(f"{name}: no feature columns besides the target.")
    if not np.issubdtype(features.dtype, np.number) or np.issubdtype(features.dtype, np.complexfloating):
        raise ShapeError(f"{name}: the features must be real numbers, got dtype {features.dtype}.")
    features = features.astype(np.float64)
    if not np.isfinite(features).all():
        raise ShapeError(f"{name}: the features hold NaN or infinite values; remove or fill those rows.")
    numeric = np.issubdtype(targets.dtype, np.number) or targets.dtype == bool
    if numeric and not np.isfinite(targets.astype(np.float64)).all():
        raise ShapeError(f"{name}: the targets hold NaN or infinite values; remove those rows.")
    if task is None:
        integral = not numeric or bool(np.all(np.mod(targets.astype(np.float64), 1.0) == 0.0))
        task = "classification" if integral and len(np.unique(targets)) <= MAX_INFERRED_CLASSES else "regression"
    if task == "regression":
        if not numeric:
            raise ShapeError(f"{name}: regression needs numeric targets, got {targets.dtype} values.")
        return _Table(name, features, targets.astype(np.float64), "regression", ())
    if task != "classification":
        raise ArgumentError(f"task must be 'classification' or 'regression', got {task!r}.")
    values, labels = np.unique(targets, return_inverse=True)
    if len(values) < 2:
        raise ShapeError(f"{name}: classification needs at least two classes; the targets hold only {values[0]!r}.")
    return _Table(name, features, labels.astype(np.int64), "classification",
                  tuple(_class_name(value) for value in values))


def _class_name(value: Any) -> str:
    return str(int(value)) if isinstance(value, (float, np.floating)) and float(value).is_integer() else str(value)


@dataclass(frozen=True)
class _Split:
    """The prepared arrays: standardised float32 features, targets in training units, what was changed."""

    table: _Table
    x_train: np.ndarray
    y_train: np.ndarray
    x_validation: np.ndarray
    y_validation: np.ndarray
    target_mean: float
    target_scale: float
    changed_targets: int
    minority: np.ndarray

    @property
    def n_classes(self) -> int:
        return len(self.table.classes)


def imbalanced(labels: np.ndarray, ratio: float, rng: np.random.Generator) -> np.ndarray:
    """Indices that keep every sample of the majority class and ``majority / ratio`` of each other class (≥ 1)."""
    counts = np.bincount(labels)
    majority = int(np.argmax(counts))
    keep_each = max(1, int(round(counts[majority] / ratio)))
    kept = []
    for label in range(len(counts)):
        members = np.flatnonzero(labels == label)
        if label != majority and len(members) > keep_each:
            members = np.sort(rng.choice(members, size=keep_each, replace=False))
        kept.append(members)
    return np.sort(np.concatenate(kept))


def flip_labels(labels: np.ndarray, fraction: float, n_classes: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """``labels`` with ``round(fraction · n)`` of them moved to another class drawn uniformly."""
    flipped = labels.copy()
    chosen = rng.choice(len(labels), size=int(round(fraction * len(labels))), replace=False)
    shift = rng.integers(1, n_classes, size=len(chosen))
    flipped[chosen] = (labels[chosen] + shift) % n_classes
    return flipped, len(chosen)


def corrupt_targets(targets: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """``targets`` with ``round(fraction · n)`` of them moved by 5 to 10 standard deviations, either sign."""
    corrupted = targets.copy()
    chosen = rng.choice(len(targets), size=int(round(fraction * len(targets))), replace=False)
    low, high = OUTLIER_DEVIATIONS
    deviation = rng.uniform(low, high, size=len(chosen)) * rng.choice([-1.0, 1.0], size=len(chosen))
    corrupted[chosen] += deviation * targets.std()
    return corrupted, len(chosen)


def _prepare(table: _Table, seed: int, imbalance: float | None, outliers: float | None,
             label_noise: float | None) -> _Split:
    """Split, then inject into the training set only: the validation set stays as the data set is."""
    rng = np.random.default_rng(seed)
    classification = table.task == "classification"
    for name, value, fits in (("imbalance", imbalance, classification), ("outliers", outliers, not classification),
                              ("label_noise", label_noise, classification)):
        if value is None:
            continue
        if not fits:
            what = {"imbalance": "subsamples classes", "outliers": "corrupts regression targets",
                    "label_noise": "flips class labels"}[name]
            raise ArgumentError(f"{name}= {what}; {table.name} is a {table.task} data set.")
        valid = value >= 1 if name == "imbalance" else 0 <= value < 1
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not valid:
            wanted = "a ratio majority:minority of at least 1" if name == "imbalance" else "a fraction in [0, 1)"
            raise OptionValueError(f"{name} must be {wanted}, got {value!r}.")
    if len(table.targets) < 8:
        raise ShapeError(f"{table.name}: {len(table.targets)} samples are too few to split; give at least 8.")
    if classification:
        counts = np.bincount(table.targets, minlength=len(table.classes))
        scarce = np.flatnonzero(counts < 2)
        if len(scarce):
            raise ShapeError(
                f"{table.name}: class {table.classes[scarce[0]]!r} has {counts[scarce[0]]} sample(s); the "
                "stratified split needs at least 2 of every class.")
    model_selection = _sklearn("model_selection")
    x_train, x_validation, y_train, y_validation = model_selection.train_test_split(
        table.features, table.targets, test_size=VALIDATION_FRACTION, random_state=seed,
        stratify=table.targets if classification else None)
    changed = 0
    minority = np.array([], dtype=np.int64)
    if classification:
        if imbalance is not None:
            kept = imbalanced(y_train, float(imbalance), rng)
            x_train, y_train = x_train[kept], y_train[kept]
        counts = np.bincount(y_train, minlength=len(table.classes))
        minority = np.flatnonzero(counts == counts.min())
        if label_noise:
            y_train, changed = flip_labels(y_train, float(label_noise), len(table.classes), rng)
    elif outliers:
        y_train, changed = corrupt_targets(y_train, float(outliers), rng)
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0)
    scale[scale == 0] = 1.0
    x_train, x_validation = ((x - mean) / scale for x in (x_train, x_validation))
    target_mean, target_scale = 0.0, 1.0
    if not classification:
        target_mean, target_scale = float(y_train.mean()), float(y_train.std()) or 1.0
        y_train, y_validation = ((y - target_mean) / target_scale for y in (y_train, y_validation))
        y_train, y_validation = y_train.astype(np.float32), y_validation.astype(np.float32)
    return _Split(table, x_train.astype(np.float32), y_train, x_validation.astype(np.float32), y_validation,
                  target_mean, target_scale, changed, minority)


# -------------------------------------------------------------------------------------------- model


def hidden_units(n_features: int) -> int:
    """The width of the hidden layer: twice the features, between 16 and 64."""
    return int(min(64, max(16, 2 * n_features)))


def initial_weights(n_features: int, n_hidden: int, n_outputs: int, seed: int) -> list[np.ndarray]:
    """[W1 (features × hidden), b1, W2 (hidden × outputs), b2] in float32: Glorot-uniform, zero biases."""
    rng = np.random.default_rng([seed, n_features, n_hidden, n_outputs])
    weights = []
    for fan_in, fan_out in ((n_features, n_hidden), (n_hidden, n_outputs)):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        weights += [rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32),
                    np.zeros(fan_out, dtype=np.float32)]
    return weights


def batches(n_train: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The mini-batches of one epoch (1-based): a permutation drawn from (seed, epoch), cut in order."""
    order = np.random.default_rng([seed, epoch]).permutation(n_train)
    return [order[start:start + batch_size] for start in range(0, n_train, batch_size)]


def n_outputs(feed: str, n_classes: int) -> int:
    return n_classes if feed in ("labels", "one_hot") else 1


def training_targets(feed: str, targets: np.ndarray, n_classes: int) -> np.ndarray:
    """The targets as the loss takes them: labels, one-hot float32 rows, 0/1 float32 or float32 values."""
    if feed == "labels":
        return targets.astype(np.int64)
    if feed == "one_hot":
        return np.eye(n_classes, dtype=np.float32)[targets]
    return targets.astype(np.float32)


def loss_on_outputs(name: str, feed: str, options: Mapping[str, Any]) -> Callable[[Any, Any], Any]:
    """``loss(outputs, targets)`` on any framework's tensors: one-output models give their column to the loss."""
    function = generic_function(name)
    if feed in ("labels", "one_hot"):
        return lambda outputs, targets: function(outputs, targets, **options)
    return lambda outputs, targets: function(outputs[:, 0], targets, **options)


# ---------------------------------------------------------------------------------------- frameworks


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules (set to None)
        return False


#: What each framework's trainer imports, and how to install it.
_NEEDS = {"torch": ("torch",), "jax": ("jax", "optax"), "keras": ("keras",)}
_INSTALL = {"torch": "pip install 'lossx[torch]'", "jax": "pip install 'lossx[jax]' optax",
            "keras": "pip install 'lossx[keras]'"}


def available_frameworks() -> tuple[str, ...]:
    """The frameworks the experiment can train on here (found without importing them)."""
    return tuple(name for name in FRAMEWORKS if all(map(_installed, _NEEDS[name])))


def choose_framework(framework: str | None) -> str:
    """``framework`` checked, or the first installed of torch, JAX (with optax) and Keras."""
    available = available_frameworks()
    if framework is None:
        if not available:
            raise MissingFrameworkError(
                "lossx.experiment trains a model on torch, JAX (with optax) or Keras, and none is installed; "
                "install one: " + ", ".join(_INSTALL.values()) + " (or pip install 'lossx[all]').")
        return available[0]
    name = "keras" if framework in ("tensorflow", "tf") else framework
    if name not in FRAMEWORKS:
        raise ArgumentError(f"Unknown framework {framework!r}: use one of {', '.join(FRAMEWORKS)}.")
    if name not in available:
        missing = [module for module in _NEEDS[name] if not _installed(module)]
        raise MissingFrameworkError(
            f"The {name} framework needs {', '.join(missing)}, which is not installed; install it with "
            f"{_INSTALL[name]}. Installed here: {', '.join(available) or 'none of torch, JAX, Keras'}.")
    return name


def trainer(framework: str, weights: Sequence[np.ndarray], loss: Callable[[Any, Any], Any],
            learning_rate: float, momentum: float) -> Any:
    """The ``framework``'s trainer of the model from ``weights``: ``step(x, y) -> float``, ``predict(x)``, ``weights()``."""
    try:
        module = importlib.import_module(f"lossx._experiment_{framework}")
    except ImportError as error:
        raise MissingFrameworkError(
            f"The {framework} framework could not be imported ({error}); install it with {_INSTALL[framework]}.") from None
    return module.Trainer(list(weights), loss, learning_rate, momentum)


# ------------------------------------------------------------------------------------------ metrics


def classification_metrics(labels: np.ndarray, predicted: np.ndarray, minority: np.ndarray) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1 over the classes present, and the mean recall of ``minority``."""
    metrics = _sklearn("metrics")
    present = np.union1d(labels, predicted)
    return {
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "balanced_accuracy": float(metrics.balanced_accuracy_score(labels, predicted)),
        "macro_f1": float(metrics.f1_score(labels, predicted, labels=present, average="macro", zero_division=0)),
        "minority_recall": float(metrics.recall_score(labels, predicted, labels=minority, average="macro",
                                                      zero_division=0)),
    }


def regression_metrics(targets: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Mean absolute error, root mean squared error and median absolute error."""
    metrics = _sklearn("metrics")
    return {
        "mae": float(metrics.mean_absolute_error(targets, predicted)),
        "rmse": float(math.sqrt(metrics.mean_squared_error(targets, predicted))),
        "median_absolute_error": float(metrics.median_absolute_error(targets, predicted)),
    }


def _predictions(feed: str, outputs: np.ndarray) -> np.ndarray:
    """Class labels from logits (argmax, or the sign of one logit) for the metrics."""
    if feed in ("labels", "one_hot"):
        return np.argmax(outputs, axis=1)
    return (outputs[:, 0] > 0).astype(np.int64)


def _sklearn(submodule: str) -> Any:
    try:
        return importlib.import_module(f"sklearn.{submodule}")
    except ImportError as error:
        raise MissingFrameworkError(
            f"lossx.experiment needs scikit-learn (its bundled data sets, split and metrics), which could not be "
            f"imported ({error}); install it with pip install 'lossx[experiment]'.") from None


# --------------------------------------------------------------------------------------- experiment


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
        given = {"losses": losses, "imbalance": imbalance, "outliers": outliers, "label_noise": label_noise,
                 "task": task, "target": target}
        named = [key for key, value in given.items() if value is not None]
        if named:
            raise ArgumentError(
                f"{', '.join(named)} describe one data set; give data= too (without it the experiment runs its "
                "default lesson: breast_cancer with a class imbalance, diabetes with outliers).")
        plans = [dict(step) for step in LESSON]
    else:
        plans = [{"data": data, "losses": losses, "imbalance": imbalance, "outliers": outliers,
                  "label_noise": label_noise, "task": task, "target": target}]
    prepared = []
    for plan in plans:
        table = _load(plan["data"], plan.get("task"), plan.get("target"))
        split = _prepare(table, seed, plan.get("imbalance"), plan.get("outliers"), plan.get("label_noise"))
        choices = _choose_losses(plan.get("losses") or DEFAULT_LOSSES[table.task], table.task, len(table.classes))
        prepared.append((plan, split, choices))
    chosen_framework = choose_framework(framework)
    results = tuple(_train_dataset(chosen_framework, plan, split, choices, epochs, seed, progress)
                    for plan, split, choices in prepared)
    return ExperimentResult(chosen_framework, seed, epochs, BATCH_SIZE, LEARNING_RATE, MOMENTUM, results)


def _train_dataset(framework: str, plan: Mapping[str, Any], split: _Split, choices: Sequence[_LossChoice],
                   epochs: int, seed: int, progress: Callable[[EpochReport], None] | None) -> DatasetResult:
    table = split.table
    classification = table.task == "classification"
    minority = split.minority
    n_hidden = hidden_units(split.x_train.shape[1])
    runs = []
    for index, choice in enumerate(choices):
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
                found = classification_metrics(split.y_validation, _predictions(choice.feed, outputs["validation"]),
                                               minority)
            else:
                found = regression_metrics(split.y_validation * split.target_scale + split.target_mean,
                                           outputs["validation"][:, 0] * split.target_scale + split.target_mean)
            for name, value in found.items():
                history.setdefault(name, []).append(value)
            if progress is not None:
                progress(EpochReport(table.name, choice.label, index, len(choices), epoch, epochs,
                                     history["train_loss"][-1], history["validation_loss"][-1]))

        with model:
            evaluate(0)
            for epoch in range(1, epochs + 1):
                for batch in batches(len(split.x_train), BATCH_SIZE, seed, epoch):
                    model.step(split.x_train[batch], train_targets[batch])
                evaluate(epoch)
        runs.append(LossResult(
            choice.name, _plain(dict(options)), choice.label, tuple(range(epochs + 1)),
            tuple(history.pop("train_loss")), tuple(history.pop("validation_loss")),
            {name: tuple(values) for name, values in history.items()}))
    counts = np.bincount(split.y_train, minlength=split.n_classes) if classification else np.array([], dtype=int)
    return DatasetResult(
        data=table.name, task=table.task, n_train=len(split.x_train), n_validation=len(split.x_validation),
        n_features=split.x_train.shape[1], hidden_units=n_hidden, classes=table.classes,
        train_class_counts=tuple(int(count) for count in counts),
        minority_classes=tuple(table.classes[label] for label in minority),
        imbalance=None if plan.get("imbalance") is None else float(plan["imbalance"]),
        outliers=None if plan.get("outliers") is None else float(plan["outliers"]),
        label_noise=None if plan.get("label_noise") is None else float(plan["label_noise"]),
        changed_targets=split.changed_targets, losses=tuple(runs))


# ------------------------------------------------------------------------------------------- figure


def require_matplotlib() -> None:
    """Refuse, naming the extra, when matplotlib cannot be imported (before any training, in the CLI)."""
    try:
        importlib.import_module("matplotlib.figure")
    except ImportError as error:
        raise MissingFrameworkError(
            f"The experiment's figure needs matplotlib, which could not be imported ({error}); install it with "
            "pip install 'lossx[plot]'.") from None


def _figure(result: ExperimentResult) -> Figure:
    require_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    rows = len(result.datasets)
    figure = Figure(figsize=(12, 3.7 * rows), layout="constrained")
    axes = figure.subplots(rows, 3, squeeze=False)
    colours = [f"C{index}" for index in range(10)]
    for row, dataset in zip(axes, result.datasets):
        loss_axes, *metric_axes = row
        for index, run in enumerate(dataset.losses):
            colour = colours[index % len(colours)]
            loss_axes.plot(run.epochs, run.train_loss, color=colour, linestyle="--", linewidth=1.2)
            loss_axes.plot(run.epochs, run.validation_loss, color=colour, linewidth=1.8, label=run.label)
            for axes_, metric in zip(metric_axes, FIGURE_METRICS[dataset.task]):
                axes_.plot(run.epochs, run.metrics[metric], color=colour, linewidth=1.8)
        loss_axes.set_yscale("log")
        loss_axes.set_title("loss (log scale): dashed train, solid validation", fontsize=10)
        loss_axes.set_ylabel(dataset.data, fontsize=11, fontweight="bold")
        for axes_, metric in zip(metric_axes, FIGURE_METRICS[dataset.task]):
            # Scaled to the trained epochs: the untrained model's metric (epoch 0) may lie far off them.
            trained = [value for run in dataset.losses for value in run.metrics[metric][1:]]
            if trained and max(trained) > min(trained):
                margin = 0.08 * (max(trained) - min(trained))
                axes_.set_ylim(min(trained) - margin, max(trained) + margin)
            units = "" if HIGHER_IS_BETTER[metric] else " (target units)"
            better = "higher" if HIGHER_IS_BETTER[metric] else "lower"
            axes_.set_title(f"validation {METRIC_TITLES[metric]}{units}, {better} is better", fontsize=10)
        for axes_ in row:
            axes_.set_xlabel("epoch")
            axes_.grid(alpha=0.3)
        handles = [Line2D([], [], color=colours[index % len(colours)], linewidth=1.8, label=run.label)
                   for index, run in enumerate(dataset.losses)]
        metric_axes[-1].legend(handles=handles, fontsize=9, loc="best", title=dataset.injection or None,
                               title_fontsize=9)
    figure.suptitle(f"lossx experiment on {result.framework}: {result.epochs} epochs, seed {result.seed}",
                    fontsize=12)
    return figure


# ---------------------------------------------------------------------------------------------- CLI

EXIT_STATUS = ("Exit status: 0 when every loss is trained and the files are written; 2 for an unknown data set, "
               "loss or framework, a loss that does not fit the task, a data file whose shape does not fit, a "
               "missing framework, scikit-learn or matplotlib, or a bad argument.")


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``lossx experiment`` with the ``lossx`` command's subparsers."""
    command = commands.add_parser(
        "experiment", help="train a small model with several losses and compare them", epilog=EXIT_STATUS,
        description="Trains one small model (an MLP) with each loss on the same split of a data set, with fixed "
                    "seeds, on torch, JAX or Keras, and prints the final training and validation loss and the "
                    "task's validation metrics; writes results.json, summary.csv, history.csv and curves.png (the "
                    "loss and metric curves over epochs) to --out. Without --data it runs the lesson: "
                    "breast_cancer with a 10:1 class imbalance (cross-entropy, class-weighted cross-entropy, focal) "
                    "and diabetes with 10% outliers (MSE, MAE, Huber, log-cosh). docs/experiment.md explains it.")
    command.add_argument("--data", metavar="DATA",
                         help=f"{', '.join(DATASETS)} (scikit-learn's bundled sets), or a .csv file (header row, "
                              "numeric features, a target column) or a .npz file (arrays X and y)")
    command.add_argument("--losses", nargs="+", metavar="LOSS",
                         help="lossx losses, each NAME or NAME:key=value[,key=value], e.g. huber:delta=0.5 or "
                              f"scce:class_weight={BALANCED} (default: the lesson's losses for the task)")
    command.add_argument("--framework", choices=FRAMEWORKS,
                         help="torch, jax (with optax) or keras (default: the first installed, in that order)")
    command.add_argument("--imbalance", type=float, metavar="R",
                         help="subsample the training set's other classes to 1/R of its largest class")
    command.add_argument("--outliers", type=float, metavar="F",
                         help="move a fraction F of the training targets by 5 to 10 standard deviations")
    command.add_argument("--label-noise", type=float, metavar="F",
                         help="move a fraction F of the training labels to another class")
    command.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, metavar="N",
                         help=f"passes over the training set (default: {DEFAULT_EPOCHS})")
    command.add_argument("--seed", type=int, default=0, metavar="S",
                         help="seed of the split, injections, initial weights and batches (default: 0)")
    command.add_argument("--task", choices=("classification", "regression"),
                         help="the task of a data file (default: integer targets with at most "
                              f"{MAX_INFERRED_CLASSES} values, or text, are classes)")
    command.add_argument("--target", metavar="COLUMN",
                         help="the target column of a CSV file (default: 'target', else the last column)")
    command.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                         help=f"where the files go (default: ./{DEFAULT_OUT})")
    command.add_argument("--quiet", action="store_true", help="no progress display")


def run(console: Console, arguments: argparse.Namespace) -> int:
    """``lossx experiment``: train, print the tables, write the files; the exit status."""
    import logging

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Column

    require_matplotlib()
    # Each loss trains its own Keras model, whose step TensorFlow traces anew and warns about.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    progress = Progress(TextColumn("{task.description}", table_column=Column(max_width=34, no_wrap=True,
                                                                             overflow="ellipsis")),
                        BarColumn(bar_width=10), MofNCompleteColumn(), TextColumn("{task.fields[losses]}"),
                        console=console, transient=True, disable=arguments.quiet or not console.is_terminal)
    tasks: dict[tuple[str, int], Any] = {}

    def report(epoch: EpochReport) -> None:
        key = (epoch.data, epoch.loss_index)
        if key not in tasks:
            tasks[key] = progress.add_task(f"{epoch.data}: {epoch.loss}", total=epoch.epochs, losses="")
        progress.update(tasks[key], completed=epoch.epoch,
                        losses=f"train {epoch.train_loss:.3g} val {epoch.validation_loss:.3g}")

    with progress:
        result = experiment(arguments.data, losses=arguments.losses, framework=arguments.framework,
                            imbalance=arguments.imbalance, outliers=arguments.outliers,
                            label_noise=arguments.label_noise, epochs=arguments.epochs, seed=arguments.seed,
                            task=arguments.task, target=arguments.target, progress=report)
    print_result(console, result)
    written = result.save(arguments.out)
    directory = Path(arguments.out)
    names = [path.name for path in written]
    console.print(f"Wrote {', '.join(names[:-1])} and {names[-1]} to {directory}{os.sep}; the figure is "
                  f"{directory / 'curves.png'}.")
    return 0


def print_result(console: Console, result: ExperimentResult) -> None:
    """The settings, then per data set its table of final numbers and the lesson's sentence."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console.print(Text(
        f"lossx experiment on {result.framework}: an MLP with one hidden ReLU layer, SGD (learning rate "
        f"{result.learning_rate:g}, momentum {result.momentum:g}), batches of {result.batch_size}, {result.epochs} "
        f"epochs, seed {result.seed}; the same initial weights and batches for every loss."))
    for dataset in result.datasets:
        console.print()
        console.print(Text(dataset.title, style="bold"))
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
        table.add_column("loss", min_width=max(len(word) for run in dataset.losses for word in run.label.split()))
        table.add_column("train\nloss", justify="right")
        table.add_column("val.\nloss", justify="right")
        for metric in dataset.metric_names:
            table.add_column(METRIC_HEADINGS[metric], justify="right")
        digits = 3 if dataset.task == "classification" else 1
        for run in dataset.losses:
            final = run.final()
            table.add_row(run.label, f"{final['train_loss']:.4f}", f"{final['validation_loss']:.4f}",
                          *(f"{final[metric]:.{digits}f}" for metric in dataset.metric_names))
        console.print(table)
        if dataset.task == "classification":
            note = (f"Training set: {_counts_text(dataset)} (minority: {', '.join(dataset.minority_classes)})"
                    + (f", {dataset.changed_targets} labels flipped" if dataset.changed_targets else "")
                    + ". Metrics on the validation set.")
        else:
            note = ((f"{dataset.changed_targets} of {dataset.n_train} training targets made outliers. "
                     if dataset.changed_targets else "")
                    + "Losses on standardised targets; metrics in the targets' units, on the validation set.")
        console.print(Text(note, style="dim"))
        console.print(Text(dataset.headline()))


def _counts_text(dataset: DatasetResult) -> str:
    return ", ".join(f"{name} {count}" for name, count in zip(dataset.classes, dataset.train_class_counts))
