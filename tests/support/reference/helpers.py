"""mpmath helpers shared by the independent reference implementations (tests/support/reference/).

Values are NumPy object arrays of mpmath numbers at 40 significant digits; the
elementwise functions below apply mpmath's own functions entry by entry.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

mp = mpmath.MPContext()
mp.dps = 40
ZERO, ONE = mp.mpf(0), mp.mpf(1)

to_mp = np.frompyfunc(lambda v: mp.mpf(float(v)), 1, 1)
to_float = np.frompyfunc(float, 1, 1)
log = np.frompyfunc(mp.log, 1, 1)
exp = np.frompyfunc(mp.exp, 1, 1)
tanh = np.frompyfunc(mp.tanh, 1, 1)
absolute = np.frompyfunc(abs, 1, 1)


def mp_array(x: Any) -> np.ndarray:
    """A float array (or scalar) as an object array of mpf, value for value."""
    return np.asarray(to_mp(np.asarray(x, dtype=np.float64)), dtype=object)


def as_float64(x: Any) -> np.ndarray:
    return np.asarray(to_float(np.asarray(x, dtype=object)), dtype=np.float64)


def mp_scalar(value: float) -> Any:
    return mp.mpf(float(value))


def positive_part(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, ZERO)


def sigmoid_logs(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(log σ(x), log(1 − σ(x)))`` = ``(−log(1 + e^−x), −log(1 + e^x))``."""
    return -log(1 + exp(-logits)), -log(1 + exp(logits))


def log_probabilities(y_pred: np.ndarray, from_logits: bool, axis: int) -> np.ndarray:
    if not from_logits:
        return log(y_pred)
    return y_pred - log(np.sum(exp(y_pred), axis=axis, keepdims=True))


def times_log(weight: np.ndarray, log_value: np.ndarray) -> np.ndarray:
    """``weight·log_value`` with ``0·log 0 = 0`` (mpmath gives NaN for 0·(−inf))."""
    return np.where(weight == 0, ZERO, weight * log_value)


def class_vector(values: Any, ndim: int, axis: int) -> np.ndarray:
    shape = [1] * ndim
    shape[axis] = -1
    return mp_array(values).reshape(shape)


log1p = np.frompyfunc(mp.log1p, 1, 1)
sqrt = np.frompyfunc(mp.sqrt, 1, 1)
power = np.frompyfunc(mp.power, 2, 1)
cosh = np.frompyfunc(mp.cosh, 1, 1)
