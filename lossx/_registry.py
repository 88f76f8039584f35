"""The loss registry and :func:`define_loss`, the one way a loss comes to exist.

The built-in losses and users' custom losses are defined the same way: a function
of ``(xp, y_pred, y_true, **options)`` written against the Array-API namespace
``xp``, decorated with :func:`define_loss`. The decorator declares the options
once; this module wraps the function with input checks, dtype handling, weights
and reduction, and every adapter in :mod:`lossx.backends` is generated from here.
"""

from __future__ import annotations

import difflib
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from ._errors import (
    ArgumentError,
    DTypeError,
    LabelRangeError,
    OptionValueError,
    ProbabilityRangeError,
    ShapeError,
    UnknownLossError,
)
from ._namespace import device_of, is_eager, namespace_of, to_namespace
from ._options import Option, validate_options
from ._reduction import LossTerms, check_reduction, reduce_terms, static_shape
from .primitives import Deferred, drop_axis, extrema

__all__ = [
    "Input",
    "LossSpec",
    "define_loss",
    "lookup",
    "registered",
    "camel_case",
    "generic_function",
    "loss_function",
    "on_register",
]

TARGET_KINDS = ("dense", "binary", "labels")
_HALF_PRECISION = ("float16", "bfloat16")

#: What each kind of input must be; checked before the body runs (see :class:`Input`).
INPUT_KINDS = {
    "prediction": "floating; sets the namespace, dtype and device of the call",
    "dense": "floating, broadcastable to the prediction's shape",
    "binary": "floating targets in [0, 1] (0/1 labels or probabilities), broadcastable to the prediction's shape",
    "labels": "integer class indices in [0, C) (or ignore_index); the prediction's shape without axis",
    "label_lists": "integer class indices of the prediction's shape: along axis, each entry lists its labels "
                   "and ends them with −1 (torch's MultiLabelMarginLoss)",
    "classes": "integer class labels like 'labels', or floating targets like 'dense' (the body checks the dtype)",
    "rows": "floating, one value per row: the prediction's shape without axis",
    "groups": "integer group ids (any values); the prediction's shape without axis",
    "lengths": "integer, one per batch entry: shape (batch,)",
    "sequences": "integer, padded sequences: shape (batch, length)",
}
_INTEGER_KINDS = ("labels", "label_lists", "groups", "lengths", "sequences")


@dataclass(frozen=True)
class Input:
    """One array input of a loss, in call order; the first is the prediction.

    ``kind`` is one of :data:`INPUT_KINDS`; ``optional`` inputs default to None
    (the body receives None and picks its own default, e.g. full lengths).
    """

    name: str
    kind: str = "dense"
    doc: str = ""
    optional: bool = False

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"Input kind must be one of {tuple(INPUT_KINDS)}, got {self.kind!r}")

    @property
    def is_integer(self) -> bool:
        return self.kind in _INTEGER_KINDS


def _default_inputs(target: str) -> tuple[Input, ...]:
    return (
        Input("y_pred", "prediction", "Predictions."),
        Input("y_true", target, {"dense": "Targets.", "binary": "Binary targets in [0, 1]."}.get(target, "Integer class labels.")),
    )


def camel_case(snake: str) -> str:
    """``sparse_categorical_cross_entropy`` → ``SparseCategoricalCrossEntropy``."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def _default_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    return rng.standard_normal((4, 5)), rng.standard_normal((4, 5))


@dataclass(frozen=True, eq=False)
class LossSpec:
    """Everything lossx knows about one loss; adapters read nothing else.

    Attributes
    ----------
    name: snake_case name; ``camel_name`` is derived from it.
    body: ``body(xp, y_pred, y_true, **options)`` returning per-element losses
        (an array) or :class:`lossx.LossTerms`.
    options: the declared :class:`lossx.Option` tuple.
    inputs: the array inputs in call order (:class:`Input`); by default
        ``y_pred`` and a dense ``y_true``.
    class_axis: whether the loss reduces axes of ``y_pred`` (categorical losses reduce
        ``axis``; sequence and embedding losses give one value per row); elementwise
        losses (False) keep the broadcast shape.
    probabilities: whether ``y_pred`` holds probabilities unless ``from_logits=True``
        (range-checked in eager mode).
    aliases: short names (``"mse"``) accepted by :func:`lossx.get`.
    example: ``example(rng, options) -> (y_pred, y_true, ...)``: NumPy inputs (float64,
        or integer for integer kinds), one per input, on which ``lossx compare``
        exercises the loss.
    showcase: option sets ``lossx compare`` runs.
    """

    name: str
    body: Callable[..., Any]
    options: tuple[Option, ...] = ()
    inputs: tuple[Input, ...] = _default_inputs("dense")
    class_axis: bool = False
    probabilities: bool = False
    aliases: tuple[str, ...] = ()
    example: Callable[..., tuple] = _default_example
    showcase: tuple[Mapping[str, Any], ...] = ({},)
    doc: str = field(default="", repr=False)

    @property
    def camel_name(self) -> str:
        return camel_case(self.name)

    def __post_init__(self) -> None:
        # Derived once, as plain attributes (torch.compile cannot trace functools.cached_property's lock).
        object.__setattr__(self, "_array_options", tuple(o for o in self.options if o.is_tensor or o.kind == "float"))
        object.__setattr__(self, "_required_inputs", sum(not i.optional for i in self.inputs))
        object.__setattr__(self, "_other_inputs", self.inputs[1:])

    @property
    def required_inputs(self) -> int:
        return self._required_inputs

    @property
    def target(self) -> Input:
        """The second input (``y_true`` for most losses)."""
        return self.inputs[1]

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def validate(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Canonical values of every option (defaults filled in), or a clear error."""
        return validate_options(self.name, self.options, options)

    # ------------------------------------------------------------------ evaluation

    def bind(self, inputs: tuple, named: dict[str, Any] | None = None) -> tuple:
        """Every input in order (None for omitted optional ones), or a TypeError.

        Inputs given by name are popped from ``named`` (the caller's keyword arguments).
        """
        if named:
            inputs = self._bind_named(tuple(inputs), named)
        if not self.required_inputs <= len(inputs) <= len(self.inputs):
            raise ArgumentError(self._arity_message(inputs))
        for spec_input, value in zip(self.inputs, inputs):
            if value is None and not spec_input.optional:
                raise ArgumentError(f"{self.name}: input {spec_input.name!r} is required; got None. Pass an array.")
        return tuple(inputs) + (None,) * (len(self.inputs) - len(inputs))

    def _bind_named(self, inputs: tuple, named: dict[str, Any]) -> tuple:
        """``inputs`` followed by the inputs given by name (popped from ``named``), in the declared order."""
        names = [spec_input.name for spec_input in self.inputs]
        for name in names[: len(inputs)]:
            if name in named:
                raise ArgumentError(f"{self.name} got two values for input {name!r}, one positional and one by name.")
        given = [name for name in names[len(inputs):] if name in named]
        if not given:
            return inputs
        values = list(inputs) + [None] * (len(names) - len(inputs))
        for name in given:
            values[names.index(name)] = named.pop(name)
        missing = [i.name for i, v in zip(self.inputs, values) if v is None and not i.optional]
        if missing:
            raise ArgumentError(
                f"{self.name}: missing input{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}; "
                f"it takes ({', '.join(names)})."
            )
        return tuple(values[: max(names.index(name) for name in given) + 1])

    def check_no_arguments_left(self, named: Mapping[str, Any]) -> None:
        """Refuse keyword arguments an object's call does not take (its options were given when it was built)."""
        if named:
            inputs = ", ".join(i.name for i in self.inputs)
            raise ArgumentError(
                f"{self.name}: unexpected argument {next(iter(named))!r}; a loss object takes its inputs ({inputs}), "
                "sample_weight and mask when called, and its options when it is built."
            )

    def _arity_message(self, inputs: tuple) -> str:
        """What is wrong with the number of positional ``inputs``: a missing input, or an option passed positionally."""
        names = ", ".join(i.name + ("=None" if i.optional else "") for i in self.inputs)
        if len(inputs) < self.required_inputs:
            missing = [i.name for i in self.inputs[len(inputs):] if not i.optional]
            plural = "s" if len(missing) > 1 else ""
            return (f"{self.name}: missing input{plural} {', '.join(map(repr, missing))}; it takes ({names})."
                    if inputs else f"{self.name}: no inputs given; it takes ({names}).")
        extra = inputs[len(self.inputs)]
        option = self._option_like(extra)
        shown = repr(extra) if isinstance(extra, (bool, int, float)) else "..."
        example = f": pass {option.name}={shown}" if option is not None else ""
        keywords = ", ".join(o.name for o in self.options)
        return (
            f"{self.name} takes {len(self.inputs)} positional inputs ({names}) but got {len(inputs)}; "
            + (f"its options ({keywords}) are keyword-only{example}, " if self.options else "")
            + "and sample_weight and mask are keyword-only too."
        )

    def _option_like(self, value: Any) -> Option | None:
        """The first declared option that a positional ``value`` looks like (a bool, int or float, or a 0-d array)."""
        dtype = str(getattr(value, "dtype", "")) if getattr(value, "shape", None) == () else ""
        if isinstance(value, bool) or "bool" in dtype:
            kinds: tuple[str, ...] = ("bool",)
        elif isinstance(value, int) or "int" in dtype:
            kinds = ("int", "axis", "float", "float_or_weights")
        elif isinstance(value, float) or "float" in dtype:
            kinds = ("float", "float_or_weights")
        else:
            return None
        return next((o for o in self.options if o.kind in kinds), None)

    def evaluate(self, inputs: tuple, options: Mapping[str, Any]) -> tuple:
        """Run the body on checked inputs: ``(xp, LossTerms, result dtype)``.

        ``inputs`` are bound here unless they already are (:meth:`bind`); ``options`` must be
        validated. Half-precision inputs are computed in float32; the caller casts the reduced
        result back to the returned dtype.
        """
        xp, result, result_dtype = self._run(inputs, options)
        return xp, _as_terms(result), result_dtype

    def _run(self, inputs: tuple, options: Mapping[str, Any]) -> tuple:
        """:meth:`evaluate`, with the body's result as it returned it (possibly :class:`Deferred`)."""
        y_pred, *others = inputs if len(inputs) == len(self.inputs) else self.bind(inputs)
        if isinstance(y_pred, (list, tuple, int, float)):
            y_pred = np.asarray(y_pred)
            y_pred = y_pred.astype(np.float64) if y_pred.dtype.kind in "biu" else y_pred
        xp = namespace_of(y_pred)
        answers = dtype_answers(xp)
        result_dtype = y_pred.dtype
        floating = answers.get((result_dtype, "real floating"))
        if floating is None:
            floating = self._is_floating_prediction(xp, result_dtype)
        if not floating:
            raise DTypeError(
                f"{self.name}: {self.inputs[0].name} has dtype {result_dtype}; predictions must be "
                f"floating point. Cast them, e.g. y_pred.astype('float32') or tensor.float().{self._swap_hint(others)}"
            )
        # The prediction's static shape and the eagerness of the call, found once for every check.
        pred_shape = static_shape(y_pred)
        eager = is_eager(y_pred)
        axis = options.get("axis", -1)
        if "axis" in options:
            self._check_axis(pred_shape, axis)
        half = answers.get((result_dtype, "half"))
        if half or (half is None and _is_half(xp, result_dtype)):
            compute_dtype = xp.float32
            y_pred = xp.astype(y_pred, compute_dtype)
        else:
            compute_dtype = result_dtype
        checked = [y_pred]
        for spec_input, value in zip(self._other_inputs, others):
            if value is not None:
                value = to_namespace(xp, value, y_pred, spec_input.name)
                value = self._check_input(xp, spec_input, pred_shape, eager, value, compute_dtype, axis, options)
            checked.append(value)
        if self.probabilities and eager and not options.get("from_logits", False):
            self._check_probabilities(xp, y_pred)
        arrays = self._option_arrays(xp, y_pred, pred_shape, options, compute_dtype, axis)
        scope = _default_floating_scope(xp)
        if scope is None:
            return xp, self.body(xp, *checked, **arrays), result_dtype
        with scope(compute_dtype):
            return xp, self.body(xp, *checked, **arrays), result_dtype

    def _swap_hint(self, others: list) -> str:
        """A hint that the arguments are swapped, when a later input looks like the predictions."""
        target = others[0] if others else None
        dtype = getattr(target, "dtype", None)
        if dtype is None or not _dtype_name(dtype).startswith(("float", "bfloat")):
            return ""
        return (
            f" {self.inputs[1].name} is floating ({dtype}): are the arguments swapped? lossx functions and "
            "torch modules take (y_pred, y_true); Keras classes take (y_true, y_pred)."
        )

    def _is_floating_prediction(self, xp: Any, dtype: Any) -> bool:
        try:
            return bool(xp.isdtype(dtype, "real floating"))
        except TypeError:  # a dtype foreign to the namespace: ml_dtypes' bfloat16 in a NumPy array
            raise DTypeError(
                f"{self.name}: {self.inputs[0].name} has dtype {dtype}, which {xp.__name__} cannot "
                "compute with (NumPy has no bfloat16). Cast to float32, e.g. y_pred.astype('float32'); "
                "torch, JAX and TensorFlow bfloat16 tensors are supported as they are."
            ) from None

    def compute(
        self,
        inputs: tuple,
        options: Mapping[str, Any],
        reduction: str = "mean",
        sample_weight: Any = None,
        mask: Any = None,
        rescale: Any = None,
        count_class_weights: bool = True,
    ) -> Any:
        """The loss with validated ``options``: the path every adapter calls.

        ``rescale`` and ``count_class_weights`` are the presets' knobs of
        :func:`lossx._reduction.reduce_terms`.
        """
        check_reduction(reduction, self.name)
        xp, result, result_dtype = self._run(inputs, options)
        out = None
        if (isinstance(result, Deferred) and reduction != "none" and sample_weight is None and mask is None
                and rescale is None):
            out = result.reduced(reduction, xp)
        if out is None:
            terms = _as_terms(result)
            like = terms.value
            if sample_weight is not None:
                sample_weight = to_namespace(xp, sample_weight, like, "sample_weight")
                sample_weight = xp.astype(sample_weight, like.dtype)
            if mask is not None:
                mask = to_namespace(xp, mask, like, "mask")
                if not _is_kind(xp, mask.dtype, "bool"):
                    raise DTypeError(
                        f"{self.name}: mask has dtype {mask.dtype}; it must be boolean "
                        "(True = counts, False = ignored). Use mask != 0 to convert."
                    )
            if rescale is not None and not isinstance(rescale, (int, float)):
                rescale = to_namespace(xp, rescale, like, "weight")
                rescale = xp.astype(rescale, like.dtype) if rescale.dtype != like.dtype else rescale
            out = reduce_terms(xp, terms, reduction, sample_weight, mask, rescale, count_class_weights)
        return out if out.dtype == result_dtype else xp.astype(out, result_dtype)

    def __call__(
        self,
        *inputs: Any,
        reduction: str = "mean",
        sample_weight: Any = None,
        mask: Any = None,
        **options: Any,
    ) -> Any:
        inputs = self.bind(inputs, options)
        return self.compute(inputs, self.validate(options), reduction, sample_weight, mask)

    # ------------------------------------------------------------------ checks

    def _check_input(
        self, xp: Any, spec_input: Input, pred_shape: tuple, eager: bool, value: Any, compute_dtype: Any,
        axis: int, options: Mapping[str, Any],
    ) -> Any:
        kind = spec_input.kind
        if kind == "classes":
            kind = "labels" if _is_kind(xp, value.dtype, "integral") else "dense"
        is_integer = kind in _INTEGER_KINDS
        if is_integer and not _is_kind(xp, value.dtype, "integral"):
            what, hint = ("integer class indices", "; for one-hot or probability targets use the categorical "
                          "loss") if kind == "labels" else ("an integer array", "")
            if kind == "labels" and len(static_shape(value)) == len(pred_shape) + 1:
                hint += (
                    f" ({spec_input.name} has one axis more than {self.inputs[0].name}: are the arguments "
                    "swapped? lossx functions and torch modules take (y_pred, y_true); Keras classes take "
                    "(y_true, y_pred))"
                )
            raise DTypeError(
                f"{self.name}: {spec_input.name} has dtype {value.dtype}; it must be {what} "
                f"(cast with .astype('int64') / .long()){hint}."
            )
        if kind in ("dense", "binary"):
            # Equal shapes (the common case) broadcast trivially, also along the class axis.
            if tuple(value.shape) != pred_shape:
                reduced = axis if self.class_axis and "axis" in options else None
                self._check_broadcast(spec_input.name, pred_shape, value, reduced)
            if kind == "binary" and eager:
                check_probabilities(
                    xp, self.name, value, value, spec_input.name,
                    "Binary targets are 0/1 labels or probabilities; for −1/1 labels use hinge or soft_margin.",
                )
        elif kind == "label_lists":
            self._check_label_lists(xp, spec_input.name, pred_shape, eager, value, axis)
        elif kind in ("labels", "rows", "groups"):
            value = self._check_rows(spec_input.name, pred_shape, value, axis)
            if kind == "labels" and eager:
                self._check_label_range(xp, pred_shape, value, axis, options.get("ignore_index"))
        elif kind == "lengths":
            self._check_leading(spec_input.name, pred_shape, value, 1)
        elif kind == "sequences":
            self._check_leading(spec_input.name, pred_shape, value, 2)
        if is_integer or value.dtype == compute_dtype:
            return value
        if _is_kind(xp, value.dtype, "complex floating"):
            raise DTypeError(f"{self.name}: {spec_input.name} has complex dtype {value.dtype}; use real values.")
        return xp.astype(value, compute_dtype)

    def _check_broadcast(self, name: str, pred_shape: tuple, value: Any, reduced: int | None = None) -> None:
        """``value`` broadcasts to the prediction's shape, and not along the ``reduced`` (class) axis."""
        first = self.inputs[0].name
        shape = static_shape(value)
        joint = _broadcast_static(pred_shape, shape)
        if joint is None:
            raise ShapeError(
                f"{self.name}: {first} of shape {pred_shape} and {name} of shape {shape} "
                f"cannot be broadcast together; give {name} the shape of {first}."
            )
        if None not in joint and joint not in (pred_shape, shape):
            raise ShapeError(
                f"{self.name}: {first} of shape {pred_shape} and {name} of shape {shape} "
                f"would broadcast to {joint}, larger than both, which is almost always a bug; "
                f"reshape {name} to {first}'s shape (e.g. {name}.reshape({first}.shape))."
            )
        if reduced is None:
            return
        # Broadcasting along the reduced axis repeats one target value for every class:
        # (N, 1) class indices given to a categorical loss would give a silent wrong number.
        from_end = reduced % len(pred_shape) - len(pred_shape)
        classes = pred_shape[from_end]
        size = shape[from_end] if len(shape) >= -from_end else 1
        if None not in (size, classes) and size != classes:
            hint = (
                "; integer class labels must be one-hot encoded first, or given to a loss that takes "
                "labels (sparse_categorical_cross_entropy, ...)" if name == "y_true" else ""
            )
            raise ShapeError(
                f"{self.name}: {name} of shape {shape} would be broadcast along axis {reduced} of {first} "
                f"of shape {pred_shape}, the axis the loss reduces over; give {name} {classes} entries "
                f"along that axis (check the axis option){hint}."
            )

    def _check_rows(self, name: str, pred_shape: tuple, value: Any, axis: int) -> Any:
        """``value`` has the prediction's shape without ``axis`` (a kept singleton axis is dropped)."""
        first = self.inputs[0].name
        shape = static_shape(value)
        axis = self._check_axis(pred_shape, axis)
        if len(shape) == len(pred_shape) and shape[axis] == 1:
            value = drop_axis(value, axis)
            shape = static_shape(value)
        expected = pred_shape[:axis] + pred_shape[axis + 1:]
        if shape != expected and (len(shape) != len(expected) or any(
            a is not None and b is not None and a != b for a, b in zip(shape, expected)
        )):
            hint = (
                "for one-hot or probability targets use the categorical loss, and check the axis option"
                if name == "y_true" else "check the axis option"
            )
            raise ShapeError(
                f"{self.name}: {name} of shape {shape} does not match {first} of shape "
                f"{pred_shape} with the axis {axis} removed, {expected}; {hint}."
            )
        return value

    def _check_label_lists(self, xp: Any, name: str, pred_shape: tuple, eager: bool, value: Any, axis: int) -> None:
        """``value`` has the prediction's shape and (eager) holds labels in [0, C) or the end marker −1."""
        first = self.inputs[0].name
        shape = static_shape(value)
        if len(shape) != len(pred_shape) or any(
            a is not None and b is not None and a != b for a, b in zip(shape, pred_shape)
        ):
            raise ShapeError(
                f"{self.name}: {name} of shape {shape} must have the shape of {first}, {pred_shape}: along "
                "the class axis each entry lists its labels, then −1 (torch's MultiLabelMarginLoss)."
            )
        num_classes = pred_shape[self._check_axis(pred_shape, axis)]
        if not eager or num_classes is None:
            return
        low, high = extrema(value)
        if low < -1 or high >= num_classes:
            raise LabelRangeError(
                f"{self.name}: {name} must hold labels in [0, {num_classes}) or −1 (which ends each list); "
                f"found values in [{low}, {high}]."
            )

    def _check_axis(self, pred_shape: tuple, axis: int) -> int:
        """``axis`` as a non-negative index into the prediction's axes, or an OptionValueError."""
        first = self.inputs[0].name
        ndim = len(pred_shape)
        if not -ndim <= axis < ndim:
            where = f"use an axis in [{-ndim}, {ndim - 1}]" if ndim else (
                f"{first} is a scalar: give it a class (feature) axis, e.g. shape (N, C)"
            )
            raise OptionValueError(
                f"{self.name}: axis={axis} is out of range for {first} of shape {pred_shape}; {where}."
            )
        return axis % ndim

    def _check_leading(self, name: str, pred_shape: tuple, value: Any, rank: int) -> None:
        first = self.inputs[0].name
        shape = static_shape(value)
        batch = pred_shape[0] if pred_shape else None
        if len(shape) != rank or (None not in (batch, shape[0]) and shape[0] != batch):
            wanted = "(batch,)" if rank == 1 else "(batch, length)"
            raise ShapeError(
                f"{self.name}: {name} of shape {shape} must have shape {wanted}, with batch = "
                f"{batch} from {first} of shape {pred_shape}."
            )

    def _check_label_range(self, xp: Any, pred_shape: tuple, labels: Any, axis: int, ignore_index: Any) -> None:
        """Eager only: every label lies in [0, C) or is ``ignore_index``."""
        axis = axis % len(pred_shape)
        num_classes = pred_shape[axis]
        if num_classes is None:
            return
        # The common case costs one fused min/max and one host sync; the entry-wise test
        # below (which also admits ignore_index) runs only when some label is outside [0, C).
        low, high = extrema(labels)
        if low >= 0 and high < num_classes:
            return
        inside = xp.logical_and(xp.greater_equal(labels, 0), xp.less(labels, num_classes))
        if ignore_index is not None:
            inside = xp.logical_or(inside, xp.equal(labels, ignore_index))
        if not bool(xp.all(inside)):
            bad = np.asarray(_to_numpy(labels))[~np.asarray(_to_numpy(inside))]
            ignore_text = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
            raise LabelRangeError(
                f"{self.name}: labels must lie in [0, {num_classes}){ignore_text} "
                f"({self.inputs[0].name} has {num_classes} classes along axis {axis}); found "
                f"{sorted(set(bad.tolist()))[:5]}. Fix the labels, or pass ignore_index "
                "for the padding value."
            )

    def _check_probabilities(self, xp: Any, y_pred: Any) -> None:
        check_probabilities(
            xp, self.name, y_pred, y_pred, "with from_logits=False y_pred",
            "If these are logits (raw scores), pass from_logits=True.",
        )

    def _option_arrays(
        self, xp: Any, y_pred: Any, pred_shape: tuple, options: Mapping[str, Any], dtype: Any, axis: int
    ) -> Mapping[str, Any]:
        """Tensor options (class weights, ...) and numbers given as 0-d arrays (traced by
        jax.jit/vmap/grad, a torch parameter) as arrays of ``xp`` in the compute dtype."""
        arrays = options  # copied only when an option is replaced by its array
        for option in self._array_options:
            value = options[option.name]
            if value is None or isinstance(value, float):
                continue
            if arrays is options:
                arrays = dict(options)
            if isinstance(value, tuple):
                array = xp.asarray(value, dtype=dtype, **device_of(y_pred))
            else:
                array = to_namespace(xp, value, y_pred, option.name)
                array = xp.astype(array, dtype) if array.dtype != dtype else array
            classes = pred_shape[axis]
            if array.ndim == 1 and classes is not None and array.shape[0] != classes:
                # Per-class vectors of elementwise losses (pos_weight, quantile) run along the last axis.
                unit = "class" if self.class_axis else "entry of the last axis (one per column)"
                scalar = ", or a single number" if option.kind == "float_or_weights" else ""
                raise ShapeError(
                    f"{self.name}: {option.name} has {array.shape[0]} entries but {self.inputs[0].name} of "
                    f"shape {pred_shape} has {classes} {'classes' if self.class_axis else 'entries'} "
                    f"along axis {axis}; give {option.name} one value per {unit}{scalar}."
                )
            arrays[option.name] = array
        return arrays


def check_probabilities(xp: Any, loss: str, y_pred: Any, array: Any, what: str, hint: str) -> None:
    """Eager-mode check that ``array`` holds probabilities in [0, 1], else a ProbabilityRangeError.

    Skipped when ``y_pred`` (which sets the namespace) or ``array`` is traced: under
    ``jax.jit`` a constant target is concrete, but operations on it are traced.
    """
    if not (is_eager(y_pred) and is_eager(array)):
        return
    low, high = extrema(array)  # one pass (NaN passes, as it does every comparison)
    if low < 0 or high > 1:
        raise ProbabilityRangeError(
            f"{loss}: {what} must be probabilities in [0, 1], but it ranges over [{low:g}, {high:g}]. {hint}"
        )


def _broadcast_static(first: tuple, second: tuple) -> tuple | None:
    """The broadcast of two static shapes (None: an unknown size), or None if they clash.

    Sizes known in both must be equal or 1, so a TensorFlow graph with an unknown batch
    size still refuses (None, 3) against (None, 2) when it is traced.
    """
    joint = []
    for a, b in zip(((1,) * len(second) + first)[-max(len(first), len(second)):],
                    ((1,) * len(first) + second)[-max(len(first), len(second)):]):
        if a is not None and b is not None and 1 not in (a, b) and a != b:
            return None
        joint.append(b if a == 1 else a if b == 1 else a if a == b else None)
    return tuple(joint)


def _dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype)).rsplit(".", 1)[-1].strip("'>")


# Per-call dtype questions, answered once per namespace when it is first seen:
# array-api-compat's isdtype and the dtype's name cost microseconds, a measurable share of
# a small loss. The table is keyed by the namespace's name and never changes afterwards,
# so torch.compile traces a read-only lookup (a table filled per call would recompile).
_DTYPE_NAMES = (
    "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
)
_DTYPE_KINDS = ("bool", "integral", "real floating", "complex floating")
_DTYPE_ANSWERS: dict[str, dict[tuple, bool]] = {}
_DEFAULT_FLOATING_SCOPES: dict[str, Any] = {}


def dtype_answers(xp: Any) -> dict[tuple, bool]:
    """``{(dtype, kind): bool}`` for every dtype of ``xp`` (kinds of ``isdtype``, and "half")."""
    answers = _DTYPE_ANSWERS.get(xp.__name__)
    if answers is None:
        answers = {}
        for name in _DTYPE_NAMES:
            dtype = getattr(xp, name, None)
            if dtype is None:
                continue
            for key in _dtype_keys(dtype):
                answers.update({(key, kind): bool(xp.isdtype(dtype, kind)) for kind in _DTYPE_KINDS})
                answers[(key, "half")] = name in _HALF_PRECISION
        _DEFAULT_FLOATING_SCOPES[xp.__name__] = getattr(xp, "default_floating_dtype", None)
        _DTYPE_ANSWERS[xp.__name__] = answers
    return answers


def _dtype_keys(dtype: Any) -> tuple:
    """The dtype as namespaces name it and as arrays carry it: NumPy and JAX name scalar types
    (``np.float32``, a class), whose hash differs from their arrays' ``np.dtype('float32')``;
    torch and TensorFlow dtypes are instances, the very objects their tensors carry."""
    return (dtype, np.dtype(dtype)) if isinstance(dtype, type) else (dtype,)


def _is_kind(xp: Any, dtype: Any, kind: str) -> bool:
    answer = dtype_answers(xp).get((dtype, kind))
    return bool(xp.isdtype(dtype, kind)) if answer is None else answer


def _is_half(xp: Any, dtype: Any) -> bool:
    answer = dtype_answers(xp).get((dtype, "half"))
    return _dtype_name(dtype) in _HALF_PRECISION if answer is None else answer


def _default_floating_scope(xp: Any) -> Any:
    """The namespace's ``default_floating_dtype`` context manager, or None (found with its dtype answers).

    TensorFlow's namespace has one: it has no weakly typed scalars, so the body's Python floats
    with no array beside them (``xp.where(e < 0, 2.0, 1.0)``) take the dtype the call computes in.
    """
    return _DEFAULT_FLOATING_SCOPES.get(xp.__name__)


def _as_terms(result: Any) -> LossTerms:
    """A body's result as :class:`LossTerms` (a :class:`Deferred` one computed now)."""
    if isinstance(result, LossTerms):
        return result
    return LossTerms(result.compute() if isinstance(result, Deferred) else result)


def _to_numpy(x: Any) -> Any:
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy"):
        return x.numpy()
    return np.asarray(x)


# ---------------------------------------------------------------------- registry

_REGISTRY: dict[str, LossSpec] = {}
_NAMES: dict[str, str] = {}
_FUNCTIONS: dict[str, Callable[..., Any]] = {}
_LISTENERS: list[Callable[[LossSpec], None]] = []


def on_register(listener: Callable[[LossSpec], None]) -> None:
    """Call ``listener(spec)`` for every loss registered from now on (adapters use this)."""
    _LISTENERS.append(listener)


def generic_function(name: str) -> Callable[..., Any]:
    """The array-generic function of a registered loss (``lossx.<snake_name>``)."""
    return _FUNCTIONS[lookup(name).name]


def registered() -> tuple[LossSpec, ...]:
    """Every registered loss, in registration order."""
    return tuple(_REGISTRY.values())


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def lookup(name: str) -> LossSpec:
    """The loss registered under a snake, Camel or alias name."""
    spec = _REGISTRY.get(name) or _REGISTRY.get(_NAMES.get(_normalise(name), ""))
    if spec is None:
        close = difflib.get_close_matches(name, list(_REGISTRY) + [s.camel_name for s in _REGISTRY.values()], n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownLossError(f"Unknown loss {name!r}.{hint} `lossx list` shows every loss.")
    return spec


def loss_function(spec: LossSpec, run: Callable[..., Any] = LossSpec.compute) -> Callable[..., Any]:
    """A function ``loss(*inputs, reduction, sample_weight, mask, **options)`` for ``spec``.

    Options are validated on each call and handed, with the inputs, to
    ``run(spec, inputs, options, reduction, sample_weight, mask)``: by default
    :meth:`LossSpec.compute`; adapters pass their own input/output conversions around it.
    The function carries the loss's signature (its inputs by name) and generated docstring.
    """

    def loss(*inputs, reduction="mean", sample_weight=None, mask=None, **options):
        inputs = spec.bind(inputs, options)
        return run(spec, inputs, spec.validate(options), reduction, sample_weight, mask)

    keyword = inspect.Parameter.KEYWORD_ONLY
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [
        *(inspect.Parameter(i.name, positional, **({"default": None} if i.optional else {})) for i in spec.inputs),
        *(inspect.Parameter(o.name, keyword, default=o.default) for o in spec.options),
        inspect.Parameter("reduction", keyword, default="mean"),
        inspect.Parameter("sample_weight", keyword, default=None),
        inspect.Parameter("mask", keyword, default=None),
    ]
    loss.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    loss.__name__ = loss.__qualname__ = spec.name
    loss.__module__ = "lossx"
    loss.__doc__ = options_docstring(spec)
    loss.spec = spec  # type: ignore[attr-defined]
    return loss


def options_docstring(spec: LossSpec) -> str:
    """The loss's own docstring followed by its generated option and call documentation."""
    lines = [inspect.cleandoc(spec.doc), "", "Inputs", "------"]
    for spec_input in spec.inputs:
        optional = " (optional)" if spec_input.optional else ""
        lines.append(f"{spec_input.name}{optional}")
        lines.append(f"    {spec_input.doc} Kind {spec_input.kind!r}: {INPUT_KINDS[spec_input.kind]}.")
    lines += ["", "Options", "-------"]
    for option in spec.options:
        lines.append(f"{option.name} = {option.default!r}")
        lines.append(f"    {option.doc} Valid: {option.range_text()}.")
    if not spec.options:
        lines.append("(none)")
    lines += [
        "",
        "Common arguments",
        "----------------",
        'reduction = "mean"',
        '    "none", "sum" or "mean" (weighted mean Σw·l/Σw; 0 when Σw = 0).',
        "sample_weight = None",
        "    Weights aligned to the leading (batch) axes of the unreduced loss.",
        "mask = None",
        "    Boolean array; False entries contribute nothing and count nothing.",
    ]
    return "\n".join(lines)


def define_loss(
    body: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    options: Iterable[Option] = (),
    target: str = "dense",
    inputs: Iterable[Input] | None = None,
    class_axis: bool = False,
    probabilities: bool = False,
    aliases: Iterable[str] = (),
    example: Callable[..., tuple] | None = None,
    showcase: Iterable[Mapping[str, Any]] = ({},),
) -> Any:
    """Register a loss written against the Array-API namespace ``xp``.

    The decorated function ``body(xp, y_pred, y_true, **options)`` receives
    checked arrays of one namespace (``y_true`` cast to ``y_pred``'s floating
    dtype, or integer labels for ``target="labels"``, range-checked 0/1 or soft targets for
    ``target="binary"``; tensor options as arrays)
    and returns the unreduced loss, or :class:`lossx.LossTerms` when class weights
    or ignored entries are involved, or ``P.deferred(primitive, *args)`` when the loss
    is one primitive of :mod:`lossx.primitives` alone (an unweighted "mean" or "sum"
    then uses the framework's fused loss-and-reduction kernel where it has one). Its
    docstring should state the formula, the shapes and a reference.

    Losses with other inputs than ``(y_pred, y_true)`` declare them with
    ``inputs=[Input(...), ...]`` (the first is the prediction); the body then takes
    them positionally, in that order, and optional ones arrive as None.

    The decorator returns the array-generic function ``loss(y_pred, y_true, *,
    reduction, sample_weight, mask, **options)``. From then on the loss also exists
    in every adapter (``lossx.backends.numpy/torch/jax/keras``), in
    :func:`lossx.get`, in ``lossx list`` and in ``lossx compare``.

    Example
    -------
    >>> import lossx
    >>> @lossx.define_loss(options=[lossx.Option("scale", "float", 1.0, "Multiplier.", low=0)])
    ... def scaled_squared_error(xp, y_pred, y_true, *, scale):
    ...     '''scale · (y_pred − y_true)².'''
    ...     return scale * (y_pred - y_true) ** 2
    >>> float(scaled_squared_error([1.0, 2.0], [0.0, 0.0], scale=2.0))
    5.0
    """

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        snake = name or function.__name__
        if target not in TARGET_KINDS:
            raise ValueError(f"target must be one of {TARGET_KINDS}, got {target!r}")
        declared = _default_inputs(target) if inputs is None else tuple(inputs)
        if len(declared) < 2 or declared[0].kind != "prediction" or any(
            i.kind == "prediction" for i in declared[1:]
        ):
            raise ValueError(f"{snake}: inputs must start with the one Input of kind 'prediction'.")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", snake):
            raise ValueError(f"Loss names are snake_case identifiers; got {snake!r}")
        if snake in _REGISTRY:
            raise ValueError(f"A loss named {snake!r} is already registered.")
        spec = LossSpec(
            name=snake,
            body=function,
            options=tuple(options),
            inputs=declared,
            class_axis=class_axis,
            probabilities=probabilities,
            aliases=tuple(aliases),
            example=example or _default_example,
            showcase=tuple(showcase),
            doc=function.__doc__ or "",
        )
        _REGISTRY[snake] = spec
        for alias in (snake, spec.camel_name, *spec.aliases):
            _NAMES[_normalise(alias)] = snake
        function_ = _FUNCTIONS[snake] = loss_function(spec)
        for listener in _LISTENERS:
            listener(spec)
        return function_

    return register(body) if body is not None else register
