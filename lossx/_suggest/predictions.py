"""What the predictions and the model's output settle: the layout of ``y_pred``, what it holds, and the
reading that fits ``output=``."""

from __future__ import annotations

from .._errors import OptionValueError, ShapeError
from .arrays import _Values
from .definitions import _VALUES
from .task import _Reading
from .text import _FORMAT_TEXT, _TASK_TEXT, _number


def _fit_prediction_shape(
    reading: _Reading, values: _Values, predictions: _Values, given_task: bool
) -> tuple[_Reading, str]:
    """The layout of ``y_pred`` ("elementwise" or "class_axis"), and the reading it settles."""
    target_shape, shape = values.shape, predictions.shape
    per_class = (*target_shape, "C")
    column_labels = values.ndim == 2 and values.column
    if shape == target_shape:
        layout = "elementwise"
    elif shape[-1] >= 2 and (shape[:-1] == target_shape or (column_labels and shape[:-1] == target_shape[:-1])):
        layout = "class_axis"
    else:
        raise ShapeError(
            f"y_pred has shape {shape}, which does not fit targets of shape {target_shape}: give one "
            f"prediction per target, shape {target_shape}, or one column per class, shape {per_class}."
        )
    if layout == "class_axis":
        if reading.format in ("one_hot", "multi_hot", "probabilities"):
            raise ShapeError(
                f"y_pred has shape {shape}; targets of {_FORMAT_TEXT[reading.format]} take predictions "
                f"of their own shape, {target_shape}."
            )
        if reading.task == "binary":
            if given_task or shape[-1] != 2 or reading.format == "soft":
                raise ShapeError(
                    f"y_pred has shape {shape}; binary targets take one prediction per target, shape "
                    f"{target_shape} (task='multiclass' for one column per class)."
                )
            return reading.resolved("y_pred has two columns: two classes.", task="multiclass"), layout
        if "multiclass" in reading.alternatives:
            return reading.resolved(
                "y_pred has one column per class: class labels.", task="multiclass", format="labels"
            ), layout
        if reading.task not in ("multiclass", "segmentation"):
            raise ShapeError(
                f"y_pred has shape {shape}; {_TASK_TEXT[reading.task]} take one prediction per target, "
                f"shape {target_shape}."
            )
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
        if reading.task in ("multiclass", "probabilities") or reading.format in ("labels", "one_hot", "probabilities"):
            return "logits", "logits", f"logits: {span}, but rows that do not sum to 1"
    return "probabilities", "sigmoid", f"sigmoid probabilities: {span}"


def _check_output_matches(output: str, predictions: _Values, layout: str) -> None:
    if output in ("sigmoid", "softmax") and not predictions.in_unit:
        raise OptionValueError(
            f"output={output!r}, but y_pred has values in [{_number(predictions.low)}, {_number(predictions.high)}], "
            f"which a {output} cannot give: pass output='logits' (or the predictions after the {output})."
        )
    if output == "softmax" and layout == "class_axis" and not predictions.rows_sum_to_one:
        raise OptionValueError(
            "output='softmax', but the rows of y_pred do not sum to 1: pass output='logits' "
            "(or the predictions after the softmax)."
        )


def _fit_output(reading: _Reading, values: _Values, output: str | None, given_task: bool) -> _Reading:
    """The reading under ``output``, or an error naming the outputs that fit these targets."""
    if output is None:
        return reading
    task, form = reading.task, reading.format

    def refuse(fits: str, instead: str = "") -> None:
        raise OptionValueError(
            f"output={output!r} does not fit {_TASK_TEXT[task]} ({_FORMAT_TEXT[form]}): use {fits}{instead}."
        )

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
            return reading.resolved(
                "output='sigmoid' with targets in [0, 1]: soft binary targets.", task="binary", format="soft"
            )
    return reading
