"""``lossx.suggest``: read the targets, infer the task, measure the evidence, rank the losses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .._errors import OptionValueError
from .arrays import _as_array, _Values
from .definitions import _VALUES, FEW_TARGETS, OUTPUTS, TASKS
from .evidence import _class_statistics, _spread_statistics
from .predictions import _check_output_matches, _fit_output, _fit_prediction_shape, _read_predictions
from .result import Evidence, Suggestions
from .rules import _Plan
from .task import _forced, _infer
from .text import _TASK_TEXT, _number


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
    output_source = None if output is None else "argument"
    predictions_kind, predictions_note = None, None
    if predictions is not None:
        reading, layout = _fit_prediction_shape(reading, values, predictions, given_task=task is not None)
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
        task=reading.task,
        inferred=task is None,
        ambiguous=bool(reading.alternatives),
        ambiguity=reading.why,
        alternatives=reading.alternatives,
        shape=values.shape,
        count=values.size,
        target_format=reading.format,
        multilabel=reading.task == "multilabel" or reading.format == "multi_hot",
        zero_fraction=values.zero_fraction,
        output=output,
        output_source=output_source,
        predictions=predictions_kind,
        predictions_note=predictions_note,
        notes=tuple(notes),
        **classes,
        **spread,
    )
    plan = _Plan(evidence, values, layout, predictions)
    ranking = list(plan.suggestions(reading.task, reading.format))
    for alternative, alternative_format in zip(reading.alternatives, reading.alternative_formats, strict=True):
        first = plan.suggestions(alternative, alternative_format)[0]
        reason = f"If these are {_TASK_TEXT[alternative]}: {first.reason[0].lower()}{first.reason[1:]}"
        ranking.append(replace(first, reason=reason))
    return Suggestions(evidence=evidence, ranking=tuple(ranking))


def _check_choice(name: str, value: str | None, choices: Mapping[str, str]) -> None:
    if value is not None and value not in choices:
        listed = "; ".join(f"{key!r}: {text}" for key, text in choices.items())
        raise OptionValueError(f"{name}={value!r} is not one of the accepted values: {listed}.")
