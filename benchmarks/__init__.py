"""lossx's benchmark harness: every loss's adapter against each framework's own loss.

Run it as ``lossx bench [LOSS ...] [--backend MODE] [--size NxC] [--repeat N]
[--markdown FILE]`` from a lossx checkout (this directory sits next to the
``lossx`` package and is not installed with it); ``lossx bench --markdown
BENCHMARKS.md`` regenerates BENCHMARKS.md. See docs/performance.md.

* :mod:`benchmarks.natives`: each loss's inputs and its native equivalents;
* :mod:`benchmarks.harness`: interleaved timing, peak memory, the modes;
* :mod:`benchmarks.report`: the terminal table and BENCHMARKS.md.

Benchmarks are not tests: nothing here judges a timing.
"""

from .harness import DEFAULT_REPEAT, MODES, SIZES, Result, missing, parse_size, run
from .natives import BENCHMARKS, benchmarks
from .report import markdown, print_table

__all__ = [
    "BENCHMARKS",
    "DEFAULT_REPEAT",
    "MODES",
    "SIZES",
    "Result",
    "benchmarks",
    "markdown",
    "missing",
    "parse_size",
    "print_table",
    "run",
]
