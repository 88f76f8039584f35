"""The "numerical notes" page: lossx is right where torch, optax and Keras fail.

The cases live in ``scripts/numerical_notes.py`` (``CASES``), shared with the page it
writes (``docs/numerical-notes.md``). For every case this checks that lossx is finite
and within the numerical promise's tolerance of the script's mpmath value, and that the framework's
failure still reproduces: a framework that fixes its bug fails the test, so the page
gets updated. Keras cases run on this process's Keras engine (each tox Keras
environment covers one engine); the page test regenerates all of them, one
subprocess per engine, and runs where every framework is installed (tox ``all``).
"""

from __future__ import annotations

import difflib
import importlib.util
import math
import sys
from pathlib import Path

import pytest

from tests.support.frameworks import installed

pytest.importorskip("mpmath")

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "numerical-notes.md"
_spec = importlib.util.spec_from_file_location("numerical_notes", ROOT / "scripts" / "numerical_notes.py")
notes = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = notes  # dataclasses resolve the module's annotations through sys.modules
_spec.loader.exec_module(notes)

MODULES = {"torch": ("torch",), "optax": ("jax", "optax"), "keras": ("keras",)}


def _require(*modules: str) -> None:
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # ValueError: blocked in sys.modules (set to None)
            found = False
        if not found:
            pytest.skip(f"{module} is not installed")


def _finite(measured) -> bool:
    return all(math.isfinite(v) for v in (measured.value, *(measured.grad or ())))


@pytest.mark.parametrize("case", notes.CASES, ids=[f"{c.name}-{c.dtype}" for c in notes.CASES])
def test_lossx_is_right_where_the_framework_fails(case):
    _require(*MODULES[case.framework])
    truth = case.truth()
    assert _finite(truth), f"{case.name}: every case has a finite true value"

    ours = case.measure_lossx()
    assert _finite(ours), f"{case.name}: lossx gave {ours} on {case.inputs}"
    assert notes.agrees(ours, truth, case.dtype), f"{case.name}: lossx gave {ours}, the true value is {truth}"

    theirs = case.measure_anchor()
    where = f"Keras on {notes.keras_engine()}" if case.framework == "keras" else case.framework
    expected_to_fail = case.framework != "keras" or notes.keras_engine() in case.fails_on
    assert notes.agrees(theirs, truth, case.dtype) is not expected_to_fail, (
        f"{case.name}: {where} now gives {theirs} (true value {truth}); the framework's behaviour changed. "
        f"Update the case in scripts/numerical_notes.py and regenerate the page: {notes.PAGE_COMMAND}"
    )


def test_every_framework_is_caught_at_least_five_times():
    assert len(notes.CASES) >= 5
    assert {case.framework for case in notes.CASES} == set(MODULES)
    assert len(notes.BY_NAME) == len(notes.CASES), "case names are unique: they are the CLI arguments"


def _without_versions(page: str) -> list[str]:
    # The versions line records what the page was measured with; a newer framework that
    # gives the same numbers does not make the page wrong, different numbers do.
    return [line for line in page.splitlines() if not line.startswith("Measured with:")]


@pytest.mark.skipif(
    not all(installed(b) for b in ("torch", "jax", "tensorflow")), reason="needs torch, JAX and TensorFlow"
)
def test_checked_in_page_is_the_scripts_output():
    _require("optax", "keras")
    expected = _without_versions(notes.render_page())
    actual = _without_versions(PAGE.read_text(encoding="utf-8"))
    diff = "\n".join(difflib.unified_diff(actual, expected, "docs/numerical-notes.md", "script output", lineterm=""))
    assert actual == expected, f"the page is out of date; regenerate it with `{notes.PAGE_COMMAND}`:\n{diff}"
