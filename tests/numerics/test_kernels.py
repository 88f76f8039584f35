"""Every kernel module honours the one declaration in lossx.kernels (names and signatures)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect

import pytest

from lossx import kernels, primitives
from lossx.kernels import generic

#: Each framework module and the framework it needs installed.
FRAMEWORK_MODULES = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


def _parameters(signature: inspect.Signature, leading: int = 0) -> list:
    """Names, kinds and defaults of the parameters after the first ``leading`` (annotations are not compared)."""
    return [(p.name, p.kind, p.default) for p in list(signature.parameters.values())[leading:]]


def _declared(protocol: type, name: str) -> list:
    return _parameters(inspect.signature(getattr(protocol, name)), leading=1)  # without self


def _module(framework: str):
    if importlib.util.find_spec(FRAMEWORK_MODULES[framework]) is None:
        pytest.skip(f"{framework} is not installed")
    return importlib.import_module(f"lossx.kernels.{framework}")


def test_every_declared_kernel_has_a_generic_formula_of_its_signature():
    import array_api_compat.numpy as xp

    table = generic.table(xp, {})
    assert sorted(table) == sorted(kernels.KERNEL_NAMES)
    for name in kernels.KERNEL_NAMES:
        assert _parameters(inspect.signature(table[name])) == _declared(kernels.Kernels, name), name


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_MODULES))
def test_native_kernels_are_declared_with_their_signatures(framework):
    module = _module(framework)
    undeclared = set(module.KERNELS) - set(kernels.KERNEL_NAMES)
    assert not undeclared, f"lossx.kernels.{framework} has kernels the declaration lacks: {sorted(undeclared)}"
    for name, kernel in module.KERNELS.items():
        assert _parameters(inspect.signature(kernel)) == _declared(kernels.Kernels, name), f"{framework}: {name}"


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_MODULES))
def test_fused_kernels_are_declared_with_their_signatures(framework):
    module = _module(framework)
    undeclared = set(module.FUSED) - set(kernels.FUSED_NAMES)
    assert not undeclared, f"lossx.kernels.{framework} has fused kernels the declaration lacks: {sorted(undeclared)}"
    for name, kernel in module.FUSED.items():
        assert _parameters(inspect.signature(kernel)) == _declared(kernels.FusedKernels, name), f"{framework}: {name}"


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_MODULES))
def test_services_are_offered_with_their_signatures(framework):
    module = _module(framework)
    for name in kernels.SERVICE_NAMES:
        service = getattr(module, name, None)
        assert callable(service), f"lossx.kernels.{framework} lacks the service {name}"
        assert _parameters(inspect.signature(service)) == _declared(kernels.Services, name), f"{framework}: {name}"


#: The fused linear cross-entropy also takes the mask of the labels that count (its mean divides by
#: their class weights).
FUSED_ONLY = {"linear_cross_entropy": {"valid"}}
LOSS_ONLY: dict[str, set[str]] = {}


def test_every_fused_kernel_fuses_a_declared_kernel_with_the_reduction_first():
    for name in kernels.FUSED_NAMES:
        assert name in kernels.KERNEL_NAMES, name
        fused, loss = _declared(kernels.FusedKernels, name), _declared(kernels.Kernels, name)
        fused_names = [p[0] for p in fused[1:] if p[0] not in FUSED_ONLY.get(name, ())]
        loss_names = [p[0] for p in loss if p[0] not in LOSS_ONLY.get(name, ())]
        assert fused[0][0] == "reduction" and fused_names == loss_names, name
        if name not in FUSED_ONLY:
            assert fused[1:] == loss, name


def test_primitives_reexport_the_kernel_table():
    assert primitives.kernels is kernels.kernels
