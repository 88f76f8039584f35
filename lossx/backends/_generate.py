"""What every adapter module shares: lazy generation of its objects from the registry."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .._binding import bind, check_no_arguments_left
from .._reduction import check_global_mean, check_reduction
from .._registry import registered
from .._signatures import options_docstring
from .._spec import LossSpec
from ..presets import Preset, presets

__all__ = [
    "FrozenLoss",
    "class_doc",
    "hashable_options",
    "lazy_module",
    "option_values_repr",
    "spec_for_attribute",
]

#: ``run(spec, inputs, options, reduction, sample_weight, mask, total_weight=, mean_across=)``:
#: an adapter's conversion of inputs and outputs around :func:`lossx._call.compute`.
Runner = Callable[..., Any]


def spec_for_attribute(name: str) -> tuple[LossSpec, bool] | None:
    """The loss an adapter attribute names: ``(spec, is_class)`` or None.

    Exact names only: the snake name and the short aliases (``mse``) give the function,
    the CamelName the class.
    """
    if name.startswith("_"):
        return None
    for spec in registered():
        if name == spec.name or name in spec.aliases:
            return spec, False
        if name == spec.camel_name:
            return spec, True
    return None


def public_names(unsupported: Callable[[LossSpec], str | None] = lambda spec: None) -> list[str]:
    """Every loss's snake name, aliases and CamelName, but those ``unsupported`` gives a reason for."""
    return [
        name
        for spec in registered()
        if unsupported(spec) is None
        for name in (spec.name, *spec.aliases, spec.camel_name)
    ]


def lazy_module(
    namespace: dict[str, Any],
    make_function: Callable[[LossSpec], Any],
    make_class: Callable[[LossSpec], type],
    unsupported: Callable[[LossSpec], str | None] = lambda spec: None,
    make_preset: Callable[[Preset], type] | None = None,
    framework: str | None = None,
    exported: tuple[str, ...] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__``/``__dir__`` that build and cache adapter objects on access.

    ``unsupported(spec)`` gives the reason a loss cannot exist in this adapter, or None;
    ``make_preset`` builds the classes of ``framework``'s presets (see :mod:`lossx.presets`);
    ``exported`` names the module's own public objects (its base class). ``__dir__`` and
    ``__all__`` list the public names only, not the module's imports.
    """
    module_name = namespace["__name__"]

    def preset_named(name: str) -> Preset | None:
        if make_preset is None:
            return None
        return next((p for p in presets(framework) if p.name == name), None)

    def __getattr__(name: str) -> Any:
        if name == "__all__":  # computed, so losses registered later are listed too
            return __dir__()
        found = spec_for_attribute(name)
        preset = None if found is not None else preset_named(name)
        if preset is not None and make_preset is not None:  # preset_named found it: make_preset is given
            made = namespace[name] = make_preset(preset)
            made.__module__ = module_name
            made.__qualname__ = made.__name__ = name
            return made
        if found is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        spec, is_class = found
        reason = unsupported(spec)
        if reason is not None:
            raise AttributeError(f"module {module_name!r} has no {name!r}: {reason}")
        if not is_class and name != spec.name:  # an alias names the loss's own function
            made = namespace[name] = __getattr__(spec.name)
            return made
        made = make_class(spec) if is_class else make_function(spec)
        made.__module__ = module_name
        made.__qualname__ = made.__name__ = name
        namespace[name] = made
        return made

    def __dir__() -> list[str]:
        names = [*public_names(unsupported), *exported]
        if make_preset is not None:
            names += [p.name for p in presets(framework)]
        return sorted(set(names))

    return __getattr__, __dir__


def option_values_repr(options: dict[str, Any]) -> str:
    """``name=value, ...`` for reprs."""
    return ", ".join(f"{name}={value!r}" for name, value in options.items())


def class_doc(spec: LossSpec, framework: str) -> str:
    """The docstring of a generated adapter class."""
    return f"{spec.summary}\n\n{framework} adapter of :func:`lossx.{spec.name}`.\n\n" + options_docstring(spec)


def preset_doc(preset: Preset, base: type) -> str:
    """The docstring of a generated preset class."""
    lines = [
        f"{preset.name}: {preset.framework}'s familiar name for :func:`lossx.{preset.loss}`.",
        "",
        inspect.cleandoc(preset.doc) if preset.doc else "",
        "",
        f"Same as ``{base.__name__}({option_values_repr({**preset.defaults, **preset.fixed})})``.",
    ]
    if preset.renames:
        lines.append("Option names: " + ", ".join(f"{k} → {v}" for k, v in preset.renames.items()) + ".")
    if preset.fixed:
        lines.append("Fixed: " + ", ".join(f"{k}={v!r}" for k, v in preset.fixed.items()) + ".")
    return "\n".join(lines) + "\n\n" + (base.__doc__ or "")


def hashable_options(options: dict[str, Any]) -> dict[str, Any]:
    """Options given as arrays become Python numbers or tuples, so the object can be hashed."""
    frozen = {}
    for name, value in options.items():
        if hasattr(value, "shape"):
            listed = np.asarray(value).tolist()
            value = tuple(listed) if isinstance(listed, list) else listed
        frozen[name] = value
    return frozen


class FrozenLoss:
    """Base of the NumPy and JAX loss objects: options validated once, hashable, equal by value."""

    spec: LossSpec
    run: Runner
    #: Also what an object pickled before ``mean_across`` existed reads.
    mean_across: Any = None

    def __init__(self, reduction: str = "mean", mean_across: Any = None, **options: Any) -> None:
        self.reduction = check_reduction(reduction, self.spec.name)
        if mean_across is not None:
            check_global_mean(self.reduction, self.spec.name, mean_across)
        self.mean_across = mean_across
        self.options = hashable_options(self.spec.validate(options))

    def __call__(
        self, *inputs: Any, sample_weight: Any = None, mask: Any = None, total_weight: Any = None, **named: Any
    ) -> Any:
        """The loss of ``inputs``, given in order or by name (``y_pred=..., y_true=...``)."""
        bound = bind(self.spec, inputs, named)
        check_no_arguments_left(self.spec, named)
        return type(self).run(
            self.spec,
            bound,
            self.options,
            self.reduction,
            sample_weight,
            mask,
            total_weight=total_weight,
            mean_across=self.mean_across,
        )

    def _settings(self) -> dict[str, Any]:
        """The options, the reduction and (when set) the group, as the repr shows them and equality compares them."""
        shown = {**self.options, "reduction": self.reduction}
        return shown if self.mean_across is None else {**shown, "mean_across": self.mean_across}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({option_values_repr(self._settings())})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._settings() == self._settings()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self._settings().items())))
