"""Options and helpers shared by the built-in losses."""

from __future__ import annotations

from .._namespace import device_of
from .._options import Option

# ----------------------------------------------------------------- shared options

FROM_LOGITS = Option(
    "from_logits",
    "bool",
    False,
    "True: y_pred are logits, computed in log space; False: probabilities in [0, 1].",
)
BINARY_SMOOTHING = Option(
    "label_smoothing",
    "float",
    0.0,
    "ε: targets move toward 0.5 as t·(1−ε) + ε/2.",
    low=0.0,
    high=1.0,
)
CATEGORICAL_SMOOTHING = Option(
    "label_smoothing",
    "float",
    0.0,
    "ε: targets move toward uniform as t·(1−ε) + ε/C.",
    low=0.0,
    high=1.0,
)
CLASS_AXIS = Option(
    "axis",
    "class_axes",
    -1,
    "The class axis of y_pred (torch layout: 1), or a tuple of axes whose slice holds the classes, a class "
    "its flat (row-major) index there (optax's axis=(a, b)).",
)
CLASS_WEIGHT = Option(
    "class_weight",
    "weights",
    None,
    "One weight per class, picked by the target; 'mean' divides by their sum.",
    low=0.0,
)

Z_LOSS = Option(
    "z_loss",
    "float",
    0.0,
    "Coefficient of log²Z added per row (Z the softmax normaliser): keeps logits from drifting (PaLM).",
    low=0.0,
)
SOFTCAP = Option(
    "softcap",
    "float",
    None,
    "c: logits become c·tanh(logits/c) before the softmax (Gemma 2); None: no cap.",
    low=0.0,
    low_open=True,
)

# ----------------------------------------------------------------- helpers


def is_off(option):
    """Whether a numeric option is the Python number 0, so that its term may be left out.

    A 0-d array (an option traced by jax.jit/vmap/grad, a learned torch tensor) never is:
    its value is not known while tracing, so the loss keeps the term.
    """
    return isinstance(option, (int, float)) and option == 0


def class_count(xp, y_pred, axis, keepdims):
    """C as a Python int; in a TensorFlow graph whose class axis is unknown, a computed array."""
    static = y_pred.shape[axis]
    if static is not None:
        return static
    return xp.sum(xp.ones_like(y_pred), axis=axis, keepdims=keepdims)


def along_axis(xp, vector, ndim, axis):
    """A per-class vector shaped to broadcast along ``axis`` of an ``ndim`` array."""
    shape = [1] * ndim
    shape[axis] = -1
    return xp.reshape(vector, tuple(shape))


def class_positions(xp, y_pred, axis, dtype):
    """``0, 1, ..., C−1`` along ``axis`` of ``y_pred`` (broadcastable), as integers of ``dtype``.

    ``C`` is read from the static shape; in a TensorFlow graph whose class axis is
    unknown it is counted from one line of ``y_pred`` along ``axis``.
    """
    num_classes = y_pred.shape[axis]
    if num_classes is None:
        line = y_pred[tuple(slice(None) if d == axis % y_pred.ndim else 0 for d in range(y_pred.ndim))]
        num_classes = xp.astype(xp.sum(xp.ones_like(line)), dtype)
    return along_axis(xp, xp.arange(num_classes, dtype=dtype, **device_of(y_pred)), y_pred.ndim, axis)
