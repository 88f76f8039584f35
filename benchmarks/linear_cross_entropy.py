"""The chunked linear cross-entropy against the whole logits and torch's own chunked kernel.

Run from a checkout: ``lossx bench linear_cross_entropy`` (or ``python -m benchmarks.linear_cross_entropy``).
Each variant is one training step's loss: the cross-entropy of ``hidden @ weight.T + bias``
(hidden (N, H), weight (V, H), float32, integer labels, "mean") and its gradient with respect
to hidden, weight and bias. Variants, per framework:

* torch (eager): ``logits + F.cross_entropy``; ``F.linear_cross_entropy`` without options (its
  unchunked path), with ``options=LinearCrossEntropyOptions()`` and with ``batch_chunk_size``
  set to lossx's chunk; ``lossx`` (its mean, gradients taken with the forward pass); ``lossx
  z_loss`` (``z_loss=1e-4``, which torch's kernel has not); ``lossx, reduction="none"`` then
  ``.mean()`` (the per-row Function, whose backward recomputes each chunk's logits: what
  torch.compile, torch.func and a sample weight run).
* jax (``jax.jit(jax.value_and_grad(...))``): ``logits + optax`` against ``lossx``.
* tensorflow (``tf.function``): ``logits + tf.nn.sparse_softmax_cross_entropy_with_logits``
  against ``lossx``.

Before timing it checks that every variant's value and gradients agree with the first one's
(rtol 1e-4). Times are medians of interleaved samples (A B C A B C ...) in one process. Peak
memory: torch, the profiler's running sum of CPU allocations during one step; JAX, XLA's
compiled ``memory_analysis()`` (temporary + output bytes); TensorFlow, which does not track CPU
allocations, the growth of the resident set (``ru_maxrss``) over one first step in a fresh
process (tracing included, so an upper bound).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# This checkout's lossx and harness, not another installed lossx: the numbers are about this code.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import lossx  # noqa: E402
from benchmarks.harness import interleaved  # noqa: E402

ROWS, HIDDEN = 4096, 512
VOCABULARIES = (32768, 131072)
REPEAT = 3
VALUE_RTOL = 1e-4
Z_LOSS = 1e-4
Z_LOSS_VARIANT = f"lossx, z_loss={Z_LOSS:g}"
PER_ROW_VARIANT = 'lossx, reduction="none", then .mean()'
SECTION = "## Linear cross-entropy (chunked)"
COMMAND = "lossx bench linear_cross_entropy --markdown BENCHMARKS.md"
FRAMEWORKS = ("torch", "jax", "tensorflow")


@dataclass
class Row:
    """One variant's median seconds per step and peak bytes (None: not measured)."""

    framework: str
    vocabulary: int
    variant: str
    rows: int
    hidden: int
    seconds: float | None = None
    peak: int | None = None
    baseline: bool = False
    samples: list[float] = field(default_factory=list)


def _inputs(vocabulary: int, rows: int, hidden: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "hidden": rng.standard_normal((rows, hidden), dtype=np.float32),
        "weight": (rng.standard_normal((vocabulary, hidden), dtype=np.float32) / np.sqrt(hidden)).astype(np.float32),
        "bias": np.zeros(vocabulary, np.float32),
        "labels": rng.integers(0, vocabulary, rows),
    }


# ------------------------------------------------------------------------------ torch


def _torch_variants(data: dict[str, np.ndarray]) -> tuple[dict, Callable[[Callable], int], dict]:
    import torch
    import torch.nn.functional as F

    from benchmarks.harness import _torch_peak
    from lossx.kernels.linear import chunk_rows

    hidden, weight, bias = (torch.tensor(data[k], requires_grad=True) for k in ("hidden", "weight", "bias"))
    labels = torch.tensor(data["labels"])
    chunk = chunk_rows(hidden.shape[0], weight.shape[0], None)

    parameters = (hidden, weight, bias)

    def clear() -> None:
        for tensor in parameters:
            tensor.grad = None

    def step(loss: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            clear()
            value = loss()
            value.backward()
            return value, [t.grad for t in parameters]

        return run

    def peak(run: Callable[[], Any]) -> int:
        clear()  # the previous step's gradients are freed before, not during, the measured step
        return _torch_peak(run)

    variants = {
        "logits + F.cross_entropy": step(lambda: F.cross_entropy(F.linear(hidden, weight, bias), labels)),
        "F.linear_cross_entropy, no options": step(
            lambda: F.linear_cross_entropy(hidden, weight, labels, linear_bias=bias)
        ),
        "F.linear_cross_entropy, LinearCrossEntropyOptions()": step(
            lambda: F.linear_cross_entropy(
                hidden, weight, labels, linear_bias=bias, options=torch.nn.LinearCrossEntropyOptions()
            )
        ),
        f"F.linear_cross_entropy, batch_chunk_size={chunk}": step(
            lambda: F.linear_cross_entropy(
                hidden,
                weight,
                labels,
                linear_bias=bias,
                options=torch.nn.LinearCrossEntropyOptions(batch_chunk_size=chunk),
            )
        ),
        "lossx": step(lambda: lossx.linear_cross_entropy(hidden, weight, labels, bias=bias)),
        Z_LOSS_VARIANT: step(lambda: lossx.linear_cross_entropy(hidden, weight, labels, bias=bias, z_loss=Z_LOSS)),
        PER_ROW_VARIANT: step(
            lambda: lossx.linear_cross_entropy(hidden, weight, labels, bias=bias, reduction="none").mean()
        ),
    }

    def whole_with_z_loss() -> Any:
        logits = F.linear(hidden, weight, bias)
        return F.cross_entropy(logits, labels) + Z_LOSS * (torch.logsumexp(logits, dim=1) ** 2).mean()

    return variants, peak, {Z_LOSS_VARIANT: step(whole_with_z_loss)}


# ------------------------------------------------------------------------------ jax


def _jax_variants(data: dict[str, np.ndarray]) -> tuple[dict, Callable[[Callable], int], dict]:
    import jax
    import jax.numpy as jnp
    import optax

    arrays = [jnp.asarray(data[k]) for k in ("hidden", "weight", "bias")]
    labels = jnp.asarray(data["labels"])
    compiled: dict[Callable, Any] = {}

    def step(loss: Callable[..., Any]) -> Callable[[], Any]:
        function = jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2)))
        lowered = function.lower(*arrays).compile()

        def run() -> Any:
            return jax.block_until_ready(lowered(*arrays))

        compiled[run] = lowered
        return run

    def peak(run: Callable) -> int:
        analysis = compiled[run].memory_analysis()
        return analysis.temp_size_in_bytes + analysis.output_size_in_bytes

    variants = {
        "logits + optax": step(
            lambda h, w, b: optax.losses.softmax_cross_entropy_with_integer_labels(h @ w.T + b, labels).mean()
        ),
        "lossx": step(lambda h, w, b: lossx.linear_cross_entropy(h, w, labels, bias=b)),
    }
    return variants, peak, {}


# ------------------------------------------------------------------------------ tensorflow


def _tensorflow_functions(data: dict[str, np.ndarray]) -> tuple[dict[str, Callable[[], Any]], list]:
    import tensorflow as tf

    arrays = [tf.constant(data[k]) for k in ("hidden", "weight", "bias")]
    labels = tf.constant(data["labels"])

    def step(loss: Callable[..., Any]) -> Callable[[], Any]:
        # Neither loss has Python control flow on tensors; autograph would only try (and warn about)
        # converting the import machinery lossx calls on its first TensorFlow array.
        @tf.function(autograph=False)
        def gradient(hidden, weight, bias):
            with tf.GradientTape() as tape:
                tape.watch([hidden, weight, bias])
                value = loss(hidden, weight, bias)
            return value, tape.gradient(value, [hidden, weight, bias])

        def run() -> Any:
            return gradient(*arrays)

        return run

    def whole(hidden, weight, bias):
        logits = tf.matmul(hidden, weight, transpose_b=True) + bias
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))

    variants = {
        "logits + tf.nn.sparse_softmax_cross_entropy_with_logits": step(whole),
        "lossx": step(lambda h, w, b: lossx.linear_cross_entropy(h, w, labels, bias=b)),
    }
    return variants, arrays


def _tensorflow_rss_growth(variant: str, vocabulary: int, rows: int, hidden: int) -> int:
    """The growth of a fresh process's peak resident set over the variant's first step, in bytes."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.linear_cross_entropy",
        "--rss-of",
        variant,
        "--vocabulary",
        str(vocabulary),
        "--rows",
        str(rows),
        "--hidden",
        str(hidden),
    ]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=environment, timeout=900)
    return int(json.loads(done.stdout.strip().splitlines()[-1])["growth"])


def _high_water_bytes() -> int:
    """This process's peak resident set (VmHWM), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def _print_rss_growth(variant: str, vocabulary: int, rows: int, hidden: int) -> None:
    variants, _ = _tensorflow_functions(_inputs(vocabulary, rows, hidden))
    # A child starts with its parent's high-water mark (ru_maxrss too): reset it to the current
    # resident set first (Linux's clear_refs 5), so the growth is this step's.
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")
    before = _high_water_bytes()
    variants[variant]()
    print(json.dumps({"growth": _high_water_bytes() - before}))


def _tensorflow_variants(data: dict[str, np.ndarray]) -> tuple[dict, Callable[[Callable], int], dict]:
    variants, _ = _tensorflow_functions(data)
    names = {run: name for name, run in variants.items()}
    rows, hidden = data["hidden"].shape
    vocabulary = data["weight"].shape[0]
    return variants, lambda run: _tensorflow_rss_growth(names[run], vocabulary, rows, hidden), {}


# ------------------------------------------------------------------------------ running

VARIANTS = {"torch": _torch_variants, "jax": _jax_variants, "tensorflow": _tensorflow_variants}
#: The unchunked and lossx-only variants are left out of the larger vocabulary's torch run (they
#: only repeat what 32k shows, at minutes a step).
SKIPPED_AT_LARGE = ("F.linear_cross_entropy, no options", "F.linear_cross_entropy, batch_chunk_size")


def _numbers(result: Any) -> tuple[float, list[np.ndarray]]:
    """A step's (value, gradients), any framework's tensors, as float64 NumPy."""

    def numpy(x: Any) -> np.ndarray:
        return x.detach().double().numpy() if hasattr(x, "detach") else np.asarray(x, np.float64)

    value, gradients = result
    return float(numpy(value)), [numpy(g) for g in gradients]


def _check_agreement(framework: str, variants: dict[str, Callable[[], Any]], references: dict) -> None:
    """Every variant's value and gradients against the first variant's, or against its own reference
    (the whole logits with the same option) where ``references`` has one."""
    (first_name, first), *others = variants.items()
    expected = _numbers(first())
    for name, run in others:
        value, gradients = _numbers(run())
        first_value, first_gradients = _numbers(references[name]()) if name in references else expected
        if not np.isclose(value, first_value, rtol=VALUE_RTOL):
            raise AssertionError(f"{framework}: {name} gives {value}, {first_name} {first_value}")
        for label, got, wanted in zip(("hidden", "weight", "bias"), gradients, first_gradients, strict=True):
            scale = np.abs(wanted).max()
            if not np.allclose(got, wanted, rtol=VALUE_RTOL, atol=VALUE_RTOL * scale):
                raise AssertionError(f"{framework}: the gradient for {label} of {name} differs from {first_name}'s")


def measure(
    framework: str,
    vocabulary: int,
    rows: int = ROWS,
    hidden: int = HIDDEN,
    repeat: int = REPEAT,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Row]:
    """Time and peak memory of every variant of ``framework`` at one size."""
    variants, peak_of, references = VARIANTS[framework](_inputs(vocabulary, rows, hidden))
    if vocabulary > VOCABULARIES[0]:
        variants = {k: v for k, v in variants.items() if not k.startswith(SKIPPED_AT_LARGE)}
    progress(f"{framework} V={vocabulary}: checking values and gradients")
    _check_agreement(framework, variants, references)
    rows_out = []
    for name, run in variants.items():
        progress(f"{framework} V={vocabulary}: peak memory of {name}")
        rows_out.append(Row(framework, vocabulary, name, rows, hidden, peak=peak_of(run), baseline=not rows_out))
    progress(f"{framework} V={vocabulary}: timing, {repeat} interleaved samples")
    samples = interleaved(list(variants.values()), repeat)
    for row, taken in zip(rows_out, samples, strict=True):
        row.samples, row.seconds = taken, statistics.median(taken)
    return rows_out


def parse_size(text: str) -> tuple[int, int, int]:
    """``"4096x512x32768"`` → ``(N, H, V)``, or a ValueError saying the format."""
    try:
        rows, hidden, vocabulary = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(
            f"size {text!r}: linear_cross_entropy takes NxHxV (rows, hidden size, classes), e.g. 4096x512x32768"
        ) from None
    if min(rows, hidden, vocabulary) < 2:
        raise ValueError(f"size {text!r}: N, H and V must be at least 2")
    return rows, hidden, vocabulary


def run(
    frameworks: list[str],
    sizes: list[tuple[int, int, int]] | None = None,
    repeat: int = REPEAT,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Row]:
    """Every variant of each framework at each (N, H, V); by default N=4096, H=512 and V=32k, and for torch
    also V=128k."""
    rows: list[Row] = []
    for framework in frameworks:
        chosen = sizes or [(ROWS, HIDDEN, v) for v in (VOCABULARIES if framework == "torch" else VOCABULARIES[:1])]
        for n, h, v in chosen:
            rows += measure(framework, v, n, h, repeat, progress)
    return rows


def _mb(count: int | None) -> str:
    return "n/a" if count is None else f"{count / 1e6:,.1f} MB"


TABLE_HEADER = ["| framework | V | variant | s/step | × time | peak | memory saved |", "|---|---|---|---|---|---|---|"]


def table(rows: list[Row]) -> list[str]:
    """Markdown rows: variant, time, ×baseline time, peak, baseline peak ÷ this peak."""
    lines = list(TABLE_HEADER)
    baseline: Row | None = None
    for row in rows:
        if row.baseline:
            baseline = row
        assert baseline is not None
        time_ratio = "1" if row.baseline else f"{row.seconds / baseline.seconds:.2f}×"
        saved = (
            "1" if row.baseline else f"{baseline.peak / row.peak:.1f}× less" if row.peak and baseline.peak else "n/a"
        )
        vocabulary = f"{row.vocabulary // 1024}k" if row.vocabulary % 1024 == 0 else str(row.vocabulary)
        lines.append(
            f"| {row.framework} | {vocabulary} | {row.variant} | {row.seconds:.2f} | "
            f"{time_ratio} | {_mb(row.peak)} | {saved} |"
        )
    return lines


def section(rows: list[Row], repeat: int, kept: str = "") -> str:
    """The BENCHMARKS.md section of ``rows``, after the rows of ``kept`` (an earlier section) for the frameworks
    and vocabularies this run did not measure."""
    measured = {
        (row.framework, f"{row.vocabulary // 1024}k" if row.vocabulary % 1024 == 0 else str(row.vocabulary))
        for row in rows
    }
    earlier = [line for line in section_of(kept).splitlines() if line.startswith("| ") and "---" not in line][1:]
    earlier = [line for line in earlier if tuple(c.strip() for c in line.strip("|").split("|")[:2]) not in measured]
    modules = [name for name in ("torch", "jax", "optax", "tensorflow") if _installed(name)]
    versions = ", ".join(f"{name} {_version(name)}" for name in modules)
    return "\n".join(
        [
            SECTION,
            "",
            f"Generated by `{COMMAND}` (benchmarks/linear_cross_entropy.py); see docs/linear-cross-entropy.md.",
            "",
            f"- N={rows[0].rows}, H={rows[0].hidden}, float32, integer labels, mean; one step = the loss and its "
            f"gradients for "
            "hidden, weight and bias. Machine: "
            f"{platform.machine()}, {os.cpu_count()} CPU cores; Python {platform.python_version()}; {versions}.",
            f"- s/step: median of {repeat} interleaved samples per variant in one process; × time and memory "
            "saved: against the first row of the same framework and V (the whole logits).",
            "- Peak: torch, the profiler's running sum of CPU allocations in one step; JAX, XLA's "
            "memory_analysis() (temporary + output, which holds the weight's gradient); TensorFlow, the growth "
            "of a fresh process's resident set over its first step (tracing included: an upper bound).",
            "",
            *_in_framework_order(earlier + table(rows)[2:]),
            "",
        ]
    )


def _in_framework_order(lines: list[str]) -> list[str]:
    """The table, its rows grouped by framework (torch, jax, tensorflow), each group in the order given."""

    def framework(line: str) -> int:
        return FRAMEWORKS.index(line.strip("|").split("|")[0].strip())

    return [*TABLE_HEADER, *sorted(lines, key=framework)]


def _version(module: str) -> str:
    """The installed version of the distribution providing ``module``, read without importing it (TensorFlow's
    import takes seconds and logs)."""
    from importlib.metadata import packages_distributions, version

    return version(packages_distributions().get(module, [module])[0])


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def print_rows(console: Any, rows: list[Row]) -> None:
    """The rows for a terminal: a line naming the variant, and an indented one with its figures."""
    from rich.markup import escape
    from rich.padding import Padding

    console.print(
        "lossx bench · linear cross-entropy: one step's loss and gradients, against the whole logits", style="italic"
    )
    for line in table(rows)[2:]:
        framework, vocabulary, variant, seconds, time_ratio, peak, saved = (
            c.strip() for c in line.strip("|").split("|")
        )
        console.print(f"[bold]{framework} {vocabulary}[/bold] · {escape(variant)}")
        console.print(Padding(f"{seconds} s/step ({time_ratio}) · peak {peak} ({saved})", (0, 0, 0, 4)))


def section_of(text: str) -> str:
    """The linear cross-entropy section of a BENCHMARKS.md text, or ''."""
    if SECTION not in text:
        return ""
    rest = SECTION + text.split(SECTION, 1)[1]
    end = rest.find("\n## ", len(SECTION))
    return rest if end < 0 else rest[: end + 1]


def write_section(path: Path, text: str) -> None:
    """Put ``text`` in ``path`` in place of its linear cross-entropy section (appended if absent)."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# lossx benchmarks\n"
    current = section_of(old)
    if current:
        new = old.replace(current, text.rstrip("\n") + "\n" + ("\n" if not old.endswith(current) else ""))
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")


def rows_of_section(text: str) -> list[dict[str, str]]:
    """The table of a BENCHMARKS.md text's linear cross-entropy section, one dict per row."""
    lines = [line for line in section_of(text).splitlines() if line.startswith("| ") and "---" not in line]
    if not lines:
        raise ValueError(f"no '{SECTION}' table found: run {COMMAND} first")
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=False)) for line in lines[1:]]


def plot(text: str, path: Path) -> None:
    """Peak memory of every variant, one panel per framework and V, from a BENCHMARKS.md text's section."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = rows_of_section(text)
    groups = list(dict.fromkeys((r["framework"], r["V"]) for r in rows))
    sizes = [sum(1 for r in rows if (r["framework"], r["V"]) == g) for g in groups]
    figure, axes = plt.subplots(
        len(groups),
        1,
        figsize=(8.5, 0.55 * sum(sizes) + 0.9 * len(groups)),
        gridspec_kw={"height_ratios": sizes},
        sharex=True,
        squeeze=False,
    )
    for axis, group in zip(axes[:, 0], groups, strict=True):
        chosen = [r for r in rows if (r["framework"], r["V"]) == group and r["peak"] != "n/a"]
        megabytes = [float(r["peak"].split()[0].replace(",", "")) for r in chosen]
        colours = [
            "#999999" if i == 0 else "#1f77b4" if r["variant"].startswith("lossx") else "#ff7f0e"
            for i, r in enumerate(chosen)
        ]
        positions = range(len(chosen))[::-1]
        axis.barh(list(positions), megabytes, color=colours)
        axis.set_yticks(list(positions), [r["variant"] for r in chosen], fontsize=8)
        for y, r, mb in zip(positions, chosen, megabytes, strict=True):
            label = f"{r['peak']}" + ("" if r["memory saved"] in ("1", "n/a") else f"  ({r['memory saved']})")
            axis.text(mb * 1.08, y, label, va="center", fontsize=8)
        axis.set_title(f"{group[0]}, V = {group[1]}", fontsize=9, loc="left")
        axis.set_xscale("log")
    axes[-1, 0].set_xlabel("peak memory of one step, MB (log scale)")
    axes[-1, 0].set_xlim(right=axes[-1, 0].get_xlim()[1] * 6)
    shape = re.search(r"N=\d+, H=\d+", section_of(text))
    figure.suptitle(
        f"Linear cross-entropy: {shape.group(0) if shape else ''}, float32, loss and gradients", fontsize=10
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", action="append", choices=FRAMEWORKS)
    parser.add_argument("--vocabulary", type=int, action="append")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--hidden", type=int, default=HIDDEN)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="PNG",
        help="draw the peak memory of --markdown's section (default BENCHMARKS.md) and stop",
    )
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.plot:
        plot((arguments.markdown or ROOT / "BENCHMARKS.md").read_text(encoding="utf-8"), arguments.plot)
        return 0
    if arguments.rss_of:
        _print_rss_growth(arguments.rss_of, arguments.vocabulary[0], arguments.rows, arguments.hidden)
        return 0
    sizes = [(arguments.rows, arguments.hidden, v) for v in arguments.vocabulary] if arguments.vocabulary else None
    rows = run(
        arguments.framework or [f for f in FRAMEWORKS if _installed(f)],
        sizes,
        arguments.repeat,
        progress=lambda text: print(text, file=sys.stderr, flush=True),
    )
    print("\n".join(table(rows)))
    if arguments.markdown:
        earlier = arguments.markdown.read_text(encoding="utf-8") if arguments.markdown.exists() else ""
        write_section(arguments.markdown, section(rows, arguments.repeat, earlier))
    return 0


if __name__ == "__main__":
    sys.exit(main())
