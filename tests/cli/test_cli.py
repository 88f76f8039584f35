"""The `lossx` command: the catalogue, compare and bench, at the terminal's width."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from rich.cells import cell_len

import lossx
import lossx.testing
from lossx.backends import unavailable
from lossx.cli import _paragraphs, families, main, terminal_text

COMMANDS = ("list", "compare", "bench")


def run(capsys, monkeypatch, argv, columns=80):
    """``lossx ARGV`` in a terminal ``columns`` wide: (exit status, the lines it printed)."""
    monkeypatch.setenv("COLUMNS", str(columns))
    status = main(argv)
    return status, capsys.readouterr().out.splitlines()


def entries(lines):
    """The losses the overview lists: its lines that start with a loss name, indented by two."""
    names = set(lossx.loss_names())
    return [
        line.split()[0]
        for line in lines
        if line.startswith("  ") and not line.startswith("   ") and line.split() and line.split()[0] in names
    ]


def flat(lines):
    """The printed text with every run of whitespace (line breaks included) as one space."""
    return " ".join(" ".join(lines).split())


def assert_fits(lines, columns, written=None):
    """Every line fits, but for a line holding only the path of a written file (printed whole, to be copied)."""
    too_wide = [
        line
        for line in lines
        if cell_len(line.rstrip()) > columns and not (written and line.strip().rstrip(".") == str(written))
    ]
    assert not too_wide, f"{len(too_wide)} lines wider than {columns} columns, e.g. {too_wide[0]!r}"


def assert_plain(lines):
    text = "\n".join(lines)
    assert "``" not in text and not re.search(r":(func|class|meth|mod|data):`", text), "raw reStructuredText"


@pytest.mark.parametrize("columns", [80, 200])
def test_list_names_every_loss_whole_at_the_terminals_width(capsys, monkeypatch, columns):
    status, lines = run(capsys, monkeypatch, ["list"], columns)
    assert status == 0
    assert entries(lines) == [spec.name for specs in families().values() for spec in specs]
    assert sorted(entries(lines)) == sorted(lossx.loss_names())
    assert_fits(lines, columns)
    assert_plain(lines)
    assert any(line.startswith("Installed backends: numpy") for line in lines)


def test_list_uses_a_wide_terminal(capsys, monkeypatch):
    _, lines = run(capsys, monkeypatch, ["list"], 200)
    stripped = {line.strip() for line in lines}
    for spec in lossx.lookup("scce"), lossx.lookup("tversky"):
        summary = terminal_text(spec.summary).plain
        assert summary in stripped, f"{spec.name}'s summary is wrapped at 200 columns"


def test_families_are_the_loss_modules_then_custom():
    grouped = families()
    assert list(grouped)[: len(lossx.losses.FAMILIES)] == [
        module.__name__.rsplit(".", 1)[-1] for module in lossx.losses.FAMILIES
    ]
    assert [spec.name for spec in grouped["custom"]] == [
        name for name in lossx.loss_names() if name not in lossx.losses.__all__
    ]
    assert "float32_drifting_error" in [spec.name for spec in grouped["custom"]]


@pytest.mark.parametrize("family", ["overlap", "sequence", "custom"])
def test_list_family_shows_only_that_family(capsys, monkeypatch, family):
    status, lines = run(capsys, monkeypatch, ["list", "--family", family])
    assert status == 0
    assert entries(lines) == [spec.name for spec in families()[family]]


def test_list_families_repeat(capsys, monkeypatch):
    _, lines = run(capsys, monkeypatch, ["list", "--family", "sequence", "--family", "overlap"])
    assert entries(lines) == [
        "dice",
        "generalized_dice",
        "tversky",
        "focal_tversky",
        "jaccard",
        "mcc",
        "lovasz_hinge",
        "lovasz_softmax",
        "ctc",
    ]


def test_unknown_family_exits_2_and_lists_the_families(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["list", "--family", "regresion"])
    assert status == 2
    text = flat(lines)
    assert "unknown family 'regresion'" in text
    assert all(family in text for family in families())


@pytest.mark.parametrize(
    "name, loss",
    [
        ("huber", "huber"),
        ("scce", "sparse_categorical_cross_entropy"),
        ("SparseCategoricalCrossEntropy", "sparse_categorical_cross_entropy"),
        ("torch:CrossEntropyLoss", "sparse_categorical_cross_entropy"),
        ("gaussian_nll", "gaussian_nll"),
        ("ctc", "ctc"),
        ("float32_drifting_error", "float32_drifting_error"),
    ],
)
def test_list_one_loss_shows_it_whole(capsys, monkeypatch, name, loss):
    status, lines = run(capsys, monkeypatch, ["list", name])
    assert status == 0
    assert_fits(lines, 80)
    assert_plain(lines)
    spec = lossx.lookup(loss)
    text = flat(lines)
    assert lines[0].startswith(f"{spec.name} · ")
    for paragraph in _paragraphs(spec.doc):
        assert flat([terminal_text(paragraph).plain]) in text
    for spec_input in spec.inputs:
        optional = ", optional" if spec_input.optional else ""
        assert (
            flat([f"{spec_input.name} kind: {spec_input.kind}{optional}", terminal_text(spec_input.doc).plain]) in text
        )
    for option in spec.options:
        assert f"{option.name} = {option.default!r} valid: {flat([option.range_text()])}" in text
        assert flat([terminal_text(option.doc).plain]) in text
    for alias in spec.aliases:
        assert alias in text
    for preset in lossx.presets.presets():
        assert (f"lossx.backends.{preset.framework}.{preset.name} " in text) == (preset.loss == spec.name)
    reason = unavailable(spec, "keras")
    assert (f"no Keras class: {reason}" in text) if reason else "torch, jax and keras" in text


def test_list_unknown_loss_exits_2_and_lists_the_losses(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["list", "hubber"])
    assert status == 2
    text = flat(lines)
    assert "Unknown loss 'hubber'" in text and "Did you mean 'huber'" in text
    assert all(name in text for name in lossx.loss_names())


def test_list_markdown_takes_no_filter(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["list", "--markdown", "--family", "overlap"])
    assert status == 2 and "--markdown prints the whole catalogue" in flat(lines)


@pytest.mark.parametrize("argv", [[], *([command] for command in COMMANDS)], ids=["lossx", *COMMANDS])
def test_help_describes_the_command_and_its_exit_status(capsys, monkeypatch, argv):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exit:
        main([*argv, "--help"])
    assert exit.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert_fits(lines, 80)
    assert_plain(lines)
    text = flat(lines)
    headings = ("commands:", "positional arguments:", "options:")
    description = lines[lines.index("") + 1 : next(i for i, line in enumerate(lines) if line in headings)]
    assert len(flat(description)) > 40, "a description between the usage and the arguments"
    assert re.search(r"Exit status: 0 [^;]+; .*2 for ", text), "says what each exit status means"


def _own_classes(framework):
    return __import__("torch").nn if framework == "torch" else __import__("keras").losses


def _expected_cells(name, frameworks, dtypes=("float64", "float32")):
    """Cells of `lossx compare NAME`: every run of every option set per dtype, the finite-difference
    check of the reference gradient (float64), and the drop-in classes (Keras's in float32 only)."""
    option_sets = len(lossx.lookup(name).showcase)
    runs = sum(len(lossx.testing.MODES[f]) for f in frameworks)
    gradient_checks = "float64" in dtypes and any(f in frameworks for f in ("jax", "torch", "tensorflow"))
    drop_in_cells = 0
    for drop_in in lossx.testing.drop_ins(name):
        if drop_in.framework in frameworks and hasattr(_own_classes(drop_in.framework), drop_in.name):
            drop_in_cells += sum(drop_in.framework != "keras" or dtype == "float32" for dtype in dtypes)
    return option_sets * (runs * len(dtypes) + gradient_checks) + drop_in_cells


def test_compare_one_loss_passes_and_fits_80_columns(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["compare", "huber"])
    assert status == 0
    assert_fits(lines, 80)
    text = "\n".join(lines)
    assert "FAIL" not in text and "PASS" not in text, "the default output is the summary, not every cell"
    frameworks = lossx.testing.installed_frameworks()
    cells = _expected_cells("huber", frameworks)
    assert f": {cells} cells, {cells} passed, 0 failed; worst value deviation" in flat(lines)
    table_rows = [line.split("│") for line in lines if line.startswith("│")]
    assert {row[1].strip() for row in table_rows if row[1].strip()} == set(frameworks), "a row per framework"


def test_compare_verbose_prints_every_run_on_a_line(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["compare", "huber", "--verbose"])
    assert status == 0
    assert_fits(lines, 80)
    for framework in lossx.testing.installed_frameworks():
        for mode in lossx.testing.MODES[framework]:
            assert any(line.split("│")[1].strip() == f"{framework} {mode}" for line in lines if "│" in line), (
                f"the run '{framework} {mode}' is not on one line"
            )
    assert sum("PASS" in line for line in lines) == _expected_cells("huber", lossx.testing.installed_frameworks())


def test_compare_backend_and_dtype_choose_the_cells(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["compare", "huber", "--backend", "numpy", "--dtype", "float32"])
    assert status == 0
    cells = _expected_cells("huber", ("numpy",), ("float32",))
    assert cells == 2 * len(lossx.lookup("huber").showcase)  # eager and class
    assert f": {cells} cells, {cells} passed" in flat(lines)
    (numpy_row,) = [line.split("│") for line in lines if line.startswith("│ numpy")]
    assert [cell.strip() for cell in numpy_row[1:-1]][2:5] == [str(cells), "0", "-"], "no float64 cell"


def test_compare_refuses_a_backend_that_is_not_installed(capsys, monkeypatch):
    monkeypatch.setattr("lossx.cli.installed_frameworks", lambda: ("numpy",))
    status, lines = run(capsys, monkeypatch, ["compare", "huber", "--backend", "torch"])
    assert status == 2
    assert "torch is not installed here; installed: numpy." in flat(lines)


def test_compare_unknown_loss_exits_2(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["compare", "hubber"])
    assert status == 2
    assert "Unknown loss 'hubber'" in flat(lines)


@lossx.define_loss
def float32_drifting_error(xp, y_pred, y_true):
    """A deliberately wrong loss: 0.1% too large in float32, to prove compare catches it."""
    squared = (y_pred - y_true) ** 2
    return squared * 1.001 if y_pred.dtype == xp.float32 else squared


@lossx.define_loss
def numpy_only_error(xp, y_pred, y_true):
    """A deliberately broken loss: it raises on every framework but NumPy."""
    if not isinstance(y_pred, np.ndarray):
        raise RuntimeError("numpy_only_error runs on NumPy only")
    return (y_pred - y_true) ** 2


def test_compare_reports_a_wrong_result_as_fail_and_exits_1(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["compare", "float32_drifting_error"])
    assert status == 1
    text = flat(lines)
    assert "FAIL" in text and " 0 failed" not in text
    assert "value deviation 1.0e-03 above the tolerance 1e-05" in text


@pytest.mark.skipif(lossx.testing.installed_frameworks() == ("numpy",), reason="needs a framework besides NumPy")
def test_compare_prints_a_failing_cells_error_under_the_table(capsys, monkeypatch):
    status, lines = run(capsys, monkeypatch, ["compare", "numpy_only_error", "--verbose"])
    assert status == 1
    assert_fits(lines, 80)
    text = flat(lines)
    for framework in lossx.testing.installed_frameworks()[1:]:
        for mode in lossx.testing.MODES[framework]:
            for dtype in ("float64", "float32"):
                assert (
                    f"FAIL numpy_only_error (defaults) {framework} {mode} {dtype}: raised RuntimeError: "
                    "numpy_only_error runs on NumPy only"
                ) in text
    assert sum(("numpy eager" in line or "numpy class" in line) and "PASS" in line for line in lines) == 4


@pytest.mark.usefixtures("frozen_heap")
def test_bench_fits_80_columns(capsys, monkeypatch):
    argv = [
        "bench",
        "huber",
        "sparse_categorical_focal_cross_entropy",
        "--backend",
        "numpy",
        "--size",
        "8x5",
        "--repeat",
        "2",
    ]
    for columns in (80, 200):
        status, lines = run(capsys, monkeypatch, argv, columns)
        assert status == 0
        assert_fits(lines, columns)
        for name in ("huber", "sparse_categorical_focal_cross_entropy"):
            assert any(re.search(rf"(^|[│ ]){name}([│ ]|$)", line) for line in lines), f"{name} is cut"


@pytest.mark.usefixtures("frozen_heap")
def test_bench_linear_cross_entropy_fits_80_columns_and_keeps_its_section(capsys, monkeypatch, tmp_path):
    pytest.importorskip("torch")
    target = tmp_path / "BENCHMARKS.md"
    target.write_text("# lossx benchmarks\n\n## torch\n\nold rows\n", encoding="utf-8")
    argv = [
        "bench",
        "linear_cross_entropy",
        "--backend",
        "torch",
        "--size",
        "16x4x40",
        "--repeat",
        "1",
        "--markdown",
        str(target),
    ]
    status, lines = run(capsys, monkeypatch, argv, 80)
    assert status == 0
    assert_fits(lines, 80, written=target)
    assert any("torch 40 · logits + F.cross_entropy" in line for line in lines)
    assert any("lossx, z_loss=0.0001" in line for line in lines)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# lossx benchmarks\n\n## torch\n\nold rows\n\n## Linear cross-entropy (chunked)")
    assert "| torch | 40 | lossx | " in text
    again, _ = run(capsys, monkeypatch, argv, 80)  # a second run replaces the section, not appends it
    text = target.read_text(encoding="utf-8")
    assert again == 0 and text.count("## Linear cross-entropy") == 1 and text.count("| torch | 40 | lossx | ") == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["linear_cross_entropy", "huber"], "benchmarked alone"),
        (["linear_cross_entropy", "--backend", "numpy"], "not numpy"),
        (["linear_cross_entropy", "--size", "4096x1000"], "NxHxV"),
    ],
    ids=["with-another-loss", "numpy", "size-NxC"],
)
def test_bench_linear_cross_entropy_refuses_bad_arguments(capsys, monkeypatch, argv, message):
    status, lines = run(capsys, monkeypatch, ["bench", *argv], 80)
    assert status == 2 and message in flat(lines)


def test_python_dash_m_lossx():
    result = subprocess.run([sys.executable, "-m", "lossx", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"lossx {lossx.__version__}"


def test_docs_catalogue_is_generated_from_the_registry():
    from pathlib import Path

    from lossx.cli import catalogue_markdown

    builtin = [line for line in catalogue_markdown().split("\n## `") if line.split("`")[0] in lossx.losses.__all__]
    docs = (Path(__file__).resolve().parents[2] / "docs" / "losses.md").read_text()
    for section in builtin:
        assert section in docs, "docs/losses.md is stale: regenerate with `lossx list --markdown > docs/losses.md`"


@pytest.mark.parametrize("depth", [1, 6], ids=["fits", "wider-than-the-line"])
def test_a_written_path_is_printed_whole_to_be_copied(depth):
    from rich.console import Console

    from lossx._terminal import print_written

    path = "/" + "/".join(["directory"] * depth) + "/losses.png"
    console = Console(width=50, record=True, force_terminal=False)
    print_written(console, "wrote the figure to", path, ".")
    lines = console.export_text().splitlines()
    if depth == 1:
        assert lines == [f"wrote the figure to {path}."]
    else:
        assert lines == ["wrote the figure to", f"{path}."]
