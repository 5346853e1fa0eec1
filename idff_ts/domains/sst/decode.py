"""SST forecast outputs: sampled anomalies → °C and a CF Dataset (the decode half).

``x = z · σ_H(valid day) + μ_H(valid day)`` with the checkpoint's climatology, NaN over land::

    sst(init, box, lead, member, y, x)          °C, NaN over land
    sst_anomaly(init, box, lead, member, y, x)  standardised anomaly, NaN over land
    lat(box, y), lon(box, x), mask(box, y, x)   pixel centres, ocean mask (True = ocean)
    init, lead (timedelta days 1..K), member, valid_time(init, lead) = init + lead

with the provenance attributes of data.md §1 (``title``/``comment`` say "synthetic demo data"
when the model was trained on it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.dyffusion.boxes import BOX_SIZE
from idff_ts.domains.sst.encode import EncodedInput, fmt_day
from idff_ts.domains.sst.precision import MASK_FLAG_VALUES

if TYPE_CHECKING:
    from idff_ts.forecasting.ensemble import Ensemble
    from idff_ts.model import Forecaster

log = logging.getLogger("idff_ts.domains.sst.forecast")

DEMO_TITLE_NOTE = "SYNTHETIC DEMO DATA"


def to_celsius(
    samples: np.ndarray, enc: EncodedInput, k_slots: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, sst, valid)``: anomalies and °C ``(I, B, K, M, H, W)`` (NaN on land), valid days."""
    members = samples.shape[0]
    z = samples.reshape(members, enc.inits.size, len(enc.boxes), k_slots, BOX_SIZE, BOX_SIZE)
    z = np.moveaxis(z, 0, 3)  # (M, I·B, K, 1, H, W) → (I, B, K, M, H, W)
    leads = pd.to_timedelta(np.arange(1, k_slots + 1), unit="D")
    valid = enc.inits.values[:, None] + leads.values[None, :]  # (I, K)
    mean_v, std_v = enc.clim.at_dates(valid)  # (I, K, B, H, W)
    mean_v = np.moveaxis(mean_v, 2, 1)[:, :, :, None]  # (I, B, K, 1, H, W)
    std_v = np.moveaxis(std_v, 2, 1)[:, :, :, None]
    land = ~enc.clim.ocean[None, :, None, None]
    z = np.where(land, np.nan, z).astype(np.float32)
    sst = (z * std_v + mean_v).astype(np.float32)
    return z, sst, valid


def _coords(
    enc: EncodedInput, k_slots: int, members: int, valid: np.ndarray, model: Forecaster,
    sel: list[int],
) -> dict[str, xr.Variable]:
    leads = pd.to_timedelta(np.arange(1, k_slots + 1), unit="D")
    coords: dict[str, Any] = {
        "init": ("init", enc.inits.values, {
            "standard_name": "forecast_reference_time",
            "long_name": "forecast initialisation day (last input day)"}),
        "box": ("box", np.asarray(enc.boxes, dtype=np.int64), {
            "long_name": "DYffusion box index (lat_band * 24 + lon_band)"}),
        "lead": ("lead", leads.values, {
            "standard_name": "forecast_period", "long_name": "lead time (days after init)"}),
        "member": ("member", np.arange(members), {
            "standard_name": "realization", "long_name": "ensemble member"}),
        "slot": ("lead", np.arange(1, k_slots + 1), {"long_name": "forecast slot k (1..K)"}),
        "valid_time": (("init", "lead"), valid, {
            "standard_name": "time", "long_name": "valid day (init + lead)"}),
        "lat": (("box", "y"), np.asarray(model.assets["tile_lat"])[sel], {
            "standard_name": "latitude", "units": "degrees_north",
            "long_name": "latitude of pixel centres"}),
        "lon": (("box", "x"), np.asarray(model.assets["tile_lon"])[sel], {
            "standard_name": "longitude", "units": "degrees_east",
            "long_name": "longitude of pixel centres (0-360)"}),
        "mask": (("box", "y", "x"), enc.clim.ocean, {
            "long_name": "ocean mask (True over ocean, False over land)",
            "flag_values": MASK_FLAG_VALUES, "flag_meanings": "land ocean"}),
    }
    return {k: xr.Variable(*v) for k, v in coords.items()}


def forecast_dataset(
    samples: np.ndarray, enc: EncodedInput, model: Forecaster, sel: list[int], synthetic: bool
) -> xr.Dataset:
    """The CF Dataset of ``samples`` ``(M, I·B, K, 1, H, W)`` (module docstring), no attrs."""
    members, k_slots = samples.shape[0], samples.shape[2]
    z, sst, valid = to_celsius(samples, enc, k_slots)
    dims = ("init", "box", "lead", "member", "y", "x")
    note = " (synthetic demo data, not NOAA OISST)" if synthetic else ""
    out = xr.Dataset(
        {
            "sst": (dims, sst, {
                "standard_name": "sea_surface_temperature", "units": "degC",
                "long_name": f"forecast daily mean sea surface temperature{note}",
                "coordinates_note": "lat(box, y), lon(box, x)"}),
            "sst_anomaly": (dims, z, {
                "units": "1", "long_name": f"forecast standardised SST anomaly{note}",
                "standardisation": enc.clim.describe()}),
        },
        coords=_coords(enc, k_slots, members, valid, model, sel),
    )
    out["lead"].encoding["units"] = "days"
    return out


def forecast_attrs(
    model: Forecaster, enc: EncodedInput, ensemble: Ensemble, info: dict[str, Any]
) -> dict[str, Any]:
    """Provenance attributes (data.md §1) of an SST forecast made by ``ensemble``."""
    from idff_ts.io import provenance_attrs

    synthetic = bool(info.get("synthetic"))
    title = "idff-ts IDFF ensemble SST forecast on DYffusion tiles"
    if synthetic:
        title = f"{title} - {DEMO_TITLE_NOTE} (not NOAA OISST)"
    inits, sampler, k_slots = enc.inits, ensemble.sampler, ensemble.horizon
    call = (
        f"idff_ts.forecast(boxes={enc.boxes}, days={k_slots}, members={ensemble.members}, "
        f"seed={ensemble.seed}, nfe={sampler.nfe}, gamma1={sampler.gamma1}, "
        f"gamma2={sampler.gamma2}, inits={[fmt_day(t) for t in inits[:3]]}"
        f"{'…' if inits.size > 3 else ''}, device={ensemble.device!r})"
    )
    attrs = provenance_attrs(
        model, title=title, seed=int(ensemble.seed), ensemble_size=ensemble.members,
        sampler=sampler, command=call, horizon=k_slots, context_length=int(model.cfg.context),
        time_step=1.0, time_step_units="days", nfe_counted=int(ensemble.nfe),
        network_calls=int(ensemble.calls), n_jvp=int(ensemble.n_jvp),
        wall_time_s=float(ensemble.wall_s), device=ensemble.device, forecast_variable="sst",
        boxes=np.asarray(enc.boxes, dtype=np.int64), data=str(info.get("data", "")),
        standardisation=enc.clim.describe(),
        normalisation_note=(
            "sst_anomaly = (sst - mu_H(day)) / sigma_H(day) with the harmonic day-of-year "
            "climatology stored in the checkpoint; the network's own normalisation "
            "(normalisation_mean/std) applies on top of sst_anomaly"
        ),
        comment=(
            "SYNTHETIC DEMO DATA: the model was trained on a synthetic SST archive made by "
            "idff_ts.domains.sst.synthetic; these are not forecasts of the real ocean."
            if synthetic else "Forecast from NOAA OISST v2.1 input."
        ),
        synthetic_demo=int(synthetic),
    )
    if model.data_info.get("task"):
        attrs["task"] = str(model.data_info["task"])
    return attrs


def decode_forecast(
    enc: EncodedInput, ensemble: Ensemble, model: Forecaster, sel: list[int],
    info: dict[str, Any],
) -> xr.Dataset:
    """The CF Dataset of an ensemble of tile anomalies, with its provenance attributes."""
    out = forecast_dataset(ensemble.samples, enc, model, sel, bool(info.get("synthetic")))
    log.info(
        "SST forecast: %d init(s) x %d box(es), K=%d, M=%d, NFE=%d, %.2fs on %s",
        enc.inits.size, len(enc.boxes), ensemble.horizon, ensemble.members, ensemble.nfe,
        ensemble.wall_s, ensemble.device,
    )
    return out.assign_attrs(forecast_attrs(model, enc, ensemble, info))


__all__ = [
    "DEMO_TITLE_NOTE", "decode_forecast", "forecast_attrs", "forecast_dataset", "to_celsius",
]
