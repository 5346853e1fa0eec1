"""Running the synthetic SST generator and writing NOAA PSL yearly files (SYNTHETIC DEMO DATA).

See :mod:`~idff_ts.domains.sst.synthetic.model` for the model and its randomness.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.synthetic.climate import (
    ETP_REGION,
    PSL_MISSING_VALUE,
    PSL_TIME_UNITS,
    SYNTHETIC_TITLE,
    SyntheticSSTParams,
    region_edges,
    region_grid,
)
from idff_ts.domains.sst.synthetic.model import SSTModel
from idff_ts.errors import ConfigError, DataError

# --------------------------------------------------------------------------- public API


def _attrs(seed: int, region: tuple[float, ...], p: SyntheticSSTParams, substeps: int) -> dict:
    from idff_ts import __version__

    return {
        "units": "degC",
        "long_name": "Daily Mean of Sea Surface Temperature",
        "title": SYNTHETIC_TITLE,
        "dataset": SYNTHETIC_TITLE,
        "source": (
            f"idff_ts {__version__} idff_ts.domains.sst.synthetic: stochastic advection-diffusion-"
            f"relaxation model, seed={seed}, region={list(region)}, substeps_per_day={substeps}"
        ),
        "synthetic_seed": int(seed),
        "synthetic_region": json.dumps(list(region)),
        "synthetic_params": p.to_json(),
        "synthetic_substeps_per_day": int(substeps),
    }


def iter_sst_years(
    start: str | pd.Timestamp = "1982-01-01",
    end: str | pd.Timestamp = "2020-12-31",
    region: Any = ETP_REGION,
    seed: int = 0,
    params: SyntheticSSTParams | None = None,
) -> Iterator[xr.DataArray]:
    """Generate the synthetic SST one calendar year at a time (memory bounded by one year).

    Yields ``sst(time, lat, lon)`` float32 DataArrays (°C, land NaN) covering ``[start, end]``
    (inclusive, daily at 00:00) in calendar-year pieces; the values equal :func:`generate_sst`'s.
    """
    p = params or SyntheticSSTParams()
    t0, t1 = pd.Timestamp(start).floor("D"), pd.Timestamp(end).floor("D")
    if t1 < t0:
        raise ConfigError(f"end {t1.date()} is before start {t0.date()}")
    edges = region_edges(region)
    lat, lon = region_grid(edges)
    model = SSTModel(lat, lon, p, seed)
    attrs = _attrs(seed, edges, p, model.substeps)
    day = t0 - pd.Timedelta(days=p.spinup_days)
    model.init_state(day)
    while day < t0:
        model.step_day(day)
        day += pd.Timedelta(days=1)
    land = ~model.ocean
    for year in range(t0.year, t1.year + 1):
        times = pd.date_range(max(t0, pd.Timestamp(year, 1, 1)), min(t1, pd.Timestamp(year, 12, 31)))
        block = np.empty((times.size, lat.size, lon.size), dtype=np.float32)
        for i, d in enumerate(times):
            block[i] = model.observe(d)  # the state at 00:00 of day d
            model.step_day(d)
        if p.precision > 0:
            block = (np.round(block / p.precision) * p.precision).astype(np.float32)
        block[:, land] = np.nan
        yield xr.DataArray(
            block, dims=("time", "lat", "lon"),
            coords={"time": times, "lat": lat, "lon": lon}, name="sst", attrs=dict(attrs),
        )


def generate_sst(
    start: str | pd.Timestamp = "1982-01-01",
    end: str | pd.Timestamp = "2020-12-31",
    region: Any = ETP_REGION,
    seed: int = 0,
    params: SyntheticSSTParams | None = None,
) -> xr.DataArray:
    """Synthetic daily SST ``sst(time, lat, lon)`` in °C (float32, land NaN) — NOT NOAA OISST.

    ``region`` is ``(lat_min, lat_max, lon_min, lon_max)`` in degrees (lon 0–360, multiples of
    0.25°), or any object with those attributes (e.g. ``idff_ts.domains.sst.dyffusion.box_bounds(89)``);
    the grid is OISST's (cell centres ``lat_min + 0.125 + 0.25 k``). The default, the ETP region,
    is 120 × 360 points; 39 years of it hold 2.5 GB in memory — use :func:`iter_sst_years` or
    :func:`write_synthetic_archive` to stream. See the module docstring for the model.
    """
    return xr.concat(list(iter_sst_years(start, end, region, seed, params)), dim="time")


def _psl_var_attrs(values: np.ndarray, src: dict[str, Any]) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    rng = [float(finite.min()), float(finite.max())] if finite.size else [np.nan, np.nan]
    return {
        "long_name": "Daily Mean of Sea Surface Temperature",
        "units": "degC",
        "valid_range": np.array([-3.0, 45.0], dtype=np.float32),
        "precision": np.float32(2.0),
        "dataset": src.get("dataset", SYNTHETIC_TITLE),
        "var_desc": "Sea Surface Temperature",
        "level_desc": "Surface",
        "statistic": "Mean",
        "parent_stat": "SYNTHETIC (idff_ts generator), not individual observations",
        "actual_range": np.array(rng, dtype=np.float32),
    }


def _psl_coords(da: xr.DataArray) -> dict[str, Any]:
    times = pd.DatetimeIndex(da.indexes["time"]).floor("D")
    # Encoded here (not by xarray, which shortens the units string) exactly as PSL writes it.
    days = np.asarray((times - pd.Timestamp("1800-01-01")) / pd.Timedelta(days=1), np.float64)
    lat = da["lat"].values.astype(np.float32)
    lon = da["lon"].values.astype(np.float32)
    return {
        "time": ("time", days, {
            "units": PSL_TIME_UNITS, "calendar": "standard",
            "long_name": "Time", "standard_name": "time", "axis": "T",
            "delta_t": "0000-00-01 00:00:00", "avg_period": "0000-00-01 00:00:00",
            "coordinate_defines": "start",
            "actual_range": np.array([days.min(), days.max()], dtype=np.float64)}),
        "lat": ("lat", lat, {
            "units": "degrees_north", "long_name": "Latitude", "standard_name": "latitude",
            "axis": "Y", "actual_range": np.array([lat.min(), lat.max()], np.float32)}),
        "lon": ("lon", lon, {
            "units": "degrees_east", "long_name": "Longitude", "standard_name": "longitude",
            "axis": "X", "actual_range": np.array([lon.min(), lon.max()], np.float32)}),
    }


def _psl_global_attrs(src: dict[str, Any]) -> dict[str, Any]:
    attrs = {
        "Conventions": "CF-1.5",
        "title": src.get("title", SYNTHETIC_TITLE),
        "dataset_title": SYNTHETIC_TITLE,
        "institution": "idff_ts (synthetic data generator)",
        "source": src.get("source", "idff_ts.domains.sst.synthetic"),
        "comment": (
            "SYNTHETIC DEMO DATA, not observations and not NOAA OISST. Written in the layout of "
            "NOAA PSL's sst.day.mean.YYYY.nc (OISST v2.1) so that readers of the real archive "
            "read it unchanged."
        ),
    }
    for key in ("synthetic_seed", "synthetic_region", "synthetic_params",
                "synthetic_substeps_per_day"):
        if key in src:
            attrs[key] = src[key]
    return attrs


def _psl_dataset(da: xr.DataArray) -> tuple[xr.Dataset, dict[str, dict[str, Any]]]:
    """One year of ``da`` as a PSL-layout Dataset and its netCDF encoding."""
    values = np.asarray(da.values, dtype=np.float32)
    src = dict(da.attrs)
    ds = xr.Dataset({"sst": (("time", "lat", "lon"), values, _psl_var_attrs(values, src))},
                    coords=_psl_coords(da), attrs=_psl_global_attrs(src))
    shape = (1, da.sizes["lat"], da.sizes["lon"])
    enc = {
        "sst": {"dtype": "float32", "_FillValue": PSL_MISSING_VALUE,
                "missing_value": PSL_MISSING_VALUE, "zlib": True, "complevel": 4,
                "shuffle": True, "chunksizes": shape},
        "time": {"dtype": "float64", "_FillValue": None},
        "lat": {"dtype": "float32", "_FillValue": None},
        "lon": {"dtype": "float32", "_FillValue": None},
    }
    return ds, enc


def write_psl_archive(
    da: xr.DataArray, out_dir: str | os.PathLike[str], years: Sequence[int] | None = None
) -> list[Path]:
    """Write ``da`` (``sst(time, lat, lon)`` °C, NaN = land) as NOAA PSL yearly files.

    One file ``out_dir/sst.day.mean.YYYY.nc`` per calendar year in ``da`` (or in ``years``):
    netCDF4/HDF5, zlib; ``sst(time, lat, lon)`` float32 with ``missing_value = _FillValue =
    -9.96921e36`` over land; ``time`` float64 ``days since 1800-01-01 00:00:00`` at 00:00; ``lat``
    ascending and ``lon`` 0–360 float32; PSL's variable attributes and ``Conventions = CF-1.5``;
    ``title``/``dataset`` say it is synthetic. Each file is written to a temporary name and
    renamed, so a failure never leaves a partial file. Returns the paths in year order.
    """
    if set(da.dims) != {"time", "lat", "lon"}:
        raise DataError(f"write_psl_archive expects dims (time, lat, lon), found {da.dims}")
    da = da.transpose("time", "lat", "lon")
    lon = da["lon"].values
    if np.any(np.diff(da["lat"].values) <= 0) or np.any(np.diff(lon) <= 0) or lon.min() < 0:
        raise DataError("write_psl_archive needs ascending lat and ascending lon in [0, 360)")
    all_years = np.asarray(pd.DatetimeIndex(da.indexes["time"]).year)
    wanted = sorted(set(all_years.tolist())) if years is None else sorted({int(y) for y in years})
    missing = sorted(set(wanted) - set(all_years.tolist()))
    if missing:
        raise DataError(
            f"years {missing} are not in the data ({all_years.min()}–{all_years.max()})"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in wanted:
        ds, enc = _psl_dataset(da.isel(time=np.flatnonzero(all_years == year)))
        path = out / f"sst.day.mean.{year}.nc"
        tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
        try:
            ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=enc,
                         unlimited_dims=["time"])
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        paths.append(path)
    return paths


def write_synthetic_archive(
    out_dir: str | os.PathLike[str],
    start: str | pd.Timestamp = "1982-01-01",
    end: str | pd.Timestamp = "2020-12-31",
    region: Any = ETP_REGION,
    seed: int = 0,
    params: SyntheticSSTParams | None = None,
) -> list[Path]:
    """Generate and write the synthetic archive year by year (memory bounded by one year)."""
    paths: list[Path] = []
    for block in iter_sst_years(start, end, region, seed, params):
        paths += write_psl_archive(block, out_dir)
    return paths


__all__ = [
    "generate_sst",
    "iter_sst_years",
    "write_psl_archive",
    "write_synthetic_archive",
]
