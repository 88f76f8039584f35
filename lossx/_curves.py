"""Loss curves: the value and the derivative of losses against one quantity.

* :func:`curves` evaluates losses with ``reduction="none"`` on a grid of one quantity
  (the residual, the margin, the probability of the true class or its logit) on a
  backend, and differentiates them with that backend's autodiff; it needs NumPy only.
* :func:`plot` draws them on a matplotlib Figure (the optional extra ``lossx[plot]``).
* ``lossx plot LOSS...`` writes that Figure to a PNG, SVG or PDF file.

docs/gallery.md shows the figures and describes the API.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence, Union

import numpy as np

from . import losses as _builtin
from . import primitives as P
from ._errors import BackendError, CurveError, MissingFrameworkError
from ._namespace import namespace_of
from ._options import parse_loss_entry, parse_value
from ._registry import LossSpec, generic_function, lookup

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.console import Console

__all__ = ["AXES", "BACKENDS", "Curve", "CurveError", "Curves", "curves", "plot", "add_command", "run"]

#: The quantities a curve can be drawn against.
AXES = ("residual", "margin", "probability", "logit")
#: The backends that evaluate a curve; torch, jax and tensorflow differentiate it by autodiff.
BACKENDS = ("numpy", "torch", "jax", "tensorflow")
#: The default backend with ``grad=True``: the first of these that is installed, else NumPy.
AUTODIFF_BACKENDS = ("torch", "jax", "tensorflow")
#: How each backend finds the derivative.
DERIVATIVE_METHODS = {
    "numpy": "central differences (NumPy, float64)",
    "torch": "torch.autograd (float64)",
    "jax": "jax.vjp (float64)",
    "tensorflow": "tf.GradientTape (float64)",
}
#: The default range of each quantity.
DEFAULT_RANGES = {"residual": (-3.0, 3.0), "margin": (-3.0, 3.0), "probability": (0.01, 0.99), "logit": (-6.0, 6.0)}
#: An even number of points keeps kinks at round numbers (|r| at 0, the hinge at 1) off the grid.
DEFAULT_POINTS = 500
#: Axis titles, and the symbol the derivative is taken with respect to.
AXIS_TITLES = {
    "residual": "residual r = y_pred − y_true",
    "margin": "margin m = y·f  (y = ±1, f the score)",
    "probability": "probability p of the true class",
    "logit": "logit z of the true class",
}
AXIS_SYMBOLS = {"residual": "r", "margin": "m", "probability": "p", "logit": "z"}
#: The file formats ``lossx plot`` writes.
FORMATS = (".png", ".svg", ".pdf")
_PLOT_EXTRA = "pip install 'lossx[plot]'"
_FRAMEWORK_EXTRAS = {"torch": "torch", "jax": "jax", "tensorflow": "keras"}

#: A loss entry: a name (``"huber"``), a name with options (``"huber:delta=2"``) or a (name, options) pair.
LossEntry = Union[str, tuple[str, Mapping[str, Any]]]


# ------------------------------------------------------------------ what is plotted


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


# ------------------------------------------------------------------ how each loss's inputs are built from x


def _true_class(xp: Any, x: Any, against: str) -> tuple[Any, Any, Any, Any, Any]:
    """``(p, 1 − p, log p, log(1 − p), z)`` of the true class at ``x``, in ``x``'s framework.

    On the probability axis x is p, and z = log p − log(1 − p); on the logit and margin
    axes x is z (the true class's logit, the other class's being 0) and p = σ(z). Every
    entry is a function of x, so autodiff carries the derivative to x whichever form the
    loss reads.
    """
    if against == "probability":
        log_p, log_q = xp.log(x), xp.log1p(-x)
        return x, 1.0 - x, log_p, log_q, log_p - log_q
    return P.sigmoid(x), P.sigmoid(-x), P.log_sigmoid(x), P.log_sigmoid(-x), x


def _two_columns(xp: Any, first: Any, second: Any) -> Any:
    return xp.stack([first, second], axis=-1)


def _regression_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.zeros(n)


def _unit_variance_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.zeros(n), np.ones(n)


def _binary_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    p, _, _, _, z = _true_class(xp, x, against)
    return (z if options.get("from_logits") else p), np.ones(n)


def _logistic_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return _true_class(xp, x, against)[4], np.ones(n)


def _multilabel_logistic_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return xp.expand_dims(_true_class(xp, x, against)[4], axis=-1), np.ones((n, 1))


def _score_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.ones(n)


def _ranking_inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
    return x, np.zeros(n), np.ones(n)


def _two_class_target(spec: LossSpec, n: int, options: Mapping[str, Any]) -> np.ndarray:
    """The true class is class 0: label 0, a label list ``[0, −1]`` or the one-hot row ``[1, 0]``."""
    kind = spec.target.kind
    if kind == "labels":
        return np.zeros(n, dtype=np.int64)
    if kind == "label_lists":
        return np.tile(np.array([0, -1], dtype=np.int64), (n, 1))
    one_hot = np.tile([1.0, 0.0], (n, 1))
    if options.get("log_target"):
        with np.errstate(divide="ignore"):
            return np.log(one_hot)
    return one_hot


def _two_class_scores(spec: LossSpec) -> Callable[..., tuple]:
    def inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
        return _two_columns(xp, x, xp.zeros_like(x)), _two_class_target(spec, n, options)

    return inputs


def _two_class_distribution(spec: LossSpec, log_probabilities: bool = False) -> Callable[..., tuple]:
    """Inputs of a two-class probabilistic loss, in the form its options ask for.

    ``log_probabilities``: the loss always reads log-probabilities (nll); otherwise
    ``log_input=True`` gives log-probabilities, ``from_logits=True`` logits, and
    probabilities by default.
    """

    def inputs(xp: Any, x: Any, n: int, against: str, options: Mapping[str, Any]) -> tuple:
        p, q, log_p, log_q, z = _true_class(xp, x, against)
        if log_probabilities or options.get("log_input"):
            prediction = _two_columns(xp, log_p, log_q)
        elif options.get("from_logits"):
            prediction = _two_columns(xp, z, xp.zeros_like(z))
        else:
            prediction = _two_columns(xp, p, q)
        return prediction, _two_class_target(spec, n, options)

    return inputs


@dataclass(frozen=True)
class _Probe:
    """How a loss meets the x axis: the quantities it accepts (its default first) and its inputs at x."""

    axes: tuple[str, ...]
    inputs: Callable[..., tuple]


_REGRESSION = _Probe(("residual",), _regression_inputs)
_PROBABILISTIC_AXES = ("probability", "logit", "margin")
_LOGISTIC_AXES = ("margin", "logit", "probability")


def _probes() -> dict[str, _Probe]:
    def distribution(name: str, **kwargs: bool) -> _Probe:
        return _Probe(_PROBABILISTIC_AXES, _two_class_distribution(lookup(name), **kwargs))

    def scores(name: str) -> _Probe:
        return _Probe(("margin",), _two_class_scores(lookup(name)))

    return {
        **{name: _REGRESSION for name in ("mean_squared_error", "mean_absolute_error", "huber", "smooth_l1",
                                          "log_cosh", "quantile")},
        "gaussian_nll": _Probe(("residual",), _unit_variance_inputs),
        "binary_cross_entropy": _Probe(("probability", "margin", "logit"), _binary_inputs),
        "binary_focal_cross_entropy": _Probe(("probability", "margin", "logit"), _binary_inputs),
        **{name: distribution(name) for name in (
            "categorical_cross_entropy", "sparse_categorical_cross_entropy", "categorical_focal_cross_entropy",
            "sparse_categorical_focal_cross_entropy", "poly_cross_entropy", "generalized_cross_entropy",
            "kl_divergence")},
        "nll": distribution("nll", log_probabilities=True),
        "hinge": _Probe(("margin",), _score_inputs),
        "squared_hinge": _Probe(("margin",), _score_inputs),
        "soft_margin": _Probe(_LOGISTIC_AXES, _logistic_inputs),
        "multilabel_soft_margin": _Probe(_LOGISTIC_AXES, _multilabel_logistic_inputs),
        **{name: scores(name) for name in ("categorical_hinge", "multi_margin", "multilabel_margin")},
        "margin_ranking": _Probe(("margin",), _ranking_inputs),
    }


_PROBES: dict[str, _Probe] = _probes()

#: Why a built-in loss has no curve against one quantity.
_NO_CURVE = {
    **dict.fromkeys(
        ("mean_absolute_percentage_error", "mean_squared_logarithmic_error", "poisson"),
        "its value depends on y_true itself, not only on the residual y_pred − y_true"),
    **dict.fromkeys(("cosine_similarity", "cosine_embedding"),
                    "it compares the directions of two vectors, not one residual, margin or probability"),
    **dict.fromkeys(("dice", "tversky", "jaccard"),
                    "it scores the overlap of a whole region, not one prediction"),
    "hinge_embedding": "its input is a distance between embeddings, not a residual, margin or probability",
    **dict.fromkeys(("triplet_margin", "ntxent", "circle"),
                    "it compares several embeddings with each other, not one prediction with a target"),
    "ctc": "it scores whole sequences of class probabilities, not one prediction",
}

#: Options that describe the layout of the inputs, which curves builds itself.
_LAYOUT_OPTIONS = ("axis",)


def _probe(spec: LossSpec) -> _Probe:
    found = _PROBES.get(spec.name)
    if found is not None:
        return found
    if spec.name not in _builtin.__all__:
        kinds = tuple(i.kind for i in spec.inputs)
        if kinds == ("prediction", "dense") and not spec.class_axis and not spec.probabilities:
            return _REGRESSION
        reason = "lossx draws a custom loss against the residual only when it is elementwise with inputs " \
                 "(y_pred, y_true)"
    else:
        reason = _NO_CURVE[spec.name]
    plottable = ", ".join(_PROBES)
    raise CurveError(f"{spec.name} has no curve against one quantity: {reason}. The losses lossx draws: {plottable}.")


# ------------------------------------------------------------------ loss entries and their options


def _parse_entry(entry: LossEntry) -> tuple[str, dict[str, Any]]:
    """``"huber:delta=2,…"``, ``"huber"`` or ``("huber", {"delta": 2})`` as (name, options)."""
    if isinstance(entry, str):
        return parse_loss_entry(entry, CurveError)
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], Mapping):
        return entry[0], dict(entry[1])
    raise CurveError(f"a loss is a name ('huber'), a name with options ('huber:delta=2') or a (name, options) "
                     f"pair such as ('huber', {{'delta': 2.0}}); got {entry!r}.")


def parse_option_flag(text: str) -> tuple[str, str, Any]:
    """``--option huber.delta=2`` as ``("huber", "delta", 2)``."""
    target, equals, value = text.partition("=")
    loss, dot, key = target.partition(".")
    if not (equals and dot and loss.strip() and key.strip() and value.strip()):
        raise CurveError(f"--option {text!r}: write it as LOSS.KEY=VALUE, e.g. --option huber.delta=2.")
    return loss.strip(), key.strip(), parse_value(value)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def options_text(options: Mapping[str, Any]) -> str:
    """``delta=2, from_logits=True``: options as a legend shows them."""
    return ", ".join(f"{key}={_format_value(value)}" for key, value in options.items())


@dataclass(frozen=True)
class _Request:
    spec: LossSpec
    options: Mapping[str, Any]
    probe: _Probe

    @property
    def label(self) -> str:
        return f"{self.spec.name} ({options_text(self.options)})" if self.options else self.spec.name


def _requests(losses: LossEntry | Sequence[LossEntry],
              options: Mapping[str, Mapping[str, Any]] | None) -> list[_Request]:
    entries = [losses] if isinstance(losses, (str, tuple)) else list(losses)
    if not entries:
        raise CurveError("no losses given; name at least one, e.g. curves(['huber', 'mse']).")
    parsed = [(lookup(name), given) for name, given in map(_parse_entry, entries)]
    for name, extra in (options or {}).items():
        spec = lookup(name)
        if spec.name not in [entry_spec.name for entry_spec, _ in parsed]:
            raise CurveError(f"options are given for {spec.name}, which is not among the losses drawn "
                             f"({', '.join(entry_spec.name for entry_spec, _ in parsed)}).")
        for entry_spec, given in parsed:
            if entry_spec.name == spec.name:
                given.update(extra)
    requests = []
    for spec, given in parsed:
        probe = _probe(spec)
        layout = [key for key in given if key in _LAYOUT_OPTIONS]
        if layout:
            raise CurveError(f"{spec.name}: leave out {', '.join(layout)}; curves builds the inputs itself "
                             "(classes on the last axis).")
        validated = spec.validate(given)
        requests.append(_Request(spec, types.MappingProxyType({key: validated[key] for key in given}), probe))
    return requests


def _choose_axis(requests: Sequence[_Request], against: str | None) -> str:
    def accepted() -> str:
        return "; ".join(f"{r.spec.name}: {', '.join(r.probe.axes)}" for r in requests)

    if against is not None:
        if against not in AXES:
            raise CurveError(f"against={against!r} is not a quantity lossx draws against; use one of "
                             f"{', '.join(AXES)}.")
        refusing = [r for r in requests if against not in r.probe.axes]
        if refusing:
            raise CurveError(f"{', '.join(r.spec.name for r in refusing)} cannot be drawn against the {against}. "
                             f"Each loss accepts: {accepted()}.")
        return against
    first = requests[0].probe.axes
    if all(first[0] in r.probe.axes for r in requests):
        return first[0]
    shared = [axis for axis in first if all(axis in r.probe.axes for r in requests)]
    if not shared:
        raise CurveError(f"these losses share no x axis, so they cannot be drawn together; draw them separately. "
                         f"Each loss accepts: {accepted()}.")
    return shared[0]


def _grid(against: str, x_range: tuple[float, float] | None, points: int) -> np.ndarray:
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise CurveError(f"points={points!r}: give an integer of at least 2.")
    low, high = DEFAULT_RANGES[against] if x_range is None else (float(x_range[0]), float(x_range[1]))
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise CurveError(f"x_range=({low:g}, {high:g}): give two finite numbers, the lower first.")
    if against == "probability" and not 0.0 < low < high < 1.0:
        raise CurveError(f"x_range=({low:g}, {high:g}) leaves the open interval (0, 1) of probabilities; "
                         "give 0 < low < high < 1, e.g. (0.01, 0.99).")
    return np.linspace(low, high, points)


# ------------------------------------------------------------------ evaluating on a backend


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
            f"pip install 'lossx[{_FRAMEWORK_EXTRAS[backend]}]'. Installed here: {installed}.")
        missing.name = backend
        raise missing
    return backend


def _numpy_values(function: Callable[[Any], Any], x: np.ndarray, grad: bool,
                  against: str) -> tuple[np.ndarray, np.ndarray | None]:
    values = np.asarray(function(x), dtype=np.float64)
    if not grad:
        return values, None
    step = 1e-6 * np.maximum(1.0, np.abs(x))
    if against == "probability":
        step = np.minimum(step, np.minimum(x, 1.0 - x) / 2)
    above, below = (np.asarray(function(x + sign * step), dtype=np.float64) for sign in (1.0, -1.0))
    return values, (above - below) / (2 * step)


def _torch_values(function: Callable[[Any], Any], x: np.ndarray, grad: bool,
                  against: str) -> tuple[np.ndarray, np.ndarray | None]:
    import torch

    tensor = torch.tensor(x, dtype=torch.float64, requires_grad=grad)
    values = function(tensor)
    if not grad:
        return values.detach().numpy(), None
    if not values.requires_grad:  # a loss that does not depend on x here (everything ignored)
        return values.detach().numpy(), np.zeros_like(x)
    (derivative,) = torch.autograd.grad(values.sum(), tensor, allow_unused=True)
    return values.detach().numpy(), np.zeros_like(x) if derivative is None else derivative.numpy()


def _jax_values(function: Callable[[Any], Any], x: np.ndarray, grad: bool,
                against: str) -> tuple[np.ndarray, np.ndarray | None]:
    import jax
    import jax.numpy as jnp

    # float64 within this call only: the user's own JAX setting stays as it is.
    with jax.enable_x64(True):
        array = jnp.asarray(x, dtype=jnp.float64)
        if not grad:
            return np.asarray(function(array), dtype=np.float64), None
        values, pullback = jax.vjp(function, array)
        (derivative,) = pullback(jnp.ones_like(values))
        return np.asarray(values, dtype=np.float64), np.asarray(derivative, dtype=np.float64)


def _tensorflow_values(function: Callable[[Any], Any], x: np.ndarray, grad: bool,
                       against: str) -> tuple[np.ndarray, np.ndarray | None]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tensor = tf.constant(x, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        values = function(tensor)
    if not grad:
        return np.asarray(values, dtype=np.float64), None
    derivative = tape.gradient(values, tensor)  # of the sum of the values: each point's own derivative
    return np.asarray(values, dtype=np.float64), np.zeros_like(x) if derivative is None else np.asarray(derivative)


_EVALUATORS = {"numpy": _numpy_values, "torch": _torch_values, "jax": _jax_values, "tensorflow": _tensorflow_values}


def _readonly(array: np.ndarray | None) -> np.ndarray | None:
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
        values = loss(*request.probe.inputs(xp, points, n, against, request.options), reduction="none",
                      **request.options)
        if tuple(values.shape) != (n,):
            raise CurveError(f"{request.label} gives values of shape {tuple(values.shape)} for {n} points, not one "
                             "value per point; leave out options that keep the class axis (such as pointwise=True).")
        return values

    value, derivative = _EVALUATORS[backend](values_at, x, grad, against)
    return Curve(request.spec.name, request.options, request.label, against, x, _readonly(value),
                 _readonly(derivative))


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

    ``x_range``: ``(low, high)``, by default :data:`DEFAULT_RANGES`; ``points`` grid points.

    Unknown losses raise :class:`lossx.UnknownLossError`; unknown or out-of-range options
    the loss's own :class:`lossx.UnknownOptionError` / :class:`lossx.OptionValueError`.
    """
    requests = _requests(losses, options)
    axis = _choose_axis(requests, against)
    x = _grid(axis, x_range, points)
    chosen = _backend(backend, grad)
    x_values = _readonly(x)
    return Curves(axis, x_values, tuple(_evaluate(r, x_values, axis, chosen, grad) for r in requests), chosen,
                  DERIVATIVE_METHODS[chosen] if grad else None)


# ------------------------------------------------------------------ the figure


def _figure_class() -> type:
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        missing = MissingFrameworkError(
            f"lossx.plot and lossx plot draw with matplotlib, which could not be imported ({error}); install it "
            f"with {_PLOT_EXTRA}. lossx.curves gives the same numbers without it.")
        missing.name = "matplotlib"
        raise missing from error
    return Figure


def _view_limits(arrays: Sequence[np.ndarray]) -> tuple[float, float] | None:
    """Y limits that keep a curve's steep end from flattening the rest, or None to let matplotlib choose.

    When the whole range is more than four times that of the middle 90 % of the points
    (−1/p near p = 0), the view is the middle range, padded; the steep ends leave the panel.
    """
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays])
    if finite.size == 0:
        return None
    low, high = np.percentile(finite, [5, 95])
    whole = finite.max() - finite.min()
    if whole <= 4 * (high - low) or high == low:
        return None
    pad = 0.15 * (high - low)
    return float(low - pad), float(high + pad)


def plot(
    losses: LossEntry | Sequence[LossEntry] | Curves,
    *,
    against: str | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    backend: str | None = None,
    grad: bool = True,
    x_range: tuple[float, float] | None = None,
    points: int = DEFAULT_POINTS,
    title: str | None = None,
) -> Figure:
    """A matplotlib Figure of the losses' values and, with ``grad``, their derivatives below on a shared x.

    ``losses`` and the other arguments are :func:`curves`'s (or ``losses`` is a
    :class:`Curves` it returned, with no other argument but ``title``). The lines' data
    are exactly the curves' arrays. The x axis title names the quantity, the derivative
    panel says how the derivative was found. When every curve is the same loss, the
    title names it and the legend shows only the options. The Figure is built with
    matplotlib's object API (no pyplot state) on the Agg canvas: ``figure.savefig(path)``
    writes PNG, SVG or PDF. Needs matplotlib (``pip install 'lossx[plot]'``); without it
    :class:`lossx.MissingFrameworkError`.
    """
    figure_class = _figure_class()
    if isinstance(losses, Curves):
        given = dict(against=against, options=options, backend=backend, x_range=x_range)
        extra = [name for name, value in given.items() if value is not None]
        extra += [] if grad else ["grad"]
        extra += [] if points == DEFAULT_POINTS else ["points"]
        if extra:
            raise CurveError(f"plot(curves_result) draws what curves computed; leave out {', '.join(extra)} "
                             "(pass them to curves instead).")
        data = losses
    else:
        data = curves(losses, against=against, options=options, backend=backend, grad=grad, x_range=x_range,
                      points=points)
    return _draw(figure_class, data, title)


def _draw(figure_class: type, data: Curves, title: str | None) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with_derivative = data.derivative_method is not None
    figure = figure_class(figsize=(6.4, 5.6 if with_derivative else 3.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    panels = figure.subplots(2 if with_derivative else 1, 1, sharex=True, squeeze=False)[:, 0]
    one_loss = len({curve.loss for curve in data}) == 1 and len(data) > 1
    for curve in data:
        label = (options_text(curve.options) or "defaults") if one_loss else curve.label
        panels[0].plot(data.x, curve.value, label=label, linewidth=1.8)
        if with_derivative:
            panels[1].plot(data.x, curve.derivative, label=label, linewidth=1.8)
    panels[0].set_ylabel("loss")
    panels[0].legend(loc="best", fontsize="small", framealpha=0.85)
    if title is None and one_loss:
        title = data[0].loss
    if title:
        panels[0].set_title(title)
    if with_derivative:
        symbol = AXIS_SYMBOLS[data.against]
        panels[1].set_ylabel(f"d loss / d{symbol}")
        panels[1].axhline(0.0, color="0.5", linewidth=0.8, zorder=0)
        panels[1].set_title(f"derivative: {data.derivative_method}", loc="right", fontsize="small", color="0.35")
    for panel, arrays in zip(panels, ([c.value for c in data], [c.derivative for c in data])):
        limits = _view_limits(arrays)
        if limits is not None:
            panel.set_ylim(*limits)
        panel.grid(alpha=0.3)
    panels[-1].set_xlabel(data.x_title)
    panels[-1].set_xlim(float(data.x[0]), float(data.x[-1]))
    return figure


# ------------------------------------------------------------------ the command line


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``lossx plot`` with the command line's subparsers."""
    from .cli import EXIT_STATUS

    command = commands.add_parser(
        "plot", help="draw losses and their derivatives to an image file", epilog=EXIT_STATUS["plot"],
        description="Draws the value of each loss, and its derivative below, against one quantity (the residual "
                    "y_pred − y_true, the margin y·f, or the probability or logit of the true class), computed by "
                    "lossx in float64 with the backend's autodiff (central differences on NumPy), and writes the "
                    "figure to a PNG, SVG or PDF file. Needs matplotlib: pip install 'lossx[plot]'. "
                    "docs/gallery.md shows examples.")
    command.add_argument("losses", nargs="+", metavar="LOSS",
                         help="a loss name (snake, class or alias), or a name with options: huber:delta=2")
    command.add_argument("--option", action="append", default=[], metavar="LOSS.KEY=VALUE",
                         help="an option of every entry of LOSS, repeatable: --option huber.delta=2")
    command.add_argument("--against", choices=AXES, metavar="AXIS",
                         help=f"the x quantity: {', '.join(AXES)} (default: the first loss's)")
    command.add_argument("--grad", action=argparse.BooleanOptionalAction, default=True,
                         help="draw the derivative below the value (default: yes)")
    command.add_argument("--backend", choices=BACKENDS, metavar="BACKEND",
                         help=f"{', '.join(BACKENDS)} (default: the first installed of torch, jax, tensorflow)")
    command.add_argument("--range", nargs=2, type=float, metavar=("LOW", "HIGH"), dest="x_range",
                         help="the x range (default: -3 3; probability 0.01 0.99; logit -6 6)")
    command.add_argument("-o", "--output", default="lossx-plot.png", metavar="FILE",
                         help="the image to write: .png, .svg or .pdf (default: lossx-plot.png)")


def run(console: Console, arguments: argparse.Namespace) -> int:
    """``lossx plot``: write the figure and say where it is. Errors are :class:`lossx.LossxError`."""
    from rich.text import Text

    output = Path(arguments.output)
    if output.suffix.lower() not in FORMATS:
        raise CurveError(f"-o {arguments.output}: the file name must end in {', '.join(FORMATS)}.")
    options: dict[str, dict[str, Any]] = {}
    for flag in arguments.option:
        loss, key, value = parse_option_flag(flag)
        options.setdefault(loss, {})[key] = value
    # The request is checked first (an unknown loss is the more basic mistake), then matplotlib,
    # before the backend's framework is imported.
    _choose_axis(_requests(arguments.losses, options), arguments.against)
    _figure_class()
    data = curves(arguments.losses, against=arguments.against, options=options, backend=arguments.backend,
                  grad=arguments.grad, x_range=arguments.x_range)
    figure = plot(data)
    try:
        figure.savefig(output, dpi=100)
    except OSError as error:
        raise CurveError(f"cannot write {arguments.output}: {error.strerror or error}.") from None
    drawn = ", ".join(curve.label for curve in data)
    how = f"; derivative by {data.derivative_method}" if data.derivative_method else ""
    console.print(Text(f"wrote {output}"))
    console.print(Text(f"{drawn} against the {data.against}, on {data.backend}{how}.", style="dim"))
    return 0
