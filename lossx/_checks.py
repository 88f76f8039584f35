"""The input checks of a loss call: dtypes, shapes, and (in eager mode) the values' ranges.

Each check takes the call's namespace ``xp`` and the prediction's static shape, found
once per call by :mod:`lossx._call`; value checks run only where the arrays are concrete
(``eager``), so a traced call (jax.jit, tf.function, torch.compile) has no
data-dependent Python control flow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._dtypes import DTYPE_ANSWERS, dtype_name, is_kind
from ._errors import DTypeError, LabelRangeError, OptionValueError, ProbabilityRangeError, ShapeError
from ._kinds import INTEGER_KINDS
from ._namespace import is_eager, to_numpy
from ._reduction import static_shape
from .primitives import drop_axis, kernels

if TYPE_CHECKING:
    from ._spec import Input, LossSpec

__all__ = [
    "check_input",
    "check_axis",
    "check_class_axes",
    "check_prediction_dtype",
    "check_probabilities",
    "check_probability_range",
    "class_total",
]


def check_prediction_dtype(spec: LossSpec, xp: Any, dtype: Any, floating: bool | None, others: Sequence[Any]) -> None:
    """Refuse a prediction that is not floating point (``floating``: the cached answer, None if unknown)."""
    if floating is None:
        floating = _is_floating_prediction(spec, xp, dtype)
    if not floating:
        raise DTypeError(
            f"{spec.name}: {spec.inputs[0].name} has dtype {dtype}; predictions must be "
            f"floating point. Cast them, e.g. y_pred.astype('float32') or tensor.float().{_swap_hint(spec, others)}"
        )


def _swap_hint(spec: LossSpec, others: Sequence[Any]) -> str:
    """A hint that the arguments are swapped, when a later input looks like the predictions."""
    target = others[0] if others else None
    dtype = getattr(target, "dtype", None)
    if dtype is None or not dtype_name(dtype).startswith(("float", "bfloat")):
        return ""
    return (
        f" {spec.inputs[1].name} is floating ({dtype}): are the arguments swapped? lossx functions and "
        "torch modules take (y_pred, y_true); Keras classes take (y_true, y_pred)."
    )


def _is_floating_prediction(spec: LossSpec, xp: Any, dtype: Any) -> bool:
    try:
        return bool(xp.isdtype(dtype, "real floating"))
    except TypeError:  # a dtype foreign to the namespace: ml_dtypes' bfloat16 in a NumPy array
        raise DTypeError(
            f"{spec.name}: {spec.inputs[0].name} has dtype {dtype}, which {xp.__name__} cannot "
            "compute with (NumPy has no bfloat16). Cast to float32, e.g. y_pred.astype('float32'); "
            "torch, JAX and TensorFlow bfloat16 tensors are supported as they are."
        ) from None


def check_input(
    spec: LossSpec,
    xp: Any,
    spec_input: Input,
    pred_shape: tuple,
    eager: bool,
    value: Any,
    compute_dtype: Any,
    axis: int | tuple[int, ...],
    options: Mapping[str, Any],
    y_pred: Any,
) -> Any:
    """``value`` checked against its declared kind and cast to ``compute_dtype`` (integer kinds keep theirs).

    ``axis`` is an int, or the class axes checked by :func:`check_class_axes`. The call path
    has filled ``xp``'s dtype answers (:func:`lossx._dtypes.dtype_answers`).
    """
    kind = spec_input.kind
    integral = DTYPE_ANSWERS[xp.__name__].get((value.dtype, "integral"))
    if integral is None:
        integral = is_kind(xp, value.dtype, "integral")
    if kind == "classes":
        kind = "labels" if integral else "dense"
    is_integer = kind in INTEGER_KINDS
    if is_integer and not integral:
        what, hint = (
            ("integer class indices", "; for one-hot or probability targets use the categorical loss")
            if kind == "labels"
            else ("an integer array", "")
        )
        if kind == "labels" and len(static_shape(value)) == len(pred_shape) + 1:
            hint += (
                f" ({spec_input.name} has one axis more than {spec.inputs[0].name}: are the arguments "
                "swapped? lossx functions and torch modules take (y_pred, y_true); Keras classes take "
                "(y_true, y_pred))"
            )
        raise DTypeError(
            f"{spec.name}: {spec_input.name} has dtype {value.dtype}; it must be {what} "
            f"(cast with .astype('int64') / .long()){hint}."
        )
    if kind in ("dense", "binary"):
        # Equal shapes (the common case) broadcast trivially, also along the class axis.
        if tuple(value.shape) != pred_shape:
            reduced = axis if spec.class_axis and "axis" in options else None
            _check_broadcast(spec, spec_input.name, pred_shape, value, reduced)
        # An array of the prediction's own type is as concrete as the prediction (a jax.jit
        # tracer, a symbolic TensorFlow tensor and a Dask array are types of their own).
        if kind == "binary" and eager and (type(value) is type(y_pred) or is_eager(value)):
            low, high = (_EXTREMA.get(xp.__name__) or _extrema_of(xp))(value)
            if low < 0 or high > 1:
                check_probability_range(
                    xp,
                    spec.name,
                    value,
                    spec_input.name,
                    "Binary targets are 0/1 labels or probabilities; for −1/1 labels use hinge or soft_margin.",
                )
    elif kind == "labels":
        # The common case inline (labels of the expected shape, all in [0, C)): the checks
        # below run where it is not.
        if isinstance(axis, tuple):
            expected = without_axes(pred_shape, axis)
        else:
            expected = pred_shape[:axis] + pred_shape[axis + 1 :] if axis != -1 else pred_shape[:-1]
        if not pred_shape or tuple(value.shape) != expected:
            value = _check_rows(spec, spec_input.name, pred_shape, value, axis)
        if eager:
            if not pred_shape:
                num_classes = None
            else:
                num_classes = class_total(pred_shape, axis) if isinstance(axis, tuple) else pred_shape[axis]
            low, high = (_EXTREMA.get(xp.__name__) or _extrema_of(xp))(value) if num_classes is not None else (0, 0)
            if low < 0 or (num_classes is not None and high >= num_classes):
                _check_label_range(spec, xp, pred_shape, value, axis, options.get("ignore_index"))
    elif kind == "label_lists":
        # Label lists run along one class axis (an option of kind "axis"), never a tuple of them.
        assert not isinstance(axis, tuple)
        _check_label_lists(spec, xp, spec_input.name, pred_shape, eager, value, axis)
    elif kind in ("rows", "groups"):
        value = _check_rows(spec, spec_input.name, pred_shape, value, axis)
    elif kind == "lengths":
        _check_leading(spec, spec_input.name, pred_shape, value, 1)
    elif kind == "sequences":
        _check_leading(spec, spec_input.name, pred_shape, value, 2)
    if is_integer or value.dtype == compute_dtype:
        return value
    if is_kind(xp, value.dtype, "complex floating"):
        raise DTypeError(f"{spec.name}: {spec_input.name} has complex dtype {value.dtype}; use real values.")
    return xp.astype(value, compute_dtype)


def _check_broadcast(
    spec: LossSpec, name: str, pred_shape: tuple, value: Any, reduced: int | tuple[int, ...] | None = None
) -> None:
    """``value`` broadcasts to the prediction's shape, and not along the ``reduced`` (class) axis or axes."""
    first = spec.inputs[0].name
    shape = static_shape(value)
    joint = _broadcast_static(pred_shape, shape)
    if joint is None:
        raise ShapeError(
            f"{spec.name}: {first} of shape {pred_shape} and {name} of shape {shape} "
            f"cannot be broadcast together; give {name} the shape of {first}."
        )
    if None not in joint and joint not in (pred_shape, shape):
        raise ShapeError(
            f"{spec.name}: {first} of shape {pred_shape} and {name} of shape {shape} "
            f"would broadcast to {joint}, larger than both, which is almost always a bug; "
            f"reshape {name} to {first}'s shape (e.g. {name}.reshape({first}.shape))."
        )
    # Broadcasting along the reduced axis repeats one target value for every class:
    # (N, 1) class indices given to a categorical loss would give a silent wrong number.
    for axis in () if reduced is None else reduced if isinstance(reduced, tuple) else (reduced,):
        from_end = axis % len(pred_shape) - len(pred_shape)
        classes = pred_shape[from_end]
        size = shape[from_end] if len(shape) >= -from_end else 1
        if None not in (size, classes) and size != classes:
            hint = (
                "; integer class labels must be one-hot encoded first, or given to a loss that takes "
                "labels (sparse_categorical_cross_entropy, ...)"
                if name == "y_true"
                else ""
            )
            raise ShapeError(
                f"{spec.name}: {name} of shape {shape} would be broadcast along axis {axis} of {first} "
                f"of shape {pred_shape}, {'the axis' if type(reduced) is int else 'a class axis'} the loss reduces "
                f"over; give {name} {classes} entries along that axis (check the axis option){hint}."
            )


def _check_rows(spec: LossSpec, name: str, pred_shape: tuple, value: Any, axis: int | tuple[int, ...]) -> Any:
    """``value`` has the prediction's shape without ``axis`` (kept singleton axes are dropped).

    ``axis`` was checked by :func:`check_axis` or :func:`check_class_axes` (the loss declares
    it), or is the default −1.
    """
    first = spec.inputs[0].name
    shape = static_shape(value)
    if not isinstance(axis, tuple):
        axis = axis % len(pred_shape) if pred_shape else check_axis(spec, pred_shape, axis)
    axes = axis if isinstance(axis, tuple) else (axis,)
    if len(shape) == len(pred_shape) and all(shape[a] == 1 for a in axes):
        for a in sorted(axes, reverse=True):
            value = drop_axis(value, a)
        shape = static_shape(value)
    expected = without_axes(pred_shape, axes)
    if shape != expected and (
        len(shape) != len(expected)
        or any(a is not None and b is not None and a != b for a, b in zip(shape, expected, strict=True))
    ):
        hint = (
            "for one-hot or probability targets use the categorical loss, and check the axis option"
            if name == "y_true"
            else "check the axis option"
        )
        raise ShapeError(
            f"{spec.name}: {name} of shape {shape} does not match {first} of shape "
            f"{pred_shape} with the {_axes_text(axis)} removed, {expected}; {hint}."
        )
    return value


def without_axes(shape: tuple, axes: tuple[int, ...]) -> tuple:
    """``shape`` without the (non-negative) ``axes``.

    Compared entry by entry: under ``torch.compile(dynamic=True)`` an option's ints may be
    symbolic, and torch 2.13's Dynamo answers ``d in axes`` False for them.
    """
    return tuple(size for d, size in enumerate(shape) if all(d != a for a in axes))


def _axes_text(axis: int | tuple[int, ...]) -> str:
    return f"axes {axis}" if type(axis) is tuple else f"axis {axis}"


def class_total(pred_shape: tuple, axes: tuple[int, ...]) -> int | None:
    """The number of classes of the class ``axes``: the product of their sizes (None where one is unknown)."""
    total = 1
    for a in axes:
        if pred_shape[a] is None:
            return None
        total *= pred_shape[a]
    return total


def _check_label_lists(
    spec: LossSpec, xp: Any, name: str, pred_shape: tuple, eager: bool, value: Any, axis: int
) -> None:
    """``value`` has the prediction's shape and (eager) holds labels in [0, C) or the end marker −1."""
    first = spec.inputs[0].name
    shape = static_shape(value)
    if len(shape) != len(pred_shape) or any(
        a is not None and b is not None and a != b for a, b in zip(shape, pred_shape, strict=True)
    ):
        raise ShapeError(
            f"{spec.name}: {name} of shape {shape} must have the shape of {first}, {pred_shape}: along "
            "the class axis each entry lists its labels, then −1 (torch's MultiLabelMarginLoss)."
        )
    num_classes = pred_shape[check_axis(spec, pred_shape, axis)]
    if not eager or num_classes is None:
        return
    low, high = kernels(xp)["extrema"](value)
    if low < -1 or high >= num_classes:
        raise LabelRangeError(
            f"{spec.name}: {name} must hold labels in [0, {num_classes}) or −1 (which ends each list); "
            f"found values in [{low}, {high}]."
        )


def check_axis(spec: LossSpec, pred_shape: tuple, axis: int) -> int:
    """``axis`` as a non-negative index into the prediction's axes, or an OptionValueError."""
    first = spec.inputs[0].name
    ndim = len(pred_shape)
    if not -ndim <= axis < ndim:
        where = (
            f"use an axis in [{-ndim}, {ndim - 1}]"
            if ndim
            else (f"{first} is a scalar: give it a class (feature) axis, e.g. shape (N, C)")
        )
        raise OptionValueError(f"{spec.name}: axis={axis} is out of range for {first} of shape {pred_shape}; {where}.")
    return axis % ndim


def check_class_axes(spec: LossSpec, pred_shape: tuple, axes: tuple[int, ...]) -> tuple[int, ...]:
    """A tuple ``axis`` (an option of kind ``"class_axes"``) as distinct non-negative indices, in its order.

    The option's declaration refuses an axis named twice as written; only the rank tells
    that ``(1, -3)`` names one axis twice, or that an axis is out of range.
    """
    first = spec.inputs[0].name
    ndim = len(pred_shape)
    outside = [a for a in axes if not -ndim <= a < ndim]
    if outside:
        where = (
            f"use axes in [{-ndim}, {ndim - 1}]"
            if ndim
            else (f"{first} is a scalar: give it class axes, e.g. shape (N, H, W)")
        )
        raise OptionValueError(
            f"{spec.name}: axis={axes} names axis {outside[0]}, out of range for {first} of shape {pred_shape}; "
            f"{where}."
        )
    normal = tuple(a % ndim for a in axes)
    if any(normal[i] == normal[j] for i in range(len(normal)) for j in range(i)):  # not a set: see without_axes
        raise OptionValueError(
            f"{spec.name}: axis={axes} names one axis twice for {first} of shape {pred_shape} (axes {normal}); "
            "give each class axis once."
        )
    return normal


def _check_leading(spec: LossSpec, name: str, pred_shape: tuple, value: Any, rank: int) -> None:
    first = spec.inputs[0].name
    shape = static_shape(value)
    batch = pred_shape[0] if pred_shape else None
    if len(shape) != rank or (None not in (batch, shape[0]) and shape[0] != batch):
        wanted = "(batch,)" if rank == 1 else "(batch, length)"
        raise ShapeError(
            f"{spec.name}: {name} of shape {shape} must have shape {wanted}, with batch = "
            f"{batch} from {first} of shape {pred_shape}."
        )


def _check_label_range(
    spec: LossSpec, xp: Any, pred_shape: tuple, labels: Any, axis: int | tuple[int, ...], ignore_index: Any
) -> None:
    """Eager only, where some label lies outside [0, C): each such label is ``ignore_index``.

    The common case costs one fused min/max and one host sync (in :func:`check_input`);
    this entry-wise test, which also admits ignore_index, runs only when it fails.
    """
    if isinstance(axis, tuple):
        num_classes = class_total(pred_shape, axis)
        along = f"axes {axis}, a label the flat (row-major) index of a class in their slice"
    else:
        axis = axis % len(pred_shape)
        num_classes = pred_shape[axis]
        along = f"axis {axis}"
    # check_input calls this only where it found the number of classes (no unknown size).
    assert num_classes is not None
    bad = labels_outside(xp, labels, num_classes, ignore_index)
    if bad:
        ignore_text = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise LabelRangeError(
            f"{spec.name}: labels must lie in [0, {num_classes}){ignore_text} "
            f"({spec.inputs[0].name} has {num_classes} classes along {along}); found "
            f"{bad}. Fix the labels, or pass ignore_index "
            "for the padding value."
        )


def labels_outside(xp: Any, labels: Any, num_classes: int, ignore_index: Any) -> list:
    """Eager only: up to five of the distinct labels outside ``[0, num_classes)`` that are not ``ignore_index``."""
    inside = xp.logical_and(xp.greater_equal(labels, 0), xp.less(labels, num_classes))
    if ignore_index is not None:
        inside = xp.logical_or(inside, xp.equal(labels, ignore_index))
    if bool(xp.all(inside)):
        return []
    bad = np.asarray(to_numpy(labels))[~np.asarray(to_numpy(inside))]
    return sorted(set(bad.tolist()))[:5]


def check_probabilities(xp: Any, loss: str, y_pred: Any, array: Any, what: str, hint: str) -> None:
    """Eager-mode check that ``array`` holds probabilities in [0, 1], else a ProbabilityRangeError.

    Skipped when ``y_pred`` (which sets the namespace) or ``array`` is traced: under
    ``jax.jit`` a constant target is concrete, but operations on it are traced.
    """
    if is_eager(y_pred) and is_eager(array):
        check_probability_range(xp, loss, array, what, hint)


def check_probability_range(xp: Any, loss: str, array: Any, what: str, hint: str) -> None:
    """:func:`check_probabilities` for an ``array`` the caller knows to be concrete."""
    low, high = kernels(xp)["extrema"](array)  # one pass (NaN passes, as it does every comparison)
    if low < 0 or high > 1:
        raise ProbabilityRangeError(
            f"{loss}: {what} must be probabilities in [0, 1], but it ranges over [{low:g}, {high:g}]. {hint}"
        )


# Each namespace's extrema kernel, found once (the checks call it on every eager call).
_EXTREMA: dict[str, Any] = {}


def _extrema_of(xp: Any) -> Any:
    extrema = _EXTREMA[xp.__name__] = kernels(xp)["extrema"]
    return extrema


def _broadcast_static(first: tuple, second: tuple) -> tuple | None:
    """The broadcast of two static shapes (None: an unknown size), or None if they clash.

    Sizes known in both must be equal or 1, so a TensorFlow graph with an unknown batch
    size still refuses (None, 3) against (None, 2) when it is traced.
    """
    joint = []
    for a, b in zip(
        ((1,) * len(second) + first)[-max(len(first), len(second)) :],
        ((1,) * len(first) + second)[-max(len(first), len(second)) :],
        strict=True,
    ):
        if a is not None and b is not None and 1 not in (a, b) and a != b:
            return None
        joint.append(b if a == 1 else a if b == 1 else a if a == b else None)
    return tuple(joint)
