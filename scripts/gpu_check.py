"""On a machine with a GPU: every loss on the accelerator against the same call on the CPU.

    python scripts/gpu_check.py            # torch (CUDA) and JAX (GPU), whichever is present

For every showcase option set of every loss (``LossSpec.showcase``, the sets ``lossx
compare`` runs), the float64 example inputs go through the torch module on ``cuda`` and
on ``cpu``, and through ``jax.jit(jax.value_and_grad(...))`` on the GPU and the CPU;
the value and the gradient with respect to the prediction must agree to 1e-10 relative.
The CPU results are what the test matrix checks against independent references, so
agreement carries that check over to the accelerator. CI has no GPU: this is a manual
check, run where one is lent (it found class indices made on the CPU for CUDA inputs).
Exits 1 if any option set differs or fails.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

import lossx
from lossx._registry import registered

TOLERANCE = 1e-10


def relative_difference(a: Any, b: Any) -> float:
    """max |a − b| / max(|b|, 1), with equal infinities counted as equal."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.size == 0:
        return 0.0
    same_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    difference = np.where(same_inf, 0.0, np.abs(a - b)) / np.maximum(np.abs(b), 1.0)
    return float(np.nanmax(np.where(np.isnan(a) & np.isnan(b), 0.0, difference)))


def torch_runner() -> Callable[..., tuple] | None:
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    from lossx.backends import torch as lossx_torch

    def run(spec: Any, options: dict, inputs: tuple, on_accelerator: bool) -> tuple:
        device = "cuda" if on_accelerator else "cpu"
        tensors = [torch.tensor(a, device=device, requires_grad=(i == 0)) for i, a in enumerate(inputs)]
        value = getattr(lossx_torch, spec.camel_name)(**options).to(device)(*tensors)
        value.backward()
        return value.detach().cpu().numpy(), tensors[0].grad.cpu().numpy()

    return run


def jax_runner() -> Callable[..., tuple] | None:
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    try:
        gpu, cpu = jax.devices("gpu")[0], jax.devices("cpu")[0]
    except RuntimeError:
        return None
    from lossx.backends import jax as lossx_jax

    def run(spec: Any, options: dict, inputs: tuple, on_accelerator: bool) -> tuple:
        arrays = [jax.device_put(np.asarray(a), gpu if on_accelerator else cpu) for a in inputs]
        loss = getattr(lossx_jax, spec.name)
        value, gradient = jax.jit(jax.value_and_grad(lambda x, *rest: loss(x, *rest, **options)))(*arrays)
        return np.asarray(value), np.asarray(gradient)

    return run


def main() -> int:
    runners = {name: run for name, run in (("torch", torch_runner()), ("jax", jax_runner())) if run is not None}
    if not runners:
        print("No GPU found for torch or JAX: nothing to check.")
        return 0
    rng = np.random.default_rng(0)
    checked = failed = 0
    for spec in registered():
        for options in spec.showcase:
            inputs = spec.example(rng, dict(options))
            cells = []
            for name, run in runners.items():
                try:
                    accelerator, host = run(spec, dict(options), inputs, True), run(spec, dict(options), inputs, False)
                    difference = max(relative_difference(a, h) for a, h in zip(accelerator, host, strict=True))
                    ok = difference <= TOLERANCE
                    cells.append(f"{name} {difference:.1e}" + ("" if ok else " DIFFERS"))
                except Exception:  # a failure on the accelerator is what this script looks for
                    ok = False
                    cells.append(f"{name} FAILED: {traceback.format_exc().strip().splitlines()[-1]}")
                failed += not ok
            checked += 1
            print(f"{spec.name:40s} {str(dict(options))[:56]:56s} " + "  ".join(cells))
    print(
        f"{checked} option sets on {', '.join(runners)} (lossx {lossx.__version__}): "
        f"{failed} differ from the CPU by more than {TOLERANCE:g} or fail."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
