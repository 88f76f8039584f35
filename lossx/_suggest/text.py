"""How suggest writes numbers, vectors and names in its evidence rows and reasons."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .definitions import TARGET_FORMS

if TYPE_CHECKING:
    from .result import Suggestion


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


def _plain(value: Any) -> Any:
    """A NumPy scalar as a Python int where it is integral, else a Python float."""
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _number(value: float | None) -> str:
    """A number in at most four significant digits, without an exponent between 1e-3 and 1e15."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.4g}")
    if rounded.is_integer() and abs(rounded) < 1e15:
        return f"{int(rounded):,}"
    return (
        f"{rounded:.4g}"
        if abs(rounded) < 1e-3
        else f"{rounded:,.{max(0, 3 - math.floor(math.log10(abs(rounded))))}f}".rstrip("0").rstrip(".")
    )


def _vector(value: Any, limit: int = 8) -> str:
    if not isinstance(value, (tuple, list)):
        return _number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)
    shown = ", ".join(_number(v) for v in value[:limit])
    return f"[{shown}, … ({len(value)} values)]" if len(value) > limit else f"[{shown}]"


def _pairs(classes: tuple[float, ...], counts: tuple[float, ...], limit: int = 8) -> str:
    pairs = [f"{_number(c)}: {_number(n)}" for c, n in zip(classes[:limit], counts[:limit], strict=True)]
    more = f" … ({len(classes) - limit} more)" if len(classes) > limit else ""
    return " · ".join(pairs) + more


def _shapes_text(suggestion: Suggestion) -> str:
    return f"y_pred: {suggestion.prediction}, shape {suggestion.prediction_shape}; {TARGET_FORMS[suggestion.targets]}"


def _is_range(classes: tuple[float, ...] | None) -> bool:
    return classes is not None and list(classes) == list(range(len(classes)))
