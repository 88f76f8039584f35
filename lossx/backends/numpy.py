"""NumPy adapter: functions that accept array-likes and return NumPy results.

``lossx.backends.numpy.huber(y_pred, y_true, delta=1.0)`` and the frozen callable
object ``lossx.backends.numpy.Huber(delta=1.0)``; both are generated from the
registry on first access (see :mod:`lossx.backends`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._registry import LossSpec
from ._generate import class_doc, lazy_module, option_values_repr


def _as_array(value: Any) -> Any:
    return None if value is None else np.asarray(value)


def _as_prediction(value: Any) -> np.ndarray:
    array = np.asarray(value)
    return array.astype(np.float64) if array.dtype.kind in "iub" and not isinstance(value, np.ndarray) else array


def _result(value: Any) -> Any:
    array = np.asarray(value)
    return array[()] if array.ndim == 0 else array


class NumpyLoss:
    """Base of the generated loss objects: options frozen at construction."""

    spec: LossSpec

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        from .._reduction import check_reduction

        self.reduction = check_reduction(reduction)
        self.options = self.spec.validate(options)

    def __call__(self, y_pred: Any, y_true: Any, sample_weight: Any = None, mask: Any = None) -> Any:
        return _result(
            self.spec.compute(
                _as_prediction(y_pred), np.asarray(y_true), self.options, self.reduction,
                _as_array(sample_weight), _as_array(mask),
            )
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({option_values_repr({**self.options, 'reduction': self.reduction})})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (other.options, other.reduction) == (self.options, self.reduction)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.options.items()), self.reduction))


def _make_function(spec: LossSpec) -> Any:
    def loss(y_pred, y_true, *, reduction="mean", sample_weight=None, mask=None, **options):
        return _result(
            spec.compute(
                _as_prediction(y_pred), np.asarray(y_true), spec.validate(options), reduction,
                _as_array(sample_weight), _as_array(mask),
            )
        )

    return loss


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (NumpyLoss,), {"spec": spec, "__doc__": class_doc(spec, "NumPy")})


__getattr__, __dir__ = lazy_module(globals(), _make_function, _make_class)
