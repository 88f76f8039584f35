"""lossx.experiment and `lossx experiment`: data, injections, metrics, agreement across frameworks, the CLI."""

from __future__ import annotations

import csv
import functools
import importlib.util
import itertools
import json
import math
import sys

import numpy as np
import pytest
from rich.cells import cell_len

pytest.importorskip("sklearn")

import lossx
from lossx import _experiment as experiment_module
from lossx._experiment import command as experiment_command
from lossx._experiment import data as experiment_data
from lossx._experiment import dependencies as experiment_dependencies
from lossx._experiment import losses as experiment_losses
from lossx._experiment import metrics as experiment_metrics
from lossx._experiment import model as experiment_model
from lossx._experiment import runner as experiment_runner
from lossx.cli import main

FRAMEWORKS = experiment_module.FRAMEWORKS


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def needs(*frameworks: str):
    """Skip unless every framework's trainer can run (JAX also needs optax)."""
    modules = {"torch": ("torch",), "jax": ("jax", "optax"), "keras": ("keras",)}
    missing = [module for name in frameworks for module in modules[name] if not _installed(module)]
    return pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not installed")


def any_framework():
    available = experiment_dependencies.available_frameworks()
    if not available:
        pytest.skip("no framework to train on (torch, jax with optax, keras)")
    return available[0]


# ------------------------------------------------------------------------------------- injections


def _split(data, **injected):
    table = experiment_data._load(data, None, None)
    return experiment_data._prepare(
        table, 0, injected.get("imbalance"), injected.get("outliers"), injected.get("label_noise")
    )


@pytest.mark.parametrize("data, ratio", [("breast_cancer", 10.0), ("digits", 4.0), ("wine", 3.0)])
def test_imbalance_keeps_the_majority_and_subsamples_the_others_to_the_ratio(data, ratio):
    plain, imbalanced = _split(data), _split(data, imbalance=ratio)
    before = np.bincount(plain.y_train)
    after = np.bincount(imbalanced.y_train, minlength=len(before))
    majority = int(np.argmax(before))
    assert after[majority] == before[majority]
    others = np.delete(np.arange(len(before)), majority)
    assert (after[others] == min(before[others].min(), round(before[majority] / ratio))).all()
    # Only the training set changes: the validation set is the data set's own.
    np.testing.assert_array_equal(imbalanced.y_validation, plain.y_validation)
    np.testing.assert_array_equal(imbalanced.minority, others)


def test_label_noise_moves_exactly_that_fraction_of_training_labels_to_other_classes():
    plain, noisy = _split("digits"), _split("digits", label_noise=0.2)
    changed = noisy.y_train != plain.y_train
    assert changed.sum() == round(0.2 * len(plain.y_train)) == noisy.changed_targets
    np.testing.assert_array_equal(noisy.x_train, plain.x_train)
    np.testing.assert_array_equal(noisy.y_validation, plain.y_validation)


def test_outliers_move_exactly_that_fraction_of_training_targets_by_five_to_ten_deviations():
    plain, corrupted = _split("diabetes"), _split("diabetes", outliers=0.1)
    original = plain.y_train.astype(np.float64) * plain.target_scale + plain.target_mean
    moved = corrupted.y_train.astype(np.float64) * corrupted.target_scale + corrupted.target_mean
    deviation = np.abs(moved - original) / original.std()
    outliers = deviation > 1e-3
    assert outliers.sum() == round(0.1 * len(original)) == corrupted.changed_targets
    assert (deviation[outliers] > 5 - 1e-3).all() and (deviation[outliers] < 10 + 1e-3).all()
    validation = corrupted.y_validation * corrupted.target_scale + corrupted.target_mean
    np.testing.assert_allclose(validation, plain.y_validation * plain.target_scale + plain.target_mean, rtol=1e-5)


def test_features_are_standardised_on_the_training_set():
    split = _split("wine")
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1.0, rtol=1e-4)
    assert split.x_train.dtype == split.x_validation.dtype == np.float32
    assert len(split.y_validation) == math.ceil(0.25 * 178)


def test_balanced_weights_are_the_training_labels_inverse_frequency():
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2])
    weights = experiment_losses._balanced("sparse_categorical_cross_entropy", "class_weight", labels, 3)
    np.testing.assert_allclose(weights, [12 / (3 * 6), 12 / (3 * 2), 12 / (3 * 4)])
    binary = np.array([0, 0, 0, 1])
    assert experiment_losses._balanced("binary_cross_entropy", "pos_weight", binary, 2) == 3.0
    assert experiment_losses._balanced("binary_focal_cross_entropy", "alpha", binary, 2) == 0.75


# ---------------------------------------------------------------------------------------- metrics


def test_classification_metrics_match_their_formulas():
    labels = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 0])
    predicted = np.array([0, 0, 1, 0, 1, 0, 2, 2, 1, 0])
    recall = [np.mean(predicted[labels == c] == c) for c in range(3)]
    precision = [np.mean(labels[predicted == c] == c) for c in range(3)]
    f1 = [2 * p * r / (p + r) for p, r in zip(precision, recall, strict=True)]
    found = experiment_metrics.classification_metrics(labels, predicted, np.array([1]))
    assert found["accuracy"] == pytest.approx(np.mean(labels == predicted))
    assert found["balanced_accuracy"] == pytest.approx(np.mean(recall))
    assert found["macro_f1"] == pytest.approx(np.mean(f1))
    assert found["minority_recall"] == pytest.approx(recall[1]) == pytest.approx(0.5)
    both = experiment_metrics.classification_metrics(labels, predicted, np.array([1, 2]))
    assert both["minority_recall"] == pytest.approx((recall[1] + recall[2]) / 2)


def test_regression_metrics_match_their_formulas():
    targets = np.array([1.0, 2.0, 3.0, 10.0, -4.0])
    predicted = np.array([1.5, 2.0, 1.0, 4.0, -3.0])
    errors = np.abs(predicted - targets)
    found = experiment_metrics.regression_metrics(targets, predicted)
    assert found["mae"] == pytest.approx(errors.mean())
    assert found["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert found["median_absolute_error"] == pytest.approx(1.0)


# ------------------------------------------------------------------------ the same start everywhere

#: (loss, how it is fed, options): one of each kind of target the experiment trains with.
AGREEMENT_CASES = [
    ("sparse_categorical_cross_entropy", "labels", {"from_logits": True, "class_weight": [0.6, 2.5, 1.0]}),
    ("sparse_categorical_focal_cross_entropy", "labels", {"from_logits": True, "gamma": 2.0}),
    ("categorical_cross_entropy", "one_hot", {"from_logits": True}),
    ("binary_cross_entropy", "binary", {"from_logits": True, "pos_weight": 3.0}),
    ("huber", "values", {"delta": 0.5}),
    ("mean_absolute_error", "values", {}),
]


@functools.cache
def _first_steps(framework, case):
    """The initial batch loss, the second batch loss and the weights after the first update, on ``framework``."""
    name, feed, options = AGREEMENT_CASES[case]
    rng = np.random.default_rng(7)
    x = rng.standard_normal((24, 6)).astype(np.float32)
    classes = 2 if feed == "binary" else 3
    raw = rng.standard_normal(24) if feed == "values" else rng.integers(0, classes, 24)
    y = experiment_model.training_targets(feed, raw, classes)
    weights = experiment_model.initial_weights(6, 16, experiment_model.n_outputs(feed, classes), 0)
    loss = experiment_model.loss_on_outputs(name, feed, options)
    trainer = experiment_dependencies.trainer(framework, weights, loss, 0.05, 0.9)
    with trainer:
        first = trainer.step(x, y)
        updated = trainer.weights()
        second = trainer.step(x, y)
    reference_outputs = np.maximum(x @ weights[0] + weights[1], 0.0) @ weights[2] + weights[3]
    reference = float(loss(reference_outputs, y))
    return first, second, updated, reference, weights


@pytest.mark.parametrize(
    "first, second",
    [pytest.param(a, b, marks=needs(a, b), id=f"{a}-{b}") for a, b in itertools.combinations(FRAMEWORKS, 2)],
)
@pytest.mark.parametrize("case", range(len(AGREEMENT_CASES)), ids=[case[0] for case in AGREEMENT_CASES])
def test_frameworks_start_from_the_same_loss_and_take_the_same_first_update(first, second, case):
    one = _first_steps(first, case)
    other = _first_steps(second, case)
    assert one[0] == pytest.approx(other[0], rel=1e-6)
    assert one[1] == pytest.approx(other[1], rel=1e-5)
    for after_one, after_other, before in zip(one[2], other[2], one[4], strict=True):
        assert after_one.dtype == after_other.dtype == np.float32
        assert np.abs(after_one - before).max() > 1e-4, "the first update moved the weights"
        np.testing.assert_allclose(after_one, after_other, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("framework", [pytest.param(name, marks=needs(name)) for name in FRAMEWORKS])
@pytest.mark.parametrize("case", range(len(AGREEMENT_CASES)), ids=[case[0] for case in AGREEMENT_CASES])
def test_each_framework_starts_from_lossxs_numpy_value_on_the_numpy_model(framework, case):
    first, _, _, reference, _ = _first_steps(framework, case)
    assert first == pytest.approx(reference, rel=1e-6)


# ------------------------------------------------------------------------------------- the results


@pytest.fixture(scope="module")
def wine_result():
    framework = any_framework()
    return experiment_module.experiment(
        "wine",
        losses=["scce", "scce:class_weight=balanced", "sparse_focal"],
        imbalance=3,
        epochs=3,
        seed=1,
        framework=framework,
    )


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(wine_result):
    again = lossx.experiment(
        "wine",
        losses=["scce", "scce:class_weight=balanced", "sparse_focal"],
        imbalance=3,
        epochs=3,
        seed=1,
        framework=wine_result.framework,
    )
    assert again.to_dict() == wine_result.to_dict()
    other = lossx.experiment("wine", losses=["scce"], imbalance=3, epochs=3, seed=2, framework=wine_result.framework)
    assert other.datasets[0].losses[0].validation_loss != wine_result.datasets[0].losses[0].validation_loss


def test_the_result_holds_every_epoch_and_the_final_table(wine_result):
    (dataset,) = wine_result.datasets
    assert dataset.task == "classification" and dataset.imbalance == 3.0
    assert [run.label for run in dataset.losses] == ["cross-entropy", "cross-entropy (class_weight=balanced)", "focal"]
    counts = np.array(dataset.train_class_counts)
    np.testing.assert_allclose(dataset.losses[1].options["class_weight"], counts.sum() / (3 * counts))
    for run in dataset.losses:
        assert run.epochs == (0, 1, 2, 3)
        assert len(run.train_loss) == len(run.validation_loss) == 4
        assert set(run.metrics) == set(experiment_metrics.CLASSIFICATION_METRICS)
        assert all(len(values) == 4 for values in run.metrics.values())
        assert run.train_loss[-1] < run.train_loss[0], "training lowers the training loss"
    assert [row["loss"] for row in wine_result.rows()] == [run.label for run in dataset.losses]
    assert wine_result.rows()[0]["minority_recall"] == dataset.losses[0].metrics["minority_recall"][-1]


def test_the_figure_draws_the_results_numbers(wine_result):
    pytest.importorskip("matplotlib")
    figure = wine_result.figure()
    loss_axes, recall_axes, balanced_axes = figure.axes[:3]
    for index, run in enumerate(wine_result.datasets[0].losses):
        np.testing.assert_array_equal(loss_axes.lines[2 * index].get_ydata(), run.train_loss)
        np.testing.assert_array_equal(loss_axes.lines[2 * index + 1].get_ydata(), run.validation_loss)
        np.testing.assert_array_equal(recall_axes.lines[index].get_ydata(), run.metrics["minority_recall"])
        np.testing.assert_array_equal(balanced_axes.lines[index].get_ydata(), run.metrics["balanced_accuracy"])


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_a_data_file_is_read_and_trained_on(tmp_path, suffix):
    framework = any_framework()
    rng = np.random.default_rng(0)
    features = rng.standard_normal((60, 3))
    labels = np.where(features[:, 0] + 0.3 * rng.standard_normal(60) > 0, "yes", "no")
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["a", "label", "b", "c"])
            writer.writerows([[f[0], label, f[1], f[2]] for f, label in zip(features, labels, strict=True)])
        result = lossx.experiment(path, target="label", epochs=2, framework=framework)
    else:
        np.savez(path, X=features, y=labels)
        result = lossx.experiment(path, epochs=2, framework=framework)
    (dataset,) = result.datasets
    assert dataset.task == "classification" and dataset.classes == ("no", "yes")
    assert dataset.n_features == 3 and dataset.n_train + dataset.n_validation == 60
    assert [run.loss for run in dataset.losses] == ["sparse_categorical_cross_entropy"] * 2 + [
        "sparse_categorical_focal_cross_entropy"
    ]


def test_real_valued_file_targets_are_regression(tmp_path):
    path = tmp_path / "values.npz"
    rng = np.random.default_rng(1)
    np.savez(path, X=rng.standard_normal((40, 2)), y=rng.standard_normal(40))
    table = experiment_data._load(path, None, None)
    assert table.task == "regression" and table.classes == ()
    assert experiment_data._load(path, "regression", None).task == "regression"


def test_a_diverging_run_records_nan_rather_than_stopping(monkeypatch):
    framework = any_framework()
    monkeypatch.setattr(experiment_runner, "LEARNING_RATE", 1e4)
    result = lossx.experiment("diabetes", losses=["mse", "mae"], epochs=3, framework=framework)
    mse = result.datasets[0].losses[0]
    assert np.isfinite(mse.validation_loss[0]) and np.isnan(mse.validation_loss[-1])
    assert all(np.isnan(values[-1]) for values in mse.metrics.values())
    assert result.to_dict()["datasets"][0]["losses"][0]["validation_loss"][-1] is None  # JSON has no NaN
    assert result.datasets[0].headline() == "No loss ended with a finite validation MAE: training diverged."


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, message",
    [
        (dict(data="mnist"), lossx.ArgumentError, "Unknown data set 'mnist'"),
        (dict(data="digits", losses=["hubber"]), lossx.UnknownLossError, "Did you mean 'huber'"),
        (dict(data="digits", losses=["mse"]), lossx.ArgumentError, "mean_squared_error is a regression loss"),
        (dict(data="diabetes", losses=["scce"]), lossx.ArgumentError, "is a classification loss"),
        (dict(data="digits", losses=["bce"]), lossx.ArgumentError, "takes binary targets and this data set has 10"),
        (dict(data="digits", losses=["ctc"]), lossx.ArgumentError, "not one the experiment can train"),
        (dict(data="digits", losses=["scce:from_logits=False"]), lossx.OptionValueError, "sets from_logits itself"),
        (dict(data="diabetes", losses=["huber:delta=balanced"]), lossx.OptionValueError, "delta=balanced"),
        (dict(data="diabetes", losses=["huber:delta=-1"]), lossx.OptionValueError, "delta"),
        (dict(data="diabetes", losses=["huber:delat=1"]), lossx.UnknownOptionError, "Did you mean 'delta'"),
        (dict(data="diabetes", losses=["huber:0.5"]), lossx.OptionValueError, "NAME:key=value"),
        (dict(data="diabetes", imbalance=5), lossx.ArgumentError, "imbalance= subsamples classes"),
        (dict(data="digits", outliers=0.1), lossx.ArgumentError, "outliers= corrupts regression targets"),
        (dict(data="digits", label_noise=1.5), lossx.OptionValueError, "a fraction in [0, 1)"),
        (dict(data="digits", imbalance=0.5), lossx.OptionValueError, "at least 1"),
        (dict(data="digits", epochs=0), lossx.OptionValueError, "epochs must be a positive integer"),
        (dict(losses=["mse"]), lossx.ArgumentError, "give data= too"),
        (dict(data="digits", task="regression"), lossx.ArgumentError, "digits is a classification data set"),
    ],
)
def test_bad_input_is_refused_before_training(call, error, message):
    with pytest.raises(error) as raised:
        lossx.experiment(**call)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"X": np.ones(10), "y": np.ones(10)}, "features of shape (10,)"),
        ({"X": np.ones((10, 2)), "y": np.ones(9)}, "targets of shape (9,)"),
        ({"X": np.ones((10, 2))}, "holds arrays X (samples × features) and y"),
        ({"X": np.full((10, 2), np.nan), "y": np.arange(10.0)}, "NaN"),
        ({"X": np.ones((10, 2)), "y": np.array([0] * 9 + [1])}, "class '1' has 1 sample(s)"),
        ({"X": np.ones((4, 2)), "y": np.arange(4.0)}, "too few to split"),
    ],
)
def test_a_data_file_whose_shape_does_not_fit_is_refused(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(lossx.ShapeError) as raised:
        lossx.experiment(path)
    assert message in str(raised.value)


def test_a_csv_file_with_a_text_feature_names_its_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,target\n1,2,0\n3,x,1\n")
    with pytest.raises(lossx.ShapeError, match=r"line 3, column 'b' holds 'x'"):
        lossx.experiment(path)


def test_no_framework_names_the_extras(monkeypatch):
    monkeypatch.setattr(experiment_dependencies, "_installed", lambda module: module not in ("torch", "jax", "keras"))
    with pytest.raises(lossx.MissingFrameworkError) as raised:
        lossx.experiment("wine", epochs=1)
    for extra in ("pip install 'lossx[torch]'", "pip install 'lossx[jax]' optax", "pip install 'lossx[keras]'"):
        assert extra in str(raised.value)
    assert isinstance(raised.value, ImportError)


def test_jax_without_optax_names_optax(monkeypatch):
    monkeypatch.setattr(experiment_dependencies, "_installed", lambda module: module != "optax")
    with pytest.raises(lossx.MissingFrameworkError, match=r"jax framework needs optax.*lossx\[jax\]' optax"):
        lossx.experiment("wine", framework="jax")


# -------------------------------------------------------------------------------------------- CLI


def run_cli(capsys, monkeypatch, argv):
    pytest.importorskip("matplotlib")  # the command checks for it before anything else
    monkeypatch.setenv("COLUMNS", "80")
    status = main(["experiment", *argv])
    return status, capsys.readouterr().out.splitlines()


def test_the_default_run_prints_both_lessons_and_writes_every_file(capsys, monkeypatch, tmp_path):
    framework = any_framework()
    out = tmp_path / "results"
    status, lines = run_cli(capsys, monkeypatch, ["--epochs", "1", "--framework", framework, "--out", str(out)])
    assert status == 0
    too_wide = [line for line in lines if cell_len(line.rstrip()) > 80 and str(out) not in line]
    assert not too_wide, too_wide
    text = "\n".join(lines)
    assert "breast_cancer (classification, imbalance 10:1" in text and "diabetes (regression, 10% outliers" in text
    for label in ("cross-entropy", "(class_weight=balanced)", "focal (gamma=2)", "MSE", "Huber (delta=1)", "log-cosh"):
        assert label in text
    assert "Best validation minority recall:" in text and "Best validation MAE:" in text
    assert any(line.endswith(f"{out / 'curves.png'}.") for line in lines), lines  # whole, to be copied
    saved = json.loads((out / "results.json").read_text())
    assert [dataset["data"] for dataset in saved["datasets"]] == ["breast_cancer", "diabetes"]
    assert saved["framework"] == framework and saved["epochs"] == 1
    with (out / "summary.csv").open() as handle:
        summary = list(csv.DictReader(handle))
    assert [row["loss"] for row in summary] == [
        "cross-entropy",
        "cross-entropy (class_weight=balanced)",
        "focal (gamma=2)",
        "MSE",
        "MAE",
        "Huber (delta=1)",
        "log-cosh",
    ]
    first = saved["datasets"][0]["losses"][0]
    assert float(summary[0]["validation_loss"]) == first["validation_loss"][-1]
    assert float(summary[0]["minority_recall"]) == first["metrics"]["minority_recall"][-1]
    with (out / "history.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 7 * 2
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--data", "mnist"], "Unknown data set 'mnist'"),
        (["--data", "digits", "--losses", "mse"], "mean_squared_error is a regression loss"),
        (["--data", "diabetes", "--losses", "scce"], "is a classification loss"),
        (["--data", "digits", "--losses", "hubber"], "Unknown loss 'hubber'"),
        (["--data", "missing.csv"], "No such data file"),
        (["--losses", "mse"], "give data= too"),
    ],
)
def test_bad_input_exits_2_with_the_reason(capsys, monkeypatch, tmp_path, argv, message):
    status, lines = run_cli(capsys, monkeypatch, [*argv, "--out", str(tmp_path)])
    assert status == 2
    assert message in " ".join(" ".join(lines).split())
    assert not (tmp_path / "results.json").exists()


def test_missing_frameworks_exit_2_naming_the_extras(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(experiment_dependencies, "_installed", lambda module: module not in ("torch", "jax", "keras"))
    status, lines = run_cli(capsys, monkeypatch, ["--data", "wine", "--out", str(tmp_path)])
    assert status == 2 and "pip install 'lossx[torch]'" in " ".join(" ".join(lines).split())


def test_missing_matplotlib_exits_2_before_training(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setattr(experiment_command, "experiment", lambda *args, **kwargs: pytest.fail("trained"))
    status, lines = run_cli(capsys, monkeypatch, ["--data", "wine", "--out", str(tmp_path)])
    assert status == 2 and "pip install 'lossx[plot]'" in " ".join(" ".join(lines).split())


def test_help_fits_80_columns_and_states_the_exit_status(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exit:
        main(["experiment", "--help"])
    assert exit.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    assert "Exit status: 0 when every loss is trained" in " ".join(" ".join(lines).split())
