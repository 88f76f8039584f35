"""mpmath references of the bounding-box losses, written from the papers' formulas (Rezatofighi et al.
2019; Zheng et al. 2020) as torchvision's ``*_box_iou_loss`` state them:

    iou  = |A ∩ B| / (|A ∪ B| + ε)
    giou = 1 − iou + (|C| − |A ∪ B|) / (|C| + ε)
    diou = 1 − iou + ρ² / (c² + ε)
    ciou = diou + α·v,  v = (4/π²)·(atan(w_B/h_B) − atan(w_A/h_A))²,  α = v / (1 − iou + v + ε)

``A`` the predicted box, ``B`` the target box, ``C`` the smallest box enclosing both, ``ρ`` the distance of
their centres and ``c`` the diagonal of ``C``. torchvision computes α under ``torch.no_grad()``, so its
gradient is ``α·∇v``: here α is computed at the inputs rounded to float32, where the difference quotients'
steps (at most 1e-15 relative) vanish, and the quotients see α as the constant it is at the tests' inputs
(float32 numbers, tests/support/cases/__init__.py); on other inputs α would be off by float32 rounding and the
float64 comparisons fail. A box of zero height has ``atan(w/0) = π/2``; against a box of zero width and height
(no aspect ratio) ``v`` is 0. A box with negative width or height is outside the domain (NaN), so the difference
quotients at a zero-size box are one-sided.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.support.reference import helpers as M


def _angle(width, height):
    return M.mp.pi / 2 if height == 0 else M.mp.atan(width / height)


_ANGLE = np.frompyfunc(_angle, 2, 1)


def _pair(y_pred, y_true):
    x1, y1, x2, y2 = (y_pred[..., i] for i in range(4))
    u1, v1, u2, v2 = (y_true[..., i] for i in range(4))
    return (x1, y1, x2, y2), (u1, v1, u2, v2)


def _iou_terms(y_pred, y_true, eps):
    """(1 − iou, the union, the enclosing box's width and height, ρ², the domain)."""
    (x1, y1, x2, y2), (u1, v1, u2, v2) = _pair(y_pred, y_true)
    eps = M.mp_scalar(eps)
    larger, smaller = (lambda a, b: np.where(a > b, a, b)), (lambda a, b: np.where(a < b, a, b))
    across = smaller(x2, u2) - larger(x1, u1)
    down = smaller(y2, v2) - larger(y1, v1)
    intersection = np.where((across > 0) & (down > 0), across * down, M.ZERO)
    union = (x2 - x1) * (y2 - y1) + (u2 - u1) * (v2 - v1) - intersection
    iou = intersection / (union + eps)
    width = larger(x2, u2) - smaller(x1, u1)
    height = larger(y2, v2) - smaller(y1, v1)
    distance = ((x1 + x2) / 2 - (u1 + u2) / 2) ** 2 + ((y1 + y2) / 2 - (v1 + v2) / 2) ** 2
    valid = (x2 >= x1) & (y2 >= y1) & (u2 >= u1) & (v2 >= v1)
    return 1 - iou, union, width, height, distance, valid


def generalized_box_iou(y_pred, y_true, eps=1e-7):
    one_minus_iou, union, width, height, _, valid = _iou_terms(y_pred, y_true, eps)
    enclosing = width * height
    value = one_minus_iou + (enclosing - union) / (enclosing + M.mp_scalar(eps))
    return np.where(valid, value, M.mp.nan), None, None


def distance_box_iou(y_pred, y_true, eps=1e-7):
    one_minus_iou, _, width, height, distance, valid = _iou_terms(y_pred, y_true, eps)
    value = one_minus_iou + distance / (width**2 + height**2 + M.mp_scalar(eps))
    return np.where(valid, value, M.mp.nan), None, None


def _aspect(y_pred, y_true):
    """v, and where it is defined."""
    (x1, y1, x2, y2), (u1, v1, u2, v2) = _pair(y_pred, y_true)
    point = ((x2 - x1 == 0) & (y2 - y1 == 0)) | ((u2 - u1 == 0) & (v2 - v1 == 0))
    turn = _ANGLE(u2 - u1, v2 - v1) - _ANGLE(x2 - x1, y2 - y1)
    return np.where(point, M.ZERO, 4 / M.mp.pi**2 * turn**2)


def _held(x):
    return M.mp_array(np.asarray(M.as_float64(x), dtype=np.float32).astype(np.float64))


def complete_box_iou(y_pred, y_true, eps=1e-7):
    value, _, _ = distance_box_iou(y_pred, y_true, eps)
    held_pred, held_true = _held(y_pred), _held(y_true)
    held_v = _aspect(held_pred, held_true)
    denominator = _iou_terms(held_pred, held_true, eps)[0] + held_v + M.mp_scalar(eps)
    alpha = np.where(denominator > 0, held_v / np.where(denominator > 0, denominator, M.ONE), M.ZERO)
    return value + alpha * _aspect(y_pred, y_true), None, None


LOSSES: dict[str, Callable[..., tuple]] = {
    f.__name__: f for f in (generalized_box_iou, distance_box_iou, complete_box_iou)
}
