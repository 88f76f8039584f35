"""Rows of the mapping page (docs/mapping.md): a framework's call and the lossx call
that gives the same numbers, each checked by tests/api/test_mapping.py.

A :class:`Row` holds two Python expressions as text. The page shows them verbatim
and the test evaluates exactly that text on the same inputs, so the page and its
conformance tests cannot drift apart. Expressions see the row's named inputs
(converted to the framework's arrays) and these names:

* torch rows: ``torch``, ``F`` (torch.nn.functional), ``nn`` (torch.nn), ``lossx``, ``LT``
  (lossx.backends.torch); rows of the torch-based libraries see the same names and their
  library: ``kornia``, ``monai`` (with ``monai.losses`` imported) or ``pml``
  (``pytorch_metric_learning``);
* optax rows: ``optax``, ``jnp``, ``jax``, ``lossx``, ``LJ`` (lossx.backends.jax);
* keras rows: ``keras``, ``ops`` (keras.ops), ``lossx``, ``LK`` (lossx.backends.keras); inputs
  are tensors of the current Keras engine;
* sklearn rows: ``sklearn`` (with ``sklearn.metrics`` imported), ``np``, ``lossx``;
  inputs are NumPy arrays.

Inputs are float64 (integer arrays stay integer), so rows compare at float64 precision
unless ``rtol`` says otherwise (and the notes say why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: The frameworks and libraries rows come from, by module name.
FRAMEWORKS = ("torch", "keras", "optax", "sklearn", "kornia", "monai", "pytorch_metric_learning")
#: Those whose rows run on torch tensors (and may compare gradients).
TORCH_BASED = ("torch", "kornia", "monai", "pytorch_metric_learning")


@dataclass(frozen=True)
class Row:
    """One framework call and the lossx call that matches it.

    loss: the lossx loss this row documents (its section on the page).
    framework: one of :data:`FRAMEWORKS`.
    native: the framework's expression, e.g. ``"F.huber_loss(input, target, delta=2.0)"``.
    lossx: the lossx expression with the same value, e.g.
        ``"lossx.huber(input, target, delta=2.0)"``.
    make: ``make(rng) -> {name: NumPy array}``: the inputs both expressions use, drawn
        where the loss is well conditioned (away from kinks and clipping).
    notes: option translations, layout and reduction differences, known deviations.
    grad: the name of an input whose gradient is compared as well (torch-based and optax rows;
        the gradient of the sum of the value).
    rtol: relative tolerance of the comparison (atol = rtol · max |native|).
    """

    loss: str
    framework: str
    native: str
    lossx: str
    make: Callable[[np.random.Generator], dict[str, np.ndarray]]
    notes: str = ""
    grad: str | None = None
    rtol: float = 1e-10

    def __post_init__(self) -> None:
        if self.framework not in FRAMEWORKS:
            raise ValueError(f"framework must be one of {FRAMEWORKS}, got {self.framework!r}")
        if self.grad is not None and self.framework not in (*TORCH_BASED, "optax"):
            raise ValueError("gradients are compared on torch-based and optax rows only")


# ------------------------------------------------------------------ input makers shared by rows


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def regression_inputs(rng: np.random.Generator, shape=(4, 5)) -> dict[str, np.ndarray]:
    """``input``/``target`` (torch names) and ``y_pred``/``y_true`` (Keras names) alike."""
    y_pred, y_true = rng.standard_normal(shape) * 1.5, rng.standard_normal(shape)
    return {"input": y_pred, "target": y_true, "y_pred": y_pred, "y_true": y_true}
