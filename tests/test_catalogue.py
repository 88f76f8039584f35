"""The catalogue (issue 3): every loss exists in the generic API and in every adapter.

The one structural exception: a ``keras.losses.Loss`` takes only ``(y_true, y_pred)``,
so losses with more required inputs have no Keras class and say why.
"""

from __future__ import annotations

import pytest

import lossx
from conftest import installed
from lossx.backends import load, unavailable

CATALOGUE = [
    # foundation
    "mean_squared_error", "mean_absolute_error", "huber", "binary_cross_entropy", "binary_focal_cross_entropy",
    "categorical_cross_entropy", "sparse_categorical_cross_entropy", "hinge", "categorical_hinge",
    # regression
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "smooth_l1", "log_cosh", "quantile",
    "poisson", "gaussian_nll", "cosine_similarity",
    # classification
    "categorical_focal_cross_entropy", "sparse_categorical_focal_cross_entropy", "squared_hinge", "multi_margin",
    "soft_margin", "multilabel_soft_margin", "poly_cross_entropy", "generalized_cross_entropy", "kl_divergence",
    "nll",
    # overlap
    "dice", "tversky", "jaccard",
    # embeddings and ranking
    "margin_ranking", "hinge_embedding", "cosine_embedding", "triplet_margin", "ntxent", "circle",
    # sequences
    "ctc",
]
KERAS_EXCEPTIONS = {"gaussian_nll", "margin_ranking", "cosine_embedding", "triplet_margin"}
ADAPTERS = {"numpy": "numpy", "jax": "jax", "torch": "torch", "keras": "tensorflow"}


def test_the_catalogue_is_complete():
    assert set(CATALOGUE) <= set(lossx.losses.__all__)
    assert set(lossx.losses.__all__) <= set(CATALOGUE), "a new loss: add it to CATALOGUE"


@pytest.mark.parametrize("name", CATALOGUE)
def test_generic_function(name):
    function = getattr(lossx, name)
    assert function.spec.name == name and function.__doc__
    assert "Reference" in function.__doc__, "the docstring names a reference"


@pytest.mark.parametrize("name", CATALOGUE)
@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_adapter_has_the_loss(adapter, name):
    module_name = "keras" if adapter == "keras" else ADAPTERS[adapter]
    if not installed(ADAPTERS[adapter]) and not (adapter == "keras" and (installed("jax") or installed("torch"))):
        pytest.skip(f"{module_name} is not installed")
    if adapter == "keras":
        pytest.importorskip("keras")
    module = load(adapter)
    spec = lossx.lookup(name)
    if adapter == "keras" and name in KERAS_EXCEPTIONS:
        assert unavailable(spec, "keras")
        with pytest.raises(AttributeError, match="receives only"):
            getattr(module, spec.camel_name)
        return
    assert unavailable(spec, adapter) is None
    assert callable(getattr(module, spec.camel_name))
    assert callable(getattr(module, name))


def test_keras_exceptions_are_the_losses_with_more_than_two_inputs():
    assert {name for name in CATALOGUE if unavailable(lossx.lookup(name), "keras")} == KERAS_EXCEPTIONS
