"""The walk of one lossx call: which lossx functions run, in which files, and how many.

    python benchmarks/call_walk.py [LOSS ...] [--backend torch|numpy] [--list]

Counts the Python functions of the ``lossx`` package entered during one call of a loss,
made exactly as ``lossx bench`` makes it at 32x10 (after a warm-up call), with
:func:`sys.setprofile`. The figures are quoted in docs/architecture.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from benchmarks.harness import MODES
from benchmarks.natives import BENCHMARKS

PACKAGE = Path(__file__).resolve().parents[1] / "lossx"
DEFAULT_LOSSES = ("mean_squared_error", "huber", "binary_cross_entropy", "sparse_categorical_cross_entropy")


def walk(loss: str, backend: str) -> list[tuple[str, str]]:
    """The (file, function) of every lossx function entered by one call, in order."""
    bench = next(b for b in BENCHMARKS if b.loss == loss)
    mode = MODES[backend]()
    state = mode.prepare(bench, bench.make(np.random.default_rng(0), 32, 10))
    call = mode.lossx_function(bench, state)
    arrays = state[1]
    call(*arrays)
    entered: list[tuple[str, str]] = []
    package = str(PACKAGE)

    def profile(frame, event, _arg):
        if event == "call" and frame.f_code.co_filename.startswith(package):
            entered.append((os.path.relpath(frame.f_code.co_filename, PACKAGE.parent), frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        call(*arrays)
    finally:
        sys.setprofile(None)
    return entered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("losses", nargs="*", default=list(DEFAULT_LOSSES))
    parser.add_argument("--backend", default="torch", choices=("torch", "numpy"))
    parser.add_argument("--list", action="store_true", help="print every function entered")
    arguments = parser.parse_args()
    for loss in arguments.losses:
        entered = walk(loss, arguments.backend)
        files = [path for path, _ in entered]
        switches = sum(1 for before, after in itertools.pairwise(files) if before != after)
        print(
            f"{loss} ({arguments.backend}): {len(entered)} lossx calls in {len(set(files))} files, "
            f"{switches} file switches"
        )
        if arguments.list:
            for path, name in entered:
                print(f"    {path}:{name}")


if __name__ == "__main__":
    main()
