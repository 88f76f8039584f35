"""Gradient accumulation: 4 micro-batches with ``total_weight`` add up to the whole batch's mean.

The micro-batches of tests/distributed/problem.py hold 4, 3, 1 and 0 valid labels.
``lossx.total_weight`` of each, summed, is the denominator every micro-batch's loss is
given; the sum of the four losses and its gradient with respect to the outputs are the
whole batch's, on every backend (eager and compiled), against the independent float64
NumPy reference (rtol 1e-12) and, in float32, the whole batch at once (rtol 1e-6, relative to
the gradient's largest entry).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lossx
from lossx.kernels import framework_module
from tests.distributed.problem import LOSS, ROWS, logits, options, problem, reference
from tests.support.frameworks import BACKENDS, backend_param

MICRO_BATCHES = 4
OPTIONS_ID = "ignore_index+class_weight+sample_weight"


def _accumulated(outputs: Any, labels: Any, sample_weight: Any, settings: dict[str, Any]) -> Any:
    """Σ over the micro-batches of each one's loss divided by the Σw of all of them."""
    loss = getattr(lossx, LOSS)
    size = ROWS // MICRO_BATCHES
    micro = [slice(k * size, (k + 1) * size) for k in range(MICRO_BATCHES)]
    total = sum(
        lossx.total_weight(LOSS, outputs[rows], labels[rows], sample_weight=sample_weight[rows], **settings)
        for rows in micro
    )
    return sum(
        loss(outputs[rows], labels[rows], sample_weight=sample_weight[rows], total_weight=total, **settings)
        for rows in micro
    )


def _whole(outputs: Any, labels: Any, sample_weight: Any, settings: dict[str, Any]) -> Any:
    return getattr(lossx, LOSS)(outputs, labels, sample_weight=sample_weight, **settings)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("backend", [backend_param(b, id=f"{LOSS}-{OPTIONS_ID}-{b}") for b in BACKENDS])
def test_four_micro_batches_make_the_whole_batch(backend: str, dtype: str, compiled: bool) -> None:
    if compiled and backend in ("numpy", "torch"):
        pytest.skip("NumPy has no compiler; torch.compile is tests/adapters/test_compile.py's")
    data = problem(MICRO_BATCHES)
    settings = options(data)
    module = framework_module(backend)
    arrays = [logits(data).astype(dtype), data["labels"], data["sample_weight"].astype(dtype)]
    value, gradient = module.value_and_gradient(lambda *xs: _accumulated(*xs, settings), arrays, compiled)
    whole_value, whole_gradient = module.value_and_gradient(lambda *xs: _whole(*xs, settings), arrays, compiled)
    expected = reference(data)
    assert np.isfinite(value).all() and (gradient is None or np.isfinite(gradient).all())
    if dtype == "float64":
        np.testing.assert_allclose(value, expected["value"], rtol=1e-12, atol=0)
        if gradient is not None:
            np.testing.assert_allclose(gradient, expected["logits"], rtol=1e-12, atol=0)
    else:
        np.testing.assert_allclose(value, whole_value, rtol=1e-6, atol=0)
        if gradient is not None:  # relative to the scale, as in test_distributed.py
            scale = np.abs(whole_gradient).max()
            np.testing.assert_allclose(gradient, whole_gradient, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("backend", [backend_param(b, id=f"{LOSS}-{OPTIONS_ID}-{b}") for b in BACKENDS])
def test_total_weight_is_the_mean_s_denominator(backend: str) -> None:
    data = problem(MICRO_BATCHES)
    module = framework_module(backend)
    arrays = [module.from_numpy(a) for a in (logits(data), data["labels"], data["sample_weight"])]
    total = lossx.total_weight(LOSS, arrays[0], arrays[1], sample_weight=arrays[2], **options(data))
    assert tuple(total.shape) == ()
    np.testing.assert_allclose(float(module.to_numpy(total)), reference(data)["total_weight"], rtol=1e-15)
