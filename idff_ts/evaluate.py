"""Score an ensemble forecast against the truth, per lead, as evaluation.md §2 prescribes.

Input (data.md §1): a forecast with dims ``(init, lead, member, *space)`` and the 2-D
coordinate ``valid_time(init, lead)`` (computed as ``init + lead`` if absent), and a truth
with a ``time`` dim and the same space dims. The truth is selected *exactly* at every
valid time; nothing is interpolated.

Reduction order: every metric is computed per point, then, **per lead**, averaged over space
(valid points only: finite truth and ``mask`` True) and over all inits; the Dataset returned
also holds the arithmetic mean of each metric over leads. Square roots come after the means
(RMSE = sqrt of the per-lead MSE; SSR from the per-lead mean variance and MSE). CC is the
Pearson correlation of the ensemble mean with the truth, pooled over inits and space, per lead.

Output: an ``xr.Dataset`` with dim ``lead`` (the forecast's lead coordinate) holding

* one variable per metric (``crps_ecdf``, ``crps_fair``, ``mse``, ``rmse``, ``mae``, ``ssr``,
  ``cc``, ``energy``, ``energy_fair``) over ``lead``;
* ``<metric>_mean``: scalar, the mean over leads of that metric (each lead weighs the same);
* ``n_points`` (lead): valid points scored per lead (and ``n_points_energy`` for vectors);
* with ``ssr``: its raw terms ``spread_var_ddof1``, ``spread_var_ddof0`` and ``mse``, and
  ``ssr_dyffusion`` (+ ``_mean``), DYffusion's variant;
* attrs ``ensemble_size``, ``n_inits``, ``nan_policy``, ``crps_estimators``, ``distance``,
  ``space_dims``, ``reduction``; every CRPS / energy variable also carries ``estimator``.

A Dataset forecast with several data variables gives the same layout with an extra leading
dim ``variable`` (or pass ``var=`` to score one). ``ds.to_array("metric")`` on the per-lead
variables gives the ``metric × lead`` table of the result files.

Memory: the forecast is processed one lead and one block of inits at a time
(``init_chunk``), so dask-backed archives are read block by block.

Where the pieces live: truth selection in :mod:`idff_ts.metrics.alignment`, the per-lead table
(metrics, per-point terms, running sums, output variables) in
:mod:`idff_ts.metrics.lead_scores`, the scores themselves in :mod:`idff_ts.metrics`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.metrics.alignment import align_truth, check_grid, split_point_dims, valid_times
from idff_ts.metrics.deterministic import cc, ensemble_mean, require_complete_members
from idff_ts.metrics.lead_scores import (
    METRICS,
    LeadSums,
    block_terms,
    check_metrics,
    default_metrics,
    lead_dataset,
)
from idff_ts.metrics.options import Distance, NanPolicy, check_options
from idff_ts.metrics.reduce import valid_points

# Re-exported: they lived here before the split into metrics.alignment / metrics.lead_scores.
__all__ = ["METRICS", "align_truth", "default_metrics", "evaluate", "valid_times"]

_CHUNK_ELEMENTS = 1 << 23  # forecast values per block (64 MB of float64)


class _Dims(NamedTuple):
    member: str
    init: str
    lead: str
    time: str


@dataclass(frozen=True)
class _Settings:
    """The options of one :func:`evaluate` call (its doc), checked once."""

    metrics: Sequence[str] | None
    space_dims: Sequence[str] | None
    feature_dim: str | None
    mask: xr.DataArray | None
    nan_policy: NanPolicy
    distance: Distance | None
    period: float
    dims: _Dims
    init_chunk: int | None

    def __post_init__(self) -> None:
        check_options("ecdf", self.nan_policy, self.distance)


def _score_leads(
    forecast: xr.DataArray,
    aligned: xr.DataArray,
    metrics: Sequence[str],
    s: _Settings,
    kw: dict,
) -> tuple[LeadSums, np.ndarray]:
    """Sum every per-point term per lead over blocks of inits; CC per lead."""
    init_dim, lead_dim = s.dims.init, s.dims.lead
    n_inits, n_leads = forecast.sizes[init_dim], forecast.sizes[lead_dim]
    per_init = int(np.prod([forecast.sizes[d] for d in forecast.dims[2:]]))
    step = s.init_chunk or max(1, _CHUNK_ELEMENTS // max(per_init, 1))
    policy = "propagate" if s.nan_policy == "raise" else s.nan_policy  # "raise": per block
    sums = LeadSums(n_leads)
    cc_values = np.full(n_leads, np.nan)
    for k in range(n_leads):
        means, truths = [], []
        for start in range(0, n_inits, step):
            sel = {lead_dim: k, init_dim: slice(start, start + step)}
            f = forecast.isel(sel).compute()
            y = aligned.isel(sel).compute()
            valid = valid_points(y, s.mask)
            y = y.where(valid)  # masked points are not scored by any metric
            if s.nan_policy == "raise":
                require_complete_members(f, y, s.dims.member, "evaluate")
            terms = block_terms(f, y, valid, metrics, policy, s.feature_dim, kw)
            for name, (term, ok) in terms.items():
                sums.add(name, k, term, ok)
            if "cc" in metrics:
                means.append(ensemble_mean(f, nan_policy=policy, **kw))
                truths.append(y)
        if "cc" in metrics:
            xbar, y_all = xr.concat(means, init_dim), xr.concat(truths, init_dim)
            kw_cc = {"distance": kw["distance"], "period": kw["period"]}
            cc_values[k] = float(cc(xbar, y_all, dim=None, member_dim=None, **kw_cc))
    return sums, cc_values


def _summary_attrs(
    metrics: Sequence[str],
    forecast: xr.DataArray,
    s: _Settings,
    space_dims: Sequence[Hashable],
    kw: dict,
) -> dict:
    """The Dataset attrs of one evaluated variable (module doc)."""
    attrs = {
        "ensemble_size": int(forecast.sizes[s.dims.member]),
        "n_inits": forecast.sizes[s.dims.init],
        "nan_policy": s.nan_policy,
        "crps_estimators": ",".join(e for e in ("ecdf", "fair") if f"crps_{e}" in metrics),
        "distance": kw["distance"] or "absolute",
        "space_dims": ",".join(map(str, space_dims)),
        "feature_dim": s.feature_dim or "",
        "reduction": "per lead: mean over space (valid points) and inits; <metric>_mean: mean "
        "over leads (evaluation.md §2)",
    }
    if kw["distance"] == "circular":
        attrs["period"] = float(kw["period"])
    return attrs


def _evaluate_array(forecast: xr.DataArray, truth: xr.DataArray, s: _Settings) -> xr.Dataset:
    distance, period = s.distance, s.period
    if distance is None and forecast.attrs.get("circular"):
        # a periodic variable (marked by its domain or by the user): wrapped differences
        distance, period = "circular", float(forecast.attrs.get("period", period))
    member_dim, init_dim, lead_dim, time_dim = s.dims
    space_dims, point_dims = split_point_dims(
        forecast, s.space_dims, s.feature_dim, (init_dim, lead_dim, member_dim)
    )
    n_members = int(forecast.sizes[member_dim])
    metrics = default_metrics(n_members, s.feature_dim) if s.metrics is None else tuple(s.metrics)
    check_metrics(metrics, n_members, s.feature_dim)

    aligned = align_truth(forecast, truth, init_dim=init_dim, lead_dim=lead_dim, time_dim=time_dim)
    aligned = check_grid(forecast, aligned, point_dims, init_dim, lead_dim)
    forecast = forecast.drop_vars("valid_time", errors="ignore").transpose(
        init_dim, lead_dim, member_dim, *point_dims
    )
    if s.mask is not None:
        valid_points(aligned.isel({init_dim: 0, lead_dim: 0}, drop=True), s.mask)  # checks mask
    kw = {"member_dim": member_dim, "distance": distance, "period": period}
    sums, cc_values = _score_leads(forecast, aligned, metrics, s, kw)
    out = lead_dataset(metrics, sums, cc_values, forecast[lead_dim], lead_dim, n_members)
    out.attrs = _summary_attrs(metrics, forecast, s, space_dims, kw)
    return out


def _variable_names(
    forecast: xr.Dataset, truth: xr.Dataset | xr.DataArray, var: str | None
) -> tuple[list[str], xr.Dataset]:
    """The data variables to score and the truth as a Dataset holding each of them."""
    names = [var] if var is not None else list(forecast.data_vars)
    for name in names:
        if name not in forecast.data_vars:
            raise DataError(f"forecast has no variable {name!r}; found {list(forecast.data_vars)}")
    if isinstance(truth, xr.DataArray):
        if len(names) != 1:
            raise DataError(
                f"forecast has variables {names} but truth is a single DataArray; pass var= or a "
                "Dataset truth"
            )
        truth = truth.to_dataset(name=names[0])
    lacking = [n for n in names if n not in truth.data_vars]
    if lacking:
        raise DataError(f"truth lacks variables {lacking}; found {list(truth.data_vars)}")
    return names, truth


def _evaluate_any(
    forecast: xr.Dataset | xr.DataArray,
    truth: xr.Dataset | xr.DataArray,
    var: str | None,
    settings: _Settings,
) -> xr.Dataset:
    """Score a DataArray, or each selected variable of a Dataset (``variable`` dim if several)."""
    if isinstance(forecast, xr.DataArray):
        if isinstance(truth, xr.Dataset):
            name = var or forecast.name
            if name not in truth.data_vars:
                raise DataError(
                    f"truth is a Dataset without variable {name!r}; found {list(truth.data_vars)}"
                    ". Pass var= or a DataArray truth."
                )
            truth = truth[name]
        return _evaluate_array(forecast, truth, settings)
    names, truth = _variable_names(forecast, truth, var)
    if len(names) == 1:
        return _evaluate_array(forecast[names[0]], truth[names[0]], settings)
    results = [_evaluate_array(forecast[n], truth[n], settings) for n in names]
    out = xr.concat(results, dim="variable", combine_attrs="override")
    return out.assign_coords(variable=names)


def evaluate(
    forecast: xr.Dataset | xr.DataArray,
    truth: xr.Dataset | xr.DataArray,
    *,
    metrics: Sequence[str] | None = None,
    var: str | None = None,
    space_dims: Sequence[str] | None = None,
    feature_dim: str | None = None,
    mask: xr.DataArray | None = None,
    nan_policy: NanPolicy = "propagate",
    distance: Distance | None = None,
    period: float = 360.0,
    member_dim: str = "member",
    init_dim: str = "init",
    lead_dim: str = "lead",
    time_dim: str = "time",
    init_chunk: int | None = None,
) -> xr.Dataset:
    """Score ``forecast`` against ``truth`` per lead, then average over leads (module doc).

    Args:
        forecast: DataArray or Dataset with dims (init, lead, member, *space[, feature]).
        truth: DataArray or Dataset with dims (time, *space[, feature]), or a pandas Series /
            DataFrame with a DatetimeIndex (a DataFrame's columns: the ``variable`` dim).
        metrics: names from :data:`METRICS`; default: all defined for M and the state
            (``crps_fair``/``ssr`` need M ≥ 2, ``energy*`` need ``feature_dim``).
        var: score only this data variable of a Dataset forecast.
        space_dims: dims averaged over; default: every dim not init/lead/member/feature.
        feature_dim: dim of a vector state (energy score over it; other metrics treat it as a
            space dim).
        mask: boolean DataArray over (a subset of) the point dims, True where scored
            (e.g. ocean). Points with NaN truth are never scored either.
        nan_policy: missing members: ``"propagate"`` (a NaN member at a valid point makes the
            lead's score NaN), ``"omit"`` (score on the valid members), ``"raise"``.
        distance: ``"circular"`` for periodic quantities (wrapped differences, period
            ``period``); ``None`` picks it when the forecast variable has
            ``attrs["circular"]`` (a domain of periodic data sets it; ``period`` then comes
            from its ``period`` attribute); ``"absolute"`` forces plain differences.
        init_chunk: inits per block (default: about 64 MB of forecast per block).

    Returns:
        xr.Dataset described in the module doc.

    Raises:
        DataError: missing dims, truth not covering the valid times, grid mismatch, NaN
            members under ``"raise"``. ConfigError: unknown metric, energy without features.
    """
    import pandas as pd

    if isinstance(truth, pd.Series | pd.DataFrame):  # a pandas series, as fit and forecast take
        from idff_ts.data.pandas_input import from_pandas

        truth = from_pandas(truth, time_dim)
    dims = _Dims(member=member_dim, init=init_dim, lead=lead_dim, time=time_dim)
    settings = _Settings(
        metrics, space_dims, feature_dim, mask, nan_policy, distance, period, dims, init_chunk
    )
    return _evaluate_any(forecast, truth, var, settings)
