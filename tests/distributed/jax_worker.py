"""The loss over 8 host devices: ``python -P tests/distributed/jax_worker.py``.

XLA is asked for 8 CPU devices before JAX is imported, so this runs in a process of its own.
Each mode computes the value and the parameters' gradients of the global batch:

- ``shard_map`` with ``mean_across="data"``: the gradient taken outside the shard_map, and
  inside it followed by ``pmean`` (the usual data-parallel step);
- ``pmap`` with ``mean_across="data"`` and ``pmean`` of the gradients;
- ``jit`` over arrays sharded with ``NamedSharding``, the plain mean (no ``mean_across``);
- ``pmap`` with each device's own mean and ``pmean``: the default, and wrong;
- the full batch on one device.

Prints them as one JSON line (tests/distributed/problem.py).
"""

from __future__ import annotations

import os

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"

import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
from jax.sharding import NamedSharding, PartitionSpec

import lossx.backends.jax as lossx_jax

# Run as a script (python -P): the repository's tests package at the end of sys.path, as pytest's
# append mode puts it, so an installed lossx (tox's wheel) is the one tested.
sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.distributed.problem import CLASSES, FEATURES, encode, options, problem

jax.config.update("jax_enable_x64", True)

DEVICES = 8
AXIS = "data"


def _loss(
    params: dict[str, Any], x: Any, labels: Any, sample_weight: Any, settings: dict[str, Any], mean_across: Any
) -> Any:
    logits = x @ params["weight"].T + params["bias"]
    return lossx_jax.sparse_categorical_cross_entropy(
        logits, labels, sample_weight=sample_weight, mean_across=mean_across, **settings
    )


def _pmean(grads: Any) -> Any:
    return jax.tree.map(lambda g: jax.lax.pmean(g, AXIS), grads)


def _results(dtype: Any) -> dict[str, Any]:
    data = problem(DEVICES)
    settings = options(data)
    params = {"weight": jnp.asarray(data["weight"], dtype), "bias": jnp.asarray(data["bias"], dtype)}
    batch = (jnp.asarray(data["x"], dtype), jnp.asarray(data["labels"]), jnp.asarray(data["sample_weight"], dtype))

    def loss(params: Any, x: Any, labels: Any, sample_weight: Any, mean_across: Any = AXIS) -> Any:
        return _loss(params, x, labels, sample_weight, settings, mean_across)

    def loss_and_mean_gradient(params: Any, *shard: Any, mean_across: Any = AXIS) -> Any:
        value, grads = jax.value_and_grad(loss)(params, *shard, mean_across=mean_across)
        return value, _pmean(grads)

    mesh = jax.make_mesh((DEVICES,), (AXIS,))
    rows, replicated = NamedSharding(mesh, PartitionSpec(AXIS)), NamedSharding(mesh, PartitionSpec())
    sharded = tuple(jax.device_put(array, rows) for array in batch)
    on_mesh = jax.device_put(params, replicated)
    assert all(len(array.addressable_shards) == DEVICES for array in sharded), "the batch is split over 8 devices"
    specs = (PartitionSpec(), *(PartitionSpec(AXIS),) * 3)
    results = {}

    outside = jax.shard_map(loss, mesh=mesh, in_specs=specs, out_specs=PartitionSpec())
    value, grads = jax.jit(jax.value_and_grad(outside))(on_mesh, *sharded)
    results["shard_map"] = {"value": value, **grads}

    inside = jax.shard_map(
        loss_and_mean_gradient, mesh=mesh, in_specs=specs, out_specs=(PartitionSpec(), PartitionSpec())
    )
    value, grads = jax.jit(inside)(on_mesh, *sharded)
    results["shard_map_inside"] = {"value": value, **grads}

    per_device = tuple(array.reshape(DEVICES, -1, *array.shape[1:]) for array in batch)
    value, grads = jax.pmap(loss_and_mean_gradient, axis_name=AXIS, in_axes=(None, 0, 0, 0))(params, *per_device)
    results["pmap"] = {"value": value[0], **jax.tree.map(lambda g: g[0], grads)}

    value, grads = jax.jit(jax.value_and_grad(lambda p, *b: loss(p, *b, mean_across=None)))(on_mesh, *sharded)
    results["jit_sharded"] = {"value": value, **grads}

    def local_mean(params: Any, *shard: Any) -> Any:
        value, grads = loss_and_mean_gradient(params, *shard, mean_across=None)
        return jax.lax.pmean(value, AXIS), grads

    value, grads = jax.pmap(local_mean, axis_name=AXIS, in_axes=(None, 0, 0, 0))(params, *per_device)
    results["per_shard_mean"] = {"value": value[0], **jax.tree.map(lambda g: g[0], grads)}

    value, grads = jax.value_and_grad(lambda p, *b: loss(p, *b, mean_across=None))(params, *batch)
    results["single"] = {"value": value, **grads}
    assert params["weight"].shape == (CLASSES, FEATURES)
    return results


def main() -> None:
    assert jax.device_count() == DEVICES, f"XLA gave {jax.device_count()} devices, not {DEVICES}"
    results = {name: _results(getattr(jnp, name)) for name in ("float64", "float32")}
    sys.stdout.write(encode(results) + "\n")


if __name__ == "__main__":
    main()
