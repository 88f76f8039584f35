"""The lossx error hierarchy (docs/semantics.md, errors).

Every error lossx raises on bad input is a :class:`LossxError` and also a
built-in ``ValueError`` or ``TypeError``, so callers can catch either. Each
message names the offending values and says what to do.
"""

from __future__ import annotations

__all__ = [
    "LossxError",
    "CurveError",
    "DataError",
    "ArgumentError",
    "ShapeError",
    "LabelRangeError",
    "ProbabilityRangeError",
    "DTypeError",
    "UnknownOptionError",
    "OptionValueError",
    "ReductionError",
    "MixedFrameworkError",
    "BackendError",
    "MissingFrameworkError",
    "ConfigError",
    "UnknownLossError",
    "VarianceRangeError",
    "CosineRangeError",
    "BoxRangeError",
    "DistributedError",
]


class LossxError(Exception):
    """Base class of every error raised by lossx on bad input or configuration."""

    # TensorFlow's autograph re-creates an error raised while tracing a tf.function to add
    # the user's source lines, and keeps its type only when __init__ is Exception's own
    # (ValueError's is another object); otherwise it raises a StagingError instead.
    __init__ = Exception.__init__


class ArgumentError(LossxError, TypeError):
    """Arrays passed in the wrong number, or None for a required input."""


class ShapeError(LossxError, ValueError):
    """Arrays whose shapes cannot be combined (the message names both shapes)."""


class LabelRangeError(LossxError, ValueError):
    """Integer labels outside ``[0, num_classes)`` that are not ``ignore_index``."""


class ProbabilityRangeError(LossxError, ValueError):
    """Probabilities outside ``[0, 1]`` while ``from_logits=False``, or a negative measure
    (``generalized_kl_divergence``)."""


class DTypeError(LossxError, TypeError):
    """An array of the wrong kind of dtype (e.g. integer predictions)."""


class UnknownOptionError(LossxError, TypeError):
    """An option name the loss does not declare."""


class OptionValueError(LossxError, ValueError):
    """An option value of the wrong type or outside its valid range."""


class ReductionError(LossxError, ValueError):
    """A reduction other than ``"none"``, ``"sum"`` or ``"mean"``."""


class MixedFrameworkError(LossxError, TypeError):
    """Arrays of two different frameworks passed to one loss call."""


class BackendError(LossxError, ValueError):
    """An unknown or uninstalled backend name."""


class MissingFrameworkError(BackendError, ImportError):
    """An adapter module imported without its framework (absent or broken).

    Also an ``ImportError``, so ``try: import lossx.backends.torch except ImportError``
    and ``pytest.importorskip`` behave as they do for the framework itself.
    """


class ConfigError(LossxError, ValueError):
    """A malformed lossx configuration file or environment variable."""


class UnknownLossError(LossxError, ValueError):
    """A loss name that is not registered."""


class DistributedError(LossxError, ValueError):
    """``mean_across`` where it cannot apply: outside a distributed context (no process group,
    no bound JAX axis, no ``tf.distribute`` replica), or an unknown group or axis name."""


class VarianceRangeError(LossxError, ValueError):
    """A negative variance (``gaussian_nll``)."""


class CosineRangeError(LossxError, ValueError):
    """Cosine similarities outside ``[−1, 1]`` (``cosface``, ``arcface``): logits or unnormalised products."""


class BoxRangeError(LossxError, ValueError):
    """Boxes whose corners are out of order (``x2 < x1`` or ``y2 < y1``) in the bounding-box losses."""


class DataError(LossxError, ValueError):
    """Data that ``lossx.suggest`` or ``lossx.experiment`` cannot use: empty, NaN or infinite,
    not numbers, of a shape that does not fit, or a file that does not parse."""


class CurveError(LossxError, ValueError):
    """A curve lossx cannot draw: a loss with no curve against one quantity, an axis that does not
    fit a loss, losses with no axis in common, a bad range, or a malformed ``name:key=value`` entry."""
