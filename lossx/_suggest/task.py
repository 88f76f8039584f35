"""Which task the targets are: inferred from their shape and values, or the task ``task=`` names, checked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .._errors import DataError
from .arrays import _Values
from .definitions import MAX_CHANNELS, MAX_CLASSES, SKEWED
from .text import _plain


@dataclass(frozen=True)
class _Reading:
    """What the targets are read as: the task, the format of its targets, and the other readings."""

    task: str
    format: str
    alternatives: tuple[str, ...] = ()
    alternative_formats: tuple[str, ...] = ()
    why: str | None = None
    notes: tuple[str, ...] = ()

    def resolved(self, note: str | None = None, **changes: Any) -> _Reading:
        """The reading without its alternatives (settled by the predictions or the output)."""
        notes = self.notes + ((note,) if note else ())
        return replace(self, alternatives=(), alternative_formats=(), why=None, notes=notes, **changes)


def _two_values(values: _Values) -> str:
    low, high = _plain(values.low), _plain(values.high)
    return (
        f"two integer values {{{low}, {high}}}: binary (one output per target, sigmoid) or two classes "
        "(two outputs, softmax); pass task= or output= to say which"
    )


def _infer(values: _Values) -> _Reading:
    if values.column:
        return _infer_column(values)
    if values.ndim == 2:
        return _infer_rows(values)
    return _infer_masks(values)


def _infer_column(values: _Values) -> _Reading:
    if values.is_bool:
        return _Reading("binary", "labels")
    if values.integer_valued:
        distinct = len(values.distinct[0])
        if values.zero_one or distinct == 2:
            return _Reading("binary", "labels", ("multiclass",), ("labels",), _two_values(values))
        if distinct == 1:
            return _Reading("regression", "values")
        if values.low >= 0 and distinct <= MAX_CLASSES and values.contiguous:
            return _Reading(
                "multiclass",
                "labels",
                ("counts",),
                ("values",),
                f"the integers 0..{distinct - 1}, each present: class labels or counts; read as "
                "class labels (task='counts' for counts)",
            )
        if values.low >= 0:
            if distinct <= MAX_CLASSES and 2 * distinct > values.high + 1:
                return _Reading(
                    "counts",
                    "values",
                    ("multiclass",),
                    ("labels",),
                    f"{distinct} of the integers 0..{_plain(values.high)}: counts or class labels "
                    "(some classes absent); read as counts (task='multiclass' for labels)",
                )
            return _Reading("counts", "values")
        if distinct <= MAX_CLASSES:
            return _Reading(
                "regression",
                "values",
                ("multiclass",),
                ("labels",),
                f"{distinct} distinct integers, some negative: values or class labels; read as values "
                "(task='multiclass' for labels)",
            )
        return _Reading("regression", "values")
    if values.in_unit:
        return _Reading(
            "regression",
            "values",
            ("binary",),
            ("soft",),
            "values in [0, 1]: a bounded quantity or soft binary targets (probabilities); read as "
            "values (task='binary' for probabilities)",
        )
    return _by_values(values)


def _by_values(values: _Values) -> _Reading:
    if values.integer_valued and values.low >= 0:
        return _Reading("counts", "values")
    if values.low >= 0 and values.skew >= SKEWED:
        return _Reading("positive_skewed", "values")
    return _Reading("regression", "values")


def _infer_rows(values: _Values) -> _Reading:
    if values.zero_one:
        return _Reading("probabilities", "one_hot") if values.rows_sum_to_one else _Reading("multilabel", "multi_hot")
    if values.in_unit:
        if values.rows_sum_to_one:
            return _Reading("probabilities", "probabilities")
        return _Reading(
            "regression",
            "values",
            ("multilabel",),
            ("soft",),
            "values in [0, 1] whose rows do not sum to 1: bounded quantities or soft multi-label "
            "targets; read as values (task='multilabel' for soft labels)",
        )
    return _by_values(values)


def _channels(values: _Values) -> bool:
    return values.ndim >= 4 and values.shape[-1] <= MAX_CHANNELS


def _infer_masks(values: _Values) -> _Reading:
    if values.zero_one:
        if _channels(values):
            return _Reading("segmentation", "one_hot" if values.rows_sum_to_one else "multi_hot")
        return _Reading("segmentation", "labels")
    if values.integer_valued and values.low >= 0 and len(values.distinct[0]) <= MAX_CLASSES:
        return _Reading("segmentation", "labels")
    if values.in_unit:
        if _channels(values) and values.rows_sum_to_one:
            return _Reading("segmentation", "probabilities")
        return _Reading("segmentation", "soft")
    return _by_values(values)


def _forced(values: _Values, task: str) -> _Reading:
    """The reading ``task=`` asks for, or an error saying why these targets cannot have that task."""
    described = f"these targets have shape {values.shape}, values in [{_plain(values.low)}, {_plain(values.high)}]"
    if task == "binary":
        if not values.column:
            better = "multilabel or probabilities" if values.ndim == 2 else "segmentation"
            raise DataError(
                f"task='binary' takes one target per example, shape (N,) or (N, 1); {described} (task={better!r}?)."
            )
        if values.integer_valued and (values.zero_one or len(values.distinct[0]) == 2):
            return _Reading("binary", "labels")
        if values.in_unit:
            return _Reading("binary", "soft")
        raise DataError(f"task='binary' needs two-valued labels or probabilities in [0, 1]; {described}.")
    if task == "multiclass":
        if values.column and values.integer_valued:
            return _Reading("multiclass", "labels")
        if values.ndim == 2 and values.zero_one and values.rows_sum_to_one:
            return _Reading("multiclass", "one_hot")
        raise DataError(f"task='multiclass' needs integer class labels, shape (N,), or one-hot rows; {described}.")
    if task in ("multilabel", "probabilities"):
        if values.ndim != 2 or values.column or not values.in_unit:
            raise DataError(f"task={task!r} needs rows of K ≥ 2 values in [0, 1], shape (N, K); {described}.")
        if task == "multilabel":
            return _Reading("multilabel", "multi_hot" if values.zero_one else "soft")
        if not values.rows_sum_to_one:
            raise DataError(
                f"task='probabilities' needs rows that sum to 1; {described} and rows that do not "
                "(task='multilabel' for independent labels)."
            )
        return _Reading("probabilities", "one_hot" if values.zero_one else "probabilities")
    if task == "counts" and not (values.integer_valued and values.low >= 0):
        raise DataError(f"task='counts' needs non-negative integers; {described}.")
    if task == "positive_skewed" and values.low < 0:
        raise DataError(f"task='positive_skewed' needs non-negative values; {described}.")
    if task == "segmentation":
        if values.ndim < 3:
            raise DataError(
                f"task='segmentation' needs masks of shape (N, H, W) or (N, H, W, C); {described} "
                "(add a batch axis for a single mask)."
            )
        reading = _infer_masks(values)
        if reading.task != "segmentation":
            raise DataError(f"task='segmentation' needs integer labels or values in [0, 1]; {described}.")
        return reading
    return _Reading(task, "values")
