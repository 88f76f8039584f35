"""SPEC §4: bad input raises a LossxError (also ValueError/TypeError) that says what to do."""

from __future__ import annotations

import os

import numpy as np
import pytest

import lossx
from lossx import (
    DTypeError,
    LabelRangeError,
    LossxError,
    MixedFrameworkError,
    OptionValueError,
    ProbabilityRangeError,
    ReductionError,
    ShapeError,
    UnknownLossError,
    UnknownOptionError,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((4, 3))
LABELS = np.array([0, 2, 1, 2])


def _framework_converters():
    converters = {"numpy": lambda a: a}
    try:
        import torch

        converters["torch"] = torch.as_tensor
    except ImportError:
        pass
    try:
        import jax.numpy as jnp

        converters["jax"] = jnp.asarray
    except ImportError:
        pass
    try:
        import tensorflow as tf

        converters["tensorflow"] = tf.constant
    except ImportError:
        pass
    return converters


CONVERT = _framework_converters()
FRAMEWORKS = list(CONVERT)





@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_shape_mismatch_names_both_shapes(framework):
    convert = CONVERT[framework]
    with pytest.raises(ShapeError, match=r"\(4,\).*\(4, 1\).*reshape") as raised:
        lossx.mean_squared_error(convert(np.ones(4)), convert(np.ones((4, 1))))
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_labels_out_of_range(framework):
    convert = CONVERT[framework]
    with pytest.raises(LabelRangeError, match=r"\[0, 3\).*found \[3, 7\]"):
        lossx.sparse_categorical_cross_entropy(
            convert(LOGITS), convert(np.array([0, 3, 7, 1])), from_logits=True
        )


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_ignore_index_is_not_out_of_range(framework):
    convert = CONVERT[framework]
    value = lossx.sparse_categorical_cross_entropy(
        convert(LOGITS), convert(np.array([0, -100, 2, 1])), from_logits=True, ignore_index=-100
    )
    assert np.isfinite(float(value))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_probabilities_outside_unit_interval_hint_from_logits(framework):
    convert = CONVERT[framework]
    with pytest.raises(ProbabilityRangeError, match="from_logits=True"):
        lossx.binary_cross_entropy(convert(LOGITS), convert((LOGITS > 0) * 1.0))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_integer_predictions_are_refused(framework):
    convert = CONVERT[framework]
    with pytest.raises(DTypeError, match="floating point") as raised:
        lossx.mean_absolute_error(convert(np.arange(4)), convert(np.arange(4)))
    assert isinstance(raised.value, TypeError)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_float_labels_are_refused(framework):
    convert = CONVERT[framework]
    with pytest.raises(DTypeError, match="integer class"):
        lossx.sparse_categorical_cross_entropy(convert(LOGITS), convert(LABELS * 1.0), from_logits=True)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"delta": 0.0}, OptionValueError, r"delta=0.0 is out of range; valid: \(0, inf\)"),
        ({"delta": -1}, OptionValueError, "out of range"),
        ({"delta": "big"}, OptionValueError, "must be a number"),
        ({"detla": 1.0}, UnknownOptionError, "Did you mean 'delta'"),
    ],
    ids=["delta-zero", "delta-negative", "delta-string", "typo"],
)
def test_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        lossx.huber(np.ones(3), np.zeros(3), **options)


def test_label_smoothing_out_of_range():
    with pytest.raises(OptionValueError, match=r"label_smoothing=1.5.*\[0, 1\]"):
        lossx.binary_cross_entropy(np.full(3, 0.5), np.ones(3), label_smoothing=1.5)


def test_unknown_reduction():
    with pytest.raises(ReductionError, match="'none', 'sum', 'mean'"):
        lossx.huber(np.ones(3), np.zeros(3), reduction="avg")


def test_misaligned_sample_weight_names_both_shapes():
    with pytest.raises(ShapeError, match=r"sample_weight of shape \(3,\).*\(4, 6\)"):
        lossx.mean_squared_error(np.ones((4, 6)), np.zeros((4, 6)), sample_weight=np.ones(3))


def test_class_weight_of_wrong_length():
    with pytest.raises(ShapeError, match="class_weight has 2 entries.*3 classes"):
        lossx.sparse_categorical_cross_entropy(LOGITS, LABELS, from_logits=True, class_weight=[1.0, 2.0])


def test_non_boolean_mask():
    with pytest.raises(DTypeError, match="boolean"):
        lossx.mean_squared_error(np.ones(3), np.zeros(3), mask=np.ones(3))


def test_unknown_loss_suggests_names():
    with pytest.raises(UnknownLossError, match="huber"):
        lossx.get("hubber")


@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f != "numpy"])
def test_mixed_frameworks_name_both(framework):
    other = next(f for f in FRAMEWORKS if f not in ("numpy", framework)) if len(FRAMEWORKS) > 2 else None
    if other is None:
        pytest.skip("needs two frameworks besides numpy")
    with pytest.raises(MixedFrameworkError, match=f"{other}.*{framework}"):
        lossx.mean_squared_error(CONVERT[framework](np.ones(3)), CONVERT[other](np.zeros(3)))


def test_every_error_is_a_lossx_error_and_a_builtin():
    for error in (DTypeError, LabelRangeError, MixedFrameworkError, OptionValueError, ProbabilityRangeError,
                  ReductionError, ShapeError, UnknownLossError, UnknownOptionError, lossx.BackendError,
                  lossx.ConfigError):
        assert issubclass(error, LossxError)
        assert issubclass(error, (ValueError, TypeError))


def test_nan_propagates():
    value = lossx.huber(np.array([np.nan, 1.0]), np.zeros(2))
    assert np.isnan(value)
