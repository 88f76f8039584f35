"""TensorFlow graphs whose shapes are unknown at trace time (``None`` dimensions).

Keras and ``tf.function(input_signature=...)`` trace with unknown batch and even class
dimensions; the TensorFlow namespace and the losses must not read static shapes there.
"""

from __future__ import annotations

import pytest

import lossx
from conftest import framework
from test_matrix import CASES, assert_matches, expected, inputs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_unknown_shapes_in_a_tensorflow_graph(case, dtype):
    tf = framework("tensorflow")
    data = inputs(case.id, "sw")
    reference_value, reference_grad = expected(case.id, "mean", "sw")
    loss = getattr(lossx, case.loss)
    float_dtype = tf.as_dtype(dtype)
    true_dtype = tf.int64 if case.is_labels else float_dtype

    @tf.function(
        input_signature=[
            tf.TensorSpec([None] * data.y_pred.ndim, float_dtype),
            tf.TensorSpec([None] * data.y_true.ndim, true_dtype),
            tf.TensorSpec([None], float_dtype),
        ],
        autograph=False,
    )
    def value_and_grad(y_pred, y_true, sample_weight):
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            value = loss(y_pred, y_true, sample_weight=sample_weight, **case.options)
        return value, tape.gradient(value, y_pred)

    value, grad = value_and_grad(
        tf.constant(data.y_pred, float_dtype), tf.constant(data.y_true, true_dtype),
        tf.constant(data.sample_weight, float_dtype),
    )
    assert_matches(value, reference_value, dtype, f"{case.id} value")
    assert_matches(grad, reference_grad, dtype, f"{case.id} gradient")
