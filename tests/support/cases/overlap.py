"""Matrix option sets of the overlap losses (see tests/support/cases/__init__.py and tests/numerics/test_matrix.py).

Inputs: batch N, one spatial axis, classes C (channels-last (N, H, C), or torch layout
(N, C, H) with ``axis=1``), or two spatial axes and C = 1 for the binary cases; at most
24 entries. Multiclass cases use integer labels, multilabel cases dense 0/1 targets,
binary cases a class axis of size 1, soft cases dense targets in (0, 1). Probabilities stay inside [0.02, 0.98].
The Lovász cases draw each score's errors 1e-3 apart and away from 0 (a tie is a kink of the sort).
"""

from __future__ import annotations

import functools

import numpy as np

from tests.support.cases import CW4, LABEL_WEIGHTINGS, SCCE_WEIGHTINGS, Case, f32, softmax

CW3 = (2.0, 0.5, 1.0)


def _shape(options, classes):
    return (2, classes, 3) if options.get("axis", -1) == 1 else (2, 3, classes)


def _dense(rng, options, classes=4, soft=False, ignored=None, shape=None):
    """Probabilities (or logits) and dense targets; ``ignored`` puts that value in a few targets."""
    shape = shape or _shape(options, classes)
    logits = rng.standard_normal(shape) * 1.5
    y_pred = logits if options.get("from_logits") else np.clip(1 / (1 + np.exp(-logits)), 0.02, 0.98)
    y_true = rng.uniform(0.05, 0.95, shape) if soft else (rng.random(shape) < 0.5).astype(np.float64)
    if ignored is not None:
        y_true.flat[[1, 5, 10, 17]] = ignored
    return f32(y_pred), f32(y_true)


def _labels(rng, options, classes=4, all_ignored=False):
    """Probabilities (or logits) over ``classes`` and integer labels; with ignore_index some
    pixels are ignored, and with ``all_ignored`` every pixel of the second sample."""
    axis = options.get("axis", -1)
    shape = _shape(options, classes)
    logits = rng.standard_normal(shape) * 1.5
    y_pred = logits if options.get("from_logits") else softmax(logits, axis)
    labels = rng.integers(0, classes, (2, 3))
    ignore_index = options.get("ignore_index")
    if ignore_index is not None:
        labels[0, 1] = ignore_index
        if all_ignored:
            labels[1, :] = ignore_index
    return f32(y_pred), labels.astype(np.int64)


def _cases(short, loss, extra=None):
    """The shared option sets, with ``extra`` options (α, β) merged into each."""
    extra = extra or {}
    tag = "".join(f"-{k[0]}{v}" for k, v in extra.items())
    return [
        Case(short, loss, f"multilabel-probs{tag}", {**extra}, _dense, LABEL_WEIGHTINGS),
        Case(
            short,
            loss,
            f"binary-from_logits-smooth1{tag}",
            {**extra, "from_logits": True, "smooth": 1.0},
            functools.partial(_dense, shape=(2, 3, 4, 1)),
        ),
        Case(
            short,
            loss,
            f"multiclass-from_logits-cw-ii-1{tag}",
            {**extra, "from_logits": True, "class_weight": CW4, "ignore_index": -1},
            _labels,
            SCCE_WEIGHTINGS,
        ),
        Case(
            short,
            loss,
            f"axis1-multiclass-probs-ii0-emptysample{tag}",
            {**extra, "axis": 1, "ignore_index": 0},
            functools.partial(_labels, classes=3, all_ignored=True),
            SCCE_WEIGHTINGS,
        ),
        Case(
            short,
            loss,
            f"pooled-cw-eps0-smooth0.5-soft{tag}",
            {**extra, "per_class": False, "class_weight": CW4, "epsilon": 0.0, "smooth": 0.5},
            functools.partial(_dense, soft=True),
            wrt=(0, 1),
        ),
        Case(
            short,
            loss,
            f"axis1-multilabel-from_logits-ii2-cw3{tag}",
            {**extra, "axis": 1, "from_logits": True, "ignore_index": 2, "class_weight": CW3},
            functools.partial(_dense, classes=3, ignored=2.0),
            LABEL_WEIGHTINGS,
        ),
        Case(
            short,
            loss,
            f"pooled-axis1-multiclass-probs-eps1e-3{tag}",
            {**extra, "axis": 1, "per_class": False, "epsilon": 1e-3},
            functools.partial(_labels, classes=3),
        ),
        # Keras's axis: the whole batch in one score (its default), and the batch pooled per class.
        Case(short, loss, f"sum_all-multilabel-probs{tag}", {**extra, "sum_axes": "all"}, _dense),
        Case(
            short,
            loss,
            f"sum_axes01-multiclass-from_logits-cw-ii-1{tag}",
            {**extra, "sum_axes": (0, 1), "from_logits": True, "class_weight": CW4, "ignore_index": -1},
            _labels,
            SCCE_WEIGHTINGS,
        ),
        Case(
            short,
            loss,
            f"sum_axes-1-axis1-soft{tag}",
            {**extra, "sum_axes": (-1,), "axis": 1},
            functools.partial(_dense, soft=True),
            LABEL_WEIGHTINGS,
            wrt=(0, 1),
        ),
    ]


def _apart(errors, leading, gap=1e-3):
    """Whether the errors of each score (the entries after the ``leading`` axes) are ``gap`` away from 0 (the
    hinge's and |t − p|'s kink) and from each other (a tie is a kink of the sort)."""
    rows = np.sort(errors.reshape(*errors.shape[:leading], -1), axis=-1)
    return bool(np.all(np.abs(rows) > gap) and np.all(np.diff(rows, axis=-1) > gap))


def _lovasz_masks(rng, options, shape=(2, 3, 4), soft=False):
    """Logits and 0/1 (or soft) targets whose hinge errors 1 − x·(2t − 1) are apart within each image."""
    while True:
        logits = f32(rng.standard_normal(shape) * 1.5)
        targets = f32(rng.uniform(0.05, 0.95, shape)) if soft else (rng.random(shape) < 0.5).astype(np.float64)
        if _apart(1 - logits * (2 * targets - 1), 1):
            return logits, targets


def _lovasz_classes(rng, options, dense=False):
    """Logits with integer labels (channels-last, a pixel ignored) or soft dense targets (torch layout); the
    errors |t − p| of each (image, class) are apart. Three pixels and four classes: every image lacks a class."""
    axis = options.get("axis", -1)
    shape = _shape(options, 4)
    while True:
        logits = f32(rng.standard_normal(shape) * 1.5)
        if dense:
            y_true = f32(rng.uniform(0.05, 0.95, shape))
            errors = np.abs(y_true - 1 / (1 + np.exp(-logits)))
        else:
            y_true = rng.integers(0, 4, (2, 3))
            y_true[0, 1] = options["ignore_index"]
            errors = np.abs(np.moveaxis(np.eye(4)[y_true], -1, axis) - softmax(logits, axis))
            errors[0, 1] = [10.0, 20.0, 30.0, 40.0]  # the ignored pixel: not scored
        if _apart(np.moveaxis(errors, axis, 1), 2):
            return logits, y_true


CASES: list[Case] = [
    *_cases("dice", "dice"),
    # generalised Dice: 3 of 4 classes in 3 pixels, so every sample has an absent class (the largest
    # weight); the second sample entirely ignored. Soft targets: the gradient through the weights.
    Case(
        "gdice",
        "generalized_dice",
        "simple-multiclass-from_logits-ii-1-emptysample",
        {"weighting": "simple", "from_logits": True, "ignore_index": -1},
        functools.partial(_labels, all_ignored=True),
        SCCE_WEIGHTINGS,
    ),
    Case(
        "gdice",
        "generalized_dice",
        "square-axis1-sum_axes12-soft-smooth0.5-eps0",
        {"axis": 1, "sum_axes": (1, 2), "smooth": 0.5, "epsilon": 0.0},
        functools.partial(_dense, classes=3, soft=True),
        LABEL_WEIGHTINGS,
        wrt=(0, 1),
    ),
    Case(
        "gdice",
        "generalized_dice",
        "uniform-sum_all-multilabel-from_logits-ii2-eps1e-3",
        {"weighting": "uniform", "sum_axes": "all", "from_logits": True, "ignore_index": 2, "epsilon": 1e-3},
        functools.partial(_dense, ignored=2.0),
    ),
    *_cases("tversky", "tversky", {"alpha": 0.3, "beta": 0.7}),
    Case("tversky", "tversky", "defaults-multilabel", {}, _dense),
    Case("tversky", "tversky", "a1.5-b0-multiclass-ii-1", {"alpha": 1.5, "beta": 0.0, "ignore_index": -1}, _labels),
    # focal Tversky: the power on the shared machinery (class weights after it, masked scores).
    Case("focal_tversky", "focal_tversky", "defaults-multilabel", {}, _dense, LABEL_WEIGHTINGS),
    Case(
        "focal_tversky",
        "focal_tversky",
        "g1.5-multiclass-from_logits-cw-ii-1-smooth1",
        {"gamma": 1.5, "from_logits": True, "class_weight": CW4, "ignore_index": -1, "smooth": 1.0},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "focal_tversky",
        "focal_tversky",
        "a0.6-b0.2-g0.5-pooled-axis1-soft-eps1e-3",
        {"alpha": 0.6, "beta": 0.2, "gamma": 0.5, "axis": 1, "per_class": False, "epsilon": 1e-3},
        functools.partial(_dense, classes=3, soft=True),
        wrt=(0, 1),
    ),
    *_cases("jaccard", "jaccard"),
    Case("mcc", "mcc", "multilabel-probs", {}, _dense, LABEL_WEIGHTINGS),
    Case(
        "mcc",
        "mcc",
        "multiclass-from_logits-cw-ii-1",
        {"from_logits": True, "class_weight": CW4, "ignore_index": -1},
        _labels,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "mcc",
        "mcc",
        "pooled-axis1-cw3-soft-eps0",
        {"axis": 1, "per_class": False, "class_weight": CW3, "epsilon": 0.0},
        functools.partial(_dense, classes=3, soft=True),
        wrt=(0, 1),
    ),
    Case(
        "mcc",
        "mcc",
        "sum_all-binary-from_logits-ii2",
        {"sum_axes": "all", "from_logits": True, "ignore_index": 2},
        functools.partial(_dense, shape=(2, 3, 4, 1), ignored=2.0),
    ),
    # Lovász: images of 12 pixels; soft targets (also differentiated) on an (N, H, W, 1) mask.
    Case("lovasz_hinge", "lovasz_hinge", "masks", {}, _lovasz_masks, LABEL_WEIGHTINGS),
    Case(
        "lovasz_hinge",
        "lovasz_hinge",
        "soft-nhw1",
        {},
        functools.partial(_lovasz_masks, shape=(2, 3, 4, 1), soft=True),
        wrt=(0, 1),
    ),
    Case(
        "lovasz_softmax",
        "lovasz_softmax",
        "multiclass-from_logits-present-cw-ii-1",
        {"from_logits": True, "classes": "present", "class_weight": CW4, "ignore_index": -1},
        _lovasz_classes,
        SCCE_WEIGHTINGS,
    ),
    Case(
        "lovasz_softmax",
        "lovasz_softmax",
        "axis1-soft-from_logits",
        {"axis": 1, "from_logits": True},
        functools.partial(_lovasz_classes, dense=True),
        LABEL_WEIGHTINGS,
        wrt=(0, 1),
    ),
]


def _pools_batch(options) -> bool:
    axes = options.get("sum_axes", "per_sample")
    return axes == "all" or (axes != "per_sample" and 0 in axes)


#: Cases whose scores pool the batch axis (Keras's axis=None, or axes with 0): their loss has no
#: batch axis, so tests that vary the batch size leave them out.
BATCH_POOLED = frozenset(case.id for case in CASES if _pools_batch(case.options))
