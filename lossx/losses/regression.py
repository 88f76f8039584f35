"""Regression losses: errors between predictions and real targets (elementwise, or per row for
cosine similarity), and the Poisson and Gaussian negative log-likelihoods."""

from __future__ import annotations

import math

from .. import primitives as P
from .._errors import VarianceRangeError
from .._namespace import is_eager
from .._options import Option
from .._registry import define_loss
from .._spec import Input, Packing
from ..examples import regression as examples
from ._shared import is_off

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "smooth_l1",
    "log_cosh",
    "quantile",
    "poisson",
    "gaussian_nll",
    "cosine_similarity",
]


@define_loss(aliases=("mse",), example=examples.regression_example)
def mean_squared_error(xp, y_pred, y_true):
    """Squared error ``(y_pred − y_true)²``, elementwise.

    Shapes: ``y_pred`` and ``y_true`` broadcast to a common shape (one of theirs).
    Reference: torch.nn.MSELoss; keras.losses.MeanSquaredError (which also
    averages the last axis per sample).
    """
    return P.deferred(P.squared_error, y_pred, y_true)


@define_loss(aliases=("mae",), example=examples.regression_example)
def mean_absolute_error(xp, y_pred, y_true):
    """Absolute error ``|y_pred − y_true|``, elementwise.

    Shapes: as :func:`mean_squared_error`.
    Reference: torch.nn.L1Loss; keras.losses.MeanAbsoluteError.
    """
    return P.deferred(P.absolute_error, y_pred, y_true)


@define_loss(
    options=[Option("delta", "float", 1.0, "Where the loss turns from quadratic to linear.", low=0.0, low_open=True)],
    example=examples.regression_example,
    showcase=examples.HUBER,
)
def huber(xp, y_pred, y_true, *, delta):
    """Huber loss: ``½e²`` for ``|e| ≤ δ``, ``δ(|e| − ½δ)`` beyond, with ``e = y_pred − y_true``.

    Computed by :func:`lossx.primitives.huber` (torch's fused kernel on torch; elsewhere
    ``½q² + δ(|e| − q)`` with ``q = min(|e|, δ)``), which never squares a
    large residual, so it stays finite for residuals up to the dtype's maximum.
    Shapes: as :func:`mean_squared_error`.
    Reference: Huber (1964), "Robust Estimation of a Location Parameter";
    torch.nn.HuberLoss(delta); keras.losses.Huber(delta); optax.huber_loss.
    """
    return P.deferred(P.huber, y_pred, y_true, delta)


# ----------------------------------------------------------------- relative errors


@define_loss(
    options=[
        Option(
            "eps",
            "float",
            1e-7,
            "Floor ε of the denominator max(|y_true|, ε) (Keras: 1e-7; scikit-learn: float64 machine epsilon).",
            low=0.0,
        ),
    ],
    aliases=("mape",),
    example=examples.percentage_example,
    showcase=examples.MEAN_ABSOLUTE_PERCENTAGE_ERROR,
)
def mean_absolute_percentage_error(xp, y_pred, y_true, *, eps):
    """Absolute percentage error ``100 · |y_pred − y_true| / max(|y_true|, ε)``, elementwise.

    The floor ε only guards against division by zero: with the default 1e-7 the
    value is exact wherever ``|y_true| ≥ 1e-7``; ``eps=0`` gives the unguarded ratio
    (inf at ``y_true = 0``).
    Shapes: ``y_pred`` and ``y_true`` broadcast to a common shape (one of theirs).
    Reference: keras.losses.MeanAbsolutePercentageError (this formula, ε = 1e-7);
    sklearn.metrics.mean_absolute_percentage_error (a fraction, not a percentage:
    lossx's value / 100, with ε the float64 machine epsilon).
    """
    denominator = P.at_least(xp.abs(y_true), eps)
    # The scalar second factor: the same product, with TensorFlow's short gradient path.
    return xp.abs(y_pred - y_true) * 100.0 / denominator


@define_loss(
    options=[
        Option(
            "eps",
            "float",
            1e-7,
            "Inputs below ε are raised to ε before the logarithm, as Keras does; None: no floor "
            "(exact for inputs > −1, as scikit-learn).",
            low=0.0,
            allow_none=True,
        ),
    ],
    aliases=("msle",),
    example=examples.log_example,
    showcase=examples.MEAN_SQUARED_LOGARITHMIC_ERROR,
)
def mean_squared_logarithmic_error(xp, y_pred, y_true, *, eps):
    """Squared logarithmic error ``(log(1 + y_pred) − log(1 + y_true))²``, elementwise.

    Computed as ``log1p(|y_pred − y_true| / (1 + min(y_pred, y_true)))²``, the same number
    without the cancellation of two logarithms where the prediction is nearly exact (its
    relative accuracy is kept there). By default both inputs are first raised to at least
    ε = 1e-7 (Keras's rule, so negative predictions give a finite loss with zero
    gradient); ``eps=None`` takes the inputs as they are (defined for inputs > −1).
    Shapes: as :func:`mean_squared_error`.
    Reference: keras.losses.MeanSquaredLogarithmicError;
    sklearn.metrics.mean_squared_log_error (with ``eps=None``).
    """
    if eps is not None:
        y_pred = P.at_least(y_pred, eps)
        y_true = P.at_least(y_true, eps)
    # |log1p(a) − log1p(b)| as log1p(|a − b| / (1 + min(a, b))): the difference of two rounded
    # logarithms keeps none of its digits where a ≈ b, this ratio keeps them all (and is ≥ 0,
    # so it never nears log1p(−1)). square, not a product: a one-multiplication gradient.
    return xp.square(xp.log1p(xp.abs(y_pred - y_true) / (1.0 + xp.minimum(y_pred, y_true))))


# ----------------------------------------------------------------- robust errors


@define_loss(
    options=[
        Option(
            "beta",
            "float",
            1.0,
            "Where the loss turns from quadratic to linear; 0 gives the absolute error.",
            low=0.0,
        ),
    ],
    example=examples.regression_example,
    showcase=examples.SMOOTH_L1,
)
def smooth_l1(xp, y_pred, y_true, *, beta):
    """Smooth L1: ``½e²/β`` for ``|e| < β``, ``|e| − ½β`` beyond, with ``e = y_pred − y_true``.

    Computed by :func:`lossx.primitives.smooth_l1` (torch's fused kernel on torch; elsewhere
    ``½q²/β + (|e| − q)`` with ``q = min(|e|, β)``), which never squares a
    large residual; ``β = 0`` is the absolute error. It is ``huber(δ=β) / β``.
    Shapes: as :func:`mean_squared_error`.
    Reference: Girshick (2015), "Fast R-CNN"; torch.nn.SmoothL1Loss(beta).
    """
    if is_off(beta):  # a traced β takes smooth_l1, which is |e| at β = 0
        return P.deferred(P.absolute_error, y_pred, y_true)
    return P.deferred(P.smooth_l1, y_pred, y_true, beta)


@define_loss(example=examples.regression_example)
def log_cosh(xp, y_pred, y_true):
    """Log-cosh ``log(cosh(e))`` with ``e = y_pred − y_true``, elementwise.

    Computed by :func:`lossx.primitives.log_cosh` as ``|e| + softplus(−2|e|) − log 2``,
    never through ``cosh``, so it is finite for every finite residual (``|e| − log 2``
    where cosh would overflow), and below ``|e| = ⅛`` by its Taylor series, where that form
    cancels: a nearly perfect prediction keeps its relative accuracy (``≈ e²/2``), which
    Keras's and optax's lose. Its gradient is ``tanh(e)`` (in closed form on TensorFlow).
    Shapes: as :func:`mean_squared_error`.
    Reference: keras.losses.LogCosh; optax.log_cosh.
    """
    return P.log_cosh(y_pred, y_true)


@define_loss(
    options=[
        Option(
            "quantile",
            "float_or_weights",
            0.5,
            "The quantile level τ (scikit-learn's alpha): a scalar, or one level per entry of the last axis.",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
        ),
    ],
    aliases=("pinball",),
    example=examples.quantile_example,
    showcase=examples.QUANTILE,
)
def quantile(xp, y_pred, y_true, *, quantile):
    """Pinball loss ``max(τ·e, (τ − 1)·e)`` with ``e = y_true − y_pred``, elementwise.

    Under-prediction costs τ per unit, over-prediction 1 − τ; its minimiser is the
    τ-quantile (τ = 0.5 gives half the absolute error).
    Shapes: as :func:`mean_squared_error`; a vector ``quantile`` runs along the last
    axis (one level per output column, e.g. predicting several quantiles at once).
    Reference: Koenker & Bassett (1978), "Regression Quantiles";
    sklearn.metrics.mean_pinball_loss(alpha).
    """
    error = y_true - y_pred
    return xp.maximum(quantile * error, (quantile - 1.0) * error)


# ----------------------------------------------------------------- likelihoods


def _stirling(xp, counts):
    """``t·log t − t + ½·log(2πt)`` where ``t > 1``, else 0 (torch's ``full`` term)."""
    above_one = xp.greater(counts, 1.0)
    safe = xp.where(above_one, counts, xp.full_like(counts, 2.0))
    term = safe * xp.log(safe) - safe + 0.5 * xp.log(safe) + 0.5 * math.log(2.0 * math.pi)
    return xp.where(above_one, term, xp.zeros_like(term))


@define_loss(
    options=[
        Option("log_input", "bool", False, "True: y_pred is the log-rate log λ; False: the rate λ itself."),
        Option("full", "bool", False, "Add the Stirling approximation of log(y_true!) (where y_true > 1)."),
        Option(
            "eps",
            "float",
            1e-7,
            "Added to the rate inside the logarithm when log_input=False (Keras: 1e-7; torch: 1e-8).",
            low=0.0,
        ),
    ],
    example=examples.poisson_example,
    showcase=examples.POISSON,
)
def poisson(xp, y_pred, y_true, *, log_input, full, eps):
    """Poisson negative log-likelihood ``λ − t·log(λ + ε)`` (or ``exp(x) − t·x`` from log-rates x).

    ``t`` is the observed count. With ``log_input=True`` the prediction is the
    log-rate ``x`` (no ε needed); with ``full=True`` the Stirling term
    ``t·log t − t + ½·log(2πt)`` is added where ``t > 1`` (torch's rule), making the
    value approach the full NLL ``λ − t·log λ + log(t!)``. ``t·log(·)`` is 0 where
    ``t = 0``, even for a zero rate with ``eps=0``.
    Shapes: as :func:`mean_squared_error`.
    Reference: torch.nn.PoissonNLLLoss(log_input, full, eps) (the ``PoissonNLLLoss``
    preset has its defaults: log_input=True, eps=1e-8); keras.losses.Poisson (the
    defaults here: rates, ε = 1e-7).
    """
    if log_input:
        value = xp.exp(y_pred) - y_true * y_pred
    else:
        value = y_pred - P.xlogy(y_true, y_pred + eps)
    return value + _stirling(xp, y_true) if full else value


@define_loss(
    options=[
        Option("full", "bool", False, "Add the constant ½·log(2π), giving the full negative log-likelihood."),
        Option("eps", "float", 1e-6, "Variances below ε are raised to ε (for stability).", low=0.0, low_open=True),
    ],
    inputs=[
        Input("mean", "prediction", "Predicted means."),
        Input("target", "dense", "Observed values."),
        Input("variance", "dense", "Predicted variances σ² (≥ 0); shape (N, 1) for one variance per sample."),
    ],
    packing=Packing(("mean", "variance"), axis=-1, y_true="target"),
    example=examples.gaussian_example,
    showcase=examples.GAUSSIAN_NLL,
)
def gaussian_nll(xp, mean, target, variance, *, full, eps):
    """Gaussian negative log-likelihood ``½·(log v + (mean − target)² / v)``, elementwise.

    ``v = max(variance, ε)``; ``full=True`` adds ``½·log(2π)``. A negative variance
    is an error (checked in eager mode, as torch does). Below ε the gradient with
    respect to the variance is 0, the derivative of the clamped function (torch
    passes it through the clamp as if it were the identity).
    Shapes: ``mean``, ``target`` and ``variance`` broadcast to a common shape; a
    variance of shape (N, 1) is one variance per sample (torch's homoscedastic case;
    torch's variance of shape (N,) for inputs (N, D) is written (N, 1) here).
    Reference: Nix & Weigend (1994), "Estimating the mean and variance of the target
    probability distribution"; torch.nn.GaussianNLLLoss(full, eps).
    """
    # Both eager: under jax.jit even operations on a closed-over concrete array are traced.
    # The smallest entry (one pass, NaN passes as it does `<`) says whether any is negative.
    if is_eager(mean) and is_eager(variance) and P.extrema(variance)[0] < 0:
        raise VarianceRangeError(
            "gaussian_nll: variance has negative entries; variances must be ≥ 0 (e.g. produce them "
            "with softplus or exp)."
        )
    clamped = P.at_least(variance, eps)
    residual = mean - target
    value = 0.5 * (xp.log(clamped) + residual * residual / clamped)
    return value + 0.5 * math.log(2.0 * math.pi) if full else value


# ----------------------------------------------------------------- directions


@define_loss(
    options=[
        Option("axis", "axis", -1, "The axis the cosine is taken over (one loss per row along it)."),
        Option(
            "eps",
            "float",
            1e-7,
            "Lower bound of each vector's norm, so zero vectors give 0 (Keras: 1e-7; torch: 1e-8; optax: 0).",
            low=0.0,
        ),
    ],
    class_axis=True,
    example=examples.regression_example,
    showcase=examples.COSINE_SIMILARITY,
)
def cosine_similarity(xp, y_pred, y_true, *, axis, eps):
    """Negative cosine similarity ``−Σ p·t / (max(‖p‖, ε)·max(‖t‖, ε))`` over ``axis``.

    Ranges over [−1, 1]; −1 when the vectors point the same way. A zero vector gives
    0 (with a finite gradient for ε > 0). ``1 + loss`` is the cosine distance.
    Shapes: ``y_true`` broadcasts with ``y_pred``; result without ``axis``.
    Reference: keras.losses.CosineSimilarity(axis) (this sign and ε = 1e-7);
    torch.nn.functional.cosine_similarity(dim, eps) and optax.cosine_similarity
    (the similarity itself, i.e. −loss).
    """
    if tuple(y_pred.shape) != tuple(y_true.shape):
        y_pred, y_true = xp.broadcast_arrays(y_pred, y_true)
    floor = eps * eps
    # The floor applies to the squared norms, so sqrt never sees 0 when ε > 0.
    pred_norm = xp.sqrt(P.at_least(xp.sum(y_pred * y_pred, axis=axis), floor))
    true_norm = xp.sqrt(P.at_least(xp.sum(y_true * y_true, axis=axis), floor))
    return -xp.sum(y_pred * y_true, axis=axis) / (pred_norm * true_norm)
