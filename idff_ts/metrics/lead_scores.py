"""The per-lead table of :func:`idff_ts.evaluate`: its metrics, their per-point terms, their
running sums over blocks of inits, and the Dataset they end in (evaluation.md §2).

Per lead, every per-point term (CRPS, squared and absolute error of the ensemble mean,
ensemble variances, energy score) is summed over the valid points of all inits, block by
block (:class:`LeadSums`); the per-lead means follow, and square roots come only after the
means (RMSE = sqrt of the per-lead MSE; SSR from the per-lead mean variance and MSE,
Fortin et al. 2014, and DYffusion's variant ddof 0). Each per-point term comes from the
metric functions of this package, so the table adds no maths of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError, DataError
from idff_ts.metrics.crps import crps_ensemble_xr
from idff_ts.metrics.deterministic import error
from idff_ts.metrics.energy import energy_score_xr
from idff_ts.metrics.options import NanPolicy
from idff_ts.metrics.reduce import add_lead_means, masked_sum_count
from idff_ts.metrics.spread import ensemble_variance

METRICS: tuple[str, ...] = (
    "crps_ecdf",
    "crps_fair",
    "mse",
    "rmse",
    "mae",
    "ssr",
    "cc",
    "energy",
    "energy_fair",
)
NEEDS_TWO_MEMBERS = ("crps_fair", "ssr", "energy_fair")
NEEDS_FEATURES = ("energy", "energy_fair")


def default_metrics(ensemble_size: int, feature_dim: str | None) -> tuple[str, ...]:
    """Every metric defined for this ensemble size and state (see module doc)."""
    names = [m for m in METRICS if feature_dim is not None or m not in NEEDS_FEATURES]
    if ensemble_size < 2:
        names = [m for m in names if m not in NEEDS_TWO_MEMBERS]
    return tuple(names)


def check_metrics(metrics: Sequence[str], ensemble_size: int, feature_dim: str | None) -> None:
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ConfigError(f"unknown metrics {unknown}; choose from {METRICS}")
    if feature_dim is None and any(m in NEEDS_FEATURES for m in metrics):
        raise ConfigError(
            "the energy score needs a vector state: pass feature_dim= (the dim of the state "
            "vector, e.g. 'angle' or 'component')"
        )
    if ensemble_size < 2 and any(m in NEEDS_TWO_MEMBERS for m in metrics):
        bad = [m for m in metrics if m in NEEDS_TWO_MEMBERS]
        raise DataError(f"metrics {bad} need at least 2 members; the forecast has 1")


_ATTRS: dict[str, dict[str, str]] = {
    "crps_ecdf": {"long_name": "CRPS", "estimator": "ecdf"},
    "crps_fair": {"long_name": "fair CRPS (Ferro 2014)", "estimator": "fair"},
    "mse": {"long_name": "MSE of the ensemble mean"},
    "rmse": {"long_name": "RMSE of the ensemble mean (sqrt of the per-lead MSE)"},
    "mae": {"long_name": "MAE of the ensemble mean"},
    "cc": {"long_name": "correlation of ensemble mean and truth over inits and space"},
    "ssr": {"long_name": "spread-skill ratio sqrt((M+1)/M mean var_ddof1) / RMSE (Fortin 2014)"},
    "ssr_dyffusion": {
        "long_name": "spread-skill ratio, DYffusion variant sqrt(mean var_ddof0)/RMSE"
    },
    "spread_var_ddof1": {"long_name": "mean ensemble variance (ddof 1)"},
    "spread_var_ddof0": {"long_name": "mean ensemble variance (ddof 0)"},
    "energy": {"long_name": "energy score", "estimator": "ecdf"},
    "energy_fair": {"long_name": "fair energy score", "estimator": "fair"},
}
_SSR_EXTRAS = ("ssr_dyffusion", "spread_var_ddof1", "spread_var_ddof0", "mse")


class LeadSums:
    """Per-lead running sums and counts of masked per-point terms (one entry per term name)."""

    def __init__(self, n_leads: int) -> None:
        self.n_leads = n_leads
        self.total: dict[str, np.ndarray] = {}
        self.count: dict[str, np.ndarray] = {}

    def add(self, name: str, lead: int, score: xr.DataArray, valid: xr.DataArray) -> None:
        total, count = masked_sum_count(score, valid)
        if name not in self.total:
            self.total[name] = np.zeros(self.n_leads)
            self.count[name] = np.zeros(self.n_leads, dtype=np.int64)
        self.total[name][lead] += float(total)
        self.count[name][lead] += int(count)

    def mean(self, name: str) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count[name] > 0, self.total[name] / self.count[name], np.nan)


def block_terms(
    f: xr.DataArray,
    y: xr.DataArray,
    valid: xr.DataArray,
    metrics: Sequence[str],
    nan_policy: NanPolicy,
    feature_dim: str | None,
    kw: dict,
) -> dict[str, tuple[xr.DataArray, xr.DataArray]]:
    """Per-point terms of one block of inits at one lead: name → (term, valid points)."""
    terms = {}
    for est in ("ecdf", "fair"):
        if f"crps_{est}" in metrics:
            score = crps_ensemble_xr(f, y, estimator=est, nan_policy=nan_policy, **kw)
            terms[f"crps_{est}"] = (score, valid)
    e = error(f, y, nan_policy=nan_policy, **kw)
    terms["se"] = (e**2, valid)
    terms["ae"] = (abs(e), valid)
    if "ssr" in metrics:
        var1 = ensemble_variance(f, ddof=1, nan_policy=nan_policy, **kw)
        m = f.notnull().sum(kw["member_dim"])
        terms["var1"] = (var1, valid)
        terms["var1c"] = ((m + 1.0) / m * var1, valid)
        terms["var0"] = (ensemble_variance(f, ddof=0, nan_policy=nan_policy, **kw), valid)
    for est, name in (("ecdf", "energy"), ("fair", "energy_fair")):
        if name in metrics:
            score = energy_score_xr(
                f, y, feature_dim=feature_dim, estimator=est, nan_policy=nan_policy, **kw
            )
            terms[name] = (score, valid.all(feature_dim))
    return terms


def per_lead_values(
    metrics: Sequence[str], sums: LeadSums, cc_values: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-lead values of every output variable; roots are taken after the means."""
    mse = sums.mean("se")
    values = {"mse": mse, "rmse": np.sqrt(mse), "mae": sums.mean("ae"), "cc": cc_values}
    for name in ("crps_ecdf", "crps_fair", "energy", "energy_fair"):
        if name in metrics:
            values[name] = sums.mean(name)
    if "ssr" in metrics:
        values["ssr"] = np.sqrt(sums.mean("var1c")) / np.sqrt(mse)
        values["ssr_dyffusion"] = np.sqrt(sums.mean("var0")) / np.sqrt(mse)
        values["spread_var_ddof1"] = sums.mean("var1")
        values["spread_var_ddof0"] = sums.mean("var0")
    return values


def lead_dataset(
    metrics: Sequence[str],
    sums: LeadSums,
    cc_values: np.ndarray,
    lead: xr.DataArray,
    lead_dim: str,
    n_members: int,
) -> xr.Dataset:
    """Every per-lead variable, ``n_points`` (``n_points_energy``) and each ``<metric>_mean``."""
    values = per_lead_values(metrics, sums, cc_values)
    names = [*metrics] + ([n for n in _SSR_EXTRAS if n not in metrics] if "ssr" in metrics else [])
    out = xr.Dataset(coords={lead_dim: lead})
    for name in names:
        attrs = {**_ATTRS[name], "ensemble_size": n_members}
        out[name] = xr.DataArray(values[name], dims=(lead_dim,), attrs=attrs)
    out["n_points"] = xr.DataArray(
        sums.count["se"], dims=(lead_dim,), attrs={"long_name": "valid points scored per lead"}
    )
    energy = [m for m in metrics if m in NEEDS_FEATURES]
    if energy:
        out["n_points_energy"] = xr.DataArray(
            sums.count[energy[0]], dims=(lead_dim,), attrs={"long_name": "valid state vectors"}
        )
    return add_lead_means(
        out, [*metrics] + (["ssr_dyffusion"] if "ssr" in metrics else []), lead_dim=lead_dim
    )
