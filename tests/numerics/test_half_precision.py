"""float16 and bfloat16 (docs/semantics.md, reductions and weights): computed in float32 internally, returned in the
input's dtype.

The reference is the float64 reference (tests/support/reference/__init__.py) on the inputs *after*
rounding to half precision, so what is left is lossx's float32 computation, which
the matrix bounds by the numerical promise's float32 tolerance (rtol 1e-5, atol 1e-5·max|ref|),
plus one final rounding to the half dtype: at most half an ulp, eps/2 relative
(float16 eps = 2⁻¹⁰, bfloat16 eps = 2⁻⁷), or half the smallest subnormal near zero.
:func:`half_tolerance` adds the two. A loss computed in half precision, or inputs
rounded twice, fail it.

Tests (ids ``loss-options-backend-dtype``, plus the policy/engine for Keras):

* ``test_value_and_grad``: every option set of ``SMOKE_CASES`` (one per loss under
  ``LOSSX_MATRIX=smoke``) × numpy float16 and torch/jax/tensorflow float16 and
  bfloat16: the value and (except NumPy) the gradients, both in the input's dtype;
* ``test_mixed_dtypes``: half ``y_pred`` with float32 ``y_true``, ``sample_weight`` and
  class weights (result: the half dtype), and float32 ``y_pred`` with half targets
  (result: float32);
* ``test_torch_autocast``: a model under ``torch.autocast("cpu", dtype=torch.bfloat16)``
  feeding lossx torch modules gets a float32 loss, as torch's own losses give there;
* ``test_keras_mixed_policy``: under ``mixed_float16``/``mixed_bfloat16`` a model compiled
  with lossx Keras losses (presets included) computes the same losses in the same dtype
  as with Keras's own and trains the same step, on the engine ``KERAS_BACKEND`` selects;
* ``test_keras_half_loss_dtype``: a Keras loss whose own dtype is half precision.

docs/precision.md states the rules these tests check.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pytest

import lossx
from tests.numerics.test_matrix import CASE_BY_ID, SMOKE_CASES, inputs
from tests.support import reference
from tests.support.frameworks import backend_param, framework, installed, to_backend, to_numpy

EPS = {"float16": 2.0**-10, "bfloat16": 2.0**-7, "float32": 0.0}
#: The spacing of the dtype near zero (its smallest subnormal).
SUBNORMAL = {"float16": 2.0**-24, "bfloat16": 2.0**-133, "float32": 2.0**-149}
FLOAT32_RTOL = 1e-5  # docs/semantics.md (numerical promise); test_matrix.py asserts it for float32 computation
HALF = [
    backend_param("numpy", "numpy", "float16", id="numpy-float16"),
    backend_param("torch", "torch", "float16", id="torch-float16"),
    backend_param("torch", "torch", "bfloat16", id="torch-bfloat16"),
    backend_param("jax", "jax", "float16", id="jax-float16"),
    backend_param("jax", "jax", "bfloat16", id="jax-bfloat16"),
    backend_param("tensorflow", "tensorflow", "float16", id="tensorflow-float16"),
    backend_param("tensorflow", "tensorflow", "bfloat16", id="tensorflow-bfloat16"),
]


def half_tolerance(expected: np.ndarray, dtype: str) -> dict[str, float]:
    """``assert_allclose`` bounds for a float32 computation rounded once to ``dtype``.

    Float32 error δ ≤ 1e-5·(|r| + max|r|); rounding to ``dtype`` adds at most
    eps/2·(|r| + δ) + subnormal/2.
    """
    scale = float(np.max(np.abs(expected), initial=0.0))
    half_ulp = EPS[dtype] / 2
    return {
        "rtol": half_ulp + FLOAT32_RTOL * (1 + half_ulp),
        "atol": FLOAT32_RTOL * (1 + half_ulp) * scale + SUBNORMAL[dtype] / 2,
    }


def dtype_name(value) -> str:
    return str(getattr(value.dtype, "name", value.dtype)).rsplit(".", 1)[-1]


def as_float64(value) -> np.ndarray:
    """A framework array of any floating dtype (bfloat16 included) as float64 NumPy."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return to_numpy(value.detach().double())
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, tf.Tensor):
        return tf.cast(value, tf.float64).numpy()
    return np.asarray(value.astype("float32")).astype(np.float64)  # JAX: via float32, exact for halves


def cast(backend: str, array: np.ndarray, dtype: str):
    """``array`` as a ``backend`` array of ``dtype``, rounded by the framework itself."""
    if backend == "numpy":
        return array.astype(dtype)
    tensor = to_backend(backend, array)
    if backend == "torch":
        return tensor.to(getattr(framework("torch"), dtype))
    if backend == "jax":
        return tensor.astype(getattr(framework("jax").numpy, dtype))
    tf = framework("tensorflow")
    return tf.cast(tensor, getattr(tf, dtype))


def value_and_grad(backend: str, loss, arrays: list, wrt: tuple[int, ...]):
    """``loss(*arrays)`` and its gradients w.r.t. ``arrays[i]``, i in ``wrt`` (None on NumPy)."""

    def substituted(differentiable):
        filled = list(arrays)
        for position, array in zip(wrt, differentiable, strict=True):
            filled[position] = array
        return filled

    if backend == "numpy":
        return loss(*arrays), None
    if backend == "torch":
        torch = framework("torch")
        differentiable = [arrays[i].detach().requires_grad_(True) for i in wrt]
        value = loss(*substituted(differentiable))
        return value, torch.autograd.grad(value, differentiable)
    if backend == "jax":
        jax = framework("jax")
        value, pullback = jax.vjp(lambda *d: loss(*substituted(d)), *(arrays[i] for i in wrt))
        return value, pullback(jax.numpy.ones_like(value))
    tf = framework("tensorflow")
    differentiable = [arrays[i] for i in wrt]
    with tf.GradientTape() as tape:
        tape.watch(differentiable)
        value = loss(*substituted(differentiable))
    return value, tape.gradient(value, differentiable)


_REFERENCES: dict = {}


def reference_on(case, arrays: list[np.ndarray], sample_weight) -> tuple:
    """The float64 reference value and gradients on ``arrays`` (cached: torch, JAX and TF round alike)."""
    key = (case.id, b"".join(a.tobytes() for a in arrays), sample_weight.tobytes())
    if key not in _REFERENCES:
        _REFERENCES[key] = reference.loss_and_grad(
            case.loss, arrays, case.options, "mean", sample_weight=sample_weight, wrt=case.wrt
        )
    return _REFERENCES[key]


def check(value, grads, expected_value, expected_grads, dtype: str, wrt) -> None:
    assert dtype_name(value) == dtype, f"value has dtype {dtype_name(value)}, expected {dtype}"
    np.testing.assert_allclose(
        as_float64(value), expected_value, **half_tolerance(expected_value, dtype), err_msg="value"
    )
    for position, grad, expected_grad in zip(wrt, grads or (), expected_grads, strict=False):
        assert dtype_name(grad) == dtype, f"gradient {position} has dtype {dtype_name(grad)}, expected {dtype}"
        np.testing.assert_allclose(
            as_float64(grad),
            expected_grad,
            **half_tolerance(expected_grad, dtype),
            err_msg=f"gradient w.r.t. input {position}",
        )


@pytest.mark.parametrize(("backend", "dtype"), HALF)
@pytest.mark.parametrize("case", SMOKE_CASES, ids=[case.id for case in SMOKE_CASES])
def test_value_and_grad(case, backend, dtype):
    data = inputs(case.id, "sw")
    arrays = [to_backend(backend, a) if a.dtype.kind in "iub" else cast(backend, a, dtype) for a in data.arrays]
    rounded = [a if a.dtype.kind in "iub" else as_float64(h) for a, h in zip(data.arrays, arrays, strict=False)]
    function = getattr(lossx, case.loss)
    value, grads = value_and_grad(
        backend, lambda *xs: function(*xs, sample_weight=data.sample_weight, **case.options), arrays, case.wrt
    )
    expected_value, expected_grads = reference_on(case, rounded, data.sample_weight)
    check(value, grads, expected_value, expected_grads, dtype, case.wrt)


# ------------------------------------------------------------------ mixed dtypes

MIXED_CASES = [
    "mse-default",
    "huber-delta0.5",
    "bce-from_logits-ls0.1-pw2",
    "bce-probs-pwvec-soft",
    "focal-from_logits-alpha0.25",
    "cce-axis1-from_logits-ls0.1-cw",
    "scce-from_logits-ls0.1-cw-ii-100",
]
MIXED = [
    backend_param(backend, backend, pred, other, id=f"{backend}-{pred}-pred-{other}-rest")
    for backend, halves in (
        ("numpy", ("float16",)),
        ("torch", ("float16", "bfloat16")),
        ("jax", ("float16", "bfloat16")),
        ("tensorflow", ("float16", "bfloat16")),
    )
    for half in halves
    for pred, other in ((half, "float32"), ("float32", half))
]


@pytest.mark.parametrize(("backend", "pred_dtype", "other_dtype"), MIXED)
@pytest.mark.parametrize("case_id", MIXED_CASES)
def test_mixed_dtypes(case_id, backend, pred_dtype, other_dtype):
    """Targets, sample weights and per-class weights of another floating dtype than y_pred's.

    They are cast to y_pred's compute dtype (float32 for halves); the result has
    y_pred's dtype, whichever of the two is the half.
    """
    case, data = CASE_BY_ID[case_id], inputs(case_id, "sw")
    arrays = [to_backend(backend, a) if a.dtype.kind in "iub" else cast(backend, a, other_dtype) for a in data.arrays]
    arrays[0] = cast(backend, data.arrays[0], pred_dtype)
    rounded = [a if a.dtype.kind in "iub" else as_float64(h) for a, h in zip(data.arrays, arrays, strict=False)]
    options = {
        name: cast(backend, np.asarray(value), "float32") if isinstance(value, tuple) else value
        for name, value in case.options.items()
    }
    sample_weight = cast(backend, data.sample_weight, other_dtype)
    function = getattr(lossx, case.loss)
    value, grads = value_and_grad(
        backend, lambda *xs: function(*xs, sample_weight=sample_weight, **options), arrays, (0,)
    )
    expected_value, expected_grads = reference.loss_and_grad(
        case.loss, rounded, case.options, "mean", sample_weight=as_float64(sample_weight), wrt=(0,)
    )
    check(value, grads, expected_value, expected_grads, pred_dtype, (0,))


# ------------------------------------------------------------------ torch.autocast


def _autocast_losses():
    """(id, lossx module, reference loss name and options, torch's own loss or None, target kind)."""
    torch = framework("torch")
    functional = torch.nn.functional
    from lossx.backends import torch as lt

    return {
        "mse": (lt.MeanSquaredError(), "mean_squared_error", {}, functional.mse_loss, "dense"),
        "bce_logits": (
            lt.BCEWithLogitsLoss(),
            "binary_cross_entropy",
            {"from_logits": True},
            functional.binary_cross_entropy_with_logits,
            "binary",
        ),
        "cce_logits": (
            lt.CategoricalCrossEntropy(from_logits=True),
            "categorical_cross_entropy",
            {"from_logits": True},
            functional.cross_entropy,
            "one_hot",
        ),
        "CrossEntropyLoss": (
            lt.CrossEntropyLoss(label_smoothing=0.1),
            "sparse_categorical_cross_entropy",
            {"from_logits": True, "axis": 1, "label_smoothing": 0.1},
            lambda y, t: functional.cross_entropy(y, t, label_smoothing=0.1),
            "labels",
        ),
        "huber": (
            lt.Huber(delta=0.5),
            "huber",
            {"delta": 0.5},
            lambda y, t: functional.huber_loss(y, t, delta=0.5),
            "dense",
        ),
        "focal_logits": (
            lt.BinaryFocalCrossEntropy(from_logits=True),
            "binary_focal_cross_entropy",
            {"from_logits": True},
            None,
            "binary",
        ),
    }


AUTOCAST_IDS = ["mse", "bce_logits", "cce_logits", "CrossEntropyLoss", "huber", "focal_logits"]


@pytest.mark.parametrize(
    "loss_id", [backend_param("torch", i, id=f"{i}-torch-autocast_bfloat16") for i in AUTOCAST_IDS]
)
def test_torch_autocast(loss_id):
    """A bfloat16 model under CPU autocast: lossx returns float32, as torch's losses do there.

    Checks: the loss is float32 and the float64 reference's value on the model's
    bfloat16 output (float32 computation, not bfloat16); it equals torch's own loss
    under the same autocast (value and parameter gradients); it is within the
    propagated bfloat16 error of the same model run in float32 (see ``bound``).
    """
    torch = framework("torch")
    module, name, options, torch_loss, kind = _autocast_losses()[loss_id]
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 6, generator=generator)
    model = torch.nn.Linear(6, 5)
    with torch.no_grad():
        model.weight.copy_(torch.randn(5, 6, generator=generator) * 0.5)
        model.bias.copy_(torch.randn(5, generator=generator) * 0.5)
    labels = torch.randint(0, 5, (8,), generator=generator)
    target = {
        "dense": torch.randn(8, 5, generator=generator),
        "binary": (torch.rand(8, 5, generator=generator) < 0.5).float(),
        "one_hot": torch.nn.functional.one_hot(labels, 5).float(),
        "labels": labels,
    }[kind]

    def run(autocast: bool):
        model.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            output = model(x)
            value = module(output, target)
        value.backward()
        return output, value, [p.grad.clone() for p in model.parameters()]

    output, value, grads = run(True)
    assert output.dtype == torch.bfloat16
    assert value.dtype == torch.float32, "under autocast lossx returns float32, like torch's losses"
    assert all(g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    expected = reference.loss(name, [as_float64(output), to_numpy(target)], options, "mean")
    np.testing.assert_allclose(value.item(), expected, rtol=FLOAT32_RTOL, atol=FLOAT32_RTOL * abs(expected))

    if torch_loss is not None:
        model.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            theirs = torch_loss(model(x), target)
        theirs.backward()
        assert theirs.dtype == torch.float32
        np.testing.assert_allclose(value.item(), theirs.item(), rtol=FLOAT32_RTOL)
        for ours, their in zip(grads, (p.grad for p in model.parameters()), strict=True):
            np.testing.assert_allclose(
                to_numpy(ours), to_numpy(their), rtol=FLOAT32_RTOL, atol=FLOAT32_RTOL * float(their.abs().max())
            )

    output32, value32, _ = run(False)
    assert value32.dtype == torch.float32
    out = output32.detach().requires_grad_(True)
    (out_grad,) = torch.autograd.grad(module(out, target), [out])
    # bfloat16 autocast rounds x, W and b (unit roundoff u = eps/2 = 2⁻⁸ each) and the output:
    # |Δout| ≤ (2u + u²)·(|x|·|W|ᵀ) + u·|b| + u·|out| ≤ 3.01u·(|x|·|W|ᵀ + |b|). The loss
    # moves by at most Σ|∂L/∂out|·|Δout| + ½·Σ c·Δout²/rows, c ≤ 4 bounding the
    # curvature of these losses per row (mean over 8 rows).
    scale = x.abs() @ model.weight.detach().abs().T + model.bias.detach().abs()
    delta = 3.01 * (EPS["bfloat16"] / 2) * scale
    bound = float((out_grad.abs() * delta).sum() + 2 * (delta**2).sum() / 8 + FLOAT32_RTOL * abs(value32.item()))
    assert abs(value.item() - value32.item()) <= bound


# ------------------------------------------------------------------ Keras mixed precision

KERAS_ENGINE = os.environ.get("KERAS_BACKEND", "tensorflow")
KERAS_AVAILABLE = importlib.util.find_spec("keras") is not None and installed(
    {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(KERAS_ENGINE, "numpy")
)
needs_keras = pytest.mark.skipif(not KERAS_AVAILABLE, reason=f"keras with the {KERAS_ENGINE} engine is not installed")


@pytest.fixture
def keras_policy(request):
    """Sets the global Keras dtype policy for one test and restores the previous one."""
    keras = pytest.importorskip("keras")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(request.param)
    yield keras
    keras.config.set_dtype_policy(previous)


def _keras_heads(keras):
    """(output name, units, lossx loss, Keras's own loss, target kind): presets included."""
    lk = pytest.importorskip("lossx.backends.keras")
    return [
        (
            "scce",
            4,
            lk.SparseCategoricalCrossEntropy(from_logits=True),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "labels",
        ),
        (
            "cce",
            4,
            lk.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
            keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
            "one_hot",
        ),
        (
            "bce",
            3,
            lk.BinaryCrossentropy(from_logits=True),
            keras.losses.BinaryCrossentropy(from_logits=True),
            "binary",
        ),
        ("mse", 3, lk.MeanSquaredError(), keras.losses.MeanSquaredError(), "dense"),
        ("huber", 3, lk.Huber(delta=0.5), keras.losses.Huber(delta=0.5), "dense"),
    ]


@needs_keras
@pytest.mark.parametrize(
    "keras_policy",
    ["mixed_float16", "mixed_bfloat16"],
    indirect=True,
    ids=lambda policy: f"{policy}-keras_{KERAS_ENGINE}",
)
def test_keras_mixed_policy(keras_policy):
    """Under a mixed policy Keras's losses compute in float32 (their dtype is floatx, not the
    policy's compute dtype) on the half-precision model outputs; lossx's do the same.

    Checks, per head of a small multi-output model: the loss dtype and result are
    float32 as Keras's; the value equals Keras's loss within float32 tolerance (both
    compute in float32 on the same half outputs). Then one SGD step with lossx's
    losses gives a finite loss and the same update as with Keras's, up to the half
    precision the backward pass runs in (one half ulp of the update, eps/2 relative).
    """
    keras = keras_policy
    policy = keras.config.dtype_policy()
    half = policy.compute_dtype
    heads = _keras_heads(keras)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 6)).astype("float32")
    labels = rng.integers(0, 4, 16)
    targets = {
        "labels": labels,
        "one_hot": np.eye(4, dtype="float32")[labels],
        "binary": (rng.random((16, 3)) < 0.5).astype("float32"),
        "dense": rng.standard_normal((16, 3)).astype("float32"),
    }
    y = {name: targets[kind] for name, _, _, _, kind in heads}

    keras.utils.set_random_seed(0)
    inputs_ = keras.Input((6,))
    hidden = keras.layers.Dense(8, activation="tanh")(inputs_)
    model = keras.Model(inputs_, {name: keras.layers.Dense(units, name=name)(hidden) for name, units, *_ in heads})
    outputs = model(x)
    for name, _, ours, theirs, _ in heads:
        assert keras.backend.standardize_dtype(outputs[name].dtype) == half
        assert ours.dtype == theirs.dtype == "float32"
        value, expected = ours(y[name], outputs[name]), theirs(y[name], outputs[name])
        assert keras.backend.standardize_dtype(value.dtype) == keras.backend.standardize_dtype(expected.dtype)
        expected = float(keras.ops.convert_to_numpy(expected))
        np.testing.assert_allclose(float(keras.ops.convert_to_numpy(value)), expected, rtol=FLOAT32_RTOL, err_msg=name)

    initial = [w.copy() for w in model.get_weights()]
    updates = {}
    for which in (2, 3):
        model.set_weights(initial)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss={h[0]: h[which] for h in heads})
        loss = model.train_on_batch(x, y)
        loss = float(np.ravel(loss)[0])
        assert np.isfinite(loss)
        updates[which] = (loss, [w - w0 for w, w0 in zip(model.get_weights(), initial, strict=True)])
    (ours_loss, ours), (their_loss, theirs) = updates[2], updates[3]
    np.testing.assert_allclose(ours_loss, their_loss, rtol=FLOAT32_RTOL)
    for mine, their in zip(ours, theirs, strict=True):
        # The two losses' gradients agree to float32 precision, but backprop runs in the half
        # compute dtype: casting them to it may land on adjacent half values (one ulp, eps,
        # apart), and the next layer's half rounding may flip once more, so updates may differ
        # by up to two ulps of their scale (seen: 1.45 ulp for mixed_float16 on Keras's JAX engine).
        tolerance = 2 * EPS[half] * float(np.max(np.abs(their)))
        np.testing.assert_allclose(mine, their, rtol=2 * EPS[half], atol=tolerance)


@needs_keras
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"], ids=lambda d: f"{d}-keras_{KERAS_ENGINE}")
def test_keras_half_loss_dtype(dtype):
    """A Keras loss whose own dtype is half precision (``dtype="bfloat16"``, or the function
    form on half predictions) computes in float32 and returns its dtype.

    Keras's ``Loss.__call__`` casts ``y_true`` to the loss dtype, which would round integer
    labels above 2048 (float16) or 256 (bfloat16) to another class, and reduces in that
    dtype, where a float16 sum overflows past 65504.
    """
    keras = pytest.importorskip("keras")
    lk = pytest.importorskip("lossx.backends.keras")
    rng = np.random.default_rng(0)
    logits = keras.ops.cast(rng.standard_normal((2, 1200)).astype("float32"), dtype)
    labels = np.array([301, 1001])  # not representable in bfloat16: would become 300 and 1000
    rounded = np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(logits, "float32")), dtype=np.float64)
    expected = reference.loss("sparse_categorical_cross_entropy", [rounded, labels], {"from_logits": True}, "none")
    for value in (
        lk.SparseCategoricalCrossEntropy(from_logits=True, reduction=None, dtype=dtype)(labels, logits),
        lk.sparse_categorical_cross_entropy(labels, logits, from_logits=True),
    ):
        assert keras.backend.standardize_dtype(value.dtype) == dtype
        actual = np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(value, "float32")), dtype=np.float64)
        np.testing.assert_allclose(actual, expected, **half_tolerance(expected, dtype))

    # Per-sample mean squared errors of 1e4 over a batch of 64: the mean is exact, the
    # float16 sum (6.4e5) is not representable.
    y_true = np.zeros((64, 2), "float32")
    y_pred = keras.ops.cast(np.full((64, 2), 100.0, "float32"), dtype)
    value = lk.MeanSquaredError(dtype=dtype)(y_true, y_pred)
    assert keras.backend.standardize_dtype(value.dtype) == dtype
    assert _keras_float(keras, value) == _keras_float(keras, keras.ops.cast(1e4, dtype))  # 1e4 rounded to dtype


def _keras_float(keras, value) -> float:
    return float(keras.ops.convert_to_numpy(keras.ops.cast(value, "float32")))


def test_numpy_bfloat16_is_a_clear_error():
    """NumPy has no bfloat16; ml_dtypes' (as JAX hands out) gets a DTypeError saying to cast."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    y_pred = np.ones((2, 3), dtype=ml_dtypes.bfloat16)
    with pytest.raises(lossx.LossxError, match=r"has dtype bfloat16.*Cast to float32") as error:
        lossx.mean_squared_error(y_pred, np.zeros((2, 3)))
    assert isinstance(error.value, TypeError)
