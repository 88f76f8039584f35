"""Sequence losses: Connectionist Temporal Classification (CTC)."""

from __future__ import annotations

from typing import Any

from .. import primitives as P
from .._call import compute
from .._errors import LabelRangeError, OptionValueError, ShapeError
from .._namespace import device_of, is_eager, to_numpy
from .._options import Option
from .._registry import define_loss
from .._spec import Input, LossSpec
from ..examples import sequence as examples

# The family's losses (lossx.losses.__all__); ctc_forward_probabilities is a function, not a loss,
# exported by lossx itself.
__all__ = ["ctc"]

_INF = float("inf")


# ----------------------------------------------------------------- helpers


def _size(xp: Any, x: Any, axis: int) -> Any:
    """The static size of ``axis``; in a TensorFlow graph whose size is unknown, a scalar tensor."""
    static = x.shape[axis]
    return static if static is not None else P.kernels(xp)["size"](x, axis)


def _log_sum_exp(xp: Any, minus_inf: Any, *terms: Any) -> Any:
    """``log Σ exp(term)`` of 2–3 same-shaped arrays, elementwise, safe for −inf.

    Where every term is −inf the result is the constant ``minus_inf`` with a zero
    gradient (the library logsumexp, like torch.logsumexp and logaddexp, gives
    ``0·∞ = NaN`` gradients there, and unreachable CTC states are −inf on every
    step). A NaN term still gives NaN; a +inf term gives +inf.

    It is ``m + log1p(Σ h)`` with ``m`` the largest term, whose ``h`` is ``expm1(term − m) = 0``,
    and ``h = exp(term − m)`` for the others: where one alignment dominates, the log of
    ``1 + tiny`` would keep few of the tiny's digits, and a nearly certain path's tiny loss
    with them. ``m`` is held out of autodiff (the value does not depend on it), so the
    derivatives are the weights ``exp(term − log Σ)`` whichever tied term is the largest.
    """
    stop_gradient = P.kernels(xp)["stop_gradient"]
    largest = terms[0]
    for term in terms[1:]:
        largest = xp.maximum(largest, term)
    shift = stop_gradient(xp.where(xp.isfinite(largest), largest, xp.zeros_like(largest)))
    total = taken = None
    for term in terms:
        top = xp.equal(term, largest)
        if taken is not None:
            top = xp.logical_and(top, xp.logical_not(taken))
        part = xp.where(top, xp.expm1(term - shift), xp.exp(term - shift))
        total = part if total is None else total + part
        taken = top if taken is None else xp.logical_or(taken, top)
    empty = xp.equal(largest, -_INF)
    safe = xp.where(empty, xp.zeros_like(total), total)
    return xp.where(empty, minus_inf, xp.log1p(safe) + shift)


def _take_last(xp: Any, x: Any, index: Any) -> Any:
    """``x[..., index[...]]`` along the last axis; ``index`` has ``x``'s shape but for that axis."""
    if hasattr(xp, "take_along_axis"):
        return P.take_along_axis(x, index, axis=-1)
    # Namespaces without take_along_axis (Dask): select with `where` over the last axis.
    positions = xp.arange(x.shape[-1], dtype=index.dtype, **device_of(x))
    hit = xp.equal(xp.expand_dims(index, axis=-1), positions)
    picked = xp.where(hit, xp.expand_dims(x, axis=-2), xp.zeros_like(hit, dtype=x.dtype))
    return xp.sum(picked, axis=-1)


def _step(xp: Any, alpha: Any, minus_inf: Any, skip: Any, emission: Any, active: Any = None) -> Any:
    """One frame of the forward recursion on α (B, S); ``minus_inf`` is a (B, S) array of −inf."""
    column = minus_inf[:, :1]
    shifted = xp.concat([column, column, alpha], axis=1)  # α(s − 2) at s + 2
    from_skip = xp.where(skip, shifted[:, :-2], minus_inf)
    new = emission + _log_sum_exp(xp, minus_inf, alpha, shifted[:, 1:-1], from_skip)
    return new if active is None else xp.where(active, new, alpha)


def _check_values(xp, name, y_pred, labels, padded_labels, input_lengths, label_lengths, blank, valid_position) -> None:
    """Eager-mode checks of label values and lengths (skipped under jit/compile).

    ``padded_labels`` are the labels with the blank in place of the padding: their extrema
    (one pass each, as for the lengths) say whether every label within its length is in range.
    """
    frames, classes, max_labels = y_pred.shape[1], y_pred.shape[2], labels.shape[1]
    for what, lengths, limit in (
        ("input_lengths", input_lengths, frames),
        ("label_lengths", label_lengths, max_labels),
    ):
        if lengths is None:
            continue
        low, high = P.extrema(lengths)
        if low < 0 or high > limit:
            raise ShapeError(
                f"{name}: {what} must lie in [0, {limit}] (the padded size of "
                f"{'y_pred along axis 1' if what == 'input_lengths' else 'y_true along axis 1'}); "
                f"got {to_numpy(lengths).tolist()}."
            )
    low, high = P.extrema(padded_labels)
    if low < 0 or high >= classes:
        raise LabelRangeError(
            f"{name}: labels within label_lengths must lie in [0, {classes}) (y_pred has {classes} "
            "classes, blank included); fix the labels or the lengths."
        )
    if bool(xp.any(xp.logical_and(valid_position, labels == blank))):
        raise LabelRangeError(
            f"{name}: labels within label_lengths contain the blank index {blank}. Pad label "
            f"sequences at the end; without label_lengths, every entry equal to blank={blank} "
            "counts as padding, so blanks may only trail the labels."
        )


def _log_probabilities(xp, name, y_pred, y_true, input_lengths, label_lengths, blank, from_logits) -> tuple:
    """``(log_probs, labels, input_lengths, label_lengths, blank)``: the checked inputs of the recursion.

    The log-probabilities (B, T, C), the labels with the blank in place of their padding, the
    lengths as int32 (``input_lengths`` None for all frames) and the blank as a non-negative
    index; ``name`` names the caller in errors.
    """
    if y_pred.ndim != 3:
        raise ShapeError(
            f"{name}: y_pred of shape {tuple(y_pred.shape)} must have shape (batch, frames, classes); "
            "torch's (frames, batch, classes) log_probs need .transpose(0, 1)."
        )
    classes = y_pred.shape[2]
    if blank < 0 and classes is not None:
        blank = blank + classes
    elif blank < 0:  # a TensorFlow graph with an unknown class count: the blank is a scalar tensor
        blank = xp.astype(_size(xp, y_pred, 2), y_true.dtype) + blank
    if classes is not None and not 0 <= blank < classes:
        raise OptionValueError(
            f"{name}: blank is out of range for y_pred with {classes} classes; use an index in [{-classes}, {classes})."
        )
    labels = y_true
    if from_logits:
        log_probs = P.log_softmax(y_pred, axis=-1)
    else:
        zero = xp.equal(y_pred, 0)
        safe = xp.log(xp.where(zero, xp.ones_like(y_pred), y_pred))
        log_probs = xp.where(zero, xp.full_like(y_pred, -_INF), safe)

    max_labels = _size(xp, labels, 1)
    label_position = xp.arange(max_labels, dtype=xp.int32, **device_of(y_pred))
    if label_lengths is None:
        label_lengths = xp.sum(xp.astype(xp.not_equal(labels, blank), xp.int32), axis=1)
    label_lengths = xp.astype(label_lengths, xp.int32)
    valid_position = xp.less(xp.expand_dims(label_position, axis=0), xp.expand_dims(label_lengths, axis=1))
    if input_lengths is not None:
        input_lengths = xp.astype(input_lengths, xp.int32)
    # Padding may hold any value (-1, ...): the blank stands in for it.
    padded_labels = xp.where(valid_position, labels, xp.zeros_like(labels) + blank)
    if is_eager(y_pred):
        _check_values(xp, name, y_pred, labels, padded_labels, input_lengths, label_lengths, blank, valid_position)
    return log_probs, padded_labels, input_lengths, label_lengths, blank


def _forward(xp, log_probs, labels, input_lengths, label_lengths, blank, collect) -> tuple:
    """``(loss (B,), every frame's α (T, B, S), or None without collect)`` of :func:`_log_probabilities`'s inputs.

    The one forward recursion, of :func:`ctc` and of :func:`ctc_forward_probabilities`.
    """
    device = device_of(log_probs)
    max_labels = _size(xp, labels, 1)
    # The extended labels l' (B, S), S = 2L + 1: the blank at even s, label (s − 1)/2 at odd s
    # (gathered from the labels followed by one blank, whose index L the even s take).
    state = xp.arange(2 * max_labels + 1, dtype=xp.int32, **device)
    odd = xp.equal(state % 2, 1)
    source = xp.where(odd, state // 2, xp.zeros_like(state) + max_labels)
    blank_column = xp.zeros_like(xp.expand_dims(label_lengths, axis=1), dtype=labels.dtype) + blank  # (B, 1)
    with_blank = xp.concat([labels, blank_column], axis=1)
    extended = _take_last(xp, with_blank, xp.expand_dims(source, axis=0) + xp.zeros_like(blank_column, dtype=xp.int32))

    minus_inf = xp.full_like(extended, -_INF, dtype=log_probs.dtype)  # (B, S)
    # The skip s−2 → s is allowed into a label that differs from the label before it.
    before_previous = xp.concat([blank_column, blank_column, extended], axis=1)[:, :-2]
    skip = xp.logical_and(xp.expand_dims(odd, axis=0), xp.not_equal(extended, before_previous))

    # Time-major emissions lp_t(l'_s): (T, B, S); frames past input_lengths keep α: (T, B, 1).
    emission_index = xp.expand_dims(extended, axis=1) + xp.zeros_like(log_probs[:, :, :1], dtype=extended.dtype)
    sequences: tuple[Any, ...] = (xp.permute_dims(_take_last(xp, log_probs, emission_index), (1, 0, 2)),)
    frames = _size(xp, log_probs, 1)
    if input_lengths is not None:
        frame = xp.arange(frames, dtype=xp.int32, **device)
        active = xp.less(xp.expand_dims(frame, axis=1), xp.expand_dims(input_lengths, axis=0))
        sequences += (xp.expand_dims(active, axis=2),)

    # α before the first frame: the path starts in state 0 with probability 1.
    start = xp.where(xp.expand_dims(xp.equal(state, 0), axis=0), xp.zeros_like(minus_inf), minus_inf)
    # The recursion over the frames: a Python loop on most namespaces, lax.scan on JAX and tf.foldl
    # (tf.scan to collect) on TensorFlow, whose compile times grow quadratically with an unrolled recursion.
    folded = P.kernels(xp)["fold"](_step, start, (minus_inf, skip), sequences, frames, collect)
    alpha, every = folded if collect else (folded, None)

    # End in the blank after the last label (s = 2·L_b) or on the last label (s = 2·L_b − 1),
    # picked from α with a −inf column in front (index 2·L_b + 1 and 2·L_b; 0 when L_b = 0).
    padded = xp.concat([minus_inf[:, :1], alpha], axis=1)
    position = xp.expand_dims(xp.arange(2 * max_labels + 2, dtype=xp.int32, **device), axis=0)
    end = xp.expand_dims(2 * label_lengths, axis=1)
    zeros = xp.zeros_like(padded)
    last_blank = xp.sum(xp.where(xp.equal(position, end + 1), padded, zeros), axis=1)
    last_label = xp.sum(xp.where(xp.equal(position, end), padded, zeros), axis=1)
    return -_log_sum_exp(xp, minus_inf[:, 0], last_blank, last_label), every


# ----------------------------------------------------------------- the loss


BLANK = Option(
    "blank",
    "int",
    0,
    "Index of the blank class in y_pred's last axis; negative values count from the end "
    "(−1: the last class, as TensorFlow's blank_index).",
)
FROM_LOGITS = Option(
    "from_logits",
    "bool",
    True,
    "True: y_pred are logits or log-probabilities (log-softmax is applied over the classes, "
    "which leaves log-probabilities unchanged); False: probabilities in [0, 1], used as given.",
)
#: The inputs of :func:`ctc` and :func:`ctc_forward_probabilities`, declared once.
INPUTS = (
    Input("y_pred", "prediction", "Per-frame class scores, batch first: (B, T, C), blank included."),
    Input("y_true", "sequences", "Label sequences, right-padded: (B, L)."),
    Input(
        "input_lengths",
        "lengths",
        "Number of valid frames of each sequence (B,); None: all T frames.",
        optional=True,
    ),
    Input(
        "label_lengths",
        "lengths",
        "Number of valid labels of each sequence (B,); None: the count of entries of y_true "
        "that are not the blank (Keras's convention: labels padded with the blank).",
        optional=True,
    ),
)


@define_loss(
    options=[
        BLANK,
        Option(
            "zero_infinity",
            "bool",
            False,
            "Replace infinite losses (no alignment exists: input too short for the labels) by 0, with a zero gradient.",
        ),
        FROM_LOGITS,
    ],
    inputs=INPUTS,
    class_axis=True,
    probabilities=True,
    example=examples.ctc_example,
    showcase=examples.CTC,
)
def ctc(xp, y_pred, y_true, input_lengths, label_lengths, *, blank, zero_infinity, from_logits):
    """Connectionist Temporal Classification loss ``−log p(y | x)``, one value per sequence.

    ``p(y | x) = Σ_π Π_t p_t(π_t)`` sums over every alignment π of length ``T_b`` that
    collapses to the labels ``y`` (remove repeats, then blanks). With ``l'`` the labels
    with a blank before, between and after them (length ``S = 2·L_b + 1``) and
    ``lp_t(k) = log p_t(k)`` (log-softmax of the logits), the forward variables are

    ``α_0(0) = lp_0(blank)``, ``α_0(1) = lp_0(l'_1)``, ``α_0(s) = −∞`` otherwise;
    ``α_t(s) = lp_t(l'_s) + logsumexp(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2))``,
    the last term only where ``l'_s`` is a label different from ``l'_{s−2}`` (a repeated
    label needs a blank between its copies);

    and the loss is ``−logsumexp(α_{T_b−1}(S−1), α_{T_b−1}(S−2))``: +inf where no
    alignment exists (``T_b`` shorter than ``L_b`` plus the number of repeats), or 0 with
    a zero gradient under ``zero_infinity=True`` (as torch).

    Shapes: ``y_pred`` (B, T, C) batch first (torch's ``log_probs`` is (T, B, C): pass
    ``log_probs.transpose(0, 1)``); ``y_true`` (B, L) integers, right-padded;
    ``input_lengths`` and ``label_lengths`` (B,) integers; result (B,). Frames past
    ``input_lengths`` and labels past ``label_lengths`` are ignored (any values).

    Reductions: lossx's "mean" is the plain mean over the batch (optax and Keras);
    torch's default ``reduction='mean'`` first divides each loss by its label length:
    ``(lossx.ctc(..., reduction="none") / label_lengths.clamp(min=1)).mean()``.

    Design: the recursion is written against the Array API only, in log space on α of
    shape (B, S) (sums of probabilities are logsumexps of 2–3 terms, −inf-safe in value
    and gradient, so float32 keeps rtol 1e-5 and gradients are finite wherever the loss
    is finite); frames past ``input_lengths`` keep α with ``where``; gradients come from
    automatic differentiation of the recursion. Only the loop over time is not Array
    API (the standard has no scan): a Python loop over the static T on NumPy, torch
    (eager, and unrolled by ``torch.compile``: about 25 operations per frame, so compile
    time grows linearly with T; torch's ``scan`` is a prototype that fails here — so for
    long sequences keep this loss outside the compiled region) and other namespaces;
    ``lax.scan`` on JAX and ``tf.foldl`` on TensorFlow, because XLA's compile time grows
    quadratically with an unrolled recursion, and because TensorFlow graphs (Keras models on
    variable-length input) may leave T unknown. Cost: O(T·B·L) time in T sequential steps, like torch's and optax's own;
    torch's fused native kernel is faster in eager mode.
    ``from_logits=True`` (default) applies log-softmax, which accepts
    both logits (optax, Keras) and log-probabilities (torch) — log-softmax leaves
    normalised log-probabilities unchanged, and its gradient is then torch's
    ``exp(lp) − γ``; ``from_logits=False`` takes probabilities (Keras 2's
    ``ctc_batch_cost``), used as given (not renormalised). Labels within
    ``label_lengths`` must not be the blank (checked in eager mode).

    Reference: Graves, Fernández, Gomez and Schmidhuber (2006), "Connectionist Temporal
    Classification: Labelling Unsegmented Sequence Data with Recurrent Neural
    Networks", ICML; torch.nn.CTCLoss; optax.ctc_loss; keras.losses.CTC.
    """
    log_probs, labels, input_lengths, label_lengths, blank = _log_probabilities(
        xp,
        "ctc",
        y_pred,
        y_true,
        input_lengths,
        label_lengths,
        blank,
        from_logits,
    )
    if from_logits and is_eager(y_pred):
        # The framework's fused kernel of this recursion (torch's F.ctc_loss: far faster for
        # small batches in eager mode, docs/performance.md; torch.compile cannot trace it, so
        # compiled code keeps the recursion). Where one alignment dominates it loses a tiny
        # loss's digits, which the recursion keeps (docs/performance.md).
        # Only from normalised log-probabilities: its gradient is exp(lp) − γ, the gradient
        # through the log-softmax above, which is wrong for unnormalised log(probabilities).
        # It returns None for inputs it cannot serve exactly, and where the framework has none.
        loss = P.kernels(xp)["ctc_log_probs"](log_probs, labels, input_lengths, label_lengths, blank, zero_infinity)
        if loss is not None:
            return loss
    loss, _ = _forward(xp, log_probs, labels, input_lengths, label_lengths, blank, False)
    if zero_infinity:
        loss = xp.where(xp.isinf(loss), xp.zeros_like(loss), loss)
    return loss


# ----------------------------------------------------------------- the forward probabilities


FORWARD_PROBABILITIES = "ctc_forward_probabilities"


def ctc_forward_probabilities(
    y_pred: Any,
    y_true: Any,
    input_lengths: Any = None,
    label_lengths: Any = None,
    *,
    blank: int = 0,
    from_logits: bool = True,
) -> tuple:
    """CTC's loss and its forward variables, every frame's: ``(loss, log_alpha_blank, log_alpha_label)``.

    The forward variables α are :func:`lossx.ctc`'s, from the same recursion (its docstring
    has the formula): ``α_t(s)`` is the log of the total probability of the paths through frames
    0 … t that end in state s of the extended labels ``l'`` (a blank before, between and after
    the labels), with ``α_t = α_{T_b−1}`` on frames past ``input_lengths``. They come split as
    optax's: ``log_alpha_blank[t, b, n] = α_t(2n)``, the blank before label n (n = L_b: after the
    last), and ``log_alpha_label[t, b, n] = α_t(2n + 1)``, label n. ``loss`` is ``lossx.ctc``'s with
    ``reduction="none"``: ``−logsumexp(α_{T−1}(2·L_b), α_{T−1}(2·L_b − 1))``, +inf where no
    alignment exists. Unreachable states are −inf. Everything is differentiable, and runs under
    ``jax.jit``, ``tf.function(jit_compile=True)`` and ``torch.compile(fullgraph=True)``.

    Shapes: ``y_pred`` (B, T, C), ``y_true`` (B, L), the lengths (B,), as for :func:`lossx.ctc`
    (whose inputs and checks these are); ``loss`` (B,), ``log_alpha_blank`` (T, B, L + 1) and
    ``log_alpha_label`` (T, B, L), time first. States past ``2·L_b`` are those of labels padded
    with the blank (their values do not enter the loss).

    optax's ``ctc_loss_with_forward_probs(logits, logit_paddings, labels, label_paddings)``
    returns the same three arrays, of the same shapes, for ``y_pred = logits``, lengths
    ``Σ(1 − paddings)`` along axis 1 (right padding; optax also skips padded frames elsewhere)
    and labels padded with the blank, with three differences: optax approximates log 0 by
    ``log_epsilon = −1e5`` (unreachable states are about −1e5 rather than −inf, and a loss
    without alignment about 1e5 rather than inf); its last frame of ``log_alpha_blank`` also
    holds the final step from label n − 1 to the end, ``logsumexp(α_{T−1}(2n), α_{T−1}(2n − 1))``,
    so that its entry n = L_b is ``−loss``; it takes logits only (``from_logits=True``).

    Reference: Graves, Fernández, Gomez and Schmidhuber (2006), "Connectionist Temporal
    Classification", ICML (the forward variables of its forward-backward algorithm);
    optax.ctc_loss_with_forward_probs.
    """
    options = _FORWARD_SPEC.validate({"blank": blank, "from_logits": from_logits})
    xp, outputs, dtype = compute(_FORWARD_SPEC, (y_pred, y_true, input_lengths, label_lengths), options, None)
    return tuple(out if out.dtype == dtype else xp.astype(out, dtype) for out in outputs)


def _forward_probabilities(xp, y_pred, y_true, input_lengths, label_lengths, *, blank, from_logits) -> tuple:
    log_probs, labels, input_lengths, label_lengths, blank = _log_probabilities(
        xp,
        FORWARD_PROBABILITIES,
        y_pred,
        y_true,
        input_lengths,
        label_lengths,
        blank,
        from_logits,
    )
    loss, every = _forward(xp, log_probs, labels, input_lengths, label_lengths, blank, True)
    return loss, every[:, :, 0::2], every[:, :, 1::2]


# The declaration of its inputs and options, so that its call runs ctc's checks and casts (lossx._call);
# not registered: it is no loss (its result is not reduced).
_FORWARD_SPEC = LossSpec(
    name=FORWARD_PROBABILITIES,
    body=_forward_probabilities,
    options=(BLANK, FROM_LOGITS),
    inputs=INPUTS,
    class_axis=True,
    probabilities=True,
)
# Its derived attributes computed now, outside any trace (as lossx._registry.register does).
_FORWARD_SPEC.required_inputs, _FORWARD_SPEC.other_inputs, _FORWARD_SPEC.array_options  # noqa: B018
