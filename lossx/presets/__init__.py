"""Presets: the frameworks' familiar loss classes (torch's ``CrossEntropyLoss``, Keras's
``BinaryCrossentropy``, ...), declared as data over the lossx losses.

:mod:`lossx.presets._preset` holds the machinery (:class:`Preset`, :func:`define_preset`);
one module per loss family declares its presets. Importing this package declares them
all, after the losses they name, in the order ``lossx list`` shows.
"""

from __future__ import annotations

from .. import losses  # noqa: F401  (the losses the presets name are registered first)
from . import classification, margin, overlap, ranking, regression, sequence  # noqa: F401  (declares them)
from ._preset import (
    COMMON_ARGUMENTS,
    PRESET_FRAMEWORKS,
    FunctionVariant,
    Preset,
    PresetReduction,
    TargetVariant,
    define_preset,
    presets,
)

__all__ = [
    "COMMON_ARGUMENTS",
    "PRESET_FRAMEWORKS",
    "FunctionVariant",
    "Preset",
    "PresetReduction",
    "TargetVariant",
    "define_preset",
    "presets",
]
