"""torch's kernels: the C++ bindings of torch's fused losses, and closed-form gradients as autograd Functions.

The loss kernels call the C++ bindings that torch's ``F.mse_loss`` & co. call: the Python
wrappers spend a noticeable part of a small call on what lossx has done already (shapes
checked and broadcast, options validated); the bindings keep ``__torch_function__`` and
autocast, and torch.compile traces them. Each such loss has a fused form in ``FUSED``
(torch's own "mean" or "sum"), which returns None where torch's kernel does not compute
lossx's value: an empty batch (torch's mean of nothing is NaN), a compiled trace (the
generic formula, fused by inductor, keeps a tiny loss's digits). Under torch.compile the
kernels take the generic formulas (:mod:`lossx.kernels.generic`), which inductor fuses,
value and autodiff.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from array_api_compat import torch as torch_namespace
from torch.autograd.function import once_differentiable

from .._errors import DistributedError
from . import generic
from .torch_linear import fused_linear_cross_entropy, linear_cross_entropy

#: torch's reduction enum (torch.nn._reduction).
_CODE = {"none": 0, "mean": 1, "sum": 2}
_REDUCE: dict[str, Callable[[Any], Any]] = {"none": lambda loss: loss, "mean": torch.mean, "sum": torch.sum}
#: The C++ bindings of torch's losses. Any: torch's stubs type their reduction as a str, but
#: the bindings take the int of _CODE (a str raises TypeError).
_nn: Any = torch._C._nn


def _same_shape(a: Any, b: Any) -> tuple:
    # torch's losses warn when the target's shape differs, and the closed-form gradients
    # need equal shapes; lossx broadcasts (checked before).
    return (a, b) if a.shape == b.shape else torch.broadcast_tensors(a, b)


def _long(labels: Any) -> Any:
    # .long() of an int64 tensor returns it, after a dispatch that costs time of its own.
    return labels if labels.dtype == torch.int64 else labels.long()


def _softplus(x: Any) -> Any:
    # torch's default threshold=20 returns x above 20, an error of exp(-20)
    # relative to x: too coarse for float64. Above 50 the error is < 1e-22.
    return F.softplus(x, 1.0, 50.0)


def _sharpened_log_softmax(x: Any, axis: int) -> Any:
    """generic.sharpened of ``torch.log_softmax`` with torch's ops (differentiable, traced whole by torch.compile)."""
    log_p = torch.log_softmax(x, dim=axis)
    dominant = log_p > generic.LOG_HALF
    others = torch.where(dominant, 0.0, log_p.exp()).sum(axis, keepdim=True)
    return torch.where(dominant, torch.log1p(-others.clamp(max=0.5)), log_p)


def _masked_dot(target: Any, log_p: Any, axis: int) -> Any:
    # t·log p is exact wherever t ≠ 0; where t = 0 the term is 0 even for log p = −inf.
    return (target * log_p).masked_fill_(target == 0, 0.0).sum(axis)


class SoftTargetCrossEntropy(torch.autograd.Function):
    """``−Σ_c t_c·log_softmax(x)_c`` with ``0·log 0 = 0``, and its gradients in closed form.

    Autograd of the composed form takes ~10 passes over (N, C) (the `where`s that keep
    ``0·(−inf)`` out of value and gradient); the closed forms take 3:
    ``∂/∂x = g·(softmax(x)·Σ_c t_c − t)`` (finite for −inf logits, whose softmax is 0) and
    ``∂/∂t = −g·log p``, 0 where ``t = 0`` and ``log p = −inf`` (as :func:`lossx.primitives.times_log`).
    First derivatives only: a second derivative raises rather than being silently wrong.

    Eager only, and torch's ``log_softmax`` unsharpened: where the target's class dominates,
    a tiny loss keeps few of its digits, as in torch's own ``cross_entropy``; sharpening it
    costs a multiple of a small call's time (docs/performance.md, "The digits of a tiny loss").
    """

    @staticmethod
    def forward(ctx: Any, logits: Any, target: Any, axis: int) -> Any:
        log_p = torch.log_softmax(logits, axis)
        ctx.save_for_backward(log_p, target)
        ctx.axis = axis
        # One fused dot product; it is NaN only where some 0·log 0 = 0·(−inf) term is (or the
        # inputs hold NaN, which the masked form keeps), so the masked form, several times slower in
        # eager mode, runs only then.
        loss = -torch.linalg.vecdot(target, log_p, dim=axis)
        if bool(torch.isnan(loss).any()):
            loss = -_masked_dot(target, log_p, axis)
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Any) -> Any:
        log_p, target = ctx.saved_tensors
        grad = grad.unsqueeze(ctx.axis)
        grad_logits = grad_target = None
        if ctx.needs_input_grad[0]:
            # g·(p·Σt − t) is log-softmax's backward of the upstream gradient −g·t: torch's
            # fused kernel for it takes one pass where the composed form takes three.
            grad_logits = torch.ops.aten._log_softmax_backward_data(-grad * target, log_p, ctx.axis, log_p.dtype)
        if ctx.needs_input_grad[1]:
            absent = (target == 0) & (log_p == -math.inf)
            grad_target = -grad * log_p.masked_fill(absent, 0.0)
        return grad_logits, grad_target, None


def _masked_relative_entropy(target: Any, log_q: Any, axis: int) -> Any:
    # t·log t is 0 at t = 0 (xlogy); t·log q is exact wherever t ≠ 0, and 0 where t = 0.
    own = torch.special.xlogy(target, target)
    return (own - target * log_q).masked_fill_(target == 0, 0.0).sum(axis)


class RelativeEntropy(torch.autograd.Function):
    """``Σ_c t_c·(log t_c − log q_c)``, 0 where ``t_c = 0``, with its gradients in closed form.

    The composed form (the `where`s that keep ``0·(−inf)`` out of value and gradient)
    takes ~9 passes each way; these take 2 forward (``Σ t·log t`` and one fused dot
    product ``Σ t·log q``) and 1 per gradient: ``∂/∂log q = −g·t`` and
    ``∂/∂t = g·(log t + 1 − log q)``, 0 where ``t = 0`` (the composed form's stand-ins).
    First derivatives only: a second derivative raises rather than being silently wrong.
    """

    @staticmethod
    def forward(ctx: Any, target: Any, log_q: Any, axis: int) -> Any:
        ctx.save_for_backward(target, log_q)
        ctx.axis = axis
        if torch.compiler.is_compiling():  # the compiler fuses the masked form into one pass
            return _masked_relative_entropy(target, log_q, axis)
        # NaN only where a 0·log 0 = 0·(−inf) term is (or the inputs hold NaN, which the
        # masked form keeps): the masked form runs only then, as in soft cross-entropy.
        loss = torch.special.xlogy(target, target).sum(axis) - torch.linalg.vecdot(target, log_q, dim=axis)
        if bool(torch.isnan(loss).any()):
            loss = _masked_relative_entropy(target, log_q, axis)
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Any) -> Any:
        target, log_q = ctx.saved_tensors
        grad = grad.unsqueeze(ctx.axis)
        grad_target = grad_log_q = None
        if ctx.needs_input_grad[0]:
            grad_target = (grad * (torch.log(target) + 1.0 - log_q)).masked_fill_(target == 0, 0.0)
        if ctx.needs_input_grad[1]:
            grad_log_q = -grad * target
        return grad_target, grad_log_q, None


def _positive_term(logits: Any, pos_weight: Any) -> Any:
    # w·softplus(−x) (the positive term's factor of w·t), in a fresh array.
    term = _softplus(torch.neg(logits))
    return term if pos_weight is None else term.mul_(pos_weight)


class SigmoidCrossEntropy(torch.autograd.Function):
    """``(1−t)·softplus(x) + w·t·softplus(−x)`` and its reduction, with its gradients in closed form.

    torch's ``binary_cross_entropy_with_logits`` computes ``(1−t)·x − (1 + (w−1)·t)·log σ(x)``,
    whose terms cancel where the loss is tiny (x = −30, t = 0 gives 9.2371e−14 for
    log1p(e^−30) = 9.3576e−14 in float64, 0 in float32), and its gradient ``σ(x) − t`` does
    the same for x = 30, t = 1. Here both softplus terms are non-negative and ``lerp``
    combines them without cancelling (it is exact at t = 0 and t = 1); the gradients are
    ``∂/∂x = (1−t)·σ(x) − w·t·σ(−x)``, each σ computed on its own side, ``∂/∂t = w·softplus(−x) −
    softplus(x)`` and ``∂/∂w = t·softplus(−x)`` (summed to w's shape). First derivatives only:
    a second derivative raises rather than being silently wrong.
    """

    @staticmethod
    def forward(ctx: Any, logits: Any, target: Any, pos_weight: Any, reduction: str) -> Any:
        # The positive term first: its −x is freed before softplus(x) is allocated.
        positive = _positive_term(logits, pos_weight)
        loss = _softplus(logits).lerp_(positive, target)
        weight_tensor = pos_weight if isinstance(pos_weight, torch.Tensor) else None
        ctx.save_for_backward(logits, target, weight_tensor)
        ctx.weight_number = pos_weight if weight_tensor is None else None
        ctx.reduction = reduction
        return _REDUCE[reduction](loss)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Any) -> Any:
        logits, target, pos_weight = ctx.saved_tensors
        pos_weight = ctx.weight_number if pos_weight is None else pos_weight
        if ctx.reduction == "mean":
            grad = grad / logits.numel()
        grad_logits = grad_target = grad_pos_weight = None
        if ctx.needs_input_grad[0]:
            negative = torch.sigmoid_(torch.neg(logits))
            if pos_weight is not None:
                negative.mul_(pos_weight)
            grad_logits = torch.sigmoid(logits).lerp_(negative.neg_(), target).mul_(grad)
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            positive = _positive_term(logits, None)
            if ctx.needs_input_grad[2]:
                grad_pos_weight = (target * positive * grad).sum_to_size(pos_weight.shape)
            if ctx.needs_input_grad[1]:
                if pos_weight is not None:
                    positive.mul_(pos_weight)
                grad_target = positive.sub_(_softplus(logits)).mul_(grad)
        return grad_logits, grad_target, grad_pos_weight, None


class LogCosh(torch.autograd.Function):
    """:func:`lossx.kernels.generic.log_cosh_value` of ``y_pred − y_true`` with the derivative ``tanh(e)`` in closed
    form.

    The series' multiply-adds run in place in one array, and autograd keeps ``e`` only: the
    composed form recorded every step of them (several times the time of the
    plain ``|e| + softplus(−2|e|) − log 2``).
    First derivatives only: a second derivative raises rather than being silently wrong.
    """

    @staticmethod
    def forward(ctx: Any, y_pred: Any, y_true: Any) -> Any:
        error = y_pred - y_true
        magnitude = error.abs()
        far = F.softplus(magnitude * -2.0, 1.0, 50.0).add_(magnitude).sub_(math.log(2.0))
        square = magnitude.clamp(max=generic.LOG_COSH_NEAR).square_()
        series = square * generic.LOG_COSH_SERIES[-1]
        for coefficient in reversed(generic.LOG_COSH_SERIES[:-1]):
            series.add_(coefficient).mul_(square)
        ctx.save_for_backward(error)
        return torch.where(magnitude < generic.LOG_COSH_NEAR, series, far)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Any) -> Any:
        (error,) = ctx.saved_tensors
        slope = torch.tanh(error).mul_(grad)
        return slope, -slope


# ---------------------------------------------------------------- kernels


def logsumexp(x: Any, axis: int, keepdims: bool) -> Any:
    return torch.logsumexp(x, dim=axis, keepdim=keepdims)


def log_softmax(x: Any, axis: int) -> Any:
    return _sharpened_log_softmax(x, axis)


def softmax(x: Any, axis: int) -> Any:
    return torch.softmax(x, dim=axis)


def sigmoid(x: Any) -> Any:
    return torch.sigmoid(x)


def softplus(x: Any) -> Any:
    return _softplus(x)


def log_sigmoid(x: Any) -> Any:
    return F.logsigmoid(x)


def one_hot(labels: Any, num_classes: int, dtype: Any) -> Any:
    return F.one_hot(_long(labels), num_classes).to(dtype)


def take_along_axis(x: Any, indices: Any, axis: int) -> Any:
    if torch.compiler.is_compiling() and indices.shape[axis] == 1:
        # One pick per line, as a comparison with the positions: inductor fuses it into the
        # reduction, and its backward into a `where`, where take_along_dim's backward scatters
        # into a new (N, C) buffer (a compiled sparse cross-entropy's peak memory is then torch's own).
        positions = torch.arange(x.shape[axis], device=x.device)
        positions = positions.reshape((-1,) + (1,) * (x.ndim - 1 - axis % x.ndim))
        return torch.sum(torch.where(positions == indices, x, 0.0), dim=axis, keepdim=True)
    return torch.take_along_dim(x, _long(indices), dim=axis)


def gather(vector: Any, indices: Any) -> Any:
    return vector[_long(indices)]


def drop_axis(x: Any, axis: int) -> Any:
    # array-api-compat's squeeze sorts its axes in Python, which torch.compile
    # cannot trace with dynamic shapes.
    return torch.squeeze(x, axis)


def extrema(x: Any) -> tuple:
    if x.numel() == 0:
        return 0, 0
    # One pass over x for both; a value check records no autograd node (labels need no detach).
    low, high = torch.aminmax(x.detach() if x.requires_grad else x)
    return low.item(), high.item()


def stop_gradient(x: Any) -> Any:
    return x.detach()


def squared_error(y_pred: Any, y_true: Any) -> Any:
    return _nn.mse_loss(*_same_shape(y_pred, y_true), 0)


def absolute_error(y_pred: Any, y_true: Any) -> Any:
    return _nn.l1_loss(*_same_shape(y_pred, y_true), 0)


def huber(y_pred: Any, y_true: Any, delta: Any) -> Any:
    return _nn.huber_loss(*_same_shape(y_pred, y_true), 0, delta)


def smooth_l1(y_pred: Any, y_true: Any, beta: Any) -> Any:
    return _nn.smooth_l1_loss(*_same_shape(y_pred, y_true), 0, beta)


def sigmoid_cross_entropy(logits: Any, target: Any, pos_weight: Any) -> Any:
    if torch.compiler.is_compiling():
        # Inductor fuses the generic form, and autodiff of it, into one pass each way.
        return generic.sigmoid_cross_entropy(torch, logits, target, pos_weight)
    return SigmoidCrossEntropy.apply(*_same_shape(logits, target), pos_weight, "none")


#: The pieces the generic formulas take from a table under torch.compile.
_COMPILED_TABLE = {
    "take_along_axis": take_along_axis,
    "drop_axis": drop_axis,
    "stop_gradient": stop_gradient,
    "log_softmax": _sharpened_log_softmax,
    "softplus": _softplus,
}


def softmax_cross_entropy(logits: Any, labels: Any, axis: int) -> Any:
    if torch.compiler.is_compiling():
        # Compiled code fuses the generic form itself, and it does not stop on out-of-range
        # labels, which are only checked in eager mode (docs/semantics.md, errors).
        return generic.softmax_cross_entropy(_COMPILED_TABLE, torch_namespace, logits, labels, axis)
    # torch's fused kernel, although it loses a tiny loss's digits where the label dominates
    # (its log_softmax): lossx's exact form in eager torch cost several times a small call
    # (docs/performance.md, "The digits of a tiny loss"). Compiled code keeps them (above).
    if logits.ndim > 1 and axis % logits.ndim != 1:  # torch's class axis is 1
        logits = torch.movedim(logits, axis, 1)
    # No ignored label (ignore_index=-100 cannot match: labels were checked to lie in [0, C)).
    return _nn.cross_entropy_loss(logits, _long(labels), None, 0, -100, 0.0)


def negative_log_likelihood(log_p: Any, labels: Any, axis: int) -> Any:
    if torch.compiler.is_compiling():  # as softmax_cross_entropy
        # take_along_dim, not the comparison of take_along_axis: a loss that reads one
        # entry per line should not pay a pass over all of them.
        return -torch.take_along_dim(log_p, _long(labels).unsqueeze(axis), dim=axis).squeeze(axis)
    if log_p.ndim > 1 and axis % log_p.ndim != 1:
        log_p = torch.movedim(log_p, axis, 1)
    return _nn.nll_loss_nd(log_p, _long(labels), None, 0, -100)


def _multi_margin(scores: Any, labels: Any, p: int, margin: Any, axis: int, code: int) -> Any:
    # torch's kernel takes (N, C) scores only: other layouts are moved and flattened to it.
    if scores.ndim != 2 or axis % 2 != 1:
        rows = torch.movedim(scores, axis, -1).reshape(-1, scores.shape[axis])
        flat = _nn.multi_margin_loss(rows, _long(labels.reshape(-1)), p, margin, None, code)
        return flat if code else flat.reshape(labels.shape)
    return _nn.multi_margin_loss(scores, _long(labels), p, margin, None, code)


def multi_margin(scores: Any, labels: Any, p: int, margin: Any, axis: int) -> Any:
    return _multi_margin(scores, labels, p, margin, axis, 0)


def _multilabel_margin(scores: Any, lists: Any, axis: int, code: int) -> Any:
    # torch's kernel loops over each entry's labels (memory of the scores' size, where the
    # generic formula pairs every label with every class); it takes (C,) or (N, C) scores,
    # so other layouts are moved and flattened to it.
    if (scores.ndim == 2 and axis % 2 == 1) or scores.ndim == 1:
        return _nn.multilabel_margin_loss(scores, _long(lists), code)
    rows = torch.movedim(scores, axis, -1).reshape(-1, scores.shape[axis])
    flat = _nn.multilabel_margin_loss(rows, _long(torch.movedim(lists, axis, -1).reshape(rows.shape)), code)
    if code:
        return flat
    return flat.reshape(lists.shape[: axis % scores.ndim] + lists.shape[axis % scores.ndim + 1 :])


def _take_along_dim(x: Any, indices: Any, axis: int) -> Any:
    return torch.take_along_dim(x, _long(indices), axis)


#: take_along_dim for the compiled multilabel margin, whose indices are whole lines (take_along_axis's
#: comparison serves one pick per line).
_TAKE_ALONG_DIM = {"take_along_axis": _take_along_dim}


def multilabel_margin(scores: Any, lists: Any, axis: int) -> Any:
    # Under torch.compile the generic formula: torch 2.13's compiled multilabel_margin_loss gives
    # other numbers than its eager kernel.
    if torch.compiler.is_compiling():
        return generic.multilabel_margin(_TAKE_ALONG_DIM, torch_namespace, scores, lists, axis)
    return _multilabel_margin(scores, lists, axis, 0)


def margin_ranking(x1: Any, x2: Any, target: Any, margin: Any) -> Any:
    # torch's C++ composite of lossx's formula (−t·(x₁ − x₂) + margin, clamped at 0): the
    # same values, without a Python call per operation.
    return torch.margin_ranking_loss(x1, x2, target, margin, 0)


def hinge_embedding(x: Any, target: Any, margin: Any) -> Any:
    return torch.hinge_embedding_loss(x, target, margin, 0)


def pairwise_distance(x1: Any, x2: Any, p: Any, eps: Any, axis: int) -> Any:
    # torch.pairwise_distance's norm, over any axis; its gradient at zero distance is 0.
    return torch.linalg.vector_norm(x1 - x2 + eps if eps else x1 - x2, p, dim=axis)


def softmax_cross_entropy_soft(logits: Any, target: Any, axis: int) -> Any:
    logits, target = _same_shape(logits, target)
    if torch.compiler.is_compiling():
        # Inductor fuses the composed form (the sharpened log-softmax, times_log, the sum) and
        # its autodiff, which keeps a tiny loss's digits.
        return generic.softmax_cross_entropy_soft(_COMPILED_TABLE, torch_namespace, logits, target, axis)
    return SoftTargetCrossEntropy.apply(logits, target, axis % logits.ndim)


def relative_entropy(target: Any, log_q: Any, axis: int) -> Any:
    target, log_q = _same_shape(target, log_q)
    return RelativeEntropy.apply(target, log_q, axis % log_q.ndim)


def log_cosh(y_pred: Any, y_true: Any) -> Any:
    if torch.compiler.is_compiling():  # inductor fuses the composed form and its autodiff
        return generic.log_cosh(_COMPILED_TABLE, torch_namespace, y_pred, y_true)
    return LogCosh.apply(*_same_shape(y_pred, y_true))


def ctc_log_probs(
    log_probs: Any, labels: Any, input_lengths: Any, label_lengths: Any, blank: int, zero_infinity: bool
) -> Any:
    """lossx's ctc on log-softmax outputs (B, T, C), labels padded with the blank; None where unfit.

    torch's kernel serves float32 only (in float64 its gradient is off by ~5e-12 relative,
    above the numerical promise's 1e-12), non-empty inputs (it refuses them) and finite log-probabilities
    (−inf from masked classes gives NaN gradients); the caller computes the rest itself.
    """
    if log_probs.dtype != torch.float32 or log_probs.numel() == 0 or not bool(torch.isfinite(log_probs).all()):
        return None
    batch, frames = log_probs.shape[0], log_probs.shape[1]
    if input_lengths is None:
        input_lengths = torch.full((batch,), frames, dtype=torch.long, device=log_probs.device)
    return F.ctc_loss(
        log_probs.transpose(0, 1),
        _long(labels),
        _long(input_lengths),
        _long(label_lengths),
        blank=blank,
        reduction="none",
        zero_infinity=zero_infinity,
    )


# ---------------------------------------------------------------- fused loss-and-reduction kernels
# Each returns torch's fused kernel's "mean" or "sum", or None where it is not lossx's value:
# no entries (torch's mean of nothing is NaN), a compiled trace where the generic form runs.


def fused_squared_error(reduction: str, y_pred: Any, y_true: Any) -> Any:
    y_pred, y_true = _same_shape(y_pred, y_true)
    return _nn.mse_loss(y_pred, y_true, _CODE[reduction]) if y_pred.numel() else None


def fused_absolute_error(reduction: str, y_pred: Any, y_true: Any) -> Any:
    y_pred, y_true = _same_shape(y_pred, y_true)
    return _nn.l1_loss(y_pred, y_true, _CODE[reduction]) if y_pred.numel() else None


def fused_huber(reduction: str, y_pred: Any, y_true: Any, delta: Any) -> Any:
    y_pred, y_true = _same_shape(y_pred, y_true)
    return _nn.huber_loss(y_pred, y_true, _CODE[reduction], delta) if y_pred.numel() else None


def fused_smooth_l1(reduction: str, y_pred: Any, y_true: Any, beta: Any) -> Any:
    y_pred, y_true = _same_shape(y_pred, y_true)
    return _nn.smooth_l1_loss(y_pred, y_true, _CODE[reduction], beta) if y_pred.numel() else None


def fused_sigmoid_cross_entropy(reduction: str, logits: Any, target: Any, pos_weight: Any) -> Any:
    if torch.compiler.is_compiling():
        return None
    logits, target = _same_shape(logits, target)
    return SigmoidCrossEntropy.apply(logits, target, pos_weight, reduction) if logits.numel() else None


def fused_softmax_cross_entropy(reduction: str, logits: Any, labels: Any, axis: int) -> Any:
    if torch.compiler.is_compiling() or not logits.numel():
        return None
    if logits.ndim > 1 and axis % logits.ndim != 1:
        logits = torch.movedim(logits, axis, 1)
    return _nn.cross_entropy_loss(logits, _long(labels), None, _CODE[reduction], -100, 0.0)


def fused_negative_log_likelihood(reduction: str, log_p: Any, labels: Any, axis: int) -> Any:
    if torch.compiler.is_compiling() or not log_p.numel():
        return None
    if log_p.ndim > 1 and axis % log_p.ndim != 1:
        log_p = torch.movedim(log_p, axis, 1)
    return _nn.nll_loss_nd(log_p, _long(labels), None, _CODE[reduction], -100)


def fused_multi_margin(reduction: str, scores: Any, labels: Any, p: int, margin: Any, axis: int) -> Any:
    return _multi_margin(scores, labels, p, margin, axis, _CODE[reduction]) if scores.numel() else None


def fused_multilabel_margin(reduction: str, scores: Any, lists: Any, axis: int) -> Any:
    if torch.compiler.is_compiling() or not scores.numel():
        return None
    return _multilabel_margin(scores, lists, axis, _CODE[reduction])


def fused_margin_ranking(reduction: str, x1: Any, x2: Any, target: Any, margin: Any) -> Any:
    if not (x1.numel() and x2.numel() and target.numel()):
        return None
    return torch.margin_ranking_loss(x1, x2, target, margin, _CODE[reduction])


def fused_hinge_embedding(reduction: str, x: Any, target: Any, margin: Any) -> Any:
    if not (x.numel() and target.numel()):
        return None
    return torch.hinge_embedding_loss(x, target, margin, _CODE[reduction])


def fused_softmax_cross_entropy_soft(reduction: str, logits: Any, target: Any, axis: int) -> Any:
    # torch's own cross-entropy with probability targets: one graph of C++ nodes, no Python
    # backward. It is NaN for a 0·log 0 term (a −inf logit where t = 0), which lossx's is
    # not: a NaN result (that, or NaN inputs) is left to the exact form. Like the Function,
    # it keeps few digits of a tiny loss where the target's class dominates.
    if torch.compiler.is_compiling() or not logits.numel():
        return None
    logits, target = _same_shape(logits, target)
    if logits.ndim > 1 and axis % logits.ndim != 1:
        logits, target = torch.movedim(logits, axis, 1), torch.movedim(target, axis, 1)
    out = _nn.cross_entropy_loss(logits, target, None, _CODE[reduction], -100, 0.0)
    return None if bool(torch.isnan(out)) else out


def fused_relative_entropy(reduction: str, target: Any, log_q: Any, axis: int) -> Any:
    # torch.kl_div, Σ xlogy(t, t) − t·log q: its "sum", and its "batchmean" (the sum over the
    # batch's size) where that is lossx's mean, the mean over the rows of (N, C). It is NaN for
    # a 0·log 0 term (t = 0 where log q = −inf), and its target gradient is NaN wherever t = 0,
    # so a differentiated target also takes the exact form.
    if torch.compiler.is_compiling() or target.requires_grad or not log_q.numel():
        return None
    target, log_q = _same_shape(target, log_q)
    if reduction == "sum":
        total = torch.kl_div(log_q, target, _CODE["sum"], log_target=False)
    elif log_q.ndim == 2 and axis % 2 == 1:
        total = F.kl_div(log_q, target, reduction="batchmean", log_target=False)
    else:
        return None
    return None if bool(torch.isnan(total)) else total


# ---------------------------------------------------------------- services


def is_eager(x: Any) -> bool:
    return not torch.compiler.is_compiling()


def to_numpy(x: Any) -> Any:
    x = x.detach().cpu()
    # NumPy has no bfloat16: its values are exact in float32.
    return (x.float() if x.dtype == torch.bfloat16 else x).numpy()


def from_numpy(array: Any) -> Any:
    return torch.as_tensor(array)


def across(numerator: Any, denominator: Any, group: Any, loss: str) -> tuple:
    """The numerator scaled by the group's size, and the denominator all-reduced without a gradient.

    DDP and FSDP average the gradients over the group (a sum divided by its size), so each
    process's loss is its share ``Σ w·l / Σ_all w`` times the size: the average of the
    processes' gradients is then the gradient of the global mean. One scalar all-reduce.
    """
    import torch.distributed as dist

    is_group = dist.is_available() and isinstance(group, dist.ProcessGroup)
    if not (group == "world" if isinstance(group, str) else is_group):
        raise DistributedError(
            f"{loss}: mean_across={group!r}: for torch tensors give a process group "
            "(torch.distributed.new_group(...)) or 'world', the default group."
        )
    if not (dist.is_available() and dist.is_initialized()):
        raise DistributedError(
            f"{loss}: mean_across={group!r} needs torch.distributed, and no process group is initialized: call "
            "torch.distributed.init_process_group first (torchrun sets up its environment), or drop mean_across "
            "in a single process."
        )
    if isinstance(group, str):
        group = dist.group.WORLD
    size = dist.get_world_size(group)
    if size < 1:
        raise DistributedError(
            f"{loss}: this process (rank {dist.get_rank()}) is not a member of the process group given as "
            "mean_across; call the loss with a group it belongs to."
        )
    total = denominator.detach().clone()
    dist.all_reduce(total, op=dist.ReduceOp.SUM, group=group)
    return numerator * size, total


def value_and_gradient(function: Callable[..., Any], inputs: Sequence[Any], compiled: bool) -> tuple:
    prediction = torch.tensor(inputs[0], requires_grad=True)
    value = function(prediction, *(torch.as_tensor(x) for x in inputs[1:]))
    (gradient,) = torch.autograd.grad(value.sum(), prediction)
    return value.detach().double().numpy(), gradient.double().numpy()


def value_and_derivative(function: Callable[[Any], Any], x: Any, grad: bool) -> tuple:
    """``function`` at the NumPy points ``x`` and, with ``grad``, each point's derivative, by ``torch.autograd`` in
    float64."""
    tensor = torch.tensor(x, dtype=torch.float64, requires_grad=grad)
    values = function(tensor)
    if not grad:
        return values.detach().numpy(), None
    if not values.requires_grad:  # a loss that does not depend on x here (everything ignored)
        return values.detach().numpy(), np.zeros_like(x)
    (derivative,) = torch.autograd.grad(values.sum(), tensor, allow_unused=True)
    return values.detach().numpy(), np.zeros_like(x) if derivative is None else derivative.numpy()


def loss_class(name: str) -> Any:
    """torch.nn's loss class ``name`` (``"CrossEntropyLoss"``), or None where torch has none."""
    return getattr(torch.nn, name, None)


def warm_caches() -> None:
    """Fill lossx's per-type caches for torch tensors when torch is imported, so a first call does not pay for them."""
    from .. import _dtypes, _namespace
    from . import kernels

    sample = torch.empty(0)
    xp = _namespace.namespace_of(sample)
    kernels(xp)
    _dtypes.dtype_answers(xp)
    _namespace.framework_name(sample)
    _namespace.is_eager(sample)


KERNELS: dict[str, Callable[..., Any]] = {
    "logsumexp": logsumexp,
    "log_softmax": log_softmax,
    "softmax": softmax,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "one_hot": one_hot,
    "take_along_axis": take_along_axis,
    "gather": gather,
    "drop_axis": drop_axis,
    "extrema": extrema,
    "stop_gradient": stop_gradient,
    "squared_error": squared_error,
    "absolute_error": absolute_error,
    "huber": huber,
    "smooth_l1": smooth_l1,
    "sigmoid_cross_entropy": sigmoid_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
    "negative_log_likelihood": negative_log_likelihood,
    "multi_margin": multi_margin,
    "multilabel_margin": multilabel_margin,
    "margin_ranking": margin_ranking,
    "hinge_embedding": hinge_embedding,
    "pairwise_distance": pairwise_distance,
    "softmax_cross_entropy_soft": softmax_cross_entropy_soft,
    "relative_entropy": relative_entropy,
    "log_cosh": log_cosh,
    "ctc_log_probs": ctc_log_probs,
    "linear_cross_entropy": linear_cross_entropy,
}
FUSED: dict[str, Callable[..., Any]] = {
    "squared_error": fused_squared_error,
    "absolute_error": fused_absolute_error,
    "huber": fused_huber,
    "smooth_l1": fused_smooth_l1,
    "sigmoid_cross_entropy": fused_sigmoid_cross_entropy,
    "softmax_cross_entropy": fused_softmax_cross_entropy,
    "negative_log_likelihood": fused_negative_log_likelihood,
    "multi_margin": fused_multi_margin,
    "multilabel_margin": fused_multilabel_margin,
    "margin_ranking": fused_margin_ranking,
    "hinge_embedding": fused_hinge_embedding,
    "softmax_cross_entropy_soft": fused_softmax_cross_entropy_soft,
    "relative_entropy": fused_relative_entropy,
    "linear_cross_entropy": fused_linear_cross_entropy,
}
