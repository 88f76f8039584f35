"""``lossx.suggest`` and ``lossx suggest FILE``: which loss fits these targets (docs/choosing.md).

The targets are read once, with vectorised NumPy (``bincount``, ``unique``, ``median``),
to infer the task and to measure the evidence a choice rests on: class counts and
weights, the robust outlier fraction, the zero fraction and the skew. A fixed set of
rules (docs/choosing.md, the rules) turns the evidence into a ranked list of losses
with ready options. This module imports NumPy only; the command imports rich when it runs.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import numpy as np

from ._errors import DataError, OptionValueError, ShapeError

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

__all__ = ["DataError", "Evidence", "Suggestion", "Suggestions", "suggest", "load_array"]

#: The tasks ``task=`` accepts, and what their targets look like.
TASKS: Mapping[str, str] = {
    "binary": "one 0/1 (or two-valued) label, or a probability in [0, 1], per example",
    "multiclass": "one integer class label per example",
    "multilabel": "rows of K independent 0/1 labels, shape (N, K)",
    "probabilities": "rows of class probabilities summing to 1, one-hot or soft, shape (N, K)",
    "regression": "real values",
    "counts": "non-negative integers",
    "positive_skewed": "non-negative values with a long right tail",
    "segmentation": "masks: (N, H, W) labels per pixel, or (N, H, W, C) channels",
}
#: The model outputs ``output=`` accepts.
OUTPUTS: Mapping[str, str] = {
    "logits": "raw scores, no activation (from_logits=True)",
    "sigmoid": "a sigmoid per output: independent probabilities (from_logits=False)",
    "softmax": "a softmax over the class axis: probabilities summing to 1 (from_logits=False)",
    "linear": "a linear layer: unbounded values (regression; for a classifier, logits)",
}
#: How ``y_true`` enters a suggested loss (:meth:`Suggestions.prepared_targets`): class indices
#: are positions in ``evidence.classes`` (for one-hot rows: the hot column); the positive class
#: is the larger of two values.
TARGET_FORMS: Mapping[str, str] = {
    "as_given": "y_true as given",
    "class_indices": "y_true as class indices",
    "is_positive": "y_true as 1.0 for the positive class, else 0.0",
}
#: The frameworks ``Suggestions.snippet`` writes code for.
FRAMEWORKS = ("numpy", "torch", "jax", "keras")

_CLASSIFICATION = frozenset({"binary", "multiclass", "multilabel", "probabilities", "segmentation"})
_VALUES = frozenset({"regression", "counts", "positive_skewed"})

#: At or above this majority / minority ratio the class-weighted loss comes first.
IMBALANCED = 2.0
#: At or above this ratio the focal loss comes first.
STRONGLY_IMBALANCED = 10.0
#: A fraction of robust outliers at or above this puts Huber and MAE before MSE.
OUTLIERS = 0.01
#: A modified z-score above this marks an outlier (Iglewicz and Hoaglin, 1993).
OUTLIER_Z = 3.5
#: Huber's tuning constant: 95% efficiency under normal errors (Huber, 1964).
HUBER_K = 1.345
#: At or above this skewness non-negative values are "positive skewed".
SKEWED = 1.0
#: Non-negative integers with at most this many distinct values may be class labels.
MAX_CLASSES = 1000
#: A last axis of at most this size on (N, H, W, C) masks is read as channels.
MAX_CHANNELS = 16
#: Below this many targets the evidence is marked rough.
FEW_TARGETS = 30
#: Rows of probabilities sum to 1 within this.
ROW_SUM_TOLERANCE = 1e-3
#: σ = MAD · 1/Φ⁻¹(¾) for normal data; σ = mean absolute deviation · √(π/2) where MAD is 0.
_MAD_TO_SIGMA = 1.482602218505602
_MEAN_AD_TO_SIGMA = 1.2533141373155001


# ----------------------------------------------------------------- the result


@dataclass(frozen=True)
class Evidence:
    """What suggest measured on the targets (and predictions); None where it does not apply.

    Class statistics (classification tasks; only ``classes`` where class labels are the
    alternative reading of values): ``classes`` are the class values (index i is class ``classes[i]``),
    ``class_counts`` the targets per class (multi-label: positives per label; soft
    targets: the summed probability), ``imbalance_ratio`` the largest count over the
    smallest (multi-label: the largest over labels of majority / minority; ``inf`` when
    a class has no target), ``class_weight_inverse`` ``N / (C · n_c)``,
    ``class_weight_effective`` Cui et al. (2019)'s ``(1 − β) / (1 − β^n_c)`` scaled to
    sum to C, with ``β = effective_number_beta = (N − 1) / N``, ``focal_alpha`` the
    inverse-frequency weights scaled to sum to 1 (binary: the positive class's share;
    multi-label: the fraction of negative entries), ``pos_weight`` negatives / positives.
    A class without targets gets the rarest present class's weight.

    Value statistics (regression, counts, positive skewed): ``skew`` is the sample
    skewness m₃ / m₂^1.5; ``robust_scale`` σ̂ = 1.4826 · MAD (1.2533 · mean absolute
    deviation where the MAD is 0); ``outlier_fraction`` the share with
    ``|x − median| > 3.5 σ̂`` (x: the targets, or the residuals y_pred − y_true when
    predictions are given; ``outlier_basis`` says which); ``huber_delta`` 1.345 σ̂.
    """

    task: str
    inferred: bool
    ambiguous: bool
    ambiguity: str | None
    alternatives: tuple[str, ...]
    shape: tuple[int, ...]
    count: int
    target_format: str
    multilabel: bool
    classes: tuple[float, ...] | None
    class_counts: tuple[float, ...] | None
    imbalance_ratio: float | None
    class_weight_inverse: tuple[float, ...] | None
    class_weight_effective: tuple[float, ...] | None
    effective_number_beta: float | None
    focal_alpha: float | tuple[float, ...] | None
    pos_weight: float | tuple[float, ...] | None
    zero_fraction: float
    skew: float | None
    robust_scale: float | None
    outlier_fraction: float | None
    outlier_basis: str | None
    huber_delta: float | None
    output: str | None
    output_source: str | None
    predictions: str | None
    predictions_note: str | None
    notes: tuple[str, ...]

    def rows(self) -> list[tuple[str, str]]:
        """The evidence as (label, text) rows, in reading order, for a summary."""
        rows = [("task", f"{self.task} ({'inferred' if self.inferred else 'given'}"
                         + (", ambiguous)" if self.ambiguous else ")"))]
        if self.ambiguity:
            rows.append(("ambiguity", self.ambiguity))
        rows.append(("targets", f"{self.count:,} values, shape {self.shape}, {_FORMAT_TEXT[self.target_format]}"))
        if self.classes is not None and self.class_counts is not None:
            label = "positives per label" if self.multilabel else "class counts"
            rows.append((label, _pairs(self.classes, self.class_counts)))
        if self.imbalance_ratio is not None:
            which = "the most imbalanced label's majority / minority" if self.multilabel else "largest / smallest"
            rows.append(("imbalance ratio", f"{_number(self.imbalance_ratio)} ({which})"))
        if self.class_weight_inverse is not None:
            rows.append(("class_weight", f"{_vector(self.class_weight_inverse)} (inverse frequency)"))
        if self.class_weight_effective is not None:
            rows.append(("", f"{_vector(self.class_weight_effective)} (effective number, "
                             f"β = {self.effective_number_beta!r})"))
        if self.focal_alpha is not None:
            share = "the positive class's weight" if isinstance(self.focal_alpha, float) else "per class"
            if self.multilabel:
                share = "the negatives' share"
            rows.append(("focal alpha", f"{_vector(self.focal_alpha)} ({share})"))
        if self.pos_weight is not None:
            rows.append(("pos_weight", f"{_vector(self.pos_weight)} (negatives / positives)"))
        rows.append(("zero fraction", f"{self.zero_fraction:.1%}"))
        if self.skew is not None:
            rows.append(("skew", _number(self.skew)))
        if self.outlier_fraction is not None:
            rows.append(("outliers", f"{self.outlier_fraction:.1%} of the {self.outlier_basis} beyond "
                                     f"{OUTLIER_Z} robust σ of their median (σ = {_number(self.robust_scale)})"))
        if self.huber_delta is not None:
            rows.append(("huber delta", f"{_number(self.huber_delta)} ({HUBER_K} robust σ)"))
        if self.output is None and self.task in _VALUES:
            rows.append(("output", "not given: a linear output assumed"))
        elif self.output is None:
            rows.append(("output", "not given: the options assume logits (from_logits=True)"))
        else:
            rows.append(("output", f"{self.output} ({'from y_pred' if self.output_source == 'y_pred' else 'given'})"))
        if self.predictions_note:
            rows.append(("predictions", self.predictions_note))
        rows.extend(("note", note) for note in self.notes)
        return rows


@dataclass(frozen=True)
class Suggestion:
    """One suggested loss: ``lossx.<loss>(y_pred, targets, **options)``.

    ``targets`` names how ``y_true`` enters the loss (one of :data:`TARGET_FORMS`;
    :meth:`Suggestions.prepared_targets` applies it), ``prediction`` what ``y_pred``
    holds ("logits", "probabilities", "values", "log-rates" or "rates") and
    ``prediction_shape`` its shape for these targets. ``evidence`` maps the
    :class:`Evidence` fields the choice rests on to their values; ``task`` is the task
    the loss fits (another than the evidence's where it is an alternative reading).
    """

    loss: str
    options: Mapping[str, Any]
    reason: str
    evidence: Mapping[str, Any]
    task: str
    targets: str
    prediction: str
    prediction_shape: tuple[int, ...]

    def call_text(self) -> str:
        """``loss(option=value, ...)`` with long vectors shortened, for reading."""
        return f"{self.loss}({', '.join(f'{k}={_vector(v)}' for k, v in self.options.items())})"


@dataclass(frozen=True)
class Suggestions:
    """The ranked suggestions for some targets, best first, with the evidence they rest on.

    Iterating, indexing and ``len`` go over the ranking; ``str()`` is :meth:`summary`.
    """

    evidence: Evidence
    ranking: tuple[Suggestion, ...]

    def __iter__(self) -> Iterator[Suggestion]:
        return iter(self.ranking)

    def __len__(self) -> int:
        return len(self.ranking)

    def __getitem__(self, index: int) -> Suggestion:
        return self.ranking[index]

    @property
    def best(self) -> Suggestion:
        return self.ranking[0]

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """The evidence and the ranking as plain text."""
        rows = self.evidence.rows()
        width = max(len(label) for label, _ in rows)
        lines = ["Evidence:"] + [f"  {label:<{width}}  {text}" for label, text in rows]
        lines.append("Suggestions, best first:")
        for rank, suggestion in enumerate(self.ranking, 1):
            lines.append(f"  {rank}. {suggestion.call_text()}")
            lines.append(f"     {suggestion.reason}")
            lines.append(f"     {_shapes_text(suggestion)}")
        return "\n".join(lines)

    def prepared_targets(self, suggestion: Suggestion, y_true: Any) -> np.ndarray:
        """``y_true`` as ``suggestion``'s loss takes it (its ``targets`` form), as a NumPy array."""
        values = _as_array(y_true, "y_true")
        if suggestion.targets == "class_indices":
            if self.evidence.target_format in ("one_hot", "probabilities"):
                return values.argmax(axis=-1)
            classes = np.asarray(self.evidence.classes)
            if _is_range(self.evidence.classes):
                return values.astype(np.int64)
            return np.searchsorted(classes, values).astype(np.int64)
        if suggestion.targets == "is_positive":
            return (values == self.evidence.classes[-1]).astype(np.float64)
        return values

    def snippet(self, framework: str = "numpy", rank: int = 1, *, load: str | None = None,
                load_predictions: str | None = None) -> str:
        """Python code that computes suggestion ``rank`` (1 is the best) on ``framework``.

        ``load`` is NumPy code that reads the targets (``np.load("y.npy")``); without it the
        code expects ``y_true`` defined. ``load_predictions`` reads predictions the same
        way; without it the code makes a stand-in for the model's output.
        """
        if framework not in FRAMEWORKS:
            raise OptionValueError(f"framework={framework!r} is not one of {', '.join(FRAMEWORKS)}.")
        if not 1 <= rank <= len(self.ranking):
            raise OptionValueError(f"rank={rank!r}: there are {len(self.ranking)} suggestions, ranked from 1.")
        return _snippet(self, self.ranking[rank - 1], rank, framework, load, load_predictions)


# ----------------------------------------------------------------- suggest


def suggest(y_true: Any, *, y_pred: Any = None, task: str | None = None, output: str | None = None) -> Suggestions:
    """Suggest losses for ``y_true``, ranked, with ready options and the evidence measured on it.

    ``y_true``: a NumPy array, a list or a framework's tensor. ``y_pred`` (optional): the
    model's predictions for them; their shape settles what an ambiguous target means and
    their values whether they are logits or probabilities. ``task``: one of
    :data:`TASKS`, instead of inferring it. ``output``: the model's last activation, one of
    :data:`OUTPUTS`; it sets ``from_logits`` and which losses fit.

    The result is deterministic: the same inputs give the same ranking and numbers. The
    rules are in docs/choosing.md. Bad input (empty, NaN or infinite targets, text or
    mixed types, an unknown task or output, a task or output the targets cannot have,
    predictions of a shape that does not fit) raises a :class:`lossx.LossxError` that
    says what to do.
    """
    _check_choice("task", task, TASKS)
    _check_choice("output", output, OUTPUTS)
    values = _Values(_as_array(y_true, "y_true"))
    reading = _infer(values) if task is None else _forced(values, task)
    predictions = None if y_pred is None else _Values(_as_array(y_pred, "y_pred"))
    layout = None
    if predictions is not None:
        reading, layout = _fit_prediction_shape(reading, values, predictions, given_task=task is not None)
    output_source = None if output is None else "argument"
    predictions_kind, predictions_note = None, None
    if predictions is not None:
        predictions_kind, implied, predictions_note = _read_predictions(reading, predictions, layout)
        if output is None:
            output, output_source = implied, "y_pred"
        else:
            _check_output_matches(output, predictions, layout)
    reading = _fit_output(reading, values, output, given_task=task is not None)
    classes = _class_statistics(reading, values, layout, predictions)
    spread = _spread_statistics(reading, values, predictions)
    notes = list(reading.notes)
    if reading.task in _VALUES and values.low == values.high:
        notes.append(f"every target is {_number(values.low)}: there is nothing to learn.")
    if values.size < FEW_TARGETS:
        notes.append(f"only {values.size} target{'s' if values.size > 1 else ''}: the measured numbers are rough.")
    notes.extend(classes.pop("notes", ()))
    evidence = Evidence(
        task=reading.task, inferred=task is None, ambiguous=bool(reading.alternatives), ambiguity=reading.why,
        alternatives=reading.alternatives, shape=values.shape, count=values.size,
        target_format=reading.format, multilabel=reading.task == "multilabel" or reading.format == "multi_hot",
        zero_fraction=values.zero_fraction, output=output, output_source=output_source,
        predictions=predictions_kind, predictions_note=predictions_note, notes=tuple(notes),
        **classes, **spread,
    )
    plan = _Plan(evidence, values, layout, predictions)
    ranking = list(plan.suggestions(reading.task, reading.format))
    for alternative, alternative_format in zip(reading.alternatives, reading.alternative_formats):
        first = plan.suggestions(alternative, alternative_format)[0]
        reason = f"If these are {_TASK_TEXT[alternative]}: {first.reason[0].lower()}{first.reason[1:]}"
        ranking.append(replace(first, reason=reason))
    return Suggestions(evidence=evidence, ranking=tuple(ranking))


def _check_choice(name: str, value: str | None, choices: Mapping[str, str]) -> None:
    if value is not None and value not in choices:
        listed = "; ".join(f"{key!r}: {text}" for key, text in choices.items())
        raise OptionValueError(f"{name}={value!r} is not one of the accepted values: {listed}.")


# ----------------------------------------------------------------- reading the arrays


def _as_array(data: Any, name: str) -> np.ndarray:
    """``data`` as a NumPy array of numbers with at least one entry, all finite."""
    if type(data).__module__.split(".")[0] == "torch":
        data = data.detach().cpu()
        data = (data.float() if data.is_floating_point() else data).numpy()
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise DataError(f"{name} is not a rectangular array of numbers ({error}); give every row the same length.") from None
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
        exact = max(abs(self.low), abs(self.high)) < 2 ** 53
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
    return 0.0 if second == 0 else float(np.mean(centred ** 3) / second ** 1.5)


# ----------------------------------------------------------------- the task


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


_FORMAT_TEXT = {
    "labels": "class labels",
    "one_hot": "one-hot rows",
    "multi_hot": "0/1 rows (independent labels)",
    "probabilities": "rows of probabilities",
    "soft": "probabilities in [0, 1]",
    "values": "real values",
}
_TASK_TEXT = {
    "binary": "binary labels",
    "multiclass": "class labels",
    "multilabel": "multi-label targets",
    "probabilities": "probability rows",
    "regression": "real values",
    "counts": "counts",
    "positive_skewed": "positive skewed values",
    "segmentation": "segmentation masks",
}


def _two_values(values: _Values) -> str:
    low, high = _plain(values.low), _plain(values.high)
    return (f"two integer values {{{low}, {high}}}: binary (one output per target, sigmoid) or two classes "
            "(two outputs, softmax); pass task= or output= to say which")


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
            return _Reading("multiclass", "labels", ("counts",), ("values",),
                            f"the integers 0..{distinct - 1}, each present: class labels or counts; read as "
                            "class labels (task='counts' for counts)")
        if values.low >= 0:
            if distinct <= MAX_CLASSES and 2 * distinct > values.high + 1:
                return _Reading("counts", "values", ("multiclass",), ("labels",),
                                f"{distinct} of the integers 0..{_plain(values.high)}: counts or class labels "
                                "(some classes absent); read as counts (task='multiclass' for labels)")
            return _Reading("counts", "values")
        if distinct <= MAX_CLASSES:
            return _Reading("regression", "values", ("multiclass",), ("labels",),
                            f"{distinct} distinct integers, some negative: values or class labels; read as values "
                            "(task='multiclass' for labels)")
        return _Reading("regression", "values")
    if values.in_unit:
        return _Reading("regression", "values", ("binary",), ("soft",),
                        "values in [0, 1]: a bounded quantity or soft binary targets (probabilities); read as "
                        "values (task='binary' for probabilities)")
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
        return _Reading("regression", "values", ("multilabel",), ("soft",),
                        "values in [0, 1] whose rows do not sum to 1: bounded quantities or soft multi-label "
                        "targets; read as values (task='multilabel' for soft labels)")
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
            raise DataError(f"task='binary' takes one target per example, shape (N,) or (N, 1); {described} "
                            f"(task={better!r}?).")
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
            raise DataError(f"task='probabilities' needs rows that sum to 1; {described} and rows that do not "
                            "(task='multilabel' for independent labels).")
        return _Reading("probabilities", "one_hot" if values.zero_one else "probabilities")
    if task == "counts" and not (values.integer_valued and values.low >= 0):
        raise DataError(f"task='counts' needs non-negative integers; {described}.")
    if task == "positive_skewed" and values.low < 0:
        raise DataError(f"task='positive_skewed' needs non-negative values; {described}.")
    if task == "segmentation":
        if values.ndim < 3:
            raise DataError(f"task='segmentation' needs masks of shape (N, H, W) or (N, H, W, C); {described} "
                            "(add a batch axis for a single mask).")
        reading = _infer_masks(values)
        if reading.task != "segmentation":
            raise DataError(f"task='segmentation' needs integer labels or values in [0, 1]; {described}.")
        return reading
    return _Reading(task, "values")


# ----------------------------------------------------------------- predictions and the output


def _fit_prediction_shape(reading: _Reading, values: _Values, predictions: _Values,
                          given_task: bool) -> tuple[_Reading, str]:
    """The layout of ``y_pred`` ("elementwise" or "class_axis"), and the reading it settles."""
    target_shape, shape = values.shape, predictions.shape
    per_class = target_shape + ("C",)
    column_labels = values.ndim == 2 and values.column
    if shape == target_shape:
        layout = "elementwise"
    elif shape[-1] >= 2 and (shape[:-1] == target_shape or (column_labels and shape[:-1] == target_shape[:-1])):
        layout = "class_axis"
    else:
        raise ShapeError(f"y_pred has shape {shape}, which does not fit targets of shape {target_shape}: give one "
                         f"prediction per target, shape {target_shape}, or one column per class, shape {per_class}.")
    if layout == "class_axis":
        if reading.format in ("one_hot", "multi_hot", "probabilities"):
            raise ShapeError(f"y_pred has shape {shape}; targets of {_FORMAT_TEXT[reading.format]} take predictions "
                             f"of their own shape, {target_shape}.")
        if reading.task == "binary":
            if given_task or shape[-1] != 2 or reading.format == "soft":
                raise ShapeError(f"y_pred has shape {shape}; binary targets take one prediction per target, shape "
                                 f"{target_shape} (task='multiclass' for one column per class).")
            return reading.resolved("y_pred has two columns: two classes.", task="multiclass"), layout
        if "multiclass" in reading.alternatives:
            return reading.resolved("y_pred has one column per class: class labels.", task="multiclass",
                                    format="labels"), layout
        if reading.task not in ("multiclass", "segmentation"):
            raise ShapeError(f"y_pred has shape {shape}; {_TASK_TEXT[reading.task]} take one prediction per target, "
                             f"shape {target_shape}.")
        return reading.resolved(), layout
    if reading.task == "multiclass" and reading.format == "labels":
        if "counts" in reading.alternatives:
            return reading.resolved("y_pred has one value per target: counts.", task="counts", format="values"), layout
        raise ShapeError(f"y_pred has shape {shape}; class labels take one column per class, shape {per_class}.")
    if reading.task == "segmentation" and reading.format == "labels" and len(values.distinct[0]) > 2:
        raise ShapeError(f"y_pred has shape {shape}; label masks take one channel per class, shape {per_class}.")
    if reading.task == "binary" and reading.alternatives:
        return reading.resolved("y_pred has one value per target: binary.", task="binary"), layout
    if "multiclass" in reading.alternatives:
        return reading.resolved(f"y_pred has one value per target: {_TASK_TEXT[reading.task]}."), layout
    return reading, layout


def _read_predictions(reading: _Reading, predictions: _Values, layout: str) -> tuple[str, str, str]:
    """(what y_pred holds, the output it implies, why), from its values."""
    if reading.task in _VALUES:
        negative = predictions.low < 0
        return "values", "linear", ("values (some negative)" if negative else "non-negative values")
    span = f"values in [{_number(predictions.low)}, {_number(predictions.high)}]"
    if not predictions.in_unit:
        return "logits", "logits", f"logits: {span}, outside [0, 1]"
    if layout == "class_axis" or reading.format in ("one_hot", "probabilities"):
        if predictions.rows_sum_to_one:
            return "probabilities", "softmax", f"softmax probabilities: {span}, rows summing to 1"
        if reading.task in ("multiclass", "probabilities") or reading.format in ("labels", "one_hot",
                                                                                 "probabilities"):
            return "logits", "logits", f"logits: {span}, but rows that do not sum to 1"
    return "probabilities", "sigmoid", f"sigmoid probabilities: {span}"


def _check_output_matches(output: str, predictions: _Values, layout: str) -> None:
    if output in ("sigmoid", "softmax") and not predictions.in_unit:
        raise OptionValueError(
            f"output={output!r}, but y_pred has values in [{_number(predictions.low)}, {_number(predictions.high)}], "
            f"which a {output} cannot give: pass output='logits' (or the predictions after the {output})."
        )
    if output == "softmax" and layout == "class_axis" and not predictions.rows_sum_to_one:
        raise OptionValueError("output='softmax', but the rows of y_pred do not sum to 1: pass output='logits' "
                               "(or the predictions after the softmax).")


def _fit_output(reading: _Reading, values: _Values, output: str | None, given_task: bool) -> _Reading:
    """The reading under ``output``, or an error naming the outputs that fit these targets."""
    if output is None:
        return reading
    task, form = reading.task, reading.format

    def refuse(fits: str, instead: str = "") -> None:
        raise OptionValueError(f"output={output!r} does not fit {_TASK_TEXT[task]} ({_FORMAT_TEXT[form]}): "
                               f"use {fits}{instead}.")

    if task == "binary":
        if output == "softmax":
            if given_task or form == "soft":
                refuse("'sigmoid' or 'logits'", " (task='multiclass' for two softmax outputs)")
            return reading.resolved("output='softmax': two classes, two outputs.", task="multiclass")
        return reading.resolved() if output == "sigmoid" else reading
    if task == "multiclass":
        if output == "sigmoid":
            refuse("'softmax' or 'logits'", " (task='multilabel' for independent labels)")
        return reading.resolved() if output == "softmax" else reading
    if task == "multilabel" and output == "softmax":
        refuse("'sigmoid' or 'logits'", " (task='probabilities' for rows that sum to 1)")
    if task == "probabilities" and output == "sigmoid":
        refuse("'softmax' or 'logits'", " (task='multilabel' for independent labels)")
    if task == "segmentation":
        exclusive_classes = form in ("one_hot", "probabilities") or (form == "labels" and len(values.distinct[0]) > 2)
        if output == "sigmoid" and exclusive_classes:
            refuse("'softmax' or 'logits'")
        if output == "softmax" and form in ("multi_hot", "soft"):
            refuse("'sigmoid' or 'logits'")
    if task in _VALUES:
        if output == "softmax" or (output == "sigmoid" and not values.in_unit):
            refuse("'linear'", " (a sigmoid or softmax output is bounded in [0, 1])")
        if output == "sigmoid" and "binary" in reading.alternatives:
            return reading.resolved("output='sigmoid' with targets in [0, 1]: soft binary targets.",
                                    task="binary", format="soft")
    return reading


# ----------------------------------------------------------------- the evidence


def _class_statistics(reading: _Reading, values: _Values, layout: str | None,
                      predictions: _Values | None) -> dict[str, Any]:
    """classes, class counts, imbalance, class weights, focal alpha and pos_weight, where they apply."""
    empty: dict[str, Any] = dict.fromkeys((
        "classes", "class_counts", "imbalance_ratio", "class_weight_inverse", "class_weight_effective",
        "effective_number_beta", "focal_alpha", "pos_weight"))
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
                raise ShapeError(f"the labels go up to {_plain(values.high)} but y_pred has {width} columns; give "
                                 "one column per class.")
            classes = np.arange(max(int(values.high) + 1, 2 if values.zero_one else 0, width or 0))
        else:
            classes = present
            if width is not None and width != len(classes):
                raise ShapeError(f"the targets have {len(classes)} classes ({_vector(tuple(classes))}) but y_pred "
                                 f"has {width} columns; give one column per class.")
            notes.append(f"the labels are not 0..C−1: the class index of a label is its position in "
                         f"{_vector(tuple(classes))}.")
        class_counts = np.zeros(len(classes))
        class_counts[np.searchsorted(classes, present)] = counts
    elif form == "soft" and not multilabel:
        positives = float(values.numbers.sum())
        classes, class_counts = np.arange(2), np.array([values.size - positives, positives])
    else:
        classes = np.arange(values.shape[-1])
        class_counts = values.array.reshape(-1, values.shape[-1]).sum(axis=0, dtype=np.float64)
    result = {**empty, "classes": tuple(_plain(c) for c in classes),
              "class_counts": tuple(_plain(c) for c in class_counts), "notes": notes}
    if multilabel:
        rows = values.size // values.shape[-1]
        negatives = rows - class_counts
        smaller = np.minimum(class_counts, negatives)
        ratios = np.divide(np.maximum(class_counts, negatives), smaller, out=np.full(len(smaller), np.inf),
                           where=smaller > 0)
        result["imbalance_ratio"] = float(ratios.max())
        result["focal_alpha"] = float(negatives.sum() / values.size)
        if np.any(class_counts > 0):
            result["pos_weight"] = tuple(_absent_as_rarest(negatives, class_counts).tolist())
        absent = np.flatnonzero(class_counts == 0)
        if len(absent):
            notes.append(f"labels {_vector(tuple(int(a) for a in absent))} have no positive target.")
        return result
    present_classes = int(np.count_nonzero(class_counts))
    result["imbalance_ratio"] = (float(class_counts.max() / class_counts.min()) if class_counts.min() > 0
                                 else math.inf)
    if present_classes < 2:
        only = _plain(classes[int(np.argmax(class_counts))])
        notes.append(f"only class {only} occurs: a classifier cannot learn to tell classes apart from these "
                     "targets; check that the data holds every class.")
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
    result.update(class_weight_inverse=tuple(inverse.tolist()), class_weight_effective=tuple(effective.tolist()),
                  effective_number_beta=beta)
    alpha = inverse / inverse.sum()
    if len(classes) == 2:
        result["focal_alpha"] = float(alpha[1])
        result["pos_weight"] = float(class_counts[0] / class_counts[1]) if class_counts[1] > 0 else None
    else:
        result["focal_alpha"] = tuple(alpha.tolist())
    absent = [_plain(c) for c, n in zip(classes, class_counts) if n == 0]
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
    return {"skew": values.skew, "robust_scale": scale, "outlier_fraction": outliers, "outlier_basis": basis,
            "huber_delta": HUBER_K * scale if 0 < HUBER_K * scale < math.inf else None}


# ----------------------------------------------------------------- the rules


class _Plan:
    """The ranked suggestions for each task, from the evidence (docs/choosing.md, the rules)."""

    def __init__(self, evidence: Evidence, values: _Values, layout: str | None, predictions: _Values | None):
        self.evidence = evidence
        self.values = values
        self.from_logits = evidence.output not in ("sigmoid", "softmax")
        self.width = predictions.shape[-1] if predictions is not None and layout == "class_axis" else None
        self.predictions = predictions

    def make(self, loss: str, options: Mapping[str, Any], reason: str, keys: tuple[str, ...], *, task: str,
             targets: str, shape: tuple[int, ...], prediction: str | None = None) -> Suggestion:
        if prediction is None:
            prediction = "logits" if options.get("from_logits", self.from_logits) else "probabilities"
        evidence = {key: getattr(self.evidence, key) for key in ("task", *keys)}
        return Suggestion(loss=loss, options=dict(options), reason=reason, evidence=evidence, task=task,
                          targets=targets, prediction=prediction, prediction_shape=shape)

    def suggestions(self, task: str, form: str) -> list[Suggestion]:
        if task == "binary":
            return self.binary(self.values.shape, task, form)
        if task == "multiclass":
            return self.multiclass(task, form)
        if task == "multilabel":
            return self.multilabel(task)
        if task == "probabilities":
            return self.probabilities(task, form)
        if task == "segmentation":
            return self.segmentation(form)
        if task == "counts":
            return self.counts()
        if task == "positive_skewed":
            return self.positive_skewed()
        return self.regression(task)

    def level(self) -> str:
        """"single" (fewer than two classes), "balanced", "imbalanced" or "strong", by the imbalance ratio."""
        evidence = self.evidence
        if evidence.class_weight_inverse is None and evidence.pos_weight is None:
            return "single" if evidence.imbalance_ratio is not None else "balanced"
        ratio = evidence.imbalance_ratio or 1.0
        return "strong" if ratio >= STRONGLY_IMBALANCED else "imbalanced" if ratio >= IMBALANCED else "balanced"

    def logits(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}

    def ranked(self, balanced: list[Suggestion], weighted: Suggestion, focal: Suggestion) -> list[Suggestion]:
        """The plain loss, the class-weighted one and the focal one, ordered by the imbalance."""
        plain, *others = balanced
        level = self.level()
        if level == "strong":
            return [focal, weighted, plain, *others]
        if level == "imbalanced":
            return [weighted, focal, plain, *others]
        return balanced

    def binary(self, shape: tuple[int, ...], task: str, form: str) -> list[Suggestion]:
        e = self.evidence
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        targets = "as_given" if form == "soft" else "is_positive"
        plain = self.make("binary_cross_entropy", self.logits(),
                          "Binary cross-entropy is the likelihood of 0/1 targets under a sigmoid output, the "
                          "standard loss for binary classification.", ("class_counts",),
                          task=task, targets=targets, shape=shape)
        gentle_focal = self.make("binary_focal_cross_entropy", {"gamma": 2.0, **self.logits()},
                                 "Focal loss down-weights the examples the model already gets right, which helps "
                                 "when easy examples dominate.", ("class_counts",),
                                 task=task, targets=targets, shape=shape)
        if self.level() in ("single", "balanced") or e.pos_weight is None:
            return [plain, gentle_focal]
        weighted = self.make("binary_cross_entropy", {"pos_weight": e.pos_weight, **self.logits()},
                             f"The classes are imbalanced ({ratio}:1), so pos_weight = negatives / positives "
                             "makes both classes count equally.", ("imbalance_ratio", "pos_weight"),
                             task=task, targets=targets, shape=shape)
        focal = self.make("binary_focal_cross_entropy", {"alpha": e.focal_alpha, "gamma": 2.0, **self.logits()},
                          f"With imbalance {ratio}:1, focal loss (Lin et al. 2017) focuses on hard examples, and "
                          "alpha gives the positive class its inverse-frequency share.",
                          ("imbalance_ratio", "focal_alpha"), task=task, targets=targets, shape=shape)
        return self.ranked([plain], weighted, focal)

    def classes_count(self) -> int:
        return len(self.evidence.classes or ()) or len(self.values.distinct[0])

    def multiclass(self, task: str, form: str, *, shape: tuple[int, ...] | None = None) -> list[Suggestion]:
        e = self.evidence
        count = self.width or self.classes_count()
        if shape is None:
            base = self.values.shape[:-1] if form == "one_hot" or (self.values.column and self.values.ndim == 2) \
                else self.values.shape
            shape = base + (count,)
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        options = {**self.logits(), "axis": -1}
        plain = self.make("sparse_categorical_cross_entropy", options,
                          f"Cross-entropy over {count} classes with integer labels is the likelihood of a softmax "
                          "output, the standard multi-class loss.", ("classes",),
                          task=task, targets="class_indices", shape=shape)
        if self.level() in ("single", "balanced"):
            focal = self.make("sparse_categorical_focal_cross_entropy", {"gamma": 2.0, **options},
                              "Focal loss down-weights the examples the model already gets right, which helps "
                              "when easy examples dominate.", ("classes",),
                              task=task, targets="class_indices", shape=shape)
            return [plain, focal]
        weighted = self.make("sparse_categorical_cross_entropy",
                             {**options, "class_weight": e.class_weight_effective},
                             f"The classes are imbalanced ({ratio}:1), so class_weight by the effective number "
                             "of samples (Cui et al. 2019) lifts the rare classes without the extremes of "
                             "inverse frequency.", ("imbalance_ratio", "class_weight_effective",
                                                    "effective_number_beta"),
                             task=task, targets="class_indices", shape=shape)
        focal = self.make("sparse_categorical_focal_cross_entropy",
                          {"alpha": e.focal_alpha, "gamma": 2.0, **options},
                          f"With imbalance {ratio}:1, focal loss (Lin et al. 2017) focuses on hard examples, and "
                          "alpha gives each class its inverse-frequency share.", ("imbalance_ratio", "focal_alpha"),
                          task=task, targets="class_indices", shape=shape)
        inverse = self.make("sparse_categorical_cross_entropy", {**options, "class_weight": e.class_weight_inverse},
                            "class_weight by inverse frequency, N / (C·n_c), makes every class count equally; it "
                            "can over-weight very rare classes.", ("imbalance_ratio", "class_weight_inverse"),
                            task=task, targets="class_indices", shape=shape)
        return self.ranked([plain, inverse], weighted, focal)

    def multilabel(self, task: str) -> list[Suggestion]:
        e = self.evidence
        shape = self.values.shape
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        plain = self.make("binary_cross_entropy", self.logits(),
                          "Independent labels take one sigmoid and one binary cross-entropy per label.",
                          ("class_counts",), task=task, targets="as_given", shape=shape)
        others = []
        if self.from_logits:
            others.append(self.make("multilabel_soft_margin", {"axis": -1},
                                    "The same per-label cross-entropy averaged over the labels of each example "
                                    "(torch's MultiLabelSoftMarginLoss), on logits.", ("class_counts",),
                                    task=task, targets="as_given", shape=shape, prediction="logits"))
        if self.level() in ("single", "balanced") or e.pos_weight is None:
            return [plain, *others]
        weighted = self.make("binary_cross_entropy", {"pos_weight": e.pos_weight, **self.logits()},
                             f"The labels are imbalanced (up to {ratio}:1), so a pos_weight per label = negatives "
                             "/ positives makes both outcomes of each label count equally.",
                             ("imbalance_ratio", "pos_weight"), task=task, targets="as_given", shape=shape)
        focal = self.make("binary_focal_cross_entropy", {"alpha": e.focal_alpha, "gamma": 2.0, **self.logits()},
                          f"With labels imbalanced up to {ratio}:1, focal loss focuses on hard entries, and alpha "
                          "is the negatives' share.", ("imbalance_ratio", "focal_alpha"),
                          task=task, targets="as_given", shape=shape)
        return self.ranked([plain, *others], weighted, focal)

    def probabilities(self, task: str, form: str, *, shape: tuple[int, ...] | None = None) -> list[Suggestion]:
        e = self.evidence
        shape = shape or self.values.shape
        options = {**self.logits(), "axis": -1}
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        plain = self.make("categorical_cross_entropy", options,
                          "Categorical cross-entropy compares each row of targets with a softmax output, the "
                          "standard loss for one-hot or probability targets.", ("classes",),
                          task=task, targets="as_given", shape=shape)
        others = []
        if form == "probabilities":
            others.append(self.make("kl_divergence", options,
                                    "KL divergence is cross-entropy minus the targets' own entropy: the same "
                                    "gradient, and 0 at a perfect match (distillation).", ("classes",),
                                    task=task, targets="as_given", shape=shape))
        if self.level() in ("single", "balanced"):
            return [plain, *others]
        weighted = self.make("categorical_cross_entropy", {**options, "class_weight": e.class_weight_effective},
                             f"The classes are imbalanced ({ratio}:1), so class_weight by the effective number "
                             "of samples (Cui et al. 2019) lifts the rare classes.",
                             ("imbalance_ratio", "class_weight_effective", "effective_number_beta"),
                             task=task, targets="as_given", shape=shape)
        focal = self.make("categorical_focal_cross_entropy", {"alpha": e.focal_alpha, "gamma": 2.0, **options},
                          f"With imbalance {ratio}:1, focal loss focuses on hard examples, and alpha gives each "
                          "class its inverse-frequency share.", ("imbalance_ratio", "focal_alpha"),
                          task=task, targets="as_given", shape=shape)
        return self.ranked([plain, *others], weighted, focal)

    def segmentation(self, form: str) -> list[Suggestion]:
        e = self.evidence
        task = "segmentation"
        shape = self.values.shape
        classes = self.classes_count()
        binary_mask = form == "soft" or (form == "labels" and classes == 2 and e.output != "softmax"
                                         and self.width is None)
        imbalanced = self.level() in ("imbalanced", "strong")
        if binary_mask:
            targets = "as_given" if form == "soft" else "is_positive"
            overlap = {"per_class": False, **self.logits()}
            dice = self.make("dice", overlap,
                             "Dice scores the overlap of each predicted mask with its target, so a small "
                             "foreground counts as much as the background.", ("class_counts",),
                             task=task, targets=targets, shape=shape)
            ranking = self.binary(shape, task, form)
            tversky = self.make("tversky", {"alpha": 0.3, "beta": 0.7, **overlap},
                                "Tversky with beta > alpha (Salehi et al. 2017) penalises missed foreground "
                                "more than false alarms, for small structures.", ("imbalance_ratio",),
                                task=task, targets=targets, shape=shape)
            return [dice, *ranking[:1], tversky, *ranking[1:]] if imbalanced else [*ranking[:1], dice, *ranking[1:]]
        if form == "multi_hot":
            dense = {**self.logits(), "axis": -1}
            dice = self.make("dice", dense,
                             "Dice per channel scores each mask's overlap (a sigmoid per channel), so small "
                             "structures count as much as large ones.", ("class_counts",),
                             task=task, targets="as_given", shape=shape)
            return [dice, *self.multilabel(task)]
        if form == "probabilities":
            return self.probabilities(task, form)
        labels_shape = shape[:-1] if form == "one_hot" else shape
        prediction_shape = labels_shape + (self.width or classes,)
        overlap = {**self.logits(), "axis": -1}
        dice = self.make("dice", overlap,
                         "Dice per class scores the overlap of each class's mask (a softmax over the classes), so "
                         "small classes count as much as the background.", ("class_counts",),
                         task=task, targets="class_indices", shape=prediction_shape)
        tversky = self.make("tversky", {"alpha": 0.3, "beta": 0.7, **overlap},
                            "Tversky with beta > alpha (Salehi et al. 2017) penalises missed pixels of a class more "
                            "than false alarms, for small structures.", ("imbalance_ratio",),
                            task=task, targets="class_indices", shape=prediction_shape)
        if form == "one_hot":
            pixelwise = self.probabilities(task, form, shape=shape)
        else:
            pixelwise = self.multiclass(task, form, shape=prediction_shape)
        if imbalanced:
            return [dice, pixelwise[0], tversky, *pixelwise[1:]]
        return [pixelwise[0], dice, *pixelwise[1:]]

    def regression(self, task: str) -> list[Suggestion]:
        e = self.evidence
        shape = self.values.shape
        delta = {} if e.huber_delta is None else {"delta": e.huber_delta}
        share = f"{e.outlier_fraction:.1%}" if e.outlier_fraction is not None else "no"
        keys = ("outlier_fraction", "robust_scale", "huber_delta")
        mse = self.make("mean_squared_error", {},
                        "Squared error is the likelihood of Gaussian noise and the standard loss for a linear "
                        "output" + (", but outliers dominate it." if _has_outliers(e) else "."),
                        ("outlier_fraction",), task=task, targets="as_given", shape=shape, prediction="values")
        huber = self.make("huber", delta,
                          f"Huber is squared near 0 and linear beyond delta = 1.345 robust σ, so the {share} of "
                          "outliers pull less than under MSE.", keys,
                          task=task, targets="as_given", shape=shape, prediction="values")
        mae = self.make("mean_absolute_error", {},
                        f"Absolute error grows linearly, so the {share} of outliers pull no more than any other "
                        "error (it fits the median).", ("outlier_fraction",),
                        task=task, targets="as_given", shape=shape, prediction="values")
        log_cosh = self.make("log_cosh", {},
                             "Log-cosh is squared for small errors and linear for large ones, smooth everywhere "
                             "(a Huber without a delta to choose).", ("outlier_fraction",),
                             task=task, targets="as_given", shape=shape, prediction="values")
        ranking = [huber, mae, log_cosh, mse] if _has_outliers(e) else [mse, huber, log_cosh]
        if e.output == "sigmoid":
            ranking.insert(0, self.make("binary_cross_entropy", {"from_logits": False},
                                        "A sigmoid output with targets in [0, 1] goes with cross-entropy on the "
                                        "targets as probabilities.", ("task",),
                                        task=task, targets="as_given", shape=shape))
        return ranking

    def counts(self) -> list[Suggestion]:
        e = self.evidence
        task, shape = "counts", self.values.shape
        rates = self.predictions is not None and self.predictions.low >= 0
        poisson = self.make("poisson", {"log_input": not rates},
                            "Counts are Poisson-like, so the Poisson likelihood of "
                            + ("the predicted rates" if rates else "a linear output read as the log-rate")
                            + " fits them.", ("zero_fraction",),
                            task=task, targets="as_given", shape=shape, prediction="rates" if rates else "log-rates")
        ranking = [poisson]
        if (e.skew or 0.0) >= SKEWED:
            ranking.append(self.make("mean_squared_logarithmic_error", {},
                                     f"The counts are skewed (skew {_number(e.skew)}), so errors on log(1 + y) "
                                     "weigh large counts relatively.", ("skew",),
                                     task=task, targets="as_given", shape=shape, prediction="values"))
        return ranking + [s for s in self.regression(task) if s.loss != "binary_cross_entropy"][:2]

    def positive_skewed(self) -> list[Suggestion]:
        e = self.evidence
        task, shape = "positive_skewed", self.values.shape
        msle = self.make("mean_squared_logarithmic_error", {},
                         f"The values are non-negative and skewed (skew {_number(e.skew)}), so squared error on "
                         "log(1 + y) measures relative errors; predict non-negative values.", ("skew",),
                         task=task, targets="as_given", shape=shape, prediction="values")
        log_cosh = self.make("log_cosh", {},
                             "Log-cosh grows only linearly for the large errors of the long tail.", ("skew",),
                             task=task, targets="as_given", shape=shape, prediction="values")
        huber = [s for s in self.regression(task) if s.loss == "huber"]
        return [msle, log_cosh, *huber]


def _has_outliers(evidence: Evidence) -> bool:
    return (evidence.outlier_fraction or 0.0) >= OUTLIERS


# ----------------------------------------------------------------- text


def _plain(value: Any) -> Any:
    """A NumPy scalar as a Python int where it is integral, else a Python float."""
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number


def _number(value: float | None) -> str:
    """A number in at most four significant digits, without an exponent between 1e-3 and 1e15."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.4g}")
    if rounded.is_integer() and abs(rounded) < 1e15:
        return f"{int(rounded):,}"
    return f"{rounded:.4g}" if abs(rounded) < 1e-3 else f"{rounded:,.{max(0, 3 - math.floor(math.log10(abs(rounded))))}f}".rstrip("0").rstrip(".")


def _vector(value: Any, limit: int = 8) -> str:
    if not isinstance(value, (tuple, list)):
        return _number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)
    shown = ", ".join(_number(v) for v in value[:limit])
    return f"[{shown}, … ({len(value)} values)]" if len(value) > limit else f"[{shown}]"


def _pairs(classes: tuple[float, ...], counts: tuple[float, ...], limit: int = 8) -> str:
    pairs = [f"{_number(c)}: {_number(n)}" for c, n in zip(classes[:limit], counts[:limit])]
    more = f" … ({len(classes) - limit} more)" if len(classes) > limit else ""
    return " · ".join(pairs) + more


def _shapes_text(suggestion: Suggestion) -> str:
    return f"y_pred: {suggestion.prediction}, shape {suggestion.prediction_shape}; {TARGET_FORMS[suggestion.targets]}"


def _is_range(classes: tuple[float, ...] | None) -> bool:
    return classes is not None and list(classes) == list(range(len(classes)))


# ----------------------------------------------------------------- snippets

#: Vector options longer than this are read back from lossx.suggest in a snippet instead of written out.
_LONGEST_LITERAL = 16
_CODE_WIDTH = 79


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, int):
        return repr(value)
    return repr(float(f"{value:.4g}"))


def _call(head: str, arguments: list[str], tail: str = "") -> list[str]:
    """``head(arguments)tail`` on one line, or one argument per line where that is too wide."""
    line = f"{head}({', '.join(arguments)}){tail}"
    if len(line) <= _CODE_WIDTH:
        return [line]
    lines = [f"{head}("]
    for argument in arguments:
        if len(argument) + 5 <= _CODE_WIDTH:
            lines.append(f"    {argument},")
            continue
        name, _, literal = argument.partition("=")
        lines.append(f"    {name}=[")
        items = literal.strip("[]").split(", ")
        row = "       "
        for item in items:
            if len(row) + len(item) + 2 > _CODE_WIDTH:
                lines.append(row.rstrip())
                row = "       "
            row += f" {item},"
        lines.append(row.rstrip())
        lines.append("    ],")
    lines.append(f"){tail}")
    return lines


def _assignment(name: str, expression: str) -> list[str]:
    """``name = expression``, the outermost call's arguments one per line where the line is too wide."""
    line = f"{name} = {expression}"
    if len(line) <= _CODE_WIDTH:
        return [line]
    tree = ast.parse(expression, mode="eval").body
    call = tree.value if isinstance(tree, ast.Subscript) else tree
    if not isinstance(call, ast.Call):
        return [line]
    head = ast.get_source_segment(expression, call.func)
    arguments = [ast.get_source_segment(expression, node) for node in [*call.args, *call.keywords]]
    tail = expression[call.end_col_offset:]
    return _call(f"{name} = {head}", arguments, tail)


def _target_code(result: Suggestions, suggestion: Suggestion) -> str:
    """A NumPy expression for suggestion's targets, in terms of ``y_true``."""
    evidence = result.evidence
    if suggestion.targets == "class_indices":
        if evidence.target_format in ("one_hot", "probabilities"):
            return "y_true.argmax(axis=-1)"
        if _is_range(evidence.classes):
            return "y_true.astype(np.int64)"
        return f"np.searchsorted(np.array({_literal(evidence.classes)}), y_true)"
    if suggestion.targets == "is_positive" and evidence.classes is not None:
        positive = evidence.classes[-1]
        if positive == 1 and evidence.classes[0] == 0:
            return "y_true.astype(np.float32)"
        return f"(y_true == {_literal(positive)}).astype(np.float32)"
    return "y_true.astype(np.float32)"


#: The losses that take dense targets against a softmax over the class axis (the others: a sigmoid per entry).
_SOFTMAX_OVER_TARGETS = frozenset({"categorical_cross_entropy", "categorical_focal_cross_entropy", "kl_divergence"})


def _stand_in(suggestion: Suggestion, framework: str) -> tuple[str, str]:
    """A stand-in for the model's output (its code and its comment): a valid prediction of the right shape."""
    shape = suggestion.prediction_shape
    fill = 0.0
    if suggestion.prediction == "probabilities":
        softmax = suggestion.targets == "class_indices" or suggestion.loss in _SOFTMAX_OVER_TARGETS
        fill = 1.0 / shape[-1] if softmax else 0.5
    shape_text = repr(tuple(shape))
    if framework == "torch":
        sizes = ", ".join(str(n) for n in shape)
        code = (f"torch.zeros({sizes}, requires_grad=True)" if fill == 0 else
                f"torch.full(({sizes}{',' if len(shape) == 1 else ''}), {_literal(fill)}, requires_grad=True)")
    else:
        module = {"numpy": "np", "jax": "jnp", "keras": "keras.ops"}[framework]
        code = f"{module}.zeros({shape_text})" if fill == 0 else f"{module}.full({shape_text}, {_literal(fill)})"
    return code, f"a stand-in for your model's {suggestion.prediction}"


def _keras_options(loss: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` under the names of lossx.backends.keras's class, where it is Keras's preset (Dice, Tversky)."""
    from ._presets import presets
    from ._registry import lookup

    preset = next((p for p in presets("keras") if p.loss == loss and p.replaces_own_class), None)
    if preset is None:
        return dict(options)
    defaults = {option.name: option.default for option in lookup(loss).options}
    chosen = {**{name: defaults[name] for name in preset.defaults}, **options}
    return preset.framework_config(chosen)


def _snippet(result: Suggestions, suggestion: Suggestion, rank: int, framework: str, load: str | None,
             load_predictions: str | None) -> str:
    from ._registry import lookup

    options = dict(suggestion.options)
    long_options = [k for k, v in options.items() if isinstance(v, (tuple, list)) and len(v) > _LONGEST_LITERAL]
    lines = ["import numpy as np"]
    if framework == "numpy" or long_options:
        lines.append("import lossx")
    camel = lookup(suggestion.loss).camel_name
    if framework == "torch":
        lines += ["import torch", f"from lossx.backends.torch import {camel}"]
    elif framework == "jax":
        lines += ["import jax", "import jax.numpy as jnp", "from lossx.backends import jax as lx"]
    elif framework == "keras":
        lines += ["import keras", f"from lossx.backends.keras import {camel}"]
    lines.append("")
    lines += _assignment("y_true", load) if load else ["# y_true: the targets given to lossx.suggest"]
    target = _target_code(result, suggestion)
    if framework == "torch":
        target = f"torch.as_tensor({target})"
    elif framework == "jax":
        target = f"jnp.asarray({target})"
    lines.append(f"targets = {target}")
    if load_predictions:
        prediction = {"numpy": "{}", "torch": "torch.as_tensor({}, dtype=torch.float32).requires_grad_()",
                      "jax": "jnp.asarray({}, dtype=jnp.float32)", "keras": "keras.ops.convert_to_tensor({})"}
        lines += _assignment("y_pred", prediction[framework].format(load_predictions))
    else:
        code, comment = _stand_in(suggestion, framework)
        lines += [f"# {comment}, shape {suggestion.prediction_shape}:", f"y_pred = {code}"]
    if long_options:
        evidence = result.evidence
        # Asked for its own task, an alternative reading's suggestion comes first.
        index = rank - 1 if suggestion.task == evidence.task else 0
        arguments = ["y_true", *([] if not load_predictions else ["y_pred=y_pred"]),
                     f"task={suggestion.task!r}", f"output={evidence.output!r}"]
        lines += _call("options = lossx.suggest", arguments, f"[{index}].options")
        lines.append(f"# {', '.join(long_options)}: one value per class, as lossx.suggest measured them")
        arguments = ["**options"]
    else:
        given = _keras_options(suggestion.loss, options) if framework == "keras" else options
        arguments = [f"{name}={_literal(value)}" for name, value in given.items()]
    if framework == "numpy":
        lines += _call(f"loss = lossx.{suggestion.loss}", ["y_pred", "targets", *arguments])
        lines.append("print(float(loss))")
    elif framework == "torch":
        lines += _call(f"criterion = {camel}", arguments)
        lines += ["loss = criterion(y_pred, targets)", "loss.backward()", "print(loss.item())"]
    elif framework == "jax":
        lines += ["", "", "def objective(y_pred):"]
        lines += ["    " + line for line in _call(f"return lx.{suggestion.loss}", ["y_pred", "targets", *arguments])]
        lines += ["", "", "loss, gradient = jax.value_and_grad(objective)(y_pred)", "print(float(loss))"]
    else:
        lines += _call(f"loss_fn = {camel}", arguments)
        lines += ["print(float(loss_fn(targets, y_pred)))  # Keras's order: (y_true, y_pred)",
                  "# model.compile(optimizer=\"adam\", loss=loss_fn)"]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- files


def load_array(path: str | Path, column: str | None = None, *, every_column: bool = False) -> tuple[np.ndarray, str]:
    """The numbers in ``path`` (``.npy``, CSV or text) and the NumPy code that reads them.

    CSV (a ``.csv`` name, or a first line with a comma): ``column`` is a header name or
    a 0-based index, and may be left out when there is one column or ``every_column``
    reads them all (as rows). Text: numbers separated by whitespace, one row per line
    for 2-D data. ``.npy``: any array; for a 2-D one, ``column`` may pick a column by index.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file.")
    with path.open("rb") as handle:
        start = handle.read(6)
    if start == b"\x93NUMPY":
        array, code = _load_npy(path), f"np.load({str(path)!r})"
    elif path.suffix == ".npy":
        raise DataError(f"{path} is not a .npy file (it does not start with NumPy's header); write it with np.save.")
    else:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = next((line for line in handle if line.strip()), "")
        if path.suffix == ".csv" or "," in first:
            return _load_csv(path, first, column, every_column)
        array, code = _load_text(path), f"np.loadtxt({str(path)!r})"
    if column is None:
        return array, code
    if array.ndim != 2:
        raise DataError(f"{path} holds an array of shape {array.shape}; --column picks a column of a 2-D array.")
    if not column.isdigit():
        raise DataError(f"{path} has no column names (only CSV files do); pass a 0-based index below "
                        f"{array.shape[1]}.")
    index = int(column)
    if index >= array.shape[1]:
        raise DataError(f"{path} has {array.shape[1]} columns; pass a 0-based index below {array.shape[1]}.")
    return array[:, index], f"{code}[:, {index}]"


def _load_npy(path: Path) -> np.ndarray:
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataError(f"{path} holds Python objects (mixed types?); save an array of numbers with "
                            "np.save.") from None
        raise DataError(f"{path} is not a readable .npy file ({error}).") from None
    except (OSError, EOFError) as error:
        raise DataError(f"{path} is not a readable .npy file ({error}).") from None
    if not isinstance(loaded, np.ndarray):
        raise DataError(f"{path} is an .npz archive; save the targets alone with np.save.")
    return loaded


def _load_text(path: Path) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return np.loadtxt(path, ndmin=1)
    except ValueError as error:
        raise DataError(f"{path} does not parse as text of numbers ({error}); write numbers separated by spaces "
                        "or newlines, one row per line for 2-D data, or save the array with np.save.") from None


def _csv_fields(line: str) -> list[str]:
    return [field.strip().strip('"').strip("'").strip() for field in line.rstrip("\r\n").split(",")]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _load_csv(path: Path, first: str, column: str | None, every_column: bool) -> tuple[np.ndarray, str]:
    fields = _csv_fields(first)
    header = not all(_is_number(field) for field in fields)
    names = fields if header else [str(i) for i in range(len(fields))]
    listed = ", ".join(f"{i}: {name}" for i, name in enumerate(names)) if header else f"0..{len(names) - 1}"
    if column is None and every_column:
        code = f"np.loadtxt({str(path)!r}, delimiter=',', skiprows={int(header)}, ndmin=1)"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return np.loadtxt(path, delimiter=",", skiprows=int(header), ndmin=1), code
        except ValueError as error:
            raise DataError(f"{path} does not parse as CSV of numbers ({error}); every cell must be a number.") from None
    if column is None:
        if len(fields) != 1:
            raise DataError(f"{path} has {len(fields)} columns ({listed}); pass --column NAME or a 0-based INDEX.")
        index = 0
    elif header and column in names:
        index = names.index(column)
    elif column.isdigit() and int(column) < len(fields):
        index = int(column)
    else:
        raise DataError(f"{path} has no column {column!r}; its columns are {listed} (a name or a 0-based index).")
    code = (f"np.loadtxt({str(path)!r}, delimiter=',', skiprows={int(header)}, usecols={index}, ndmin=1)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            array = np.loadtxt(path, delimiter=",", skiprows=int(header), usecols=index, ndmin=1)
    except ValueError as error:
        raise DataError(f"{path}: column {names[index]!r} does not parse as numbers ({error}); every cell must "
                        "be a number (encode class names as integers 0..C−1, fill empty cells).") from None
    return array, code


# ----------------------------------------------------------------- the command


def add_command(commands: Any) -> None:
    """Register ``lossx suggest`` with the command line's subparsers."""
    from .cli import EXIT_STATUS

    command = commands.add_parser(
        "suggest", help="suggest a loss for your targets, with options measured on them",
        epilog=EXIT_STATUS["suggest"],
        description="Reads the targets in FILE (.npy, CSV with --column, or text: numbers separated by spaces or "
                    "newlines, one row per line), infers the task, measures the evidence (class counts and "
                    "weights, outliers, zero fraction, skew) and prints the ranked losses with ready options "
                    "and a code snippet for the chosen framework. docs/choosing.md describes the rules.")
    command.add_argument("file", metavar="FILE", help="the targets: .npy, .csv or text")
    command.add_argument("--column", metavar="NAME_OR_INDEX",
                         help="the CSV column (a header name or a 0-based index), or a column of a 2-D array")
    command.add_argument("--framework", choices=FRAMEWORKS, default="numpy",
                         help="the snippet's framework: numpy (default), torch, jax or keras")
    command.add_argument("--output", choices=tuple(OUTPUTS),
                         help="the model's last activation: logits, sigmoid, softmax or linear")
    command.add_argument("--task", choices=tuple(TASKS), metavar="TASK",
                         help=f"the task instead of inferring it: {', '.join(TASKS)}")
    command.add_argument("--predictions", metavar="FILE",
                         help="the model's predictions for these targets (.npy, CSV or text, every column)")


def run(console: Console, arguments: argparse.Namespace) -> int:
    """``lossx suggest``: print the evidence, the ranking and a snippet; the exit status."""
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    from ._config import installed_backends

    y_true, load = load_array(arguments.file, arguments.column)
    y_pred, load_predictions = (None, None) if arguments.predictions is None else load_array(
        arguments.predictions, every_column=True)
    result = suggest(y_true, y_pred=y_pred, task=arguments.task, output=arguments.output)
    console.rule(Text.assemble(("lossx suggest", "bold"), f" {arguments.file}"), align="left")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column()
    for label, text in result.evidence.rows():
        grid.add_row(label, Text(text, style="yellow" if label in ("ambiguity", "note") else ""))
    console.print(grid)
    console.print()
    console.print(Text("Suggestions, best first", style="bold"))
    ranking = Table.grid(padding=(0, 1))
    ranking.add_column(no_wrap=True, justify="right")
    ranking.add_column()
    for rank, suggestion in enumerate(result, 1):
        call = Text.assemble((suggestion.loss, "bold cyan"), suggestion.call_text()[len(suggestion.loss):])
        shape = Text(_shapes_text(suggestion), style="dim")
        ranking.add_row(f"{rank}.", Text("\n").join([call, Text(suggestion.reason), shape]))
    console.print(ranking)
    console.print()
    framework = arguments.framework
    chosen = " (--framework torch, jax or keras for another)" if framework == "numpy" else ""
    console.print(Text.assemble(("Code", "bold"), f" for suggestion 1, {framework}{chosen}:"))
    backend = "keras" if framework == "keras" else framework
    if backend not in installed_backends():
        console.print(Text(f"{framework} is not installed here: pip install 'lossx[{framework}]'.", style="yellow"))
    code = result.snippet(framework, load=load, load_predictions=load_predictions)
    console.print(Syntax(code, "python", theme="ansi_dark", background_color="default", word_wrap=True))
    return 0
