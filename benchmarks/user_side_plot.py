"""Time lossx.curves, lossx.plot + savefig and `lossx plot` on four regression losses.

    python benchmarks/user_side_plot.py [--repeat N]

The goal (docs/gallery.md) is a typical `lossx plot` within 5 s once Python and the
frameworks are imported. Prints, per installed backend, the median time of
``lossx.curves`` (first call apart: it imports the framework), then the median of
``lossx.plot`` + ``savefig`` to PNG on the default backend, then the median wall time of
the whole command in a fresh process (interpreter start and every import included).
Benchmarks are not tests: nothing here judges a timing.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOSSES = ["mse", "mae", "huber:delta=1", "log_cosh"]


def _median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="samples per measurement (default: 7)")
    repeat = parser.parse_args(argv).repeat
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    start = time.perf_counter()
    import lossx
    from lossx._curves import BACKENDS
    from lossx._curves.compute import _backend

    print(f"import lossx: {time.perf_counter() - start:.2f} s")
    print(f"losses: {', '.join(LOSSES)}; {lossx.curves(LOSSES, backend='numpy').x.size} points; medians of {repeat}")
    for backend in BACKENDS:
        try:
            start = time.perf_counter()
            lossx.curves(LOSSES, backend=backend)
        except lossx.MissingFrameworkError:
            print(f"  curves on {backend:<10}  not installed")
            continue
        first = time.perf_counter() - start
        median = _median_seconds(functools.partial(lossx.curves, LOSSES, backend=backend), repeat)
        print(f"  curves on {backend:<10} {median * 1e3:8.1f} ms   (first call, with the import: {first:.2f} s)")

    default = _backend(None, True)
    with tempfile.TemporaryDirectory() as directory:
        image = Path(directory) / "losses.png"
        start = time.perf_counter()
        lossx.plot(LOSSES).savefig(image)
        first = time.perf_counter() - start
        median = _median_seconds(lambda: lossx.plot(LOSSES).savefig(image), repeat)
        print(
            f"  plot + savefig PNG on {default}: {median * 1e3:.0f} ms   (first call, importing matplotlib: "
            f"{first:.2f} s)"
        )
        command = [sys.executable, "-m", "lossx", "plot", *LOSSES, "-o", str(image)]
        runs = max(3, repeat // 2)
        median = _median_seconds(lambda: subprocess.run(command, check=True, capture_output=True), runs)
        print(f"  lossx plot, a fresh process (start and imports included), median of {runs}: {median:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
