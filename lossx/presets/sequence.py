"""Presets of the sequence losses: Keras's CTC and torch's CTCLoss (its layouts and its 'mean')."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import primitives as P
from .._errors import ArgumentError
from .._namespace import device_of
from ..examples.sequence import ctc_example
from ._preset import PresetReduction, define_preset

define_preset(
    "CTC",
    "keras",
    "ctc",
    fixed={"blank": 0, "from_logits": True},
    function="ctc",
    doc="keras.losses.CTC: y_true (B, L) integer labels padded with 0 (the blank), y_pred (B, T, C) "
    "logits; every frame counts and label lengths are the number of nonzero labels. Keras on "
    "TensorFlow computes in float32 even for float64 inputs; lossx computes in the input's dtype.",
)


def _torch_ctc_inputs(xp: Any, inputs: tuple, unbatched: bool) -> tuple:
    """torch's CTCLoss inputs as :func:`ctc` takes them.

    torch's log-probabilities are time first, (T, N, C) or unbatched (T, C); its targets are
    padded (N, S), unbatched (S,), or every sequence concatenated into one vector, which is
    padded here to (N, total length) by a gather from the offsets of the lengths.
    """
    if len(inputs) < 4 or inputs[2] is None or inputs[3] is None:
        raise ArgumentError(
            "CTCLoss takes (log_probs, targets, input_lengths, target_lengths), as torch's: pass all four."
        )
    log_probs, targets, input_lengths, target_lengths = inputs
    if unbatched:
        log_probs = xp.expand_dims(log_probs, axis=1)
        targets, input_lengths, target_lengths = (
            xp.expand_dims(x, axis=0) for x in (targets, input_lengths, target_lengths)
        )
    log_probs = xp.permute_dims(log_probs, (1, 0, 2))
    if targets.ndim == 1:
        width = max(targets.shape[0], 1)
        starts = xp.cumulative_sum(target_lengths) - target_lengths
        position = xp.arange(width, dtype=target_lengths.dtype, **device_of(targets))
        inside = xp.less(xp.expand_dims(position, axis=0), xp.expand_dims(target_lengths, axis=1))
        index = xp.where(inside, xp.expand_dims(starts, axis=1) + position, xp.zeros_like(inside, dtype=starts.dtype))
        source = targets if targets.shape[0] else xp.zeros((1,), dtype=targets.dtype, **device_of(targets))
        targets = xp.where(inside, P.gather(source, index), xp.zeros_like(index, dtype=targets.dtype))
    return log_probs, targets, input_lengths, target_lengths


def _per_target_length(xp: Any, inputs: tuple) -> Any:
    """1 / max(target length, 1): torch's CTCLoss 'mean' divides each loss by its target length."""
    lengths = xp.astype(inputs[3], inputs[0].dtype)
    return 1.0 / xp.maximum(lengths, xp.ones_like(lengths))


def _torch_ctc_example(rng: np.random.Generator, options: Mapping[str, Any]) -> tuple:
    """:func:`lossx.examples.sequence.ctc_example` in torch's layout: log-probabilities time first, every length
    given."""
    logits, labels, input_lengths, label_lengths = ctc_example(rng, options)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return np.ascontiguousarray(np.swapaxes(log_probs, 0, 1)), labels, input_lengths, label_lengths


define_preset(
    "CTCLoss",
    "torch",
    "ctc",
    fixed={"from_logits": True},
    prepare=_torch_ctc_inputs,
    unbatched_ndim=2,
    example=_torch_ctc_example,
    reductions={"mean": PresetReduction("mean", scale=_per_target_length)},
    doc="torch.nn.CTCLoss(blank=0, reduction='mean', zero_infinity=False): forward(log_probs, targets, "
    "input_lengths, target_lengths) with torch's layouts: log-probabilities time first (T, N, C) or "
    "unbatched (T, C); targets padded (N, S), unbatched (S,) or concatenated (sum of target_lengths,). "
    "'mean' divides each loss by its target length (at least 1), then averages over the batch, as torch's.",
)
