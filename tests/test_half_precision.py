"""float16 and bfloat16: computed in float32 internally, returned in the input's dtype.

The reference is computed on the half-precision-rounded inputs, so the only error
left is the final rounding of a float32 result: half an ulp of the result dtype
(we allow one ulp: float16 eps ≈ 9.8e-4, bfloat16 eps ≈ 7.8e-3).
"""

from __future__ import annotations

import numpy as np
import pytest

import lossx
import reference
from conftest import backend_param, framework, to_numpy
from test_matrix import SMOKE_CASES as CASES, inputs

EPS = {"float16": 2.0**-10, "bfloat16": 2.0**-7}
SUPPORTED = [
    backend_param("numpy", "numpy", "float16", id="numpy-float16"),
    backend_param("torch", "torch", "float16", id="torch-float16"),
    backend_param("torch", "torch", "bfloat16", id="torch-bfloat16"),
    backend_param("jax", "jax", "float16", id="jax-float16"),
    backend_param("jax", "jax", "bfloat16", id="jax-bfloat16"),
    backend_param("tensorflow", "tensorflow", "float16", id="tensorflow-float16"),
    backend_param("tensorflow", "tensorflow", "bfloat16", id="tensorflow-bfloat16"),
]


def _half(backend: str, array: np.ndarray, dtype: str):
    """``array`` in ``dtype`` on ``backend``, and the rounded values back as float64."""
    if backend == "numpy":
        half = array.astype(dtype)
        return half, half.astype(np.float64)
    module = framework(backend)
    if backend == "torch":
        half = module.from_numpy(array.copy()).to(getattr(module, dtype))
        return half, half.double().numpy()
    if backend == "jax":
        half = module.numpy.asarray(array).astype(getattr(module.numpy, dtype))
        return half, np.asarray(half.astype(module.numpy.float64))
    half = module.cast(module.convert_to_tensor(array), getattr(module, dtype))
    return half, module.cast(half, module.float64).numpy()


@pytest.mark.parametrize(("backend", "dtype"), SUPPORTED)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_half_precision_value(case, backend, dtype):
    data = inputs(case.id, "sw")
    halves = [(a, a) if a.dtype.kind in "iub" else _half(backend, a, dtype) for a in data.arrays]
    value = getattr(lossx, case.loss)(*(h for h, _ in halves), sample_weight=data.sample_weight, **case.options)
    expected = reference.loss(case.loss, [r for _, r in halves], case.options, "mean",
                              sample_weight=data.sample_weight)
    name = value.dtype.name if hasattr(value.dtype, "name") else str(value.dtype).rsplit(".", 1)[-1]
    assert name == dtype
    actual = to_numpy(value.float() if backend == "torch" else value).astype(np.float64)
    np.testing.assert_allclose(actual, expected, rtol=EPS[dtype], atol=EPS[dtype] * abs(float(expected)))
