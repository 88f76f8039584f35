"""Shared test helpers: which frameworks are installed, and NumPy <-> framework conversion.

Every framework import is guarded and lazy: the suite also runs in environments
with only NumPy, only torch, only JAX, or Keras with one engine.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

# Before any test imports TensorFlow or JAX: silence TF's C++ logging, and make
# JAX float64 real float64 (without x64 JAX silently computes in float32).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

_FRAMEWORK_MODULES = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}
BACKENDS = tuple(_FRAMEWORK_MODULES)


def installed(backend: str) -> bool:
    """Whether ``backend``'s framework can be imported (found without importing it)."""
    try:
        return importlib.util.find_spec(_FRAMEWORK_MODULES[backend]) is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules (set to None)
        return False


#: ``LOSSX_TEST_BACKENDS`` (comma-separated) limits the per-backend parametrised tests to
#: those backends. The single-framework tox environments set it to ``numpy``: there the
#: framework is exercised by its own test files and the smoke matrix, and its cells in the
#: other per-backend files are the ``all`` environment's.
_TEST_BACKENDS = [b for b in os.environ.get("LOSSX_TEST_BACKENDS", "").split(",") if b]


def _skip_reason(backend: str, restricted: bool) -> str | None:
    if not installed(backend):
        return f"{backend} is not installed"
    if restricted and _TEST_BACKENDS and backend not in _TEST_BACKENDS:
        return f"{backend} is not among LOSSX_TEST_BACKENDS={','.join(_TEST_BACKENDS)}"
    return None


def backend_param(backend: str, *values: Any, id: str | None = None, restricted: bool = True) -> Any:
    """A ``pytest.param`` that skips cleanly when ``backend`` is not installed (or not tested here).

    ``restricted=False``: ``LOSSX_TEST_BACKENDS`` does not apply (the smoke matrix).
    """
    reason = _skip_reason(backend, restricted)
    return pytest.param(
        *(values or (backend,)),
        id=id or backend,
        marks=pytest.mark.skipif(reason is not None, reason=reason or ""),
    )


def framework(backend: str) -> Any:
    """The framework module of ``backend``, imported now (skips the test if absent)."""
    module = pytest.importorskip(_FRAMEWORK_MODULES[backend])
    if backend == "jax":
        module.config.update("jax_enable_x64", True)
    return module


def dtype_of(backend: str, name: str) -> Any:
    """The ``backend`` dtype called ``name`` (``"float32"``, ``"int64"``, ``"bool"``, ...)."""
    if backend == "numpy":
        return np.dtype(name)
    if backend == "jax":
        return getattr(framework("jax").numpy, name)
    return getattr(framework(backend), name)


def to_backend(backend: str, array: Any, dtype: str | None = None) -> Any:
    """A NumPy array (or array-like) as a ``backend`` array, optionally cast to ``dtype``."""
    array = np.asarray(array)
    if dtype is not None:
        array = array.astype(dtype)
    if backend == "numpy":
        return array
    if backend == "torch":
        return framework("torch").from_numpy(array.copy())
    if backend == "jax":
        return framework("jax").numpy.asarray(array)
    if backend == "tensorflow":
        return framework("tensorflow").convert_to_tensor(array)
    raise ValueError(f"unknown backend {backend!r}; use one of {BACKENDS}")


def to_numpy(x: Any) -> np.ndarray:
    """Any framework's array (or a scalar) as a NumPy array."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        return np.asarray(x.numpy())
    return np.asarray(x)


@pytest.fixture(params=[backend_param(b) for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    """Each installed backend's name in turn."""
    return request.param


# Hypothesis profiles (tests/test_properties.py): "ci", the default, is derandomized with a
# fixed example budget, so every run draws the same examples; HYPOTHESIS_PROFILE=dev draws
# ten times as many, at random, for a developer hunting counterexamples.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is only needed by the property tests
    pass
else:
    _SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    settings.register_profile(
        "ci", derandomize=True, max_examples=100, deadline=None, print_blob=True,
        suppress_health_check=_SLOW_DRAWS,
    )
    # The single-framework tox environments: a third of the examples (the `all` environment
    # draws them all, on every backend).
    settings.register_profile(
        "smoke", derandomize=True, max_examples=34, deadline=None, print_blob=True,
        suppress_health_check=_SLOW_DRAWS,
    )
    settings.register_profile(
        "dev", max_examples=1000, deadline=None, print_blob=True, suppress_health_check=_SLOW_DRAWS,
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
