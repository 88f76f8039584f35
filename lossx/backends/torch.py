"""torch adapter: one ``torch.nn.Module`` class per loss.

``forward(y_pred, y_true, sample_weight=None, mask=None)`` (losses with other inputs
take them in their declared order, e.g. ``forward(anchor, positive, negative)``;
``sample_weight`` and ``mask`` are keyword-only); per-class tensor options
(``class_weight``, vector ``pos_weight``) are registered buffers, so ``.to(device)``
moves them and ``state_dict`` saves them; ``extra_repr`` shows every option.
"""

from __future__ import annotations

from typing import Any

from .._config import missing_framework

try:
    import torch
except ImportError as error:
    raise missing_framework("torch", error) from error

from .._presets import Preset
from .._reduction import check_reduction
from .._registry import LossSpec, loss_function
from ._generate import (
    class_doc,
    hashable_options,
    lazy_module,
    option_values_repr,
    preset_doc,
)

_HALF_PRECISION = (torch.float16, torch.bfloat16)


def _compute(spec: LossSpec, inputs: tuple, options: dict[str, Any], reduction: str, sample_weight: Any,
            mask: Any) -> Any:
    """:meth:`LossSpec.compute`, behaving under ``torch.autocast`` as torch's own losses do.

    Autocast puts torch's losses (``F.cross_entropy``, ``F.mse_loss``, ...) on its
    float32 list: half-precision inputs are cast to float32 and the loss comes back
    in float32, not rounded to the 8 significant bits of bfloat16. lossx does the
    same, with autocast off inside the loss, since autocast would otherwise run
    matmuls on lossx's float32 intermediates (``ntxent``) in half precision.
    Outside autocast lossx's dtype rule holds (docs/semantics.md, reductions and weights): the result has the input's dtype.
    """
    y_pred = inputs[0]
    # The first test is one flag read; the second, per device type, costs a microsecond.
    if not (torch._C._is_any_autocast_enabled() and isinstance(y_pred, torch.Tensor)
            and torch.is_autocast_enabled(y_pred.device.type)):
        return spec.compute(inputs, options, reduction, sample_weight, mask)
    with torch.autocast(y_pred.device.type, enabled=False):
        inputs = tuple(x.float() if isinstance(x, torch.Tensor) and x.dtype in _HALF_PRECISION else x for x in inputs)
        return spec.compute(inputs, options, reduction, sample_weight, mask)


class TorchLoss(torch.nn.Module):
    """Base of the generated modules."""

    spec: LossSpec

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        super().__init__()
        self.reduction = check_reduction(reduction)
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

    def forward(self, *inputs: Any, sample_weight: Any = None, mask: Any = None) -> torch.Tensor:
        """The loss of ``inputs`` (``y_pred, y_true`` for most losses; see the class doc).

        As in docs/semantics.md, calling conventions (``forward(y_pred, y_true, sample_weight=None)``), one positional
        array after every input of the loss is the sample weight.
        """
        if len(inputs) == len(self.spec.inputs) + 1 and sample_weight is None:
            *inputs, sample_weight = inputs
        return _compute(self.spec, self.spec.bind(inputs), self._options(), self.reduction, sample_weight, mask)

    def extra_repr(self) -> str:
        shown = hashable_options({name: value.detach().cpu() if isinstance(value, torch.Tensor) else value
                                  for name, value in self._options().items()})
        return option_values_repr({**shown, "reduction": self.reduction})


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (TorchLoss,), {"spec": spec, "__doc__": class_doc(spec, "torch")})


def _make_preset(preset: Preset) -> type:
    base = __getattr__(preset.spec.camel_name)

    def __init__(self, reduction: str = preset.default_reduction or "mean", **options: Any) -> None:
        base.__init__(self, preset.lossx_reduction(reduction), **preset.lossx_options(options))

    return type(preset.name, (base,), {"__init__": __init__, "preset": preset, "__doc__": preset_doc(preset, base)})


def _make_function(spec: LossSpec) -> Any:
    return loss_function(spec, _compute)


__getattr__, __dir__ = lazy_module(globals(), _make_function, _make_class, make_preset=_make_preset, framework="torch")
