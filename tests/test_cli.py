"""The `lossx` command."""

from __future__ import annotations

import subprocess
import sys

import lossx
from lossx.cli import main


def test_list_shows_every_loss_and_the_installed_backends(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in lossx.loss_names():
        assert name[:12] in out
    assert "Installed backends: numpy" in out


def test_compare_one_loss_passes(capsys):
    assert main(["compare", "huber"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "PASS" in out
    assert " 0 failed" in out


def test_compare_unknown_loss_exits_2(capsys):
    assert main(["compare", "hubber"]) == 2
    assert "Unknown loss 'hubber'" in capsys.readouterr().out


@lossx.define_loss
def float32_drifting_error(xp, y_pred, y_true):
    """A deliberately wrong loss: 0.1% too large in float32, to prove compare catches it."""
    squared = (y_pred - y_true) ** 2
    return squared * 1.001 if y_pred.dtype == xp.float32 else squared


def test_compare_reports_a_wrong_result_as_fail_and_exits_1(capsys):
    assert main(["compare", "float32_drifting_error"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and " 0 failed" not in out


def test_python_dash_m_lossx():
    result = subprocess.run([sys.executable, "-m", "lossx", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"lossx {lossx.__version__}"


def test_docs_catalogue_is_generated_from_the_registry():
    from pathlib import Path

    from lossx.cli import catalogue_markdown

    builtin = [line for line in catalogue_markdown().split("\n## `") if line.split("`")[0] in lossx.losses.__all__]
    docs = (Path(__file__).resolve().parent.parent / "docs" / "losses.md").read_text()
    for section in builtin:
        assert section in docs, "docs/losses.md is stale: regenerate with `lossx list --markdown > docs/losses.md`"
