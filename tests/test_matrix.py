"""The cross-backend numerical matrix (SPEC §3 and §5).

Every built-in loss, called through the array-generic ``lossx.<snake_name>`` on
each framework's own tensors, is checked against the independent float64
reference of ``tests/reference.py`` (mpmath, 40 digits): the value, its dtype and
shape, and (except on NumPy) the gradient with respect to ``y_pred`` (of the loss
for "sum"/"mean", of ``Σ cotangent·loss`` for "none"). Tolerances are SPEC §5's:
rtol 1e-12 for float64 and 1e-5 for float32, with ``atol = rtol · max|reference|``.
Inputs are float32-representable, so one reference serves both dtypes, and are
drawn away from kinks (|e| near 0 or δ, hinge margins near 0, tied maxima).

Dimensions (test id: ``loss-options-reduction-weighting-backend-dtype-mode``):

* 24 option sets over the 9 losses (``CASES``): every option of every loss;
  categorical losses in Keras layout (class axis −1, 3-D for CCE/SCCE) and torch
  layout (``axis=1``, 3-D);
* reduction: none, sum, mean;
* weighting: none and sw (sample_weight, batch-shaped) for every loss; mask for
  BCE, CCE and SCCE; sw-mask and allmasked (Σw = 0: value 0, gradient 0) for SCCE;
  204 (option set, reduction, weighting) cells in all;
* backend × mode: numpy eager; torch eager and ``torch.compile(fullgraph=True,
  backend="aot_eager")``; jax eager and ``jax.jit``; tensorflow eager and
  ``tf.function(jit_compile=True)`` ("xla");
* dtype: float32, float64.

Eager modes run all 204 cells. Compiling costs 0.15–0.4 s per cell, so compiled
modes run 92 of them (see ``_compiled_subset``): "mean" under every weighting, plus
"none" with sample weights. ``test_torch_inductor`` (marked slow, runs by default)
compiles one option set per loss with torch's default inductor backend (float32,
mean, sw).

Total: 204·2 (numpy) + (204 + 92)·2·3 (torch, jax, tensorflow) + 9 (inductor) =
2193 test cases. ``pytest -q tests/test_matrix.py`` takes about 2.5 minutes on
2 CPU cores. A backend whose framework is not installed is skipped.
"""

from __future__ import annotations

import functools
import itertools
import types
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import lossx
from conftest import backend_param, framework, to_backend, to_numpy
import reference

# ------------------------------------------------------------------ tolerances (SPEC §5)

RTOL = {"float64": 1e-12, "float32": 1e-5}


def assert_matches(actual: Any, expected: np.ndarray, dtype: str, what: str) -> None:
    """``actual`` within SPEC §5 of the float64 reference; atol scales with the reference."""
    actual = to_numpy(actual)
    assert str(actual.dtype) == dtype, f"{what}: dtype {actual.dtype}, expected {dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    rtol = RTOL[dtype]
    atol = rtol * max(float(np.max(np.abs(expected), initial=0.0)), np.finfo(dtype).tiny)
    np.testing.assert_allclose(actual.astype(np.float64), expected, rtol=rtol, atol=atol, err_msg=what)


# ------------------------------------------------------------------ cases


def _f32(x: np.ndarray) -> np.ndarray:
    """Round to float32 and back: the same inputs are then exact in both dtypes."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def _softmax(logits: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def _one_hot(labels: np.ndarray, num_classes: int, axis: int) -> np.ndarray:
    return np.moveaxis(np.eye(num_classes)[labels], -1, axis)


def _away_from(values: np.ndarray, kinks: tuple[float, ...], gap: float = 1e-3) -> bool:
    return all(np.all(np.abs(values - kink) > gap) for kink in kinks)


def _regression(rng, options):
    delta = options.get("delta", 1.0)
    while True:
        y_pred, y_true = _f32(rng.standard_normal((3, 4)) * 1.5), _f32(rng.standard_normal((3, 4)))
        # Away from the kinks of |e| (0) and of huber (δ).
        if _away_from(np.abs(y_pred - y_true), (0.0, delta)):
            return y_pred, y_true


def _binary(rng, options, soft=False):
    logits = rng.standard_normal((3, 4)) * 2
    y_pred = logits if options.get("from_logits") else np.clip(1 / (1 + np.exp(-logits)), 0.02, 0.98)
    y_true = rng.random((3, 4)) if soft else (rng.random((3, 4)) < 0.5).astype(np.float64)
    return _f32(y_pred), _f32(y_true)


def _categorical(rng, options, soft=False):
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 2, 4)
    logits = rng.standard_normal(shape) * 2
    y_pred = logits if options.get("from_logits") else _softmax(logits, axis)
    if soft:
        y_true = _softmax(rng.standard_normal(shape), axis)
    else:
        labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
        y_true = _one_hot(labels, shape[axis], axis)
    return _f32(y_pred), _f32(y_true)


def _labels(rng, options):
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 2, 4)
    logits = rng.standard_normal(shape) * 2
    y_pred = logits if options.get("from_logits") else _softmax(logits, axis)
    label_shape = tuple(np.delete(shape, axis % len(shape)))
    labels = rng.integers(0, shape[axis], label_shape)
    if options.get("ignore_index") == -100:
        labels.flat[[0, 4]] = -100
    elif options.get("ignore_index") is not None:
        labels.flat[[1, 2]] = options["ignore_index"]
    return _f32(y_pred), labels.astype(np.int64)


def _hinge(rng, options, zero_one=False):
    while True:
        y_pred = _f32(rng.standard_normal((3, 4)) * 1.5)
        signs = rng.choice([-1.0, 1.0], (3, 4))
        if _away_from(1 - signs * y_pred, (0.0,)):
            return y_pred, (signs + 1) / 2 if zero_one else signs


def _categorical_hinge(rng, options):
    axis = options.get("axis", -1)
    shape = (2, 4, 3) if axis == 1 else (3, 4)
    while True:
        y_pred = _f32(rng.standard_normal(shape) * 1.5)
        labels = rng.integers(0, shape[axis], np.delete(shape, axis % len(shape)))
        y_true = _one_hot(labels, shape[axis], axis)
        # Away from the kink of the max over classes and of the outer max(·, 0).
        scores = np.sort(np.moveaxis((1 - y_true) * y_pred, axis, -1), axis=-1)
        margin = 1 + scores[..., -1] - np.sum(y_true * y_pred, axis=axis)
        if np.all(scores[..., -1] - scores[..., -2] > 1e-3) and _away_from(margin, (0.0,)):
            return y_pred, y_true


BASE_WEIGHTINGS = ("none", "sw")
LABEL_WEIGHTINGS = BASE_WEIGHTINGS + ("mask",)


@dataclass(frozen=True, eq=False)
class Case:
    """One option set of one loss: ``make(rng, options)`` draws its NumPy inputs."""

    short: str
    loss: str
    option_id: str
    options: dict
    make: Callable[..., tuple]
    weightings: tuple[str, ...] = BASE_WEIGHTINGS

    @property
    def id(self) -> str:
        return f"{self.short}-{self.option_id}"

    @property
    def is_labels(self) -> bool:
        return self.loss == "sparse_categorical_cross_entropy"


CW4 = (1.0, 2.0, 0.5, 3.0)  # exact in float32, like every constant here but ε
SCCE_WEIGHTINGS = LABEL_WEIGHTINGS + ("sw-mask", "allmasked")
CASES = [
    Case("mse", "mean_squared_error", "default", {}, _regression),
    Case("mae", "mean_absolute_error", "default", {}, _regression),
    Case("huber", "huber", "delta0.5", {"delta": 0.5}, _regression),
    Case("huber", "huber", "delta2", {"delta": 2.0}, _regression),
    Case("bce", "binary_cross_entropy", "probs", {}, _binary, LABEL_WEIGHTINGS),
    Case("bce", "binary_cross_entropy", "from_logits", {"from_logits": True}, _binary, LABEL_WEIGHTINGS),
    Case("bce", "binary_cross_entropy", "from_logits-ls0.1-pw2",
          {"from_logits": True, "label_smoothing": 0.1, "pos_weight": 2.0}, _binary, LABEL_WEIGHTINGS),
    Case("bce", "binary_cross_entropy", "probs-pwvec-soft", {"pos_weight": CW4},
          functools.partial(_binary, soft=True), LABEL_WEIGHTINGS),
    Case("focal", "binary_focal_cross_entropy", "probs-gamma2", {}, _binary),
    Case("focal", "binary_focal_cross_entropy", "from_logits-alpha0.25",
          {"from_logits": True, "alpha": 0.25}, _binary),
    Case("focal", "binary_focal_cross_entropy", "from_logits-gamma0.5-ls0.1",
          {"from_logits": True, "gamma": 0.5, "label_smoothing": 0.1}, _binary),
    Case("focal", "binary_focal_cross_entropy", "probs-alpha0.25-gamma0-ls0.1",
          {"alpha": 0.25, "gamma": 0.0, "label_smoothing": 0.1}, _binary),
    Case("cce", "categorical_cross_entropy", "from_logits", {"from_logits": True}, _categorical,
          LABEL_WEIGHTINGS),
    Case("cce", "categorical_cross_entropy", "probs-ls0.1", {"label_smoothing": 0.1}, _categorical,
          LABEL_WEIGHTINGS),
    Case("cce", "categorical_cross_entropy", "from_logits-cw-soft", {"from_logits": True, "class_weight": CW4},
          functools.partial(_categorical, soft=True), LABEL_WEIGHTINGS),
    Case("cce", "categorical_cross_entropy", "axis1-from_logits-ls0.1-cw",
          {"from_logits": True, "axis": 1, "label_smoothing": 0.1, "class_weight": CW4}, _categorical,
          LABEL_WEIGHTINGS),
    Case("scce", "sparse_categorical_cross_entropy", "from_logits", {"from_logits": True}, _labels,
          SCCE_WEIGHTINGS),
    Case("scce", "sparse_categorical_cross_entropy", "probs-ls0.1", {"label_smoothing": 0.1}, _labels,
          SCCE_WEIGHTINGS),
    Case("scce", "sparse_categorical_cross_entropy", "from_logits-ls0.1-cw-ii-100",
          {"from_logits": True, "label_smoothing": 0.1, "class_weight": CW4, "ignore_index": -100}, _labels,
          SCCE_WEIGHTINGS),
    Case("scce", "sparse_categorical_cross_entropy", "axis1-from_logits-ii0",
          {"from_logits": True, "axis": 1, "ignore_index": 0}, _labels, SCCE_WEIGHTINGS),
    Case("hinge", "hinge", "pm1", {}, _hinge),
    Case("hinge", "hinge", "01", {}, functools.partial(_hinge, zero_one=True)),
    Case("cat_hinge", "categorical_hinge", "default", {}, _categorical_hinge),
    Case("cat_hinge", "categorical_hinge", "axis1", {"axis": 1}, _categorical_hinge),
]
CASE_BY_ID = {case.id: case for case in CASES}
assert len(CASE_BY_ID) == len(CASES)
assert {case.loss for case in CASES} == set(lossx.losses.__all__), "every built-in loss is in the matrix"


@dataclass(frozen=True)
class Inputs:
    y_pred: np.ndarray
    y_true: np.ndarray
    loss_shape: tuple[int, ...]
    sample_weight: np.ndarray | None
    mask: np.ndarray | None
    cotangent: np.ndarray  # of the unreduced loss, for reduction="none" gradients


@functools.lru_cache(maxsize=None)
def inputs(case_id: str, weighting: str) -> Inputs:
    case = CASE_BY_ID[case_id]
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    y_pred, y_true = case.make(rng, case.options)
    if case.is_labels:
        loss_shape = y_true.shape
    elif case.loss in ("categorical_cross_entropy", "categorical_hinge"):
        loss_shape = tuple(np.delete(y_pred.shape, case.options.get("axis", -1) % y_pred.ndim))
    else:
        loss_shape = y_pred.shape
    sample_weight = _f32(rng.uniform(0.25, 2.0, loss_shape[:1]))
    mask = rng.random(loss_shape) < 0.6
    mask.flat[0], mask.flat[-1] = True, False
    cotangent = _f32(rng.standard_normal(loss_shape))
    return Inputs(
        y_pred,
        y_true,
        loss_shape,
        sample_weight if "sw" in weighting else None,
        np.zeros(loss_shape, bool) if weighting == "allmasked" else mask if "mask" in weighting else None,
        cotangent,
    )


@functools.lru_cache(maxsize=None)
def expected(case_id: str, reduction: str, weighting: str) -> tuple[np.ndarray, np.ndarray]:
    """The reference value and gradient (of ``Σ cotangent·loss`` for ``"none"``), computed once."""
    case, data = CASE_BY_ID[case_id], inputs(case_id, weighting)
    return reference.loss_and_grad(
        case.loss, data.y_pred, data.y_true, case.options, reduction,
        sample_weight=data.sample_weight, mask=data.mask,
        cotangent=data.cotangent if reduction == "none" else None,
    )


# ------------------------------------------------------------------ running lossx on each backend


_COMPILED = itertools.count()


def _fresh(function: Callable, tag: str) -> Callable:
    """A copy of ``function`` with its own code object, so torch.compile caches it separately.

    Dynamo keys its cache and its recompile limit (8) on the code object; every
    cell is a different specialisation, so one shared code object would hit the
    limit after eight cells, which fails under ``fullgraph=True``.
    """
    code = function.__code__.replace(co_name=tag, co_qualname=tag)
    return types.FunctionType(code, function.__globals__, tag, function.__defaults__, function.__closure__)


def run_numpy(loss, data, dtype, mode, reduction):
    return loss(to_backend("numpy", data.y_pred, dtype)), None


def run_torch(loss, data, dtype, mode, reduction, compile_backend="aot_eager"):
    torch = framework("torch")
    if mode == "compile":
        loss = torch.compile(_fresh(loss, f"compiled_loss_{next(_COMPILED)}"), fullgraph=True, backend=compile_backend)
    y_pred = to_backend("torch", data.y_pred, dtype).requires_grad_(True)
    value = loss(y_pred)
    cotangent = to_backend("torch", data.cotangent, dtype) if reduction == "none" else None
    (grad,) = torch.autograd.grad(value, y_pred, grad_outputs=cotangent)
    return value, grad


def run_jax(loss, data, dtype, mode, reduction):
    jax = framework("jax")
    cotangent = to_backend("jax", data.cotangent, dtype) if reduction == "none" else None

    def value_and_grad(y_pred):
        value, pullback = jax.vjp(loss, y_pred)
        (grad,) = pullback(jax.numpy.ones_like(value) if cotangent is None else cotangent)
        return value, grad

    if mode == "jit":
        value_and_grad = jax.jit(value_and_grad)
    return value_and_grad(to_backend("jax", data.y_pred, dtype))


def run_tensorflow(loss, data, dtype, mode, reduction):
    tf = framework("tensorflow")
    cotangent = to_backend("tensorflow", data.cotangent, dtype) if reduction == "none" else None

    def value_and_grad(y_pred):
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            value = loss(y_pred)
        return value, tape.gradient(value, y_pred, output_gradients=cotangent)

    if mode == "xla":
        value_and_grad = tf.function(value_and_grad, jit_compile=True)
    return value_and_grad(to_backend("tensorflow", data.y_pred, dtype))


RUNNERS = {"numpy": run_numpy, "torch": run_torch, "jax": run_jax, "tensorflow": run_tensorflow}
MODES = {"numpy": ("eager",), "torch": ("eager", "compile"), "jax": ("eager", "jit"), "tensorflow": ("eager", "xla")}
COMPILED_MODES = {"compile", "jit", "xla"}


def bound_loss(case: Case, data: Inputs, backend: str, dtype: str, reduction: str) -> Callable:
    """``y_pred -> lossx.<name>(y_pred, y_true, ...)`` with every other input as a ``backend`` array."""
    function = getattr(lossx, case.loss)
    y_true = to_backend(backend, data.y_true, None if case.is_labels else dtype)
    extra = {}
    if data.sample_weight is not None:
        extra["sample_weight"] = to_backend(backend, data.sample_weight, dtype)
    if data.mask is not None:
        extra["mask"] = to_backend(backend, data.mask)

    def loss(y_pred):
        return function(y_pred, y_true, reduction=reduction, **extra, **case.options)

    return loss


def check(case: Case, reduction: str, weighting: str, backend: str, dtype: str, mode: str, **run_options) -> None:
    data = inputs(case.id, weighting)
    ref_value, ref_grad = expected(case.id, reduction, weighting)
    loss = bound_loss(case, data, backend, dtype, reduction)
    value, grad = RUNNERS[backend](loss, data, dtype, mode, reduction, **run_options)
    assert_matches(value, ref_value, dtype, "value")
    if grad is not None:
        assert_matches(grad, ref_grad, dtype, "gradient w.r.t. y_pred")


# ------------------------------------------------------------------ the matrix


def _compiled_subset(case: Case, reduction: str, weighting: str) -> bool:
    """Which cells also run compiled (torch.compile, jax.jit, tf.function(jit_compile=True)).

    Compiling costs 0.15-0.4 s per cell, so compiled modes cover every option set
    with "mean" under every weighting plus "none" with sample weights (both
    reduction code paths that hold weights), not the full reduction x weighting grid.
    """
    return reduction == "mean" or (reduction, weighting) == ("none", "sw")


def _matrix():
    for case in CASES:
        for reduction in ("none", "sum", "mean"):
            for weighting in case.weightings:
                for backend, modes in MODES.items():
                    for dtype in ("float32", "float64"):
                        for mode in modes:
                            if mode in COMPILED_MODES and not _compiled_subset(case, reduction, weighting):
                                continue
                            yield backend_param(
                                backend, case, reduction, weighting, backend, dtype, mode,
                                id=f"{case.id}-{reduction}-{weighting}-{backend}-{dtype}-{mode}",
                            )


@pytest.mark.parametrize("case, reduction, weighting, backend, dtype, mode", list(_matrix()))
def test_value_and_grad(case, reduction, weighting, backend, dtype, mode):
    check(case, reduction, weighting, backend, dtype, mode)


INDUCTOR_CASES = [
    "mse-default", "mae-default", "huber-delta0.5", "bce-from_logits-ls0.1-pw2",
    "focal-from_logits-alpha0.25", "cce-axis1-from_logits-ls0.1-cw", "scce-from_logits-ls0.1-cw-ii-100",
    "hinge-01", "cat_hinge-default",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "case_id",
    [backend_param("torch", case_id, id=f"{case_id}-mean-sw-torch-float32-inductor") for case_id in INDUCTOR_CASES],
)
def test_torch_inductor(case_id):
    """torch.compile's default (inductor) backend, on one option set per loss."""
    check(CASE_BY_ID[case_id], "mean", "sw", "torch", "float32", "compile", compile_backend="inductor")
