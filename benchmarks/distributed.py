"""What ``mean_across="world"`` costs: lossx's global mean against the hand-written recipe, on gloo.

Run from a checkout: ``python benchmarks/distributed.py [--size NxC] [--repeat N]``. Starts 2
gloo processes on CPU (one thread each); each times forward+backward of a sparse categorical
cross-entropy on its own (N, C) logits, interleaved, in four variants:

* ``lossx``: ``SparseCategoricalCrossEntropy(from_logits=True, ignore_index=-100, mean_across="world")``;
* ``lossx local``: the same loss without ``mean_across`` (each process's own mean);
* ``recipe``: ``F.cross_entropy(reduction="sum") * world / all_reduce(count of kept labels)``,
  what Hugging Face writes by hand;
* ``local``: ``F.cross_entropy(ignore_index=-100)``, each process's own mean, no communication
  (the common baseline, wrong when the processes keep different numbers of labels).

Before timing, it checks that ``lossx`` and ``recipe`` agree in value and gradient on every
process, and that the processes ignore different numbers of labels. Rank 0 prints the median µs
per call on its clock, the ratios to ``recipe`` and to ``local``, what ``mean_across`` adds to
lossx's own local mean and the recipe to torch's (median paired differences: one all-reduce
each), and what one bare all-reduce of a scalar costs by itself.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

# This checkout's lossx and harness, not another installed lossx: the numbers are about this code.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lossx.backends.torch as lossx_torch
from benchmarks.harness import SAMPLE_SECONDS, VALUE_RTOL, interleaved, parse_size

WORLD = 2
IGNORE = -100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shard(rank: int, n: int, c: int) -> tuple[torch.Tensor, torch.Tensor]:
    """This rank's logits and labels; rank r ignores r/4 of its labels, so the counts differ."""
    generator = torch.Generator().manual_seed(rank)
    logits = torch.randn(n, c, generator=generator, requires_grad=True)
    labels = torch.randint(c, (n,), generator=generator)
    labels[: n * rank // 4] = IGNORE
    return logits, labels


def recipe(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    total = F.cross_entropy(logits, labels, ignore_index=IGNORE, reduction="sum")
    count = (labels != IGNORE).sum().to(logits.dtype)
    dist.all_reduce(count)
    return total * dist.get_world_size() / count.clamp_min(1)


def local(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, labels, ignore_index=IGNORE)


def check(rank: int, logits: torch.Tensor, labels: torch.Tensor, ours: Callable[..., Any]) -> list[int]:
    """Refuse to time variants that disagree, or inputs on which the global mean equals the local one."""
    ignored = torch.zeros(WORLD, dtype=torch.int64)
    ignored[rank] = (labels == IGNORE).sum()
    dist.all_reduce(ignored)
    assert len(set(ignored.tolist())) == WORLD, f"every rank ignores {ignored.tolist()} labels: make them uneven"
    results = []
    for function in (ours, recipe):
        value = function(logits, labels)
        (gradient,) = torch.autograd.grad(value, logits)
        results.append((value.detach(), gradient))
    for what, a, b in zip(("value", "gradient"), *results, strict=True):
        torch.testing.assert_close(
            a,
            b,
            rtol=VALUE_RTOL,
            atol=VALUE_RTOL * float(b.abs().max()),
            msg=lambda m, what=what: f"rank {rank}: lossx mean_across='world' and the recipe differ in {what}: {m}",
        )
    return ignored.tolist()


def forward_backward(function: Callable[..., Any], logits: torch.Tensor, labels: torch.Tensor) -> Callable[[], None]:
    def step() -> None:
        function(logits, labels).backward()
        logits.grad = None

    return step


def agreed_calls(steps: list[Callable[[], None]]) -> int:
    """How many calls of each step make one batch, the same number on every rank.

    interleaved calibrates its calls per sample on each rank's own clock; ranks that chose
    differently would issue different numbers of all-reduces and hang. Batches twice
    SAMPLE_SECONDS long make it choose 1 everywhere; the MAX over ranks agrees on their length.
    """
    times = []
    for step in steps:
        step()
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            step()
            samples.append(time.perf_counter() - start)
        times.append(statistics.median(samples))
    calls = torch.tensor(math.ceil(2 * SAMPLE_SECONDS / max(times)))
    dist.all_reduce(calls, op=dist.ReduceOp.MAX)
    return int(calls)


def batch(step: Callable[[], None], calls: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(calls):
            step()

    return run


def worker(rank: int, port: int, n: int, c: int, repeat: int) -> None:
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    # A rank left waiting in a collective fails after a minute instead of hanging the run.
    dist.init_process_group("gloo", rank=rank, world_size=WORLD, timeout=datetime.timedelta(seconds=60))
    try:
        logits, labels = shard(rank, n, c)
        ours = lossx_torch.SparseCategoricalCrossEntropy(from_logits=True, ignore_index=IGNORE, mean_across="world")
        ours_local = lossx_torch.SparseCategoricalCrossEntropy(from_logits=True, ignore_index=IGNORE)
        ignored = check(rank, logits, labels, ours)
        scalar = torch.zeros(())
        steps = [forward_backward(f, logits, labels) for f in (ours, ours_local, recipe, local)]
        steps.append(lambda: dist.all_reduce(scalar))
        calls = agreed_calls(steps)
        batches = [batch(step, calls) for step in steps]
        # The ranks drift apart in each step's work after its last all-reduce (and in all of
        # `local`); the next step's first all-reduce would wait that drift out and be charged
        # for it. A lone all-reduce between steps absorbs it instead; its samples are dropped.
        sync = steps[-1]
        sequence = [step for each in batches[:-1] for step in (each, sync)] + [batches[-1]]
        samples = interleaved(sequence, repeat)[::2]
        if rank == 0:
            report([[t / calls for t in s] for s in samples], calls, n, c, repeat, ignored)
    finally:
        dist.destroy_process_group()


def report(samples: list[list[float]], calls: int, n: int, c: int, repeat: int, ignored: list[int]) -> None:
    print(f"sparse CE forward+backward, {n}x{c} float32 per rank, {WORLD} gloo ranks x 1 thread")
    print(f"labels ignored per rank {ignored}; {repeat} samples x {calls} calls, rank 0's clock")
    medians = [statistics.median(s) for s in samples]
    print(f"{'variant':<36} {'median µs':>10} {'÷ recipe':>9} {'÷ local':>8}")
    names = [
        "lossx mean_across='world'",
        "lossx local mean (no all-reduce)",
        "recipe: sum / all_reduce(count)",
        "torch local mean (no all-reduce)",
    ]
    for name, median in zip(names, medians, strict=True):
        print(f"{name:<36} {median * 1e6:>10.1f} {median / medians[2]:>9.2f} {median / medians[3]:>8.2f}")
    print(f"{'all_reduce of one scalar, alone':<36} {medians[4] * 1e6:>10.1f}")

    def added(first: int, second: int) -> float:
        return statistics.median(a - b for a, b in zip(samples[first], samples[second], strict=True)) * 1e6

    print(f"added by the all-reduce (paired medians): lossx {added(0, 1):.1f} µs, recipe {added(2, 3):.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="32x10", help="N x C logits per rank (default 32x10)")
    parser.add_argument("--repeat", type=int, default=200, help="samples per variant (default 200)")
    arguments = parser.parse_args()
    n, c = parse_size(arguments.size)
    mp.spawn(worker, args=(free_port(), n, c, arguments.repeat), nprocs=WORLD)


if __name__ == "__main__":
    main()
