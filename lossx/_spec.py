"""The declarations of a loss: its array inputs (:class:`Input`) and everything else (:class:`LossSpec`).

A :class:`LossSpec` is immutable: :func:`lossx.define_loss` builds one and registers it
(:mod:`lossx._registry`); the call path (:mod:`lossx._call`) and the adapters read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from . import _binding, _call
from ._kinds import INPUT_KINDS, INTEGER_KINDS, TARGET_KINDS
from ._options import Option, validate_options

__all__ = [
    "Component",
    "Input",
    "LossSpec",
    "Packing",
    "INPUT_KINDS",
    "INTEGER_KINDS",
    "TARGET_KINDS",
    "camel_case",
    "default_inputs",
]


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
        return self.kind in INTEGER_KINDS


@dataclass(frozen=True)
class Packing:
    """How a loss with more than two required inputs travels as a ``keras.losses.Loss``'s ``(y_true, y_pred)``.

    ``y_pred`` names the inputs stacked, in this order, along ``axis`` of Keras's y_pred
    (counted from the end: -1 for elementwise inputs, -2 for inputs whose last axis is a
    feature axis); ``y_true`` names the input Keras's y_true holds, or is None where the loss
    reads no y_true (Keras still passes one). The loss's options apply to the unpacked inputs.
    """

    y_pred: tuple[str, ...]
    axis: int = -1
    y_true: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "y_pred", tuple(self.y_pred))
        if len(self.y_pred) < 2 or not isinstance(self.axis, int) or self.axis >= 0:
            raise ValueError(
                f"Packing: y_pred stacks two or more inputs along a negative axis (counted from the end); "
                f"got y_pred={self.y_pred!r}, axis={self.axis!r}."
            )

    def describe(self) -> str:
        """``y_pred = stack([mean, variance], axis=-1); y_true = target``."""
        stacked = f"y_pred = stack([{', '.join(self.y_pred)}], axis={self.axis})"
        return f"{stacked}; y_true = {self.y_true}" if self.y_true else f"{stacked}; y_true is not read"


def default_inputs(target: str) -> tuple[Input, ...]:
    """``y_pred`` and a ``y_true`` of kind ``target``: the inputs of most losses."""
    return (
        Input("y_pred", "prediction", "Predictions."),
        Input(
            "y_true",
            target,
            {"dense": "Targets.", "binary": "Binary targets in [0, 1]."}.get(target, "Integer class labels."),
        ),
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
        (an array) or :class:`lossx.LossTerms`; None for a combined loss.
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
    packing: how the required inputs of a loss with more than two pack into Keras's
        ``(y_true, y_pred)`` (:class:`Packing`); None: the Keras class takes
        ``(y_true, y_pred)`` as the first two inputs.
    components: the terms of a combined loss (:func:`lossx.combine`), each a :class:`Component`;
        the call path reduces each term on its own and sums them. Empty for every other loss.
    """

    name: str
    body: Callable[..., Any] | None
    options: tuple[Option, ...] = ()
    inputs: tuple[Input, ...] = default_inputs("dense")
    class_axis: bool = False
    probabilities: bool = False
    aliases: tuple[str, ...] = ()
    example: Callable[..., tuple] = _default_example
    showcase: tuple[Mapping[str, Any], ...] = ({},)
    packing: Packing | None = None
    components: tuple[Component, ...] = ()
    doc: str = field(default="", repr=False)

    # Derived on first use; lossx._registry.register reads each once, so that a traced call (torch.compile)
    # finds plain instance attributes rather than running cached_property's first computation.

    @cached_property
    def camel_name(self) -> str:
        return camel_case(self.name)

    @cached_property
    def required_inputs(self) -> int:
        return sum(not i.optional for i in self.inputs)

    @cached_property
    def other_inputs(self) -> tuple[Input, ...]:
        """Every input after the prediction."""
        return self.inputs[1:]

    @cached_property
    def array_options(self) -> tuple[Option, ...]:
        """The options that may arrive as arrays: tensor options and floats (a 0-d array, a traced number)."""
        return tuple(o for o in self.options if o.is_tensor or o.kind == "float")

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

    # The call path lives in lossx._call; these are its entry points for one spec.

    def bind(self, inputs: tuple, named: dict[str, Any] | None = None) -> tuple:
        """Every input in order (None for omitted optional ones), or a TypeError (see :func:`lossx._binding.bind`)."""
        return _binding.bind(self, inputs, named)

    def check_no_arguments_left(self, named: Mapping[str, Any]) -> None:
        """Refuse keyword arguments an object's call does not take (its options were given when it was built)."""
        _binding.check_no_arguments_left(self, named)

    def evaluate(self, inputs: tuple, options: Mapping[str, Any]) -> tuple:
        """The body's unreduced result on checked inputs: ``(xp, LossTerms, result dtype)`` (see
        :func:`lossx._call.evaluate`)."""
        return _call.evaluate(self, inputs, options)

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
        """The loss with validated ``options``: the path every adapter calls (see :func:`lossx._call.compute`)."""
        return _call.compute(self, inputs, options, reduction, sample_weight, mask, rescale, count_class_weights)

    def __call__(
        self, *inputs: Any, reduction: str = "mean", sample_weight: Any = None, mask: Any = None, **options: Any
    ) -> Any:
        inputs = self.bind(inputs, options)
        return _call.compute(self, inputs, self.validate(options), reduction, sample_weight, mask)


@dataclass(frozen=True)
class Component:
    """One term ``w · loss`` of a combined loss (:func:`lossx.combine`).

    key: the loss as the combination names it (the prefix of its weight's name and of its
        options where they are kept apart).
    spec: the loss.
    weight: the combined loss's option that holds ``w``.
    options: ``(the loss's option, the combined loss's option that holds its value)`` pairs.
    """

    key: str
    spec: LossSpec
    weight: str
    options: tuple[tuple[str, str], ...]

    def options_of(self, combined: Mapping[str, Any]) -> dict[str, Any]:
        """This loss's options, read from the combined loss's ``combined`` options."""
        return {name: combined[source] for name, source in self.options}
