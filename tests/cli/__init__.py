"""The lossx command: list, suggest, plot, experiment, bench."""
