"""The losses asked for: their entries and options parsed and checked, the shared axis, and the grid."""

from __future__ import annotations

import math
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import CurveError
from .._options import parse_loss_entry, parse_value
from .._registry import lookup
from .._spec import LossSpec
from .definitions import AXES, DEFAULT_RANGES, LossEntry
from .probes import _Probe, _probe

#: Options that describe the layout of the inputs, which curves builds itself.
_LAYOUT_OPTIONS = ("axis",)


def _parse_entry(entry: LossEntry) -> tuple[str, dict[str, Any]]:
    """``"huber:delta=2,…"``, ``"huber"`` or ``("huber", {"delta": 2})`` as (name, options)."""
    if isinstance(entry, str):
        return parse_loss_entry(entry, CurveError)
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], Mapping):
        return entry[0], dict(entry[1])
    raise CurveError(
        f"a loss is a name ('huber'), a name with options ('huber:delta=2') or a (name, options) "
        f"pair such as ('huber', {{'delta': 2.0}}); got {entry!r}."
    )


def parse_option_flag(text: str) -> tuple[str, str, Any]:
    """``--option huber.delta=2`` as ``("huber", "delta", 2)``."""
    target, equals, value = text.partition("=")
    loss, dot, key = target.partition(".")
    if not (equals and dot and loss.strip() and key.strip() and value.strip()):
        raise CurveError(f"--option {text!r}: write it as LOSS.KEY=VALUE, e.g. --option huber.delta=2.")
    return loss.strip(), key.strip(), parse_value(value)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def options_text(options: Mapping[str, Any]) -> str:
    """``delta=2, from_logits=True``: options as a legend shows them."""
    return ", ".join(f"{key}={_format_value(value)}" for key, value in options.items())


@dataclass(frozen=True)
class _Request:
    spec: LossSpec
    options: Mapping[str, Any]
    probe: _Probe

    @property
    def label(self) -> str:
        return f"{self.spec.name} ({options_text(self.options)})" if self.options else self.spec.name


def _requests(
    losses: LossEntry | Sequence[LossEntry], options: Mapping[str, Mapping[str, Any]] | None
) -> list[_Request]:
    entries = [losses] if isinstance(losses, (str, tuple)) else list(losses)
    if not entries:
        raise CurveError("no losses given; name at least one, e.g. curves(['huber', 'mse']).")
    parsed = [(lookup(name), given) for name, given in map(_parse_entry, entries)]
    for name, extra in (options or {}).items():
        spec = lookup(name)
        if spec.name not in [entry_spec.name for entry_spec, _ in parsed]:
            raise CurveError(
                f"options are given for {spec.name}, which is not among the losses drawn "
                f"({', '.join(entry_spec.name for entry_spec, _ in parsed)})."
            )
        for entry_spec, given in parsed:
            if entry_spec.name == spec.name:
                given.update(extra)
    requests = []
    for spec, given in parsed:
        probe = _probe(spec)
        layout = [key for key in given if key in _LAYOUT_OPTIONS]
        if layout:
            raise CurveError(
                f"{spec.name}: leave out {', '.join(layout)}; curves builds the inputs itself "
                "(classes on the last axis)."
            )
        validated = spec.validate(given)
        requests.append(_Request(spec, types.MappingProxyType({key: validated[key] for key in given}), probe))
    return requests


def _choose_axis(requests: Sequence[_Request], against: str | None) -> str:
    def accepted() -> str:
        return "; ".join(f"{r.spec.name}: {', '.join(r.probe.axes)}" for r in requests)

    if against is not None:
        if against not in AXES:
            raise CurveError(
                f"against={against!r} is not a quantity lossx draws against; use one of {', '.join(AXES)}."
            )
        refusing = [r for r in requests if against not in r.probe.axes]
        if refusing:
            raise CurveError(
                f"{', '.join(r.spec.name for r in refusing)} cannot be drawn against the {against}. "
                f"Each loss accepts: {accepted()}."
            )
        return against
    first = requests[0].probe.axes
    if all(first[0] in r.probe.axes for r in requests):
        return first[0]
    shared = [axis for axis in first if all(axis in r.probe.axes for r in requests)]
    if not shared:
        raise CurveError(
            f"these losses share no x axis, so they cannot be drawn together; draw them separately. "
            f"Each loss accepts: {accepted()}."
        )
    return shared[0]


def _grid(against: str, x_range: tuple[float, float] | None, points: int) -> np.ndarray:
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise CurveError(f"points={points!r}: give an integer of at least 2.")
    low, high = DEFAULT_RANGES[against] if x_range is None else (float(x_range[0]), float(x_range[1]))
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise CurveError(f"x_range=({low:g}, {high:g}): give two finite numbers, the lower first.")
    if against == "probability" and not 0.0 < low < high < 1.0:
        raise CurveError(
            f"x_range=({low:g}, {high:g}) leaves the open interval (0, 1) of probabilities; "
            "give 0 < low < high < 1, e.g. (0.01, 0.99)."
        )
    return np.linspace(low, high, points)
