"""Mapping rows of the regression losses (see tests/support/mapping/__init__.py)."""

from __future__ import annotations

import numpy as np

from tests.support.mapping import Row, regression_inputs

KERAS_SAMPLE = "Keras's functions give per-sample values (the mean over the last axis), as lossx's Keras functions do."
SAME_CLASS = "lossx's class of the same name is the drop-in, default options included (Keras's reductions)."
KERAS_LOG2 = (
    "rtol 1e-8: Keras computes its log 2 in float32 even for float64 inputs, an offset of "
    "1.9e-9 per element; lossx uses the float64 constant."
)


def _percentage(rng: np.random.Generator, zero_target: bool = False) -> dict[str, np.ndarray]:
    y_true = rng.choice([-1.0, 1.0], (4, 5)) * rng.uniform(0.25, 3.0, (4, 5))
    y_pred = y_true + rng.standard_normal((4, 5))
    if zero_target:
        y_true[1, 2] = 0.0
    return {"y_pred": y_pred, "y_true": y_true}


def _percentage_zero(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return _percentage(rng, zero_target=True)


def _logarithmic(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Predictions partly negative (Keras and lossx's default floor them at 1e-7)."""
    return {"y_pred": rng.uniform(-0.5, 4.0, (4, 5)), "y_true": rng.uniform(0.0, 4.0, (4, 5))}


def _logarithmic_above_minus_one(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"y_pred": rng.uniform(-0.9, 4.0, (4, 5)), "y_true": rng.uniform(-0.9, 4.0, (4, 5))}


def _wide(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Residuals from ~1 up to ~1e30 (cosh overflows float64 beyond ~710)."""
    scale = 10.0 ** rng.uniform(0, 30, (4, 5))
    return {"input": rng.standard_normal((4, 5)) * scale, "target": rng.standard_normal((4, 5))}


def _quantiles(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"y_pred": rng.standard_normal((6, 3)), "y_true": rng.standard_normal((6, 3))}


def _counts(rng: np.random.Generator) -> dict[str, np.ndarray]:
    log_rate = rng.standard_normal((4, 5))
    counts = rng.poisson(2.0 * np.exp(log_rate)).astype(np.float64)
    counts[0, :3] = (0.0, 1.0, 3.0)
    rate = np.exp(log_rate)
    return {"input": log_rate, "target": counts, "rate": rate, "y_true": counts, "y_pred": rate}


def _gaussian(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "input": rng.standard_normal((4, 5)) * 1.5,
        "target": rng.standard_normal((4, 5)),
        "var": rng.uniform(0.2, 2.0, (4, 5)),
        "var_col": rng.uniform(0.2, 2.0, (4, 1)),
        "small_var": rng.uniform(0.0, 0.3, (4, 5)),
    }


def _directions(rng: np.random.Generator) -> dict[str, np.ndarray]:
    y_pred, y_true = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    return {
        "input": y_pred,
        "target": y_true,
        "y_pred": y_pred,
        "y_true": y_true,
        "x3": rng.standard_normal((2, 4, 3)),
        "t3": rng.standard_normal((2, 4, 3)),
    }


def _directions_zero(rng: np.random.Generator) -> dict[str, np.ndarray]:
    inputs = _directions(rng)
    inputs["y_pred"] = inputs["y_pred"].copy()
    inputs["y_pred"][2] = 0.0
    return inputs


ROWS: list[Row] = [
    # ---------------------------------------------------------------- mean_absolute_percentage_error
    Row(
        "mean_absolute_percentage_error",
        "keras",
        "keras.losses.mean_absolute_percentage_error(y_true, y_pred)",
        "LK.mean_absolute_percentage_error(y_true, y_pred)",
        _percentage,
        KERAS_SAMPLE,
    ),
    Row(
        "mean_absolute_percentage_error",
        "keras",
        'keras.losses.MeanAbsolutePercentageError(dtype="float64")(y_true, y_pred)',
        'LK.MeanAbsolutePercentageError(dtype="float64")(y_true, y_pred)',
        _percentage_zero,
        SAME_CLASS + " One target is 0: both divide by the floor ε = 1e-7 there.",
    ),
    Row(
        "mean_absolute_percentage_error",
        "sklearn",
        "100 * sklearn.metrics.mean_absolute_percentage_error(y_true, y_pred)",
        "lossx.mean_absolute_percentage_error(y_pred, y_true, eps=np.finfo(np.float64).eps)",
        _percentage_zero,
        "scikit-learn returns a fraction (lossx a percentage) and floors |y_true| at the float64 machine "
        "epsilon (lossx's default ε is Keras's 1e-7); one target is 0.",
    ),
    # ---------------------------------------------------------------- mean_squared_logarithmic_error
    Row(
        "mean_squared_logarithmic_error",
        "keras",
        "keras.losses.mean_squared_logarithmic_error(y_true, y_pred)",
        "LK.mean_squared_logarithmic_error(y_true, y_pred)",
        _logarithmic,
        KERAS_SAMPLE + " Some predictions are negative: both raise them to ε = 1e-7.",
    ),
    Row(
        "mean_squared_logarithmic_error",
        "keras",
        'keras.losses.MeanSquaredLogarithmicError(dtype="float64")(y_true, y_pred)',
        'LK.MeanSquaredLogarithmicError(dtype="float64")(y_true, y_pred)',
        _logarithmic,
        SAME_CLASS,
    ),
    Row(
        "mean_squared_logarithmic_error",
        "sklearn",
        "sklearn.metrics.mean_squared_log_error(y_true, y_pred)",
        "lossx.mean_squared_logarithmic_error(y_pred, y_true, eps=None)",
        _logarithmic_above_minus_one,
        "eps=None: no floor, defined for inputs > −1 (scikit-learn raises at ≤ −1, lossx gives NaN/inf).",
    ),
    # ---------------------------------------------------------------- smooth_l1
    Row(
        "smooth_l1",
        "torch",
        "F.smooth_l1_loss(input, target, beta=0.5)",
        "lossx.smooth_l1(input, target, beta=0.5)",
        regression_inputs,
        grad="input",
    ),
    Row(
        "smooth_l1",
        "torch",
        "F.smooth_l1_loss(input, target, beta=0.0)",
        "lossx.smooth_l1(input, target, beta=0.0)",
        regression_inputs,
        "beta=0 is the absolute error (L1).",
        grad="input",
    ),
    Row(
        "smooth_l1",
        "torch",
        'nn.SmoothL1Loss(reduction="sum")(input, target)',
        'LT.SmoothL1Loss(reduction="sum")(input, target)',
        regression_inputs,
        "torch preset (beta=1).",
        grad="input",
    ),
    Row(
        "smooth_l1",
        "optax",
        "optax.losses.huber_loss(input, target, delta=0.5) / 0.5",
        'lossx.smooth_l1(input, target, beta=0.5, reduction="none")',
        regression_inputs,
        "smooth L1 is Huber divided by its threshold.",
        grad="input",
    ),
    # ---------------------------------------------------------------- log_cosh
    Row(
        "log_cosh",
        "keras",
        "keras.losses.log_cosh(y_true, y_pred)",
        "LK.log_cosh(y_true, y_pred)",
        regression_inputs,
        KERAS_SAMPLE + " " + KERAS_LOG2,
        rtol=1e-8,
    ),
    Row(
        "log_cosh",
        "keras",
        'keras.losses.LogCosh(dtype="float64")(y_true, y_pred)',
        'LK.LogCosh(dtype="float64")(y_true, y_pred)',
        regression_inputs,
        SAME_CLASS + " " + KERAS_LOG2,
        rtol=1e-8,
    ),
    Row(
        "log_cosh",
        "optax",
        "optax.losses.log_cosh(input, target)",
        'lossx.log_cosh(input, target, reduction="none")',
        regression_inputs,
        grad="input",
    ),
    Row(
        "log_cosh",
        "optax",
        "optax.losses.log_cosh(input, target)",
        'lossx.log_cosh(input, target, reduction="none")',
        _wide,
        "Residuals up to 1e30: both stay finite (|e| − log 2), gradient tanh(e) = ±1.",
        grad="input",
    ),
    # ---------------------------------------------------------------- quantile
    Row(
        "quantile",
        "sklearn",
        "sklearn.metrics.mean_pinball_loss(y_true, y_pred, alpha=0.9)",
        "lossx.quantile(y_pred, y_true, quantile=0.9)",
        _quantiles,
        "scikit-learn's alpha is lossx's quantile.",
    ),
    Row(
        "quantile",
        "sklearn",
        "np.mean([sklearn.metrics.mean_pinball_loss(y_true[:, j], y_pred[:, j], alpha=a) "
        "for j, a in enumerate((0.1, 0.5, 0.9))])",
        "lossx.quantile(y_pred, y_true, quantile=(0.1, 0.5, 0.9))",
        _quantiles,
        "A vector of levels runs along the last axis: one quantile per output column.",
    ),
    # ---------------------------------------------------------------- poisson
    Row(
        "poisson",
        "torch",
        "F.poisson_nll_loss(input, target)",
        "lossx.poisson(input, target, log_input=True)",
        _counts,
        "torch's default log_input=True (log-rates); lossx's default takes rates, as Keras.",
        grad="input",
    ),
    Row(
        "poisson",
        "torch",
        "F.poisson_nll_loss(rate, target, log_input=False, full=True)",
        "lossx.poisson(rate, target, full=True, eps=1e-8)",
        _counts,
        "torch's eps is 1e-8, lossx's default Keras's 1e-7.",
        grad="rate",
    ),
    Row(
        "poisson",
        "torch",
        "nn.PoissonNLLLoss(full=True)(input, target)",
        "LT.PoissonNLLLoss(full=True)(input, target)",
        _counts,
        "torch preset: log_input=True, eps=1e-8 by default.",
        grad="input",
    ),
    Row(
        "poisson", "keras", "keras.losses.poisson(y_true, y_pred)", "LK.poisson(y_true, y_pred)", _counts, KERAS_SAMPLE
    ),
    Row(
        "poisson",
        "keras",
        'keras.losses.Poisson(dtype="float64")(y_true, y_pred)',
        'LK.Poisson(dtype="float64")(y_true, y_pred)',
        _counts,
        SAME_CLASS,
    ),
    Row(
        "poisson",
        "sklearn",
        "sklearn.metrics.mean_poisson_deviance(y_true.ravel(), y_pred.ravel())",
        "2 * (lossx.poisson(y_pred, y_true, eps=0.0) - lossx.poisson(y_true, y_true, eps=0.0))",
        _counts,
        "The deviance is twice the NLL minus that of the saturated model (rate = count); eps=0 is exact, "
        "with 0·log 0 = 0. scikit-learn takes 1-D arrays only.",
    ),
    # ---------------------------------------------------------------- gaussian_nll
    Row(
        "gaussian_nll",
        "torch",
        "F.gaussian_nll_loss(input, target, var)",
        "lossx.gaussian_nll(input, target, var)",
        _gaussian,
        grad="input",
    ),
    Row(
        "gaussian_nll",
        "torch",
        "F.gaussian_nll_loss(input, target, var, full=True, eps=1e-3)",
        "lossx.gaussian_nll(input, target, var, full=True, eps=1e-3)",
        _gaussian,
        grad="var",
    ),
    Row(
        "gaussian_nll",
        "torch",
        'nn.GaussianNLLLoss(reduction="sum")(input, target, var_col)',
        'LT.GaussianNLLLoss(reduction="sum")(input, target, var_col)',
        _gaussian,
        "torch preset; one variance per sample, shape (N, 1) (torch's (N,) form is written (N, 1)).",
        grad="var_col",
    ),
    Row(
        "gaussian_nll",
        "torch",
        "F.gaussian_nll_loss(input, target, small_var, eps=0.1)",
        "lossx.gaussian_nll(input, target, small_var, eps=0.1)",
        _gaussian,
        "Variances below eps are clamped by both. The gradient w.r.t. a clamped variance differs: "
        "0 in lossx (the clamped function's derivative); torch passes it through the clamp.",
        grad="input",
    ),
    # ---------------------------------------------------------------- cosine_similarity
    Row(
        "cosine_similarity",
        "keras",
        "keras.losses.cosine_similarity(y_true, y_pred)",
        "LK.cosine_similarity(y_true, y_pred)",
        _directions,
        "Keras's sign: −cos, per row.",
    ),
    Row(
        "cosine_similarity",
        "keras",
        'keras.losses.CosineSimilarity(dtype="float64")(y_true, y_pred)',
        'LK.CosineSimilarity(dtype="float64")(y_true, y_pred)',
        _directions_zero,
        SAME_CLASS + " One prediction is a zero vector: both give 0 for it (norms floored at ε = 1e-7).",
    ),
    Row(
        "cosine_similarity",
        "keras",
        'keras.losses.CosineSimilarity(axis=1, reduction="sum", dtype="float64")(x3, t3)',
        'LK.CosineSimilarity(axis=1, reduction="sum", dtype="float64")(x3, t3)',
        _directions,
    ),
    Row(
        "cosine_similarity",
        "torch",
        "-F.cosine_similarity(input, target, dim=-1)",
        'lossx.cosine_similarity(input, target, eps=1e-8, reduction="none")',
        _directions,
        "torch gives the similarity (lossx −cos) and floors norms at 1e-8.",
        grad="input",
    ),
    Row(
        "cosine_similarity",
        "torch",
        "-F.cosine_similarity(x3, t3, dim=1).mean()",
        "lossx.cosine_similarity(x3, t3, axis=1, eps=1e-8)",
        _directions,
        "torch layout: features on axis 1.",
        grad="x3",
    ),
    Row(
        "cosine_similarity",
        "optax",
        "optax.losses.cosine_similarity(input, target)",
        '-lossx.cosine_similarity(input, target, eps=0.0, reduction="none")',
        _directions,
        "optax gives the similarity and by default no floor (eps=0).",
        grad="input",
    ),
    Row(
        "cosine_similarity",
        "optax",
        "optax.losses.cosine_distance(input, target, epsilon=1e-14)",
        '1 + lossx.cosine_similarity(input, target, reduction="none")',
        _directions,
        "The cosine distance is 1 − cos; optax's epsilon floors the squared norm (ε² = 1e-14).",
        grad="input",
    ),
]
