"""Tuple class axes (``axis=(a, b, ...)``, options of kind ``"class_axes"``), as optax's.

A tuple names the axes of one class distribution: a class is the flat (row-major, in the
tuple's order) index of its entry in the slice of shape ``y_pred.shape[axes]``, and the loss
has ``y_pred``'s other axes, in their order. The cross-backend matrix runs one such option set
of the sparse cross-entropy on every mode; this file checks the two optax losses that take
tuples (values and gradients on every backend: negative, non-trailing and unsorted axes),
every loss of the kind against its mpmath reference on the flat layout, and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossx
from lossx import LabelRangeError, OptionValueError, ShapeError
from tests.numerics.test_matrix import CASES, RUNNERS, assert_matches, expected, inputs
from tests.support.cases import f32
from tests.support.frameworks import backend_param, framework, to_backend, to_numpy

BACKENDS = [backend_param(b) for b in ("numpy", "torch", "jax", "tensorflow")]
#: (logits shape, axes): non-trailing axes of a 4-d input, negative ones, unsorted and apart.
LAYOUTS = {
    "axes1,2": ((3, 2, 4, 5), (1, 2)),
    "axes-2,-1": ((3, 5, 2, 4), (-2, -1)),
    "axes3,1": ((3, 2, 5, 4), (3, 1)),
}
#: "none" (the per-sample values, gradient of Σ cotangent·loss) in float64; "mean" (the fused
#: kernels' path) in float32.
CELLS = [("none", "float64"), ("mean", "float32")]


def _layout(name: str, seed: int = 0):
    shape, axes = LAYOUTS[name]
    rng = np.random.default_rng(seed)
    batch = tuple(s for d, s in enumerate(shape) if d not in {a % len(shape) for a in axes})
    classes = int(np.prod([shape[a] for a in axes]))
    return rng, f32(rng.standard_normal(shape) * 2), axes, batch, classes


def _optax_value_and_grad(function, logits, target, reduction, cotangent):
    """optax's value and its gradient with respect to the logits, in float64 on JAX."""
    jax = framework("jax")
    jnp = jax.numpy

    def loss(x):
        value = function(x, jnp.asarray(target))
        return jnp.mean(value) if reduction == "mean" else value

    value, pullback = jax.vjp(loss, jnp.asarray(logits))
    (grad,) = pullback(jnp.ones_like(value) if reduction == "mean" else jnp.asarray(cotangent))
    return np.asarray(value), np.asarray(grad)


def _check_against_optax(loss, optax_function, logits, target, axes, reduction, dtype, backend):
    within = {a % logits.ndim for a in axes}
    batch = tuple(s for d, s in enumerate(logits.shape) if d not in within)
    cotangent = f32(np.random.default_rng(9).uniform(0.5, 1.5, batch))
    ref_value, ref_grad = _optax_value_and_grad(optax_function, logits, target, reduction, cotangent)
    fixed = to_backend(backend, target, None if target.dtype.kind == "i" else dtype)

    def ours(x):
        return loss(x, fixed, from_logits=True, axis=axes, reduction=reduction)

    value, grads = RUNNERS[backend](ours, [logits], None if reduction == "mean" else cotangent, dtype, "eager")
    assert_matches(value, ref_value, dtype, "value")
    if grads is not None:
        assert_matches(grads[0], ref_grad, dtype, "gradient")


@pytest.mark.parametrize("reduction, dtype", CELLS, ids=[f"{r}-{d}" for r, d in CELLS])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_integer_labels_match_optax(layout, backend, reduction, dtype):
    optax = pytest.importorskip("optax")
    rng, logits, axes, batch, classes = _layout(layout)
    labels = rng.integers(0, classes, batch)
    _check_against_optax(
        lossx.sparse_categorical_cross_entropy,
        lambda x, t: optax.losses.softmax_cross_entropy_with_integer_labels(x, t, axis=axes),
        logits,
        labels,
        axes,
        reduction,
        dtype,
        backend,
    )


@pytest.mark.parametrize("reduction, dtype", CELLS, ids=[f"{r}-{d}" for r, d in CELLS])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_soft_targets_match_optax(layout, backend, reduction, dtype):
    optax = pytest.importorskip("optax")
    rng, logits, axes, _, _ = _layout(layout, seed=1)
    within = tuple(a % logits.ndim for a in axes)
    scores = np.exp(rng.standard_normal(logits.shape))
    targets = f32(scores / scores.sum(axis=within, keepdims=True))
    _check_against_optax(
        lossx.categorical_cross_entropy,
        lambda x, t: optax.losses.softmax_cross_entropy(x, t, axis=axes),
        logits,
        targets,
        axes,
        reduction,
        dtype,
        backend,
    )


def test_labels_with_kept_singleton_class_axes_match_optax():
    optax = pytest.importorskip("optax")
    jnp = framework("jax").numpy
    rng, logits, axes, batch, classes = _layout("axes1,2")
    labels = rng.integers(0, classes, batch)
    kept = labels[:, None, None, :]
    value = lossx.sparse_categorical_cross_entropy(logits, kept, from_logits=True, axis=axes, reduction="none")
    theirs = optax.losses.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), jnp.asarray(labels), axis=axes)
    assert_matches(value, np.asarray(theirs), "float64", "value")


# ------------------------------------------------------------------ every loss with class axes


def _has_class_axes(loss: str) -> bool:
    return any(option.kind == "class_axes" for option in lossx.lookup(loss).options)


def _first_cases() -> list:
    """Each loss with a class-axes option, by its first matrix option set on the last axis."""
    chosen: dict[str, object] = {}
    for case in CASES:
        if case.options.get("axis", -1) == -1 and _has_class_axes(case.loss):
            chosen.setdefault(case.loss, case)
    return list(chosen.values())


CLASS_AXES_CASES = _first_cases()


def _split(classes: int) -> tuple[int, int]:
    first = next((d for d in range(2, classes) if classes % d == 0), 1)
    return first, classes // first


def _to_slices(x: np.ndarray, split: tuple[int, int]) -> np.ndarray:
    """(..., C) as (N, a, ..., b): C split row-major into (a, b), the a axis moved to position 1."""
    return np.moveaxis(x.reshape(x.shape[:-1] + split), -2, 1)


def _from_slices(x: np.ndarray) -> np.ndarray:
    x = np.moveaxis(x, 1, -2)
    return x.reshape((*x.shape[:-2], -1))


def test_every_loss_with_class_axes_is_checked():
    declared = {name for name in lossx.losses.__all__ if _has_class_axes(name)}
    assert {case.loss for case in CLASS_AXES_CASES} == declared
    assert "sparse_categorical_cross_entropy" in declared and "weighted_kappa" not in declared


@pytest.mark.parametrize("backend", [backend_param(b) for b in ("numpy", "torch", "tensorflow")])  # JAX: above
@pytest.mark.parametrize("case", CLASS_AXES_CASES, ids=[case.id for case in CLASS_AXES_CASES])
def test_tuple_axes_are_the_flat_layouts_reference(case, backend):
    """The loss over class axes (1, −1) of y_pred (N, a, ..., b) is the reference loss over the last
    axis of the same entries laid out (N, ..., a·b): every option, weights and gradient alike."""
    data = inputs(case.id, "sw")
    ref_value, ref_grads = expected(case.id, "mean", "sw")
    split = _split(data.arrays[0].shape[-1])
    flat_shape = data.arrays[0].shape
    arrays = [_to_slices(a, split) if a.shape == flat_shape else a for a in data.arrays]
    fixed = [to_backend(backend, a, None if a.dtype.kind in "iub" else "float64") for a in arrays]
    weight = to_backend(backend, data.sample_weight, "float64")
    loss = getattr(lossx, case.loss)
    options = {**case.options, "axis": (1, -1)}

    def ours(*differentiable):
        full = list(fixed)
        for position, array in zip(case.wrt, differentiable, strict=True):
            full[position] = array
        return loss(*full, sample_weight=weight, **options)

    value, grads = RUNNERS[backend](ours, [arrays[p] for p in case.wrt], None, "float64", "eager")
    assert_matches(value, ref_value, "float64", f"{case.id} value")
    for position, grad, ref_grad in zip(case.wrt, grads or (), ref_grads, strict=False):
        assert_matches(_from_slices(to_numpy(grad)), ref_grad, "float64", f"{case.id} gradient w.r.t. input {position}")


# ------------------------------------------------------------------ errors


def _sparse(axis, labels_shape=(3, 5), logits_shape=(3, 2, 4, 5), **options):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 8, labels_shape)
    return lossx.sparse_categorical_cross_entropy(
        rng.standard_normal(logits_shape), labels, from_logits=True, axis=axis, **options
    )


def test_a_tuple_of_one_axis_is_that_axis():
    spec = lossx.lookup("sparse_categorical_cross_entropy")
    assert spec.validate({"axis": (2,)})["axis"] == 2 and spec.validate({"axis": [1, 2]})["axis"] == (1, 2)


@pytest.mark.parametrize(
    "axis, match",
    [
        ((1, 1), "names an axis twice"),
        ((), "is empty"),
        ((1, "2"), "integer axis, or a tuple of distinct integer axes"),
        ((1, True), "integer axis, or a tuple of distinct integer axes"),
    ],
    ids=["repeated", "empty", "text", "bool"],
)
def test_malformed_axes_are_refused_when_declared(axis, match):
    from lossx.backends.numpy import SparseCategoricalCrossEntropy

    with pytest.raises(OptionValueError, match=match):
        SparseCategoricalCrossEntropy(axis=axis)  # at construction, before any call
    with pytest.raises(OptionValueError, match=match):
        _sparse(axis)


@pytest.mark.parametrize(
    "axis, match",
    [
        ((1, -3), r"axis=\(1, -3\) names one axis twice for y_pred of shape \(3, 2, 4, 5\) \(axes \(1, 1\)\)"),
        ((1, 4), r"axis=\(1, 4\) names axis 4, out of range for y_pred of shape \(3, 2, 4, 5\); use axes in \[-4, 3\]"),
        ((-5, 2), r"names axis -5, out of range"),
    ],
    ids=["same-axis-twice", "out-of-range", "negative-out-of-range"],
)
def test_axes_that_do_not_fit_the_rank_are_refused_at_call(axis, match):
    with pytest.raises(OptionValueError, match=match):
        _sparse(axis)


def test_labels_of_the_wrong_shape_name_the_axes():
    with pytest.raises(ShapeError, match=r"with the axes \(1, 2\) removed, \(3, 5\)"):
        _sparse((1, 2), labels_shape=(3, 4))


def test_labels_out_of_range_count_the_slice():
    rng = np.random.default_rng(0)
    labels = np.full((3, 5), 8)
    with pytest.raises(LabelRangeError, match=r"\[0, 8\).*8 classes along axes \(1, 2\), a label the flat"):
        lossx.sparse_categorical_cross_entropy(rng.standard_normal((3, 2, 4, 5)), labels, from_logits=True, axis=(1, 2))


def test_class_weight_has_one_weight_per_class_of_the_slice():
    with pytest.raises(ShapeError, match=r"class_weight has 2 entries .* 8 classes along axes \(1, 2\) \(the product"):
        _sparse((1, 2), class_weight=(1.0, 2.0))


def test_dense_targets_do_not_broadcast_along_a_class_axis():
    logits = np.zeros((3, 2, 4))
    with pytest.raises(ShapeError, match="broadcast along axis 1 of y_pred of shape \\(3, 2, 4\\), a class axis"):
        lossx.categorical_cross_entropy(logits, np.full((3, 1, 4), 0.125), from_logits=True, axis=(1, 2))


def test_weighted_kappa_takes_one_class_axis():
    """Its disagreement weights need ordered classes; a flattened slice has no such order."""
    with pytest.raises(OptionValueError, match="must be an integer"):
        lossx.lookup("weighted_kappa").validate({"axis": (1, 2)})
