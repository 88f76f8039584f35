"""lossx's TensorFlow Array-API namespace takes Python scalars wherever the standard does.

TensorFlow's operators refuse mixed dtypes and it has no weakly typed scalars, so the
namespace gives a Python scalar the dtype of the array beside it, and a Python float with no
array beside it (``xp.where(e < 0, 2.0, 1.0)``) the dtype of the loss call (docs in
lossx/kernels/tensorflow_namespace.py). A custom loss written with such scalars is checked on
TensorFlow float32 and float64, eagerly and in a ``tf.function``, against the same loss on
NumPy; the namespace's functions are checked one by one.

Test ids: ``<loss or function>-<float32|float64>[-graph]``.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossx
from tests.support.frameworks import framework, only_framework

tf = framework("tensorflow")
from lossx.kernels import tensorflow_namespace as xp  # noqa: E402 - needs TensorFlow, imported above

pytestmark = only_framework("tensorflow")

RTOL = {"float32": 1e-6, "float64": 1e-14}
DTYPES = ("float32", "float64")


@lossx.define_loss()
def scalar_heavy_asymmetric_loss(xp, y_pred, y_true):
    """A loss built from Python scalars in every function that takes one. Reference: NumPy."""
    e = y_pred - y_true
    weight = xp.where(e < 0, 2.0, 1.0)  # two Python floats: the call's dtype
    hinge = xp.maximum(e, 0.0) + xp.minimum(0.0, e)  # = e, with the scalar on either side
    clipped = xp.clip(e, -1.0, 1.0) + xp.clip(e, min=0, max=None)
    smooth = xp.logaddexp(e, 0.0) - xp.logaddexp(0.0, 0.0)  # two scalars as well
    scaled = xp.multiply(0.5, xp.pow(e, 2)) + xp.divide(xp.add(1, xp.abs(e)), 4.0) - xp.subtract(1.0, 0.75)
    shifted = xp.where(e > 1.0, e, 0) + xp.full_like(e, 2) * xp.asarray(0.125)
    return weight * (hinge * hinge + clipped + smooth + scaled + shifted)


def _numpy_reference(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    e = y_pred - y_true
    weight = np.where(e < 0, 2.0, 1.0)
    clipped = np.clip(e, -1.0, 1.0) + np.maximum(e, 0.0)
    smooth = np.logaddexp(e, 0.0) - np.log(2.0)
    scaled = 0.5 * e**2 + (1 + np.abs(e)) / 4.0 - 0.25
    shifted = np.where(e > 1.0, e, 0.0) + 0.25
    return weight * (e * e + clipped + smooth + scaled + shifted)


_Y_PRED = np.array([[0.5, -1.5, 2.25], [-0.25, 3.0, 0.75]])
_Y_TRUE = np.array([[0.0, 0.5, -0.5], [0.5, 1.0, 0.75]])


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "graph"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_custom_loss_with_python_scalars_matches_numpy(dtype, graph):
    y_pred, y_true = _Y_PRED.astype(dtype), _Y_TRUE.astype(dtype)
    expected = _numpy_reference(y_pred.astype(np.float64), y_true.astype(np.float64))
    numpy_value = lossx.scalar_heavy_asymmetric_loss(y_pred, y_true, reduction="none")
    np.testing.assert_allclose(numpy_value, expected, rtol=RTOL[dtype])

    def call(a, b):
        return lossx.scalar_heavy_asymmetric_loss(a, b, reduction="none")

    run = tf.function(call, autograph=False) if graph else call
    value = run(tf.constant(y_pred), tf.constant(y_true))
    assert value.dtype == tf.as_dtype(dtype)
    np.testing.assert_allclose(value.numpy(), numpy_value, rtol=RTOL[dtype])


@lossx.define_loss()
def asymmetric_square(xp, y_pred, y_true):
    """``where(e < 0, 2, 1)·e²``, the issue's example. Reference: NumPy."""
    e = y_pred - y_true
    return xp.where(e < 0, 2.0, 1.0) * e * e


@pytest.mark.parametrize("dtype", DTYPES)
def test_custom_loss_gradient_with_python_scalars(dtype):
    # d/dy_pred of Σ where(e < 0, 2, 1)·e² is 2·where(e < 0, 2, 1)·e: the scalars' dtype reaches the tape too.
    y_pred = tf.Variable(_Y_PRED.astype(dtype))
    with tf.GradientTape() as tape:
        value = asymmetric_square(y_pred, tf.constant(_Y_TRUE.astype(dtype)), reduction="sum")
    e = _Y_PRED.astype(dtype).astype(np.float64) - _Y_TRUE.astype(dtype).astype(np.float64)
    np.testing.assert_allclose(
        tape.gradient(value, y_pred).numpy(), 2 * np.where(e < 0, 2.0, 1.0) * e, rtol=RTOL[dtype]
    )


def _scalar_first_and_last(name):
    function = getattr(xp, name)
    return [lambda x: function(x, 2.0), lambda x: function(2.0, x)]


_BINARY = (
    "add",
    "subtract",
    "multiply",
    "divide",
    "pow",
    "maximum",
    "minimum",
    "logaddexp",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", _BINARY)
def test_binary_functions_give_a_scalar_the_arrays_dtype(name, dtype):
    x = tf.constant([0.5, 2.0, 3.0], dtype=dtype)
    expected = getattr(np, {"pow": "power"}.get(name, name))
    for side, call in zip(("scalar last", "scalar first"), _scalar_first_and_last(name), strict=True):
        out = call(x)
        reference = expected(x.numpy(), 2.0) if side == "scalar last" else expected(2.0, x.numpy())
        assert out.dtype in (tf.bool, tf.as_dtype(dtype)), f"{side}: {out.dtype}"
        np.testing.assert_allclose(out.numpy(), reference, rtol=RTOL[dtype], err_msg=side)


@pytest.mark.parametrize("dtype", DTYPES)
def test_where_clip_and_full_like_take_scalars(dtype):
    x = tf.constant([-2.0, 0.5, 3.0], dtype=dtype)
    condition = x > 0
    for out, reference in [
        (xp.where(condition, x, 0.0), [0.0, 0.5, 3.0]),
        (xp.where(condition, 1, x), [-2.0, 1.0, 1.0]),
        (xp.clip(x, -1.0, 1), [-1.0, 0.5, 1.0]),
        (xp.clip(x, max=2.0), [-2.0, 0.5, 2.0]),
        (xp.full_like(x, 3), [3.0, 3.0, 3.0]),
    ]:
        assert out.dtype == tf.as_dtype(dtype)
        np.testing.assert_array_equal(out.numpy(), reference)


def test_scalars_without_an_array_take_the_default_dtype_of_their_kind():
    condition = tf.constant([True, False])
    # Outside a loss call: TensorFlow's own default float32, int64 (the standard's indexing dtype), bool.
    assert xp.where(condition, 2.0, 1.0).dtype == tf.float32
    assert xp.where(condition, 2, 1.0).dtype == tf.float32
    assert xp.where(condition, 2, 1).dtype == tf.int64
    assert xp.where(condition, True, False).dtype == tf.bool
    assert xp.asarray(0.5).dtype == tf.float32 and xp.asarray([1, 2]).dtype == tf.int64
    assert xp.zeros((2,)).dtype == tf.float32 and xp.full((2,), 1.5).dtype == tf.float32
    assert xp.arange(3).dtype == tf.int64 and xp.arange(0.0, 1.0, 0.5).dtype == tf.float32
    with xp.default_floating_dtype(tf.float64):
        assert xp.where(condition, 2.0, 1.0).dtype == tf.float64
        assert xp.asarray([0.5, 1]).dtype == tf.float64
        assert xp.ones((2,)).dtype == tf.float64 and xp.full((2,), 1.5).dtype == tf.float64
        assert xp.where(condition, 2, 1).dtype == tf.int64
    assert xp.where(condition, 2.0, 1.0).dtype == tf.float32  # restored on exit
    # NumPy arrays keep their own dtype.
    assert xp.asarray(np.zeros(2)).dtype == tf.float64


_SEEN_DEFAULTS: list = []


@lossx.define_loss()
def records_default_dtype(xp, y_pred, y_true):
    """Records the dtype a Python float takes inside the body. Reference: none (a probe)."""
    _SEEN_DEFAULTS.append(xp.asarray(1.0).dtype)
    return y_pred - y_true


def test_a_loss_call_sets_the_default_only_while_it_runs():
    seen = _SEEN_DEFAULTS
    seen.clear()
    records_default_dtype(tf.constant([1.0], tf.float64), tf.constant([0.0], tf.float64))
    records_default_dtype(tf.constant([1.0], tf.float16), tf.constant([0.0], tf.float16))
    assert seen == [tf.float64, tf.float32]  # float16 is computed in float32
    assert xp.asarray(1.0).dtype == tf.float32


def test_tensorflow_process_state_is_untouched():
    # tf.experimental.numpy's behaviour (which would promote mixed dtypes) stays off.
    lossx.scalar_heavy_asymmetric_loss(tf.constant([1.0], tf.float64), tf.constant([0.0], tf.float64))
    with pytest.raises((TypeError, tf.errors.InvalidArgumentError)):
        tf.constant([1.0], tf.float32) + tf.constant([1.0], tf.float64)
    assert tf.constant(1.0).dtype == tf.float32
