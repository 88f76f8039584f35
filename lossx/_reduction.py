"""The one reduction, weighting and masking machinery (docs/semantics.md, reductions and weights), used by every loss.

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

:func:`reduce` is the one entry point: the call path (:mod:`lossx._call`) hands it every
body's result, on every backend (a fused loss-and-reduction kernel of the framework is
used there when the call is unweighted); the Keras adapter takes :func:`per_sample`
values, which Keras's own reductions then weight and average.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from ._dtypes import is_kind
from ._errors import DistributedError, DTypeError, OptionValueError, ReductionError, ShapeError
from ._namespace import device_of, framework_name, is_eager, to_namespace, to_numpy
from .primitives import Deferred

__all__ = [
    "LossTerms",
    "REDUCTIONS",
    "check_reduction",
    "align_leading",
    "check_alignment",
    "as_terms",
    "reduce",
    "reduce_terms",
    "per_sample",
    "static_shape",
    "total_of",
    "global_mean",
    "safe_divide",
    "check_global_mean",
    "total_weight_array",
    "weighted_sum",
]

REDUCTIONS = ("none", "sum", "mean")
_SUM_THEN_DIVIDE = 1 << 16  # entries from which "mean" is Σl / n (see reduce_terms)


class LossTerms(NamedTuple):
    """Per-element losses with the class weights and validity they were computed with."""

    value: Any
    weight: Any = None
    valid: Any = None


def check_reduction(reduction: str, loss: str) -> str:
    """``reduction`` if it is one of :data:`REDUCTIONS`, else a ReductionError naming ``loss``."""
    if reduction not in REDUCTIONS:
        raise ReductionError(f"{loss}: unknown reduction {reduction!r}; use one of {', '.join(map(repr, REDUCTIONS))}.")
    return reduction


def _static_size(x: Any) -> int | None:
    """The number of entries of ``x``, or None when a size is unknown (a TensorFlow graph; Dask's NaN)."""
    count = 1
    for d in x.shape:
        if d is None or d != d:
            return None
        count *= d
    return count


#: The types of the sizes of a shape that :func:`static_shape` keeps as they are.
PLAIN_SIZES = {int}


def static_shape(x: Any) -> tuple:
    """``x``'s shape with None for sizes unknown while tracing (also of lists and scalars)."""
    shape = tuple(x.shape if hasattr(x, "shape") else np.shape(x))
    if set(map(type, shape)) <= PLAIN_SIZES:  # the common case (NumPy, torch, JAX), found without a Python loop
        return shape
    return tuple([None if d is None else int(d) for d in shape])


def align_leading(xp: ModuleType, weight: Any, loss: Any, name: str) -> Any:
    """Reshape ``weight`` so it lines up with the LEADING axes of ``loss``.

    A weight of shape ``(B,)`` for a loss of shape ``(B, T)`` becomes ``(B, 1)``;
    trailing singleton axes beyond the loss's rank are dropped (Keras passes
    ``(B, 1)`` weights for ``(B,)`` losses). Anything else raises
    :class:`ShapeError` naming both shapes.
    """
    weight_shape = static_shape(weight)
    loss_shape = static_shape(loss)
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
        extra = weight_shape[len(loss_shape) :]
        if any(d != 1 for d in extra):
            raise ShapeError(
                f"{name} of shape {weight_shape} has more axes than the unreduced loss of shape "
                f"{loss_shape}; {name} is matched to the leading (batch) axes: give it shape "
                f"{loss_shape[:1]} or {loss_shape}."
            )
        weight_shape = weight_shape[: len(loss_shape)]
    for weight_dim, loss_dim in zip(weight_shape, loss_shape, strict=False):
        if weight_dim is None or loss_dim is None:
            continue
        if weight_dim not in (1, loss_dim):
            raise ShapeError(
                f"{name} of shape {weight_shape} does not align with the unreduced loss of shape "
                f"{loss_shape}; {name} is matched to the leading (batch) axes: give it shape "
                f"{loss_shape[: max(len(weight_shape), 1)]} (trailing axes may be 1)."
            )
    return weight_shape


def as_terms(result: Any) -> LossTerms:
    """A body's result as :class:`LossTerms` (a :class:`lossx.primitives.Deferred` one computed now)."""
    if isinstance(result, LossTerms):
        return result
    return LossTerms(result.compute() if isinstance(result, Deferred) else result)


def reduce(
    xp: ModuleType,
    result: Any,
    reduction: str,
    loss: str,
    sample_weight: Any = None,
    mask: Any = None,
    rescale: Any = None,
    count_class_weights: bool = True,
    total_weight: Any = None,
    mean_across: Any = None,
) -> Any:
    """A body's ``result`` (an array, :class:`LossTerms` or a Deferred primitive) reduced.

    An unweighted, unmasked "mean" or "sum" of a Deferred primitive takes the framework's
    fused kernel where it has one (None where it has none: the general rule below runs).
    ``sample_weight``, ``mask``, a ``rescale`` array and ``total_weight`` are converted to
    ``xp`` on the loss's device here, once; ``loss`` names the loss in errors.
    ``total_weight`` and ``mean_across`` are the mean's global denominator (see
    :func:`global_mean`).
    """
    if total_weight is not None or mean_across is not None:
        check_global_mean(reduction, loss, mean_across)
    elif (
        isinstance(result, Deferred)
        and reduction != "none"
        and sample_weight is None
        and mask is None
        and rescale is None
    ):
        fused = result.reduced(reduction, xp)
        if fused is not None:
            return fused
    terms = as_terms(result)
    like = terms.value
    sample_weight, mask, rescale = _converted(xp, like, loss, sample_weight, mask, rescale)
    if total_weight is not None:
        total_weight = total_weight_array(xp, total_weight, like, loss)
    return reduce_terms(
        xp, terms, reduction, sample_weight, mask, rescale, count_class_weights, total_weight, mean_across, loss
    )


def _converted(xp: ModuleType, like: Any, loss: str, sample_weight: Any, mask: Any, rescale: Any) -> tuple:
    """``sample_weight``, ``mask`` and ``rescale`` as arrays of ``xp`` on ``like``'s device (None stays None)."""
    if sample_weight is not None:
        sample_weight = to_namespace(xp, sample_weight, like, "sample_weight")
        sample_weight = xp.astype(sample_weight, like.dtype)
    if mask is not None:
        mask = to_namespace(xp, mask, like, "mask")
        if not is_kind(xp, mask.dtype, "bool"):
            raise DTypeError(
                f"{loss}: mask has dtype {mask.dtype}; it must be boolean "
                "(True = counts, False = ignored). Use mask != 0 to convert."
            )
    if rescale is not None and not isinstance(rescale, (int, float)):
        rescale = to_namespace(xp, rescale, like, "weight")
        rescale = xp.astype(rescale, like.dtype) if rescale.dtype != like.dtype else rescale
    return sample_weight, mask, rescale


def check_global_mean(reduction: str, loss: str, mean_across: Any) -> None:
    """Refuse ``total_weight``/``mean_across`` with a reduction that has no denominator, or a malformed group."""
    if reduction != "mean":
        raise ReductionError(
            f"{loss}: total_weight and mean_across set the denominator of the mean, but reduction={reduction!r} "
            "has none; use reduction='mean', or drop them (a sum over shards is the sum of each shard's sum)."
        )
    if mean_across is not None and (isinstance(mean_across, (bool, int, float)) or mean_across == ""):
        raise DistributedError(
            f"{loss}: mean_across={mean_across!r} names no group; give a torch process group or 'world', a "
            "JAX axis name (under shard_map or pmap), or 'replicas' (inside a tf.distribute strategy)."
        )


def total_weight_array(xp: ModuleType, total_weight: Any, like: Any, loss: str) -> Any:
    """``total_weight`` as a 0-d array of ``like``'s dtype, refused if it is not one number, or (eagerly) negative."""
    shape = static_shape(total_weight)
    if shape != ():
        raise ShapeError(
            f"{loss}: total_weight has shape {shape}; it must be one number (a Python number or a 0-d array), "
            "the Σw of the whole batch across shards: lossx.total_weight(...) gives one shard's, e.g. "
            "sum it over micro-batches."
        )
    if isinstance(total_weight, (int, float)):
        if not total_weight >= 0:
            raise OptionValueError(
                f"{loss}: total_weight={total_weight!r}; it must be ≥ 0 (a sum of weights or a count of entries)."
            )
        return xp.asarray(float(total_weight), dtype=like.dtype, **device_of(like))
    array = to_namespace(xp, total_weight, like, "total_weight")
    array = xp.astype(array, like.dtype) if array.dtype != like.dtype else array
    if is_eager(array) and not bool(to_numpy(array) >= 0):
        raise OptionValueError(
            f"{loss}: total_weight is {float(to_numpy(array))!r}; it must be ≥ 0 (a sum of weights or a count "
            "of entries)."
        )
    return array


def total_of(
    xp: ModuleType,
    result: Any,
    loss: str,
    sample_weight: Any = None,
    mask: Any = None,
    rescale: Any = None,
    count_class_weights: bool = True,
) -> Any:
    """The Σw that "mean" divides ``result``'s weighted sum by, as a 0-d array (see :func:`reduce`)."""
    terms = as_terms(result)
    sample_weight, mask, rescale = _converted(xp, terms.value, loss, sample_weight, mask, rescale)
    value, weight, valid = _weighted(xp, terms, sample_weight, mask, rescale, count_class_weights)
    return _denominator(xp, value, weight, valid)


def per_sample(xp: ModuleType, terms: LossTerms, class_axis: bool) -> Any:
    """The per-sample losses a framework that reduces them itself (Keras) receives.

    Ignored entries are 0 (:func:`reduce_terms`'s "none"); class weights multiply the
    values but are no denominator (``count_class_weights=False``: Keras divides by the
    number of samples, or of unmasked ones); an elementwise loss (no ``class_axis``)
    averages its last axis, as Keras's losses do.
    """
    value = reduce_terms(xp, terms, "none", count_class_weights=False)
    return value if class_axis else xp.mean(value, axis=-1)


def reduce_terms(
    xp: ModuleType,
    terms: LossTerms,
    reduction: str,
    sample_weight: Any = None,
    mask: Any = None,
    rescale: Any = None,
    count_class_weights: bool = True,
    total_weight: Any = None,
    mean_across: Any = None,
    loss: str = "loss",
) -> Any:
    """Apply sample weights, class weights, validity and the reduction.

    Two knobs serve the presets of frameworks whose "mean" is the mean of their
    weighted unreduced losses (torch's ``BCELoss(weight)``, ``MultiMarginLoss(weight)``,
    ``CrossEntropyLoss`` with probability targets, Keras's reductions):
    ``rescale`` multiplies the unreduced loss (broadcast against it from the trailing
    axes, as torch broadcasts its ``weight``) without entering the mean's denominator,
    and ``count_class_weights=False`` leaves the class weights out of it too.
    ``total_weight`` (a 0-d array) and ``mean_across`` replace the denominator of
    "mean" (:func:`global_mean`).
    """
    value, weight, valid = _weighted(xp, terms, sample_weight, mask, rescale, count_class_weights)
    if reduction == "none":
        return value
    if reduction == "sum":
        return xp.sum(value)
    if total_weight is not None or mean_across is not None:
        denominator = total_weight if total_weight is not None else _denominator(xp, value, weight, valid)
        return global_mean(xp, xp.sum(value), denominator, mean_across, loss)
    if valid is not None and weight is None:
        # Unweighted: Σw is the count of valid entries, a whole number, so max(count, 1)
        # is a divisor that gives 0 (with a zero gradient: ignored terms are 0) when the
        # count is 0 and leaves every other count as it is.
        count = _denominator(xp, value, weight, valid)
        return xp.sum(value) / xp.maximum(count, xp.ones_like(count))
    if weight is None:
        count = _static_size(value)
        if count == 0:  # an empty batch: Σw = 0, so the mean is 0 (docs/semantics.md, reductions and weights), not NaN
            return xp.sum(value)
        if count is None or count < _SUM_THEN_DIVIDE:
            return xp.mean(value)
        # Σl / n rather than mean(l) for large losses: the gradient of a sum is a broadcast
        # view of the scalar gradient, while mean's backward writes a full array of 1/n
        # (one extra pass over the loss). Small losses keep mean: one operation instead of
        # two is what counts there.
        return xp.sum(value) / count
    return safe_divide(xp, xp.sum(value), _denominator(xp, value, weight, valid))


def weighted_sum(loss: str, reduction: str, terms: list[tuple[str, Any, Any]]) -> Any:
    """``Σ w·result`` of a combined loss's ``(name, w, result)`` terms, each reduced on its own with ``reduction``.

    With ``"none"`` the unreduced results are added entry by entry, so their shapes must be
    one (sizes unknown while tracing pass); a ShapeError names both otherwise.
    """
    total, first_name = None, ""
    first_shape: tuple = ()
    for name, weight, result in terms:
        term = weight * result
        if total is None:
            total, first_name, first_shape = term, name, static_shape(result)
            continue
        shape = static_shape(result)
        if reduction == "none" and (
            len(shape) != len(first_shape)
            or any(None not in (a, b) and a != b for a, b in zip(shape, first_shape, strict=True))
        ):
            raise ShapeError(
                f"{loss}: reduction='none' adds its components' unreduced results entry by entry, but "
                f"{first_name}'s have shape {first_shape} and {name}'s {shape}; use 'mean' or 'sum' (each "
                "component reduced on its own), or call the components apart."
            )
        total = total + term
    return total


def _weighted(
    xp: ModuleType, terms: LossTerms, sample_weight: Any, mask: Any, rescale: Any, count_class_weights: bool
) -> tuple:
    """``(w·l with ignored entries 0, the weights of the denominator or None, validity or None)``."""
    value, weight, valid = terms
    if not count_class_weights:
        weight = None
    if mask is not None:
        mask = align_leading(xp, mask, value, "mask")
        valid = mask if valid is None else xp.logical_and(valid, mask)
    if valid is not None:
        # `where`, not a product, and before the sample weights: an ignored entry may hold inf or NaN.
        value = xp.where(valid, value, xp.zeros_like(value))
    if rescale is not None:
        value = value * rescale
    if sample_weight is not None:
        sample_weight = align_leading(xp, sample_weight, value, "sample_weight")
        value = value * sample_weight
        weight = sample_weight if weight is None else weight * sample_weight
    return value, weight, valid


def _denominator(xp: ModuleType, value: Any, weight: Any, valid: Any) -> Any:
    """Σw of "mean", as a 0-d array: the weights of the valid entries, their count, or the number of entries."""
    if weight is None:
        counted = xp.ones_like(value) if valid is None else xp.astype(valid, value.dtype)
        if tuple(counted.shape) != tuple(value.shape):  # a mask aligned to the leading axes only
            counted = counted * xp.ones_like(value)
        return xp.sum(counted)
    if valid is not None:
        weight = xp.where(valid, weight, xp.zeros_like(weight))
    if tuple(weight.shape) != tuple(value.shape):  # Σw counts each weight once per loss entry it covers
        weight = weight * xp.ones_like(value)
    return xp.sum(weight)


def safe_divide(xp: ModuleType, numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator``, and 0 with a zero gradient where the denominator is 0."""
    nonzero = xp.not_equal(denominator, 0)
    mean = numerator / xp.where(nonzero, denominator, xp.ones_like(denominator))
    # Σw = 0 need not mean Σ w·l = 0: label smoothing spreads loss onto classes whose
    # weights are not in the denominator (torch's Σ w_y), so 0 is chosen explicitly.
    return xp.where(nonzero, mean, xp.zeros_like(mean))


def global_mean(xp: ModuleType, numerator: Any, denominator: Any, mean_across: Any, loss: str) -> Any:
    """The mean ``Σ w·l / Σw`` whose denominator is ``denominator`` summed over the group ``mean_across``.

    Without a group it is ``numerator / denominator``. With one, the framework's collective
    (:meth:`lossx.kernels.Services.across`) sums the denominator over the group without a
    gradient and says what the numerator becomes there (docs/distributed.md): torch scales
    it by the group's size for DDP's gradient averaging, JAX sums it too (every device then
    holds the global mean), TensorFlow keeps each replica's share, which its strategies sum.
    """
    if mean_across is not None:
        numerator, denominator = across(xp, numerator, denominator, mean_across, loss)
    return safe_divide(xp, numerator, denominator)


def across(xp: ModuleType, numerator: Any, denominator: Any, group: Any, loss: str) -> tuple:
    """``(numerator, denominator)`` over ``group`` by the framework's own collective, or a DistributedError."""
    from .kernels import services  # imported here: the kernels build on this module's layer

    module = services(xp)
    if module is None:
        raise DistributedError(
            f"{loss}: mean_across={group!r} needs a distributed framework's arrays (torch, JAX or TensorFlow), "
            f"not {framework_name(numerator)} arrays. A Dask array is one array over the whole cluster: its mean is "
            "already global, so drop mean_across."
        )
    return module.across(numerator, denominator, group, loss)
