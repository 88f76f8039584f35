"""Measure lossx against torch, optax and Keras on inputs where those frameworks fail.

    python scripts/numerical_notes.py               # the markdown page (docs/numerical-notes.md)
    python scripts/numerical_notes.py CASE          # one case's numbers, in this process
    python scripts/numerical_notes.py --list        # the case names

Every case computes the same input three ways: the true value (mpmath at 50 digits,
from a closed form written here, on the inputs as rounded to their dtype), lossx, and
the framework's own loss. Keras picks its engine once per process, so for the page the
Keras cases run in one subprocess per engine (``KERAS_BACKEND``); a single case runs on
the engine of the calling process. The case list lives in ``CASES`` only: the page, the
command line and ``tests/numerics/test_numerical_notes.py`` all read it.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# optax's float64 cases need real float64 in JAX; set before JAX can be imported.
os.environ.setdefault("JAX_ENABLE_X64", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import mpmath
import numpy as np

mpmath.mp.dps = 50
KERAS_ENGINES = ("tensorflow", "jax", "torch")
PAGE_COMMAND = "python scripts/numerical_notes.py > docs/numerical-notes.md"
# docs/semantics.md (numerical promise): float64 rtol 1e-12, float32 rtol 1e-5 (the absolute part: see agrees).
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}


@dataclass(frozen=True)
class Measured:
    """A loss value and, where the case asks for it, the gradient w.r.t. ``y_pred``."""

    value: float
    grad: tuple[float, ...] | None = None

    def to_json(self) -> list:
        return [self.value, None if self.grad is None else list(self.grad)]

    @classmethod
    def from_json(cls, data: list) -> Measured:
        return cls(data[0], None if data[1] is None else tuple(data[1]))


@dataclass(frozen=True)
class Case:
    """One input on which a framework's own loss goes wrong and lossx does not."""

    name: str
    framework: str  # "torch" | "optax" | "keras"
    anchor: str  # the framework's loss, as called
    lossx: str  # the lossx loss, as called
    inputs: str  # the input, in words
    cause: str  # why the framework's loss goes wrong there
    dtype: str
    truth_method: str  # how the true value is computed
    truth: Callable[[], Measured]
    measure_lossx: Callable[[], Measured]
    measure_anchor: Callable[[], Measured]
    # Keras engines on which the anchor is wrong (the others must be right).
    fails_on: tuple[str, ...] = field(default=KERAS_ENGINES)


def agrees(measured: Measured, truth: Measured, dtype: str) -> bool:
    """Whether ``measured`` equals ``truth`` within the numerical promise's tolerance for ``dtype``
    (value, and gradient where both have one); NaN never agrees, ±inf only with itself.

    The absolute part is the relative one times the largest finite true number (as in
    tests/numerics/test_matrix.py), so a tiny loss must keep its relative accuracy too.
    """
    rtol = TOLERANCE[dtype]
    pairs = [(measured.value, truth.value)]
    if truth.grad is not None and measured.grad is not None:
        pairs += list(zip(measured.grad, truth.grad, strict=True))
    scale = max([abs(want) for _, want in pairs if math.isfinite(want)] + [np.finfo(dtype).tiny])
    return all(
        (got == want) if math.isinf(want) else bool(np.isclose(got, want, rtol=rtol, atol=rtol * scale))
        for got, want in pairs
    )


# ---------------------------------------------------------------- measuring helpers


def _torch_measure(loss: Callable, y_pred: np.ndarray, *rest: Any) -> Measured:
    """``loss(y_pred, *rest)`` on torch tensors, with the gradient w.r.t. ``y_pred``."""
    import torch

    x = torch.from_numpy(y_pred.copy()).requires_grad_(True)
    args = [torch.from_numpy(np.asarray(a).copy()) for a in rest]
    value = loss(x, *args)
    value.backward()
    return Measured(value.item(), tuple(x.grad.reshape(-1).tolist()))


def _jax_measure(loss: Callable, y_pred: np.ndarray, *rest: Any) -> Measured:
    """``sum(loss(y_pred, *rest))`` on JAX arrays, with the gradient w.r.t. ``y_pred``."""
    import jax

    jax.config.update("jax_enable_x64", True)
    args = [jax.numpy.asarray(a) for a in rest]
    value, grad = jax.value_and_grad(lambda x: jax.numpy.sum(loss(x, *args)))(jax.numpy.asarray(y_pred))
    return Measured(float(value), tuple(np.asarray(grad).reshape(-1).tolist()))


def _keras_measure(loss: Any, y_true: np.ndarray, y_pred: np.ndarray) -> Measured:
    """A Keras loss object called Keras's way, ``loss(y_true, y_pred)``, on this process's engine."""
    import keras

    return Measured(float(keras.ops.convert_to_numpy(loss(y_true, y_pred))))


def _torch_lossx(name: str, **options: Any) -> Any:
    import lossx.backends.torch

    return getattr(lossx.backends.torch, name)(**options)


def _jax_lossx(name: str) -> Callable:
    import lossx.backends.jax

    return getattr(lossx.backends.jax, name)


def _keras_lossx(name: str, **options: Any) -> Any:
    import lossx.backends.keras

    return getattr(lossx.backends.keras, name)(**options)


def _keras_loss(name: str, **options: Any) -> Any:
    import keras

    return getattr(keras.losses, name)(**options)


def _torch_functional(name: str) -> Callable:
    import torch.nn.functional

    return getattr(torch.nn.functional, name)


def _optax_loss(name: str) -> Callable:
    import optax

    return getattr(optax.losses, name)


def _mp(x: Any) -> Any:
    """An input value exactly as stored in its dtype, as an mpmath number."""
    return mpmath.mpf(float(x))


def _measured(value: Any, grad: list | None = None) -> Measured:
    return Measured(float(value), None if grad is None else tuple(float(g) for g in grad))


def _softmax(logits: np.ndarray) -> list:
    exps = [mpmath.exp(_mp(v)) if math.isfinite(v) else mpmath.mpf(0) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _soft_cross_entropy_truth(logits: np.ndarray, target: np.ndarray) -> Measured:
    """``−Σ t·log softmax(x)`` (terms with t = 0 are 0) and its gradient ``softmax(x) − t``
    (for targets summing to 1)."""
    p = _softmax(logits)
    value = -sum(_mp(t) * mpmath.log(q) for t, q in zip(target, p, strict=True) if t != 0)
    return _measured(value, [q - _mp(t) for q, t in zip(p, target, strict=True)])


def _kl_truth(target: np.ndarray, log_q: np.ndarray) -> Measured:
    """``Σ t·(log t − log q)`` over t > 0, and its gradient w.r.t. ``log q`` (−t)."""
    value = sum(_mp(t) * (mpmath.log(_mp(t)) - _mp(lq)) for t, lq in zip(target, log_q, strict=True) if t != 0)
    return _measured(value, [-_mp(t) for t in target])


# ---------------------------------------------------------------- the cases
# Each input is built once, as NumPy in its dtype; the truth reads the same rounded values.

CE_LOGITS = np.array([[0.0, -np.inf, 1.0]])
CE_TARGET = np.array([[0.5, 0.0, 0.5]])
CE_TRUTH = (
    "mpmath: −Σ t·log softmax(x) = log(1 + e) − ½ (the −inf class has t = 0, so it adds 0·log 0 = 0); "
    "gradient softmax(x) − t"
)

BCE_P64 = np.array([1e-60])
BCE_Y64 = np.array([1.0])

SOFT_MARGIN_X = np.array([-1e4], dtype=np.float32)
SOFT_MARGIN_Y = np.array([1.0], dtype=np.float32)

IGNORED_LOGITS = np.zeros((2, 3))
IGNORED_LABELS = np.array([-100, -100])

KL_LOG_Q = np.log(np.array([[0.25, 0.5, 0.25]]))
KL_LOG_T = np.array([[math.log(0.5), -np.inf, math.log(0.5)]])  # log 0: a zero-probability target

OPTAX_KL_LOG_Q = np.array([math.log(0.5), -np.inf, math.log(0.5)])  # a zero prediction where the target is 0 too
OPTAX_KL_T = np.array([0.5, 0.0, 0.5])

KERAS_P = np.array([[1e-10]], dtype=np.float32)
KERAS_Y = np.array([[1.0]], dtype=np.float32)
KERAS_LOGIT = np.array([[-1e4]], dtype=np.float32)
KERAS_CE_LOGITS = CE_LOGITS.astype(np.float32)
KERAS_CE_TARGET = CE_TARGET.astype(np.float32)
KERAS_FOCAL_LOGITS = np.array([[-1e4, 0.0]], dtype=np.float32)
KERAS_FOCAL_TARGET = np.array([[1.0, 0.0]], dtype=np.float32)
KERAS_KL_PRED = np.array([[1e-9, 1.0 - 1e-9]], dtype=np.float32)
KERAS_KL_TARGET = np.array([[1.0, 0.0]], dtype=np.float32)
KERAS_SPARSE_LABEL = np.array([0], dtype=np.int32)

# Nearly perfect predictions, whose losses are tiny (docs/semantics.md, numerical promise).
TINY_BCE_LOGIT = np.array([-30.0], dtype=np.float32)
TINY_BCE_LABEL = np.array([0.0], dtype=np.float32)
TINY_CE_LOGITS = np.array([[30.0, 0.0]], dtype=np.float32)
TINY_CE_LABEL = np.array([0])
TINY_LOG_COSH_PRED = np.array([[1e-4]], dtype=np.float32)
TINY_LOG_COSH_TRUE = np.array([[0.0]], dtype=np.float32)


def _poly_truth() -> Measured:
    """optax's Poly-1 on soft targets: ``CE + ε·Σ t_c·(1 − p_c)``, ε = 2; its gradient
    ``p − t − ε·(t_k·p_k − p_k·Σ_c t_c·p_c)``."""
    logits, target, eps = CE_LOGITS[0], CE_TARGET[0], 2
    p = _softmax(logits)
    t = [_mp(v) for v in target]
    cross_entropy = _soft_cross_entropy_truth(logits, target)
    value = cross_entropy.value + eps * sum(tc * (1 - pc) for tc, pc in zip(t, p, strict=True))
    tp = sum(tc * pc for tc, pc in zip(t, p, strict=True))
    grad = [pk - tk - eps * (tk * pk - pk * tp) for tk, pk in zip(t, p, strict=True)]
    return _measured(value, grad)


def _binary_focal_truth() -> Measured:
    """``(1 − σ(x))^γ · softplus(−x)`` for t = 1, γ = 2."""
    x = _mp(KERAS_LOGIT[0, 0])
    return _measured((1 - 1 / (1 + mpmath.exp(-x))) ** 2 * mpmath.log1p(mpmath.exp(-x)))


def _categorical_focal_truth() -> Measured:
    """``−α·(1 − p_0)^γ·log p_0`` for target class 0, α = 0.25, γ = 2."""
    p0 = _softmax(KERAS_FOCAL_LOGITS[0])[0]
    log_p0 = _mp(KERAS_FOCAL_LOGITS[0, 0]) - mpmath.log(sum(mpmath.exp(_mp(v)) for v in KERAS_FOCAL_LOGITS[0]))
    return _measured(-mpmath.mpf("0.25") * (1 - p0) ** 2 * log_p0)


def _tiny_bce_truth() -> Measured:
    """``softplus(x) = log1p(e^x)`` for label 0 and its gradient ``σ(x)``."""
    x = _mp(TINY_BCE_LOGIT[0])
    return _measured(mpmath.log1p(mpmath.exp(x)), [1 / (1 + mpmath.exp(-x))])


def _tiny_ce_truth() -> Measured:
    """``−log softmax(x)_0 = log1p(e^{x_1 − x_0})`` and its gradient ``softmax(x) − onehot(0)``."""
    p = _softmax(TINY_CE_LOGITS[0])
    return _measured(-mpmath.log(p[0]), [p[0] - 1, p[1]])


CASES: list[Case] = [
    Case(
        name="torch-bce-saturated-probability",
        framework="torch",
        anchor="torch.nn.functional.binary_cross_entropy(p, y)",
        lossx="lossx.backends.torch.BinaryCrossEntropy()(p, y)",
        inputs="p = 1e-60, y = 1 (float64): a confident, wrong prediction",
        cause="clamps log p at −100 and the gradient's denominator p·(1 − p) at 1e-12",
        dtype="float64",
        truth_method="mpmath: −log p = 60·ln 10; gradient −1/p",
        truth=lambda: _measured(-mpmath.log(_mp(BCE_P64[0])), [-1 / _mp(BCE_P64[0])]),
        measure_lossx=lambda: _torch_measure(_torch_lossx("BinaryCrossEntropy"), BCE_P64, BCE_Y64),
        measure_anchor=lambda: _torch_measure(_torch_functional("binary_cross_entropy"), BCE_P64, BCE_Y64),
    ),
    Case(
        name="torch-soft-target-ce-neg-inf-logit",
        framework="torch",
        anchor="torch.nn.functional.cross_entropy(x, t)",
        lossx="lossx.backends.torch.CategoricalCrossEntropy(from_logits=True, axis=1)(x, t)",
        inputs="logits x = [0, −inf, 1] (a masked class), probability targets t = [0.5, 0, 0.5] (float64)",
        cause="with probability targets it sums t·log_softmax(x), and 0·(−inf) = NaN",
        dtype="float64",
        truth_method=CE_TRUTH,
        truth=lambda: _soft_cross_entropy_truth(CE_LOGITS[0], CE_TARGET[0]),
        measure_lossx=lambda: _torch_measure(
            _torch_lossx("CategoricalCrossEntropy", from_logits=True, axis=1), CE_LOGITS, CE_TARGET
        ),
        measure_anchor=lambda: _torch_measure(_torch_functional("cross_entropy"), CE_LOGITS, CE_TARGET),
    ),
    Case(
        name="torch-ce-all-targets-ignored",
        framework="torch",
        anchor="torch.nn.functional.cross_entropy(x, y)  # ignore_index=-100",
        lossx="lossx.backends.torch.SparseCategoricalCrossEntropy(from_logits=True, axis=1, ignore_index=-100)(x, y)",
        inputs="logits x = zeros (2, 3), labels y = [−100, −100]: every target ignored (float64)",
        cause="divides the sum by the number of valid targets: 0/0 = NaN",
        dtype="float64",
        truth_method="docs/semantics.md (reductions and weights): a weighted mean with Σw = 0 is 0 with a zero "
        "gradient (nothing to learn from)",
        truth=lambda: _measured(0.0, [0.0] * IGNORED_LOGITS.size),
        measure_lossx=lambda: _torch_measure(
            _torch_lossx("SparseCategoricalCrossEntropy", from_logits=True, axis=1, ignore_index=-100),
            IGNORED_LOGITS,
            IGNORED_LABELS,
        ),
        measure_anchor=lambda: _torch_measure(_torch_functional("cross_entropy"), IGNORED_LOGITS, IGNORED_LABELS),
    ),
    Case(
        name="torch-bce-logits-tiny-loss",
        framework="torch",
        anchor="torch.nn.functional.binary_cross_entropy_with_logits(x, y)",
        lossx="lossx.backends.torch.BinaryCrossEntropy(from_logits=True)(x, y)",
        inputs="logit x = −30, label y = 0 (float32): a nearly perfect prediction",
        cause="computes (1 − y)·x − log σ(x) = −30 + 30.0000000000000936, whose terms cancel the tiny loss",
        dtype="float32",
        truth_method="mpmath: log1p(e^x) = 9.3576e−14; gradient σ(x)",
        truth=_tiny_bce_truth,
        measure_lossx=lambda: _torch_measure(
            _torch_lossx("BinaryCrossEntropy", from_logits=True), TINY_BCE_LOGIT, TINY_BCE_LABEL
        ),
        measure_anchor=lambda: _torch_measure(
            _torch_functional("binary_cross_entropy_with_logits"), TINY_BCE_LOGIT, TINY_BCE_LABEL
        ),
    ),
    Case(
        name="torch-soft-margin-large-margin",
        framework="torch",
        anchor="torch.nn.functional.soft_margin_loss(x, y)",
        lossx="lossx.backends.torch.SoftMargin()(x, y)",
        inputs="score x = −1e4, target y = 1 (float32): a confidently wrong score",
        cause="computes log(1 + exp(−x·y)) directly: exp(1e4) overflows, and the gradient is inf/inf = NaN",
        dtype="float32",
        truth_method="mpmath: log(1 + e^(−x·y)) = 1e4 + log1p(e^−1e4); gradient −y·σ(−x·y)",
        truth=lambda: _measured(
            mpmath.log1p(mpmath.exp(-_mp(SOFT_MARGIN_X[0]))),
            [-1 / (1 + mpmath.exp(_mp(SOFT_MARGIN_X[0])))],
        ),
        measure_lossx=lambda: _torch_measure(_torch_lossx("SoftMargin"), SOFT_MARGIN_X, SOFT_MARGIN_Y),
        measure_anchor=lambda: _torch_measure(_torch_functional("soft_margin_loss"), SOFT_MARGIN_X, SOFT_MARGIN_Y),
    ),
    Case(
        name="torch-kl-div-zero-probability-target",
        framework="torch",
        anchor='torch.nn.functional.kl_div(log_q, log_t, reduction="batchmean", log_target=True)',
        lossx="lossx.backends.torch.KlDivergence(log_input=True, log_target=True)(log_q, log_t)",
        inputs="log q = log [0.25, 0.5, 0.25], log t = log [0.5, 0, 0.5] = [−0.69, −inf, −0.69] (float64)",
        cause="computes exp(log t)·(log t − log q), and 0·(−inf) = NaN",
        dtype="float64",
        truth_method="mpmath: Σ_{t>0} t·(log t − log q) = ln 2; gradient −t",
        truth=lambda: _kl_truth(np.exp(KL_LOG_T[0]), KL_LOG_Q[0]),
        measure_lossx=lambda: _torch_measure(
            _torch_lossx("KlDivergence", log_input=True, log_target=True), KL_LOG_Q, KL_LOG_T
        ),
        measure_anchor=lambda: _torch_measure(
            lambda q, t: _torch_functional("kl_div")(q, t, reduction="batchmean", log_target=True), KL_LOG_Q, KL_LOG_T
        ),
    ),
    Case(
        name="optax-softmax-ce-neg-inf-logit",
        framework="optax",
        anchor="optax.losses.softmax_cross_entropy(x, t)  # optax#896",
        lossx='lossx.backends.jax.categorical_cross_entropy(x, t, from_logits=True, reduction="none")',
        inputs="logits x = [0, −inf, 1] (a masked class), targets t = [0.5, 0, 0.5] (float64)",
        cause="sums t·log_softmax(x), and 0·(−inf) = NaN",
        dtype="float64",
        truth_method=CE_TRUTH,
        truth=lambda: _soft_cross_entropy_truth(CE_LOGITS[0], CE_TARGET[0]),
        measure_lossx=lambda: _jax_measure(
            lambda x, t: _jax_lossx("categorical_cross_entropy")(x, t, from_logits=True, reduction="none"),
            CE_LOGITS,
            CE_TARGET,
        ),
        measure_anchor=lambda: _jax_measure(_optax_loss("softmax_cross_entropy"), CE_LOGITS, CE_TARGET),
    ),
    Case(
        name="optax-poly-loss-neg-inf-logit",
        framework="optax",
        anchor="optax.losses.poly_loss_cross_entropy(x, t, epsilon=2.0)",
        lossx='lossx.backends.jax.poly_cross_entropy(x, t, epsilon=2.0, from_logits=True, reduction="none")',
        inputs="logits x = [0, −inf, 1] (a masked class), targets t = [0.5, 0, 0.5] (float64)",
        cause="its cross-entropy term sums t·log_softmax(x), and 0·(−inf) = NaN",
        dtype="float64",
        truth_method="mpmath: CE + ε·Σ t·(1 − softmax(x)) = log(1 + e) − ½ + 1; gradient p − t − ε·(t·p − p·Σ t·p)",
        truth=_poly_truth,
        measure_lossx=lambda: _jax_measure(
            lambda x, t: _jax_lossx("poly_cross_entropy")(x, t, epsilon=2.0, from_logits=True, reduction="none"),
            CE_LOGITS,
            CE_TARGET,
        ),
        measure_anchor=lambda: _jax_measure(
            lambda x, t: _optax_loss("poly_loss_cross_entropy")(x, t, epsilon=2.0), CE_LOGITS, CE_TARGET
        ),
    ),
    Case(
        name="optax-softmax-ce-dominant-logit",
        framework="optax",
        anchor="optax.losses.softmax_cross_entropy_with_integer_labels(x, y)",
        lossx='lossx.backends.jax.sparse_categorical_cross_entropy(x, y, from_logits=True, reduction="none")',
        inputs="logits x = [30, 0], label y = 0 (float32): a nearly perfect prediction",
        cause="takes logsumexp(x) − x_y, the log of a number that rounds to 1 plus 30, minus 30",
        dtype="float32",
        truth_method="mpmath: −log softmax(x)_0 = log1p(e^−30); gradient softmax(x) − onehot(0)",
        truth=_tiny_ce_truth,
        measure_lossx=lambda: _jax_measure(
            lambda x, y: _jax_lossx("sparse_categorical_cross_entropy")(x, y, from_logits=True, reduction="none"),
            TINY_CE_LOGITS,
            TINY_CE_LABEL,
        ),
        measure_anchor=lambda: _jax_measure(
            _optax_loss("softmax_cross_entropy_with_integer_labels"), TINY_CE_LOGITS, TINY_CE_LABEL
        ),
    ),
    Case(
        name="optax-kl-zero-prediction-zero-target",
        framework="optax",
        anchor="optax.losses.kl_divergence(log_q, t)",
        lossx='lossx.backends.jax.kl_divergence(log_q, t, log_input=True, reduction="none")',
        inputs="log q = log [0.5, 0, 0.5] = [−0.69, −inf, −0.69], t = [0.5, 0, 0.5]: q = t (float64)",
        cause="guards log t at t = 0 but not log q: 0·(0 − (−inf)) = NaN",
        dtype="float64",
        truth_method="mpmath: Σ_{t>0} t·(log t − log q) = 0 (q = t); gradient −t",
        truth=lambda: _kl_truth(OPTAX_KL_T, OPTAX_KL_LOG_Q),
        measure_lossx=lambda: _jax_measure(
            lambda q, t: _jax_lossx("kl_divergence")(q, t, log_input=True, reduction="none"),
            OPTAX_KL_LOG_Q,
            OPTAX_KL_T,
        ),
        measure_anchor=lambda: _jax_measure(_optax_loss("kl_divergence"), OPTAX_KL_LOG_Q, OPTAX_KL_T),
    ),
    Case(
        name="keras-bce-small-probability",
        framework="keras",
        anchor="keras.losses.BinaryCrossentropy()(y, p)",
        lossx="lossx.backends.keras.BinaryCrossEntropy()(y, p)",
        inputs="p = 1e-10, y = 1 (float32): a confident, wrong prediction",
        cause="clips p to [1e-7, 1 − 1e-7], so −log p is capped at −log 1e-7 ≈ 16.118",
        dtype="float32",
        truth_method="mpmath: −log p (p as rounded to float32)",
        truth=lambda: _measured(-mpmath.log(_mp(KERAS_P[0, 0]))),
        measure_lossx=lambda: _keras_measure(_keras_lossx("BinaryCrossEntropy"), KERAS_Y, KERAS_P),
        measure_anchor=lambda: _keras_measure(_keras_loss("BinaryCrossentropy"), KERAS_Y, KERAS_P),
    ),
    Case(
        name="keras-cce-neg-inf-logit",
        framework="keras",
        anchor="keras.losses.CategoricalCrossentropy(from_logits=True)(t, x)",
        lossx="lossx.backends.keras.CategoricalCrossEntropy(from_logits=True)(t, x)",
        inputs="logits x = [0, −inf, 1] (a masked class), targets t = [0.5, 0, 0.5] (float32)",
        cause="sums t·log_softmax(x), and 0·(−inf) = NaN",
        dtype="float32",
        truth_method="mpmath: −Σ t·log softmax(x) = log(1 + e) − ½",
        truth=lambda: _measured(_soft_cross_entropy_truth(KERAS_CE_LOGITS[0], KERAS_CE_TARGET[0]).value),
        measure_lossx=lambda: _keras_measure(
            _keras_lossx("CategoricalCrossEntropy", from_logits=True), KERAS_CE_TARGET, KERAS_CE_LOGITS
        ),
        measure_anchor=lambda: _keras_measure(
            _keras_loss("CategoricalCrossentropy", from_logits=True), KERAS_CE_TARGET, KERAS_CE_LOGITS
        ),
    ),
    Case(
        name="keras-scce-neg-inf-logit",
        framework="keras",
        anchor="keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, x)",
        lossx="lossx.backends.keras.SparseCategoricalCrossEntropy(from_logits=True)(y, x)",
        inputs="logits x = [0, −inf, 1] (a masked class), label y = 0 (float32)",
        cause=(
            "the JAX engine one-hot encodes y and sums onehot·log_softmax(x): 0·(−inf) = NaN; "
            "TensorFlow and torch pick the label's entry"
        ),
        dtype="float32",
        truth_method="mpmath: −log softmax(x)_0 = log(1 + e)",
        truth=lambda: _measured(-mpmath.log(_softmax(KERAS_CE_LOGITS[0])[0])),
        measure_lossx=lambda: _keras_measure(
            _keras_lossx("SparseCategoricalCrossEntropy", from_logits=True), KERAS_SPARSE_LABEL, KERAS_CE_LOGITS
        ),
        measure_anchor=lambda: _keras_measure(
            _keras_loss("SparseCategoricalCrossentropy", from_logits=True), KERAS_SPARSE_LABEL, KERAS_CE_LOGITS
        ),
        fails_on=("jax",),
    ),
    Case(
        name="keras-binary-focal-large-logit",
        framework="keras",
        anchor="keras.losses.BinaryFocalCrossentropy(from_logits=True)(y, x)  # gamma=2",
        lossx="lossx.backends.keras.BinaryFocalCrossEntropy(from_logits=True)(y, x)  # gamma=2",
        inputs="logit x = −1e4, y = 1 (float32): a confidently wrong logit",
        cause=(
            "applies sigmoid, then clips at 1e-7 (≤ 16.118); only the TensorFlow engine recovers the logit "
            "from the sigmoid op"
        ),
        dtype="float32",
        truth_method="mpmath: (1 − σ(x))^γ·softplus(−x), γ = 2",
        truth=_binary_focal_truth,
        measure_lossx=lambda: _keras_measure(
            _keras_lossx("BinaryFocalCrossEntropy", from_logits=True), KERAS_Y, KERAS_LOGIT
        ),
        measure_anchor=lambda: _keras_measure(
            _keras_loss("BinaryFocalCrossentropy", from_logits=True), KERAS_Y, KERAS_LOGIT
        ),
        fails_on=("jax", "torch"),
    ),
    Case(
        name="keras-categorical-focal-large-logit",
        framework="keras",
        anchor="keras.losses.CategoricalFocalCrossentropy(from_logits=True)(t, x)  # alpha=0.25, gamma=2",
        lossx="lossx.backends.keras.CategoricalFocalCrossEntropy(from_logits=True, alpha=0.25)(t, x)",
        inputs="logits x = [−1e4, 0], one-hot target t = [1, 0] (float32): a confidently wrong logit",
        cause="applies softmax, then clips at 1e-7, so −log p_0 is capped at ≈ 16.118",
        dtype="float32",
        truth_method="mpmath: −α·(1 − p_0)^γ·log p_0 with p = softmax(x), α = 0.25, γ = 2",
        truth=_categorical_focal_truth,
        measure_lossx=lambda: _keras_measure(
            _keras_lossx("CategoricalFocalCrossEntropy", from_logits=True, alpha=0.25),
            KERAS_FOCAL_TARGET,
            KERAS_FOCAL_LOGITS,
        ),
        measure_anchor=lambda: _keras_measure(
            _keras_loss("CategoricalFocalCrossentropy", from_logits=True), KERAS_FOCAL_TARGET, KERAS_FOCAL_LOGITS
        ),
    ),
    Case(
        name="keras-log-cosh-small-residual",
        framework="keras",
        anchor="keras.losses.LogCosh()(y, p)",
        lossx="lossx.backends.keras.LogCosh()(y, p)",
        inputs="residual p − y = 1e-4 (float32): a nearly perfect prediction",
        cause="computes e + softplus(−2e) − log 2, whose terms (~log 2) cancel the tiny e²/2",
        dtype="float32",
        truth_method="mpmath: log cosh(e) ≈ e²/2 = 5e−9",
        truth=lambda: _measured(mpmath.log(mpmath.cosh(_mp(TINY_LOG_COSH_PRED[0, 0])))),
        measure_lossx=lambda: _keras_measure(_keras_lossx("LogCosh"), TINY_LOG_COSH_TRUE, TINY_LOG_COSH_PRED),
        measure_anchor=lambda: _keras_measure(_keras_loss("LogCosh"), TINY_LOG_COSH_TRUE, TINY_LOG_COSH_PRED),
    ),
    Case(
        name="keras-kld-small-probability",
        framework="keras",
        anchor="keras.losses.KLDivergence()(t, q)",
        lossx="lossx.backends.keras.KlDivergence()(t, q)",
        inputs="q = [1e-9, 1 − 1e-9], t = [1, 0] (float32): a zero-probability target, a tiny prediction",
        cause="clips q and t to [1e-7, 1], so −log q_0 is capped at ≈ 16.118",
        dtype="float32",
        truth_method="mpmath: Σ_{t>0} t·(log t − log q) = −log q_0 (q_0 as rounded to float32)",
        truth=lambda: _measured(-mpmath.log(_mp(KERAS_KL_PRED[0, 0]))),
        measure_lossx=lambda: _keras_measure(_keras_lossx("KlDivergence"), KERAS_KL_TARGET, KERAS_KL_PRED),
        measure_anchor=lambda: _keras_measure(_keras_loss("KLDivergence"), KERAS_KL_TARGET, KERAS_KL_PRED),
    ),
]
BY_NAME = {case.name: case for case in CASES}


# ---------------------------------------------------------------- running and rendering


def keras_engine() -> str:
    """The Keras engine of this process (imports Keras)."""
    import keras

    return keras.backend.backend()


def run_case(case: Case) -> dict[str, Measured]:
    """The three numbers of ``case``, measured in this process."""
    return {"truth": case.truth(), "lossx": case.measure_lossx(), "anchor": case.measure_anchor()}


def _keras_numbers() -> dict[str, dict[str, dict[str, Measured]]]:
    """Every Keras case on every engine: one fresh process per ``KERAS_BACKEND``, run in parallel."""
    running = {
        engine: subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--keras-json"],
            env=dict(os.environ, KERAS_BACKEND=engine, JAX_ENABLE_X64="1", TF_CPP_MIN_LOG_LEVEL="3"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for engine in KERAS_ENGINES
    }
    by_engine = {}
    for engine, process in running.items():
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"the Keras cases failed on the {engine} engine:\n{stderr}")
        numbers = json.loads(stdout.strip().splitlines()[-1])
        by_engine[engine] = {
            name: {label: Measured.from_json(value) for label, value in row.items()} for name, row in numbers.items()
        }
    return by_engine


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "**NaN**"
    if math.isinf(x):
        return "**inf**" if x > 0 else "**−inf**"
    return f"{x:.10g}"


def _cell(measured: Measured, with_grad: bool) -> str:
    text = _fmt(measured.value)
    if with_grad:
        text += " · grad [" + ", ".join(_fmt(g) for g in measured.grad) + "]"
    return text


def _versions() -> str:
    names = ["numpy", "mpmath", "torch", "jax", "jaxlib", "optax", "keras"]
    found = [f"{name} {importlib.metadata.version(name)}" for name in names]
    for tensorflow in ("tensorflow", "tensorflow-cpu"):
        try:
            found.append(f"tensorflow {importlib.metadata.version(tensorflow)}")
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _repro(case: Case) -> str:
    if case.framework != "keras":
        return f"python scripts/numerical_notes.py {case.name}"
    return "; ".join(
        f"KERAS_BACKEND={engine} python scripts/numerical_notes.py {case.name}" for engine in case.fails_on
    )


def render_page() -> str:
    """The markdown page: every case measured (Keras cases on every engine)."""
    by_engine = _keras_numbers()
    lines = [
        "# Numerical notes: where the frameworks' own losses fail and lossx does not",
        "",
        f"Generated by `{PAGE_COMMAND}`; do not edit by hand.",
        "`tests/numerics/test_numerical_notes.py` checks that this page equals the script's output, that lossx",
        "is within the numerical promise's tolerance of the true value in every case, and that every framework failure",
        "below still reproduces (so a fixed framework bug shows up as a failing test).",
        "",
        "Each case evaluates one input three ways: the **true value**, computed by mpmath at 50 digits",
        "from a closed form written in the script (on the inputs as rounded to their dtype); **lossx**;",
        "and the **framework's own loss**. Gradients are w.r.t. the prediction (torch autograd,",
        "`jax.grad`); Keras cases compare values only, measured on each Keras engine in its own process.",
        "✓ means within the numerical promise's tolerance of the true value (float64 rtol 1e-12, float32 rtol 1e-5,",
        "value and gradient); ✗ means NaN, inf, or a wrong number.",
        "",
        f"Measured with: {_versions()}.",
        "",
        "| case | framework loss | input | what goes wrong | wrong on |",
        "|---|---|---|---|---|",
    ]
    details = []
    for case in CASES:
        if case.framework == "keras":
            rows = [("true value", by_engine[KERAS_ENGINES[0]][case.name]["truth"])]
            for engine in KERAS_ENGINES:
                rows.append((f"lossx, Keras on {engine}", by_engine[engine][case.name]["lossx"]))
            for engine in KERAS_ENGINES:
                rows.append((f"`keras` on {engine}", by_engine[engine][case.name]["anchor"]))
        else:
            numbers = run_case(case)
            rows = [
                ("true value", numbers["truth"]),
                ("lossx", numbers["lossx"]),
                (f"`{case.framework}`", numbers["anchor"]),
            ]
        truth = rows[0][1]
        with_grad = truth.grad is not None
        wrong = [label for label, measured in rows[1:] if not agrees(measured, truth, case.dtype)]
        lines.append(
            f"| [{case.name}](#{case.name}) | `{case.anchor.split('(')[0]}` | {case.inputs} | {case.cause} | "
            f"{', '.join(wrong)} |"
        )
        details += [
            "",
            f"## {case.name}",
            "",
            f"- input: {case.inputs}",
            f"- what goes wrong: {case.cause}",
            f"- framework: `{case.anchor}`",
            f"- lossx: `{case.lossx}`",
            f"- true value: {case.truth_method}",
            f"- reproduce: `{_repro(case)}`",
            "",
            "| | value" + (" · gradient" if with_grad else "") + " |",
            "|---|---|",
        ]
        details.append(f"| true value | {_cell(truth, with_grad)} |")
        details += [
            f"| {label} | {_cell(measured, with_grad)} {'✓' if agrees(measured, truth, case.dtype) else '✗'} |"
            for label, measured in rows[1:]
        ]
    return "\n".join(lines + details) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        sys.stdout.write(render_page())
        return 0
    if argv == ["--list"]:
        print("\n".join(BY_NAME))
        return 0
    if argv == ["--keras-json"]:
        numbers = {
            case.name: {label: m.to_json() for label, m in run_case(case).items()}
            for case in CASES
            if case.framework == "keras"
        }
        print(json.dumps(numbers))
        return 0
    if len(argv) == 1 and argv[0] in BY_NAME:
        case = BY_NAME[argv[0]]
        where = f" (Keras engine: {keras_engine()})" if case.framework == "keras" else ""
        print(f"{case.name}{where}\ninput: {case.inputs}")
        for label, measured in run_case(case).items():
            grad = "" if measured.grad is None else f"  grad {list(measured.grad)!r}"
            label = case.framework if label == "anchor" else label
            verdict = "ok" if agrees(measured, case.truth(), case.dtype) else "WRONG"
            print(f"{label:>7}: {measured.value!r}{grad}  {verdict}")
        return 0
    print(f"usage: python scripts/numerical_notes.py [--list | CASE]; cases: {', '.join(BY_NAME)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
