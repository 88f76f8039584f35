"""The experiment's data: scikit-learn's bundled sets or a CSV or .npz file, the split, and what is
injected into the training set (a class imbalance, outliers, label noise)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._errors import ArgumentError, OptionValueError, ShapeError
from .._suggest.files import _is_number
from .dependencies import _sklearn

Task = Literal["classification", "regression"]

#: scikit-learn's bundled data sets (no download), by the name ``data=`` takes, and their task.
DATASETS: dict[str, Task] = {
    "digits": "classification",
    "breast_cancer": "classification",
    "wine": "classification",
    "diabetes": "regression",
}


#: The share of the samples held out for validation (stratified for classification).
VALIDATION_FRACTION = 0.25
#: An outlier moves its target by this many standard deviations of the training targets (either sign).
OUTLIER_DEVIATIONS = (5.0, 10.0)
#: Integer targets with at most this many distinct values are read as class labels (files only).
MAX_INFERRED_CLASSES = 20


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
            "feature columns and a target column) or a .npz file (arrays X and y); docs/experiment.md."
        )
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
                    f"it has {', '.join(archive.files) or 'no arrays'}."
                )
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
        raise ShapeError(f"{path}: line {ragged[0]} has a different number of fields than the header ({len(header)}).")
    column = header.index(target)
    features = []
    for number, row in enumerate(body, 2):
        try:
            features.append([float(value) for index, value in enumerate(row) if index != column])
        except ValueError:
            bad = next(index for index, value in enumerate(row) if index != column and not _is_number(value))
            raise ShapeError(
                f"{path}: line {number}, column {header[bad]!r} holds {row[bad]!r}; every column but the target "
                f"{target!r} must be a number."
            ) from None
    labels = [row[column].strip() for row in body]
    targets = np.array([float(value) for value in labels]) if all(map(_is_number, labels)) else np.array(labels)
    return np.array(features, dtype=np.float64).reshape(len(body), len(header) - 1), targets


def _from_arrays(name: str, features: Any, targets: Any, task: Task | None) -> _Table:
    features = np.asarray(features)
    targets = np.asarray(targets)
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets[:, 0]
    if features.ndim != 2 or targets.ndim != 1 or len(features) != len(targets):
        raise ShapeError(
            f"{name}: the features must be one row per sample (samples × features) and the targets one value per "
            f"sample; got features of shape {features.shape} and targets of shape {targets.shape}."
        )
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
    return _Table(
        name, features, labels.astype(np.int64), "classification", tuple(_class_name(value) for value in values)
    )


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
    keep_each = max(1, int(np.rint(counts[majority] / ratio)))  # an int under NumPy 1.x too
    kept = []
    for label in range(len(counts)):
        members = np.flatnonzero(labels == label)
        if label != majority and len(members) > keep_each:
            members = np.sort(rng.choice(members, size=keep_each, replace=False))
        kept.append(members)
    return np.sort(np.concatenate(kept))


def flip_labels(
    labels: np.ndarray, fraction: float, n_classes: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """``labels`` with ``round(fraction · n)`` of them moved to another class drawn uniformly."""
    flipped = labels.copy()
    chosen = rng.choice(len(labels), size=int(np.rint(fraction * len(labels))), replace=False)
    shift = rng.integers(1, n_classes, size=len(chosen))
    flipped[chosen] = (labels[chosen] + shift) % n_classes
    return flipped, len(chosen)


def corrupt_targets(targets: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """``targets`` with ``round(fraction · n)`` of them moved by 5 to 10 standard deviations, either sign."""
    corrupted = targets.copy()
    chosen = rng.choice(len(targets), size=int(np.rint(fraction * len(targets))), replace=False)
    low, high = OUTLIER_DEVIATIONS
    deviation = rng.uniform(low, high, size=len(chosen)) * rng.choice([-1.0, 1.0], size=len(chosen))
    corrupted[chosen] += deviation * targets.std()
    return corrupted, len(chosen)


def _prepare(
    table: _Table, seed: int, imbalance: float | None, outliers: float | None, label_noise: float | None
) -> _Split:
    """Split, then inject into the training set only: the validation set stays as the data set is."""
    rng = np.random.default_rng(seed)
    classification = table.task == "classification"
    for name, value, fits in (
        ("imbalance", imbalance, classification),
        ("outliers", outliers, not classification),
        ("label_noise", label_noise, classification),
    ):
        if value is None:
            continue
        if not fits:
            what = {
                "imbalance": "subsamples classes",
                "outliers": "corrupts regression targets",
                "label_noise": "flips class labels",
            }[name]
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
                "stratified split needs at least 2 of every class."
            )
    model_selection = _sklearn("model_selection")
    x_train, x_validation, y_train, y_validation = model_selection.train_test_split(
        table.features,
        table.targets,
        test_size=VALIDATION_FRACTION,
        random_state=seed,
        stratify=table.targets if classification else None,
    )
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
    return _Split(
        table,
        x_train.astype(np.float32),
        y_train,
        x_validation.astype(np.float32),
        y_validation,
        target_mean,
        target_scale,
        changed,
        minority,
    )
