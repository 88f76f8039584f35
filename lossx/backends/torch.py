"""torch adapter: one ``torch.nn.Module`` class per loss.

``forward(y_pred, y_true, sample_weight=None, mask=None)``; per-class tensor options
(``class_weight``, vector ``pos_weight``) are registered buffers, so ``.to(device)``
moves them and ``state_dict`` saves them; ``extra_repr`` shows every option.
"""

from __future__ import annotations

from typing import Any

import torch

from .._reduction import check_reduction
from .._registry import LossSpec, loss_function
from ._generate import class_doc, hashable_options, lazy_module, option_values_repr


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
        return {**self._scalar_options, **{name: getattr(self, name) for name in self._buffer_names}}

    def forward(self, y_pred: torch.Tensor, y_true: Any, sample_weight: Any = None, mask: Any = None) -> torch.Tensor:
        return self.spec.compute(y_pred, y_true, self._options(), self.reduction, sample_weight, mask)

    def extra_repr(self) -> str:
        shown = hashable_options({name: value.detach().cpu() if isinstance(value, torch.Tensor) else value
                                  for name, value in self._options().items()})
        return option_values_repr({**shown, "reduction": self.reduction})


def _make_class(spec: LossSpec) -> type:
    return type(spec.camel_name, (TorchLoss,), {"spec": spec, "__doc__": class_doc(spec, "torch")})


# Tensors need no conversion: the function is the spec's own compute path.
__getattr__, __dir__ = lazy_module(globals(), loss_function, _make_class)
