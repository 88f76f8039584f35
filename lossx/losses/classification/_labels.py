"""Helpers of the class-axis losses: ignored labels, picking a label's entry, smoothing, per-class factors."""

from __future__ import annotations

from ... import primitives as P
from ..._options import Option
from .._shared import along_axis, class_count, is_off

IGNORE_INDEX = Option("ignore_index", "int", None, "A label value that contributes nothing and counts nothing.")


def split_labels(xp, y_true, ignore_index):
    """``(labels, valid)``: ignored entries become class 0 and are False in ``valid`` (None: none ignored)."""
    if ignore_index is None:
        return y_true, None
    valid = xp.not_equal(y_true, ignore_index)
    return xp.where(valid, y_true, xp.zeros_like(y_true)), valid


def valid_rows(xp, y_pred, valid, axis):
    """Probabilities with the rows of ignored entries set to 1: zeros there would give NaN gradients."""
    if valid is None:
        return y_pred
    return xp.where(xp.expand_dims(valid, axis=axis), y_pred, xp.ones_like(y_pred))


def pick(xp, x, labels, axis):
    """The entries of ``x`` chosen by ``labels`` along ``axis``, with that axis removed."""
    return P.drop_axis(P.take_along_axis(x, xp.expand_dims(labels, axis=axis), axis=axis), axis)


def smoothed(xp, y_pred, y_true, label_smoothing, axis):
    """Categorical label smoothing ``t·(1−ε) + ε/C`` (docs/semantics.md, reductions and weights)."""
    if is_off(label_smoothing):
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / class_count(xp, y_pred, axis, True)


def is_scalar(factor):
    return isinstance(factor, float) or factor.ndim == 0


def along_classes(xp, factor, ndim, axis):
    """A per-class option (scalar or vector) shaped to multiply an ``ndim`` array along ``axis``."""
    return factor if is_scalar(factor) else along_axis(xp, factor, ndim, axis)


def picked(factor, labels):
    """A per-class option (scalar or vector) at each label."""
    return factor if is_scalar(factor) else P.gather(factor, labels)
