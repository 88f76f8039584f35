"""``lossx.combine``: a weighted sum of registered losses, registered as a loss of its own.

The combination is a :class:`lossx.LossSpec` like any other (its options declared, so
validation, torch ``extra_repr``, Keras ``get_config``, JAX hashing and ``lossx list``
derive from them), whose :class:`~lossx._spec.Component` terms the call path reduces one
by one and sums (:mod:`lossx._call`; docs/semantics.md, combined losses).
"""

from __future__ import annotations

import dataclasses
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ._errors import ArgumentError, OptionValueError, UnknownLossError
from ._kinds import INPUT_KINDS
from ._namespace import to_numpy
from ._options import Option
from ._registry import generic_function, lookup, register
from ._spec import Component, Input, LossSpec

__all__ = ["combine"]

#: The kind an input takes when two components declare these two: the narrower one.
_NARROWER = {
    frozenset({"classes", "labels"}): "labels",
    frozenset({"classes", "dense"}): "dense",
    frozenset({"classes", "binary"}): "binary",
    frozenset({"dense", "binary"}): "binary",
}

#: Each combined loss's definition, so that repeating a ``combine`` call (a re-run notebook cell,
#: a script that loads a saved Keras model) gives the loss it made, and a different one is refused.
_DEFINITIONS: dict[str, tuple] = {}


def combine(
    weights: Mapping[str, float], *, name: str | None = None, options: Mapping[str, Mapping[str, Any]] | None = None
) -> Callable[..., Any]:
    """Register ``Σ_k w_k · loss_k`` as the loss ``name`` and return its array-generic function.

    ``name`` defaults to the components' keys joined by ``_plus_`` (``dice_plus_scce``); a
    name of one's own is shorter to save and load (Keras) and to find in ``lossx list``.

    ``weights`` maps each component (a registered loss's snake name or alias) to its weight
    ``w_k ≥ 0``; ``options`` maps a component to option values of its own, which become the
    combined loss's defaults. Under every reduction the result is ``Σ_k w_k`` times component
    k's result under the same reduction, ``sample_weight`` and ``mask``: each component keeps its
    own mean (docs/semantics.md, combined losses). ``reduction="none"`` adds the components'
    unreduced results, which must then have one shape.

    The combined loss's options:

    * ``<key>_weight``: the weight of each component, ``key`` as written in ``weights``;
    * an option that several components declare alike (name, kind, default and range:
      ``from_logits``, ``axis``, ``class_weight``) is one option, given to each of them, since
      they read the same inputs;
    * an option of one component keeps its name; a name that components declare differently
      (tversky's ``alpha`` and binary_focal_cross_entropy's) becomes ``<key>_<option>`` for each.

    The components must take the same inputs: a kind that both accept (dice takes integer labels
    or dense targets, so it combines with sparse_categorical_cross_entropy and with
    categorical_cross_entropy), the same number of them. The loss then exists like any other:
    ``lossx.<name>``, its CamelName class in every adapter (Keras: its components' Keras losses,
    each reduced as Keras reduces it, summed), ``lossx.get`` and ``lossx list``. Calling
    ``combine`` again with the same definition returns the same loss; a Keras model saved with it
    loads once ``combine`` has run in the loading process, as for any custom loss.

    Examples
    --------
    >>> import numpy as np, lossx
    >>> dice_ce = lossx.combine({"dice": 1.0, "sparse_categorical_cross_entropy": 0.5}, name="dice_ce_example",
    ...                         options={"dice": {"from_logits": True}})
    >>> [option.name for option in dice_ce.spec.options][:5]
    ['dice_weight', 'sparse_categorical_cross_entropy_weight', 'from_logits', 'smooth', 'epsilon']
    >>> logits, labels = np.array([[2.0, -1.0], [0.5, 1.5]]), np.array([0, 1])
    >>> parts = (lossx.dice(logits, labels, from_logits=True), lossx.scce(logits, labels, from_logits=True))
    >>> bool(np.isclose(dice_ce(logits, labels), parts[0] + 0.5 * parts[1]))
    True
    """
    if name is not None and (not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name)):
        raise ArgumentError(f"combine: name must be a snake_case identifier (e.g. 'dice_ce'); got {name!r}.")
    if not isinstance(weights, Mapping) or not weights:
        raise ArgumentError(
            f"combine({name or ''!r}): weights must map one or more losses to their weights, e.g. "
            f"{{'dice': 1.0, 'sparse_categorical_cross_entropy': 0.5}}; got {weights!r}."
        )
    options = dict(options or {})
    components = [_component(name or "combine", key, weight) for key, weight in weights.items()]
    name = name or "_plus_".join(key for key, _, _ in components)
    specs: dict[str, str] = {}
    for key, spec, _ in components:
        if spec.name in specs:
            raise ArgumentError(
                f"{name}: {specs[spec.name]!r} and {key!r} name the same loss, {spec.name}; "
                "give each loss once, with the sum of the weights."
            )
        specs[spec.name] = key
    keys = [key for key, _, _ in components]
    unknown = [key for key in options if key not in keys]
    if unknown:
        raise ArgumentError(
            f"{name}: options are given for {unknown[0]!r}, which is not one of its components "
            f"({', '.join(keys)}); key them as the weights are."
        )
    given = {key: _given(spec, options.get(key, {})) for key, spec, _ in components}
    declared, sources = _options(name, components, given)
    inputs = _inputs(name, components)
    definition = (
        tuple((key, spec.name, weight) for key, spec, weight in components),
        tuple((o.name, o.kind, _plain(o.default)) for o in declared),
    )
    if name in _DEFINITIONS and _DEFINITIONS[name] == definition:
        return generic_function(name)
    if _taken(name):
        raise ArgumentError(
            f"{name}: a loss of that name (or alias) is already registered; give the combination another name."
        )
    terms = tuple(Component(key, spec, f"{key}_weight", sources[key]) for key, spec, _ in components)
    packings = {spec.packing for _, spec, _ in components}
    spec = LossSpec(
        name=name,
        body=None,
        options=declared,
        inputs=inputs,
        class_axis=any(spec.class_axis for _, spec, _ in components),
        probabilities=any(spec.probabilities for _, spec, _ in components),
        example=_example(terms, inputs, declared),
        packing=packings.pop() if len(packings) == 1 else None,
        components=terms,
        doc=_doc(components, declared, terms),
    )
    function = register(spec)
    _DEFINITIONS[name] = definition
    return function


def _taken(name: str) -> bool:
    try:
        lookup(name)
    except UnknownLossError:
        return False
    return True


def _component(name: str, key: Any, weight: Any) -> tuple[str, LossSpec, float]:
    """``(key, the loss, the weight as a float)``, or the error that says what is wrong with them."""
    try:
        spec = lookup(key) if isinstance(key, str) else None
    except UnknownLossError as error:
        raise UnknownLossError(f"{name}: {error}") from None
    if spec is None:
        raise ArgumentError(f"{name}: the components are loss names; got {key!r}.")
    if spec.name != key and key not in spec.aliases:
        key = spec.name  # a CamelName: the snake name prefixes its options
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not 0 <= float(weight) < float("inf"):
        raise OptionValueError(
            f"{name}: the weight of {key} is {weight!r}; a weight is a finite number ≥ 0 (a weighted sum of "
            "losses; 0 keeps the component out of the value, not out of the input checks)."
        )
    return key, spec, float(weight)


def _given(spec: LossSpec, values: Any) -> dict[str, Any]:
    """The option values ``combine`` gives a component, checked by the component's own declarations."""
    if not isinstance(values, Mapping):
        raise ArgumentError(
            f"combine: the options of {spec.name} are a mapping of option names to values; got {values!r}."
        )
    canonical = spec.validate(values)
    return {option: _plain(canonical[option]) for option in values}


def _plain(value: Any) -> Any:
    """An option value as plain Python (a framework's array becomes a number or a tuple), for defaults and configs."""
    if not hasattr(value, "shape"):
        return value
    listed = np.asarray(to_numpy(value)).tolist()
    return tuple(listed) if isinstance(listed, list) else listed


#: The option kind two components' declarations of one option share when theirs are these two: the
#: narrower one (an axis, which a loss of tuple class axes also takes, and a loss of one axis only).
_NARROWER_OPTION_KINDS = {frozenset({"axis", "class_axes"}): "axis"}


def _same_declaration(first: Option, second: Option) -> bool:
    """Alike but for the doc and a kind one of them narrows (a default of None implies allow_none, so a
    combined loss's option is its components')."""

    def bare(option: Option, kind: str) -> Option:
        return dataclasses.replace(option, doc="", kind=kind, allow_none=option.allow_none or option.default is None)

    kind = first.kind if first.kind == second.kind else _NARROWER_OPTION_KINDS.get(frozenset({first.kind, second.kind}))
    return kind is not None and bare(first, kind) == bare(second, kind)


def _narrowest(owners: list[tuple[str, Option]]) -> Option:
    """The declaration of a shared option whose kind every owner accepts."""
    kinds = {option.kind for _, option in owners}
    kind = next(iter(kinds)) if len(kinds) == 1 else _NARROWER_OPTION_KINDS[frozenset(kinds)]
    return next(option for _, option in owners if option.kind == kind)


def _options(name: str, components: list, given: dict[str, dict[str, Any]]) -> tuple[tuple[Option, ...], dict]:
    """The combined loss's options, and each component's ``(its option, the combined option)`` pairs."""
    declaring: dict[str, list[tuple[str, Option]]] = {}
    for key, spec, _ in components:
        for option in spec.options:
            declaring.setdefault(option.name, []).append((key, option))
    declared: list[Option] = [
        Option(f"{key}_weight", "float", weight, f"The weight of {key} in the sum.", low=0.0)
        for key, _, weight in components
    ]
    sources: dict[str, list[tuple[str, str]]] = {key: [] for key, _, _ in components}
    for option_name, owners in declaring.items():
        shared = len(owners) > 1 and all(_same_declaration(owners[0][1], option) for _, option in owners[1:])
        if shared:
            values = {key: given[key][option_name] for key, _ in owners if option_name in given[key]}
            if len({repr(value) for value in values.values()}) > 1:
                shown = ", ".join(f"{key}: {value!r}" for key, value in values.items())
                raise OptionValueError(
                    f"{name}: {option_name} is one option, shared by {', '.join(k for k, _ in owners)}, which "
                    f"declare it alike (they read the same inputs); it was given two values ({shown}). Give it one."
                )
            first = _narrowest(owners)
            doc = f"{first.doc} One value for {' and '.join(k for k, _ in owners)}."
            default = next(iter(values.values()), first.default)
            declared.append(_declared(first, option_name, default, doc))
            for key, _ in owners:
                sources[key].append((option_name, option_name))
            continue
        for key, option in owners:
            combined = option_name if len(owners) == 1 else f"{key}_{option_name}"
            doc = option.doc if len(owners) == 1 else f"{key}'s {option_name}: {option.doc}"
            declared.append(_declared(option, combined, given[key].get(option_name, option.default), doc))
            sources[key].append((option_name, combined))
    names = [option.name for option in declared]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        raise ArgumentError(
            f"{name}: two of its options would be named {clash!r} (a component's weight and a "
            "prefixed option); key the components by other names (aliases)."
        )
    return tuple(declared), {key: tuple(pairs) for key, pairs in sources.items()}


def _declared(option: Option, name: str, default: Any, doc: str) -> Option:
    # An option off by default (None) stays one that None turns off when combine gives it a value.
    allow_none = option.allow_none or option.default is None
    return dataclasses.replace(option, name=name, default=default, doc=doc, allow_none=allow_none)


def _inputs(name: str, components: list) -> tuple[Input, ...]:
    """The inputs every component takes: the first's names, each of the narrowest kind all of them accept."""
    first_key, first, _ = components[0]
    inputs = list(first.inputs)
    for key, spec, _ in components[1:]:
        if len(spec.inputs) != len(inputs) or [i.optional for i in spec.inputs] != [i.optional for i in inputs]:
            raise ArgumentError(
                f"{name}: {first_key} takes ({_listed(first)}) and {key} takes ({_listed(spec)}); the components "
                "of a combined loss take the same inputs. Combine losses of one kind of inputs."
            )
        for index, (ours, theirs) in enumerate(zip(inputs, spec.inputs, strict=True)):
            if ours.kind == theirs.kind:
                continue
            kind = _NARROWER.get(frozenset({ours.kind, theirs.kind}))
            if kind is None:
                raise ArgumentError(
                    f"{name}: {first_key} takes {ours.name} of kind {ours.kind!r} ({INPUT_KINDS[ours.kind]}) and "
                    f"{key} of kind {theirs.kind!r} ({INPUT_KINDS[theirs.kind]}); the components of a combined "
                    "loss read the same arrays. Combine losses whose inputs agree: integer labels suit the "
                    "sparse and overlap losses (sparse_categorical_cross_entropy with dice), one-hot or "
                    "probability targets the categorical and overlap ones (categorical_cross_entropy with "
                    "dice), 0/1 masks the binary and overlap ones (binary_focal_cross_entropy with dice)."
                )
            inputs[index] = ours if ours.kind == kind else dataclasses.replace(theirs, name=ours.name)
    return tuple(inputs)


def _listed(spec: LossSpec) -> str:
    return ", ".join(f"{i.name}: {i.kind}" + ("?" if i.optional else "") for i in spec.inputs)


def _example(terms: tuple[Component, ...], inputs: tuple[Input, ...], declared: tuple[Option, ...]) -> Callable:
    """The example inputs of the first component whose input kinds are the combined loss's (all of them take those)."""
    kinds = [i.kind for i in inputs]
    term = next((t for t in terms if [i.kind for i in t.spec.inputs] == kinds), terms[0])
    defaults = {option.name: option.default for option in declared}

    def example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
        return term.spec.example(rng, term.options_of({**defaults, **options}))

    return example


def _doc(components: list, declared: tuple[Option, ...], terms: tuple[Component, ...]) -> str:
    formula = " + ".join(f"{weight:g}·{key}" for key, _, weight in components)
    shared = [o.name for o in declared if sum(o.name in dict(t.options).values() for t in terms) > 1]
    lines = [
        f"The weighted sum {formula} (lossx.combine).",
        "",
        "Each component is reduced on its own, with the call's reduction, sample_weight and mask, and the results "
        "are added with the weights (the ``<key>_weight`` options): under 'mean' the weighted sum of the "
        "components' means, each with its own denominator (docs/semantics.md, combined losses). "
        "reduction='none' adds the unreduced results, which must have one shape.",
    ]
    if shared:
        lines += ["", f"Shared by the components that declare them: {', '.join(shared)}."]
    lines += ["Components: " + ", ".join(spec.name for _, spec, _ in components) + " (lossx list NAME describes each)."]
    return "\n".join(lines)
