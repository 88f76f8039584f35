"""Per-call dtype questions, answered once per namespace when it is first seen.

array-api-compat's ``isdtype`` and a dtype's name cost microseconds, a measurable share of
a small loss. The table is keyed by the namespace's name and never changes afterwards,
so torch.compile traces a read-only lookup (a table filled per call would recompile).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["HALF_PRECISION", "dtype_answers", "dtype_name", "is_kind", "is_half", "default_floating_scope"]

#: The dtype names computed in float32 and cast back (docs/semantics.md, dtypes).
HALF_PRECISION = ("float16", "bfloat16")

_DTYPE_NAMES = (
    "bool",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)
_DTYPE_KINDS = ("bool", "integral", "real floating", "complex floating")
#: Filled by :func:`dtype_answers`; the call path reads both tables directly (a lookup, no call).
DTYPE_ANSWERS: dict[str, dict[tuple, bool]] = {}
DEFAULT_FLOATING_SCOPES: dict[str, Any] = {}


def dtype_answers(xp: Any) -> dict[tuple, bool]:
    """``{(dtype, kind): bool}`` for every dtype of ``xp`` (kinds of ``isdtype``, and "half")."""
    answers = DTYPE_ANSWERS.get(xp.__name__)
    if answers is None:
        answers = {}
        for name in _DTYPE_NAMES:
            dtype = getattr(xp, name, None)
            if dtype is None:
                continue
            for key in _dtype_keys(dtype):
                answers.update({(key, kind): bool(xp.isdtype(dtype, kind)) for kind in _DTYPE_KINDS})
                answers[(key, "half")] = name in HALF_PRECISION
        DEFAULT_FLOATING_SCOPES[xp.__name__] = getattr(xp, "default_floating_dtype", None)
        DTYPE_ANSWERS[xp.__name__] = answers
    return answers


def _dtype_keys(dtype: Any) -> tuple:
    """The dtype as namespaces name it and as arrays carry it: NumPy and JAX name scalar types
    (``np.float32``, a class), whose hash differs from their arrays' ``np.dtype('float32')``;
    torch and TensorFlow dtypes are instances, the very objects their tensors carry."""
    return (dtype, np.dtype(dtype)) if isinstance(dtype, type) else (dtype,)


def dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype)).rsplit(".", 1)[-1].strip("'>")


def is_kind(xp: Any, dtype: Any, kind: str) -> bool:
    answer = dtype_answers(xp).get((dtype, kind))
    return bool(xp.isdtype(dtype, kind)) if answer is None else answer


def is_half(xp: Any, dtype: Any) -> bool:
    answer = dtype_answers(xp).get((dtype, "half"))
    return dtype_name(dtype) in HALF_PRECISION if answer is None else answer


def default_floating_scope(xp: Any) -> Any:
    """The namespace's ``default_floating_dtype`` context manager, or None (found with its dtype answers).

    TensorFlow's namespace has one: it has no weakly typed scalars, so the body's Python floats
    with no array beside them (``xp.where(e < 0, 2.0, 1.0)``) take the dtype the call computes in.
    """
    dtype_answers(xp)
    return DEFAULT_FLOATING_SCOPES.get(xp.__name__)
