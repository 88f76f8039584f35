"""How long ``lossx.suggest`` takes on 10^6 targets of each task kind (the goal: at most 1 s).

Run from a checkout: ``python benchmarks/user_side_suggest.py [--repeat N] [--size N]``. Prints the
median and the fastest of N runs per kind, the targets made once per kind with a fixed seed
(2-D and mask kinds hold 10^6 values in all: 10^5 rows of 10 labels, 16 masks of 250 × 250).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# This checkout's lossx, not another installed one: the numbers are about this code.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lossx


def targets(size: int) -> dict[str, np.ndarray]:
    """``size`` targets of each kind the inference knows, from a fixed seed."""
    rng = np.random.default_rng(0)
    side = round((size / 16) ** 0.5)
    return {
        "binary": rng.binomial(1, 0.1, size),
        "multiclass": rng.choice(10, size, p=np.linspace(1, 10, 10) / 55),
        "multilabel": (rng.random((size // 10, 10)) < 0.2).astype(np.int8),
        "probabilities": np.eye(10)[rng.choice(10, size // 10)],
        "regression": np.concatenate([rng.normal(size=size - size // 20), rng.normal(0, 30, size // 20)]),
        "counts": rng.poisson(3.0, size) * 1000 + rng.poisson(3.0, size),
        "positive_skewed": rng.lognormal(0.0, 1.0, size),
        "segmentation": rng.choice(4, (16, side, side), p=[0.85, 0.1, 0.03, 0.02]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per kind (default 7)")
    parser.add_argument("--size", type=int, default=10**6, help="targets per kind (default 10^6)")
    arguments = parser.parse_args()
    print(f"lossx.suggest on {arguments.size:,} targets, {arguments.repeat} runs per kind")
    print(f"{'kind':<16} {'inferred':<16} {'median s':>9} {'fastest s':>10}")
    for kind, y_true in targets(arguments.size).items():
        times = []
        for _ in range(arguments.repeat):
            start = time.perf_counter()
            result = lossx.suggest(y_true)
            times.append(time.perf_counter() - start)
        print(f"{kind:<16} {result.evidence.task:<16} {statistics.median(times):>9.3f} {min(times):>10.3f}")


if __name__ == "__main__":
    main()
