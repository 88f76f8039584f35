"""lossx.curves, lossx.plot and `lossx plot`: the plotted data are lossx's numbers (docs/gallery.md)."""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.cells import cell_len

import lossx
from lossx import _curves
from lossx._curves import CurveError
from lossx.cli import main

ROOT = Path(__file__).resolve().parents[2]
AUTODIFF = ("torch", "jax", "tensorflow")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def two_columns(first, second):
    return np.stack([first, second], axis=-1)


def requires(backend):
    """Skip unless ``backend`` is installed (NumPy always is)."""
    if backend != "numpy":
        pytest.importorskip(backend)


# ----------------------------------------------------------------- the values are lossx's own numbers

#: (entry, axis, lossx's value at x with the inputs written out here).
VALUES = [
    ("huber:delta=2", "residual", lambda r: lossx.huber(r, np.zeros_like(r), delta=2.0, reduction="none")),
    (
        "quantile:quantile=0.8",
        "residual",
        lambda r: lossx.quantile(r, np.zeros_like(r), quantile=0.8, reduction="none"),
    ),
    ("gaussian_nll", "residual", lambda r: lossx.gaussian_nll(r, np.zeros_like(r), np.ones_like(r), reduction="none")),
    ("bce", "probability", lambda p: lossx.binary_cross_entropy(p, np.ones_like(p), reduction="none")),
    (
        "bce:from_logits=true",
        "margin",
        lambda m: lossx.binary_cross_entropy(m, np.ones_like(m), from_logits=True, reduction="none"),
    ),
    (
        "focal:gamma=2",
        "logit",
        lambda z: lossx.binary_focal_cross_entropy(sigmoid(z), np.ones_like(z), gamma=2.0, reduction="none"),
    ),
    (
        "scce:from_logits=true",
        "logit",
        lambda z: lossx.sparse_categorical_cross_entropy(
            two_columns(z, np.zeros_like(z)), np.zeros(z.size, dtype=np.int64), from_logits=True, reduction="none"
        ),
    ),
    (
        "cce:label_smoothing=0.2",
        "probability",
        lambda p: lossx.categorical_cross_entropy(
            two_columns(p, 1 - p), np.tile([1.0, 0.0], (p.size, 1)), label_smoothing=0.2, reduction="none"
        ),
    ),
    (
        "nll",
        "probability",
        lambda p: lossx.nll(np.log(two_columns(p, 1 - p)), np.zeros(p.size, dtype=np.int64), reduction="none"),
    ),
    ("hinge", "margin", lambda m: lossx.hinge(m, np.ones_like(m), reduction="none")),
    (
        "jensen_shannon",
        "probability",
        lambda p: 0.5 * (p * np.log(2 * p / (1 + p)) + (1 - p) * np.log(2.0)) + 0.5 * np.log(2 / (1 + p)),
    ),
    ("asymmetric", "margin", lambda m: np.log1p(np.exp(-m))),
    ("perceptron", "margin", lambda m: np.maximum(-m, 0.0)),
    ("multiclass_perceptron", "margin", lambda m: np.maximum(-m, 0.0)),
    # sparse_plus(−m); with two classes sparsemax is the binary one.
    ("sparsemax", "margin", lambda m: np.where(m >= 1, 0.0, np.where(m <= -1, -m, (1 - m) ** 2 / 4))),
    ("multiclass_sparsemax", "margin", lambda m: np.where(m >= 1, 0.0, np.where(m <= -1, -m, (1 - m) ** 2 / 4))),
    (
        "multi_margin:p=2",
        "margin",
        lambda m: lossx.multi_margin(
            two_columns(m, np.zeros_like(m)), np.zeros(m.size, dtype=np.int64), p=2, reduction="none"
        ),
    ),
    (
        "margin_ranking:margin=0.5",
        "margin",
        lambda m: lossx.margin_ranking(m, np.zeros_like(m), np.ones_like(m), margin=0.5, reduction="none"),
    ),
]


@pytest.mark.parametrize("entry, against, expected", VALUES, ids=[v[0] for v in VALUES])
def test_values_are_lossx_numbers(entry, against, expected):
    data = lossx.curves(entry, against=against, backend="numpy", grad=False)
    (curve,) = data
    assert data.against == curve.against == against
    np.testing.assert_allclose(curve.value, expected(data.x), rtol=1e-12, atol=1e-15)
    assert curve.derivative is None and data.derivative_method is None


# ----------------------------------------------------------------- the derivatives against formulas written here

#: (entry, axis, d loss / d x as a NumPy formula).
DERIVATIVES = [
    ("mse", "residual", lambda r: 2 * r),
    ("huber:delta=2", "residual", lambda r: np.clip(r, -2.0, 2.0)),
    ("soft_margin", "margin", lambda m: -sigmoid(-m)),
    ("bce:from_logits=true", "margin", lambda m: -sigmoid(-m)),
    ("bce", "probability", lambda p: -1 / p),
    ("hinge", "margin", lambda m: np.where(m < 1, -1.0, 0.0)),
    ("perceptron", "margin", lambda m: np.where(m < 0, -1.0, 0.0)),
    ("sparsemax", "margin", lambda m: -np.clip((1 - m) / 2, 0.0, 1.0)),
    ("cce", "logit", lambda z: -sigmoid(-z)),
    ("focal:gamma=2", "probability", lambda p: 2 * (1 - p) * np.log(p) - (1 - p) ** 2 / p),
]
#: Autodiff is exact up to rounding; central differences with step 1e-6·max(1, |x|) are good to about 1e-9.
DERIVATIVE_RTOL = {"numpy": 1e-7, "torch": 1e-10, "jax": 1e-10, "tensorflow": 1e-10}


@pytest.mark.parametrize("backend", ["numpy", *AUTODIFF])
@pytest.mark.parametrize("entry, against, formula", DERIVATIVES, ids=[d[0] for d in DERIVATIVES])
def test_derivatives_match_formulas(backend, entry, against, formula):
    requires(backend)
    data = lossx.curves(entry, against=against, backend=backend)
    assert data.backend == backend and data.derivative_method == _curves.DERIVATIVE_METHODS[backend]
    np.testing.assert_allclose(data[0].derivative, formula(data.x), rtol=DERIVATIVE_RTOL[backend], atol=1e-9)


@lossx.define_loss
def plotted_cubic_error(xp, y_pred, y_true):
    """A custom elementwise loss (y_pred − y_true)³, which curves draws against the residual."""
    return (y_pred - y_true) ** 3


def test_a_custom_elementwise_loss_is_drawn_against_the_residual():
    data = lossx.curves("plotted_cubic_error", backend="numpy")
    assert data.against == "residual"
    np.testing.assert_allclose(data[0].value, data.x**3, rtol=1e-12)
    np.testing.assert_allclose(data[0].derivative, 3 * data.x**2, rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------- every backend gives the same curves

GROUPS = {
    "residual": [
        "mse",
        "mae",
        "huber:delta=0.5",
        "smooth_l1:beta=0.5",
        "log_cosh",
        "quantile:quantile=0.3",
        "gaussian_nll",
    ],
    "probability": [
        "bce",
        "focal:gamma=2,alpha=0.25",
        "cce",
        "scce:from_logits=true",
        "categorical_focal",
        "sparse_focal:from_logits=true",
        "poly_cross_entropy",
        "gce",
        "kl_divergence:log_input=true",
        "kl_divergence:log_target=true",
        "generalized_kl_divergence",
        "jensen_shannon",
        "nll",
    ],
    "margin": [
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "multi_margin",
        "multilabel_margin",
        "perceptron",
        "multiclass_perceptron",
        "sparsemax",
        "multiclass_sparsemax",
        "margin_ranking:margin=1",
        "soft_margin",
        "multilabel_soft_margin",
        "bce:from_logits=true",
        "asymmetric:gamma_pos=1",
    ],
    "logit": ["bce", "cce:from_logits=true", "soft_margin", "gce", "jensen_shannon:from_logits=true"],
}


@pytest.mark.parametrize("backend", AUTODIFF)
@pytest.mark.parametrize("against", GROUPS)
def test_every_backend_gives_the_same_curves(backend, against):
    requires(backend)
    reference = lossx.curves(GROUPS[against], against=against, backend="numpy")
    data = lossx.curves(GROUPS[against], against=against, backend=backend)
    np.testing.assert_array_equal(data.x, reference.x)
    for curve, expected in zip(data, reference, strict=True):
        assert curve.label == expected.label
        np.testing.assert_allclose(curve.value, expected.value, rtol=1e-12, atol=1e-14, err_msg=curve.label)
        # The reference derivative is NumPy's central difference (about 1e-9 relative error).
        np.testing.assert_allclose(curve.derivative, expected.derivative, rtol=1e-6, atol=1e-8, err_msg=curve.label)


# ----------------------------------------------------------------- choosing the axis, the backend and the options


@pytest.mark.parametrize(
    "losses, against",
    [
        ("mse", "residual"),
        ("bce", "probability"),
        ("hinge", "margin"),
        (["bce", "hinge"], "margin"),
        (["hinge", "bce"], "margin"),
        (["cce", "soft_margin"], "probability"),
        (["soft_margin", "cce"], "margin"),
    ],
)
def test_the_default_axis_is_the_first_losss_or_the_first_shared_one(losses, against):
    assert lossx.curves(losses, backend="numpy", grad=False).against == against


def test_the_default_backend_differentiates_by_autodiff_when_one_is_installed():
    installed = [name for name in AUTODIFF if importlib.util.find_spec(name) is not None]
    assert lossx.curves("mse").backend == (installed[0] if installed else "numpy")
    assert lossx.curves("mse", grad=False).backend == "numpy"


def test_options_apply_to_every_entry_of_their_loss_and_label_it():
    data = lossx.curves(
        ["focal:gamma=1", ("focal", {"gamma": 3}), "bce"],
        options={"focal": {"alpha": 0.25}},
        backend="numpy",
        grad=False,
    )
    assert [curve.label for curve in data] == [
        "binary_focal_cross_entropy (gamma=1, alpha=0.25)",
        "binary_focal_cross_entropy (gamma=3, alpha=0.25)",
        "binary_cross_entropy",
    ]
    expected = lossx.binary_focal_cross_entropy(data.x, np.ones_like(data.x), gamma=3.0, alpha=0.25, reduction="none")
    np.testing.assert_allclose(data[1].value, expected, rtol=1e-12)
    assert dict(data[0].options) == {"gamma": 1.0, "alpha": 0.25}
    overridden = lossx.curves("huber:delta=2", options={"huber": {"delta": 3}}, backend="numpy", grad=False)
    assert overridden[0].label == "huber (delta=3)"


def test_curves_are_frozen_and_read_only():
    data = lossx.curves("mse", backend="numpy")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data[0].value = np.zeros(3)
    with pytest.raises(ValueError):
        data[0].value[0] = 1.0
    with pytest.raises(TypeError):
        data[0].options["delta"] = 1.0
    assert len(data) == 1 and list(data) == [data[0]] and data.x_title.startswith("residual")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: lossx.curves("mse", against="margin"), CurveError, "mean_squared_error: residual"),
        (lambda: lossx.curves("hinge", against="probability"), CurveError, "hinge: margin"),
        (
            lambda: lossx.curves(["mse", "hinge"]),
            CurveError,
            "share no x axis.*mean_squared_error: residual; hinge: margin",
        ),
        (lambda: lossx.curves(["bce", "hinge"], against="probability"), CurveError, "hinge cannot be drawn"),
        (lambda: lossx.curves("mse", against="angle"), CurveError, "residual, margin, probability, logit"),
        (lambda: lossx.curves("dice"), CurveError, "overlap of a whole region.*The losses lossx draws: mean_squared"),
        (lambda: lossx.curves("poisson"), CurveError, "depends on y_true"),
        (lambda: lossx.curves("ctc"), CurveError, "sequences"),
        (lambda: lossx.curves("hubber"), lossx.UnknownLossError, "Did you mean 'huber'"),
        (lambda: lossx.curves("huber:deltaa=2"), lossx.UnknownOptionError, "deltaa"),
        (lambda: lossx.curves("huber:delta=-1"), lossx.OptionValueError, "delta=-1.0 is out of range"),
        (lambda: lossx.curves("huber:delta"), CurveError, "not key=value"),
        (lambda: lossx.curves("huber:"), CurveError, "nothing after ':'"),
        (lambda: lossx.curves([]), CurveError, "no losses given"),
        (lambda: lossx.curves([3]), CurveError, "a loss is a name"),
        (lambda: lossx.curves("cce:axis=0"), CurveError, "leave out axis"),
        (lambda: lossx.curves("kl_divergence:pointwise=true", backend="numpy"), CurveError, "one value per point"),
        (lambda: lossx.curves("bce", x_range=(0.0, 1.0)), CurveError, "open interval"),
        (lambda: lossx.curves("mse", x_range=(2.0, 1.0)), CurveError, "the lower first"),
        (lambda: lossx.curves("mse", points=1), CurveError, "at least 2"),
        (lambda: lossx.curves("mse", backend="mxnet"), lossx.BackendError, "numpy, torch, jax, tensorflow"),
        (lambda: lossx.curves("mse", options={"hinge": {}}), CurveError, "not among the losses drawn"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_refusals_name_what_to_do(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_uninstalled_backend_names_its_extra(monkeypatch):
    monkeypatch.setattr(_curves.compute, "_installed", lambda module: False)
    with pytest.raises(lossx.MissingFrameworkError, match=r"pip install 'lossx\[keras\]'"):
        lossx.curves("mse", backend="tensorflow")
    assert lossx.curves("mse").backend == "numpy"


# ----------------------------------------------------------------- the figure holds the curves' data


def figure_lines(panel):
    return [line for line in panel.get_lines() if not line.get_label().startswith("_")]


def test_the_figures_lines_are_the_curves_data():
    pytest.importorskip("matplotlib")
    data = lossx.curves(["mse", "huber:delta=0.5", "log_cosh"], backend="numpy", x_range=(-2, 5), points=40)
    figure = lossx.plot(data)
    values, derivatives = figure.axes
    assert [line.get_label() for line in figure_lines(values)] == [curve.label for curve in data]
    for panel, field in ((values, "value"), (derivatives, "derivative")):
        for line, curve in zip(figure_lines(panel), data, strict=True):
            np.testing.assert_array_equal(line.get_xdata(), data.x)
            np.testing.assert_array_equal(line.get_ydata(), getattr(curve, field))
    assert derivatives.get_xlabel() == data.x_title and "central differences" in derivatives.get_title("right")


def test_plot_computes_what_curves_computes_and_labels_one_loss_by_its_options():
    pytest.importorskip("matplotlib")
    entries = ["focal:gamma=0", "focal:gamma=2"]
    figure = lossx.plot(entries, backend="numpy", grad=False)
    data = lossx.curves(entries, backend="numpy", grad=False)
    (values,) = figure.axes
    assert values.get_title() == "binary_focal_cross_entropy"
    assert [line.get_label() for line in figure_lines(values)] == ["gamma=0", "gamma=2"]
    for line, curve in zip(figure_lines(values), data, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), curve.value)
    assert values.get_xlabel() == "probability p of the true class"


def test_plot_of_computed_curves_takes_no_other_arguments():
    pytest.importorskip("matplotlib")
    with pytest.raises(CurveError, match="leave out against, grad"):
        lossx.plot(lossx.curves("mse", backend="numpy"), against="residual", grad=False)


def block_matplotlib(monkeypatch):
    for module in ("matplotlib", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, module, None)


def test_without_matplotlib_plot_names_the_extra_and_curves_still_works(monkeypatch):
    block_matplotlib(monkeypatch)
    with pytest.raises(lossx.MissingFrameworkError, match=r"pip install 'lossx\[plot\]'") as raised:
        lossx.plot("mse", backend="numpy")
    assert isinstance(raised.value, ImportError) and raised.value.name == "matplotlib"
    assert lossx.curves("mse", backend="numpy").against == "residual"


def test_import_lossx_and_numpy_curves_import_no_matplotlib_or_framework():
    script = (
        "import sys, lossx; lossx.curves(['huber', 'log_cosh'], backend='numpy'); "
        "print([m for m in ('matplotlib', 'torch', 'jax', 'tensorflow', 'rich') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# ----------------------------------------------------------------- the command line

MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}


def run(capsys, monkeypatch, argv):
    """The exit status and the output as one line; a line wider than 80 columns is only the written path."""
    monkeypatch.setenv("COLUMNS", "80")
    status = main(argv)
    lines = capsys.readouterr().out.splitlines()
    written = argv[argv.index("-o") + 1] if "-o" in argv else None
    assert all(cell_len(line.rstrip()) <= 80 or line.strip() == written for line in lines), lines
    return status, " ".join(" ".join(lines).split())


@pytest.mark.parametrize("extension", MAGIC)
def test_plot_writes_the_image_and_says_where(capsys, monkeypatch, tmp_path, extension):
    pytest.importorskip("matplotlib")
    path = tmp_path / f"losses.{extension}"
    status, text = run(
        capsys,
        monkeypatch,
        ["plot", "huber", "mse", "--option", "huber.delta=2", "--backend", "numpy", "-o", str(path)],
    )
    assert status == 0
    assert path.read_bytes().startswith(MAGIC[extension])
    assert f"wrote {path}" in text
    assert "huber (delta=2), mean_squared_error against the residual, on numpy; derivative by central" in text


def test_plot_without_the_derivative_on_another_axis(capsys, monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "margin.png"
    status, text = run(
        capsys,
        monkeypatch,
        ["plot", "bce", "hinge", "--against", "margin", "--no-grad", "--range", "-2", "2", "-o", str(path)],
    )
    assert status == 0 and path.stat().st_size > 0
    assert "against the margin, on numpy." in text and "derivative" not in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["hubber"], "Unknown loss 'hubber'"),
        (["huber", "--option", "huber=2"], "write it as LOSS.KEY=VALUE"),
        (["huber", "--option", "huber.delta=-1"], "delta=-1.0 is out of range"),
        (["huber:delta"], "not key=value"),
        (["huber", "--against", "margin"], "Each loss accepts: huber: residual"),
        (["dice"], "no curve against one quantity"),
        (["huber", "-o", "losses.jpg"], "must end in .png, .svg, .pdf"),
        (["huber", "-o", "/nonexistent-directory/losses.png"], "cannot write"),
    ],
    ids=[
        "unknown loss",
        "option syntax",
        "option value",
        "entry syntax",
        "axis",
        "no curve",
        "extension",
        "unwritable",
    ],
)
def test_plot_exits_2_on_bad_arguments(capsys, monkeypatch, tmp_path, argv, message):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    status, text = run(capsys, monkeypatch, ["plot", *argv, "--backend", "numpy"])
    assert status == 2 and message in text
    assert list(tmp_path.iterdir()) == []


def test_plot_unknown_loss_lists_the_losses(capsys, monkeypatch, tmp_path):
    status, text = run(capsys, monkeypatch, ["plot", "hubber", "-o", str(tmp_path / "x.png")])
    assert status == 2 and "The losses, by family: regression mean_squared_error" in text


def test_plot_without_matplotlib_exits_2_naming_the_extra(capsys, monkeypatch, tmp_path):
    block_matplotlib(monkeypatch)
    status, text = run(capsys, monkeypatch, ["plot", "huber", "-o", str(tmp_path / "x.png")])
    assert status == 2 and "pip install 'lossx[plot]'" in text
    assert list(tmp_path.iterdir()) == []
    status, text = run(capsys, monkeypatch, ["plot", "hubber", "-o", str(tmp_path / "x.png")])
    assert status == 2 and "Unknown loss 'hubber'" in text, "the request is checked before matplotlib"


def test_plot_refuses_an_unknown_axis_as_argparse_does(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["plot", "huber", "--against", "angle"])
    assert exit.value.code == 2 and "invalid choice: 'angle'" in capsys.readouterr().err


def test_plot_help_fits_80_columns_and_states_the_exit_status(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exit:
        main(["plot", "--help"])
    assert exit.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    text = " ".join(" ".join(lines).split())
    assert "Exit status: 0 when the image is written; 2 for an unknown loss" in text
    assert "--option LOSS.KEY=VALUE" in text and "--grad, --no-grad" in text


# ----------------------------------------------------------------- the gallery

_spec = importlib.util.spec_from_file_location("gallery", ROOT / "scripts" / "gallery.py")
gallery = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = gallery  # dataclasses resolve the module's annotations through sys.modules
_spec.loader.exec_module(gallery)


def test_gallery_page_is_generated_by_its_script():
    assert (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8") == gallery.page(), (
        "docs/gallery.md is stale: run python scripts/gallery.py"
    )


@pytest.mark.parametrize("figure", gallery.FIGURES, ids=lambda figure: figure.name)
def test_gallery_figures_exist_are_modest_and_their_commands_parse(figure):
    image = ROOT / "docs" / figure.image
    assert image.is_file() and image.stat().st_size < 150 * 1024
    arguments = lossx.cli.parser().parse_args(figure.command.split()[1:])
    assert arguments.losses == list(figure.losses) and arguments.against == figure.against
    assert (
        lossx.curves(
            arguments.losses, against=arguments.against, x_range=arguments.x_range, backend="numpy", grad=False
        ).against
        == figure.against
    )
