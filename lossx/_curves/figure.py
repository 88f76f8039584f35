"""``lossx.plot``: the curves drawn on a matplotlib Figure, the values above their derivatives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import CurveError, MissingFrameworkError
from .compute import Curves, curves
from .definitions import _PLOT_EXTRA, AXIS_SYMBOLS, DEFAULT_POINTS, LossEntry
from .requests import options_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure_class() -> type:
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        missing = MissingFrameworkError(
            f"lossx.plot and lossx plot draw with matplotlib, which could not be imported ({error}); install it "
            f"with {_PLOT_EXTRA}. lossx.curves gives the same numbers without it."
        )
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
            raise CurveError(
                f"plot(curves_result) draws what curves computed; leave out {', '.join(extra)} "
                "(pass them to curves instead)."
            )
        data = losses
    else:
        data = curves(
            losses, against=against, options=options, backend=backend, grad=grad, x_range=x_range, points=points
        )
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
    # The derivatives' panel exists where every curve has a derivative (with_derivative); zip stops
    # at the values' panel where there is none.
    derivatives = [c.derivative for c in data if c.derivative is not None]
    for panel, arrays in zip(panels, ([c.value for c in data], derivatives), strict=False):
        limits = _view_limits(arrays)
        if limits is not None:
            panel.set_ylim(*limits)
        panel.grid(alpha=0.3)
    panels[-1].set_xlabel(data.x_title)
    panels[-1].set_xlim(float(data.x[0]), float(data.x[-1]))
    return figure
