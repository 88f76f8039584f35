"""``lossx.experiment`` and ``lossx experiment``: one small model trained with several losses (docs/experiment.md).

The experiment is framework-neutral up to the training step: data, split, injections,
initial weights and the order of the mini-batches are made here in NumPy from the seed,
so every framework's trainer (``lossx.backends.training.torch``, ``.jax``, ``.keras``,
imported only when chosen) starts from the same loss and takes the same first update.
The losses are lossx's generic functions, called on the framework's tensors during
training and on NumPy arrays for the per-epoch evaluation.

Its modules: :mod:`.data` (the data sets, the split, the injections), :mod:`.losses` (the
losses and their options), :mod:`.model` (the model's weights, batches and outputs),
:mod:`.dependencies` (the optional libraries and the framework's trainer),
:mod:`.metrics`, :mod:`.runner` (the training loop), :mod:`.results` (what it returns),
:mod:`.figure` and :mod:`.command` (the command line's).
"""

from __future__ import annotations

from .command import DEFAULT_OUT, EXIT_STATUS, add_command, run
from .data import DATASETS
from .dependencies import FRAMEWORKS
from .results import DatasetResult, EpochReport, ExperimentResult, LossResult
from .runner import experiment

__all__ = [
    "DATASETS",
    "DEFAULT_OUT",
    "FRAMEWORKS",
    "DatasetResult",
    "EpochReport",
    "ExperimentResult",
    "LossResult",
    "experiment",
    "EXIT_STATUS",
    "add_command",
    "run",
]
