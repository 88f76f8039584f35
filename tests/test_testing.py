"""lossx.testing.compare: its result reads as one line, and a failing cell keeps its error to itself."""

from __future__ import annotations

import numpy as np
import pytest

import lossx
import lossx.testing
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
    assert isinstance(result, Comparison) and len(result) == 2 and result.passed
    assert all(isinstance(row, Deviation) for row in result) and result[0].dtype == "float64"
    worst = max(result, key=lambda row: row.value / row.tolerance)
    assert result.summary == (
        f"huber (delta=0.5): 2 cells, 2 passed, 0 failed; worst value deviation {worst.value:.1e} "
        f"(numpy eager {worst.dtype}, tolerance {worst.tolerance:.0e})")
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
    (failure,) = result.failures
    assert (failure.framework, failure.dtype, failure.error) == ("numpy", "float32", None)
    assert failure.problem == f"value deviation {failure.value:.1e} above the tolerance 1e-05"
    assert 9e-4 < failure.value < 1.1e-3  # the 0.1% drift, against a reference of about 1
    assert result.summary.startswith("off_by_a_thousandth: 2 cells, 1 passed, 1 failed; ")
    assert result.summary.endswith(f"; first failure: numpy eager float32 {failure.problem}")
    assert repr(result).splitlines() == [
        f"<Comparison {result.summary}",
        f"  FAIL off_by_a_thousandth (defaults) numpy eager float32: {failure.problem}>",
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
    assert isinstance(result, Comparison) and len(result) == 2 * option_sets
    assert result.summary.startswith(f"2 losses, {option_sets} option sets: {2 * option_sets} cells, ")
    worst = max(result, key=lambda row: row.value / row.tolerance)
    assert f"worst value deviation {worst.value:.1e} ({worst.loss} ({worst.options}): numpy eager " in result.summary
