"""Time the default `lossx experiment` in a fresh process, per installed framework.

    python benchmarks/user_side_experiment.py [--repeat N] [--framework F ...]

The goal (docs/experiment.md) is the default experiment within 60 s on two CPU cores,
after installation: interpreter start, every import, both data sets, seven losses and
twenty epochs each. Prints the median wall time of ``lossx experiment --quiet`` for each
framework (torch, jax, keras by default; those not installed are reported as such).
Benchmarks are not tests: nothing here judges a timing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

FRAMEWORKS = {"torch": "torch", "jax": "optax", "keras": "keras"}


def _wall_seconds(framework: str, out: str) -> float:
    command = [sys.executable, "-m", "lossx", "experiment", "--quiet", "--framework", framework, "--out", out]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per framework (default: 3)")
    parser.add_argument(
        "--framework",
        action="append",
        choices=tuple(FRAMEWORKS),
        help="torch, jax or keras; repeatable (default: all three)",
    )
    arguments = parser.parse_args(argv)
    print(f"default lossx experiment, fresh process each run, median of {arguments.repeat}")
    with tempfile.TemporaryDirectory() as out:
        for framework in arguments.framework or FRAMEWORKS:
            if importlib.util.find_spec(FRAMEWORKS[framework]) is None:
                print(f"  {framework:<6} not installed")
                continue
            times = [_wall_seconds(framework, out) for _ in range(arguments.repeat)]
            print(
                f"  {framework:<6} {statistics.median(times):6.1f} s   (runs: {', '.join(f'{t:.1f}' for t in times)})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
