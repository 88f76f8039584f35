"""Testing helpers: run one loss on every installed framework and compare.

These are what ``lossx compare`` uses, and what a user checks a custom loss with::

    import lossx.testing
    rows = lossx.testing.compare("my_loss")
    assert all(row.passed for row in rows)

The reference value is the loss evaluated by NumPy in float64 on the same
(dtype-rounded) inputs; the reference gradient is float64 automatic
differentiation by the first installed framework of JAX, torch, TensorFlow, and
is itself checked against float64 central finite differences (row mode
``finite-differences``). Tolerances are the numerical promise's (docs/semantics.md): relative 1e-12 for float64 and
1e-5 for float32, measured against ``max(1, max|reference|)``.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ._registry import LossSpec, lookup, registered

__all__ = ["FRAMEWORKS", "TOLERANCE", "Deviation", "installed_frameworks", "evaluate", "compare", "compare_all"]

FRAMEWORKS = ("numpy", "torch", "jax", "tensorflow")
MODES = {"numpy": ("eager",), "torch": ("eager",), "jax": ("eager", "jit"), "tensorflow": ("eager", "function")}
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}
FINITE_DIFFERENCE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Deviation:
    """The largest scaled deviation of one (framework, mode, dtype) cell from the reference."""

    loss: str
    options: str
    framework: str
    mode: str
    dtype: str
    value: float
    gradient: float | None
    tolerance: float

    @property
    def passed(self) -> bool:
        worst = max(self.value, self.gradient or 0.0)
        return bool(np.isfinite(worst) and worst <= self.tolerance)


def installed_frameworks() -> tuple[str, ...]:
    """Frameworks importable here (found without importing them)."""
    return tuple(f for f in FRAMEWORKS if f == "numpy" or importlib.util.find_spec(f) is not None)


def options_label(options: Mapping[str, Any]) -> str:
    """A short, stable label for an option set (``from_logits,ls=0.1``)."""
    parts = []
    for name, value in options.items():
        parts.append(name if value is True else f"{name}={value}")
    return ", ".join(parts) or "defaults"


# ------------------------------------------------------------------ evaluation


def _prepare_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    # Each compared case traces a new function on purpose; the retracing warning is noise.
    tf.get_logger().setLevel("ERROR")


def _evaluate_numpy(spec, inputs, options, reduction, mode):
    return np.asarray(spec(*inputs, reduction=reduction, **options), dtype=np.float64), None


def _evaluate_torch(spec, inputs, options, reduction, mode):
    import torch

    prediction = torch.tensor(inputs[0], requires_grad=True)
    others = [torch.as_tensor(value) for value in inputs[1:]]
    function = spec if mode == "eager" else torch.compile(spec, fullgraph=True)
    value = function(prediction, *others, reduction=reduction, **options)
    (gradient,) = torch.autograd.grad(value.sum(), prediction)
    return value.detach().double().numpy(), gradient.double().numpy()


def _evaluate_jax(spec, inputs, options, reduction, mode):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    others = [jnp.asarray(value) for value in inputs[1:]]

    def total(prediction):
        value = spec(prediction, *others, reduction=reduction, **options)
        return jnp.sum(value), value

    function = jax.value_and_grad(total, has_aux=True)
    if mode == "jit":
        function = jax.jit(function)
    (_, value), gradient = function(jnp.asarray(inputs[0]))
    return np.asarray(value, dtype=np.float64), np.asarray(gradient, dtype=np.float64)


def _evaluate_tensorflow(spec, inputs, options, reduction, mode):
    _prepare_tensorflow()
    import tensorflow as tf

    def value_and_gradient(prediction, *others):
        with tf.GradientTape() as tape:
            tape.watch(prediction)
            value = spec(prediction, *others, reduction=reduction, **options)
            total = tf.reduce_sum(value)
        return value, tape.gradient(total, prediction)

    if mode == "function":
        value_and_gradient = tf.function(value_and_gradient, jit_compile=True)
    value, gradient = value_and_gradient(*(tf.constant(value) for value in inputs))
    return np.asarray(value, dtype=np.float64), np.asarray(gradient, dtype=np.float64)


_EVALUATORS: dict[str, Callable[..., tuple]] = {
    "numpy": _evaluate_numpy,
    "torch": _evaluate_torch,
    "jax": _evaluate_jax,
    "tensorflow": _evaluate_tensorflow,
}


def evaluate(
    loss: str | LossSpec,
    framework: str,
    inputs: Sequence[np.ndarray],
    options: Mapping[str, Any] | None = None,
    reduction: str = "mean",
    mode: str = "eager",
) -> tuple[np.ndarray, np.ndarray | None]:
    """The loss value and its gradient w.r.t. the first input on ``framework``, as float64 NumPy.

    ``inputs`` are NumPy arrays in the loss's input order (``(y_pred, y_true)`` for most
    losses) and keep their dtypes; the gradient is of ``sum(value)``; NumPy gives no gradient.
    """
    spec = lookup(loss) if isinstance(loss, str) else loss
    return _EVALUATORS[framework](spec, tuple(inputs), dict(options or {}), reduction, mode)


def finite_difference_gradient(spec: LossSpec, inputs, options, reduction) -> np.ndarray:
    """Central finite differences of ``sum(loss)`` w.r.t. the first input, in float64 on NumPy."""
    y_pred, *others = inputs
    gradient = np.zeros(y_pred.shape, dtype=np.float64)
    flat = y_pred.reshape(-1)
    for index in range(flat.size):
        step = 1e-6 * max(1.0, abs(flat[index]))
        shifted = []
        for sign in (1.0, -1.0):
            moved = flat.copy()
            moved[index] += sign * step
            shifted.append(np.sum(spec(moved.reshape(y_pred.shape), *others, reduction=reduction, **options)))
        gradient.reshape(-1)[index] = (shifted[0] - shifted[1]) / (2 * step)
    return gradient


def _scaled_deviation(actual: np.ndarray, reference: np.ndarray) -> float:
    scale = max(1.0, float(np.max(np.abs(reference), initial=0.0)))
    if actual.shape != reference.shape:
        return float("inf")
    return float(np.max(np.abs(actual - reference), initial=0.0) / scale)


def compare(
    loss: str | LossSpec,
    options: Mapping[str, Any] | None = None,
    *,
    inputs: Sequence[np.ndarray] | None = None,
    reduction: str = "mean",
    frameworks: Iterable[str] | None = None,
    dtypes: Iterable[str] = ("float64", "float32"),
    seed: int = 0,
) -> list[Deviation]:
    """Deviations of every installed framework, mode and dtype from the float64 reference.

    ``inputs`` (NumPy arrays in the loss's input order) default to the loss's own
    example (``define_loss(example=...)``); floating inputs are rounded to each dtype.
    """
    spec = lookup(loss) if isinstance(loss, str) else loss
    options = dict(options or {})
    label = options_label(options)
    if inputs is None:
        inputs = spec.example(np.random.default_rng(seed), options)
    frameworks = tuple(frameworks or installed_frameworks())
    gradient_framework = next((f for f in ("jax", "torch", "tensorflow") if f in frameworks), None)
    rows = []
    for dtype in dtypes:
        rounded = tuple(
            np.asarray(value, dtype=dtype) if np.asarray(value).dtype.kind == "f" else np.asarray(value)
            for value in inputs
        )
        exact = tuple(value.astype(np.float64) if value.dtype.kind == "f" else value for value in rounded)
        reference_value, _ = evaluate(spec, "numpy", exact, options, reduction)
        reference_gradient = None
        if gradient_framework is not None:
            _, reference_gradient = evaluate(spec, gradient_framework, exact, options, reduction)
            if dtype == "float64":
                numeric = finite_difference_gradient(spec, exact, options, reduction)
                rows.append(
                    Deviation(spec.name, label, gradient_framework, "finite-differences", dtype, 0.0,
                              _scaled_deviation(reference_gradient, numeric), FINITE_DIFFERENCE_TOLERANCE)
                )
        for framework in frameworks:
            for mode in MODES[framework]:
                try:
                    value, gradient = evaluate(spec, framework, rounded, options, reduction, mode)
                except Exception as error:  # a crash is a FAIL cell, not an aborted report
                    rows.append(Deviation(spec.name, f"{label} ({type(error).__name__}: {error})"[:120],
                                          framework, mode, dtype, float("inf"), None, TOLERANCE[dtype]))
                    continue
                gradient_deviation = (
                    None if gradient is None or reference_gradient is None
                    else _scaled_deviation(gradient, reference_gradient)
                )
                rows.append(
                    Deviation(spec.name, label, framework, mode, dtype,
                              _scaled_deviation(value, reference_value), gradient_deviation, TOLERANCE[dtype])
                )
    return rows


def compare_all(names: Iterable[str] | None = None, **kwargs: Any) -> list[Deviation]:
    """:func:`compare` for every showcase option set of the named (default: all) losses."""
    specs = [lookup(name) for name in names] if names else list(registered())
    return [row for spec in specs for options in spec.showcase for row in compare(spec, options, **kwargs)]
