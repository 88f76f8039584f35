"""Thin adapters generated from the loss registry, one module per framework.

* :mod:`lossx.backends.numpy`: NumPy functions and frozen callable objects.
* :mod:`lossx.backends.torch`: ``torch.nn.Module`` classes.
* :mod:`lossx.backends.jax`: pure jittable functions and hashable callable objects.
* :mod:`lossx.backends.keras`: ``keras.losses.Loss`` subclasses (Keras 3, any engine).

No adapter contains code for a particular loss: each reads the registry
(:func:`lossx.define_loss`) and builds its objects on first access, so custom
losses appear in every adapter as soon as they are defined. A ``keras.losses.Loss``
receives exactly ``(y_true, y_pred)``: a loss with more required inputs declares how
they pack into those two (:class:`lossx.Packing`) and the Keras adapter unpacks them;
one that declares no packing has no Keras class (:func:`unavailable` says why).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .._config import EXTRAS, canonical_backend, installed_backends
from .._errors import BackendError, MissingFrameworkError
from .._spec import LossSpec

__all__ = ["load", "unavailable"]


def unavailable(spec: LossSpec, backend: str) -> str | None:
    """Why loss ``spec`` has no object in ``backend``'s adapter, or None when it has one."""
    # By name, not canonical_backend(): that refuses a backend that is not installed,
    # and `lossx list` asks this question with or without Keras.
    if backend not in ("keras", "tensorflow") or spec.required_inputs <= 2 or spec.packing is not None:
        return None
    names = ", ".join(i.name for i in spec.inputs if not i.optional)
    return (
        f"{spec.name} needs {spec.required_inputs} inputs ({names}) and a keras.losses.Loss "
        f"receives only (y_true, y_pred); declare how they pack into those two "
        f"(define_loss(packing=lossx.Packing(...))), or call lossx.{spec.name} on Keras tensors in a "
        "custom training step (or model.add_loss) instead."
    )


def load(name: str) -> ModuleType:
    """Import the adapter module of backend ``name`` with a helpful error if missing."""
    canonical = canonical_backend(name)
    try:
        return importlib.import_module(f"lossx.backends.{canonical}")
    except MissingFrameworkError:
        raise
    except ImportError as error:
        raise BackendError(
            f"The {canonical} backend could not be imported ({error}); install it with "
            f"pip install 'lossx[{EXTRAS[canonical]}]'. Installed here: {', '.join(installed_backends())}."
        ) from error
