"""Independent float64 reference implementations of the built-in losses.

Written from the mathematics, not from lossx (nothing here imports it): each loss
is evaluated in mpmath at 40 significant digits on NumPy object arrays, then
rounded once to float64, so the reference is exact to the last float64 bit.
Gradients with respect to ``y_pred`` are central differences (h = 1e-15·max(1, |x|))
of the same high-precision function: truncation error ~h² and rounding error ~1e-40/h
are both far below float64 resolution on inputs kept away from kinks (one-sided at
the edge of a loss's domain, 0 at an infinite input: see :func:`_partial`).

Semantics (the lossx contract, docs/semantics.md, reductions and weights):

* ``"none"`` returns ``w·l`` with ignored/masked entries 0;
* ``"sum"`` returns ``Σ w·l``;
* ``"mean"`` returns ``Σ w·l / Σ w``, and 0 when ``Σ w = 0``;

where ``w`` is the product of ``sample_weight`` (aligned to the leading axes of
the unreduced loss), the class weight picked by the target (``Σ_c w_c·t_c`` for
categorical targets, ``w[y]`` for labels) and the ``ignore_index``/``mask``
validity; with no weights ``"mean"`` is the plain mean.

Public entry points: :func:`loss` (float64 value) and :func:`loss_and_grad`
(value and gradient of ``Σ cotangent·loss``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tests.support.reference import boxes as reference_boxes
from tests.support.reference import classification as reference_classification
from tests.support.reference import helpers as M
from tests.support.reference import margin as reference_margin
from tests.support.reference import overlap as reference_overlap
from tests.support.reference import ranking as reference_ranking
from tests.support.reference import regression as reference_regression
from tests.support.reference import sequence as reference_sequence

#: Per-family reference modules; each defines ``LOSSES`` like the dict below.
FAMILIES = (
    reference_regression,
    reference_classification,
    reference_margin,
    reference_overlap,
    reference_boxes,
    reference_ranking,
    reference_sequence,
)
_STEP = M.mp.mpf("1e-15")

__all__ = ["LOSSES", "loss", "loss_and_grad"]

# ------------------------------------------------------------------ losses
# Each returns (value, class_weight, valid): value of the unreduced loss (class
# weights already applied), the 'mean' weight picked by the target (or None), and
# the validity of each entry (or None).


def mean_squared_error(y_pred, y_true):
    return (y_pred - y_true) ** 2, None, None


def mean_absolute_error(y_pred, y_true):
    return M.absolute(y_pred - y_true), None, None


def huber(y_pred, y_true, delta=1.0):
    delta = M.mp_scalar(delta)
    error = M.absolute(y_pred - y_true)
    value = np.where(error <= delta, error**2 / 2, delta * (error - delta / 2))
    return value, None, None


def _smoothed_binary(y_true, label_smoothing):
    eps = M.mp_scalar(label_smoothing)
    return y_true * (1 - eps) + eps / 2


def _binary_logs(y_pred, from_logits):
    if from_logits:
        return M.sigmoid_logs(y_pred)
    return M.log(y_pred), M.log(1 - y_pred)


def binary_cross_entropy(y_pred, y_true, from_logits=False, label_smoothing=0.0, pos_weight=None):
    target = _smoothed_binary(y_true, label_smoothing)
    log_p, log_not_p = _binary_logs(y_pred, from_logits)
    weight = M.ONE if pos_weight is None else M.mp_array(pos_weight)
    return -(M.times_log(weight * target, log_p) + M.times_log(1 - target, log_not_p)), None, None


def binary_focal_cross_entropy(y_pred, y_true, alpha=None, gamma=2.0, from_logits=False, label_smoothing=0.0):
    target = _smoothed_binary(y_true, label_smoothing)
    if from_logits:
        p = 1 / (1 + M.exp(-y_pred))
    else:
        p = y_pred
    log_p, log_not_p = _binary_logs(y_pred, from_logits)
    cross_entropy = -(M.times_log(target, log_p) + M.times_log(1 - target, log_not_p))
    p_t = target * p + (1 - target) * (1 - p)
    gamma = M.mp_scalar(gamma)
    modulating = np.frompyfunc(lambda base: M.mp.power(base, gamma), 1, 1)(1 - p_t)
    value = modulating * cross_entropy
    if alpha is not None:
        alpha = M.mp_scalar(alpha)
        value = (target * alpha + (1 - target) * (1 - alpha)) * value
    return value, None, None


def _capped(y_pred, softcap):
    if softcap is None:
        return y_pred
    cap = M.mp_scalar(softcap)
    return cap * M.tanh(y_pred / cap)


def _z_term(y_pred, z_loss, axis):
    log_z = M.log(np.sum(M.exp(y_pred), axis=axis))
    return M.mp_scalar(z_loss) * log_z * log_z


def categorical_cross_entropy(
    y_pred, y_true, from_logits=False, label_smoothing=0.0, axis=-1, class_weight=None, z_loss=0.0, softcap=None
):
    y_pred = _capped(y_pred, softcap)
    num_classes = y_pred.shape[axis]
    eps = M.mp_scalar(label_smoothing)
    target = y_true * (1 - eps) + eps / num_classes
    weights = M.class_vector(np.ones(num_classes) if class_weight is None else class_weight, y_pred.ndim, axis)
    log_p = M.log_probabilities(y_pred, from_logits, axis)
    value = -np.sum(M.times_log(weights * target, log_p), axis=axis) + _z_term(y_pred, z_loss, axis)
    if class_weight is None:
        return value, None, None
    return value, np.sum(weights * y_true, axis=axis), None


def sparse_categorical_cross_entropy(
    y_pred,
    labels,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
    class_weight=None,
    ignore_index=None,
    z_loss=0.0,
    softcap=None,
):
    if isinstance(axis, tuple):
        return _sparse_over_slices(
            y_pred, labels, from_logits, label_smoothing, axis, class_weight, ignore_index, z_loss, softcap
        )
    y_pred = _capped(y_pred, softcap)
    labels = np.asarray(labels)
    num_classes = y_pred.shape[axis]
    valid = None if ignore_index is None else labels != ignore_index
    safe_labels = labels if valid is None else np.where(valid, labels, 0)
    weights = np.ones(num_classes) if class_weight is None else np.asarray(class_weight, dtype=np.float64)
    log_p = M.log_probabilities(y_pred, from_logits, axis)
    picked = np.take_along_axis(log_p, np.expand_dims(safe_labels, axis), axis=axis)
    label_weight = M.mp_array(weights)[safe_labels]
    nll = -np.squeeze(picked, axis=axis)
    eps = M.mp_scalar(label_smoothing)
    value = label_weight * nll
    if eps:  # without smoothing a −inf log-probability off the label must not enter (0·inf)
        uniform = -np.sum(M.class_vector(weights, y_pred.ndim, axis) * log_p, axis=axis)
        value = (1 - eps) * value + eps / num_classes * uniform
    value = value + _z_term(y_pred, z_loss, axis)
    return value, (None if class_weight is None else label_weight), valid


def _sparse_over_slices(
    y_pred, labels, from_logits, label_smoothing, axes, class_weight, ignore_index, z_loss, softcap
):
    """optax's ``axis=(a, b, ...)``: one distribution over each slice of shape ``y_pred.shape[axes]``,
    a label the row-major index of its entry in that slice (``np.unravel_index``)."""
    axes = tuple(a % y_pred.ndim for a in axes)
    batch = tuple(d for d in range(y_pred.ndim) if d not in axes)
    slices = np.transpose(_capped(y_pred, softcap), batch + axes)  # each sample's slice on the last axes
    slice_shape = slices.shape[len(batch) :]
    within = tuple(range(len(batch), y_pred.ndim))
    num_classes = int(np.prod(slice_shape))
    labels = np.asarray(labels)
    valid = None if ignore_index is None else labels != ignore_index
    safe_labels = labels if valid is None else np.where(valid, labels, 0)
    weights = M.mp_array(np.ones(num_classes) if class_weight is None else class_weight).reshape(slice_shape)
    log_p = M.log_probabilities(slices, from_logits, within)
    label_weight = np.empty(labels.shape, dtype=object)
    nll = np.empty(labels.shape, dtype=object)
    for sample in np.ndindex(labels.shape):
        entry = np.unravel_index(int(safe_labels[sample]), slice_shape)
        label_weight[sample] = weights[entry]
        nll[sample] = -log_p[sample + entry]
    value = label_weight * nll
    eps = M.mp_scalar(label_smoothing)
    if eps:
        value = (1 - eps) * value + eps / num_classes * -np.sum(weights * log_p, axis=within)
    value = value + _z_term(slices, z_loss, within)
    return value, (None if class_weight is None else label_weight), valid


def hinge(y_pred, y_true):
    signs = np.where(y_true == 0, -M.ONE, y_true)
    return M.positive_part(1 - signs * y_pred), None, None


def categorical_hinge(y_pred, y_true, axis=-1):
    positive = np.sum(y_true * y_pred, axis=axis)
    negative = np.max((1 - y_true) * y_pred, axis=axis)
    return M.positive_part(1 + negative - positive), None, None


LOSSES: dict[str, Callable[..., tuple]] = {
    f.__name__: f
    for f in (
        mean_squared_error,
        mean_absolute_error,
        huber,
        binary_cross_entropy,
        binary_focal_cross_entropy,
        categorical_cross_entropy,
        sparse_categorical_cross_entropy,
        hinge,
        categorical_hinge,
    )
}
for _family in FAMILIES:
    assert not set(_family.LOSSES) & set(LOSSES), f"{_family.__name__} redefines a reference"
    LOSSES.update(_family.LOSSES)


# ------------------------------------------------------------------ reduction


def _leading(weight: np.ndarray, ndim: int) -> np.ndarray:
    """``weight`` aligned to the leading axes of an ``ndim`` array."""
    weight = np.asarray(weight)
    return weight.reshape(weight.shape + (1,) * (ndim - weight.ndim))


def _reduce(value, class_weight, valid, reduction, sample_weight, mask):
    weight = class_weight
    if mask is not None:
        mask = _leading(np.asarray(mask, dtype=bool), value.ndim)
        valid = mask if valid is None else valid & mask
    if sample_weight is not None:
        sample_weight = _leading(M.mp_array(sample_weight), value.ndim)
        value = np.asarray(value * sample_weight, dtype=object)  # 0-d arrays multiply to a bare mpf
        weight = sample_weight if weight is None else weight * sample_weight
    if valid is not None:
        value = np.where(valid, value, M.ZERO)
        weight = np.where(valid, M.ONE if weight is None else weight, M.ZERO)
    if reduction == "none":
        return value
    total = np.sum(value)
    if reduction == "sum":
        return total
    if weight is None:
        return total / value.size
    denominator = np.sum(np.broadcast_to(weight, value.shape))
    return M.ZERO if denominator == 0 else total / denominator


def _as_inputs(inputs: Sequence[Any]) -> list:
    """Floating inputs as mpf object arrays; integer inputs (labels, lengths) and None as they are."""
    converted = []
    for value in inputs:
        if value is None:
            converted.append(None)
        elif np.asarray(value).dtype.kind in "iub":
            converted.append(np.asarray(value))
        else:
            converted.append(M.mp_array(value))
    return converted


def _evaluate(name, inputs_mp, options, reduction, sample_weight, mask):
    value, class_weight, valid = LOSSES[name](*inputs_mp, **options)
    return _reduce(np.asarray(value, dtype=object), class_weight, valid, reduction, sample_weight, mask)


def loss(
    name: str,
    inputs: Sequence[Any],
    options: Mapping[str, Any] | None = None,
    reduction: str = "mean",
    sample_weight: Any = None,
    mask: Any = None,
) -> np.ndarray:
    """The float64 reference value of loss ``name`` on ``inputs`` (in lossx's input order)."""
    return M.as_float64(_evaluate(name, _as_inputs(inputs), dict(options or {}), reduction, sample_weight, mask))


def loss_and_grad(
    name: str,
    inputs: Sequence[Any],
    options: Mapping[str, Any] | None = None,
    reduction: str = "mean",
    sample_weight: Any = None,
    mask: Any = None,
    cotangent: Any = None,
    wrt: Sequence[int] = (0,),
    digits: int | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The float64 reference value and the gradients of ``Σ cotangent·loss`` w.r.t. ``inputs[i]``, i in ``wrt``.

    ``cotangent`` defaults to ones (the gradient of the sum of the loss).
    ``digits`` (for extreme inputs): the difference quotients run at that many
    significant digits with the step ``10^(−digits/2)·max(1, |x|)``, which resolves
    a gradient entry of 1 next to loss terms of 1e60, and quotients below their
    rounding error ``10^(10 − digits/2)·max(1, |f|)`` are 0 (a flat direction, such as
    a saturated probability, has truncation noise ~h² that is not a gradient).
    """
    options = dict(options or {})
    inputs_mp = _as_inputs(inputs)

    def scalar(point: list) -> Any:
        out = _evaluate(name, point, options, reduction, sample_weight, mask)
        return np.sum(out if cotangent is None else out * M.mp_array(cotangent))

    value = _evaluate(name, inputs_mp, options, reduction, sample_weight, mask)
    grads = []
    with M.mp.workdps(digits or M.mp.dps):
        step = _STEP if digits is None else M.mp.mpf(10) ** (-(digits // 2))
        noise = None if digits is None else M.mp.mpf(10) ** (10 - digits // 2) * max(M.ONE, abs(scalar(inputs_mp)))
        for position in wrt:
            base = inputs_mp[position]
            grad = np.empty(base.shape, dtype=object)
            for index in np.ndindex(base.shape):
                partial = _partial(scalar, inputs_mp, position, index, step)
                grad[index] = M.ZERO if noise is not None and abs(partial) < noise else partial
            grads.append(M.as_float64(grad))
    return M.as_float64(value), grads


def _is_real(value: Any) -> bool:
    return not isinstance(value, M.mp.mpc) and M.mp.isfinite(value)


def _partial(scalar: Callable, inputs_mp: list, position: int, index: tuple, relative_step: Any) -> Any:
    """``∂ scalar / ∂ inputs_mp[position][index]`` by a difference quotient.

    The step is relative (``h·max(1, |x|)``), so inputs up to 1e30 are resolved. Where one side leaves the domain (a
    probability below 0: a complex
    or infinite value), the one-sided quotient of the other side is taken (error
    ~h, still far below float64 resolution). At an infinite input (a −inf logit)
    the gradient is its limit there, 0: every loss is flat in a logit whose
    probability is exp(−inf) = 0.
    """
    base = inputs_mp[position]
    if not M.mp.isfinite(base[index]):
        return M.ZERO
    step = relative_step * max(M.ONE, abs(base[index]))

    def at(offset: Any) -> Any:
        moved = base.copy()
        moved[index] += offset
        return scalar([*inputs_mp[:position], moved, *inputs_mp[position + 1 :]])

    above, below = at(step), at(-step)
    if _is_real(above) and _is_real(below):
        return (above - below) / (2 * step)
    centre = at(M.ZERO)
    if _is_real(above):
        return (above - centre) / step
    if _is_real(below):
        return (centre - below) / step
    return M.mp.nan
