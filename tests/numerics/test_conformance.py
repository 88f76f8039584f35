"""Conformance with the frameworks' OWN losses under mapped options.

The independent reference here is the framework's loss itself: ``torch.nn.functional``,
``optax.losses`` and ``keras.losses`` (classes, on the current Keras engine). Inputs are
random and well conditioned (probabilities inside (0.02, 0.98), residuals away from the
Huber kink), so clipping and saturation conventions play no part. Values and, for torch
and JAX, gradients are compared at rtol 1e-12 in float64 and 1e-5 in float32 with an
absolute tolerance of a few ulps of the largest expected entry.

Where lossx deliberately differs from a framework only the mapped case where they agree
is tested; the differences are listed in the comments next to the tests.

Each framework's tests skip when it is not installed.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

import lossx

DTYPES = ["float64", "float32"]
RTOL = {"float64": 1e-12, "float32": 1e-5}
CLASS_WEIGHT = (0.3, 2.0, 1.7, 0.9)  # not exactly representable in float32, on purpose


def assert_close(actual, expected, dtype, what=""):
    """rtol for the dtype, plus an atol of 10 ulps of the largest expected magnitude."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    atol = 10 * np.finfo(dtype).eps * scale
    np.testing.assert_allclose(actual, expected, rtol=RTOL[dtype], atol=atol, err_msg=what)


# ----------------------------------------------------------------- inputs (NumPy float64)


def _rng(seed=0):
    return np.random.default_rng(seed)


def regression(seed=0, shape=(7, 5)):
    rng = _rng(seed)
    return rng.standard_normal(shape) * 1.5, rng.standard_normal(shape)


def huber_inputs(delta, seed=0, shape=(7, 5)):
    """Residuals on both sides of ``delta``, none within 1e-3 of the kink."""
    y_pred, y_true = regression(seed, shape)
    residual = y_pred - y_true
    near = np.abs(np.abs(residual) - delta) < 1e-3
    return y_pred + near * 0.01, y_true


def probabilities(seed=0, shape=(7, 5)):
    rng = _rng(seed)
    return rng.uniform(0.02, 0.98, shape)


def logits(seed=0, shape=(7, 5), scale=2.0):
    return _rng(seed).standard_normal(shape) * scale


def hard_labels(seed=1, shape=(7, 5)):
    return (_rng(seed).random(shape) < 0.4).astype(np.float64)


def soft_labels(seed=1, shape=(7, 5)):
    return _rng(seed).random(shape)


def softmax(x, axis=-1):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def class_labels(shape, classes=4, seed=2, ignore=None, fraction=0.25):
    rng = _rng(seed)
    labels = rng.integers(0, classes, shape)
    if ignore is not None:
        labels[rng.random(shape) < fraction] = ignore
        labels.flat[0] = 0  # never everything ignored
    return labels


def one_hot(labels, classes, axis=-1):
    return np.moveaxis(np.eye(classes)[labels], -1, axis)


def soft_targets(shape, classes=4, axis=-1, seed=3):
    return np.moveaxis(softmax(_rng(seed).standard_normal((*shape, classes)) * 2), -1, axis)


def cotangent(shape, seed=99):
    return _rng(seed).uniform(0.5, 1.5, shape)


# ======================================================================= torch

torch_dtypes = pytest.mark.parametrize("dtype", DTYPES)


def _torch():
    return pytest.importorskip("torch")


def check_torch(ours, theirs, leaves, dtype, wrt=(0,)):
    """Values and gradients (with respect to ``leaves[i]`` for ``i in wrt``) of two torch callables."""
    torch = _torch()
    torch_dtype = getattr(torch, dtype)

    def run(function):
        tensors = [torch.tensor(leaf, dtype=torch_dtype, requires_grad=i in wrt) for i, leaf in enumerate(leaves)]
        out = function(*tensors)
        assert out.dtype == torch_dtype
        weight = torch.tensor(cotangent(tuple(out.shape)), dtype=torch_dtype)
        grads = torch.autograd.grad((out * weight).sum(), [tensors[i] for i in wrt])
        return out.detach().numpy(), [g.numpy() for g in grads]

    value, grads = run(ours)
    expected_value, expected_grads = run(theirs)
    assert_close(value, expected_value, dtype, "value")
    for i, grad, expected in zip(wrt, grads, expected_grads, strict=True):
        assert_close(grad, expected, dtype, f"gradient wrt input {i}")


def _module(name, dtype, **options):
    """A lossx torch module whose per-class weights are tensors of ``dtype``.

    As with torch's own ``weight=``, float64 work gets float64 weight tensors: weights
    given as Python tuples become buffers of torch's default dtype (float32), which
    ``.to(torch.float64)`` cannot make exact again.
    """
    torch = _torch()
    from lossx.backends import torch as LT

    torch_dtype = getattr(torch, dtype)
    options = {k: torch.tensor(v, dtype=torch_dtype) if isinstance(v, tuple) else v for k, v in options.items()}
    return getattr(LT, name)(**options)


TORCH_REDUCTIONS = ["mean", "sum", "none"]


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("MeanSquaredError", "mse_loss"), ("MeanAbsoluteError", "l1_loss")],
    ids=["mse_loss-torch", "l1_loss-torch"],
)
def test_torch_regression(ours, theirs, reduction, dtype):
    F = _torch().nn.functional
    module = _module(ours, dtype, reduction=reduction)
    check_torch(module, lambda p, t: getattr(F, theirs)(p, t, reduction=reduction), regression(), dtype, wrt=(0, 1))


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0], ids=lambda d: f"delta{d}")
def test_torch_huber_loss(delta, reduction, dtype):
    F = _torch().nn.functional
    module = _module("Huber", dtype, delta=delta, reduction=reduction)
    check_torch(
        module,
        lambda p, t: F.huber_loss(p, t, reduction=reduction, delta=delta),
        huber_inputs(delta),
        dtype,
        wrt=(0, 1),
    )


@torch_dtypes
@pytest.mark.parametrize("beta", [0.5, 2.0], ids=lambda b: f"beta{b}")
def test_torch_smooth_l1_loss_is_huber_over_beta(beta, dtype):
    F = _torch().nn.functional
    module = _module("Huber", dtype, delta=beta, reduction="none")
    check_torch(
        lambda p, t: module(p, t) / beta,
        lambda p, t: F.smooth_l1_loss(p, t, reduction="none", beta=beta),
        huber_inputs(beta),
        dtype,
        wrt=(0, 1),
    )


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("targets", ["hard", "soft"])
def test_torch_binary_cross_entropy(targets, reduction, dtype):
    F = _torch().nn.functional
    y_true = hard_labels() if targets == "hard" else soft_labels()
    module = _module("BinaryCrossEntropy", dtype, reduction=reduction)
    check_torch(
        lambda p: module(p, y_true),
        lambda p: F.binary_cross_entropy(p, p.new_tensor(y_true), reduction=reduction),
        [probabilities()],
        dtype,
    )


@torch_dtypes
@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_torch_binary_cross_entropy_weight_is_sample_weight(reduction, dtype):
    """torch's elementwise ``weight`` of shape (N, 1) is lossx's sample_weight of shape (N,).

    Not for 'mean': torch divides Σ w·l by the element count, lossx by Σ w (docs/semantics.md, reductions and weights).
    """
    F = _torch().nn.functional
    weight = _rng(5).uniform(0.1, 2.0, 7)
    module = _module("BinaryCrossEntropy", dtype, reduction=reduction)
    check_torch(
        lambda p: module(p, hard_labels(), sample_weight=weight),
        lambda p: F.binary_cross_entropy(
            p, p.new_tensor(hard_labels()), weight=p.new_tensor(weight[:, None]), reduction=reduction
        ),
        [probabilities()],
        dtype,
    )


BCE_LOGITS_CASES = {
    "plain": {},
    "pos_weight2.5": {"pos_weight": 2.5},
    "pos_weight_vector": {"pos_weight": (0.3, 2.0, 1.7, 0.9, 4.0)},
    "pos_weight_vector-smooth0.1": {"pos_weight": (0.3, 2.0, 1.7, 0.9, 4.0), "label_smoothing": 0.1},
    "smooth0.2": {"label_smoothing": 0.2},
}


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("targets", ["hard", "soft"])
@pytest.mark.parametrize(
    "options", BCE_LOGITS_CASES.values(), ids=[f"bce_with_logits[{k}]-torch" for k in BCE_LOGITS_CASES]
)
def test_torch_binary_cross_entropy_with_logits(options, targets, reduction, dtype):
    """torch has no label smoothing: it gets the smoothed target t·(1−ε) + ε/2."""
    torch = _torch()
    F = torch.nn.functional
    y_true = hard_labels() if targets == "hard" else soft_labels()
    smoothing = options.get("label_smoothing", 0.0)
    smoothed = y_true * (1 - smoothing) + smoothing / 2
    pos_weight = options.get("pos_weight")
    module = _module("BinaryCrossEntropy", dtype, from_logits=True, reduction=reduction, **options)

    def theirs(x):
        weight = None if pos_weight is None else x.new_tensor(pos_weight)
        return F.binary_cross_entropy_with_logits(x, x.new_tensor(smoothed), pos_weight=weight, reduction=reduction)

    check_torch(lambda x: module(x, y_true), theirs, [logits()], dtype)


# torch.nn.functional.cross_entropy with class indices: lossx sparse_categorical_cross_entropy
# with from_logits=True, axis=1 (torch's class axis), ignore_index=-100.
CE_INDEX_CASES = {
    "plain": {},
    "weight": {"class_weight": CLASS_WEIGHT},
    "ignore": {"ignore_index": -100},
    "smooth0.1": {"label_smoothing": 0.1},
    "weight-ignore": {"class_weight": CLASS_WEIGHT, "ignore_index": -100},
    "weight-ignore-smooth0.2": {"class_weight": CLASS_WEIGHT, "ignore_index": -100, "label_smoothing": 0.2},
}
CE_SHAPES = {"NC": (9,), "NCd": (5, 6), "NCdd": (3, 4, 2)}


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("shape", CE_SHAPES.values(), ids=list(CE_SHAPES))
@pytest.mark.parametrize(
    "options", CE_INDEX_CASES.values(), ids=[f"cross_entropy_indices[{k}]-torch" for k in CE_INDEX_CASES]
)
def test_torch_cross_entropy_class_indices(options, shape, reduction, dtype):
    torch = _torch()
    F = torch.nn.functional
    batch, *rest = shape
    x = logits(shape=(batch, 4, *rest))
    labels = class_labels(tuple(shape), ignore=-100 if "ignore_index" in options else None)
    module = _module("SparseCategoricalCrossEntropy", dtype, from_logits=True, axis=1, reduction=reduction, **options)

    def theirs(x):
        weight = x.new_tensor(options["class_weight"]) if "class_weight" in options else None
        return F.cross_entropy(
            x,
            torch.as_tensor(labels),
            weight=weight,
            ignore_index=-100,
            label_smoothing=options.get("label_smoothing", 0.0),
            reduction=reduction,
        )

    check_torch(lambda x: module(x, torch.as_tensor(labels)), theirs, [x], dtype)


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [{}, {"class_weight": CLASS_WEIGHT}, {"ignore_index": 2}],
    ids=["nll_loss[plain]-torch", "nll_loss[weight]-torch", "nll_loss[ignore2]-torch"],
)
def test_torch_nll_loss_is_sparse_cross_entropy_on_probabilities(options, reduction, dtype):
    """nll_loss(log p) = sparse_categorical_cross_entropy(p, from_logits=False, axis=1)."""
    torch = _torch()
    F = torch.nn.functional
    probs = softmax(logits(shape=(6, 4, 3)), axis=1)
    labels = torch.as_tensor(class_labels((6, 3)))
    module = _module("SparseCategoricalCrossEntropy", dtype, axis=1, reduction=reduction, **options)

    def theirs(p):
        weight = p.new_tensor(options["class_weight"]) if "class_weight" in options else None
        return F.nll_loss(
            torch.log(p), labels, weight=weight, ignore_index=options.get("ignore_index", -100), reduction=reduction
        )

    check_torch(lambda p: module(p, labels), theirs, [probs], dtype)


CE_PROB_CASES = {"plain": {}, "smooth0.1": {"label_smoothing": 0.1}}


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("shape", CE_SHAPES.values(), ids=list(CE_SHAPES))
@pytest.mark.parametrize("targets", ["soft", "one_hot"])
@pytest.mark.parametrize(
    "options", CE_PROB_CASES.values(), ids=[f"cross_entropy_probs[{k}]-torch" for k in CE_PROB_CASES]
)
def test_torch_cross_entropy_probability_targets(options, targets, shape, reduction, dtype):
    F = _torch().nn.functional
    batch, *rest = shape
    x = logits(shape=(batch, 4, *rest))
    if targets == "soft":
        y_true = soft_targets(tuple(shape), axis=1)
    else:
        y_true = one_hot(class_labels(tuple(shape)), 4, axis=1)
    module = _module("CategoricalCrossEntropy", dtype, from_logits=True, axis=1, reduction=reduction, **options)
    check_torch(
        lambda x: module(x, y_true),
        lambda x: F.cross_entropy(
            x, x.new_tensor(y_true), label_smoothing=options.get("label_smoothing", 0.0), reduction=reduction
        ),
        [x],
        dtype,
    )


@torch_dtypes
@pytest.mark.parametrize("reduction", ["sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1], ids=["plain", "smooth0.1"])
def test_torch_cross_entropy_probability_targets_with_weight(smoothing, reduction, dtype):
    """Per-element values and 'sum' agree; 'mean' does not (torch divides by N, lossx by Σ_c w_c·t_c)."""
    F = _torch().nn.functional
    x = logits(shape=(5, 4, 6))
    y_true = soft_targets((5, 6), axis=1)
    module = _module(
        "CategoricalCrossEntropy",
        dtype,
        from_logits=True,
        axis=1,
        class_weight=CLASS_WEIGHT,
        label_smoothing=smoothing,
        reduction=reduction,
    )
    check_torch(
        lambda x: module(x, y_true),
        lambda x: F.cross_entropy(
            x, x.new_tensor(y_true), weight=x.new_tensor(CLASS_WEIGHT), label_smoothing=smoothing, reduction=reduction
        ),
        [x],
        dtype,
    )


@torch_dtypes
def test_torch_generic_function_matches_module(dtype):
    """``lossx.<snake>`` on torch tensors is the same computation as the module."""
    torch = _torch()
    F = torch.nn.functional
    x = logits(shape=(5, 4, 6))
    labels = torch.as_tensor(class_labels((5, 6), ignore=-100))
    options = {"from_logits": True, "axis": 1, "ignore_index": -100, "label_smoothing": 0.1}
    check_torch(
        lambda x: lossx.sparse_categorical_cross_entropy(x, labels, **options),
        lambda x: F.cross_entropy(x, labels, ignore_index=-100, label_smoothing=0.1),
        [x],
        dtype,
    )


# ======================================================================= pytorch-metric-learning

#: (pml class, pml options, lossx loss, lossx options). pml's ArcFace margin is in degrees (28.6 by default); 80°
#: puts some labels past θ = π − m, on the fallback cos θ − m·sin m both take.
PML_CASES = [
    ("CosFaceLoss", {}, "cosface", {}),
    ("CosFaceLoss", {"margin": 0.2, "scale": 16}, "cosface", {"margin": 0.2, "scale": 16.0}),
    ("ArcFaceLoss", {}, "arcface", {"margin": float(np.radians(28.6))}),
    ("ArcFaceLoss", {"margin": 80.0, "scale": 10}, "arcface", {"margin": float(np.radians(80.0)), "scale": 10.0}),
]


@torch_dtypes
@pytest.mark.parametrize("theirs, their_options, ours, our_options", PML_CASES, ids=lambda v: str(v))
def test_pml_margin_softmax(theirs, their_options, ours, our_options, dtype):
    """pml's losses own the class weights W (embedding size × classes): lossx takes their cosines
    normalize(x) @ normalize(W), here computed in torch so that the gradient reaches the embeddings; pml's
    default reducer (MeanReducer) is the plain mean over the batch, lossx's 'mean'."""
    torch = _torch()
    losses = pytest.importorskip("pytorch_metric_learning.losses")
    torch.manual_seed(0)
    loss = getattr(losses, theirs)(num_classes=5, embedding_size=8, **their_options).to(getattr(torch, dtype))
    weights = loss.W.detach()
    labels = torch.tensor(class_labels((16,), classes=5))

    def lossx_of(embeddings):
        cosines = torch.nn.functional.normalize(embeddings, dim=1) @ torch.nn.functional.normalize(weights, dim=0)
        return getattr(lossx, ours)(cosines, labels, **our_options)

    check_torch(lossx_of, lambda embeddings: loss(embeddings, labels), [logits(shape=(16, 8))], dtype)


def _tfa_weighted_kappa(y_true, y_pred, num_classes, weightage="quadratic", epsilon=1e-6):
    """TensorFlow Addons' WeightedKappaLoss (tensorflow_addons/losses/kappa_loss.py, not installable with Keras 3)
    transcribed to NumPy step by step: label_vec, the tiled weight and weight_mat, numerator, denominator / N,
    log(divide_no_nan(numerator, denominator) + epsilon)."""
    label_vec = np.arange(num_classes, dtype=np.float64)
    row_label_vec, col_label_vec = label_vec.reshape(1, num_classes), label_vec.reshape(num_classes, 1)
    difference = np.tile(col_label_vec, [1, num_classes]) - np.tile(row_label_vec, [num_classes, 1])
    labels = y_true @ col_label_vec
    row_difference = np.tile(labels, [1, num_classes]) - np.tile(row_label_vec, [y_true.shape[0], 1])
    if weightage == "linear":
        weight_mat = np.abs(difference) / (num_classes - 1)
        weight = np.abs(row_difference) / (num_classes - 1)
    else:
        weight_mat = difference**2 / (num_classes - 1) ** 2
        weight = row_difference**2 / (num_classes - 1) ** 2
    numerator = np.sum(weight * y_pred)
    denominator = np.sum(y_true.sum(axis=0, keepdims=True) @ (weight_mat @ y_pred.sum(axis=0, keepdims=True).T))
    denominator /= y_true.shape[0]
    return np.log((numerator / denominator if denominator != 0 else 0.0) + epsilon)


@pytest.mark.parametrize("weightage, power", [("quadratic", 2.0), ("linear", 1.0)])
@pytest.mark.parametrize("soft", [False, True], ids=["one_hot", "soft"])
def test_tfa_weighted_kappa(weightage, power, soft):
    """One-hot targets (TFA's) and soft ones (TFA's label Σ_c c·t_c), against the NumPy transcription; labels give
    the one-hot value."""
    labels = class_labels((12,), classes=5)
    y_true = soft_targets((12,), classes=5) if soft else one_hot(labels, 5)
    y_pred = softmax(logits(shape=(12, 5)) + 3 * one_hot(labels, 5))
    expected = _tfa_weighted_kappa(y_true, y_pred, 5, weightage, epsilon=1e-4)
    assert_close(lossx.weighted_kappa(y_pred, y_true, power=power, epsilon=1e-4), expected, "float64")
    if not soft:
        assert_close(lossx.weighted_kappa(y_pred, labels, power=power, epsilon=1e-4), expected, "float64")


# ======================================================================= optax


@contextlib.contextmanager
def _jax_dtype(dtype):
    """float64 needs JAX's x64 mode; enable it for this test only."""
    jax = pytest.importorskip("jax")
    if dtype == "float64":
        enable = getattr(jax, "enable_x64", None)
        if enable is None:
            from jax.experimental import enable_x64 as enable
        with enable(True):
            yield jax
    else:
        yield jax


def check_jax(ours, theirs, leaves, dtype, wrt=(0,)):
    """Values and gradients of two JAX callables (per-example values, any shape)."""
    with _jax_dtype(dtype) as jax:
        import jax.numpy as jnp

        arrays = [
            jnp.asarray(leaf, dtype=dtype) if np.asarray(leaf).dtype.kind == "f" else jnp.asarray(leaf)
            for leaf in leaves
        ]
        value = ours(*arrays)
        expected = theirs(*arrays)
        assert value.dtype == jnp.dtype(dtype) and expected.dtype == jnp.dtype(dtype)
        assert_close(value, expected, dtype, "value")
        weight = jnp.asarray(cotangent(tuple(value.shape)), dtype=dtype)
        for i in wrt:

            def scalar(function, i=i):
                def f(leaf):
                    args = list(arrays)
                    args[i] = leaf
                    return jnp.sum(function(*args) * weight)

                return f

            assert_close(
                jax.grad(scalar(ours))(arrays[i]), jax.grad(scalar(theirs))(arrays[i]), dtype, f"gradient wrt input {i}"
            )


def _optax():
    return pytest.importorskip("optax")


def _lj(name, **options):
    """lossx's JAX function with per-example values (reduction='none')."""
    from lossx.backends import jax as LJ

    function = getattr(LJ, name)
    return lambda y_pred, y_true: function(y_pred, y_true, reduction="none", **options)


optax_dtypes = pytest.mark.parametrize("dtype", DTYPES)


@optax_dtypes
def test_optax_squared_error(dtype):
    optax = _optax()
    check_jax(_lj("mean_squared_error"), optax.losses.squared_error, regression(), dtype, wrt=(0, 1))


@optax_dtypes
def test_optax_l2_loss_is_half_squared_error(dtype):
    """optax.l2_loss is ½·e², not the squared error."""
    optax = _optax()
    ours = _lj("mean_squared_error")
    check_jax(lambda p, t: 0.5 * ours(p, t), optax.losses.l2_loss, regression(), dtype, wrt=(0, 1))


@optax_dtypes
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0], ids=lambda d: f"huber_loss[delta{d}]-optax")
def test_optax_huber_loss(delta, dtype):
    optax = _optax()
    check_jax(
        _lj("huber", delta=delta),
        lambda p, t: optax.losses.huber_loss(p, t, delta=delta),
        huber_inputs(delta),
        dtype,
        wrt=(0, 1),
    )


@optax_dtypes
@pytest.mark.parametrize("targets", ["hard", "soft"])
def test_optax_sigmoid_binary_cross_entropy(targets, dtype):
    optax = _optax()
    y_true = hard_labels() if targets == "hard" else soft_labels()
    check_jax(
        _lj("binary_cross_entropy", from_logits=True),
        optax.losses.sigmoid_binary_cross_entropy,
        [logits(), y_true],
        dtype,
    )


@optax_dtypes
@pytest.mark.parametrize("axis", [-1, 1], ids=["axis-1", "axis1"])
@pytest.mark.parametrize("targets", ["soft", "one_hot"])
def test_optax_softmax_cross_entropy(targets, axis, dtype):
    optax = _optax()
    shape = (5, 6)
    y_true = soft_targets(shape, axis=axis) if targets == "soft" else one_hot(class_labels(shape), 4, axis=axis)
    x = np.moveaxis(logits(shape=(*shape, 4)), -1, axis)
    check_jax(
        _lj("categorical_cross_entropy", from_logits=True, axis=axis),
        lambda x, t: optax.losses.softmax_cross_entropy(x, t, axis=axis),
        [x, y_true],
        dtype,
    )


@optax_dtypes
@pytest.mark.parametrize("smoothing", [0.1, 0.3], ids=lambda s: f"smooth_labels{s}")
def test_optax_smooth_labels_then_softmax_cross_entropy(smoothing, dtype):
    optax = _optax()
    y_true = one_hot(class_labels((8,)), 4)
    check_jax(
        _lj("categorical_cross_entropy", from_logits=True, label_smoothing=smoothing),
        lambda x, t: optax.losses.softmax_cross_entropy(x, optax.smooth_labels(t, smoothing)),
        [logits(shape=(8, 4)), y_true],
        dtype,
    )


@optax_dtypes
@pytest.mark.parametrize("axis", [-1, 1], ids=["axis-1", "axis1"])
def test_optax_softmax_cross_entropy_with_integer_labels(axis, dtype):
    optax = _optax()
    labels = class_labels((5, 6))
    x = np.moveaxis(logits(shape=(5, 6, 4)), -1, axis)
    check_jax(
        _lj("sparse_categorical_cross_entropy", from_logits=True, axis=axis),
        lambda x, t: optax.losses.softmax_cross_entropy_with_integer_labels(x, t, axis=axis),
        [x, labels],
        dtype,
    )


@optax_dtypes
def test_optax_safe_softmax_cross_entropy_with_minus_inf_logits(dtype):
    """-inf logits in classes whose target is 0: finite, equal to optax's 0·log 0 = 0 version."""
    optax = _optax()
    x = logits(shape=(6, 4))
    labels = class_labels((6,))
    x[np.arange(6), (labels + 1) % 4] = -np.inf
    y_true = one_hot(labels, 4)
    with _jax_dtype(dtype):
        import jax.numpy as jnp

        ours = _lj("categorical_cross_entropy", from_logits=True)(jnp.asarray(x, dtype), jnp.asarray(y_true, dtype))
        theirs = optax.losses.safe_softmax_cross_entropy(jnp.asarray(x, dtype), jnp.asarray(y_true, dtype))
        assert bool(jnp.all(jnp.isfinite(ours)))
        assert_close(ours, theirs, dtype)


@optax_dtypes
def test_optax_hinge_loss_with_signed_targets(dtype):
    """optax.hinge_loss takes targets in {-1, 1}; lossx also reads 0 as −1 (not tested here)."""
    optax = _optax()
    y_true = np.where(hard_labels() > 0, 1.0, -1.0)
    check_jax(_lj("hinge"), optax.losses.hinge_loss, [logits(scale=1.3), y_true], dtype)


@optax_dtypes
def test_optax_perceptron_loss_with_signed_targets(dtype):
    optax = _optax()
    y_true = np.where(hard_labels() > 0, 1.0, -1.0)
    check_jax(_lj("perceptron"), optax.losses.perceptron_loss, [logits(scale=1.3), y_true], dtype)


@optax_dtypes
def test_optax_multiclass_perceptron_loss(dtype):
    """Random scores have one largest per row (the max's kink is a tie). Under x64 optax's one-hot is float64, which
    promotes its float32 result; it is compared cast back to the scores' dtype."""
    optax = _optax()

    def theirs(scores, labels):
        return optax.losses.multiclass_perceptron_loss(scores, labels).astype(scores.dtype)

    check_jax(_lj("multiclass_perceptron"), theirs, [logits(scale=1.3), class_labels((7,), classes=5)], dtype)


@optax_dtypes
def test_optax_sparsemax_loss(dtype):
    """Logits on every piece of sparse_plus (scale 1.3: most within (−1, 1), the others beyond ±1); none is within
    1e-6 of ±1."""
    optax = _optax()
    x = logits(scale=1.3)
    assert np.all(np.abs(np.abs(x) - 1) > 1e-6)
    check_jax(_lj("sparsemax"), optax.losses.sparsemax_loss, [x, hard_labels()], dtype)


@optax_dtypes
def test_optax_multiclass_sparsemax_loss(dtype):
    """Supports of two to four classes (scale 0.7), labels inside and outside them; no score is within 1e-6 of the
    threshold, where the loss has a kink. With x64 on (tests/conftest.py), optax's custom JVP of its simplex
    projection gives float64 tangents for float32 scores, which JAX refuses; optax runs on the scores in float64,
    and its result is cast back to their dtype."""
    optax = _optax()
    scores = logits(shape=(9, 5), scale=0.7)

    def theirs(scores, labels):
        import jax.numpy as jnp

        return optax.losses.multiclass_sparsemax_loss(scores.astype(jnp.float64), labels).astype(scores.dtype)

    check_jax(_lj("multiclass_sparsemax"), theirs, [scores, class_labels((9,), classes=5)], dtype)


@optax_dtypes
@pytest.mark.parametrize("reduce_fn", ["none", "sum", "mean"])
def test_optax_ranking_softmax_loss_with_where(reduce_fn, dtype):
    """optax's where=False is a −inf score in lossx; a list of padding only (row 2) is left out of the mean, a list
    whose relevances are all 0 (row 4) is not."""
    optax = _optax()
    scores, relevance = logits(shape=(6, 5)), np.floor(soft_labels(shape=(6, 5)) * 4)
    relevance[4] = 0.0
    where = _rng(5).random((6, 5)) < 0.7
    where[2] = False

    from lossx.backends import jax as LJ

    def ours(x, y):
        return LJ.ranking_softmax(_padded(x, where), y, reduction=reduce_fn)

    def theirs(x, y):
        import jax.numpy as jnp

        fn = {"none": None, "sum": jnp.sum, "mean": jnp.mean}[reduce_fn]
        return optax.losses.ranking_softmax_loss(x, y, where=jnp.asarray(where), reduce_fn=fn)

    check_jax(ours, theirs, [scores, relevance], dtype)


def _padded(x, where):
    import jax.numpy as jnp

    return jnp.where(jnp.asarray(where), x, -jnp.inf)


FOCAL_CASES = [(None, 2.0), (0.25, 2.0), (0.7, 1.5), (None, 0.0), (0.25, 0.5)]


@optax_dtypes
@pytest.mark.parametrize("targets", ["hard", "soft"])
@pytest.mark.parametrize(
    ("alpha", "gamma"), FOCAL_CASES, ids=[f"sigmoid_focal_loss[alpha{a}-gamma{g}]-optax" for a, g in FOCAL_CASES]
)
def test_optax_sigmoid_focal_loss(alpha, gamma, targets, dtype):
    """optax: α_t = α·t + (1−α)·(1−t) and 1−p_t in log space, as lossx with from_logits=True."""
    optax = _optax()
    y_true = hard_labels() if targets == "hard" else soft_labels()
    check_jax(
        _lj("binary_focal_cross_entropy", from_logits=True, alpha=alpha, gamma=gamma),
        lambda x, t: optax.losses.sigmoid_focal_loss(x, t, alpha=alpha, gamma=gamma),
        [logits(), y_true],
        dtype,
    )


def measures(seed=4, shape=(7, 5), zeros=False):
    """Unnormalised positive measures (a quarter of them exactly 0 with ``zeros``)."""
    rng = _rng(seed)
    measure = np.exp(rng.standard_normal(shape))
    return np.where(rng.random(shape) < 0.25, 0.0, measure) if zeros else measure


@optax_dtypes
@pytest.mark.filterwarnings("ignore:.*convex_kl_divergence:DeprecationWarning")
@pytest.mark.parametrize("name", ["generalized_kl_divergence", "convex_kl_divergence"])
def test_optax_generalized_kl_divergence(name, dtype):
    """lossx's alias convex_kl_divergence against optax's deprecated name of the same loss. Both inputs are
    differentiated without zero targets; with them only the log-predictions (optax's target gradient there is
    0·log 0's NaN)."""
    optax = _optax()
    log_q = logits(scale=1.0)
    check_jax(_lj(name, log_input=True), getattr(optax.losses, name), [log_q, measures()], dtype, wrt=(0, 1))
    check_jax(_lj(name, log_input=True), getattr(optax.losses, name), [log_q, measures(zeros=True)], dtype)


@optax_dtypes
def test_optax_generalized_kl_divergence_over_axis1(dtype):
    optax = _optax()

    def theirs(log_q, target):
        return optax.losses.generalized_kl_divergence(log_q, target, axis=1)

    check_jax(
        _lj("generalized_kl_divergence", log_input=True, axis=1),
        theirs,
        [logits(shape=(3, 4, 2), scale=1.0), measures(shape=(3, 4, 2))],
        dtype,
        wrt=(0, 1),
    )


@optax_dtypes
def test_optax_mean_reduction_is_the_mean_of_per_example_values(dtype):
    optax = _optax()
    from lossx.backends import jax as LJ

    labels = class_labels((5, 6))
    x = logits(shape=(5, 6, 4))
    check_jax(
        lambda x, t: LJ.sparse_categorical_cross_entropy(x, t, from_logits=True),
        lambda x, t: optax.losses.softmax_cross_entropy_with_integer_labels(x, t).mean(),
        [x, labels],
        dtype,
    )


# ======================================================================= kornia

KORNIA_SHAPE = (2, 3, 4, 5)  # (B, N, H, W): N heatmaps per sample, each a distribution over H·W


def _heatmaps(seed, zeros_in=None):
    """Distributions over H·W; ``zeros_in`` (``rng``, share) sets that share of cells to 0 before normalising."""
    rng = _rng(seed)
    batch, channels, height, width = KORNIA_SHAPE
    flat = softmax(rng.standard_normal((batch, channels, height * width)))
    if zeros_in is not None:
        flat = np.where(zeros_in, 0.0, flat)
        flat = flat / flat.sum(axis=-1, keepdims=True)
    return flat.reshape(KORNIA_SHAPE)


@torch_dtypes
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("zeros", [False, True], ids=["positive", "zeros"])
def test_kornia_js_div_loss_2d(zeros, reduction, dtype):
    """kornia's JS over each heatmap's H·W cells is lossx's jensen_shannon of the (B, N, H·W) reshape, every reduction.

    With ``zeros`` some cells of each input are 0 where the other is positive (never both): the
    values are exact in both, and so are the gradients there (½·log 2 with respect to the entry whose
    partner is 0) but the −inf partial of the zero entry itself, which both give as −½ (its
    ``p·log p`` term taken as the constant 0).
    """
    pytest.importorskip("kornia")
    import kornia

    flat_shape = (KORNIA_SHAPE[0], KORNIA_SHAPE[1], KORNIA_SHAPE[2] * KORNIA_SHAPE[3])
    cells = _rng(7).random(flat_shape)
    pred = _heatmaps(5, cells < 0.2 if zeros else None)
    target = _heatmaps(6, cells > 0.8 if zeros else None)

    def ours(p, t):
        return lossx.jensen_shannon(p.reshape(flat_shape), t.reshape(flat_shape), reduction=reduction)

    def theirs(p, t):
        return kornia.losses.js_div_loss_2d(p, t, reduction=reduction)

    check_torch(ours, theirs, [pred, target], dtype, wrt=(0, 1))


def _distinct_errors(errors, gap=1e-3):
    """Whether each image's (and class's) errors, the entries after the first two axes, are ``gap`` from 0 and from
    each other: kornia sorts unstably, and a tie is a kink where either order's gradient is a subgradient."""
    rows = np.sort(errors.reshape(*errors.shape[:2], -1), axis=-1)
    return bool(np.all(np.abs(rows) > gap) and np.all(np.diff(rows, axis=-1) > gap))


@torch_dtypes
def test_kornia_lovasz_hinge_loss(dtype):
    """kornia's one logit channel (B, 1, H, W) against labels (B, H, W), its mean over images: lossx's
    per-image value with the channel dropped, and its mean."""
    import_kornia = pytest.importorskip("kornia")
    rng = _rng(41)
    while True:
        x, labels = rng.standard_normal((3, 1, 6, 7)) * 1.5, rng.integers(0, 2, (3, 6, 7))
        if _distinct_errors(1 - x * (2 * labels[:, None] - 1)):
            break

    def ours(x, t):
        return lossx.lovasz_hinge(x[:, 0], t)

    def theirs(x, t):
        return import_kornia.losses.lovasz_hinge_loss(x, t.long())

    check_torch(ours, theirs, [x, labels.astype(np.float64)], dtype)


@torch_dtypes
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weight"])
def test_kornia_lovasz_softmax_loss(weighted, dtype):
    """kornia's softmax of logits (B, C, H, W) against labels (B, H, W), every class of every image averaged (each
    image lacks a class here): lossx's classes='all'. Its weight multiplies each class's score and divides by C:
    lossx's weighted sum over N·C."""
    kornia = pytest.importorskip("kornia")
    rng = _rng(43)
    while True:
        x, labels = rng.standard_normal((3, 5, 2, 2)) * 1.5, rng.integers(0, 5, (3, 2, 2))
        if _distinct_errors(np.abs(one_hot(labels, 5, axis=1) - softmax(x, axis=1))):
            break
    weight = (*CLASS_WEIGHT, 1.2) if weighted else None

    def ours(x, t):
        if weight is None:
            return lossx.lovasz_softmax(x, t.long(), from_logits=True, axis=1)
        class_weight = _torch().tensor(weight, dtype=x.dtype)
        summed = lossx.lovasz_softmax(x, t.long(), from_logits=True, axis=1, class_weight=class_weight, reduction="sum")
        return summed / (x.shape[0] * x.shape[1])

    def theirs(x, t):
        return kornia.losses.lovasz_softmax_loss(
            x, t.long(), weight=None if weight is None else _torch().tensor(weight, dtype=x.dtype)
        )

    check_torch(ours, theirs, [x, labels.astype(np.float64)], dtype)


def test_kornia_lovasz_hinge_loss_float32_gradient_on_a_large_image():
    """A 512×512 image: lossx's float32 gradient meets the numerical promise against kornia's float64 one, since
    each Jaccard weight (of order 1/P) is a quotient of exact counts; kornia's float32 differences of Jaccard losses
    near 1 keep about two digits of it. The logits' magnitudes are distinct, so no two errors tie."""
    torch = _torch()
    kornia = pytest.importorskip("kornia")
    rng = _rng(47)
    size = 512
    magnitudes = rng.permutation(np.arange(size * size)) * 1e-5 + 1.05e-4  # none within 5e-6 of the kink at 1
    x = (magnitudes * rng.choice([-1.0, 1.0], size * size)).astype(np.float32).reshape(1, 1, size, size)
    labels = torch.from_numpy(rng.integers(0, 2, (1, size, size)))

    def gradient(function, dtype):
        leaf = torch.tensor(x, dtype=dtype, requires_grad=True)
        function(leaf).backward()
        return leaf.grad.double().numpy()

    expected = gradient(lambda leaf: kornia.losses.lovasz_hinge_loss(leaf, labels), torch.float64)
    actual = gradient(lambda leaf: lossx.lovasz_hinge(leaf[:, 0], labels), torch.float32)
    np.testing.assert_allclose(actual, expected, rtol=RTOL["float32"], atol=RTOL["float32"] * np.max(np.abs(expected)))


# ======================================================================= timm (transcribed)


def timm_asymmetric_loss_multilabel(x, y, gamma_neg=4.0, gamma_pos=1.0, clip=0.05, eps=1e-8):
    """NumPy transcription of timm's ``AsymmetricLossMultiLabel.forward`` (timm/loss/asymmetric_loss.py, after
    Ridnik et al. 2021's reference code; its original reduction, the sum): timm cannot be installed beside
    this torch, so it is written out here from its source, step for step, with its ε clamps."""
    xs_pos = 1.0 / (1.0 + np.exp(-x))
    xs_neg = 1.0 - xs_pos
    if clip is not None and clip > 0:
        xs_neg = np.minimum(xs_neg + clip, 1.0)
    loss = y * np.log(np.maximum(xs_pos, eps)) + (1 - y) * np.log(np.maximum(xs_neg, eps))
    if gamma_neg > 0 or gamma_pos > 0:
        pt = xs_pos * y + xs_neg * (1 - y)
        loss = loss * np.power(1 - pt, gamma_pos * y + gamma_neg * (1 - y))
    return -loss.sum()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("gamma_pos", "gamma_neg", "clip"),
    [
        (1.0, 4.0, 0.05),
        (0.0, 4.0, 0.05),
        (2.0, 1.0, 0.0),
        (0.0, 0.0, 0.0),
        (1.0, 0.5, 0.3),
    ],
    ids=["timm-defaults", "paper", "clip0", "bce", "gn0.5-clip0.3"],
)
def test_timm_asymmetric_loss_multilabel_is_sum(gamma_pos, gamma_neg, clip, dtype):
    """0/1 targets (timm's single focusing factor differs from lossx's per-term one for soft targets);
    logits within ±8, where timm's ε = 1e-8 clamps do not bind, and σ(x) away from the clip's kink."""
    x = np.clip(logits(seed=8, shape=(16, 6), scale=2.5), -8.0, 8.0)
    p = 1.0 / (1.0 + np.exp(-x))
    x = np.where(np.abs(p - clip) < 1e-2, x + 0.1, x)
    y = hard_labels(seed=9, shape=x.shape)
    ours = lossx.asymmetric(
        x.astype(dtype), y.astype(dtype), gamma_pos=gamma_pos, gamma_neg=gamma_neg, clip=clip, reduction="sum"
    )
    assert ours.dtype == np.dtype(dtype)
    theirs = timm_asymmetric_loss_multilabel(x.astype(dtype).astype(np.float64), y, gamma_neg, gamma_pos, clip)
    assert_close(ours, theirs, dtype)


# ======================================================================= keras

# (id, lossx class, lossx options, keras class, keras options, inputs(kind))
KERAS_CASES = [
    ("MeanSquaredError", "MeanSquaredError", {}, "MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", "MeanAbsoluteError", {}, "MeanAbsoluteError", {}, "regression"),
    ("Huber[delta0.5]", "Huber", {"delta": 0.5}, "Huber", {"delta": 0.5}, "huber0.5"),
    ("Huber[delta2]", "Huber", {"delta": 2.0}, "Huber", {"delta": 2.0}, "huber2.0"),
    ("BinaryCrossentropy[probs]", "BinaryCrossEntropy", {}, "BinaryCrossentropy", {}, "probs"),
    (
        "BinaryCrossentropy[probs-smooth0.1]",
        "BinaryCrossEntropy",
        {"label_smoothing": 0.1},
        "BinaryCrossentropy",
        {"label_smoothing": 0.1},
        "probs",
    ),
    (
        "BinaryCrossentropy[logits]",
        "BinaryCrossEntropy",
        {"from_logits": True},
        "BinaryCrossentropy",
        {"from_logits": True},
        "logits",
    ),
    (
        "BinaryCrossentropy[logits-smooth0.2-soft]",
        "BinaryCrossEntropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "BinaryCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "logits-soft",
    ),
    ("BinaryFocalCrossentropy[probs]", "BinaryFocalCrossEntropy", {}, "BinaryFocalCrossentropy", {}, "probs"),
    (
        "BinaryFocalCrossentropy[probs-balanced0.3-gamma1.5]",
        "BinaryFocalCrossEntropy",
        {"alpha": 0.3, "gamma": 1.5},
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5},
        "probs",
    ),
    (
        "BinaryFocalCrossentropy[logits-balanced0.25-smooth0.1]",
        "BinaryFocalCrossEntropy",
        {"alpha": 0.25, "from_logits": True, "label_smoothing": 0.1},
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.25, "from_logits": True, "label_smoothing": 0.1},
        "logits",
    ),
    (
        "BinaryFocalCrossentropy[logits-unbalanced-gamma0.5]",
        "BinaryFocalCrossEntropy",
        {"gamma": 0.5, "from_logits": True},
        "BinaryFocalCrossentropy",
        {"alpha": 0.6, "gamma": 0.5, "from_logits": True},
        "logits",
    ),
    ("CategoricalCrossentropy[probs]", "CategoricalCrossEntropy", {}, "CategoricalCrossentropy", {}, "softmax"),
    (
        "CategoricalCrossentropy[probs-smooth0.1]",
        "CategoricalCrossEntropy",
        {"label_smoothing": 0.1},
        "CategoricalCrossentropy",
        {"label_smoothing": 0.1},
        "softmax",
    ),
    (
        "CategoricalCrossentropy[logits-soft]",
        "CategoricalCrossEntropy",
        {"from_logits": True},
        "CategoricalCrossentropy",
        {"from_logits": True},
        "logits-softmax",
    ),
    (
        "CategoricalCrossentropy[logits-smooth0.2]",
        "CategoricalCrossEntropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "CategoricalCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "logits-one_hot",
    ),
    (
        "SparseCategoricalCrossentropy[probs]",
        "SparseCategoricalCrossEntropy",
        {},
        "SparseCategoricalCrossentropy",
        {},
        "softmax-labels",
    ),
    (
        "SparseCategoricalCrossentropy[logits]",
        "SparseCategoricalCrossEntropy",
        {"from_logits": True},
        "SparseCategoricalCrossentropy",
        {"from_logits": True},
        "logits-labels",
    ),
    (
        "SparseCategoricalCrossentropy[logits-ignore_class-1]",
        "SparseCategoricalCrossEntropy",
        {"from_logits": True, "ignore_index": -1},
        "SparseCategoricalCrossentropy",
        {"from_logits": True, "ignore_class": -1},
        "logits-labels-ignore",
    ),
    (
        "SparseCategoricalCrossentropy[probs-ignore_class-1-3d]",
        "SparseCategoricalCrossEntropy",
        {"ignore_index": -1},
        "SparseCategoricalCrossentropy",
        {"ignore_class": -1},
        "softmax-labels-ignore-3d",
    ),
    ("Hinge[signed]", "Hinge", {}, "Hinge", {}, "hinge-signed"),
    ("Hinge[binary01]", "Hinge", {}, "Hinge", {}, "hinge-binary"),
    ("CategoricalHinge", "CategoricalHinge", {}, "CategoricalHinge", {}, "scores-one_hot"),
    # Keras's Dice and Tversky: the batch pooled (axis=None), or one score per sample.
    ("Dice[axis=None]", "Dice", {}, "Dice", {}, "masks"),
    ("Dice[axis=(1,2,3)]", "Dice", {"axis": (1, 2, 3)}, "Dice", {"axis": (1, 2, 3)}, "masks"),
    ("Tversky[a0.7-b0.3]", "Tversky", {"alpha": 0.7, "beta": 0.3}, "Tversky", {"alpha": 0.7, "beta": 0.3}, "masks"),
    (
        "Tversky[a0.2-b0.6-axis=(1,2,3)]",
        "Tversky",
        {"alpha": 0.2, "beta": 0.6, "axis": (1, 2, 3)},
        "Tversky",
        {"alpha": 0.2, "beta": 0.6, "axis": (1, 2, 3)},
        "masks",
    ),
    ("Circle", "Circle", {}, "Circle", {}, "unit-embeddings"),
    (
        "Circle[g32-m0.25-keepdiag]",
        "Circle",
        {"gamma": 32.0, "margin": 0.25, "remove_diagonal": False},
        "Circle",
        {"gamma": 32.0, "margin": 0.25, "remove_diagonal": False},
        "unit-embeddings",
    ),
]

KERAS_REDUCTIONS = ["sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight"]


def keras_inputs(kind):
    """``(y_true, y_pred)`` in Keras's order, NumPy float64 (labels int64)."""
    if kind == "regression":
        y_pred, y_true = regression()
        return y_true, y_pred
    if kind.startswith("huber"):
        y_pred, y_true = huber_inputs(float(kind[len("huber") :]))
        return y_true, y_pred
    if kind == "probs":
        return hard_labels(), probabilities()
    if kind == "logits":
        return hard_labels(), logits()
    if kind == "logits-soft":
        return soft_labels(), logits()
    if kind == "softmax":
        return soft_targets((7,)), softmax(logits(shape=(7, 4)))
    if kind == "logits-softmax":
        return soft_targets((7,)), logits(shape=(7, 4))
    if kind == "logits-one_hot":
        return one_hot(class_labels((7,)), 4), logits(shape=(7, 4))
    if kind == "softmax-labels":
        return class_labels((7,)), softmax(logits(shape=(7, 4)))
    if kind == "logits-labels":
        return class_labels((7,)), logits(shape=(7, 4))
    if kind == "logits-labels-ignore":
        return class_labels((7,), ignore=-1), logits(shape=(7, 4))
    if kind == "softmax-labels-ignore-3d":
        return class_labels((7, 3), ignore=-1), softmax(logits(shape=(7, 3, 4)))
    if kind == "hinge-signed":
        return np.where(hard_labels() > 0, 1.0, -1.0), logits(scale=1.3)
    if kind == "hinge-binary":
        return hard_labels(), logits(scale=1.3)
    if kind == "scores-one_hot":
        return one_hot(class_labels((7,)), 4), logits(shape=(7, 4), scale=0.8)
    if kind == "masks":
        return hard_labels(shape=(7, 3, 4, 2)), probabilities(shape=(7, 3, 4, 2))
    if kind == "unit-embeddings":
        embeddings = logits(shape=(7, 3), scale=1.0)
        # Class 3 has one member: a row without positives, which Keras masks and lossx does not count.
        return np.array([0, 1, 2, 0, 1, 2, 3]), embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    raise AssertionError(kind)


def _keras_dtype(keras, dtype):
    """float64 on the JAX engine needs x64 mode, enabled for this test only."""
    if keras.backend.backend() == "jax":
        return _jax_dtype(dtype)
    return contextlib.nullcontext()


_KERAS_FLOAT64 = {}


def _keras_float64_problem(keras):
    """Why Keras's own losses are not a float64 reference on this engine, or None.

    Observed with Keras 3.15: exact on tensorflow; on jax (x64 enabled) and torch Keras's
    own MeanSquaredError(dtype="float64") is off by ~1e-8 relative, and on torch its
    "sum_over_batch_size" result is float32.
    """
    engine = keras.backend.backend()
    if engine not in _KERAS_FLOAT64:
        y_true, y_pred = regression(11)
        exact = np.mean((y_pred - y_true) ** 2, axis=-1)
        problem = None
        with _keras_dtype(keras, "float64"):
            for reduction, expected in (("none", exact), ("sum_over_batch_size", exact.mean())):
                value = keras.losses.MeanSquaredError(reduction=reduction, dtype="float64")(y_true, y_pred)
                error = np.max(np.abs(keras.ops.convert_to_numpy(value) - expected) / np.abs(expected))
                if keras.backend.standardize_dtype(value.dtype) != "float64" or error > 1e-12:
                    problem = (
                        f"Keras's own MeanSquaredError(dtype='float64', reduction={reduction!r}) on the {engine} "
                        f"engine gives {keras.backend.standardize_dtype(value.dtype)} with relative error {error:.1e}"
                    )
                    break
        _KERAS_FLOAT64[engine] = problem
    return _KERAS_FLOAT64[engine]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("ours", "our_options", "theirs", "their_options", "kind"),
    [case[1:] for case in KERAS_CASES],
    ids=[f"{case[0]}-keras" for case in KERAS_CASES],
)
def test_keras_classes(ours, our_options, theirs, their_options, kind, dtype):
    """lossx's Keras adapter class vs Keras's class, every Keras reduction, with and without sample_weight."""
    keras = pytest.importorskip("keras")
    from lossx.backends import keras as LK

    if dtype == "float64" and _keras_float64_problem(keras):
        pytest.skip(f"no float64 reference: {_keras_float64_problem(keras)}")
    y_true, y_pred = keras_inputs(kind)
    batch = y_pred.shape[0]
    per_sample_shape = (batch,) + ((y_true.shape[1],) if "3d" in kind else ())
    weights = [None, _rng(7).uniform(0.0, 2.0, per_sample_shape)]
    with _keras_dtype(keras, dtype):
        for reduction in KERAS_REDUCTIONS:
            ours_loss = getattr(LK, ours)(reduction=reduction, dtype=dtype, **our_options)
            theirs_loss = getattr(keras.losses, theirs)(reduction=reduction, dtype=dtype, **their_options)
            for sample_weight in weights:
                value = ours_loss(y_true, y_pred, sample_weight=sample_weight)
                expected = theirs_loss(y_true, y_pred, sample_weight=sample_weight)
                what = f"reduction={reduction!r}, sample_weight={'yes' if sample_weight is not None else 'no'}"
                assert keras.backend.standardize_dtype(value.dtype) == dtype, what
                assert_close(keras.ops.convert_to_numpy(value), keras.ops.convert_to_numpy(expected), dtype, what)


# ======================================================================= MONAI


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("monai_options", "our_options", "targets"),
    [
        ({}, {}, "dense"),
        (
            {"sigmoid": True, "batch": True, "smooth_dr": 1e-7},
            {"from_logits": True, "sum_axes": (0, 2, 3), "epsilon": 1e-7},
            "dense",
        ),
        ({"softmax": True, "to_onehot_y": True, "include_background": True}, {"from_logits": True}, "labels"),
    ],
    ids=["probabilities", "sigmoid-batch", "softmax-labels"],
)
def test_monai_mcc_loss(monai_options, our_options, targets, dtype):
    """MONAI's MCCLoss (per sample and class, then a mean), values and gradients. Soft predictions never
    make FP = FN = 0, where MONAI alone sets the loss to 0."""
    torch = pytest.importorskip("torch")
    monai_losses = pytest.importorskip("monai.losses")
    rng = _rng(31)
    logits = rng.standard_normal((3, 4, 5, 2)) * 1.5
    labels = rng.integers(0, 4, (3, 5, 2))
    x = logits if monai_options.get("sigmoid") or monai_options.get("softmax") else 1 / (1 + np.exp(-logits))
    theirs_x = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    ours_x = theirs_x.detach().clone().requires_grad_(True)
    if targets == "labels":
        theirs_t, ours_t = torch.from_numpy(labels[:, None]).to(theirs_x.dtype), torch.from_numpy(labels)
    else:
        ours_t = theirs_t = torch.tensor((rng.random(x.shape) < 0.5).astype(np.float64), dtype=theirs_x.dtype)
    expected = monai_losses.MCCLoss(**monai_options)(theirs_x, theirs_t)
    value = lossx.mcc(ours_x, ours_t, axis=1, **our_options)
    assert value.dtype == theirs_x.dtype
    assert_close(value.detach().numpy(), expected.detach().numpy(), dtype, "value")
    expected.backward()
    value.backward()
    assert_close(ours_x.grad.numpy(), theirs_x.grad.numpy(), dtype, "gradient")


def _power_of_two_masks(rng, counts, shape):
    """0/1 masks (N, C, H, W) with ``counts[n][c]`` ones at random pixels of each (sample, class)."""
    masks = np.zeros(shape)
    for n, row in enumerate(counts):
        for c, count in enumerate(row):
            masks[n, c].flat[rng.permutation(masks[n, c].size)[:count]] = 1.0
    return masks


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("monai_options", "our_options", "targets"),
    [
        ({}, {}, "dense"),
        (
            {"sigmoid": True, "batch": True, "w_type": "simple"},
            {"from_logits": True, "sum_axes": "all", "weighting": "simple"},
            "dense",
        ),
        ({"softmax": True, "to_onehot_y": True}, {"from_logits": True}, "labels"),
        (
            {"w_type": "uniform", "smooth_nr": 0.0, "smooth_dr": 1e-7},
            {"weighting": "uniform", "epsilon": 1e-7, "smooth": 0.0},
            "dense",
        ),
    ],
    ids=["probabilities-square", "sigmoid-batch-simple", "softmax-labels-square", "probabilities-uniform"],
)
def test_monai_generalized_dice_loss(monai_options, our_options, targets, dtype):
    """MONAI's GeneralizedDiceLoss, values and gradients: classes absent from a sample (and, with batch=True,
    from the batch) take the largest weight, and a sample without any class scores 1 − s/s = 0. MONAI computes
    the weights in float32 (``.float()``) whatever the dtype, so each class fills 0 or a power of two of its
    16 pixels: then 1/Σt and 1/(Σt)² are exact in float32 and the float64 losses agree to the last digits."""
    torch = pytest.importorskip("torch")
    monai_losses = pytest.importorskip("monai.losses")
    rng = _rng(33)
    shape = (4, 4, 4, 4)
    logits = rng.standard_normal(shape) * 1.5
    x = logits if monai_options.get("sigmoid") or monai_options.get("softmax") else 1 / (1 + np.exp(-logits))
    theirs_x = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    ours_x = theirs_x.detach().clone().requires_grad_(True)
    if targets == "labels":
        counts = [(8, 4, 4, 0), (16, 0, 0, 0), (4, 4, 4, 4), (2, 2, 4, 8)]
        labels = np.stack([rng.permutation(np.repeat(np.arange(4), row)).reshape(4, 4) for row in counts])
        theirs_t, ours_t = torch.from_numpy(labels[:, None]).to(theirs_x.dtype), torch.from_numpy(labels)
    else:
        # Class 2 absent from the batch; sample 3 without any class. Batch totals 4, 16, 0, 16.
        masks = _power_of_two_masks(rng, [(1, 4, 0, 8), (1, 4, 0, 8), (2, 8, 0, 0), (0, 0, 0, 0)], shape)
        ours_t = theirs_t = torch.tensor(masks, dtype=theirs_x.dtype)
    expected = monai_losses.GeneralizedDiceLoss(**monai_options)(theirs_x, theirs_t)
    value = lossx.generalized_dice(ours_x, ours_t, axis=1, **our_options)
    assert value.dtype == theirs_x.dtype
    assert_close(value.detach().numpy(), expected.detach().numpy(), dtype, "value")
    expected.backward()
    value.backward()
    assert_close(ours_x.grad.numpy(), theirs_x.grad.numpy(), dtype, "gradient")


#: MONAI's Dice term as lossx's dice: one score per sample and class of channels-first inputs, MONAI's
#: smooth_nr = smooth_dr = 1e-5 added to the numerator and the denominator.
_MONAI_DICE = {"from_logits": True, "axis": 1, "smooth": 1e-5, "epsilon": 0.0}

#: (MONAI's class and arguments, lossx.combine's weights and options, the targets, the reductions, the dtypes).
_MONAI_COMPOUND = {
    "dice-ce-softmax-labels": (
        "DiceCELoss",
        {"softmax": True, "to_onehot_y": True, "lambda_dice": 0.7, "lambda_ce": 1.3, "label_smoothing": 0.1},
        {"dice": 0.7, "sparse_categorical_cross_entropy": 1.3},
        {"dice": _MONAI_DICE, "sparse_categorical_cross_entropy": {"label_smoothing": 0.1}},
        "labels",
        ("mean", "sum"),
        ("float64",),
    ),
    "dice-ce-sigmoid-batch": (
        "DiceCELoss",
        {"sigmoid": True, "batch": True},
        {"dice": 1.0, "categorical_cross_entropy": 1.0},
        {"dice": {**_MONAI_DICE, "sum_axes": (0, 2, 3)}},
        "masks",
        ("mean", "sum"),
        ("float64",),
    ),
    # MONAI's FocalLoss computes in float32 (input.float()) whatever the dtype; its "sum" averages the spatial
    # axes before summing, which no lossx reduction is.
    "dice-focal-sigmoid": (
        "DiceFocalLoss",
        {"sigmoid": True, "to_onehot_y": True, "gamma": 1.5, "alpha": 0.3, "lambda_dice": 0.7, "lambda_focal": 1.3},
        {"dice": 0.7, "binary_focal_cross_entropy": 1.3},
        {"dice": _MONAI_DICE, "binary_focal_cross_entropy": {"gamma": 1.5, "alpha": 0.3}},
        "one-hot",
        ("mean",),
        ("float32",),
    ),
}


@pytest.mark.parametrize(
    ("case", "reduction", "dtype"),
    [
        (case, reduction, dtype)
        for case, (*_, reductions, dtypes) in _MONAI_COMPOUND.items()
        for reduction in reductions
        for dtype in dtypes
    ],
)
def test_monai_compound_losses(case, reduction, dtype):
    """MONAI's DiceCELoss and DiceFocalLoss as lossx.combine of dice with the cross-entropy or the focal loss,
    values and gradients: λ·Dice + λ'·CE, each term reduced on its own (docs/semantics.md, combined losses).

    No preset carries their names, since no lossx loss is exactly what they compute by default or for every
    argument: by default (softmax=False, sigmoid=False) MONAI's Dice reads the input as probabilities while its
    cross-entropy reads the same input as logits, where a combined loss has one from_logits; its softmax Dice
    needs integer labels in lossx (to_onehot_y=True), its sigmoid Dice dense targets; DiceCELoss switches to
    BCEWithLogitsLoss for one channel; its weight scales each Dice score but its mean divides by their
    number, not by Σ weight; DiceFocalLoss's "sum" is a sum of spatial means. Each case here, and the mapping
    rows of dice (tests/support/mapping/overlap.py), is one argument set that lossx reproduces exactly.
    """
    torch = pytest.importorskip("torch")
    monai_losses = pytest.importorskip("monai.losses")
    name, monai_options, weights, options, targets, _, _ = _MONAI_COMPOUND[case]
    combined = lossx.combine(weights, name=f"monai_{case.replace('-', '_')}", options=options)
    rng = _rng(34)
    logits = rng.standard_normal((2, 3, 4, 4)) * 1.5
    labels = rng.integers(0, 3, (2, 4, 4))
    theirs_x = torch.tensor(logits, dtype=getattr(torch, dtype), requires_grad=True)
    ours_x = theirs_x.detach().clone().requires_grad_(True)
    if targets == "masks":
        theirs_t = ours_t = torch.tensor((rng.random(logits.shape) < 0.5).astype(np.float64), dtype=theirs_x.dtype)
    else:
        theirs_t = torch.from_numpy(labels[:, None]).to(theirs_x.dtype)  # MONAI's (N, 1, H, W) label map
        one_hot = np.eye(3)[labels].transpose(0, 3, 1, 2)
        ours_t = torch.from_numpy(labels) if targets == "labels" else torch.tensor(one_hot, dtype=theirs_x.dtype)
    expected = getattr(monai_losses, name)(reduction=reduction, **monai_options)(theirs_x, theirs_t)
    value = combined(ours_x, ours_t, reduction=reduction)
    assert value.dtype == theirs_x.dtype
    assert_close(value.detach().numpy(), expected.detach().numpy(), dtype, "value")
    expected.backward()
    value.backward()
    assert_close(ours_x.grad.numpy(), theirs_x.grad.numpy(), dtype, "gradient")


# ======================================================================= segmentation_models_pytorch (transcribed)


def _smp_binary_tversky(logits, targets, alpha, beta, gamma):
    """segmentation_models_pytorch's TverskyLoss(mode="binary", alpha, beta, gamma) in NumPy float64, from its
    source (losses/tversky.py, losses/_functional.py soft_tversky_score): sigmoid, the whole batch's pixels
    in one score, 1 − (TP + 0) / clamp_min(TP + α·FP + β·FN, 1e-7), zeroed for an empty target, and its
    mean over the (one) class raised to γ. smp itself does not install beside torch 2.13 (its torchvision
    does not load)."""
    p = 1 / (1 + np.exp(-logits.reshape(-1)))
    t = targets.reshape(-1)
    tp, fp, fn = np.sum(p * t), np.sum(p * (1 - t)), np.sum((1 - p) * t)
    loss = 1 - tp / max(tp + alpha * fp + beta * fn, 1e-7)
    return (loss * (t.sum() > 0)) ** gamma


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("alpha", "beta", "gamma"), [(0.5, 0.5, 1.0), (0.3, 0.7, 0.75), (0.7, 0.3, 2.0)])
def test_smp_binary_tversky_loss_with_gamma(alpha, beta, gamma, dtype):
    """One score (a binary mask, the batch pooled): smp's power of the class mean is the focal Tversky loss."""
    rng = _rng(32)
    logits = rng.standard_normal((3, 1, 4, 4)) * 2
    targets = (rng.random(logits.shape) < 0.4).astype(np.float64)
    expected = _smp_binary_tversky(logits, targets, alpha, beta, gamma)
    value = lossx.focal_tversky(
        logits.astype(dtype),
        targets.astype(dtype),
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        from_logits=True,
        axis=1,
        sum_axes=(0, 2, 3),
        epsilon=0.0,
    )
    assert value.dtype == dtype
    assert_close(value, expected, dtype)


# ======================================================================= pytorch-metric-learning

# lossx's losses over a batch of embeddings against pytorch-metric-learning's, float64 and float32 torch tensors.
# Its reducers map as follows: SumReducer is lossx's "sum"; DoNothingReducer's per-pair (contrastive) or per-row
# (SupCon) losses, summed per anchor, are lossx's "none"; SupConLoss's default AvgNonZeroReducer is lossx's "mean"
# (a row with a positive and a negative has a loss > 0). ContrastiveLoss's default AvgNonZeroReducer, the mean of
# the nonzero positive-pair losses plus the mean of the nonzero negative-pair losses, has no lossx counterpart.

pml_dtypes = pytest.mark.parametrize("dtype", DTYPES)


def _pml():
    _torch()
    return pytest.importorskip("pytorch_metric_learning")


def embedding_batch(seed=5, lonely=True):
    """(12, 4) embeddings in five classes (with ``lonely``, class 3 has one member: a row without positives)."""
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 3 if lonely else 4, 4, 4, 1, 2])
    return _rng(seed).standard_normal((12, 4)), labels


def check_torch_embeddings(ours, theirs, embeddings, labels, dtype):
    """:func:`check_torch` of ``f(embeddings, labels)`` with the labels an int64 tensor (not differentiated)."""
    import torch

    labels = torch.tensor(labels)
    check_torch(lambda e: ours(e, labels), lambda e: theirs(e, labels), [embeddings], dtype)


def _per_anchor(torch, pair_losses, anchors, rows):
    return torch.zeros(rows, dtype=pair_losses.dtype).index_add(0, anchors, pair_losses)


CONTRASTIVE_CASES = [
    ({}, {}),
    ({"pos_margin": 0.25, "neg_margin": 1.5}, {"pos_margin": 0.25, "neg_margin": 1.5}),
    ({"normalize": False, "neg_margin": 3.0}, {"neg_margin": 3.0, "unnormalized": True}),
]


@pml_dtypes
@pytest.mark.parametrize("reduction", ["sum", "none"])
@pytest.mark.parametrize("ours, theirs", CONTRASTIVE_CASES, ids=["default", "margins", "unnormalized"])
def test_pml_contrastive_loss(ours, theirs, reduction, dtype):
    _pml()
    import torch
    from pytorch_metric_learning import distances, losses, reducers

    theirs = dict(theirs)
    if theirs.pop("unnormalized", False):
        theirs["distance"] = distances.LpDistance(normalize_embeddings=False)
    reducer = reducers.SumReducer() if reduction == "sum" else reducers.DoNothingReducer()
    native = losses.ContrastiveLoss(reducer=reducer, **theirs)
    embeddings, labels = embedding_batch()

    def pml_loss(e, y):
        out = native(e, y)
        if reduction == "sum":
            return out
        rows = e.shape[0]
        pos, neg = out["pos_loss"], out["neg_loss"]
        return _per_anchor(torch, pos["losses"], pos["indices"][0], rows) + _per_anchor(
            torch, neg["losses"], neg["indices"][0], rows
        )

    check_torch_embeddings(
        lambda e, y: lossx.contrastive(e, y, reduction=reduction, **ours), pml_loss, embeddings, labels, dtype
    )


@pml_dtypes
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("temperature", [0.1, 0.5], ids=lambda t: f"t{t}")
def test_pml_supcon_loss(temperature, reduction, dtype):
    _pml()
    from pytorch_metric_learning import losses, reducers

    reducer = None if reduction == "mean" else reducers.DoNothingReducer()
    native = losses.SupConLoss(temperature=temperature, reducer=reducer)

    def pml_loss(e, y):
        out = native(e, y)
        return out if reduction == "mean" else out["loss"]["losses"]

    check_torch_embeddings(
        lambda e, y: lossx.supervised_contrastive(e, y, temperature=temperature, reduction=reduction),
        pml_loss,
        *embedding_batch(),
        dtype,
    )


@pml_dtypes
@pytest.mark.parametrize(
    "ours, theirs",
    [({"margin": 0.5}, {"margin": 0.5}), ({"margin": 0.0, "soft": True}, {"margin": 0.0, "smooth_loss": True})],
    ids=["margin0.5", "soft"],
)
def test_pml_batch_hard_miner_with_triplet_margin_loss(ours, theirs, dtype):
    """BatchHardMiner's triplets (each row's farthest positive, closest negative) in TripletMarginLoss with
    MeanReducer are lossx's hard mining wherever every row has a positive and a negative (pml leaves other rows
    out; lossx follows TFA there). pml's smooth_loss is softplus(d_p − d_n + margin): lossx's soft at margin 0."""
    _pml()
    from pytorch_metric_learning import distances, losses, miners, reducers

    distance = distances.LpDistance(normalize_embeddings=False)
    miner = miners.BatchHardMiner(distance=distance)
    native = losses.TripletMarginLoss(distance=distance, reducer=reducers.MeanReducer(), **theirs)
    check_torch_embeddings(
        lambda e, y: lossx.mined_triplet(e, y, mining="hard", **ours),
        lambda e, y: native(e, y, miner(e, y)),
        *embedding_batch(lonely=False),
        dtype,
    )


@pml_dtypes
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "ours, theirs",
    [({}, {"unnormalized": True}), ({"margin": 0.7, "normalize": True}, {"neg_margin": 1.2, "pos_margin": 0.5})],
    ids=["default", "margins-normalized"],
)
def test_pml_lifted_structure_loss(ours, theirs, reduction, dtype):
    """LiftedStructureLoss is the smooth lifted loss with J_ij = log Σ e^{m₋ − D} + D_ij − m₊, so its two margins are
    lossx's margin = m₋ − m₊; its per-pair losses ½[J]₊² over the ordered positive pairs are MeanReducer: lossx's
    "mean", SumReducer: "sum", DoNothingReducer summed per anchor: "none" (its default AvgNonZeroReducer averages
    the nonzero pairs only)."""
    _pml()
    import torch
    from pytorch_metric_learning import distances, losses, reducers

    theirs = dict(theirs)
    if theirs.pop("unnormalized", False):
        theirs["distance"] = distances.LpDistance(normalize_embeddings=False)
    reducer = {"mean": reducers.MeanReducer, "sum": reducers.SumReducer, "none": reducers.DoNothingReducer}[reduction]
    native = losses.LiftedStructureLoss(reducer=reducer(), **theirs)

    def pml_loss(e, y):
        out = native(e, y)
        if reduction != "none":
            return out
        # One (P, 1) column of pair losses.
        return _per_anchor(torch, out["loss"]["losses"][:, 0], out["loss"]["indices"][0], e.shape[0])

    check_torch_embeddings(
        lambda e, y: lossx.lifted_structure(e, y, reduction=reduction, **ours), pml_loss, *embedding_batch(), dtype
    )


@pml_dtypes
def test_pml_npairs_loss(dtype):
    """NPairsLoss forms its pairs from the batch: with the rows [a; p] and labels [y; y] of distinct classes it keeps
    (a_i, p_i) and takes the softmax cross-entropy of a·pᵀ, lossx's npairs (pml's default similarity normalises
    the embeddings first; its AvgNonZeroReducer is the mean, every cross-entropy being > 0)."""
    _pml()
    import torch
    from pytorch_metric_learning import distances, losses

    rng = _rng(6)
    anchor = rng.standard_normal((7, 4))
    positive = anchor + 0.6 * rng.standard_normal((7, 4))
    labels = torch.tensor([4, 0, 6, 2, 1, 5, 3])
    native = losses.NPairsLoss(distance=distances.DotProductSimilarity(normalize_embeddings=False))
    check_torch(
        lambda a, p: lossx.npairs(a, p, labels),
        lambda a, p: native(torch.cat([a, p]), labels.repeat(2)),
        [anchor, positive],
        dtype,
        wrt=(0, 1),
    )


# ======================================================================= TensorFlow Addons (a NumPy transcription)

# tfa.losses.triplet_semihard_loss and triplet_hard_loss (tensorflow_addons/losses/triplet.py and
# metric_learning.py, TFA 0.20): TFA is no longer installable, so its algorithm is transcribed here in NumPy, step
# by step as TFA computes it (the Gram-matrix distances, the tiled masks, the masked minimum and maximum that fall
# back to the row's largest and smallest distance), and compared with lossx's "mean" in float64.


def _tfa_pairwise_distance(embeddings, squared):
    norms = np.sum(embeddings**2, axis=1)
    squared_distances = np.maximum(norms[:, None] + norms[None, :] - 2.0 * embeddings @ embeddings.T, 0.0)
    zero = squared_distances <= 0.0
    distances = squared_distances if squared else np.sqrt(squared_distances + zero * 1e-16)
    return distances * ~zero * (1.0 - np.eye(len(embeddings)))


def _tfa_distances(embeddings, distance_metric):
    if distance_metric == "angular":
        unit = embeddings / np.sqrt(np.maximum(np.sum(embeddings**2, axis=1, keepdims=True), 1e-12))
        return np.maximum(1.0 - unit @ unit.T, 0.0)
    return _tfa_pairwise_distance(embeddings, squared=distance_metric == "squared-L2")


def _tfa_masked_maximum(data, mask):
    minimums = data.min(axis=1, keepdims=True)
    return ((data - minimums) * mask).max(axis=1, keepdims=True) + minimums


def _tfa_masked_minimum(data, mask):
    maximums = data.max(axis=1, keepdims=True)
    return ((data - maximums) * mask).min(axis=1, keepdims=True) + maximums


def tfa_triplet_semihard_loss(labels, embeddings, margin=1.0, distance_metric="L2"):
    pdist = _tfa_distances(embeddings, distance_metric)
    adjacency = labels[:, None] == labels[None, :]
    adjacency_not = ~adjacency
    n = len(labels)
    pdist_tile = np.tile(pdist, (n, 1))
    mask = np.tile(adjacency_not, (n, 1)) & (pdist_tile > pdist.T.reshape(-1, 1))
    mask_final = (mask.astype(np.float64).sum(axis=1, keepdims=True) > 0.0).reshape(n, n).T
    negatives_outside = _tfa_masked_minimum(pdist_tile, mask.astype(np.float64)).reshape(n, n).T
    negatives_inside = np.tile(_tfa_masked_maximum(pdist, adjacency_not.astype(np.float64)), (1, n))
    semi_hard_negatives = np.where(mask_final, negatives_outside, negatives_inside)
    loss_mat = margin + pdist - semi_hard_negatives
    mask_positives = adjacency.astype(np.float64) - np.eye(n)
    return np.sum(np.maximum(loss_mat * mask_positives, 0.0)) / np.sum(mask_positives)


def tfa_triplet_hard_loss(labels, embeddings, margin=1.0, soft=False, distance_metric="L2"):
    pdist = _tfa_distances(embeddings, distance_metric)
    adjacency = labels[:, None] == labels[None, :]
    hard_negatives = _tfa_masked_minimum(pdist, (~adjacency).astype(np.float64))
    hard_positives = _tfa_masked_maximum(pdist, adjacency.astype(np.float64) - np.eye(len(labels)))
    gap = hard_positives - hard_negatives
    return np.mean(np.log1p(np.exp(gap)) if soft else np.maximum(gap + margin, 0.0))


_TFA_DISTANCES = {"L2": "euclidean", "squared-L2": "squared_euclidean", "angular": "cosine"}


@pytest.mark.parametrize("distance_metric", list(_TFA_DISTANCES))
@pytest.mark.parametrize("margin", [1.0, 0.3], ids=lambda m: f"margin{m}")
@pytest.mark.parametrize("lonely", [True, False], ids=["lonely-row", "pairs"])
def test_tfa_triplet_semihard_loss(lonely, margin, distance_metric):
    embeddings, labels = embedding_batch(lonely=lonely)
    expected = tfa_triplet_semihard_loss(labels, embeddings, margin, distance_metric)
    value = lossx.mined_triplet(embeddings, labels, margin=margin, distance=_TFA_DISTANCES[distance_metric])
    assert_close(value, expected, "float64")


@pytest.mark.parametrize("distance_metric", list(_TFA_DISTANCES))
@pytest.mark.parametrize(
    "margin, soft", [(1.0, False), (0.3, False), (1.0, True)], ids=["margin1", "margin0.3", "soft"]
)
@pytest.mark.parametrize("labels", [None, [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]], ids=["lonely-row", "one-class"])
def test_tfa_triplet_hard_loss(labels, margin, soft, distance_metric):
    """Rows without a positive (the lonely row) or without a negative (one class) as TFA takes them."""
    embeddings, lonely = embedding_batch()
    labels = lonely if labels is None else np.asarray(labels)
    expected = tfa_triplet_hard_loss(labels, embeddings, margin, soft, distance_metric)
    value = lossx.mined_triplet(
        embeddings, labels, margin=margin, soft=soft, mining="hard", distance=_TFA_DISTANCES[distance_metric]
    )
    assert_close(value, expected, "float64")


def test_tfa_triplet_semihard_loss_without_negatives():
    """One class: every negative distance is the row's smallest, 0, so each pair costs margin + d_ap."""
    embeddings, _ = embedding_batch()
    labels = np.zeros(12, dtype=np.int64)
    assert_close(lossx.mined_triplet(embeddings, labels), tfa_triplet_semihard_loss(labels, embeddings), "float64")


# tfa.losses.lifted_struct_loss (losses/lifted.py) and npairs_loss (losses/npairs.py), and tf.contrib's npairs_loss
# with its L2 term (tf.contrib.losses.metric_learning), transcribed as the above.


def tfa_lifted_struct_loss(labels, embeddings, margin=1.0):
    """Each row's negatives' margin − D shifted by the larger of the pair's two row maxima, as TFA (and the Caffe
    layer it follows) keeps the exponentials finite; 0.25·Σ over the ordered positive pairs of [J]₊², over half
    their count."""
    pdist = _tfa_pairwise_distance(embeddings, squared=False)
    adjacency = labels[:, None] == labels[None, :]
    negatives = (~adjacency).astype(np.float64)
    diff = margin - pdist
    row_negative_maximums = _tfa_masked_maximum(diff, negatives)
    max_elements = np.maximum(row_negative_maximums, row_negative_maximums.T)
    n = len(labels)
    diff_tiled, mask_tiled = np.tile(diff, (n, 1)), np.tile(negatives, (n, 1))
    max_elements_vect = max_elements.T.reshape(-1, 1)
    loss_exp_left = np.sum(np.exp(diff_tiled - max_elements_vect) * mask_tiled, axis=1).reshape(n, n)
    loss_mat = max_elements + np.log(loss_exp_left + loss_exp_left.T) + pdist
    mask_positives = adjacency.astype(np.float64) - np.eye(n)
    return 0.25 * np.sum(np.maximum(loss_mat * mask_positives, 0.0) ** 2) / (np.sum(mask_positives) / 2.0)


def tfa_npairs_loss(y_true, y_pred):
    """The softmax cross-entropy of the similarity matrix's rows against the label-equality rows normalised to 1."""
    targets = (y_true[:, None] == y_true[None, :]).astype(np.float64)
    targets /= targets.sum(axis=1, keepdims=True)
    shifted = y_pred - y_pred.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return np.mean(-np.sum(targets * log_p, axis=1))


def tf_contrib_npairs_loss(labels, embeddings_anchor, embeddings_positive, reg_lambda=0.002):
    reg_anchor = np.mean(np.sum(embeddings_anchor**2, axis=1))
    reg_positive = np.mean(np.sum(embeddings_positive**2, axis=1))
    l2loss = 0.25 * reg_lambda * (reg_anchor + reg_positive)
    return l2loss + tfa_npairs_loss(labels, embeddings_anchor @ embeddings_positive.T)


@pytest.mark.parametrize("margin", [1.0, 0.3], ids=lambda m: f"margin{m}")
@pytest.mark.parametrize("lonely", [True, False], ids=["lonely-row", "pairs"])
def test_tfa_lifted_struct_loss(lonely, margin):
    embeddings, labels = embedding_batch(lonely=lonely)
    assert_close(
        lossx.lifted_structure(embeddings, labels, margin=margin),
        tfa_lifted_struct_loss(labels, embeddings, margin),
        "float64",
    )


@pytest.mark.parametrize("reg_lambda", [None, 0.002], ids=["tfa", "tf.contrib"])
@pytest.mark.parametrize("labels", [[4, 0, 6, 2, 1, 5, 3], [1, 0, 1, 2, 0, 2, 1]], ids=["distinct", "groups"])
def test_tfa_npairs_loss(labels, reg_lambda):
    """TFA's npairs_loss takes the similarity matrix a·pᵀ; tf.contrib's took the embeddings and added its L2 term."""
    rng = _rng(8)
    anchor = rng.standard_normal((7, 4))
    positive = anchor + 0.6 * rng.standard_normal((7, 4))
    labels = np.asarray(labels)
    if reg_lambda is None:
        expected, value = tfa_npairs_loss(labels, anchor @ positive.T), lossx.npairs(anchor, positive, labels)
    else:
        expected = tf_contrib_npairs_loss(labels, anchor, positive, reg_lambda)
        value = lossx.npairs(anchor, positive, labels, l2_reg=reg_lambda)
    assert_close(value, expected, "float64")


# ======================================================================= MONAI (boxes)


def test_monai_box_giou_loss():
    """MONAI's BoxGIoULoss (StandardMode boxes: (x1, y1, x2, y2)) computes in float32 whatever its inputs, with
    float32's machine epsilon where torchvision has eps: lossx's generalized_box_iou with that eps, in float32."""
    monai_losses = pytest.importorskip("monai.losses")
    from lossx.examples.boxes import box_pairs

    y_pred, y_true = box_pairs(_rng(5), (9,))
    eps = float(np.finfo(np.float32).eps)
    check_torch(
        lambda p, t: lossx.generalized_box_iou(p, t, eps=eps, reduction="none"),
        monai_losses.BoxGIoULoss(reduction="none"),
        [y_pred, y_true],
        "float32",
        wrt=(0, 1),
    )
