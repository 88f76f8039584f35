"""Any Array API array works: array-api-strict (the standard, nothing more) and Dask (lazy).

Values only (neither has autodiff), every option set of the matrix, against the same
independent reference; Dask results are computed at the end, proving the losses
build a lazy graph without inspecting values.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossx
from tests.numerics.test_matrix import SMOKE_CASES as CASES
from tests.numerics.test_matrix import assert_matches, expected, inputs

ARRAY_LIBRARIES = ["array_api_strict", "dask"]


def _convert(library: str, array: np.ndarray, dtype: str | None):
    if library == "array_api_strict":
        xs = pytest.importorskip("array_api_strict")
        return xs.asarray(array if dtype is None else array.astype(dtype))
    da = pytest.importorskip("dask.array")
    # Every axis in two chunks: reductions and class-axis softmaxes cross a chunk boundary on
    # each axis, in a graph of at most 2^ndim chunks (a chunk per element cost 4 times as much).
    chunks = tuple(max(1, -(-n // 2)) for n in array.shape)
    return da.from_array(array if dtype is None else array.astype(dtype), chunks=chunks)


def _to_numpy(library: str, value) -> np.ndarray:
    if library == "dask":
        value = value.compute()
    return np.asarray(value)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("library", ARRAY_LIBRARIES)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_value(case, library, reduction, dtype):
    weighting = "sw"
    data = inputs(case.id, weighting)
    reference_value, _ = expected(case.id, reduction, weighting)
    arrays = [_convert(library, a, None if a.dtype.kind in "iub" else dtype) for a in data.arrays]
    loss = getattr(lossx, case.loss)
    value = loss(*arrays, reduction=reduction, sample_weight=data.sample_weight, **case.options)
    if library == "dask":
        assert type(value).__module__.startswith("dask"), "the result stays lazy"
    assert_matches(_to_numpy(library, value), reference_value, dtype, f"{case.id}-{library}")
