"""Binding a call's arrays to a loss's declared inputs, with the messages that say what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._errors import ArgumentError

if TYPE_CHECKING:
    from ._options import Option
    from ._spec import LossSpec

__all__ = ["bind", "check_no_arguments_left"]


def bind(spec: LossSpec, inputs: tuple, named: dict[str, Any] | None = None) -> tuple:
    """Every input in order (None for omitted optional ones), or a TypeError.

    Inputs given by name are popped from ``named`` (the caller's keyword arguments).
    """
    if named:
        inputs = _bind_named(spec, tuple(inputs), named)
    if not spec.required_inputs <= len(inputs) <= len(spec.inputs):
        raise ArgumentError(_arity_message(spec, inputs))
    for spec_input, value in zip(spec.inputs, inputs, strict=False):
        if value is None and not spec_input.optional:
            raise ArgumentError(f"{spec.name}: input {spec_input.name!r} is required; got None. Pass an array.")
    return tuple(inputs) + (None,) * (len(spec.inputs) - len(inputs))


def _bind_named(spec: LossSpec, inputs: tuple, named: dict[str, Any]) -> tuple:
    """``inputs`` followed by the inputs given by name (popped from ``named``), in the declared order."""
    names = [spec_input.name for spec_input in spec.inputs]
    for name in names[: len(inputs)]:
        if name in named:
            raise ArgumentError(f"{spec.name} got two values for input {name!r}, one positional and one by name.")
    given = [name for name in names[len(inputs) :] if name in named]
    if not given:
        return inputs
    values = list(inputs) + [None] * (len(names) - len(inputs))
    for name in given:
        values[names.index(name)] = named.pop(name)
    missing = [i.name for i, v in zip(spec.inputs, values, strict=True) if v is None and not i.optional]
    if missing:
        raise ArgumentError(
            f"{spec.name}: missing input{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}; "
            f"it takes ({', '.join(names)})."
        )
    return tuple(values[: max(names.index(name) for name in given) + 1])


def check_no_arguments_left(spec: LossSpec, named: Mapping[str, Any]) -> None:
    """Refuse keyword arguments an object's call does not take (its options were given when it was built)."""
    if named:
        inputs = ", ".join(i.name for i in spec.inputs)
        raise ArgumentError(
            f"{spec.name}: unexpected argument {next(iter(named))!r}; a loss object takes its inputs ({inputs}), "
            "sample_weight and mask when called, and its options when it is built."
        )


def _arity_message(spec: LossSpec, inputs: tuple) -> str:
    """What is wrong with the number of positional ``inputs``: a missing input, or an option passed positionally."""
    names = ", ".join(i.name + ("=None" if i.optional else "") for i in spec.inputs)
    if len(inputs) < spec.required_inputs:
        missing = [i.name for i in spec.inputs[len(inputs) :] if not i.optional]
        plural = "s" if len(missing) > 1 else ""
        return (
            f"{spec.name}: missing input{plural} {', '.join(map(repr, missing))}; it takes ({names})."
            if inputs
            else f"{spec.name}: no inputs given; it takes ({names})."
        )
    extra = inputs[len(spec.inputs)]
    option = _option_like(spec, extra)
    shown = repr(extra) if isinstance(extra, (bool, int, float)) else "..."
    example = f": pass {option.name}={shown}" if option is not None else ""
    keywords = ", ".join(o.name for o in spec.options)
    return (
        f"{spec.name} takes {len(spec.inputs)} positional inputs ({names}) but got {len(inputs)}; "
        + (f"its options ({keywords}) are keyword-only{example}, " if spec.options else "")
        + "and sample_weight and mask are keyword-only too."
    )


def _option_like(spec: LossSpec, value: Any) -> Option | None:
    """The first declared option that a positional ``value`` looks like (a bool, int or float, or a 0-d array)."""
    dtype = str(getattr(value, "dtype", "")) if getattr(value, "shape", None) == () else ""
    if isinstance(value, bool) or "bool" in dtype:
        kinds: tuple[str, ...] = ("bool",)
    elif isinstance(value, int) or "int" in dtype:
        kinds = ("int", "axis", "class_axes", "float", "float_or_weights")
    elif isinstance(value, float) or "float" in dtype:
        kinds = ("float", "float_or_weights")
    else:
        return None
    return next((o for o in spec.options if o.kind in kinds), None)
