"""``lossx suggest FILE``: the command line's subcommand; it imports rich when it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .definitions import FRAMEWORKS, OUTPUTS, TASKS
from .files import load_array
from .pipeline import suggest
from .text import _shapes_text

if TYPE_CHECKING:
    import argparse

    from rich.console import Console


def add_command(commands: Any) -> None:
    """Register ``lossx suggest`` with the command line's subparsers."""
    from ..cli import EXIT_STATUS

    command = commands.add_parser(
        "suggest",
        help="suggest a loss for your targets, with options measured on them",
        epilog=EXIT_STATUS["suggest"],
        description="Reads the targets in FILE (.npy, CSV with --column, or text: numbers separated by spaces or "
        "newlines, one row per line), infers the task, measures the evidence (class counts and "
        "weights, outliers, zero fraction, skew) and prints the ranked losses with ready options "
        "and a code snippet for the chosen framework. docs/choosing.md describes the rules.",
    )
    command.add_argument("file", metavar="FILE", help="the targets: .npy, .csv or text")
    command.add_argument(
        "--column",
        metavar="NAME_OR_INDEX",
        help="the CSV column (a header name or a 0-based index), or a column of a 2-D array",
    )
    command.add_argument(
        "--framework",
        choices=FRAMEWORKS,
        default="numpy",
        help="the snippet's framework: numpy (default), torch, jax or keras",
    )
    command.add_argument(
        "--output", choices=tuple(OUTPUTS), help="the model's last activation: logits, sigmoid, softmax or linear"
    )
    command.add_argument(
        "--task", choices=tuple(TASKS), metavar="TASK", help=f"the task instead of inferring it: {', '.join(TASKS)}"
    )
    command.add_argument(
        "--predictions",
        metavar="FILE",
        help="the model's predictions for these targets (.npy, CSV or text, every column)",
    )


def run(console: Console, arguments: argparse.Namespace) -> int:
    """``lossx suggest``: print the evidence, the ranking and a snippet; the exit status."""
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    from .._config import installed_backends

    y_true, load = load_array(arguments.file, arguments.column)
    y_pred, load_predictions = (
        (None, None) if arguments.predictions is None else load_array(arguments.predictions, every_column=True)
    )
    result = suggest(y_true, y_pred=y_pred, task=arguments.task, output=arguments.output)
    console.rule(Text.assemble(("lossx suggest", "bold"), f" {arguments.file}"), align="left")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column()
    for label, text in result.evidence.rows():
        grid.add_row(label, Text(text, style="yellow" if label in ("ambiguity", "note") else ""))
    console.print(grid)
    console.print()
    console.print(Text("Suggestions, best first", style="bold"))
    ranking = Table.grid(padding=(0, 1))
    ranking.add_column(no_wrap=True, justify="right")
    ranking.add_column()
    for rank, suggestion in enumerate(result, 1):
        call = Text.assemble((suggestion.loss, "bold cyan"), suggestion.call_text()[len(suggestion.loss) :])
        shape = Text(_shapes_text(suggestion), style="dim")
        ranking.add_row(f"{rank}.", Text("\n").join([call, Text(suggestion.reason), shape]))
    console.print(ranking)
    console.print()
    framework = arguments.framework
    chosen = " (--framework torch, jax or keras for another)" if framework == "numpy" else ""
    console.print(Text.assemble(("Code", "bold"), f" for suggestion 1, {framework}{chosen}:"))
    backend = "keras" if framework == "keras" else framework
    if backend not in installed_backends():
        console.print(Text(f"{framework} is not installed here: pip install 'lossx[{framework}]'.", style="yellow"))
    code = result.snippet(framework, load=load, load_predictions=load_predictions)
    console.print(Syntax(code, "python", theme="ansi_dark", background_color="default", word_wrap=True))
    return 0
