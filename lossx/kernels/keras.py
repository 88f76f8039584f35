"""Keras, for :mod:`lossx.testing`'s drop-in comparisons: its loss classes by name.

Keras has no kernel module of its own: its tensors are those of the engine it runs on
(TensorFlow, JAX or torch), whose kernel modules serve them.
"""

from __future__ import annotations

from typing import Any

import keras


def loss_class(name: str) -> Any:
    """keras.losses's class ``name`` (``"Huber"``), or None where Keras has none."""
    return getattr(keras.losses, name, None)
