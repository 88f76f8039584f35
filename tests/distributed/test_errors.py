"""Bad ``mean_across`` and ``total_weight`` get an error that says what to do, on every backend.

``mean_across`` outside a distributed context (no process group, no bound axis, no
strategy), or naming a group the framework does not know; ``total_weight`` negative or not
one number; either with a reduction that has no denominator.
"""

from __future__ import annotations

import socket
from typing import Any

import numpy as np
import pytest

import lossx
from tests.support.frameworks import backend_param, framework, to_backend

LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]])
LABELS = np.array([2, -100])
OPTIONS = {"from_logits": True, "ignore_index": -100}


def _loss(backend: str, **call: Any) -> Any:
    return lossx.sparse_categorical_cross_entropy(
        to_backend(backend, LOGITS), to_backend(backend, LABELS), **OPTIONS, **call
    )


OUTSIDE = [
    backend_param("numpy", "numpy", "world", "held whole by one process"),
    backend_param("torch", "torch", "world", "no process group is initialized"),
    backend_param("torch", "torch", "replicas", "give a process group"),
    backend_param("jax", "jax", "data", "not an axis name bound here"),
    backend_param("tensorflow", "tensorflow", "replicas", "needs a tf.distribute replica context"),
    backend_param("tensorflow", "tensorflow", "world", "takes 'replicas'"),
]


@pytest.mark.parametrize("backend, group, match", OUTSIDE)
def test_mean_across_outside_a_distributed_context(backend: str, group: str, match: str) -> None:
    with pytest.raises(lossx.DistributedError, match=match):
        _loss(backend, mean_across=group)


def test_mean_across_on_dask_arrays_says_they_are_global() -> None:
    da = pytest.importorskip("dask.array")
    with pytest.raises(lossx.DistributedError, match="Dask array is one array over the whole cluster"):
        lossx.sparse_categorical_cross_entropy(da.from_array(LOGITS), da.from_array(LABELS), mean_across="x", **OPTIONS)


@pytest.mark.parametrize("group", [3, True, ""])
def test_mean_across_that_names_no_group(group: Any) -> None:
    with pytest.raises(lossx.DistributedError, match="names no group"):
        _loss("numpy", mean_across=group)


@pytest.mark.parametrize("backend", [backend_param("jax")])
def test_unknown_axis_under_shard_map_names_it(backend: str) -> None:
    jax = framework("jax")
    mesh = jax.make_mesh((1,), ("data",))
    spec = jax.sharding.PartitionSpec("data")

    def loss(logits: Any, labels: Any) -> Any:
        return lossx.sparse_categorical_cross_entropy(logits, labels, mean_across="batch", **OPTIONS)

    sharded = jax.shard_map(loss, mesh=mesh, in_specs=(spec, spec), out_specs=jax.sharding.PartitionSpec())
    rows = jax.sharding.NamedSharding(mesh, spec)
    with pytest.raises(lossx.DistributedError, match="'batch' is not an axis name bound here"):
        sharded(jax.device_put(LOGITS, rows), jax.device_put(LABELS, rows))


@pytest.mark.parametrize("backend", [backend_param("torch")])
def test_unknown_torch_group_with_a_process_group(backend: str) -> None:
    torch = framework("torch")
    torch_losses = pytest.importorskip("lossx.backends.torch")
    dist = torch.distributed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    try:
        module = torch_losses.SparseCategoricalCrossEntropy(mean_across="replicas", **OPTIONS)
        with pytest.raises(lossx.DistributedError, match="give a process group"):
            module(torch.tensor(LOGITS), torch.tensor(LABELS))
        world = torch_losses.SparseCategoricalCrossEntropy(mean_across="world", **OPTIONS)
        np.testing.assert_allclose(
            world(torch.tensor(LOGITS), torch.tensor(LABELS)).item(),
            lossx.sparse_categorical_cross_entropy(LOGITS, LABELS, **OPTIONS),
            rtol=1e-15,
        )
    finally:
        dist.destroy_process_group()


BAD_TOTALS = [
    (-1.0, lossx.OptionValueError, "must be ≥ 0"),
    (float("nan"), lossx.OptionValueError, "must be ≥ 0"),
    (np.float64(-2.0), lossx.OptionValueError, "must be ≥ 0"),
    (np.array(-3.0), lossx.OptionValueError, "must be ≥ 0"),
    (np.array([1.0, 2.0]), lossx.ShapeError, r"has shape \(2,\); it must be one number"),
]


@pytest.mark.parametrize("total, error, match", BAD_TOTALS, ids=["negative", "nan", "numpy-scalar", "0-d", "vector"])
@pytest.mark.parametrize("backend", [backend_param(b) for b in ("numpy", "torch", "jax", "tensorflow")])
def test_bad_total_weight(backend: str, total: Any, error: type, match: str) -> None:
    if isinstance(total, np.ndarray):
        total = to_backend(backend, total)
    with pytest.raises(error, match=match):
        _loss(backend, total_weight=total)


@pytest.mark.parametrize("backend", [backend_param(b) for b in ("numpy", "torch")])
def test_total_weight_without_a_mean(backend: str) -> None:
    with pytest.raises(lossx.ReductionError, match="reduction='sum' has none"):
        _loss(backend, reduction="sum", total_weight=2.0)
    with pytest.raises(lossx.ReductionError, match="reduction='none' has none"):
        _loss(backend, reduction="none", mean_across="world")


@pytest.mark.parametrize("backend", [backend_param("torch")])
def test_torch_modules_refuse_them_where_they_do_not_apply(backend: str) -> None:
    torch = framework("torch")
    torch_losses = pytest.importorskip("lossx.backends.torch")
    with pytest.raises(lossx.ReductionError, match="reduction='sum' has none"):
        torch_losses.MeanSquaredError(reduction="sum", mean_across="world")
    with pytest.raises(lossx.ReductionError, match="reduction='batchmean' is not a mean over weights"):
        torch_losses.KLDivLoss(reduction="batchmean", mean_across="world")
    module = torch_losses.CrossEntropyLoss()
    with pytest.raises(lossx.OptionValueError, match="must be ≥ 0"):
        module(torch.tensor(LOGITS), torch.tensor(LABELS), total_weight=-1)


def test_keras_refuses_them_where_they_do_not_apply() -> None:
    pytest.importorskip("keras")
    keras_losses = pytest.importorskip("lossx.backends.keras")
    with pytest.raises(lossx.ReductionError, match="reduction='sum' has none"):
        keras_losses.MeanSquaredError(reduction="sum", mean_across="replicas")
    loss = keras_losses.SparseCategoricalCrossEntropy(**OPTIONS)
    with pytest.raises(lossx.OptionValueError, match="must be ≥ 0"):
        loss(LABELS, LOGITS.astype("float32"), total_weight=-1.0)
    outside = keras_losses.SparseCategoricalCrossEntropy(mean_across="replicas", **OPTIONS)
    import keras

    match = (
        "needs Keras's distribution API"
        if keras.backend.backend() == "jax"
        else "needs a tf.distribute replica context"
        if keras.backend.backend() == "tensorflow"
        else "give a process group"
    )
    with pytest.raises(lossx.DistributedError, match=match):
        outside(LABELS, LOGITS.astype("float32"))
