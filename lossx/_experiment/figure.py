"""The experiment's figure: the loss and metric curves over the epochs, drawn with matplotlib."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dependencies import require_matplotlib
from .metrics import HIGHER_IS_BETTER, METRIC_TITLES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .results import ExperimentResult


#: The metrics the figure draws beside the loss curves, per task.
FIGURE_METRICS: dict[str, tuple[str, str]] = {
    "classification": ("minority_recall", "balanced_accuracy"),
    "regression": ("mae", "rmse"),
}


def _figure(result: ExperimentResult) -> Figure:
    require_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    rows = len(result.datasets)
    figure = Figure(figsize=(12, 3.7 * rows), layout="constrained")
    axes = figure.subplots(rows, 3, squeeze=False)
    colours = [f"C{index}" for index in range(10)]
    for row, dataset in zip(axes, result.datasets, strict=True):
        loss_axes, *metric_axes = row
        for index, run in enumerate(dataset.losses):
            colour = colours[index % len(colours)]
            loss_axes.plot(run.epochs, run.train_loss, color=colour, linestyle="--", linewidth=1.2)
            loss_axes.plot(run.epochs, run.validation_loss, color=colour, linewidth=1.8, label=run.label)
            for axes_, metric in zip(metric_axes, FIGURE_METRICS[dataset.task], strict=True):
                axes_.plot(run.epochs, run.metrics[metric], color=colour, linewidth=1.8)
        loss_axes.set_yscale("log")
        loss_axes.set_title("loss (log scale): dashed train, solid validation", fontsize=10)
        loss_axes.set_ylabel(dataset.data, fontsize=11, fontweight="bold")
        for axes_, metric in zip(metric_axes, FIGURE_METRICS[dataset.task], strict=True):
            # Scaled to the trained epochs: the untrained model's metric (epoch 0) may lie far off them.
            trained = [value for run in dataset.losses for value in run.metrics[metric][1:]]
            if trained and max(trained) > min(trained):
                margin = 0.08 * (max(trained) - min(trained))
                axes_.set_ylim(min(trained) - margin, max(trained) + margin)
            units = "" if HIGHER_IS_BETTER[metric] else " (target units)"
            better = "higher" if HIGHER_IS_BETTER[metric] else "lower"
            axes_.set_title(f"validation {METRIC_TITLES[metric]}{units}, {better} is better", fontsize=10)
        for axes_ in row:
            axes_.set_xlabel("epoch")
            axes_.grid(alpha=0.3)
        handles = [
            Line2D([], [], color=colours[index % len(colours)], linewidth=1.8, label=run.label)
            for index, run in enumerate(dataset.losses)
        ]
        metric_axes[-1].legend(
            handles=handles, fontsize=9, loc="best", title=dataset.injection or None, title_fontsize=9
        )
    figure.suptitle(f"lossx experiment on {result.framework}: {result.epochs} epochs, seed {result.seed}", fontsize=12)
    return figure
