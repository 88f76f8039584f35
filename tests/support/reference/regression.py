"""Independent mpmath references of the regression losses (see tests/support/reference/__init__.py).

Each is the textbook formula evaluated in mpmath, never lossx's computation: log-cosh
through cosh, the Gaussian NLL with an explicit max, the cosine from norms.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.support.reference import helpers as M


def _at_least(x: np.ndarray, floor) -> np.ndarray:
    return np.where(x > floor, x, floor)


def mean_absolute_percentage_error(y_pred, y_true, eps=1e-7):
    denominator = _at_least(M.absolute(y_true), M.mp_scalar(eps))
    return 100 * M.absolute(y_pred - y_true) / denominator, None, None


def mean_squared_logarithmic_error(y_pred, y_true, eps=1e-7):
    if eps is not None:
        y_pred, y_true = _at_least(y_pred, M.mp_scalar(eps)), _at_least(y_true, M.mp_scalar(eps))
    return (M.log(1 + y_pred) - M.log(1 + y_true)) ** 2, None, None


def smooth_l1(y_pred, y_true, beta=1.0):
    beta = M.mp_scalar(beta)
    error = M.absolute(y_pred - y_true)
    if beta == 0:
        return error, None, None
    return np.where(error < beta, error**2 / (2 * beta), error - beta / 2), None, None


def log_cosh(y_pred, y_true):
    return M.log(M.cosh(y_pred - y_true)), None, None


def quantile(y_pred, y_true, quantile=0.5):
    tau = M.mp_array(quantile)  # a vector runs along the last axis by broadcasting
    error = y_true - y_pred
    return np.where(error >= 0, tau * error, (tau - 1) * error), None, None


def poisson(y_pred, y_true, log_input=False, full=False, eps=1e-7):
    if log_input:
        value = M.exp(y_pred) - y_true * y_pred
    else:
        rate = y_pred + M.mp_scalar(eps)
        value = y_pred - np.where(y_true == 0, M.ZERO, y_true * M.log(np.where(y_true == 0, M.ONE, rate)))
    if full:
        counts = np.where(y_true > 1, y_true, M.ONE)
        stirling = counts * M.log(counts) - counts + M.log(2 * M.mp.pi * counts) / 2
        value = value + np.where(y_true > 1, stirling, M.ZERO)
    return value, None, None


def gaussian_nll(mean, target, variance, full=False, eps=1e-6):
    variance = _at_least(variance, M.mp_scalar(eps))
    value = (M.log(variance) + (mean - target) ** 2 / variance) / 2
    if full:
        value = value + M.mp.log(2 * M.mp.pi) / 2
    return value, None, None


def cosine_similarity(y_pred, y_true, axis=-1, eps=1e-7):
    y_pred, y_true = np.broadcast_arrays(y_pred, y_true)
    eps = M.mp_scalar(eps)
    pred_norm = _at_least(M.sqrt(np.sum(y_pred**2, axis=axis)), eps)
    true_norm = _at_least(M.sqrt(np.sum(y_true**2, axis=axis)), eps)
    return -np.sum(y_pred * y_true, axis=axis) / (pred_norm * true_norm), None, None


LOSSES: dict[str, Callable[..., tuple]] = {
    f.__name__: f
    for f in (
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        smooth_l1,
        log_cosh,
        quantile,
        poisson,
        gaussian_nll,
        cosine_similarity,
    )
}
