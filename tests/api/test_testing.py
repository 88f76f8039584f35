"""lossx.testing.compare: its result reads as one line, and a failing cell keeps its error to itself."""

from __future__ import annotations

import numpy as np
import pytest

import lossx
import lossx.testing
from lossx.presets import presets
from lossx.testing import FINITE_DIFFERENCES, TOLERANCE, Comparison, Deviation

OTHERS = [f for f in lossx.testing.installed_frameworks() if f != "numpy"]
needs_a_framework = pytest.mark.skipif(not OTHERS, reason="needs a framework besides NumPy")


@lossx.define_loss
def raises_off_numpy(xp, y_pred, y_true):
    """A deliberately broken loss: it raises on every framework but NumPy."""
    if not isinstance(y_pred, np.ndarray):
        raise RuntimeError("raises_off_numpy runs on NumPy only")
    return (y_pred - y_true) ** 2


@lossx.define_loss
def off_by_a_thousandth(xp, y_pred, y_true):
    """A deliberately wrong loss: 0.1% too large in float32."""
    squared = (y_pred - y_true) ** 2
    return squared * 1.001 if y_pred.dtype == xp.float32 else squared


def test_a_passing_comparison_reads_as_one_line():
    result = lossx.testing.compare("huber", {"delta": 0.5}, frameworks=("numpy",))
    assert isinstance(result, Comparison) and len(result) == 4 and result.passed
    assert [(row.mode, row.dtype) for row in result] == [
        ("eager", "float64"),
        ("class", "float64"),
        ("eager", "float32"),
        ("class", "float32"),
    ]
    assert all(isinstance(row, Deviation) for row in result) and result[0].dtype == "float64"
    worst = max(result, key=lambda row: row.value / row.tolerance)
    assert result.summary == (
        f"huber (delta=0.5): 4 cells, 4 passed, 0 failed; worst value deviation {worst.value:.1e} "
        f"(numpy {worst.mode} {worst.dtype}, tolerance {worst.tolerance:.0e})"
    )
    assert repr(result) == f"<Comparison {result.summary}>"
    assert "\n" not in result.summary and result.failures == ()
    assert isinstance(result[:1], Comparison) and result[:1].rows == result.rows[:1]


def test_a_comparison_has_no_truth_value():
    result = lossx.testing.compare("off_by_a_thousandth", frameworks=("numpy",))
    assert not result.passed
    with pytest.raises(TypeError, match=r"use \.passed"):
        assert result


def test_a_wrong_number_fails_with_its_deviation():
    result = lossx.testing.compare("off_by_a_thousandth", frameworks=("numpy",))
    failures = result.failures
    assert [(f.framework, f.mode, f.dtype, f.error) for f in failures] == [
        ("numpy", "eager", "float32", None),
        ("numpy", "class", "float32", None),
    ]
    first = failures[0]
    assert first.problem == f"value deviation {first.value:.1e} above the tolerance 1e-05"
    assert 9e-4 < first.value < 1.1e-3  # the 0.1% drift, against a reference of about 1
    assert result.summary.startswith("off_by_a_thousandth: 4 cells, 2 passed, 2 failed; ")
    assert result.summary.endswith(f"; first failure: numpy eager float32 {first.problem}")
    assert repr(result).splitlines() == [
        f"<Comparison {result.summary}",
        f"  FAIL off_by_a_thousandth (defaults) numpy eager float32: {first.problem}",
        f"  FAIL off_by_a_thousandth (defaults) numpy class float32: {failures[1].problem}>",
    ]


@needs_a_framework
def test_a_failing_cell_keeps_its_error_in_its_own_field():
    result = lossx.testing.compare("raises_off_numpy", frameworks=("numpy", *OTHERS))
    assert not result.passed
    for row in result:
        assert row.options == "defaults", "the option label carries no error text"
        assert row.mode in (*lossx.testing.MODES[row.framework], FINITE_DIFFERENCES)
        if row.framework == "numpy":
            assert row.passed and row.error is None and row.value <= TOLERANCE[row.dtype]
        else:
            assert not row.passed and (row.value, row.gradient) == (None, None)
            assert row.error.startswith("RuntimeError: ")
            assert row.problem == "raised RuntimeError: raises_off_numpy runs on NumPy only"
    assert "first failure:" in result.summary and "raised RuntimeError: raises_off_numpy runs" in result.summary
    assert "\n" not in result.summary


@needs_a_framework
def test_the_reference_gradient_is_checked_against_finite_differences():
    result = lossx.testing.compare("huber", frameworks=("numpy", *OTHERS), dtypes=("float64",))
    (check,) = [row for row in result if row.mode == FINITE_DIFFERENCES]
    assert check.value is None and check.gradient is not None and check.passed


def test_compare_all_is_one_comparison_over_the_option_sets():
    result = lossx.testing.compare_all(["huber", "mse"], frameworks=("numpy",))
    option_sets = len(lossx.lookup("huber").showcase) + len(lossx.lookup("mse").showcase)
    cells = 2 * 2 * option_sets  # (eager, class) x (float64, float32); no drop-ins without torch or Keras
    assert isinstance(result, Comparison) and len(result) == cells
    assert result.summary.startswith(f"2 losses, {option_sets} option sets: {cells} cells, ")
    worst = max(result, key=lambda row: row.value / row.tolerance)
    assert f"worst value deviation {worst.value:.1e} ({worst.loss} ({worst.options}): numpy eager " in result.summary


def test_every_class_named_like_a_frameworks_own_is_a_drop_in():
    """Presets, and lossx Keras classes whose CamelCase name is one of keras.losses'."""
    keras = pytest.importorskip("keras")
    found = {(d.framework, d.name) for d in lossx.testing.drop_ins()}
    for spec in lossx.registered():
        if spec.name in lossx.losses.__all__ and hasattr(keras.losses, spec.camel_name):
            assert ("keras", spec.camel_name) in found, f"keras.losses.{spec.camel_name} has no drop-in check"
    for preset in presets():
        assert (preset.framework, preset.name) in found


def _own_classes(framework):
    module = pytest.importorskip("torch").nn if framework == "torch" else pytest.importorskip("keras").losses
    return module


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_drop_ins_match_the_frameworks_own_classes(framework):
    if framework not in lossx.testing.installed_frameworks():
        pytest.skip(f"{framework} is not installed")
    own = _own_classes(framework)
    checked = [d for d in lossx.testing.drop_ins() if d.framework == framework and hasattr(own, d.name)]
    result = Comparison(tuple(row for d in checked for row in lossx.testing.compare_drop_in(d)))
    assert result.passed, result
    assert {row.options for row in result} == {f"{framework} {d.name}" for d in checked}
    expected_dtypes = {"float32"} if framework == "keras" else {"float64", "float32"}
    assert {row.dtype for row in result} == expected_dtypes
    assert all(row.mode == lossx.testing.DROP_IN and row.gradient is not None for row in result)


def test_a_drop_in_that_disagrees_fails(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(lossx.testing, "_own_class", lambda drop_in: torch.nn.MSELoss)
    drop_in = next(d for d in lossx.testing.drop_ins("mean_absolute_error") if d.framework == "torch")
    result = lossx.testing.compare_drop_in(drop_in)
    assert not result.passed and all(row.value > 0.1 for row in result), "lossx's L1Loss is not torch's MSELoss"
