"""Classification losses: cross-entropies, focal, asymmetric, poly and generalized cross-entropies,
KL, generalized KL and Jensen–Shannon divergences, negative log-likelihood, the additive-margin
softmax losses, weighted kappa and the sparsemax losses.

One family, in one module per kind of loss; importing the package registers them in the
order of ``__all__``, the order ``lossx list`` shows.
"""

from __future__ import annotations

from .binary import asymmetric, binary_cross_entropy, binary_focal_cross_entropy
from .focal import categorical_focal_cross_entropy, sparse_categorical_focal_cross_entropy
from .generalized import generalized_cross_entropy
from .likelihood import generalized_kl_divergence, jensen_shannon, kl_divergence, nll
from .margin_softmax import arcface, cosface
from .ordinal import weighted_kappa
from .poly import poly_cross_entropy
from .softmax import categorical_cross_entropy, sparse_categorical_cross_entropy
from .sparsemax import multiclass_sparsemax, sparsemax

__all__ = [
    "binary_cross_entropy",
    "binary_focal_cross_entropy",
    "asymmetric",
    "categorical_cross_entropy",
    "sparse_categorical_cross_entropy",
    "categorical_focal_cross_entropy",
    "sparse_categorical_focal_cross_entropy",
    "poly_cross_entropy",
    "generalized_cross_entropy",
    "kl_divergence",
    "generalized_kl_divergence",
    "jensen_shannon",
    "nll",
    "cosface",
    "arcface",
    "weighted_kappa",
    "sparsemax",
    "multiclass_sparsemax",
]
