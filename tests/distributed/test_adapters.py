"""``mean_across`` and ``total_weight`` in every adapter: where each is given, shown, saved and compared."""

from __future__ import annotations

import numpy as np
import pytest

import lossx
from tests.support.frameworks import backend_param, framework

LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0], [0.3, 0.2, -0.4]])
LABELS = np.array([2, -100, 0])
OPTIONS = {"from_logits": True, "ignore_index": -100}
#: The two-row halves of the batch and the batch's Σw (two labels are not ignored).
HALVES = [slice(0, 2), slice(2, 3)]
TOTAL = 2.0


def _whole() -> float:
    return float(lossx.sparse_categorical_cross_entropy(LOGITS, LABELS, **OPTIONS))


@pytest.mark.parametrize("backend", [backend_param("numpy"), backend_param("jax")])
def test_frozen_objects_take_total_weight_per_call_and_mean_across_when_built(backend: str) -> None:
    if backend == "jax":
        framework("jax")
    adapter = pytest.importorskip(f"lossx.backends.{backend}")
    loss = adapter.SparseCategoricalCrossEntropy(**OPTIONS)
    halves = sum(float(loss(LOGITS[rows], LABELS[rows], total_weight=TOTAL)) for rows in HALVES)
    np.testing.assert_allclose(halves, _whole(), rtol=1e-15)
    grouped = adapter.SparseCategoricalCrossEntropy(mean_across="data", **OPTIONS)
    assert "mean_across='data'" in repr(grouped)
    assert grouped == adapter.SparseCategoricalCrossEntropy(mean_across="data", **OPTIONS)
    assert hash(grouped) == hash(adapter.SparseCategoricalCrossEntropy(mean_across="data", **OPTIONS))
    assert grouped != loss


@pytest.mark.parametrize("backend", [backend_param("torch")])
def test_torch_modules_and_presets(backend: str) -> None:
    torch = framework("torch")
    torch_losses = pytest.importorskip("lossx.backends.torch")
    logits, labels = torch.tensor(LOGITS, requires_grad=True), torch.tensor(LABELS)
    for module in (torch_losses.SparseCategoricalCrossEntropy(**OPTIONS), torch_losses.CrossEntropyLoss()):
        halves = sum(module(logits[rows], labels[rows], total_weight=TOTAL) for rows in HALVES)
        np.testing.assert_allclose(halves.item(), _whole(), rtol=1e-15)
        halves.backward()
        assert torch.isfinite(logits.grad).all()
        logits.grad = None
    assert "mean_across='world'" in repr(torch_losses.CrossEntropyLoss(mean_across="world"))
    zero = torch_losses.CrossEntropyLoss()(logits, labels, total_weight=0)
    zero.backward()
    assert zero.item() == 0.0 and torch.count_nonzero(logits.grad) == 0, "0 gives 0 with a zero gradient"


def test_keras_total_weight_method_counts_as_keras_reduces() -> None:
    pytest.importorskip("keras")
    keras_losses = pytest.importorskip("lossx.backends.keras")
    logits, weights = LOGITS.astype("float32"), np.array([1.0, 5.0, 3.0], dtype="float32")
    for reduction, expected in [("sum_over_batch_size", 2.0), ("mean_with_sample_weight", 4.0)]:
        loss = keras_losses.SparseCategoricalCrossEntropy(reduction=reduction, **OPTIONS)
        total = float(loss.total_weight(LABELS, logits, weights))
        assert total == expected, reduction
        halves = sum(float(loss(LABELS[rows], logits[rows], weights[rows], total_weight=total)) for rows in HALVES)
        np.testing.assert_allclose(halves, float(loss(LABELS, logits, weights)), rtol=1e-6)


def test_keras_config_keeps_mean_across() -> None:
    keras = pytest.importorskip("keras")
    keras_losses = pytest.importorskip("lossx.backends.keras")
    loss = keras_losses.SparseCategoricalCrossEntropy(mean_across="replicas", **OPTIONS)
    config = loss.get_config()
    assert config["mean_across"] == "replicas"
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss) and restored.mean_across == "replicas"
    assert "mean_across" not in keras_losses.SparseCategoricalCrossEntropy(**OPTIONS).get_config()
