"""TensorFlow graphs whose shapes are unknown at trace time (``None`` dimensions).

Keras and ``tf.function(input_signature=...)`` trace with unknown batch and even class
dimensions; the TensorFlow namespace and the losses must not read static shapes there.
Every option set runs, in the TensorFlow environment only (TensorFlow's own tests).
"""

from __future__ import annotations

import pytest

import lossx
from tests.numerics.test_matrix import CASES, assert_matches, expected, inputs
from tests.support.frameworks import framework, only_framework

pytestmark = only_framework("tensorflow")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_unknown_shapes_in_a_tensorflow_graph(case, dtype):
    tf = framework("tensorflow")
    data = inputs(case.id, "sw")
    reference_value, reference_grads = expected(case.id, "mean", "sw")
    loss = getattr(lossx, case.loss)
    float_dtype = tf.as_dtype(dtype)
    dtypes = [tf.int64 if a.dtype.kind in "iub" else float_dtype for a in data.arrays]

    @tf.function(
        input_signature=[
            *(tf.TensorSpec([None] * a.ndim, d) for a, d in zip(data.arrays, dtypes, strict=True)),
            tf.TensorSpec([None] * data.sample_weight.ndim, float_dtype),  # 0-d for a loss that pools the batch
        ],
        autograph=False,
    )
    def value_and_grad(*arrays):
        *arrays, sample_weight = arrays
        with tf.GradientTape() as tape:
            for position in case.wrt:
                tape.watch(arrays[position])
            value = loss(*arrays, sample_weight=sample_weight, **case.options)
        return value, tape.gradient(value, [arrays[position] for position in case.wrt])

    value, grads = value_and_grad(
        *(tf.constant(a, d) for a, d in zip(data.arrays, dtypes, strict=True)),
        tf.constant(data.sample_weight, float_dtype),
    )
    assert_matches(value, reference_value, dtype, f"{case.id} value")
    for position, grad, ref_grad in zip(case.wrt, grads, reference_grads, strict=True):
        assert_matches(grad, ref_grad, dtype, f"{case.id} gradient w.r.t. input {position}")
