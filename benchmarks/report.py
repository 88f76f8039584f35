"""The results as a rich table (terminal) and as Markdown (BENCHMARKS.md)."""

from __future__ import annotations

import datetime
import os
import platform
from collections.abc import Sequence
from importlib import metadata

from .harness import MODES, SAMPLE_SECONDS, Result

#: The issue's targets at 4096×1000 (ratio lossx/native) and at 32×10 (overhead per call).
RATIO_TARGETS = {"torch": 1.10, "jax.jit": 1.05, "keras": 1.10, "tf.function": 1.10}
TARGET_SIZE, OVERHEAD_SIZE, OVERHEAD_TARGET_S = "4096x1000", "32x10", 15e-6
COMMAND = "lossx bench --markdown BENCHMARKS.md"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-6:.2g} µs"


def megabytes(count: int | None, measured: bool) -> str:
    if count is None:
        return "n/a" if measured else "—"
    return f"{count / 2**20:.3g} MB" if count >= 2**20 else f"{count / 2**10:.3g} kB"


def ratio(result: Result) -> str:
    return "—" if result.ratio is None else f"{result.ratio:.2f}×"


def overhead(result: Result) -> str:
    return "—" if result.overhead_s is None else f"{result.overhead_s * 1e6:+.1f}"


def _row(result: Result) -> list[str]:
    measured = result.lossx_s is not None
    return [
        result.loss,
        result.size,
        duration(result.lossx_s),
        duration(result.native_s),
        ratio(result),
        overhead(result),
        megabytes(result.lossx_bytes, measured),
        megabytes(result.native_bytes, result.native_s is not None),
        result.note,
    ]


HEADER = ["loss", "size", "lossx", "native", "lossx/native", "Δ µs/call", "lossx peak", "native peak", "note"]


def print_table(console, results: Sequence[Result]) -> None:
    """One table per mode; where the table does not fit the console, two lines per cell instead."""
    from rich.cells import cell_len
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table

    for mode in dict.fromkeys(r.mode for r in results):
        title = f"lossx bench · {mode}: {MODES[mode]().description}"
        table = Table(title=title)
        for column in HEADER:
            table.add_column(
                column,
                justify="right" if column not in ("loss", "note") else "left",
                no_wrap=column != "note",
                overflow="fold",
                max_width=48 if column == "note" else None,
            )
        rows = [_row(result) for result in results if result.mode == mode]
        # Every column but the note whole, the note folded at its longest word, 3 cells of rule and padding each.
        widths = [max(cell_len(text) for text in column) for column in zip(HEADER, *rows, strict=True)]
        longest_word = max((cell_len(word) for row in rows for word in row[-1].split()), default=len("note"))
        lines = []
        for result, cells in zip((r for r in results if r.mode == mode), rows, strict=True):
            cells = [escape(cell) for cell in cells]
            if (
                result.ratio is not None
                and result.ratio > RATIO_TARGETS.get(mode, float("inf"))
                and result.size == TARGET_SIZE
            ):
                cells[4] = f"[yellow]{cells[4]}[/yellow]"
            table.add_row(*cells)
            lines.append(
                (
                    f"[bold]{cells[0]}[/bold] · {cells[1]}",
                    f"lossx {cells[2]} · native {cells[3]} · lossx/native {cells[4]} · Δ µs/call {cells[5]} · "
                    f"peak {cells[6]}, native {cells[7]}" + (f"\n{cells[8]}" if cells[8] else ""),
                )
            )
        if sum(widths[:-1]) + max(longest_word, len("note")) + 3 * len(HEADER) + 1 <= console.width:
            console.print(table)
        else:
            console.print(escape(title), style="italic", justify="center")
            for head, detail in lines:
                console.print(head)
                console.print(Padding(detail, (0, 0, 0, 4)))


def misses(results: Sequence[Result]) -> list[str]:
    """The issue's targets that these results do not reach, one line each, with by how much."""
    lines = []
    for r in results:
        target = RATIO_TARGETS.get(r.mode)
        if target and r.size == TARGET_SIZE and r.ratio is not None and r.ratio > target:
            lines.append(f"{r.loss} · {r.mode} · {r.size}: {r.ratio:.2f}× native (target ≤ {target:.2f}×)")
        if (
            r.mode in ("torch", "torch.compile")
            and r.size == OVERHEAD_SIZE
            and r.overhead_s is not None
            and r.overhead_s > OVERHEAD_TARGET_S
        ):
            lines.append(
                f"{r.loss} · {r.mode} · {r.size}: +{r.overhead_s * 1e6:.1f} µs per call "
                f"(target ≤ +{OVERHEAD_TARGET_S * 1e6:.0f} µs)"
            )
        if r.lossx_bytes is not None and r.native_bytes is not None and r.lossx_bytes > r.native_bytes:
            lines.append(
                f"{r.loss} · {r.mode} · {r.size}: peak memory {megabytes(r.lossx_bytes, True)} "
                f"vs native {megabytes(r.native_bytes, True)}"
            )
    return lines


def _versions() -> str:
    found = []
    for package in ("lossx", "numpy", "torch", "jax", "optax", "tensorflow", "keras"):
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def markdown(results: Sequence[Result], repeat: str, command: str = COMMAND) -> str:
    """BENCHMARKS.md: one table per mode, then the targets not reached."""
    modes = list(dict.fromkeys(r.mode for r in results))
    lines = [
        "# lossx benchmarks",
        "",
        f"Generated by `{command}` (see docs/performance.md); do not edit by hand.",
        "",
        f"- Date: {datetime.date.today().isoformat()}; machine: {platform.machine()}, "
        f"{os.cpu_count()} CPU cores, {platform.system()} {platform.release()}; Python {platform.python_version()}.",
        f"- Versions: {_versions()}.",
        f"- Each cell: median seconds per call over {repeat} samples per side, lossx and native interleaved "
        f"(A B A B ...) in one process; a sample is at least {SAMPLE_SECONDS * 1e3:g} ms of calls. "
        "float32 inputs, mean reduction, forward+backward (NumPy: forward only).",
        "- lossx/native: ratio of the medians (below 1: lossx is faster). Δ µs/call: median of the paired "
        "differences lossx − native, the per-call overhead (meaningful at 32x10). Peak: see each section; "
        "n/a = not measurable in that mode, — = no native.",
        "",
    ]
    for mode in modes:
        built = MODES[mode]()
        rows = [r for r in results if r.mode == mode]
        lines += [
            f"## {mode}",
            "",
            f"{built.description}. Memory: {built.memory}.",
            "",
            "| " + " | ".join(HEADER) + " |",
            "|" + "---|" * len(HEADER),
        ]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _row(r)) + " |" for r in rows]
        natives = dict.fromkeys((r.loss, r.native) for r in rows if r.native != "—")
        if natives:
            lines += ["", "Natives:", ""]
            lines += [f"- `{loss}`: `{native}`" for loss, native in natives]
        lines.append("")
    missed = misses(results)
    lines += ["## Targets not reached", ""]
    lines += [f"- {line}" for line in missed] if missed else ["None in these results."]
    lines.append("")
    return "\n".join(lines)
