"""torch's linear cross-entropy: the chunk loop of :mod:`lossx.kernels.linear` as two ``autograd.Function`` classes.

:class:`_LinearCrossEntropy` gives the rows' losses: its forward pass keeps each row's
``log Z`` and its backward pass recomputes one chunk's logits at a time, so neither holds
more than one chunk's (chunk, V) arrays. It has a ``setup_context``, so ``torch.func.grad``
composes with it, and torch.compile traces it whole. An unweighted mean or sum in eager
mode goes to :class:`_ReducedLinearCrossEntropy` (:func:`fused_linear_cross_entropy`), which
takes the gradients with the forward pass: one matrix product fewer per chunk.
"""

from __future__ import annotations

from typing import Any

import torch
from array_api_compat import torch as torch_namespace
from torch.autograd.function import once_differentiable

from . import linear

__all__ = ["linear_cross_entropy", "fused_linear_cross_entropy"]


def _logits(hidden: Any, weight: Any, bias: Any) -> Any:
    return hidden @ weight.T if bias is None else torch.addmm(bias, hidden, weight.T)


def _logit_gradient(raw: Any, labels: Any, log_z: Any, coefficients: tuple, class_weight: Any, softcap: Any) -> Any:
    """:func:`lossx.kernels.linear.chunk_logit_gradient` of a chunk of whole rows, in place on the chunk's logits.

    ``raw`` is overwritten (each caller computed it for this call). The generic formula's steps
    each allocate a (rows, V) array, and the label's entry takes a comparison and a ``where``
    over all of them; here the label's entry is one scatter, and a cap adds one array.
    """
    scale, label_part, spread = coefficients
    gradient = linear.capped(torch_namespace, raw, softcap).sub_(log_z[:, None]).exp_().mul_(scale[:, None])
    gradient.scatter_add_(1, labels[:, None], -label_part[:, None])
    if spread is not None:
        gradient.sub_(spread[:, None] if class_weight is None else spread[:, None] * class_weight)
    if softcap is not None:
        gradient.mul_(raw.div_(softcap).tanh_().square_().neg_().add_(1.0))
    return gradient


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(hidden, weight, bias, labels, class_weight, label_smoothing, z_loss, softcap, chunk):
        losses, log_zs = [], []
        for start in range(0, hidden.shape[0], chunk):
            raw = _logits(hidden[start : start + chunk], weight, bias)
            loss, log_z = linear.chunk_loss(
                torch_namespace,
                raw,
                labels[start : start + chunk],
                class_weight,
                label_smoothing,
                z_loss,
                softcap,
            )
            losses.append(loss)
            log_zs.append(log_z)
        return torch.cat(losses), torch.cat(log_zs)

    @staticmethod
    def setup_context(ctx, inputs, output):
        hidden, weight, bias, labels, class_weight, label_smoothing, z_loss, softcap, chunk = inputs
        ctx.save_for_backward(hidden, weight, bias, labels, class_weight, output[1])
        ctx.options = (label_smoothing, z_loss, softcap, chunk)
        ctx.mark_non_differentiable(output[1])

    @staticmethod
    def backward(ctx, upstream, _log_z_gradient):
        hidden, weight, bias, labels, class_weight, log_z = ctx.saved_tensors
        label_smoothing, z_loss, softcap, chunk = ctx.options
        wants_hidden, wants_weight, wants_bias = ctx.needs_input_grad[:3]
        hidden_parts = []
        weight_gradient = torch.zeros_like(weight) if wants_weight else None
        bias_gradient = torch.zeros_like(bias) if wants_bias else None
        for start in range(0, hidden.shape[0], chunk):
            rows = hidden[start : start + chunk]
            chunk_labels, chunk_log_z = labels[start : start + chunk], log_z[start : start + chunk]
            coefficients = linear.row_coefficients(
                torch_namespace,
                chunk_labels,
                chunk_log_z,
                upstream[start : start + chunk],
                class_weight,
                label_smoothing,
                z_loss,
                weight.shape[0],
            )
            logit_gradient = _logit_gradient(
                _logits(rows, weight, bias),
                chunk_labels,
                chunk_log_z,
                coefficients,
                class_weight,
                softcap,
            )
            if wants_hidden:
                hidden_parts.append(logit_gradient @ weight)
            if weight_gradient is not None:  # wants_weight
                weight_gradient.addmm_(logit_gradient.T, rows)
            if wants_bias:
                bias_gradient += logit_gradient.sum(0)
            del logit_gradient  # not held while the next chunk's logits are computed
        hidden_gradient = torch.cat(hidden_parts) if wants_hidden else None
        return hidden_gradient, weight_gradient, bias_gradient, None, None, None, None, None, None


def linear_cross_entropy(
    hidden: Any,
    weight: Any,
    labels: Any,
    bias: Any,
    class_weight: Any,
    label_smoothing: Any,
    z_loss: Any,
    softcap: Any,
    chunk_size: int | None,
) -> Any:
    """:meth:`lossx.kernels.Kernels.linear_cross_entropy` by :class:`_LinearCrossEntropy`."""
    if not hidden.shape[0]:
        return (hidden @ weight.T).sum(-1)
    chunk = linear.chunk_rows(hidden.shape[0], weight.shape[0], chunk_size)
    labels = labels if labels.dtype == torch.int64 else labels.long()
    losses, _ = _LinearCrossEntropy.apply(
        hidden,
        weight,
        bias,
        labels,
        class_weight,
        label_smoothing,
        z_loss,
        softcap,
        chunk,
    )
    return losses


class _ReducedLinearCrossEntropy(torch.autograd.Function):
    """``Σ_r s_r·ℓ_r`` with its gradients computed in the forward pass, chunk by chunk.

    Each chunk's logits are multiplied once and their gradient taken at once, so a step runs
    three matrix products per chunk rather than the four of a recomputing backward pass. The
    backward pass scales the held gradients by the upstream scalar in place, so the weight's
    gradient exists once. That gives them once: eager autograd only, one backward pass.
    """

    @staticmethod
    def forward(
        ctx, hidden, weight, bias, labels, row_scale, class_weight, label_smoothing, z_loss, softcap, chunk, wanted
    ):
        wants_hidden, wants_weight, wants_bias = wanted
        total = hidden.new_zeros(())
        hidden_gradient = hidden.new_empty(hidden.shape) if wants_hidden else None
        weight_gradient = torch.zeros_like(weight) if wants_weight else None
        bias_gradient = torch.zeros_like(bias) if wants_bias else None
        for start in range(0, hidden.shape[0], chunk):
            rows, chunk_labels = hidden[start : start + chunk], labels[start : start + chunk]
            scale = row_scale[start : start + chunk]
            raw = _logits(rows, weight, bias)
            loss, log_z = linear.chunk_loss(
                torch_namespace,
                raw,
                chunk_labels,
                class_weight,
                label_smoothing,
                z_loss,
                softcap,
            )
            total += torch.dot(scale, loss)
            if not any(wanted):
                continue
            coefficients = linear.row_coefficients(
                torch_namespace,
                chunk_labels,
                log_z,
                scale,
                class_weight,
                label_smoothing,
                z_loss,
                weight.shape[0],
            )
            logit_gradient = _logit_gradient(raw, chunk_labels, log_z, coefficients, class_weight, softcap)
            del raw  # with a cap, the cap's factor: not held through the products
            if hidden_gradient is not None:  # wants_hidden
                torch.mm(logit_gradient, weight, out=hidden_gradient[start : start + chunk])
            if weight_gradient is not None:  # wants_weight
                weight_gradient.addmm_(logit_gradient.T, rows)
            if wants_bias:
                bias_gradient += logit_gradient.sum(0)
            del logit_gradient
        ctx.gradients = (hidden_gradient, weight_gradient, bias_gradient)
        return total

    @staticmethod
    @once_differentiable
    def backward(ctx, upstream):
        gradients, ctx.gradients = ctx.gradients, None
        if gradients is None:
            raise RuntimeError(
                "linear_cross_entropy computed its gradients in the forward pass and has given them once; a second "
                "backward pass through the same graph (retain_graph=True) needs the loss computed again."
            )
        scaled = tuple(None if g is None else g.mul_(upstream) for g in gradients)
        return (*scaled, None, None, None, None, None, None, None, None)


def fused_linear_cross_entropy(
    reduction: str,
    hidden: Any,
    weight: Any,
    labels: Any,
    valid: Any,
    bias: Any,
    class_weight: Any,
    label_smoothing: Any,
    z_loss: Any,
    softcap: Any,
    chunk_size: int | None,
) -> Any:
    """The mean or sum by :class:`_ReducedLinearCrossEntropy`, in eager mode; None under torch.compile and torch.func.

    ``labels`` hold class 0 where ``valid`` (None: all valid) is False. "mean" scales each
    row by ``1/Σ w_y`` over the valid rows, and a batch with none gives 0.
    """
    if torch.compiler.is_compiling() or not hidden.shape[0]:
        return None
    if any(torch._C._functorch.is_functorch_wrapped_tensor(t) for t in (hidden, weight, bias) if t is not None):
        return None
    labels = labels if labels.dtype == torch.int64 else labels.long()
    row_scale = (
        torch.ones(labels.shape, dtype=hidden.dtype, device=hidden.device) if valid is None else valid.to(hidden.dtype)
    )
    if reduction == "mean":
        counted = row_scale if class_weight is None else row_scale * class_weight[labels]
        count = counted.sum()
        row_scale = row_scale / torch.where(count != 0, count, 1)
    recording = torch.is_grad_enabled()
    wanted = tuple(recording and t is not None and t.requires_grad for t in (hidden, weight, bias))
    return _ReducedLinearCrossEntropy.apply(
        hidden,
        weight,
        bias,
        labels,
        row_scale,
        class_weight,
        label_smoothing,
        z_loss,
        softcap,
        linear.chunk_rows(hidden.shape[0], weight.shape[0], chunk_size),
        wanted,
    )
