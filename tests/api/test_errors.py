"""docs/semantics.md (errors): bad input raises a LossxError (also ValueError/TypeError) that says what to do.

The matrix ``test_error[<error>-<backend>-<form>]`` runs each error of docs/semantics.md through every
way a user calls a loss: the array-generic ``lossx.<name>`` on NumPy, torch, JAX and
TensorFlow arrays, and the adapters (NumPy functions and objects, torch modules, JAX
functions and objects, Keras classes on the engine ``KERAS_BACKEND`` selects). Each test
checks the error's type and its message. Static checks (shapes, options, dtypes,
reductions) must also fire while ``jax.jit``, ``tf.function(jit_compile=True)`` and
``torch.compile(fullgraph=True)`` trace; value checks (labels, probabilities) are
eager-only, and under tracing they must not break the trace (see docs/errors.md).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import lossx
from lossx import (
    BackendError,
    DTypeError,
    LabelRangeError,
    LossxError,
    MixedFrameworkError,
    OptionValueError,
    ProbabilityRangeError,
    ReductionError,
    ShapeError,
    UnknownLossError,
    UnknownOptionError,
)
from lossx._errors import ArgumentError
from tests.support.frameworks import backend_param, framework, installed, to_backend

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((4, 3))
LABELS = np.array([0, 2, 1, 2])
ONE_HOT = np.eye(3)[LABELS]


@dataclass(frozen=True)
class Case:
    """One bad call: ``loss(*inputs, **options, **call)`` must raise ``error`` matching ``match``."""

    loss: str
    inputs: tuple
    error: type
    match: str
    options: dict = field(default_factory=dict)
    call: dict = field(default_factory=dict)  # reduction / sample_weight: call-time arguments
    static: bool = True  # a shape/option/dtype check, which must also fire under tracing


CASES = {
    "shape_mismatch": Case(
        "mean_squared_error", (np.ones(4), np.ones((4, 1))), ShapeError, r"\(4,\).*\(4, 1\).*reshape"
    ),
    "shape_incompatible": Case(
        "mean_squared_error",
        (np.ones((4, 3)), np.ones((4, 2))),
        ShapeError,
        r"shape \(4, 3\) and y_true of shape \(4, 2\) cannot be broadcast",
    ),
    "class_axis_broadcast": Case(
        "categorical_cross_entropy",
        (LOGITS, LABELS[:, None] * 1.0),
        ShapeError,
        r"\(4, 1\) would be broadcast along axis -1 .*one-hot",
        {"from_logits": True},
    ),
    "label_range": Case(
        "sparse_categorical_cross_entropy",
        (LOGITS, np.array([0, 3, 7, 1])),
        LabelRangeError,
        r"\[0, 3\).*found \[3, 7\].*ignore_index",
        {"from_logits": True},
        static=False,
    ),
    "probability_range": Case(
        "binary_cross_entropy",
        (LOGITS, (LOGITS > 0) * 1.0),
        ProbabilityRangeError,
        r"probabilities in \[0, 1\].*pass from_logits=True",
        static=False,
    ),
    "binary_target_range": Case(
        "binary_cross_entropy",
        (np.array([0.2, 0.7]), np.array([0.0, 2.0])),
        ProbabilityRangeError,
        r"binary_cross_entropy: y_true must be probabilities in \[0, 1\], but it ranges over \[0, 2\]\. "
        r"Binary targets are 0/1 labels or probabilities",
        static=False,
    ),
    "integer_prediction": Case(
        "mean_absolute_error", (np.arange(4), np.arange(4.0)), DTypeError, "must be floating point.*Cast"
    ),
    "float_labels": Case(
        "sparse_categorical_cross_entropy",
        (LOGITS, LABELS * 1.0),
        DTypeError,
        r"integer class indices \(cast with",
        {"from_logits": True},
    ),
    "unknown_option": Case(
        "huber",
        (np.ones(3), np.zeros(3)),
        UnknownOptionError,
        "unknown option 'detla'. Did you mean 'delta'",
        {"detla": 1.0},
    ),
    "option_range": Case(
        "binary_cross_entropy",
        (np.full(3, 0.5), np.ones(3)),
        OptionValueError,
        r"label_smoothing=1.5 is out of range; valid: \[0, 1\]",
        {"label_smoothing": 1.5},
    ),
    "option_delta": Case(
        "huber",
        (np.ones(3), np.zeros(3)),
        OptionValueError,
        r"delta=0.0 is out of range; valid: \(0, inf\)",
        {"delta": 0.0},
    ),
    "option_type": Case(
        "binary_cross_entropy",
        (LOGITS, ONE_HOT),
        OptionValueError,
        "from_logits' must be True or False",
        {"from_logits": "yes"},
    ),
    "axis_range": Case(
        "categorical_cross_entropy",
        (LOGITS, ONE_HOT),
        OptionValueError,
        r"axis=5 is out of range for y_pred of shape \(4, 3\); use an axis in \[-2, 1\]",
        {"from_logits": True, "axis": 5},
    ),
    "unknown_reduction": Case(
        "huber",
        (np.ones(3), np.zeros(3)),
        ReductionError,
        r"huber: .*(avg.*'sum'|'sum'.*avg)",
        call={"reduction": "avg"},
    ),
    "swapped_arguments": Case(
        "sparse_categorical_cross_entropy",
        (LABELS, LOGITS),
        DTypeError,
        r"y_pred has dtype .*int.*are the arguments swapped\? lossx functions and torch modules take "
        r"\(y_pred, y_true\); Keras classes take \(y_true, y_pred\)",
        {"from_logits": True},
    ),
    "swapped_float_labels": Case(
        "sparse_categorical_cross_entropy",
        (LABELS * 1.0, LOGITS),
        DTypeError,
        r"y_true has one axis more than y_pred: are the arguments swapped\?",
        {"from_logits": True},
    ),
    "missing_input": Case(
        "huber", (np.ones(3),), ArgumentError, r"huber: missing input 'y_true'; it takes \(y_pred, y_true\)"
    ),
    "positional_option": Case(
        "huber",
        (np.ones(3), np.zeros(3), 2.0),
        ArgumentError,
        r"huber takes 2 positional inputs \(y_pred, y_true\) but got 3; its options \(delta\) are "
        r"keyword-only: pass delta=",
    ),
    "sample_weight": Case(
        "mean_squared_error",
        (np.ones((4, 6)), np.zeros((4, 6))),
        ShapeError,
        r"sample_weight of shape \(3,\) does not align with the unreduced loss of shape \(4,",
        call={"sample_weight": np.ones(3)},
    ),
    "class_weight": Case(
        "sparse_categorical_cross_entropy",
        (LOGITS, LABELS),
        ShapeError,
        "class_weight has 2 entries but y_pred of shape .* has 3 classes.*one value per class",
        {"from_logits": True, "class_weight": (1.0, 2.0)},
    ),
}

# Keras's conventions make three of the errors moot for its adapter: Keras casts y_pred
# (and integer labels) to the loss's float dtype before the loss sees them, and aligns
# ranks that differ by a trailing singleton axis, as Keras's own losses do.
KERAS_MOOT = {
    "integer_prediction": "Keras casts y_pred to the loss's float dtype before the loss sees it",
    "float_labels": "Keras casts labels to the loss's float dtype before the loss sees them",
    "shape_mismatch": "Keras squeezes a (B, 1) target for a (B,) output, as its own losses do",
    "missing_input": "Keras calls its losses with both arrays",
    "swapped_arguments": "Keras casts y_pred to floats; its swap is caught at the labels (test_keras_adapter.py)",
    "swapped_float_labels": "Keras casts y_pred to floats; its swap is caught at the labels (test_keras_adapter.py)",
    "positional_option": "a Keras loss takes sample_weight as its third argument",
}
# The calling convention gives the module's forward one positional argument after the inputs: the sample weight.
TORCH_MODULE_MOOT = {"positional_option": "forward(y_pred, y_true, sample_weight) takes the sample weight third"}


def _converter(backend: str) -> Callable[[Any], Any]:
    """NumPy arrays into ``backend``'s arrays; Python numbers (a mistaken positional option) stay as they are."""
    return lambda value: value if isinstance(value, (int, float)) or backend == "numpy" else to_backend(backend, value)


_CONVERT = {backend: _converter(backend) for backend in ("numpy", "torch", "jax", "tensorflow")}


def _generic(backend: str) -> Callable[[Case], Any]:
    def run(case: Case) -> Any:
        arrays = [_CONVERT[backend](a) for a in case.inputs]
        return getattr(lossx, case.loss)(*arrays, **case.options, **case.call)

    return run


def _object(module_name: str, backend: str) -> Callable[[Case], Any]:
    """An adapter's object: options (and reduction) when built, inputs and sample_weight when called."""

    def run(case: Case) -> Any:
        module = importlib.import_module(f"lossx.backends.{module_name}")
        spec = lossx.lookup(case.loss)
        built = getattr(module, spec.camel_name)(
            **case.options, **{k: v for k, v in case.call.items() if k == "reduction"}
        )
        arrays = [_CONVERT[backend](a) for a in case.inputs]
        weight = {k: v for k, v in case.call.items() if k == "sample_weight"}
        return built(*arrays, **weight)

    run.module_form = module_name  # type: ignore[attr-defined]
    return run


def _function(module_name: str) -> Callable[[Case], Any]:
    def run(case: Case) -> Any:
        module = importlib.import_module(f"lossx.backends.{module_name}")
        arrays = [_CONVERT[module_name](a) for a in case.inputs]
        return getattr(module, case.loss)(*arrays, **case.options, **case.call)

    return run


def _keras(case: Case) -> Any:
    from lossx.backends import keras as LK

    spec = lossx.lookup(case.loss)
    reduction = {k: v for k, v in case.call.items() if k == "reduction"}
    weight = {k: v for k, v in case.call.items() if k == "sample_weight"}
    y_pred, y_true = case.inputs
    return getattr(LK, spec.camel_name)(**case.options, **reduction)(y_true, y_pred, **weight)


def _keras_installed() -> bool:
    return importlib.util.find_spec("keras") is not None and any(
        installed(engine) for engine in ("tensorflow", "jax", "torch")
    )


FORMS = [
    backend_param("numpy", _generic("numpy"), id="numpy-generic"),
    backend_param("torch", _generic("torch"), id="torch-generic"),
    backend_param("jax", _generic("jax"), id="jax-generic"),
    backend_param("tensorflow", _generic("tensorflow"), id="tensorflow-generic"),
    backend_param("numpy", _function("numpy"), id="numpy-function"),
    backend_param("numpy", _object("numpy", "numpy"), id="numpy-object"),
    backend_param("torch", _object("torch", "torch"), id="torch-module"),
    backend_param("torch", _function("torch"), id="torch-function"),
    backend_param("jax", _function("jax"), id="jax-function"),
    backend_param("jax", _object("jax", "jax"), id="jax-object"),
    pytest.param(
        _keras, id="keras-class", marks=pytest.mark.skipif(not _keras_installed(), reason="keras is not installed")
    ),
]


def _check(raised: pytest.ExceptionInfo) -> None:
    error = raised.value
    assert isinstance(error, LossxError)
    assert isinstance(error, (ValueError, TypeError))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", list(CASES))
def test_error(name: str, form: Callable[[Case], Any]) -> None:
    case = CASES[name]
    if name in KERAS_MOOT and form is _keras:
        pytest.skip(KERAS_MOOT[name])
    if name in TORCH_MODULE_MOOT and getattr(form, "module_form", None) == "torch":
        pytest.skip(TORCH_MODULE_MOOT[name])
    with pytest.raises(case.error, match=case.match) as raised:
        form(case)
    _check(raised)


# ---------------------------------------------------------------- mixed frameworks

MIXED = [
    backend_param("torch", "torch", "jax", id="torch-jax"),
    backend_param("jax", "jax", "tensorflow", id="jax-tensorflow"),
    backend_param("tensorflow", "tensorflow", "torch", id="tensorflow-torch"),
    backend_param("torch", "torch", "tensorflow", id="torch-tensorflow"),
]


@pytest.mark.parametrize("pred, other", MIXED)
def test_mixed_frameworks_generic(pred: str, other: str) -> None:
    framework(other)
    with pytest.raises(MixedFrameworkError, match=f"y_true is a {other} array but y_pred is a {pred} array; convert"):
        lossx.mean_squared_error(to_backend(pred, np.ones(3)), to_backend(other, np.zeros(3)))


@pytest.mark.parametrize("pred, other", MIXED[:1])
def test_mixed_frameworks_torch_module(pred: str, other: str) -> None:
    framework(other)
    from lossx.backends import torch as LT

    with pytest.raises(MixedFrameworkError, match="y_true is a jax array but y_pred is a torch array"):
        LT.MeanSquaredError()(to_backend("torch", np.ones(3)), to_backend("jax", np.zeros(3)))


@pytest.mark.parametrize("other", [backend_param("torch"), backend_param("tensorflow")])
@pytest.mark.parametrize("form", ["jax-function", "jax-object"])
def test_mixed_frameworks_jax_adapter(form: str, other: str) -> None:
    framework("jax")
    framework(other)
    from lossx.backends import jax as LJ

    loss = LJ.mean_squared_error if form == "jax-function" else LJ.MeanSquaredError()
    with pytest.raises(MixedFrameworkError, match=f"takes JAX arrays .* got a {other} array. Convert it"):
        loss(to_backend("jax", np.ones(3)), to_backend(other, np.zeros(3)))


def test_sample_weight_of_another_framework():
    framework("torch")
    framework("jax")
    with pytest.raises(MixedFrameworkError, match="sample_weight is a jax array but y_pred is a torch array"):
        lossx.mean_squared_error(
            to_backend("torch", np.ones(3)), np.zeros(3), sample_weight=to_backend("jax", np.ones(3))
        )


# ---------------------------------------------------------------- under tracing

STATIC = [name for name, case in CASES.items() if case.static]
VALUE = [name for name, case in CASES.items() if not case.static]


def _traced_call(case: Case, backend: str) -> tuple[Callable[..., Any], list]:
    """A function of the case's arrays only (options, reduction and weights closed over)."""
    arrays = [_CONVERT[backend](a) for a in case.inputs]
    call = {k: (_CONVERT[backend](v) if k == "sample_weight" else v) for k, v in case.call.items()}

    def loss(*arrays: Any) -> Any:
        return getattr(lossx, case.loss)(*arrays, **case.options, **call)

    return loss, arrays


@pytest.mark.parametrize("name", STATIC)
def test_static_error_under_jax_jit(name: str) -> None:
    jax = framework("jax")
    case = CASES[name]
    loss, arrays = _traced_call(case, "jax")
    with pytest.raises(case.error, match=case.match) as raised:
        jax.jit(loss)(*arrays)
    _check(raised)


@pytest.mark.parametrize("name", ["shape_mismatch", "class_weight", "sample_weight"])
def test_static_error_under_jax_jit_adapter_object(name: str) -> None:
    """A JAX loss object as a static argument of a jitted function: its checks fire when traced."""
    jax = framework("jax")
    from lossx.backends import jax as LJ

    case = CASES[name]
    loss = getattr(LJ, lossx.lookup(case.loss).camel_name)(**case.options)
    weight = case.call.get("sample_weight")

    def step(loss, *arrays):
        return loss(*arrays, sample_weight=weight)

    with pytest.raises(case.error, match=case.match) as raised:
        jax.jit(step, static_argnums=0)(loss, *[_CONVERT["jax"](a) for a in case.inputs])
    _check(raised)


@pytest.mark.parametrize("name", STATIC)
def test_static_error_under_tf_function(name: str) -> None:
    tf = framework("tensorflow")
    case = CASES[name]
    loss, arrays = _traced_call(case, "tensorflow")
    with pytest.raises(case.error, match=case.match) as raised:
        tf.function(loss, jit_compile=True)(*arrays)
    _check(raised)


def test_static_error_under_tf_function_with_unknown_batch():
    """Known sizes clash even when the batch size is unknown while tracing."""
    tf = framework("tensorflow")
    spec = [tf.TensorSpec([None, 3], tf.float64), tf.TensorSpec([None, 2], tf.float64)]
    traced = tf.function(lossx.mean_squared_error, input_signature=spec)
    with pytest.raises(ShapeError, match=r"\(None, 3\) and y_true of shape \(None, 2\) cannot be broadcast"):
        traced.get_concrete_function()


# torch.compile(fullgraph=True) reports an exception raised while Dynamo traces as its own
# `Unsupported` error ("Observed exception"), naming lossx's error and carrying its message.
# The eager backend: the checks run in Dynamo's trace, before any code generation.
TORCH_COMPILED = {
    "shape_mismatch": "module",
    "option_delta": "function",
    "sample_weight": "module",
}


@pytest.mark.parametrize("name", list(TORCH_COMPILED))
def test_static_error_under_torch_compile_fullgraph(name: str) -> None:
    torch = framework("torch")
    case = CASES[name]
    if TORCH_COMPILED[name] == "module":
        from lossx.backends import torch as LT

        module = getattr(LT, lossx.lookup(case.loss).camel_name)(**case.options)
        weight = {k: _CONVERT["torch"](v) for k, v in case.call.items() if k == "sample_weight"}
        compiled = torch.compile(lambda *arrays: module(*arrays, **weight), fullgraph=True, backend="eager")
        arrays = [_CONVERT["torch"](a) for a in case.inputs]
    else:
        loss, arrays = _traced_call(case, "torch")
        compiled = torch.compile(loss, fullgraph=True, backend="eager")
    with pytest.raises(torch._dynamo.exc.Unsupported, match=case.error.__name__) as raised:
        compiled(*arrays)
    assert re.search(case.match, str(raised.value)), str(raised.value)


def test_static_error_under_torch_compile_with_graph_breaks():
    """Without fullgraph, Dynamo falls back to eager at the raise, and the LossxError itself propagates."""
    torch = framework("torch")
    case = CASES["shape_mismatch"]
    loss, arrays = _traced_call(case, "torch")
    with pytest.raises(ShapeError, match=case.match):
        torch.compile(loss, backend="eager")(*arrays)


TRACERS = [
    backend_param("jax", "jax", id="jax-jit"),
    backend_param("tensorflow", "tensorflow", id="tf-function"),
    backend_param("torch", "torch", id="torch-compile"),
]


@pytest.mark.parametrize("tracer", TRACERS)
@pytest.mark.parametrize("name", VALUE)
def test_value_checks_are_eager_only(name: str, tracer: str) -> None:
    """Under tracing the value checks are skipped (values are unknown) and the trace completes."""
    module = framework(tracer)
    case = CASES[name]
    loss, arrays = _traced_call(case, tracer)
    if tracer == "jax":
        traced = module.jit(loss)
    elif tracer == "tensorflow":
        traced = module.function(loss, jit_compile=True)
    else:
        traced = module.compile(loss, fullgraph=True, backend="eager")
    result = traced(*arrays)
    assert tuple(result.shape) == ()


# ---------------------------------------------------------------- other input kinds

KIND_CASES = {
    "lengths-shape": (
        "ctc",
        (RNG.standard_normal((2, 5, 4)), np.array([[1, 2], [1, 2]]), np.array([5, 5, 5])),
        ShapeError,
        r"input_lengths of shape \(3,\) must have shape \(batch,\), with batch = 2 from y_pred of shape \(2, 5, 4\)",
        {},
    ),
    "lengths-dtype": (
        "ctc",
        (RNG.standard_normal((2, 5, 4)), np.array([[1, 2], [1, 2]]), np.array([5.0, 5.0])),
        DTypeError,
        r"input_lengths has dtype (torch\.)?float64; it must be an integer array \(cast",
        {},
    ),
    "lengths-value": (
        "ctc",
        (RNG.standard_normal((2, 5, 4)), np.array([[1, 2], [1, 2]]), np.array([6, 5])),
        ShapeError,
        r"input_lengths must lie in \[0, 5\]",
        {},
    ),
    "sequences-shape": (
        "ctc",
        (RNG.standard_normal((2, 5, 4)), np.array([1, 2])),
        ShapeError,
        r"y_true of shape \(2,\) must have shape \(batch, length\)",
        {},
    ),
    "sequences-label_range": (
        "ctc",
        (RNG.standard_normal((2, 5, 4)), np.array([[1, 7], [1, 2]])),
        LabelRangeError,
        r"must lie in \[0, 4\).*fix the labels",
        {},
    ),
    "sequences-blank_option": (
        "ctc",
        (RNG.standard_normal((2, 5, 4)), np.array([[1, 2], [1, 2]])),
        OptionValueError,
        r"blank is out of range for y_pred with 4 classes; use an index in \[-4, 4\)",
        {"blank": 9},
    ),
    "groups-shape": (
        "ntxent",
        (LOGITS, np.array([0, 1, 0])),
        ShapeError,
        r"labels of shape \(3,\) does not match embeddings of shape \(4, 3\)",
        {},
    ),
    "groups-dtype": (
        "ntxent",
        (LOGITS, np.array([0.0, 1, 0, 1])),
        DTypeError,
        r"labels has dtype (torch\.)?float64; it must be an integer",
        {},
    ),
    "rows-shape": (
        "cosine_embedding",
        (LOGITS, LOGITS, np.ones(3)),
        ShapeError,
        r"target of shape \(3,\) does not match input1 of shape \(4, 3\)",
        {},
    ),
    "third_dense-shape": (
        "gaussian_nll",
        (LOGITS, LOGITS, np.ones((4, 2))),
        ShapeError,
        r"mean of shape \(4, 3\) and variance of shape \(4, 2\) cannot be broadcast",
        {},
    ),
    "third_dense-value": (
        "gaussian_nll",
        (LOGITS, LOGITS, -np.ones((4, 1))),
        lossx.VarianceRangeError,
        "variance has negative entries; variances must be ≥ 0",
        {},
    ),
    "boxes-shape": (
        "generalized_box_iou",
        (LOGITS, LOGITS),
        ShapeError,
        r"y_pred of shape \(4, 3\) is not boxes; give boxes of shape",
        {},
    ),
    "boxes-order": (
        "complete_box_iou",
        (np.array([[0.0, 0.0, 1.0, 1.0]]), np.array([[2.0, 0.0, 1.0, 1.0]])),
        lossx.BoxRangeError,
        r"y_true holds boxes with x2 < x1 or y2 < y1",
        {},
    ),
    "pairs-broadcast": (
        "npairs",
        (LOGITS, LOGITS[:1], np.array([0, 1, 0, 2])),
        ShapeError,
        r"anchor and positive must both have shape \(N, D\), got shapes \(4, 3\) and \(1, 3\)",
        {},
    ),
    "dense_third-triplet": (
        "triplet_margin",
        (LOGITS, LOGITS, np.ones((4, 2))),
        ShapeError,
        r"anchor of shape \(4, 3\) and negative of shape \(4, 2\)",
        {},
    ),
    "classes-label_range": (
        "dice",
        (LOGITS, np.array([0, 5, 2, 1])),
        LabelRangeError,
        r"\[0, 3\).*found \[5\]",
        {"from_logits": True},
    ),
    "classes-dense_shape": (
        "dice",
        (LOGITS, np.ones((4, 2))),
        ShapeError,
        r"\(4, 3\) and y_true of shape \(4, 2\)",
        {"from_logits": True},
    ),
    "overlap-rank": (
        "dice",
        (np.full(4, 0.5), np.ones(4)),
        ShapeError,
        "need a batch axis and a class axis.*Add a class axis",
        {},
    ),
    "cosine-range": (
        "arcface",
        (LOGITS * 10, np.array([0, 1, 2, 1])),
        lossx.CosineRangeError,
        r"y_pred must be cosine similarities in \[−1, 1\].*Normalise the embeddings",
        {},
    ),
    "kl-target_range": (
        "kl_divergence",
        (np.full((4, 3), 1 / 3), LOGITS),
        ProbabilityRangeError,
        "y_true must be probabilities in .*log_target=True",
        {},
    ),
    "gkl-negative_measure": (
        "generalized_kl_divergence",
        (np.full((4, 3), 0.5), LOGITS),
        ProbabilityRangeError,
        "y_true must be non-negative measures.*log_target=True",
        {},
    ),
    "kl-contradiction": (
        "kl_divergence",
        (LOGITS, np.full((4, 3), 1 / 3)),
        OptionValueError,
        "contradict each other",
        {"from_logits": True, "log_input": True},
    ),
}


@pytest.mark.parametrize("backend", [backend_param("numpy"), backend_param("torch")])
@pytest.mark.parametrize("name", list(KIND_CASES))
def test_input_kind_error(name: str, backend: str) -> None:
    loss, inputs, error, match, options = KIND_CASES[name]
    arrays = [to_backend(backend, a) for a in inputs]
    with pytest.raises(error, match=match) as raised:
        getattr(lossx, loss)(*arrays, **options)
    assert isinstance(raised.value, LossxError) and isinstance(raised.value, (ValueError, TypeError))


# ---------------------------------------------------------------- every loss of the catalogue


def _example(spec: lossx.LossSpec) -> tuple:
    return spec.example(np.random.default_rng(1), {})


@pytest.mark.parametrize("spec", lossx.registered(), ids=lambda spec: spec.name)
def test_every_loss_names_both_shapes(spec: lossx.LossSpec) -> None:
    """The second input with one row too many: a ShapeError that names both shapes."""
    inputs = list(_example(spec))
    inputs[1] = np.concatenate([inputs[1], inputs[1][:1]])
    with pytest.raises(ShapeError) as raised:
        getattr(lossx, spec.name)(*inputs)
    message = str(raised.value)
    assert str(inputs[0].shape) in message and str(inputs[1].shape) in message, message


@pytest.mark.parametrize("spec", lossx.registered(), ids=lambda spec: spec.name)
def test_every_loss_refuses_integer_predictions(spec: lossx.LossSpec) -> None:
    inputs = list(_example(spec))
    inputs[0] = np.round(inputs[0] * 3).astype(np.int32)
    with pytest.raises(DTypeError, match=f"{spec.name}: {spec.inputs[0].name} has dtype int32; .*floating point"):
        getattr(lossx, spec.name)(*inputs)


@pytest.mark.parametrize("spec", lossx.registered(), ids=lambda spec: spec.name)
def test_every_loss_refuses_unknown_options_and_reductions(spec: lossx.LossSpec) -> None:
    inputs = _example(spec)
    with pytest.raises(UnknownOptionError, match=f"{spec.name}: unknown option 'colour'. Its options are"):
        getattr(lossx, spec.name)(*inputs, colour=1)
    with pytest.raises(
        ReductionError, match=f"{spec.name}: unknown reduction 'batchmean'; use one of 'none', 'sum', 'mean'"
    ):
        getattr(lossx, spec.name)(*inputs, reduction="batchmean")


def _out_of_range():
    """(loss, option, bad value) for every bounded numeric option, from its declaration."""
    for spec in lossx.registered():
        for option in spec.options:
            if option.kind not in ("float", "int", "float_or_weights"):
                continue
            if option.low is not None:
                yield pytest.param(
                    spec, option, option.low if option.low_open else option.low - 1, id=f"{spec.name}-{option.name}-low"
                )
            if option.high is not None:
                yield pytest.param(
                    spec,
                    option,
                    option.high if option.high_open else option.high + 1,
                    id=f"{spec.name}-{option.name}-high",
                )
            if option.kind != "int" and (option.low is None or option.high is None):
                yield pytest.param(
                    spec, option, np.inf if option.high is None else -np.inf, id=f"{spec.name}-{option.name}-inf"
                )


@pytest.mark.parametrize("spec, option, value", list(_out_of_range()))
def test_every_bounded_option_is_range_checked(spec, option, value) -> None:
    with pytest.raises(OptionValueError, match=f"{spec.name}: {option.name}=.* is out of range; valid: "):
        getattr(lossx, spec.name)(*_example(spec), **{option.name: value})


# ---------------------------------------------------------------- messages reviewed across the catalogue


@pytest.mark.parametrize(
    "loss, option, match",
    [
        (
            "quantile",
            "quantile",
            r"quantile has 2 entries .* 6 entries along axis -1; give quantile one value per "
            r"entry of the last axis \(one per column\), or a single number",
        ),
        ("binary_cross_entropy", "pos_weight", "pos_weight has 2 entries .* one value per entry of the last axis"),
    ],
)
def test_per_column_vector_is_not_called_per_class(loss, option, match):
    spec = lossx.lookup(loss)
    with pytest.raises(ShapeError, match=match):
        getattr(lossx, loss)(*_example(spec), **{option: (0.25, 0.75)})


@pytest.mark.parametrize(
    "options, match",
    [
        ({"class_weight": ("a", "b", "c")}, "must be a sequence of numbers"),
        ({"class_weight": 2.0}, "must be a sequence of numbers"),
        ({"class_weight": np.ones((3, 1))}, "must be a sequence of numbers"),
        ({"class_weight": (1.0, 2.0, np.inf)}, r"class_weight=inf is out of range"),
        ({"label_smoothing": np.nan}, "label_smoothing' is NaN"),
        ({"axis": 1.0}, "'axis' must be integer axis, or a tuple of distinct integer axes, got 1.0"),
    ],
    ids=["strings", "scalar", "matrix", "inf-entry", "nan", "float-axis"],
)
def test_bad_option_values(options, match):
    with pytest.raises(OptionValueError, match=match):
        lossx.categorical_cross_entropy(LOGITS, ONE_HOT, from_logits=True, **options)


def test_infinite_delta_is_refused_not_nan():
    """huber with delta=inf used to return NaN (delta·(|r| − ∞)); (0, inf) excludes inf."""
    with pytest.raises(OptionValueError, match=r"delta=inf is out of range; valid: \(0, inf\)"):
        lossx.huber(np.ones(3), np.zeros(3), delta=np.inf)


def test_labels_given_to_a_categorical_loss_are_refused():
    """(N, 1) class indices used to broadcast across the classes: a silent wrong number."""
    with pytest.raises(ShapeError, match="one-hot encoded first"):
        lossx.categorical_cross_entropy(LOGITS, LABELS[:, None] * 1.0, from_logits=True)
    broadcast_rows = np.ones((1, 3)) / 3  # broadcasting along the batch stays allowed
    lossx.categorical_cross_entropy(LOGITS, broadcast_rows, from_logits=True)


def test_non_numeric_arrays_are_refused():
    with pytest.raises(DTypeError, match="y_true holds values of dtype <U1; lossx needs real numbers"):
        lossx.mean_squared_error(np.ones(3), np.array(["a", "b", "c"]))
    with pytest.raises(DTypeError, match="sample_weight holds values of dtype complex128"):
        lossx.mean_squared_error(np.ones(3), np.zeros(3), sample_weight=np.ones(3, complex))
    with pytest.raises(DTypeError, match="y_pred has dtype <U1; predictions must be floating point"):
        importlib.import_module("lossx.backends.numpy").mean_squared_error(np.array(["a"]), np.ones(1))


def test_non_boolean_mask():
    with pytest.raises(DTypeError, match=r"mask has dtype int64; it must be boolean.*mask != 0"):
        lossx.mean_squared_error(np.ones(3), np.zeros(3), mask=np.ones(3, dtype=np.int64))


def test_misaligned_mask_names_both_shapes():
    with pytest.raises(
        ShapeError, match=r"mask of shape \(3,\) does not align with the unreduced loss of shape \(4, 3\)"
    ):
        lossx.mean_squared_error(LOGITS, LOGITS, mask=np.ones(3, dtype=bool))


@pytest.mark.parametrize(
    "inputs, match",
    [
        ((np.ones(3),), r"mean_squared_error: missing input 'y_true'; it takes \(y_pred, y_true\)"),
        (
            (np.ones(3), np.ones(3), np.ones(3)),
            r"takes 2 positional inputs \(y_pred, y_true\) but got 3; .*sample_weight and mask are keyword-only",
        ),
        ((np.ones(3), None), "input 'y_true' is required; got None"),
    ],
    ids=["too-few", "too-many", "none"],
)
def test_wrong_number_of_inputs(inputs, match):
    with pytest.raises(ArgumentError, match=match) as raised:
        lossx.mean_squared_error(*inputs)
    assert isinstance(raised.value, TypeError)


def test_scalar_prediction_for_a_class_axis_loss():
    with pytest.raises(OptionValueError, match="y_pred is a scalar: give it a class"):
        lossx.sparse_categorical_cross_entropy(np.float64(1.0), np.int64(0), from_logits=True)


def test_ignore_index_is_not_out_of_range():
    value = lossx.sparse_categorical_cross_entropy(
        LOGITS, np.array([0, -100, 2, 1]), from_logits=True, ignore_index=-100
    )
    assert np.isfinite(value)


def test_nan_propagates():
    value = lossx.huber(np.array([np.nan, 1.0]), np.zeros(2))
    assert np.isnan(value)


def test_unknown_loss_suggests_names():
    with pytest.raises(UnknownLossError, match=r"Unknown loss 'hubber'\. Did you mean 'huber'"):
        lossx.get("hubber")


# ---------------------------------------------------------------- Keras-only conventions

keras_only = pytest.mark.skipif(not _keras_installed(), reason="keras is not installed")


@keras_only
def test_keras_fractional_labels_are_refused():
    """Keras casts labels to floats before `call`; 0.5 would otherwise be truncated to class 0."""
    from lossx.backends import keras as LK

    with pytest.raises(LabelRangeError, match="y_true holds non-integer values; class labels must be whole"):
        LK.SparseCategoricalCrossEntropy(from_logits=True)(np.array([0.5, 1, 1, 2]), LOGITS.astype("float32"))


@keras_only
def test_keras_unavailable_loss_says_what_to_do():
    from lossx.backends import keras as LK

    spec = lossx.LossSpec(
        "three_inputs",
        lambda xp, a, b, c: a,
        inputs=(lossx.Input("a", "prediction"), lossx.Input("b"), lossx.Input("c")),
    )
    assert re.search(
        r"needs 3 inputs \(a, b, c\) .*packing=lossx\.Packing.* call lossx\.three_inputs on Keras tensors",
        LK.unsupported_reason(spec),
    )


@keras_only
def test_keras_packed_loss_says_how_to_pack():
    from lossx.backends import keras as LK

    anchor = np.zeros((4, 2, 5), "float32")
    with pytest.raises(
        ShapeError,
        match=re.escape(
            "TripletMargin: y_pred of shape (4, 2, 5) has no axis -2 of size 3; Keras's y_pred packs the inputs of "
            "triplet_margin: y_pred = stack([anchor, positive, negative], axis=-2); y_true is not read"
        ),
    ):
        LK.TripletMargin()(np.zeros(4), anchor)
    with pytest.raises(
        ArgumentError,
        match=re.escape(
            "unexpected argument 'mean'; a Keras loss takes y_true, y_pred (y_pred = stack([mean, variance], "
            "axis=-1); y_true = target)"
        ),
    ):
        LK.GaussianNll()(mean=np.zeros(3), target=np.zeros(3))


@keras_only
def test_keras_from_config_refuses_unknown_options():
    from lossx.backends import keras as LK

    config = {**LK.Huber(delta=2.0).get_config(), "detla": 1.0}
    with pytest.raises(UnknownOptionError, match="Did you mean 'delta'"):
        LK.Huber.from_config(config)


# ---------------------------------------------------------------- backends


def test_unknown_backend_lists_installed_ones_and_known_ones():
    from lossx.backends import load

    with pytest.raises(
        BackendError,
        match=r"Unknown lossx backend 'caffe'. Known: numpy, torch, jax, keras.*"
        r"installed here: numpy",
    ):
        load("caffe")


def test_uninstalled_backend_names_the_extra(monkeypatch):
    import lossx._config as config
    from lossx.backends import load

    monkeypatch.setattr(config, "installed_backends", lambda: ("numpy",))
    with pytest.raises(BackendError, match=r"jax backend is not installed; install it with pip install 'lossx\[jax\]'"):
        load("jax")


def test_every_error_is_a_lossx_error_and_a_builtin():
    import lossx._errors as errors

    for name in errors.__all__:
        error = getattr(errors, name)
        assert issubclass(error, LossxError)
        assert error is LossxError or issubclass(error, (ValueError, TypeError)), name


# ---------------------------------------------------------------- inputs by name

NAMED_FORMS = [
    pytest.param("numpy-generic", id="numpy-generic"),
    backend_param("numpy", "numpy-object", id="numpy-object"),
    backend_param("torch", "torch-module", id="torch-module"),
    backend_param("jax", "jax-object", id="jax-object"),
]


def _named_loss(form: str) -> Callable[..., Any]:
    if form == "numpy-generic":
        return lossx.mean_absolute_percentage_error
    module = importlib.import_module(f"lossx.backends.{form.split('-')[0]}")
    return module.MeanAbsolutePercentageError()


@pytest.mark.parametrize("form", NAMED_FORMS)
def test_inputs_by_name_mean_the_same_on_every_backend(form: str) -> None:
    """criterion(y_pred=..., y_true=...) is the call that means the same thing everywhere (README)."""
    backend = "numpy" if form.startswith("numpy") else form.split("-")[0]
    y_pred, y_true = LOGITS, 0.5 * LOGITS + 1.0
    loss = _named_loss(form)
    by_name = loss(y_true=_CONVERT[backend](y_true), y_pred=_CONVERT[backend](y_pred))
    in_order = loss(_CONVERT[backend](y_pred), _CONVERT[backend](y_true))
    np.testing.assert_array_equal(np.asarray(by_name), np.asarray(in_order))
    assert float(by_name) != float(loss(_CONVERT[backend](y_true), _CONVERT[backend](y_pred)))  # MAPE is asymmetric
    with pytest.raises(ArgumentError, match="got two values for input 'y_pred'"):
        loss(_CONVERT[backend](y_pred), y_pred=_CONVERT[backend](y_pred))
    with pytest.raises(ArgumentError, match="missing input 'y_pred'"):
        loss(y_true=_CONVERT[backend](y_true))
    if form != "numpy-generic":
        with pytest.raises(ArgumentError, match=r"unexpected argument 'epsilon'.*its options when it is built"):
            loss(_CONVERT[backend](y_pred), _CONVERT[backend](y_true), epsilon=2.0)
