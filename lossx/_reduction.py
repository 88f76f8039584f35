"""The one reduction, weighting and masking machinery (SPEC §3), used by every loss.

A loss body returns either a plain array of per-element losses or
:class:`LossTerms`, which adds

* ``weight``: the class weight picked by the target for each element; it already
  multiplies ``value`` and is what ``"mean"`` divides by;
* ``valid``: a boolean array, False where an element is ignored (``ignore_index``).

The machinery then applies ``sample_weight`` (aligned to the leading axes) and the
user's ``mask``, and reduces:

* ``"none"``: ``w · l`` with ignored/masked entries 0;
* ``"sum"``:  ``Σ w · l``;
* ``"mean"``: ``Σ w · l / Σ w``, and 0 (with zero gradient) when ``Σ w = 0``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

from ._errors import ReductionError, ShapeError

__all__ = ["LossTerms", "REDUCTIONS", "check_reduction", "align_leading", "check_alignment", "reduce_terms"]

REDUCTIONS = ("none", "sum", "mean")


class LossTerms(NamedTuple):
    """Per-element losses with the class weights and validity they were computed with."""

    value: Any
    weight: Any = None
    valid: Any = None


def check_reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ReductionError(
            f"Unknown reduction {reduction!r}; use one of {', '.join(map(repr, REDUCTIONS))}."
        )
    return reduction


def _static_shape(x: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in x.shape)


def align_leading(xp: ModuleType, weight: Any, loss: Any, name: str) -> Any:
    """Reshape ``weight`` so it lines up with the LEADING axes of ``loss``.

    A weight of shape ``(B,)`` for a loss of shape ``(B, T)`` becomes ``(B, 1)``;
    trailing singleton axes beyond the loss's rank are dropped (Keras passes
    ``(B, 1)`` weights for ``(B,)`` losses). Anything else raises
    :class:`ShapeError` naming both shapes.
    """
    weight_shape = _static_shape(weight)
    loss_shape = _static_shape(loss)
    aligned = check_alignment(weight_shape, loss_shape, name)
    if aligned != weight_shape:
        weight = xp.reshape(weight, aligned)
    missing = len(loss_shape) - len(aligned)
    if missing:
        weight = xp.reshape(weight, tuple(-1 if d is None else d for d in aligned) + (1,) * missing)
    return weight


def check_alignment(weight_shape: tuple, loss_shape: tuple, name: str) -> tuple:
    """``weight_shape`` without trailing singleton axes beyond the loss's rank, if it aligns.

    The shape-only half of :func:`align_leading` (None: a size unknown while tracing);
    raises :class:`ShapeError` naming both shapes.
    """
    if len(weight_shape) > len(loss_shape):
        extra = weight_shape[len(loss_shape):]
        if any(d != 1 for d in extra):
            raise ShapeError(
                f"{name} of shape {weight_shape} has more axes than the unreduced loss of shape "
                f"{loss_shape}; {name} is matched to the leading (batch) axes: give it shape "
                f"{loss_shape[:1]} or {loss_shape}."
            )
        weight_shape = weight_shape[: len(loss_shape)]
    for weight_dim, loss_dim in zip(weight_shape, loss_shape):
        if weight_dim is None or loss_dim is None:
            continue
        if weight_dim not in (1, loss_dim):
            raise ShapeError(
                f"{name} of shape {weight_shape} does not align with the unreduced loss of shape "
                f"{loss_shape}; {name} is matched to the leading (batch) axes: give it shape "
                f"{loss_shape[: max(len(weight_shape), 1)]} (trailing axes may be 1)."
            )
    return weight_shape


def reduce_terms(
    xp: ModuleType,
    terms: LossTerms,
    reduction: str,
    sample_weight: Any = None,
    mask: Any = None,
) -> Any:
    """Apply sample weights, class weights, validity and the reduction."""
    value, weight, valid = terms
    if mask is not None:
        mask = align_leading(xp, mask, value, "mask")
        valid = mask if valid is None else xp.logical_and(valid, mask)
    if valid is not None:
        # `where`, not a product, and before the sample weights: an ignored entry may hold inf or NaN.
        value = xp.where(valid, value, xp.zeros_like(value))
    if sample_weight is not None:
        sample_weight = align_leading(xp, sample_weight, value, "sample_weight")
        value = value * sample_weight
        weight = sample_weight if weight is None else weight * sample_weight
    if valid is not None:
        weight = xp.where(valid, xp.ones_like(value) if weight is None else weight, xp.zeros_like(value))
    if reduction == "none":
        return value
    if reduction == "sum":
        return xp.sum(value)
    if weight is None:
        if 0 in value.shape:  # an empty batch: Σw = 0, so the mean is 0 (SPEC §3), not NaN
            return xp.sum(value)
        return xp.mean(value)
    total_weight = xp.sum(weight * xp.ones_like(value))
    nonzero = xp.not_equal(total_weight, 0)
    mean = xp.sum(value) / xp.where(nonzero, total_weight, xp.ones_like(total_weight))
    # Σw = 0 need not mean Σ w·l = 0: label smoothing spreads loss onto classes whose
    # weights are not in the denominator (torch's Σ w_y), so 0 is chosen explicitly.
    return xp.where(nonzero, mean, xp.zeros_like(mean))
