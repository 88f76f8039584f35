"""Shared test helpers: which frameworks are installed, and NumPy <-> framework conversion.

Every framework import is guarded and lazy: the suite also runs in environments
with only NumPy, only torch, only JAX, or Keras with one engine. The environment
(TensorFlow's logging, JAX's x64) is set up by tests/conftest.py, before any test
module imports a framework.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

import numpy as np
import pytest

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


#: ``LOSSX_FRAMEWORK_TESTS`` (comma-separated: ``torch``, ``jax``, ``tensorflow``, ``keras``; or
#: ``none``) names the frameworks whose own tests (marked :func:`only_framework`) run here;
#: unset or empty, every one. Each framework's tox environment runs its own framework's, once, and the
#: environments that merely have it installed (`all`, Keras on torch or JAX) leave them out.
_FRAMEWORK_TESTS = os.environ.get("LOSSX_FRAMEWORK_TESTS") or None
OWN_TEST_FRAMEWORKS = ("torch", "jax", "tensorflow", "keras")


def only_framework(name: str) -> pytest.MarkDecorator:
    """Mark a test that uses no framework but ``name`` (one of :data:`OWN_TEST_FRAMEWORKS`)."""
    if name not in OWN_TEST_FRAMEWORKS:
        raise ValueError(f"only_framework({name!r}): use one of {OWN_TEST_FRAMEWORKS}")
    return pytest.mark.only_framework(name)


def runs_framework_tests(name: str) -> bool:
    """Whether this environment runs the tests marked ``only_framework(name)``."""
    return _FRAMEWORK_TESTS is None or name in _FRAMEWORK_TESTS.split(",")


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
