"""torch's linear cross-entropy: the chunk loop of :mod:`lossx.kernels.linear` as an ``autograd.Function``.

The forward pass keeps each row's ``log Z``; the backward pass recomputes one chunk's logits
at a time, so neither holds more than one chunk's (chunk, V) arrays. The Function has a
``setup_context``, so ``torch.func.grad`` composes with it, and torch.compile traces it whole. An unweighted mean or sum that torch's own chunked
``F.linear_cross_entropy`` computes (no smoothing, z-loss or cap) is left to it
(:func:`fused_linear_cross_entropy`), which is faster.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from array_api_compat import torch as torch_namespace

from . import linear

__all__ = ["linear_cross_entropy", "fused_linear_cross_entropy"]


def _logits(hidden: Any, weight: Any, bias: Any) -> Any:
    return hidden @ weight.T if bias is None else torch.addmm(bias, hidden, weight.T)


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(hidden, weight, bias, labels, class_weight, label_smoothing, z_loss, softcap, chunk):
        losses, log_zs = [], []
        for start in range(0, hidden.shape[0], chunk):
            raw = _logits(hidden[start:start + chunk], weight, bias)
            loss, log_z = linear.chunk_loss(
                torch_namespace, raw, labels[start:start + chunk], class_weight, label_smoothing, z_loss, softcap,
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
            rows = hidden[start:start + chunk]
            chunk_labels, chunk_log_z = labels[start:start + chunk], log_z[start:start + chunk]
            coefficients = linear.row_coefficients(
                torch_namespace, chunk_labels, chunk_log_z, upstream[start:start + chunk], class_weight,
                label_smoothing, z_loss, weight.shape[0],
            )
            logit_gradient = linear.chunk_logit_gradient(
                torch_namespace, _logits(rows, weight, bias), chunk_labels, chunk_log_z, coefficients, class_weight,
                softcap,
            )
            if wants_hidden:
                hidden_parts.append(logit_gradient @ weight)
            if wants_weight:
                weight_gradient.addmm_(logit_gradient.T, rows)
            if wants_bias:
                bias_gradient += logit_gradient.sum(0)
            del logit_gradient  # not held while the next chunk's logits are computed
        hidden_gradient = torch.cat(hidden_parts) if wants_hidden else None
        return hidden_gradient, weight_gradient, bias_gradient, None, None, None, None, None, None


def linear_cross_entropy(
    hidden: Any, weight: Any, labels: Any, bias: Any, class_weight: Any, label_smoothing: Any, z_loss: Any,
    softcap: Any, chunk_size: int | None,
) -> Any:
    """:meth:`lossx.kernels.Kernels.linear_cross_entropy` by :class:`_LinearCrossEntropy`."""
    if not hidden.shape[0]:
        return (hidden @ weight.T).sum(-1)
    chunk = linear.chunk_rows(hidden.shape[0], weight.shape[0], chunk_size)
    labels = labels if labels.dtype == torch.int64 else labels.long()
    losses, _ = _LinearCrossEntropy.apply(
        hidden, weight, bias, labels, class_weight, label_smoothing, z_loss, softcap, chunk,
    )
    return losses



def fused_linear_cross_entropy(
    reduction: str, hidden: Any, weight: Any, labels: Any, bias: Any, class_weight: Any, ignore_index: Any,
    chunk_size: int | None,
) -> Any:
    """torch's own chunked ``F.linear_cross_entropy`` where it computes lossx's value, else None.

    Eager only (it neither traces under torch.compile nor composes with torch.func), in
    float32 and float64. Its "sum" is taken, and "mean" divides it by lossx's Σ w_y, so a
    batch whose labels are all ignored gives 0 rather than torch's NaN.
    """
    if torch.compiler.is_compiling() or not hidden.shape[0] or hidden.dtype not in (torch.float32, torch.float64):
        return None
    if torch._C._functorch.is_functorch_wrapped_tensor(hidden):
        return None
    labels = labels if labels.dtype == torch.int64 else labels.long()
    chunk = linear.chunk_rows(hidden.shape[0], weight.shape[0], chunk_size)
    ignored = -100 if ignore_index is None else ignore_index
    total = F.linear_cross_entropy(
        hidden, weight, labels, linear_bias=bias, weight=class_weight, reduction="sum", ignore_index=ignored,
        options=torch.nn.LinearCrossEntropyOptions(batch_chunk_size=chunk),
    )
    if reduction == "sum":
        return total
    valid = labels != ignored
    if class_weight is None:
        count = valid.sum().to(total.dtype)
    else:
        count = torch.where(valid, class_weight[torch.where(valid, labels, 0)], 0).sum()
    return torch.where(count != 0, total / torch.where(count != 0, count, 1), 0)
