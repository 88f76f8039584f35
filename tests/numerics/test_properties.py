"""Property-based tests (hypothesis) over random shapes, dtypes, options and inputs.

Every built-in loss gets a hypothesis strategy (``samples``) drawing a batch size, the
extra axes, the number of classes, an option set from the loss's declared options
(``lossx.lookup(name).options``: kinds and valid ranges; upper bounds of open ranges
capped in ``_FLOAT_RANGES`` so inputs stay well conditioned) and inputs valid for those
options (values drawn with hypothesis, float32-representable, so the same sample serves
float32 and float64). The properties, each parametrized by loss (test id
``test_<property>[<loss>]``, or ``[<loss>-<backend>]``):

* ``test_non_negative``: every unreduced entry is ≥ 0 (all losses but ``NOT_NON_NEGATIVE``);
* ``test_zero_at_perfect_prediction``: exactly 0 where the target is predicted perfectly
  (only the losses in ``PERFECT``; why the others are excluded is in ``NO_EXACT_ZERO``);
* ``test_sum_is_mean_times_total_weight``: ``"sum" == "mean" · Σw``, with Σw written here
  independently of lossx (sample weight × the class weight picked by the target × validity;
  the element count without weights);
* ``test_batch_permutation``: permuting the batch of every input and of the sample weights
  permutes ``"none"`` and leaves ``"sum"``/``"mean"`` unchanged;
* ``test_unit_sample_weight`` / ``test_unit_class_weight``: all-ones weights change nothing;
* ``test_read_only_inputs``: read-only NumPy inputs are accepted (no kernel writes into an
  input: the NumPy kernels write only into arrays they have created);
* ``test_label_smoothing_is_target_smoothing``: ``label_smoothing=ε`` (ε = 0 included) equals
  the loss of the smoothed targets ``t·(1−ε)+ε/K`` (K = 2 binary, C categorical); the sparse
  losses equal their dense counterpart on one-hot targets;
* ``test_cross_backend``: the value on each installed backend (float32 and float64)
  matches the float64 NumPy evaluation of lossx, and the gradient on the autodiff backends
  (torch, jax, tensorflow) matches central finite differences of that NumPy evaluation.

The first six run on NumPy (present in every environment); dtypes float32/float64 are
drawn. Tolerances scale with the dtype (``RTOL``; docs/semantics.md, numerical promise).

Profiles (registered in tests/conftest.py): ``ci`` (default) is derandomized with a fixed
number of examples, so CI is reproducible; ``HYPOTHESIS_PROFILE=dev`` draws more random
examples. Per-test example counts are ``_EXAMPLES`` × the profile's ``max_examples`` / 100.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lossx
from tests.support.cases import BATCH_LEVEL_LOSSES
from tests.support.frameworks import backend_param, to_backend, to_numpy

RTOL = {"float64": 1e-12, "float32": 1e-5}
DTYPES = ("float32", "float64")
LOSSES = tuple(lossx.losses.__all__)


def _examples(count: int) -> Callable:
    """``count`` examples per test under the ``ci`` profile, scaled with the active profile."""
    scaled = max(1, round(count * settings.default.max_examples / 100))
    return settings(max_examples=scaled)


# ------------------------------------------------------------------ drawing values


def float32_floats(low: float, high: float, **kwargs) -> st.SearchStrategy:
    """Floats in [low, high] representable in float32 (bounds rounded inwards)."""
    low32, high32 = np.float32(low), np.float32(high)
    low32 = low32 if low32 >= low else np.nextafter(low32, np.float32(np.inf))
    high32 = high32 if high32 <= high else np.nextafter(high32, np.float32(-np.inf))
    return st.floats(float(low32), float(high32), width=32, allow_subnormal=False, **kwargs)


class Drawer:
    """Draws float32-representable float64 arrays and integer arrays.

    With ``rng`` the values come from NumPy (continuous, so inputs almost surely avoid
    every kink, as finite differences need); without it from hypothesis, which favours
    boundary values, repeats and zeros.
    """

    def __init__(self, draw: Callable, rng: np.random.Generator | None = None):
        self.draw, self.rng = draw, rng

    def floats(self, shape: tuple, low: float, high: float) -> np.ndarray:
        if self.rng is not None:
            values = self.rng.uniform(low, high, shape)
        else:
            values = self.draw(
                hnp.arrays(
                    np.float64,
                    shape,
                    fill=st.nothing(),
                    elements=float32_floats(low, high),
                )
            )
        return np.asarray(values, np.float32).astype(np.float64)

    def ints(self, shape: tuple, low: int, high: int) -> np.ndarray:
        """Integers in [low, high]."""
        if self.rng is not None:
            return self.rng.integers(low, high + 1, shape).astype(np.int64)
        return self.draw(hnp.arrays(np.int64, shape, elements=st.integers(low, high), fill=st.nothing()))

    def signs(self, shape: tuple) -> np.ndarray:
        return 2.0 * self.ints(shape, 0, 1) - 1.0

    def bools(self, shape: tuple) -> np.ndarray:
        return self.ints(shape, 0, 1).astype(bool)


def f32(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, np.float32).astype(np.float64)


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def to_class_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """A channels-last array with its class axis moved to ``axis`` (−1 or 1)."""
    return x if axis == -1 else np.moveaxis(x, -1, axis)


# ------------------------------------------------------------------ options from the declarations

#: Upper bounds (and some tighter lower ones) for drawing float options whose declared
#: range is wide or unbounded: beyond these the inputs below would be ill conditioned
#: (e.g. temperature → 0, p → 0), which is the extremes' sweep's business, not this file's.
_FLOAT_RANGES = {
    "delta": (0.0, 3.0),
    "beta": (0.0, 3.0),
    "gamma": (0.0, 4.0),
    "epsilon": (-1.0, 3.0),
    "q": (0.0, 1.0),
    "margin": (-1.0, 2.0),
    "temperature": (0.1, 2.0),
    "p": (0.5, 3.0),
    "smooth": (0.0, 2.0),
    "alpha": (0.0, 2.0),
    "pos_weight": (0.0, 3.0),
    "label_smoothing": (0.0, 1.0),
    "quantile": (0.0, 1.0),
    "eps": (0.0, 0.5),
    "z_loss": (0.0, 0.1),
    "softcap": (0.5, 30.0),
    "gamma_pos": (0.0, 4.0),
    "gamma_neg": (0.0, 4.0),
    "clip": (0.0, 0.5),
    "pos_margin": (0.0, 2.0),
    "neg_margin": (0.0, 3.0),
    "scale": (0.5, 64.0),
    "power": (0.5, 3.0),
    "l2_reg": (0.0, 1.0),
}
#: Options that act on logits only: drawn only where from_logits is True.
_LOGIT_ONLY = ("z_loss", "softcap")
_WEIGHT_RANGE = (0.0, 3.0)


def _float_strategy(option: lossx.Option) -> st.SearchStrategy:
    low, high = _FLOAT_RANGES[option.name]
    if option.low is not None:
        low = max(low, option.low)
    if option.high is not None:
        high = min(high, option.high)
    exclude_low = option.low_open and low == option.low
    exclude_high = option.high_open and high == option.high
    return float32_floats(low, high, exclude_min=exclude_low, exclude_max=exclude_high)


#: Weights (class weights, a per-column pos_weight) below this are drawn as 0: TensorFlow's CPU kernels flush float32
#: subnormals to zero, so a weight near float32's smallest normal (1.2e-38) times a loss
#: below 1 is 0 there (docs/precision.md, subnormal weights), while NumPy keeps it.
_SMALLEST_WEIGHT = 1e-6


def _vector(option: lossx.Option, length: int) -> st.SearchStrategy:
    low, high = _WEIGHT_RANGE
    if option.name == "quantile":
        low, high = 0.0, 1.0
    entry = float32_floats(low, high, exclude_min=option.low_open, exclude_max=option.high_open)
    if option.name != "quantile":
        entry = entry.map(lambda weight: 0.0 if weight < _SMALLEST_WEIGHT else weight)
    return st.tuples(*[entry] * length)


@st.composite
def options_for(draw, loss: str, classes: int, last: int, fixed: dict | None = None) -> dict:
    """An option set of ``loss`` drawn from its declarations; ``fixed`` options are not drawn.

    ``classes`` is the length of per-class vectors, ``last`` of vector options running along
    the last axis (``pos_weight``, ``quantile``). Each option keeps its default half the time.
    """
    fixed = dict(fixed or {})
    options = {}
    for option in lossx.lookup(loss).options:
        if option.name in fixed:
            options[option.name] = fixed[option.name]
            continue
        if option.kind == "axes":
            continue  # axes depend on the rank of the inputs: the family's sampler draws them
        if option.name in _LOGIT_ONLY and not options.get("from_logits", False):
            continue
        if option.name == "ignore_index":
            candidates = st.sampled_from([None, -100, -1, 0, classes - 1])
        elif option.name == "blank":
            candidates = st.sampled_from([0, classes - 1, -1])
        elif option.kind in ("axis", "class_axes"):
            candidates = st.sampled_from([-1, 1])  # tuples of class axes: tests/numerics/test_class_axes.py
        elif option.kind == "bool":
            candidates = st.booleans()
        elif option.kind == "choice":
            candidates = st.sampled_from(option.named)
        elif option.kind == "int":
            candidates = st.integers(int(option.low), int(option.high))
        elif option.kind == "weights":
            candidates = _vector(option, classes)
        elif option.kind == "float_or_weights":
            length = last if option.name in ("pos_weight", "quantile") else classes
            candidates = _float_strategy(option) | _vector(option, length)
        else:
            candidates = _float_strategy(option)
            if option.allow_none:
                candidates = candidates | st.none()
        value = draw(st.just(option.default) | candidates)
        if value != option.default:
            options[option.name] = value
    return options


# ------------------------------------------------------------------ per-loss samples


@dataclass
class Sample:
    """Inputs (loss input order, NumPy) and options; ``batch`` is the leading axis of the
    unreduced loss, which every input here has as its axis 0."""

    loss: str
    arrays: tuple
    options: dict
    batch: int
    differentiable: tuple = (0,)

    @property
    def weight_shape(self) -> tuple:
        """The shape of a sample weight: the batch axis, or none for a loss pooled over the batch."""
        return () if self.loss in POOLED else (self.batch,)

    def call(self, backend="numpy", dtype="float64", **kwargs) -> Any:
        converted = [to_backend(backend, a, None if a.dtype.kind in "iub" else dtype) for a in self.arrays]
        if kwargs.get("sample_weight") is not None:
            kwargs["sample_weight"] = to_backend(backend, kwargs["sample_weight"], dtype)
        return getattr(lossx, self.loss)(*converted, **self.options, **kwargs)


def _dims(d: Drawer, small: bool) -> tuple[int, tuple, int]:
    """Batch size, extra axes (0 or 1 of them) and number of classes."""
    batch = d.draw(st.integers(1, 3 if small else 4))
    extra = tuple(d.draw(st.lists(st.integers(1, 2 if small else 3), max_size=1)))
    classes = d.draw(st.integers(2, 3 if small else 4))
    return batch, extra, classes


def _elementwise(d, loss, batch, extra, classes):
    """(shape, options) of an elementwise loss: shape (B, F, *extra)."""
    shape = (batch, classes, *extra)
    return shape, d.draw(options_for(loss, classes, shape[-1]))


def _regression(d, loss, dims):
    shape, options = _elementwise(d, loss, *dims)
    if loss == "mean_absolute_percentage_error":
        y_true = d.signs(shape) * d.floats(shape, 0.25, 2.0)
        return (d.floats(shape, -3, 3), y_true), options
    if loss == "mean_squared_logarithmic_error":
        return (d.floats(shape, 0, 3), d.floats(shape, 0, 3)), options
    if loss == "poisson":
        rates = d.floats(shape, -3, 3) if options.get("log_input") else d.floats(shape, 0.05, 4)
        return (rates, d.ints(shape, 0, 6).astype(np.float64)), options
    if loss == "gaussian_nll":
        per_sample = d.draw(st.booleans())
        variance = d.floats((shape[0],) + (1,) * (len(shape) - 1) if per_sample else shape, 0.05, 2)
        return (d.floats(shape, -3, 3), d.floats(shape, -3, 3), variance), options
    if loss in ("hinge", "squared_hinge", "soft_margin", "perceptron"):
        signs = d.signs(shape)
        return (d.floats(shape, -3, 3), (signs + 1) / 2 if d.draw(st.booleans()) else signs), options
    if loss == "hinge_embedding":
        return (d.floats(shape, 0, 3), d.signs(shape)), options
    if loss == "margin_ranking":
        return (d.floats(shape, -3, 3), d.floats(shape, -3, 3), d.signs(shape)), options
    if loss in ("binary_cross_entropy", "binary_focal_cross_entropy", "asymmetric", "sparsemax"):
        logits = options.get("from_logits") or loss in ("asymmetric", "sparsemax")
        y_pred = d.floats(shape, -4, 4) if logits else d.floats(shape, 0.02, 0.98)
        y_true = d.floats(shape, 0, 1) if d.draw(st.booleans()) else d.ints(shape, 0, 1).astype(np.float64)
        return (y_pred, y_true), options
    return (d.floats(shape, -3, 3), d.floats(shape, -3, 3)), options


def _categorical(d, loss, dims):
    """Losses over a class axis, inputs (B, *extra, C) with the class axis moved to ``axis``."""
    batch, extra, classes = dims
    fixed = {"log_input": False} if loss == "kl_divergence" else None
    options = d.draw(options_for(loss, classes, classes, fixed))
    if loss == "kl_divergence" and not options.get("from_logits") and d.draw(st.booleans()):
        options["log_input"] = True
    axis = options.get("axis", -1)
    shape = (batch, *extra, classes)
    logits = d.floats(shape, -4, 4)
    labels = d.ints(shape[:-1], 0, classes - 1)
    if "ignore_index" in options:
        labels = np.where(d.bools(labels.shape), options["ignore_index"], labels)
    soft = d.draw(st.booleans())
    if loss in (
        "cosine_similarity",
        "categorical_hinge",
        "multi_margin",
        "multilabel_soft_margin",
        "multilabel_margin",
        "multiclass_perceptron",
        "multiclass_sparsemax",
        "ranking_softmax",
    ):
        y_pred = logits
    elif loss == "nll":
        y_pred = f32(logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True)))
    elif options.get("from_logits"):
        y_pred = logits
    elif loss == "generalized_kl_divergence":  # unnormalised measures
        y_pred = logits if options.get("log_input") else f32(np.exp(logits))
    elif options.get("log_input"):
        y_pred = f32(np.log(softmax(logits)))
    else:
        y_pred = f32(softmax(logits))
    if loss in ("cosface", "arcface"):  # cosines, away from ±1 where ArcFace's derivative grows without bound
        y_pred = d.floats(shape, -0.95, 0.95)
    if lossx.lookup(loss).target.kind == "labels":
        return (to_class_axis(y_pred, axis), labels), options
    if loss == "multilabel_margin":
        return (to_class_axis(y_pred, axis), to_class_axis(_label_lists(d.bools(shape)), axis)), options
    if loss == "ranking_softmax":  # graded relevances
        return (to_class_axis(y_pred, axis), to_class_axis(d.ints(shape, 0, 3).astype(np.float64), axis)), options
    if loss == "cosine_similarity":
        y_true = d.floats(shape, -3, 3)
    elif loss == "multilabel_soft_margin":
        y_true = d.floats(shape, 0, 1) if soft else d.ints(shape, 0, 1).astype(np.float64)
    elif loss == "generalized_kl_divergence":
        y_true = d.floats(shape, -3, 3) if options.get("log_target") else f32(np.exp(d.floats(shape, -3, 3)))
    elif options.get("log_target"):
        y_true = np.log(f32(softmax(d.floats(shape, -3, 3))))
    elif soft and loss != "categorical_hinge":
        y_true = f32(softmax(d.floats(shape, -3, 3)))
    else:
        y_true = one_hot(labels, classes)
    return (to_class_axis(y_pred, axis), to_class_axis(y_true, axis)), options


def _ordinal(d, loss, dims):
    """weighted_kappa: probabilities leaning towards the labels, and the labels or soft targets leaning the same way.

    κ is 0 identically where every label is the same (one row included) and near 0 for predictions unrelated to
    the targets, where log(1 − κ + ε) ≈ −κ is the difference of two sums of the batch (float32 keeps its
    absolute, not its relative, accuracy there): two labels at least, predictions that agree with the targets.
    """
    batch, extra, classes = dims
    options = d.draw(options_for(loss, classes, classes))
    axis = options.get("axis", -1)
    shape = (batch, *extra, classes)
    labels = d.ints(shape[:-1], 0, classes - 1)
    assume(len(np.unique(labels)) > 1)
    lean = 3 * one_hot(labels, classes)
    y_pred = f32(softmax(d.floats(shape, -1, 1) + lean))
    y_true = f32(softmax(d.floats(shape, -1, 1) + lean)) if d.draw(st.booleans()) else None
    return (to_class_axis(y_pred, axis), labels if y_true is None else to_class_axis(y_true, axis)), options


def _label_lists(is_label: np.ndarray) -> np.ndarray:
    """multilabel_margin's targets: along the last axis, each entry's labels (True classes), then −1."""
    lists = np.full(is_label.shape, -1, dtype=np.int64)
    for index in np.ndindex(is_label.shape[:-1]):
        labels = np.flatnonzero(is_label[index])
        lists[index][: len(labels)] = labels
    return lists


def _overlap(d, loss, dims):
    """Dice/Tversky/Jaccard: integer labels (multiclass), or dense 0/1, soft or binary (C = 1)."""
    batch, extra, classes = dims
    target = d.draw(st.sampled_from(["labels", "dense", "soft", "binary"]))
    classes = 1 if target == "binary" else classes
    options = d.draw(options_for(loss, classes, classes))
    if loss == "mcc" and options.get("class_weight") is not None:
        # N = TP·TN − FP·FN is a difference; a class weighted near ε (under the root) makes its
        # float32 rounding visible in the gradient: weights of at least 0.1.
        options["class_weight"] = tuple(max(w, 0.1) for w in options["class_weight"])
    if options.get("epsilon", 1e-7) == 0 and options.get("smooth", 0.0) == 0:
        # Without ε and smooth, a class absent from the targets whose false positives carry no
        # weight (Tversky with α = 0) scores 0/0: undefined, NaN is the honest answer.
        del options["epsilon"]
    axis = options.get("axis", -1)
    shape = (batch, *(extra or (2,)), classes)
    logits = d.floats(shape, -4, 4)
    if target == "labels":
        y_pred = logits if options.get("from_logits") else f32(softmax(logits))
        labels = d.ints(shape[:-1], 0, classes - 1)
        if options.get("ignore_index") is not None:
            labels = np.where(d.bools(labels.shape), options["ignore_index"], labels)
        return (to_class_axis(y_pred, axis), labels), _draw_sum_axes(d, loss, options, len(shape))
    options.pop("ignore_index", None)
    y_pred = logits if options.get("from_logits") else d.floats(shape, 0.02, 0.98)
    y_true = d.floats(shape, 0, 1) if target == "soft" else d.ints(shape, 0, 1).astype(np.float64)
    if target != "soft" and d.draw(st.booleans()):
        options["ignore_index"] = 2
        y_true = np.where(d.bools(shape), 2.0, y_true)
    return (to_class_axis(y_pred, axis), to_class_axis(y_true, axis)), _draw_sum_axes(d, loss, options, len(shape))


def _draw_sum_axes(d, loss, options, ndim):
    """Half the time, where the loss has them, sum_axes: some axes other than the batch axis (sample weights
    align with it), the class axis among them when per_class=False pools the classes."""
    if "sum_axes" not in {option.name for option in lossx.lookup(loss).options} or not d.draw(st.booleans()):
        return options
    class_axis = options.get("axis", -1) % ndim
    axes = d.draw(st.lists(st.sampled_from(range(1, ndim)), min_size=1, unique=True))
    if not options.get("per_class", True) and class_axis not in axes:
        axes.append(class_axis)
    return {**options, "sum_axes": tuple(axes)}


def _lovasz_masks(d, loss, dims):
    """lovasz_hinge: logits of images (B, C, *extra) and 0/1 or soft targets."""
    batch, extra, classes = dims
    shape = (batch, classes, *extra)
    y_true = d.floats(shape, 0, 1) if d.draw(st.booleans()) else d.ints(shape, 0, 1).astype(np.float64)
    return (d.floats(shape, -3, 3), y_true), {}


def _rows(d, loss, dims):
    """cosine_embedding and triplet_margin: (B, D) rows; the losses over a batch of embeddings (N, D) with group ids."""
    batch, _, classes = dims
    options = d.draw(options_for(loss, classes, classes))
    shape = (batch, classes + 1)
    if loss == "cosine_embedding":
        inputs = (d.floats(shape, -3, 3), d.floats(shape, -3, 3), d.signs((batch,)))
        if options.get("eps", 1e-12) == 0:  # the cosine of a zero vector is 0/0 without eps
            assume(all(np.all(np.linalg.norm(x, axis=1) > 0) for x in inputs[:2]))
        return inputs, options
    if loss == "triplet_margin":
        return tuple(d.floats(shape, -3, 3) for _ in range(3)), options
    if loss == "npairs":
        return (d.floats(shape, -2, 2), d.floats(shape, -2, 2), d.ints((batch,), 0, 2)), options
    rows = batch + 2
    embeddings = d.floats((rows, classes), -3, 3)
    assume(np.all(np.linalg.norm(embeddings, axis=1) > 0.1))  # cosines of near-zero rows are noise
    return (embeddings, d.ints((rows,), 0, 2)), options


def _ctc(d, loss, dims):
    batch, _, classes = dims
    classes = classes + 1  # the blank and at least two labels
    options = d.draw(options_for(loss, classes, classes))
    frames = d.draw(st.integers(2, 4))
    blank = options.get("blank", 0) % classes
    input_lengths = d.ints((batch,), 1, frames)
    # Label lengths at most half the frames: an alignment always exists, even with repeats.
    label_lengths = np.minimum(d.ints((batch,), 0, 2), (input_lengths + 1) // 2)
    labels = (blank + d.ints((batch, 2), 1, classes - 1)) % classes
    logits = d.floats((batch, frames, classes), -3, 3)
    y_pred = logits if options.get("from_logits", True) else f32(softmax(logits))
    return (y_pred, labels, input_lengths, label_lengths), options


def _boxes(d, loss, dims):
    """Pairs of (x1, y1, x2, y2) boxes, (batch, *extra, 4): corners in [0, 8], sides in [0.25, 4]."""
    batch, extra, _ = dims
    options = d.draw(options_for(loss, 4, 4))
    shape = (batch, *extra)

    def boxes():
        corner = d.floats((*shape, 2), 0, 8)
        return f32(np.concatenate([corner, corner + d.floats((*shape, 2), 0.25, 4)], axis=-1))

    return (boxes(), boxes()), options


_FAMILY = {
    **{
        name: _categorical
        for name in (
            "cosine_similarity",
            "categorical_cross_entropy",
            "sparse_categorical_cross_entropy",
            "categorical_focal_cross_entropy",
            "sparse_categorical_focal_cross_entropy",
            "poly_cross_entropy",
            "generalized_cross_entropy",
            "kl_divergence",
            "generalized_kl_divergence",
            "jensen_shannon",
            "nll",
            "categorical_hinge",
            "multi_margin",
            "multilabel_soft_margin",
            "multilabel_margin",
            "multiclass_perceptron",
            "cosface",
            "arcface",
            "multiclass_sparsemax",
            "ranking_softmax",
        )
    },
    "weighted_kappa": _ordinal,
    **{
        name: _overlap
        for name in ("dice", "generalized_dice", "tversky", "focal_tversky", "jaccard", "mcc", "lovasz_softmax")
    },
    "lovasz_hinge": _lovasz_masks,
    **{
        name: _rows
        for name in (
            "cosine_embedding",
            "triplet_margin",
            "ntxent",
            "circle",
            "contrastive",
            "supervised_contrastive",
            "mined_triplet",
            "lifted_structure",
            "npairs",
        )
    },
    **{name: _boxes for name in ("generalized_box_iou", "distance_box_iou", "complete_box_iou")},
    "ctc": _ctc,
}

#: Inputs that finite differences may perturb (besides the prediction, position 0).
_DIFFERENTIABLE = {
    "gaussian_nll": (0, 1, 2),
    "margin_ranking": (0, 1),
    "cosine_embedding": (0, 1),
    "triplet_margin": (0, 1, 2),
    "cosine_similarity": (0, 1),
    "mean_squared_error": (0, 1),
    "generalized_box_iou": (0, 1),
    "distance_box_iou": (0, 1),
}


@st.composite
def samples(draw, loss: str, random_values: bool = False) -> Sample:
    """One sample of ``loss``; ``random_values`` draws the values from a seeded NumPy generator."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1))) if random_values else None
    d = Drawer(draw, rng)
    dims = _dims(d, small=random_values)
    arrays, options = _FAMILY.get(loss, _regression)(d, loss, dims)
    note(f"{loss} options={options} shapes={[a.shape for a in arrays]}")
    return Sample(loss, tuple(arrays), options, arrays[0].shape[0], _DIFFERENTIABLE.get(loss, (0,)))


# ------------------------------------------------------------------ comparing


def assert_close(actual: Any, expected: Any, dtype: str, what: str, scale: float | None = None) -> None:
    """Within RTOL[dtype], with atol = rtol · ``scale`` (default max|expected|)."""
    actual, expected = np.asarray(to_numpy(actual), np.float64), np.asarray(to_numpy(expected), np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    rtol = RTOL[dtype]
    if scale is None:
        scale = float(np.max(np.abs(expected), initial=0.0))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * max(scale, 1e-30), err_msg=what)


def draw_sample_weight(data, shape: tuple) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0, 2, width=32), fill=st.nothing()))


# ------------------------------------------------------------------ 1. non-negativity

#: Losses that can be negative: cosine_similarity ranges over [−1, 1]; poisson's
#: λ − t·log λ (without the constant log t!) is negative e.g. at λ = t = 3; gaussian_nll's
#: ½·log v is negative for variances below 1.
#: weighted_kappa's log(1 − κ + ε) is negative wherever κ > ε.
NOT_NON_NEGATIVE = {"cosine_similarity", "poisson", "gaussian_nll", "weighted_kappa"}
#: Losses whose unreduced value is one number for the whole batch: no batch axis to weight or permute.
POOLED = BATCH_LEVEL_LOSSES


@pytest.mark.parametrize("loss", [n for n in LOSSES if n not in NOT_NON_NEGATIVE])
@_examples(12)
@given(data=st.data())
def test_non_negative(loss, data):
    sample = data.draw(samples(loss))
    dtype = data.draw(st.sampled_from(DTYPES))
    value = to_numpy(sample.call(dtype=dtype, reduction="none"))
    if sample.options.get("pointwise"):  # KL's terms may be negative; their sum over the support is not
        value = np.sum(value, axis=sample.options.get("axis", -1))
    # Distributions are float32-rounded (they sum to 1 within float32's ε, also as float64
    # inputs), so a divergence that cancels to 0 may end a few float32 ulps below it.
    tolerance = 64 * np.finfo(np.float32).eps * max(1.0, float(np.max(np.abs(value), initial=0.0)))
    assert np.all(value >= -tolerance), f"negative entries: {value[~(value >= -tolerance)]}"


# ------------------------------------------------------------------ 2. zero at a perfect prediction


def _perfect_regression(d, loss, dims):
    shape, options = _elementwise(d, loss, *dims)
    y_true = d.floats(shape, 0.25, 3) * (1 if loss == "mean_squared_logarithmic_error" else d.signs(shape))
    return (y_true.copy(), y_true), options


def _perfect_margin(d, loss, dims):
    """Hinge-type losses: every margin at least 1 (or the ``margin`` option)."""
    batch, extra, classes = dims
    shape = (batch, classes, *extra)
    if loss in ("hinge", "squared_hinge", "perceptron", "sparsemax"):
        signs = d.signs(shape)
        y_true = (signs + 1) / 2 if loss == "sparsemax" or d.draw(st.booleans()) else signs
        return (signs * (1 + d.floats(shape, 0, 2)), y_true), {}
    # Margins exceed the required one by a gap ≥ 0.25, so float32 rounding cannot undo them.
    options = d.draw(options_for(loss, classes, classes))
    margin = options.get("margin", 1.0 if loss != "margin_ranking" else 0.0)
    if loss == "margin_ranking":
        x1, target = d.floats(shape, -3, 3), d.signs(shape)
        return (x1, x1 - target * (max(margin, 0) + d.floats(shape, 0.25, 2)), target), options
    if loss == "hinge_embedding":
        target = d.signs(shape)
        distances = np.where(target > 0, 0.0, max(margin, 0) + d.floats(shape, 0.25, 2))
        return (distances, target), options
    if loss == "multilabel_margin":  # every label's score leads every other class's by more than 1
        is_label = d.bools((batch, *extra, classes))
        scores = np.where(is_label, d.floats(is_label.shape, 2.25, 4), d.floats(is_label.shape, -1, 1))
        axis = options.get("axis", -1)
        return (to_class_axis(scores, axis), to_class_axis(_label_lists(is_label), axis)), options
    # categorical_hinge (margin 1), multi_margin, multiclass_perceptron and multiclass_sparsemax (1 too, where
    # sparsemax is one-hot): the true class leads by the margin.
    # Keras's categorical hinge takes max_c((1−t_c)·y_c), which is ≥ 0 (the true class's
    # term is 0), so there the true score must also exceed 1 itself.
    axis = options.get("axis", -1)
    scores = d.floats((batch, *extra, classes), -3, 3)
    labels = d.ints(scores.shape[:-1], 0, classes - 1)
    others = np.max(scores, axis=-1)
    if loss == "categorical_hinge":
        others = np.maximum(others, 0.0)
    lead = others + max(margin, 0) + d.floats(labels.shape, 0.25, 2)
    np.put_along_axis(scores, labels[..., None], lead[..., None], axis=-1)
    target = (
        labels
        if loss in ("multi_margin", "multiclass_perceptron", "multiclass_sparsemax")
        else to_class_axis(one_hot(labels, classes), axis)
    )
    return (to_class_axis(scores, axis), target), options


def _perfect_classification(d, loss, dims):
    """Probability 1 on the target class (label smoothing 0, probabilities)."""
    batch, extra, classes = dims
    fixed = {"label_smoothing": 0.0, "from_logits": False, "log_target": False, "log_input": False}
    options = {k: v for k, v in d.draw(options_for(loss, classes, classes, fixed)).items() if v not in (0.0, False)}
    if loss in ("binary_cross_entropy", "binary_focal_cross_entropy"):
        shape = (batch, classes, *extra)
        if isinstance(options.get("pos_weight"), tuple):  # per column: along the last axis
            options["pos_weight"] = options["pos_weight"][:1] * shape[-1]
        y_true = d.ints(shape, 0, 1).astype(np.float64)
        return (y_true.copy(), y_true), options
    axis = options.get("axis", -1)
    labels = d.ints((batch, *extra), 0, classes - 1)
    if "ignore_index" in options:
        labels = np.where(d.bools(labels.shape), options["ignore_index"], labels)
    y_true = one_hot(np.clip(labels, 0, classes - 1), classes)
    if loss == "nll":  # log-probabilities: 0 at the label, anything below elsewhere
        y_pred = np.where(y_true > 0, 0.0, -d.floats(y_true.shape, 0.1, 5))
    elif loss in ("kl_divergence", "jensen_shannon"):  # any target distribution, predicted exactly
        y_true = f32(softmax(d.floats(y_true.shape, -3, 3)))
        y_pred = y_true.copy()
    elif loss == "generalized_kl_divergence":  # any measure, predicted exactly
        y_true = f32(np.exp(d.floats(y_true.shape, -3, 3)))
        y_pred = y_true.copy()
    else:
        y_pred = y_true.copy()
    target = labels if lossx.lookup(loss).target.kind == "labels" else to_class_axis(y_true, axis)
    return (to_class_axis(y_pred, axis), target), options


def _exact_masks(d, shape, axis):
    """Probabilities equal to the targets: one-hot rows with their integer labels, or dense 0/1 masks."""
    classes = shape[-1]
    if d.draw(st.booleans()):
        labels = d.ints(shape[:-1], 0, classes - 1)
        return to_class_axis(one_hot(labels, classes), axis), labels
    y_true = to_class_axis(d.ints(shape, 0, 1).astype(np.float64), axis)
    return y_true, y_true.copy()


def _perfect_overlap(d, loss, dims):
    """Predicted masks equal to the targets; ε = 0 (ε in the denominator alone keeps the
    loss above 0) and smooth > 0 (so that a class absent from a sample scores 0, not 0/0)."""
    batch, extra, classes = dims
    options = d.draw(options_for(loss, classes, classes, {"from_logits": False, "epsilon": 0.0}))
    options["smooth"] = d.draw(st.floats(0.125, 2, width=32))
    options.pop("ignore_index", None)
    return _exact_masks(d, (batch, *(extra or (2,)), classes), options.get("axis", -1)), options


def _perfect_mcc(d, loss, dims):
    """Predicted masks equal to dense 0/1 targets in which every score has a positive and a negative
    pixel (else its correlation is 0/0, taken as 0: loss 1); ε = 0."""
    batch, extra, classes = dims
    options = d.draw(options_for(loss, classes, classes, {"from_logits": False, "epsilon": 0.0}))
    options.pop("ignore_index", None)
    axis = options.get("axis", -1)
    shape = (batch, 2 * (extra[0] if extra else 1), classes)
    y_true = d.ints(shape, 0, 1).astype(np.float64)
    y_true[:, 0, :], y_true[:, -1, :] = 1.0, 0.0
    return (to_class_axis(y_true, axis), to_class_axis(y_true, axis)), options


def _perfect_lovasz(d, loss, dims):
    """Every error at most 0: hinge logits of the target's sign by a margin of 1 or more; probabilities equal to
    the one-hot or 0/1 targets."""
    batch, extra, classes = dims
    options = d.draw(options_for(loss, classes, classes, {"from_logits": False}))
    options.pop("ignore_index", None)
    if loss == "lovasz_hinge":
        shape = (batch, classes, *extra)
        signs = d.signs(shape)
        return (signs * (1 + d.floats(shape, 0, 2)), (signs + 1) / 2), options
    return _exact_masks(d, (batch, *(extra or (2,)), classes), options.get("axis", -1)), options


def _perfect_triplet(d, loss, dims):
    """Anchor = positive, the negative farther than the margin."""
    batch, _, classes = dims
    options = d.draw(options_for(loss, classes, classes))
    anchor = d.floats((batch, classes), -3, 3)
    negative = anchor + options.get("margin", 1.0) + 1 + d.floats((batch, classes), 0, 1)
    return (anchor, anchor.copy(), negative), options


def _perfect_clusters(d, loss, dims):
    """Each class's rows identical, the classes' rows farther apart than the margins (two classes at least: a
    batch of one class has no negative to be beyond)."""
    batch, _, classes = dims
    rows = batch + 2
    if loss == "contrastive":
        options = d.draw(options_for(loss, classes, classes, fixed={"normalize": False}))
        spacing = options.get("neg_margin", 1.0) + 1
    elif loss == "lifted_structure":
        # Every J_ij = log(Σ_{N(i)} e^{α − D} + Σ_{N(j)} e^{α − D}) + 0 ≤ α + log(2N) − spacing < 0.
        options = d.draw(options_for(loss, classes, classes, fixed={"normalize": False}))
        spacing = max(options.get("margin", 1.0), 0.0) + np.log(2 * rows) + 1
    else:
        distance = d.draw(st.sampled_from(["euclidean", "squared_euclidean"]))
        options = d.draw(options_for(loss, classes, classes, fixed={"soft": False, "distance": distance}))
        spacing = options.get("margin", 1.0) + 1  # also (margin + 1)² > margin for the squared distance
    labels = np.concatenate([[0, 1], d.ints((rows - 2,), 0, 2)])
    centres = spacing * np.eye(3, classes)  # spacing or more apart (with two features the third is 0)
    return (centres[labels], labels), options


PERFECT = {
    **{
        name: _perfect_regression
        for name in (
            "mean_squared_error",
            "mean_absolute_error",
            "huber",
            "smooth_l1",
            "log_cosh",
            "quantile",
            "mean_absolute_percentage_error",
            "mean_squared_logarithmic_error",
        )
    },
    **{
        name: _perfect_margin
        for name in (
            "hinge",
            "squared_hinge",
            "margin_ranking",
            "hinge_embedding",
            "categorical_hinge",
            "multi_margin",
            "multilabel_margin",
            "perceptron",
            "multiclass_perceptron",
            "sparsemax",
            "multiclass_sparsemax",
        )
    },
    **{
        name: _perfect_classification
        for name in (
            "binary_cross_entropy",
            "binary_focal_cross_entropy",
            "categorical_cross_entropy",
            "sparse_categorical_cross_entropy",
            "categorical_focal_cross_entropy",
            "sparse_categorical_focal_cross_entropy",
            "poly_cross_entropy",
            "generalized_cross_entropy",
            "kl_divergence",
            "generalized_kl_divergence",
            "jensen_shannon",
            "nll",
        )
    },
    **{name: _perfect_overlap for name in ("dice", "generalized_dice", "tversky", "focal_tversky", "jaccard")},
    "mcc": _perfect_mcc,
    "lovasz_hinge": _perfect_lovasz,
    "lovasz_softmax": _perfect_lovasz,
    "triplet_margin": _perfect_triplet,
    "contrastive": _perfect_clusters,
    "mined_triplet": _perfect_clusters,
    "lifted_structure": _perfect_clusters,
}

#: Losses with no exactly-zero perfect prediction, and why.
NO_EXACT_ZERO = {
    "poisson": "minimum λ = t leaves t − t·log t (the dropped log t! constant)",
    "gaussian_nll": "½·log v has no minimum; the loss is unbounded below",
    "cosine_similarity": "minimum −1 (aligned vectors)",
    "soft_margin": "softplus(−y·x) > 0 for every finite score",
    "multilabel_soft_margin": "softplus > 0 for every finite logit",
    "asymmetric": "a positive label's −log σ(x) > 0 for every finite logit",
    "cosine_embedding": "1 − cos(x, c·x) is 0 only up to rounding of the norms (and of eps)",
    "ntxent": "a softplus of finite similarities, > 0",
    "circle": "a softplus of finite weighted similarities, > 0",
    "supervised_contrastive": "each row's positives share the probability: at least log |P(i)|, and a softplus > 0",
    "npairs": "a softmax cross-entropy of finite dot products, > 0",
    "ctc": "−log p(y|x) > 0 for finite logits (softmax never reaches 1)",
    "cosface": "a softmax cross-entropy of finite scaled cosines, > 0",
    "arcface": "a softmax cross-entropy of finite scaled cosines, > 0",
    "weighted_kappa": "minimum log ε (TFA's epsilon inside the logarithm), negative",
    **dict.fromkeys(
        ("generalized_box_iou", "distance_box_iou", "complete_box_iou"),
        "identical boxes of area A lose ε/(A + ε): eps keeps zero-area boxes finite",
    ),
    "ranking_softmax": "−Σ y·log softmax(s) > 0 for finite scores once a relevance is positive",
}
assert set(PERFECT) | set(NO_EXACT_ZERO) == set(LOSSES)


@pytest.mark.parametrize("loss", sorted(PERFECT, key=LOSSES.index))
@_examples(10)
@given(data=st.data())
def test_zero_at_perfect_prediction(loss, data):
    d = Drawer(data.draw)
    arrays, options = PERFECT[loss](d, loss, _dims(d, small=False))
    note(f"options={options}")
    sample = Sample(loss, arrays, options, arrays[0].shape[0])
    dtype = data.draw(st.sampled_from(DTYPES))
    value = to_numpy(sample.call(dtype=dtype, reduction="none"))
    assert np.all(value == 0), f"not exactly 0: {value}"
    assert to_numpy(sample.call(dtype=dtype, reduction="mean")) == 0


# ------------------------------------------------------------------ 3. sum = mean · Σw


def element_weights(sample: Sample, loss_shape: tuple) -> np.ndarray:
    """The weight of each unreduced entry before sample weights (docs/semantics.md, reductions and weights), written
    from the
    documented semantics: the class weight picked by the target and 0 where ignored."""
    name, options, arrays = sample.loss, sample.options, sample.arrays
    class_weight = options.get("class_weight")
    ignore_index = options.get("ignore_index")
    axis = options.get("axis", -1)
    if name == "ntxent":  # each anchor counts its positive pairs
        labels = arrays[1]
        return (labels[:, None] == labels[None, :]).sum(axis=1) - 1.0
    if name == "circle":  # each anchor with a positive and a negative counts once
        labels = arrays[1]
        same = labels[:, None] == labels[None, :]
        positives = same.sum(axis=1) - (1 if options.get("remove_diagonal", True) else 0)
        return ((positives > 0) & (~same).any(axis=1)).astype(np.float64)
    if name == "contrastive":  # each anchor counts its N − 1 pairs
        return np.full(loss_shape, loss_shape[0] - 1.0)
    if name == "supervised_contrastive":  # each anchor with a positive and a negative counts once
        labels = arrays[1]
        same = labels[:, None] == labels[None, :]
        return ((same.sum(axis=1) > 1) & (~same).any(axis=1)).astype(np.float64)
    if name == "lifted_structure" or (name == "mined_triplet" and options.get("mining", "semi_hard") == "semi_hard"):
        # each anchor counts its positive pairs
        labels = arrays[1]
        return (labels[:, None] == labels[None, :]).sum(axis=1) - 1.0
    if name == "lovasz_softmax":  # per (sample, class): a pixel not ignored (with classes="present", a target)
        y_pred, y_true = arrays
        class_axis = axis % y_pred.ndim
        shape = [-1 if d == class_axis else 1 for d in range(y_pred.ndim)]
        classes = np.arange(y_pred.shape[class_axis]).reshape(shape)
        if y_true.dtype.kind == "i":
            labels = np.expand_dims(y_true, class_axis)
            valid = np.broadcast_to(labels != ignore_index, y_pred.shape)
            target = (labels == classes).astype(np.float64)
        else:
            valid, target = y_true != ignore_index, y_true
        pixels = tuple(d for d in range(1, y_pred.ndim) if d != class_axis)
        weight = valid.any(axis=pixels)
        if options.get("classes") == "present":
            weight &= np.sum(np.where(valid, target, 0.0), axis=pixels) > 0
        return weight * (1.0 if class_weight is None else np.asarray(class_weight))
    if name in ("dice", "generalized_dice", "tversky", "focal_tversky", "jaccard", "mcc"):
        y_pred, y_true = arrays
        ndim, class_axis = y_pred.ndim, axis % y_pred.ndim
        if y_true.dtype.kind == "i":
            valid = np.broadcast_to(np.expand_dims(y_true != ignore_index, class_axis), y_pred.shape)
        else:
            valid = y_true != ignore_index
        sum_axes = options.get("sum_axes", "per_sample")
        pooled = name == "generalized_dice" or not options.get("per_class", True)  # the classes in one score
        if sum_axes == "per_sample":
            summed = tuple(d for d in range(1, ndim) if pooled or d != class_axis)
        else:
            summed = tuple(sorted({a % ndim for a in sum_axes} | ({class_axis} if pooled else set())))
        weight = valid.any(axis=summed).astype(np.float64)
        if class_weight is not None and class_axis not in summed:
            shape = [1] * weight.ndim
            shape[class_axis - sum(d < class_axis for d in summed)] = -1
            weight = weight * np.reshape(class_weight, shape)
        return weight
    spec = lossx.lookup(name)
    weight = np.ones(loss_shape)
    if spec.target.kind == "labels":
        labels = arrays[1]
        valid = labels != ignore_index if ignore_index is not None else np.ones(labels.shape, bool)
        if class_weight is not None:
            weight = np.asarray(class_weight)[np.where(valid, labels, 0)]
        weight = np.where(valid, weight, 0.0)
    elif class_weight is not None and name in DENSE_CLASS_WEIGHTED:
        # Dense targets: the class weights summed with the (unsmoothed) target as weights.
        weight = np.sum(np.moveaxis(arrays[1], axis, -1) * np.asarray(class_weight), axis=-1)
    return weight


@pytest.mark.parametrize("loss", LOSSES)
@_examples(12)
@given(data=st.data())
def test_sum_is_mean_times_total_weight(loss, data):
    sample = data.draw(samples(loss))
    dtype = data.draw(st.sampled_from(DTYPES))
    sample_weight = draw_sample_weight(data, sample.weight_shape) if data.draw(st.booleans()) else None
    unreduced = to_numpy(sample.call(dtype=dtype, reduction="none", sample_weight=sample_weight))
    weights = np.broadcast_to(element_weights(sample, unreduced.shape), unreduced.shape)
    if sample_weight is not None:
        weights = weights * sample_weight.reshape((-1,) + (1,) * (unreduced.ndim - 1))
    total = float(np.sum(weights))
    loss_sum = float(to_numpy(sample.call(dtype=dtype, reduction="sum", sample_weight=sample_weight)))
    loss_mean = float(to_numpy(sample.call(dtype=dtype, reduction="mean", sample_weight=sample_weight)))
    note(f"sum={loss_sum!r} mean={loss_mean!r} Σw={total!r}")
    # Rounding accumulates over the terms of the sum, so the scale is Σ|w·l|, not |Σ w·l|.
    scale = float(np.sum(np.abs(unreduced.astype(np.float64))))
    if total > 0:
        assert_close(loss_sum, loss_mean * total, dtype, "sum vs mean·Σw", scale=scale)
    else:
        # Σw = 0: "mean" is 0 (docs/semantics.md, reductions and weights). "sum" need not be: label smoothing spreads
        # loss onto
        # classes whose weights are not in the denominator (torch's Σ w_y).
        assert loss_mean == 0


# ------------------------------------------------------------------ 4. batch permutation


@pytest.mark.parametrize("loss", LOSSES)
@_examples(10)
@given(data=st.data())
def test_batch_permutation(loss, data):
    sample = data.draw(samples(loss))
    dtype = data.draw(st.sampled_from(DTYPES))
    order = np.asarray(data.draw(st.permutations(range(sample.batch))), dtype=np.int64)
    sample_weight = draw_sample_weight(data, sample.weight_shape) if data.draw(st.booleans()) else None
    pooled = loss in POOLED
    permuted = replace(sample, arrays=tuple(a[order] for a in sample.arrays))
    permuted_weight = sample_weight if sample_weight is None or pooled else sample_weight[order]
    original = to_numpy(sample.call(dtype=dtype, reduction="none", sample_weight=sample_weight))
    shuffled = to_numpy(permuted.call(dtype=dtype, reduction="none", sample_weight=permuted_weight))
    assert_close(shuffled, original if pooled else original[order], dtype, "none")
    scale = float(np.sum(np.abs(original)))
    for reduction in ("sum", "mean"):
        expected = sample.call(dtype=dtype, reduction=reduction, sample_weight=sample_weight)
        actual = permuted.call(dtype=dtype, reduction=reduction, sample_weight=permuted_weight)
        assert_close(actual, expected, dtype, reduction, scale=scale)


@pytest.mark.parametrize("loss", LOSSES)
@_examples(6)
@given(data=st.data())
def test_read_only_inputs(loss, data):
    sample = data.draw(samples(loss))
    dtype = data.draw(st.sampled_from(DTYPES))
    arrays = [np.array(a, dtype=None if a.dtype.kind in "iub" else dtype) for a in sample.arrays]
    sample_weight = draw_sample_weight(data, sample.weight_shape) if data.draw(st.booleans()) else None
    for array in [*arrays, *([] if sample_weight is None else [sample_weight])]:
        array.setflags(write=False)
    originals = [a.copy() for a in arrays]
    for reduction in ("none", "sum", "mean"):
        getattr(lossx, loss)(*arrays, **sample.options, reduction=reduction, sample_weight=sample_weight)
    for array, original in zip(arrays, originals, strict=True):
        np.testing.assert_array_equal(array, original)


# ------------------------------------------------------------------ 5. identities


@pytest.mark.parametrize("loss", LOSSES)
@_examples(8)
@given(data=st.data())
def test_unit_sample_weight(loss, data):
    """``sample_weight`` of ones equals no sample weight, for every reduction."""
    sample = data.draw(samples(loss))
    dtype = data.draw(st.sampled_from(DTYPES))
    ones = np.ones(sample.weight_shape)
    for reduction in ("none", "sum", "mean"):
        expected = to_numpy(sample.call(dtype=dtype, reduction=reduction))
        actual = sample.call(dtype=dtype, reduction=reduction, sample_weight=ones)
        assert_close(actual, expected, dtype, reduction, scale=float(np.sum(np.abs(expected))) or None)


#: Per-class (or per-column) weight options whose all-ones value is the unweighted loss.
UNIT_WEIGHT_OPTIONS = {
    **{name: "class_weight" for name in LOSSES if any(o.name == "class_weight" for o in lossx.lookup(name).options)},
    "binary_cross_entropy": "pos_weight",
}


#: Dense-target losses whose class weights enter the "mean" denominator as Σ_c t_c·w_c.
DENSE_CLASS_WEIGHTED = {"categorical_cross_entropy", "categorical_focal_cross_entropy", "poly_cross_entropy"}


@pytest.mark.parametrize("loss", sorted(UNIT_WEIGHT_OPTIONS, key=LOSSES.index))
@_examples(8)
@given(data=st.data())
def test_unit_class_weight(loss, data):
    """All-ones class weights (and ``pos_weight``, scalar or vector) equal none."""
    option = UNIT_WEIGHT_OPTIONS[loss]
    sample = data.draw(samples(loss))
    sample.options.pop(option, None)
    dtype = data.draw(st.sampled_from(DTYPES))
    axis = sample.options.get("axis", -1)
    if loss in DENSE_CLASS_WEIGHTED:
        # "mean" divides by Σ_c t_c·w_c, the count only where every target sums to 1 exactly,
        # which float32-rounded soft targets miss by an ulp: the identity is exact on one-hot targets.
        y_pred, y_true = sample.arrays
        hard = one_hot(np.argmax(np.moveaxis(y_true, axis, -1), axis=-1), y_true.shape[axis])
        sample = replace(sample, arrays=(y_pred, to_class_axis(hard, axis)))
    length = sample.arrays[0].shape[axis if option == "class_weight" else -1]
    ones = data.draw(st.sampled_from([(1.0,) * length, 1.0] if option == "pos_weight" else [(1.0,) * length]))
    weighted = replace(sample, options={**sample.options, option: ones})
    for reduction in ("none", "sum", "mean"):
        expected = to_numpy(sample.call(dtype=dtype, reduction=reduction))
        actual = weighted.call(dtype=dtype, reduction=reduction)
        assert_close(actual, expected, dtype, reduction, scale=float(np.sum(np.abs(expected))) or None)


#: loss → (loss of the smoothed dense targets, number of classes K of t·(1−ε)+ε/K: 2 = binary).
SMOOTHED = {
    "binary_cross_entropy": "binary_cross_entropy",
    "binary_focal_cross_entropy": "binary_focal_cross_entropy",
    "categorical_cross_entropy": "categorical_cross_entropy",
    "categorical_focal_cross_entropy": "categorical_focal_cross_entropy",
    "poly_cross_entropy": "poly_cross_entropy",
    "sparse_categorical_cross_entropy": "categorical_cross_entropy",
    "sparse_categorical_focal_cross_entropy": "categorical_focal_cross_entropy",
}
assert set(SMOOTHED) == {n for n in LOSSES if any(o.name == "label_smoothing" for o in lossx.lookup(n).options)}


@pytest.mark.parametrize("loss", list(SMOOTHED))
@_examples(10)
@given(data=st.data())
def test_label_smoothing_is_target_smoothing(loss, data):
    """``label_smoothing=ε`` equals the loss of the targets smoothed by hand (docs/semantics.md, reductions and
    weights)."""
    sample = data.draw(samples(loss))
    dtype = data.draw(st.sampled_from(DTYPES))
    epsilon = data.draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 1, width=32))
    options = {k: v for k, v in sample.options.items() if k not in ("label_smoothing", "ignore_index")}
    y_pred, y_true = sample.arrays
    axis = options.get("axis", -1)
    classes = 2 if loss.startswith("binary") else y_pred.shape[axis]
    if y_true.dtype.kind == "i":  # the sparse losses: without ignore_index every label is a class
        y_true = np.clip(y_true, 0, classes - 1)
        dense = to_class_axis(one_hot(y_true, classes), axis)
    else:
        dense = y_true
    smoothed = Sample(SMOOTHED[loss], (y_pred, dense * (1 - epsilon) + epsilon / classes), options, sample.batch)
    with_option = Sample(loss, (y_pred, y_true), {**options, "label_smoothing": epsilon}, sample.batch)
    note(f"ε={epsilon}")
    # With class weights "mean" divides by the weight of the unsmoothed target (torch's
    # Σ w_y; docs/semantics.md, reductions and weights), while the hand-smoothed target would divide by Σ_c t̃_c·w_c.
    for reduction in ("none", "sum") if "class_weight" in options else ("none", "sum", "mean"):
        expected = to_numpy(smoothed.call(dtype=dtype, reduction=reduction))
        actual = with_option.call(dtype=dtype, reduction=reduction)
        assert_close(actual, expected, dtype, reduction)


# ------------------------------------------------------------------ 6. cross-backend equality


def _runners():
    # test_matrix's runners: value and gradients (of Σ cotangent·loss for "none") per framework.
    from tests.numerics.test_matrix import run_jax, run_tensorflow, run_torch

    return {"torch": run_torch, "jax": run_jax, "tensorflow": run_tensorflow}


def _numpy_value(sample: Sample, reduction: str, sample_weight, cotangent, arrays) -> float:
    value = to_numpy(replace(sample, arrays=arrays).call(reduction=reduction, sample_weight=sample_weight))
    return float(np.sum(value * cotangent)) if cotangent is not None else float(value)


def _shifted_value(sample: Sample, reduction: str, sample_weight, cotangent, position: int, index, offset) -> float:
    """The value with entry ``index`` of input ``position`` moved by ``offset``."""
    shifted = sample.arrays[position].copy()
    shifted[index] += offset
    arrays = (*sample.arrays[:position], shifted, *sample.arrays[position + 1 :])
    return _numpy_value(sample, reduction, sample_weight, cotangent, arrays)


def finite_difference_gradients(sample, reduction, sample_weight, cotangent):
    """Central differences of the float64 NumPy evaluation: a 4-point stencil (error O(h⁴))
    at steps h and h/2, Richardson-extrapolated (error O(h⁶)). Entries where the two steps
    disagree by more than 1e-6 of the gradient's scale (at least :func:`_cancellation_scale`'s, so
    that a constant loss's noise is not taken for a kink) sit within 2h of a kink or a clamp, where
    no finite difference is meaningful; they are NaN (not compared)."""
    gradients = []
    for position in sample.differentiable:
        base = sample.arrays[position]
        in_unit_interval = bool(np.all((base > 0) & (base < 1)))
        estimates = []
        for step_scale in (1e-3, 5e-4):
            gradient = np.empty_like(base)
            for index in np.ndindex(base.shape):
                step = step_scale * max(abs(base[index]), 1e-2 if base[index] != 0 else 1.0)
                if in_unit_interval:  # probabilities stay in [0, 1], where they are checked
                    step = min(step, 0.25 * base[index], 0.25 * (1 - base[index]))

                at = functools.partial(_shifted_value, sample, reduction, sample_weight, cotangent, position, index)
                gradient[index] = (-at(2 * step) + 8 * at(step) - 8 * at(-step) + at(-2 * step)) / (12 * step)
            estimates.append(gradient)
        coarse, fine = estimates
        value = _numpy_value(sample, reduction, sample_weight, cotangent, sample.arrays)
        scale = max(float(np.max(np.abs(fine))), _cancellation_scale(np.asarray(value), base), 1e-12)
        extrapolated = fine + (fine - coarse) / 15
        gradients.append(np.where(np.abs(coarse - fine) <= 1e-6 * scale, extrapolated, np.nan))
    return gradients


_REFERENCE_GRADIENTS: dict = {}


def reference_gradients(sample, reduction, sample_weight, cotangent):
    """The finite-difference gradients, cached by the inputs' bytes: every backend's test
    meets the same derandomized examples, and pays for the differences once."""
    key = (
        sample.loss,
        repr(sorted(sample.options.items())),
        reduction,
        *(a.tobytes() + repr(a.shape).encode() for a in sample.arrays),
        None if sample_weight is None else sample_weight.tobytes(),
    )
    if key not in _REFERENCE_GRADIENTS:
        _REFERENCE_GRADIENTS[key] = finite_difference_gradients(sample, reduction, sample_weight, cotangent)
    return _REFERENCE_GRADIENTS[key]


AUTODIFF = ("torch", "jax", "tensorflow")
#: Losses whose gradient is not the derivative of their value, which finite differences measure: only
#: their values are compared here (tests/numerics/test_matrix.py checks their gradients against references).
NOT_THE_DERIVATIVE = {
    "complete_box_iou": "α is held out of the gradient, as torchvision does (the gradient of α·v is α·∇v)",
}
#: Finite differences of float64 values are good to about 1e-9 of the gradient's scale
#: (O(h⁴) truncation at h = 1e-3, O(ε/h) rounding), so float64 gradients are compared
#: at that precision; float32 ones at the numerical promise's 1e-5.
GRADIENT_RTOL = {"float64": 1e-8, "float32": 1e-5}


@pytest.mark.parametrize(
    "loss, backend",
    [
        backend_param(backend, loss, backend, id=f"{loss}-{backend}")
        for loss in LOSSES
        for backend in ("numpy", *AUTODIFF)
    ],
)
@_examples(3)
@given(data=st.data())
def test_cross_backend(loss, backend, data):
    sample = data.draw(samples(loss, random_values=True))
    # NumPy's float64 is the reference itself: NumPy is checked in float32.
    dtype = "float32" if backend == "numpy" else data.draw(st.sampled_from(DTYPES))
    reduction = data.draw(st.sampled_from(["none", "sum", "mean"]))
    sample_weight = f32(np.linspace(0.25, 2, sample.batch)) if data.draw(st.booleans()) else None
    if sample_weight is not None and loss in POOLED:
        sample_weight = sample_weight[:1].reshape(())
    expected = to_numpy(sample.call(reduction=reduction, sample_weight=sample_weight))
    note(f"backend={backend} dtype={dtype} reduction={reduction} weighted={sample_weight is not None}")
    if backend == "numpy":
        value = sample.call(dtype=dtype, reduction=reduction, sample_weight=sample_weight)
        assert_close(value, expected, dtype, "value")
        assert str(to_numpy(value).dtype) == dtype
        return
    if loss in NOT_THE_DERIVATIVE:
        assert_close(
            sample.call(dtype=dtype, reduction=reduction, sample_weight=sample_weight, backend=backend),
            expected,
            dtype,
            "value",
        )
        return
    cotangent = f32(np.cos(np.arange(expected.size)).reshape(expected.shape)) if reduction == "none" else None
    expected_gradients = reference_gradients(sample, reduction, sample_weight, cotangent)
    fixed = [to_backend(backend, a, None if a.dtype.kind in "iub" else dtype) for a in sample.arrays]
    weight = None if sample_weight is None else to_backend(backend, sample_weight, dtype)
    function = getattr(lossx, loss)

    def loss_of(*differentiable):
        arrays = list(fixed)
        for position, array in zip(sample.differentiable, differentiable, strict=True):
            arrays[position] = array
        return function(*arrays, reduction=reduction, sample_weight=weight, **sample.options)

    differentiable = [sample.arrays[p] for p in sample.differentiable]
    # JAX compiles every primitive for each new shape when eager; one jit per example is cheaper.
    mode = "jit" if backend == "jax" else "eager"
    value, gradients = _runners()[backend](loss_of, differentiable, cotangent, dtype, mode)
    assert str(to_numpy(value).dtype) == dtype
    assert_close(value, expected, dtype, "value", scale=_value_scale(loss, backend, dtype, sample, expected))
    for position, gradient, reference_gradient in zip(
        sample.differentiable, gradients, expected_gradients, strict=True
    ):
        gradient = to_numpy(gradient).astype(np.float64)
        compared = ~np.isnan(reference_gradient)
        # Random inputs almost never sit within 2h of a kink: most entries must be compared.
        assert compared.mean() >= 0.5, f"finite differences unreliable at {np.sum(~compared)} entries"
        assert np.all(np.isfinite(gradient)), f"gradient w.r.t. input {position} not finite: {gradient}"
        rtol = GRADIENT_RTOL[dtype]
        scale = max(
            float(np.max(np.abs(np.nan_to_num(reference_gradient)), initial=0.0)),
            _cancellation_scale(expected, sample.arrays[position]),
        )
        np.testing.assert_allclose(
            gradient[compared],
            reference_gradient[compared],
            rtol=rtol,
            atol=rtol * max(scale, 1e-30),
            err_msg=f"gradient w.r.t. input {position}",
        )


#: Losses whose torch eager call is torch's fused kernel (BCE with logits, cross_entropy), which
#: computes ``logsumexp(z) − z_y`` and so keeps an absolute precision of the logits' size only:
#: the listed exception of docs/framework-differences.md, "Tiny losses".
TORCH_FUSED = {
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "sparse_categorical_cross_entropy",
    "arcface",
    "cosface",
}


def _value_scale(loss: str, backend: str, dtype: str, sample: Sample, expected: np.ndarray) -> float | None:
    """The scale of the value comparison's absolute part: None (the value's own) but where torch's fused kernel
    keeps a few ulps of the logits ``z`` only (the logits of arcface and cosface are ``scale`` times cosines)."""
    if backend != "torch" or loss not in TORCH_FUSED:
        return None
    options = lossx.lookup(loss).validate(sample.options)
    logits = float(np.max(np.abs(sample.arrays[0]), initial=0.0)) + 1.0
    precision = 4 * float(np.finfo(dtype).eps) * logits * float(options.get("scale", 1.0))
    return max(float(np.max(np.abs(expected), initial=0.0)), precision / RTOL[dtype])


def _cancellation_scale(value: np.ndarray, array: np.ndarray) -> float:
    """The size a gradient of ``value`` w.r.t. ``array`` has when nothing cancels: |value| / max(1, |array|).

    A gradient far below it is the difference of terms of about this size (a softmax's p − y
    summed over the batch, a mined distance minus the positive one), which no floating-point
    computation resolves better than the dtype's precision of those terms, and the float64 finite
    differences not better than the precision of the value over their step. The absolute part of the
    comparison is taken relative to it: the numerical promise holds on well-conditioned inputs
    (docs/semantics.md, numerical promise).
    """
    return float(np.max(np.abs(value), initial=0.0)) / max(1.0, float(np.max(np.abs(array), initial=0.0)))
