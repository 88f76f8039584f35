"""The global mean across processes, devices and replicas equals the full batch on one device.

Each framework's worker runs in a process of its own (XLA's host devices, TensorFlow's
logical CPUs and torch's process group are set up before anything else) and prints its
results (tests/distributed/problem.py); the batch's shards hold uneven numbers of valid
labels and one holds none. Values and gradients are compared with the independent float64
NumPy reference (rtol 1e-12) and, in float32, with the framework's full batch on one device
(rtol 1e-6, relative to each array's largest entry). The per-shard mean the frameworks
compute by default is recorded too, and must differ from the global mean: the problem
tells the two apart.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.distributed.problem import LOSS, decode, problem, reference
from tests.support.frameworks import backend_param, only_framework

HERE = Path(__file__).resolve().parent
#: A worker that runs longer is stuck (a collective waiting for a process that died): it is stopped.
WORKER_TIMEOUT_S = 300
OPTIONS_ID = "ignore_index+class_weight+sample_weight"


@functools.cache
def _worker(script: str, *arguments: str) -> dict[str, Any]:
    """The results of ``python -P tests/distributed/<script> <arguments>``, run once per test session."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    environment.pop("XLA_FLAGS", None)
    completed = subprocess.run(
        [sys.executable, "-P", str(HERE / script), *arguments],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        env=environment,
        cwd=HERE.parents[1],
    )
    assert completed.returncode == 0, f"{script} failed:\n{completed.stderr[-6000:]}"
    return decode(completed.stdout)


def _check(result: dict[str, Any], expected: dict[str, Any], single: dict[str, Any], dtype: str) -> None:
    """``result`` (value, weight and bias gradients) against the float64 reference, or the float32 single device."""
    for name in ("value", "weight", "bias"):
        got = np.asarray(result[name])
        assert np.all(np.isfinite(got)), f"{name} is not finite: {got}"
        if dtype == "float64":
            np.testing.assert_allclose(got, expected[name], rtol=1e-12, atol=0, err_msg=name)
        else:
            # Relative to the gradient's scale: an entry that is a difference of larger terms holds
            # an error of a float32 ulp of those terms (6e-8 of the scale), whatever its own size.
            want = np.asarray(single[name])
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.abs(want).max(), err_msg=name)


def _differs(result: dict[str, Any], expected: dict[str, Any]) -> None:
    assert abs(result["value"] - expected["value"]) > 1e-3 * abs(expected["value"]), (
        "the per-shard mean equals the global one: the problem does not tell them apart"
    )


#: The environment whose tests each worker's are: Keras on JAX is the Keras environments' (the one
#: on JAX runs it), Keras on TensorFlow TensorFlow's.
_OWNER = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow", "keras-jax": "keras"}


def _cases(framework: str, modes: list[str], adapter: str | None = None) -> list[Any]:
    """``(mode, dtype)`` parameters that run where ``framework`` is installed (and ``adapter``'s
    framework installed: Keras on that engine), in that framework's own environment."""
    name = framework if adapter is None else f"{adapter}-{framework}"
    missing = adapter is not None and importlib.util.find_spec(adapter) is None
    owner = only_framework(_OWNER.get(name, framework))
    cases = []
    for mode in modes:
        for dtype in ("float64", "float32"):
            case = backend_param(
                framework, mode, dtype, id=f"{LOSS}-{OPTIONS_ID}-{name}-{dtype}-{mode}", restricted=False
            )
            marks = [*case.marks, owner, pytest.mark.skipif(missing, reason=f"{adapter} is not installed")]
            cases.append(pytest.param(*case.values, id=case.id, marks=marks))
    return cases


#: Processes, and the modes run on them: compiled on 2 only (compiling in 4 processes on 2 cores takes half a minute).
TORCH_RUNS = {2: ["ddp", "ddp_compiled", "fsdp", "accumulated"], 4: ["ddp", "fsdp", "accumulated"]}


@pytest.mark.parametrize(
    "world, mode, dtype",
    [
        pytest.param(world, *case.values, id=f"{case.id}-{world}-processes", marks=case.marks)
        for world, modes in TORCH_RUNS.items()
        for case in _cases("torch", modes)
    ],
)
def test_torch_ddp_step_is_the_full_batch_step(world: int, mode: str, dtype: str) -> None:
    compiled = ("--compile",) if "ddp_compiled" in TORCH_RUNS[world] else ()
    results = _worker("torch_worker.py", "--world", str(world), *compiled)[dtype]
    expected = reference(problem(world))
    _check(results[mode], expected, results["single"], dtype)
    _differs(results["per_shard_mean"], expected)


@pytest.mark.parametrize("mode, dtype", _cases("jax", ["shard_map", "shard_map_inside", "pmap", "jit_sharded"]))
def test_jax_on_8_devices_is_the_full_batch(mode: str, dtype: str) -> None:
    results = _worker("jax_worker.py")[dtype]
    expected = reference(problem(8))
    _check(results[mode], expected, results["single"], dtype)
    _differs(results["per_shard_mean"], expected)


@pytest.mark.parametrize(
    "mode, dtype",
    _cases("tensorflow", ["custom_loop"]) + _cases("tensorflow", ["custom_loop_optimizer", "fit"], "keras"),
)
def test_mirrored_strategy_on_2_cpus_is_the_full_batch(mode: str, dtype: str) -> None:
    results = _worker("tf_worker.py")[dtype]
    keras_mean = mode == "fit"
    # Keras's "sum_over_batch_size" weights each loss but divides by the number of counted ones.
    expected = reference(problem(2), "count" if keras_mean else "weights")
    single = results["fit_single" if keras_mean else "custom_loop_single"]
    _check(results[mode], expected, single, dtype)
    if keras_mean:
        _differs(results["fit_per_shard_mean"], expected)


@pytest.mark.parametrize("mode, dtype", _cases("jax", ["fit", "fit_plain"], "keras"))
def test_keras_data_parallel_on_jax_is_the_full_batch(mode: str, dtype: str) -> None:
    results = _worker("keras_jax_worker.py")[dtype]
    _check(results[mode], reference(problem(8), "count"), results["fit_single"], dtype)
