"""Extreme inputs for every built-in loss (docs/semantics.md, numerical promise), run by
tests/numerics/test_extremes.py.

Each case is an input on which a framework's own loss (or a naive formula) breaks:
logits ±1e4, −inf logits in masked classes, probabilities exactly 0 or 1, residuals
of ``BIG`` (1e30 in float64, 1e4 in float32), zero-probability targets, empty
classes, zero and identical vectors. Every case is chosen where the mathematical
value AND its gradient are finite (e.g. no label smoothing over a −inf logit, no
−inf target gradient of t·log t at t = 0) and away from the kinks of max(·, 0), so
the mpmath reference of tests/support/reference/__init__.py is exact there.

``make(big)`` returns the NumPy inputs in the loss's input order; floating inputs are
rounded to float32 by the test, so one float64 reference serves both dtypes unless
the case is ``scaled`` (its inputs depend on ``big``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

INF = np.inf
#: The residual scale of the ``scaled`` cases: what each dtype represents with room
#: for a square (float32: 1e4² = 1e8; float64: (1e30)² = 1e60).
BIG = {"float64": 1e30, "float32": 1e4}


@dataclass(frozen=True, eq=False)
class Extreme:
    loss: str
    name: str
    make: Callable[[float], tuple]
    options: dict = field(default_factory=dict)
    wrt: tuple[int, ...] = (0,)
    scaled: bool = False

    @property
    def id(self) -> str:
        return f"{self.loss}-{self.name}"


def _a(rows) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64)


def _labels(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


# ----------------------------------------------------------------- regression


def _residuals(big):
    """Residuals ±big and ±0.75·big next to moderate ones (away from 0 and from δ = β = 1)."""
    return _a([[big, -big, 0.75], [-0.5, 3.0, 0.75 * big]]), _a([[-0.5, 0.25, -1.5], [big, 1.0, -0.25 * big]])


def _percentages(big):
    # |y_true| below ε = 1e-7 (0 and 1e-12) takes the floor ε.
    return _a([[big, -big, 0.5], [2.0, 1e-3, -big]]), _a([[0.0, -2.0, 1e-3], [3.0, 1e-12, -0.5]])


def _log_errors(big):
    # Negative and zero inputs are raised to ε = 1e-7 (zero gradient there).
    return _a([[big, -0.5, 0.0], [3.0, 1e-3, 0.5 * big]]), _a([[0.0, 2.0, big], [-3.0, 0.5, 1.0]])


def _rates_at_zero(big):
    # Rates 0 with counts 0 and > 0: −t·log(0 + ε) is finite; a huge rate next to them.
    return _a([[0.0, 0.0, 1e-30], [2.0, big, 0.5]]), _a([[0.0, 3.0, 1.0], [0.0, 2.0, 4.0]])


def _log_rates(big):
    # exp(−1e4) underflows to 0: the loss is −t·x, finite.
    return _a([[-1e4, -50.0, 0.5], [2.0, -1e4, 1.0]]), _a([[0.0, 2.0, 1.0], [5.0, 3.0, 0.0]])


def _big_counts(big):
    counts = _a([[0.0, 3.0, 2.0], [big, 7.0, 0.5]])
    log_rates = _a([[0.5, -1.0, 1.0], [np.log(big) + 0.25, 2.0, 0.0]])
    return log_rates, counts


def _small_residuals(big):
    # log cosh e ≈ e²/2 from 2e−12 up: |e| + softplus(−2|e|) − log 2 cancels every digit there.
    y_true = _a([[0.5, -1.25, 2.0], [3.0, -0.75, 0.125]])
    residuals = _a([[1e-4, -3e-3, 2e-6], [-5e-5, 1e-2, 7e-4]])
    return y_true + residuals, y_true


def _near_logarithms(big):
    # Predictions within a few 1e−6 relative (a few dozen float32 ulps): log1p(ŷ) − log1p(y) would
    # cancel most of its digits.
    y_true = _a([[0.5, 2.0, 3.0], [1e-3, 10.0, 0.25]])
    return y_true * _a([[1 + 2e-6, 1 - 3e-6, 1 + 5e-6], [1 - 1e-5, 1 + 4e-6, 1 - 2e-6]]), y_true


def _tiny_variances(big):
    # Variances at 0 and below ε = 1e-6 are raised to ε (zero variance gradient there).
    mean, target = _residuals(big)
    return mean, target, _a([[1e-30, 0.0, 1e-5], [2e-6, 1.0, 1e-12]])


def _zero_vectors(big):
    # Row 0: y_pred = 0; row 1: y_true = 0; both norms floored at ε (cosine 0, gradient ~1/ε).
    return _a([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]]), _a([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0]])


def _huge_vectors(big):
    return _a([[big, -big, 0.5 * big], [0.25, big, -2.0]]), _a([[-big, 2.0 * big, big], [big, big, 3.0]])


REGRESSION = [
    Extreme("mean_squared_error", "residual-big", _residuals, wrt=(0, 1), scaled=True),
    Extreme("mean_absolute_error", "residual-big", _residuals, wrt=(0, 1), scaled=True),
    Extreme("huber", "residual-big", _residuals, wrt=(0, 1), scaled=True),
    Extreme("huber", "residual-big-delta1e-3", _residuals, {"delta": 1e-3}, wrt=(0, 1), scaled=True),
    Extreme("mean_absolute_percentage_error", "residual-big-true0", _percentages, wrt=(0, 1), scaled=True),
    Extreme("mean_squared_logarithmic_error", "big-and-negative", _log_errors, wrt=(0, 1), scaled=True),
    Extreme("mean_squared_logarithmic_error", "near-perfect", _near_logarithms, wrt=(0, 1)),
    Extreme("smooth_l1", "residual-big", _residuals, wrt=(0, 1), scaled=True),
    Extreme("smooth_l1", "residual-big-beta0", _residuals, {"beta": 0.0}, wrt=(0, 1), scaled=True),
    Extreme("log_cosh", "residual-big", _residuals, wrt=(0, 1), scaled=True),
    Extreme("log_cosh", "residual-small", _small_residuals, wrt=(0, 1)),
    Extreme("quantile", "residual-big-q0.9", _residuals, {"quantile": 0.9}, wrt=(0, 1), scaled=True),
    Extreme("poisson", "rate0", _rates_at_zero, wrt=(0, 1), scaled=True),
    Extreme("poisson", "log_input-1e4", _log_rates, {"log_input": True}, wrt=(0, 1)),
    # Counts cross the Stirling term's threshold 1 (a step), so only the rate is differentiated.
    Extreme("poisson", "full-counts-big", _big_counts, {"log_input": True, "full": True}, scaled=True),
    Extreme("gaussian_nll", "variance-tiny", _tiny_variances, wrt=(0, 1, 2), scaled=True),
    Extreme("cosine_similarity", "zero-vectors", _zero_vectors, wrt=(0, 1)),
    Extreme("cosine_similarity", "huge-vectors", _huge_vectors, wrt=(0, 1), scaled=True),
]

# ----------------------------------------------------------------- classification

_BINARY_TARGETS = _a([[1.0, 0.0, 0.0], [1.0, 0.0, 1.0]])


def _binary_logits(big):
    # Saturated both ways: right (loss 0) and wrong (loss 1e4).
    return _a([[1e4, -1e4, 1e4], [-1e4, 0.5, -2.0]]), _BINARY_TARGETS


def _binary_tiny(big):
    # Nearly perfect logits: every loss is ~e^−30 (log1p(e^−30) = 9.3576e−14), summed from
    # non-negative terms, where (1−t)·x − log σ(x) = −30 + 30.0000000000000936 cancels its digits.
    return _a([[30.0, -30.0, -25.5], [27.25, -28.0, 31.5]]), _BINARY_TARGETS


def _binary_tiny_negatives(big):
    # Label 0 everywhere: smoothed by ε the target is ε/2, exact enough; a smoothed 1 is 1 − ε/2,
    # whose complement ε/2 float64 holds only to ~1e−16/ε relative, whatever the loss does with it.
    return _a([[-30.0, -25.5, -28.0], [-27.25, -31.5, -26.0]]), np.zeros((2, 3))


def _binary_tiny_focal(big):
    # As above at ±10: the cross-entropy ~e^−10 (which −10 + 10.0000454 loses in float32), times
    # the modulating factor σ(−|x|)² ~ e^−20.
    return _a([[10.0, -10.0, -9.5], [11.0, -10.5, 9.75]]), _BINARY_TARGETS


def _binary_saturated(big):
    # p = 0 with t = 0 and p = 1 with t = 1: 0·log 0 = 0, loss 0, gradient ±1.
    return _a([[0.0, 1.0, 0.25], [1.0, 0.0, 0.75]]), _a([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])


def _binary_soft(big):
    # Targets 0 and 1 among soft ones: the target gradient is log(p/(1−p)) there too.
    return _a([[0.3, 0.8, 0.5], [0.1, 0.6, 0.9]]), _a([[0.0, 1.0, 0.3], [1.0, 0.0, 0.5]])


def _class_logits(big):
    return _a([[1e4, -1e4, 0.0], [-1e4, 1e4, 2.0]]), _a([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])


def _class_tiny(big):
    # The target class dominates by 26 to 32: every loss is ~e^−28, which logsumexp(x) − x_y and
    # x_y − m − log Σ e^{x−m} lose (log of 1 + tiny); a −inf logit and a tie among the others too.
    return _a([[30.0, 0.0, 1.5], [-2.0, 27.5, 0.25], [-INF, 0.5, 32.0], [1.0, 1.0, 28.0]]), _a(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    )


def _class_tiny_focal(big):
    # As above at margins ~10: the focal factor (1 − p)² ~ e^−20 keeps the loss representable in float32.
    return _a([[10.0, 0.0, 0.5], [-1.0, 9.5, 0.25], [-INF, 0.5, 11.0], [1.0, 1.0, 10.5]]), _class_tiny(big)[1]


def _label_tiny(big):
    logits, one_hot = _class_tiny(big)
    return logits, _labels(np.argmax(one_hot, axis=1))


def _label_tiny_focal(big):
    logits, one_hot = _class_tiny_focal(big)
    return logits, _labels(np.argmax(one_hot, axis=1))


def _class_masked(big):
    # −inf logits (masked classes) only where the target is 0.
    return _a([[-INF, 2.0, 0.5], [1.0, -INF, -INF], [-INF, 0.25, -1.0]]), _a(
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.3, 0.7]]
    )


def _class_saturated(big):
    # Probabilities exactly 0 where the target is 0, and exactly 1 on a one-hot target.
    return _a([[0.0, 1.0, 0.0], [0.2, 0.0, 0.8]]), _a([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])


def _class_soft(big):
    return _a([[1.5, -0.5, 0.25], [-1.0, 2.0, 0.5]]), _a([[0.0, 1.0, 0.0], [0.25, 0.0, 0.75]])


def _label_logits(big):
    return _a([[1e4, -1e4, 0.0], [-1e4, 1e4, 2.0], [0.5, 1e4, -1e4]]), _labels([1, 0, -100])


def _label_masked(big):
    # The ignored entry's stand-in class 0 is −inf too.
    return _a([[-INF, 1.0, 2.0], [0.5, -INF, -INF], [-INF, 0.25, 3.0]]), _labels([2, 0, -100])


def _sparse_tiny(big):
    # Logits a little short of the margin 1 on the label's side: losses (1 − |x|)²/4 ~ 1e−7 from 1 − |x|, exact.
    return _a([[0.999, -0.9995, 0.75], [0.998, -0.9990234375, 1.5]]), _BINARY_TARGETS


def _sparse_scores(big):
    # Supports of one class (row 0 with its label outside, row 2 inside) and of two (row 1: 1e4 + 0.5 and 1e4).
    return _a([[1e4, -1e4, 0.5], [1e4 + 0.5, 1e4, -1e4], [0.25, -1e4, 1e4]]), _labels([1, 1, 2])


def _sparse_masked(big):
    # −inf scores (masked classes, none a label), and a row whose finite scores share the support.
    return _a([[-INF, 1.0, 0.25], [0.5, -INF, -INF], [-INF, 0.25, 0.75]]), _labels([2, 0, 1])


def _label_saturated(big):
    # The ignored entry sits over probability 0 (its stand-in class 0); p_y = 1 elsewhere.
    return _a([[0.0, 1.0, 0.0], [0.0, 0.25, 0.75], [1.0, 0.0, 0.0]]), _labels([1, -100, 0])


def _label_saturated_smooth(big):
    # With smoothing every class counts, so zeros only in the ignored row.
    return _a([[0.2, 0.5, 0.3], [0.0, 1.0, 0.0], [0.6, 0.1, 0.3]]), _labels([1, -100, 0])


def _gce_saturated(big):
    return _a([[0.0, 1.0, 0.0], [0.0, 0.25, 0.75], [0.5, 0.5, 0.0]]), _labels([1, 0, 1])


def _kl_zero_targets(big):
    # t = 0 over q = 0 and over q > 0: 0·log 0 = 0.
    return _a([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]), _a([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])


def _kl_logits(big):
    return _a([[-INF, 1e4, 0.5], [1.0, -1e4, -INF]]), _a([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])


def _kl_log_targets(big):
    log_t = np.log(_a([[0.25, 0.75, 1.0], [0.5, 0.5, 1.0]]))
    log_t[:, 2] = -INF
    return _a([[np.log(0.5), np.log(0.5), -INF], [-1e4, -0.5, -INF]]), log_t


def _measures_zero_targets(big):
    # t = 0 over q = 0 and over q > 0 (the term is q); a tiny q under a positive t (gradient ≈ −5e29).
    return _a([[0.0, 2.5, 0.5], [1e-30, 4.0, 0.0]]), _a([[0.0, 0.25, 3.0], [0.5, 0.0, 0.0]])


def _log_measures(big):
    # exp(−1e4) underflows to 0 under a finite log t; −inf under −inf is 0.
    return _a([[-INF, -1e4, 0.5], [1.0, -50.0, -INF]]), _a([[-INF, -2.0, 0.25], [-INF, -50.0, -INF]])


def _js_zero_targets(big):
    # t = 0 over q = 0 and over q > 0: 0·log 0 = 0, partial ½·log 2 with respect to q.
    return _a([[0.0, 0.5, 0.5], [0.25, 0.75, 0.0]]), _a([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])


def _js_logits(big):
    # Softmax probabilities of exactly 0 (−inf, and −1e4 beside 1e4) under positive targets.
    return _a([[-INF, 1e4, 0.5], [1.0, -1e4, -INF]]), _a([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])


def _js_tiny(big):
    # t − q = ±2^−20, ±2^−22 (exact in float32): JS ~ 1e−13, which ½·[q·log(q/m) + t·log(t/m)]
    # loses to the cancellation of its ±1e−6 terms.
    return _a([[0.5, 0.25, 0.25], [0.125, 0.375, 0.5]]), _a(
        [[0.5 + 2**-20, 0.25 - 2**-20, 0.25], [0.125 - 2**-22, 0.375, 0.5 + 2**-22]]
    )


def _asymmetric_logits(big):
    # Saturated both ways for both targets; σ(−1e4) + m is m, σ(1e4) − m is 1 − m.
    return _a([[1e4, -1e4, 1e4], [-1e4, 0.5, -2.0]]), _a([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]])


def _asymmetric_tiny(big):
    # Positives at logits 25.5–31.5: −log σ(x) = log1p(e^−x) ~ 1e−13; negatives at −30: p^γ₋·log1p(e^−30).
    return _a([[30.0, -30.0, 25.5], [27.25, 31.5, -28.0]]), _a([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])


def _nll_inputs(big):
    return _a([[-INF, -0.25, -INF], [-1e4, -INF, -1e-3], [-INF, -2.0, -0.5]]), _labels([1, 2, -100])


_CW3 = (1.0, 2.0, 0.5)


def _unit_cosines(big):
    """Cosines of exactly ±1 off the labels; the labels' at −1 (ArcFace's fallback), 1 − 2⁻²⁰ (where arccos's
    derivative is 724) and inside. At 1 itself ArcFace's derivative is infinite: no case for it here."""
    return _a([[1.0, -1.0, 1 - 2.0**-20], [-1.0, 0.25, 1.0], [0.5, 1.0, -1.0]]), _labels([2, 0, 2])


def _ordinal_saturated(big):
    """Probabilities exactly 0 and 1 (two rows predicted perfectly) over three ordered classes."""
    return _a([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.25, 0.25, 0.5], [0.0, 0.0, 1.0]]), _labels([0, 1, 2, 1])


def _ordinal_perfect(big):
    """Every row predicted perfectly: the ratio is 0 and the loss log ε, with a finite gradient."""
    return _a([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), _labels([0, 1, 2])


CLASSIFICATION = [
    Extreme("binary_cross_entropy", "logits1e4", _binary_logits, {"from_logits": True}),
    Extreme(
        "binary_cross_entropy",
        "logits1e4-ls0.1-pwvec",
        _binary_logits,
        {"from_logits": True, "label_smoothing": 0.1, "pos_weight": _CW3},
        wrt=(0, 1),
    ),
    Extreme("binary_cross_entropy", "tiny-loss", _binary_tiny, {"from_logits": True}),
    Extreme(
        "binary_cross_entropy", "tiny-loss-pwvec", _binary_tiny, {"from_logits": True, "pos_weight": _CW3}, wrt=(0, 1)
    ),
    # A smoothing of 1e-13 keeps the loss tiny (~1e-12 per entry).
    Extreme(
        "binary_cross_entropy",
        "tiny-loss-ls1e-13-pw2",
        _binary_tiny_negatives,
        {"from_logits": True, "label_smoothing": 1e-13, "pos_weight": 2.0},
        wrt=(0, 1),
    ),
    Extreme("binary_cross_entropy", "probs0or1", _binary_saturated),
    Extreme("binary_cross_entropy", "soft-targets", _binary_soft, wrt=(0, 1)),
    Extreme("binary_focal_cross_entropy", "logits1e4-alpha0.25", _binary_logits, {"from_logits": True, "alpha": 0.25}),
    Extreme("binary_focal_cross_entropy", "logits1e4-gamma0.5", _binary_logits, {"from_logits": True, "gamma": 0.5}),
    Extreme("binary_focal_cross_entropy", "tiny-loss", _binary_tiny_focal, {"from_logits": True}),
    Extreme(
        "binary_focal_cross_entropy",
        "tiny-loss-gamma0.5-alpha0.25",
        _binary_tiny,
        {"from_logits": True, "gamma": 0.5, "alpha": 0.25},
    ),
    Extreme("binary_focal_cross_entropy", "probs0or1", _binary_saturated),
    Extreme("categorical_cross_entropy", "logits1e4", _class_logits, {"from_logits": True}),
    Extreme("categorical_cross_entropy", "masked-inf-cw", _class_masked, {"from_logits": True, "class_weight": _CW3}),
    Extreme("categorical_cross_entropy", "tiny-loss", _class_tiny, {"from_logits": True}),
    Extreme("categorical_cross_entropy", "tiny-loss-cw", _class_tiny, {"from_logits": True, "class_weight": _CW3}),
    Extreme("categorical_cross_entropy", "probs0or1", _class_saturated),
    Extreme("categorical_cross_entropy", "soft-targets", _class_soft, {"from_logits": True}, wrt=(0, 1)),
    Extreme(
        "sparse_categorical_cross_entropy", "logits1e4-ii", _label_logits, {"from_logits": True, "ignore_index": -100}
    ),
    Extreme(
        "sparse_categorical_cross_entropy",
        "logits1e4-ls0.1-ii",
        _label_logits,
        {"from_logits": True, "ignore_index": -100, "label_smoothing": 0.1},
    ),
    Extreme(
        "sparse_categorical_cross_entropy", "masked-inf-ii", _label_masked, {"from_logits": True, "ignore_index": -100}
    ),
    Extreme("sparse_categorical_cross_entropy", "tiny-loss", _label_tiny, {"from_logits": True}),
    Extreme(
        "sparse_categorical_cross_entropy", "tiny-loss-cw", _label_tiny, {"from_logits": True, "class_weight": _CW3}
    ),
    Extreme("sparse_categorical_cross_entropy", "probs0or1-ii", _label_saturated, {"ignore_index": -100}),
    Extreme(
        "sparse_categorical_cross_entropy",
        "probs-ls0.1-ii-zero",
        _label_saturated_smooth,
        {"ignore_index": -100, "label_smoothing": 0.1},
    ),
    Extreme(
        "categorical_focal_cross_entropy", "logits1e4-alpha0.25", _class_logits, {"from_logits": True, "alpha": 0.25}
    ),
    Extreme("categorical_focal_cross_entropy", "masked-inf", _class_masked, {"from_logits": True}),
    Extreme("categorical_focal_cross_entropy", "tiny-loss", _class_tiny_focal, {"from_logits": True}),
    Extreme("categorical_focal_cross_entropy", "tiny-loss-gamma0.5", _class_tiny, {"from_logits": True, "gamma": 0.5}),
    Extreme("categorical_focal_cross_entropy", "probs0or1", _class_saturated),
    Extreme(
        "sparse_categorical_focal_cross_entropy",
        "logits1e4-ii-cw",
        _label_logits,
        {"from_logits": True, "ignore_index": -100, "class_weight": _CW3},
    ),
    Extreme(
        "sparse_categorical_focal_cross_entropy",
        "masked-inf-ii",
        _label_masked,
        {"from_logits": True, "ignore_index": -100},
    ),
    Extreme("sparse_categorical_focal_cross_entropy", "tiny-loss", _label_tiny_focal, {"from_logits": True}),
    Extreme(
        "sparse_categorical_focal_cross_entropy",
        "tiny-loss-gamma0.5-alpha0.25",
        _label_tiny,
        {"from_logits": True, "gamma": 0.5, "alpha": 0.25},
    ),
    Extreme("sparse_categorical_focal_cross_entropy", "probs0or1-ii", _label_saturated, {"ignore_index": -100}),
    Extreme(
        "sparse_categorical_focal_cross_entropy",
        "probs-ls0.1-ii-zero",
        _label_saturated_smooth,
        {"ignore_index": -100, "label_smoothing": 0.1},
    ),
    Extreme("poly_cross_entropy", "logits1e4", _class_logits, {"from_logits": True}),
    Extreme("poly_cross_entropy", "masked-inf", _class_masked, {"from_logits": True}),
    Extreme("poly_cross_entropy", "tiny-loss", _class_tiny, {"from_logits": True}),
    Extreme("poly_cross_entropy", "probs0or1", _class_saturated),
    Extreme("generalized_cross_entropy", "logits1e4-ii", _label_logits, {"from_logits": True, "ignore_index": -100}),
    Extreme("generalized_cross_entropy", "masked-inf-ii", _label_masked, {"from_logits": True, "ignore_index": -100}),
    Extreme("generalized_cross_entropy", "tiny-loss", _label_tiny, {"from_logits": True}),
    # p_y = 0 has a finite gradient only at q = 1 (−p^(q−1)).
    Extreme("generalized_cross_entropy", "probs0or1-q1", _gce_saturated, {"q": 1.0}),
    Extreme("generalized_cross_entropy", "probs1-ii", _label_saturated, {"ignore_index": -100}),
    Extreme("kl_divergence", "zero-targets", _kl_zero_targets),
    Extreme("kl_divergence", "logits-inf-1e4", _kl_logits, {"from_logits": True}),
    Extreme("kl_divergence", "log-inf-targets", _kl_log_targets, {"log_input": True, "log_target": True}),
    # One-hot targets: KL is the cross-entropy −log q_y, tiny where q_y → 1 (well conditioned there,
    # unlike KL of soft targets near t = q: docs/performance.md).
    Extreme("kl_divergence", "tiny-loss-one-hot", _class_tiny, {"from_logits": True}),
    Extreme("generalized_kl_divergence", "zero-targets", _measures_zero_targets),
    Extreme(
        "generalized_kl_divergence", "log-inf-1e4", _log_measures, {"log_input": True, "log_target": True}, wrt=(0, 1)
    ),
    Extreme("jensen_shannon", "zero-targets", _js_zero_targets),
    Extreme("jensen_shannon", "logits-inf-1e4", _js_logits, {"from_logits": True}),
    Extreme("jensen_shannon", "tiny-loss", _js_tiny, wrt=(0, 1)),
    Extreme("asymmetric", "logits1e4", _asymmetric_logits),
    Extreme("asymmetric", "logits1e4-gp1-clip0", _asymmetric_logits, {"gamma_pos": 1.0, "clip": 0.0}),
    Extreme("asymmetric", "tiny-loss-clip0", _asymmetric_tiny, {"clip": 0.0}),
    Extreme("nll", "inf-logprobs-ii", _nll_inputs, {"ignore_index": -100, "class_weight": _CW3}),
    Extreme("cosface", "unit-scale1e4", _unit_cosines, {"scale": 1e4}),
    Extreme("arcface", "unit", _unit_cosines),
    Extreme("arcface", "unit-scale1e4", _unit_cosines, {"scale": 1e4}),
    Extreme("weighted_kappa", "probs0or1", _ordinal_saturated),
    Extreme("weighted_kappa", "perfect-linear", _ordinal_perfect, {"power": 1.0}),
    Extreme("sparsemax", "logits1e4", _binary_logits),
    Extreme("sparsemax", "tiny-loss", _sparse_tiny),
    Extreme("multiclass_sparsemax", "scores1e4", _sparse_scores),
    Extreme("multiclass_sparsemax", "masked-inf", _sparse_masked),
]

# ----------------------------------------------------------------- margin


def _signed_margins(big):
    # t·y = ±1e4, away from the hinge's kink at t·y = 1.
    return _a([[1e4, -1e4, 0.25], [-1e4, 1e4, 3.0]]), _a([[1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]])


def _class_scores(big):
    return _a([[1e4, -1e4, 0.5], [-1e4, 1e4, 2.0]]), _a([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def _label_scores(big):
    return _a([[1e4, -1e4, 0.5], [-1e4, 1e4, 2.0], [0.25, -1e4, 1e4]]), _labels([1, 2, 2])


def _tiny_margins(big):
    # t·y ≈ 30: softplus(−t·y) ~ e^−30, computed as log1p(e^−30), not as a difference.
    return _a([[30.0, -30.0, 25.5], [-27.25, 28.0, -31.5]]), _a([[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]])


def _multilabel_logits(big):
    return _a([[1e4, -1e4, 0.5], [-1e4, 1e4, 1e4]]), _a([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]])


def _label_list_scores(big):
    # Scores ±1e4 (margins away from the kink at 1); row 1 lists no label, row 2 every class.
    return _a([[1e4, -1e4, 0.5], [-1e4, 1e4, 2.0], [0.25, -1e4, 1e4]]), _labels([[0, 2, -1], [-1, 0, 1], [2, 0, 1]])


MARGIN = [
    Extreme("hinge", "margins1e4", _signed_margins),
    Extreme("categorical_hinge", "scores1e4", _class_scores),
    Extreme("squared_hinge", "margins1e4", _signed_margins),
    Extreme("multi_margin", "scores1e4", _label_scores),
    Extreme("multi_margin", "scores1e4-p2-cw", _label_scores, {"p": 2, "class_weight": _CW3}),
    Extreme("soft_margin", "margins1e4", _signed_margins),
    Extreme("perceptron", "margins1e4", _signed_margins),
    Extreme("multiclass_perceptron", "scores1e4", _label_scores),
    Extreme("soft_margin", "tiny-loss", _tiny_margins),
    Extreme("multilabel_soft_margin", "logits1e4-cw", _multilabel_logits, {"class_weight": _CW3}),
    Extreme("multilabel_soft_margin", "tiny-loss-cw", _binary_tiny, {"class_weight": _CW3}),
    Extreme("multilabel_margin", "scores1e4", _label_list_scores),
]

# ----------------------------------------------------------------- overlap (N, pixels, C)


def _empty_masks(big):
    # Sample 0 predicts nothing and class 1 is absent from its targets; sample 1 is perfect.
    y_pred = np.zeros((2, 4, 2))
    y_pred[1] = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    y_true = np.zeros((2, 4, 2))
    y_true[0, :2, 0] = 1.0
    y_true[1] = y_pred[1]
    return y_pred, y_true


def _saturated_mask_logits(big):
    y_pred, y_true = _empty_masks(big)
    return np.where(y_pred > 0, 1e4, -1e4), y_true


def _ignored_labels(big):
    # Sample 1 is entirely ignored; class 2 never occurs in sample 0.
    y_pred = np.array(
        [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]],
            [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.25, 0.75, 0.0], [1.0, 0.0, 0.0]],
        ]
    )
    return y_pred, _labels([[0, 1, 0, -1], [-1, -1, -1, -1]])


def _nearly_perfect_mask_logits(big):
    # Every score has pixels, and every pixel is right by 25 to 31: the loss, penalty / (2·TP + penalty)
    # with ε = 0, is ~e^−25, which t − p·t with p = σ(x) rounds away (to 0 in float32).
    y_true = np.zeros((2, 4, 2))
    y_true[0, :2, 0] = y_true[0, 1:, 1] = y_true[1, ::2, 0] = y_true[1, 3, 1] = 1.0
    margins = _a(
        [
            [[25.0, 31.0], [27.5, 26.0], [30.0, 28.25], [26.5, 29.0]],
            [[28.0, 25.5], [29.5, 27.0], [26.25, 30.5], [31.0, 25.75]],
        ]
    )
    return np.where(y_true > 0, margins, -margins), y_true


def _nearly_perfect_label_logits(big):
    # As above for integer labels over 3 classes (each present in each sample): softmax's 1 − p.
    labels = _labels([[0, 1, 2, 0], [2, 1, 0, 1]])
    logits = np.zeros((2, 4, 3))
    np.put_along_axis(
        logits, labels[..., None], _a([[[27.0], [25.5], [30.0], [26.0]], [[28.5], [29.0], [25.25], [31.0]]]), axis=-1
    )
    return logits, labels


def _overlap_cases(loss, extra):
    return [
        Extreme(loss, "empty-zero-pred", _empty_masks, dict(extra)),
        Extreme(loss, "logits1e4-smooth1", _saturated_mask_logits, {**extra, "from_logits": True, "smooth": 1.0}),
        Extreme(loss, "labels-ii-empty", _ignored_labels, {**extra, "ignore_index": -1}),
        Extreme(
            loss, "tiny-loss-logits-eps0", _nearly_perfect_mask_logits, {**extra, "from_logits": True, "epsilon": 0.0}
        ),
        Extreme(
            loss,
            "tiny-loss-label-logits-eps0",
            _nearly_perfect_label_logits,
            {**extra, "from_logits": True, "epsilon": 0.0},
        ),
    ]


OVERLAP = [
    *_overlap_cases("dice", {}),
    *_overlap_cases("generalized_dice", {}),
    *_overlap_cases("tversky", {"alpha": 0.25, "beta": 0.75}),
    *_overlap_cases("focal_tversky", {"gamma": 0.5}),
    *_overlap_cases("jaccard", {}),
    # MCC has no smooth; its saturated case is the plain one from logits.
    *[case for case in _overlap_cases("mcc", {}) if "smooth" not in case.options],
    Extreme("mcc", "logits1e4", _saturated_mask_logits, {"from_logits": True}),
]


def _hinge_logits(big):
    # Image 0: errors 1 ± 1e4, ±2e4, ±3e4, all distinct (a tie is a kink of the sort); image 1 has no foreground
    # (the Jaccard weights' U_0 = 0), image 2 is all foreground.
    y_pred = _a([[1e4, -2e4, 3e4, -0.5], [0.5, -2.0, 1.5, -0.25], [2e4, -1e4, 0.75, -3e4]])
    return y_pred, _a([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])


def _saturated_label_logits(big):
    # Each image one pixel of moderate logits among ±1e4 ones, whose probabilities are exactly 0 and 1 in
    # floating point; class 1 absent from image 0, pixel 3 of image 0 ignored.
    y_pred = _a(
        [
            [[1e4, -1e4, -1e4], [-1e4, 1e4, -1e4], [0.5, -0.25, 1.0], [-1e4, -1e4, 1e4]],
            [[-1e4, 1e4, -1e4], [1.5, 0.0, -1.0], [1e4, -1e4, -1e4], [-1e4, -1e4, 1e4]],
        ]
    )
    return y_pred, _labels([[0, 2, 2, -1], [1, 0, 0, 2]])


OVERLAP += [
    Extreme("lovasz_hinge", "logits1e4-empty-full", _hinge_logits),
    Extreme(
        "lovasz_softmax",
        "logits1e4-present-cw-ii",
        _saturated_label_logits,
        {"from_logits": True, "classes": "present", "class_weight": _CW3, "ignore_index": -1},
    ),
    Extreme("lovasz_softmax", "logits1e4-all", _saturated_label_logits, {"from_logits": True, "ignore_index": -1}),
    # Errors of ~e^−25 (each 1 − p computed as such), none tied: the loss keeps its digits.
    Extreme("lovasz_softmax", "tiny-loss-label-logits", _nearly_perfect_label_logits, {"from_logits": True}),
]

# ----------------------------------------------------------------- boxes


def _far_boxes(big):
    # Coordinates of 1e4: areas of 1e7 and squared diagonals of 1e8; the last pair is apart.
    return _a([[1e4, 2e4, 1.5e4, 2.6e4], [3e4, 1e4, 3.2e4, 1.9e4], [5e4, 5e4, 5.1e4, 5.3e4]]), _a(
        [[1.1e4, 1.9e4, 1.7e4, 2.5e4], [2.9e4, 1.2e4, 3.25e4, 1.8e4], [5.5e4, 4e4, 5.6e4, 4.2e4]]
    )


def _flat_boxes(big, points=True):
    """Boxes of zero height or width (and, ``points``, a point) apart from their partners: ε keeps every
    denominator positive; a flat box's aspect angle is π/2 (or 0)."""
    y_pred = [[0.0, 0.0, 2.0, 0.0], [4.0, 1.0, 6.0, 3.0], [1.0, 1.0, 1.0, 1.0] if points else [1.0, 1.0, 1.0, 3.0]]
    y_true = [[3.0, 1.0, 3.0, 4.0], [7.0, 2.0, 9.0, 2.0], [2.0, 0.5, 3.5, 2.5]]
    return _a(y_pred), _a(y_true)


def _close_boxes(big):
    # Every coordinate off by a few 2^-12 (exact in float32): losses of 1e-4, whose digits 1 − IoU and
    # |C| − |A ∪ B| formed as differences would lose in float32.
    y_true = _a([[1.0, 2.0, 5.0, 7.0], [10.0, 10.0, 13.0, 11.5], [0.5, 3.0, 2.5, 4.0]])
    offsets = _a([[1, -2, 3, 1], [-1, 2, -3, 2], [2, 1, -1, -2]]) * 2.0**-12
    return y_true + offsets, y_true


BOXES = [
    *(
        Extreme(name, case, make, wrt=(0, 1))
        for name in ("generalized_box_iou", "distance_box_iou", "complete_box_iou")
        for case, make in (("coords1e4", _far_boxes), ("near-perfect", _close_boxes))
    ),
    Extreme("generalized_box_iou", "zero-area", _flat_boxes, wrt=(0, 1)),
    Extreme("distance_box_iou", "zero-area", _flat_boxes, wrt=(0, 1)),
    Extreme("complete_box_iou", "zero-area", lambda big: _flat_boxes(big, points=False), wrt=(0, 1)),
]

# ----------------------------------------------------------------- ranking


def _ranking_scores(big):
    return (
        _a([[big, -big, 0.5], [1.0, big, -2.0]]),
        _a([[-big, big, 2.0], [-0.5, -big, 1.0]]),
        _a([[-1.0, 1.0, -1.0], [-1.0, -1.0, -1.0]]),
    )


def _big_distances(big):
    return _a([[big, 0.25, big], [0.0, 3.0, 0.5]]), _a([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]])


def _cosine_zero(big):
    # Zero vectors have cosine 0 (similar pairs only: max(cos − 0, 0) has its kink there).
    return (
        _a([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [0.5, 1.0, 0.0]]),
        _a([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0], [1.0, 0.5, -1.0]]),
        _a([1.0, 1.0, -1.0]),
    )


def _cosine_huge(big):
    x1, x2 = _huge_vectors(big)
    return x1, x2, _a([1.0, -1.0])


def _triplets_coincident(big):
    anchor = _a([[1.0, -2.0, 0.5], [0.25, 0.0, 3.0]])
    return anchor, anchor.copy(), _a([[1.0, -1.5, 0.5], [0.5, 0.25, 3.0]])


def _triplets_far(big):
    anchor = _a([[big, -big, 0.5], [0.25, big, 3.0]])
    # The negatives are the nearer ones, so the hinge is active with distances ~big.
    return anchor, _a([[0.5 * big, -big, 1.0], [0.25, 0.5 * big, -1.0]]), _a([[big, -big, 0.75], [0.25, big, 2.0]])


_GROUPS = _labels([0, 0, 1, 1, 2])


def _embeddings(big):
    return _a([[1.0, 0.5, -0.25], [0.75, 0.5, 0.0], [-1.0, 0.25, 0.5], [0.0, -1.0, 1.0], [0.5, 0.5, 0.5]]), _GROUPS


def _identical_embeddings(big):
    # Identical positives (cosine 1, a maximum: no gradient from their pair) among distinct groups.
    return _a([[0.5, -1.0, 2.0], [0.5, -1.0, 2.0], [1.0, 0.25, 0.5], [1.0, 0.25, 0.5], [-0.5, 1.0, 0.0]]), _GROUPS


def _confident_embeddings(big):
    # Positives identical, negatives orthogonal, τ = 0.05: every pair's loss is
    # softplus(log Σ_neg e^{s} − 20) ~ e^−18.5, computed as a log1p, not as a difference.
    embeddings = _a([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return embeddings, _GROUPS


def _huge_embeddings(big):
    embeddings, labels = _embeddings(big)
    return embeddings * big, labels


_CLASSES = _labels([0, 0, 1, 1, 2, 3])  # class 3 alone: its row has no positive


def _circle_embeddings(big):
    return _a(
        [[1.0, 0.5, -0.25], [0.75, 0.5, 0.0], [-1.0, 0.25, 0.5], [0.0, -1.0, 1.0], [0.5, 0.5, 0.5], [-0.5, 0.25, -1.0]]
    ), _CLASSES


def _circle_identical(big):
    # Identical positives: s = 1 exactly, the top of the cosine (and the floor of Keras's distance 1 − s).
    embeddings, labels = _circle_embeddings(big)
    embeddings[1] = embeddings[0]
    return embeddings, labels


def _circle_huge(big):
    embeddings, labels = _circle_embeddings(big)
    return embeddings * big, labels


def _ranked_lists(big):
    # Scores ±1e4 and padding (−inf; one with a relevance, ignored); the last list is padding only.
    return _a([[1e4, -1e4, 0.5, -INF], [-1e4, 1e4, -INF, 2.0], [-INF, -INF, -INF, -INF]]), _a(
        [[0.0, 2.0, 1.0, 3.0], [1.0, 0.0, 0.0, 2.0], [1.0, 0.0, 0.0, 0.0]]
    )


RANKING = [
    Extreme("margin_ranking", "scores-big", _ranking_scores, wrt=(0, 1), scaled=True),
    Extreme("hinge_embedding", "distances-big", _big_distances, scaled=True),
    Extreme("cosine_embedding", "zero-vectors", _cosine_zero, wrt=(0, 1)),
    Extreme("cosine_embedding", "huge-vectors", _cosine_huge, wrt=(0, 1), scaled=True),
    Extreme("ranking_softmax", "scores1e4-padding", _ranked_lists),
    # d(a, p) = 0 with eps = 0: the subgradient 0 of the norm at 0, not NaN.
    Extreme("triplet_margin", "coincident-eps0", _triplets_coincident, {"eps": 0.0}, wrt=(0, 1, 2)),
    Extreme("triplet_margin", "distances-big", _triplets_far, wrt=(0, 1, 2), scaled=True),
    # Similarities up to 1/τ = 1e4: softmax logits as extreme as ±1e4.
    Extreme("ntxent", "temperature1e-4", _embeddings, {"temperature": 1e-4}),
    Extreme("ntxent", "identical-positives", _identical_embeddings),
    Extreme("ntxent", "huge-norms", _huge_embeddings, scaled=True),
    Extreme("ntxent", "tiny-loss-temperature0.05", _confident_embeddings, {"temperature": 0.05}),
    # γ = 1e4: exponents of ±1e4 inside the log-sum-exps, which overflow a naive log(1 + Σ·Σ).
    Extreme("circle", "gamma1e4", _circle_embeddings, {"gamma": 1e4}),
    Extreme("circle", "identical-positives", _circle_identical),
    Extreme("circle", "huge-norms", _circle_huge, scaled=True),
]


def _coincident_rows(big):
    """Rows 0 and 1 identical (class 0, far from the others); the other classes' pairs each have a negative
    just beyond them, 1e-2 or more from every tie."""
    return _a(
        [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0], [0.5, 0.0, 0.0], [0.0, 1.25, 0.0], [1.5, 1.0, 0.5], [1.0, 1.5, 0.5]]
    ), _labels([0, 0, 1, 1, 2, 2])


def _far_rows(big):
    embeddings, labels = _coincident_rows(big)
    embeddings[1] = [2.0, 3.5, 2.5]
    return embeddings * big, labels


RANKING += [
    # Identical positives: distance 0 with the subgradient 0 of the norm, not NaN.
    Extreme("contrastive", "identical-positives", _circle_identical),
    Extreme("contrastive", "huge-norms", _circle_huge, scaled=True),
    Extreme(
        "contrastive",
        "distances-big-squared",
        _circle_huge,
        {"normalize": False, "squared": True, "neg_margin": 2.0},
        scaled=True,
    ),
    Extreme("supervised_contrastive", "temperature1e-4", _circle_embeddings, {"temperature": 1e-4}),
    Extreme("supervised_contrastive", "huge-norms", _circle_huge, scaled=True),
    # One positive per row, identical; negatives orthogonal: each loss is softplus(log Σ_neg e^{s} − 20) ~ e^−18.5.
    Extreme("supervised_contrastive", "tiny-loss-temperature0.05", _confident_embeddings, {"temperature": 0.05}),
    # margin 10: every hinge active, so the zero distance of the identical rows is differentiated.
    Extreme("mined_triplet", "coincident-semi_hard", _coincident_rows, {"margin": 10.0}),
    Extreme("mined_triplet", "coincident-hard", _coincident_rows, {"margin": 10.0, "mining": "hard"}),
    Extreme("mined_triplet", "distances-big-squared", _far_rows, {"distance": "squared_euclidean"}, scaled=True),
    Extreme("mined_triplet", "distances-big-hard-soft", _far_rows, {"mining": "hard", "soft": True}, scaled=True),
]


def _one_class(big):
    embeddings, labels = _circle_embeddings(big)
    return embeddings, np.zeros_like(labels)


def _pairs_big(big):
    # Dot products a·p of order big: softmax logits as extreme as the dtype allows.
    anchor = _a([[1.0, 0.5, -0.25], [-1.0, 0.25, 0.5], [0.0, -1.0, 1.0], [0.5, 0.5, 0.5]])
    return (
        anchor * big,
        _a([[1.0, 0.25, 0.0], [-0.5, 0.5, 0.75], [0.25, -1.0, 0.5], [0.5, 0.25, 1.0]]),
        _labels([0, 1, 2, 0]),
    )


def _pairs_confident(big):
    # Each positive its anchor, the pairs orthogonal, |a|² = 25: each loss is log(1 + (N − 1)·e^−25) ~ 4e−11,
    # whose digits a logsumexp − a·p (the log of 1 + tiny) keeps none of in float32.
    anchor = 5.0 * np.eye(4, 3)
    anchor[3] = [0.0, 0.0, -5.0]
    return anchor, anchor.copy(), _labels([0, 1, 2, 3])


RANKING += [
    # Identical positives: distance 0 with the subgradient 0 of the norm, not NaN.
    Extreme("lifted_structure", "identical-positives", _circle_identical),
    Extreme("lifted_structure", "huge-norms", _circle_huge, scaled=True),
    Extreme("lifted_structure", "huge-norms-normalize", _circle_huge, {"normalize": True}, scaled=True),
    # No negatives: every J is −∞, so every pair costs 0 with gradient 0.
    Extreme("lifted_structure", "one-class", _one_class),
    Extreme("npairs", "similarities-big", _pairs_big, {"l2_reg": 0.25}, wrt=(0, 1), scaled=True),
    Extreme("npairs", "tiny-loss", _pairs_confident, wrt=(0, 1)),
]

# ----------------------------------------------------------------- sequence (B, T, C)

_CTC_LABELS = _labels([[1, 2], [2, 0]])  # row 1: one label, padded with the blank


def _ctc_logits(big):
    logits = np.array(
        [
            [[1e4, -1e4, 0.5], [-1e4, 1e4, -1e4], [0.25, -1e4, 1e4], [1e4, 0.5, -1e4]],
            [[-1e4, 0.5, 1e4], [1e4, -1e4, -1e4], [0.5, 1e4, 0.25], [-1e4, -1e4, 1e4]],
        ]
    )
    return logits, _CTC_LABELS


def _ctc_confident(big):
    # One alignment dominates by 30 on every frame (row 1's blank-padded label too): the loss
    # is ~e^−29, −log of 1 − tiny, which the per-frame log-softmax must keep.
    logits = np.array(
        [
            [[0.5, 30.5, -1.0], [30.0, 0.0, 0.25], [-0.5, 0.0, 30.25], [31.0, 0.5, 1.0]],
            [[0.25, 0.0, 30.0], [30.5, -0.25, 0.0], [31.0, 1.0, 0.5], [30.0, 0.0, -1.0]],
        ]
    )
    return logits, _CTC_LABELS


def _ctc_masked(big):
    # Class 2 is masked (−inf) on frames where no alignment of its row needs it.
    logits = np.array(
        [
            [[0.5, 1.0, -INF], [-0.25, 2.0, 0.5], [1.0, -0.5, 1.5], [0.0, 0.25, -1.0]],
            [[1.0, -INF, 0.5], [0.5, -INF, 2.0], [-1.0, -INF, 0.25], [2.0, -INF, -INF]],
        ]
    )
    return logits, _CTC_LABELS


SEQUENCE = [
    Extreme("ctc", "logits1e4", _ctc_logits),
    Extreme("ctc", "masked-inf", _ctc_masked),
    Extreme("ctc", "tiny-loss", _ctc_confident),
]

CASES = [*REGRESSION, *CLASSIFICATION, *MARGIN, *OVERLAP, *BOXES, *RANKING, *SEQUENCE]
