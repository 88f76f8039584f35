"""Presets: the frameworks' familiar loss classes, with their names, option names and defaults.

A preset is data: which lossx loss it is, which options it fixes, which defaults it
changes, and how the framework's option names translate. The torch and Keras
adapters generate a class from each preset of their framework, a subclass of the
loss's own class, so ``lossx.backends.torch.CrossEntropyLoss(weight=w,
ignore_index=-100)`` is ``SparseCategoricalCrossEntropy(from_logits=True, axis=1,
class_weight=w, ignore_index=-100)`` under the name and arguments torch users know.

Presets are declared next to their loss (``lossx/losses/*.py``) with
:func:`define_preset`, and only where their semantics are exact: what a preset
cannot express is refused with an error that says what to use instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import OptionValueError, UnknownOptionError
from ._registry import LossSpec, lookup

__all__ = ["PRESET_FRAMEWORKS", "Preset", "define_preset", "presets"]

PRESET_FRAMEWORKS = ("torch", "keras")


@dataclass(frozen=True)
class Preset:
    """A framework-familiar class name for a lossx loss.

    name: the class name (``"CrossEntropyLoss"``, ``"BinaryCrossentropy"``).
    framework: ``"torch"`` or ``"keras"``: the adapter that carries it.
    loss: the lossx loss (snake name).
    fixed: options the preset sets and the user may not change (``{"from_logits": True}``);
        passing a fixed option with another value is an error.
    defaults: options whose default differs from the loss's (``{"axis": 1}``).
    renames: the framework's option names and the lossx names they mean
        (``{"weight": "class_weight"}``); the lossx names are accepted too.
    accepted: framework options lossx has no use for, accepted only at the given value
        (Keras's ``axis=-1`` on elementwise losses), with the reason for other values.
    framework_options: framework options with no lossx counterpart of their own, and
        their defaults (Keras's ``apply_class_balancing=False``); ``translate`` turns them
        into lossx options and ``untranslate`` back (for Keras ``get_config``).
    translate: ``translate(options, framework_values) -> lossx options``, after renames.
    untranslate: ``untranslate(lossx_options) -> framework-style options``.
    reductions: the framework's reduction names that mean a lossx reduction
        (``{"batchmean": "mean"}``), and refused ones mapped to a reason (``"!..."``).
    default_reduction: the preset's default reduction (a framework name).
    doc: what the preset is, and any deviation from the framework's class.
    replaces_own_class: the preset carries the loss's own class name (Keras's ``Dice``) and
        takes the place of the loss's own class in its framework's adapter, because the
        framework's class of that name has other semantics; lossx's own behaviour stays
        reachable through the preset's options.
    function: the framework's function for the same loss (Keras's ``"binary_crossentropy"``):
        the adapter exposes it under that name, with the preset's options, returning
        per-sample values.
    same_shape: the framework refuses a target whose shape differs from the prediction's
        (after its own rank alignment) where lossx broadcasts it; the preset refuses too.
    """

    name: str
    framework: str
    loss: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    renames: Mapping[str, str] = field(default_factory=dict)
    accepted: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    framework_options: Mapping[str, Any] = field(default_factory=dict)
    translate: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    untranslate: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    reductions: Mapping[str, str] = field(default_factory=dict)
    default_reduction: str | None = None
    doc: str = ""
    replaces_own_class: bool = False
    function: str | None = None
    same_shape: bool = False

    @property
    def spec(self) -> LossSpec:
        return lookup(self.loss)

    def lossx_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The lossx options meant by the framework-style ``given`` options."""
        options = dict(self.defaults)
        framework_values = dict(self.framework_options)
        for name, value in given.items():
            if name in self.framework_options:
                framework_values[name] = value
                continue
            if name in self.accepted:
                allowed, reason = self.accepted[name]
                # By identity for None: the value may be an array, which `!=` compares entrywise.
                if (value is not None) if allowed is None else value != allowed:
                    shown = f" of shape {tuple(value.shape)}" if hasattr(value, "shape") else f"={value!r}"
                    raise OptionValueError(f"{self.name}: {name}{shown} is not supported: {reason}")
                continue
            target = self.renames.get(name, name)
            if target in self.fixed:
                if value != self.fixed[target]:
                    raise OptionValueError(
                        f"{self.name} always has {target}={self.fixed[target]!r}; for {target}={value!r} "
                        f"use lossx's {self.spec.camel_name}."
                    )
                continue
            known = {o.name for o in self.spec.options} | set(self.renames) | set(self.framework_options)
            if target not in {o.name for o in self.spec.options}:
                raise UnknownOptionError(
                    f"{self.name} has no option {name!r}; it takes {', '.join(sorted(known - set(self.fixed)))}."
                )
            options[target] = value
        if self.translate is not None:
            options = self.translate(options, framework_values)
        return {**options, **self.fixed}

    def framework_config(self, lossx_options: Mapping[str, Any]) -> dict[str, Any]:
        """``lossx_options`` under the framework's names, fixed options left out (Keras ``get_config``)."""
        options = {k: v for k, v in lossx_options.items() if k not in self.fixed}
        if self.untranslate is not None:
            options = self.untranslate(options)
        framework_name = {lossx_name: name for name, lossx_name in self.renames.items()}
        return {framework_name.get(k, k): v for k, v in options.items()}

    def lossx_reduction(self, reduction: str) -> str:
        """The lossx reduction meant by the framework's ``reduction`` name."""
        meant = self.reductions.get(reduction, reduction)
        if meant.startswith("!"):
            raise OptionValueError(f"{self.name}: reduction={reduction!r} is not supported: {meant[1:]}")
        return meant


_PRESETS: dict[tuple[str, str], Preset] = {}


def define_preset(name: str, framework: str, loss: str, **details: Any) -> Preset:
    """Declare a preset (see :class:`Preset` for ``details``); the adapter makes its class."""
    if framework not in PRESET_FRAMEWORKS:
        raise ValueError(f"framework must be one of {PRESET_FRAMEWORKS}, got {framework!r}")
    if (framework, name) in _PRESETS:
        raise ValueError(f"A {framework} preset named {name!r} is already declared.")
    preset = Preset(name, framework, loss, **details)
    spec = preset.spec
    if (spec.camel_name == name) != preset.replaces_own_class:
        raise ValueError(
            f"{name} is already lossx's own class for {loss}; a preset would shadow it "
            "(replaces_own_class=True declares that it takes that class's place)."
            if spec.camel_name == name else
            f"{name}: replaces_own_class is for a preset named like the loss's own class, {spec.camel_name}."
        )
    keras_only = [key for key in ("replaces_own_class", "function", "same_shape") if getattr(preset, key)]
    if keras_only and framework != "keras":
        raise ValueError(f"{name}: {', '.join(keras_only)} are implemented by the Keras adapter only.")
    spec.validate(preset.lossx_options({}))  # the declared defaults and fixed options must be valid
    _PRESETS[(framework, name)] = preset
    return preset


def presets(framework: str | None = None) -> tuple[Preset, ...]:
    """Declared presets, of one framework or all, in declaration order."""
    return tuple(p for (f, _), p in _PRESETS.items() if framework in (None, f))
