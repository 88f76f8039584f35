"""Matrix option sets of the bounding-box losses (see tests/support/cases/__init__.py and
tests/numerics/test_matrix.py).

Boxes (2, 3, 4): a batch of 2 with an extra axis of 3 pairs, float32-representable, drawn away from the kinks
of the minima and maxima (no two coordinates of a pair tie, no intersection's side near 0); most pairs overlap,
some are apart. Gradients are checked with respect to both boxes (complete_box_iou's α is held out of both).
"""

from __future__ import annotations

import numpy as np

from lossx.examples.boxes import box_pairs
from tests.support.cases import Case, f32


def _boxes(rng, options):
    while True:
        y_pred, y_true = (f32(boxes) for boxes in box_pairs(rng, (2, 3)))
        low = np.maximum(y_pred[..., :2], y_true[..., :2])
        high = np.minimum(y_pred[..., 2:], y_true[..., 2:])
        # Apart by 0.1, more than a bfloat16 ulp at these coordinates: still no tie once rounded to half.
        if np.all(np.abs(y_pred - y_true) > 0.1) and np.all(np.abs(high - low) > 0.1):
            return y_pred, y_true


CASES: list[Case] = [
    Case("giou", "generalized_box_iou", "default", {}, _boxes, wrt=(0, 1)),
    Case("giou", "generalized_box_iou", "eps0.25", {"eps": 0.25}, _boxes, wrt=(0, 1)),
    Case("diou", "distance_box_iou", "eps0.25", {"eps": 0.25}, _boxes, wrt=(0, 1)),
    Case("ciou", "complete_box_iou", "default", {}, _boxes, wrt=(0, 1)),
]
