"""The rules that turn the evidence into a ranked list of losses with ready options (docs/choosing.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .arrays import _Values
from .definitions import IMBALANCED, OUTLIERS, SKEWED, STRONGLY_IMBALANCED
from .result import Evidence, Suggestion
from .text import _number


class _Plan:
    """The ranked suggestions for each task, from the evidence (docs/choosing.md, the rules)."""

    def __init__(self, evidence: Evidence, values: _Values, layout: str | None, predictions: _Values | None):
        self.evidence = evidence
        self.values = values
        self.from_logits = evidence.output not in ("sigmoid", "softmax")
        self.width = predictions.shape[-1] if predictions is not None and layout == "class_axis" else None
        self.predictions = predictions

    def make(
        self,
        loss: str,
        options: Mapping[str, Any],
        reason: str,
        keys: tuple[str, ...],
        *,
        task: str,
        targets: str,
        shape: tuple[int, ...],
        prediction: str | None = None,
    ) -> Suggestion:
        if prediction is None:
            prediction = "logits" if options.get("from_logits", self.from_logits) else "probabilities"
        evidence = {key: getattr(self.evidence, key) for key in ("task", *keys)}
        return Suggestion(
            loss=loss,
            options=dict(options),
            reason=reason,
            evidence=evidence,
            task=task,
            targets=targets,
            prediction=prediction,
            prediction_shape=shape,
        )

    def suggestions(self, task: str, form: str) -> list[Suggestion]:
        if task == "binary":
            return self.binary(self.values.shape, task, form)
        if task == "multiclass":
            return self.multiclass(task, form)
        if task == "multilabel":
            return self.multilabel(task)
        if task == "probabilities":
            return self.probabilities(task, form)
        if task == "segmentation":
            return self.segmentation(form)
        if task == "counts":
            return self.counts()
        if task == "positive_skewed":
            return self.positive_skewed()
        return self.regression(task)

    def level(self) -> str:
        """ "single" (fewer than two classes), "balanced", "imbalanced" or "strong", by the imbalance ratio."""
        evidence = self.evidence
        if evidence.class_weight_inverse is None and evidence.pos_weight is None:
            return "single" if evidence.imbalance_ratio is not None else "balanced"
        ratio = evidence.imbalance_ratio or 1.0
        return "strong" if ratio >= STRONGLY_IMBALANCED else "imbalanced" if ratio >= IMBALANCED else "balanced"

    def logits(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}

    def ranked(self, balanced: list[Suggestion], weighted: Suggestion, focal: Suggestion) -> list[Suggestion]:
        """The plain loss, the class-weighted one and the focal one, ordered by the imbalance."""
        plain, *others = balanced
        level = self.level()
        if level == "strong":
            return [focal, weighted, plain, *others]
        if level == "imbalanced":
            return [weighted, focal, plain, *others]
        return balanced

    def binary(self, shape: tuple[int, ...], task: str, form: str) -> list[Suggestion]:
        e = self.evidence
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        targets = "as_given" if form == "soft" else "is_positive"
        plain = self.make(
            "binary_cross_entropy",
            self.logits(),
            "Binary cross-entropy is the likelihood of 0/1 targets under a sigmoid output, the "
            "standard loss for binary classification.",
            ("class_counts",),
            task=task,
            targets=targets,
            shape=shape,
        )
        gentle_focal = self.make(
            "binary_focal_cross_entropy",
            {"gamma": 2.0, **self.logits()},
            "Focal loss down-weights the examples the model already gets right, which helps "
            "when easy examples dominate.",
            ("class_counts",),
            task=task,
            targets=targets,
            shape=shape,
        )
        if self.level() in ("single", "balanced") or e.pos_weight is None:
            return [plain, gentle_focal]
        weighted = self.make(
            "binary_cross_entropy",
            {"pos_weight": e.pos_weight, **self.logits()},
            f"The classes are imbalanced ({ratio}:1), so pos_weight = negatives / positives "
            "makes both classes count equally.",
            ("imbalance_ratio", "pos_weight"),
            task=task,
            targets=targets,
            shape=shape,
        )
        focal = self.make(
            "binary_focal_cross_entropy",
            {"alpha": e.focal_alpha, "gamma": 2.0, **self.logits()},
            f"With imbalance {ratio}:1, focal loss (Lin et al. 2017) focuses on hard examples, and "
            "alpha gives the positive class its inverse-frequency share.",
            ("imbalance_ratio", "focal_alpha"),
            task=task,
            targets=targets,
            shape=shape,
        )
        return self.ranked([plain], weighted, focal)

    def classes_count(self) -> int:
        return len(self.evidence.classes or ()) or len(self.values.distinct[0])

    def multiclass(self, task: str, form: str, *, shape: tuple[int, ...] | None = None) -> list[Suggestion]:
        e = self.evidence
        count = self.width or self.classes_count()
        if shape is None:
            base = (
                self.values.shape[:-1]
                if form == "one_hot" or (self.values.column and self.values.ndim == 2)
                else self.values.shape
            )
            shape = (*base, count)
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        options = {**self.logits(), "axis": -1}
        plain = self.make(
            "sparse_categorical_cross_entropy",
            options,
            f"Cross-entropy over {count} classes with integer labels is the likelihood of a softmax "
            "output, the standard multi-class loss.",
            ("classes",),
            task=task,
            targets="class_indices",
            shape=shape,
        )
        if self.level() in ("single", "balanced"):
            focal = self.make(
                "sparse_categorical_focal_cross_entropy",
                {"gamma": 2.0, **options},
                "Focal loss down-weights the examples the model already gets right, which helps "
                "when easy examples dominate.",
                ("classes",),
                task=task,
                targets="class_indices",
                shape=shape,
            )
            return [plain, focal]
        weighted = self.make(
            "sparse_categorical_cross_entropy",
            {**options, "class_weight": e.class_weight_effective},
            f"The classes are imbalanced ({ratio}:1), so class_weight by the effective number "
            "of samples (Cui et al. 2019) lifts the rare classes without the extremes of "
            "inverse frequency.",
            ("imbalance_ratio", "class_weight_effective", "effective_number_beta"),
            task=task,
            targets="class_indices",
            shape=shape,
        )
        focal = self.make(
            "sparse_categorical_focal_cross_entropy",
            {"alpha": e.focal_alpha, "gamma": 2.0, **options},
            f"With imbalance {ratio}:1, focal loss (Lin et al. 2017) focuses on hard examples, and "
            "alpha gives each class its inverse-frequency share.",
            ("imbalance_ratio", "focal_alpha"),
            task=task,
            targets="class_indices",
            shape=shape,
        )
        inverse = self.make(
            "sparse_categorical_cross_entropy",
            {**options, "class_weight": e.class_weight_inverse},
            "class_weight by inverse frequency, N / (C·n_c), makes every class count equally; it "
            "can over-weight very rare classes.",
            ("imbalance_ratio", "class_weight_inverse"),
            task=task,
            targets="class_indices",
            shape=shape,
        )
        return self.ranked([plain, inverse], weighted, focal)

    def multilabel(self, task: str) -> list[Suggestion]:
        e = self.evidence
        shape = self.values.shape
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        plain = self.make(
            "binary_cross_entropy",
            self.logits(),
            "Independent labels take one sigmoid and one binary cross-entropy per label.",
            ("class_counts",),
            task=task,
            targets="as_given",
            shape=shape,
        )
        others = []
        if self.from_logits:
            others.append(
                self.make(
                    "multilabel_soft_margin",
                    {"axis": -1},
                    "The same per-label cross-entropy averaged over the labels of each example "
                    "(torch's MultiLabelSoftMarginLoss), on logits.",
                    ("class_counts",),
                    task=task,
                    targets="as_given",
                    shape=shape,
                    prediction="logits",
                )
            )
        if self.level() in ("single", "balanced") or e.pos_weight is None:
            return [plain, *others]
        weighted = self.make(
            "binary_cross_entropy",
            {"pos_weight": e.pos_weight, **self.logits()},
            f"The labels are imbalanced (up to {ratio}:1), so a pos_weight per label = negatives "
            "/ positives makes both outcomes of each label count equally.",
            ("imbalance_ratio", "pos_weight"),
            task=task,
            targets="as_given",
            shape=shape,
        )
        focal = self.make(
            "binary_focal_cross_entropy",
            {"alpha": e.focal_alpha, "gamma": 2.0, **self.logits()},
            f"With labels imbalanced up to {ratio}:1, focal loss focuses on hard entries, and alpha "
            "is the negatives' share.",
            ("imbalance_ratio", "focal_alpha"),
            task=task,
            targets="as_given",
            shape=shape,
        )
        return self.ranked([plain, *others], weighted, focal)

    def probabilities(self, task: str, form: str, *, shape: tuple[int, ...] | None = None) -> list[Suggestion]:
        e = self.evidence
        shape = shape or self.values.shape
        options = {**self.logits(), "axis": -1}
        ratio = _number(e.imbalance_ratio) if e.imbalance_ratio is not None else "1"
        plain = self.make(
            "categorical_cross_entropy",
            options,
            "Categorical cross-entropy compares each row of targets with a softmax output, the "
            "standard loss for one-hot or probability targets.",
            ("classes",),
            task=task,
            targets="as_given",
            shape=shape,
        )
        others = []
        if form == "probabilities":
            others.append(
                self.make(
                    "kl_divergence",
                    options,
                    "KL divergence is cross-entropy minus the targets' own entropy: the same "
                    "gradient, and 0 at a perfect match (distillation).",
                    ("classes",),
                    task=task,
                    targets="as_given",
                    shape=shape,
                )
            )
        if self.level() in ("single", "balanced"):
            return [plain, *others]
        weighted = self.make(
            "categorical_cross_entropy",
            {**options, "class_weight": e.class_weight_effective},
            f"The classes are imbalanced ({ratio}:1), so class_weight by the effective number "
            "of samples (Cui et al. 2019) lifts the rare classes.",
            ("imbalance_ratio", "class_weight_effective", "effective_number_beta"),
            task=task,
            targets="as_given",
            shape=shape,
        )
        focal = self.make(
            "categorical_focal_cross_entropy",
            {"alpha": e.focal_alpha, "gamma": 2.0, **options},
            f"With imbalance {ratio}:1, focal loss focuses on hard examples, and alpha gives each "
            "class its inverse-frequency share.",
            ("imbalance_ratio", "focal_alpha"),
            task=task,
            targets="as_given",
            shape=shape,
        )
        return self.ranked([plain, *others], weighted, focal)

    def segmentation(self, form: str) -> list[Suggestion]:
        e = self.evidence
        task = "segmentation"
        shape = self.values.shape
        classes = self.classes_count()
        binary_mask = form == "soft" or (
            form == "labels" and classes == 2 and e.output != "softmax" and self.width is None
        )
        imbalanced = self.level() in ("imbalanced", "strong")
        if binary_mask:
            targets = "as_given" if form == "soft" else "is_positive"
            overlap = {"per_class": False, **self.logits()}
            dice = self.make(
                "dice",
                overlap,
                "Dice scores the overlap of each predicted mask with its target, so a small "
                "foreground counts as much as the background.",
                ("class_counts",),
                task=task,
                targets=targets,
                shape=shape,
            )
            ranking = self.binary(shape, task, form)
            tversky = self.make(
                "tversky",
                {"alpha": 0.3, "beta": 0.7, **overlap},
                "Tversky with beta > alpha (Salehi et al. 2017) penalises missed foreground "
                "more than false alarms, for small structures.",
                ("imbalance_ratio",),
                task=task,
                targets=targets,
                shape=shape,
            )
            return [dice, *ranking[:1], tversky, *ranking[1:]] if imbalanced else [*ranking[:1], dice, *ranking[1:]]
        if form == "multi_hot":
            dense = {**self.logits(), "axis": -1}
            dice = self.make(
                "dice",
                dense,
                "Dice per channel scores each mask's overlap (a sigmoid per channel), so small "
                "structures count as much as large ones.",
                ("class_counts",),
                task=task,
                targets="as_given",
                shape=shape,
            )
            return [dice, *self.multilabel(task)]
        if form == "probabilities":
            return self.probabilities(task, form)
        labels_shape = shape[:-1] if form == "one_hot" else shape
        prediction_shape = (*labels_shape, self.width or classes)
        overlap = {**self.logits(), "axis": -1}
        dice = self.make(
            "dice",
            overlap,
            "Dice per class scores the overlap of each class's mask (a softmax over the classes), so "
            "small classes count as much as the background.",
            ("class_counts",),
            task=task,
            targets="class_indices",
            shape=prediction_shape,
        )
        tversky = self.make(
            "tversky",
            {"alpha": 0.3, "beta": 0.7, **overlap},
            "Tversky with beta > alpha (Salehi et al. 2017) penalises missed pixels of a class more "
            "than false alarms, for small structures.",
            ("imbalance_ratio",),
            task=task,
            targets="class_indices",
            shape=prediction_shape,
        )
        if form == "one_hot":
            pixelwise = self.probabilities(task, form, shape=shape)
        else:
            pixelwise = self.multiclass(task, form, shape=prediction_shape)
        if imbalanced:
            return [dice, pixelwise[0], tversky, *pixelwise[1:]]
        return [pixelwise[0], dice, *pixelwise[1:]]

    def regression(self, task: str) -> list[Suggestion]:
        e = self.evidence
        shape = self.values.shape
        delta = {} if e.huber_delta is None else {"delta": e.huber_delta}
        share = f"{e.outlier_fraction:.1%}" if e.outlier_fraction is not None else "no"
        keys = ("outlier_fraction", "robust_scale", "huber_delta")
        mse = self.make(
            "mean_squared_error",
            {},
            "Squared error is the likelihood of Gaussian noise and the standard loss for a linear "
            "output" + (", but outliers dominate it." if _has_outliers(e) else "."),
            ("outlier_fraction",),
            task=task,
            targets="as_given",
            shape=shape,
            prediction="values",
        )
        huber = self.make(
            "huber",
            delta,
            f"Huber is squared near 0 and linear beyond delta = 1.345 robust σ, so the {share} of "
            "outliers pull less than under MSE.",
            keys,
            task=task,
            targets="as_given",
            shape=shape,
            prediction="values",
        )
        mae = self.make(
            "mean_absolute_error",
            {},
            f"Absolute error grows linearly, so the {share} of outliers pull no more than any other "
            "error (it fits the median).",
            ("outlier_fraction",),
            task=task,
            targets="as_given",
            shape=shape,
            prediction="values",
        )
        log_cosh = self.make(
            "log_cosh",
            {},
            "Log-cosh is squared for small errors and linear for large ones, smooth everywhere "
            "(a Huber without a delta to choose).",
            ("outlier_fraction",),
            task=task,
            targets="as_given",
            shape=shape,
            prediction="values",
        )
        ranking = [huber, mae, log_cosh, mse] if _has_outliers(e) else [mse, huber, log_cosh]
        if e.output == "sigmoid":
            ranking.insert(
                0,
                self.make(
                    "binary_cross_entropy",
                    {"from_logits": False},
                    "A sigmoid output with targets in [0, 1] goes with cross-entropy on the targets as probabilities.",
                    ("task",),
                    task=task,
                    targets="as_given",
                    shape=shape,
                ),
            )
        return ranking

    def counts(self) -> list[Suggestion]:
        e = self.evidence
        task, shape = "counts", self.values.shape
        rates = self.predictions is not None and self.predictions.low >= 0
        poisson = self.make(
            "poisson",
            {"log_input": not rates},
            "Counts are Poisson-like, so the Poisson likelihood of "
            + ("the predicted rates" if rates else "a linear output read as the log-rate")
            + " fits them.",
            ("zero_fraction",),
            task=task,
            targets="as_given",
            shape=shape,
            prediction="rates" if rates else "log-rates",
        )
        ranking = [poisson]
        if (e.skew or 0.0) >= SKEWED:
            ranking.append(
                self.make(
                    "mean_squared_logarithmic_error",
                    {},
                    f"The counts are skewed (skew {_number(e.skew)}), so errors on log(1 + y) "
                    "weigh large counts relatively.",
                    ("skew",),
                    task=task,
                    targets="as_given",
                    shape=shape,
                    prediction="values",
                )
            )
        return ranking + [s for s in self.regression(task) if s.loss != "binary_cross_entropy"][:2]

    def positive_skewed(self) -> list[Suggestion]:
        e = self.evidence
        task, shape = "positive_skewed", self.values.shape
        msle = self.make(
            "mean_squared_logarithmic_error",
            {},
            f"The values are non-negative and skewed (skew {_number(e.skew)}), so squared error on "
            "log(1 + y) measures relative errors; predict non-negative values.",
            ("skew",),
            task=task,
            targets="as_given",
            shape=shape,
            prediction="values",
        )
        log_cosh = self.make(
            "log_cosh",
            {},
            "Log-cosh grows only linearly for the large errors of the long tail.",
            ("skew",),
            task=task,
            targets="as_given",
            shape=shape,
            prediction="values",
        )
        huber = [s for s in self.regression(task) if s.loss == "huber"]
        return [msle, log_cosh, *huber]


def _has_outliers(evidence: Evidence) -> bool:
    return (evidence.outlier_fraction or 0.0) >= OUTLIERS
