"""NumPy adapter: functions that accept array-likes and return NumPy results.

``lossx.backends.numpy.huber(y_pred, y_true, delta=1.0)`` and the frozen callable
object ``lossx.backends.numpy.Huber(delta=1.0)``; both are generated from the
registry on first access (see :mod:`lossx.backends`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._call import compute
from .._signatures import loss_function
from .._spec import LossSpec
from ..losses import linear as _linear
from ._generate import FrozenLoss, class_doc, lazy_module


def _as_prediction(value: Any) -> np.ndarray:
    array = np.asarray(value)
    return array.astype(np.float64) if array.dtype.kind in "iub" and not isinstance(value, np.ndarray) else array


def _as_array(value: Any) -> Any:
    return None if value is None else np.asarray(value)


def _run(spec: LossSpec, inputs, options, reduction, sample_weight, mask, total_weight=None, mean_across=None) -> Any:
    y_pred, *others = inputs
    result = np.asarray(
        compute(
            spec,
            (_as_prediction(y_pred), *map(_as_array, others)),
            options,
            reduction,
            _as_array(sample_weight),
            _as_array(mask),
            total_weight=total_weight,
            mean_across=mean_across,
        )
    )
    return result[()] if result.ndim == 0 else result


class NumpyLoss(FrozenLoss):
    """Base of the generated NumPy loss objects."""

    run = staticmethod(_run)


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (NumpyLoss,), {"spec": spec, "__doc__": class_doc(spec, "NumPy")})


def linear_cross_entropy(hidden: Any, weight: Any, labels: Any, **named: Any) -> Any:
    """:func:`lossx.linear_cross_entropy` on array-likes, chunked; the result as NumPy (a scalar for "mean"/"sum")."""
    result = np.asarray(
        _linear.linear_cross_entropy(
            _as_prediction(hidden),
            np.asarray(weight),
            np.asarray(labels),
            **{name: _as_array(value) if name in _LINEAR_ARRAYS else value for name, value in named.items()},
        )
    )
    return result[()] if result.ndim == 0 else result


_LINEAR_ARRAYS = ("bias", "sample_weight")


__getattr__, __dir__ = lazy_module(
    globals(), lambda spec: loss_function(spec, _run), _make_class, exported=("NumpyLoss", "linear_cross_entropy")
)
