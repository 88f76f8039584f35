"""The ``lossx`` command (also ``python -m lossx``).

* ``lossx list [LOSS ...] [--family FAMILY]`` — the catalogue by family (the modules of
  ``lossx.losses``; a user's losses are ``custom``), or the named losses whole.
* ``lossx compare [LOSS ...] [--backend F] [--dtype D] [--verbose]`` — every registered
  loss (or the named ones) on every installed framework in one process, against the
  float64 reference, and the classes with a framework's own name against that
  framework's; a summary per framework and the failing cells (``--verbose``: every
  cell), exit status 1 on any FAIL. Runs with NumPy alone.
* ``lossx bench [LOSS ...]`` — times each loss's adapter against the framework's own
  loss (the harness in the repository's ``benchmarks/``; see docs/performance.md).
* ``lossx plot LOSS ...`` — the losses' values and derivatives against one quantity,
  written to an image file (:mod:`lossx._curves`; see docs/gallery.md).
* ``lossx suggest FILE`` — the losses that fit the targets in FILE, ranked, with options
  measured on them and a code snippet (``lossx._suggest``; see docs/choosing.md).
* ``lossx experiment`` — one small model trained with several losses on a data set, on
  torch, JAX or Keras; a table, the curves and JSON/CSV files (docs/experiment.md).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import __version__, _curves, _experiment, _suggest, losses
from ._config import get_backend, installed_backends
from ._errors import LossxError, UnknownLossError
from ._kinds import INPUT_KINDS
from ._registry import lookup, registered
from ._spec import LossSpec
from ._terminal import print_written
from .backends import unavailable
from .presets import presets
from .testing import (
    FINITE_DIFFERENCES,
    FRAMEWORKS,
    Comparison,
    Deviation,
    drop_ins,
    installed_frameworks,
    iterate_all,
)

#: The family of losses registered outside lossx.losses (a user's define_loss).
CUSTOM_FAMILY = "custom"
#: How code (a docstring's ``literal``) looks in the terminal.
_CODE_STYLE = "cyan"
#: Inline reStructuredText in docstrings: ``literal``, :role:`target` and `interpreted` text.
_INLINE_RST = re.compile(r"``(?P<literal>.+?)``|:[\w:]+:`(?P<role>[^`]+)`|`(?P<interpreted>[^`]+)`", re.S)
#: A docstring line that opens a labelled paragraph ("Shapes: ...", "Reference: ...").
_LABELLED_LINE = re.compile(r"[A-Z][a-z]+: ")


def families() -> dict[str, list[LossSpec]]:
    """Every registered loss by family: the modules of ``lossx.losses`` in catalogue order, then custom losses."""
    grouped = {
        module.__name__.rsplit(".", 1)[-1]: [lookup(name) for name in module.__all__] for module in losses.FAMILIES
    }
    custom = [spec for spec in registered() if spec.name not in losses.__all__]
    if custom:
        grouped[CUSTOM_FAMILY] = custom
    return grouped


def _family_docs() -> dict[str, str]:
    docs = {module.__name__.rsplit(".", 1)[-1]: _paragraphs(module.__doc__ or "")[0] for module in losses.FAMILIES}
    docs[CUSTOM_FAMILY] = "Losses registered with lossx.define_loss outside the lossx package."
    return docs


def terminal_text(rst: str, style: str = "") -> Text:
    """Docstring text for the terminal: inline reStructuredText markers dropped, code styled."""
    text = Text(style=style)
    position = 0
    for match in _INLINE_RST.finditer(rst):
        text.append(rst[position : match.start()])
        code = match.group("literal") or match.group("interpreted") or match.group("role")
        if match.group("role") and code.startswith("~"):
            code = code.rsplit(".", 1)[-1]
        text.append(code, style=_CODE_STYLE)
        position = match.end()
    text.append(rst[position:])
    return text


def _paragraphs(doc: str) -> list[str]:
    """A docstring's paragraphs with their line breaks removed, for the terminal to wrap.

    The docstrings break lines at a fixed width; a sentence opening with a label
    (``Shapes:``, ``Reference:``) on a line of its own starts a paragraph.
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", inspect.cleandoc(doc)):
        lines: list[str] = []
        for line in block.splitlines():
            if lines and lines[-1].endswith(".") and _LABELLED_LINE.match(line):
                paragraphs.append(" ".join(lines))
                lines = []
            lines.append(line.strip())
        if lines:
            paragraphs.append(" ".join(lines))
    return paragraphs


def _indented(renderable, level: int = 1) -> Padding:
    return Padding(renderable, (0, 0, 0, 2 * level), expand=False)


def _hanging(label: Text, text: Text) -> Table:
    """``label`` then ``text``, whose wrapped lines stay right of the label (the label is never cut)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, min_width=len(label))
    grid.add_column()
    grid.add_row(label, text)
    return grid


def _other_names(spec: LossSpec) -> list[str]:
    return [spec.camel_name, *spec.aliases, *(f"{p.framework}:{p.name}" for p in _presets_of(spec))]


def _overview(console: Console, grouped: Mapping[str, list[LossSpec]]) -> None:
    docs = _family_docs()
    for family, specs in grouped.items():
        console.print()
        console.rule(
            f"[bold]{family}[/bold] · {len(specs)} loss{'es' if len(specs) != 1 else ''}", align="left", style="dim"
        )
        console.print(terminal_text(docs[family], style="dim"))
        for spec in specs:
            others = Text(" · ".join(_other_names(spec)), style="dim")
            if unavailable(spec, "keras"):
                others.append("  no Keras class", style="yellow")
            elif spec.packing is not None:
                others.append("  Keras: packed inputs", style="cyan")
            console.print(_indented(_hanging(Text(spec.name, style="bold"), others)))
            console.print(_indented(terminal_text(spec.summary), 2))
            if tuple(i.name for i in spec.inputs) != ("y_pred", "y_true"):
                console.print(
                    _indented(
                        Text(
                            "inputs: " + ", ".join(i.name + ("?" if i.optional else "") for i in spec.inputs),
                            style="dim",
                        ),
                        2,
                    )
                )
            if spec.options:
                console.print(
                    _indented(
                        Text("options: " + ", ".join(f"{o.name}={o.default!r}" for o in spec.options), style="dim"), 2
                    )
                )
    console.print()
    console.print(
        Text(
            "Every loss exists as lossx.<name> and in lossx.backends.numpy, torch, jax and keras. A keras.losses.Loss "
            "takes only y_true and y_pred: where marked 'Keras: packed inputs', its y_pred stacks the inputs "
            "(lossx list NAME says how); where marked 'no Keras class', there is none. Inputs are (y_pred, y_true) "
            "unless listed; "
            "'?' marks an optional one. Every loss also takes reduction, sample_weight, mask, total_weight "
            "and mean_across. "
            "lossx list NAME shows one loss whole; lossx list --family FAMILY shows one family."
        )
    )
    console.print(Text(f"Installed backends: {', '.join(installed_backends())}; active backend: {get_backend()}."))


def _one_loss(console: Console, spec: LossSpec, family: str) -> None:
    console.rule(Text.assemble((spec.name, "bold"), f" · {family}"), align="left")
    first, *rest = _paragraphs(spec.doc) or [spec.name]
    console.print(terminal_text(first, style="bold"))
    console.print()
    for paragraph in rest:
        console.print(terminal_text(paragraph))
    console.print()
    console.print(Text("Names", style="bold"))
    names = Text.assemble(
        f"lossx.{spec.name}",
        " function; ",
        (spec.camel_name, _CODE_STYLE),
        " class in lossx.backends."
        + ("numpy, torch and jax" if unavailable(spec, "keras") else "numpy, torch, jax and keras"),
    )
    console.print(_indented(names))
    if spec.aliases:
        console.print(_indented(Text("aliases, for lossx.get and lossx list: " + ", ".join(spec.aliases))))
    reason = unavailable(spec, "keras")
    if reason:
        console.print(_indented(Text.assemble(("no Keras class: ", "yellow"), reason)))
    elif spec.packing is not None:
        console.print(_indented(Text.assemble(("Keras's (y_true, y_pred), packed: ", "cyan"), spec.packing.describe())))
    console.print(Text("Inputs", style="bold"))
    for spec_input in spec.inputs:
        optional = ", optional" if spec_input.optional else ""
        console.print(
            _indented(Text.assemble((spec_input.name, "bold"), (f"   kind: {spec_input.kind}{optional}", "dim")))
        )
        kind = INPUT_KINDS[spec_input.kind]
        console.print(_indented(Text.assemble(terminal_text(spec_input.doc), f" {kind[:1].upper()}{kind[1:]}."), 2))
    console.print(Text("Options", style="bold"))
    if not spec.options:
        console.print(_indented(Text("none")))
    for option in spec.options:
        console.print(
            _indented(
                Text.assemble(
                    (option.name, "bold"), f" = {option.default!r}", ("   valid: ", "dim"), option.range_text()
                )
            )
        )
        console.print(_indented(terminal_text(option.doc), 2))
    console.print(
        _indented(
            Text(
                'Every loss also takes reduction ("none", "sum" or "mean", the default), sample_weight and mask '
                "(docs/semantics.md, reductions and weights), and total_weight and mean_across for a mean over "
                "shards (docs/distributed.md).",
                style="dim",
            )
        )
    )
    specs_presets = _presets_of(spec)
    if specs_presets:
        console.print(Text("Presets", style="bold"))
        for preset in specs_presets:
            console.print(_indented(Text.assemble((f"lossx.backends.{preset.framework}.{preset.name}", "bold"))))
            console.print(_indented(terminal_text(preset.doc), 2))


def _resolve(name: str) -> LossSpec:
    """The loss of a snake, Camel or alias name (:func:`lossx.lookup`) or of a preset (``torch:MSELoss``)."""
    try:
        return lookup(name)
    except UnknownLossError:
        framework, _, preset_name = name.rpartition(":")
        for preset in presets():
            if preset.name == preset_name and framework in ("", preset.framework):
                return lookup(preset.loss)
        raise


def _list(console: Console, names: Sequence[str], chosen_families: Sequence[str]) -> int:
    grouped = families()
    unknown = [family for family in chosen_families if family not in grouped]
    if unknown:
        _error(console, f"unknown family {', '.join(map(repr, unknown))}; the families are {', '.join(grouped)}.")
        return 2
    if not names:
        _overview(
            console,
            {family: specs for family, specs in grouped.items() if not chosen_families or family in chosen_families},
        )
        return 0
    family_of = {spec.name: family for family, specs in grouped.items() for spec in specs}
    for index, spec in enumerate([_resolve(name) for name in names]):
        if index:
            console.print()
        _one_loss(console, spec, family_of[spec.name])
    return 0


def catalogue_markdown() -> str:
    """The loss catalogue as Markdown, generated from the option declarations (docs/losses.md)."""
    lines = [
        "# Loss catalogue",
        "",
        "Generated from the registry by `lossx list --markdown > docs/losses.md`; do not edit by hand.",
        "Every loss also takes `reduction`, `sample_weight`, `mask`, `total_weight` and `mean_across` (see the "
        "README's semantics table and [distributed.md](distributed.md)).",
        "",
    ]
    for spec in (spec for specs in families().values() for spec in specs):
        lines += [
            f"## `{spec.name}`",
            "",
            f"`lossx.{spec.name}` · `{spec.camel_name}`" + "".join(f" · `{alias}`" for alias in spec.aliases),
            "",
            inspect.cleandoc(spec.doc),
            "",
        ]
        lines.append(
            "Inputs: " + ", ".join(f"`{i.name}`" + (" (optional)" if i.optional else "") for i in spec.inputs) + "."
        )
        reason = unavailable(spec, "keras")
        if reason:
            lines.append(f"No Keras class: {reason}")
        elif spec.packing is not None:
            lines.append(f"Keras's `(y_true, y_pred)`, packed: `{spec.packing.describe()}`.")
        for preset in _presets_of(spec):
            lines.append(f"Preset: `lossx.backends.{preset.framework}.{preset.name}`: {preset.doc}")
        lines.append("")
        if spec.options:
            lines += ["| option | default | valid | meaning |", "|---|---|---|---|"]
            lines += [f"| `{o.name}` | `{o.default!r}` | {o.range_text()} | {o.doc} |" for o in spec.options]
            lines.append("")
    return "\n".join(lines)


def _presets_of(spec: LossSpec) -> list:
    return [preset for preset in presets() if preset.loss == spec.name]


def _format(deviation: float | None) -> str:
    return "-" if deviation is None else f"{deviation:.1e}"


def _cell_table(result: Comparison) -> Table:
    """Every cell: one section per option set, one row per run and dtype (``--verbose``)."""
    table = Table(title="lossx compare: every cell")
    table.add_column("loss (options) / run", overflow="fold", max_width=80)
    table.add_column("dtype", no_wrap=True)
    for column in ("value Δ", "gradient Δ", "tolerance"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True)
    previous = None
    for row in result:
        if (row.loss, row.options) != previous:
            if previous is not None:
                table.add_section()
            table.add_row(Text.assemble((row.loss, "bold"), f" ({row.options})"))
            previous = (row.loss, row.options)
        value = "[red]error[/red]" if row.error else _format(row.value)
        verdict = "[green]PASS[/green]" if row.passed else "[bold red]FAIL[/bold red]"
        run = f"{row.framework} vs finite diff." if row.mode == FINITE_DIFFERENCES else f"{row.framework} {row.mode}"
        table.add_row(f"  {run}", row.dtype, value, _format(row.gradient), f"{row.tolerance:.0e}", verdict)
    return table


def _worst(rows: Sequence[Deviation], dtype: str) -> str:
    measured = [d for row in rows if row.dtype == dtype for d in (row.value, row.gradient) if d is not None]
    return _format(max(measured)) if measured else "-"


def _framework_table(result: Comparison) -> Table:
    """One row per framework: its runs, its cells and the largest deviation per dtype."""
    table = Table(
        title="lossx compare",
        caption="Δ: the largest value or gradient deviation, scaled by "
        "max(1, |reference|); tolerance 1e-12 (float64), 1e-5 (float32)",
    )
    table.add_column("framework", no_wrap=True)
    table.add_column("runs", overflow="fold")
    for column in ("cells", "failed", "float64 Δ", "float32 Δ"):
        table.add_column(column, justify="right", no_wrap=True)
    by_framework: dict[str, list[Deviation]] = {}
    for row in result:
        by_framework.setdefault(row.framework, []).append(row)
    for framework, rows in sorted(by_framework.items(), key=lambda item: FRAMEWORKS.index(item[0])):
        runs = ", ".join(dict.fromkeys("vs finite diff." if r.mode == FINITE_DIFFERENCES else r.mode for r in rows))
        failed = sum(not row.passed for row in rows)
        table.add_row(
            framework,
            runs,
            str(len(rows)),
            f"[bold red]{failed}[/bold red]" if failed else "0",
            _worst(rows, "float64"),
            _worst(rows, "float32"),
        )
    return table


def _compare(console: Console, arguments: argparse.Namespace) -> int:
    specs = [lookup(name) for name in arguments.losses] or list(registered())
    installed = installed_frameworks()
    absent = [f for f in arguments.backend or () if f not in installed]
    if absent:
        _error(
            console,
            f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not installed here; "
            f"installed: {', '.join(installed)}.",
        )
        return 2
    frameworks = tuple(dict.fromkeys(arguments.backend or installed))
    dtypes = tuple(dict.fromkeys(arguments.dtype or ("float64", "float32")))
    parts = sum(len(spec.showcase) + sum(d.framework in frameworks for d in drop_ins(spec.name)) for spec in specs)
    console.print(
        f"Comparing {len(specs)} {'loss' if len(specs) == 1 else 'losses'} on {', '.join(frameworks)} "
        f"({', '.join(dtypes)}) against the float64 reference (NumPy value, autodiff gradient checked by finite "
        "differences), and the classes named like a framework's own against that framework's class."
    )
    rows: list[Deviation] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TextColumn("{task.fields[cells]} cells, {task.fields[failed]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("comparing", total=parts, cells=0, failed=0)
        for part in iterate_all([spec.name for spec in specs], frameworks=frameworks, dtypes=dtypes):
            rows.extend(part)
            progress.update(
                task,
                advance=1,
                description=part[0].loss if len(part) else "comparing",
                cells=len(rows),
                failed=sum(not row.passed for row in rows),
            )
    result = Comparison(tuple(rows))
    console.print(_cell_table(result) if arguments.verbose else _framework_table(result))
    for row in result.failures:
        failure = Text(f"{row.loss} ({row.options}) {row.cell}: {row.problem}")
        console.print(_hanging(Text("FAIL", style="bold red"), failure))
    console.print(Text(result.summary))
    return 0 if result.passed else 1


def _load_benchmarks():
    """The repository's ``benchmarks/`` package: next to the ``lossx`` package, or in the working directory.

    It is not installed with lossx (benchmarks are a development tool), so it is found
    from an editable install (next to the package) or from a checkout's root directory
    with lossx installed as a wheel (tox), by path rather than ``sys.path``, so that an
    unrelated ``benchmarks`` module elsewhere cannot stand in for it.
    """
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
    spec = importlib.util.spec_from_file_location(
        "benchmarks", package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None  # a .py file's location: a source file loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = module
    spec.loader.exec_module(module)
    return module


#: ``lossx bench linear_cross_entropy``'s frameworks, by the names --backend takes.
LINEAR_BENCH_BACKENDS = {"torch": "torch", "jax.jit": "jax", "tf.function": "tensorflow", "keras": "tensorflow"}


def _bench_linear(console: Console, arguments: argparse.Namespace) -> int:
    """``lossx bench linear_cross_entropy``: benchmarks/linear_cross_entropy.py, its own variants and sizes."""
    if len(arguments.losses) > 1:
        _error(
            console,
            "linear_cross_entropy is benchmarked alone (its own variants and sizes); "
            "time the other losses in a second lossx bench call.",
        )
        return 2
    linear = importlib.import_module("benchmarks.linear_cross_entropy")
    unknown = [mode for mode in arguments.backend or () if mode not in LINEAR_BENCH_BACKENDS]
    if unknown:
        _error(
            console,
            f"lossx bench linear_cross_entropy runs on {', '.join(LINEAR_BENCH_BACKENDS)}; not {', '.join(unknown)}.",
        )
        return 2
    frameworks = list(dict.fromkeys(LINEAR_BENCH_BACKENDS[m] for m in arguments.backend or LINEAR_BENCH_BACKENDS))
    for framework in [f for f in frameworks if importlib.util.find_spec(f) is None]:
        console.print(f"[yellow]skipping {framework}[/yellow]: it is not installed")
        frameworks.remove(framework)
    try:
        sizes = [linear.parse_size(size) for size in arguments.size] if arguments.size else None
    except ValueError as error:
        _error(console, str(error))
        return 2
    repeat = arguments.repeat or linear.REPEAT
    with console.status("benchmarking...") as status:
        rows = linear.run(frameworks, sizes, repeat, progress=lambda text: status.update(f"benchmarking {text}"))
    linear.print_rows(console, rows)
    if arguments.markdown:
        target = Path(arguments.markdown)
        earlier = target.read_text(encoding="utf-8") if target.exists() else ""
        linear.write_section(target, linear.section(rows, repeat, earlier))
        print_written(console, "wrote the linear cross-entropy section of", arguments.markdown)
    return 0


def _bench(console: Console, arguments: argparse.Namespace) -> int:
    bench = _load_benchmarks()
    if "linear_cross_entropy" in arguments.losses:
        return _bench_linear(console, arguments)
    names = [lookup(name).name for name in arguments.losses]
    try:
        chosen = bench.benchmarks(names, native_only=arguments.native_only)
    except ValueError as error:
        _error(console, str(error))
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
        _error(console, str(error))
        return 2
    with console.status("benchmarking...") as status:
        results = bench.run(
            chosen, modes, sizes, repeat=arguments.repeat, progress=lambda cell: status.update(f"benchmarking {cell}")
        )
    bench.print_table(console, results)
    if arguments.markdown:
        repeat = (
            str(arguments.repeat)
            if arguments.repeat
            else ", ".join(f"{bench.DEFAULT_REPEAT.get(size, 9)} at {size}" for size in sizes)
        )
        text = bench.markdown(results, repeat, arguments.invocation)
        target = Path(arguments.markdown)
        kept = bench_linear_section(target.read_text(encoding="utf-8") if target.exists() else "")
        if kept:  # written by lossx bench linear_cross_entropy, which this run does not repeat
            text = text.rstrip("\n") + "\n\n" + kept
        with open(arguments.markdown, "w", encoding="utf-8") as handle:
            handle.write(text)
        print_written(console, "wrote", arguments.markdown)
    return 0


def bench_linear_section(text: str) -> str:
    """The linear cross-entropy section of a BENCHMARKS.md text (benchmarks/linear_cross_entropy.py), or ''."""
    return importlib.import_module("benchmarks.linear_cross_entropy").section_of(text)


def _error(console: Console, message: str) -> None:
    console.print(Text.assemble(("error: ", "bold red"), message))


def _unknown_loss(console: Console, error: UnknownLossError) -> None:
    _error(console, str(error))
    console.print("The losses, by family:")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for family, specs in families().items():
        grid.add_row(Text(family, style="bold"), ", ".join(spec.name for spec in specs))
    console.print(_indented(grid))


DESCRIPTION = "lossx: loss functions written once, identical in NumPy, torch, JAX and Keras."
EXIT_STATUS = {
    "lossx": "Exit status: 0 on success; 1 when lossx compare finds a failing cell; 2 for a bad argument, "
    "an unknown loss or family, bad input data or options, a missing optional package (the error "
    "names its extra) or a missing benchmarks/ directory. lossx COMMAND --help describes each command.",
    "list": "Exit status: 0 when the listing is printed; 2 for an unknown loss or family (the error lists "
    "the valid ones) or a bad argument.",
    "compare": "Exit status: 0 when every cell passes; 1 when any cell fails (a deviation above its tolerance, "
    "or an exception, printed under the table); 2 for an unknown loss or a bad argument.",
    "bench": "Exit status: 0 when the table is printed (a loss that fails is reported in its row's note); 2 "
    "for an unknown loss, a bad --size, a missing benchmarks/ directory or a bad argument.",
    "plot": "Exit status: 0 when the image is written; 2 for an unknown loss, a bad option, a loss that has no "
    "curve against the chosen quantity, an unknown file extension, a missing matplotlib or a bad argument.",
    "suggest": "Exit status: 0 when the suggestions are printed; 2 for a file that is missing or does not parse, "
    "a --column that does not exist, targets suggest cannot use (empty, NaN or infinite, text or mixed "
    "types), a task or output that does not fit them, predictions of a shape that does not fit, or a "
    "bad argument.",
    "experiment": _experiment.EXIT_STATUS,
}


def parser() -> argparse.ArgumentParser:
    """The command line: ``lossx list``, ``compare``, ``bench``, ``plot``, ``suggest`` and ``experiment``."""
    top = argparse.ArgumentParser(prog="lossx", description=DESCRIPTION, epilog=EXIT_STATUS["lossx"])
    top.add_argument("--version", action="version", version=f"lossx {__version__}")
    commands = top.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND")
    listing = commands.add_parser(
        "list",
        help="show every loss, or one loss whole",
        epilog=EXIT_STATUS["list"],
        description="Without LOSS: every loss by family, with its other names (class, aliases, presets), its "
        "first docstring line and its options, then the installed backends. With LOSS (a snake_case "
        "name, class name, alias or preset): the whole loss: its docstring, inputs, every option with its "
        "default, valid range and meaning, its presets and whether it has a Keras class.",
    )
    listing.add_argument("losses", nargs="*", metavar="LOSS", help="losses to show whole (default: the overview)")
    listing.add_argument(
        "--family",
        action="append",
        metavar="FAMILY",
        default=[],
        help=f"show only this family, repeatable: {', '.join(families())}",
    )
    listing.add_argument(
        "--markdown", action="store_true", help="print the whole catalogue as Markdown (docs/losses.md)"
    )
    compare = commands.add_parser(
        "compare",
        help="check every loss on every installed framework",
        epilog=EXIT_STATUS["compare"],
        description="Runs every loss (or the named ones) with each of its showcase option sets on every installed "
        "framework (NumPy, torch, JAX, TensorFlow: the generic function, eager and compiled, and the "
        "adapter's class) in float64 and float32, in one process, against the float64 reference; and "
        "each class named like a framework's own (torch's CrossEntropyLoss, Keras's Dice, ...) against "
        "that framework's class. Prints a summary per framework and the failing cells (--verbose: "
        "every cell). Runs with NumPy alone.",
    )
    compare.add_argument("losses", nargs="*", metavar="LOSS", help="losses to check (default: all)")
    compare.add_argument(
        "--backend",
        action="append",
        metavar="FRAMEWORK",
        choices=FRAMEWORKS,
        help=f"{', '.join(FRAMEWORKS)}; repeatable (default: every installed one)",
    )
    compare.add_argument(
        "--dtype",
        action="append",
        metavar="DTYPE",
        choices=("float64", "float32"),
        help="float64 or float32; repeatable (default: both)",
    )
    compare.add_argument(
        "--verbose", action="store_true", help="print every cell, not only the summary per framework and the failures"
    )
    bench = commands.add_parser(
        "bench",
        help="time lossx against each framework's own losses (from a checkout)",
        epilog=EXIT_STATUS["bench"],
        description="Times each loss's adapter, forward and backward, against the framework's own loss (torch, "
        "torch.compile, JAX jit against optax, Keras, tf.function, NumPy), interleaved in one process, "
        "with peak memory. Needs the benchmarks/ directory of a lossx checkout; docs/performance.md "
        "explains the columns.",
    )
    bench.add_argument(
        "losses",
        nargs="*",
        metavar="LOSS",
        help="losses to time (default: all); linear_cross_entropy alone runs its own benchmark "
        "(sizes NxHxV, default 4096x512x32768 and, for torch, 4096x512x131072)",
    )
    bench.add_argument(
        "--backend",
        action="append",
        metavar="MODE",
        choices=("torch", "torch.compile", "jax.jit", "keras", "tf.function", "numpy"),
        help="torch, torch.compile, jax.jit, keras, tf.function or numpy; repeatable (default: all)",
    )
    bench.add_argument(
        "--size", action="append", metavar="NxC", help="input size, repeatable (default: 32x10, 4096x1000, 1024x32000)"
    )
    bench.add_argument("--repeat", type=int, metavar="N", help="samples per side (default: 25, 9, 5 by size)")
    bench.add_argument("--native-only", action="store_true", help="only losses with a torch, optax or Keras equivalent")
    bench.add_argument("--markdown", metavar="FILE", help="also write the results as Markdown (BENCHMARKS.md)")
    _curves.add_command(commands)
    _suggest.add_command(commands)
    _experiment.add_command(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    arguments.invocation = " ".join(["lossx", *(sys.argv[1:] if argv is None else argv)])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    console = Console()
    try:
        if arguments.command == "list" and arguments.markdown:
            if arguments.losses or arguments.family:
                _error(console, "--markdown prints the whole catalogue; leave out LOSS and --family.")
                return 2
            print(catalogue_markdown())
            return 0
        if arguments.command == "list":
            if arguments.losses and arguments.family:
                _error(console, "give loss names or --family, not both.")
                return 2
            return _list(console, arguments.losses, arguments.family)
        if arguments.command == "bench":
            return _bench(console, arguments)
        if arguments.command == "plot":
            return _curves.run(console, arguments)
        if arguments.command == "suggest":
            return _suggest.run(console, arguments)
        if arguments.command == "experiment":
            return _experiment.run(console, arguments)
        return _compare(console, arguments)
    except UnknownLossError as error:
        _unknown_loss(console, error)
        return 2
    except LossxError as error:
        _error(console, str(error))
        return 2


if __name__ == "__main__":
    sys.exit(main())
