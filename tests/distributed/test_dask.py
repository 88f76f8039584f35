"""Dask: a loss over chunked arrays stays lazy and computes on a ``dask.distributed`` cluster.

The batch of tests/distributed/problem.py in chunks of 4 rows (4, 3, 1 and 0 valid labels),
on a LocalCluster of 2 worker processes: the loss and ``lossx.total_weight`` are Dask
arrays until computed, the tasks run on the workers, and the values equal the independent
float64 NumPy reference and lossx's NumPy result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import lossx
from tests.distributed.problem import LOSS, logits, options, problem, reference

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

CHUNK_ROWS = 4
OPTIONS_ID = "ignore_index+class_weight+sample_weight"
#: Starting a cluster of processes takes seconds; one that is not up by then is refused.
CLUSTER_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            timeout=CLUSTER_TIMEOUT_S,
        ) as cluster,
        distributed.Client(cluster, timeout=CLUSTER_TIMEOUT_S) as client,
    ):
        yield client


def _chunked(data: dict[str, np.ndarray], dtype: str) -> tuple:
    return (
        da.from_array(logits(data).astype(dtype), chunks=(CHUNK_ROWS, -1)),
        da.from_array(data["labels"], chunks=CHUNK_ROWS),
        da.from_array(data["sample_weight"].astype(dtype), chunks=CHUNK_ROWS),
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "quantity", ["mean", "total_weight", "mean_with_total_weight"], ids=lambda q: f"{LOSS}-{OPTIONS_ID}-dask-{q}"
)
def test_loss_on_a_local_cluster(client: Any, quantity: str, dtype: str, request: pytest.FixtureRequest) -> None:
    data = problem(4)
    outputs, labels, sample_weight = _chunked(data, dtype)
    settings = options(data)
    loss = getattr(lossx, LOSS)
    expected = reference(data)
    if quantity == "total_weight":
        lazy = lossx.total_weight(LOSS, outputs, labels, sample_weight=sample_weight, **settings)
        wanted = expected["total_weight"]
    else:
        total = None
        if quantity == "mean_with_total_weight":
            total = lossx.total_weight(LOSS, outputs, labels, sample_weight=sample_weight, **settings)
            assert isinstance(total, da.Array), "total_weight stays lazy"
        lazy = loss(outputs, labels, sample_weight=sample_weight, total_weight=total, **settings)
        wanted = expected["value"]
    assert isinstance(lazy, da.Array), "the loss stays lazy until computed"
    with distributed.get_task_stream(client) as tasks:
        value = float(client.compute(lazy).result())
    assert tasks.data, "the cluster's workers computed it"
    on_numpy = (
        lossx.total_weight(
            LOSS,
            logits(data).astype(dtype),
            data["labels"],
            sample_weight=data["sample_weight"].astype(dtype),
            **settings,
        )
        if quantity == "total_weight"
        else loss(
            logits(data).astype(dtype), data["labels"], sample_weight=data["sample_weight"].astype(dtype), **settings
        )
    )
    rtol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(value, wanted, rtol=rtol, atol=0)
    np.testing.assert_allclose(value, float(on_numpy), rtol=rtol, atol=0)
