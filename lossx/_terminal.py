"""Printing a written file's path so that it can be copied from the terminal."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def print_written(console: Console, lead: str, path: str | os.PathLike[str], end: str = "") -> None:
    """``lead``, then ``path`` and ``end``, on one line when they fit in the console's width.

    Rich folds a word wider than the line, which cuts a long path in two: a path that does not fit
    gets a line of its own that is never wrapped, so selecting the line copies the whole path.
    """
    from rich.cells import cell_len
    from rich.text import Text

    shown = os.fspath(path)
    sentence = f"{lead} {shown}{end}"
    if cell_len(sentence) <= console.width:
        console.print(Text(sentence))
        return
    console.print(Text(lead))
    console.print(Text(shown + end), soft_wrap=True)
