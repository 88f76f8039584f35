"""Independent mpmath references of the margin losses (see tests/support/reference/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.support.reference import helpers as M


def _signs(y_true):
    return np.where(y_true == 0, -M.ONE, y_true)


def squared_hinge(y_pred, y_true):
    return M.positive_part(1 - _signs(y_true) * y_pred) ** 2, None, None


def multi_margin(y_pred, labels, p=1, margin=1.0, axis=-1, class_weight=None):
    """Σ_{c≠y} max(0, m − x_y + x_c)^p / C, times w_y; written as an explicit loop over classes."""
    labels = np.asarray(labels)
    scores = np.moveaxis(y_pred, axis, -1)
    num_classes = scores.shape[-1]
    margin = M.mp_scalar(margin)
    value = np.empty(labels.shape, dtype=object)
    for index in np.ndindex(labels.shape):
        row, label = scores[index], int(labels[index])
        total = M.ZERO
        for c in range(num_classes):
            if c != label:
                total += max(M.ZERO, margin - row[label] + row[c]) ** p
        value[index] = total / num_classes
    if class_weight is None:
        return value, None, None
    weight = M.mp_array(class_weight)[labels]
    return weight * value, weight, None


def soft_margin(y_pred, y_true):
    return M.log(1 + M.exp(-_signs(y_true) * y_pred)), None, None


def multilabel_soft_margin(y_pred, y_true, axis=-1, class_weight=None):
    """−(1/C)·Σ_c w_c·[t·log σ(x) + (1−t)·log(1−σ(x))]."""
    log_p, log_not_p = M.sigmoid_logs(y_pred)
    terms = -(y_true * log_p + (1 - y_true) * log_not_p)
    if class_weight is not None:
        terms = M.class_vector(class_weight, y_pred.ndim, axis) * terms
    return np.sum(terms, axis=axis) / y_pred.shape[axis], None, None


def multilabel_margin(y_pred, label_lists, axis=-1):
    """Σ_{j∈Y} Σ_{i∉Y} max(0, 1 − (x_j − x_i)) / C, Y the labels before the first −1; a loop per entry."""
    scores = np.moveaxis(y_pred, axis, -1)
    lists = np.moveaxis(np.asarray(label_lists), axis, -1)
    num_classes = scores.shape[-1]
    value = np.empty(scores.shape[:-1], dtype=object)
    for index in np.ndindex(value.shape):
        labels = []
        for label in lists[index]:
            if label == -1:
                break
            labels.append(int(label))
        row, total = scores[index], M.ZERO
        for j in labels:
            for i in range(num_classes):
                if i not in labels:
                    total += max(M.ZERO, 1 - (row[j] - row[i]))
        value[index] = total / num_classes
    return value, None, None


def perceptron(y_pred, y_true):
    return M.positive_part(-_signs(y_true) * y_pred), None, None


def multiclass_perceptron(y_pred, labels, axis=-1):
    """max_c x_c − x_y, the maximum found by a loop over the classes."""
    labels = np.asarray(labels)
    scores = np.moveaxis(y_pred, axis, -1)
    value = np.empty(labels.shape, dtype=object)
    for index in np.ndindex(labels.shape):
        row = scores[index]
        largest = row[0]
        for score in row[1:]:
            largest = max(largest, score)
        value[index] = largest - row[int(labels[index])]
    return value, None, None


LOSSES: dict[str, Callable[..., tuple]] = {
    f.__name__: f
    for f in (
        squared_hinge,
        multi_margin,
        soft_margin,
        multilabel_soft_margin,
        multilabel_margin,
        perceptron,
        multiclass_perceptron,
    )
}
