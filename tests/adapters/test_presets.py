"""Presets: the frameworks' familiar class names (lossx/presets/) in the torch and Keras adapters.

Each preset is checked against the framework's own class of the same name, with
default arguments, on the loss's own example inputs (``define_loss(example=...)``),
and its option translation and errors are checked once here; the mapping page
(tests/api/test_mapping.py) adds rows with non-default options.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import lossx
from lossx.presets import FunctionVariant, define_preset, presets
from tests.support.frameworks import framework, installed, only_framework

TORCH_PRESETS = presets("torch")
KERAS_PRESETS = presets("keras")


def _example(preset) -> tuple:
    return preset.example_inputs(np.random.default_rng(7))


@pytest.mark.skipif(not installed("torch"), reason="torch is not installed")
@pytest.mark.parametrize("preset", TORCH_PRESETS, ids=[p.name for p in TORCH_PRESETS])
@only_framework("torch")
def test_torch_preset_equals_torch_class_of_the_same_name(preset):
    torch = framework("torch")
    import lossx.backends.torch as LT

    ours = getattr(LT, preset.name)()
    # By name: a test elsewhere re-imports lossx, which makes new class objects.
    assert [base.__name__ for base in type(ours).__bases__] == [preset.spec.camel_name]
    theirs = getattr(torch.nn, preset.name)(reduction=preset.default_reduction or "mean")
    arrays = [torch.from_numpy(np.array(a)) for a in _example(preset)]
    leaf = arrays[0].requires_grad_(True)
    our_value = ours(*arrays)
    (our_grad,) = torch.autograd.grad(our_value, leaf)
    their_value = theirs(*arrays)
    (their_grad,) = torch.autograd.grad(their_value, leaf)
    torch.testing.assert_close(our_value, their_value, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(our_grad, their_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(not installed("torch"), reason="torch is not installed")
@only_framework("torch")
def test_torch_preset_translates_names_and_refuses_fixed_options():
    torch = framework("torch")
    import lossx.backends.torch as LT

    weight = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    module = LT.CrossEntropyLoss(weight=weight, label_smoothing=0.1)
    assert "ignore_index=-100" in repr(module) and "axis=1" in repr(module)
    assert torch.equal(module.state_dict()["class_weight"], weight)
    with pytest.raises(lossx.OptionValueError, match="always has from_logits=True"):
        LT.CrossEntropyLoss(from_logits=False)
    with pytest.raises(lossx.UnknownOptionError, match="has no option 'wieght'"):
        LT.CrossEntropyLoss(wieght=weight)


@pytest.mark.skipif(
    not installed("tensorflow") and not installed("jax") and not installed("torch"), reason="no Keras engine installed"
)
@pytest.mark.parametrize("preset", KERAS_PRESETS, ids=[p.name for p in KERAS_PRESETS])
@only_framework("keras")
def test_keras_preset_equals_keras_class_of_the_same_name(preset):
    keras = pytest.importorskip("keras")
    import lossx.backends.keras as LK

    y_pred, y_true = _example(preset)[:2]
    ours = getattr(LK, preset.name)(dtype="float64")
    theirs = getattr(keras.losses, preset.name)(dtype="float64")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(y_true, y_pred)),
        keras.ops.convert_to_numpy(theirs(y_true, y_pred)),
        rtol=1e-6,  # Keras clips probabilities with epsilon 1e-7
    )
    restored = keras.losses.deserialize(keras.losses.serialize(ours))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()


@pytest.mark.skipif(
    not installed("tensorflow") and not installed("jax") and not installed("torch"), reason="no Keras engine installed"
)
@only_framework("keras")
def test_keras_preset_config_uses_keras_names():
    pytest.importorskip("keras")
    import lossx.backends.keras as LK

    config = LK.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3).get_config()
    assert config["apply_class_balancing"] is True and config["alpha"] == 0.3
    assert LK.BinaryFocalCrossentropy().lossx_options["alpha"] is None
    config = LK.SparseCategoricalCrossentropy(ignore_class=-1).get_config()
    assert config["ignore_class"] == -1 and "ignore_index" not in config
    assert LK.SparseCategoricalCrossentropy.from_config(config).lossx_options["ignore_index"] == -1


def test_every_preset_names_a_registered_loss():
    names = set(lossx.loss_names())
    assert {p.loss for p in presets()} <= names
    assert {p.name for p in TORCH_PRESETS} >= {
        "CrossEntropyLoss",
        "BCEWithLogitsLoss",
        "MSELoss",
        "L1Loss",
        "HuberLoss",
        "SmoothL1Loss",
        "NLLLoss",
        "KLDivLoss",
    }


# ----------------------------------------------------------------- torch presets: torch's arguments and inputs

needs_torch = pytest.mark.skipif(not installed("torch"), reason="torch is not installed")
TORCH_REDUCTIONS = ("mean", "sum", "none")
DTYPES = ("float32", "float64")


def _torch_pair(name: str, *arguments, **options):
    """(lossx's preset, torch's class) built with the same arguments."""
    torch = framework("torch")
    import lossx.backends.torch as LT

    return getattr(LT, name)(*arguments, **options), getattr(torch.nn, name)(*arguments, **options)


def _assert_same_value_and_gradient(ours, theirs, inputs, wrt=0):
    """Both modules' values on ``inputs`` and the gradients of their sums w.r.t. ``inputs[wrt]``."""
    torch = framework("torch")
    leaf = inputs[wrt].detach().requires_grad_(True)
    inputs = [leaf if i == wrt else x for i, x in enumerate(inputs)]
    our_value, their_value = ours(*inputs), theirs(*inputs)
    assert our_value.shape == their_value.shape and our_value.dtype == their_value.dtype
    (our_grad,) = torch.autograd.grad(our_value.sum(), leaf)
    (their_grad,) = torch.autograd.grad(their_value.sum(), leaf)
    tolerance = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-13)}[leaf.dtype]
    torch.testing.assert_close(our_value, their_value, rtol=tolerance[0], atol=tolerance[1])
    torch.testing.assert_close(our_grad, their_grad, rtol=tolerance[0], atol=tolerance[1])


def _tensor(array, dtype="float64"):
    torch = framework("torch")
    return (
        torch.tensor(array, dtype=getattr(torch, dtype)) if np.asarray(array).dtype.kind == "f" else torch.tensor(array)
    )


SOFT_TARGET_OPTIONS = {
    "plain": {},
    "weight": {"weight": (1.0, 2.0, 0.5, 3.0)},
    "weight-ls0.1": {"weight": (1.0, 2.0, 0.5, 3.0), "label_smoothing": 0.1},
    "ls0.2-ii-100": {"label_smoothing": 0.2, "ignore_index": -100},  # torch's default ignore_index passes
}


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3)], ids=["NC", "NCd"])
@pytest.mark.parametrize("options", list(SOFT_TARGET_OPTIONS.values()), ids=list(SOFT_TARGET_OPTIONS))
@only_framework("torch")
def test_torch_cross_entropy_probability_targets(options, shape, reduction, dtype):
    """nn.CrossEntropyLoss with probability targets (mixup/cutmix), torch's weight, smoothing and 'mean' included."""
    rng = np.random.default_rng(3)
    options = {k: _tensor(v, dtype) if k == "weight" else v for k, v in options.items()}
    ours, theirs = _torch_pair("CrossEntropyLoss", reduction=reduction, **options)
    logits = rng.standard_normal(shape) * 2
    targets = np.exp(rng.standard_normal(shape))
    targets /= targets.sum(axis=1, keepdims=True)
    _assert_same_value_and_gradient(ours, theirs, [_tensor(logits, dtype), _tensor(targets, dtype)])


def _unbatched_cases():
    rng = np.random.default_rng(5)
    scores = rng.standard_normal(4) * 2
    log_probs = scores - np.log(np.exp(scores).sum())
    probabilities = np.exp(rng.standard_normal(4))
    probabilities /= probabilities.sum()
    frames = rng.standard_normal((6, 5))
    frames = frames - np.log(np.exp(frames).sum(axis=1, keepdims=True))
    yield "CrossEntropyLoss-labels", "CrossEntropyLoss", {"weight": (1.0, 2.0, 0.5, 3.0)}, [scores, np.array(2)]
    yield "CrossEntropyLoss-probabilities", "CrossEntropyLoss", {"label_smoothing": 0.1}, [scores, probabilities]
    yield "NLLLoss", "NLLLoss", {"weight": (1.0, 2.0, 0.5, 3.0)}, [log_probs, np.array(1)]
    yield "MultiMarginLoss", "MultiMarginLoss", {"margin": 0.5}, [scores, np.array(3)]
    yield "MultiLabelMarginLoss", "MultiLabelMarginLoss", {}, [scores, np.array([2, 0, -1, 1])]
    yield "KLDivLoss", "KLDivLoss", {}, [log_probs, probabilities]
    yield "CTCLoss", "CTCLoss", {}, [frames, np.array([1, 3]), np.array(6), np.array(2)]


@needs_torch
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize(
    ("name", "options", "inputs"), [c[1:] for c in _unbatched_cases()], ids=[c[0] for c in _unbatched_cases()]
)
@only_framework("torch")
def test_torch_unbatched_inputs(name, options, inputs, reduction):
    """torch's losses take one sample without its batch axis: (C,) with a 0-d target, (T, C) for CTC."""
    options = {k: _tensor(v) if k == "weight" else v for k, v in options.items()}
    ours, theirs = _torch_pair(name, reduction=reduction, **options)
    _assert_same_value_and_gradient(ours, theirs, [_tensor(x) for x in inputs])


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3)], ids=["NC", "NCd"])
@pytest.mark.parametrize("log_target", [False, True], ids=["probabilities", "log_target"])
@pytest.mark.parametrize("reduction", [None, "mean", "batchmean", "sum", "none"], ids=str)
@only_framework("torch")
def test_torch_kl_div_loss_reductions(reduction, log_target, shape, dtype):
    """KLDivLoss: torch's default (the elementwise 'mean'), 'batchmean' = Σ / N for every rank, 'none' elementwise."""
    rng = np.random.default_rng(11)
    logits = rng.standard_normal(shape)
    log_q = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    target = np.exp(rng.standard_normal(shape))
    target /= target.sum(axis=1, keepdims=True)
    target[0, 0] = 0.0 if not log_target else target[0, 0]  # a zero target contributes exactly 0
    target = np.log(target) if log_target else target
    arguments = {"log_target": log_target} if reduction is None else {"log_target": log_target, "reduction": reduction}
    ours, theirs = _torch_pair("KLDivLoss", **arguments)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns that its own 'mean' is not the KL divergence
        _assert_same_value_and_gradient(ours, theirs, [_tensor(log_q, dtype), _tensor(target, dtype)])


def _weighted_cases():
    rng = np.random.default_rng(13)
    probabilities = np.clip(1 / (1 + np.exp(-rng.standard_normal((5, 3)) * 2)), 0.02, 0.98)
    labels01 = (rng.random((5, 3)) < 0.5).astype(np.float64)
    scores = rng.standard_normal((5, 3)) * 2
    classes = rng.integers(0, 3, 5)
    column = (1.0, 2.0, 0.5)
    yield "BCELoss-columns", "BCELoss", {"weight": column}, [probabilities, labels01]
    yield (
        "BCELoss-rows",
        "BCELoss",
        {"weight": np.array([[1.0], [2.0], [0.5], [3.0], [0.0]])},
        [probabilities, labels01],
    )
    yield (
        "BCEWithLogitsLoss",
        "BCEWithLogitsLoss",
        {"weight": column, "pos_weight": (2.0, 1.0, 0.5)},
        [scores, labels01],
    )
    yield "MultiMarginLoss", "MultiMarginLoss", {"weight": column, "p": 2}, [scores, classes]
    yield "MultiLabelSoftMarginLoss", "MultiLabelSoftMarginLoss", {"weight": column}, [scores, labels01]
    yield "NLLLoss", "NLLLoss", {"weight": column}, [scores - np.log(np.exp(scores).sum(1, keepdims=True)), classes]


@needs_torch
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize(
    ("name", "options", "inputs"), [c[1:] for c in _weighted_cases()], ids=[c[0] for c in _weighted_cases()]
)
@only_framework("torch")
def test_torch_weight_arguments(name, options, inputs, reduction):
    """torch's weight / pos_weight arguments, with torch's 'mean' (BCE, margins: the mean of the rescaled losses)."""
    options = {k: _tensor(v) for k, v in options.items() if k in ("weight", "pos_weight")} | {
        k: v for k, v in options.items() if k not in ("weight", "pos_weight")
    }
    ours, theirs = _torch_pair(name, reduction=reduction, **options)
    _assert_same_value_and_gradient(ours, theirs, [_tensor(x) for x in inputs])


def _ctc_inputs(rng, concatenated):
    frames, batch, classes = 8, 3, 5
    log_probs = rng.standard_normal((frames, batch, classes))
    log_probs -= np.log(np.exp(log_probs).sum(axis=2, keepdims=True))
    target_lengths = np.array([3, 1, 2])
    padded = np.array([[1, 2, 3], [4, 0, 0], [2, 2, 0]])
    targets = (
        np.concatenate([row[:n] for row, n in zip(padded, target_lengths, strict=True)]) if concatenated else padded
    )
    return [log_probs, targets, np.array([8, 7, 3]), target_lengths]


@needs_torch
@pytest.mark.parametrize("zero_infinity", [False, True], ids=["", "zero_infinity"])
@pytest.mark.parametrize("concatenated", [False, True], ids=["padded", "concatenated"])
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@only_framework("torch")
def test_torch_ctc_loss(reduction, concatenated, zero_infinity):
    """CTCLoss: time-first log-probabilities, padded or concatenated targets, torch's 'mean' over target lengths.

    Sequence 2 has 3 frames for the labels (2, 2), which need 3: its loss is finite; with
    input length 2 it would be infinite (zero_infinity is exercised by the mapping page too).
    """
    ours, theirs = _torch_pair("CTCLoss", reduction=reduction, zero_infinity=zero_infinity)
    _assert_same_value_and_gradient(
        ours, theirs, [_tensor(x) for x in _ctc_inputs(np.random.default_rng(2), concatenated)]
    )


@needs_torch
@pytest.mark.parametrize(
    ("size_average", "reduce"),
    [(None, False), (False, None), (False, True), (True, False), (True, True)],
    ids=["reduce=False", "size_average=False", "sum", "none", "mean"],
)
@pytest.mark.parametrize("name", ["MSELoss", "KLDivLoss", "CrossEntropyLoss", "BCEWithLogitsLoss"])
@only_framework("torch")
def test_torch_deprecated_size_average_and_reduce(name, size_average, reduce):
    """torch's deprecated size_average/reduce pick the reduction as torch's do, with torch's warning."""
    import warnings

    torch = framework("torch")
    import lossx.backends.torch as LT

    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = getattr(LT, name)(size_average=size_average, reduce=reduce)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = getattr(torch.nn, name)(size_average=size_average, reduce=reduce)
    assert ours.reduction == theirs.reduction
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in theirs_warned]
    assert all(w.category is UserWarning for w in ours_warned)


@needs_torch
@only_framework("torch")
def test_torch_positional_arguments_follow_torch_signature():
    """Positional constructor arguments mean what they mean in torch: CrossEntropyLoss(weight), HuberLoss('sum',
    2.0)."""
    torch = framework("torch")
    weight = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    rng = np.random.default_rng(1)
    logits, labels = _tensor(rng.standard_normal((4, 3))), _tensor(np.array([0, 2, 1, 2]))
    for name, arguments, inputs in [
        ("CrossEntropyLoss", (weight,), [logits, labels]),
        ("NLLLoss", (weight, None, -100, None, "sum"), [logits.log_softmax(1), labels]),
        ("HuberLoss", ("sum", 0.5), [logits, _tensor(rng.standard_normal((4, 3)))]),
        ("MultiMarginLoss", (2, 0.5, weight), [logits, labels]),
    ]:
        ours, theirs = _torch_pair(name, *arguments)
        _assert_same_value_and_gradient(ours, theirs, inputs)
    import lossx.backends.torch as LT

    with pytest.raises(
        lossx.ArgumentError, match=r"HuberLoss takes at most 2 positional arguments \(reduction, delta\)"
    ):
        LT.HuberLoss("sum", 0.5, 3)
    with pytest.raises(lossx.ArgumentError, match="got two values for 'weight'"):
        LT.CrossEntropyLoss(weight, weight=weight)


@needs_torch
@pytest.mark.parametrize("preset", TORCH_PRESETS, ids=[p.name for p in TORCH_PRESETS])
@only_framework("torch")
def test_torch_preset_takes_every_torch_argument_and_lists_them(preset):
    """Every parameter of torch's class is understood, and an unknown one is refused with the list."""
    import inspect

    torch = framework("torch")
    import lossx.backends.torch as LT

    torch_parameters = list(inspect.signature(getattr(torch.nn, preset.name)).parameters)
    assert set(torch_parameters) <= set(preset.accepted_names())
    with pytest.raises(lossx.UnknownOptionError) as raised:
        getattr(LT, preset.name)(colour=1)
    message = str(raised.value)
    assert message.startswith(f"{preset.name} has no option 'colour'") and "It takes ." not in message
    assert all(name in message for name in torch_parameters), message


@needs_torch
@only_framework("torch")
def test_torch_preset_unknown_option_suggests_the_closest_name():
    import lossx.backends.torch as LT

    with pytest.raises(
        lossx.UnknownOptionError, match=r"MSELoss has no option 'sizeaverage'\. Did you mean 'size_average'"
    ):
        LT.MSELoss(sizeaverage=False)
    with pytest.raises(lossx.ReductionError, match=r"KLDivLoss: unknown reduction 'avg'; use one of .*'batchmean'"):
        LT.KLDivLoss(reduction="avg")


@needs_torch
@pytest.mark.parametrize("form", ["module", "function"])
@only_framework("torch")
def test_torch_adapter_refuses_a_numpy_prediction(form):
    """A torch module given NumPy arrays would return a NumPy number with no graph: refused, naming the fix."""
    torch = framework("torch")
    import lossx.backends.torch as LT

    loss = LT.MSELoss() if form == "module" else LT.mean_squared_error
    with pytest.raises(
        lossx.MixedFrameworkError, match=r"takes a torch tensor as y_pred, got numpy\.ndarray.*torch\.as_tensor"
    ):
        loss(np.zeros(2), np.ones(2))
    value = loss(torch.zeros(2, dtype=torch.float64), np.ones(2))  # NumPy targets are still converted
    assert isinstance(value, torch.Tensor) and float(value) == 1.0


@needs_torch
@only_framework("torch")
def test_torch_cross_entropy_refuses_ignore_index_with_probability_targets():
    """As torch: an ignore_index other than the default has no meaning for probability targets."""
    torch = framework("torch")
    import lossx.backends.torch as LT

    logits, targets = torch.randn(3, 4), torch.softmax(torch.randn(3, 4), dim=1)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        torch.nn.CrossEntropyLoss(ignore_index=0)(logits, targets)
    with pytest.raises(lossx.OptionValueError, match="CrossEntropyLoss: ignore_index does not apply to probability"):
        LT.CrossEntropyLoss(ignore_index=0)(logits, targets)
    assert torch.isfinite(LT.CrossEntropyLoss(ignore_index=0)(logits, torch.tensor([0, 1, 2])))


@needs_torch
@pytest.mark.parametrize("preset", TORCH_PRESETS, ids=[p.name for p in TORCH_PRESETS])
@only_framework("torch")
def test_torch_preset_compiles_whole(preset):
    """The preset machinery (target dispatch, unbatched inputs, layouts, rescaling) traces as one graph."""
    torch = framework("torch")
    import lossx.backends.torch as LT

    torch._dynamo.reset()  # every preset's forward is one code object: start from an empty cache
    module = getattr(LT, preset.name)()
    arrays = [torch.from_numpy(np.array(a)) for a in _example(preset)]
    compiled = torch.compile(module, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(*arrays), module(*arrays), rtol=1e-12, atol=1e-12)


def _distance_function(name: str):
    """TripletMarginWithDistanceLoss's distance_function: torch's default, a p-norm module, or a lambda."""
    torch = framework("torch")
    return {
        "default": None,
        "pairwise_l1": torch.nn.PairwiseDistance(p=1),
        "cosine": lambda x, y: 1 - torch.nn.functional.cosine_similarity(x, y),
    }[name]


def _triplets(torch_module, dtype: str) -> list:
    """(anchor, positive, negative) (6, 4) away from the hinge and swap kinks under torch's own distance."""
    rng = np.random.default_rng(3)
    distance = torch_module.distance_function
    while True:
        anchor = rng.standard_normal((6, 4))
        triplet = [
            _tensor(x, dtype)
            for x in (anchor, anchor + 0.8 * rng.standard_normal((6, 4)), anchor + 1.2 * rng.standard_normal((6, 4)))
        ]
        a, p, n = triplet
        ap, an, pn = distance(a, p), distance(a, n), distance(p, n)
        negative = an.minimum(pn) if torch_module.swap else an
        if bool(((torch_module.margin + ap - negative).abs() > 1e-2).all() and ((an - pn).abs() > 1e-2).all()):
            return triplet


@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", ["default", "pairwise_l1", "cosine"])
@only_framework("torch")
def test_torch_triplet_margin_with_distance_loss(distance, swap, reduction, dtype):
    """torch's class with its default distance, a distance module and a lambda: values and all three gradients."""
    ours, theirs = _torch_pair(
        "TripletMarginWithDistanceLoss",
        distance_function=_distance_function(distance),
        margin=0.5,
        swap=swap,
        reduction=reduction,
    )
    inputs = _triplets(theirs, dtype)
    for wrt in range(3):
        _assert_same_value_and_gradient(ours, theirs, inputs, wrt=wrt)


@needs_torch
@pytest.mark.parametrize("distance", ["pairwise_l1", "cosine"])
@only_framework("torch")
def test_torch_triplet_margin_with_distance_loss_compiles_whole(distance):
    """The user's distance function is called inside the traced graph (the default is checked with every preset)."""
    torch = framework("torch")
    import lossx.backends.torch as LT

    torch._dynamo.reset()
    module = LT.TripletMarginWithDistanceLoss(distance_function=_distance_function(distance), swap=True)
    inputs = _triplets(
        torch.nn.TripletMarginWithDistanceLoss(distance_function=module.distance_function, swap=True), "float64"
    )
    compiled = torch.compile(module, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(*inputs), module(*inputs), rtol=1e-12, atol=1e-12)


@needs_torch
@only_framework("torch")
def test_torch_triplet_margin_with_distance_loss_keeps_the_function_as_torch_does():
    """An attribute read at each call, a module as a submodule (its parameters the loss's), shown in the repr."""
    torch = framework("torch")
    import lossx.backends.torch as LT

    projection = torch.nn.Linear(4, 2, dtype=torch.float64)

    class Projected(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.projection = projection

        def forward(self, x, y):
            return torch.nn.functional.pairwise_distance(self.projection(x), self.projection(y))

    ours, theirs = _torch_pair("TripletMarginWithDistanceLoss", distance_function=Projected())
    assert list(ours.parameters()) == list(theirs.parameters()) == list(projection.parameters())
    assert (
        set(ours.state_dict())
        == set(theirs.state_dict())
        == {"distance_function.projection.weight", "distance_function.projection.bias"}
    )
    assert "(distance_function): Projected(" in repr(ours)
    inputs = _triplets(theirs, "float64")
    (our_grad,) = torch.autograd.grad(ours(*inputs), projection.weight)
    (their_grad,) = torch.autograd.grad(theirs(*inputs), projection.weight)
    torch.testing.assert_close(our_grad, their_grad, rtol=1e-12, atol=1e-13)

    module = LT.TripletMarginWithDistanceLoss(distance_function=torch.nn.PairwiseDistance(p=1), reduction="none")
    restored = pickle.loads(pickle.dumps(module))
    assert repr(restored) == repr(module)
    torch.testing.assert_close(restored(*inputs), module(*inputs), rtol=0, atol=0)
    module.distance_function = torch.nn.PairwiseDistance(p=3)
    theirs = torch.nn.TripletMarginWithDistanceLoss(distance_function=module.distance_function, reduction="none")
    torch.testing.assert_close(module(*inputs), theirs(*inputs), rtol=1e-12, atol=1e-13)

    module, theirs = _torch_pair("TripletMarginWithDistanceLoss", distance_function=_distance_function("cosine"))
    assert repr(module).endswith("reduction='mean', distance_function=_distance_function.<locals>.<lambda>)")
    for lambda_module in (module, theirs):  # a lambda: deep copies work, pickles fail, in torch and lossx alike
        assert repr(copy.deepcopy(lambda_module)) == repr(lambda_module)
        with pytest.raises((pickle.PicklingError, AttributeError)):
            pickle.dumps(lambda_module)


@needs_torch
@only_framework("torch")
def test_torch_triplet_margin_with_distance_loss_refuses_what_torch_refuses():
    torch = framework("torch")
    import lossx.backends.torch as LT

    with pytest.raises(lossx.OptionValueError, match=r"distance_function must be a callable .* got int"):
        LT.TripletMarginWithDistanceLoss(distance_function=2)
    with pytest.raises(TypeError):
        torch.nn.TripletMarginWithDistanceLoss(torch.nn.PairwiseDistance())
    with pytest.raises(lossx.ArgumentError, match="takes its arguments by keyword only"):
        LT.TripletMarginWithDistanceLoss(torch.nn.PairwiseDistance())
    with pytest.raises(lossx.OptionValueError, match=r"margin=-1\.0 is out of range"):
        LT.TripletMarginWithDistanceLoss(margin=-1.0)
    with pytest.raises(lossx.OptionValueError, match=r"always has p=2\.0"):
        LT.TripletMarginWithDistanceLoss(p=1)


# ----------------------------------------------------------------- Keras presets: Keras's functions and shapes


def _keras_modules():
    keras = pytest.importorskip("keras")
    import lossx.backends.keras as LK

    return keras, LK


needs_keras = pytest.mark.skipif(
    not installed("tensorflow") and not installed("jax") and not installed("torch"), reason="no Keras engine installed"
)
REPLACING = [p for p in KERAS_PRESETS if p.replaces_own_class]
DENSE_TARGET_PRESETS = [p for p in KERAS_PRESETS if p.spec.target.kind in ("dense", "classes")]
#: Keras gives a number for a broadcast target that its own formula does not: keras.losses.dice
#: sums y_true before broadcasting it (Σt counts it once, Σ t·p once per prediction).
REFUSED_THOUGH_KERAS_BROADCASTS = {"Dice"}


def test_replacing_presets_are_keras_classes_named_like_lossx_ones():
    assert {p.name for p in REPLACING} == {"Dice", "Tversky", "Circle"}
    for preset in REPLACING:
        assert preset.name == preset.spec.camel_name


@needs_keras
@pytest.mark.parametrize("preset", REPLACING, ids=[p.name for p in REPLACING])
def test_replacing_preset_takes_the_place_of_the_own_class(preset):
    keras, LK = _keras_modules()
    cls = getattr(LK, preset.name)
    assert cls.preset is preset
    assert keras.saving.get_registered_object(f"lossx>{preset.name}") is cls
    assert preset.spec.camel_name in dir(LK) and preset.function in dir(LK)
    # lossx's own class is the base, with lossx's semantics (the generic function's numbers).
    (base,) = cls.__bases__
    y_pred, y_true = _example(preset)[:2]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(base(reduction="none", dtype="float64")(y_true, y_pred)),
        getattr(lossx, preset.loss)(y_pred, y_true, reduction="none"),
        rtol=1e-12,
    )


def test_presets_declare_their_features_consistently():
    with pytest.raises(ValueError, match="replaces_own_class is for a preset named like the loss's own class, Dice"):
        define_preset("KerasDice", "keras", "dice", replaces_own_class=True)
    with pytest.raises(ValueError, match=r"Dice is already lossx's own class for dice.*replaces_own_class=True"):
        define_preset("Dice", "torch", "dice")
    with pytest.raises(ValueError, match="function, same_shape are implemented by the Keras adapter only"):
        define_preset("TorchDice", "torch", "dice", function="dice", same_shape=True)
    variant = FunctionVariant("distance_function", "margin_ranking", lambda xp, function, inputs, options: inputs)
    with pytest.raises(ValueError, match="function_variant is implemented by the torch adapter only"):
        define_preset("KerasTriplet", "keras", "triplet_margin", function_variant=variant)
    with pytest.raises(ValueError, match="function_variant takes the inputs as given; it does not combine"):
        define_preset("TorchTriplet", "torch", "triplet_margin", function_variant=variant, unbatched_ndim=1)
    assert not {"TorchDice", "KerasTriplet", "TorchTriplet"} & {p.name for p in presets()}


@needs_keras
@only_framework("keras")
def test_keras_preset_functions_are_keras_functions():
    keras, _ = _keras_modules()
    functions = {p.function for p in KERAS_PRESETS if p.function}
    assert functions <= set(dir(keras.losses))
    assert {
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "dice",
        "tversky",
        "circle",
        "kl_divergence",
        "ctc",
    } <= functions


@needs_keras
@pytest.mark.parametrize("preset", DENSE_TARGET_PRESETS, ids=[p.name for p in DENSE_TARGET_PRESETS])
@only_framework("keras")
def test_keras_preset_refuses_a_broadcast_target_exactly_where_keras_does(preset):
    """``same_shape`` is checked against Keras itself: a (1, ...) target for an (N, ...) prediction."""
    keras, LK = _keras_modules()
    y_pred, y_true = _example(preset)[:2]
    y_true = y_true[:1]
    theirs = getattr(keras.losses, preset.name)(dtype="float64")
    ours = getattr(LK, preset.name)(dtype="float64")
    try:
        expected = keras.ops.convert_to_numpy(theirs(y_true, y_pred))
    except ValueError:
        assert preset.same_shape, "Keras refuses the broadcast target; declare same_shape=True"
        with pytest.raises(lossx.ShapeError, match="must have the same shape"):
            ours(y_true, y_pred)
        return
    if preset.name in REFUSED_THOUGH_KERAS_BROADCASTS:
        assert preset.same_shape
        with pytest.raises(lossx.ShapeError, match="must have the same shape"):
            ours(y_true, y_pred)
        return
    assert not preset.same_shape, "Keras broadcasts the target"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(y_true, y_pred)), expected, rtol=1e-6)
