"""``lossx plot LOSS...``: the command line's subcommand, which writes the figure to an image file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import CurveError
from .._terminal import print_written
from .compute import curves
from .definitions import AXES, BACKENDS, FORMATS
from .figure import _figure_class, plot
from .requests import _choose_axis, _requests, parse_option_flag

if TYPE_CHECKING:
    from rich.console import Console


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``lossx plot`` with the command line's subparsers."""
    from ..cli import EXIT_STATUS

    command = commands.add_parser(
        "plot",
        help="draw losses and their derivatives to an image file",
        epilog=EXIT_STATUS["plot"],
        description="Draws the value of each loss, and its derivative below, against one quantity (the residual "
        "y_pred − y_true, the margin y·f, or the probability or logit of the true class), computed by "
        "lossx in float64 with the backend's autodiff (central differences on NumPy), and writes the "
        "figure to a PNG, SVG or PDF file. Needs matplotlib: pip install 'lossx[plot]'. "
        "docs/gallery.md shows examples.",
    )
    command.add_argument(
        "losses",
        nargs="+",
        metavar="LOSS",
        help="a loss name (snake, class or alias), or a name with options: huber:delta=2",
    )
    command.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="LOSS.KEY=VALUE",
        help="an option of every entry of LOSS, repeatable: --option huber.delta=2",
    )
    command.add_argument(
        "--against", choices=AXES, metavar="AXIS", help=f"the x quantity: {', '.join(AXES)} (default: the first loss's)"
    )
    command.add_argument(
        "--grad",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="draw the derivative below the value (default: yes)",
    )
    command.add_argument(
        "--backend",
        choices=BACKENDS,
        metavar="BACKEND",
        help=f"{', '.join(BACKENDS)} (default: the first installed of torch, jax, tensorflow)",
    )
    command.add_argument(
        "--range",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        dest="x_range",
        help="the x range (default: -3 3; probability 0.01 0.99; logit -6 6)",
    )
    command.add_argument(
        "-o",
        "--output",
        default="lossx-plot.png",
        metavar="FILE",
        help="the image to write: .png, .svg or .pdf (default: lossx-plot.png)",
    )


def run(console: Console, arguments: argparse.Namespace) -> int:
    """``lossx plot``: write the figure and say where it is. Errors are :class:`lossx.LossxError`."""
    from rich.text import Text

    output = Path(arguments.output)
    if output.suffix.lower() not in FORMATS:
        raise CurveError(f"-o {arguments.output}: the file name must end in {', '.join(FORMATS)}.")
    options: dict[str, dict[str, Any]] = {}
    for flag in arguments.option:
        loss, key, value = parse_option_flag(flag)
        options.setdefault(loss, {})[key] = value
    # The request is checked first (an unknown loss is the more basic mistake), then matplotlib,
    # before the backend's framework is imported.
    _choose_axis(_requests(arguments.losses, options), arguments.against)
    _figure_class()
    data = curves(
        arguments.losses,
        against=arguments.against,
        options=options,
        backend=arguments.backend,
        grad=arguments.grad,
        x_range=arguments.x_range,
    )
    figure = plot(data)
    try:
        figure.savefig(output, dpi=100)
    except OSError as error:
        raise CurveError(f"cannot write {arguments.output}: {error.strerror or error}.") from None
    drawn = ", ".join(curve.label for curve in data)
    how = f"; derivative by {data.derivative_method}" if data.derivative_method else ""
    print_written(console, "wrote", output)
    console.print(Text(f"{drawn} against the {data.against}, on {data.backend}{how}.", style="dim"))
    return 0
