"""``lossx experiment``: the command line's subcommand, its progress display and its tables (rich)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._terminal import print_written
from .data import DATASETS, MAX_INFERRED_CLASSES
from .dependencies import FRAMEWORKS, require_matplotlib
from .losses import BALANCED
from .results import DatasetResult, EpochReport, ExperimentResult
from .runner import DEFAULT_EPOCHS, experiment

if TYPE_CHECKING:
    import argparse

    from rich.console import Console


#: Where ``lossx experiment`` writes its files unless given ``--out``.
DEFAULT_OUT = "lossx-experiment"


#: Column headings of the metrics in the terminal's table, two lines at most, short enough for 80 columns.
METRIC_HEADINGS = {
    "accuracy": "acc.",
    "balanced_accuracy": "bal.\nacc.",
    "macro_f1": "macro\nF1",
    "minority_recall": "minority\nrecall",
    "mae": "MAE",
    "rmse": "RMSE",
    "median_absolute_error": "median\nAE",
}


EXIT_STATUS = (
    "Exit status: 0 when every loss is trained and the files are written; 2 for an unknown data set, "
    "loss or framework, a loss that does not fit the task, a data file whose shape does not fit, a "
    "missing framework, scikit-learn or matplotlib, or a bad argument."
)


def add_command(commands: argparse._SubParsersAction) -> None:
    """Register ``lossx experiment`` with the ``lossx`` command's subparsers."""
    command = commands.add_parser(
        "experiment",
        help="train a small model with several losses and compare them",
        epilog=EXIT_STATUS,
        description="Trains one small model (an MLP) with each loss on the same split of a data set, with fixed "
        "seeds, on torch, JAX or Keras, and prints the final training and validation loss and the "
        "task's validation metrics; writes results.json, summary.csv, history.csv and curves.png (the "
        "loss and metric curves over epochs) to --out. Without --data it runs the lesson: "
        "breast_cancer with a 10:1 class imbalance (cross-entropy, class-weighted cross-entropy, focal) "
        "and diabetes with 10% outliers (MSE, MAE, Huber, log-cosh). docs/experiment.md explains it.",
    )
    command.add_argument(
        "--data",
        metavar="DATA",
        help=f"{', '.join(DATASETS)} (scikit-learn's bundled sets), or a .csv file (header row, "
        "numeric features, a target column) or a .npz file (arrays X and y)",
    )
    command.add_argument(
        "--losses",
        nargs="+",
        metavar="LOSS",
        help="lossx losses, each NAME or NAME:key=value[,key=value], e.g. huber:delta=0.5 or "
        f"scce:class_weight={BALANCED} (default: the lesson's losses for the task)",
    )
    command.add_argument(
        "--framework",
        choices=FRAMEWORKS,
        help="torch, jax (with optax) or keras (default: the first installed, in that order)",
    )
    command.add_argument(
        "--imbalance",
        type=float,
        metavar="R",
        help="subsample the training set's other classes to 1/R of its largest class",
    )
    command.add_argument(
        "--outliers",
        type=float,
        metavar="F",
        help="move a fraction F of the training targets by 5 to 10 standard deviations",
    )
    command.add_argument(
        "--label-noise", type=float, metavar="F", help="move a fraction F of the training labels to another class"
    )
    command.add_argument(
        "--epochs",
        type=int,
        default=DEFAULT_EPOCHS,
        metavar="N",
        help=f"passes over the training set (default: {DEFAULT_EPOCHS})",
    )
    command.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="seed of the split, injections, initial weights and batches (default: 0)",
    )
    command.add_argument(
        "--task",
        choices=("classification", "regression"),
        help="the task of a data file (default: integer targets with at most "
        f"{MAX_INFERRED_CLASSES} values, or text, are classes)",
    )
    command.add_argument(
        "--target", metavar="COLUMN", help="the target column of a CSV file (default: 'target', else the last column)"
    )
    command.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"where the files go (default: ./{DEFAULT_OUT})"
    )
    command.add_argument("--quiet", action="store_true", help="no progress display")


def run(console: Console, arguments: argparse.Namespace) -> int:
    """``lossx experiment``: train, print the tables, write the files; the exit status."""
    import logging

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Column

    require_matplotlib()
    # Each loss trains its own Keras model, whose step TensorFlow traces anew and warns about.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    progress = Progress(
        TextColumn("{task.description}", table_column=Column(max_width=34, no_wrap=True, overflow="ellipsis")),
        BarColumn(bar_width=10),
        MofNCompleteColumn(),
        TextColumn("{task.fields[losses]}"),
        console=console,
        transient=True,
        disable=arguments.quiet or not console.is_terminal,
    )
    tasks: dict[tuple[str, int], Any] = {}

    def report(epoch: EpochReport) -> None:
        key = (epoch.data, epoch.loss_index)
        if key not in tasks:
            tasks[key] = progress.add_task(f"{epoch.data}: {epoch.loss}", total=epoch.epochs, losses="")
        progress.update(
            tasks[key], completed=epoch.epoch, losses=f"train {epoch.train_loss:.3g} val {epoch.validation_loss:.3g}"
        )

    with progress:
        result = experiment(
            arguments.data,
            losses=arguments.losses,
            framework=arguments.framework,
            imbalance=arguments.imbalance,
            outliers=arguments.outliers,
            label_noise=arguments.label_noise,
            epochs=arguments.epochs,
            seed=arguments.seed,
            task=arguments.task,
            target=arguments.target,
            progress=report,
        )
    print_result(console, result)
    written = result.save(arguments.out)
    directory = Path(arguments.out)
    names = [path.name for path in written]
    print_written(console, f"Wrote {', '.join(names[:-1])} and {names[-1]} to", f"{directory}{os.sep}", ".")
    print_written(console, "The figure is", directory / "curves.png", ".")
    return 0


def print_result(console: Console, result: ExperimentResult) -> None:
    """The settings, then per data set its table of final numbers and the lesson's sentence."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console.print(
        Text(
            f"lossx experiment on {result.framework}: an MLP with one hidden ReLU layer, SGD (learning rate "
            f"{result.learning_rate:g}, momentum {result.momentum:g}), batches of {result.batch_size}, {result.epochs} "
            f"epochs, seed {result.seed}; the same initial weights and batches for every loss."
        )
    )
    for dataset in result.datasets:
        console.print()
        console.print(Text(dataset.title, style="bold"))
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
        table.add_column("loss", min_width=max(len(word) for run in dataset.losses for word in run.label.split()))
        table.add_column("train\nloss", justify="right")
        table.add_column("val.\nloss", justify="right")
        for metric in dataset.metric_names:
            table.add_column(METRIC_HEADINGS[metric], justify="right")
        digits = 3 if dataset.task == "classification" else 1
        for run in dataset.losses:
            final = run.final()
            table.add_row(
                run.label,
                f"{final['train_loss']:.4f}",
                f"{final['validation_loss']:.4f}",
                *(f"{final[metric]:.{digits}f}" for metric in dataset.metric_names),
            )
        console.print(table)
        if dataset.task == "classification":
            note = (
                f"Training set: {_counts_text(dataset)} (minority: {', '.join(dataset.minority_classes)})"
                + (f", {dataset.changed_targets} labels flipped" if dataset.changed_targets else "")
                + ". Metrics on the validation set."
            )
        else:
            note = (
                f"{dataset.changed_targets} of {dataset.n_train} training targets made outliers. "
                if dataset.changed_targets
                else ""
            ) + "Losses on standardised targets; metrics in the targets' units, on the validation set."
        console.print(Text(note, style="dim"))
        console.print(Text(dataset.headline()))


def _counts_text(dataset: DatasetResult) -> str:
    return ", ".join(f"{name} {count}" for name, count in zip(dataset.classes, dataset.train_class_counts, strict=True))
