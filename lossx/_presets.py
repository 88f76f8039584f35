"""The presets' former module name: :mod:`lossx.presets` (``from ._presets import presets`` keeps working)."""

from __future__ import annotations

from .presets import (
    COMMON_ARGUMENTS,
    PRESET_FRAMEWORKS,
    Preset,
    PresetReduction,
    TargetVariant,
    define_preset,
    presets,
)

__all__ = ["COMMON_ARGUMENTS", "PRESET_FRAMEWORKS", "Preset", "PresetReduction", "TargetVariant", "define_preset",
           "presets"]
