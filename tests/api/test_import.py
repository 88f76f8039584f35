"""`import lossx` never imports a deep-learning framework."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest


def test_import_lossx_imports_no_framework():
    script = (
        "import sys, lossx, lossx.primitives, lossx.testing\n"
        "import numpy as np\n"
        "lossx.huber(np.ones(3), np.zeros(3))\n"
        "print([m for m in ('torch', 'jax', 'tensorflow', 'keras') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_import_lossx_does_not_import_rich():
    script = "import sys, lossx; print('rich' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ----------------------------------------------------------------- frameworks absent or broken (docs/semantics.md:
# optional frameworks, backend configuration)

#: What each backend blocks to look absent: the framework and, for keras, its engines' own names.
BLOCKED = {"torch": ("torch",), "jax": ("jax", "jaxlib"), "keras": ("keras", "tensorflow")}

_ASK_FOR_IT = """
import importlib, json, os, sys
import numpy as np
import lossx, lossx.backends.numpy
report = {"installed": list(lossx.installed_backends())}
# Everything else works: the generic functions, the NumPy adapter, the testing helpers, the default get.
report["generic"] = float(lossx.huber(np.array([3.0]), np.array([0.0]), delta=2.0))
report["numpy_object"] = float(lossx.backends.numpy.Huber(delta=2.0)([3.0], [0.0]))
import lossx.testing
report["get_default"] = type(lossx.get("mse")).__module__

def attempt(label, action):
    try:
        action()
    except Exception as error:
        report[label] = {"types": [c.__name__ for c in type(error).__mro__], "message": str(error)}
    else:
        report[label] = None

def use():
    with lossx.use_backend(NAME):
        pass

def get_through_env():
    os.environ["LOSSX_BACKEND"] = NAME
    try:
        lossx.get("huber", delta=2.0)
    finally:
        del os.environ["LOSSX_BACKEND"]

def facade_through_env():
    os.environ["LOSSX_BACKEND"] = NAME
    try:
        lossx.Huber(delta=2.0)
    finally:
        del os.environ["LOSSX_BACKEND"]

attempt("import_adapter", lambda: importlib.import_module("lossx.backends." + NAME))
attempt("set_backend", lambda: lossx.set_backend(NAME))
attempt("use_backend", use)
attempt("get", get_through_env)
attempt("facade", facade_through_env)
attempt("load", lambda: lossx.backends.load(NAME))
print(json.dumps(report))
"""


def _child(name: str, prelude: str = "", env: dict | None = None) -> dict:
    script = prelude + f"NAME = {name!r}\n" + textwrap.dedent(_ASK_FOR_IT)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _check_everything_else_works(report: dict) -> None:
    assert report["generic"] == 2.0 * (3.0 - 1.0)
    assert report["numpy_object"] == 2.0 * (3.0 - 1.0)
    assert report["get_default"] == "lossx.backends.numpy"


@pytest.mark.parametrize("name", list(BLOCKED))
def test_absent_framework_is_refused_with_the_extra_to_install(name):
    """Any env: the framework is blocked in the child (``sys.modules[name] = None``), as if uninstalled."""
    prelude = f"import sys\nfor blocked in {BLOCKED[name]!r}:\n    sys.modules[blocked] = None\n"
    report = _child(name, prelude)
    _check_everything_else_works(report)
    assert name not in report["installed"] and "numpy" in report["installed"]
    hint = f"pip install 'lossx[{name}]'"
    for label in ("import_adapter", "set_backend", "use_backend", "get", "facade", "load"):
        error = report[label]
        assert error is not None, f"{label}: no error for the absent {name}"
        assert {"LossxError", "BackendError", "ValueError"} <= set(error["types"]), (label, error)
        assert hint in error["message"], (label, error["message"])
        assert "Installed here: numpy" in error["message"], (label, error["message"])
    # The adapter module is also an ImportError, as the framework itself would be.
    assert {"MissingFrameworkError", "ImportError"} <= set(report["import_adapter"]["types"])
    assert f"lossx.backends.{name} needs the {name} framework" in report["import_adapter"]["message"]


def test_tensorflow_alias_names_the_keras_extra():
    prelude = "import sys\nsys.modules['keras'] = None\nsys.modules['tensorflow'] = None\n"
    report = _child("tensorflow", prelude)
    assert "pip install 'lossx[keras]'" in report["set_backend"]["message"]
    assert "The keras backend is not installed" in report["use_backend"]["message"]


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_broken_framework_is_refused_with_its_import_error_and_the_extra(name, tmp_path):
    """A framework that is installed but fails to import (a missing shared library, say)."""
    fake = tmp_path / name
    fake.mkdir()
    (fake / "__init__.py").write_text(f"raise ImportError('lib{name}.so: cannot open shared object file')\n")
    report = _child(name, env={"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])})
    _check_everything_else_works(report)
    assert name in report["installed"]  # found on disk: only importing it fails
    assert report["set_backend"] is None and report["use_backend"] is None
    for label in ("import_adapter", "get", "facade", "load"):
        error = report[label]
        assert error is not None and "LossxError" in error["types"], (label, error)
        assert f"lib{name}.so: cannot open shared object file" in error["message"], (label, error["message"])
        assert f"pip install 'lossx[{name}]'" in error["message"], (label, error["message"])
