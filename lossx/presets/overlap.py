"""Presets of the overlap losses: Keras's Dice and Tversky."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._preset import define_preset


def _from_keras_axis(options: dict[str, Any], _: Mapping[str, Any]) -> dict[str, Any]:
    """Keras's ``axis=None`` sums over every axis: lossx's ``sum_axes="all"``."""
    return {**options, "sum_axes": "all" if options["sum_axes"] is None else options["sum_axes"]}


def _to_keras_axis(options: dict[str, Any]) -> dict[str, Any]:
    return {**options, "sum_axes": None if options["sum_axes"] == "all" else options["sum_axes"]}


_KERAS_OVERLAP = {
    "replaces_own_class": True,
    "defaults": {"sum_axes": "all"},
    "translate": _from_keras_axis,
    "untranslate": _to_keras_axis,
}
_KERAS_OVERLAP_DOC = (
    "Keras's axis (renamed to lossx's sum_axes) is the tuple of axes summed into each score, None (the default) "
    "every axis: one score for the whole batch, which sample_weight then scales by its mean, as Keras does. "
    "lossx's per-sample scores (every axis but the batch and the class axis, at any rank) are axis='per_sample'; "
    "lossx's class axis, needed for integer labels, class_weight and 'per_sample', is class_axis (default −1). "
    "epsilon (1e-7, Keras's backend.epsilon()) is added to the denominator only, as in Keras; smooth, "
    "from_logits, class_weight and ignore_index are lossx extensions."
)
define_preset(
    "Dice",
    "keras",
    "dice",
    renames={"axis": "sum_axes", "class_axis": "axis"},
    function="dice",
    same_shape=True,
    **_KERAS_OVERLAP,
    doc="keras.losses.Dice(axis=None): 1 − 2·Σ t·p / (Σ t + Σ p + ε). " + _KERAS_OVERLAP_DOC + " Dense targets "
    "must have y_pred's shape (after Keras's rank alignment): Keras sums a broadcast target before "
    "broadcasting it, so its Σ t counts it once while Σ t·p counts it for every prediction.",
)
define_preset(
    "Tversky",
    "keras",
    "tversky",
    renames={"alpha": "beta", "beta": "alpha", "axis": "sum_axes", "class_axis": "axis"},
    function="tversky",
    **_KERAS_OVERLAP,
    doc="keras.losses.Tversky(alpha=0.5, beta=0.5, axis=None): 1 − TP / (TP + α·Σ t·(1−p) + β·Σ p·(1−t) + ε), "
    "Keras's convention: its alpha weighs the false negatives and its beta the false positives (lossx's "
    "tversky, the paper's, the other way round; the preset swaps them). " + _KERAS_OVERLAP_DOC,
)
