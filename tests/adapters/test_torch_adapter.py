"""The torch adapter as a torch user meets it: training steps, buffers, state_dict, pickling.

``lossx.backends.torch.<CamelName>`` is an ``nn.Module`` (docs/semantics.md, calling conventions): ``forward(y_pred,
y_true, sample_weight=None)``, per-class tensor options are buffers, ``extra_repr``
shows every option.
"""

from __future__ import annotations

import copy
import io
import math

import numpy as np
import pytest

from tests.support.frameworks import only_framework

torch = pytest.importorskip("torch")

import lossx  # noqa: E402
from lossx.backends import torch as LT  # noqa: E402

pytestmark = only_framework("torch")

CLASS_WEIGHT = (1.0, 2.0, 0.5, 3.0)
POS_WEIGHT = (2.0, 0.5, 1.5)


def _make(name: str, **options):
    return getattr(LT, name)(**options)


def _data(kind: str, dtype=torch.float32, seed: int = 0):
    """``(features, y_true, output width)`` for a small linear model."""
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(16, 5, generator=generator, dtype=dtype)
    if kind == "regression":
        return features, torch.randn(16, 3, generator=generator, dtype=dtype), 3
    if kind == "binary":
        return features, (torch.rand(16, 3, generator=generator) < 0.4).to(dtype), 3
    if kind == "one_hot":
        labels = torch.randint(0, 4, (16,), generator=generator)
        return features, torch.nn.functional.one_hot(labels, 4).to(dtype), 4
    labels = torch.randint(0, 4, (16,), generator=generator)
    labels[::5] = -100
    return features, labels, 4


# (test id, CamelName, options, data kind): every loss, with non-default options.
TRAINING_CASES = [
    ("mse", "MeanSquaredError", {}, "regression"),
    ("mae", "MeanAbsoluteError", {}, "regression"),
    ("huber-delta0.5", "Huber", {"delta": 0.5}, "regression"),
    (
        "bce-logits-posweight_vec-smooth",
        "BinaryCrossEntropy",
        {"from_logits": True, "pos_weight": POS_WEIGHT, "label_smoothing": 0.1},
        "binary",
    ),
    ("bce-logits-posweight_scalar", "BinaryCrossEntropy", {"from_logits": True, "pos_weight": 2.0}, "binary"),
    (
        "focal-logits-alpha-gamma",
        "BinaryFocalCrossEntropy",
        {"from_logits": True, "alpha": 0.3, "gamma": 1.5},
        "binary",
    ),
    (
        "cce-logits-classweight-smooth",
        "CategoricalCrossEntropy",
        {"from_logits": True, "class_weight": CLASS_WEIGHT, "label_smoothing": 0.1},
        "one_hot",
    ),
    (
        "scce-logits-classweight-ignore",
        "SparseCategoricalCrossEntropy",
        {"from_logits": True, "class_weight": CLASS_WEIGHT, "ignore_index": -100, "label_smoothing": 0.05},
        "labels",
    ),
    ("hinge", "Hinge", {}, "binary"),
    ("categorical_hinge", "CategoricalHinge", {}, "one_hot"),
]


@pytest.mark.parametrize(
    ("name", "options", "kind"), [c[1:] for c in TRAINING_CASES], ids=[c[0] for c in TRAINING_CASES]
)
def test_training_step_updates_parameters(name, options, kind):
    torch.manual_seed(0)
    features, y_true, width = _data(kind)
    model = torch.nn.Linear(5, width)
    loss_fn = _make(name, **options)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]

    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = loss_fn(model(features), y_true)
        assert loss.shape == () and loss.dtype == torch.float32
        loss.backward()
        for parameter in model.parameters():
            assert parameter.grad is not None and torch.isfinite(parameter.grad).all()
        optimizer.step()
        losses.append(loss.item())

    assert all(np.isfinite(losses))
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))
    # Plain SGD with a small step on a convex loss of a linear model decreases it.
    assert losses[-1] < losses[0]


def test_module_matches_generic_function():
    features, y_true, _ = _data("labels", torch.float64)
    logits = torch.nn.Linear(5, 4, dtype=torch.float64)(features)
    options = {"from_logits": True, "class_weight": CLASS_WEIGHT, "ignore_index": -100}
    module = LT.SparseCategoricalCrossEntropy(**options)
    torch.testing.assert_close(
        module(logits, y_true), lossx.sparse_categorical_cross_entropy(logits, y_true, **options), rtol=1e-12, atol=0
    )
    assert module(logits, y_true).dtype == torch.float64


# ----------------------------------------------------------------- buffers


@pytest.mark.parametrize(
    ("name", "option", "value"),
    [
        ("CategoricalCrossEntropy", "class_weight", CLASS_WEIGHT),
        ("SparseCategoricalCrossEntropy", "class_weight", CLASS_WEIGHT),
        ("BinaryCrossEntropy", "pos_weight", POS_WEIGHT),
    ],
    ids=["cce-class_weight", "scce-class_weight", "bce-pos_weight_vector"],
)
def test_tensor_options_are_buffers(name, option, value):
    module = _make(name, **{option: value, "from_logits": True})
    buffers = dict(module.named_buffers())
    assert set(buffers) == {option}
    assert option in module.state_dict()
    # float64 buffers keep the weights exact for float64 inputs (docs/semantics.md, numerical promise).
    torch.testing.assert_close(buffers[option], torch.tensor(value, dtype=torch.float64), rtol=0, atol=0)
    assert not list(module.parameters())

    module.to(torch.float32)
    assert getattr(module, option).dtype == torch.float32
    torch.testing.assert_close(getattr(module, option), torch.tensor(value, dtype=torch.float32))


def test_scalar_pos_weight_is_not_a_buffer():
    module = LT.BinaryCrossEntropy(from_logits=True, pos_weight=2.0)
    assert not dict(module.named_buffers())
    assert module.state_dict() == {}
    assert "pos_weight=2.0" in repr(module)


def test_float64_buffer_computes_in_input_dtype():
    module = LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT).to(torch.float64)
    features, y_true, _ = _data("labels", torch.float32)
    y_true = torch.where(y_true < 0, torch.zeros_like(y_true), y_true)
    logits32 = features[:, :4].contiguous()
    out32 = module(logits32, y_true)
    assert out32.dtype == torch.float32
    out64 = module(logits32.double(), y_true)
    assert out64.dtype == torch.float64
    torch.testing.assert_close(out32.double(), out64, rtol=1e-5, atol=1e-6)


def test_tensor_class_weight_given_as_tensor():
    weight = torch.tensor(CLASS_WEIGHT, dtype=torch.float64)
    module = LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=weight)
    assert module.class_weight.dtype == torch.float64
    reference = LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT)
    logits = torch.randn(6, 4, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 3, 1, 0])
    torch.testing.assert_close(module(logits, labels), reference(logits, labels), rtol=1e-7, atol=0)


# ----------------------------------------------------------------- repr


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (lambda: LT.Huber(delta=0.5, reduction="sum"), ["delta=0.5", "reduction='sum'"]),
        (
            lambda: LT.SparseCategoricalCrossEntropy(
                from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-100, axis=1
            ),
            [
                "from_logits=True",
                "class_weight=(1.0, 2.0, 0.5, 3.0)",
                "ignore_index=-100",
                "axis=1",
                "label_smoothing=0.0",
                "reduction='mean'",
            ],
        ),
        (lambda: LT.BinaryFocalCrossEntropy(alpha=0.3, gamma=1.5), ["alpha=0.3", "gamma=1.5", "from_logits=False"]),
        (lambda: LT.MeanSquaredError(), ["reduction='mean'"]),
        (lambda: LT.CategoricalCrossEntropy(axis=[2, 1]), ["axis=(2, 1)"]),
    ],
    ids=["huber", "scce", "focal", "mse", "cce-axes"],
)
def test_extra_repr_shows_options(module, expected):
    text = repr(module())
    for piece in expected:
        assert piece in text, (piece, text)


# ----------------------------------------------------------------- state and copies


def _scce_pair():
    logits = torch.randn(8, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    labels = torch.tensor([0, 1, 2, 3, -100, 1, 0, 2])
    return logits, labels


def test_state_dict_round_trip():
    source = LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=(4.0, 3.0, 2.0, 1.0), ignore_index=-100)
    target = LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-100)
    logits, labels = _scce_pair()
    assert not torch.allclose(source(logits, labels), target(logits, labels))

    buffer = io.BytesIO()
    torch.save(source.state_dict(), buffer)
    buffer.seek(0)
    target.load_state_dict(torch.load(buffer, weights_only=True))
    torch.testing.assert_close(target.class_weight, source.class_weight)
    torch.testing.assert_close(target(logits, labels), source(logits, labels), rtol=1e-12, atol=0)


def test_state_dict_inside_a_model():
    model = torch.nn.Sequential(torch.nn.Linear(5, 3))
    model.loss = LT.BinaryCrossEntropy(from_logits=True, pos_weight=POS_WEIGHT)
    assert "loss.pos_weight" in model.state_dict()
    clone = torch.nn.Sequential(torch.nn.Linear(5, 3))
    clone.loss = LT.BinaryCrossEntropy(from_logits=True, pos_weight=(1.0, 1.0, 1.0))
    clone.load_state_dict(model.state_dict())
    torch.testing.assert_close(clone.loss.pos_weight, model.loss.pos_weight)


def test_deepcopy():
    module = LT.SparseCategoricalCrossEntropy(
        from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-100, reduction="sum"
    )
    clone = copy.deepcopy(module)
    assert type(clone) is type(module)
    assert repr(clone) == repr(module)
    assert clone.class_weight is not module.class_weight
    logits, labels = _scce_pair()
    torch.testing.assert_close(clone(logits, labels), module(logits, labels), rtol=0, atol=0)


@pytest.mark.parametrize(
    "module",
    [
        lambda: LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-100),
        lambda: LT.Huber(delta=2.0, reduction="none"),
        lambda: LT.BinaryCrossEntropy(from_logits=True, pos_weight=POS_WEIGHT, label_smoothing=0.1),
    ],
    ids=["scce", "huber", "bce"],
)
def test_torch_save_whole_module(module, tmp_path):
    module = module()
    path = tmp_path / "loss.pt"
    torch.save(module, path)
    loaded = torch.load(path, weights_only=False)
    assert type(loaded) is type(module)
    assert repr(loaded) == repr(module)
    assert loaded.state_dict().keys() == module.state_dict().keys()
    for key, value in module.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)


class _Classifier(torch.nn.Module):
    """A model that owns its criterion, as many training scripts write it."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(5, 4)
        self.criterion = LT.SparseCategoricalCrossEntropy(
            from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-100
        )

    def forward(self, features, labels):
        return self.criterion(self.linear(features), labels)


def test_torch_save_model_with_loss(tmp_path):
    model = _Classifier()
    torch.save(model, tmp_path / "model.pt")
    loaded = torch.load(tmp_path / "model.pt", weights_only=False)
    assert "criterion.class_weight" in loaded.state_dict()
    features, labels, _ = _data("labels")
    torch.testing.assert_close(loaded(features, labels), model(features, labels), rtol=0, atol=0)


# ----------------------------------------------------------------- sample_weight, reduction


def test_forward_sample_weight():
    generator = torch.Generator().manual_seed(1)
    y_pred = torch.randn(6, 3, dtype=torch.float64, generator=generator)
    y_true = torch.randn(6, 3, dtype=torch.float64, generator=generator)
    weight = torch.rand(6, dtype=torch.float64, generator=generator)
    squared = (y_pred - y_true) ** 2

    mean = LT.MeanSquaredError()(y_pred, y_true, sample_weight=weight)
    torch.testing.assert_close(mean, (squared * weight[:, None]).sum() / (weight.sum() * 3), rtol=1e-12, atol=0)
    summed = LT.MeanSquaredError(reduction="sum")(y_pred, y_true, sample_weight=weight)
    torch.testing.assert_close(summed, (squared * weight[:, None]).sum(), rtol=1e-12, atol=0)
    none = LT.MeanSquaredError(reduction="none")(y_pred, y_true, weight)
    torch.testing.assert_close(none, squared * weight[:, None], rtol=1e-12, atol=0)
    # Weights given as a list are converted to a tensor of y_pred's dtype and device.
    listed = LT.MeanSquaredError()(y_pred, y_true, sample_weight=weight.tolist())
    torch.testing.assert_close(listed, mean, rtol=1e-12, atol=0)


def test_forward_sample_weight_with_class_weight_and_ignore():
    logits, labels = _scce_pair()
    weight = torch.linspace(0.5, 2.0, 8, dtype=torch.float64)
    module = LT.SparseCategoricalCrossEntropy(from_logits=True, class_weight=CLASS_WEIGHT, ignore_index=-100)
    nll = torch.nn.functional.cross_entropy(logits, labels, reduction="none", ignore_index=-100)
    class_weight = torch.tensor(CLASS_WEIGHT, dtype=torch.float64)[labels.clamp(min=0)] * (labels != -100)
    expected = (nll * class_weight * weight).sum() / (class_weight * weight).sum()
    torch.testing.assert_close(module(logits, labels, sample_weight=weight), expected, rtol=1e-12, atol=0)


def test_gradient_flows_to_prediction_only():
    generator = torch.Generator().manual_seed(2)
    logits = torch.randn(5, 3, dtype=torch.float64, generator=generator, requires_grad=True)
    y_true = (torch.rand(5, 3, generator=generator) < 0.5).double()
    module = LT.BinaryCrossEntropy(from_logits=True, pos_weight=POS_WEIGHT)
    module(logits, y_true).backward()
    expected = torch.autograd.grad(
        torch.nn.functional.binary_cross_entropy_with_logits(
            logits, y_true, pos_weight=torch.tensor(POS_WEIGHT, dtype=torch.float64)
        ),
        logits,
    )[0]
    torch.testing.assert_close(logits.grad, expected, rtol=1e-12, atol=1e-15)
    assert module.pos_weight.grad is None and not module.pos_weight.requires_grad


def test_invalid_options_raise_lossx_errors():
    with pytest.raises(lossx.OptionValueError):
        LT.Huber(delta=0.0)
    with pytest.raises(lossx.UnknownOptionError):
        LT.Huber(beta=1.0)
    with pytest.raises(lossx.ReductionError):
        LT.Huber(reduction="batchmean")


def test_learned_scalar_pos_weight_keeps_its_gradient():
    logits = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    targets = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    pos_weight = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    lossx.binary_cross_entropy(logits, targets, from_logits=True, pos_weight=pos_weight).backward()
    # d/dw of mean(w·t·softplus(−x) + (1−t)·softplus(x)) = mean(t·softplus(−x))
    expected = torch.mean(targets * torch.nn.functional.softplus(-logits))
    torch.testing.assert_close(pos_weight.grad, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("loss", ["dice", "tversky", "jaccard"])
def test_class_positions_follow_the_prediction_device(loss, monkeypatch):
    """Integer labels on an accelerator: every class index array is made on y_pred's device.

    dice/tversky/jaccard once built theirs on the CPU and failed on CUDA ("Expected all
    tensors to be on the same device"). The meta device stands in for an accelerator here:
    it is not the CPU, and every operation on it runs without data. The label-range check,
    which needs data, is skipped as it is under compilation.
    """
    from lossx import _call

    monkeypatch.setattr(_call, "is_eager", lambda x: False)
    logits = torch.zeros(2, 4, 3, device="meta", requires_grad=True)
    labels = torch.zeros(2, 4, dtype=torch.int64, device="meta")
    out = getattr(lossx, loss)(logits, labels, from_logits=True, axis=-1)
    assert out.device.type == "meta"
    out.backward()
    assert logits.grad.device.type == "meta"


# One autograd node for loss and reduction (lossx.primitives.deferred): the loss and the
# node torch's own loss of the same reduction ends in, or lossx's autograd.Function where
# torch's kernel cancels digits (sigmoid cross-entropy). (torch's l1_loss is itself abs then
# mean, two nodes: MAE is left out.)
_FUSED = [
    ("MeanSquaredError", {}, "regression", "MseLossBackward0"),
    ("Huber", {"delta": 0.5}, "regression", "HuberLossBackward0"),
    ("SmoothL1", {"beta": 0.5}, "regression", "SmoothL1LossBackward0"),
    ("BinaryCrossEntropy", {"from_logits": True, "pos_weight": 2.0}, "binary", "SigmoidCrossEntropyBackward"),
    ("SparseCategoricalCrossEntropy", {"from_logits": True}, "labels", "NllLossBackward0"),
    ("Nll", {}, "labels", "NllLossBackward0"),
    ("MultiMargin", {"p": 2}, "labels", "MultiMarginLossBackward0"),
]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(
    "name, options, kind, node",
    _FUSED,
    ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in o.items()) or 'default'}" for n, o, _, _ in _FUSED],
)
def test_unweighted_reduction_is_one_node_with_the_loss(name, options, kind, node, reduction):
    features, y_true, width = _data(kind, torch.float64)
    if kind == "labels":
        y_true = y_true.clamp(min=0)  # no padding: ignore_index is not set
    y_pred = features[:, :1].repeat(1, width).requires_grad_()
    loss = _make(name, reduction=reduction, **options)
    fused = loss(y_pred, y_true)
    assert fused.grad_fn.name() == node
    # The same loss through the unfused path (reduction "none", then the reduction by hand).
    unfused = loss.spec.compute((y_pred, y_true), loss._options(), "none")
    by_hand = unfused.mean() if reduction == "mean" else unfused.sum()
    torch.testing.assert_close(fused, by_hand, rtol=1e-13, atol=0)
    (fused_grad,) = torch.autograd.grad(fused, y_pred)
    (hand_grad,) = torch.autograd.grad(by_hand, y_pred)
    torch.testing.assert_close(fused_grad, hand_grad, rtol=1e-13, atol=1e-15)


def test_tuple_class_axes_keep_the_fused_kernel():
    """axis=(1, 2) flattens the class axes before the body: torch's own cross-entropy still runs, on the
    slice's flat index, and matches it on the layout flattened here."""
    logits = torch.randn(
        3, 2, 4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1), requires_grad=True
    )
    labels = torch.randint(0, 8, (3, 5), generator=torch.Generator().manual_seed(2))
    value = LT.SparseCategoricalCrossEntropy(from_logits=True, axis=(1, 2))(logits, labels)
    assert value.grad_fn.name() == "NllLoss2DBackward0"  # (3, 5) samples of 8 classes: torch's kernel for (N, C, d)
    expected = torch.nn.functional.cross_entropy(logits.reshape(3, 8, 5), labels)
    torch.testing.assert_close(value, expected, rtol=1e-13, atol=0)
    (grad,) = torch.autograd.grad(value, logits)
    (expected_grad,) = torch.autograd.grad(expected, logits)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-13, atol=1e-16)


def test_weighted_or_empty_reductions_take_the_general_path():
    y_pred = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    y_true = torch.randn(4, 3, dtype=torch.float64)
    loss = LT.MeanSquaredError()
    weighted = loss(y_pred, y_true, sample_weight=torch.tensor([1.0, 0.0, 2.0, 1.0], dtype=torch.float64))
    assert weighted.grad_fn.name() != "MseLossBackward0"
    expected = ((y_pred - y_true) ** 2).detach().numpy() * np.array([[1.0], [0.0], [2.0], [1.0]])
    np.testing.assert_allclose(float(weighted.detach()), expected.sum() / 12.0, rtol=1e-13)
    # torch's fused mean of no entries is NaN; lossx's is 0 (docs/semantics.md, reductions and weights).
    empty = loss(torch.zeros(0, 3, requires_grad=True), torch.zeros(0, 3))
    assert float(empty.detach()) == 0.0
    # Also where only the third array is empty (margin ranking's target; the scores broadcast to it).
    ranking = LT.MarginRanking()(torch.zeros(1, requires_grad=True), torch.zeros(1), torch.zeros(0))
    assert ranking.shape == () and float(ranking.detach()) == 0.0


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_soft_targets_keep_zero_log_zero(reduction):
    # torch's own soft-target cross-entropy and kl_div are NaN for a 0·log 0 term: the fused
    # path must hand those calls to the exact form (value 0 for the term, finite gradients).
    logits = torch.tensor([[2.0, -math.inf, 0.5], [0.1, 0.2, 0.3]], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([[0.7, 0.0, 0.3], [0.2, 0.5, 0.3]], dtype=torch.float64)
    log_p = torch.log_softmax(logits.detach(), 1).numpy()
    t = target.numpy()
    rows = -np.where(t > 0, t * np.where(t > 0, log_p, 0.0), 0.0).sum(1)
    cce = LT.CategoricalCrossEntropy(from_logits=True, reduction=reduction)(logits, target)
    np.testing.assert_allclose(float(cce.detach()), rows.mean() if reduction == "mean" else rows.sum(), rtol=1e-13)
    (grad,) = torch.autograd.grad(cce, logits)
    assert torch.isfinite(grad).all()
    kl_rows = rows + np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0).sum(1)
    kl = LT.KlDivergence(from_logits=True, reduction=reduction)(logits, target)
    np.testing.assert_allclose(float(kl.detach()), kl_rows.mean() if reduction == "mean" else kl_rows.sum(), rtol=1e-13)
    assert torch.isfinite(torch.autograd.grad(kl, logits)[0]).all()


def test_fused_kl_leaves_a_differentiated_target_to_the_exact_form():
    # kl_div's target gradient is NaN wherever t = 0; lossx's is 0 there.
    log_q = torch.log_softmax(torch.randn(3, 4, dtype=torch.float64), 1)
    target = torch.tensor(
        [[0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]], dtype=torch.float64, requires_grad=True
    )
    kl = LT.KlDivergence(log_input=True)(log_q, target)
    (grad,) = torch.autograd.grad(kl, target)
    t, q = target.detach().numpy(), log_q.numpy()
    expected = np.where(t > 0, np.log(np.where(t > 0, t, 1.0)) + 1.0 - q, 0.0) / 3.0
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-13)
