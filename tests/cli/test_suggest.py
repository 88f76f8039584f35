"""lossx.suggest and `lossx suggest FILE`: the task inferred, the evidence, the ranking and the snippets."""

from __future__ import annotations

import contextlib
import io
import math
import re

import numpy as np
import pytest
from rich.cells import cell_len

import lossx
from lossx._suggest import DataError, Suggestions
from lossx.cli import main


def _targets() -> dict[str, tuple[np.ndarray, str, str]]:
    """Targets of each kind: (y_true, the task it must be read as, the target format)."""
    rng = np.random.default_rng(7)
    regression = np.concatenate([rng.normal(size=380), rng.normal(0.0, 40.0, 20)])
    return {
        "binary-bool": (rng.random(300) < 0.2, "binary", "labels"),
        "binary-column": (rng.binomial(1, 0.4, (300, 1)).astype(bool), "binary", "labels"),
        "multiclass": (rng.choice(5, 400, p=[0.6, 0.2, 0.1, 0.06, 0.04]), "multiclass", "labels"),
        "multilabel": ((rng.random((200, 4)) < [0.5, 0.2, 0.05, 0.4]).astype(np.int8), "multilabel", "multi_hot"),
        "one-hot": (np.eye(3)[rng.choice(3, 150, p=[0.7, 0.2, 0.1])], "probabilities", "one_hot"),
        "soft-probabilities": (rng.dirichlet(np.ones(4), 100), "probabilities", "probabilities"),
        "regression": (regression, "regression", "values"),
        "counts": (rng.poisson(40.0, 500) * 30, "counts", "values"),
        "positive-skewed": (rng.lognormal(0.0, 1.2, 500), "positive_skewed", "values"),
        "segmentation-labels": (rng.choice(3, (4, 6, 6), p=[0.8, 0.15, 0.05]), "segmentation", "labels"),
        "segmentation-binary": ((rng.random((3, 8, 8)) < 0.1).astype(np.uint8), "segmentation", "labels"),
        "segmentation-one-hot": (np.eye(3)[rng.choice(3, (2, 5, 5))], "segmentation", "one_hot"),
        "segmentation-multi-hot": ((rng.random((2, 5, 5, 3)) < 0.3).astype(np.float32), "segmentation", "multi_hot"),
        "segmentation-soft": (rng.beta(0.3, 2.0, (3, 6, 6)), "segmentation", "soft"),
        "multiclass-column": (rng.choice(3, (60, 1)), "multiclass", "labels"),
    }


TARGETS = _targets()


@pytest.mark.parametrize("kind", TARGETS)
def test_each_task_kind_is_inferred(kind):
    y_true, task, target_format = TARGETS[kind]
    result = lossx.suggest(y_true)
    assert (result.evidence.task, result.evidence.target_format) == (task, target_format)
    alternatives = ("counts",) if kind.startswith("multiclass") else ()
    assert result.evidence.inferred and result.evidence.alternatives == alternatives
    assert result.evidence.ambiguous == bool(alternatives)
    assert result.evidence.shape == y_true.shape and result.evidence.count == y_true.size
    assert result.evidence.multilabel == (target_format == "multi_hot")
    assert all(suggestion.loss in lossx.loss_names() for suggestion in result)


def test_two_valued_integer_labels_are_ambiguous_and_the_alternative_is_ranked():
    for labels in ([0, 1, 1, 0, 1, 0, 0, 0], [1, 2, 2, 1, 1, 1, 2, 1]):
        evidence = lossx.suggest(labels).evidence
        assert evidence.task == "binary" and evidence.ambiguous and evidence.alternatives == ("multiclass",)
        assert "binary" in evidence.ambiguity and "two classes" in evidence.ambiguity
    result = lossx.suggest([1, 2, 2, 1, 1, 1, 2, 1])
    assert result.best.loss == "binary_cross_entropy" and result[-1].task == "multiclass"
    assert result[-1].loss == "sparse_categorical_cross_entropy" and result[-1].prediction_shape == (8, 2)
    assert result[-1].reason.startswith("If these are class labels:")
    np.testing.assert_array_equal(result.prepared_targets(result.best, [1, 2, 2]), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(result.prepared_targets(result[-1], [1, 2, 2]), [0, 1, 1])


@pytest.mark.parametrize(
    "settle, task",
    [
        ({"task": "binary"}, "binary"),
        ({"task": "multiclass"}, "multiclass"),
        ({"output": "sigmoid"}, "binary"),
        ({"output": "softmax"}, "multiclass"),
        ({"y_pred": np.zeros(6)}, "binary"),
        ({"y_pred": np.zeros((6, 2))}, "multiclass"),
    ],
)
def test_the_task_the_output_or_the_predictions_settle_the_ambiguity(settle, task):
    evidence = lossx.suggest(np.array([0, 1, 0, 0, 1, 0]), **settle).evidence
    assert evidence.task == task and not evidence.ambiguous and not evidence.alternatives
    assert evidence.inferred == ("task" not in settle)


def test_integer_labels_could_be_counts():
    evidence = lossx.suggest([0, 1, 2, 3, 2, 1, 0, 3, 1]).evidence
    assert evidence.task == "multiclass" and evidence.alternatives == ("counts",)
    assert lossx.suggest([0, 1, 2, 3, 2, 1, 0, 3, 1], y_pred=np.zeros(9)).evidence.task == "counts"
    gaps = lossx.suggest([0, 1, 2, 5, 2, 1, 0, 5, 1]).evidence
    assert gaps.task == "counts" and gaps.alternatives == ("multiclass",)
    assert lossx.suggest([0, 30, 60, 900, 30]).evidence.alternatives == ()


def test_only_one_class_present():
    result = lossx.suggest(np.ones(40, dtype=np.int64))
    evidence = result.evidence
    assert evidence.task == "binary" and evidence.class_counts == (0, 40)
    assert evidence.imbalance_ratio == math.inf
    assert evidence.class_weight_inverse is None and evidence.pos_weight is None and evidence.focal_alpha is None
    assert any("only class 1 occurs" in note for note in evidence.notes)
    assert all("pos_weight" not in s.options and "alpha" not in s.options for s in result)


def test_a_tiny_sample_is_read_and_marked_rough():
    result = lossx.suggest([0.5, 1.5, 10.0])
    assert result.evidence.task == "regression"
    assert result.evidence.outlier_fraction == pytest.approx(1 / 3)
    assert any("only 3 targets" in note for note in result.evidence.notes)
    assert lossx.suggest([0, 1, 1]).evidence.class_counts == (1, 2)


@pytest.mark.parametrize(
    "y_true, message",
    [
        ([], "empty"),
        (np.zeros((0, 3)), "empty"),
        ([1.0, float("nan"), 2.0], "1 NaN and 0 infinite values (the first at index (1,))"),
        ([[1.0, 2.0], [3.0, float("inf")]], "0 NaN and 1 infinite values (the first at index (1, 1))"),
        ([1, "a", 2.0], "str values, not only numbers"),
        (np.array([1, None, 2], dtype=object), "NoneType, int values"),
        (["cat", "dog"], "encode class names as integers"),
        ([[1, 2], [3]], "not a rectangular array"),
        (np.array([1 + 2j]), "real numbers"),
    ],
)
def test_bad_targets_get_a_clear_error(y_true, message):
    with pytest.raises(DataError, match=re.escape(message)) as error:
        lossx.suggest(y_true)
    assert isinstance(error.value, lossx.LossxError) and isinstance(error.value, ValueError)


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"task": "classification"}, lossx.OptionValueError, "'multiclass': one integer class label per example"),
        ({"output": "relu"}, lossx.OptionValueError, "'sigmoid': a sigmoid per output"),
        ({"task": "counts"}, DataError, "task='counts' needs non-negative integers"),
        ({"task": "segmentation"}, DataError, "masks of shape (N, H, W)"),
        ({"output": "softmax"}, lossx.OptionValueError, "use 'linear'"),
        ({"y_pred": np.zeros(5)}, lossx.ShapeError, "does not fit targets of shape (4,)"),
        ({"y_pred": np.zeros((4, 3))}, lossx.ShapeError, "real values take one prediction per target"),
        ({"y_pred": [1.0, 2.0, float("nan"), 0.0]}, DataError, "y_pred has 1 NaN"),
    ],
)
def test_bad_arguments_get_a_clear_error(arguments, error, message):
    with pytest.raises(error, match=re.escape(message)):
        lossx.suggest([-1.5, 0.25, 3.0, 2.0], **arguments)


def test_predictions_with_too_few_columns_are_refused():
    with pytest.raises(lossx.ShapeError, match="the labels go up to 3 but y_pred has 2 columns"):
        lossx.suggest([0, 1, 2, 3, 1], y_pred=np.zeros((5, 2)))
    with pytest.raises(lossx.ShapeError, match=r"the targets have 3 classes \(\[1, 5, 9\]\) but y_pred has 4"):
        lossx.suggest([1, 5, 9, 5], y_pred=np.zeros((4, 4)), task="multiclass")


def test_an_output_that_does_not_fit_the_targets_is_refused():
    with pytest.raises(lossx.OptionValueError, match="use 'softmax' or 'logits'"):
        lossx.suggest([0, 1, 2, 1], output="sigmoid")
    with pytest.raises(lossx.OptionValueError, match="use 'sigmoid' or 'logits'"):
        lossx.suggest(TARGETS["multilabel"][0], output="softmax")
    with pytest.raises(lossx.OptionValueError, match=r"y_pred has values in \[-1, 2\], which a sigmoid cannot give"):
        lossx.suggest([0, 1, 1], y_pred=[-1.0, 2.0, 0.5], output="sigmoid")


# ----------------------------------------------------------------- the evidence against NumPy formulas


def test_class_evidence_matches_the_formulas():
    y_true = TARGETS["multiclass"][0]
    evidence = lossx.suggest(y_true).evidence
    values, counts = np.unique(y_true, return_counts=True)
    total, classes = counts.sum(), len(counts)
    assert evidence.classes == tuple(values) and evidence.class_counts == tuple(counts)
    assert evidence.imbalance_ratio == pytest.approx(counts.max() / counts.min(), rel=1e-12)
    np.testing.assert_allclose(evidence.class_weight_inverse, total / (classes * counts), rtol=1e-12)
    beta = (total - 1) / total
    effective = (1 - beta) / (1 - beta**counts)
    np.testing.assert_allclose(evidence.class_weight_effective, effective * classes / effective.sum(), rtol=1e-9)
    assert evidence.effective_number_beta == pytest.approx(beta, rel=1e-15)
    np.testing.assert_allclose(evidence.focal_alpha, (1 / counts) / (1 / counts).sum(), rtol=1e-12)
    assert evidence.zero_fraction == pytest.approx(np.mean(y_true == 0), rel=1e-15)


def test_binary_evidence_matches_the_formulas():
    y_true = TARGETS["binary-bool"][0]
    evidence = lossx.suggest(y_true).evidence
    positives = int(y_true.sum())
    negatives = y_true.size - positives
    assert evidence.class_counts == (negatives, positives)
    assert evidence.pos_weight == pytest.approx(negatives / positives, rel=1e-12)
    assert evidence.focal_alpha == pytest.approx(negatives / y_true.size, rel=1e-12)


def test_multilabel_evidence_matches_the_formulas():
    y_true = TARGETS["multilabel"][0]
    evidence = lossx.suggest(y_true).evidence
    positives = y_true.sum(axis=0)
    negatives = len(y_true) - positives
    assert evidence.class_counts == tuple(positives)
    np.testing.assert_allclose(evidence.pos_weight, negatives / positives, rtol=1e-12)
    ratio = np.maximum(positives, negatives) / np.minimum(positives, negatives)
    assert evidence.imbalance_ratio == pytest.approx(ratio.max(), rel=1e-12)
    assert evidence.focal_alpha == pytest.approx(1 - y_true.mean(), rel=1e-12)


def test_an_absent_class_takes_the_rarest_weight():
    y_true = np.array([0, 0, 0, 0, 1, 1, 3])
    evidence = lossx.suggest(y_true, y_pred=np.random.default_rng(2).normal(size=(7, 4))).evidence
    assert evidence.classes == (0, 1, 2, 3) and evidence.class_counts == (4, 2, 0, 1)
    assert evidence.imbalance_ratio == math.inf
    np.testing.assert_allclose(evidence.class_weight_inverse, [7 / 16, 7 / 8, 7 / 4, 7 / 4], rtol=1e-12)


def _median(x):
    ordered = np.sort(x)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@pytest.mark.parametrize("kind", ["regression", "positive-skewed", "counts"])
def test_value_evidence_matches_the_formulas(kind):
    y_true = TARGETS[kind][0].astype(np.float64)
    evidence = lossx.suggest(y_true).evidence
    median = _median(y_true)
    mad = _median(np.abs(y_true - median))
    modified_z = 0.6744897501960817 * (y_true - median) / mad
    assert evidence.outlier_fraction == np.mean(np.abs(modified_z) > 3.5)
    assert evidence.outlier_basis == "targets"
    assert evidence.robust_scale == pytest.approx(mad / 0.6744897501960817, rel=1e-12)
    assert evidence.huber_delta == pytest.approx(1.345 * mad / 0.6744897501960817, rel=1e-12)
    standardised = (y_true - y_true.mean()) / y_true.std()
    assert evidence.skew == pytest.approx(np.mean(standardised**3), rel=1e-9)


def test_predictions_give_residual_outliers():
    y_true = np.random.default_rng(1).normal(size=200)
    index = np.arange(200)
    residuals = np.where(index < 10, 50.0, np.where(index % 2, 0.01, -0.01))
    evidence = lossx.suggest(y_true, y_pred=y_true + residuals).evidence
    assert evidence.outlier_basis == "residuals" and evidence.outlier_fraction == pytest.approx(0.05)
    assert lossx.suggest(y_true, y_pred=y_true + residuals).best.loss == "huber"


def test_the_mad_falls_back_to_the_mean_absolute_deviation():
    y_true = np.array([0.0] * 8 + [1.0, 100.0])
    evidence = lossx.suggest(y_true, task="regression").evidence
    deviation = np.abs(y_true - 0.0)
    assert evidence.robust_scale == pytest.approx(deviation.mean() * math.sqrt(math.pi / 2), rel=1e-12)
    assert evidence.outlier_fraction == pytest.approx(0.1)


@pytest.mark.parametrize("predictions, output", [("logits", "logits"), ("probabilities", "softmax")])
def test_predictions_are_read_as_logits_or_probabilities(predictions, output):
    rng = np.random.default_rng(3)
    y_pred = rng.normal(size=(50, 3)) * 3 if predictions == "logits" else rng.dirichlet(np.ones(3), 50)
    result = lossx.suggest(rng.choice(3, 50), y_pred=y_pred)
    assert (result.evidence.predictions, result.evidence.output, result.evidence.output_source) == (
        predictions,
        output,
        "y_pred",
    )
    assert all(s.options["from_logits"] == (output == "logits") for s in result if "from_logits" in s.options)


def test_sigmoid_probabilities_for_binary_targets():
    result = lossx.suggest([0, 1, 1, 0], y_pred=[0.2, 0.9, 0.6, 0.1])
    assert result.evidence.output == "sigmoid" and result.evidence.predictions == "probabilities"
    assert result.best.options == {"from_logits": False}


# ----------------------------------------------------------------- the ranking


def test_the_ranking_follows_the_imbalance():
    balanced = lossx.suggest(np.random.default_rng(4).permutation(np.repeat([0, 1, 2], 30)))
    assert [s.loss for s in balanced][:1] == ["sparse_categorical_cross_entropy"]
    assert "class_weight" not in balanced.best.options
    moderate = lossx.suggest(np.repeat([0, 1, 2], [50, 30, 10]))
    assert moderate.best.options["class_weight"] == moderate.evidence.class_weight_effective
    strong = lossx.suggest(np.repeat([0, 1, 2], [200, 30, 10]))
    assert strong.best.loss == "sparse_categorical_focal_cross_entropy"
    assert strong.best.options["alpha"] == strong.evidence.focal_alpha


def test_outliers_put_huber_and_mae_before_mse():
    clean = lossx.suggest(np.random.default_rng(5).normal(size=1000))
    assert clean.evidence.outlier_fraction < 0.01 and clean.best.loss == "mean_squared_error"
    noisy = lossx.suggest(TARGETS["regression"][0])
    assert [s.loss for s in noisy][:2] == ["huber", "mean_absolute_error"]
    assert noisy.best.options == {"delta": noisy.evidence.huber_delta}
    assert next(s.loss for s in lossx.suggest(TARGETS["counts"][0])) == "poisson"
    assert lossx.suggest(TARGETS["positive-skewed"][0]).best.loss == "mean_squared_logarithmic_error"


def test_suggestions_are_deterministic():
    for y_true, _, _ in TARGETS.values():
        first, second = lossx.suggest(y_true), lossx.suggest(y_true.copy())
        assert first == second and str(first) == str(second)


def _prediction(suggestion, rng):
    """A valid random prediction for ``suggestion``: logits, probabilities, or values."""
    scores = rng.normal(size=suggestion.prediction_shape)
    if suggestion.prediction != "probabilities":
        return np.abs(scores) if suggestion.prediction in ("values", "rates") else scores
    softmax = (
        suggestion.options.get("axis") == -1
        and suggestion.targets != "is_positive"
        and (suggestion.loss not in ("dice", "tversky") or suggestion.targets == "class_indices")
    )
    if softmax:
        return np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    return 1 / (1 + np.exp(-scores))


OUTPUT_VARIANTS = [(kind, None) for kind in TARGETS] + [
    ("binary-bool", "sigmoid"),
    ("multiclass", "softmax"),
    ("multilabel", "sigmoid"),
    ("one-hot", "softmax"),
    ("segmentation-labels", "softmax"),
    ("segmentation-binary", "sigmoid"),
    ("segmentation-binary", "softmax"),
    ("segmentation-multi-hot", "sigmoid"),
    ("segmentation-soft", "sigmoid"),
    ("segmentation-one-hot", "softmax"),
]


@pytest.mark.parametrize("kind, output", OUTPUT_VARIANTS)
def test_every_suggestion_runs_with_its_options(kind, output):
    y_true = TARGETS[kind][0]
    result = lossx.suggest(y_true, output=output)
    rng = np.random.default_rng(3)
    for suggestion in result:
        spec = lossx.lookup(suggestion.loss)
        assert set(suggestion.options) <= {option.name for option in spec.options}
        value = getattr(lossx, suggestion.loss)(
            _prediction(suggestion, rng), result.prepared_targets(suggestion, y_true), **suggestion.options
        )
        assert np.isfinite(value), f"{suggestion.call_text()} on {kind}"
        assert set(suggestion.evidence) >= {"task"} and all(
            suggestion.evidence[key] == getattr(result.evidence, key) for key in suggestion.evidence
        )
        if "from_logits" in suggestion.options:
            assert suggestion.options["from_logits"] == (output is None)
        alternative = suggestion.reason.startswith("If these are ")
        assert (suggestion.task != result.evidence.task) == alternative


FORCED = [
    ("fractions", np.random.default_rng(9).random(40), "binary", "soft"),
    ("one-hot", TARGETS["one-hot"][0], "multiclass", "one_hot"),
    ("soft-rows", np.random.default_rng(9).random((30, 3)), "multilabel", "soft"),
    ("counts", TARGETS["counts"][0], "regression", "values"),
    ("labels", TARGETS["multiclass"][0], "counts", "values"),
    ("positive-skewed", TARGETS["positive-skewed"][0], "regression", "values"),
    ("regression", np.abs(TARGETS["regression"][0]), "positive_skewed", "values"),
    ("binary", np.array([3, 7, 7, 3, 3]), "multiclass", "labels"),
    ("binary-column", np.array([[0], [1], [1], [0]]), "binary", "labels"),
    ("binary-column", np.array([[0], [1], [1], [0]]), "multiclass", "labels"),
]


@pytest.mark.parametrize("name, y_true, task, target_format", FORCED, ids=[f"{f[0]}-as-{f[2]}" for f in FORCED])
def test_a_given_task_is_taken_and_its_suggestions_run(name, y_true, task, target_format):
    result = lossx.suggest(y_true, task=task)
    evidence = result.evidence
    assert (evidence.task, evidence.target_format, evidence.inferred, evidence.ambiguous) == (
        task,
        target_format,
        False,
        False,
    )
    rng = np.random.default_rng(10)
    for suggestion in result:
        value = getattr(lossx, suggestion.loss)(
            _prediction(suggestion, rng), result.prepared_targets(suggestion, y_true), **suggestion.options
        )
        assert np.isfinite(value), suggestion.call_text()


def test_bounded_values_could_be_soft_binary_targets():
    y_true = np.random.default_rng(11).random(50)
    result = lossx.suggest(y_true)
    assert result.evidence.task == "regression" and result.evidence.alternatives == ("binary",)
    assert result[-1].loss == "binary_cross_entropy" and result[-1].targets == "as_given"
    settled = lossx.suggest(y_true, output="sigmoid")
    assert (settled.evidence.task, settled.evidence.target_format) == ("binary", "soft")
    assert settled.evidence.class_counts == pytest.approx((50 - y_true.sum(), y_true.sum()), rel=1e-12)


def test_tensors_are_read_like_numpy_arrays():
    torch = pytest.importorskip("torch")
    y_true = TARGETS["multiclass"][0]
    assert lossx.suggest(torch.as_tensor(y_true)) == lossx.suggest(y_true)
    logits = torch.zeros(len(y_true), 5, requires_grad=True)
    assert lossx.suggest(torch.as_tensor(y_true), y_pred=logits).evidence.predictions == "logits"


def test_the_summary_reads_as_text():
    y_true = TARGETS["multiclass"][0]
    text = str(lossx.suggest(y_true))
    counts = np.bincount(y_true)
    assert text.startswith("Evidence:") and "Suggestions, best first:" in text
    assert (
        f"imbalance ratio  {counts.max() / counts.min():.4g} (largest / smallest)" in text
        and "1. sparse_categorical_focal_cross_entropy(alpha=[" in text
    )


# ----------------------------------------------------------------- snippets


def _run_snippet(code, y_true):
    namespace = {"y_true": y_true}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace, printed.getvalue()


@pytest.mark.parametrize("kind", TARGETS)
def test_the_numpy_snippet_runs_and_gives_the_suggestions_value(kind):
    y_true = TARGETS[kind][0]
    result = lossx.suggest(y_true)
    for rank, suggestion in enumerate(result, 1):
        code = result.snippet("numpy", rank)
        assert all(len(line) <= 79 for line in code.splitlines())
        namespace, printed = _run_snippet(code, y_true)
        expected = getattr(lossx, suggestion.loss)(
            namespace["y_pred"], result.prepared_targets(suggestion, y_true), **suggestion.options
        )
        # The snippet writes option values to 4 significant digits.
        assert float(printed) == pytest.approx(float(expected), rel=1e-3)


def test_a_snippet_with_many_classes_reads_the_weights_back_from_suggest():
    y_true = np.repeat(np.arange(20), np.arange(1, 21) * 3)
    result = lossx.suggest(y_true, output="softmax")
    code = result.snippet("numpy")
    assert "lossx.suggest(y_true, task='multiclass', output='softmax')[0].options" in code
    namespace, printed = _run_snippet(code, y_true)
    expected = getattr(lossx, result.best.loss)(namespace["y_pred"], y_true, **result.best.options)
    assert float(printed) == pytest.approx(float(expected), rel=1e-12)


@pytest.mark.parametrize("kind", ["binary-bool", "multiclass", "multilabel", "regression", "segmentation-labels"])
def test_the_torch_snippet_runs_and_backpropagates(kind):
    pytest.importorskip("torch")
    y_true = TARGETS[kind][0]
    result = lossx.suggest(y_true)
    namespace, printed = _run_snippet(result.snippet("torch"), y_true)
    assert math.isfinite(float(printed)) and namespace["y_pred"].grad is not None
    expected = getattr(lossx, result.best.loss)(
        namespace["y_pred"].detach().numpy().astype(np.float64),
        result.prepared_targets(result.best, y_true),
        **result.best.options,
    )
    assert float(printed) == pytest.approx(float(expected), rel=1e-3)


@pytest.mark.parametrize("kind", ["multiclass", "segmentation-binary"])
def test_the_jax_snippet_runs(kind):
    pytest.importorskip("jax")
    y_true = TARGETS[kind][0]
    namespace, printed = _run_snippet(lossx.suggest(y_true).snippet("jax"), y_true)
    assert math.isfinite(float(printed)) and namespace["gradient"].shape == namespace["y_pred"].shape


def test_the_keras_snippet_takes_kerass_dice_arguments():
    code = lossx.suggest(TARGETS["segmentation-labels"][0]).snippet("keras")
    assert "Dice(axis='per_sample', from_logits=True, class_axis=-1)" in code
    assert "loss_fn(targets, y_pred)" in code


def test_snippet_arguments_are_checked():
    result = lossx.suggest([0.5, 1.0, 3.0])
    with pytest.raises(lossx.OptionValueError, match="numpy, torch, jax, keras"):
        result.snippet("mxnet")
    with pytest.raises(lossx.OptionValueError, match=f"there are {len(result)} suggestions"):
        result.snippet("numpy", len(result) + 1)


# ----------------------------------------------------------------- the command


def run(capsys, monkeypatch, argv):
    monkeypatch.setenv("COLUMNS", "80")
    status = main(argv)
    return status, capsys.readouterr().out.splitlines()


def flat(lines):
    return " ".join(" ".join(lines).split())


def printed_code(lines):
    start = next(i for i, line in enumerate(lines) if line.startswith("Code for suggestion 1"))
    return "\n".join(line.rstrip() for line in lines[start + 1 :])


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_cli_npy_prints_evidence_ranking_and_a_runnable_snippet(capsys, monkeypatch, tmp_path):
    y_true = TARGETS["multiclass"][0]
    np.save(tmp_path / "labels.npy", y_true)
    status, lines = run(capsys, monkeypatch, ["suggest", str(tmp_path / "labels.npy")])
    assert status == 0
    assert all(cell_len(line.rstrip()) <= 80 for line in lines)
    text = flat(lines)
    assert "multiclass (inferred, ambiguous)" in text and "1. sparse_categorical_focal_cross_entropy(" in text
    assert "Code for suggestion 1, numpy (--framework torch, jax or keras for another):" in text
    namespace, printed = _run_snippet(printed_code(lines), None)
    result = lossx.suggest(y_true)
    expected = lossx.sparse_categorical_focal_cross_entropy(namespace["y_pred"], y_true, **result.best.options)
    assert float(printed) == pytest.approx(float(expected), rel=1e-3)


def test_cli_snippet_of_a_path_wider_than_the_terminal_runs(capsys, monkeypatch, tmp_path):
    """A path longer than a line is printed as adjacent string literals, not wrapped mid-token."""
    directory = tmp_path / ("targets-of-a-long-experiment-name-" * 3)
    directory.mkdir()
    y_true = TARGETS["multiclass"][0]
    np.save(directory / "labels.npy", y_true)
    status, lines = run(capsys, monkeypatch, ["suggest", str(directory / "labels.npy")])
    assert status == 0
    assert all(cell_len(line.rstrip()) <= 80 for line in lines)
    namespace, _ = _run_snippet(printed_code(lines), None)
    np.testing.assert_array_equal(namespace["y_true"], y_true)


def test_cli_csv_by_name_and_by_index(capsys, monkeypatch, tmp_path):
    prices = np.random.default_rng(6).lognormal(size=60)
    rows = "\n".join(f"{i},{v:.3f},{int(v > 1.0)}" for i, v in enumerate(prices))
    path = _write(tmp_path, "data.csv", "id,price,expensive\n" + rows + "\n")
    status, lines = run(capsys, monkeypatch, ["suggest", path, "--column", "price"])
    assert status == 0 and "positive_skewed (inferred)" in flat(lines)
    status, lines = run(
        capsys, monkeypatch, ["suggest", path, "--column", "2", "--output", "sigmoid", "--framework", "torch"]
    )
    assert status == 0 and "binary (given)" not in flat(lines) and "binary (inferred)" in flat(lines)
    assert "from lossx.backends.torch import BinaryCrossEntropy" in flat(lines)
    if lossx.installed_backends().count("torch"):
        _, printed = _run_snippet(printed_code(lines), None)
        assert math.isfinite(float(printed))


def test_cli_text_files(capsys, monkeypatch, tmp_path):
    path = _write(tmp_path, "y.txt", "1.5 2.0\n3.25 4.0\n\n0.5 7.0\n")
    status, lines = run(capsys, monkeypatch, ["suggest", path, "--task", "regression"])
    assert status == 0 and "shape (3, 2)" in flat(lines) and "regression (given)" in flat(lines)
    status, lines = run(capsys, monkeypatch, ["suggest", _write(tmp_path, "c.txt", "0\n1\n2\n2\n")])
    assert status == 0 and "shape (4,)" in flat(lines)


def test_cli_predictions_file(capsys, monkeypatch, tmp_path):
    np.save(tmp_path / "y.npy", np.array([0, 1, 1, 0, 2]))
    np.save(tmp_path / "p.npy", np.random.default_rng(8).dirichlet(np.ones(3), 5))
    status, lines = run(
        capsys, monkeypatch, ["suggest", str(tmp_path / "y.npy"), "--predictions", str(tmp_path / "p.npy")]
    )
    assert status == 0 and "softmax (from y_pred)" in flat(lines)
    namespace, printed = _run_snippet(printed_code(lines), None)
    assert math.isfinite(float(printed)) and namespace["y_pred"].shape == (5, 3)
    rows = "\n".join(",".join(f"{v:.4f}" for v in row) for row in np.random.default_rng(8).normal(size=(5, 3)))
    predictions = _write(tmp_path, "logits.csv", "a,b,c\n" + rows + "\n")
    status, lines = run(capsys, monkeypatch, ["suggest", str(tmp_path / "y.npy"), "--predictions", predictions])
    assert status == 0 and "logits (from y_pred)" in flat(lines)
    namespace, printed = _run_snippet(printed_code(lines), None)
    assert math.isfinite(float(printed)) and namespace["y_pred"].shape == (5, 3)
    np.save(tmp_path / "bad.npy", np.zeros((4, 3)))
    status, lines = run(
        capsys, monkeypatch, ["suggest", str(tmp_path / "y.npy"), "--predictions", str(tmp_path / "bad.npy")]
    )
    assert status == 2 and "y_pred has shape (4, 3), which does not fit targets of shape (5,)" in flat(lines)


@pytest.mark.parametrize(
    "name, content, argv, message",
    [
        ("missing.npy", None, [], "no such file"),
        ("data.csv", "a,b\n1,2\n", [], "has 2 columns (0: a, 1: b); pass --column NAME or a 0-based INDEX"),
        ("data.csv", "a,b\n1,2\n", ["--column", "c"], "has no column 'c'; its columns are 0: a, 1: b"),
        ("data.csv", "a,b\n1,2\n", ["--column", "5"], "has no column '5'"),
        ("data.csv", "a,label\n1,cat\n2,dog\n", ["--column", "label"], "column 'label' does not parse as numbers"),
        ("y.txt", "1 2 3\n4 5\n", [], "does not parse as text of numbers"),
        ("y.txt", "1\nnan\n2\n", [], "1 NaN"),
        ("y.txt", "", [], "empty"),
        ("y.txt", "1 2\n3 4\n", ["--column", "x"], "no column names (only CSV files do)"),
        ("y.npy", b"not an array", [], "is not a .npy file"),
        ("y.npy", b"\x93NUMPY\x01\x00truncated", [], "not a readable .npy file"),
        ("y.txt", "-1.5\n2.0\n3.0\n", ["--task", "counts"], "task='counts' needs non-negative integers"),
        ("y.txt", "0\n1\n2\n", ["--output", "sigmoid"], "output='sigmoid' does not fit class labels"),
    ],
)
def test_cli_bad_input_exits_2_with_a_clear_error(capsys, monkeypatch, tmp_path, name, content, argv, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    status, lines = run(capsys, monkeypatch, ["suggest", str(path), *argv])
    assert status == 2
    assert lines[0].startswith("error: ") and message in flat(lines)


@pytest.mark.parametrize("argv", [["--task", "classes"], ["--output", "relu"], ["--framework", "mxnet"]])
def test_cli_bad_choices_exit_2(capsys, monkeypatch, tmp_path, argv):
    np.save(tmp_path / "y.npy", np.arange(3))
    with pytest.raises(SystemExit) as exit:
        run(capsys, monkeypatch, ["suggest", str(tmp_path / "y.npy"), *argv])
    assert exit.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_cli_help_fits_80_columns_and_gives_the_exit_status(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exit:
        main(["suggest", "--help"])
    assert exit.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    assert re.search(r"Exit status: 0 [^;]+; 2 for ", flat(lines))


def test_the_result_is_a_sequence_of_suggestions():
    result = lossx.suggest(TARGETS["regression"][0])
    assert (
        isinstance(result, Suggestions) and len(result) == len(result.ranking) and list(result) == list(result.ranking)
    )
    assert result.best is result[0]
