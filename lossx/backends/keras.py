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

A ``keras.losses.Loss`` receives exactly ``(y_true, y_pred)``, so losses that need
more arrays (``triplet_margin``'s anchor, positive and negative, ...) have no Keras
class; :func:`unsupported_reason` says why, and ``lossx list`` shows it. Optional
extra inputs (``ctc``'s lengths) take their defaults.
"""

from __future__ import annotations

import copy
from typing import Any

from .._config import missing_framework

try:
    import keras
    from keras.src.losses.loss import (
        squeeze_or_expand_to_same_rank,
        standardize_reduction,
    )
except ImportError as error:
    raise missing_framework("keras", error) from error

import numpy as np

from .._errors import LabelRangeError, ReductionError
from .._namespace import is_eager
from .._presets import Preset, presets
from .._reduction import check_alignment, static_shape
from .._registry import LossSpec, on_register, registered
from . import unavailable
from ._generate import (
    class_doc,
    hashable_options,
    lazy_module,
    option_values_repr,
    preset_doc,
)

_HALF_PRECISION = ("float16", "bfloat16")


class KerasLoss(keras.losses.Loss):
    """Base of the generated Keras losses."""

    spec: LossSpec

    def __init__(self, reduction: str = "sum_over_batch_size", name: str | None = None, dtype: Any = None, **options: Any) -> None:
        try:
            standardize_reduction(reduction)
        except ValueError as error:
            raise ReductionError(
                f"{self.spec.name}: {error}. The Keras adapter takes Keras's reductions "
                "(default 'sum_over_batch_size', the mean over the batch)."
            ) from None
        super().__init__(name=name or self.spec.name, reduction=reduction, dtype=dtype)
        self.lossx_options = self.spec.validate(options)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if sample_weight is not None:
            self._check_sample_weight(y_pred, sample_weight)
        if self._takes_labels(y_true, y_pred):
            self._check_whole_labels(y_true)
        if self.dtype not in _HALF_PRECISION:
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

    def _takes_labels(self, y_true: Any, y_pred: Any) -> bool:
        """Whether ``y_true`` holds integer class labels (a "classes" target one rank below the prediction)."""
        if self.spec.target.is_integer:
            return True
        return self.spec.target.kind == "classes" and np.ndim(y_true) == np.ndim(y_pred) - 1

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
                "class labels must be whole numbers (integer class indices)."
            )

    def _check_sample_weight(self, y_pred: Any, sample_weight: Any) -> None:
        """Refuse a sample_weight that cannot align with the per-sample losses, naming both shapes.

        Keras multiplies it in after ``call``; misaligned, it would fail inside the engine
        with a bare broadcasting error. Per-sample losses have y_pred's shape without the
        class axis (categorical losses) or the last axis (elementwise ones, averaged per sample).
        """
        pred_shape = static_shape(y_pred)
        if not pred_shape:
            return
        axis = self.lossx_options.get("axis", -1) if self.spec.class_axis else -1
        axis %= len(pred_shape)
        check_alignment(static_shape(sample_weight), pred_shape[:axis] + pred_shape[axis + 1:], "sample_weight")

    def call(self, y_true: Any, y_pred: Any) -> Any:
        # Keras casts every target to the loss's float dtype before `call` (whole labels
        # were checked in `__call__`): integer labels go back to integers here.
        if self._takes_labels(y_true, y_pred):
            y_true = keras.ops.cast(y_true, "int32")
        elif self.spec.target.kind in ("dense", "binary", "classes"):
            # Keras's own losses accept targets of shape (B,) for outputs of shape (B, 1)
            # (a Dense(1) head fitted on a flat label vector); align ranks as they do.
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        xp, (value, _, valid), _ = self.spec.evaluate((y_pred, y_true), self.lossx_options)
        if valid is not None:
            value = xp.where(valid, value, xp.zeros_like(value))
        if not self.spec.class_axis:
            value = xp.mean(value, axis=-1)
        elif valid is not None:
            keras.src.backend.set_keras_mask(value, valid)
        return value

    def __repr__(self) -> str:
        shown = {**hashable_options(self.lossx_options), "reduction": self.reduction}
        return f"{type(self).__name__}({option_values_repr(shown)})"

    def get_config(self) -> dict[str, Any]:
        # JSON has no tuples: per-class vectors are saved as lists.
        options = {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in hashable_options(self.lossx_options).items()
        }
        # Keras's base config has only name and reduction, so a loss built with
        # dtype="float64" would come back from a saved model as float32.
        return {**super().get_config(), "dtype": self._dtype_policy.name, **options}


def _make_class(spec: LossSpec) -> type:
    cls = type(spec.camel_name, (KerasLoss,), {"spec": spec, "__doc__": class_doc(spec, "Keras"), "__module__": __name__})
    return keras.saving.register_keras_serializable(package="lossx", name=spec.camel_name)(cls)


def _make_function(spec: LossSpec) -> Any:
    def loss(y_true, y_pred, **options):
        """Per-sample values, as Keras's loss functions return them (in y_pred's floating dtype)."""
        dtype = getattr(y_pred, "dtype", None)
        dtype = keras.backend.standardize_dtype(dtype) if dtype is not None else None
        floating = dtype is not None and keras.backend.is_float_dtype(dtype)
        return globals()[spec.camel_name](reduction="none", dtype=dtype if floating else None, **options)(y_true, y_pred)

    return loss


def unsupported_reason(spec: LossSpec) -> str | None:
    """Why ``spec`` has no Keras class (None when it has one): see :func:`lossx.backends.unavailable`."""
    return unavailable(spec, "keras")


def _make_preset(preset: Preset) -> type:
    base = __getattr__(preset.spec.camel_name)

    def __init__(self, reduction: str = "sum_over_batch_size", name: str | None = None, dtype: Any = None,
                 **options: Any) -> None:
        base.__init__(self, reduction=reduction, name=name, dtype=dtype, **preset.lossx_options(options))

    def get_config(self) -> dict[str, Any]:
        config = base.get_config(self)
        lossx_names = {o.name for o in preset.spec.options}
        kept = {k: v for k, v in config.items() if k not in lossx_names}
        return {**kept, **preset.framework_config({k: v for k, v in config.items() if k in lossx_names})}

    cls = type(preset.name, (base,), {
        "__init__": __init__, "get_config": get_config, "preset": preset,
        "__doc__": preset_doc(preset, base), "__module__": __name__,
    })
    return keras.saving.register_keras_serializable(package="lossx", name=preset.name)(cls)


__getattr__, __dir__ = lazy_module(
    globals(), _make_function, _make_class, unsupported_reason, make_preset=_make_preset, framework="keras",
    exported=("KerasLoss", "unsupported_reason"),
)


def _register(spec: LossSpec) -> None:
    if unsupported_reason(spec) is None:
        __getattr__(spec.camel_name)


for _spec in registered():
    _register(_spec)
for _preset in presets("keras"):
    __getattr__(_preset.name)
on_register(_register)
