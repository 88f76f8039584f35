"""z_loss and softcap on the ordinary softmax cross-entropies, against a float64 NumPy formula.

The cross-backend matrix (tests/numerics/test_matrix.py) checks these options against the mpmath
reference on every backend and mode; this file checks what it does not: the gradient of the
capped, z-lossed loss against central differences of a formula written here, the torch and Keras
drop-ins taking the options, the agreement with lossx.linear_cross_entropy on the same logits,
and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import lossx
from lossx import LossxError
from tests.support.frameworks import backend_param, framework, to_backend

ROWS, CLASSES, IGNORED = 7, 5, -100
Z_LOSS, SOFTCAP = 0.05, 1.5


def _inputs():
    rng = np.random.default_rng(3)
    logits = 2.0 * rng.standard_normal((ROWS, CLASSES))
    labels = rng.integers(0, CLASSES, ROWS)
    labels[2] = IGNORED
    return logits, labels, rng.uniform(0.5, 2.0, CLASSES)


def _reference_rows(logits, labels, z_loss, softcap, class_weight=None, ignore_index=None):
    """Per-row sparse cross-entropy of capped logits plus λ·log²Z, and the rows' weights, in float64."""
    z = logits if softcap is None else softcap * np.tanh(logits / softcap)
    shift = z.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(z - shift).sum(axis=1)) + shift[:, 0]
    valid = np.ones(len(labels), bool) if ignore_index is None else labels != ignore_index
    safe = np.where(valid, labels, 0)
    weight = np.ones(len(labels)) if class_weight is None else class_weight[safe]
    rows = weight * (log_z - z[np.arange(len(labels)), safe]) + z_loss * log_z**2
    return np.where(valid, rows, 0.0), np.where(valid, weight, 0.0)


def _reference_mean(logits, labels, **options):
    rows, weight = _reference_rows(logits, labels, **options)
    return rows.sum() / weight.sum()


def _central_differences(function, x, step=1e-6):
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += step
        up = function(shifted)
        shifted[index] -= 2 * step
        gradient[index] = (up - function(shifted)) / (2 * step)
    return gradient


def _value_and_gradient(backend, loss, logits, dtype):
    """``loss(x)`` and its gradient at ``x = logits`` on ``backend``, as float64 NumPy (no gradient on NumPy)."""
    fw = framework(backend)
    if backend == "numpy":
        return float(loss(logits.astype(dtype))), None
    if backend == "torch":
        x = fw.tensor(logits, dtype=getattr(fw, dtype), requires_grad=True)
        value = loss(x)
        value.backward()
        return value.item(), x.grad.double().numpy()
    if backend == "jax":
        value, gradient = fw.value_and_grad(loss)(fw.numpy.asarray(logits, dtype=dtype))
        return float(value), np.asarray(gradient, np.float64)
    x = fw.constant(logits, dtype=dtype)
    with fw.GradientTape() as tape:
        tape.watch(x)
        value = loss(x)
    return float(value), np.asarray(tape.gradient(value, x), np.float64)


CASES = {
    "z_loss": {"z_loss": Z_LOSS, "softcap": None},
    "softcap": {"z_loss": 0.0, "softcap": SOFTCAP},
    "z_loss-softcap-cw-ii": {"z_loss": Z_LOSS, "softcap": SOFTCAP, "class_weight": "weights", "ignore_index": IGNORED},
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("backend", [backend_param(b) for b in ("numpy", "torch", "jax", "tensorflow")])
@pytest.mark.parametrize("case", list(CASES))
def test_sparse_value_and_gradient_match_the_formula(case, backend, dtype):
    logits, labels, class_weights = _inputs()
    if case != "z_loss-softcap-cw-ii":
        labels = np.where(labels == IGNORED, 0, labels)
    options = {k: (class_weights if v == "weights" else v) for k, v in CASES[case].items()}
    reference_options = {"class_weight": None, "ignore_index": None, **options}
    expected = _reference_mean(logits, labels, **reference_options)
    lossx_options = {k: (tuple(v) if k == "class_weight" else v) for k, v in options.items()}
    backend_labels = to_backend(backend, labels)
    value, gradient = _value_and_gradient(
        backend,
        lambda x: lossx.sparse_categorical_cross_entropy(x, backend_labels, from_logits=True, **lossx_options),
        logits,
        dtype,
    )
    rtol = 1e-5 if dtype == "float32" else 1e-7
    np.testing.assert_allclose(value, expected, rtol=rtol)
    if gradient is not None:
        expected_gradient = _central_differences(lambda x: _reference_mean(x, labels, **reference_options), logits)
        np.testing.assert_allclose(gradient, expected_gradient, rtol=rtol, atol=rtol * np.abs(expected_gradient).max())


def test_one_hot_categorical_equals_sparse_with_the_terms():
    logits, labels, class_weights = _inputs()
    labels = np.where(labels == IGNORED, 0, labels)
    options = {"from_logits": True, "z_loss": Z_LOSS, "softcap": SOFTCAP, "class_weight": tuple(class_weights)}
    dense = lossx.categorical_cross_entropy(logits, np.eye(CLASSES)[labels], reduction="none", **options)
    sparse = lossx.sparse_categorical_cross_entropy(logits, labels, reduction="none", **options)
    np.testing.assert_allclose(dense, sparse, rtol=1e-12)
    rows, _ = _reference_rows(logits, labels, Z_LOSS, SOFTCAP, class_weights)
    np.testing.assert_allclose(sparse, rows, rtol=1e-12)


def test_linear_cross_entropy_agrees_on_the_same_logits():
    rng = np.random.default_rng(5)
    hidden, weight = rng.standard_normal((11, 4)), rng.standard_normal((CLASSES, 4))
    labels = rng.integers(0, CLASSES, 11)
    labels[3] = IGNORED
    options = {"z_loss": Z_LOSS, "softcap": SOFTCAP, "ignore_index": IGNORED, "label_smoothing": 0.1}
    chunked = lossx.linear_cross_entropy(hidden, weight, labels, chunk_size=4, **options)
    whole = lossx.sparse_categorical_cross_entropy(hidden @ weight.T, labels, from_logits=True, **options)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12)


def test_torch_cross_entropy_loss_takes_the_terms_for_both_kinds_of_target():
    torch = pytest.importorskip("torch")
    from lossx.backends.torch import CrossEntropyLoss

    logits, labels, _ = _inputs()
    labels = np.where(labels == IGNORED, 0, labels)
    module = CrossEntropyLoss(z_loss=Z_LOSS, softcap=SOFTCAP)
    assert "z_loss=0.05" in repr(module) and "softcap=1.5" in repr(module)
    expected = _reference_mean(logits, labels, z_loss=Z_LOSS, softcap=SOFTCAP)
    x = torch.tensor(logits)
    np.testing.assert_allclose(module(x, torch.tensor(labels)).item(), expected, rtol=1e-12)
    one_hot = torch.nn.functional.one_hot(torch.tensor(labels), CLASSES).double()
    np.testing.assert_allclose(module(x, one_hot).item(), expected, rtol=1e-12)


def test_keras_sparse_categorical_crossentropy_round_trips_the_terms():
    keras = pytest.importorskip("keras")
    from lossx.backends.keras import SparseCategoricalCrossentropy

    loss = SparseCategoricalCrossentropy(from_logits=True, z_loss=Z_LOSS, softcap=SOFTCAP)
    config = loss.get_config()
    assert config["z_loss"] == Z_LOSS and config["softcap"] == SOFTCAP
    rebuilt = SparseCategoricalCrossentropy.from_config(config)
    logits, labels, _ = _inputs()
    labels = np.where(labels == IGNORED, 0, labels)
    value = keras.ops.convert_to_numpy(rebuilt(labels, logits.astype("float32")))
    np.testing.assert_allclose(value, _reference_mean(logits, labels, z_loss=Z_LOSS, softcap=SOFTCAP), rtol=1e-5)


@pytest.mark.parametrize("loss", ["categorical_cross_entropy", "sparse_categorical_cross_entropy"])
@pytest.mark.parametrize("options", [{"z_loss": 0.1}, {"softcap": 5.0}], ids=["z_loss", "softcap"])
def test_the_terms_on_probabilities_are_an_error(loss, options):
    probabilities = np.full((2, 3), 1 / 3)
    target = np.array([0, 2]) if loss.startswith("sparse") else np.eye(3)[[0, 2]]
    with pytest.raises(LossxError, match="from_logits=True"):
        getattr(lossx, loss)(probabilities, target, **options)


@pytest.mark.parametrize(
    "options, match",
    [({"softcap": 0.0}, "softcap"), ({"softcap": -1.0}, "softcap"), ({"z_loss": -0.1}, "z_loss")],
    ids=["softcap0", "softcap-1", "z-0.1"],
)
def test_out_of_range_terms_are_an_error(options, match):
    logits, labels, _ = _inputs()
    with pytest.raises(LossxError, match=match):
        lossx.sparse_categorical_cross_entropy(logits, np.abs(labels) % CLASSES, from_logits=True, **options)
