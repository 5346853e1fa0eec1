"""Probabilistic and deterministic scores over named dims (evaluation.md §1).

Each metric states its formula, reference and cost in its module and is a few lines of maths
on arrays plus the shared pieces: :mod:`~idff_ts.metrics.options` (the options every metric
takes), :mod:`~idff_ts.metrics.kernel` (the kernel form and NaN policy of CRPS and the energy
score), :mod:`~idff_ts.metrics.wrapper` (the xarray wrapper: named dims, exact alignment,
masked reduction, attrs). :func:`idff_ts.evaluate` adds :mod:`~idff_ts.metrics.alignment`
(truth at the valid times) and :mod:`~idff_ts.metrics.lead_scores` (the per-lead table).
Each metric is checked against a brute-force or independent oracle in ``tests/metrics``.
"""

from __future__ import annotations

from idff_ts.metrics.crps import EnsembleScore, crps_ensemble, crps_ensemble_xr
from idff_ts.metrics.deterministic import (
    cc,
    ensemble_mean,
    error,
    mae,
    mse,
    rmse,
    wrapped_difference,
)
from idff_ts.metrics.energy import energy_score, energy_score_xr
from idff_ts.metrics.reduce import add_lead_means, masked_mean, valid_points
from idff_ts.metrics.spread import (
    ensemble_variance,
    spread_skill,
    spread_skill_ratio,
    spread_skill_ratio_dyffusion,
    ssr_dyffusion_from_terms,
    ssr_from_terms,
)

__all__ = [
    "EnsembleScore",
    "add_lead_means",
    "cc",
    "crps_ensemble",
    "crps_ensemble_xr",
    "energy_score",
    "energy_score_xr",
    "ensemble_mean",
    "ensemble_variance",
    "error",
    "mae",
    "masked_mean",
    "mse",
    "rmse",
    "spread_skill",
    "spread_skill_ratio",
    "spread_skill_ratio_dyffusion",
    "ssr_dyffusion_from_terms",
    "ssr_from_terms",
    "valid_points",
    "wrapped_difference",
]
