"""``lossx.suggest`` and ``lossx suggest FILE``: which loss fits these targets (docs/choosing.md).

The targets are read once, with vectorised NumPy (``bincount``, ``unique``, ``median``),
to infer the task and to measure the evidence a choice rests on: class counts and
weights, the robust outlier fraction, the zero fraction and the skew. A fixed set of
rules (docs/choosing.md, the rules) turns the evidence into a ranked list of losses
with ready options. This package imports NumPy only; the command imports rich when it runs.

Its modules, in the order a call goes through them: :mod:`.arrays` (the arrays and their
facts), :mod:`.task` (the task), :mod:`.predictions` (what ``y_pred`` and ``output=``
settle), :mod:`.evidence` (the measured numbers), :mod:`.rules` (the ranking),
:mod:`.result` (what is returned) and :mod:`.snippets` (its code); :mod:`.pipeline` runs
them; :mod:`.files` and :mod:`.command` are the command line's.
"""

from __future__ import annotations

from .._errors import DataError
from .command import add_command, run
from .files import load_array
from .pipeline import suggest
from .result import Evidence, Suggestion, Suggestions

__all__ = ["DataError", "Evidence", "Suggestion", "Suggestions", "suggest", "load_array", "add_command", "run"]
