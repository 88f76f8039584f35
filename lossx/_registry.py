"""The loss registry and :func:`define_loss`, the one way a loss comes to exist.

The built-in losses and users' custom losses are defined the same way: a function
of ``(xp, y_pred, y_true, **options)`` written against the Array-API namespace
``xp``, decorated with :func:`define_loss`. The decorator declares the loss
(:class:`lossx._spec.LossSpec`) and registers it; every call runs one path
(:mod:`lossx._call`), and every adapter in :mod:`lossx.backends` is generated from here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._errors import UnknownLossError
from ._options import Option
from ._signatures import loss_function
from ._spec import TARGET_KINDS, Input, LossSpec, Packing, default_inputs

__all__ = ["define_loss", "generic_function", "lookup", "on_register", "register", "registered"]

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


def register(spec: LossSpec) -> Callable[..., Any]:
    """Register ``spec`` under its names, tell the adapters, and return its array-generic function."""
    if spec.name in _REGISTRY:
        raise ValueError(f"A loss named {spec.name!r} is already registered.")
    # Its derived attributes computed now, outside any trace (see LossSpec).
    spec.camel_name, spec.required_inputs, spec.other_inputs, spec.array_options  # noqa: B018
    _REGISTRY[spec.name] = spec
    for alias in (spec.name, spec.camel_name, *spec.aliases):
        _NAMES[_normalise(alias)] = spec.name
    function = _FUNCTIONS[spec.name] = loss_function(spec)
    for listener in _LISTENERS:
        listener(spec)
    return function


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
    packing: Packing | None = None,
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
    them positionally, in that order, and optional ones arrive as None. A
    ``keras.losses.Loss`` receives only ``(y_true, y_pred)``: a loss with more than two
    required inputs has a Keras class when ``packing=Packing(...)`` says how they are
    packed into those two (:class:`lossx.Packing`), and none otherwise.

    The decorator returns the array-generic function ``loss(y_pred, y_true, *,
    reduction, sample_weight, mask, **options)``. From then on the loss also exists
    in every adapter (``lossx.backends.numpy/torch/jax/keras``), in
    :func:`lossx.get`, in ``lossx list`` and in ``lossx compare``.

    Examples
    --------
    >>> import lossx
    >>> @lossx.define_loss(options=[lossx.Option("scale", "float", 1.0, "Multiplier.", low=0)])
    ... def scaled_squared_error(xp, y_pred, y_true, *, scale):
    ...     '''scale · (y_pred − y_true)².'''
    ...     return scale * (y_pred - y_true) ** 2
    >>> float(scaled_squared_error([1.0, 2.0], [0.0, 0.0], scale=2.0))
    5.0
    """

    def declare(function: Callable[..., Any]) -> Callable[..., Any]:
        snake = name or function.__name__
        if target not in TARGET_KINDS:
            raise ValueError(f"target must be one of {TARGET_KINDS}, got {target!r}")
        declared = default_inputs(target) if inputs is None else tuple(inputs)
        if len(declared) < 2 or declared[0].kind != "prediction" or any(i.kind == "prediction" for i in declared[1:]):
            raise ValueError(f"{snake}: inputs must start with the one Input of kind 'prediction'.")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", snake):
            raise ValueError(f"Loss names are snake_case identifiers; got {snake!r}")
        if snake in _REGISTRY:
            raise ValueError(f"A loss named {snake!r} is already registered.")
        if packing is not None:
            _check_packing(snake, packing, declared)
        spec = LossSpec(
            name=snake,
            body=function,
            options=tuple(options),
            inputs=declared,
            class_axis=class_axis,
            probabilities=probabilities,
            aliases=tuple(aliases),
            example=example or LossSpec.example,
            showcase=tuple(showcase),
            packing=packing,
            doc=function.__doc__ or "",
        )
        return register(spec)

    return declare(body) if body is not None else declare


def _check_packing(name: str, packing: Packing, inputs: tuple[Input, ...]) -> None:
    """Refuse a packing that does not hold every required input exactly once (optional ones take their defaults)."""
    packed = [*packing.y_pred, *([packing.y_true] if packing.y_true else [])]
    required = [i.name for i in inputs if not i.optional]
    if sorted(packed) != sorted(required):
        raise ValueError(
            f"{name}: packing must hold each required input ({', '.join(required)}) once, in y_pred or y_true; "
            f"it holds {', '.join(packed)}."
        )
