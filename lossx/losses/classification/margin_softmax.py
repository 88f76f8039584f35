"""Additive-margin softmax losses on cosine similarities: CosFace and ArcFace.

``y_pred`` are the cosines ``cos θ_c`` of a normalised embedding with each normalised
class weight; the class-weight matrix is the model's, not the loss's. Both losses are
the softmax cross-entropy of the scaled cosines with the label's cosine penalised by a
margin, computed by :func:`lossx.primitives.softmax_cross_entropy`.
"""

from __future__ import annotations

import math

from ... import primitives as P
from ..._errors import CosineRangeError
from ..._namespace import is_eager
from ..._options import Option
from ..._registry import define_loss
from ...examples import classification as examples
from .._shared import CLASS_AXIS, class_positions
from ._labels import pick

__all__ = ["cosface", "arcface"]

_SCALE = Option(
    "scale",
    "float",
    64.0,
    "s: the cosines' scale before the softmax (the papers' 64).",
    low=0.0,
    low_open=True,
)
#: How far past ±1 a cosine may lie: a normalised product rounds a few ulps beyond (one bfloat16 ulp at 1 is
#: 2⁻⁷); logits and unnormalised products lie far beyond.
_SLACK = 2.0**-7


def _check_cosines(name, y_pred):
    """Eager only: ``y_pred`` within ``[−1, 1]`` (up to rounding), else a CosineRangeError."""
    if not is_eager(y_pred):
        return
    low, high = P.extrema(y_pred)
    if low < -1.0 - _SLACK or high > 1.0 + _SLACK:
        raise CosineRangeError(
            f"{name}: y_pred must be cosine similarities in [−1, 1], but it ranges over [{low:g}, {high:g}]. "
            "Normalise the embeddings and the class weights before their product (e.g. "
            "F.normalize(x) @ F.normalize(W, dim=0)); logits are not cosines."
        )


def _is_label(xp, y_pred, labels, axis):
    """True at each entry's label along ``axis``, of ``y_pred``'s shape."""
    return xp.equal(xp.expand_dims(labels, axis=axis), class_positions(xp, y_pred, axis, labels.dtype))


@define_loss(
    options=[
        _SCALE,
        Option("margin", "float", 0.35, "m: subtracted from the label's cosine (CosFace's m).", low=0.0),
        CLASS_AXIS,
    ],
    target="labels",
    class_axis=True,
    aliases=("large_margin_cosine",),
    example=examples.cosine_example,
    showcase=examples.COSFACE,
)
def cosface(xp, y_pred, y_true, *, scale, margin, axis):
    """CosFace (large margin cosine) loss: the cross-entropy of the logits ``s·(cos θ_c − m·[c = y])``.

    ``cos θ_c`` are the cosine similarities ``y_pred`` (checked to lie in [−1, 1] in eager
    mode, up to a rounding slack of 2⁻⁷), ``y`` the integer label, ``s`` the scale and ``m``
    the margin.
    Shapes: ``y_pred`` (..., C, ...) with the class axis ``axis``; labels of ``y_pred``'s
    shape without that axis; result of the labels' shape.
    Reference: Wang et al. (2018), "CosFace: Large Margin Cosine Loss for Deep Face
    Recognition"; pytorch_metric_learning.losses.CosFaceLoss (which owns the class
    weights: its loss is this one of ``normalize(x) @ normalize(W)``).
    """
    _check_cosines("cosface", y_pred)
    penalty = margin * xp.astype(_is_label(xp, y_pred, y_true, axis), y_pred.dtype)
    return P.deferred(P.softmax_cross_entropy, scale * (y_pred - penalty), y_true, axis)


def _cos_and_sin(xp, margin):
    if isinstance(margin, float):
        return math.cos(margin), math.sin(margin)
    return xp.cos(margin), xp.sin(margin)


@define_loss(
    options=[
        _SCALE,
        Option(
            "margin",
            "float",
            0.5,
            "m: the angle added to the label's angle, in radians (ArcFace's m; pytorch-metric-learning takes "
            "degrees, 28.6 by default).",
            low=0.0,
            high=math.pi,
        ),
        CLASS_AXIS,
    ],
    target="labels",
    class_axis=True,
    aliases=("additive_angular_margin",),
    example=examples.cosine_example,
    showcase=examples.ARCFACE,
)
def arcface(xp, y_pred, y_true, *, scale, margin, axis):
    """ArcFace (additive angular margin) loss: the cross-entropy of the logits ``s·cos θ_c``, the label's ``s·ψ(θ_y)``.

    ``θ_c = arccos(y_pred_c)``; ``ψ(θ) = cos(θ + m)`` for ``θ ≤ π − m`` and ``cos θ − m·sin m``
    beyond, where ``cos(θ + m)`` would rise again: insightface's default (``easy_margin=False``)
    and pytorch-metric-learning's ArcFaceLoss; ψ jumps at ``θ = π − m``, as theirs does.
    No arccos is taken: ``cos(θ + m) = cos θ·cos m − sin θ·sin m`` with
    ``sin θ = √((1 − cos θ)(1 + cos θ))``, accurate next to ±1. The derivative of ``sin θ``,
    ``−cos θ / sin θ``, is infinite at ``cos θ = ±1``; there (and for cosines within the
    rounding slack beyond) ``sin θ`` is 0 with zero gradient, so the label's logit has the
    finite derivative ``s·cos m`` at ``cos θ_y = 1`` (and ``s`` at −1, on the fallback).
    Cosines are checked to lie in [−1, 1] in eager mode, up to a rounding slack of 2⁻⁷.
    Shapes: as :func:`cosface`.
    Reference: Deng et al. (2019), "ArcFace: Additive Angular Margin Loss for Deep Face
    Recognition"; pytorch_metric_learning.losses.ArcFaceLoss (margin in degrees; it owns the
    class weights: its loss is this one of ``normalize(x) @ normalize(W)``).
    """
    _check_cosines("arcface", y_pred)
    cosine = pick(xp, y_pred, y_true, axis)
    sine_squared = (1.0 - cosine) * (1.0 + cosine)
    inside = xp.greater(sine_squared, 0)
    # The stand-in 1 keeps the square root's infinite derivative at 0 out of the gradient.
    sine = xp.where(inside, xp.sqrt(xp.where(inside, sine_squared, xp.ones_like(cosine))), xp.zeros_like(cosine))
    cos_m, sin_m = _cos_and_sin(xp, margin)
    # θ ≤ π − m is cos θ ≥ cos(π − m) = −cos m.
    shifted = xp.where(xp.greater_equal(cosine, -cos_m), cosine * cos_m - sine * sin_m, cosine - margin * sin_m)
    logits = xp.where(_is_label(xp, y_pred, y_true, axis), xp.expand_dims(shifted, axis=axis), y_pred)
    return P.deferred(P.softmax_cross_entropy, scale * logits, y_true, axis)
