"""The kernels behind :mod:`lossx.primitives`: one declaration, one module per framework.

Layout:

- this module declares every kernel once (:class:`Kernels`: name, parameters, result),
  every fused loss-and-reduction kernel (:class:`FusedKernels`) and the services each
  framework module offers (:class:`Services`), and builds a namespace's kernel table
  (:func:`kernels`) and fused table (:func:`fused_kernels`);
- :mod:`lossx.kernels.generic` holds the pure Array-API formulas, each once: every
  declared kernel has one, so any Array-API namespace gets a complete table;
- :mod:`lossx.kernels.numpy`, :mod:`~lossx.kernels.torch`, :mod:`~lossx.kernels.jax` and
  :mod:`~lossx.kernels.tensorflow` (with :mod:`~lossx.kernels.tensorflow_namespace`, the
  Array-API namespace lossx carries for TensorFlow) hold one framework each: ``KERNELS``,
  the declared kernels it computes natively, ``FUSED``, its fused kernels, and the
  services, as module functions. Only these modules (and the adapters of
  :mod:`lossx.backends`) import a framework or use its private API.

A framework module is imported only once an array of that framework has been seen, so
importing this package imports no framework.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, Protocol

from . import generic

__all__ = [
    "Kernels",
    "FusedKernels",
    "FusedKernel",
    "Services",
    "KERNEL_NAMES",
    "FUSED_NAMES",
    "SERVICE_NAMES",
    "kernels",
    "generic_kernels",
    "fused_kernels",
    "framework_module",
    "services",
]

Array = Any


class Kernels(Protocol):
    """The kernels every namespace's table holds, by name: generic formulas, or a framework's native ones.

    Each is called with exactly these parameters (positionally, options as Python numbers
    or 0-d arrays) and returns an array of the namespace it was looked up for.
    """

    def logsumexp(self, x: Array, axis: int, keepdims: bool) -> Array: ...
    def log_softmax(self, x: Array, axis: int) -> Array: ...
    def softmax(self, x: Array, axis: int) -> Array: ...
    def softplus(self, x: Array) -> Array: ...
    def log_sigmoid(self, x: Array) -> Array: ...
    def sigmoid(self, x: Array) -> Array: ...
    def at_least(self, x: Array, floor: Any) -> Array: ...
    def one_hot(self, labels: Array, num_classes: int, dtype: Any) -> Array: ...
    def take_along_axis(self, x: Array, indices: Array, axis: int) -> Array: ...
    def gather(self, vector: Array, indices: Array) -> Array: ...
    def drop_axis(self, x: Array, axis: int) -> Array: ...
    def size(self, x: Array, axis: int) -> Any:
        """The size of ``axis``: its static size, or a scalar array where only the run knows it (a TensorFlow graph)."""

    def extrema(self, x: Array) -> tuple: ...
    def stop_gradient(self, x: Array) -> Array: ...
    def squared_error(self, y_pred: Array, y_true: Array) -> Array: ...
    def absolute_error(self, y_pred: Array, y_true: Array) -> Array: ...
    def huber(self, y_pred: Array, y_true: Array, delta: Any) -> Array: ...
    def smooth_l1(self, y_pred: Array, y_true: Array, beta: Any) -> Array: ...
    def log_cosh(self, y_pred: Array, y_true: Array) -> Array: ...
    def sigmoid_cross_entropy(self, logits: Array, target: Array, pos_weight: Any) -> Array: ...
    def softmax_cross_entropy(self, logits: Array, labels: Array, axis: int) -> Array: ...
    def softmax_cross_entropy_soft(self, logits: Array, target: Array, axis: int) -> Array: ...
    def relative_entropy(self, target: Array, log_q: Array, axis: int) -> Array: ...
    def negative_log_likelihood(self, log_p: Array, labels: Array, axis: int) -> Array: ...
    def multi_margin(self, scores: Array, labels: Array, p: int, margin: Any, axis: int) -> Array: ...
    def multilabel_margin(self, scores: Array, lists: Array, axis: int) -> Array: ...
    def margin_ranking(self, x1: Array, x2: Array, target: Array, margin: Any) -> Array: ...
    def hinge_embedding(self, x: Array, target: Array, margin: Any) -> Array: ...
    def pairwise_distance(self, x1: Array, x2: Array, p: Any, eps: Any, axis: int) -> Array: ...
    def times_log(self, weight: Array, log_p: Array) -> Array: ...
    def xlogy(self, x: Array, y: Array) -> Array: ...
    def xlog1py(self, x: Array, y: Array) -> Array: ...

    def ctc_log_probs(
        self,
        log_probs: Array,
        labels: Array,
        input_lengths: Array | None,
        label_lengths: Array,
        blank: int,
        zero_infinity: bool,
    ) -> Array | None:
        """The CTC loss (B,) of log-softmax outputs (B, T, C) by the framework's fused kernel; None where it has none
        or it cannot serve these inputs exactly (the loss then runs the recursion)."""

    def linear_cross_entropy(
        self,
        hidden: Array,
        weight: Array,
        labels: Array,
        bias: Array | None,
        class_weight: Array | None,
        label_smoothing: Any,
        z_loss: Any,
        softcap: Any,
        chunk_size: int | None,
    ) -> Array:
        """The rows' cross-entropies (N,) of the logits ``hidden @ weight.T + bias`` (hidden (N, H), weight (V, H),
        labels (N,) in [0, V)), taken in chunks of rows so that no (N, V) array is held, in value or gradient
        (:mod:`lossx.kernels.linear`)."""

    def fold(
        self,
        step: Callable[..., Array],
        alpha: Array,
        constants: tuple,
        sequences: tuple,
        steps: Any,
        collect: bool,
    ) -> Any:
        """``alpha = step(xp, alpha, *constants, *(s[t] for s in sequences))`` for t = 0 … steps−1, ``xp`` the
        namespace.

        Returns the last ``alpha``; with ``collect``, ``(last alpha, every step's alpha)``, the
        second stacked on a new leading axis of size ``steps`` (0 steps: empty, and the last
        alpha is the initial one). ``step`` should be the same object on every call (a
        module's function), so that a compiler reuses its loop.
        """


class FusedKernels(Protocol):
    """The fused loss-and-reduction kernels, by the name of the loss kernel they fuse.

    Each takes the reduction ("mean" or "sum") and the loss kernel's own parameters and
    returns the framework's fused kernel's result, unweighted, or None where that kernel
    does not apply to these arguments (an empty batch, a compiled trace, a layout it does
    not take): the caller then reduces the loss kernel's result itself.
    """

    def squared_error(self, reduction: str, y_pred: Array, y_true: Array) -> Array | None: ...
    def absolute_error(self, reduction: str, y_pred: Array, y_true: Array) -> Array | None: ...
    def huber(self, reduction: str, y_pred: Array, y_true: Array, delta: Any) -> Array | None: ...
    def smooth_l1(self, reduction: str, y_pred: Array, y_true: Array, beta: Any) -> Array | None: ...
    def sigmoid_cross_entropy(self, reduction: str, logits: Array, target: Array, pos_weight: Any) -> Array | None: ...
    def softmax_cross_entropy(self, reduction: str, logits: Array, labels: Array, axis: int) -> Array | None: ...
    def softmax_cross_entropy_soft(self, reduction: str, logits: Array, target: Array, axis: int) -> Array | None: ...
    def relative_entropy(self, reduction: str, target: Array, log_q: Array, axis: int) -> Array | None: ...
    def negative_log_likelihood(self, reduction: str, log_p: Array, labels: Array, axis: int) -> Array | None: ...
    def multi_margin(
        self,
        reduction: str,
        scores: Array,
        labels: Array,
        p: int,
        margin: Any,
        axis: int,
    ) -> Array | None: ...
    def multilabel_margin(self, reduction: str, scores: Array, lists: Array, axis: int) -> Array | None: ...
    def margin_ranking(self, reduction: str, x1: Array, x2: Array, target: Array, margin: Any) -> Array | None: ...
    def hinge_embedding(self, reduction: str, x: Array, target: Array, margin: Any) -> Array | None: ...
    def linear_cross_entropy(
        self,
        reduction: str,
        hidden: Array,
        weight: Array,
        labels: Array,
        valid: Array | None,
        bias: Array | None,
        class_weight: Array | None,
        label_smoothing: Any,
        z_loss: Any,
        softcap: Any,
        chunk_size: int | None,
    ) -> Array | None:
        """The mean or sum of :meth:`Kernels.linear_cross_entropy` over the rows where ``valid`` (None: every row),
        weighted by ``class_weight[labels]`` for the mean's denominator, as one scalar whose gradients the kernel
        computes with its forward pass."""


#: A fused loss-and-reduction kernel: ``(reduction, *the loss kernel's arguments) -> array | None``.
FusedKernel = Callable[..., Any]


class Services(Protocol):
    """What every framework module offers besides its kernels, as module functions."""

    def is_eager(self, x: Array) -> bool:
        """Whether ``x`` holds concrete values that may be inspected from Python (not traced or compiled)."""

    def to_numpy(self, x: Array) -> Any:
        """``x``'s values as a NumPy array (detached from any autodiff, on the host)."""

    def from_numpy(self, array: Any) -> Array:
        """A NumPy array as an array of this framework, with its dtype."""

    def value_and_gradient(
        self,
        function: Callable[..., Array],
        inputs: Sequence[Any],
        compiled: bool,
    ) -> tuple:
        """``function(*inputs)`` on this framework's arrays of the NumPy ``inputs`` and the gradient of its sum
        w.r.t. the first input, both as float64 NumPy (the gradient None where the framework has no autodiff).
        ``compiled``: under the framework's compiler (``jax.jit``, ``tf.function(jit_compile=True)``)."""

    def across(self, numerator: Array, denominator: Array, group: Any, loss: str) -> tuple:
        """``(numerator, denominator)`` of a mean taken over ``group`` (``mean_across``), by the framework's own
        collective: the denominator summed over the group without a gradient, the numerator as the framework's
        gradient averaging needs it (docs/distributed.md); a DistributedError, naming ``loss``, outside a
        distributed context or for a group this framework does not know."""

    def value_and_derivative(self, function: Callable[[Array], Array], x: Any, grad: bool) -> tuple:
        """``function`` (points → one loss per point) at the NumPy points ``x``, in float64, and with ``grad`` each
        point's derivative (zero where the loss does not depend on it), both float64 NumPy; the derivative is None
        without ``grad`` and where the framework has no autodiff (NumPy). Curves (:func:`lossx.curves`) use it."""


def _declared(protocol: type) -> tuple[str, ...]:
    return tuple(name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_"))


KERNEL_NAMES = _declared(Kernels)
FUSED_NAMES = _declared(FusedKernels)
SERVICE_NAMES = _declared(Services)

#: The framework module of each namespace, by the namespace's module name.
_MODULE_OF_NAMESPACE = {
    "array_api_compat.numpy": "numpy",
    "array_api_compat.torch": "torch",
    "jax.numpy": "jax",
    "lossx.kernels.tensorflow_namespace": "tensorflow",
}
_FRAMEWORKS = frozenset(_MODULE_OF_NAMESPACE.values())


def framework_module(framework: str) -> ModuleType | None:
    """The kernel module of ``framework`` (``"torch"``, ...), imported now; None for a framework without one."""
    if framework not in _FRAMEWORKS:
        return None
    if framework == "tensorflow":
        # TensorFlow logs at import; where lossx imports it first (lossx.curves), it stays quiet unless asked.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return importlib.import_module(f"{__name__}.{framework}")


# Keyed by the namespace's module name, not the module: torch.compile cannot trace
# a dictionary lookup that compares module objects.
_KERNELS: dict[str, dict[str, Callable[..., Any]]] = {}
_GENERIC_KERNELS: dict[str, dict[str, Callable[..., Any]]] = {}
_FUSED: dict[str, dict[str, FusedKernel]] = {}
_SERVICES: dict[str, ModuleType | None] = {}


def _build_tables(xp: ModuleType) -> None:
    """Both tables of namespace ``xp`` at once: a call that needs one (an eager call, torch's
    import hook) leaves none to import under a compiler's trace, which cannot import."""
    framework = _MODULE_OF_NAMESPACE.get(xp.__name__)
    module = framework_module(framework) if framework is not None else None
    _KERNELS[xp.__name__] = generic.table(xp, module.KERNELS if module is not None else {})
    _FUSED[xp.__name__] = dict(module.FUSED) if module is not None else {}
    _SERVICES[xp.__name__] = module


def kernels(xp: ModuleType) -> dict[str, Callable[..., Any]]:
    """The kernel table of namespace ``xp``: native where its framework has a kernel, generic elsewhere."""
    table = _KERNELS.get(xp.__name__)
    if table is None:
        _build_tables(xp)
        table = _KERNELS[xp.__name__]
    return table


def generic_kernels(xp: ModuleType) -> dict[str, Callable[..., Any]]:
    """The generic formulas of namespace ``xp`` alone (for primitives called with array options)."""
    table = _GENERIC_KERNELS.get(xp.__name__)
    if table is None:
        table = generic.table(xp, {})
        _GENERIC_KERNELS[xp.__name__] = table
    return table


def services(xp: ModuleType) -> ModuleType | None:
    """The framework module serving namespace ``xp`` (:class:`Services`), or None for a namespace without one
    (array-api-strict, Dask). Found without an import once the namespace has been seen, so a compiler can trace it."""
    if xp.__name__ not in _SERVICES:
        _build_tables(xp)
    return _SERVICES[xp.__name__]


def fused_kernels(xp: ModuleType) -> dict[str, FusedKernel]:
    """The fused loss-and-reduction kernels of namespace ``xp`` (empty where its framework has none)."""
    table = _FUSED.get(xp.__name__)
    if table is None:
        _build_tables(xp)
        table = _FUSED[xp.__name__]
    return table
