"""The ``lossx`` command (also ``python -m lossx``).

* ``lossx list`` — the catalogue: every loss with its aliases and options, and the
  installed backends.
* ``lossx compare [LOSS ...]`` — every registered loss (or the named ones) on every
  installed framework in one process, against the float64 reference; a table of
  the largest value and gradient deviations, PASS/FAIL per cell, exit status 1 on
  any FAIL. Runs with NumPy alone.
* ``lossx bench [LOSS ...]`` — times each loss's adapter against the framework's own
  loss (the harness in the repository's ``benchmarks/``; see docs/performance.md).
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import warnings
from typing import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__, losses
from ._config import get_backend, installed_backends
from ._errors import LossxError
from ._presets import presets
from ._registry import LossSpec, lookup, registered
from .backends import unavailable
from .testing import compare_all, installed_frameworks


def _list(console: Console) -> int:
    table = Table(title="lossx losses", show_lines=True)
    table.add_column("loss")
    table.add_column("inputs")
    table.add_column("names and presets")
    table.add_column("options (default: valid range)")
    table.add_column("summary")
    for spec in _catalogue():
        options = "\n".join(f"{o.name}={o.default!r}: {o.range_text()}" for o in spec.options) or "-"
        names = ", ".join((spec.camel_name, *spec.aliases, *(f"{p.framework}:{p.name}" for p in _presets_of(spec))))
        inputs = ", ".join(i.name + ("?" if i.optional else "") for i in spec.inputs)
        if unavailable(spec, "keras"):
            inputs += "\n[yellow]no Keras class[/yellow]"
        table.add_row(spec.name, inputs, escape(names), escape(options), escape(spec.summary))
    console.print(table)
    console.print(
        "Every loss exists in lossx.<name> and lossx.backends.{numpy,torch,jax}, and in lossx.backends.keras "
        "unless marked 'no Keras class' (a keras.losses.Loss takes only y_true and y_pred); '?' marks an "
        "optional input.\n"
        f"Installed backends: {', '.join(installed_backends())}; active backend: {get_backend()}."
    )
    return 0


def catalogue_markdown() -> str:
    """The loss catalogue as Markdown, generated from the option declarations (docs/losses.md)."""
    lines = [
        "# Loss catalogue",
        "",
        "Generated from the registry by `lossx list --markdown > docs/losses.md`; do not edit by hand.",
        "Every loss also takes `reduction`, `sample_weight` and `mask` (see the README's semantics table).",
        "",
    ]
    for spec in _catalogue():
        lines += [f"## `{spec.name}`", "", f"`lossx.{spec.name}` · `{spec.camel_name}`"
                  + "".join(f" · `{alias}`" for alias in spec.aliases), "", inspect.cleandoc(spec.doc), ""]
        lines.append("Inputs: " + ", ".join(
            f"`{i.name}`" + (" (optional)" if i.optional else "") for i in spec.inputs) + ".")
        reason = unavailable(spec, "keras")
        if reason:
            lines.append(f"No Keras class: {reason}")
        for preset in _presets_of(spec):
            lines.append(f"Preset: `lossx.backends.{preset.framework}.{preset.name}`: {preset.doc}")
        lines.append("")
        if spec.options:
            lines += ["| option | default | valid | meaning |", "|---|---|---|---|"]
            lines += [f"| `{o.name}` | `{o.default!r}` | {o.range_text()} | {o.doc} |" for o in spec.options]
            lines.append("")
    return "\n".join(lines)


def _catalogue() -> list[LossSpec]:
    """Built-in losses by family (``lossx.losses.__all__``), then custom ones in registration order."""
    builtin = [lookup(name) for name in losses.__all__]
    return builtin + [spec for spec in registered() if spec.name not in losses.__all__]


def _presets_of(spec: LossSpec) -> list:
    return [preset for preset in presets() if preset.loss == spec.name]


def _format(deviation: float | None) -> str:
    return "-" if deviation is None else f"{deviation:.1e}"


def _compare(console: Console, names: Sequence[str]) -> int:
    for name in names:
        lookup(name)
    frameworks = installed_frameworks()
    console.print(
        f"Comparing on {', '.join(frameworks)} against the float64 reference "
        "(NumPy value, autodiff gradient); deviations are max|Δ| / max(1, max|reference|)."
    )
    with console.status("running every loss on every framework..."):
        rows = compare_all(names or None)
    table = Table(title="lossx compare")
    table.add_column("loss · options", overflow="fold", max_width=36)
    table.add_column("framework · mode", no_wrap=True)
    table.add_column("dtype", no_wrap=True)
    for column in ("value Δ", "gradient Δ", "tolerance"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True)
    previous = None
    for row in rows:
        group = (row.loss, row.options)
        if previous is not None and group != previous:
            table.add_section()
        label = f"[bold]{row.loss}[/bold]\n{row.options}" if group != previous else ""
        previous = group
        result = "[green]PASS[/green]" if row.passed else "[bold red]FAIL[/bold red]"
        table.add_row(label, f"{row.framework} · {row.mode}", row.dtype, _format(row.value),
                      _format(row.gradient), f"{row.tolerance:.0e}", result)
    console.print(table)
    failed = sum(not row.passed for row in rows)
    console.print(f"{len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _load_benchmarks():
    """The repository's ``benchmarks/`` package: next to the ``lossx`` package, or in the working directory.

    It is not installed with lossx (benchmarks are a development tool), so it is found
    from an editable install (next to the package) or from a checkout's root directory
    with lossx installed as a wheel (tox), by path rather than ``sys.path``, so that an
    unrelated ``benchmarks`` module elsewhere cannot stand in for it.
    """
    import importlib.util
    from pathlib import Path

    if "benchmarks" in sys.modules and getattr(sys.modules["benchmarks"], "BENCHMARKS", None) is not None:
        return sys.modules["benchmarks"]
    places = (Path(__file__).resolve().parent.parent, Path.cwd())
    found = [place / "benchmarks" for place in places if (place / "benchmarks" / "__init__.py").is_file()]
    if not found:
        raise LossxError(
            "lossx bench needs the benchmarks/ directory of a lossx checkout (looked in "
            f"{' and '.join(map(str, places))}); clone the repository and run lossx bench from its root."
        )
    package = found[0]
    spec = importlib.util.spec_from_file_location("benchmarks", package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = module
    spec.loader.exec_module(module)
    return module


def _bench(console: Console, arguments: argparse.Namespace) -> int:
    bench = _load_benchmarks()
    names = [lookup(name).name for name in arguments.losses]
    try:
        chosen = bench.benchmarks(names, native_only=arguments.native_only)
    except ValueError as error:
        console.print(f"[bold red]error:[/bold red] {escape(str(error))}")
        return 2
    modes = arguments.backend or list(bench.MODES)
    skipped = {mode: bench.missing(mode) for mode in modes if bench.missing(mode)}
    for mode, reason in skipped.items():
        console.print(f"[yellow]skipping {mode}[/yellow]: {reason}")
    modes = [mode for mode in modes if mode not in skipped]
    sizes = arguments.size or list(bench.SIZES)
    try:
        for size in sizes:
            bench.parse_size(size)
    except ValueError as error:
        console.print(f"[bold red]error:[/bold red] {escape(str(error))}")
        return 2
    with console.status("benchmarking...") as status:
        results = bench.run(chosen, modes, sizes, repeat=arguments.repeat,
                            progress=lambda cell: status.update(f"benchmarking {cell}"))
    bench.print_table(console, results)
    if arguments.markdown:
        repeat = str(arguments.repeat) if arguments.repeat else ", ".join(
            f"{bench.DEFAULT_REPEAT.get(size, 9)} at {size}" for size in sizes)
        text = bench.markdown(results, repeat, arguments.invocation)
        with open(arguments.markdown, "w", encoding="utf-8") as handle:
            handle.write(text)
        console.print(f"wrote {arguments.markdown}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lossx", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"lossx {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="show every loss, its options and the installed backends")
    listing.add_argument("--markdown", action="store_true", help="print the catalogue as Markdown (docs/losses.md)")
    compare = commands.add_parser("compare", help="check every loss on every installed framework")
    compare.add_argument("losses", nargs="*", metavar="LOSS", help="losses to check (default: all)")
    bench = commands.add_parser("bench", help="time lossx against each framework's own losses (from a checkout)")
    bench.add_argument("losses", nargs="*", metavar="LOSS", help="losses to time (default: all)")
    bench.add_argument("--backend", action="append", metavar="MODE",
                       choices=("torch", "torch.compile", "jax.jit", "keras", "tf.function", "numpy"),
                       help="torch, torch.compile, jax.jit, keras, tf.function or numpy; repeatable (default: all)")
    bench.add_argument("--size", action="append", metavar="NxC",
                       help="input size, repeatable (default: 32x10, 4096x1000, 1024x32000)")
    bench.add_argument("--repeat", type=int, metavar="N", help="samples per side (default: 25, 9, 5 by size)")
    bench.add_argument("--native-only", action="store_true",
                       help="only losses with a torch, optax or Keras equivalent")
    bench.add_argument("--markdown", metavar="FILE", help="also write the results as Markdown (BENCHMARKS.md)")
    arguments = parser.parse_args(argv)
    arguments.invocation = " ".join(["lossx", *(sys.argv[1:] if argv is None else argv)])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    console = Console(width=max(Console().width, 120))
    try:
        if arguments.command == "list" and arguments.markdown:
            print(catalogue_markdown())
            return 0
        if arguments.command == "list":
            return _list(console)
        if arguments.command == "bench":
            return _bench(console, arguments)
        return _compare(console, arguments.losses)
    except LossxError as error:
        console.print(f"[bold red]error:[/bold red] {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
