"""Mapping rows of the regression losses (see tests/mapping.py)."""

from __future__ import annotations

from mapping import Row

ROWS: list[Row] = []
