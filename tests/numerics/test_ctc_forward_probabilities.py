"""lossx.ctc_forward_probabilities against optax.ctc_loss_with_forward_probs and an mpmath path enumeration.

optax (JAX in float64) gives the expected loss and forward variables α on inputs with padded
frames and labels (lossx's labels padded with −1, optax's with the blank, as its α past the
labels needs): the values on every backend, eager and compiled (``jax.jit``,
``tf.function(jit_compile=True)``, ``torch.compile(fullgraph=True)``), in float32 and float64,
and the gradient w.r.t. the logits of a weighted sum of the three outputs against ``jax.grad``
of optax's. The comparison applies the mapping the function's docstring states: optax's
``log_epsilon`` (−1e5) stands for lossx's −inf, and optax's last frame of blank α also holds
the final step to the end. The mpmath reference (tests/support/reference/sequence.py) sums path
prefixes from the definition of α, and checks ``from_logits=False``, which optax has not.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import lossx
from tests.numerics.test_matrix import RTOL
from tests.support.frameworks import backend_param, framework, to_backend, to_numpy
from tests.support.reference import sequence as reference

BATCH, FRAMES, CLASSES = 3, 6, 4
PAD = -1
#: Per option set: the options and the labels (a repeated label in the first row; PAD past the lengths).
OPTION_SETS = {
    "default": ({}, [[1, 1, 2], [3, 2, PAD], [2, PAD, PAD]]),
    "blank-1": ({"blank": -1}, [[0, 0, 2], [1, 2, PAD], [2, PAD, PAD]]),
}
INPUT_LENGTHS, LABEL_LENGTHS = np.array([6, 5, 4]), np.array([3, 2, 1])
LOG_EPSILON = -1e5  # optax's default log 0


def _data(name: str) -> dict:
    options, labels = OPTION_SETS[name]
    rng = np.random.default_rng(7)
    labels = np.array(labels)
    blank = options.get("blank", 0) % CLASSES
    return {
        "options": options,
        "blank": blank,
        "logits": rng.standard_normal((BATCH, FRAMES, CLASSES)) * 1.5,
        "labels": labels,
        "optax_labels": np.where(labels == PAD, blank, labels),
        # Weights of the objective whose gradient is compared: one per output entry.
        "probes": [rng.standard_normal(shape) for shape in ((BATCH,), (FRAMES, BATCH, 4), (FRAMES, BATCH, 3))],
    }


def _to_lossx_convention(*alphas: np.ndarray) -> tuple:
    """optax's α with −inf where it holds its log 0 (log_epsilon plus a few log-probabilities)."""
    return tuple(np.where(alpha < LOG_EPSILON / 2, -np.inf, alpha) for alpha in alphas)


def _masks(expected_alpha: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The reachable entries of each α, the blank α's last frame left out (optax's holds the final step)."""
    blank_mask, label_mask = (np.isfinite(a) for a in expected_alpha)
    blank_mask[-1] = False
    return blank_mask, label_mask


def _objective(where, total, outputs, probes, masks):
    """Σ probe·loss + Σ probe·α over the masked entries (the others are −inf or differ by definition)."""
    loss, blank_alpha, label_alpha = outputs
    value = total(probes[0] * loss)
    for alpha, probe, mask in zip((blank_alpha, label_alpha), probes[1:], masks, strict=True):
        value = value + total(where(mask, probe * alpha, 0.0 * probe))
    return value


_EXPECTED: dict = {}


def _expected(name: str) -> tuple:
    """optax's ``(loss, blank α, label α)`` in lossx's convention for −inf, and its objective's gradient."""
    if name in _EXPECTED:
        return _EXPECTED[name]
    jax = framework("jax")
    optax = pytest.importorskip("optax")
    jnp = jax.numpy
    data = _data(name)
    frame_paddings = (np.arange(FRAMES)[None, :] >= INPUT_LENGTHS[:, None]).astype(np.float64)
    label_paddings = (np.arange(3)[None, :] >= LABEL_LENGTHS[:, None]).astype(np.float64)

    def outputs(logits):
        return optax.ctc_loss_with_forward_probs(
            logits,
            jnp.asarray(frame_paddings),
            jnp.asarray(data["optax_labels"]),
            jnp.asarray(label_paddings),
            blank_id=data["blank"],
            log_epsilon=LOG_EPSILON,
        )

    loss, blank_alpha, label_alpha = (np.asarray(a, np.float64) for a in outputs(jnp.asarray(data["logits"])))
    alpha = _to_lossx_convention(blank_alpha, label_alpha)
    masks = _masks(alpha)
    probes = [jnp.asarray(p) for p in data["probes"]]
    gradient = jax.grad(lambda x: _objective(jnp.where, jnp.sum, outputs(x), probes, masks))(
        jnp.asarray(data["logits"])
    )
    _EXPECTED[name] = (loss, *alpha), masks, np.asarray(gradient, np.float64)
    return _EXPECTED[name]


def _assert_close(actual, expected: np.ndarray, dtype: str, what: str) -> None:
    """Equal −inf entries, and the finite ones within the numerical promise (atol scaled by their largest)."""
    actual = to_numpy(actual)
    assert str(actual.dtype) == dtype, f"{what}: dtype {actual.dtype}, expected {dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    actual = actual.astype(np.float64)
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(actual[~finite], expected[~finite], err_msg=f"{what}: the unreachable entries")
    scale = float(np.max(np.abs(expected[finite]), initial=0.0))
    np.testing.assert_allclose(
        actual[finite], expected[finite], rtol=RTOL[dtype], atol=RTOL[dtype] * scale, err_msg=what
    )


def _check_outputs(outputs, expected: tuple, dtype: str, what: str) -> None:
    loss, blank_alpha, label_alpha = (to_numpy(o) for o in outputs)
    # optax's last blank frame: logsumexp of α_{T−1}(2n) and α_{T−1}(2n − 1), the final step to the end.
    last = np.copy(blank_alpha[-1])
    with np.errstate(invalid="ignore"):
        last[:, 1:] = np.logaddexp(blank_alpha[-1, :, 1:], label_alpha[-1]).astype(blank_alpha.dtype)
    blank_alpha = np.concatenate([blank_alpha[:-1], last[None]])
    for name, got, wanted in zip(
        ("loss", "blank α", "label α"), (loss, blank_alpha, label_alpha), expected, strict=True
    ):
        _assert_close(got, wanted, dtype, f"{what}: {name}")


# ----------------------------------------------------------------------------- runners, one per backend
# Each returns the three outputs and the gradient of the objective w.r.t. the logits (None on NumPy).


def _run_numpy(data, masks, dtype, mode):
    outputs = lossx.ctc_forward_probabilities(
        data["logits"].astype(dtype), data["labels"], INPUT_LENGTHS, LABEL_LENGTHS, **data["options"]
    )
    return outputs, None


def _run_torch(data, masks, dtype, mode):
    torch = framework("torch")
    logits = to_backend("torch", data["logits"], dtype).requires_grad_(True)
    arrays = [to_backend("torch", a) for a in (data["labels"], INPUT_LENGTHS, LABEL_LENGTHS)]
    probes = [to_backend("torch", p, dtype) for p in data["probes"]]
    torch_masks = [to_backend("torch", m) for m in masks]

    def run(logits, *arrays):
        outputs = lossx.ctc_forward_probabilities(logits, *arrays, **data["options"])
        return outputs, _objective(torch.where, torch.sum, outputs, probes, torch_masks)

    if mode == "compiled":
        torch._dynamo.reset()
        run = torch.compile(run, fullgraph=True, backend="aot_eager")
    outputs, objective = run(logits, *arrays)
    (gradient,) = torch.autograd.grad(objective, [logits])
    return [o.detach() for o in outputs], gradient


def _run_jax(data, masks, dtype, mode):
    jax = framework("jax")
    jnp = jax.numpy
    arrays = [jnp.asarray(a) for a in (data["labels"], INPUT_LENGTHS, LABEL_LENGTHS)]
    probes = [jnp.asarray(p, dtype=dtype) for p in data["probes"]]

    def objective(logits):
        outputs = lossx.ctc_forward_probabilities(logits, *arrays, **data["options"])
        return _objective(jnp.where, jnp.sum, outputs, probes, masks), outputs

    run = jax.value_and_grad(objective, has_aux=True)
    if mode == "compiled":
        run = jax.jit(run)
    (_, outputs), gradient = run(jnp.asarray(data["logits"], dtype=dtype))
    return outputs, gradient


def _run_tensorflow(data, masks, dtype, mode):
    tf = framework("tensorflow")
    arrays = [tf.constant(a) for a in (data["labels"], INPUT_LENGTHS, LABEL_LENGTHS)]
    probes = [tf.constant(p, dtype=dtype) for p in data["probes"]]

    def run(logits):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            outputs = lossx.ctc_forward_probabilities(logits, *arrays, **data["options"])
            objective = _objective(tf.where, tf.reduce_sum, outputs, probes, masks)
        return outputs, tape.gradient(objective, logits)

    if mode == "compiled":
        run = tf.function(run, jit_compile=True, autograph=False)
    return run(tf.constant(data["logits"], dtype=dtype))


RUNNERS = {"numpy": _run_numpy, "torch": _run_torch, "jax": _run_jax, "tensorflow": _run_tensorflow}
MODES = {
    "numpy": ("eager",),
    "torch": ("eager", "compiled"),
    "jax": ("eager", "compiled"),
    "tensorflow": ("eager", "compiled"),
}


def _cases():
    # Every backend eager in both dtypes and compiled in float32 (seconds a call), on the default
    # options; the blank at −1, which no kernel sees other than as an index, on NumPy.
    for backend, modes in MODES.items():
        for mode in modes:
            for dtype in ("float32", "float64") if mode == "eager" else ("float32",):
                yield backend_param(
                    backend,
                    "default",
                    backend,
                    dtype,
                    mode,
                    id=f"ctc_forward_probabilities-default-{backend}-{dtype}-{mode}",
                )
    yield backend_param(
        "numpy", "blank-1", "numpy", "float64", "eager", id="ctc_forward_probabilities-blank-1-numpy-float64-eager"
    )


@pytest.mark.parametrize("name, backend, dtype, mode", list(_cases()))
def test_against_optax(name, backend, dtype, mode):
    expected, masks, gradient = _expected(name)
    outputs, got = RUNNERS[backend](_data(name), masks, dtype, mode)
    what = f"{name} {backend} {dtype} {mode}"
    _check_outputs(outputs, expected, dtype, what)
    if got is not None:
        _assert_close(got, gradient, dtype, f"{what}: gradient")


@pytest.mark.parametrize("from_logits", [True, False], ids=["logits", "probabilities"])
@pytest.mark.parametrize("name", list(OPTION_SETS))
def test_against_path_enumeration(name, from_logits):
    """float64 NumPy against the mpmath sums over path prefixes, on the states the labels define."""
    data = _data(name)
    y_pred = data["logits"]
    if not from_logits:
        shifted = np.exp(y_pred - y_pred.max(axis=-1, keepdims=True))
        y_pred = shifted / shifted.sum(axis=-1, keepdims=True)
    wanted = reference.ctc_forward_probabilities(
        y_pred, data["labels"], INPUT_LENGTHS, LABEL_LENGTHS, data["blank"], from_logits
    )
    got = lossx.ctc_forward_probabilities(
        y_pred, data["labels"], INPUT_LENGTHS, LABEL_LENGTHS, from_logits=from_logits, **data["options"]
    )
    for what, actual, expected in zip(("loss", "blank α", "label α"), got, wanted, strict=True):
        defined = ~np.isnan(expected)
        _assert_close(np.asarray(actual)[defined], expected[defined], "float64", f"{name} {what}")


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"y_pred": np.zeros((BATCH, FRAMES))}, lossx.ShapeError, "must have shape (batch, frames, classes)"),
        ({"input_lengths": np.array([7, 5, 4])}, lossx.ShapeError, "input_lengths must lie in [0, 6]"),
        ({"y_true": np.array([[1, 0, 2], [3, 2, PAD], [2, PAD, PAD]])}, lossx.LabelRangeError, "contain the blank"),
        ({"blank": 4}, lossx.OptionValueError, "blank is out of range"),
    ],
    ids=["rank", "input_lengths", "blank-label", "blank-range"],
)
def test_errors_name_the_function(change, error, message):
    data = _data("default")
    arguments = {
        "y_pred": data["logits"],
        "y_true": data["labels"],
        "input_lengths": INPUT_LENGTHS,
        "label_lengths": LABEL_LENGTHS,
        **change,
    }
    with pytest.raises(error, match=f"^ctc_forward_probabilities: .*{re.escape(message)}"):
        lossx.ctc_forward_probabilities(**arguments)
