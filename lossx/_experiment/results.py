"""What ``lossx.experiment`` returns: each loss's curves per data set, and their files."""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .data import Task
from .figure import _figure
from .metrics import CLASSIFICATION_METRICS, HEADLINE_METRIC, HIGHER_IS_BETTER, METRIC_TITLES, REGRESSION_METRICS

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
        return {
            "train_loss": self.train_loss[-1],
            "validation_loss": self.validation_loss[-1],
            **{name: values[-1] for name, values in self.metrics.items()},
        }


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
        return _plain(
            {
                "framework": self.framework,
                "seed": self.seed,
                "epochs": self.epochs,
                "batch_size": self.batch_size,
                "learning_rate": self.learning_rate,
                "momentum": self.momentum,
                "optimizer": "SGD with momentum",
                "model": "MLP: one hidden ReLU layer",
                "datasets": [_dataset_dict(dataset) for dataset in self.datasets],
            }
        )

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    def write_csv(self, path: str | os.PathLike[str], *, per_epoch: bool = False) -> Path:
        """The final table (one row per data set and loss), or with ``per_epoch`` every epoch's numbers."""
        path = Path(path)
        metrics = [
            name
            for name in (*CLASSIFICATION_METRICS, *REGRESSION_METRICS)
            if any(name in dataset.metric_names for dataset in self.datasets)
        ]
        header = ["data", "task", "loss", *(["epoch"] if per_epoch else []), "train_loss", "validation_loss", *metrics]
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for dataset in self.datasets:
                for run in dataset.losses:
                    epochs = range(len(run.epochs)) if per_epoch else [len(run.epochs) - 1]
                    for index in epochs:
                        writer.writerow(
                            [
                                dataset.data,
                                dataset.task,
                                run.label,
                                *([run.epochs[index]] if per_epoch else []),
                                _number(run.train_loss[index]),
                                _number(run.validation_loss[index]),
                                *(_number(run.metrics[name][index]) if name in run.metrics else "" for name in metrics),
                            ]
                        )
        return path

    def figure(self) -> Figure:
        """The loss and metric curves over the epochs: one row of panels per data set."""
        return _figure(self)

    def save(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write ``results.json``, ``summary.csv``, ``history.csv`` and ``curves.png`` into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = [
            self.write_json(directory / "results.json"),
            self.write_csv(directory / "summary.csv"),
            self.write_csv(directory / "history.csv", per_epoch=True),
        ]
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
        "data": dataset.data,
        "task": dataset.task,
        "n_train": dataset.n_train,
        "n_validation": dataset.n_validation,
        "n_features": dataset.n_features,
        "hidden_units": dataset.hidden_units,
        "classes": list(dataset.classes),
        "train_class_counts": list(dataset.train_class_counts),
        "minority_classes": list(dataset.minority_classes),
        "imbalance": dataset.imbalance,
        "outliers": dataset.outliers,
        "label_noise": dataset.label_noise,
        "changed_targets": dataset.changed_targets,
        "final": dataset.rows(),
        "losses": [
            {
                "loss": run.loss,
                "options": dict(run.options),
                "label": run.label,
                "epochs": list(run.epochs),
                "train_loss": list(run.train_loss),
                "validation_loss": list(run.validation_loss),
                "metrics": {name: list(values) for name, values in run.metrics.items()},
            }
            for run in dataset.losses
        ],
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
