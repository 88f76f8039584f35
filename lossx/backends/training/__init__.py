"""The experiment's trainers, one module per framework: the one small model of ``lossx.experiment``
(lossx._experiment) built and trained with that framework's own optimiser.

Each module imports its framework at the top, so none is imported here, nor by
:mod:`lossx.backends`: ``lossx._experiment.dependencies.trainer`` imports the chosen
framework's module when an experiment on it runs. Every module has the same ``Trainer``:
``Trainer(weights, loss, learning_rate, momentum)`` from NumPy weights, a context manager,
with ``step(x, y) -> float``, ``predict(x)`` and ``weights()``.
"""
