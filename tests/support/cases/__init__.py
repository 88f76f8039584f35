"""The option sets of the cross-backend matrix for the nine core losses, and
the pieces every family's cases share (:class:`Case`, input helpers).

A case draws NumPy inputs (float inputs float32-representable, so one float64
reference serves both dtypes; integer inputs as int64) and names which inputs the
gradient is checked for (``wrt``, positions in the loss's input order).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def f32(x: np.ndarray) -> np.ndarray:
    """Round to float32 and back: the same inputs are then exact in both dtypes."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def softmax(logits: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def one_hot(labels: np.ndarray, num_classes: int, axis: int) -> np.ndarray:
    return np.moveaxis(np.eye(num_classes)[labels], -1, axis)


def away_from(values: np.ndarray, kinks: tuple[float, ...], gap: float = 1e-3) -> bool:
    return all(np.all(np.abs(values - kink) > gap) for kink in kinks)


def _regression(rng, options):
    delta = options.get("delta", 1.0)
    while True:
        y_pred, y_true = f32(rng.standard_normal((3, 4)) * 1.5), f32(rng.standard_normal((3, 4)))
        # Away from the kinks of |e| (0) and of huber (δ).
        if away_from(np.abs(y_pred - y_true), (0.0, delta)):
            return y_pred, y_true


def _binary(rng, options, soft=False):
    logits = rng.standard_normal((3, 4)) * 2
    y_pred = logits if options.get("from_logits") else np.clip(1 / (1 + np.exp(-logits)), 0.02, 0.98)
    y_true = rng.random((3, 4)) if soft else (rng.random((3, 4)) < 0.5).astype(np.float64)
    return f32(y_pred), f32(y_true)


def _categorical(rng, options, soft=False):
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 2, 4)
    logits = rng.standard_normal(shape) * 2
    y_pred = logits if options.get("from_logits") else softmax(logits, axis)
    if soft:
        y_true = softmax(rng.standard_normal(shape), axis)
    else:
        labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
        y_true = one_hot(labels, shape[axis], axis)
    return f32(y_pred), f32(y_true)


def _labels(rng, options):
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 2, 4)
    logits = rng.standard_normal(shape) * 2
    y_pred = logits if options.get("from_logits") else softmax(logits, axis)
    label_shape = tuple(np.delete(shape, axis % len(shape)))
    labels = rng.integers(0, shape[axis], label_shape)
    if options.get("ignore_index") == -100:
        labels.flat[[0, 4]] = -100
    elif options.get("ignore_index") is not None:
        labels.flat[[1, 2]] = options["ignore_index"]
    return f32(y_pred), labels.astype(np.int64)


def _slice_labels(rng, options):
    """Logits (2, 2, 2, 3) over class axes (1, 2), four classes per slice, and labels of shape (2, 3)
    holding each class's row-major index in its slice (optax's axis=(1, 2))."""
    labels = rng.integers(0, 4, (2, 3))
    labels.flat[[0, 4]] = -100
    return f32(rng.standard_normal((2, 2, 2, 3)) * 2), labels.astype(np.int64)


def _hinge(rng, options, zero_one=False, margin=1.0):
    """Scores and −1/1 (or 0/1) targets, every ``margin − t·y`` away from the kink at 0."""
    while True:
        y_pred = f32(rng.standard_normal((3, 4)) * 1.5)
        signs = rng.choice([-1.0, 1.0], (3, 4))
        if away_from(margin - signs * y_pred, (0.0,)):
            return y_pred, (signs + 1) / 2 if zero_one else signs


def _categorical_hinge(rng, options):
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 4)
    while True:
        y_pred = f32(rng.standard_normal(shape) * 1.5)
        labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
        y_true = one_hot(labels, shape[axis], axis)
        # Away from the kink of the max over classes and of the outer max(·, 0).
        scores = np.sort(np.moveaxis((1 - y_true) * y_pred, axis, -1), axis=-1)
        margin = 1 + scores[..., -1] - np.sum(y_true * y_pred, axis=axis)
        if np.all(scores[..., -1] - scores[..., -2] > 1e-3) and away_from(margin, (0.0,)):
            return y_pred, y_true


BASE_WEIGHTINGS = ("none", "sw")
LABEL_WEIGHTINGS = (*BASE_WEIGHTINGS, "mask")


@dataclass(frozen=True, eq=False)
class Case:
    """One option set of one loss.

    ``make(rng, options)`` draws the NumPy inputs, in the loss's input order;
    ``weightings`` are the sample-weight/mask variants run; ``wrt`` the positions of
    the inputs whose gradients are checked.
    """

    short: str
    loss: str
    option_id: str
    options: dict
    make: Callable[..., tuple]
    weightings: tuple[str, ...] = BASE_WEIGHTINGS
    wrt: tuple[int, ...] = (0,)

    @property
    def id(self) -> str:
        return f"{self.short}-{self.option_id}"


CW4 = (1.0, 2.0, 0.5, 3.0)  # exact in float32, like every constant here but ε
SCCE_WEIGHTINGS = (*LABEL_WEIGHTINGS, "sw-mask", "allmasked")
CASES = [
    Case("mse", "mean_squared_error", "default", {}, _regression),
    Case("mae", "mean_absolute_error", "default", {}, _regression),
    Case("huber", "huber", "delta0.5", {"delta": 0.5}, _regression),
    Case("huber", "huber", "delta2", {"delta": 2.0}, _regression),
    Case("bce", "binary_cross_entropy", "probs", {}, _binary, LABEL_WEIGHTINGS),
    Case("bce", "binary_cross_entropy", "from_logits", {"from_logits": True}, _binary, LABEL_WEIGHTINGS),
    Case(
        "bce",
        "binary_cross_entropy",
        "from_logits-ls0.1-pw2",
        {"from_logits": True, "label_smoothing": 0.1, "pos_weight": 2.0},
        _binary,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "bce",
        "binary_cross_entropy",
        "probs-pwvec-soft",
        {"pos_weight": CW4},
        functools.partial(_binary, soft=True),
        LABEL_WEIGHTINGS,
    ),
    Case("focal", "binary_focal_cross_entropy", "probs-gamma2", {}, _binary),
    Case("focal", "binary_focal_cross_entropy", "from_logits-alpha0.25", {"from_logits": True, "alpha": 0.25}, _binary),
    Case(
        "focal",
        "binary_focal_cross_entropy",
        "from_logits-gamma0.5-ls0.1",
        {"from_logits": True, "gamma": 0.5, "label_smoothing": 0.1},
        _binary,
    ),
    Case(
        "focal",
        "binary_focal_cross_entropy",
        "probs-alpha0.25-gamma0-ls0.1",
        {"alpha": 0.25, "gamma": 0.0, "label_smoothing": 0.1},
        _binary,
    ),
    Case("cce", "categorical_cross_entropy", "from_logits", {"from_logits": True}, _categorical, LABEL_WEIGHTINGS),
    Case("cce", "categorical_cross_entropy", "probs-ls0.1", {"label_smoothing": 0.1}, _categorical, LABEL_WEIGHTINGS),
    Case(
        "cce",
        "categorical_cross_entropy",
        "from_logits-cw-soft",
        {"from_logits": True, "class_weight": CW4},
        functools.partial(_categorical, soft=True),
        LABEL_WEIGHTINGS,
    ),
    Case(
        "cce",
        "categorical_cross_entropy",
        "axis1-from_logits-ls0.1-cw",
        {"from_logits": True, "axis": 1, "label_smoothing": 0.1, "class_weight": CW4},
        _categorical,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "cce",
        "categorical_cross_entropy",
        "from_logits-z0.1-cap3",
        {"from_logits": True, "z_loss": 0.1, "softcap": 3.0},
        _categorical,
        LABEL_WEIGHTINGS,
    ),
    Case(
        "cce",
        "categorical_cross_entropy",
        "axis1-from_logits-cw-z0.1",
        {"from_logits": True, "axis": 1, "class_weight": CW4, "z_loss": 0.1},
        _categorical,
        LABEL_WEIGHTINGS,
    ),
    Case("scce", "sparse_categorical_cross_entropy", "from_logits", {"from_logits": True}, _labels, SCCE_WEIGHTINGS),
    Case(
        "scce",
        "sparse_categorical_cross_entropy",
        "from_logits-z0.1-cap3",
        {"from_logits": True, "z_loss": 0.1, "softcap": 3.0},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "scce",
        "sparse_categorical_cross_entropy",
        "axis1-from_logits-ls0.1-cw-ii-100-z0.1-cap3",
        {
            "from_logits": True,
            "axis": 1,
            "label_smoothing": 0.1,
            "class_weight": CW4,
            "ignore_index": -100,
            "z_loss": 0.1,
            "softcap": 3.0,
        },
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "scce",
        "sparse_categorical_cross_entropy",
        "axes12-from_logits-ls0.1-cw-ii-100-z0.1-cap3",
        {
            "from_logits": True,
            "axis": (1, 2),
            "label_smoothing": 0.1,
            "class_weight": CW4,
            "ignore_index": -100,
            "z_loss": 0.1,
            "softcap": 3.0,
        },
        _slice_labels,
        SCCE_WEIGHTINGS,
    ),
    Case("scce", "sparse_categorical_cross_entropy", "probs-ls0.1", {"label_smoothing": 0.1}, _labels, SCCE_WEIGHTINGS),
    Case(
        "scce",
        "sparse_categorical_cross_entropy",
        "from_logits-ls0.1-cw-ii-100",
        {"from_logits": True, "label_smoothing": 0.1, "class_weight": CW4, "ignore_index": -100},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "scce",
        "sparse_categorical_cross_entropy",
        "axis1-from_logits-ii0",
        {"from_logits": True, "axis": 1, "ignore_index": 0},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case("hinge", "hinge", "pm1", {}, _hinge),
    Case("hinge", "hinge", "01", {}, functools.partial(_hinge, zero_one=True)),
    Case("cat_hinge", "categorical_hinge", "default", {}, _categorical_hinge),
    Case("cat_hinge", "categorical_hinge", "axis1", {"axis": 1}, _categorical_hinge),
]


#: Losses that pool the whole batch into one value whatever their options (tests that vary
#: the batch size or permute its rows leave them out, or weigh them as one number).
BATCH_LEVEL_LOSSES = frozenset({"weighted_kappa"})
