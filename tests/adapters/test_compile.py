"""Every loss compiles whole and is traced once per input shape (issue 5, deliverable 3).

For one option set per loss (the first of ``test_matrix.CASES``), forward and backward,
float32, ``reduction="mean"`` with sample weights:

* torch: ``torch.compile(fullgraph=True)`` (which raises on any graph break) hands its
  backend exactly one graph, and a second call with new tensors of the same shapes
  reuses it;
* JAX: a jitted ``value_and_grad`` traces once for repeated calls with the same shapes
  and dtypes, and once more when the batch size changes;
* TensorFlow: ``tf.function(jit_compile=True)`` likewise.

Traces are counted with a Python side effect in the traced function (it runs only while
tracing) and cross-checked with each framework's own cache counter. Values and gradients
are checked against the float64 reference (``tests/support/reference/__init__.py``), not against lossx
in eager mode. The numerical matrix (tests/numerics/test_matrix.py) also runs compiled cells;
this file proves graph-break freedom and no retracing explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lossx
from tests.numerics.test_matrix import CASES, _fresh, assert_matches, inputs
from tests.support import reference
from tests.support.frameworks import framework, only_framework, to_backend

FIRST_CASES = [case for i, case in enumerate(CASES) if case.loss not in {c.loss for c in CASES[:i]}]
assert {case.loss for case in FIRST_CASES} == set(lossx.losses.__all__)
DTYPE = "float32"


def _arrays(backend: str, arrays: tuple[np.ndarray, ...], sample_weight: np.ndarray) -> tuple[list, Any]:
    """Fresh ``backend`` arrays (integer inputs keep their dtype, floating ones become float32)."""
    converted = [to_backend(backend, a, None if a.dtype.kind in "iub" else DTYPE) for a in arrays]
    return converted, to_backend(backend, sample_weight, DTYPE)


def _batch(data, batch: int) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    # A loss pooled over the batch (weighted_kappa) has one sample weight, whatever the batch.
    weight = data.sample_weight if data.sample_weight.ndim == 0 else data.sample_weight[:batch]
    return tuple(a[:batch] for a in data.arrays), weight


def _check(case, arrays: tuple[np.ndarray, ...], sample_weight: np.ndarray, value: Any, grads: Any, what: str) -> None:
    expected_value, expected_grads = reference.loss_and_grad(
        case.loss, arrays, case.options, "mean", sample_weight=sample_weight, wrt=case.wrt
    )
    assert_matches(value, expected_value, DTYPE, f"{case.id} {what} value")
    for position, grad, expected_grad in zip(case.wrt, grads, expected_grads, strict=True):
        assert_matches(grad, expected_grad, DTYPE, f"{case.id} {what} gradient w.r.t. input {position}")


def _loss_of_wrt(case, arrays: list, sample_weight: Any) -> Callable:
    """``(*differentiable) -> lossx.<loss>(...)`` with the other inputs fixed to ``arrays``."""
    loss = getattr(lossx, case.loss)

    def of_wrt(*differentiable):
        full = list(arrays)
        for position, array in zip(case.wrt, differentiable, strict=True):
            full[position] = array
        return loss(*full, sample_weight=sample_weight, **case.options)

    return of_wrt


@pytest.mark.parametrize(
    "case", FIRST_CASES, ids=[f"{case.id}-torch-{DTYPE}-compile-fullgraph" for case in FIRST_CASES]
)
@only_framework("torch")
def test_torch_compile_one_graph_no_break(case):
    torch = framework("torch")
    from torch._dynamo.utils import counters

    aot_eager = torch._dynamo.lookup_backend("aot_eager")
    graphs = []

    def counting_backend(graph_module, example_inputs):
        graphs.append(graph_module)
        return aot_eager(graph_module, example_inputs)

    loss = getattr(lossx, case.loss)
    options = case.options

    def weighted_loss(sample_weight, *arrays):
        return loss(*arrays, sample_weight=sample_weight, **options)

    # A code object per case: Dynamo's cache and recompile limit are per code object.
    compiled = torch.compile(
        _fresh(weighted_loss, f"fullgraph_{case.id.replace('-', '_').replace('.', '_')}"),
        fullgraph=True,
        backend=counting_backend,
    )
    data = inputs(case.id, "sw")
    counters.clear()
    for call in ("first", "repeat"):
        arrays, sample_weight = _arrays("torch", data.arrays, data.sample_weight)
        for position in case.wrt:
            arrays[position].requires_grad_(True)
        value = compiled(sample_weight, *arrays)
        grads = torch.autograd.grad(value, [arrays[position] for position in case.wrt])
        _check(case, data.arrays, data.sample_weight, value, grads, call)
    assert len(graphs) == 1, f"{case.id}: {len(graphs)} graphs compiled for two same-shape calls"
    assert not counters["graph_break"], f"{case.id}: graph breaks {dict(counters['graph_break'])}"


@pytest.mark.parametrize("case", FIRST_CASES, ids=[f"{case.id}-jax-{DTYPE}-jit-retrace" for case in FIRST_CASES])
@only_framework("jax")
def test_jax_jit_traces_once_per_shape(case):
    jax = framework("jax")
    traces = []

    def value_and_grad(arrays, sample_weight):
        traces.append(tuple(a.shape for a in arrays))
        of_wrt = _loss_of_wrt(case, arrays, sample_weight)
        return jax.value_and_grad(of_wrt, argnums=tuple(range(len(case.wrt))))(*(arrays[p] for p in case.wrt))

    jitted = jax.jit(value_and_grad)
    data = inputs(case.id, "sw")
    for _ in range(3):
        value, grads = jitted(*_arrays("jax", data.arrays, data.sample_weight))
    _check(case, data.arrays, data.sample_weight, value, grads, "same shapes")
    assert len(traces) == 1 and jitted._cache_size() == 1, f"{case.id}: traced {len(traces)} times for one shape"

    smaller = _batch(data, data.arrays[0].shape[0] - 1)
    for _ in range(2):
        value, grads = jitted(*_arrays("jax", *smaller))
    _check(case, *smaller, value, grads, "smaller batch")
    assert len(traces) == 2 and jitted._cache_size() == 2, f"{case.id}: traces {traces} for two shapes"


@pytest.mark.parametrize("case", FIRST_CASES, ids=[f"{case.id}-tensorflow-{DTYPE}-xla-retrace" for case in FIRST_CASES])
@only_framework("tensorflow")
def test_tf_function_jit_compile_traces_once_per_shape(case):
    tf = framework("tensorflow")
    traces = []

    @tf.function(jit_compile=True, autograph=False)
    def value_and_grad(arrays, sample_weight):
        traces.append(tuple(a.shape for a in arrays))
        differentiable = [arrays[p] for p in case.wrt]
        with tf.GradientTape() as tape:
            tape.watch(differentiable)
            value = _loss_of_wrt(case, arrays, sample_weight)(*differentiable)
        return value, tape.gradient(value, differentiable)

    data = inputs(case.id, "sw")
    for _ in range(3):
        value, grads = value_and_grad(*_arrays("tensorflow", data.arrays, data.sample_weight))
    _check(case, data.arrays, data.sample_weight, value, grads, "same shapes")
    assert len(traces) == 1 and value_and_grad.experimental_get_tracing_count() == 1, (
        f"{case.id}: traced {len(traces)} times for one shape"
    )

    smaller = _batch(data, data.arrays[0].shape[0] - 1)
    for _ in range(2):
        value, grads = value_and_grad(*_arrays("tensorflow", *smaller))
    _check(case, *smaller, value, grads, "smaller batch")
    assert len(traces) == 2 and value_and_grad.experimental_get_tracing_count() == 2, (
        f"{case.id}: traces {traces} for two shapes"
    )


_FIRST_CALL_COMPILED = """
import {first}, {second}
x = torch.randn(4, 3, requires_grad=True)
labels = torch.tensor([0, 1, 2, 1])
compiled = torch.compile(
    lambda a, b: lossx.sparse_categorical_cross_entropy(a, b, from_logits=True), fullgraph=True)
assert torch.allclose(compiled(x, labels), torch.nn.functional.cross_entropy(x, labels))
"""


@pytest.mark.parametrize("first, second", [("torch", "lossx"), ("lossx", "torch")])
@only_framework("torch")
def test_a_first_call_under_torch_compile_traces_whole(first, second):
    # A fresh process whose first lossx call is traced: every table that call reads must
    # exist already (torch.compile cannot trace the import of lossx's torch kernels).
    import subprocess
    import sys

    framework("torch")
    script = _FIRST_CALL_COMPILED.format(first=first, second=second)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
