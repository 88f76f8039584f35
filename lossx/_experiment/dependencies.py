"""The optional libraries the experiment needs, found without importing them, and the framework's
trainer, imported when an experiment on it runs (lossx.backends.training)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._errors import ArgumentError, MissingFrameworkError

#: The frameworks a model is trained on, in the order tried when none is chosen (fastest first).
FRAMEWORKS = ("torch", "jax", "keras")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules (set to None)
        return False


#: What each framework's trainer imports, and how to install it.
_NEEDS = {"torch": ("torch",), "jax": ("jax", "optax"), "keras": ("keras",)}
_INSTALL = {
    "torch": "pip install 'lossx[torch]'",
    "jax": "pip install 'lossx[jax]' optax",
    "keras": "pip install 'lossx[keras]'",
}


def available_frameworks() -> tuple[str, ...]:
    """The frameworks the experiment can train on here (found without importing them)."""
    return tuple(name for name in FRAMEWORKS if all(map(_installed, _NEEDS[name])))


def choose_framework(framework: str | None) -> str:
    """``framework`` checked, or the first installed of torch, JAX (with optax) and Keras."""
    available = available_frameworks()
    if framework is None:
        if not available:
            raise MissingFrameworkError(
                "lossx.experiment trains a model on torch, JAX (with optax) or Keras, and none is installed; "
                "install one: " + ", ".join(_INSTALL.values()) + " (or pip install 'lossx[all]')."
            )
        return available[0]
    name = "keras" if framework in ("tensorflow", "tf") else framework
    if name not in FRAMEWORKS:
        raise ArgumentError(f"Unknown framework {framework!r}: use one of {', '.join(FRAMEWORKS)}.")
    if name not in available:
        missing = [module for module in _NEEDS[name] if not _installed(module)]
        raise MissingFrameworkError(
            f"The {name} framework needs {', '.join(missing)}, which is not installed; install it with "
            f"{_INSTALL[name]}. Installed here: {', '.join(available) or 'none of torch, JAX, Keras'}."
        )
    return name


def trainer(
    framework: str,
    weights: Sequence[np.ndarray],
    loss: Callable[[Any, Any], Any],
    learning_rate: float,
    momentum: float,
) -> Any:
    """The ``framework``'s trainer of the model from ``weights``: ``step(x, y) -> float``, ``predict(x)``,
    ``weights()``."""
    try:
        module = importlib.import_module(f"lossx.backends.training.{framework}")
    except ImportError as error:
        raise MissingFrameworkError(
            f"The {framework} framework could not be imported ({error}); install it with {_INSTALL[framework]}."
        ) from None
    return module.Trainer(list(weights), loss, learning_rate, momentum)


def _sklearn(submodule: str) -> Any:
    try:
        return importlib.import_module(f"sklearn.{submodule}")
    except ImportError as error:
        raise MissingFrameworkError(
            f"lossx.experiment needs scikit-learn (its bundled data sets, split and metrics), which could not be "
            f"imported ({error}); install it with pip install 'lossx[experiment]'."
        ) from None


def require_matplotlib() -> None:
    """Refuse, naming the extra, when matplotlib cannot be imported (before any training, in the CLI)."""
    try:
        importlib.import_module("matplotlib.figure")
    except ImportError as error:
        raise MissingFrameworkError(
            f"The experiment's figure needs matplotlib, which could not be imported ({error}); install it with "
            "pip install 'lossx[plot]'."
        ) from None
