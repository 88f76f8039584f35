"""Matrix option sets of the overlap losses (see tests/cases.py and tests/test_matrix.py)."""

from __future__ import annotations

from cases import Case

CASES: list[Case] = []
