"""``lossx.curves``: each loss's value and derivative on the grid, evaluated on a backend.

NumPy differentiates by central differences here; torch, JAX and TensorFlow by their
autodiff, through their kernel modules' ``value_and_derivative`` (:mod:`lossx.kernels`)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from .._errors import BackendError, CurveError, MissingFrameworkError
from .._namespace import namespace_of
from .._registry import generic_function
from ..kernels import framework_module
from .definitions import (
    _FRAMEWORK_EXTRAS,
    AUTODIFF_BACKENDS,
    AXIS_TITLES,
    BACKENDS,
    DEFAULT_POINTS,
    DERIVATIVE_METHODS,
    LossEntry,
)
from .requests import _choose_axis, _grid, _Request, _requests


@dataclass(frozen=True, eq=False)
class Curve:
    """One loss on the grid: its value and its derivative with respect to the x quantity.

    ``loss`` is the snake name, ``options`` the options given (validated, read-only),
    ``label`` the name with those options (``"huber (delta=2)"``), ``against`` the x
    quantity and ``x`` its values; ``value`` is the loss per point (``reduction="none"``)
    and ``derivative`` d value / d x per point, None when computed without ``grad``.
    Arrays are float64 and read-only.
    """

    loss: str
    options: Mapping[str, Any]
    label: str
    against: str
    x: np.ndarray
    value: np.ndarray
    derivative: np.ndarray | None


@dataclass(frozen=True, eq=False)
class Curves:
    """What :func:`curves` returns: the curves on one shared x axis, and how they were computed.

    ``backend`` evaluated every loss; ``derivative_method`` says how the derivatives were
    found (``"torch.autograd (float64)"``, ...; None without ``grad``). Iterating, indexing
    and ``len`` go over the :class:`Curve` objects, in the order the losses were given.
    """

    against: str
    x: np.ndarray
    curves: tuple[Curve, ...]
    backend: str
    derivative_method: str | None

    @property
    def x_title(self) -> str:
        """The x axis title, naming the quantity (``"residual r = y_pred − y_true"``)."""
        return AXIS_TITLES[self.against]

    def __iter__(self) -> Iterator[Curve]:
        return iter(self.curves)

    def __len__(self) -> int:
        return len(self.curves)

    def __getitem__(self, index: int) -> Curve:
        return self.curves[index]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _backend(backend: str | None, grad: bool) -> str:
    if backend is None:
        if not grad:
            return "numpy"
        return next((name for name in AUTODIFF_BACKENDS if _installed(name)), "numpy")
    if backend not in BACKENDS:
        raise BackendError(f"backend={backend!r} is not one curves evaluates on; use one of {', '.join(BACKENDS)}.")
    if backend != "numpy" and not _installed(backend):
        installed = ", ".join(name for name in BACKENDS if name == "numpy" or _installed(name))
        missing = MissingFrameworkError(
            f"backend={backend!r} needs {backend}, which is not installed; install it with "
            f"pip install 'lossx[{_FRAMEWORK_EXTRAS[backend]}]'. Installed here: {installed}."
        )
        missing.name = backend
        raise missing
    return backend


def _central_differences(function: Callable[[Any], Any], x: np.ndarray, against: str) -> np.ndarray:
    step = 1e-6 * np.maximum(1.0, np.abs(x))
    if against == "probability":
        step = np.minimum(step, np.minimum(x, 1.0 - x) / 2)
    above, below = (np.asarray(function(x + sign * step), dtype=np.float64) for sign in (1.0, -1.0))
    return (above - below) / (2 * step)


@overload
def _readonly(array: np.ndarray) -> np.ndarray: ...


@overload
def _readonly(array: None) -> None: ...


def _readonly(array: np.ndarray | None) -> np.ndarray | None:
    """A read-only float64 copy of ``array`` (None stays None)."""
    if array is None:
        return None
    array = np.array(array, dtype=np.float64)
    array.setflags(write=False)
    return array


def _evaluate(request: _Request, x: np.ndarray, against: str, backend: str, grad: bool) -> Curve:
    loss = generic_function(request.spec.name)
    n = x.shape[0]

    def values_at(points: Any) -> Any:
        xp = namespace_of(points)
        values = loss(
            *request.probe.inputs(xp, points, n, against, request.options), reduction="none", **request.options
        )
        if tuple(values.shape) != (n,):
            raise CurveError(
                f"{request.label} gives values of shape {tuple(values.shape)} for {n} points, not one "
                "value per point; leave out options that keep the class axis (such as pointwise=True)."
            )
        return values

    module = framework_module(backend)
    assert module is not None  # _backend took one of BACKENDS, each with a kernel module
    value, derivative = module.value_and_derivative(values_at, x, grad)
    if grad and derivative is None:  # NumPy has no autodiff
        derivative = _central_differences(values_at, x, against)
    return Curve(request.spec.name, request.options, request.label, against, x, _readonly(value), _readonly(derivative))


def curves(
    losses: LossEntry | Sequence[LossEntry],
    *,
    against: str | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    backend: str | None = None,
    grad: bool = True,
    x_range: tuple[float, float] | None = None,
    points: int = DEFAULT_POINTS,
) -> Curves:
    """The value and the derivative of each loss against one quantity, computed by lossx.

    ``losses``: one entry or a sequence of them; an entry is a loss name (snake, class or
    alias: ``"huber"``, ``"Huber"``, ``"mse"``), a name with options (``"huber:delta=2"``,
    ``"focal:gamma=2,from_logits=true"``) or a ``(name, options)`` pair. The same loss may
    appear several times with different options. ``options`` maps a loss name to options
    for every entry of that loss, overriding the entry's own (the command line's
    ``--option huber.delta=2``).

    ``against``: the x quantity, one of :data:`AXES`; ``None`` takes the first loss's
    default (the residual for regression losses, the probability of the true class for
    cross-entropies, the margin for hinge and soft-margin losses) or, when another loss
    does not accept it, the first of its other axes that every loss accepts. An axis
    that does not fit a loss, or losses with no axis in common, raise :class:`CurveError`
    naming the axes each loss accepts. A loss meets the axis this way:

    * residual ``r``: ``y_pred = r``, ``y_true = 0`` (``gaussian_nll``: variance 1);
    * margin ``m``: the score of the true class (``y_true = 1`` for hinge-type losses; for
      class-axis losses two classes, scores ``[m, 0]`` with class 0 true; for
      ``margin_ranking`` ``input1 − input2 = m`` with target 1);
    * probability ``p`` and logit ``z`` of the true class: two classes with class 0 (or
      the positive label) true and ``p = σ(z)``; the prediction is passed in the form the
      options ask for (probabilities, ``from_logits=True`` logits, log-probabilities for
      ``nll`` and ``log_input=True``), so the curve is the same function of ``p`` whatever
      the form. For cross-entropies the margin is the logit.

    ``backend``: ``"numpy"``, ``"torch"``, ``"jax"`` or ``"tensorflow"``. Every loss is
    evaluated in float64 with ``reduction="none"``; the derivative d loss / d x comes from
    the backend's autodiff (``torch.autograd``, ``jax.vjp``, ``tf.GradientTape``) through the
    construction above. NumPy has no autodiff: on ``"numpy"`` the derivative is a central
    difference in float64 (step ``1e-6·max(1, |x|)``, about 1e-9 relative error on smooth
    losses, the mean of both sides at a kink). ``None`` picks the first installed of torch,
    jax and tensorflow, else numpy; without ``grad`` (no derivative) it picks numpy.
    At a kink (``|r|`` at 0, the hinge at 1) autodiff gives the framework's subgradient.

    ``x_range``: ``(low, high)``, by default :data:`lossx._curves.definitions.DEFAULT_RANGES`; ``points`` grid points.

    Unknown losses raise :class:`lossx.UnknownLossError`; unknown or out-of-range options
    the loss's own :class:`lossx.UnknownOptionError` / :class:`lossx.OptionValueError`.
    """
    requests = _requests(losses, options)
    axis = _choose_axis(requests, against)
    x = _grid(axis, x_range, points)
    chosen = _backend(backend, grad)
    x_values = _readonly(x)
    return Curves(
        axis,
        x_values,
        tuple(_evaluate(r, x_values, axis, chosen, grad) for r in requests),
        chosen,
        DERIVATIVE_METHODS[chosen] if grad else None,
    )
