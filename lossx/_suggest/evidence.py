"""The numbers a choice rests on: class counts, imbalance and weights for classes; skew, robust scale,
outliers and the Huber delta for values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._errors import ShapeError
from .arrays import _Values
from .definitions import _CLASSIFICATION, _MAD_TO_SIGMA, _MEAN_AD_TO_SIGMA, _VALUES, HUBER_K, OUTLIER_Z
from .task import _Reading
from .text import _plain, _vector


def _class_statistics(
    reading: _Reading, values: _Values, layout: str | None, predictions: _Values | None
) -> dict[str, Any]:
    """classes, class counts, imbalance, class weights, focal alpha and pos_weight, where they apply."""
    empty: dict[str, Any] = dict.fromkeys(
        (
            "classes",
            "class_counts",
            "imbalance_ratio",
            "class_weight_inverse",
            "class_weight_effective",
            "effective_number_beta",
            "focal_alpha",
            "pos_weight",
        )
    )
    if reading.task not in _CLASSIFICATION:
        if "multiclass" in reading.alternatives:
            return {**empty, "classes": tuple(_plain(c) for c in values.distinct[0])}
        return empty
    form = reading.format
    notes: list[str] = []
    multilabel = form == "multi_hot" or (form == "soft" and values.ndim == 2 and not values.column)
    if form == "labels":
        present, counts = values.distinct
        width = predictions.shape[-1] if predictions is not None and layout == "class_axis" else None
        if values.zero_one or values.contiguous or (width is not None and values.low >= 0 and values.high < width):
            if width is not None and values.high >= width:
                raise ShapeError(
                    f"the labels go up to {_plain(values.high)} but y_pred has {width} columns; give "
                    "one column per class."
                )
            classes = np.arange(max(int(values.high) + 1, 2 if values.zero_one else 0, width or 0))
        else:
            classes = present
            if width is not None and width != len(classes):
                raise ShapeError(
                    f"the targets have {len(classes)} classes ({_vector(tuple(classes))}) but y_pred "
                    f"has {width} columns; give one column per class."
                )
            notes.append(
                f"the labels are not 0..C−1: the class index of a label is its position in {_vector(tuple(classes))}."
            )
        class_counts = np.zeros(len(classes))
        class_counts[np.searchsorted(classes, present)] = counts
    elif form == "soft" and not multilabel:
        positives = float(values.numbers.sum())
        classes, class_counts = np.arange(2), np.array([values.size - positives, positives])
    else:
        classes = np.arange(values.shape[-1])
        class_counts = values.array.reshape(-1, values.shape[-1]).sum(axis=0, dtype=np.float64)
    result = {
        **empty,
        "classes": tuple(_plain(c) for c in classes),
        "class_counts": tuple(_plain(c) for c in class_counts),
        "notes": notes,
    }
    if multilabel:
        rows = values.size // values.shape[-1]
        negatives = rows - class_counts
        smaller = np.minimum(class_counts, negatives)
        ratios = np.divide(
            np.maximum(class_counts, negatives), smaller, out=np.full(len(smaller), np.inf), where=smaller > 0
        )
        result["imbalance_ratio"] = float(ratios.max())
        result["focal_alpha"] = float(negatives.sum() / values.size)
        if np.any(class_counts > 0):
            result["pos_weight"] = tuple(_absent_as_rarest(negatives, class_counts).tolist())
        never_positive = np.flatnonzero(class_counts == 0)
        if len(never_positive):
            notes.append(f"labels {_vector(tuple(int(a) for a in never_positive))} have no positive target.")
        return result
    present_classes = int(np.count_nonzero(class_counts))
    result["imbalance_ratio"] = float(class_counts.max() / class_counts.min()) if class_counts.min() > 0 else math.inf
    if present_classes < 2:
        only = _plain(classes[int(np.argmax(class_counts))])
        notes.append(
            f"only class {only} occurs: a classifier cannot learn to tell classes apart from these "
            "targets; check that the data holds every class."
        )
        return result
    total = float(class_counts.sum())
    inverse = _absent_as_rarest(np.full(len(class_counts), total / len(class_counts)), class_counts)
    beta = (total - 1.0) / total
    if total > 1:
        effective_number = -total * np.expm1(class_counts * math.log1p(-1.0 / total))
    else:
        # One soft target: β = 0, and the effective number of every present class is 1.
        effective_number = (class_counts > 0).astype(np.float64)
    effective = _absent_as_rarest(np.ones(len(class_counts)), effective_number)
    effective = effective * len(class_counts) / effective.sum()
    result.update(
        class_weight_inverse=tuple(inverse.tolist()),
        class_weight_effective=tuple(effective.tolist()),
        effective_number_beta=beta,
    )
    alpha = inverse / inverse.sum()
    if len(classes) == 2:
        result["focal_alpha"] = float(alpha[1])
        result["pos_weight"] = float(class_counts[0] / class_counts[1]) if class_counts[1] > 0 else None
    else:
        result["focal_alpha"] = tuple(alpha.tolist())
    absent = [_plain(c) for c, n in zip(classes, class_counts, strict=True) if n == 0]
    if absent:
        notes.append(f"classes {_vector(tuple(absent))} have no target: they get the rarest class's weight.")
    return result


def _absent_as_rarest(numerator: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """numerator / counts, where a count of 0 takes the largest ratio of the others."""
    ratio = np.divide(numerator, counts, out=np.zeros(len(counts)), where=counts > 0)
    return np.where(counts > 0, ratio, ratio.max())


def _spread_statistics(reading: _Reading, values: _Values, predictions: _Values | None) -> dict[str, Any]:
    """skew, robust scale, outlier fraction and Huber delta, for value tasks."""
    fields = ("skew", "robust_scale", "outlier_fraction", "outlier_basis", "huber_delta")
    if reading.task not in _VALUES:
        return dict.fromkeys(fields)
    basis, sample = "targets", values.numbers
    if predictions is not None and predictions.shape == values.shape:
        basis, sample = "residuals", predictions.numbers - values.numbers
    median = float(np.median(sample))
    deviation = np.abs(sample - median)
    scale = _MAD_TO_SIGMA * float(np.median(deviation))
    if scale == 0:
        scale = _MEAN_AD_TO_SIGMA * float(deviation.mean())
    outliers = float(np.count_nonzero(deviation > OUTLIER_Z * scale) / sample.size)
    return {
        "skew": values.skew,
        "robust_scale": scale,
        "outlier_fraction": outliers,
        "outlier_basis": basis,
        "huber_delta": HUBER_K * scale if 0 < HUBER_K * scale < math.inf else None,
    }
