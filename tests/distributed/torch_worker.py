"""One DDP training step on gloo processes: ``python -P tests/distributed/torch_worker.py --world N [--compile]``.

Each process computes the loss of its shard with ``mean_across="world"``; DDP averages the
gradients, and so does FSDP (``fully_shard``), run the same way. With ``--compile``, the
DDP step under ``torch.compile(fullgraph=True)`` too. Also run: two accumulation
micro-steps per process (``no_sync``, then a
synchronising step) with ``total_weight`` and ``mean_across``; DDP with each shard's own
mean (the default, and wrong); and, on rank 0, the full batch in one process. Prints the
values and the parameters' gradients as one JSON line (tests/distributed/problem.py).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.distributed.fsdp import fully_shard
from torch.nn.parallel import DistributedDataParallel

import lossx
import lossx.backends.torch as lossx_torch

# Run as a script (python -P): the repository's tests package at the end of sys.path, as pytest's
# append mode puts it, so an installed lossx (tox's wheel) is the one tested.
sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.distributed.problem import CLASSES, FEATURES, LOSS, ROWS, encode, options, problem, shard


def _model(data: dict[str, np.ndarray], dtype: torch.dtype) -> torch.nn.Linear:
    model = torch.nn.Linear(FEATURES, CLASSES, dtype=dtype)
    with torch.no_grad():
        model.weight.copy_(torch.as_tensor(data["weight"]))
        model.bias.copy_(torch.as_tensor(data["bias"]))
    return model


def _step(model: Any, loss_fn: Any, part: dict[str, np.ndarray], dtype: torch.dtype, **call: Any) -> torch.Tensor:
    logits = model(torch.as_tensor(part["x"], dtype=dtype))
    weights = torch.as_tensor(part["sample_weight"], dtype=dtype)
    loss = loss_fn(logits, torch.as_tensor(part["labels"]), sample_weight=weights, **call)
    loss.backward()
    return loss.detach()


def _gradients(model: torch.nn.Linear) -> dict[str, Any]:
    """The whole gradients (FSDP's are sharded DTensors: gathered)."""

    def whole(grad: Any) -> Any:
        return (grad.full_tensor() if hasattr(grad, "full_tensor") else grad).numpy()

    return {"weight": whole(model.weight.grad), "bias": whole(model.bias.grad)}


def _averaged(value: torch.Tensor, world: int) -> torch.Tensor:
    """The average over the processes of their losses: the global mean when each is world × its share."""
    value = value.clone()
    dist.all_reduce(value)
    return value / world


def _micro_batches(part: dict[str, np.ndarray], count: int) -> list[dict[str, np.ndarray]]:
    return [
        {name: array[rows] for name, array in part.items()}
        for rows in np.array_split(np.arange(len(part["labels"])), count)
    ]


def _results(rank: int, world: int, dtype: torch.dtype, compile_loss: bool) -> dict[str, Any]:
    data = problem(world)
    part = shard(data, rank, world)
    settings = options(data)
    results = {}

    model = DistributedDataParallel(_model(data, dtype))
    loss_fn = lossx_torch.SparseCategoricalCrossEntropy(mean_across="world", **settings)
    results["ddp"] = {"value": _averaged(_step(model, loss_fn, part, dtype), world), **_gradients(model.module)}

    model = _model(data, dtype)
    fully_shard(model)
    results["fsdp"] = {"value": _averaged(_step(model, loss_fn, part, dtype), world), **_gradients(model)}

    if compile_loss:
        model = DistributedDataParallel(_model(data, dtype))
        compiled = torch.compile(loss_fn, fullgraph=True)
        results["ddp_compiled"] = {
            "value": _averaged(_step(model, compiled, part, dtype), world),
            **_gradients(model.module),
        }

    model = DistributedDataParallel(_model(data, dtype))
    micro = _micro_batches(part, 2)
    total = sum(
        lossx.total_weight(
            LOSS,
            torch.zeros(len(m["labels"]), CLASSES, dtype=dtype),
            torch.as_tensor(m["labels"]),
            sample_weight=torch.as_tensor(m["sample_weight"], dtype=dtype),
            **settings,
        )
        for m in micro
    )
    with model.no_sync():
        first = _step(model, loss_fn, micro[0], dtype, total_weight=total)
    second = _step(model, loss_fn, micro[1], dtype, total_weight=total)
    results["accumulated"] = {"value": _averaged(first + second, world), **_gradients(model.module)}

    model = DistributedDataParallel(_model(data, dtype))
    local_mean = lossx_torch.SparseCategoricalCrossEntropy(**settings)
    results["per_shard_mean"] = {
        "value": _averaged(_step(model, local_mean, part, dtype), world),
        **_gradients(model.module),
    }

    if rank == 0:
        model = _model(data, dtype)
        whole = shard(data, 0, 1)
        results["single"] = {"value": _step(model, local_mean, whole, dtype), **_gradients(model)}
    return results


def worker(rank: int, world: int, port: int, out: str, compile_loss: bool) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        results = {name: _results(rank, world, getattr(torch, name), compile_loss) for name in ("float64", "float32")}
        if rank == 0:
            Path(out).write_text(encode(results))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=2, help=f"processes (a divisor of {ROWS})")
    parser.add_argument("--compile", action="store_true", help="also the step with torch.compile(fullgraph=True)")
    arguments = parser.parse_args()
    world = arguments.world
    with tempfile.TemporaryDirectory() as directory:
        out = str(Path(directory) / "results.json")
        mp.spawn(worker, args=(world, _free_port(), out, arguments.compile), nprocs=world, join=True)
        sys.stdout.write(Path(out).read_text() + "\n")


if __name__ == "__main__":
    main()
