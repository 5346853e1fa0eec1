"""Ensemble SST forecasts on DYffusion tiles, in °C and in standardised anomalies.

:func:`forecast_sst` is what :func:`idff_ts.forecast` (hence ``ds.idff.forecast``) and
``idff-ts forecast`` run for a model trained by :func:`~idff_ts.domains.sst.train.fit_sst`:

1. cut the model's boxes (or ``boxes``) out of the input (any OISST layout, or tiles);
2. take the ``L``-day input window ending at each ``init`` (default: the latest day of the
   data), check every day of it is present and finite over ocean;
3. standardise with the climatology stored in the checkpoint, ``z = (x − μ_H) / σ_H``, land 0;
4. sample ``M`` members × ``K`` daily slots with the bridge sampler (member ``m`` has its own
   random stream: results depend only on the seed, the inputs and the batch of tiles);
5. return ``x = z · σ_H(valid day) + μ_H(valid day)`` as a CF Dataset::

       sst(init, box, lead, member, y, x)          °C, NaN over land
       sst_anomaly(init, box, lead, member, y, x)  standardised anomaly, NaN over land
       lat(box, y), lon(box, x), mask(box, y, x)   pixel centres, ocean mask (True = ocean)
       init, lead (timedelta days 1..K), member, valid_time(init, lead) = init + lead

   with the provenance attributes of data.md §1 (``title``/``comment`` say "synthetic demo
   data" when the model was trained on it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.climatology import HarmonicClimatology
from idff_ts.domains.sst.dyffusion import BOX_SIZE, box_bounds
from idff_ts.domains.sst.tiles import as_tiles
from idff_ts.domains.sst.train import climatology_of, sst_info
from idff_ts.errors import CheckpointError, ConfigError, DataError

if TYPE_CHECKING:
    from idff_ts.model import Forecaster

log = logging.getLogger(__name__)

DEMO_TITLE_NOTE = "SYNTHETIC DEMO DATA"


def is_sst_model(model: Any) -> bool:
    """Whether ``model`` (a Forecaster) was trained by :func:`~idff_ts.domains.sst.train.fit_sst`."""
    return sst_info(model) is not None


def _fmt_day(t: Any) -> str:
    return f"{pd.Timestamp(t):%Y-%m-%d}"


def _resolve_inits(init: Any, days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The init days asked for (default: the latest day), each inside the data's span."""
    if init is None or (isinstance(init, str) and init.strip().lower() == "last"):
        return pd.DatetimeIndex([days[-1]])
    values = [init] if isinstance(init, str) or not isinstance(init, Sequence | np.ndarray |
                                                                pd.Index) else list(init)
    if not values:
        raise ConfigError("init is empty; pass at least one date (or None for the latest day)")
    out = []
    for v in values:
        try:
            t = pd.Timestamp(v)
        except (ValueError, TypeError):
            raise DataError(f"init {v!r} is not a date; expected e.g. 2020-06-01") from None
        if t != t.floor("D"):
            t = t.floor("D")
        if t < days[0] or t > days[-1]:
            raise DataError(
                f"init {_fmt_day(t)} is outside the archive, which covers {_fmt_day(days[0])}.."
                f"{_fmt_day(days[-1])}; choose an init date inside it (default: the latest day)"
            )
        out.append(t)
    idx = pd.DatetimeIndex(out)
    if idx.has_duplicates:
        raise ConfigError(f"init holds duplicated dates: {[_fmt_day(t) for t in out]}")
    return idx


def _window_positions(days: pd.DatetimeIndex, inits: pd.DatetimeIndex, n_ctx: int) -> np.ndarray:
    """Indices ``(I, L)`` of the input days; DataError naming any missing day."""
    rows = np.empty((inits.size, n_ctx), dtype=np.int64)
    for i, t in enumerate(inits):
        window = pd.date_range(t - pd.Timedelta(days=n_ctx - 1), t, freq="D")
        pos = days.get_indexer(window)
        if (pos < 0).any():
            missing = [_fmt_day(d) for d, p in zip(window, pos, strict=True) if p < 0]
            raise DataError(
                f"missing day(s) in the input window of init {_fmt_day(t)}: {', '.join(missing)} "
                f"(the model needs {n_ctx} consecutive day(s) ending at the init); add the "
                "file(s) for those days or choose another init"
            )
        rows[i] = pos
    return rows


def _check_model(fc: Forecaster, info: dict[str, Any]) -> None:
    shape = tuple(int(s) for s in fc.cfg.state_shape)
    size = int(info.get("tile_size", BOX_SIZE))
    if len(shape) != 3 or shape[0] != 1 or shape[1:] != (size, size) or size != BOX_SIZE:
        raise CheckpointError(
            f"this checkpoint was trained on tiles of state shape {shape} (tile size {size}); "
            f"OISST DYffusion tiles are 1 × {BOX_SIZE} × {BOX_SIZE} points. Use a checkpoint "
            "trained on 60 × 60 tiles (idff-ts train --task sst or sst-demo)"
        )


def _resolve_boxes(boxes: Sequence[int] | None, info: dict[str, Any]) -> list[int]:
    model_boxes = [int(b) for b in info["boxes"]]
    if boxes is None:
        return model_boxes
    wanted = [int(b) for b in boxes]
    for b in wanted:
        box_bounds(b)  # ConfigError for an index outside 0..191
    unknown = [b for b in wanted if b not in model_boxes]
    if unknown:
        raise ConfigError(
            f"boxes {unknown} are not among the checkpoint's boxes {model_boxes} (its climatology "
            "covers those only); choose among them or train a model for these boxes"
        )
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"duplicated boxes in {wanted}")
    return wanted


def forecast_sst(
    data: Any,
    model: Forecaster,
    *,
    days: float | None = None,
    horizon: int | None = None,
    members: int = 20,
    seed: int = 0,
    init: Any = None,
    var: str | None = None,
    boxes: Sequence[int] | None = None,
    nfe: int | None = None,
    gamma1: float | None = None,
    gamma2: float | None = None,
    device: str = "auto",
    chunk_members: int | None = None,
    progress: bool | Callable[[], None] = False,
) -> xr.Dataset:
    """Ensemble forecast of SST tiles (module docstring).

    Args:
        data: OISST as an xarray Dataset/DataArray (PSL or NCEI layout, or tiles) — as opened by
            :func:`~idff_ts.domains.sst.oisst.open_oisst` or by ``xr.open_dataset`` on the files.
        model: an SST tile :class:`~idff_ts.model.Forecaster` (``idff_ts.load_model``).
        days, horizon: number of daily leads ``K`` (give one; default the model's, 7).
        members: ensemble size ``M``.
        seed: base seed (member ``m`` has its own stream).
        init: init date(s): the last input day (default: the latest day in the data).
        var: the SST variable (default ``sst``).
        boxes: a subset of the model's boxes (default: all of them).
        nfe, gamma1, gamma2: sampler overrides.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N``.
        chunk_members: members per batch (bounds memory; same result).
        progress: progress bar over slots, or a callable run after each slot.

    Raises:
        DataError: an init outside the archive, a missing day in the input window, missing
            values over ocean, files of another variable, data not covering the boxes.
        CheckpointError: a checkpoint for another tile size. ConfigError: bad options.
    """
    from idff_ts.forecast import _progress_callback, _resolve_horizon, resolve_device
    from idff_ts.io import provenance_attrs

    info = sst_info(model)
    if info is None:
        raise ConfigError("forecast_sst needs an SST tile model (trained by idff_ts.domains.sst.fit_sst)")
    _check_model(model, info)
    var = var or str(info.get("var", "sst"))
    box_list = _resolve_boxes(boxes, info)
    members = int(members)
    if members < 1:
        raise ConfigError(f"members must be >= 1, got {members}")
    if chunk_members is not None and int(chunk_members) < 1:
        raise ConfigError(f"chunk_members must be >= 1, got {chunk_members}")
    k_slots = _resolve_horizon(horizon, days, "datetime", 1.0, int(model.cfg.horizon))
    sampler = model.sampler
    changes = {k: v for k, v in (("nfe", nfe), ("gamma1", gamma1), ("gamma2", gamma2))
               if v is not None}
    if changes:
        sampler = replace(sampler, **changes)
    dev = resolve_device(device)

    clim_all = climatology_of(model)
    sel = [list(info["boxes"]).index(b) for b in box_list]
    clim = HarmonicClimatology(
        mean_coef=clim_all.mean_coef[:, sel], var_coef=clim_all.var_coef[:, sel],
        ocean=clim_all.ocean[sel], space_dims=clim_all.space_dims, coords={},
        period=clim_all.period, n_harmonics=clim_all.n_harmonics, min_std=clim_all.min_std,
        units=clim_all.units,
    )
    tiles = as_tiles(data, box_list, var=var)
    day_index = pd.DatetimeIndex(tiles.indexes["time"]).floor("D")
    if day_index.size == 0:
        raise DataError("the input holds no day of SST")
    inits = _resolve_inits(init, day_index)
    n_ctx = int(model.cfg.context)
    rows = _window_positions(day_index, inits, n_ctx)  # (I, L)

    needed, inverse = np.unique(rows, return_inverse=True)
    window = np.asarray(tiles.isel(time=needed).values, dtype=np.float32)  # (T', B, H, W)
    ocean = clim.ocean  # (B, H, W)
    missing = ~np.isfinite(window) & ocean[None]
    if missing.any():
        bad_days = [_fmt_day(day_index[needed[i]]) for i in np.flatnonzero(missing.any((1, 2, 3)))]
        raise DataError(
            f"the input window holds {int(missing.sum())} missing SST value(s) over ocean on "
            f"{', '.join(bad_days[:5])}; the model needs complete input days (choose another init)"
        )
    mean_in, std_in = clim.at_dates(day_index[needed].values)  # (T', B, H, W)
    z_in = np.where(ocean[None], (window - mean_in) / std_in, 0.0).astype(np.float32)
    z_in = z_in[inverse.reshape(rows.shape)]  # (I, L, B, H, W)
    n_init, n_box = inits.size, len(box_list)
    context = np.moveaxis(z_in, 2, 1).reshape(n_init * n_box, n_ctx, 1, BOX_SIZE, BOX_SIZE)

    n_chunks = -(-members // int(chunk_members or members))
    on_slot, bar = _progress_callback(progress, k_slots * n_chunks)
    with bar:
        samples, res = model.predict(
            context, k_slots, members, seed=int(seed), sampler=sampler, device=dev,
            chunk_members=chunk_members, on_slot=on_slot,
        )
    # (M, I·B, K, 1, H, W) → (I, B, K, M, H, W)
    z = samples.reshape(members, n_init, n_box, k_slots, BOX_SIZE, BOX_SIZE)
    z = np.moveaxis(z, 0, 3)
    leads = pd.to_timedelta(np.arange(1, k_slots + 1), unit="D")
    valid = inits.values[:, None] + leads.values[None, :]  # (I, K)
    mean_v, std_v = clim.at_dates(valid)  # (I, K, B, H, W)
    mean_v = np.moveaxis(mean_v, 2, 1)[:, :, :, None]  # (I, B, K, 1, H, W)
    std_v = np.moveaxis(std_v, 2, 1)[:, :, :, None]
    land = ~ocean[None, :, None, None]
    z = np.where(land, np.nan, z).astype(np.float32)
    sst = (z * std_v + mean_v).astype(np.float32)

    dims = ("init", "box", "lead", "member", "y", "x")
    coords: dict[str, Any] = {
        "init": ("init", inits.values, {
            "standard_name": "forecast_reference_time",
            "long_name": "forecast initialisation day (last input day)"}),
        "box": ("box", np.asarray(box_list, dtype=np.int64), {
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
        "mask": (("box", "y", "x"), ocean, {
            "long_name": "ocean mask (True over ocean, False over land)",
            "flag_values": [0, 1], "flag_meanings": "land ocean"}),
    }
    synthetic = bool(info.get("synthetic"))
    note = " (synthetic demo data, not NOAA OISST)" if synthetic else ""
    out = xr.Dataset(
        {
            "sst": (dims, sst, {
                "standard_name": "sea_surface_temperature", "units": "degC",
                "long_name": f"forecast daily mean sea surface temperature{note}",
                "coordinates_note": "lat(box, y), lon(box, x)"}),
            "sst_anomaly": (dims, z, {
                "units": "1", "long_name": f"forecast standardised SST anomaly{note}",
                "standardisation": clim.describe()}),
        },
        coords={k: xr.Variable(*v) for k, v in coords.items()},
    )
    out["lead"].encoding["units"] = "days"
    title = "idff-ts IDFF ensemble SST forecast on DYffusion tiles"
    if synthetic:
        title = f"{title} - {DEMO_TITLE_NOTE} (not NOAA OISST)"
    call = (
        f"idff_ts.forecast(boxes={box_list}, days={k_slots}, members={members}, seed={seed}, "
        f"nfe={sampler.nfe}, gamma1={sampler.gamma1}, gamma2={sampler.gamma2}, "
        f"inits={[_fmt_day(t) for t in inits[:3]]}{'…' if inits.size > 3 else ''}, device={dev!r})"
    )
    attrs = provenance_attrs(
        model,
        title=title,
        seed=int(seed),
        ensemble_size=members,
        sampler=sampler,
        command=call,
        horizon=k_slots,
        context_length=n_ctx,
        time_step=1.0,
        time_step_units="days",
        nfe_counted=int(res.nfe),
        network_calls=int(res.calls),
        n_jvp=int(res.n_jvp),
        wall_time_s=float(res.wall_s),
        device=dev,
        forecast_variable="sst",
        boxes=np.asarray(box_list, dtype=np.int64),
        data=str(info.get("data", "")),
        standardisation=clim.describe(),
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
    log.info(
        "SST forecast: %d init(s) x %d box(es), K=%d, M=%d, NFE=%d, %.2fs on %s",
        n_init, n_box, k_slots, members, res.nfe, res.wall_s, dev,
    )
    return out.assign_attrs(attrs)


__all__ = ["DEMO_TITLE_NOTE", "forecast_sst", "is_sst_model"]
