"""Mapping rows of the foundation's nine losses (see tests/mapping.py)."""

from __future__ import annotations

from mapping import Row, regression_inputs

ROWS: list[Row] = []

ROWS += [
    Row("huber", "torch", "F.huber_loss(input, target, delta=2.0)", "lossx.huber(input, target, delta=2.0)",
        regression_inputs, grad="input"),
]
