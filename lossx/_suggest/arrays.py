"""The targets and predictions as NumPy arrays of finite numbers, and the facts about them each read needs."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from .._errors import DataError
from .._namespace import to_numpy
from .definitions import ROW_SUM_TOLERANCE


def _as_array(data: Any, name: str) -> np.ndarray:
    """``data`` as a NumPy array of numbers with at least one entry, all finite."""
    if type(data).__module__.split(".")[0] == "torch":
        data = to_numpy(data)
        data = data.astype(np.float32) if data.dtype.kind == "f" else data
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise DataError(
            f"{name} is not a rectangular array of numbers ({error}); give every row the same length."
        ) from None
    if array.dtype.kind in "OUSV":
        sample = array.reshape(-1)[:1000]
        kinds = sorted({type(item).__name__ for item in sample}) if array.dtype.kind == "O" else ["str"]
        raise DataError(
            f"{name} holds {', '.join(kinds)} values, not only numbers (mixed types or class names); suggest "
            "needs numbers: encode class names as integers 0..C−1, e.g. np.unique(y, return_inverse=True)[1], "
            "and drop or fill missing entries."
        )
    if array.dtype.kind not in "biuf":
        raise DataError(f"{name} has dtype {array.dtype}; suggest needs real numbers (bool, integer or floating).")
    if array.size == 0:
        raise DataError(f"{name} is empty (shape {array.shape}); pass at least one target.")
    if array.ndim == 0:
        array = array.reshape(1)
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all():
            bad = array[~finite]
            first = np.unravel_index(int(np.flatnonzero(~finite.reshape(-1))[0]), array.shape)
            nan = int(np.isnan(bad).sum())
            raise DataError(
                f"{name} has {nan} NaN and {bad.size - nan} infinite values (the first at index "
                f"{tuple(int(i) for i in first)}); drop or impute them before choosing a loss."
            )
    return array


class _Values:
    """Facts about an array of numbers, each computed once, over the whole array."""

    def __init__(self, array: np.ndarray):
        self.array = array
        self.shape = tuple(int(n) for n in array.shape)
        self.ndim = array.ndim
        self.size = int(array.size)
        self.flat = array.reshape(-1)
        self.is_bool = array.dtype == bool
        self.low = float(self.flat.min())
        self.high = float(self.flat.max())
        self.column = self.ndim == 1 or (self.ndim == 2 and self.shape[1] == 1)

    @cached_property
    def numbers(self) -> np.ndarray:
        return self.flat.astype(np.float64)

    @cached_property
    def integer_valued(self) -> bool:
        if self.array.dtype.kind in "biu":
            return True
        # Beyond 2^53 every float is an integer: such values are not labels or counts.
        exact = max(abs(self.low), abs(self.high)) < 2**53
        return exact and bool(np.all(self.numbers == np.floor(self.numbers)))

    @property
    def in_unit(self) -> bool:
        return self.low >= 0 and self.high <= 1

    @property
    def zero_one(self) -> bool:
        return self.in_unit and self.integer_valued

    @cached_property
    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct values (sorted) and how often each occurs; integer-valued arrays only."""
        if self.low >= 0 and self.high <= max(1024, 4 * self.size):
            counts = np.bincount(self.flat.astype(np.int64))
            present = np.flatnonzero(counts)
            return present, counts[present]
        values, counts = np.unique(self.flat, return_counts=True)
        return values.astype(np.int64), counts

    @property
    def contiguous(self) -> bool:
        """Integer values 0, 1, ..., k − 1, each present."""
        values = self.distinct[0]
        return bool(values[0] == 0 and values[-1] == len(values) - 1)

    @cached_property
    def rows_sum_to_one(self) -> bool:
        sums = self.array.sum(axis=-1, dtype=np.float64)
        return bool(np.all(np.abs(sums - 1.0) <= ROW_SUM_TOLERANCE))

    @cached_property
    def zero_fraction(self) -> float:
        return float(np.count_nonzero(self.flat == 0) / self.size)

    @cached_property
    def skew(self) -> float:
        return _skew(self.numbers)


def _skew(x: np.ndarray) -> float:
    # Skewness does not depend on the scale; dividing by the largest magnitude keeps the cubes finite.
    largest = float(np.abs(x).max())
    if largest == 0:
        return 0.0
    x = x / largest
    centred = x - x.mean()
    second = float(np.mean(centred * centred))
    return 0.0 if second == 0 else float(np.mean(centred**3) / second**1.5)
