"""Numerically stable building blocks, shared by every loss.

Each primitive has a pure Array-API implementation that is stable by construction
(:mod:`lossx.kernels.generic`) and, where the array's framework has a fused native
kernel of the same accuracy, it delegates to that kernel (:mod:`lossx.kernels.torch`,
...): this is how a loss written once reaches native speed. This module holds the
public functions only, and :class:`Deferred`, a loss body's result whose reduction may
be fused with it; the kernels are declared in :mod:`lossx.kernels`.

The namespace and its kernel table are looked up once per array type, so a call
costs a dictionary lookup on top of the kernel; a caller that knows the namespace
already passes it as ``xp=`` and skips even that.

Custom losses (:func:`lossx.define_loss`) use these functions as the built-in
ones do::

    from lossx import primitives as P
    P.log_softmax(logits, axis=-1)
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from ._namespace import namespace_of
from .kernels import KERNEL_NAMES, fused_kernels, generic_kernels, kernels
from .kernels.generic import is_number

__all__ = [
    "logsumexp",
    "log_softmax",
    "softmax",
    "log_sigmoid",
    "sigmoid",
    "softplus",
    "at_least",
    "squared_error",
    "absolute_error",
    "huber",
    "smooth_l1",
    "log_cosh",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "softmax_cross_entropy_soft",
    "relative_entropy",
    "negative_log_likelihood",
    "multi_margin",
    "multilabel_margin",
    "margin_ranking",
    "hinge_embedding",
    "pairwise_distance",
    "times_log",
    "xlogy",
    "xlog1py",
    "one_hot",
    "take_along_axis",
    "gather",
    "drop_axis",
    "deferred",
    "Deferred",
]


#: The positions of each primitive's option parameters: Python numbers, which the native
#: kernels take (torch's ``F.huber_loss(delta=...)``), or 0-d arrays (an option traced by
#: ``jax.jit``/``vmap``/``grad``, a learned torch tensor), which only the generic formulas take.
_OPTION_PARAMETERS = {
    "at_least": (1,),
    "huber": (2,),
    "smooth_l1": (2,),
    "multi_margin": (3,),
    "pairwise_distance": (2, 3),
    "margin_ranking": (3,),
    "hinge_embedding": (2,),
}


_KERNEL_NAMES = frozenset(KERNEL_NAMES)


def _has_array_option(name: str, args: tuple) -> bool:
    positions = _OPTION_PARAMETERS.get(name)
    if positions is None:
        return False
    for position in positions:
        if not is_number(args[position]):
            return True
    return False


def _call(name: str, xp: ModuleType, *args: Any) -> Any:
    """Primitive ``name`` on ``args``: the namespace's kernel, or its generic formula for array options."""
    table = generic_kernels(xp) if _has_array_option(name, args) else kernels(xp)
    return table[name](*args)


# ---------------------------------------------------------------- deferred losses


class Deferred(NamedTuple):
    """The per-element losses ``primitive(*args)``, not yet computed: see :func:`deferred`."""

    primitive: str
    args: tuple

    def compute(self) -> Any:
        """The per-element losses, as the primitive computes them."""
        return _call(self.primitive, namespace_of(self.args[0]), *self.args)

    def reduced(self, reduction: str, xp: ModuleType | None = None) -> Any:
        """Their unweighted "mean" or "sum" from the framework's fused kernel, or None where it has none.

        ``xp`` is the arrays' namespace, where the caller knows it already. None also where the
        fused kernel does not apply to these arguments (see :class:`lossx.kernels.FusedKernels`):
        the caller then reduces :meth:`compute`'s losses itself.
        """
        name, args = self.primitive, self.args
        fused = fused_kernels(xp or namespace_of(args[0])).get(name)
        if fused is None or (name in _OPTION_PARAMETERS and _has_array_option(name, args)):
            return None
        return fused(reduction, *args)


def deferred(primitive: Callable[..., Any], *args: Any) -> Deferred:
    """``primitive(*args)`` as a loss body's result, computed when the reduction is known.

    A body whose loss is one primitive alone returns
    ``P.deferred(P.huber, y_pred, y_true, delta)`` rather than ``P.huber(y_pred, y_true,
    delta)``. Where the framework computes that loss and its mean or sum in one kernel
    (torch's ``F.huber_loss(reduction="mean")``), an unweighted, unmasked "mean" or "sum"
    call uses it: one autograd node instead of the loss's and the reduction's, a third
    less of torch's own time for a small batch. Every other call (``"none"``,
    weights, masks, other frameworks, :meth:`LossSpec.evaluate`) computes
    ``primitive(*args)`` and reduces it as usual, so the value is the same either way.
    """
    name = getattr(primitive, "__name__", None)
    if name not in _KERNEL_NAMES:
        raise ValueError(f"deferred takes a primitive of lossx.primitives; got {primitive!r}.")
    return Deferred(name, args)


# ---------------------------------------------------------------- public functions


def logsumexp(x: Any, axis: int = -1, keepdims: bool = False, *, xp: ModuleType | None = None) -> Any:
    """``log(sum(exp(x), axis))``, exact for ±inf entries and all-equal maxima."""
    return kernels(xp or namespace_of(x))["logsumexp"](x, axis, keepdims)


def log_softmax(x: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``x − logsumexp(x, axis)``: log-probabilities from logits.

    Accurate where one class dominates: its entry is ``log1p(−Σ others)``, so ``−log p`` and
    ``1 − p = −expm1(log p)`` keep their relative accuracy where they are tiny (logits [30, 0]:
    ``log p_0 = −log1p(e^−30)``), in value and gradient.
    """
    return kernels(xp or namespace_of(x))["log_softmax"](x, axis)


def softplus(x: Any, *, xp: ModuleType | None = None) -> Any:
    """``log(1 + exp(x))`` computed as ``max(x, 0) + log1p(exp(-|x|))``."""
    return kernels(xp or namespace_of(x))["softplus"](x)


def at_least(x: Any, floor: float, *, xp: ModuleType | None = None) -> Any:
    """``max(x, floor)`` for a Python number ``floor``, elementwise (``floor=0.0``: the hinge).

    Its gradient where ``x = floor`` is the framework's ``maximum``'s.
    """
    return _call("at_least", xp or namespace_of(x), x, floor)


def softmax(x: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``exp(log_softmax(x))``: probabilities from logits (one fused kernel where the framework has one)."""
    return kernels(xp or namespace_of(x))["softmax"](x, axis)


def sigmoid(x: Any, *, xp: ModuleType | None = None) -> Any:
    """``1 / (1 + exp(−x))``, as ``exp(log_sigmoid(x))``: no overflow for any finite ``x``."""
    return kernels(xp or namespace_of(x))["sigmoid"](x)


def log_sigmoid(x: Any, *, xp: ModuleType | None = None) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, finite for every finite ``x``."""
    return kernels(xp or namespace_of(x))["log_sigmoid"](x)


def one_hot(labels: Any, num_classes: int, dtype: Any, *, xp: ModuleType | None = None) -> Any:
    """One-hot encoding along a new last axis, with the given floating dtype."""
    return kernels(xp or namespace_of(labels))["one_hot"](labels, num_classes, dtype)


def take_along_axis(x: Any, indices: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """Entries of ``x`` picked by integer ``indices`` along ``axis`` (same rank as ``x``)."""
    return kernels(xp or namespace_of(x))["take_along_axis"](x, indices, axis)


def gather(vector: Any, indices: Any, *, xp: ModuleType | None = None) -> Any:
    """``vector[indices]`` for a 1-D ``vector`` and integer ``indices`` of any shape."""
    return kernels(xp or namespace_of(vector))["gather"](vector, indices)


def drop_axis(x: Any, axis: int, *, xp: ModuleType | None = None) -> Any:
    """``x`` without its size-1 axis ``axis`` (a squeeze that every compiler can trace)."""
    return kernels(xp or namespace_of(x))["drop_axis"](x, axis)


def squared_error(y_pred: Any, y_true: Any, *, xp: ModuleType | None = None) -> Any:
    """``(y_pred − y_true)²``, elementwise (one fused kernel where the framework has one)."""
    return kernels(xp or namespace_of(y_pred))["squared_error"](y_pred, y_true)


def absolute_error(y_pred: Any, y_true: Any, *, xp: ModuleType | None = None) -> Any:
    """``|y_pred − y_true|``, elementwise (one fused kernel where the framework has one)."""
    return kernels(xp or namespace_of(y_pred))["absolute_error"](y_pred, y_true)


def huber(y_pred: Any, y_true: Any, delta: float, *, xp: ModuleType | None = None) -> Any:
    """Huber ``½e²`` for ``|e| ≤ δ``, ``δ(|e| − ½δ)`` beyond, ``e = y_pred − y_true``; finite for any finite ``e``."""
    return _call("huber", xp or namespace_of(y_pred), y_pred, y_true, delta)


def smooth_l1(y_pred: Any, y_true: Any, beta: float, *, xp: ModuleType | None = None) -> Any:
    """Smooth L1 ``huber(y_pred, y_true, β) / β`` for ``β > 0``."""
    return _call("smooth_l1", xp or namespace_of(y_pred), y_pred, y_true, beta)


def log_cosh(y_pred: Any, y_true: Any, *, xp: ModuleType | None = None) -> Any:
    """``log(cosh(y_pred − y_true))`` as ``|e| + softplus(−2|e|) − log 2``, finite for any finite ``e``; derivative
    ``tanh(e)``.

    Below ``|e| = ⅛`` it is the Taylor series, which keeps the relative accuracy of the tiny
    ``≈ e²/2`` that the first form cancels.
    """
    return kernels(xp or namespace_of(y_pred))["log_cosh"](y_pred, y_true)


def sigmoid_cross_entropy(logits: Any, target: Any, pos_weight: Any = None, *, xp: ModuleType | None = None) -> Any:
    """``(1−t)·softplus(x) + w·t·softplus(−x)``: binary cross-entropy from logits, elementwise.

    Summed from non-negative terms, so a tiny loss keeps its relative accuracy (``x = −30, t = 0``:
    ``log1p(e^−30)``), in value and gradient ``(1−t)·σ(x) − w·t·σ(−x)``.
    ``pos_weight`` ``w``: None (1), a Python float, or an array broadcasting along the last axis.
    """
    return kernels(xp or namespace_of(logits))["sigmoid_cross_entropy"](logits, target, pos_weight)


def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``logsumexp(x) − x_y = −log_softmax(x)_y``: cross-entropy of logits with integer labels, without ``axis``.

    Accurate where the label dominates (logits [30, 0], label 0: ``log1p(e^−30)``), in value and
    gradient ``p − onehot(y)``, except in eager torch, which takes torch's fused ``cross_entropy``
    (docs/framework-differences.md, tiny losses).
    """
    return kernels(xp or namespace_of(logits))["softmax_cross_entropy"](logits, labels, axis)


def times_log(weight: Any, log_p: Any, *, xp: ModuleType | None = None) -> Any:
    """``weight·log p`` with ``0·log 0 = 0`` where ``log p = −inf``, finite in value and every gradient.

    The product is replaced only where the weight is 0 AND ``log p = −inf``; there the
    inner ``where`` hides the −inf too, since the untaken branch's gradient is
    ``0·(−inf) = NaN``. Elsewhere the gradient with respect to the weight is ``log p``.
    """
    return kernels(xp or namespace_of(log_p))["times_log"](weight, log_p)


def softmax_cross_entropy_soft(logits: Any, target: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``−Σ_c t_c·log_softmax(x)_c`` over ``axis`` for (weighted) probability targets ``t``.

    Terms with ``t_c = 0`` are exactly 0, so −inf logits in masked classes are fine. Accurate
    where the target's class dominates (see :func:`log_softmax`), in value and gradient, except
    in eager torch, which takes torch's fused kernels (docs/framework-differences.md, tiny losses).
    """
    return kernels(xp or namespace_of(logits))["softmax_cross_entropy_soft"](logits, target, axis)


def relative_entropy(target: Any, log_q: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``Σ_c t_c·(log t_c − log q_c)`` over ``axis``: the KL divergence of ``q`` from ``t``.

    Terms with ``t_c = 0`` are exactly 0 in value and gradient, whatever ``log q_c`` is
    (−inf, NaN); ``t_c > 0`` with ``log q_c = −inf`` gives +inf.
    """
    return kernels(xp or namespace_of(log_q))["relative_entropy"](target, log_q, axis)


def negative_log_likelihood(log_p: Any, labels: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``−log_p[y]``: the negative log-probability of each integer label, without ``axis``."""
    return kernels(xp or namespace_of(log_p))["negative_log_likelihood"](log_p, labels, axis)


def multi_margin(
    scores: Any, labels: Any, p: int, margin: float, axis: int = -1, *, xp: ModuleType | None = None
) -> Any:
    """``Σ_{c≠y} max(0, m − x_y + x_c)^p / C`` over ``axis`` (p = 1 or 2), without ``axis``."""
    return _call("multi_margin", xp or namespace_of(scores), scores, labels, p, margin, axis)


def multilabel_margin(scores: Any, lists: Any, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``Σ_{j∈Y} Σ_{i∉Y} max(0, 1 − (x_j − x_i)) / C`` over ``axis``, without it; ``Y`` the labels
    listed along ``axis`` of the integer ``lists`` before the first −1 (torch's MultiLabelMarginLoss)."""
    return kernels(xp or namespace_of(scores))["multilabel_margin"](scores, lists, axis)


def pairwise_distance(x1: Any, x2: Any, p: float, eps: float, axis: int = -1, *, xp: ModuleType | None = None) -> Any:
    """``(Σ |x₁ − x₂ + ε|^p)^(1/p)`` over ``axis``, without it (torch.pairwise_distance, any axis).

    ``p`` > 0 and finite. At zero distance (possible only with ``eps = 0``) the value is 0
    with gradient 0, the subgradient of torch's norm, not the NaN of a bare root.
    """
    return _call("pairwise_distance", xp or namespace_of(x1), x1, x2, p, eps, axis)


def margin_ranking(x1: Any, x2: Any, target: Any, margin: float, *, xp: ModuleType | None = None) -> Any:
    """``max(0, −t·(x₁ − x₂) + margin)``, elementwise (torch.nn.MarginRankingLoss's formula)."""
    return _call("margin_ranking", xp or namespace_of(x1), x1, x2, target, margin)


def hinge_embedding(x: Any, target: Any, margin: float, *, xp: ModuleType | None = None) -> Any:
    """``x`` where ``t = 1``, ``max(0, margin − x)`` where ``t = −1``, both terms for any other ``t``.

    Elementwise; torch.nn.HingeEmbeddingLoss's formula.
    """
    return _call("hinge_embedding", xp or namespace_of(x), x, target, margin)


def extrema(x: Any, *, xp: ModuleType | None = None) -> tuple:
    """``(min, max)`` of an eager array as Python numbers, for value checks.

    ``(0, 0)`` when there is nothing to check: an empty array, or one whose values a
    ``jax.jit`` trace does not know yet. NaN if any entry is NaN.
    """
    return kernels(xp or namespace_of(x))["extrema"](x)


def xlogy(x: Any, y: Any, *, xp: ModuleType | None = None) -> Any:
    """``x * log(y)`` with the convention ``0 * log(0) = 0``, in value and gradient.

    Only where both are 0 is the product replaced, and there the gradient is 0 rather
    than ``0 * inf = NaN``. Elsewhere the gradient with respect to ``x`` is ``log(y)``,
    also at ``x = 0`` (soft targets that are themselves differentiated).
    """
    return kernels(xp or namespace_of(y))["xlogy"](x, y)


def xlog1py(x: Any, y: Any, *, xp: ModuleType | None = None) -> Any:
    """``x * log1p(y)`` with the convention ``0 * log(0) = 0`` (used for ``log(1 - p)``), as :func:`xlogy`."""
    return kernels(xp or namespace_of(y))["xlog1py"](x, y)
