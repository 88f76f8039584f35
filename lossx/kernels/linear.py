"""The linear cross-entropy's chunk formulas, in pure Array API, each once (docs/linear-cross-entropy.md).

:func:`lossx.linear_cross_entropy` never holds the (N, V) logits ``hidden @ weight.T + bias``:
it takes rows in chunks of ``chunk`` and, per chunk, computes the chunk's logits, their loss
(:func:`chunk_loss`) and, in the backward pass, their gradient (:func:`chunk_logit_gradient`).
The framework modules own the loop, the matrix products and the custom gradient (a torch
``autograd.Function``, a ``jax.custom_vjp``, a ``tf.custom_gradient``); these formulas are
what they share. torch writes :func:`chunk_logit_gradient` with in-place operations instead
(the same steps on one array, :mod:`lossx.kernels.torch_linear`), the native form of this
fallback. :func:`linear_cross_entropy` is the loop of a namespace without a custom
gradient (NumPy, array-api-strict, Dask): a chunked forward.

Per row, with ``z`` the (capped) logits, ``Z = Σ_c e^{z_c}``, ``w`` the class weights (1 without),
``ε`` the label smoothing and ``λ`` the z-loss coefficient:
``ℓ = (1−ε)·w_y·(log Z − z_y) + (ε/V)·Σ_c w_c·(log Z − z_c) + λ·(log Z)²``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .._namespace import device_of

__all__ = [
    "chunk_rows",
    "chunk_columns",
    "capped",
    "chunk_loss",
    "row_coefficients",
    "chunk_logit_gradient",
    "linear_cross_entropy",
    "MEMORY_BUDGET",
]

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


def chunk_columns(rows: int, num_classes: int, chunk_size: int | None) -> int:
    """The classes per chunk of a backward pass over column chunks (JAX's): as many as fit :data:`MEMORY_BUDGET`
    with all ``rows``, at most ``num_classes``; ``chunk_size`` (rows per chunk) sets the same number of entries."""
    entries = chunk_size * num_classes if chunk_size is not None else MEMORY_BUDGET // (_TEMPORARIES * 4)
    return max(1, min(entries // max(rows, 1), num_classes))


def capped(xp: ModuleType, raw: Any, softcap: Any) -> Any:
    """The logits ``c·tanh(raw/c)`` (``raw`` itself without a cap)."""
    return raw if softcap is None else softcap * xp.tanh(raw / softcap)


def _is_label(xp: ModuleType, z: Any, labels: Any) -> Any:
    positions = xp.arange(z.shape[-1], dtype=labels.dtype, **device_of(z))
    return xp.equal(xp.expand_dims(labels, axis=-1), positions)


def chunk_loss(
    xp: ModuleType,
    raw: Any,
    labels: Any,
    class_weight: Any,
    label_smoothing: Any,
    z_loss: Any,
    softcap: Any,
) -> tuple:
    """``(ℓ, log Z)`` of the rows of one chunk, from its logits ``raw`` (rows, V) and labels (rows,)."""
    from . import kernels  # the package's table, built once this module is loaded

    table = kernels(xp)
    z = capped(xp, raw, softcap)
    log_z = table["logsumexp"](z, -1, False)
    label_logit = table["drop_axis"](table["take_along_axis"](z, xp.expand_dims(labels, axis=-1), -1), -1)
    loss = log_z - label_logit
    if class_weight is not None:
        loss = table["gather"](class_weight, labels) * loss
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


def row_coefficients(
    xp: ModuleType,
    labels: Any,
    log_z: Any,
    upstream: Any,
    class_weight: Any,
    label_smoothing: Any,
    z_loss: Any,
    num_classes: int,
) -> tuple:
    """The per-row factors of :func:`chunk_logit_gradient`: ``(scale, label_part, spread)``, each (rows,), spread None
    without smoothing.

    ``∂(upstream·ℓ)/∂z_c = scale·p_c − label_part·[c = y] − spread·w_c`` with ``scale = upstream·[(1−ε)·w_y +
    (ε/V)·Σw + 2λ·log Z]``, ``label_part = upstream·(1−ε)·w_y``, ``spread = upstream·ε/V``.
    """
    from . import kernels

    label_weight = upstream if class_weight is None else upstream * kernels(xp)["gather"](class_weight, labels)
    if _off(label_smoothing):
        label_part, scale, spread = label_weight, label_weight, None
    else:
        label_part = (1.0 - label_smoothing) * label_weight
        total = num_classes if class_weight is None else xp.sum(class_weight)
        spread = (label_smoothing / num_classes) * upstream
        scale = label_part + total * spread
    if not _off(z_loss):
        scale = scale + (2.0 * z_loss) * log_z * upstream
    return scale, label_part, spread


def chunk_logit_gradient(
    xp: ModuleType,
    raw: Any,
    labels: Any,
    log_z: Any,
    coefficients: tuple,
    column_weight: Any,
    softcap: Any,
) -> Any:
    """``∂(Σ upstream·ℓ)/∂raw`` of one chunk's logits ``raw`` (rows, columns), from :func:`row_coefficients`.

    The columns may be a slice of the classes: ``labels`` then count from its first column
    (a label outside the slice matches none) and ``column_weight`` is the slice's class weights.
    The cap multiplies by ``1 − (z/c)²``.
    """
    scale, label_part, spread = coefficients
    z = capped(xp, raw, softcap)
    # One (rows, columns) array rebound at each step, so that no step holds the one before it.
    gradient = xp.exp(z - xp.expand_dims(log_z, axis=-1))
    gradient = gradient * xp.expand_dims(scale, axis=-1)
    # The label's entry by `where` over a comparison: one more array of the chunk's size rather
    # than a one-hot, which would be two.
    gradient = xp.where(_is_label(xp, z, labels), gradient - xp.expand_dims(label_part, axis=-1), gradient)
    if spread is not None:
        spread = xp.expand_dims(spread, axis=-1)
        gradient = gradient - (spread if column_weight is None else spread * column_weight)
    if softcap is not None:
        gradient = gradient * (1.0 - (z / softcap) ** 2)
    return gradient


def _off(value: Any) -> bool:
    return isinstance(value, (int, float)) and value == 0


def linear_cross_entropy(
    xp: ModuleType,
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
    """The rows' losses (N,) of ``hidden`` (N, H) against ``weight`` (V, H), chunk by chunk (no custom gradient)."""
    rows = hidden.shape[0]
    chunk = chunk_rows(rows, weight.shape[0], chunk_size)
    transposed = xp.permute_dims(weight, (1, 0))
    parts = []
    for start in range(0, rows, chunk):
        raw = xp.matmul(hidden[start : start + chunk, ...], transposed)
        if bias is not None:
            raw = raw + bias
        parts.append(
            chunk_loss(xp, raw, labels[start : start + chunk], class_weight, label_smoothing, z_loss, softcap)[0]
        )
    if not parts:
        return xp.zeros((0,), dtype=hidden.dtype, **device_of(hidden))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)
