"""Mapping rows of the ranking losses (see tests/mapping.py)."""

from __future__ import annotations

from mapping import Row

ROWS: list[Row] = []
