"""Matrix option sets of the regression losses (see tests/support/cases/__init__.py and tests/numerics/test_matrix.py).

Inputs are float32-representable and kept away from each loss's kinks and clamps
(|e| near 0 or β, a rate or variance near its floor ε, |y_true| near MAPE's floor),
so the central-difference reference gradients are exact.
"""

from __future__ import annotations

import functools

import numpy as np

from tests.support.cases import LABEL_WEIGHTINGS, Case, away_from, f32


def _residuals(rng, options, scale=1.5, kinks=(0.0,)):
    while True:
        y_pred, y_true = f32(rng.standard_normal((3, 4)) * scale), f32(rng.standard_normal((3, 4)))
        if away_from(np.abs(y_pred - y_true), kinks):
            return y_pred, y_true


def _smooth_l1(rng, options):
    return _residuals(rng, options, kinks=(0.0, options.get("beta", 1.0)))


def _percentage(rng, options):
    """|y_true| ≥ 0.25 by default; with a floor ε, entries on both sides of it."""
    eps = options.get("eps", 1e-7)
    low = 0.05 if eps >= 0.25 else 0.25
    while True:
        y_true = f32(rng.choice([-1.0, 1.0], (3, 4)) * rng.uniform(low, 2.0, (3, 4)))
        y_pred = f32(y_true + rng.standard_normal((3, 4)))
        if away_from(y_pred - y_true, (0.0,)) and away_from(np.abs(y_true), (eps,)):
            return y_pred, y_true


def _logarithmic(rng, options):
    """Positive inputs (≥ 0.01, far above the default floor); with eps=None also (−0.9, 0)."""
    eps = options.get("eps", 1e-7)
    low = -0.9 if eps is None else 0.01
    while True:
        y_pred, y_true = f32(rng.uniform(low, 3.0, (3, 4))), f32(rng.uniform(low, 3.0, (3, 4)))
        floor = 1e-7 if eps is None else eps
        if away_from(y_pred, (floor,)) and away_from(y_true, (floor,)):
            return y_pred, y_true


def _quantile(rng, options):
    return _residuals(rng, options, scale=1.0)


def _poisson(rng, options):
    """Counts 0..6 (so ``full`` meets t ≤ 1 and t > 1); rates ≥ 0.05 or log-rates."""
    counts = f32(rng.integers(0, 7, (3, 4)))
    counts.flat[:3] = (0.0, 1.0, 2.0)
    if options.get("log_input"):
        return f32(rng.standard_normal((3, 4))), counts
    return f32(rng.uniform(0.05, 4.0, (3, 4))), counts


def _gaussian(rng, options, variance_shape=(3, 4)):
    """Variances on both sides of ε when ε is large, else well above it."""
    eps = options.get("eps", 1e-6)
    while True:
        mean, target = f32(rng.standard_normal((3, 4)) * 1.5), f32(rng.standard_normal((3, 4)))
        variance = f32(rng.uniform(0.05 if eps >= 0.1 else 0.2, 2.0, variance_shape))
        if away_from(variance, (eps,)):
            return mean, target, variance


def _cosine(rng, options, shape=(3, 4), short_row=False):
    y_pred, y_true = rng.standard_normal(shape), rng.standard_normal(shape)
    if short_row:
        # One vector shorter than ε (norm ~0.1), one just above it: both sides of the floor.
        y_pred[0] *= 0.1 / np.linalg.norm(y_pred[0])
        y_true[1] *= 0.7 / np.linalg.norm(y_true[1])
    return f32(y_pred), f32(y_true)


QVEC = (0.125, 0.25, 0.75, 0.875)  # exact in float32
CASES: list[Case] = [
    Case("mape", "mean_absolute_percentage_error", "default", {}, _percentage),
    Case("mape", "mean_absolute_percentage_error", "eps0.5", {"eps": 0.5}, _percentage, LABEL_WEIGHTINGS),
    Case("msle", "mean_squared_logarithmic_error", "default", {}, _logarithmic),
    Case("msle", "mean_squared_logarithmic_error", "eps_none", {"eps": None}, _logarithmic),
    Case("msle", "mean_squared_logarithmic_error", "eps0.5", {"eps": 0.5}, _logarithmic),
    Case("smooth_l1", "smooth_l1", "default", {}, _smooth_l1),
    Case("smooth_l1", "smooth_l1", "beta0.5", {"beta": 0.5}, _smooth_l1, LABEL_WEIGHTINGS),
    Case("smooth_l1", "smooth_l1", "beta0", {"beta": 0.0}, _smooth_l1),
    Case("log_cosh", "log_cosh", "default", {}, _residuals),
    Case("log_cosh", "log_cosh", "wide", {}, functools.partial(_residuals, scale=30.0)),
    Case("quantile", "quantile", "default", {}, _quantile),
    Case("quantile", "quantile", "q0.9", {"quantile": 0.9}, _quantile),
    Case("quantile", "quantile", "qvec", {"quantile": QVEC}, _quantile, LABEL_WEIGHTINGS),
    Case("poisson", "poisson", "default", {}, _poisson),
    Case("poisson", "poisson", "log_input", {"log_input": True}, _poisson),
    Case("poisson", "poisson", "log_input-full", {"log_input": True, "full": True}, _poisson, LABEL_WEIGHTINGS),
    Case("poisson", "poisson", "full-eps0.5", {"full": True, "eps": 0.5}, _poisson),
    Case("poisson", "poisson", "eps0", {"eps": 0.0}, _poisson),
    Case("gaussian_nll", "gaussian_nll", "default", {}, _gaussian, wrt=(0, 2)),
    Case("gaussian_nll", "gaussian_nll", "full", {"full": True}, _gaussian, LABEL_WEIGHTINGS, wrt=(0, 2)),
    Case(
        "gaussian_nll",
        "gaussian_nll",
        "eps0.25-var_n1",
        {"eps": 0.25},
        functools.partial(_gaussian, variance_shape=(3, 1)),
        wrt=(0, 2),
    ),
    Case("gaussian_nll", "gaussian_nll", "eps0.25", {"eps": 0.25}, _gaussian, wrt=(0, 1, 2)),
    Case("cosine_sim", "cosine_similarity", "default", {}, _cosine),
    Case(
        "cosine_sim",
        "cosine_similarity",
        "axis1",
        {"axis": 1},
        functools.partial(_cosine, shape=(2, 4, 3)),
        LABEL_WEIGHTINGS,
    ),
    Case("cosine_sim", "cosine_similarity", "eps0.5", {"eps": 0.5}, functools.partial(_cosine, short_row=True)),
    Case("cosine_sim", "cosine_similarity", "eps0", {"eps": 0.0}, _cosine, wrt=(0, 1)),
]
