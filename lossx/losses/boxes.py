"""Bounding-box regression losses: the generalized, distance and complete IoU losses.

Boxes are arrays (..., 4) of corners ``(x1, y1, x2, y2)`` with ``x1 ≤ x2`` and ``y1 ≤ y2``
(torchvision's and MONAI's ``xyxy``); ``y_pred`` holds the predicted boxes and ``y_true``
the target boxes (broadcastable to ``y_pred``). Each loss gives one value per pair of
boxes, shape (...,), which the reduction averages. A box with ``x2 < x1`` or ``y2 < y1`` is
an error in eager mode (as torchvision's and MONAI's checks); under tracing it is not
checked. ``eps`` (torchvision's, 1e-7) is added to every denominator, so boxes of zero
area give finite values and gradients; it also keeps a perfect prediction's loss above 0:
identical boxes of area A lose ``ε/(A + ε)``.

``1 − IoU`` is computed as ``(|A ∪ B| − |A ∩ B| + ε) / (|A ∪ B| + ε)`` with the numerator
summed from the parts of each box outside the intersection, and the enclosing box's empty
area ``|C \\ (A ∪ B)|`` from the same parts, each a product of coordinate differences: a
nearly perfect prediction's small loss keeps its digits instead of cancelling ``1 − IoU``
or ``|C| − |A ∪ B|`` (torchvision's form).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .. import primitives as P
from .._errors import BoxRangeError, ShapeError
from .._namespace import is_eager
from .._options import Option
from .._reduction import static_shape
from .._registry import define_loss
from .._spec import Input
from ..examples import boxes as examples

__all__ = ["generalized_box_iou", "distance_box_iou", "complete_box_iou"]

_EPS = Option(
    "eps",
    "float",
    1e-7,
    "Added to each denominator against 0/0 for boxes of zero area (torchvision's eps); eps=0 is the "
    "papers' formula, NaN for a pair of zero-area boxes.",
    low=0.0,
)
_INPUTS = [
    Input("y_pred", "prediction", "Predicted boxes (..., 4): corners (x1, y1, x2, y2), x1 ≤ x2, y1 ≤ y2."),
    Input("y_true", "dense", "Target boxes (..., 4) in the same corner format, broadcastable to y_pred."),
]


def _corners(xp, name, boxes, which):
    shape = static_shape(boxes)
    if not shape or shape[-1] not in (4, None):
        raise ShapeError(
            f"{name}: {which} of shape {shape} is not boxes; give boxes of shape (..., 4) as corners "
            "(x1, y1, x2, y2), e.g. (N, 4) (convert (cx, cy, w, h) or (x, y, w, h) boxes to corners first)."
        )
    x1, y1, x2, y2 = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    width, height = x2 - x1, y2 - y1
    # Both eager: under jax.jit even operations on a closed-over concrete array are traced.
    if is_eager(boxes) and P.extrema(xp.minimum(width, height))[0] < 0:
        raise BoxRangeError(
            f"{name}: {which} holds boxes with x2 < x1 or y2 < y1; boxes are corners (x1, y1, x2, y2) with "
            "x1 ≤ x2 and y1 ≤ y2 (check the coordinate order, e.g. (y1, x1, y2, x2), and convert (cx, cy, w, h) "
            "or (x, y, w, h) boxes to corners first)."
        )
    return x1, y1, x2, y2, width, height


class _Pair(NamedTuple):
    one_minus_iou: Any
    union: Any
    overlap: Any
    reaches: tuple  # (a, b, c, d) of _geometry
    enclosing: tuple  # the enclosing box's width and height
    x: tuple  # the predicted box's x1, y1, x2, y2, width, height
    t: tuple  # the target box's


def _geometry(xp, name, y_pred, y_true, eps):
    """The parts of a pair of boxes every loss here uses.

    ``a``, ``b`` are how far the predicted and the target box reach beyond the intersection
    along x, ``c``, ``d`` along y (each box's whole width or height where the boxes do not
    overlap). Then ``|A| − |A ∩ B| = a·h_A + w_∩·c``, ``|B| − |A ∩ B| = b·h_B + w_∩·d`` and,
    for overlapping boxes, ``|C| − |A ∪ B| = a·d + b·c``: sums of non-negative products.
    """
    x1p, y1p, x2p, y2p, wp, hp = _corners(xp, name, y_pred, "y_pred")
    x1t, y1t, x2t, y2t, wt, ht = _corners(xp, name, y_true, "y_true")
    across = xp.minimum(x2p, x2t) - xp.maximum(x1p, x1t)
    down = xp.minimum(y2p, y2t) - xp.maximum(y1p, y1t)
    overlap = xp.logical_and(xp.greater(across, 0), xp.greater(down, 0))
    zero = xp.zeros_like(across)
    across, down = xp.where(overlap, across, zero), xp.where(overlap, down, zero)
    relu = P.at_least
    a = xp.where(overlap, relu(x2p - x2t, 0.0) + relu(x1t - x1p, 0.0), wp)
    b = xp.where(overlap, relu(x2t - x2p, 0.0) + relu(x1p - x1t, 0.0), wt)
    c = xp.where(overlap, relu(y2p - y2t, 0.0) + relu(y1t - y1p, 0.0), hp)
    d = xp.where(overlap, relu(y2t - y2p, 0.0) + relu(y1p - y1t, 0.0), ht)
    outside = (a * hp + across * c) + (b * ht + across * d)
    union = outside + across * down
    enclosing_w = xp.maximum(x2p, x2t) - xp.minimum(x1p, x1t)
    enclosing_h = xp.maximum(y2p, y2t) - xp.minimum(y1p, y1t)
    # 1 − IoU = 1 − |A ∩ B| / (|A ∪ B| + ε): below ½ as (outside + ε) / (|A ∪ B| + ε), no cancellation near a
    # perfect prediction; above as written, whose gradient is exactly 0 for boxes apart (the quotient's rule
    # on (outside + ε) / (|A ∪ B| + ε) would cancel two terms of 1/ε there).
    intersection = across * down
    denominator = union + eps
    one_minus_iou = xp.where(
        xp.less(outside + eps, intersection), (outside + eps) / denominator, 1 - intersection / denominator
    )
    return _Pair(
        one_minus_iou,
        union,
        overlap,
        (a, b, c, d),
        (enclosing_w, enclosing_h),
        (x1p, y1p, x2p, y2p, wp, hp),
        (x1t, y1t, x2t, y2t, wt, ht),
    )


def _distance_penalty(xp, g, eps):
    """``ρ²/(c² + ε)``: the squared distance of the centres over the enclosing box's squared diagonal."""
    x1p, y1p, x2p, y2p = g.x[:4]
    x1t, y1t, x2t, y2t = g.t[:4]
    dx = ((x1p - x1t) + (x2p - x2t)) / 2
    dy = ((y1p - y1t) + (y2p - y2t)) / 2
    width, height = g.enclosing
    diagonal = width * width + height * height
    return (dx * dx + dy * dy) / (diagonal + eps)


@define_loss(
    options=[_EPS],
    inputs=_INPUTS,
    class_axis=True,
    example=examples.boxes_example,
    showcase=examples.BOX_IOU,
    aliases=("giou",),
)
def generalized_box_iou(xp, y_pred, y_true, *, eps):
    """Generalized IoU loss ``1 − GIoU = 1 − |A ∩ B|/(|A ∪ B| + ε) + |C \\ (A ∪ B)|/(|C| + ε)``.

    ``A`` the predicted box, ``B`` the target box, ``C`` the smallest box enclosing both:
    ``1 − IoU`` for overlapping boxes, growing past 1 with the empty part of ``C`` as the
    boxes move apart, so disjoint boxes still get a gradient. In [0, 2); symmetric in its
    inputs.
    Shapes: ``y_pred`` (..., 4) corners ``(x1, y1, x2, y2)``; ``y_true`` broadcastable to
    it; result (...,), one value per pair of boxes.
    MONAI's ``BoxGIoULoss`` is ``eps=float(np.finfo(np.float32).eps)``, computed in float32;
    TF Addons' ``GIoULoss`` takes ``(y1, x1, y2, x2)`` boxes and is ``eps=0`` (GIoU does not
    change when x and y swap), with 0/0 read as 0.
    Reference: Rezatofighi et al. (2019), "Generalized Intersection over Union: a metric and
    a loss for bounding box regression"; torchvision.ops.generalized_box_iou_loss;
    monai.losses.BoxGIoULoss.
    """
    g = _geometry(xp, "generalized_box_iou", y_pred, y_true, eps)
    (a, b, c, d), (width, height) = g.reaches, g.enclosing
    enclosing = width * height
    empty = xp.where(g.overlap, a * d + b * c, enclosing - g.union)
    return g.one_minus_iou + empty / (enclosing + eps)


@define_loss(
    options=[_EPS],
    inputs=_INPUTS,
    class_axis=True,
    example=examples.boxes_example,
    showcase=examples.BOX_IOU,
    aliases=("diou",),
)
def distance_box_iou(xp, y_pred, y_true, *, eps):
    """Distance IoU loss ``1 − |A ∩ B|/(|A ∪ B| + ε) + ρ²/(c² + ε)``.

    ``ρ`` is the distance between the centres of the predicted box ``A`` and the target
    box ``B``, ``c`` the diagonal of the smallest box enclosing both: the IoU loss plus a
    pull of the centres together, which GIoU lacks once one box contains the other.
    In [0, 2); symmetric in its inputs.
    Shapes: as :func:`generalized_box_iou`.
    Reference: Zheng et al. (2020), "Distance-IoU loss: faster and better learning for
    bounding box regression"; torchvision.ops.distance_box_iou_loss.
    """
    g = _geometry(xp, "distance_box_iou", y_pred, y_true, eps)
    return g.one_minus_iou + _distance_penalty(xp, g, eps)


def _aspect_angle(xp, width, height):
    """``atan(w/h)`` as ``atan2(w, h)``: π/2 for a box of zero height, and its gradient finite there.

    Also where the box is a point, whose angle is computed at height 1 (the caller drops it).
    """
    point = xp.logical_and(xp.equal(width, 0), xp.equal(height, 0))
    return xp.atan2(width, xp.where(point, xp.ones_like(height), height)), point


@define_loss(
    options=[_EPS],
    inputs=_INPUTS,
    class_axis=True,
    example=examples.boxes_example,
    showcase=examples.BOX_IOU,
    aliases=("ciou",),
)
def complete_box_iou(xp, y_pred, y_true, *, eps):
    """Complete IoU loss ``1 − |A ∩ B|/(|A ∪ B| + ε) + ρ²/(c² + ε) + α·v``.

    :func:`distance_box_iou` plus an aspect-ratio term: ``v = (4/π²)·(atan(w_B/h_B) −
    atan(w_A/h_A))²`` (``A`` the predicted box, ``B`` the target box) and
    ``α = v / (1 − IoU + v + ε)``. α is held out of the gradient, as in torchvision and the
    paper's reference code (a constant weight of ``v`` at the current boxes): the gradient
    of ``α·v`` is ``α·∇v``. ``atan(w/h)`` is ``atan2(w, h)``, π/2 for a box of zero height
    (torchvision divides by the height: a NaN gradient there); a box of zero width and
    height has no aspect ratio, and ``v`` is 0 against it.
    Shapes: as :func:`generalized_box_iou`.
    torchvision's ``eps`` reaches only α: its distance IoU part keeps 1e-7 whatever eps is,
    so it matches lossx at the default only.
    Reference: Zheng et al. (2020), "Distance-IoU loss: faster and better learning for
    bounding box regression"; torchvision.ops.complete_box_iou_loss.
    """
    g = _geometry(xp, "complete_box_iou", y_pred, y_true, eps)
    angle_p, point_p = _aspect_angle(xp, g.x[4], g.x[5])
    angle_t, point_t = _aspect_angle(xp, g.t[4], g.t[5])
    turn = angle_t - angle_p
    v = xp.where(xp.logical_or(point_p, point_t), xp.zeros_like(turn), (4 / math.pi**2) * (turn * turn))
    denominator = g.one_minus_iou + v + eps
    # Zero only where v is 0 too (eps = 0 and identical boxes): α is then 0, not 0/0.
    alpha = v / xp.where(xp.greater(denominator, 0), denominator, xp.ones_like(denominator))
    alpha = P.kernels(xp)["stop_gradient"](alpha)
    return g.one_minus_iou + _distance_penalty(xp, g, eps) + alpha * v
