"""The linear cross-entropy's chunk formulas, in pure Array API, each once (docs/linear-cross-entropy.md).

:func:`lossx.linear_cross_entropy` never holds the (N, V) logits ``hidden @ weight.T + bias``:
it takes rows in chunks of ``chunk`` and, per chunk, computes the chunk's logits, their loss
(:func:`chunk_loss`) and, in the backward pass, their gradient (:func:`chunk_logit_gradient`).
The framework modules own the loop, the matrix products and the custom gradient (a torch
``autograd.Function``, a ``jax.custom_vjp``, a ``tf.custom_gradient``); these formulas are
what they share. :func:`linear_cross_entropy` is the loop of a namespace without a custom
gradient (NumPy, array-api-strict, Dask): a chunked forward.

Per row, with ``z`` the (capped) logits, ``Z = Σ_c e^{z_c}``, ``w`` the class weights (1 without),
``ε`` the label smoothing and ``λ`` the z-loss coefficient:
``ℓ = (1−ε)·w_y·(log Z − z_y) + (ε/V)·Σ_c w_c·(log Z − z_c) + λ·(log Z)²``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .._namespace import device_of

__all__ = ["chunk_rows", "capped", "chunk_loss", "chunk_logit_gradient", "linear_cross_entropy", "MEMORY_BUDGET"]

#: Bytes the chunk temporaries may take when ``chunk_size`` is not given: a chunk's logits,
#: their exponentials and their gradient, each (chunk, V) in float32 (docs/linear-cross-entropy.md).
MEMORY_BUDGET = 48 * 2**20

# The (chunk, V) float32 arrays alive at once in the backward pass of a chunk.
_TEMPORARIES = 3


def chunk_rows(rows: int, num_classes: int, chunk_size: int | None) -> int:
    """The rows per chunk: ``chunk_size`` as given, or as many as fit :data:`MEMORY_BUDGET`, at most ``rows``."""
    if chunk_size is None:
        chunk_size = max(1, MEMORY_BUDGET // (_TEMPORARIES * 4 * max(num_classes, 1)))
    return max(1, min(chunk_size, rows))


def capped(xp: ModuleType, raw: Any, softcap: Any) -> Any:
    """The logits ``c·tanh(raw/c)`` (``raw`` itself without a cap)."""
    return raw if softcap is None else softcap * xp.tanh(raw / softcap)


def _log_normaliser(xp: ModuleType, z: Any) -> Any:
    largest = xp.max(z, axis=-1, keepdims=True)
    shift = xp.where(xp.isfinite(largest), largest, xp.zeros_like(largest))
    return xp.squeeze(xp.log(xp.sum(xp.exp(z - shift), axis=-1, keepdims=True)) + shift, axis=-1)


def _is_label(xp: ModuleType, z: Any, labels: Any) -> Any:
    positions = xp.arange(z.shape[-1], dtype=labels.dtype, **device_of(z))
    return xp.equal(xp.expand_dims(labels, axis=-1), positions)


def _zero(xp: ModuleType, like: Any) -> Any:
    return xp.zeros_like(like)


def chunk_loss(
    xp: ModuleType, raw: Any, labels: Any, class_weight: Any, label_smoothing: Any, z_loss: Any, softcap: Any,
) -> tuple:
    """``(ℓ, log Z)`` of the rows of one chunk, from its logits ``raw`` (rows, V) and labels (rows,)."""
    z = capped(xp, raw, softcap)
    log_z = _log_normaliser(xp, z)
    is_label = _is_label(xp, z, labels)
    label_logit = xp.sum(xp.where(is_label, z, _zero(xp, z)), axis=-1)
    if class_weight is None:
        label_weight = None
        loss = log_z - label_logit
    else:
        label_weight = xp.sum(xp.where(is_label, class_weight, _zero(xp, z)), axis=-1)
        loss = label_weight * (log_z - label_logit)
    if not _off(label_smoothing):
        num_classes = z.shape[-1]
        if class_weight is None:
            spread = num_classes * log_z - xp.sum(z, axis=-1)
        else:
            spread = xp.sum(class_weight) * log_z - xp.sum(class_weight * z, axis=-1)
        loss = (1.0 - label_smoothing) * loss + (label_smoothing / num_classes) * spread
    if not _off(z_loss):
        loss = loss + z_loss * log_z * log_z
    return loss, log_z


def chunk_logit_gradient(
    xp: ModuleType, raw: Any, labels: Any, log_z: Any, upstream: Any, class_weight: Any, label_smoothing: Any,
    z_loss: Any, softcap: Any,
) -> Any:
    """``∂(Σ upstream·ℓ)/∂raw`` for one chunk: ``raw`` (rows, V), ``log_z`` and ``upstream`` (rows,).

    ``∂ℓ/∂z = p·[(1−ε)·w_y + (ε/V)·Σw + 2λ·log Z] − (1−ε)·w_y·onehot(y) − (ε/V)·w``, times the
    cap's ``1 − (z/c)²``.
    """
    z = capped(xp, raw, softcap)
    probabilities = xp.exp(z - xp.expand_dims(log_z, axis=-1))
    is_label = _is_label(xp, z, labels)
    if class_weight is None:
        label_weight = upstream
    else:
        label_weight = upstream * xp.sum(xp.where(is_label, class_weight, _zero(xp, z)), axis=-1)
    label_part = label_weight if _off(label_smoothing) else (1.0 - label_smoothing) * label_weight
    scale = label_part
    if not _off(label_smoothing):
        num_classes = z.shape[-1]
        total = num_classes if class_weight is None else xp.sum(class_weight)
        scale = scale + (label_smoothing / num_classes) * total * upstream
    if not _off(z_loss):
        scale = scale + (2.0 * z_loss) * log_z * upstream
    gradient = probabilities * xp.expand_dims(scale, axis=-1)
    gradient = gradient - xp.where(is_label, xp.expand_dims(label_part, axis=-1), _zero(xp, z))
    if not _off(label_smoothing):
        spread = xp.expand_dims((label_smoothing / z.shape[-1]) * upstream, axis=-1)
        gradient = gradient - (spread if class_weight is None else spread * class_weight)
    if softcap is not None:
        gradient = gradient * (1.0 - (z / softcap) ** 2)
    return gradient


def _off(value: Any) -> bool:
    return isinstance(value, (int, float)) and value == 0


def linear_cross_entropy(
    xp: ModuleType, hidden: Any, weight: Any, labels: Any, bias: Any, class_weight: Any, label_smoothing: Any,
    z_loss: Any, softcap: Any, chunk_size: int | None,
) -> Any:
    """The rows' losses (N,) of ``hidden`` (N, H) against ``weight`` (V, H), chunk by chunk (no custom gradient)."""
    rows = hidden.shape[0]
    chunk = chunk_rows(rows, weight.shape[0], chunk_size)
    transposed = xp.permute_dims(weight, (1, 0))
    parts = []
    for start in range(0, rows, chunk):
        raw = xp.matmul(hidden[start:start + chunk, ...], transposed)
        if bias is not None:
            raw = raw + bias
        parts.append(chunk_loss(xp, raw, labels[start:start + chunk], class_weight, label_smoothing, z_loss,
                                softcap)[0])
    if not parts:
        return xp.zeros((0,), dtype=hidden.dtype, **device_of(hidden))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)
