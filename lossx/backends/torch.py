"""torch adapter: one ``torch.nn.Module`` class per loss.

``forward(y_pred, y_true, sample_weight=None, mask=None, total_weight=None)`` (losses with
other inputs take them in their declared order, e.g. ``forward(anchor, positive, negative)``;
``sample_weight``, ``mask`` and ``total_weight`` are keyword-only); ``mean_across`` (a process
group or ``"world"``) is given when the module is built; per-class tensor options
(``class_weight``, vector ``pos_weight``) are registered buffers, so ``.to(device)``
moves them and ``state_dict`` saves them; ``extra_repr`` shows every option.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from .._config import missing_framework

try:
    import torch
except ImportError as error:
    raise missing_framework("torch", error) from error

from .._binding import bind, check_no_arguments_left
from .._call import compute
from .._errors import ArgumentError, MixedFrameworkError
from .._options import validate_options
from .._reduction import check_global_mean, check_reduction
from .._registry import lookup
from .._signatures import loss_function
from .._spec import LossSpec
from ..losses import linear as _linear
from ..presets import Preset
from ._generate import (
    class_doc,
    hashable_options,
    lazy_module,
    option_values_repr,
    preset_doc,
)


def _compute(
    spec: LossSpec, inputs: tuple, options: dict[str, Any], reduction: str, sample_weight: Any, mask: Any, **knobs: Any
) -> Any:
    """The call path (:func:`lossx._call.compute`) on torch tensors, behaving under ``torch.autocast`` as
    torch's own losses do.

    The prediction must be a tensor: a NumPy prediction would give a NumPy number, with no
    graph to differentiate (targets and weights may be NumPy arrays or lists: they are moved
    onto the prediction's device).

    Autocast puts torch's losses (``F.cross_entropy``, ``F.mse_loss``, ...) on its
    float32 list: half-precision inputs are computed in float32 and the loss comes back
    in float32, not rounded to the 8 significant bits of bfloat16. lossx does the
    same, with autocast off inside the loss, since autocast would otherwise run
    matmuls on lossx's float32 intermediates (``ntxent``) in half precision.
    Outside autocast lossx's dtype rule holds (docs/semantics.md, reductions and weights):
    the result has the input's dtype. ``knobs`` are the presets' (``rescale``,
    ``count_class_weights``).
    """
    y_pred = inputs[0]
    if not isinstance(y_pred, torch.Tensor):
        _refuse_prediction(spec, inputs)
    # The first test is one flag read; the second, per device type, costs more, so it runs only after it.
    if not (torch._C._is_any_autocast_enabled() and torch.is_autocast_enabled(y_pred.device.type)):
        return compute(spec, inputs, options, reduction, sample_weight, mask, **knobs)
    with torch.autocast(y_pred.device.type, enabled=False):
        return compute(spec, inputs, options, reduction, sample_weight, mask, keep_float32=True, **knobs)


def _refuse_prediction(spec: LossSpec, inputs: tuple) -> None:
    """The error for a prediction that is no torch tensor (a missing input's, if one is missing)."""
    bind(spec, inputs)
    y_pred = inputs[0]
    raise MixedFrameworkError(
        f"{spec.name}: lossx.backends.torch takes a torch tensor as {spec.inputs[0].name}, got "
        f"{type(y_pred).__module__}.{type(y_pred).__qualname__}. Convert it with torch.as_tensor "
        f"(a model's output already is one), or use lossx.{spec.name} or lossx.backends.numpy "
        "for NumPy arrays."
    )


class TorchLoss(torch.nn.Module):
    """Base of the generated modules."""

    spec: LossSpec
    #: Also what a module pickled before ``mean_across`` existed reads.
    mean_across: Any = None

    def __init__(self, reduction: str = "mean", mean_across: Any = None, **options: Any) -> None:
        super().__init__()
        self.reduction = check_reduction(reduction, self.spec.name)
        if mean_across is not None:
            check_global_mean(self.reduction, self.spec.name, mean_across)
        #: The process group (or ``"world"``) whose global mean this module computes (docs/distributed.md).
        self.mean_across = mean_across
        validated = self.spec.validate(options)
        self._scalar_options: dict[str, Any] = {}
        self._buffer_names: list[str] = []
        for option in self.spec.options:
            value = validated[option.name]
            if option.is_tensor and value is not None and not isinstance(value, float):
                # float64, so float64 inputs see the weights exactly; each call casts the
                # buffer to the input's dtype. (Apple MPS has no float64: call .float() first.)
                tensor = value if isinstance(value, torch.Tensor) else torch.tensor(value, dtype=torch.float64)
                self.register_buffer(option.name, tensor)
                self._buffer_names.append(option.name)
            else:
                self._scalar_options[option.name] = value

    def _options(self) -> dict[str, Any]:
        if not self._buffer_names:  # the common case: no per-class tensors, no dictionary to build
            return self._scalar_options
        return {**self._scalar_options, **{name: getattr(self, name) for name in self._buffer_names}}

    def forward(
        self, *inputs: Any, sample_weight: Any = None, mask: Any = None, total_weight: Any = None, **named: Any
    ) -> torch.Tensor:
        """The loss of ``inputs`` (``y_pred, y_true`` for most losses; see the class doc).

        As in docs/semantics.md, calling conventions (``forward(y_pred, y_true, sample_weight=None)``), one positional
        array after every input of the loss is the sample weight. Inputs may also be given by
        name (``y_pred=..., y_true=...``), which means the same on every backend.
        """
        spec = self.spec
        if len(inputs) == len(spec.inputs) + 1 and sample_weight is None:
            inputs, sample_weight = inputs[:-1], inputs[-1]
        if named or len(inputs) != len(spec.inputs):
            inputs = bind(spec, tuple(inputs), named)
            check_no_arguments_left(spec, named)
        options = self._options() if self._buffer_names else self._scalar_options
        if total_weight is not None or self.mean_across is not None:
            return _compute(
                spec,
                tuple(inputs),
                options,
                self.reduction,
                sample_weight,
                mask,
                total_weight=total_weight,
                mean_across=self.mean_across,
            )
        # _compute inlined: the common call (a tensor, no autocast) is one function call less.
        y_pred = inputs[0]
        if not isinstance(y_pred, torch.Tensor) or torch._C._is_any_autocast_enabled():
            return _compute(spec, tuple(inputs), options, self.reduction, sample_weight, mask)
        return compute(spec, tuple(inputs), options, self.reduction, sample_weight, mask)

    def extra_repr(self) -> str:
        shown = hashable_options(
            {
                name: value.detach().cpu() if isinstance(value, torch.Tensor) else value
                for name, value in self._options().items()
            }
        )
        shown = {**shown, "reduction": self.reduction}
        return option_values_repr(shown if self.mean_across is None else {**shown, "mean_across": self.mean_across})


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (TorchLoss,), {"spec": spec, "__doc__": class_doc(spec, "torch")})


def _preset_arguments(preset: Preset, positional: tuple, given: dict[str, Any]) -> dict[str, Any]:
    """``positional`` named in the order of torch's own class (``CrossEntropyLoss(weight)``), merged with ``given``."""
    torch_class = getattr(torch.nn, preset.name, None)
    parameters = inspect.signature(torch_class).parameters.values() if torch_class is not None else ()
    order = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    if len(positional) > len(order):
        if not order:
            raise ArgumentError(
                f"{preset.name} takes its arguments by keyword only, as torch's does; got {len(positional)} positional."
            )
        raise ArgumentError(
            f"{preset.name} takes at most {len(order)} positional arguments ({', '.join(order)}), got "
            f"{len(positional)}; pass the others by keyword."
        )
    named = dict(zip(order, positional, strict=False))
    twice = sorted(named.keys() & given.keys())
    if twice:
        raise ArgumentError(f"{preset.name} got two values for {twice[0]!r}, one positional and one by keyword.")
    return {**named, **given}


def _torch_reduction(reduction: str, size_average: Any, reduce: Any) -> str:
    """torch's deprecated ``size_average``/``reduce`` as the reduction they mean, with torch's warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    meant = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{meant}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return meant


def _make_preset(preset: Preset) -> type:
    base = __getattr__(preset.spec.camel_name)
    variant = preset.probability_targets
    variant_spec = None if variant is None else lookup(variant.loss)
    variant_names = () if variant_spec is None else tuple(o.name for o in variant_spec.options)
    function_option = None if preset.function_variant is None else preset.function_variant.option

    def __init__(self, *positional: Any, **given: Any) -> None:
        given = _preset_arguments(preset, positional, given)
        function = preset.take_function(given)
        reduction = _torch_reduction(
            given.pop("reduction", preset.default_reduction or "mean"),
            given.pop("size_average", None),
            given.pop("reduce", None),
        )
        weight = given.pop(preset.rescale, None) if preset.rescale is not None else None
        mean_across = given.pop("mean_across", None)
        rule = preset.reduction_rule(reduction)
        base.__init__(self, rule.reduction, **preset.lossx_options(given))
        if mean_across is not None:
            preset.check_global_mean(reduction, rule, mean_across)
        self.mean_across = mean_across
        self.reduction = reduction  # torch's name, as torch's own module keeps it
        self._rule = rule
        if function_option is not None:
            # An attribute, as in torch: a module (nn.PairwiseDistance) is a submodule, with its parameters.
            setattr(self, function_option, function)
        if weight is not None:
            self.register_buffer(
                preset.rescale,
                weight if isinstance(weight, torch.Tensor) else torch.tensor(weight, dtype=torch.float64),
            )
        self._variant_scalars = None
        if variant_spec is not None and not preset.variant_conflicts(self._options()):
            scalars = {name: value for name, value in self._scalar_options.items() if name in variant_names}
            self._variant_scalars = variant_spec.validate(scalars)

    def _variant_options(self) -> dict[str, Any] | None:
        if self._variant_scalars is None:
            return None
        return {**self._variant_scalars, **{n: getattr(self, n) for n in self._buffer_names if n in variant_names}}

    def forward(
        self, *inputs: Any, sample_weight: Any = None, mask: Any = None, total_weight: Any = None, **named: Any
    ) -> torch.Tensor:
        if len(inputs) == len(self.spec.inputs) + 1 and sample_weight is None:
            inputs, sample_weight = inputs[:-1], inputs[-1]
        rescale = getattr(self, preset.rescale, None) if preset.rescale is not None else None
        bound = bind(self.spec, tuple(inputs), named)
        check_no_arguments_left(self.spec, named)
        function = None if function_option is None else getattr(self, function_option)
        return preset.compute(
            _compute,
            bound,
            self._options(),
            self._variant_options(),
            self._rule,
            sample_weight,
            mask,
            rescale,
            total_weight=total_weight,
            mean_across=self.mean_across,
            function=function,
        )

    def extra_repr(self) -> str:
        shown = base.extra_repr(self)
        if preset.rescale is not None and getattr(self, preset.rescale, None) is not None:
            shown += f", {preset.rescale}=Tensor{tuple(getattr(self, preset.rescale).shape)}"
        function = None if function_option is None else getattr(self, function_option)
        if function is not None and not isinstance(function, torch.nn.Module):  # a module is shown as a child
            shown += f", {function_option}={getattr(function, '__qualname__', function)}"
        return shown

    namespace = {
        "__init__": __init__,
        "forward": forward,
        "_variant_options": _variant_options,
        "extra_repr": extra_repr,
        "preset": preset,
        "__doc__": preset_doc(preset, base),
    }
    return type(preset.name, (base,), namespace)


def _make_function(spec: LossSpec) -> Any:
    return loss_function(spec, _compute)


linear_cross_entropy = _linear.linear_cross_entropy


class LinearCrossEntropyLoss(torch.nn.Module):
    """torch's ``nn.LinearCrossEntropyLoss``: a linear layer and the cross-entropy of its logits, never held whole.

    ``LinearCrossEntropyLoss(in_features, num_classes, *, bias=False, device=None, dtype=None,
    reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0, options=None)``
    takes torch's arguments with torch's meaning: it owns ``self.linear`` (an ``nn.Linear``
    whose weight is ``(num_classes, in_features)``), ``weight`` is a class weight (a buffer),
    and ``ignore_index=None`` ignores -100 as torch does. ``options`` (a
    ``torch.nn.LinearCrossEntropyOptions``) is accepted for its ``batch_chunk_size``; lossx
    chunks either way. lossx adds ``z_loss``, ``softcap``, ``chunk_size`` and ``mean_across``,
    and ``forward(input, target, sample_weight=None, total_weight=None)``. Every option is
    :func:`lossx.linear_cross_entropy`'s. Not supported: torch's ``out_features`` (a
    K-dimensional loss).
    """

    weight: torch.Tensor | None  # the class weight, a buffer (register_buffer in __init__)

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
        reduction: str = "mean",
        weight: Any = None,
        ignore_index: Any = None,
        label_smoothing: float = 0.0,
        options: Any = None,
        z_loss: float = 0.0,
        softcap: Any = None,
        chunk_size: Any = None,
        mean_across: Any = None,
    ) -> None:
        super().__init__()
        if tuple(out_features):
            raise ArgumentError(
                f"LinearCrossEntropyLoss: out_features={tuple(out_features)} (a K-dimensional loss) is not "
                "supported; flatten the extra axes into the batch (input (N·d, H), target (N·d,)) instead."
            )
        if chunk_size is None and options is not None:
            chunk_size = getattr(options, "batch_chunk_size", None)
        self.reduction = check_reduction(reduction, "LinearCrossEntropyLoss")
        if mean_across is not None:
            check_global_mean(self.reduction, "LinearCrossEntropyLoss", mean_across)
        self.mean_across = mean_across
        self.num_classes = num_classes
        self.out_features = ()
        self.options = options
        self._scalar_options = _linear_options(
            ignore_index=-100 if ignore_index is None else ignore_index,
            label_smoothing=label_smoothing,
            z_loss=z_loss,
            softcap=softcap,
            chunk_size=chunk_size,
        )
        self.linear = torch.nn.Linear(in_features, num_classes, bias=bias, device=device, dtype=dtype)
        if weight is not None:
            weight = torch.as_tensor(weight)
            if tuple(weight.shape) != (num_classes,):
                raise ArgumentError(
                    f"LinearCrossEntropyLoss: weight has shape {tuple(weight.shape)}; it holds one weight per class, "
                    f"shape ({num_classes},)."
                )
        self.register_buffer("weight", weight)

    @property
    def ignore_index(self) -> int:
        return self._scalar_options["ignore_index"]

    @property
    def label_smoothing(self) -> float:
        return self._scalar_options["label_smoothing"]

    def forward(self, input: Any, target: Any, sample_weight: Any = None, total_weight: Any = None) -> torch.Tensor:
        return linear_cross_entropy(
            input,
            self.linear.weight,
            target,
            bias=self.linear.bias,
            class_weight=self.weight,
            reduction=self.reduction,
            sample_weight=sample_weight,
            total_weight=total_weight,
            mean_across=self.mean_across,
            **self._scalar_options,
        )

    def extra_repr(self) -> str:
        shown = {
            "in_features": self.linear.in_features,
            "num_classes": self.num_classes,
            "bias": self.linear.bias is not None,
            "reduction": self.reduction,
            **self._scalar_options,
        }
        if self.weight is not None:
            shown["weight"] = f"Tensor{tuple(self.weight.shape)}"
        if self.mean_across is not None:
            shown["mean_across"] = self.mean_across
        return ", ".join(f"{name}={value}" for name, value in shown.items())


def _linear_options(**given: Any) -> dict[str, Any]:
    """The scalar options of :func:`lossx.linear_cross_entropy`, validated against their declarations."""
    validated = validate_options("LinearCrossEntropyLoss", _linear.LINEAR_CROSS_ENTROPY_OPTIONS, given)
    return {name: value for name, value in validated.items() if name != "class_weight"}


__getattr__, __dir__ = lazy_module(
    globals(),
    _make_function,
    _make_class,
    make_preset=_make_preset,
    framework="torch",
    exported=("TorchLoss", "LinearCrossEntropyLoss", "linear_cross_entropy"),
)
