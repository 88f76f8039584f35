"""The generic formulas: every declared kernel (:class:`lossx.kernels.Kernels`) in pure Array API, each once.

Each formula takes the namespace ``xp`` first and is stable by construction
(max-shifted logsumexp, ``softplus(x) = max(x, 0) + log1p(exp(-|x|))``, ...). The
composed ones (:data:`COMPOSED`) also take the kernel table they are filed in, so that
they use its native pieces (``take_along_axis``, ``log_softmax``, ...). The framework
modules reuse these formulas where a compiler fuses them (under ``torch.compile``, in
a ``jax.custom_jvp``'s value) rather than restating them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .._namespace import device_of
from . import linear


def is_number(value: Any) -> bool:
    """A Python number (or None): an option's usual form. A 0-d array is a traced or learned one."""
    return value is None or isinstance(value, (int, float))


def logsumexp(xp: ModuleType, x: Any, axis: int, keepdims: bool) -> Any:
    largest = xp.max(x, axis=axis, keepdims=True)
    # A shift by an infinite maximum would turn every entry into NaN; shifting by 0
    # instead gives +inf for a +inf entry and -inf when every entry is -inf.
    shift = xp.where(xp.isfinite(largest), largest, xp.zeros_like(largest))
    out = xp.log(xp.sum(xp.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else xp.squeeze(out, axis=axis)


def log_softmax(xp: ModuleType, x: Any, axis: int) -> Any:
    largest = xp.max(x, axis=axis, keepdims=True)
    shift = xp.where(xp.isfinite(largest), largest, xp.zeros_like(largest))
    shifted = x - shift  # as logsumexp; shifted first, so x − lse never rounds a large lse
    log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    return sharpened(xp, log_p, axis)


LOG_HALF = -math.log(2.0)


def sharpened(xp: ModuleType, log_p: Any, axis: int) -> Any:
    """``log_p`` (a log-softmax) with its entry above log ½, if any, recomputed as ``log1p(−Σ others)``.

    Where one class dominates, ``x_k − m − log(Σ e^{x−m})`` takes the log of ``1 + tiny``
    and keeps few of the tiny's digits: logits [30, 0] give ``log p_0`` = −9.3481e−14 for
    −log1p(e^−30) = −9.3576e−14 in float64, 0 in float32. The sum of the other probabilities, each accurate, restores
    them,
    and the loss ``−log p_y`` and ``1 − p_y`` keep their relative accuracy where they are tiny.
    Autodiff of it is as accurate: the dominant entry's value depends on the others only, so no
    gradient is a rounded ``p_y − 1``. At most one entry per line lies above log ½.
    """
    dominant = log_p > LOG_HALF
    others = xp.sum(xp.where(dominant, xp.zeros_like(log_p), xp.exp(log_p)), axis=axis, keepdims=True)
    # Below ½ on a line with a dominant entry; the cap keeps log1p, and its gradient, finite on the others.
    return xp.where(dominant, xp.log1p(-capped(xp, others, 0.5)), log_p)


def softplus(xp: ModuleType, x: Any) -> Any:
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))


def log_sigmoid(xp: ModuleType, x: Any) -> Any:
    return -softplus(xp, -x)


def one_hot(xp: ModuleType, labels: Any, num_classes: int, dtype: Any) -> Any:
    classes = xp.arange(num_classes, dtype=labels.dtype, **device_of(labels))
    return xp.astype(xp.equal(xp.expand_dims(labels, axis=-1), classes), dtype)


def take_along_axis(xp: ModuleType, x: Any, indices: Any, axis: int) -> Any:
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(x, indices, axis=axis)
    # Entry k of `indices` against every class c: k stays on `axis`, c goes to `axis + 1`.
    # Select with `where`, not a product, so -inf entries elsewhere on the axis
    # cannot turn the sum into NaN.
    axis = axis % x.ndim
    shape = [1] * (x.ndim + 1)
    shape[axis + 1] = x.shape[axis]
    classes = xp.reshape(xp.arange(x.shape[axis], dtype=indices.dtype, **device_of(x)), tuple(shape))
    hit = xp.equal(xp.expand_dims(indices, axis=axis + 1), classes)
    spread = xp.expand_dims(x, axis=axis)
    return xp.sum(xp.where(hit, spread, xp.zeros_like(spread)), axis=axis + 1)


def extrema(xp: ModuleType, x: Any) -> tuple:
    if 0 in x.shape:  # no entries: nothing lies outside any range
        return 0, 0
    number = int if xp.isdtype(x.dtype, "integral") else float
    return number(xp.min(x)), number(xp.max(x))


def at_least(xp: ModuleType, x: Any, floor: Any) -> Any:
    # An array of the floor, not a scalar: as in capped.
    return xp.maximum(x, xp.full_like(x, floor) if is_number(floor) else floor)


def gather(xp: ModuleType, vector: Any, indices: Any) -> Any:
    flat = xp.take(vector, xp.reshape(indices, (-1,)), axis=0)
    return xp.reshape(flat, indices.shape)


def squared_error(xp: ModuleType, y_pred: Any, y_true: Any) -> Any:
    residual = y_pred - y_true
    return residual * residual


def absolute_error(xp: ModuleType, y_pred: Any, y_true: Any) -> Any:
    return xp.abs(y_pred - y_true)


def capped(xp: ModuleType, magnitude: Any, cap: Any) -> Any:
    # An array of the cap, not a scalar: array-api-compat's scalar promotion breaks
    # torch.compile's full graph. A 0-d array cap (a traced option) broadcasts as it is.
    return xp.minimum(magnitude, xp.full_like(magnitude, cap) if is_number(cap) else cap)


def huber(xp: ModuleType, y_pred: Any, y_true: Any, delta: float) -> Any:
    # ½q² + δ(|e| − q) with q = min(|e|, δ): never squares a large residual.
    magnitude = xp.abs(y_pred - y_true)
    quadratic = capped(xp, magnitude, delta)
    return 0.5 * quadratic * quadratic + delta * (magnitude - quadratic)


def smooth_l1(xp: ModuleType, y_pred: Any, y_true: Any, beta: Any) -> Any:
    # ½q²/β + (|e| − q), not huber/β: δ·|e| could overflow where |e| does not. A traced β
    # may be 0, where q = 0 and the quadratic term's 0/0 is replaced by 0 (the L1 loss).
    magnitude = xp.abs(y_pred - y_true)
    quadratic = capped(xp, magnitude, beta)
    scale = 0.5 / (beta if is_number(beta) else xp.where(xp.greater(beta, 0), beta, xp.ones_like(beta)))
    return scale * quadratic * quadratic + (magnitude - quadratic)


def sigmoid_cross_entropy(xp: ModuleType, logits: Any, target: Any, pos_weight: Any) -> Any:
    # (1−t)·softplus(x) + w·t·softplus(−x) as where(x ≥ 0, (1−t)·x, −w·t·x) + (1 − t + w·t)·log1p(e^−|x|):
    # every term is non-negative, so a tiny loss keeps its digits (x = −30, t = 0: log1p(e^−30)),
    # where (1−t)·x − log σ(x) = −30 + 30.0000000000000936 cancels them. −|x| is taken by the same
    # `where`, so autodiff at x = 0 differentiates one branch of both (|x|'s subgradient 0 there
    # would lose σ(0)), and its derivative (1−t)·σ(x) − w·t·σ(−x) is as accurate as the value.
    complement = 1.0 - target
    nonnegative = logits >= 0
    tail = xp.log1p(xp.exp(xp.where(nonnegative, -logits, logits)))
    if pos_weight is None:
        return xp.where(nonnegative, complement * logits, -target * logits) + tail
    positive = pos_weight * target
    return xp.where(nonnegative, complement * logits, -positive * logits) + (complement + positive) * tail


def softmax_cross_entropy(table: dict, xp: ModuleType, logits: Any, labels: Any, axis: int) -> Any:
    """``−log softmax(x)_y``, relative to the label: ``g + log1p(expm1(−g) + Σ_{c≠y} e^{x_c − x_y − g})``.

    ``g = max(x) − x_y ≥ 0`` is only a shift (the value does not depend on it), so the sum
    never overflows. Both terms are non-negative, and where the label's logit is the largest
    (g = 0) the loss is ``log1p(Σ_{c≠y} e^{x_c − x_y})``: a tiny loss keeps its digits, which
    ``logsumexp(x) − x_y`` loses (logits [30, 0], label 0: 9.2371e−14 for 9.3576e−14). ``x_y``
    enters only through the differences in the sum, so autodiff gives ``∂/∂x_y = −Σ_{c≠y} p_c``
    as one sum, not the rounded ``p_y − 1``. The table's ``stop_gradient`` keeps autodiff
    off the shift, whose derivative is 0 but would come out as a rounding error.
    A label at a −inf logit gives +inf (as ``logsumexp(x) − x_y``).
    """
    detached = table["stop_gradient"]
    index = xp.expand_dims(labels, axis=axis)
    picked = table["take_along_axis"](logits, index, axis)
    largest = detached(xp.max(logits, axis=axis, keepdims=True))
    gap = largest - picked
    finite = xp.isfinite(gap)
    shift = detached(xp.where(finite, gap, xp.zeros_like(gap)))
    reference = xp.where(finite, picked, largest)  # a stand-in where the gap is infinite: no NaN gradient
    at_label = xp.equal(index, class_positions(xp, logits, axis, labels.dtype))
    # −inf in the exponent, not a `where` on the exponential: its gradient is then 0 without a pass.
    exponents = xp.where(at_label, xp.full_like(logits, -math.inf), (logits - reference) - shift)
    others = xp.sum(xp.exp(exponents), axis=axis, keepdims=True)
    loss = xp.where(finite, shift + xp.log1p(xp.expm1(-shift) + others), gap)
    return table["drop_axis"](loss, axis)


def class_positions(xp: ModuleType, x: Any, axis: int, dtype: Any) -> Any:
    """``0, 1, …, C−1`` along ``axis`` of ``x`` (1 elsewhere), also where C is unknown until run time."""
    num_classes = x.shape[axis]
    if num_classes is None:  # a TensorFlow graph with an unknown class count: counted from one line
        line = x[tuple(slice(None) if d == axis % x.ndim else 0 for d in range(x.ndim))]
        num_classes = xp.astype(xp.sum(xp.ones_like(line)), dtype)
    shape = [1] * x.ndim
    shape[axis] = -1
    return xp.reshape(xp.arange(num_classes, dtype=dtype, **device_of(x)), tuple(shape))


def negative_log_likelihood(table: dict, xp: ModuleType, log_p: Any, labels: Any, axis: int) -> Any:
    picked = table["take_along_axis"](log_p, xp.expand_dims(labels, axis=axis), axis)
    return -table["drop_axis"](picked, axis)


def multi_margin(table: dict, xp: ModuleType, scores: Any, labels: Any, p: int, margin: float, axis: int) -> Any:
    index = xp.expand_dims(labels, axis=axis)
    violation = margin - table["take_along_axis"](scores, index, axis) + scores
    terms = xp.maximum(violation, xp.zeros_like(violation))
    if p == 2:
        terms = terms * terms
    # The true class's own term (always max(m, 0)^p) is left out.
    classes = class_positions(xp, scores, axis, labels.dtype)
    return xp.mean(xp.where(xp.equal(index, classes), xp.zeros_like(terms), terms), axis=axis)


def multilabel_margin(table: dict, xp: ModuleType, scores: Any, lists: Any, axis: int) -> Any:
    # Every (label j, class i) pair at once: j along `axis`, i along `axis + 1`, so memory grows
    # as C² per entry (torch's kernel loops over each entry's labels instead).
    axis = axis % scores.ndim
    num_classes = scores.shape[axis]
    if num_classes is None:  # a TensorFlow graph with an unknown class count: counted from one line
        line = scores[tuple(slice(None) if d == axis else 0 for d in range(scores.ndim))]
        num_classes = xp.astype(xp.sum(xp.ones_like(line)), lists.dtype)
    shape = [1] * scores.ndim
    shape[axis] = -1
    positions = xp.reshape(xp.arange(num_classes, dtype=lists.dtype, **device_of(scores)), tuple(shape))
    # Entry j is a label when no −1 comes before it: the first −1's position (C if none) exceeds j.
    beyond = xp.zeros_like(lists) + (xp.max(positions) + 1)
    first_end = xp.min(xp.where(xp.equal(lists, -1), positions, beyond), axis=axis, keepdims=True)
    listed = xp.less(positions, first_end)
    labels = xp.where(listed, lists, xp.zeros_like(lists))
    label_scores = table["take_along_axis"](scores, labels, axis)
    is_label = xp.any(
        xp.logical_and(
            xp.expand_dims(listed, axis=axis + 1),
            xp.equal(xp.expand_dims(labels, axis=axis + 1), xp.expand_dims(positions, axis=axis)),
        ),
        axis=axis,
        keepdims=True,
    )
    margins = 1.0 - xp.expand_dims(label_scores, axis=axis + 1) + xp.expand_dims(scores, axis=axis)
    counted = xp.logical_and(xp.expand_dims(listed, axis=axis + 1), xp.logical_not(is_label))
    hinge = xp.where(counted, xp.maximum(margins, xp.zeros_like(margins)), xp.zeros_like(margins))
    total = xp.sum(hinge, axis=(axis, axis + 1))
    return total / (num_classes if isinstance(num_classes, int) else xp.astype(num_classes, scores.dtype))


def times_log(xp: ModuleType, weight: Any, log_p: Any) -> Any:
    # One `where`, on the log only: where it replaces −inf by 0 the weight is 0, so the
    # product is 0·0 = 0, its weight-gradient is the stand-in 0 and its log-gradient the
    # weight 0. (A second `where` on the product would change nothing but the cost.)
    absent = xp.logical_and(xp.equal(weight, 0), xp.equal(log_p, -math.inf))
    return weight * xp.where(absent, xp.zeros_like(log_p), log_p)


def xlogy(xp: ModuleType, x: Any, y: Any) -> Any:
    # As times_log: where x = y = 0 the stand-in y = 1 makes x·log 1 = 0 with both partials
    # 0, where log 0 would have given 0·(−inf) = NaN and a gradient 0·inf = NaN.
    zero = xp.logical_and(xp.equal(x, 0), xp.equal(y, 0))
    return x * xp.log(xp.where(zero, xp.ones_like(y), y))


def xlog1py(xp: ModuleType, x: Any, y: Any) -> Any:
    zero = xp.logical_and(xp.equal(x, 0), xp.equal(y, -1))
    return x * xp.log1p(xp.where(zero, xp.zeros_like(y), y))


def relative_entropy(xp: ModuleType, target: Any, log_q: Any, axis: int) -> Any:
    # Stand-ins where t = 0: log t = 0 and log q = 0, so the term is 0·(0 − 0) = 0 with zero
    # partials, where q = 0 or NaN would have made it 0·inf = NaN.
    absent = xp.equal(target, 0)
    log_t = xp.log(xp.where(absent, xp.ones_like(target), target))
    log_q = xp.where(absent, xp.zeros_like(log_q), log_q)
    return xp.sum(target * (log_t - log_q), axis=axis)


def pairwise_distance(xp: ModuleType, x1: Any, x2: Any, p: Any, eps: Any, axis: int) -> Any:
    # At zero distance (possible only with eps = 0) the value is 0 with gradient 0, the
    # subgradient torch's norm gives, not the NaN of a bare root. Traced p or eps (0-d
    # arrays) take the general power form.
    # x + 0 is x (up to the sign of 0, which |·| and the square drop).
    difference = x1 - x2 if is_number(eps) and eps == 0 else x1 - x2 + eps
    if is_number(p) and p == 1.0:
        return xp.sum(xp.abs(difference), axis=axis)
    powered = difference * difference if is_number(p) and p == 2.0 else xp.abs(difference) ** p
    total = xp.sum(powered, axis=axis)
    positive = xp.greater(total, 0.0)
    safe = xp.where(positive, total, xp.ones_like(total))
    root = xp.sqrt(safe) if is_number(p) and p == 2.0 else safe ** (1.0 / p)
    return xp.where(positive, root, xp.zeros_like(root))


def margin_ranking(xp: ModuleType, x1: Any, x2: Any, target: Any, margin: Any) -> Any:
    # margin − t·(x₁ − x₂) is exactly t·(x₂ − x₁) when margin = 0: one pass fewer each way.
    hinge = target * (x2 - x1) if is_number(margin) and margin == 0.0 else margin - target * (x1 - x2)
    return xp.maximum(hinge, xp.zeros_like(hinge))


def hinge_embedding(xp: ModuleType, x: Any, target: Any, margin: float) -> Any:
    hinge = margin - x
    zeros = xp.zeros_like(hinge)
    dissimilar = xp.where(xp.not_equal(target, 1.0), xp.maximum(hinge, zeros), zeros)
    similar = xp.where(xp.not_equal(target, -1.0), x, xp.zeros_like(x))
    return dissimilar + similar


# log cosh e = Σ c_n·e^(2n), n = 1 … 6 (c_n = 2^(2n−1)·(2^(2n) − 1)·B_2n / (n·(2n)!)): below |e| = ⅛ the
# first omitted term is 5e−13 of the sum (the numerical promise's float64 1e−12), and at ⅛ the far
# form loses 6e−6 in float32 (the promise's 1e−5) and 1.3e−14 in float64.
LOG_COSH_SERIES = (
    0.5,
    -0.08333333333333333,
    0.022222222222222223,
    -0.006746031746031746,
    0.0021869488536155205,
    -0.0007386029608251831,
)
LOG_COSH_NEAR = 0.125


def log_cosh_value(xp: ModuleType, magnitude: Any, softplus: Callable[[Any], Any]) -> Any:
    """``log cosh e`` of ``|e|``: ``|e| + softplus(−2|e|) − log 2``, and its Taylor series below ⅛.

    Near 0 log cosh e ≈ e²/2 is tiny and the first form's terms are ~log 2, which cancel it
    (e = 1e−4: 4.99999997e−9 for 4.99999996e−9 in float64, 0 in float32). The series (six
    multiply-adds in e², no transcendental) is within the numerical promise there, and so is
    its derivative, the series of tanh(e). It is evaluated at min(|e|, ⅛), so it is finite
    (and its gradient 0) where it is not taken.
    """
    near = magnitude < LOG_COSH_NEAR
    square = capped(xp, magnitude, LOG_COSH_NEAR)
    square = square * square
    series = LOG_COSH_SERIES[-1] * square
    for coefficient in reversed(LOG_COSH_SERIES[:-1]):
        series = (series + coefficient) * square
    return xp.where(near, series, magnitude + softplus(magnitude * -2.0) - math.log(2.0))


def log_cosh(table: dict, xp: ModuleType, y_pred: Any, y_true: Any) -> Any:
    # Never cosh, so finite for every finite residual (|e| − log 2 where cosh would overflow).
    return log_cosh_value(xp, xp.abs(y_pred - y_true), table["softplus"])


def softmax_cross_entropy_soft(table: dict, xp: ModuleType, logits: Any, target: Any, axis: int) -> Any:
    return -xp.sum(times_log(xp, target, table["log_softmax"](logits, axis)), axis=axis)


def drop_axis(xp: ModuleType, x: Any, axis: int) -> Any:
    return xp.squeeze(x, axis=axis)


def size(xp: ModuleType, x: Any, axis: int) -> Any:
    return x.shape[axis]


def stop_gradient(xp: ModuleType, x: Any) -> Any:
    # A namespace without autodiff, or whose autodiff the framework module supplies.
    return x


def softmax(table: dict, xp: ModuleType, x: Any, axis: int) -> Any:
    # exp of the table's stable logarithms: no overflow (nor NumPy's warning) for any finite x.
    return xp.exp(table["log_softmax"](x, axis))


def sigmoid(table: dict, xp: ModuleType, x: Any) -> Any:
    return xp.exp(table["log_sigmoid"](x))


def ctc_log_probs(
    xp: ModuleType,
    log_probs: Any,
    labels: Any,
    input_lengths: Any,
    label_lengths: Any,
    blank: int,
    zero_infinity: bool,
) -> None:
    # No fused kernel of the CTC recursion: the loss runs it.
    return None


def fold(
    xp: ModuleType,
    step: Callable[..., Any],
    alpha: Any,
    constants: tuple,
    sequences: tuple,
    steps: Any,
    collect: bool,
) -> Any:
    # A Python loop over the static number of steps (compilers without a loop primitive unroll it).
    every = []
    for t in range(steps):
        alpha = step(xp, alpha, *constants, *(sequence[t, ...] for sequence in sequences))
        if collect:
            every.append(alpha)
    if not collect:
        return alpha
    return alpha, xp.stack(every, axis=0) if every else xp.expand_dims(alpha, axis=0)[:0, ...]


#: The formulas that take the namespace only, by kernel name.
FORMULAS: dict[str, Callable[..., Any]] = {
    "logsumexp": logsumexp,
    "log_softmax": log_softmax,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "at_least": at_least,
    "one_hot": one_hot,
    "take_along_axis": take_along_axis,
    "gather": gather,
    "drop_axis": drop_axis,
    "size": size,
    "extrema": extrema,
    "stop_gradient": stop_gradient,
    "squared_error": squared_error,
    "absolute_error": absolute_error,
    "huber": huber,
    "smooth_l1": smooth_l1,
    "sigmoid_cross_entropy": sigmoid_cross_entropy,
    "times_log": times_log,
    "relative_entropy": relative_entropy,
    "pairwise_distance": pairwise_distance,
    "margin_ranking": margin_ranking,
    "hinge_embedding": hinge_embedding,
    "xlogy": xlogy,
    "xlog1py": xlog1py,
    "ctc_log_probs": ctc_log_probs,
    "fold": fold,
    "linear_cross_entropy": linear.linear_cross_entropy,
}

#: The formulas built from the table they are filed in (then the namespace), by kernel name.
COMPOSED: dict[str, Callable[..., Any]] = {
    "softmax_cross_entropy": softmax_cross_entropy,
    "softmax_cross_entropy_soft": softmax_cross_entropy_soft,
    "multi_margin": multi_margin,
    "multilabel_margin": multilabel_margin,
    "negative_log_likelihood": negative_log_likelihood,
    "log_cosh": log_cosh,
    "softmax": softmax,
    "sigmoid": sigmoid,
}


def table(xp: ModuleType, native: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every declared kernel of namespace ``xp``: ``native``'s, and the generic formula of each other one."""
    built: dict[str, Callable[..., Any]] = {name: functools.partial(formula, xp) for name, formula in FORMULAS.items()}
    built.update(native)
    for name, formula in COMPOSED.items():
        if name not in native:
            built[name] = functools.partial(formula, built, xp)
    return built
