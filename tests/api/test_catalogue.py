"""The catalogue (issue 3): every loss exists in the generic API and in every adapter.

A ``keras.losses.Loss`` takes only ``(y_true, y_pred)``: the losses with more required
inputs declare how they pack into those two (``lossx.Packing``), so every loss has a Keras class.
"""

from __future__ import annotations

import pytest

import lossx
from lossx.backends import load, unavailable
from tests.support.frameworks import installed

CATALOGUE = [
    # the nine core losses (tests/support/mapping/core.py)
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "binary_cross_entropy",
    "binary_focal_cross_entropy",
    "categorical_cross_entropy",
    "sparse_categorical_cross_entropy",
    "hinge",
    "categorical_hinge",
    # regression
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "smooth_l1",
    "log_cosh",
    "quantile",
    "poisson",
    "gaussian_nll",
    "cosine_similarity",
    # classification
    "categorical_focal_cross_entropy",
    "sparse_categorical_focal_cross_entropy",
    "squared_hinge",
    "multi_margin",
    "soft_margin",
    "multilabel_soft_margin",
    "multilabel_margin",
    "perceptron",
    "multiclass_perceptron",
    "poly_cross_entropy",
    "generalized_cross_entropy",
    "kl_divergence",
    "generalized_kl_divergence",
    "jensen_shannon",
    "asymmetric",
    "nll",
    "cosface",
    "arcface",
    "weighted_kappa",
    "sparsemax",
    "multiclass_sparsemax",
    # overlap
    "dice",
    "generalized_dice",
    "tversky",
    "focal_tversky",
    "jaccard",
    "mcc",
    "lovasz_hinge",
    "lovasz_softmax",
    # boxes
    "generalized_box_iou",
    "distance_box_iou",
    "complete_box_iou",
    # embeddings and ranking
    "margin_ranking",
    "hinge_embedding",
    "cosine_embedding",
    "ranking_softmax",
    "triplet_margin",
    "ntxent",
    "circle",
    "contrastive",
    "supervised_contrastive",
    "mined_triplet",
    "lifted_structure",
    "npairs",
    # sequences
    "ctc",
]
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
    assert unavailable(spec, adapter) is None
    assert callable(getattr(module, spec.camel_name))
    assert callable(getattr(module, name))


def test_losses_with_more_than_two_inputs_declare_their_keras_packing():
    more = {name for name in CATALOGUE if lossx.lookup(name).required_inputs > 2}
    assert more == {"gaussian_nll", "margin_ranking", "cosine_embedding", "triplet_margin", "npairs"}
    assert {name for name in CATALOGUE if lossx.lookup(name).packing is not None} == more
    assert not [name for name in CATALOGUE if unavailable(lossx.lookup(name), "keras")]


def test_a_loss_with_more_inputs_and_no_packing_has_no_keras_class():
    spec = lossx.LossSpec(
        "three_inputs",
        lambda xp, a, b, c: a,
        inputs=(lossx.Input("a", "prediction"), lossx.Input("b"), lossx.Input("c")),
    )
    assert "declare how they pack" in unavailable(spec, "keras")
    assert unavailable(spec, "torch") is None


ALIASES = [(alias, spec.name) for spec in lossx.registered() if spec.name in CATALOGUE for alias in spec.aliases]


@pytest.mark.parametrize(("alias", "name"), ALIASES, ids=[alias for alias, _ in ALIASES])
@pytest.mark.parametrize("adapter", ["lossx", *ADAPTERS])
def test_aliases_are_attributes(adapter, alias, name):
    """The README's short names (mse, bce, scce, ...) are the loss's own function in lossx and every adapter."""
    if adapter == "lossx":
        module = lossx
    else:
        if not installed(ADAPTERS[adapter]) and not (adapter == "keras" and (installed("jax") or installed("torch"))):
            pytest.skip(f"{adapter} is not installed")
        if adapter == "keras":
            pytest.importorskip("keras")
        module = load(adapter)
    assert getattr(module, alias) is getattr(module, name)
    assert alias in dir(module)


PUBLIC_ADAPTER_HELPERS = {
    "numpy": {"NumpyLoss", "linear_cross_entropy"},
    "jax": {"JaxLoss", "linear_cross_entropy"},
    "torch": {"TorchLoss", "LinearCrossEntropyLoss", "linear_cross_entropy"},
    "keras": {"KerasLoss", "CombinedKerasLoss", "LinearCrossEntropy", "unsupported_reason"},
}


def _loss_names(module_name: str) -> set[str]:
    from lossx.presets import presets

    framework = "keras" if module_name == "keras" else module_name
    names = {
        n
        for spec in lossx.registered()
        if not (module_name == "keras" and unavailable(spec, "keras"))
        for n in (spec.name, spec.camel_name, *spec.aliases)
    }
    return names | {p.name for p in presets(framework)} | {p.function for p in presets(framework) if p.function}


@pytest.mark.parametrize("adapter", ["lossx", *ADAPTERS])
def test_namespaces_list_public_names_only(adapter):
    """dir() and __all__ hold the API, not the modules' imports (importlib, annotations, Any, torch, ...)."""
    if adapter == "lossx":
        module = lossx
        expected = set(lossx.__all__) | {
            n for spec in lossx.registered() for n in (spec.name, spec.camel_name, *spec.aliases)
        }
        expected |= {"backends", "losses", "testing", "__version__"}
        assert set(dir(module)) == expected
        for name in ("importlib", "annotations", "Any"):
            assert not hasattr(module, name), name
        return
    if not installed(ADAPTERS[adapter]) and not (adapter == "keras" and (installed("jax") or installed("torch"))):
        pytest.skip(f"{adapter} is not installed")
    if adapter == "keras":
        pytest.importorskip("keras")
    module = load(adapter)
    expected = _loss_names(adapter) | PUBLIC_ADAPTER_HELPERS[adapter]
    assert set(dir(module)) == expected, set(dir(module)) ^ expected
    assert set(module.__all__) == expected
