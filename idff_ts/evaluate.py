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
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError, DataError
from idff_ts.metrics.crps import Distance, NanPolicy, check_options, crps_ensemble_xr
from idff_ts.metrics.deterministic import cc, ensemble_mean, error, require_complete_members
from idff_ts.metrics.energy import energy_score_xr
from idff_ts.metrics.reduce import add_lead_means, masked_sum_count, valid_points
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
_NEEDS_TWO_MEMBERS = ("crps_fair", "ssr", "energy_fair")
_NEEDS_FEATURES = ("energy", "energy_fair")
_CHUNK_ELEMENTS = 1 << 23  # forecast values per block (64 MB of float64)


def default_metrics(ensemble_size: int, feature_dim: str | None) -> tuple[str, ...]:
    """Every metric defined for this ensemble size and state (see module doc)."""
    names = [m for m in METRICS if feature_dim is not None or m not in _NEEDS_FEATURES]
    if ensemble_size < 2:
        names = [m for m in names if m not in _NEEDS_TWO_MEMBERS]
    return tuple(names)


def _check_metrics(metrics: Sequence[str], ensemble_size: int, feature_dim: str | None) -> None:
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ConfigError(f"unknown metrics {unknown}; choose from {METRICS}")
    if feature_dim is None and any(m in _NEEDS_FEATURES for m in metrics):
        raise ConfigError(
            "the energy score needs a vector state: pass feature_dim= (the dim of the state "
            "vector, e.g. 'angle' or 'component')"
        )
    if ensemble_size < 2 and any(m in _NEEDS_TWO_MEMBERS for m in metrics):
        bad = [m for m in metrics if m in _NEEDS_TWO_MEMBERS]
        raise DataError(f"metrics {bad} need at least 2 members; the forecast has 1")


def valid_times(forecast: xr.DataArray, init_dim: str, lead_dim: str) -> xr.DataArray:
    """The ``valid_time(init, lead)`` coordinate, or ``init + lead`` when it is absent."""
    if "valid_time" in forecast.coords:
        vt = forecast.coords["valid_time"]
    else:
        try:
            vt = forecast[init_dim] + forecast[lead_dim]
        except TypeError as err:
            raise DataError(
                f"cannot form valid_time = {init_dim} + {lead_dim} from dtypes "
                f"{forecast[init_dim].dtype} and {forecast[lead_dim].dtype} ({err}); add a "
                "valid_time(init, lead) coordinate"
            ) from None
    if set(vt.dims) != {init_dim, lead_dim}:
        raise DataError(f"valid_time must have dims ({init_dim}, {lead_dim}); found {vt.dims}")
    return vt.transpose(init_dim, lead_dim).reset_coords(drop=True)


def align_truth(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    init_dim: str = "init",
    lead_dim: str = "lead",
    time_dim: str = "time",
) -> xr.DataArray:
    """Truth at every ``valid_time(init, lead)`` of the forecast, dims ``(init, lead, …)``.

    Exact selection: a valid time the truth lacks raises DataError listing them.
    """
    if time_dim not in truth.dims:
        raise DataError(f"truth has no time dimension {time_dim!r}; found dims {truth.dims}")
    vt = valid_times(forecast, init_dim, lead_dim)
    times = np.asarray(truth[time_dim].values)
    kinds = {np.asarray(vt.values).dtype.kind, times.dtype.kind}
    if "M" in kinds and kinds != {"M"}:
        raise DataError(
            f"valid times have dtype {vt.dtype} but truth {time_dim} has dtype {times.dtype}; "
            "both must be datetime64 or both numeric model time"
        )
    if np.unique(times).size != times.size:
        raise DataError(f"truth {time_dim} has duplicate values; expected unique times")
    wanted = np.unique(np.asarray(vt.values).ravel())
    missing = wanted[~np.isin(wanted, times)]
    if missing.size:
        shown = ", ".join(str(t) for t in missing[:5]) + (" …" if missing.size > 5 else "")
        raise DataError(
            f"truth does not cover {missing.size} of the {wanted.size} forecast valid times "
            f"(init + lead), e.g. {shown}; truth {time_dim} spans {times.min()} .. "
            f"{times.max()} ({times.size} values). Provide truth for every valid time "
            "(selection is exact: round model times consistently)."
        )
    out = truth.sel({time_dim: vt})
    return out.drop_vars(time_dim).assign_coords(
        {init_dim: forecast[init_dim], lead_dim: forecast[lead_dim]}
    )


def _check_grid(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    point_dims: Sequence[Hashable],
    init_dim: str,
    lead_dim: str,
) -> xr.DataArray:
    """Check the truth's point dims and coords equal the forecast's; return truth ordered."""
    extra = [d for d in truth.dims if d not in (init_dim, lead_dim, *point_dims)]
    lacking = [d for d in point_dims if d not in truth.dims]
    if extra or lacking:
        raise DataError(
            f"truth dims {truth.dims} do not match the forecast's point dims {tuple(point_dims)}"
            f" (extra: {extra}, missing: {lacking})"
        )
    for d in point_dims:
        if truth.sizes[d] != forecast.sizes[d]:
            raise DataError(
                f"dim {d!r} has {forecast.sizes[d]} points in the forecast, "
                f"{truth.sizes[d]} in the truth"
            )
        if (
            d in forecast.coords
            and d in truth.coords
            and not np.array_equal(forecast[d].values, truth[d].values)
        ):
            raise DataError(
                f"coordinate {d!r} differs between forecast and truth; select the same grid "
                "(e.g. truth.sel(...) with the forecast's coordinates)"
            )
    return truth.transpose(init_dim, lead_dim, *point_dims)


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


class _Sums:
    """Per-lead running sums and counts of masked per-point terms."""

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


def _block_terms(
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


def _per_lead(metrics: Sequence[str], sums: _Sums, cc_values: np.ndarray) -> dict[str, np.ndarray]:
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


def _evaluate_array(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    metrics: Sequence[str] | None,
    space_dims: Sequence[str] | None,
    feature_dim: str | None,
    mask: xr.DataArray | None,
    nan_policy: NanPolicy,
    distance: Distance | None,
    period: float,
    member_dim: str,
    init_dim: str,
    lead_dim: str,
    time_dim: str,
    init_chunk: int | None,
) -> xr.Dataset:
    if distance is None and forecast.attrs.get("circular"):
        # angles (written by an angle model, or marked by the user): wrapped differences
        distance, period = "circular", float(forecast.attrs.get("period", period))
    core = (init_dim, lead_dim, member_dim)
    lacking = [d for d in core if d not in forecast.dims]
    if lacking:
        raise DataError(
            f"forecast lacks dims {lacking}; expected (init, lead, member, *space), found "
            f"{forecast.dims}. Rename dims or pass init_dim/lead_dim/member_dim."
        )
    if feature_dim is not None and feature_dim not in forecast.dims:
        raise DataError(f"feature_dim {feature_dim!r} is not a forecast dim {forecast.dims}")
    if space_dims is None:
        space_dims = [d for d in forecast.dims if d not in (*core, feature_dim)]
    extra = [d for d in forecast.dims if d not in (*core, feature_dim, *space_dims)]
    missing_space = [d for d in space_dims if d not in forecast.dims]
    if extra or missing_space:
        raise DataError(
            f"forecast dims {forecast.dims} do not match init/lead/member + space_dims "
            f"{tuple(space_dims)} + feature_dim (extra: {extra}, missing: {missing_space})"
        )
    point_dims = [*space_dims] + ([feature_dim] if feature_dim is not None else [])
    n_members = int(forecast.sizes[member_dim])
    metrics = tuple(metrics) if metrics is not None else default_metrics(n_members, feature_dim)
    _check_metrics(metrics, n_members, feature_dim)

    aligned = align_truth(forecast, truth, init_dim=init_dim, lead_dim=lead_dim, time_dim=time_dim)
    aligned = _check_grid(forecast, aligned, point_dims, init_dim, lead_dim)
    forecast = forecast.drop_vars("valid_time", errors="ignore").transpose(
        init_dim, lead_dim, member_dim, *point_dims
    )
    if mask is not None:
        valid_points(aligned.isel({init_dim: 0, lead_dim: 0}, drop=True), mask)  # checks mask

    n_inits, n_leads = forecast.sizes[init_dim], forecast.sizes[lead_dim]
    per_init = int(np.prod([forecast.sizes[d] for d in (member_dim, *point_dims)]))
    step = init_chunk or max(1, _CHUNK_ELEMENTS // max(per_init, 1))
    kw = {"member_dim": member_dim, "distance": distance, "period": period}
    policy = "propagate" if nan_policy == "raise" else nan_policy  # "raise" is checked per block
    sums = _Sums(n_leads)
    cc_values = np.full(n_leads, np.nan)
    for k in range(n_leads):
        means, truths = [], []
        for start in range(0, n_inits, step):
            sel = {lead_dim: k, init_dim: slice(start, start + step)}
            f = forecast.isel(sel).compute()
            y = aligned.isel(sel).compute()
            valid = valid_points(y, mask)
            y = y.where(valid)  # masked points are not scored by any metric
            if nan_policy == "raise":
                require_complete_members(f, y, member_dim, "evaluate")
            for name, (term, ok) in _block_terms(
                f, y, valid, metrics, policy, feature_dim, kw
            ).items():
                sums.add(name, k, term, ok)
            if "cc" in metrics:
                means.append(ensemble_mean(f, nan_policy=policy, **kw))
                truths.append(y)
        if "cc" in metrics:
            xbar, y_all = xr.concat(means, init_dim), xr.concat(truths, init_dim)
            cc_values[k] = float(
                cc(xbar, y_all, dim=None, member_dim=None, distance=distance, period=period)
            )

    values = _per_lead(metrics, sums, cc_values)
    names = [*metrics] + ([n for n in _SSR_EXTRAS if n not in metrics] if "ssr" in metrics else [])
    out = xr.Dataset(coords={lead_dim: forecast[lead_dim]})
    for name in names:
        attrs = {**_ATTRS[name], "ensemble_size": n_members}
        out[name] = xr.DataArray(values[name], dims=(lead_dim,), attrs=attrs)
    out["n_points"] = xr.DataArray(
        sums.count["se"], dims=(lead_dim,), attrs={"long_name": "valid points scored per lead"}
    )
    energy = [m for m in metrics if m in _NEEDS_FEATURES]
    if energy:
        out["n_points_energy"] = xr.DataArray(
            sums.count[energy[0]], dims=(lead_dim,), attrs={"long_name": "valid state vectors"}
        )
    out = add_lead_means(
        out, [*metrics] + (["ssr_dyffusion"] if "ssr" in metrics else []), lead_dim=lead_dim
    )
    out.attrs = {
        "ensemble_size": n_members,
        "n_inits": n_inits,
        "nan_policy": nan_policy,
        "crps_estimators": ",".join(e for e in ("ecdf", "fair") if f"crps_{e}" in metrics),
        "distance": distance or "absolute",
        "space_dims": ",".join(map(str, space_dims)),
        "feature_dim": feature_dim or "",
        "reduction": "per lead: mean over space (valid points) and inits; <metric>_mean: mean "
        "over leads (evaluation.md §2)",
    }
    if distance == "circular":
        out.attrs["period"] = float(period)
    return out


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
        truth: DataArray or Dataset with dims (time, *space[, feature]).
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
        distance: ``"circular"`` for angles (wrapped differences, period ``period``);
            ``None`` picks it when the forecast variable has ``attrs["circular"]`` (angle
            forecasts do; ``period`` then comes from its ``period`` attribute); ``"absolute"``
            forces plain differences.
        init_chunk: inits per block (default: about 64 MB of forecast per block).

    Returns:
        xr.Dataset described in the module doc.

    Raises:
        DataError: missing dims, truth not covering the valid times, grid mismatch, NaN
            members under ``"raise"``. ConfigError: unknown metric, energy without features.
    """
    check_options("ecdf", nan_policy, distance)
    kw = {
        "metrics": metrics,
        "space_dims": space_dims,
        "feature_dim": feature_dim,
        "mask": mask,
        "nan_policy": nan_policy,
        "distance": distance,
        "period": period,
        "member_dim": member_dim,
        "init_dim": init_dim,
        "lead_dim": lead_dim,
        "time_dim": time_dim,
        "init_chunk": init_chunk,
    }
    if isinstance(forecast, xr.DataArray):
        if isinstance(truth, xr.Dataset):
            name = var or forecast.name
            if name not in truth.data_vars:
                raise DataError(
                    f"truth is a Dataset without variable {name!r}; found {list(truth.data_vars)}"
                    ". Pass var= or a DataArray truth."
                )
            truth = truth[name]
        return _evaluate_array(forecast, truth, **kw)
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
    if len(names) == 1:
        return _evaluate_array(forecast[names[0]], truth[names[0]], **kw)
    results = [_evaluate_array(forecast[n], truth[n], **kw) for n in names]
    out = xr.concat(results, dim="variable", combine_attrs="override")
    return out.assign_coords(variable=names)
