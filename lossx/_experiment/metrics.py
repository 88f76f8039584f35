"""The validation metrics of each task, and what they are called and which way is better."""

from __future__ import annotations

import math

import numpy as np

from .dependencies import _sklearn

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "minority_recall")
REGRESSION_METRICS = ("mae", "rmse", "median_absolute_error")
#: Column titles of the metrics in tables and figures.
METRIC_TITLES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "macro_f1": "macro-F1",
    "minority_recall": "minority recall",
    "mae": "MAE",
    "rmse": "RMSE",
    "median_absolute_error": "median AE",
}


#: For each metric, whether higher is better (for the summary line of the lesson).
HIGHER_IS_BETTER = {
    "accuracy": True,
    "balanced_accuracy": True,
    "macro_f1": True,
    "minority_recall": True,
    "mae": False,
    "rmse": False,
    "median_absolute_error": False,
}
#: The metric each task's lesson is read from.
HEADLINE_METRIC: dict[str, str] = {"classification": "minority_recall", "regression": "mae"}


def classification_metrics(labels: np.ndarray, predicted: np.ndarray, minority: np.ndarray) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1 over the classes present, and the mean recall of ``minority``."""
    metrics = _sklearn("metrics")
    present = np.union1d(labels, predicted)
    return {
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "balanced_accuracy": float(metrics.balanced_accuracy_score(labels, predicted)),
        "macro_f1": float(metrics.f1_score(labels, predicted, labels=present, average="macro", zero_division=0)),
        "minority_recall": float(
            metrics.recall_score(labels, predicted, labels=minority, average="macro", zero_division=0)
        ),
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
