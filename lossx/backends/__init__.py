"""Thin adapters generated from the loss registry, one module per framework.

* :mod:`lossx.backends.numpy`: NumPy functions and frozen callable objects.
* :mod:`lossx.backends.torch`: ``torch.nn.Module`` classes.
* :mod:`lossx.backends.jax`: pure jittable functions and hashable callable objects.
* :mod:`lossx.backends.keras`: ``keras.losses.Loss`` subclasses (Keras 3, any engine).

No adapter contains code for a particular loss: each reads the registry
(:func:`lossx.define_loss`) and builds its objects on first access, so custom
losses appear in every adapter as soon as they are defined.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .._config import EXTRAS, canonical_backend, installed_backends
from .._errors import BackendError

__all__ = ["load"]


def load(name: str) -> ModuleType:
    """Import the adapter module of backend ``name`` with a helpful error if missing."""
    canonical = canonical_backend(name)
    try:
        return importlib.import_module(f"lossx.backends.{canonical}")
    except ImportError as error:
        raise BackendError(
            f"The {canonical} backend could not be imported ({error}); install it with "
            f"pip install 'lossx[{EXTRAS[canonical]}]'. Installed here: {', '.join(installed_backends())}."
        ) from error
