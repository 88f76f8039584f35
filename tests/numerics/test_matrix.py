"""The cross-backend numerical matrix (docs/semantics.md: reductions and weights, numerical promise).

Every built-in loss, called through the array-generic ``lossx.<snake_name>`` on
each framework's own tensors, is checked against the independent float64
reference of ``tests/support/reference/__init__.py`` (mpmath, 40 digits): the value, its dtype and
shape, and (except on NumPy) the gradient with respect to ``y_pred`` (of the loss
for "sum"/"mean", of ``Σ cotangent·loss`` for "none"). Tolerances are the numerical promise's:
rtol 1e-12 for float64 and 1e-5 for float32, with ``atol = rtol · max|reference|``.
Inputs are float32-representable, so one reference serves both dtypes, and are
drawn away from kinks (|e| near 0 or δ, hinge margins near 0, tied maxima).

Dimensions (test id: ``loss-options-reduction-weighting-backend-dtype-mode``):

* 208 option sets over the 62 losses (``CASES``, from tests/support/cases/__init__.py and the family
  modules tests/support/cases/): every option of every loss; categorical losses in Keras
  layout (class axis −1) and torch layout (``axis=1``);
* reduction: none, sum, mean;
* weighting: none and sw (sample_weight, batch-shaped) for every loss; mask for
  label losses; sw-mask and allmasked (Σw = 0: value 0, gradient 0) for some;
* backend × mode: numpy eager; torch eager and ``torch.compile(fullgraph=True,
  backend="aot_eager")``; jax eager and ``jax.jit``; tensorflow eager and
  ``tf.function(jit_compile=True)`` ("xla");
* dtype: float32, float64.

Compiling costs 0.5–2 s per cell, so compiled modes run a subset (see ``_compiled_subset``), in
float32 (the dtype models are compiled in; float64 exactness is proven eagerly): "mean" with
sample weights for every option set, and each loss's first option set's "mean" under its masks.
Eager cells run in full on NumPy, torch and TensorFlow; JAX's eager float64 cells run "none" and
"mean" with sample weights for every option set and the whole grid of each loss's first option
set (``_jax_eager_subset``: eager JAX runs each operation as its own XLA computation, 0.25 s a
cell), and JAX's float32 runs under ``jax.jit`` only, as models do. ``test_torch_inductor`` (marked slow, runs by
default)
compiles one option set per kind of kernel with torch's default inductor backend (float32,
mean, sw).

Total: 12851 test cases (1668 with ``LOSSX_MATRIX=smoke``, the eager sample-weighted
"mean" cells only, which the single-framework tox environments use).
A backend whose framework is not installed is skipped.
"""

from __future__ import annotations

import functools
import itertools
import os
import types
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import lossx
from tests.support import cases, reference
from tests.support.cases import boxes as cases_boxes
from tests.support.cases import classification as cases_classification
from tests.support.cases import f32
from tests.support.cases import margin as cases_margin
from tests.support.cases import overlap as cases_overlap
from tests.support.cases import ranking as cases_ranking
from tests.support.cases import regression as cases_regression
from tests.support.cases import sequence as cases_sequence
from tests.support.frameworks import backend_param, framework, to_backend, to_numpy

#: Per-family case modules, each with a ``CASES`` list (``cases`` itself holds the nine core losses').
FAMILIES = (
    cases_regression,
    cases_classification,
    cases_margin,
    cases_overlap,
    cases_boxes,
    cases_ranking,
    cases_sequence,
)

# ------------------------------------------------------------------ tolerances (docs/semantics.md, numerical promise)

RTOL = {"float64": 1e-12, "float32": 1e-5}


def assert_matches(actual: Any, expected: np.ndarray, dtype: str, what: str) -> None:
    """``actual`` within the numerical promise (docs/semantics.md) of the float64 reference; atol scales with the
    reference."""
    actual = to_numpy(actual)
    assert str(actual.dtype) == dtype, f"{what}: dtype {actual.dtype}, expected {dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    rtol = RTOL[dtype]
    atol = rtol * max(float(np.max(np.abs(expected), initial=0.0)), np.finfo(dtype).tiny)
    np.testing.assert_allclose(actual.astype(np.float64), expected, rtol=rtol, atol=atol, err_msg=what)


# ------------------------------------------------------------------ cases

CASES = [case for family in (cases, *FAMILIES) for case in family.CASES]
CASE_BY_ID = {case.id: case for case in CASES}
Case = cases.Case
assert len(CASE_BY_ID) == len(CASES)
assert {case.loss for case in CASES} == set(lossx.losses.__all__), "every built-in loss is in the matrix"


@dataclass(frozen=True)
class Inputs:
    arrays: tuple[np.ndarray, ...]  # in the loss's input order
    loss_shape: tuple[int, ...]
    sample_weight: np.ndarray | None
    mask: np.ndarray | None
    cotangent: np.ndarray  # of the unreduced loss, for reduction="none" gradients


@functools.cache
def inputs(case_id: str, weighting: str) -> Inputs:
    case = CASE_BY_ID[case_id]
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    arrays = tuple(case.make(rng, case.options))
    loss_shape = reference.loss(case.loss, arrays, case.options, "none").shape
    sample_weight = f32(rng.uniform(0.25, 2.0, loss_shape[:1]))
    mask = rng.random(loss_shape) < 0.6
    mask.flat[0], mask.flat[-1] = True, False
    cotangent = f32(rng.standard_normal(loss_shape))
    return Inputs(
        arrays,
        loss_shape,
        sample_weight if "sw" in weighting else None,
        np.zeros(loss_shape, bool) if weighting == "allmasked" else mask if "mask" in weighting else None,
        cotangent,
    )


@functools.cache
def expected(case_id: str, reduction: str, weighting: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """The reference value and gradients (of ``Σ cotangent·loss`` for ``"none"``), computed once."""
    case, data = CASE_BY_ID[case_id], inputs(case_id, weighting)
    return reference.loss_and_grad(
        case.loss,
        data.arrays,
        case.options,
        reduction,
        sample_weight=data.sample_weight,
        mask=data.mask,
        cotangent=data.cotangent if reduction == "none" else None,
        wrt=case.wrt,
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


# A runner takes ``loss(*differentiable)`` and the NumPy values of the differentiable
# inputs, and returns the value and the gradients (None on NumPy).


def run_numpy(loss, differentiable, cotangent, dtype, mode):
    return loss(*(to_backend("numpy", a, dtype) for a in differentiable)), None


def run_torch(loss, differentiable, cotangent, dtype, mode, compile_backend="aot_eager"):
    torch = framework("torch")
    if mode == "compile":
        loss = torch.compile(_fresh(loss, f"compiled_loss_{next(_COMPILED)}"), fullgraph=True, backend=compile_backend)
    arrays = [to_backend("torch", a, dtype).requires_grad_(True) for a in differentiable]
    value = loss(*arrays)
    cotangent = None if cotangent is None else to_backend("torch", cotangent, dtype)
    return value, torch.autograd.grad(value, arrays, grad_outputs=cotangent)


def run_jax(loss, differentiable, cotangent, dtype, mode):
    jax = framework("jax")
    cotangent = None if cotangent is None else to_backend("jax", cotangent, dtype)

    def value_and_grad(*arrays):
        value, pullback = jax.vjp(loss, *arrays)
        return value, pullback(jax.numpy.ones_like(value) if cotangent is None else cotangent)

    if mode == "jit":
        value_and_grad = jax.jit(value_and_grad)
    return value_and_grad(*(to_backend("jax", a, dtype) for a in differentiable))


def run_tensorflow(loss, differentiable, cotangent, dtype, mode):
    tf = framework("tensorflow")
    cotangent = None if cotangent is None else to_backend("tensorflow", cotangent, dtype)

    def value_and_grad(*arrays):
        with tf.GradientTape() as tape:
            for array in arrays:
                tape.watch(array)
            value = loss(*arrays)
        return value, tape.gradient(value, list(arrays), output_gradients=cotangent)

    if mode == "xla":
        value_and_grad = tf.function(value_and_grad, jit_compile=True)
    return value_and_grad(*(to_backend("tensorflow", a, dtype) for a in differentiable))


RUNNERS = {"numpy": run_numpy, "torch": run_torch, "jax": run_jax, "tensorflow": run_tensorflow}
MODES = {"numpy": ("eager",), "torch": ("eager", "compile"), "jax": ("eager", "jit"), "tensorflow": ("eager", "xla")}
COMPILED_MODES = {"compile", "jit", "xla"}


def bound_loss(case: Case, data: Inputs, backend: str, dtype: str, reduction: str) -> Callable:
    """``(*differentiable) -> lossx.<name>(*inputs, ...)`` with every other input as a ``backend`` array."""
    function = getattr(lossx, case.loss)
    fixed = [to_backend(backend, a, None if a.dtype.kind in "iub" else dtype) for a in data.arrays]
    extra = {}
    if data.sample_weight is not None:
        extra["sample_weight"] = to_backend(backend, data.sample_weight, dtype)
    if data.mask is not None:
        extra["mask"] = to_backend(backend, data.mask)

    def loss(*differentiable):
        arrays = list(fixed)
        for position, array in zip(case.wrt, differentiable, strict=True):
            arrays[position] = array
        return function(*arrays, reduction=reduction, **extra, **case.options)

    return loss


def check(case: Case, reduction: str, weighting: str, backend: str, dtype: str, mode: str, **run_options) -> None:
    data = inputs(case.id, weighting)
    ref_value, ref_grads = expected(case.id, reduction, weighting)
    loss = bound_loss(case, data, backend, dtype, reduction)
    differentiable = [data.arrays[position] for position in case.wrt]
    cotangent = data.cotangent if reduction == "none" else None
    value, grads = RUNNERS[backend](loss, differentiable, cotangent, dtype, mode, **run_options)
    assert_matches(value, ref_value, dtype, "value")
    if grads is not None:
        for position, grad, ref_grad in zip(case.wrt, grads, ref_grads, strict=True):
            assert_matches(grad, ref_grad, dtype, f"gradient w.r.t. input {position}")


# ------------------------------------------------------------------ the matrix


#: The first option set of each loss (in CASES order).
FIRST_CASES = frozenset(case.id for i, case in enumerate(CASES) if case.loss not in {c.loss for c in CASES[:i]})


def _compiled_subset(case: Case, reduction: str, weighting: str) -> bool:
    """Which cells also run compiled (torch.compile, jax.jit, tf.function(jit_compile=True)).

    Compiling costs 0.5-2 s per cell, so compiled modes cover every option set with "mean"
    under sample weights, and each loss's first option set with "mean" under its masks: the
    sample-weighted mask ("mask" where the loss has no "sw-mask") and "allmasked" (Σw = 0, the
    guarded division). These are the reduction code paths that hold weights and masks, which do
    not depend on the options; every cell runs eagerly.
    """
    if (reduction, weighting) == ("mean", "sw"):
        return True
    if case.id not in FIRST_CASES or reduction != "mean":
        return False
    masked = "sw-mask" if "sw-mask" in case.weightings else "mask"
    return weighting in (masked, "allmasked")


def _jax_eager_subset(case: Case, reduction: str, weighting: str) -> bool:
    """JAX's eager float64 cells: "none" and "mean" under sample weights for every option set,
    every cell of each loss's first option set.

    Eager JAX runs each operation as its own XLA computation (0.25 s a cell, the operations jit
    compiles together), and its reductions are the namespace's, the same for every option set; the
    reduction grid of every option set is proven on NumPy and on torch and TensorFlow eagerly.
    """
    return case.id in FIRST_CASES or (weighting == "sw" and reduction in ("none", "mean"))


def _runs(case: Case, reduction: str, weighting: str, backend: str, dtype: str, mode: str) -> bool:
    """Whether the full matrix has this cell: compiled modes in float32 on their subset; JAX eager
    in float64 on its subset (its float32 runs compiled, as models do); every other eager cell."""
    if mode in COMPILED_MODES:
        return dtype == "float32" and _compiled_subset(case, reduction, weighting)
    if backend == "jax":
        return dtype == "float64" and _jax_eager_subset(case, reduction, weighting)
    return True


#: ``LOSSX_MATRIX=smoke`` (the single-framework tox environments) runs only the eager,
#: sample-weighted "mean" cell of every option set; the `matrix` environment runs the
#: whole matrix, compiled modes included.
SMOKE = os.environ.get("LOSSX_MATRIX") == "smoke"
#: ``LOSSX_MATRIX=off`` (the Keras-on-JAX and Keras-on-torch environments, whose frameworks'
#: cells the jax and torch environments run) skips the matrix.
OFF = os.environ.get("LOSSX_MATRIX") == "off"
#: Under smoke, the other per-case test files run the first option set of each loss.
SMOKE_CASES = [case for i, case in enumerate(CASES) if not SMOKE or case.loss not in {c.loss for c in CASES[:i]}]


def _matrix():
    if OFF:
        yield pytest.param(*[None] * 6, id="off", marks=pytest.mark.skip(reason="LOSSX_MATRIX=off"))
        return
    for case in CASES:
        for reduction in ("none", "sum", "mean"):
            for weighting in case.weightings:
                if SMOKE and (reduction != "mean" or weighting != "sw"):
                    continue
                for backend, modes in MODES.items():
                    for dtype in ("float32", "float64"):
                        for mode in modes:
                            if (
                                (mode in COMPILED_MODES)
                                if SMOKE
                                else not _runs(case, reduction, weighting, backend, dtype, mode)
                            ):
                                continue
                            yield backend_param(
                                backend,
                                case,
                                reduction,
                                weighting,
                                backend,
                                dtype,
                                mode,
                                id=f"{case.id}-{reduction}-{weighting}-{backend}-{dtype}-{mode}",
                                restricted=False,
                            )


@pytest.mark.parametrize("case, reduction, weighting, backend, dtype, mode", list(_matrix()))
def test_value_and_grad(case, reduction, weighting, backend, dtype, mode):
    check(case, reduction, weighting, backend, dtype, mode)


#: Inductor generates real kernels (about 25 s of compiling each on two cores), so one option
#: set per kind of kernel: elementwise with a kink (where, abs), log-space (softplus, label
#: smoothing, pos_weight), a gather with logsumexp, class weights and ignore_index, and a
#: maximum over classes. Every option set runs compiled with aot_eager in the matrix.
INDUCTOR_CASES = [
    "huber-delta0.5",
    "bce-from_logits-ls0.1-pw2",
    "scce-from_logits-ls0.1-cw-ii-100",
    "cat_hinge-default",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "case_id",
    [backend_param("torch", case_id, id=f"{case_id}-mean-sw-torch-float32-inductor") for case_id in INDUCTOR_CASES],
)
def test_torch_inductor(case_id):
    """torch.compile's default (inductor) backend, on one option set per loss."""
    check(CASE_BY_ID[case_id], "mean", "sw", "torch", "float32", "compile", compile_backend="inductor")
