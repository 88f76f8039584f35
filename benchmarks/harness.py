"""Timing and memory: each loss's lossx adapter against its native, interleaved in one process.

For every (size, loss, mode) cell the harness builds two zero-argument steps, lossx's
and the native's, each one forward+backward (NumPy: forward only) on the same arrays;
checks that both give the same loss value; warms both up (compilation happens
there); calibrates how many calls make one sample (at least :data:`SAMPLE_SECONDS`,
so per-call overhead is measurable at 32×10); then takes ``repeat`` samples of each,
alternating A B A B ..., so drift of the machine (frequency, other processes)
touches both alike. Reported: median seconds per call of each, their ratio, and the
median of the paired differences (the per-call overhead). Peak memory is measured
in one separate call per side, never during timing (see :func:`_torch_peak` and the
mode classes).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .natives import Arrays, Benchmark, logsumexp

SIZES = ("32x10", "4096x1000", "1024x32000")
#: Samples per side by size: the big sizes cost ~0.1–1 s per call, the small one microseconds.
DEFAULT_REPEAT = {"32x10": 25, "4096x1000": 9, "1024x32000": 5}
SAMPLE_SECONDS = 0.005
#: Relative agreement asked of lossx and the native before timing them (float32 sums).
VALUE_RTOL = 1e-4


@dataclass
class Result:
    """One cell of the table; times are seconds per call, memory in bytes (None: not measured)."""

    loss: str
    mode: str
    size: str
    native: str
    lossx_s: float | None = None
    native_s: float | None = None
    overhead_s: float | None = None
    lossx_bytes: int | None = None
    native_bytes: int | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.lossx_s is None or self.native_s is None:
            return None
        return self.lossx_s / self.native_s


def parse_size(text: str) -> tuple[int, int]:
    """``"4096x1000"`` → ``(4096, 1000)``, or a ValueError saying the format."""
    try:
        n, c = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"size {text!r}: write it as NxC, e.g. 4096x1000") from None
    if n < 2 or c < 2:
        raise ValueError(f"size {text!r}: N and C must be at least 2")
    return n, c


def interleaved(steps: Sequence[Callable[[], Any]], repeat: int) -> list[list[float]]:
    """Seconds per call of each step, ``repeat`` samples each, taken A B A B ..."""
    for step in steps:  # warm-up: compilation, caches, allocator pools
        step()
        step()
    slowest = 0.0
    for step in steps:
        start = time.perf_counter()
        step()
        slowest = max(slowest, time.perf_counter() - start)
    calls = max(1, math.ceil(SAMPLE_SECONDS / max(slowest, 1e-7)))
    samples: list[list[float]] = [[] for _ in steps]
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            for step, out in zip(steps, samples, strict=True):
                start = time.perf_counter()
                for _ in range(calls):
                    step()
                out.append((time.perf_counter() - start) / calls)
    finally:
        gc.enable()
    return samples


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=VALUE_RTOL, abs_tol=VALUE_RTOL * 1e-2)


# ------------------------------------------------------------------ modes


class Mode:
    """How one framework runs a loss: its arrays, lossx's and the native's steps, memory."""

    name: str
    library: str  # which Benchmark native it is timed against
    description: str
    memory: str  # what the memory columns measure in this mode

    def unavailable(self, bench: Benchmark) -> str | None:
        return None

    def prepare(self, bench: Benchmark, arrays: Arrays) -> Any:
        raise NotImplementedError

    def lossx_function(self, bench: Benchmark, state: Any) -> Callable[..., Any]:
        raise NotImplementedError

    def native_function(self, bench: Benchmark, state: Any) -> Callable[..., Any] | None:
        raise NotImplementedError

    def step(self, function: Callable[..., Any], state: Any) -> Callable[[], Any]:
        raise NotImplementedError

    def value(self, function: Callable[..., Any], state: Any) -> float:
        raise NotImplementedError

    def peak_bytes(self, function: Callable[..., Any], state: Any) -> int | None:
        return None


def _expression(expr: str, names: Sequence[str], namespace: dict[str, Any]) -> Callable[..., Any]:
    return eval(f"lambda {', '.join(names)}: {expr}", namespace)


def _lossx_call(loss: Callable[..., Any], names: Sequence[str], positions: Sequence[int]) -> Callable[..., Any]:
    """``loss`` on the arrays it takes, from a lambda of every array's name, as the native's
    expression is: both sides pay the same Python call, so Δ µs is lossx's own overhead."""
    return _expression(f"loss({', '.join(names[i] for i in positions)})", names, {"loss": loss})


def _lossx_positions(bench: Benchmark, library: str, names: Sequence[str]) -> tuple[list[int], dict[str, Any]]:
    inputs, options = bench.call(library)
    return [list(names).index(name) for name in inputs], dict(options)


class TorchMode(Mode):
    library = "torch"
    memory = (
        "peak bytes allocated by torch's CPU allocator during one forward+backward, from the "
        "profiler's memory events (inputs excluded)"
    )

    def __init__(self, compiled: bool) -> None:
        self.compiled = compiled
        self.name = "torch.compile" if compiled else "torch"
        self.description = (
            "torch.compile (inductor, static shapes), forward+backward" if compiled else "torch eager, forward+backward"
        )

    def prepare(self, bench, arrays):
        import torch

        if self.compiled:
            # One compiled cell must not inherit another's cache entries (or hit the recompile limit).
            torch._dynamo.reset()
        names = list(arrays)
        tensors = [torch.from_numpy(a) for a in arrays.values()]
        grad = names.index(bench.call("torch")[0][0])
        tensors[grad].requires_grad_(True)
        return names, tensors, grad

    def _compile(self, function):
        import torch

        return torch.compile(function) if self.compiled else function

    def lossx_function(self, bench, state):
        from lossx.backends import torch as LT

        names, _, _ = state
        positions, options = _lossx_positions(bench, "torch", names)
        module = getattr(LT, _camel(bench.loss))(**options)
        return self._compile(_lossx_call(module, names, positions))

    def native_function(self, bench, state):
        import torch
        import torch.nn.functional as F

        if bench.torch is None:
            return None
        return self._compile(_expression(bench.torch.expr, state[0], {"torch": torch, "F": F}))

    def step(self, function, state):
        _, tensors, grad = state

        def run():
            function(*tensors).backward()
            tensors[grad].grad = None

        return run

    def value(self, function, state):
        return float(function(*state[1]).detach())

    def peak_bytes(self, function, state):
        return _torch_peak(self.step(function, state))


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the profiler's C++ start/stop lines (written to file descriptor 2, not sys.stderr)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _torch_peak(step: Callable[[], Any]) -> int:
    """Peak of the running sum of the profiler's CPU allocation events during ``step``."""
    from torch.profiler import ProfilerActivity, profile

    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = sorted(
        (e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"), key=lambda e: e.start_ns()
    )
    current = peak = 0
    for event in events:
        current += event.nbytes()
        peak = max(peak, current)
    return peak


class JaxMode(Mode):
    name = "jax.jit"
    library = "optax"
    description = "jax.jit(jax.value_and_grad(loss)), against optax.losses"
    memory = "XLA's compiled memory_analysis(): temporary + output bytes of the jitted forward+backward"

    def prepare(self, bench, arrays):
        import jax.numpy as jnp

        names = list(arrays)
        # int32 labels: without x64 JAX would truncate int64 with a warning.
        values = [jnp.asarray(a.astype(np.int32) if a.dtype.kind == "i" else a) for a in arrays.values()]
        return names, values, names.index(bench.call("optax")[0][0])

    def _jit(self, function, grad):
        import jax

        return jax.jit(jax.value_and_grad(function, argnums=grad))

    def lossx_function(self, bench, state):
        from lossx.backends import jax as LJ

        names, _, grad = state
        positions, options = _lossx_positions(bench, "optax", names)
        loss = functools.partial(getattr(LJ, bench.loss), **options)
        return self._jit(lambda *a: loss(*[a[i] for i in positions]), grad)

    def native_function(self, bench, state):
        import jax
        import jax.numpy as jnp
        import optax

        if bench.optax is None:
            return None
        return self._jit(_expression(bench.optax.expr, state[0], {"jax": jax, "jnp": jnp, "optax": optax}), state[2])

    def step(self, function, state):
        import jax

        values = state[1]
        return lambda: jax.block_until_ready(function(*values))

    def value(self, function, state):
        return float(function(*state[1])[0])

    def peak_bytes(self, function, state):
        analysis = function.lower(*state[1]).compile().memory_analysis()
        return None if analysis is None else analysis.temp_size_in_bytes + analysis.output_size_in_bytes


class KerasMode(Mode):
    library = "keras"
    memory = "n/a: TensorFlow does not track CPU allocations (tf.config.experimental.get_memory_info)"

    def __init__(self, graph: bool) -> None:
        self.graph = graph
        self.name = "tf.function" if graph else "keras"
        self.description = (
            "Keras 3 on TensorFlow inside tf.function, forward+backward (GradientTape)"
            if graph
            else "Keras 3 on TensorFlow, eager, forward+backward (GradientTape)"
        )

    def unavailable(self, bench):
        from lossx import lookup
        from lossx.backends import unavailable

        spec = lookup(bench.loss)
        if unavailable(spec, "keras"):
            return "no Keras class (a keras.losses.Loss takes only y_true, y_pred)"
        if spec.packing is not None:
            # The benchmark's arrays are the loss's separate inputs; a stacking step would be timed with them.
            return f"not timed: the Keras class takes its inputs packed ({spec.packing.describe()})"
        import keras

        if keras.backend.backend() != "tensorflow":
            return f"Keras runs on {keras.backend.backend()} in this process; set KERAS_BACKEND=tensorflow"
        return None

    def prepare(self, bench, arrays):
        import tensorflow as tf

        names = list(arrays)
        return names, [tf.constant(a) for a in arrays.values()]

    def _call(self, loss, positions):
        # lossx's order is (y_pred, y_true); a keras.losses.Loss takes (y_true, y_pred).
        import tensorflow as tf

        pred, true = positions[0], positions[1]

        def run(tensors):
            with tf.GradientTape() as tape:
                tape.watch(tensors[pred])
                value = loss(tensors[true], tensors[pred])
            return value, tape.gradient(value, tensors[pred])

        return tf.function(run) if self.graph else run

    def lossx_function(self, bench, state):
        from lossx.backends import keras as LK

        positions, options = _lossx_positions(bench, "keras", state[0])
        return self._call(getattr(LK, _camel(bench.loss))(**options), positions)

    def native_function(self, bench, state):
        import keras

        if bench.keras is None:
            return None
        positions, _ = _lossx_positions(bench, "keras", state[0])
        return self._call(eval(bench.keras.expr, {"keras": keras}), positions)

    def step(self, function, state):
        tensors = state[1]
        return lambda: function(tensors)

    def value(self, function, state):
        return float(function(state[1])[0])


class NumpyMode(Mode):
    name = "numpy"
    library = "numpy"
    description = "NumPy, forward only, against a hand-written NumPy expression of the formula"
    memory = "tracemalloc peak of one forward call (NumPy reports its buffers to tracemalloc)"

    def prepare(self, bench, arrays):
        return list(arrays), list(arrays.values())

    def lossx_function(self, bench, state):
        from lossx.backends import numpy as LN

        positions, options = _lossx_positions(bench, "numpy", state[0])
        loss = functools.partial(getattr(LN, bench.loss), **options)
        return _lossx_call(loss, state[0], positions)

    def native_function(self, bench, state):
        if bench.numpy is None:
            return None
        return _expression(bench.numpy.expr, state[0], {"np": np, "logsumexp": logsumexp})

    def step(self, function, state):
        values = state[1]
        return lambda: function(*values)

    def value(self, function, state):
        return float(function(*state[1]))

    def peak_bytes(self, function, state):
        tracemalloc.start()
        try:
            function(*state[1])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def _camel(name: str) -> str:
    from lossx import lookup

    return lookup(name).camel_name


MODES: dict[str, Callable[[], Mode]] = {
    "torch": lambda: TorchMode(compiled=False),
    "torch.compile": lambda: TorchMode(compiled=True),
    "jax.jit": JaxMode,
    "keras": lambda: KerasMode(graph=False),
    "tf.function": lambda: KerasMode(graph=True),
    "numpy": NumpyMode,
}
_FRAMEWORK = {
    "torch": "torch",
    "torch.compile": "torch",
    "jax.jit": "optax",
    "keras": "keras",
    "tf.function": "keras",
    "numpy": "numpy",
}


def missing(mode: str) -> str | None:
    """Why ``mode`` cannot run here (a framework is not installed), or None."""
    import importlib.util

    needed = {"torch": ["torch"], "optax": ["jax", "optax"], "keras": ["keras", "tensorflow"], "numpy": []}
    absent = [m for m in needed[_FRAMEWORK[mode]] if importlib.util.find_spec(m) is None]
    return f"{', '.join(absent)} not installed" if absent else None


# ------------------------------------------------------------------ running cells


def run_cell(bench: Benchmark, mode: Mode, size: str, arrays: Arrays, repeat: int) -> Result:
    """Time lossx against the native of ``mode`` for one loss at one size."""
    native = bench.native(mode.library)
    result = Result(bench.loss, mode.name, size, native.expr if native else "—")
    reason = mode.unavailable(bench)
    if reason:
        result.note = reason
        return result
    state = mode.prepare(bench, arrays)
    try:
        ours = mode.lossx_function(bench, state)
        value = mode.value(ours, state)
    except Exception as error:  # a failing loss is reported in its cell, the run goes on
        result.note = f"lossx failed: {type(error).__name__}: {_first_line(error)}"
        return result
    theirs = None
    if native is not None:
        try:
            theirs = mode.native_function(bench, state)
            expected = mode.value(theirs, state)
        except Exception as error:
            result.note = f"native failed: {type(error).__name__}: {_first_line(error)}"
            theirs = None
        else:
            if not _close(value, expected):
                result.note = f"values differ: lossx {value:.7g}, native {expected:.7g}"
    steps = [mode.step(ours, state)] + ([mode.step(theirs, state)] if theirs else [])
    samples = interleaved(steps, repeat)
    result.lossx_s = statistics.median(samples[0])
    result.lossx_bytes = mode.peak_bytes(ours, state)
    if theirs:
        result.native_s = statistics.median(samples[1])
        result.overhead_s = statistics.median(a - b for a, b in zip(samples[0], samples[1], strict=True))
        result.native_bytes = mode.peak_bytes(theirs, state)
    return result


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else ""


def run(
    benchmarks: Sequence[Benchmark],
    modes: Sequence[str],
    sizes: Sequence[str],
    repeat: int | None = None,
    progress: Callable[[str], None] | None = None,
    seed: int = 0,
) -> list[Result]:
    """Every (size, loss, mode) cell; inputs are drawn once per size and loss, shared by the modes."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    built = {name: MODES[name]() for name in modes}
    results = []
    for size in sizes:
        n, c = parse_size(size)
        for bench in benchmarks:
            arrays = bench.make(np.random.default_rng(seed), n, c)
            for mode in built.values():
                if progress:
                    progress(f"{bench.loss} · {mode.name} · {size}")
                results.append(run_cell(bench, mode, size, arrays, repeat or DEFAULT_REPEAT.get(size, 9)))
            del arrays
            gc.collect()
    return results
