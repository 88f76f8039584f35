"""Options declared once: name, kind, default, valid range and doc.

Validation, torch ``extra_repr``, Keras ``get_config``, JAX hashing, the CLI
listing and the generated docstrings all read these declarations; no adapter
knows any option by name.
"""

from __future__ import annotations

import ast
import difflib
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import OptionValueError, UnknownOptionError
from ._namespace import is_eager

__all__ = ["Option", "parse_loss_entry", "parse_value", "validate_options"]

_KINDS = ("float", "int", "bool", "axis", "class_axes", "weights", "float_or_weights", "axes", "choice")


@dataclass(frozen=True)
class Option:
    """Declaration of one loss option.

    Parameters
    ----------
    name:
        Keyword name of the option.
    kind:
        ``"float"``, ``"int"``, ``"bool"``, ``"axis"`` (an int, may be negative),
        ``"class_axes"`` (an int, or a tuple of distinct ints that the call flattens, row-major,
        into one class axis; a tuple of one axis is that int),
        ``"weights"`` (a vector of per-class weights), ``"float_or_weights"``
        (a scalar or a per-class vector), ``"axes"`` (a tuple of distinct axes, an int
        meaning a tuple of one, or one of the ``named`` values) or ``"choice"`` (one of the
        ``named`` values).
    default:
        Default value; ``None`` means "off".
    doc:
        One sentence shown in docstrings, ``lossx list`` and the docs.
    low, high:
        Valid range for numbers (and for every entry of a weights vector).
    low_open, high_open:
        Whether the corresponding bound is excluded.
    allow_none:
        Whether ``None`` is a valid value (implied when the default is ``None``).
    named:
        Names an ``"axes"`` option also accepts, each meaning a set of axes the loss
        works out from the input's rank (``"all"``); the values of a ``"choice"`` option.
    """

    name: str
    kind: str
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    allow_none: bool = False
    named: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"Option kind must be one of {_KINDS}, got {self.kind!r}")
        if self.named and self.kind not in ("axes", "choice"):
            raise ValueError(f"Option {self.name!r}: named values are for options of kind 'axes' or 'choice'.")
        if self.kind == "choice" and self.default not in self.named:
            raise ValueError(f"Option {self.name!r}: a choice's default must be one of its named values.")

    @property
    def is_tensor(self) -> bool:
        """Whether the value may be a per-class vector (a torch buffer, a JAX constant)."""
        return self.kind in ("weights", "float_or_weights")

    def range_text(self) -> str:
        """The valid range as interval notation, e.g. ``(0, inf)``."""
        if self.kind == "bool":
            return "True or False"
        if self.kind == "choice":
            return " or ".join(map(repr, self.named))
        if self.kind == "axes":
            names = "".join(f"{name!r}, " for name in self.named)
            text = f"{names}or a tuple of distinct integer axes"
            return text + (", or None" if self.allow_none or self.default is None else "")
        if self.kind == "class_axes":
            return "integer axis, or a tuple of distinct integer axes"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        text = f"{left}{low}, {high}{right}"
        if self.kind in ("int", "axis"):
            text = f"integer in {text}"
        if self.kind == "weights":
            text = f"vector of one weight per class, each in {text}"
        if self.kind == "float_or_weights":
            text = f"number or per-class vector, each in {text}"
        if self.allow_none or self.default is None:
            text += ", or None"
        return text

    def describe(self) -> str:
        """``name=default`` followed by the doc and the valid range."""
        return f"{self.name}={self.default!r}: {self.doc} Valid: {self.range_text()}."

    def canonical(self, loss_name: str, value: Any) -> Any:
        """Check ``value`` and return its canonical, hashable form.

        Scalars become Python numbers; vectors become tuples of floats, except
        arrays of a framework (a torch buffer, a JAX array), which are checked
        only for their rank and kept as they are so they stay on their device.
        """
        where = f"{loss_name}: option {self.name!r}"
        if value is None:
            if self.allow_none or self.default is None:
                return None
            raise OptionValueError(f"{where} may not be None; pass a value in {self.range_text()}.")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise OptionValueError(f"{where} must be True or False, got {value!r}.")
        if self.kind == "axes":
            return self._canonical_axes(where, value)
        if self.kind == "class_axes":
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                return int(value)
            axes = self._canonical_axes(where, value)
            return axes[0] if len(axes) == 1 else axes
        if self.kind == "choice":
            if isinstance(value, str) and value in self.named:
                return value
            raise OptionValueError(f"{where} must be {self.range_text()}, got {value!r}.")
        if self.kind in ("int", "axis"):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise OptionValueError(f"{where} must be an integer, got {value!r}.")
            value = int(value)
            self._check_range(where, value)
            return value
        if self.kind in ("float", "float_or_weights") and _is_zero_dim_array(value):
            # A 0-d array (a value traced by jax.jit/vmap/grad, a learned torch parameter) stays
            # an array: float() would fail under tracing and cut it off from autograd. Its range
            # is checked whenever its value is concrete.
            if _is_concrete(value):
                self._check_range(where, float(value))
            return value
        if self.kind == "float" or (self.kind == "float_or_weights" and _is_scalar(value)):
            if isinstance(value, bool) or not _is_scalar(value):
                raise OptionValueError(f"{where} must be a number, got {value!r}.")
            try:
                value = float(value)
            except TypeError:
                raise OptionValueError(f"{where} must be a number, got {value!r}.") from None
            self._check_range(where, value)
            return value
        return self._canonical_vector(where, value)

    def _canonical_axes(self, where: str, value: Any) -> Any:
        """A named value as it is; an int or a sequence of ints as a tuple (axes in range are the loss's check)."""
        if isinstance(value, str):
            if value in self.named:
                return value
            raise OptionValueError(f"{where} must be {self.range_text()}, got {value!r}.")
        axes = (value,) if isinstance(value, numbers.Integral) else value
        if not isinstance(axes, (tuple, list)) or not all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes
        ):
            raise OptionValueError(f"{where} must be {self.range_text()}, got {value!r}.")
        axes = tuple(int(a) for a in axes)
        if not axes:
            named = f", or one of {self.named}" if self.named else ""
            raise OptionValueError(f"{where} is empty; give at least one axis{named}.")
        if len(set(axes)) != len(axes):
            raise OptionValueError(f"{where} names an axis twice: {axes}; give each axis once.")
        return axes

    def _canonical_vector(self, where: str, value: Any) -> Any:
        if not isinstance(value, (tuple, list, np.ndarray)) and hasattr(value, "shape"):
            # A framework's tensor (a torch buffer, a JAX array) stays as it is, on its device.
            if len(value.shape) != 1:
                raise OptionValueError(
                    f"{where} must be a 1-D vector of per-class weights, got shape {tuple(value.shape)}."
                )
            return value
        try:
            entries = tuple(float(v) for v in value)
        except (TypeError, ValueError):  # not iterable, or entries such as "a" that are not numbers
            raise OptionValueError(f"{where} must be a sequence of numbers (one per class), got {value!r}.") from None
        if not entries:
            raise OptionValueError(f"{where} must not be empty; give one weight per class.")
        for entry in entries:
            self._check_range(where, entry)
        return entries

    def _check_range(self, where: str, value: float) -> None:
        if value != value:  # NaN; unlike math.isnan, also traceable on torch.compile's symbolic floats
            raise OptionValueError(f"{where} is NaN; pass a value in {self.range_text()}.")
        # An unbounded side is open (range_text writes "inf)"): an infinite option turns the
        # loss into NaN (huber's delta·(|r| − ∞)), so it is refused like any out-of-range value.
        too_low = (
            value == -math.inf if self.low is None else (value < self.low or (self.low_open and value == self.low))
        )
        too_high = (
            value == math.inf if self.high is None else (value > self.high or (self.high_open and value == self.high))
        )
        if too_low or too_high:
            loss_name = where.split(":")[0]
            raise OptionValueError(f"{loss_name}: {self.name}={value!r} is out of range; valid: {self.range_text()}.")


def _is_zero_dim_array(value: Any) -> bool:
    """A framework's 0-d array (not a Python or NumPy number or 0-d array, which become Python floats)."""
    return (
        not isinstance(value, (numbers.Real, np.generic, np.ndarray))
        and getattr(value, "shape", None) == ()
        and hasattr(value, "dtype")
    )


def _is_concrete(value: Any) -> bool:
    """Whether a 0-d array's value can be read now (not a tracer of jax.jit, tf.function or torch.compile)."""
    return is_eager(value)


def _is_scalar(value: Any) -> bool:
    if isinstance(value, numbers.Real):
        return True
    return getattr(value, "shape", None) == () and hasattr(value, "dtype")


def validate_options(loss_name: str, declared: Iterable[Option], given: Mapping[str, Any]) -> dict[str, Any]:
    """Return every declared option's canonical value, defaults filled in.

    Raises :class:`UnknownOptionError` for names the loss does not declare
    (with the closest declared name as a hint) and :class:`OptionValueError`
    for values of the wrong type or out of range.
    """
    by_name = {option.name: option for option in declared}
    unknown = [name for name in given if name not in by_name]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(by_name), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        known = ", ".join(by_name) or "none"
        raise UnknownOptionError(f"{loss_name}: unknown option {name!r}.{hint} Its options are: {known}.")
    return {name: option.canonical(loss_name, given.get(name, option.default)) for name, option in by_name.items()}


#: The commas that start another ``key=`` in ``huber:delta=2,reduction=sum``; a list value
#: keeps its own (``class_weight=[1,3]``).
_OPTION_SEPARATOR = re.compile(r",\s*(?=[A-Za-z_]\w*\s*=)")


def parse_value(text: str) -> Any:
    """An option value written on the command line: a Python literal, true/false/none in any case, else the text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[lowered]
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def parse_loss_entry(text: str, error: type[Exception] = OptionValueError) -> tuple[str, dict[str, Any]]:
    """``"huber"`` or ``"huber:delta=2,from_logits=true"`` as (name, options), as ``lossx plot``
    and ``lossx experiment`` take losses; a malformed entry raises ``error``."""
    name, colon, options_text = text.partition(":")
    if not colon:
        return name.strip(), {}
    if not options_text.strip():
        raise error(
            f"loss {text!r}: nothing after ':'; write it as huber:delta=2 (options separated by "
            "commas) or leave out the ':'."
        )
    options = {}
    for part in _OPTION_SEPARATOR.split(options_text):
        key, equals, value = part.partition("=")
        if not equals or not key.strip() or not value.strip():
            raise error(
                f"loss {text!r}: {part!r} is not key=value; write options as "
                "NAME:key=value[,key=value...], e.g. huber:delta=2."
            )
        options[key.strip()] = parse_value(value)
    return name.strip(), options
