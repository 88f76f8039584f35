"""What ``lossx.suggest`` returns: the evidence measured on the targets and the ranked suggestions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import OptionValueError
from .arrays import _as_array
from .definitions import _VALUES, FRAMEWORKS, HUBER_K, OUTLIER_Z
from .snippets import _snippet
from .text import _FORMAT_TEXT, _is_range, _number, _pairs, _shapes_text, _vector


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
        rows = [
            (
                "task",
                f"{self.task} ({'inferred' if self.inferred else 'given'}"
                + (", ambiguous)" if self.ambiguous else ")"),
            )
        ]
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
            rows.append(
                ("", f"{_vector(self.class_weight_effective)} (effective number, β = {self.effective_number_beta!r})")
            )
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
            rows.append(
                (
                    "outliers",
                    f"{self.outlier_fraction:.1%} of the {self.outlier_basis} beyond "
                    f"{OUTLIER_Z} robust σ of their median (σ = {_number(self.robust_scale)})",
                )
            )
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

    ``targets`` names how ``y_true`` enters the loss (one of :data:`lossx._suggest.definitions.TARGET_FORMS`;
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
        if suggestion.targets == "is_positive" and self.evidence.classes is not None:  # as _target_code
            return (values == self.evidence.classes[-1]).astype(np.float64)
        return values

    def snippet(
        self, framework: str = "numpy", rank: int = 1, *, load: str | None = None, load_predictions: str | None = None
    ) -> str:
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
