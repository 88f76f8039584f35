"""The linear cross-entropy: the cross-entropy of a linear layer's logits, without holding them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as P
from .._call import _tuple_array
from .._checks import labels_outside
from .._dtypes import is_half, is_kind
from .._errors import DTypeError, LabelRangeError, ShapeError
from .._namespace import is_eager, namespace_of, to_namespace
from .._options import Option, validate_options
from .._reduction import LossTerms, check_reduction, reduce, static_shape
from ..kernels import fused_kernels, kernels
from ._shared import CATEGORICAL_SMOOTHING, CLASS_WEIGHT, SOFTCAP, Z_LOSS
from .classification._labels import IGNORE_INDEX, split_labels

__all__ = ["linear_cross_entropy", "LINEAR_CROSS_ENTROPY_OPTIONS"]

NAME = "linear_cross_entropy"

CHUNK_SIZE = Option(
    "chunk_size",
    "int",
    None,
    "Rows of hidden per chunk; None: as many as fit lossx's memory budget for the chunk's logits.",
    low=1,
)

#: The options of :func:`linear_cross_entropy`, declared once (docs, torch extra_repr and Keras config read them).
LINEAR_CROSS_ENTROPY_OPTIONS = (IGNORE_INDEX, CATEGORICAL_SMOOTHING, CLASS_WEIGHT, Z_LOSS, SOFTCAP, CHUNK_SIZE)


def linear_cross_entropy(
    hidden: Any,
    weight: Any,
    labels: Any,
    *,
    bias: Any = None,
    reduction: str = "mean",
    sample_weight: Any = None,
    total_weight: Any = None,
    mean_across: Any = None,
    **options: Any,
) -> Any:
    """Cross-entropy of the logits ``z = hidden @ weight.T + bias`` without materialising them.

    Per row, with ``Z = Σ_c e^{z_c}``, class weights ``w`` (1 without), label smoothing ``ε``
    and z-loss coefficient ``λ``::

        ℓ = (1−ε)·w_y·(log Z − z_y) + (ε/V)·Σ_c w_c·(log Z − z_c) + λ·(log Z)²

    and with ``softcap = c`` the logits are ``c·tanh(z/c)`` first. The value is
    :func:`lossx.sparse_categorical_cross_entropy` of the logits, with the same options, and
    the same reductions: ``"mean"`` divides by ``Σ w_y`` over the labels that are not
    ``ignore_index`` (times ``sample_weight``), ``total_weight`` / ``mean_across`` set that
    denominator across shards (docs/distributed.md).

    The rows are taken in chunks of ``chunk_size`` (chosen from a memory budget unless given):
    forward and backward each hold one chunk's logits at a time, and the gradient is each
    framework's own custom gradient (torch ``autograd.Function``, ``jax.custom_vjp``,
    ``tf.custom_gradient``; NumPy has no gradient). float16 and bfloat16 inputs are computed
    in float32 and the result is cast back.

    Shapes: ``hidden`` (..., H); ``weight`` (V, H), torch's ``nn.Linear`` layout; ``bias`` (V,);
    ``labels`` integers of ``hidden``'s shape without its last axis; result of the labels'
    shape for ``reduction="none"``, else a scalar.
    References: torch.nn.functional.linear_cross_entropy; Wijmans et al., Cut Your Losses in
    Large-Vocabulary Language Models (arXiv 2411.09009); Hsu et al., Liger Kernel (arXiv
    2410.10989); z-loss: Chowdhery et al., PaLM (arXiv 2204.02311); softcap: Gemma 2 (arXiv
    2408.00118). docs/linear-cross-entropy.md has the memory figures.
    """
    check_reduction(reduction, NAME)
    values = validate_options(NAME, LINEAR_CROSS_ENTROPY_OPTIONS, options)
    if isinstance(hidden, (list, tuple, int, float)):
        hidden = np.asarray(hidden, dtype=np.float64)
    xp = namespace_of(hidden)
    result_dtype = hidden.dtype
    if not is_kind(xp, result_dtype, "real floating"):
        raise DTypeError(
            f"{NAME}: hidden has dtype {result_dtype}; it must be floating (cast with .astype('float32'))."
        )
    compute_dtype = xp.float32 if is_half(xp, result_dtype) else result_dtype
    hidden = _floating(xp, hidden, compute_dtype)
    weight = _floating(xp, to_namespace(xp, weight, hidden, "weight"), compute_dtype)
    labels = to_namespace(xp, labels, hidden, "labels")
    if bias is not None:
        bias = _floating(xp, to_namespace(xp, bias, hidden, "bias"), compute_dtype)
    class_weight = values["class_weight"]
    if class_weight is not None:
        class_weight = (
            _tuple_array(xp, class_weight, compute_dtype, hidden)
            if isinstance(class_weight, tuple)
            else _floating(xp, to_namespace(xp, class_weight, hidden, "class_weight"), compute_dtype)
        )
    hidden_shape, num_classes = _check_shapes(hidden, weight, labels, bias, class_weight)
    if not is_kind(xp, labels.dtype, "integral"):
        raise DTypeError(
            f"{NAME}: labels have dtype {labels.dtype}; they must be integer class indices in [0, {num_classes}) "
            "(cast with .astype('int64') / .long())."
        )
    ignore_index = values["ignore_index"]
    if is_eager(labels) and is_eager(hidden):
        _check_label_range(xp, labels, num_classes, ignore_index)
    flat_hidden, flat_labels = xp.reshape(hidden, (-1, hidden_shape[-1])), xp.reshape(labels, (-1,))
    flat_labels, valid = split_labels(xp, flat_labels, ignore_index)
    if reduction != "none" and sample_weight is None and total_weight is None and mean_across is None:
        fused = fused_kernels(xp).get(NAME)
        out = (
            None
            if fused is None
            else fused(
                reduction,
                flat_hidden,
                weight,
                flat_labels,
                valid,
                bias,
                class_weight,
                values["label_smoothing"],
                values["z_loss"],
                values["softcap"],
                values["chunk_size"],
            )
        )
        if out is not None:
            return out if out.dtype == result_dtype else xp.astype(out, result_dtype)
    losses = kernels(xp)["linear_cross_entropy"](
        flat_hidden,
        weight,
        flat_labels,
        bias,
        class_weight,
        values["label_smoothing"],
        values["z_loss"],
        values["softcap"],
        values["chunk_size"],
    )
    label_weight = None if class_weight is None else P.gather(class_weight, flat_labels)
    terms = LossTerms(losses, weight=label_weight, valid=valid)
    if len(hidden_shape) != 2:
        terms = LossTerms(*(None if t is None else xp.reshape(t, hidden_shape[:-1]) for t in terms))
    out = reduce(xp, terms, reduction, NAME, sample_weight, None, None, True, total_weight, mean_across)
    return out if out.dtype == result_dtype else xp.astype(out, result_dtype)


def _floating(xp: Any, x: Any, dtype: Any) -> Any:
    return x if x.dtype == dtype else xp.astype(x, dtype)


def _check_shapes(hidden: Any, weight: Any, labels: Any, bias: Any, class_weight: Any) -> tuple:
    """``(hidden's shape, V)``, or a ShapeError naming the shapes that do not fit."""
    hidden_shape, weight_shape, labels_shape = static_shape(hidden), static_shape(weight), static_shape(labels)
    if not hidden_shape:
        raise ShapeError(f"{NAME}: hidden is a scalar; give it shape (N, H) (or (..., H)), one row per label.")
    if len(weight_shape) != 2 or (
        None not in (weight_shape[1], hidden_shape[-1]) and weight_shape[1] != hidden_shape[-1]
    ):
        raise ShapeError(
            f"{NAME}: weight of shape {weight_shape} does not fit hidden of shape {hidden_shape}: weight must be "
            f"(V, {hidden_shape[-1]}), one row of hidden's size {hidden_shape[-1]} per class (torch's nn.Linear "
            "layout; transpose a Keras Dense kernel of shape (H, V))."
        )
    if labels_shape != hidden_shape[:-1] and None not in labels_shape + hidden_shape[:-1]:
        raise ShapeError(
            f"{NAME}: labels of shape {labels_shape} do not fit hidden of shape {hidden_shape}; labels must have "
            f"hidden's shape without its last axis, {hidden_shape[:-1]}."
        )
    num_classes = weight_shape[0]
    for name, vector in (("bias", bias), ("class_weight", class_weight)):
        if vector is not None and static_shape(vector) != (num_classes,) and num_classes is not None:
            raise ShapeError(
                f"{NAME}: {name} of shape {static_shape(vector)} does not fit weight of shape {weight_shape}; "
                f"give it one entry per class, shape ({num_classes},)."
            )
    return hidden_shape, num_classes


def _check_label_range(xp: Any, labels: Any, num_classes: int, ignore_index: Any) -> None:
    """Eager only: every label lies in [0, V) or is ``ignore_index``, else a LabelRangeError naming some."""
    bad = labels_outside(xp, labels, num_classes, ignore_index)
    if bad:
        ignore_text = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
        raise LabelRangeError(
            f"{NAME}: labels must lie in [0, {num_classes}){ignore_text} (weight has {num_classes} rows, one per "
            f"class); found {bad}. Fix the labels, or pass ignore_index for the padding value (torch's is -100)."
        )
