"""lossx.linear_cross_entropy against an independent float64 NumPy reference, on every backend, eager and compiled.

The reference forms the (N, V) logits whole and takes their cross-entropy with a NumPy formula
written here; its gradients are central differences of that formula in float64 (error ~1e-9),
so nothing of lossx's chunked gradient is reused. Rows are 13 (not a multiple of the chunk of
5, so the last chunk is partial), H = 4, V = 9. float32 results must agree to rtol 1e-5 (the
fp32 promise for this loss), float64 to rtol 1e-7 (the differences' error bounds it).
"""

from __future__ import annotations

import numpy as np
import pytest

import lossx
from tests.support.frameworks import backend_param, framework

ROWS, SIZE, CLASSES, CHUNK = 13, 4, 9, 5
IGNORED = -100

#: Option sets, by id: every option alone, and all of them at once.
OPTION_SETS = {
    "plain": {},
    "ignore_index": {"ignore_index": IGNORED},
    "label_smoothing": {"label_smoothing": 0.2},
    "class_weight": {"class_weight": "weights"},
    "z_loss": {"z_loss": 0.05},
    "softcap": {"softcap": 1.5},
    "all": {"ignore_index": IGNORED, "label_smoothing": 0.1, "class_weight": "weights", "z_loss": 0.02, "softcap": 2.0},
}


def _inputs(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, ROWS)
    labels[[1, 6]] = IGNORED
    return {
        "hidden": rng.standard_normal((ROWS, SIZE)),
        "weight": rng.standard_normal((CLASSES, SIZE)),
        "bias": rng.standard_normal(CLASSES),
        "labels": labels,
        "class_weights": rng.uniform(0.3, 2.0, CLASSES),
        "sample_weight": rng.uniform(0.0, 2.0, ROWS),
        "probe": rng.standard_normal(ROWS),
    }


def reference(hidden, weight, bias, labels, options, reduction, sample_weight=None):
    """The loss from the whole logits, in float64 NumPy."""
    z = hidden @ weight.T + (0.0 if bias is None else bias)
    softcap = options.get("softcap")
    if softcap is not None:
        z = softcap * np.tanh(z / softcap)
    shift = z.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(z - shift).sum(axis=1)) + shift[:, 0]
    ignore = options.get("ignore_index")
    valid = np.ones(len(labels), bool) if ignore is None else labels != ignore
    safe = np.where(valid, labels, 0)
    weights = options.get("class_weight")
    weights = np.ones(weight.shape[0]) if weights is None else np.asarray(weights, np.float64)
    smoothing, coefficient = options.get("label_smoothing", 0.0), options.get("z_loss", 0.0)
    nll = log_z - z[np.arange(len(labels)), safe]
    spread = weights.sum() * log_z - (weights * z).sum(axis=1)
    loss = (1 - smoothing) * weights[safe] * nll + smoothing / weight.shape[0] * spread + coefficient * log_z**2
    scale = np.ones(len(labels)) if sample_weight is None else sample_weight
    loss = np.where(valid, loss, 0.0) * scale
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    total = (np.where(valid, weights[safe], 0.0) * scale).sum()
    return loss.sum() / total if total else 0.0


def _objective(data, options, reduction, sample_weight):
    """Σ probe·loss for "none", the loss otherwise: a scalar whose gradient tests every row's upstream."""

    def value(hidden, weight, bias):
        out = reference(hidden, weight, bias, data["labels"], options, reduction, sample_weight)
        return float(np.sum(out * data["probe"])) if reduction == "none" else float(out)

    return value


def _differences(function, arrays, index, step=1e-6):
    x = arrays[index]
    gradient = np.zeros_like(x)
    for position in np.ndindex(x.shape):
        up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
        up[index][position] += step
        down[index][position] -= step
        gradient[position] = (function(*up) - function(*down)) / (2 * step)
    return gradient


def expected(data, options, reduction, sample_weight=None):
    arrays = [data["hidden"], data["weight"], data["bias"]]
    function = _objective(data, options, reduction, sample_weight)
    value = reference(*arrays, data["labels"], options, reduction, sample_weight)
    return value, [_differences(function, arrays, i) for i in range(3)]


def _options(data, named):
    """The options of ``named`` (class weights filled in); without ignore_index the ignored labels become classes."""
    if "ignore_index" not in named:
        data["labels"] = np.abs(data["labels"]) % CLASSES
    return {k: (tuple(data["class_weights"]) if v == "weights" else v) for k, v in named.items()}


# ----------------------------------------------------------------------------- runners, one per backend


def _run_numpy(data, options, reduction, dtype, mode, sample_weight):
    cast = lambda a: a.astype(dtype)  # noqa: E731
    out = lossx.linear_cross_entropy(
        cast(data["hidden"]),
        cast(data["weight"]),
        data["labels"],
        bias=cast(data["bias"]),
        reduction=reduction,
        sample_weight=sample_weight,
        chunk_size=CHUNK,
        **options,
    )
    return np.asarray(out), None


def _run_torch(data, options, reduction, dtype, mode, sample_weight):
    torch = framework("torch")
    tensors = [
        torch.tensor(data[k], dtype=getattr(torch, dtype), requires_grad=True) for k in ("hidden", "weight", "bias")
    ]
    labels, probe = torch.tensor(data["labels"]), torch.tensor(data["probe"], dtype=getattr(torch, dtype))
    weights = None if sample_weight is None else torch.tensor(sample_weight, dtype=getattr(torch, dtype))

    def objective(hidden, weight, bias):
        out = lossx.linear_cross_entropy(
            hidden, weight, labels, bias=bias, reduction=reduction, sample_weight=weights, chunk_size=CHUNK, **options
        )
        return out, (out * probe).sum() if reduction == "none" else out

    if mode == "compiled":
        torch._dynamo.reset()
        objective = torch.compile(objective, fullgraph=True)
    out, scalar = objective(*tensors)
    scalar.backward()
    return out.detach().double().numpy(), [t.grad.double().numpy() for t in tensors]


def _run_jax(data, options, reduction, dtype, mode, sample_weight):
    jax = framework("jax")
    jnp = jax.numpy
    arrays = [jnp.asarray(data[k], dtype=dtype) for k in ("hidden", "weight", "bias")]
    labels, probe = jnp.asarray(data["labels"]), jnp.asarray(data["probe"], dtype=dtype)
    weights = None if sample_weight is None else jnp.asarray(sample_weight, dtype=dtype)

    def objective(hidden, weight, bias):
        out = lossx.linear_cross_entropy(
            hidden, weight, labels, bias=bias, reduction=reduction, sample_weight=weights, chunk_size=CHUNK, **options
        )
        return ((out * probe).sum() if reduction == "none" else out), out

    run = jax.value_and_grad(objective, argnums=(0, 1, 2), has_aux=True)
    if mode == "compiled":
        run = jax.jit(run)
    (_, out), gradients = run(*arrays)
    return np.asarray(out, np.float64), [np.asarray(g, np.float64) for g in gradients]


def _run_tensorflow(data, options, reduction, dtype, mode, sample_weight):
    tf = framework("tensorflow")
    arrays = [tf.constant(data[k], dtype=dtype) for k in ("hidden", "weight", "bias")]
    labels, probe = tf.constant(data["labels"]), tf.constant(data["probe"], dtype=dtype)
    weights = None if sample_weight is None else tf.constant(sample_weight, dtype=dtype)

    def objective(hidden, weight, bias):
        with tf.GradientTape() as tape:
            tape.watch([hidden, weight, bias])
            out = lossx.linear_cross_entropy(
                hidden,
                weight,
                labels,
                bias=bias,
                reduction=reduction,
                sample_weight=weights,
                chunk_size=CHUNK,
                **options,
            )
            scalar = tf.reduce_sum(out * probe) if reduction == "none" else out
        return out, tape.gradient(scalar, [hidden, weight, bias])

    if mode == "compiled":
        objective = tf.function(objective, jit_compile=True)
    out, gradients = objective(*arrays)
    return np.asarray(out, np.float64), [np.asarray(g, np.float64) for g in gradients]


RUNNERS = {"numpy": _run_numpy, "torch": _run_torch, "jax": _run_jax, "tensorflow": _run_tensorflow}
MODES = {
    "numpy": ("eager",),
    "torch": ("eager", "compiled"),
    "jax": ("eager", "compiled"),
    "tensorflow": ("eager", "compiled"),
}
#: torch.compile costs seconds per case: compiled torch runs these option sets, eager runs all.
COMPILED_TORCH = ("plain", "all")
TOLERANCE = {"float32": 1e-5, "float64": 1e-7}


def _cases():
    for backend, modes in MODES.items():
        for mode in modes:
            for dtype in ("float32", "float64"):
                for name in OPTION_SETS:
                    if backend == "torch" and mode == "compiled" and name not in COMPILED_TORCH:
                        continue
                    for reduction in ("mean", "sum", "none"):
                        yield backend_param(
                            backend,
                            name,
                            backend,
                            dtype,
                            mode,
                            reduction,
                            id=f"linear_cross_entropy-{name}-{reduction}-{backend}-{dtype}-{mode}",
                        )


def _close(actual, wanted, rtol):
    # The scale of the array bounds the error of an entry formed by cancellation (a gradient
    # entry near 0), as for float32 elsewhere in the suite (tests/distributed).
    wanted = np.asarray(wanted, np.float64)
    scale = float(np.max(np.abs(wanted))) if wanted.size else 0.0
    np.testing.assert_allclose(actual, wanted, rtol=rtol, atol=rtol * scale)


_EXPECTED: dict = {}


@pytest.mark.parametrize("name, backend, dtype, mode, reduction", list(_cases()))
def test_value_and_gradients(name, backend, dtype, mode, reduction):
    data = _inputs()
    options = _options(data, OPTION_SETS[name])
    key = (name, reduction)
    if key not in _EXPECTED:
        _EXPECTED[key] = expected(data, options, reduction)
    value, gradients = _EXPECTED[key]
    out, got = RUNNERS[backend](data, options, reduction, dtype, mode, None)
    _close(out, value, TOLERANCE[dtype])
    if got is not None:
        for computed, wanted in zip(got, gradients, strict=True):
            _close(computed, wanted, max(TOLERANCE[dtype], 1e-7))


@pytest.mark.parametrize("backend", [backend_param(b) for b in RUNNERS])
def test_sample_weight(backend):
    data = _inputs(1)
    options = _options(data, OPTION_SETS["all"])
    value, gradients = expected(data, options, "mean", data["sample_weight"])
    out, got = RUNNERS[backend](data, options, "mean", "float64", "eager", data["sample_weight"])
    _close(out, value, 1e-7)
    for computed, wanted in zip(got or (), gradients, strict=False):
        _close(computed, wanted, 1e-7)


@pytest.mark.parametrize("backend", [backend_param(b) for b in RUNNERS])
def test_default_chunk_and_leading_axes(backend):
    """hidden (2, 13, H) with labels (2, 13), the chunk chosen by lossx: the per-entry losses keep the labels' shape."""
    data = _inputs(2)
    hidden = np.stack([data["hidden"], data["hidden"][::-1]])
    labels = np.stack([data["labels"], data["labels"][::-1]])
    options = {"ignore_index": IGNORED, "z_loss": 0.01}
    wanted = reference(hidden.reshape(-1, SIZE), data["weight"], data["bias"], labels.reshape(-1), options, "none")
    module = framework(backend)
    convert = {
        "numpy": np.asarray,
        "torch": lambda a: module.tensor(a),
        "jax": lambda a: module.numpy.asarray(a),
        "tensorflow": lambda a: module.constant(a),
    }[backend]
    out = lossx.linear_cross_entropy(
        convert(hidden),
        convert(data["weight"]),
        convert(labels),
        bias=convert(data["bias"]),
        reduction="none",
        **options,
    )
    assert tuple(out.shape) == (2, ROWS)
    _close(np.asarray(out).reshape(-1), wanted, 1e-10)


def test_all_ignored_gives_zero_with_zero_gradient():
    torch = framework("torch")
    data = _inputs()
    hidden = torch.tensor(data["hidden"], requires_grad=True)
    labels = torch.full((ROWS,), IGNORED)
    for options in ({}, {"z_loss": 0.1}):
        out = lossx.linear_cross_entropy(hidden, torch.tensor(data["weight"]), labels, ignore_index=IGNORED, **options)
        (gradient,) = torch.autograd.grad(out, hidden)
        assert float(out) == 0.0 and not gradient.abs().max()


@pytest.mark.parametrize(
    "options",
    [{}, {"ignore_index": IGNORED}, {"class_weight": "weights"}, {"label_smoothing": 0.3, "ignore_index": IGNORED}],
    ids=["plain", "ignore_index", "class_weight", "label_smoothing"],
)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_matches_torch_cross_entropy(options, reduction):
    """The framework's own loss of the whole logits: torch.nn.functional.cross_entropy, float64."""
    torch = framework("torch")
    data = _inputs(3)
    options = _options(data, options)
    hidden, weight, bias = (torch.tensor(data[k], requires_grad=True) for k in ("hidden", "weight", "bias"))
    labels = torch.tensor(data["labels"] if "ignore_index" in options else np.abs(data["labels"]) % CLASSES)
    class_weight = options.get("class_weight")
    theirs = torch.nn.functional.cross_entropy(
        hidden @ weight.T + bias,
        labels,
        weight=None if class_weight is None else torch.tensor(class_weight),
        ignore_index=options.get("ignore_index", -100),
        label_smoothing=options.get("label_smoothing", 0.0),
        reduction=reduction,
    )
    ours = lossx.linear_cross_entropy(
        hidden, weight, labels, bias=bias, reduction=reduction, chunk_size=CHUNK, **options
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    probe = torch.tensor(data["probe"])
    mine = torch.autograd.grad((ours * probe).sum(), (hidden, weight, bias))
    native = torch.autograd.grad((theirs * probe).sum(), (hidden, weight, bias))
    for a, b in zip(mine, native, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-13)


def test_total_weight_over_micro_batches_is_the_whole_mean():
    jax = framework("jax")
    jnp = jax.numpy
    data = _inputs(4)
    options = {"ignore_index": IGNORED, "class_weight": tuple(data["class_weights"]), "z_loss": 0.01}
    whole = reference(data["hidden"], data["weight"], data["bias"], data["labels"], options, "mean")
    labels = data["labels"]
    weights = np.asarray(options["class_weight"])
    total = float(np.where(labels != IGNORED, weights[np.where(labels != IGNORED, labels, 0)], 0).sum())
    parts = [
        lossx.linear_cross_entropy(
            jnp.asarray(data["hidden"][rows]),
            jnp.asarray(data["weight"]),
            jnp.asarray(labels[rows]),
            bias=jnp.asarray(data["bias"]),
            total_weight=total,
            **options,
        )
        for rows in (slice(0, 6), slice(6, None))
    ]
    np.testing.assert_allclose(float(sum(parts)), whole, rtol=1e-12)


def test_traced_options_under_jit():
    """label_smoothing and z_loss as traced numbers (arguments of the jitted function)."""
    jax = framework("jax")
    jnp = jax.numpy
    data = _inputs(5)
    options = _options(data, {"label_smoothing": 0.2, "z_loss": 0.05})
    value, gradients = expected(data, options, "mean")

    @jax.jit
    def run(hidden, weight, bias, smoothing, coefficient):
        return jax.value_and_grad(
            lambda h, w, b: lossx.linear_cross_entropy(
                h,
                w,
                jnp.asarray(data["labels"]),
                bias=b,
                label_smoothing=smoothing,
                z_loss=coefficient,
                chunk_size=CHUNK,
            ),
            argnums=(0, 1, 2),
        )(hidden, weight, bias)

    out, got = run(*(jnp.asarray(data[k]) for k in ("hidden", "weight", "bias")), jnp.asarray(0.2), jnp.asarray(0.05))
    _close(np.asarray(out), value, 1e-9)
    for computed, wanted in zip(got, gradients, strict=True):
        _close(np.asarray(computed), wanted, 1e-7)


def test_half_precision_computes_in_float32():
    torch = framework("torch")
    data = _inputs(6)
    for dtype in (torch.bfloat16, torch.float16):
        hidden = torch.tensor(data["hidden"], dtype=dtype, requires_grad=True)
        weight = torch.tensor(data["weight"], dtype=dtype, requires_grad=True)
        labels = torch.tensor(np.abs(data["labels"]) % CLASSES)
        out = lossx.linear_cross_entropy(hidden, weight, labels, z_loss=0.01, chunk_size=CHUNK)
        out.backward()
        assert out.dtype == dtype and hidden.grad.dtype == dtype and weight.grad.dtype == dtype
        wanted = reference(
            hidden.detach().double().numpy(),
            weight.detach().double().numpy(),
            None,
            labels.numpy(),
            {"z_loss": 0.01},
            "mean",
        )
        # One rounding to the half dtype of a float32 result.
        np.testing.assert_allclose(float(out), wanted, rtol=float(torch.finfo(dtype).eps))


def test_torch_func_grad_composes():
    torch = framework("torch")
    data = _inputs(7)
    options = {"z_loss": 0.05, "softcap": 2.0}
    labels = torch.tensor(np.abs(data["labels"]) % CLASSES)
    _, gradients = expected({**data, "labels": labels.numpy()}, options, "mean")
    gradient = torch.func.grad(
        lambda h, w, b: lossx.linear_cross_entropy(h, w, labels, bias=b, chunk_size=CHUNK, **options),
        argnums=(0, 1, 2),
    )(*(torch.tensor(data[k]) for k in ("hidden", "weight", "bias")))
    for computed, wanted in zip(gradient, gradients, strict=True):
        _close(computed.numpy(), wanted, 1e-7)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_torch_gradients_taken_in_the_forward_pass(reduction):
    """Eager torch's mean and sum take their gradients with the forward pass: under no_grad they are skipped, a frozen
    weight gets none, and a second backward pass through the same graph is refused (its gradients were given)."""
    torch = framework("torch")
    data = _inputs(8)
    options = _options(data, {"ignore_index": IGNORED, "label_smoothing": 0.1, "z_loss": 0.02})
    value, gradients = expected(data, options, reduction)
    hidden, weight = torch.tensor(data["hidden"], requires_grad=True), torch.tensor(data["weight"])
    bias, labels = torch.tensor(data["bias"]), torch.tensor(data["labels"])
    arguments = dict(bias=bias, reduction=reduction, chunk_size=CHUNK, **options)
    with torch.no_grad():
        _close(lossx.linear_cross_entropy(hidden, weight, labels, **arguments).numpy(), value, 1e-9)
    out = lossx.linear_cross_entropy(hidden, weight, labels, **arguments)
    out.backward(torch.tensor(2.0, dtype=out.dtype), retain_graph=True)
    _close(hidden.grad.numpy(), 2.0 * gradients[0], 1e-7)
    assert weight.grad is None
    with pytest.raises(RuntimeError, match="computed its gradients in the forward pass"):
        out.backward()
