"""Example inputs and showcase option sets of the regression losses: what ``lossx compare`` exercises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._common import Showcase, regression_example

__all__ = [
    "gaussian_example",
    "log_example",
    "percentage_example",
    "poisson_example",
    "quantile_example",
    "regression_example",
    "HUBER",
    "MEAN_ABSOLUTE_PERCENTAGE_ERROR",
    "MEAN_SQUARED_LOGARITHMIC_ERROR",
    "SMOOTH_L1",
    "QUANTILE",
    "POISSON",
    "GAUSSIAN_NLL",
    "COSINE_SIMILARITY",
]


def percentage_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    y_true = rng.choice([-1.0, 1.0], (4, 6)) * rng.uniform(0.5, 3.0, (4, 6))
    return y_true + rng.standard_normal((4, 6)), y_true


def log_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    low = -0.9 if options.get("eps", 1e-7) is None else 0.01
    return rng.uniform(low, 4.0, (4, 6)), rng.uniform(low, 4.0, (4, 6))


def quantile_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    levels = options.get("quantile", 0.5)
    columns = 6 if isinstance(levels, float) else len(levels)
    return rng.standard_normal((4, columns)), rng.standard_normal((4, columns))


def poisson_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    log_rate = rng.standard_normal((4, 6))
    counts = rng.poisson(np.exp(log_rate) * 2.0).astype(np.float64)
    return (log_rate if options.get("log_input", False) else np.exp(log_rate)), counts


def gaussian_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((4, 6)), rng.standard_normal((4, 6)), rng.uniform(0.1, 2.0, (4, 6))


# The option sets `lossx compare` runs, per loss.
HUBER: Showcase = ({}, {"delta": 0.5})
MEAN_ABSOLUTE_PERCENTAGE_ERROR: Showcase = ({}, {"eps": 1.0})
MEAN_SQUARED_LOGARITHMIC_ERROR: Showcase = ({}, {"eps": None})

SMOOTH_L1: Showcase = ({}, {"beta": 0.5}, {"beta": 0.0})
QUANTILE: Showcase = ({}, {"quantile": 0.9}, {"quantile": (0.1, 0.5, 0.9)})
POISSON: Showcase = ({}, {"log_input": True}, {"log_input": True, "full": True}, {"full": True, "eps": 1e-8})
GAUSSIAN_NLL: Showcase = ({}, {"full": True}, {"eps": 0.5})
COSINE_SIMILARITY: Showcase = ({}, {"axis": 0}, {"eps": 0.0})
