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
    DTypeError,
    LabelRangeError,
    OptionValueError,
    ProbabilityRangeError,
    ShapeError,
    UnknownLossError,
)
from ._namespace import device_of, is_eager, namespace_of, to_namespace
from ._options import Option, validate_options
from ._reduction import LossTerms, check_reduction, reduce_terms
from .primitives import drop_axis

__all__ = ["LossSpec", "define_loss", "lookup", "registered", "camel_case", "generic_function", "loss_function", "on_register"]

TARGET_KINDS = ("dense", "labels")
_HALF_PRECISION = ("float16", "bfloat16")


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
    target: ``"dense"`` (``y_true`` has ``y_pred``'s shape, up to broadcasting) or
        ``"labels"`` (integer class indices; ``y_pred`` has a class axis ``axis``).
    class_axis: whether the loss reduces ``y_pred``'s ``axis`` (categorical losses);
        elementwise losses keep the broadcast shape.
    probabilities: whether ``y_pred`` holds probabilities unless ``from_logits=True``
        (range-checked in eager mode).
    aliases: short names (``"mse"``) accepted by :func:`lossx.get`.
    example: ``example(rng, options) -> (y_pred, y_true)`` NumPy float64 inputs on
        which ``lossx compare`` exercises the loss.
    showcase: option sets ``lossx compare`` runs.
    """

    name: str
    body: Callable[..., Any]
    options: tuple[Option, ...] = ()
    target: str = "dense"
    class_axis: bool = False
    probabilities: bool = False
    aliases: tuple[str, ...] = ()
    example: Callable[..., tuple] = _default_example
    showcase: tuple[Mapping[str, Any], ...] = ({},)
    doc: str = field(default="", repr=False)

    @property
    def camel_name(self) -> str:
        return camel_case(self.name)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def validate(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Canonical values of every option (defaults filled in), or a clear error."""
        return validate_options(self.name, self.options, options)

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, y_pred: Any, y_true: Any, options: Mapping[str, Any]) -> tuple:
        """Run the body on checked inputs: ``(xp, LossTerms, result dtype)``.

        ``options`` must already be validated. Half-precision inputs are computed
        in float32; the caller casts the reduced result back to the returned dtype.
        """
        if isinstance(y_pred, (list, tuple, int, float)):
            y_pred = np.asarray(y_pred, dtype=np.float64)
        xp = namespace_of(y_pred)
        if not xp.isdtype(y_pred.dtype, "real floating"):
            raise DTypeError(
                f"{self.name}: y_pred has dtype {y_pred.dtype}; predictions must be floating point. "
                "Cast them, e.g. y_pred.astype('float32') or tensor.float()."
            )
        result_dtype = y_pred.dtype
        compute_dtype = xp.float32 if _dtype_name(result_dtype) in _HALF_PRECISION else result_dtype
        y_pred = xp.astype(y_pred, compute_dtype) if compute_dtype != result_dtype else y_pred
        y_true = to_namespace(xp, y_true, y_pred, "y_true")
        axis = options.get("axis", -1)
        if self.target == "labels":
            y_true = self._check_labels(xp, y_pred, y_true, axis, options.get("ignore_index"))
        else:
            y_true = self._check_dense(xp, y_pred, y_true, compute_dtype)
        if self.probabilities and not options.get("from_logits", False) and is_eager(y_pred):
            self._check_probabilities(xp, y_pred)
        arrays = self._option_arrays(xp, y_pred, options, compute_dtype, axis)
        terms = self.body(xp, y_pred, y_true, **arrays)
        if not isinstance(terms, LossTerms):
            terms = LossTerms(terms)
        return xp, terms, result_dtype

    def compute(
        self,
        y_pred: Any,
        y_true: Any,
        options: Mapping[str, Any],
        reduction: str = "mean",
        sample_weight: Any = None,
        mask: Any = None,
    ) -> Any:
        """The loss with validated ``options``: the path every adapter calls."""
        check_reduction(reduction)
        xp, terms, result_dtype = self.evaluate(y_pred, y_true, options)
        like = terms.value
        if sample_weight is not None:
            sample_weight = to_namespace(xp, sample_weight, like, "sample_weight")
            sample_weight = xp.astype(sample_weight, like.dtype)
        if mask is not None:
            mask = to_namespace(xp, mask, like, "mask")
            if not xp.isdtype(mask.dtype, "bool"):
                raise DTypeError(
                    f"{self.name}: mask has dtype {mask.dtype}; it must be boolean "
                    "(True = counts, False = ignored). Use mask != 0 to convert."
                )
        out = reduce_terms(xp, terms, reduction, sample_weight, mask)
        return out if out.dtype == result_dtype else xp.astype(out, result_dtype)

    def __call__(
        self,
        y_pred: Any,
        y_true: Any,
        *,
        reduction: str = "mean",
        sample_weight: Any = None,
        mask: Any = None,
        **options: Any,
    ) -> Any:
        return self.compute(y_pred, y_true, self.validate(options), reduction, sample_weight, mask)

    # ------------------------------------------------------------------ checks

    def _check_dense(self, xp: Any, y_pred: Any, y_true: Any, compute_dtype: Any) -> Any:
        pred_shape, true_shape = _shape(y_pred), _shape(y_true)
        if None not in pred_shape + true_shape:
            try:
                joint = np.broadcast_shapes(pred_shape, true_shape)
            except ValueError:
                raise ShapeError(
                    f"{self.name}: y_pred of shape {pred_shape} and y_true of shape {true_shape} "
                    "cannot be broadcast together; give y_true the shape of y_pred."
                ) from None
            if joint not in (pred_shape, true_shape):
                raise ShapeError(
                    f"{self.name}: y_pred of shape {pred_shape} and y_true of shape {true_shape} "
                    f"would broadcast to {joint}, larger than both, which is almost always a bug; "
                    "reshape y_true to y_pred's shape (e.g. y_true.reshape(y_pred.shape))."
                )
        if xp.isdtype(y_true.dtype, "complex floating"):
            raise DTypeError(f"{self.name}: y_true has complex dtype {y_true.dtype}; use real values.")
        return y_true if y_true.dtype == compute_dtype else xp.astype(y_true, compute_dtype)

    def _check_labels(self, xp: Any, y_pred: Any, labels: Any, axis: int, ignore_index: Any) -> Any:
        pred_shape, label_shape = _shape(y_pred), _shape(labels)
        if not -len(pred_shape) <= axis < len(pred_shape):
            raise OptionValueError(
                f"{self.name}: axis={axis} is out of range for y_pred of shape {pred_shape}; "
                f"use an axis in [{-len(pred_shape)}, {len(pred_shape) - 1}]."
            )
        axis = axis % len(pred_shape)
        if len(label_shape) == len(pred_shape) and label_shape[axis] == 1:
            labels = drop_axis(labels, axis)
            label_shape = _shape(labels)
        expected = pred_shape[:axis] + pred_shape[axis + 1:]
        if len(label_shape) != len(expected) or any(
            a is not None and b is not None and a != b for a, b in zip(label_shape, expected)
        ):
            raise ShapeError(
                f"{self.name}: labels of shape {label_shape} do not match y_pred of shape "
                f"{pred_shape} with the class axis {axis} removed, {expected}; for one-hot or "
                "probability targets use the categorical loss, and check the axis option."
            )
        if not xp.isdtype(labels.dtype, "integral"):
            raise DTypeError(
                f"{self.name}: labels have dtype {labels.dtype}; they must be integer class "
                "indices (cast with .astype('int64') / .long()); for one-hot or probability "
                "targets use the categorical loss."
            )
        num_classes = pred_shape[axis]
        if num_classes is not None and is_eager(y_pred):
            inside = xp.logical_and(xp.greater_equal(labels, 0), xp.less(labels, num_classes))
            if ignore_index is not None:
                inside = xp.logical_or(inside, xp.equal(labels, ignore_index))
            if not bool(xp.all(inside)):
                bad = np.asarray(_to_numpy(labels))[~np.asarray(_to_numpy(inside))]
                ignore_text = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
                raise LabelRangeError(
                    f"{self.name}: labels must lie in [0, {num_classes}){ignore_text} "
                    f"(y_pred has {num_classes} classes along axis {axis}); found "
                    f"{sorted(set(bad.tolist()))[:5]}. Fix the labels, or pass ignore_index "
                    "for the padding value."
                )
        return labels

    def _check_probabilities(self, xp: Any, y_pred: Any) -> None:
        outside = xp.logical_or(xp.less(y_pred, 0), xp.greater(y_pred, 1))
        if bool(xp.any(outside)):
            low, high = float(xp.min(y_pred)), float(xp.max(y_pred))
            raise ProbabilityRangeError(
                f"{self.name}: with from_logits=False y_pred must be probabilities in [0, 1], "
                f"but it ranges over [{low:g}, {high:g}]. If these are logits (raw scores), "
                "pass from_logits=True."
            )

    def _option_arrays(
        self, xp: Any, y_pred: Any, options: Mapping[str, Any], dtype: Any, axis: int
    ) -> dict[str, Any]:
        """Tensor options (class weights, ...) as arrays of ``xp`` in the compute dtype."""
        arrays = dict(options)
        for option in self.options:
            value = options[option.name]
            if not option.is_tensor or value is None or isinstance(value, float):
                continue
            if isinstance(value, tuple):
                array = xp.asarray(value, dtype=dtype, **device_of(y_pred))
            else:
                array = to_namespace(xp, value, y_pred, option.name)
                array = xp.astype(array, dtype) if array.dtype != dtype else array
            classes = _shape(y_pred)[axis]
            if array.ndim == 1 and classes is not None and array.shape[0] != classes:
                raise ShapeError(
                    f"{self.name}: {option.name} has {array.shape[0]} entries but y_pred of shape "
                    f"{_shape(y_pred)} has {classes} classes along axis {axis}; give one weight per class."
                )
            arrays[option.name] = array
        return arrays


def _shape(x: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in x.shape)


def _dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype)).rsplit(".", 1)[-1].strip("'>")


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
    """A function ``loss(y_pred, y_true, *, reduction, sample_weight, mask, **options)`` for ``spec``.

    Options are validated on each call and handed, with the inputs, to
    ``run(spec, y_pred, y_true, options, reduction, sample_weight, mask)``: by default
    :meth:`LossSpec.compute`; adapters pass their own input/output conversions around it.
    The function carries the loss's signature and generated docstring.
    """

    def loss(y_pred, y_true, *, reduction="mean", sample_weight=None, mask=None, **options):
        return run(spec, y_pred, y_true, spec.validate(options), reduction, sample_weight, mask)

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("y_pred", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("y_true", inspect.Parameter.POSITIONAL_OR_KEYWORD),
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
    lines = [inspect.cleandoc(spec.doc), "", "Options", "-------"]
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
    class_axis: bool = False,
    probabilities: bool = False,
    aliases: Iterable[str] = (),
    example: Callable[..., tuple] | None = None,
    showcase: Iterable[Mapping[str, Any]] = ({},),
) -> Any:
    """Register a loss written against the Array-API namespace ``xp``.

    The decorated function ``body(xp, y_pred, y_true, **options)`` receives
    checked arrays of one namespace (``y_true`` cast to ``y_pred``'s floating
    dtype, or integer labels for ``target="labels"``; tensor options as arrays)
    and returns the unreduced loss, or :class:`lossx.LossTerms` when class weights
    or ignored entries are involved. Its docstring should state the formula, the
    shapes and a reference.

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
        if not re.fullmatch(r"[a-z][a-z0-9_]*", snake):
            raise ValueError(f"Loss names are snake_case identifiers; got {snake!r}")
        if snake in _REGISTRY:
            raise ValueError(f"A loss named {snake!r} is already registered.")
        spec = LossSpec(
            name=snake,
            body=function,
            options=tuple(options),
            target=target,
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
