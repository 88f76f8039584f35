"""The built-in losses, each defined once against the Array-API namespace ``xp``.

Every loss is registered through :func:`lossx.define_loss`, exactly as a user's
custom loss would be, and so exists in every adapter. Formulas use the stable
primitives of :mod:`lossx.primitives`; ``y_pred`` comes first. The modules group
the catalogue by family; importing this package registers all of them, in the
order ``lossx list`` shows.
"""

from __future__ import annotations

from . import boxes, classification, margin, overlap, ranking, regression, sequence

#: The families, in catalogue order (``__all__``, which `lossx list` and docs/losses.md follow).
FAMILIES = (regression, classification, margin, overlap, boxes, ranking, sequence)

__all__ = [name for family in FAMILIES for name in family.__all__]

globals().update({name: getattr(family, name) for family in FAMILIES for name in family.__all__})
