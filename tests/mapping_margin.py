"""Mapping rows of the margin losses (see tests/mapping.py)."""

from __future__ import annotations

from mapping import Row

ROWS: list[Row] = []
