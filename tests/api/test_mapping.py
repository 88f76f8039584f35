"""Conformance tests behind docs/mapping.md: one test per row of the page.

Each row's framework expression and lossx expression (tests/support/mapping/) are
evaluated, verbatim, on the same inputs; values (and, on torch and optax rows,
gradients) must agree. ``python -m tests.api.test_mapping > docs/mapping.md``
regenerates the page; ``test_page_is_current`` keeps it in step with the rows.
"""

from __future__ import annotations

import importlib.util
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lossx
from tests.support.frameworks import to_numpy
from tests.support.mapping import TORCH_BASED, Row
from tests.support.mapping import classification as mapping_classification
from tests.support.mapping import core as mapping_core
from tests.support.mapping import margin as mapping_margin
from tests.support.mapping import overlap as mapping_overlap
from tests.support.mapping import ranking as mapping_ranking
from tests.support.mapping import regression as mapping_regression
from tests.support.mapping import sequence as mapping_sequence

FAMILIES = (
    mapping_core,
    mapping_regression,
    mapping_classification,
    mapping_margin,
    mapping_overlap,
    mapping_ranking,
    mapping_sequence,
)
ROWS: list[Row] = [row for family in FAMILIES for row in family.ROWS]
PAGE = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def _row_id(row: Row, index: int) -> str:
    return f"{row.loss}-{row.framework}-{index}"


def _ids() -> list[tuple[Row, str]]:
    counts: dict[tuple[str, str], int] = {}
    out = []
    for row in ROWS:
        key = (row.loss, row.framework)
        counts[key] = counts.get(key, 0) + 1
        out.append((row, _row_id(row, counts[key])))
    return out


def _namespace(framework: str, inputs: dict[str, np.ndarray]) -> dict[str, Any]:
    """The names a row's expressions see, with the inputs as the framework's arrays."""
    names: dict[str, Any] = {"lossx": lossx, "np": np}
    if framework in TORCH_BASED:
        import torch
        import torch.nn.functional as F

        import lossx.backends.torch as LT

        names.update(torch=torch, F=F, nn=torch.nn, LT=LT)
        if framework != "torch":
            # Their loss modules are not imported by the packages themselves.
            importlib.import_module({"kornia": "kornia.losses"}.get(framework, f"{framework}.losses"))
            names["pml" if framework == "pytorch_metric_learning" else framework] = importlib.import_module(framework)
        names.update({k: torch.from_numpy(np.array(v)) for k, v in inputs.items()})
    elif framework == "optax":
        import jax
        import jax.numpy as jnp
        import optax

        import lossx.backends.jax as LJ

        jax.config.update("jax_enable_x64", True)
        names.update(optax=optax, jnp=jnp, jax=jax, LJ=LJ)
        names.update({k: jnp.asarray(v) for k, v in inputs.items()})
    elif framework == "keras":
        import keras

        import lossx.backends.keras as LK

        names.update(keras=keras, ops=keras.ops, LK=LK)
        names.update({k: keras.ops.convert_to_tensor(v) for k, v in inputs.items()})
    else:
        import sklearn.metrics

        names.update(sklearn=sklearn)
        names.update(inputs)
    return names


def _value_and_grad(row: Row, expression: str, inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, Any]:
    names = _namespace(row.framework, inputs)
    if row.grad is None:
        return _to_numpy(eval(expression, names)), None
    if row.framework in TORCH_BASED:
        import torch

        names[row.grad] = names[row.grad].clone().requires_grad_(True)
        value = eval(expression, names)
        (grad,) = torch.autograd.grad(value.sum(), names[row.grad])
        return _to_numpy(value), grad.numpy()
    import jax
    import jax.numpy as jnp

    def total(array):
        value = eval(expression, {**names, row.grad: array})
        return jnp.sum(value), value

    (_, value), grad = jax.value_and_grad(total, has_aux=True)(names[row.grad])
    return _to_numpy(value), np.asarray(grad)


def _to_numpy(value: Any) -> np.ndarray:
    if type(value).__module__.startswith(("keras", "tensorflow")) or hasattr(value, "_keras_history"):
        import keras

        return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    return np.asarray(to_numpy(value), dtype=np.float64)


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float, what: str) -> None:
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, native {expected.shape}"
    atol = rtol * max(float(np.max(np.abs(expected), initial=0.0)), 1e-300)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def _param(row: Row, row_id: str) -> Any:
    module = row.framework  # each framework's name is its module's
    absent = importlib.util.find_spec(module) is None
    return pytest.param(row, id=row_id, marks=pytest.mark.skipif(absent, reason=f"{module} is not installed"))


#: Keras's JAX and torch engines compute its float64 losses partly in float32 (its
#: means and some constants), so on those engines Keras's own number is exact only to
#: float32 precision; lossx's value there is the float64 one. Rows hold at their own
#: rtol on Keras's TensorFlow engine (the `all` tox environment).
KERAS_FLOAT32_ENGINE_RTOL = 1e-6


def _rtol(row: Row) -> float:
    if row.framework == "keras":
        import keras

        if keras.backend.backend() != "tensorflow":
            return max(row.rtol, KERAS_FLOAT32_ENGINE_RTOL)
    return row.rtol


@pytest.mark.parametrize("row", [_param(row, row_id) for row, row_id in _ids()])
def test_row(row: Row) -> None:
    inputs = row.make(np.random.default_rng(zlib.crc32(f"{row.loss}{row.native}".encode())))
    native, native_grad = _value_and_grad(row, row.native, inputs)
    ours, our_grad = _value_and_grad(row, row.lossx, inputs)
    _close(ours, native, _rtol(row), f"value: {row.lossx} vs {row.native}")
    if native_grad is not None:
        _close(our_grad, native_grad, row.rtol, f"gradient w.r.t. {row.grad}")


def test_rows_name_registered_losses() -> None:
    names = set(lossx.loss_names())
    assert {row.loss for row in ROWS} <= names


# ------------------------------------------------------------------ the page


_FRAMEWORK_TITLES = {
    "torch": "torch",
    "keras": "Keras 3",
    "optax": "optax",
    "sklearn": "scikit-learn",
    "kornia": "kornia",
    "monai": "MONAI",
    "pytorch_metric_learning": "pytorch-metric-learning",
}


def render() -> str:
    """docs/mapping.md, generated from the rows."""
    lines = [
        "# Mapping: torch, Keras, optax, scikit-learn, kornia, MONAI and pytorch-metric-learning calls to lossx",
        "",
        "Generated from tests/support/mapping/ by `python -m tests.api.test_mapping > docs/mapping.md`; do not edit by",
        "hand. Every row is a conformance test (`pytest tests/api/test_mapping.py`): both expressions are",
        "evaluated verbatim on the same float64 inputs and agree to the row's tolerance (1e-10 relative",
        "unless the notes say otherwise; Keras rows on Keras's JAX and torch engines, which compute parts",
        "of float64 losses in float32, to 1e-6), values and, for torch-based and optax rows, gradients.",
        "",
        "Names used: `F` = `torch.nn.functional`, `nn` = `torch.nn`, `LT` = `lossx.backends.torch`,",
        "`LJ` = `lossx.backends.jax`, `LK` = `lossx.backends.keras`, `ops` = `keras.ops`,",
        "`pml` = `pytorch_metric_learning`. torch-style",
        "inputs are named `input`/`target`, Keras-style `y_true`/`y_pred`.",
        "",
    ]
    by_loss: dict[str, list[Row]] = {}
    for row in ROWS:
        by_loss.setdefault(row.loss, []).append(row)
    for name in lossx.losses.__all__:
        lines += [f"## `{name}`", ""]
        rows = by_loss.get(name, [])
        if not rows:
            lines += ["No counterpart in the libraries above.", ""]
            continue
        lines += ["| framework | their call | lossx call | notes |", "|---|---|---|---|"]
        for row in rows:
            notes = row.notes.replace("|", "\\|").replace("\n", " ")
            native = row.native.replace("|", "\\|")
            ours = row.lossx.replace("|", "\\|")
            lines.append(f"| {_FRAMEWORK_TITLES[row.framework]} | `{native}` | `{ours}` | {notes} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def test_page_is_current() -> None:
    assert PAGE.read_text() == render(), "regenerate: python -m tests.api.test_mapping > docs/mapping.md"


if __name__ == "__main__":
    sys.stdout.write(render())
