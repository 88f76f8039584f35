"""Presets of the regression losses: torch's regression classes."""

from __future__ import annotations

from ._preset import define_preset

define_preset("MSELoss", "torch", "mean_squared_error", doc="torch.nn.MSELoss.")
define_preset("L1Loss", "torch", "mean_absolute_error", doc="torch.nn.L1Loss.")
define_preset("HuberLoss", "torch", "huber", doc="torch.nn.HuberLoss(delta).")
define_preset("SmoothL1Loss", "torch", "smooth_l1", doc="torch.nn.SmoothL1Loss(beta).")
define_preset(
    "PoissonNLLLoss",
    "torch",
    "poisson",
    defaults={"log_input": True, "eps": 1e-8},
    doc="torch.nn.PoissonNLLLoss(log_input=True, full=False, eps=1e-8).",
)
define_preset(
    "GaussianNLLLoss",
    "torch",
    "gaussian_nll",
    doc="torch.nn.GaussianNLLLoss(full, eps=1e-6): forward(input, target, var). Below eps lossx's gradient "
    "with respect to var is 0 (torch passes it through the clamp); torch's var of shape (N,) for inputs "
    "(N, D) is written (N, 1).",
)
