"""lossx: loss functions written once, identical in NumPy, torch, JAX and Keras.

Every loss is one function against the Python Array API standard. It is exposed as

* ``lossx.<snake_name>(y_pred, y_true, **options)`` — array-generic: works on
  NumPy, torch, JAX and TensorFlow arrays and any Array-API array;
* ``lossx.backends.<framework>`` — native adapters (NumPy functions, torch
  modules, JAX functions, Keras losses), generated from the same definition;
* ``lossx.<CamelName>(**options)`` / ``lossx.get(name, **options)`` — the active
  backend's native object, chosen by configuration (see :func:`get_backend`).

``import lossx`` imports no deep-learning framework.
"""

from __future__ import annotations

import sys as _sys
from typing import TYPE_CHECKING as _TYPE_CHECKING

from . import losses, primitives
from . import presets as presets  # lossx.presets: the framework-named classes' declarations
from ._combine import combine
from ._config import BACKENDS, get_backend, installed_backends, set_backend, use_backend
from ._curves import Curve, Curves, curves, plot
from ._errors import (
    ArgumentError,
    BackendError,
    BoxRangeError,
    ConfigError,
    CosineRangeError,
    CurveError,
    DataError,
    DistributedError,
    DTypeError,
    LabelRangeError,
    LossxError,
    MissingFrameworkError,
    MixedFrameworkError,
    OptionValueError,
    ProbabilityRangeError,
    ReductionError,
    ShapeError,
    UnknownLossError,
    UnknownOptionError,
    VarianceRangeError,
)
from ._experiment import experiment
from ._import_hooks import when_imported
from ._options import Option
from ._reduction import LossTerms
from ._registry import define_loss, generic_function, lookup, registered
from ._spec import Input, LossSpec, Packing
from ._suggest import suggest
from .losses import *  # noqa: F403  (every built-in loss, listed in losses.__all__)
from .losses.linear import linear_cross_entropy
from .losses.sequence import ctc_forward_probabilities

if _TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "BACKENDS",
    "BackendError",
    "ConfigError",
    "Curve",
    "CurveError",
    "Curves",
    "DTypeError",
    "DataError",
    "DistributedError",
    "Input",
    "LabelRangeError",
    "LossSpec",
    "LossTerms",
    "LossxError",
    "MissingFrameworkError",
    "MixedFrameworkError",
    "Option",
    "OptionValueError",
    "Packing",
    "ProbabilityRangeError",
    "ReductionError",
    "ShapeError",
    "UnknownLossError",
    "UnknownOptionError",
    "VarianceRangeError",
    "CosineRangeError",
    "BoxRangeError",
    "combine",
    "ctc_forward_probabilities",
    "curves",
    "define_loss",
    "experiment",
    "get",
    "get_backend",
    "installed_backends",
    "linear_cross_entropy",
    "loss_names",
    "lookup",
    "plot",
    "primitives",
    "registered",
    "set_backend",
    "suggest",
    "total_weight",
    "use_backend",
    *losses.__all__,
]


def loss_names() -> list[str]:
    """The snake names of every registered loss."""
    return [spec.name for spec in registered()]


def total_weight(name: str, *inputs: Any, sample_weight: Any = None, mask: Any = None, **named: Any) -> Any:
    """The Σw that loss ``name``'s ``"mean"`` would divide by for these inputs, without reducing.

    ``lossx.total_weight("sparse_categorical_cross_entropy", logits, labels, ignore_index=-100)``
    is the number of labels that are not ignored (a 0-d array of the inputs' framework and
    the loss's dtype); with class weights, sample weights or a mask it is their sum over
    the counted entries. Sum it over gradient-accumulation micro-batches (and over
    processes), then pass it to each micro-batch's loss as ``total_weight=``: their sum is
    the mean of the whole batch (docs/distributed.md). Inputs and options are those of the
    loss; the loss's body runs (ignored entries and class weights come from it), its
    reduction and any collective do not.
    """
    from ._binding import bind
    from ._call import weight_total

    spec = lookup(name)
    bound = bind(spec, inputs, named)
    return weight_total(spec, bound, spec.validate(named), sample_weight, mask)


def get(name: str, **options: Any) -> Any:
    """The active backend's native loss object for ``name`` (snake, Camel or alias).

    NumPy and JAX give frozen callable objects, torch an ``nn.Module``, Keras a
    ``keras.losses.Loss``; ``options`` are the loss's options (and ``reduction``), with
    lossx's names on every backend.

    What stays the same when only the backend changes (the README's "Switching framework
    by configuration"): this call, and calling the object with its arrays named,
    ``loss(y_pred=..., y_true=...)``, whose value for the default reduction without
    weights is the same number on every backend. Positional arrays follow the framework:
    ``(y_pred, y_true)`` on numpy, torch and jax, ``(y_true, y_pred)`` on Keras, whose
    compile/fit/evaluate call the object so. Under the keras backend the object refuses
    positional arrays from any other caller, so a script written for the other backends
    cannot silently swap them.
    """
    from .backends import load

    spec = lookup(name)
    adapter = load(get_backend())
    made = getattr(adapter, spec.camel_name)(**options)
    for_portable_use = getattr(adapter, "_for_portable_use", None)
    return made if for_portable_use is None else for_portable_use(made)


def _facade(spec: LossSpec) -> Any:
    def facade(**options: Any) -> Any:
        return get(spec.name, **options)

    facade.__name__ = facade.__qualname__ = spec.camel_name
    facade.__doc__ = (
        f"{spec.summary}\n\nThe active backend's native object for :func:`lossx.{spec.name}` (see lossx.get_backend)."
    )
    return facade


def __getattr__(name: str) -> Any:
    from .backends._generate import spec_for_attribute

    found = spec_for_attribute(name)
    if found is None:
        raise AttributeError(f"module 'lossx' has no attribute {name!r}")
    spec, is_class = found
    return _facade(spec) if is_class else generic_function(spec.name)


#: Public submodules, besides the names in ``__all__``.
_SUBMODULES = ("backends", "losses", "testing")


def __dir__() -> list[str]:
    """The public names only: ``__all__``, every loss's names (custom ones too) and the public submodules."""
    from .backends._generate import public_names

    return sorted({*__all__, *public_names(), *_SUBMODULES, "__version__"})


def _register_keras_classes(_keras: Any) -> None:
    from importlib import import_module

    import_module("lossx.backends.keras")


def _warm_torch_caches(torch: Any) -> None:
    if "lossx.kernels.torch" in _sys.modules:
        return  # torch is being imported by lossx's torch kernels, not complete yet: a first call fills the caches
    from .kernels import torch as torch_kernels

    torch_kernels.warm_caches()


when_imported("keras", _register_keras_classes)
when_imported("torch", _warm_torch_caches)
del annotations  # the __future__ import's binding: not part of the namespace
