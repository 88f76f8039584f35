"""Testing helpers: run one loss on every installed framework and compare.

These are what ``lossx compare`` uses, and what a user checks a custom loss with::

    import lossx.testing
    result = lossx.testing.compare("my_loss")
    print(result.summary)        # my_loss: 13 cells, 13 passed, 0 failed; worst value deviation ...
    assert result.passed, result

:func:`compare` returns a :class:`Comparison`: a sequence of :class:`Deviation` rows,
one per (framework, mode, dtype) cell, so ``all(row.passed for row in result)`` works
too. A cell whose framework raised keeps the exception in its ``error`` field.

The reference value is the loss evaluated by NumPy in float64 on the same
(dtype-rounded) inputs; the reference gradient is float64 automatic
differentiation by the first installed framework of JAX, torch, TensorFlow, and
is itself checked against float64 central finite differences (row mode
``finite-differences``). Tolerances are the numerical promise's (docs/semantics.md): relative 1e-12 for float64 and
1e-5 for float32, measured against ``max(1, max|reference|)``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np

from ._registry import lookup, registered
from ._spec import LossSpec
from .kernels import framework_module
from .presets import Preset, presets

__all__ = [
    "FRAMEWORKS",
    "TOLERANCE",
    "FINITE_DIFFERENCES",
    "Deviation",
    "Comparison",
    "installed_frameworks",
    "evaluate",
    "compare",
    "compare_all",
    "DROP_IN",
    "DropIn",
    "compare_drop_in",
    "drop_ins",
    "iterate_all",
    "keras_engine",
    "value_and_gradient",
]

FRAMEWORKS = ("numpy", "torch", "jax", "tensorflow", "keras")
#: Per framework: the generic function (eager, and compiled where the framework compiles)
#: and the adapter's class ("class"). Keras's classes follow Keras's conventions, not the
#: generic reference's, so they are checked against Keras's own classes instead
#: (:func:`compare_drop_in`), as are the torch presets against torch's.
MODES = {
    "numpy": ("eager", "class"),
    "torch": ("eager", "class"),
    "jax": ("eager", "jit", "class"),
    "tensorflow": ("eager", "function"),
    "keras": (),
}
#: The mode of the rows that check a class with a framework's own name against that framework's class.
DROP_IN = "drop-in"
TOLERANCE = {"float64": 1e-12, "float32": 1e-5}
FINITE_DIFFERENCE_TOLERANCE = 1e-6
#: The mode of the row that checks the reference gradient against finite differences.
FINITE_DIFFERENCES = "finite-differences"
#: Failing cells a Comparison's repr shows, one line each.
_REPR_FAILURES = 10


@dataclass(frozen=True)
class Deviation:
    """The largest scaled deviation of one (framework, mode, dtype) cell from the reference.

    ``value`` and ``gradient`` are max|Δ| / max(1, max|reference|); None where nothing was
    measured: no gradient on NumPy, no value in the ``finite-differences`` row (which checks
    the reference gradient itself), neither when the framework raised, whose exception is
    then ``error`` (``"TypeError: ..."``). ``options`` is only the option set's label.
    """

    loss: str
    options: str
    framework: str
    mode: str
    dtype: str
    value: float | None
    gradient: float | None
    tolerance: float
    error: str | None = None

    @property
    def passed(self) -> bool:
        measured = [d for d in (self.value, self.gradient) if d is not None]
        return self.error is None and bool(measured) and all(np.isfinite(d) and d <= self.tolerance for d in measured)

    @property
    def cell(self) -> str:
        """``torch eager float32``: where this row was measured."""
        return f"{self.framework} {self.mode} {self.dtype}"

    @property
    def problem(self) -> str | None:
        """Why the cell failed, in one line (None when it passed); ``error`` has the whole exception."""
        if self.passed:
            return None
        if self.error is not None:
            return f"raised {_one_line(self.error)}"
        if self.value is None and self.gradient is None:
            return "nothing was measured"
        return ", ".join(
            f"{what} deviation {_number(deviation)} above the tolerance {self.tolerance:.0e}"
            for what, deviation in (("value", self.value), ("gradient", self.gradient))
            if deviation is not None and not (np.isfinite(deviation) and deviation <= self.tolerance)
        )


def _one_line(error: str) -> str:
    """An exception's gist: its first line, or its last where the first only introduces a traceback.

    (TensorFlow re-raises an error from inside a ``tf.function`` as "in user code:", the
    traced frames, and the original message last.)
    """
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    if not lines:
        return error
    return lines[-1] if lines[0].endswith(":") else lines[0]


def _number(deviation: float) -> str:
    return f"{deviation:.1e}" if np.isfinite(deviation) else str(deviation)


def _closeness(deviation: float, tolerance: float) -> float:
    """How near ``deviation`` is to failing: the fraction of the tolerance it uses (NaN counts as infinite)."""
    return deviation / tolerance if not np.isnan(deviation) else float("inf")


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True, repr=False)
class Comparison(Sequence[Deviation]):
    """What :func:`compare` and :func:`compare_all` return: the cells' rows and their verdict.

    A read-only sequence of :class:`Deviation` (iterate, index, ``len``) with ``passed``
    (every cell passed), ``failures`` and a one-line ``summary``; its repr is the summary
    followed by one line per failing cell. It has no truth value: ``assert result`` would
    pass on failures, so it raises; write ``assert result.passed, result``.
    """

    rows: tuple[Deviation, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Deviation: ...

    @overload
    def __getitem__(self, index: slice) -> Comparison: ...

    def __getitem__(self, index):
        return Comparison(self.rows[index]) if isinstance(index, slice) else self.rows[index]

    def __iter__(self) -> Iterator[Deviation]:
        return iter(self.rows)

    def __bool__(self) -> bool:
        raise TypeError(
            "A lossx.testing.Comparison has no truth value: use .passed (every cell passed), .failures or len()."
        )

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(row.passed for row in self.rows)

    @property
    def failures(self) -> tuple[Deviation, ...]:
        return tuple(row for row in self.rows if not row.passed)

    @property
    def summary(self) -> str:
        """One line: what was compared, how many cells passed, the worst deviations and the first failure."""
        if not self.rows:
            return "nothing compared: no cells"
        losses = list(dict.fromkeys(row.loss for row in self.rows))
        option_sets = list(dict.fromkeys((row.loss, row.options) for row in self.rows if row.mode != DROP_IN))
        classes = list(dict.fromkeys((row.loss, row.options) for row in self.rows if row.mode == DROP_IN))
        counted = ", ".join(
            f"{len(found)} {what}{'s' if len(found) != 1 else ''}"
            for found, what in ((option_sets, "option set"), (classes, "drop-in class"))
            if found
        )
        if len(losses) > 1:
            subject = f"{len(losses)} losses, {counted}"
        elif len(option_sets) + len(classes) > 1:
            subject = f"{losses[0]}, {counted}"
        else:
            options = self.rows[0].options
            subject = losses[0] if options == options_label({}) else f"{losses[0]} ({options})"

        def where(row: Deviation) -> str:
            if len(losses) > 1:
                return f"{row.loss} ({row.options}): {row.cell}"
            return f"{row.options}: {row.cell}" if len(option_sets) > 1 else row.cell

        failures = self.failures
        cells = f"{len(self.rows)} cell{'s' if len(self.rows) != 1 else ''}"
        text = f"{subject}: {cells}, {len(self.rows) - len(failures)} passed, {len(failures)} failed"
        for what in ("value", "gradient"):
            measured = [row for row in self.rows if getattr(row, what) is not None]
            if measured:
                worst = max(measured, key=lambda row: _closeness(getattr(row, what), row.tolerance))
                text += (
                    f"; worst {what} deviation {_number(getattr(worst, what))} "
                    f"({where(worst)}, tolerance {worst.tolerance:.0e})"
                )
        if failures:
            text += f"; first failure: {where(failures[0])} {failures[0].problem}"
        return text

    def __repr__(self) -> str:
        failures = self.failures
        lines = [f"<Comparison {self.summary}"]
        for row in failures[:_REPR_FAILURES]:
            lines.append(f"  FAIL {row.loss} ({row.options}) {row.cell}: {row.problem}")
        if len(failures) > _REPR_FAILURES:
            lines.append(f"  ... and {len(failures) - _REPR_FAILURES} more failing cells (.failures has them all)")
        return "\n".join(lines) + ">"


def keras_engine() -> str:
    """The engine Keras runs on in this process (imported or not): tensorflow, jax or torch."""
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        return str(keras.backend.backend())
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    settings = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        return str(json.loads(settings.read_text()).get("backend", "tensorflow"))
    except (OSError, ValueError):
        return "tensorflow"


def installed_frameworks() -> tuple[str, ...]:
    """Frameworks importable here (found without importing them); ``keras`` with the engine it would run on."""

    def found(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    return tuple(
        f
        for f in FRAMEWORKS
        if f == "numpy" or (found("keras") and found(keras_engine()) if f == "keras" else found(f))
    )


def options_label(options: Mapping[str, Any]) -> str:
    """A short, stable label for an option set (``from_logits,ls=0.1``)."""
    parts = []
    for name, value in options.items():
        parts.append(name if value is True else f"{name}={value}")
    return ", ".join(parts) or "defaults"


# ------------------------------------------------------------------ evaluation


def value_and_gradient(
    framework: str, function: Callable[..., Any], inputs: Sequence[np.ndarray], compiled: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """``function(*inputs)`` on ``framework``'s tensors and the gradient of its sum w.r.t. the first input.

    Both as float64 NumPy; NumPy gives no gradient. ``compiled``: under ``jax.jit`` or
    ``tf.function(jit_compile=True)``.
    """
    if framework == "keras":  # a Keras loss computes on the tensors of the engine it runs on
        framework = keras_engine()
    if framework == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow's import: its start-up logs are noise
    return _framework_module(framework).value_and_gradient(function, inputs, compiled)


def _framework_module(framework: str) -> Any:
    module = framework_module(framework)
    if module is None:
        raise ValueError(f"lossx.testing compares on {', '.join(FRAMEWORKS[:-1])}; got {framework!r}.")
    return module


def keras_in_lossx_order(loss: Any) -> Callable[..., Any]:
    """A Keras loss object called as ``(y_pred, y_true)``, lossx's order."""
    return lambda y_pred, y_true: loss(y_true, y_pred)


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
    Modes: ``eager`` (the generic function), ``jit`` and ``function`` (it, compiled),
    ``class`` (the adapter's class, built with ``reduction`` and ``options``).
    """
    spec = lookup(loss) if isinstance(loss, str) else loss
    options = dict(options or {})
    if mode == "class":
        from .backends import load

        made = getattr(load(framework), spec.camel_name)(reduction=reduction, **options)
        return value_and_gradient(framework, made, inputs)
    return value_and_gradient(
        framework, functools.partial(spec, reduction=reduction, **options), inputs, compiled=mode != "eager"
    )


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


def _rounded(inputs: Sequence[Any], dtype: str) -> tuple[np.ndarray, ...]:
    """The inputs as NumPy arrays, floating ones rounded to ``dtype``."""
    arrays = tuple(np.asarray(value) for value in inputs)
    return tuple(array.astype(dtype) if array.dtype.kind == "f" else array for array in arrays)


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
) -> Comparison:
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
        rounded = _rounded(inputs, dtype)
        exact = tuple(value.astype(np.float64) if value.dtype.kind == "f" else value for value in rounded)
        reference_value, _ = evaluate(spec, "numpy", exact, options, reduction)
        reference_gradient = None
        if gradient_framework is not None:
            try:
                _, reference_gradient = evaluate(spec, gradient_framework, exact, options, reduction)
            except Exception as error:  # no reference gradient: its own FAIL cell; values are still compared
                rows.append(
                    Deviation(
                        spec.name,
                        label,
                        gradient_framework,
                        FINITE_DIFFERENCES,
                        dtype,
                        None,
                        None,
                        FINITE_DIFFERENCE_TOLERANCE,
                        error=_error_text(error),
                    )
                )
        if gradient_framework is not None and reference_gradient is not None and dtype == "float64":
            numeric = finite_difference_gradient(spec, exact, options, reduction)
            rows.append(
                Deviation(
                    spec.name,
                    label,
                    gradient_framework,
                    FINITE_DIFFERENCES,
                    dtype,
                    None,
                    _scaled_deviation(reference_gradient, numeric),
                    FINITE_DIFFERENCE_TOLERANCE,
                )
            )
        for framework in frameworks:
            for mode in MODES[framework]:
                try:
                    value, gradient = evaluate(spec, framework, rounded, options, reduction, mode)
                except Exception as error:  # a crash is a FAIL cell, not an aborted report
                    rows.append(
                        Deviation(
                            spec.name,
                            label,
                            framework,
                            mode,
                            dtype,
                            None,
                            None,
                            TOLERANCE[dtype],
                            error=_error_text(error),
                        )
                    )
                    continue
                gradient_deviation = (
                    None
                    if gradient is None or reference_gradient is None
                    else _scaled_deviation(gradient, reference_gradient)
                )
                rows.append(
                    Deviation(
                        spec.name,
                        label,
                        framework,
                        mode,
                        dtype,
                        _scaled_deviation(value, reference_value),
                        gradient_deviation,
                        TOLERANCE[dtype],
                    )
                )
    return Comparison(tuple(rows))


@dataclass(frozen=True)
class DropIn:
    """A lossx class named like one of a framework's own: a preset, or a Keras class of Keras's name."""

    framework: str
    name: str
    loss: str
    preset: Preset | None = None

    def example_inputs(self, rng: np.random.Generator) -> tuple:
        """NumPy inputs in the framework's layout (a Keras loss receives ``(y_pred, y_true)`` only)."""
        if self.preset is not None:
            inputs = self.preset.example_inputs(rng)
        else:
            spec = lookup(self.loss)
            inputs = spec.example(rng, spec.validate({}))
        return inputs[:2] if self.framework == "keras" else inputs


def drop_ins(loss: str | None = None) -> tuple[DropIn, ...]:
    """Every class lossx gives a framework's own name (of ``loss``, or all), presets first.

    Found without importing a framework: presets are declared data, and a Keras class of
    Keras's name is one whose CamelCase name is in :data:`KERAS_OWN_NAMES`.
    """
    found = [DropIn(p.framework, p.name, p.loss, p) for p in presets()]
    taken = {(d.framework, d.name) for d in found}
    found += [
        DropIn("keras", spec.camel_name, spec.name)
        for spec in registered()
        if spec.camel_name in KERAS_OWN_NAMES and ("keras", spec.camel_name) not in taken
    ]
    return tuple(d for d in found if loss in (None, d.loss))


#: keras.losses classes whose name is a lossx loss's own class name (lossx's Keras class is
#: then the drop-in); those with other names are presets.
KERAS_OWN_NAMES = frozenset(
    {
        "CategoricalHinge",
        "CosineSimilarity",
        "Hinge",
        "Huber",
        "LogCosh",
        "MeanAbsoluteError",
        "MeanAbsolutePercentageError",
        "MeanSquaredError",
        "MeanSquaredLogarithmicError",
        "Poisson",
        "SquaredHinge",
    }
)


def _own_class(drop_in: DropIn) -> Callable[..., Any] | None:
    return importlib.import_module(f"lossx.kernels.{drop_in.framework}").loss_class(drop_in.name)


def compare_drop_in(drop_in: DropIn, *, dtypes: Iterable[str] = ("float64", "float32"), seed: int = 0) -> Comparison:
    """A lossx class with a framework's own name against that framework's class, both with default arguments.

    The reference is the framework's loss itself (``torch.nn.CrossEntropyLoss()``,
    ``keras.losses.Dice()``), evaluated in the same dtype on the same example inputs (in the
    framework's layout): value and gradient w.r.t. the prediction. Empty where the installed
    framework has no class of that name. Keras is compared in float32 only: Keras computes
    parts of float64 losses in float32 (its reductions on the JAX and torch engines, its CTC on
    TensorFlow), so a float64 comparison would measure Keras's rounding, not lossx's
    (docs/framework-differences.md). Where Keras renormalises probabilities
    (``Preset.renormalised_gradient``) gradients are compared with their class-axis mean removed.
    """
    theirs_class = _own_class(drop_in)
    if theirs_class is None:
        return Comparison(())
    from .backends import load

    ours_class = getattr(load(drop_in.framework), drop_in.name)
    keras_side = drop_in.framework == "keras"
    engine = keras_engine() if keras_side else "torch"
    inputs = drop_in.example_inputs(np.random.default_rng(seed))
    label = f"{drop_in.framework} {drop_in.name}"
    rows = []
    for dtype in dtypes:
        if keras_side and dtype == "float64":
            continue
        rounded = _rounded(inputs, dtype)
        ours, theirs = (
            (keras_in_lossx_order(cls(dtype=dtype)) if keras_side else cls()) for cls in (ours_class, theirs_class)
        )
        try:
            with warnings.catch_warnings():  # e.g. torch's KLDivLoss() warns about its own default reduction
                warnings.simplefilter("ignore")
                reference_value, reference_gradient = value_and_gradient(engine, theirs, rounded)
            value, gradient = value_and_gradient(engine, ours, rounded)
        except Exception as error:  # a crash is a FAIL cell, not an aborted report
            rows.append(
                Deviation(
                    drop_in.loss,
                    label,
                    drop_in.framework,
                    DROP_IN,
                    dtype,
                    None,
                    None,
                    TOLERANCE[dtype],
                    error=_error_text(error),
                )
            )
            continue
        # Both run on torch or on Keras's engine, which give gradients (only NumPy gives none).
        assert gradient is not None and reference_gradient is not None
        if drop_in.preset is not None and drop_in.preset.renormalised_gradient:
            axis = drop_in.preset.lossx_options({}).get("axis", -1)
            gradient, reference_gradient = (
                g - np.mean(g, axis=axis, keepdims=True) for g in (gradient, reference_gradient)
            )
        rows.append(
            Deviation(
                drop_in.loss,
                label,
                drop_in.framework,
                DROP_IN,
                dtype,
                _scaled_deviation(value, reference_value),
                _scaled_deviation(gradient, reference_gradient),
                TOLERANCE[dtype],
            )
        )
    return Comparison(tuple(rows))


def compare_all(
    names: Iterable[str] | None = None, *, frameworks: Iterable[str] | None = None, **kwargs: Any
) -> Comparison:
    """:func:`compare` for every showcase option set of the named (default: all) losses, and
    :func:`compare_drop_in` for their classes with a framework's own name, where that framework
    is among ``frameworks``, as one :class:`Comparison`."""
    return Comparison(tuple(row for part in iterate_all(names, frameworks=frameworks, **kwargs) for row in part))


def iterate_all(
    names: Iterable[str] | None = None, *, frameworks: Iterable[str] | None = None, **kwargs: Any
) -> Iterator[Comparison]:
    """:func:`compare_all`'s comparisons one at a time (an option set or a drop-in class each), for progress
    displays."""
    specs = [lookup(name) for name in names] if names else list(registered())
    frameworks = tuple(frameworks or installed_frameworks())
    dtypes = tuple(kwargs.get("dtypes", ("float64", "float32")))
    for spec in specs:
        for options in spec.showcase:
            yield compare(spec, options, frameworks=frameworks, **kwargs)
        for drop_in in drop_ins(spec.name):
            if drop_in.framework in frameworks:
                yield compare_drop_in(drop_in, dtypes=dtypes, seed=kwargs.get("seed", 0))
