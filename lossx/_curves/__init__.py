"""Loss curves: the value and the derivative of losses against one quantity.

* :func:`curves` evaluates losses with ``reduction="none"`` on a grid of one quantity
  (the residual, the margin, the probability of the true class or its logit) on a
  backend, and differentiates them with that backend's autodiff; it needs NumPy only.
* :func:`plot` draws them on a matplotlib Figure (the optional extra ``lossx[plot]``).
* ``lossx plot LOSS...`` writes that Figure to a PNG, SVG or PDF file.

docs/gallery.md shows the figures and describes the API. Its modules:
:mod:`.definitions` (the quantities, backends and formats), :mod:`.probes` (each loss's
inputs at x), :mod:`.requests` (the losses asked for, the axis, the grid),
:mod:`.compute` (:func:`curves`; the frameworks' autodiff is their kernel modules'
``value_and_derivative``), :mod:`.figure` (:func:`plot`) and :mod:`.command`.
"""

from __future__ import annotations

from .._errors import CurveError
from .command import add_command, run
from .compute import Curve, Curves, curves
from .definitions import AXES, BACKENDS, DERIVATIVE_METHODS
from .figure import plot

__all__ = [
    "AXES",
    "BACKENDS",
    "DERIVATIVE_METHODS",
    "Curve",
    "CurveError",
    "Curves",
    "curves",
    "plot",
    "add_command",
    "run",
]
