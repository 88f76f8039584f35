"""What loss curves are drawn against and on: the quantities, their ranges and titles, the backends,
and the file formats ``lossx plot`` writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
LossEntry = str | tuple[str, Mapping[str, Any]]
