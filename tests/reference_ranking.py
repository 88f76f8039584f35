"""Independent mpmath references of the ranking losses (see tests/reference.py)."""

from __future__ import annotations

from typing import Callable

import reference_math as M  # noqa: F401

LOSSES: dict[str, Callable[..., tuple]] = {}
