"""The JAX adapter under the transformations a JAX user applies, and loss-object pickling.

``lossx.backends.jax.<snake_name>`` is pure: it works under ``jax.jit`` (options closed
over or static), ``jax.grad`` and ``jax.vmap``; ``lossx.backends.jax.<CamelName>``
objects are hashable and compare by options, so they can be static arguments
(docs/semantics.md, calling conventions). NumPy loss objects pickle too.
"""

from __future__ import annotations

import functools
import pickle

import numpy as np
import pytest

from tests.support.frameworks import only_framework

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import lossx  # noqa: E402
from lossx.backends import jax as LJ  # noqa: E402
from lossx.backends import numpy as LN  # noqa: E402

pytestmark = only_framework("jax")

CLASS_WEIGHT = (1.0, 2.0, 0.5, 3.0)
RTOL32 = 1e-5


def _close(actual, expected, rtol=RTOL32, atol=1e-6):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


def _regression(seed=0, shape=(6, 5)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)


def _classification(seed=0, batch=6, classes=4, ignore=-1):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal((batch, classes)) * 2).astype(np.float32)
    labels = rng.integers(0, classes, batch)
    labels[1] = ignore
    return logits, labels


def _softmax(logits):
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


# (test id, snake name, options, inputs): jit/grad/vmap run over each.
CASES = [
    ("mse", "mean_squared_error", {}, _regression),
    ("huber-delta0.5", "huber", {"delta": 0.5}, _regression),
    (
        "bce-logits-smooth-posweight",
        "binary_cross_entropy",
        {"from_logits": True, "label_smoothing": 0.1, "pos_weight": 2.0},
        lambda: (_regression()[0], (np.random.default_rng(1).random((6, 5)) < 0.5).astype(np.float32)),
    ),
    (
        "focal-logits-alpha",
        "binary_focal_cross_entropy",
        {"from_logits": True, "alpha": 0.3, "gamma": 1.5},
        lambda: (_regression()[0], (np.random.default_rng(1).random((6, 5)) < 0.5).astype(np.float32)),
    ),
    (
        "cce-logits-classweight",
        "categorical_cross_entropy",
        {"from_logits": True, "class_weight": CLASS_WEIGHT, "label_smoothing": 0.1},
        lambda: (_classification()[0], np.eye(4, dtype=np.float32)[np.abs(_classification()[1])]),
    ),
    (
        "scce-logits-classweight-ignore",
        "sparse_categorical_cross_entropy",
        {"from_logits": True, "class_weight": CLASS_WEIGHT, "ignore_index": -1, "label_smoothing": 0.05},
        _classification,
    ),
    ("hinge", "hinge", {}, lambda: (_regression()[0], np.sign(_regression(1)[1]))),
]
IDS = [case[0] for case in CASES]
PARAMS = [case[1:] for case in CASES]


@pytest.mark.parametrize(("name", "options", "inputs"), PARAMS, ids=IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_jit_closed_over_options_matches_numpy(name, options, inputs, reduction):
    y_pred, y_true = inputs()
    function = getattr(LJ, name)
    jitted = jax.jit(lambda p, t: function(p, t, reduction=reduction, **options))
    result = jitted(jnp.asarray(y_pred), jnp.asarray(y_true))
    assert isinstance(result, jax.Array) and result.dtype == jnp.float32
    _close(result, getattr(LN, name)(y_pred, y_true, reduction=reduction, **options))
    _close(result, function(y_pred, y_true, reduction=reduction, **options))


def test_jit_with_static_option_arguments():
    y_pred, y_true = _regression()
    jitted = jax.jit(LJ.huber, static_argnames=("delta", "reduction"))
    _close(jitted(y_pred, y_true, delta=0.5, reduction="sum"), LN.huber(y_pred, y_true, delta=0.5, reduction="sum"))
    logits, labels = _classification()
    jitted = jax.jit(
        LJ.sparse_categorical_cross_entropy, static_argnames=("from_logits", "ignore_index", "class_weight")
    )
    _close(
        jitted(logits, labels, from_logits=True, ignore_index=-1, class_weight=CLASS_WEIGHT),
        LN.sparse_categorical_cross_entropy(
            logits, labels, from_logits=True, ignore_index=-1, class_weight=CLASS_WEIGHT
        ),
    )


def test_jit_with_sample_weight_and_mask():
    y_pred, y_true = _regression()
    weight = np.linspace(0.0, 2.0, 6).astype(np.float32)
    mask = np.arange(30).reshape(6, 5) % 3 != 0
    jitted = jax.jit(lambda p, t, w, m: LJ.huber(p, t, delta=0.7, sample_weight=w, mask=m))
    _close(jitted(y_pred, y_true, weight, mask), LN.huber(y_pred, y_true, delta=0.7, sample_weight=weight, mask=mask))


@pytest.mark.parametrize(("name", "options", "inputs"), PARAMS, ids=IDS)
def test_grad_matches_under_jit_and_is_finite(name, options, inputs):
    y_pred, y_true = inputs()
    function = getattr(LJ, name)
    grad = jax.grad(lambda p: function(p, y_true, **options))
    eager = grad(jnp.asarray(y_pred))
    jitted = jax.jit(grad)(jnp.asarray(y_pred))
    assert eager.shape == y_pred.shape and bool(jnp.all(jnp.isfinite(eager)))
    _close(jitted, eager, atol=1e-7)


def test_grad_values_against_closed_forms():
    y_pred, y_true = _regression()
    grad = jax.grad(LJ.mean_squared_error)(jnp.asarray(y_pred), y_true)
    _close(grad, 2 * (y_pred - y_true) / y_pred.size, atol=1e-7)

    logits, labels = _classification()
    weight = np.asarray(CLASS_WEIGHT, np.float32)
    grad = jax.grad(
        lambda x: LJ.sparse_categorical_cross_entropy(
            x, labels, from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-1
        )
    )(jnp.asarray(logits))
    valid = labels != -1
    safe = np.where(valid, labels, 0)
    per_row = weight[safe] * valid
    expected = (_softmax(logits) - np.eye(4)[safe]) * per_row[:, None] / per_row.sum()
    _close(grad, expected, atol=1e-7)


def test_grad_with_everything_ignored_is_zero_not_nan():
    logits, _ = _classification()
    labels = np.full(6, -1)
    value, grad = jax.value_and_grad(
        lambda x: LJ.sparse_categorical_cross_entropy(x, labels, from_logits=True, ignore_index=-1)
    )(jnp.asarray(logits))
    assert float(value) == 0.0
    assert bool(jnp.all(grad == 0))


@pytest.mark.parametrize(("name", "options", "inputs"), PARAMS, ids=IDS)
def test_vmap_per_example(name, options, inputs):
    """vmapping the loss over the batch gives one value per example: the per-example mean."""
    y_pred, y_true = inputs()
    function = getattr(LJ, name)
    per_example = jax.vmap(lambda p, t: function(p, t, **options))(jnp.asarray(y_pred), jnp.asarray(y_true))
    assert per_example.shape == (y_pred.shape[0],)
    spec = lossx.lookup(name)
    if spec.class_axis:
        # One entry per example: the example's (weighted) loss, or 0 when it is ignored.
        terms = [getattr(LN, name)(y_pred[i : i + 1], y_true[i : i + 1], **options) for i in range(len(y_pred))]
        expected = np.asarray(terms)
    else:
        expected = np.mean(getattr(LN, name)(y_pred, y_true, reduction="none", **options), axis=1)
    _close(per_example, expected)


def test_vmap_reduction_none_matches_unbatched():
    logits, labels = _classification()
    none = LJ.sparse_categorical_cross_entropy(logits, labels, from_logits=True, ignore_index=-1, reduction="none")
    mapped = jax.vmap(
        lambda x, y: LJ.sparse_categorical_cross_entropy(x, y, from_logits=True, ignore_index=-1, reduction="none")
    )(jnp.asarray(logits), jnp.asarray(labels))
    _close(mapped, none)
    assert float(mapped[1]) == 0.0


def test_vmap_over_options_free_axis_and_jit():
    """vmap inside jit over an extra leading axis, class axis 1 (torch layout)."""
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((3, 2, 4, 5)).astype(np.float32)  # (models, N, C, d)
    labels = rng.integers(0, 4, (3, 2, 5))
    mapped = jax.jit(jax.vmap(lambda x, y: LJ.sparse_categorical_cross_entropy(x, y, from_logits=True, axis=1)))(
        logits, labels
    )
    expected = [LN.sparse_categorical_cross_entropy(logits[i], labels[i], from_logits=True, axis=1) for i in range(3)]
    _close(mapped, expected)


def test_numpy_inputs_and_lists_accepted():
    y_pred, y_true = _regression()
    result = LJ.huber(y_pred, y_true, delta=0.5)
    assert isinstance(result, jax.Array)
    _close(result, LN.huber(y_pred, y_true, delta=0.5))
    result = LJ.Huber(delta=0.5)(y_pred.tolist(), y_true.tolist(), sample_weight=[1.0] * 6)
    assert isinstance(result, jax.Array)
    _close(result, LN.huber(y_pred, y_true, delta=0.5))
    logits, labels = _classification()
    _close(
        LJ.sparse_categorical_cross_entropy(logits, labels.tolist(), from_logits=True, ignore_index=-1),
        LN.sparse_categorical_cross_entropy(logits, labels, from_logits=True, ignore_index=-1),
    )


# ----------------------------------------------------------------- loss objects


def test_objects_hash_and_compare_by_options():
    a = LJ.Huber(delta=2.0)
    b = LJ.Huber(delta=2)
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != LJ.Huber(delta=1.0)
    assert a != LJ.Huber(delta=2.0, reduction="sum")
    assert a != LN.Huber(delta=2.0)
    assert len({a, b, LJ.Huber(delta=1.0)}) == 2

    listed = LJ.SparseCategoricalCrossEntropy(from_logits=True, class_weight=[1, 2, 0.5, 3])
    tupled = LJ.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT)
    arrayed = LJ.SparseCategoricalCrossEntropy(from_logits=True, class_weight=jnp.asarray(CLASS_WEIGHT))
    numpied = LJ.SparseCategoricalCrossEntropy(from_logits=True, class_weight=np.asarray(CLASS_WEIGHT))
    assert listed == tupled == arrayed == numpied
    assert len({hash(x) for x in (listed, tupled, arrayed, numpied)}) == 1
    assert "class_weight=(1.0, 2.0, 0.5, 3.0)" in repr(arrayed)


def test_object_is_a_static_argument_without_retracing():
    traces = []

    @functools.partial(jax.jit, static_argnums=0)
    def apply(loss, y_pred, y_true):
        traces.append(loss)
        return loss(y_pred, y_true)

    logits, labels = _classification()
    first = apply(
        LJ.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-1), logits, labels
    )
    again = apply(
        LJ.SparseCategoricalCrossEntropy(from_logits=True, class_weight=list(CLASS_WEIGHT), ignore_index=-1),
        logits,
        labels,
    )
    assert len(traces) == 1
    _close(again, first, rtol=0, atol=0)
    _close(
        first,
        LN.sparse_categorical_cross_entropy(
            logits, labels, from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-1
        ),
    )

    other = apply(LJ.SparseCategoricalCrossEntropy(from_logits=True, ignore_index=-1), logits, labels)
    assert len(traces) == 2
    _close(other, LN.sparse_categorical_cross_entropy(logits, labels, from_logits=True, ignore_index=-1))


def test_tuple_class_axes_are_a_static_option_like_optax():
    optax = pytest.importorskip("optax")
    traces = []

    @functools.partial(jax.jit, static_argnums=0)
    def value_and_grad(loss, y_pred, y_true):
        traces.append(loss)
        return jax.value_and_grad(loss)(y_pred, y_true)

    rng = np.random.default_rng(2)
    logits, labels = rng.standard_normal((3, 2, 4, 5)), rng.integers(0, 8, (3, 5))
    listed, tupled = (LJ.SparseCategoricalCrossEntropy(from_logits=True, axis=axis) for axis in ([1, 2], (1, 2)))
    assert listed == tupled and hash(listed) == hash(tupled) and "axis=(1, 2)" in repr(listed)
    value, grad = value_and_grad(listed, jnp.asarray(logits), labels)
    again, _ = value_and_grad(tupled, jnp.asarray(logits), labels)
    assert len(traces) == 1 and float(again) == float(value)

    def theirs(x):
        return jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(x, labels, axis=(1, 2)))

    expected, expected_grad = jax.value_and_grad(theirs)(jnp.asarray(logits))
    _close(value, expected, rtol=1e-12, atol=0)
    _close(grad, expected_grad, rtol=1e-12, atol=1e-15)


def test_object_under_jit_grad_and_vmap():
    loss = LJ.BinaryFocalCrossEntropy(from_logits=True, alpha=0.25, gamma=2.0)
    y_pred, _ = _regression()
    y_true = (np.random.default_rng(5).random(y_pred.shape) < 0.3).astype(np.float32)
    _close(
        jax.jit(loss)(y_pred, y_true),
        LN.BinaryFocalCrossEntropy(from_logits=True, alpha=0.25, gamma=2.0)(y_pred, y_true),
    )
    grad = jax.jit(jax.grad(loss))(jnp.asarray(y_pred), y_true)
    assert bool(jnp.all(jnp.isfinite(grad)))
    per_example = jax.vmap(loss)(jnp.asarray(y_pred), jnp.asarray(y_true))
    _close(
        per_example,
        np.mean(
            LN.binary_focal_cross_entropy(y_pred, y_true, from_logits=True, alpha=0.25, gamma=2.0, reduction="none"),
            axis=1,
        ),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: LN.Huber(delta=2.0),
        lambda: LN.SparseCategoricalCrossEntropy(
            from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-1, reduction="sum"
        ),
        lambda: LJ.Huber(delta=2.0),
        lambda: LJ.SparseCategoricalCrossEntropy(
            from_logits=True, class_weight=jnp.asarray(CLASS_WEIGHT), ignore_index=-1
        ),
        lambda: LJ.BinaryCrossEntropy(from_logits=True, pos_weight=1.5, reduction="none"),
    ],
    ids=["numpy-Huber", "numpy-SCCE", "jax-Huber", "jax-SCCE", "jax-BCE"],
)
def test_pickle_round_trip(make):
    loss = make()
    restored = pickle.loads(pickle.dumps(loss))
    assert type(restored) is type(loss)
    assert restored == loss and hash(restored) == hash(loss)
    assert repr(restored) == repr(loss)
    if loss.spec.target.kind == "labels":
        y_pred, y_true = _classification()
    else:
        y_pred, y_true = _regression()
    if loss.spec.target.kind == "binary":  # 0/1 targets
        y_true = (y_true > 0).astype(y_pred.dtype)
    _close(restored(y_pred, y_true), loss(y_pred, y_true), rtol=0, atol=0)


def test_numpy_huber_pickle_by_reference():
    restored = pickle.loads(pickle.dumps(LN.Huber(delta=2.0)))
    assert restored == LN.Huber(delta=2.0)
    assert type(restored) is LN.Huber
    assert float(restored([3.0], [0.0])) == pytest.approx(2.0 * (3.0 - 1.0))


def test_traced_class_weight_under_jit_and_grad():
    """A per-class weight vector may be a traced argument (e.g. learned or scheduled weights)."""
    logits, labels = _classification()
    weight = jnp.asarray(CLASS_WEIGHT, dtype=jnp.float32)
    jitted = jax.jit(
        lambda x, w: LJ.sparse_categorical_cross_entropy(x, labels, from_logits=True, class_weight=w, ignore_index=-1)
    )
    _close(
        jitted(logits, weight),
        LN.sparse_categorical_cross_entropy(
            logits, labels, from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-1
        ),
    )
    grad = jax.grad(
        lambda w: LJ.sparse_categorical_cross_entropy(logits, labels, from_logits=True, class_weight=w, ignore_index=-1)
    )(weight)
    assert grad.shape == (4,) and bool(jnp.all(jnp.isfinite(grad)))


def test_traced_scalar_pos_weight_under_jit():
    y_pred, _ = _regression()
    y_true = (y_pred > 0).astype(np.float32)
    jitted = jax.jit(lambda x, w: LJ.binary_cross_entropy(x, y_true, from_logits=True, pos_weight=w))
    _close(jitted(y_pred, jnp.float32(2.0)), LN.binary_cross_entropy(y_pred, y_true, from_logits=True, pos_weight=2.0))


def test_objects_built_from_array_options_hash_like_python_values():
    from_array = LJ.BinaryCrossEntropy(from_logits=True, pos_weight=jnp.asarray(2.0))
    from_float = LJ.BinaryCrossEntropy(from_logits=True, pos_weight=2.0)
    assert from_array == from_float and hash(from_array) == hash(from_float)
    weighted = LJ.CategoricalCrossEntropy(class_weight=jnp.asarray([1.0, 2.0]))
    assert weighted == LJ.CategoricalCrossEntropy(class_weight=[1.0, 2.0])
