"""``torch.compile(fullgraph=True, dynamic=True)``: one graph serves every batch size.

With dynamic shapes Dynamo also traces Python float options symbolically, so this
proves option handling stays traceable, not only the array code.
"""

from __future__ import annotations

import re

import pytest

import lossx
from tests.numerics.test_matrix import CASES as MATRIX_CASES
from tests.numerics.test_matrix import _fresh, assert_matches, inputs
from tests.support import reference
from tests.support.cases import BATCH_LEVEL_LOSSES
from tests.support.cases.overlap import BATCH_POOLED
from tests.support.frameworks import framework, only_framework, to_backend

pytestmark = only_framework("torch")


def _dynamic_cases() -> list:
    """The first option set of each loss, its first option set with ``ignore_index`` and its first
    with class weights: the masked and weighted sums whose denominators depend on the batch size.
    Compiling with dynamic shapes costs 2-10 s a case; every option set is compiled with static
    shapes in the matrix. The torch environment runs them (torch's own tests)."""
    first: dict[tuple[str, str], object] = {}
    for case in MATRIX_CASES:
        first.setdefault((case.loss, ""), case)
        for kind in re.findall(r"-(ii|cw)", case.id):
            first.setdefault((case.loss, kind), case)
    chosen = [case for case in MATRIX_CASES if case in first.values()]
    # The batch size varies below.
    return [case for case in chosen if case.id not in BATCH_POOLED and case.loss not in BATCH_LEVEL_LOSSES]


CASES = _dynamic_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_one_compiled_graph_for_two_batch_sizes(case):
    torch = framework("torch")
    data = inputs(case.id, "sw")
    loss = getattr(lossx, case.loss)
    options = case.options

    def weighted_loss(weight, *arrays):
        return loss(*arrays, sample_weight=weight, **options)

    # A code object per case: Dynamo's recompile limit counts per code object.
    compiled = torch.compile(
        _fresh(weighted_loss, f"dynamic_{case.id.replace('-', '_').replace('.', '_')}"),
        fullgraph=True,
        dynamic=True,
        backend="aot_eager",
    )
    full_batch = data.arrays[0].shape[0]
    for batch in (full_batch, full_batch - 1):
        arrays, weight = [a[:batch] for a in data.arrays], data.sample_weight[:batch]
        expected_value, (expected_grad,) = reference.loss_and_grad(
            case.loss, arrays, options, "mean", sample_weight=weight
        )
        tensors = [to_backend("torch", a, None if a.dtype.kind in "iub" else "float64") for a in arrays]
        tensors[0].requires_grad_(True)
        value = compiled(to_backend("torch", weight, "float64"), *tensors)
        (grad,) = torch.autograd.grad(value, tensors[0])
        assert_matches(value, expected_value, "float64", f"{case.id} batch {batch} value")
        assert_matches(grad, expected_grad, "float64", f"{case.id} batch {batch} gradient")


RECOMPILE_SCRIPT = """
{imports}
torch._dynamo.config.error_on_recompile = True
compiled = torch.compile(
    lambda a, b: lossx.sparse_categorical_cross_entropy(a, b, from_logits=True, label_smoothing=0.1),
    fullgraph=True, backend="aot_eager",
)
logits, labels = torch.randn(8, 5, requires_grad=True), torch.randint(0, 5, (8,))
for _ in range(3):
    compiled(logits, labels).backward()
print("compiled once")
"""


@pytest.mark.parametrize(
    "imports",
    [
        "import lossx, torch",
        "import torch, lossx",
        # An availability check (importlib.util.find_spec) before the import must not use up lossx's hook.
        "import importlib.util, lossx; importlib.util.find_spec('torch'); import torch",
    ],
    ids=["lossx-first", "torch-first", "find-spec-first"],
)
def test_first_compiled_call_does_not_recompile(imports):
    """lossx's per-type caches are warm before Dynamo's first trace, whatever the import order."""
    import subprocess
    import sys

    framework("torch")
    result = subprocess.run(
        [sys.executable, "-c", RECOMPILE_SCRIPT.format(imports=imports)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "compiled once"
