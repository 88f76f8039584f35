"""The one call path of every loss: bind → check → cast → body → reduce → cast back.

Every adapter calls :func:`compute` (the generic functions, NumPy, JAX and torch directly;
Keras through :func:`evaluate`, since Keras reduces itself). The namespace, the dtype
answers, the prediction's static shape and its eagerness are found once here and
handed to the checks (:mod:`lossx._checks`) and the reduction (:mod:`lossx._reduction`).

A tuple of class axes (an option of kind ``"class_axes"``) is handled here alone too: the
checks see the inputs as given, then the class axes are moved to the end and flattened into
one (:func:`_flattened`), so every loss body, its fused kernels included, sees one class axis.

Half precision is handled here alone: float16/bfloat16 predictions are computed in float32
and the result is cast back to their dtype (or kept in float32 where the caller asks,
as torch's autocast does for its own losses).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._binding import bind
from ._checks import (
    check_axis,
    check_class_axes,
    check_input,
    check_prediction_dtype,
    check_probability_range,
    class_total,
    without_axes,
)
from ._dtypes import DEFAULT_FLOATING_SCOPES, DTYPE_ANSWERS, dtype_answers, is_half, is_kind
from ._errors import ArgumentError, ReductionError, ShapeError
from ._namespace import device_of, is_eager, namespace_of, to_namespace
from ._reduction import (
    PLAIN_SIZES,
    REDUCTIONS,
    as_terms,
    check_reduction,
    reduce,
    static_shape,
    total_of,
    weighted_sum,
)
from .kernels import kernels

if TYPE_CHECKING:
    from ._spec import LossSpec

__all__ = ["compute", "evaluate", "weight_total"]


def compute(
    spec: LossSpec,
    inputs: tuple,
    options: Mapping[str, Any],
    reduction: str | None = "mean",
    sample_weight: Any = None,
    mask: Any = None,
    rescale: Any = None,
    count_class_weights: bool = True,
    keep_float32: bool = False,
    total_weight: Any = None,
    mean_across: Any = None,
) -> Any:
    """The loss of ``inputs`` (bound here unless they already are) with validated ``options``.

    ``rescale`` and ``count_class_weights`` are the presets' knobs of
    :func:`lossx._reduction.reduce_terms`; ``keep_float32`` returns a half-precision call's
    result in float32 (torch's autocast rule); ``total_weight`` and ``mean_across`` set the
    mean's denominator (docs/distributed.md). ``reduction=None`` returns ``(xp, the body's
    result, result dtype)`` unreduced and as the body gave it (:func:`evaluate`).
    """
    if reduction is not None and reduction not in REDUCTIONS:
        check_reduction(reduction, spec.name)
    if len(inputs) != len(spec.inputs) or inputs[0] is None:
        inputs = bind(spec, inputs)
    y_pred, *others = inputs
    if isinstance(y_pred, (list, tuple, int, float)):
        y_pred = np.asarray(y_pred)
        y_pred = y_pred.astype(np.float64) if y_pred.dtype.kind in "biu" else y_pred
    xp = namespace_of(y_pred)
    answers = DTYPE_ANSWERS.get(xp.__name__) or dtype_answers(xp)
    result_dtype = y_pred.dtype
    floating = answers.get((result_dtype, "real floating"))
    if not floating:
        check_prediction_dtype(spec, xp, result_dtype, floating, others)
    # The prediction's static shape and the eagerness of the call, found once for every check.
    pred_shape = tuple(y_pred.shape)
    if not set(map(type, pred_shape)) <= PLAIN_SIZES:
        pred_shape = static_shape(y_pred)
    eager = is_eager(y_pred)
    axis = options.get("axis", -1)
    if type(axis) is tuple:  # class axes (an option of kind "class_axes"), flattened into one below
        axis = check_class_axes(spec, pred_shape, axis)
    elif "axis" in options and not -len(pred_shape) <= axis < len(pred_shape):
        check_axis(spec, pred_shape, axis)
    half = answers.get((result_dtype, "half"))
    if half or (half is None and is_half(xp, result_dtype)):
        compute_dtype = xp.float32
        y_pred = xp.astype(y_pred, compute_dtype)
    else:
        compute_dtype = result_dtype
    if spec.components:
        out = _combined(
            spec,
            xp,
            y_pred,
            others,
            options,
            reduction,
            sample_weight,
            mask,
            rescale,
            count_class_weights,
            total_weight,
            mean_across,
        )
        wanted = compute_dtype if keep_float32 else result_dtype
        return out if out.dtype == wanted else xp.astype(out, wanted)
    checked = [y_pred]
    for spec_input, value in zip(spec.other_inputs, others, strict=True):
        if value is not None:
            if type(value) is not type(y_pred) or isinstance(value, np.ndarray):  # to_namespace's own fast case, inline
                value = to_namespace(xp, value, y_pred, spec_input.name)
            value = check_input(spec, xp, spec_input, pred_shape, eager, value, compute_dtype, axis, options, y_pred)
        elif not spec_input.optional:
            raise ArgumentError(f"{spec.name}: input {spec_input.name!r} is required; got None. Pass an array.")
        checked.append(value)
    if spec.probabilities and eager and not options.get("from_logits", False):
        check_probability_range(
            xp,
            spec.name,
            y_pred,
            "with from_logits=False y_pred",
            "If these are logits (raw scores), pass from_logits=True.",
        )
    arrays = options
    for option in spec.array_options:  # most calls have none to convert: no function call to find that out
        value = options[option.name]
        if value is not None and not isinstance(value, float):
            arrays = _option_arrays(spec, xp, y_pred, pred_shape, options, compute_dtype, axis)
            break
    if type(axis) is tuple:
        checked = _flattened(spec, xp, checked, axis)
        arrays = {**arrays, "axis": -1}
    assert spec.body is not None  # only a combined loss has none, and it returned above
    scope = DEFAULT_FLOATING_SCOPES.get(xp.__name__)
    if scope is None:
        result = spec.body(xp, *checked, **arrays)
    else:
        with scope(compute_dtype):
            result = spec.body(xp, *checked, **arrays)
    if reduction is None:
        return xp, result, result_dtype
    out = reduce(
        xp, result, reduction, spec.name, sample_weight, mask, rescale, count_class_weights, total_weight, mean_across
    )
    if keep_float32 and compute_dtype != result_dtype:
        result_dtype = compute_dtype
    return out if out.dtype == result_dtype else xp.astype(out, result_dtype)


def _combined(
    spec: LossSpec,
    xp: Any,
    y_pred: Any,
    others: list,
    options: Mapping[str, Any],
    reduction: str | None,
    sample_weight: Any,
    mask: Any,
    rescale: Any,
    count_class_weights: bool,
    total_weight: Any,
    mean_across: Any,
) -> Any:
    """A combined loss (:func:`lossx.combine`): ``Σ_k w_k · (component k under this reduction, sample_weight
    and mask)``, in the compute dtype (docs/semantics.md, combined losses).

    Each component reduces on its own because each has its own mean's denominator (a class-weighted
    cross-entropy's Σ w_y, a Dice loss's count of scores); one reduction of summed values would
    divide one component's sum by the other's denominator.
    """
    if reduction is None or total_weight is not None:
        names = ", ".join(component.key for component in spec.components)
        raise ReductionError(
            f"{spec.name} is a combined loss: each of its components ({names}) is reduced on its own, with its "
            "own denominator for 'mean', so it has no single unreduced result or Σw (total_weight). Call it "
            "with reduction='none', 'sum' or 'mean' (mean_across gives each component's mean over the group), "
            "or give each component its own total_weight by calling the components apart."
        )
    # Converted once here rather than once per component.
    inputs = (
        y_pred,
        *(
            value if value is None else to_namespace(xp, value, y_pred, spec_input.name)
            for spec_input, value in zip(spec.other_inputs, others, strict=True)
        ),
    )
    if sample_weight is not None:
        sample_weight = to_namespace(xp, sample_weight, y_pred, "sample_weight")
    if mask is not None:
        mask = to_namespace(xp, mask, y_pred, "mask")
    return weighted_sum(
        spec.name,
        reduction,
        [
            (
                component.key,
                options[component.weight],
                compute(
                    component.spec,
                    inputs,
                    component.options_of(options),
                    reduction,
                    sample_weight,
                    mask,
                    rescale,
                    count_class_weights,
                    mean_across=mean_across,
                ),
            )
            for component in spec.components
        ],
    )


def evaluate(spec: LossSpec, inputs: tuple, options: Mapping[str, Any]) -> tuple:
    """Run the body on checked inputs: ``(xp, LossTerms, result dtype)``.

    ``options`` must be validated. Half-precision inputs are computed in float32; the
    caller casts the reduced result back to the returned dtype.
    """
    xp, result, result_dtype = compute(spec, inputs, options, None)
    return xp, as_terms(result), result_dtype


def weight_total(
    spec: LossSpec, inputs: tuple, options: Mapping[str, Any], sample_weight: Any = None, mask: Any = None
) -> Any:
    """The Σw "mean" would divide the loss of ``inputs`` by: a 0-d array of the loss's dtype.

    The body runs (ignored entries and class weights come from it), the reduction does not.
    """
    xp, terms, result_dtype = evaluate(spec, inputs, options)
    total = total_of(xp, terms, spec.name, sample_weight, mask)
    return total if total.dtype == result_dtype else xp.astype(total, result_dtype)


# Tuples of numbers (class weights given as a tuple) as arrays, kept per namespace, dtype and
# device: NumPy and JAX would otherwise rebuild the same array on every call. Eager calls only,
# so a trace never captures an array made by another; bounded, for programs that make many.
_OPTION_ARRAYS: dict[tuple, Any] = {}
_OPTION_ARRAYS_KEPT = 256


def _option_arrays(
    spec: LossSpec,
    xp: Any,
    y_pred: Any,
    pred_shape: tuple,
    options: Mapping[str, Any],
    dtype: Any,
    axis: int | tuple[int, ...],
) -> Mapping[str, Any]:
    """Tensor options (class weights, ...) and numbers given as 0-d arrays (traced by
    jax.jit/vmap/grad, a torch parameter) as arrays of ``xp`` in the compute dtype."""
    arrays: dict[str, Any] | None = None  # options' copy, made only when an option is replaced by its array
    for option in spec.array_options:
        value = options[option.name]
        if value is None or isinstance(value, float):
            continue
        if arrays is None:
            arrays = dict(options)
        if isinstance(value, tuple):
            array = _tuple_array(xp, value, dtype, y_pred)
        else:
            array = to_namespace(xp, value, y_pred, option.name)
            array = xp.astype(array, dtype) if array.dtype != dtype else array
        classes = class_total(pred_shape, axis) if isinstance(axis, tuple) else pred_shape[axis]
        if array.ndim == 1 and classes is not None and array.shape[0] != classes:
            # Per-class vectors of elementwise losses (pos_weight, quantile) run along the last axis.
            unit = "class" if spec.class_axis else "entry of the last axis (one per column)"
            scalar = ", or a single number" if option.kind == "float_or_weights" else ""
            along = f"axes {axis} (the product of their sizes)" if type(axis) is tuple else f"axis {axis}"
            raise ShapeError(
                f"{spec.name}: {option.name} has {array.shape[0]} entries but {spec.inputs[0].name} of "
                f"shape {pred_shape} has {classes} {'classes' if spec.class_axis else 'entries'} "
                f"along {along}; give {option.name} one value per {unit}{scalar}."
            )
        arrays[option.name] = array
    return options if arrays is None else arrays


def _flattened(spec: LossSpec, xp: Any, checked: list, axes: tuple[int, ...]) -> list:
    """The checked inputs with the class ``axes`` moved, in their order, to the end and flattened
    into one last axis: a class is the flat (row-major) index into their slice, as in optax.

    The body then runs on one class axis (its fused kernels included); the other axes keep
    their order, so the loss, labels, sample weights and masks keep their shapes.
    """
    ndim = checked[0].ndim
    flat = [_flatten(xp, checked[0], ndim, axes)]
    for spec_input, value in zip(spec.other_inputs, checked[1:], strict=True):
        # Labels hold the flat index already; dense targets are laid out like the prediction.
        if (
            value is not None
            and spec_input.kind in ("dense", "binary", "classes")
            and not (spec_input.kind == "classes" and is_kind(xp, value.dtype, "integral"))
        ):
            value = _flatten(xp, value, ndim, axes)
        flat.append(value)
    return flat


def _flatten(xp: Any, x: Any, ndim: int, axes: tuple[int, ...]) -> Any:
    """``x`` (broadcastable to an ``ndim`` prediction) with ``axes`` moved to the end and merged into one."""
    while x.ndim < ndim:
        x = xp.expand_dims(x, axis=0)
    size = kernels(xp)["size"]  # static sizes, or a TensorFlow graph's run-time ones
    batch = without_axes(tuple(range(ndim)), axes)
    classes = 1
    for a in axes:
        classes = classes * size(x, a)
    x = xp.permute_dims(x, (*batch, *axes))
    return xp.reshape(x, (*(size(x, d) for d in range(len(batch))), classes))


def _tuple_array(xp: Any, value: tuple, dtype: Any, y_pred: Any) -> Any:
    device = device_of(y_pred)
    if not is_eager(y_pred):
        return xp.asarray(value, dtype=dtype, **device)
    key = (value, xp.__name__, dtype, str(device.get("device", "")))
    array = _OPTION_ARRAYS.get(key)
    if array is None:
        if len(_OPTION_ARRAYS) >= _OPTION_ARRAYS_KEPT:
            _OPTION_ARRAYS.clear()
        array = _OPTION_ARRAYS[key] = xp.asarray(value, dtype=dtype, **device)
    return array
