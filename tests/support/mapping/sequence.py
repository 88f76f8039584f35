"""Mapping rows of the sequence losses (see tests/support/mapping/__init__.py)."""

from __future__ import annotations

import functools

import numpy as np

from tests.support.mapping import Row

_BATCH, _FRAMES, _CLASSES, _LABELS = 3, 7, 5, 3


def _ctc_inputs(rng: np.random.Generator, blank: int = 0, impossible: bool = False) -> dict[str, np.ndarray]:
    """Logits (3, 7, 5) and labels (3, 3) padded with the blank, in torch's, optax's and Keras's names.

    torch: ``logits`` (batch first; the rows transpose them), ``log_probs`` (T, B, C),
    ``targets``, ``input_lengths``, ``target_lengths``; optax: ``logits``, ``labels``,
    ``logit_paddings``, ``label_paddings`` (1.0 = padded); Keras: ``y_true``, ``y_pred``.
    With ``impossible``, sequence 1 (labels 1 1 1, which need 5 frames) gets 4 frames.
    """
    symbols = np.array([c for c in range(_CLASSES) if c != blank])
    target_lengths = np.array([3, 2, 1]) if not impossible else np.array([2, 3, 1])
    targets = np.full((_BATCH, _LABELS), blank, dtype=np.int64)
    for row, length in enumerate(target_lengths):
        targets[row, :length] = rng.choice(symbols, length)
    targets[0, :2] = targets[0, 0]  # a repeated label
    input_lengths = np.array([_FRAMES, _FRAMES - 1, _FRAMES - 3])
    if impossible:
        targets[1, :3] = symbols[0]
        input_lengths[1] = 4
    logits = rng.standard_normal((_BATCH, _FRAMES, _CLASSES)) * 1.5
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    frame = np.arange(_FRAMES)
    return {
        "logits": logits,
        "log_probs": np.ascontiguousarray(log_softmax.transpose(1, 0, 2)),
        "targets": targets,
        "input_lengths": input_lengths.astype(np.int64),
        "target_lengths": target_lengths.astype(np.int64),
        "labels": targets,
        "logit_paddings": (frame[None, :] >= input_lengths[:, None]).astype(np.float64),
        "label_paddings": (np.arange(_LABELS)[None, :] >= target_lengths[:, None]).astype(np.float64),
        "y_true": targets,
        "y_pred": logits,
    }


_TORCH_LOG_PROBS = "logits.transpose(0, 1).log_softmax(2)"
_TORCH_ARGS = "targets, input_lengths, target_lengths"
_LOSSX_ARGS = "logits, targets, input_lengths, target_lengths"
_LAYOUT = (
    "torch takes log-probabilities (T, B, C); lossx takes (B, T, C) batch first and applies "
    "log-softmax itself, which leaves log-probabilities unchanged, so logits or log-probs both work."
)
_OPTAX_LENGTHS = (
    "jnp.sum(1 - logit_paddings, axis=1).astype(jnp.int32), jnp.sum(1 - label_paddings, axis=1).astype(jnp.int32)"
)
_OPTAX_NOTES = (
    "optax marks padding with paddings arrays (1.0 = padded); lossx takes lengths, their complement's "
    "row sums. optax approximates log 0 by −1e5, so a sequence with no alignment gives about 1e5 "
    "instead of inf."
)
_KERAS_NOTES = (
    "Labels padded with 0, the blank; all frames count. Keras on TensorFlow computes CTC in float32 "
    "(tf.nn.ctc_loss), so the row compares at rtol 1e-5."
)

ROWS: list[Row] = [
    Row(
        "ctc",
        "torch",
        f'F.ctc_loss({_TORCH_LOG_PROBS}, {_TORCH_ARGS}, reduction="none")',
        f'lossx.ctc({_LOSSX_ARGS}, reduction="none")',
        _ctc_inputs,
        notes=_LAYOUT,
        grad="logits",
    ),
    Row(
        "ctc",
        "torch",
        f"F.ctc_loss({_TORCH_LOG_PROBS}, {_TORCH_ARGS})",
        f'(lossx.ctc({_LOSSX_ARGS}, reduction="none") / target_lengths.clamp(min=1)).mean()',
        _ctc_inputs,
        grad="logits",
        notes="torch's 'mean' divides each loss by its target length (at least 1) before averaging; "
        "lossx's 'mean' is the plain batch mean (optax, Keras), so divide the unreduced losses.",
    ),
    Row(
        "ctc",
        "torch",
        f'F.ctc_loss(log_probs, {_TORCH_ARGS}, reduction="sum")',
        f'lossx.ctc(log_probs.transpose(0, 1), {_TORCH_ARGS}, reduction="sum")',
        _ctc_inputs,
        grad="log_probs",
        notes="Log-probabilities in, gradient w.r.t. them: torch's CTC gradient is exp(lp) − γ (it "
        "assumes a log-softmax before it), which is lossx's gradient through its own log-softmax.",
    ),
    Row(
        "ctc",
        "torch",
        f'F.ctc_loss({_TORCH_LOG_PROBS}, {_TORCH_ARGS}, blank=4, reduction="none")',
        f'lossx.ctc({_LOSSX_ARGS}, blank=4, reduction="none")',
        functools.partial(_ctc_inputs, blank=4),
        grad="logits",
    ),
    Row(
        "ctc",
        "torch",
        f'F.ctc_loss({_TORCH_LOG_PROBS}, {_TORCH_ARGS}, reduction="none", zero_infinity=True)',
        f'lossx.ctc({_LOSSX_ARGS}, reduction="none", zero_infinity=True)',
        functools.partial(_ctc_inputs, impossible=True),
        grad="logits",
        notes="Sequence 1 has no alignment (3 repeated labels, 4 frames): 0 with zero gradient.",
    ),
    Row(
        "ctc",
        "torch",
        f'nn.CTCLoss(reduction="sum")({_TORCH_LOG_PROBS}, {_TORCH_ARGS})',
        f'LT.Ctc(reduction="sum")({_LOSSX_ARGS})',
        _ctc_inputs,
        grad="logits",
        notes="The module: forward(y_pred, y_true, input_lengths, label_lengths).",
    ),
    Row(
        "ctc",
        "torch",
        f"nn.CTCLoss()(log_probs, {_TORCH_ARGS})",
        f"LT.CTCLoss()(log_probs, {_TORCH_ARGS})",
        _ctc_inputs,
        grad="log_probs",
        notes="torch preset: torch's layouts (time first) and its 'mean' (each loss divided by its target length).",
    ),
    Row(
        "ctc",
        "torch",
        f'nn.CTCLoss(reduction="none", zero_infinity=True)(log_probs, {_TORCH_ARGS})',
        f'LT.CTCLoss(reduction="none", zero_infinity=True)(log_probs, {_TORCH_ARGS})',
        functools.partial(_ctc_inputs, impossible=True),
        grad="log_probs",
    ),
    Row(
        "ctc",
        "optax",
        "optax.ctc_loss(logits, logit_paddings, labels, label_paddings)",
        f'lossx.ctc(logits, labels, {_OPTAX_LENGTHS}, reduction="none")',
        _ctc_inputs,
        notes=_OPTAX_NOTES,
        grad="logits",
    ),
    Row(
        "ctc",
        "optax",
        "jnp.mean(optax.ctc_loss(logits, logit_paddings, labels, label_paddings, blank_id=4))",
        f"LJ.ctc(logits, labels, {_OPTAX_LENGTHS}, blank=4)",
        functools.partial(_ctc_inputs, blank=4),
        grad="logits",
        notes="blank_id is blank; lossx's default 'mean' is the batch mean.",
    ),
    Row(
        "ctc",
        "keras",
        "keras.losses.CTC()(y_true, y_pred)",
        "LK.CTC()(y_true, y_pred)",
        _ctc_inputs,
        notes=_KERAS_NOTES,
        rtol=1e-5,
    ),
    Row(
        "ctc",
        "keras",
        "keras.losses.ctc(y_true, y_pred)",
        "LK.ctc(y_true, y_pred)",
        _ctc_inputs,
        notes=_KERAS_NOTES + " Per-sample values.",
        rtol=1e-5,
    ),
]
