"""Ensemble samples → a CF-annotated Dataset (the generic ``decode``), data.md §1::

    <name>(init, [series,] lead, member, *state_dims)
    init        forecast_reference_time   the last context time of each window
    lead        forecast_period           k · Δt, k = 1..K (timedelta64 days for calendar data)
    member      realization               0..M-1
    valid_time  time                      init + lead (2-D coordinate)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.forecasting.times import valid_times

if TYPE_CHECKING:
    from idff_ts.forecasting.ensemble import Encoded, Ensemble
    from idff_ts.model import Forecaster

log = logging.getLogger("idff_ts.forecast")

CF_VAR_ATTRS = ("units", "long_name", "standard_name", "description", "comment")


#: Unit strings of numeric time that are no CF (UDUNITS) unit: written as the dimensionless "1".
NON_CF_TIME_UNITS = {"", "model time", "model time units", "time steps", "steps"}
DIMENSIONLESS_COMMENT = (
    "dimensionless model time: the data's numeric time axis carries no physical unit, so init, "
    "lead and valid_time are in its own numbers (units = 1)"
)


def _time_units(da: xr.DataArray, time_dim: str, info: dict[str, Any]) -> str:
    """The data's time unit when it has a CF one, else ``"1"`` (dimensionless model time)."""
    unit = str(info.get("time_step_units", ""))
    if time_dim in da.coords:
        unit = str(da[time_dim].attrs.get("units", unit))
    return "1" if unit.strip().lower() in NON_CF_TIME_UNITS else unit


def forecast_coords(meta: dict[str, Any], members: int, k_slots: int, time_units: str) -> dict:
    """``init``, ``lead``, ``member``, ``slot`` and ``valid_time`` with their CF attributes."""
    times, idx, kind, step = meta["times"], meta["idx"], meta["kind"], meta["step"]
    slots = np.arange(1, k_slots + 1)
    if kind == "datetime":
        lead_values = pd.to_timedelta(slots * step, unit="D").to_numpy()
        time_attrs: dict[str, Any] = {}
    else:
        lead_values = slots * step
        time_attrs = {"units": time_units}
        if time_units == "1":
            time_attrs["comment"] = DIMENSIONLESS_COMMENT
    unit = "days" if kind == "datetime" else (
        "model time" if time_units == "1" else time_units)
    return {
        "init": ("init", times[idx], {
            "standard_name": "forecast_reference_time",
            "long_name": "forecast initialisation time (last context time)", **time_attrs,
        }),
        "lead": ("lead", lead_values, {
            "standard_name": "forecast_period",
            "long_name": f"lead time: slot k times the time step ({step:g} {unit})", **time_attrs,
        }),
        "member": ("member", np.arange(members), {
            "standard_name": "realization", "long_name": "ensemble member",
        }),
        "slot": ("lead", slots, {"long_name": "forecast slot k (1..K)"}),
        "valid_time": (("init", "lead"), valid_times(times, idx, lead_values, kind), {
            "standard_name": "time", "long_name": "valid time (init + lead)", **time_attrs,
        }),
    }


def _labelled(encoded: Encoded, ensemble: Ensemble, info: dict[str, Any]) -> xr.DataArray:
    meta, sinfo = encoded.meta, encoded.meta["sinfo"]
    n_init, n_series, k_slots = meta["idx"].size, sinfo.series.size, ensemble.horizon
    samples = ensemble.samples.reshape(
        ensemble.members, n_init, n_series, k_slots, *ensemble.samples.shape[3:]
    )
    samples = np.moveaxis(samples, 0, 3)  # (I, S, K, M, *state)
    leading = ["init", "lead", "member"]
    if sinfo.series_dim is not None:
        leading.insert(1, sinfo.series_dim)
    else:
        samples = samples[:, 0]
    out = sinfo.to_dataarray(samples, leading)
    time_units = _time_units(meta["da"], meta["time_dim"], info)
    coords = forecast_coords(meta, ensemble.members, k_slots, time_units)
    if sinfo.series_dim is not None:
        coords[sinfo.series_dim] = (sinfo.series_dim, sinfo.series)
    out = out.assign_coords({k: xr.Variable(*v) for k, v in coords.items()})
    for dim, values in (info.get("state_coords") or {}).items():
        if dim in out.dims and dim not in out.coords and len(values) == out.sizes[dim]:
            out = out.assign_coords({dim: (dim, np.asarray(values))})
    if meta["kind"] == "datetime":
        out["lead"].encoding["units"] = "days"
    return out


def decode_series(encoded: Encoded, ensemble: Ensemble, model: Forecaster) -> xr.Dataset:
    """The Dataset of one variable named like the input, with provenance attributes."""
    from idff_ts.io import provenance_attrs

    info = dict(model.data_info or {})
    meta, da = encoded.meta, encoded.meta["da"]
    out = _labelled(encoded, ensemble, info)
    name = da.name if da.name is not None else info.get("name") or "forecast"
    out.name = str(name)
    out.attrs = {k: da.attrs[k] for k in CF_VAR_ATTRS if k in da.attrs}
    for key in ("units", "long_name"):
        if key not in out.attrs and info.get(key):
            out.attrs[key] = info[key]
    sampler, kind, n_init = ensemble.sampler, meta["kind"], meta["idx"].size
    call = (
        f"idff_ts.forecast(var={out.name!r}, horizon={ensemble.horizon}, "
        f"members={ensemble.members}, seed={ensemble.seed}, nfe={sampler.nfe}, "
        f"gamma1={sampler.gamma1}, gamma2={sampler.gamma2}, inits={n_init}, "
        f"device={ensemble.device!r})"
    )
    attrs = provenance_attrs(
        model, title=f"idff-ts ensemble forecast of {out.name}", seed=ensemble.seed,
        ensemble_size=ensemble.members, sampler=sampler, command=call, horizon=ensemble.horizon,
        context_length=int(model.cfg.context), time_step=float(meta["step"]),
        time_step_units="days" if kind == "datetime" else _time_units(da, meta["time_dim"], info),
        **ensemble.cost_attrs(), forecast_variable=str(out.name),
    )
    log.info(
        "forecast %s: %d inits x %d series, K=%d, M=%d, NFE=%d, %.2fs on %s", out.name, n_init,
        meta["sinfo"].series.size, ensemble.horizon, ensemble.members, ensemble.nfe,
        ensemble.wall_s, ensemble.device,
    )
    return out.to_dataset().assign_attrs(attrs)


__all__ = ["CF_VAR_ATTRS", "decode_series", "forecast_coords"]
