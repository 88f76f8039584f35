"""Presets: the frameworks' familiar loss classes, with their names, option names and defaults.

A preset is data: which lossx loss it is, which options it fixes, which defaults it
changes, and how the framework's option names translate. The torch and Keras
adapters generate a class from each preset of their framework, a subclass of the
loss's own class, so ``lossx.backends.torch.CrossEntropyLoss(weight=w,
ignore_index=-100)`` is ``SparseCategoricalCrossEntropy(from_logits=True, axis=1,
class_weight=w, ignore_index=-100)`` under the name and arguments torch users know.

Presets are declared with :func:`define_preset` in this package, one module per loss
family (``lossx/presets/<family>.py``), and only where their semantics are exact: what a
preset cannot express is refused with an error that says what to use instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import OptionValueError, ReductionError, UnknownOptionError
from .._namespace import namespace_of, to_namespace
from .._reduction import check_global_mean, static_shape
from .._registry import lookup
from .._spec import LossSpec

__all__ = [
    "PRESET_FRAMEWORKS",
    "FunctionVariant",
    "Preset",
    "PresetReduction",
    "TargetVariant",
    "define_preset",
    "presets",
]

PRESET_FRAMEWORKS = ("torch", "keras")

#: Constructor arguments every preset of a framework takes besides its loss options
#: (torch's deprecated size_average/reduce map to a reduction, as in torch).
COMMON_ARGUMENTS = {"torch": ("reduction", "size_average", "reduce"), "keras": ("reduction", "name", "dtype")}


@dataclass(frozen=True)
class PresetReduction:
    """A framework reduction computed as a lossx reduction of a rescaled loss.

    reduction: the lossx reduction (``"none"``, ``"sum"`` or ``"mean"``).
    scale: ``scale(xp, inputs) -> factor``: multiplies the unreduced loss without entering the
        mean's denominator, from the (lossx-layout) inputs; e.g. torch's KLDivLoss
        ``"batchmean"`` is the sum scaled by ``1 / batch size``, CTCLoss's ``"mean"`` the mean of
        each loss divided by its target length.
    """

    reduction: str
    scale: Callable[[Any, tuple], Any] | None = None


@dataclass(frozen=True)
class TargetVariant:
    """The loss a preset computes when its targets are floating (torch's probability targets).

    loss: the lossx loss (snake name); it receives the preset's options that it declares.
    count_class_weights: whether its class weights are the mean's denominator (torch's
        CrossEntropyLoss divides by Σ w[y] for class indices, by the count for probabilities).
    """

    loss: str
    count_class_weights: bool = True


@dataclass(frozen=True)
class FunctionVariant:
    """The loss a preset computes through a function the user gives (torch's ``distance_function``).

    option: the framework option that takes the function; None, its default, keeps the preset's own loss.
        The adapter keeps the function as an attribute of that name and reads it at each call, as the
        framework's class does.
    loss: the lossx loss (snake name) computed from the function's results; it receives the preset's
        options that it declares.
    inputs: ``inputs(xp, function, inputs, options) -> that loss's inputs``: the function applied to the
        preset's inputs, e.g. TripletMarginWithDistanceLoss's distances ``d(a, n), d(a, p)``.
    """

    option: str
    loss: str
    inputs: Callable[[Any, Callable[..., Any], tuple, Mapping[str, Any]], tuple]


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
    reductions: the framework's reduction names and what they are: a lossx reduction name, a
        :class:`PresetReduction`, or a reason for refusing it (``"!..."``); names not listed mean
        the lossx reduction of the same name.
    default_reduction: the preset's default reduction (a framework name).
    doc: what the preset is, and any deviation from the framework's class.
    count_class_weights: whether the class weights are the mean's denominator (lossx's rule and
        torch's for class indices); False for torch's losses whose ``weight`` only rescales
        (MultiMarginLoss: 'mean' divides by the number of rows).
    rescale: a framework option holding an array that multiplies the unreduced loss, broadcast
        from the trailing axes and not counted by 'mean' (torch's BCELoss ``weight``).
    probability_targets: the :class:`TargetVariant` computed for floating targets.
    function_variant: the :class:`FunctionVariant` computed where the user gives a function.
    unbatched_ndim: the rank of an unbatched prediction (one sample without its batch axis,
        torch's ``(C,)`` for CrossEntropyLoss): computed as a batch of one, 'none' without it.
    prepare: ``prepare(xp, inputs, unbatched) -> inputs``: the framework's layouts as the lossx
        loss takes them (CTCLoss: time-first log-probabilities, concatenated targets).
    example: ``example(rng, options) -> inputs`` in the framework's layout, for presets with
        ``prepare`` (by default the loss's own example).
    replaces_own_class: the preset carries the loss's own class name (Keras's ``Dice``) and
        takes the place of the loss's own class in its framework's adapter, because the
        framework's class of that name has other semantics; lossx's own behaviour stays
        reachable through the preset's options.
    function: the framework's function for the same loss (Keras's ``"binary_crossentropy"``):
        the adapter exposes it under that name, with the preset's options, returning
        per-sample values.
    same_shape: the framework refuses a target whose shape differs from the prediction's
        (after its own rank alignment) where lossx broadcasts it; the preset refuses too.
    renormalised_gradient: the framework divides probability predictions by their sum over
        the class axis (Keras's categorical losses) where lossx takes them as given, so on rows
        that sum to 1 the values agree and the gradients w.r.t. the probabilities differ by a
        constant along the class axis, which a softmax before the loss cancels; drop-in checks
        (:func:`lossx.testing.compare_drop_in`) compare gradients with that constant removed.
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
    reductions: Mapping[str, str | PresetReduction] = field(default_factory=dict)
    default_reduction: str | None = None
    doc: str = ""
    count_class_weights: bool = True
    rescale: str | None = None
    probability_targets: TargetVariant | None = None
    function_variant: FunctionVariant | None = None
    unbatched_ndim: int | None = None
    prepare: Callable[[Any, tuple, bool], tuple] | None = None
    example: Callable[..., tuple] | None = None
    replaces_own_class: bool = False
    function: str | None = None
    same_shape: bool = False
    renormalised_gradient: bool = False

    @property
    def spec(self) -> LossSpec:
        return lookup(self.loss)

    def example_inputs(self, rng: Any) -> tuple:
        """NumPy inputs on which the preset is exercised, in the framework's layout."""
        options = self.spec.validate(self.lossx_options({}))
        return (self.example or self.spec.example)(rng, options)

    def accepted_names(self) -> tuple[str, ...]:
        """Every constructor argument the preset takes, its framework's common ones included."""
        fixed = set(self.fixed)
        lossx_names = [o.name for o in self.spec.options if o.name not in fixed]
        framework_names = [*self.renames, *self.framework_options, *self.accepted]
        if self.function_variant is not None:
            framework_names.append(self.function_variant.option)
        if self.rescale is not None:
            framework_names.append(self.rescale)
        common = COMMON_ARGUMENTS[self.framework]
        return tuple(dict.fromkeys([*framework_names, *lossx_names, *common]))

    def lossx_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The lossx options meant by the framework-style ``given`` options."""
        options = dict(self.defaults)
        framework_values = dict(self.framework_options)
        lossx_names = {o.name for o in self.spec.options}
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
            if target not in lossx_names:
                accepted = self.accepted_names()
                close = difflib.get_close_matches(name, accepted, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise UnknownOptionError(f"{self.name} has no option {name!r}.{hint} It takes {', '.join(accepted)}.")
            options[target] = value
        if self.translate is not None:
            options = self.translate(options, framework_values)
        return {**options, **self.fixed}

    def take_function(self, given: dict[str, Any]) -> Callable[..., Any] | None:
        """The :attr:`function_variant` function popped from ``given`` (None if not given), checked to be callable."""
        if self.function_variant is None:
            return None
        name = self.function_variant.option
        function = given.pop(name, None)
        if function is not None and not callable(function):
            raise OptionValueError(
                f"{self.name}: {name} must be a callable (a function or module of two tensors), or None for "
                f"{self.framework}'s default; got {type(function).__name__}."
            )
        return function

    def framework_config(self, lossx_options: Mapping[str, Any]) -> dict[str, Any]:
        """``lossx_options`` under the framework's names, fixed options left out (Keras ``get_config``)."""
        options = {k: v for k, v in lossx_options.items() if k not in self.fixed}
        if self.untranslate is not None:
            options = self.untranslate(options)
        framework_name = {lossx_name: name for name, lossx_name in self.renames.items()}
        return {framework_name.get(k, k): v for k, v in options.items()}

    def reduction_rule(self, reduction: str) -> PresetReduction:
        """What the framework's ``reduction`` name means, or a ReductionError naming the preset."""
        meant = self.reductions.get(reduction, reduction)
        if isinstance(meant, PresetReduction):
            return meant
        if meant.startswith("!"):
            raise ReductionError(f"{self.name}: reduction={reduction!r} is not supported: {meant[1:]}")
        if meant not in ("none", "sum", "mean"):
            names = dict.fromkeys(["none", "mean", "sum", *self.reductions])
            known = ", ".join(repr(name) for name in names if not str(self.reductions.get(name, "")).startswith("!"))
            raise ReductionError(f"{self.name}: unknown reduction {reduction!r}; use one of {known}.")
        return PresetReduction(meant)

    def variant_conflicts(self, options: Mapping[str, Any]) -> tuple[str, ...]:
        """Options set away from the preset's default that :attr:`probability_targets`'s loss has not."""
        if self.probability_targets is None:
            return ()
        kept = {o.name for o in lookup(self.probability_targets.loss).options}
        defaults = {o.name: o.default for o in self.spec.options} | dict(self.defaults) | dict(self.fixed)
        return tuple(name for name, value in options.items() if name not in kept and value != defaults.get(name))

    def check_global_mean(self, reduction: str | None, rule: PresetReduction, mean_across: Any) -> None:
        """Refuse ``total_weight``/``mean_across`` with a framework reduction that is no mean over weights."""
        if rule.reduction == "mean" and rule.scale is None:
            check_global_mean("mean", self.name, mean_across)
            return
        named = f"reduction={reduction!r}" if reduction is not None else "this reduction"
        raise ReductionError(
            f"{self.name}: {named} is not a mean over weights ({rule.reduction}"
            f"{' scaled per batch' if rule.scale is not None else ''}), so total_weight and mean_across do not "
            "apply; use the mean reduction, or reduction='sum' divided by the global count."
        )

    def compute(
        self,
        run: Callable[..., Any],
        inputs: tuple,
        options: Mapping[str, Any],
        probability_options: Mapping[str, Any] | None,
        rule: PresetReduction,
        sample_weight: Any = None,
        mask: Any = None,
        rescale: Any = None,
        total_weight: Any = None,
        mean_across: Any = None,
        function: Callable[..., Any] | None = None,
    ) -> Any:
        """The preset's loss of the framework-layout ``inputs``.

        ``run(spec, inputs, options, reduction, sample_weight, mask, rescale=, count_class_weights=, total_weight=,
        mean_across=)``
        is the adapter's :meth:`LossSpec.compute` (with its own conversions around it);
        ``probability_options`` are the validated options of :attr:`probability_targets`'s loss
        (None where :meth:`variant_conflicts` found an option it cannot honour); ``function`` is the
        user's :attr:`function_variant` function, None for the preset's own loss.
        """
        spec, count = self.spec, self.count_class_weights
        y_pred = inputs[0]
        unbatched = self.unbatched_ndim is not None and len(static_shape(y_pred)) == self.unbatched_ndim
        reshaped = unbatched or self.prepare is not None
        if reshaped or self.probability_targets is not None or function is not None:
            xp = namespace_of(y_pred)
            inputs = (
                y_pred,
                *(
                    None if x is None else to_namespace(xp, x, y_pred, i.name)
                    for x, i in zip(inputs[1:], self.spec.inputs[1:], strict=False)
                ),
            )
            if function is not None:
                assert self.function_variant is not None  # a function is taken only where there is a variant
                spec = lookup(self.function_variant.loss)
                inputs = self.function_variant.inputs(xp, function, inputs, options)
                options = spec.validate({o.name: options[o.name] for o in spec.options if o.name in options})
            elif self.prepare is not None:
                inputs = self.prepare(xp, inputs, unbatched)
            elif unbatched:
                inputs = tuple(None if x is None else xp.expand_dims(x, axis=0) for x in inputs)
            variant = self.probability_targets
            if variant is not None and xp.isdtype(inputs[1].dtype, "real floating"):
                if probability_options is None:
                    names = ", ".join(self.variant_conflicts(options))
                    raise OptionValueError(
                        f"{self.name}: {names} does not apply to probability (floating) targets, as in "
                        f"{self.framework}; leave it at its default, or give integer class indices."
                    )
                spec, options, count = lookup(variant.loss), probability_options, variant.count_class_weights
        if rule.scale is not None:
            factor = rule.scale(namespace_of(inputs[0]), inputs)
            rescale = factor if rescale is None else rescale * factor
        if total_weight is not None or mean_across is not None:
            self.check_global_mean(None, rule, mean_across)
        out = run(
            spec,
            spec.bind(inputs),
            options,
            rule.reduction,
            sample_weight,
            mask,
            rescale=rescale,
            count_class_weights=count,
            total_weight=total_weight,
            mean_across=mean_across,
        )
        return out[0] if unbatched and rule.reduction == "none" else out


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
            if spec.camel_name == name
            else f"{name}: replaces_own_class is for a preset named like the loss's own class, {spec.camel_name}."
        )
    keras_only = [key for key in ("replaces_own_class", "function", "same_shape") if getattr(preset, key)]
    if keras_only and framework != "keras":
        raise ValueError(f"{name}: {', '.join(keras_only)} are implemented by the Keras adapter only.")
    if preset.function_variant is not None:
        if framework != "torch":
            raise ValueError(f"{name}: function_variant is implemented by the torch adapter only.")
        if preset.prepare is not None or preset.unbatched_ndim is not None or preset.probability_targets is not None:
            raise ValueError(
                f"{name}: function_variant takes the inputs as given; it does not combine with "
                "prepare, unbatched_ndim or probability_targets."
            )
    spec.validate(preset.lossx_options({}))  # the declared defaults and fixed options must be valid
    _PRESETS[(framework, name)] = preset
    return preset


def presets(framework: str | None = None) -> tuple[Preset, ...]:
    """Declared presets, of one framework or all, in declaration order."""
    return tuple(p for (f, _), p in _PRESETS.items() if framework in (None, f))
