"""linear_cross_entropy in each adapter: torch's LinearCrossEntropyLoss against torch's own, the Keras layer
(fit, evaluate, save and load on the engine of KERAS_BACKEND), the NumPy and JAX functions, and bad input."""

from __future__ import annotations

import os

import numpy as np
import pytest

import lossx
from tests.support.frameworks import backend_param, framework, only_framework

ROWS, SIZE, CLASSES = 11, 6, 17


def _data(seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, ROWS)
    labels[[0, 5]] = -100
    return rng.standard_normal((ROWS, SIZE)), rng.standard_normal((CLASSES, SIZE)), rng.standard_normal(CLASSES), labels


def _whole_logits(hidden, weight, bias, labels, ignore_index=-100, z_loss=0.0):
    """Mean cross-entropy of the whole logits in float64 NumPy (the reference the adapters must meet)."""
    z = hidden @ weight.T + (0.0 if bias is None else bias)
    shift = z.max(axis=1)
    log_z = np.log(np.exp(z - shift[:, None]).sum(axis=1)) + shift
    valid = labels != ignore_index
    safe = np.where(valid, labels, 0)
    loss = np.where(valid, log_z - z[np.arange(len(labels)), safe] + z_loss * log_z**2, 0.0)
    return loss.sum() / max(valid.sum(), 1)


@pytest.mark.parametrize("bias", [False, True], ids=["no_bias", "bias"])
@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"label_smoothing": 0.2},
        {"weight": "weights"},
        {"ignore_index": 3},
        {"reduction": "sum"},
        {"reduction": "none"},
        {"options": "options"},
    ],
    ids=["defaults", "label_smoothing", "weight", "ignore_index", "sum", "none", "options"],
)
@only_framework("torch")
def test_torch_module_matches_torch(arguments, bias):
    torch = framework("torch")
    from lossx.backends.torch import LinearCrossEntropyLoss

    hidden, _, _, labels = _data()
    arguments = dict(arguments)
    if arguments.get("weight") == "weights":
        arguments["weight"] = torch.rand(CLASSES, dtype=torch.float64) + 0.5
    if arguments.get("options") == "options":
        arguments["options"] = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=4)
    torch.manual_seed(0)
    theirs = torch.nn.LinearCrossEntropyLoss(SIZE, CLASSES, bias=bias, dtype=torch.float64, **arguments)
    ours = LinearCrossEntropyLoss(SIZE, CLASSES, bias=bias, dtype=torch.float64, **arguments)
    ours.load_state_dict(theirs.state_dict())
    assert set(ours.state_dict()) == set(theirs.state_dict())
    x = torch.tensor(hidden, requires_grad=True)
    target = torch.tensor(np.where(labels < 0, arguments.get("ignore_index", -100), labels))
    values = []
    for module in (theirs, ours):
        out = module(x, target)
        probe = torch.linspace(-1, 1, out.numel(), dtype=torch.float64).reshape(out.shape)
        gradients = torch.autograd.grad((out * probe).sum(), (x, *module.linear.parameters()))
        values.append((out.detach(), gradients))
    (theirs_out, theirs_grads), (ours_out, ours_grads) = values
    np.testing.assert_allclose(ours_out.numpy(), theirs_out.numpy(), rtol=1e-12, atol=1e-14)
    for a, b in zip(ours_grads, theirs_grads, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-13)


@only_framework("torch")
def test_torch_module_extras_and_repr():
    torch = framework("torch")
    from lossx.backends.torch import LinearCrossEntropyLoss

    module = LinearCrossEntropyLoss(SIZE, CLASSES, z_loss=0.01, softcap=3.0, chunk_size=4)
    shown = repr(module)
    for text in ("in_features=6", "num_classes=17", "z_loss=0.01", "softcap=3.0", "chunk_size=4", "ignore_index=-100"):
        assert text in shown
    hidden, _, _, labels = _data(1)
    weight = module.linear.weight.detach().double().numpy()
    out = module(torch.tensor(hidden, dtype=torch.float32), torch.tensor(labels))
    capped = lambda z: 3.0 * np.tanh(z / 3.0)  # noqa: E731
    z = capped(hidden @ weight.T)
    shift = z.max(axis=1)
    log_z = np.log(np.exp(z - shift[:, None]).sum(axis=1)) + shift
    valid = labels != -100
    wanted = np.where(valid, log_z - z[np.arange(ROWS), np.where(valid, labels, 0)] + 0.01 * log_z**2, 0).sum()
    np.testing.assert_allclose(float(out), wanted / valid.sum(), rtol=1e-5)
    with pytest.raises(lossx.ArgumentError, match="out_features"):
        LinearCrossEntropyLoss(SIZE, CLASSES, out_features=(2,))


@pytest.mark.parametrize("backend", [backend_param("numpy"), backend_param("jax")])
def test_function_adapters(backend):
    adapter = __import__(f"lossx.backends.{backend}", fromlist=["linear_cross_entropy"])
    hidden, weight, bias, labels = _data(2)
    out = adapter.linear_cross_entropy(hidden, weight, labels, bias=bias, ignore_index=-100, z_loss=0.1, chunk_size=3)
    np.testing.assert_allclose(float(out), _whole_logits(hidden, weight, bias, labels, z_loss=0.1), rtol=1e-12)
    assert "linear_cross_entropy" in adapter.__all__


@only_framework("jax")
def test_jax_function_jits():
    jax = framework("jax")
    from lossx.backends.jax import linear_cross_entropy

    hidden, weight, _, labels = _data(3)
    run = jax.jit(jax.value_and_grad(lambda h, w: linear_cross_entropy(h, w, labels, ignore_index=-100, chunk_size=4)))
    value, gradient = run(hidden, weight)
    np.testing.assert_allclose(float(value), _whole_logits(hidden, weight, None, labels), rtol=1e-12)
    assert gradient.shape == hidden.shape


def _keras():
    pytest.importorskip("keras")
    import keras

    return keras


@only_framework("keras")
def test_keras_layer_fit_evaluate_save_load(tmp_path):
    keras = _keras()
    from lossx.backends.keras import LinearCrossEntropy

    rng = np.random.default_rng(4)
    features = rng.standard_normal((48, 5)).astype("float32")
    labels = rng.integers(0, CLASSES, 48).astype("int32")
    labels[:4] = -100
    x = keras.Input((5,))
    y = keras.Input((), dtype="int32")
    hidden = keras.layers.Dense(SIZE, name="body")(x)
    head = LinearCrossEntropy(CLASSES, use_bias=True, ignore_index=-100, z_loss=1e-3, chunk_size=7, name="head")
    model = keras.Model([x, y], head(hidden, y))
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    history = model.fit([features, labels], epochs=3, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < history[0]
    hidden_values = keras.Model(x, hidden).predict(features, verbose=0).astype("float64")
    kernel, bias = (keras.ops.convert_to_numpy(v).astype("float64") for v in (head.kernel, head.bias))
    assert kernel.shape == (CLASSES, SIZE)
    wanted = _whole_logits(hidden_values, kernel, bias, labels, z_loss=1e-3)
    evaluated = model.evaluate([features, labels], batch_size=48, verbose=0)
    np.testing.assert_allclose(evaluated, wanted, rtol=1e-5)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert restored.get_layer("head").get_config() == head.get_config()
    np.testing.assert_allclose(restored.evaluate([features, labels], batch_size=48, verbose=0), evaluated, rtol=1e-6)
    logits = head(keras.ops.convert_to_tensor(hidden_values.astype("float32")))
    assert tuple(logits.shape) == (48, CLASSES)


@only_framework("keras")
def test_keras_engine_is_the_configured_one():
    keras = _keras()
    assert keras.backend.backend() == os.environ.get("KERAS_BACKEND", keras.backend.backend())


# ----------------------------------------------------------------------------- bad input


def test_weight_that_does_not_fit_names_both_shapes():
    hidden, weight, _, labels = _data()
    with pytest.raises(lossx.ShapeError, match=r"weight of shape \(17, 5\).*hidden of shape \(11, 6\)"):
        lossx.linear_cross_entropy(hidden, weight[:, :5], labels, ignore_index=-100)
    with pytest.raises(lossx.ShapeError, match=r"weight of shape \(17, 6, 1\)"):
        lossx.linear_cross_entropy(hidden, weight[..., None], labels, ignore_index=-100)


@pytest.mark.parametrize("backend", [backend_param(b) for b in ("numpy", "torch", "jax", "tensorflow")])
def test_labels_out_of_range_in_eager_mode(backend):
    module = framework(backend)
    convert = {
        "numpy": np.asarray,
        "torch": lambda a: module.tensor(a),
        "jax": lambda a: module.numpy.asarray(a),
        "tensorflow": lambda a: module.constant(a),
    }[backend]
    hidden, weight, _, labels = _data()
    labels = labels.copy()
    labels[2] = CLASSES
    with pytest.raises(lossx.LabelRangeError, match=r"\[0, 17\).*found \[17\]"):
        lossx.linear_cross_entropy(convert(hidden), convert(weight), convert(labels), ignore_index=-100)
    with pytest.raises(lossx.LabelRangeError, match="-100"):
        lossx.linear_cross_entropy(
            convert(hidden), convert(weight), convert(np.abs(labels) % CLASSES - 100 * (labels < 0))
        )


@pytest.mark.parametrize(
    "options, message",
    [
        ({"chunk_size": 0}, "chunk_size=0"),
        ({"chunk_size": -3}, "chunk_size=-3"),
        ({"softcap": 0.0}, "softcap=0.0"),
        ({"softcap": -1.0}, "softcap=-1.0"),
        ({"z_loss": -0.1}, "z_loss=-0.1"),
        ({"label_smoothing": 1.5}, "label_smoothing"),
        ({"reduction": "batchmean"}, "batchmean"),
        ({"chunks": 4}, "chunks"),
    ],
    ids=[
        "chunk_size_0",
        "chunk_size_negative",
        "softcap_0",
        "softcap_negative",
        "z_loss_negative",
        "label_smoothing_above_1",
        "unknown_reduction",
        "unknown_option",
    ],
)
def test_bad_options(options, message):
    hidden, weight, _, labels = _data()
    with pytest.raises(lossx.LossxError, match=message):
        lossx.linear_cross_entropy(hidden, weight, labels, ignore_index=-100, **options)


def test_bad_arrays():
    hidden, weight, bias, labels = _data()
    with pytest.raises(lossx.DTypeError, match="integer class indices"):
        lossx.linear_cross_entropy(hidden, weight, labels.astype(float))
    with pytest.raises(lossx.ShapeError, match=r"labels of shape \(10,\)"):
        lossx.linear_cross_entropy(hidden, weight, labels[:10], ignore_index=-100)
    with pytest.raises(lossx.ShapeError, match=r"bias of shape \(16,\)"):
        lossx.linear_cross_entropy(hidden, weight, labels, bias=bias[:16], ignore_index=-100)
    with pytest.raises(lossx.ShapeError, match=r"class_weight of shape \(3,\)"):
        lossx.linear_cross_entropy(hidden, weight, labels, class_weight=(1.0, 2.0, 3.0), ignore_index=-100)
