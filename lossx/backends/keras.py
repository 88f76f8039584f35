"""Keras 3 adapter: one ``keras.losses.Loss`` subclass per loss, on any Keras engine.

Follows Keras's conventions so each class is a drop-in for its Keras counterpart:
``call(y_true, y_pred)`` (Keras's order), per-sample values (elementwise losses
average the last axis, as Keras's do), Keras's reductions (default
``"sum_over_batch_size"``) and Keras's own ``sample_weight`` handling. Entries
ignored through ``ignore_index`` carry a Keras mask, so Keras's mean divides by
the number of valid entries, like ``SparseCategoricalCrossentropy(ignore_class)``.

Every class is registered serializable (package ``lossx``) when this module is
imported — ``import lossx`` arranges that as soon as Keras is imported, in either
order (:mod:`lossx._import_hooks`) — so
``keras.models.load_model`` restores a compiled model without ``custom_objects``,
and ``get_config``/``from_config`` round-trip every declared option.

Keras's presets (:mod:`lossx.presets`) give Keras's class names, argument names and
defaults; a preset that ``replaces_own_class`` (Keras's ``Dice``, whose ``axis`` is not
lossx's) takes the place of the loss's own class here. Keras's functions
(``binary_crossentropy(y_true, y_pred, from_logits=False, ...)``) are the presets that
declare a ``function``, and the loss's own snake name otherwise: each returns
per-sample values, as ``keras.losses.<function>`` does.

A ``keras.losses.Loss`` receives exactly ``(y_true, y_pred)``, so a loss that needs
more arrays declares how they are packed into those two (its :class:`lossx.Packing`:
``gaussian_nll``'s y_pred stacks the mean and the variance on its last axis,
``triplet_margin``'s stacks the anchor, positive and negative embeddings on axis -2),
and its Keras class unpacks them by static slicing. An elementwise loss's inputs keep
the packed axis, of size 1, as the last axis Keras averages: y_pred ``(N, 2)`` gives one
value per sample, as a ``Dense(1)`` output does for Keras's own losses. A loss with more
required inputs and no packing has no Keras class; :func:`unsupported_reason` says why,
and ``lossx list`` shows it. Optional extra inputs (``ctc``'s lengths) take their defaults.

A combined loss (:func:`lossx.combine`) is a :class:`CombinedKerasLoss`: it holds each
component's own lossx Keras loss, with its reduction and dtype, and adds their results, so
Keras reduces and weights every component as it would alone.
"""

from __future__ import annotations

import contextvars
import copy
import inspect
import sys
from typing import Any, cast

from .._config import missing_framework

try:
    import keras
    from keras.src.backend.common.symbolic_scope import in_symbolic_scope
    from keras.src.losses.loss import (
        squeeze_or_expand_to_same_rank,
        standardize_reduction,
    )
except ImportError as error:
    raise missing_framework("keras", error) from error

import numpy as np

from .._call import evaluate
from .._dtypes import HALF_PRECISION
from .._errors import ArgumentError, DistributedError, LabelRangeError, ReductionError, ShapeError
from .._namespace import is_eager, namespace_of
from .._reduction import (
    LossTerms,
    check_global_mean,
    per_sample,
    reduce_terms,
    static_shape,
    total_of,
    total_weight_array,
    weighted_sum,
)
from .._registry import on_register, registered
from .._spec import Input, LossSpec
from ..presets import Preset, presets
from . import unavailable
from ._generate import (
    class_doc,
    hashable_options,
    lazy_module,
    option_values_repr,
    preset_doc,
)
from .keras_linear import LinearCrossEntropy as LinearCrossEntropy  # exported (lazy_module's exported names)

#: The static shape of the sample_weight of the call in progress: Keras multiplies it into
#: the per-sample losses after `call`, so `call` checks it against their shape.
_SAMPLE_WEIGHT_SHAPE: contextvars.ContextVar[tuple | None] = contextvars.ContextVar(
    "lossx_keras_sample_weight_shape", default=None
)


#: Keras's reductions that are a mean, whose denominator ``total_weight`` and ``mean_across`` set.
_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight")


class KerasLoss(keras.losses.Loss):
    """Base of the generated Keras losses."""

    spec: LossSpec
    #: Refuse targets whose shape differs from the prediction's (a preset's ``same_shape``).
    same_shape = False
    mean_across: Any = None

    def __init__(
        self,
        reduction: str = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        mean_across: Any = None,
        **options: Any,
    ) -> None:
        try:
            standardize_reduction(reduction)
        except ValueError as error:
            raise ReductionError(
                f"{self.spec.name}: {error}. The Keras adapter takes Keras's reductions "
                "(default 'sum_over_batch_size', the mean over the batch)."
            ) from None
        super().__init__(name=name or self.spec.name, reduction=reduction, dtype=dtype)
        if mean_across is not None:
            self._check_global_mean(mean_across)
        #: ``"replicas"`` (tf.distribute, Keras's distribution API on JAX), or another framework's group.
        self.mean_across = mean_across
        self.lossx_options = self.spec.validate(options)

    def _check_global_mean(self, mean_across: Any) -> None:
        if self.reduction not in _MEAN_REDUCTIONS:
            raise ReductionError(
                f"{type(self).__name__}: total_weight and mean_across set the denominator of the mean, but "
                f"reduction={self.reduction!r} has none; use 'sum_over_batch_size' (the default) or "
                "'mean_with_sample_weight', or drop them (a sum over replicas is the sum of each replica's sum)."
            )
        check_global_mean("mean", type(self).__name__, mean_across)

    #: Set on the objects ``lossx.get`` makes (see :func:`_for_portable_use`).
    _arrays_by_name_only = False

    def __call__(self, *arrays: Any, **named: Any) -> Any:
        """``loss(y_true, y_pred, sample_weight=None)`` in Keras's order, or with the arrays named.

        ``y_pred=`` and ``y_true=`` (or the loss's own input names) mean the same on every
        backend. ``total_weight=`` (by keyword) is the mean's denominator instead of this
        call's count (docs/distributed.md). An object made by :func:`lossx.get` refuses
        positional arrays from anything but Keras's own training machinery, since a script
        written for the other backends passes ``(y_pred, y_true)``.
        """
        if arrays and self._arrays_by_name_only and not _called_by_keras(sys._getframe(1)):
            raise ArgumentError(
                f"{type(self).__name__} was made by lossx.get under the keras backend, and Keras's losses take "
                "their arrays as (y_true, y_pred), the reverse of lossx's (y_pred, y_true) on the other "
                "backends. Name them, loss(y_pred=..., y_true=...), which means the same on every backend, or "
                f"use lossx.backends.keras.{type(self).__name__} to call it in Keras's order; Keras's compile, fit "
                "and evaluate call it as usual."
            )
        total_weight = named.pop("total_weight", None)
        y_true, y_pred, sample_weight = self._keras_arguments(arrays, named)
        token = _SAMPLE_WEIGHT_SHAPE.set(None if sample_weight is None else static_shape(sample_weight))
        try:
            return self._keras_call(y_true, y_pred, sample_weight, total_weight)
        finally:
            _SAMPLE_WEIGHT_SHAPE.reset(token)

    def _keras_arguments(self, arrays: tuple, named: dict[str, Any]) -> tuple:
        """``(y_true, y_pred, sample_weight)`` from Keras's positional order and names (lossx's input names too)."""
        packing = self.spec.packing
        if packing is None:
            prediction, target = (i.name for i in self.spec.inputs[:2])
            aliases = {prediction: "y_pred", target: "y_true"}
        else:
            aliases = {packing.y_true: "y_true"} if packing.y_true else {}
        named = {aliases.get(name, name): value for name, value in named.items()}
        values = dict(zip(("y_true", "y_pred", "sample_weight"), arrays, strict=False))
        if len(arrays) > 3:
            raise ArgumentError(
                f"{type(self).__name__} takes (y_true, y_pred, sample_weight); got {len(arrays)} arrays."
            )
        for name, value in named.items():
            if name not in ("y_true", "y_pred", "sample_weight"):
                packed = f" ({packing.describe()})" if packing else ""
                raise ArgumentError(
                    f"{type(self).__name__}: unexpected argument {name!r}; a Keras loss takes y_true, y_pred{packed} "
                    "and sample_weight (and total_weight) when called, and its options when it is built."
                )
            if name in values:
                raise ArgumentError(f"{type(self).__name__} got two values for {name!r}.")
            values[name] = value
        missing = [name for name in ("y_true", "y_pred") if name not in values and self._reads(name)]
        if missing:
            raise ArgumentError(f"{type(self).__name__}: missing {' and '.join(missing)}; it takes (y_true, y_pred).")
        return self._y_true(values.get("y_true")), values["y_pred"], values.get("sample_weight")

    def _reads(self, name: str) -> bool:
        """Whether the loss reads Keras's ``name`` (a packing may leave y_true unread)."""
        return name == "y_pred" or self.spec.packing is None or self.spec.packing.y_true is not None

    def _y_true(self, y_true: Any) -> Any:
        """``y_true``, or a stand-in for a None that the loss does not read (``model.fit(x)`` passes None)."""
        # Keras's Loss converts y_true to a tensor before `call` reads it or not.
        return 0.0 if y_true is None and not self._reads("y_true") else y_true

    def _keras_call(self, y_true: Any, y_pred: Any, sample_weight: Any, total_weight: Any = None) -> Any:
        if self._takes_labels(y_true, y_pred):
            self._check_whole_labels(y_true)
        if total_weight is not None or self.mean_across is not None:
            if total_weight is not None:
                self._check_global_mean(None)
            return self._global_mean(y_true, y_pred, sample_weight, total_weight)
        if self.dtype not in HALF_PRECISION:
            return super().__call__(y_true, y_pred, sample_weight)
        # A float16/bfloat16 loss dtype (dtype="bfloat16", or the function form on half
        # predictions): Keras would cast y_true to it before `call`, rounding integer labels
        # above 2048 (float16) or 256 (bfloat16) to a neighbouring class, and would reduce
        # in half precision (a float16 sum overflows past 65504). Run Keras's machinery in
        # float32, as lossx computes half precision everywhere, and return the loss dtype.
        # The float32 twin is made once, not on every call.
        in_float32 = self.__dict__.get("_lossx_in_float32")
        if in_float32 is None:
            in_float32 = copy.copy(self)
            keras.losses.Loss.__init__(in_float32, name=self.name, reduction=self.reduction, dtype="float32")
            self.__dict__["_lossx_in_float32"] = in_float32
        return keras.ops.cast(keras.losses.Loss.__call__(in_float32, y_true, y_pred, sample_weight), self.dtype)

    def _global_mean(self, y_true: Any, y_pred: Any, sample_weight: Any, total_weight: Any) -> Any:
        """Keras's mean with ``total_weight`` and ``mean_across`` for its denominator, reduced here.

        The numerator is Keras's: the per-sample values times ``sample_weight``, ignored and
        Keras-masked entries 0. The denominator is what Keras's reduction divides by: the
        number of counted per-sample values for ``"sum_over_batch_size"``, their Σ
        ``sample_weight`` for ``"mean_with_sample_weight"``. Under ``tf.distribute``
        (``mean_across="replicas"``) each replica returns its share of the global mean, which
        the strategy sums, so Keras's scaling by 1/replicas is not applied; under Keras's
        distribution API on JAX the arrays are global and nothing is exchanged.
        """
        xp, terms, weights = self._weighted_terms(y_true, y_pred, sample_weight)
        if total_weight is not None:
            total_weight = total_weight_array(xp, total_weight, terms.value, type(self).__name__)
        out = reduce_terms(
            xp,
            terms,
            "mean",
            total_weight=total_weight,
            mean_across=self._group(),
            loss=type(self).__name__,
            **weights,
        )
        return keras.ops.cast(out, self.dtype)

    def total_weight(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The denominator this loss's mean divides by for these arrays, as Keras's reduction counts it.

        The number of counted per-sample values (``"sum_over_batch_size"``: ignored and masked
        ones are not counted), or their Σ ``sample_weight`` (``"mean_with_sample_weight"``). Sum
        it over accumulation steps and pass the sum as ``total_weight=`` (docs/distributed.md).
        """
        self._check_global_mean(None)
        y_true = self._y_true(y_true)
        if self._takes_labels(y_true, y_pred):
            self._check_whole_labels(y_true)
        xp, terms, weights = self._weighted_terms(y_true, y_pred, sample_weight)
        return keras.ops.cast(total_of(xp, terms, type(self).__name__, **weights), self.dtype)

    def _weighted_terms(self, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple:
        """``(xp, per-sample LossTerms with Keras's mask, the sample weight as reduce_terms takes it)``."""
        compute_dtype = "float32" if self.dtype in HALF_PRECISION else self.dtype
        in_mask = keras.src.backend.get_keras_mask(y_pred)
        y_pred = keras.ops.convert_to_tensor(y_pred, dtype=compute_dtype)
        y_true = keras.ops.convert_to_tensor(y_true, dtype=compute_dtype)
        values = self.call(y_true, y_pred)
        mask = keras.src.backend.get_keras_mask(values)
        if in_mask is not None:
            in_mask = keras.ops.cast(in_mask, "bool")
            mask = in_mask if mask is None else keras.ops.logical_and(mask, in_mask)
        weights = {}
        if sample_weight is not None:
            sample_weight = keras.ops.cast(keras.ops.convert_to_tensor(sample_weight), values.dtype)
            values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
            # Keras's "sum_over_batch_size" weights the values but divides by their count.
            weights = {"sample_weight" if self.reduction == "mean_with_sample_weight" else "rescale": sample_weight}
        if mask is not None:
            values, mask = squeeze_or_expand_to_same_rank(values, mask)
        return namespace_of(values), LossTerms(values, None, mask), weights

    def _group(self) -> Any:
        """The group of ``mean_across`` as the engine's collective takes it (None: the arrays are global)."""
        if in_symbolic_scope():
            # Keras building the model from symbolic tensors (``fit``'s first step, outside any
            # replica): only the result's shape is asked for, and no collective can run there.
            return None
        if self.mean_across != "replicas" or keras.backend.backend() != "jax":
            return self.mean_across
        if keras.distribution.distribution() is None:
            raise DistributedError(
                f"{type(self).__name__}: mean_across='replicas' on Keras's JAX engine needs Keras's distribution "
                "API (keras.distribution.set_distribution(keras.distribution.DataParallel())); without one the "
                "arrays are on one device and the mean is already global: drop mean_across."
            )
        return None  # jit over globally sharded arrays: the plain mean is the global one

    def _takes_labels(self, y_true: Any, y_pred: Any) -> bool:
        """Whether ``y_true`` holds integer class labels (a "classes" target one rank below the prediction).

        Not for a class axis of size 1: one class takes no labels, and Keras reads such a
        target as a binary mask, aligning its rank as for any dense target.
        """
        if self.spec.packing is not None:
            return self._packed_target is not None and self._packed_target.is_integer
        if self.spec.target.is_integer:
            return True
        if self.spec.target.kind != "classes" or np.ndim(y_true) != np.ndim(y_pred) - 1:
            return False
        shape = static_shape(y_pred)
        axis = self.lossx_options.get("axis", -1)
        return not (-len(shape) <= axis < len(shape) and shape[axis] == 1)

    def _check_whole_labels(self, y_true: Any) -> None:
        """Refuse floating labels with a fractional part, which the integer cast would truncate silently.

        Runs before Keras casts the target to the loss's float dtype, so integer labels (the
        usual case) cost nothing; floating ones are checked in eager mode only.
        """
        dtype = keras.backend.standardize_dtype(getattr(y_true, "dtype", None) or np.asarray(y_true).dtype)
        if not keras.backend.is_float_dtype(dtype) or not is_eager(y_true):
            return
        if bool(keras.ops.any(keras.ops.not_equal(y_true, keras.ops.floor(y_true)))):
            raise LabelRangeError(
                f"{self.spec.name}: {self.spec.target.name} holds non-integer values; "
                "class labels must be whole numbers (integer class indices). If these are the predictions, "
                "the arguments are swapped: Keras classes take (y_true, y_pred); lossx functions and torch "
                "modules take (y_pred, y_true)."
            )

    def _check_sample_weight(self, weight_shape: tuple, loss_shape: tuple) -> None:
        """Refuse a sample_weight that Keras cannot multiply into the per-sample losses, naming both shapes.

        Keras aligns the ranks (a trailing axis of size 1 dropped or added, as
        ``squeeze_or_expand_to_same_rank`` does) and broadcasts from the trailing axes; a
        weight that does not broadcast, or would enlarge the losses, fails inside the
        engine with a bare broadcasting error, or gives a silent outer product. A pooled
        (scalar) loss takes any weight: Keras averages the weighted copies.
        """
        if not loss_shape:
            return
        weight, loss = list(weight_shape), list(loss_shape)
        if len(loss) == len(weight) + 1 and loss[-1] == 1:
            if len(weight) == 1:
                weight.append(1)
            else:
                loss.pop()
        elif len(weight) == len(loss) + 1 and weight[-1] == 1:
            if len(loss) == 1:
                loss.append(1)
            else:
                weight.pop()
        extra = weight[: max(len(weight) - len(loss), 0)]
        paired = zip(reversed(weight), reversed(loss), strict=False)
        if any(d not in (1, None) for d in extra) or any(
            None not in (w, size) and w not in (1, size) for w, size in paired
        ):
            wanted = (
                f"{loss_shape}"
                if len(loss_shape) == 1
                else (f"{loss_shape[:1] + (1,) * (len(loss_shape) - 1)} or {loss_shape}")
            )
            raise ShapeError(
                f"{type(self).__name__}: sample_weight of shape {weight_shape} does not align with the unreduced "
                f"loss of shape {loss_shape}; Keras multiplies sample_weight into the per-sample losses, "
                f"broadcasting from their last axis: give it shape {wanted}."
            )

    def _check_same_shape(self, y_true: Any, y_pred: Any) -> None:
        """Keras's own loss of a ``same_shape`` preset refuses a target of another shape; so does lossx."""
        true_shape, pred_shape = static_shape(y_true), static_shape(y_pred)
        if len(true_shape) == len(pred_shape) and all(
            None in (t, p) or t == p for t, p in zip(true_shape, pred_shape, strict=True)
        ):
            return
        raise ShapeError(
            f"{type(self).__name__}: y_true of shape {true_shape} and y_pred of shape {pred_shape} must have the "
            f"same shape, as Keras's {type(self).__name__} requires; give y_true one target per entry of "
            f"y_pred, or use lossx's {self.spec.camel_name}, which broadcasts y_true to y_pred's shape."
        )

    @property
    def _packed_target(self) -> Input | None:
        """The input a packed loss's y_true holds (None: y_true is not read)."""
        packing = self.spec.packing
        assert packing is not None  # read by packed losses only
        return next((i for i in self.spec.inputs if i.name == packing.y_true), None)

    def _unpacked(self, y_true: Any, y_pred: Any) -> tuple:
        """The loss's inputs, in order, from its packed ``(y_true, y_pred)`` (:class:`lossx.Packing`).

        Static slices of y_pred's packed axis, so a traced call (jit, tf.function) slices
        without data-dependent indices. An elementwise loss keeps that axis, of size 1, as the
        last axis :func:`per_sample` averages; y_true then follows the first input's rank
        (a flat target for a ``(N, 2)`` y_pred, as Keras's losses align a ``Dense(1)`` output).
        """
        packing = self.spec.packing
        assert packing is not None  # called for packed losses only
        shape, count, axis = static_shape(y_pred), len(packing.y_pred), packing.axis
        if len(shape) < -axis or shape[axis] not in (count, None):
            raise ShapeError(
                f"{type(self).__name__}: y_pred of shape {shape} has no axis {axis} of size {count}; Keras's "
                f"y_pred packs the inputs of {self.spec.name}: {packing.describe()} (keras.ops.stack, or a "
                f"model output of that shape)."
            )
        after = (slice(None),) * (-axis - 1)
        inputs = {
            name: y_pred[(Ellipsis, slice(i, i + 1) if not self.spec.class_axis else i, *after)]
            for i, name in enumerate(packing.y_pred)
        }
        target = self._packed_target
        if target is not None:
            first = inputs[packing.y_pred[0]]
            if target.is_integer:
                y_true = keras.ops.cast(y_true, "int32")
            elif target.kind in ("dense", "binary", "classes"):
                y_true = _rank_of(y_true, first)
            inputs[target.name] = y_true
        return tuple(inputs.get(i.name) for i in self.spec.inputs)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        if self.spec.packing is not None:
            inputs = self._unpacked(y_true, y_pred)
        elif self._takes_labels(y_true, y_pred):
            # Keras casts every target to the loss's float dtype before `call` (whole labels
            # were checked in `__call__`): integer labels go back to integers here.
            inputs = (y_pred, keras.ops.cast(y_true, "int32"))
        else:
            if self.spec.target.kind in ("dense", "binary", "classes"):
                # Keras's own losses accept targets of shape (B,) for outputs of shape (B, 1)
                # (a Dense(1) head fitted on a flat label vector); align ranks as they do.
                y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
                if self.same_shape:
                    self._check_same_shape(y_true, y_pred)
            inputs = (y_pred, y_true)
        xp, terms, _ = evaluate(self.spec, inputs, self.lossx_options)
        # Keras weights and averages the per-sample values itself (its reductions, sample_weight);
        # ignored entries carry a Keras mask, so its mean counts only the others.
        value = per_sample(xp, terms, self.spec.class_axis)
        if self.spec.class_axis and terms.valid is not None:
            keras.src.backend.set_keras_mask(value, terms.valid)
        weight_shape = _SAMPLE_WEIGHT_SHAPE.get()
        if weight_shape is not None:
            self._check_sample_weight(weight_shape, static_shape(value))
        return value

    def __repr__(self) -> str:
        shown = {**hashable_options(self.lossx_options), "reduction": self.reduction}
        if self.mean_across is not None:
            shown["mean_across"] = self.mean_across
        return f"{type(self).__name__}({option_values_repr(shown)})"

    def get_config(self) -> dict[str, Any]:
        # JSON has no tuples: per-class vectors are saved as lists.
        options = {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in hashable_options(self.lossx_options).items()
        }
        # Keras's base config has only name and reduction, so a loss built with
        # dtype="float64" would come back from a saved model as float32.
        config = {**super().get_config(), "dtype": self._dtype_policy.name, **options}
        return config if self.mean_across is None else {**config, "mean_across": self.mean_across}


class CombinedKerasLoss(KerasLoss):
    """Base of the Keras class of a combined loss (:func:`lossx.combine`).

    Each component is its own lossx Keras loss, built with this loss's reduction, dtype and
    ``mean_across`` and called with the same ``(y_true, y_pred, sample_weight)``, so Keras
    reduces and weights each as it would alone; the results are added with the weights
    (docs/semantics.md, combined losses). A reduction of Keras's that is none adds the
    per-sample values, which must then have one shape.
    """

    #: The components' own Keras classes, in the order of ``spec.components``.
    parts: tuple[type, ...] = ()

    def __init__(
        self,
        reduction: str = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        mean_across: Any = None,
        **options: Any,
    ) -> None:
        super().__init__(reduction=reduction, name=name, dtype=dtype, mean_across=mean_across, **options)
        self._parts = tuple(
            part(reduction=reduction, dtype=dtype, mean_across=mean_across, **component.options_of(self.lossx_options))
            for part, component in zip(self.parts, self.spec.components, strict=True)
        )

    def _keras_call(self, y_true: Any, y_pred: Any, sample_weight: Any, total_weight: Any = None) -> Any:
        if total_weight is not None:
            raise self._no_total_weight()
        return weighted_sum(
            type(self).__name__,
            "none" if self.reduction is None else self.reduction,
            [
                (component.key, self.lossx_options[component.weight], part._keras_call(y_true, y_pred, sample_weight))
                for component, part in zip(self.spec.components, self._parts, strict=True)
            ],
        )

    def total_weight(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """Refused: each component has its own denominator (ask each component's Keras loss for its own)."""
        raise self._no_total_weight()

    def _no_total_weight(self) -> ReductionError:
        return ReductionError(
            f"{type(self).__name__} is a combined loss: each of its components "
            f"({', '.join(c.key for c in self.spec.components)}) has its own denominator for the mean, so it has "
            "no single total_weight; give mean_across to it, or call each component's loss with its own total_weight."
        )


def _rank_of(y_true: Any, prediction: Any) -> Any:
    """``y_true`` with a trailing axis of size 1 added or dropped, to the rank of ``prediction``.

    Keras's alignment of a target with its prediction, but changing y_true alone: the
    prediction is one of several unpacked inputs, which must keep one shape.
    """
    true_rank, rank = len(y_true.shape), len(prediction.shape)
    if true_rank == rank - 1 and prediction.shape[-1] == 1:
        return keras.ops.expand_dims(y_true, -1)
    if true_rank == rank + 1 and y_true.shape[-1] == 1:
        return keras.ops.squeeze(y_true, -1)
    return y_true


def _class_doc(spec: LossSpec) -> str:
    doc = class_doc(spec, "Keras")
    if spec.packing is None:
        return doc
    summary, rest = doc.split("\n\n", 1)
    return (
        f"{summary}\n\nKeras's (y_true, y_pred) hold its inputs packed: {spec.packing.describe()} "
        "(docs/framework-differences.md, Keras).\n\n" + rest
    )


def _own_class(spec: LossSpec) -> type[KerasLoss]:
    # The classes are made by type(name, bases, namespace), which mypy types as a plain type.
    namespace = {"spec": spec, "__doc__": _class_doc(spec), "__module__": __name__}
    if not spec.components:
        return cast("type[KerasLoss]", type(spec.camel_name, (KerasLoss,), namespace))
    # lossx's own class of each component (not a preset that takes its name, such as Keras's Dice).
    parts = tuple(_own_class(component.spec) for component in spec.components)
    return cast("type[KerasLoss]", type(spec.camel_name, (CombinedKerasLoss,), {**namespace, "parts": parts}))


def _make_class(spec: LossSpec) -> type:
    return keras.saving.register_keras_serializable(package="lossx", name=spec.camel_name)(_own_class(spec))


def _per_sample(cls: type, y_true: Any, y_pred: Any, options: dict[str, Any]) -> Any:
    """``cls(**options)``'s per-sample values, as Keras's loss functions return them (in y_pred's floating dtype)."""
    dtype = getattr(y_pred, "dtype", None)
    dtype = keras.backend.standardize_dtype(dtype) if dtype is not None else None
    floating = dtype is not None and keras.backend.is_float_dtype(dtype)
    return cls(reduction="none", dtype=dtype if floating else None, **options)(y_true, y_pred)


def _with_signature(loss: Any, options: dict[str, Any], doc: str) -> Any:
    """``loss(y_true, y_pred, *, options...)``'s signature (every option by keyword, with its default) and doc."""
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    keyword = inspect.Parameter.KEYWORD_ONLY
    loss.__signature__ = inspect.Signature(
        [
            inspect.Parameter("y_true", positional),
            inspect.Parameter("y_pred", positional),
            *(inspect.Parameter(name, keyword, default=default) for name, default in options.items()),
        ]
    )
    loss.__doc__ = doc
    return loss


def _called_by_keras(frame: Any) -> bool:
    """Whether ``frame`` (the caller's) is Keras's own code: compile/fit/evaluate call losses as (y_true, y_pred)."""
    return str(frame.f_globals.get("__name__", "")).startswith("keras.")


def _for_portable_use(loss: KerasLoss) -> KerasLoss:
    """``loss`` as :func:`lossx.get` returns it: its arrays go by name, except from Keras's own machinery."""
    loss._arrays_by_name_only = True
    return loss


def _make_function(spec: LossSpec) -> Any:
    def loss(y_true, y_pred, **options):
        return _per_sample(_attribute(spec.camel_name), y_true, y_pred, options)

    defaults = {option.name: option.default for option in spec.options}
    return _with_signature(loss, defaults, _function_doc(spec.camel_name, spec.name))


def _function_doc(class_name: str, what: str) -> str:
    return (
        f"{what}(y_true, y_pred, **options): the per-sample values of :class:`{class_name}` with these options "
        "(by keyword), as Keras's loss functions return them, in y_pred's floating dtype."
    )


def _preset_defaults(preset: Preset) -> dict[str, Any]:
    """The options a preset takes, under the framework's names, with their defaults."""
    spec = preset.spec
    config = preset.framework_config(spec.validate(preset.lossx_options({})))
    return {**config, **{name: allowed for name, (allowed, _) in preset.accepted.items()}}


def _make_preset_function(preset: Preset) -> Any:
    def loss(y_true, y_pred, **options):
        return _per_sample(_attribute(preset.name), y_true, y_pred, options)

    return _with_signature(
        loss, _preset_defaults(preset), _function_doc(preset.name, f"keras.losses.{preset.function}")
    )


def unsupported_reason(spec: LossSpec) -> str | None:
    """Why ``spec`` has no Keras class (None when it has one): see :func:`lossx.backends.unavailable`."""
    return unavailable(spec, "keras")


def _make_preset(preset: Preset) -> type:
    # A preset that replaces the loss's own class subclasses an unregistered twin of it:
    # the registered name (``lossx>Dice``) is the preset's.
    base = _own_class(preset.spec) if preset.replaces_own_class else _attribute(preset.spec.camel_name)

    def __init__(
        self,
        reduction: str = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        mean_across: Any = None,
        **options: Any,
    ) -> None:
        base.__init__(
            self, reduction=reduction, name=name, dtype=dtype, mean_across=mean_across, **preset.lossx_options(options)
        )

    def get_config(self) -> dict[str, Any]:
        config = base.get_config(self)
        lossx_names = {o.name for o in preset.spec.options}
        kept = {k: v for k, v in config.items() if k not in lossx_names}
        return {**kept, **preset.framework_config({k: v for k, v in config.items() if k in lossx_names})}

    def __repr__(self) -> str:
        shown = {**hashable_options(preset.framework_config(self.lossx_options)), "reduction": self.reduction}
        return f"{preset.name}({option_values_repr(shown)})"

    cls = type(
        preset.name,
        (base,),
        {
            "__init__": __init__,
            "get_config": get_config,
            "__repr__": __repr__,
            "preset": preset,
            "same_shape": preset.same_shape,
            "__doc__": preset_doc(preset, base),
            "__module__": __name__,
        },
    )
    return keras.saving.register_keras_serializable(package="lossx", name=preset.name)(cls)


_generated_attribute, _generated_names = lazy_module(
    globals(),
    _make_function,
    _make_class,
    unsupported_reason,
    make_preset=_make_preset,
    framework="keras",
    exported=("KerasLoss", "CombinedKerasLoss", "LinearCrossEntropy", "unsupported_reason"),
)


def _keras_preset(name: str) -> tuple[Preset, bool] | None:
    """The Keras preset that owns attribute ``name``: ``(preset, is_class)`` for a preset that
    replaces a loss's own class or declares the function ``name``; None otherwise."""
    for preset in presets("keras"):
        if preset.replaces_own_class and preset.name == name:
            return preset, True
        if preset.function == name:
            return preset, False
    return None


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return __dir__()
    found = _keras_preset(name)
    if found is None:
        return _generated_attribute(name)
    preset, is_class = found
    made = _make_preset(preset) if is_class else _make_preset_function(preset)
    made.__module__ = __name__
    made.__qualname__ = made.__name__ = name
    globals()[name] = made
    return made


def _attribute(name: str) -> Any:
    """This module's attribute ``name``, made on first use (``__getattr__`` makes a new object each call)."""
    return globals()[name] if name in globals() else __getattr__(name)


def __dir__() -> list[str]:
    return sorted(set(_generated_names()) | {p.function for p in presets("keras") if p.function})


def _register(spec: LossSpec) -> None:
    if unsupported_reason(spec) is None:
        _attribute(spec.camel_name)


for _spec in registered():
    _register(_spec)
for _preset in presets("keras"):
    _attribute(_preset.name)
on_register(_register)
