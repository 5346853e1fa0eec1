"""Writing ``sst(time, lat, lon)`` in an official OISST file layout (fixtures, synthetic data).

``"psl"``: ``sst(time, lat, lon)`` float32 with ``missing_value = -9.96921e36`` (no
``_FillValue``), time float64 ``days since 1800-01-01 00:00:00`` at 00:00, zlib, one day per
chunk — the layout of ``sst.day.mean.YYYY.nc``. ``"ncei"``: ``sst(time, zlev, lat, lon)``
int16, ``scale_factor 0.01``, ``_FillValue -999``, time ``days since 1978-01-01 12:00:00`` at
12:00, ``zlev = [0.]`` — the layout of ``oisst-avhrr-v02r01.YYYYMMDD.nc`` (one file per day by
convention; several days are allowed). The attributes are the layout's own; ``da.attrs`` are
not copied.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Hashable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.oisst.layouts import NCEI_TIME_UNITS, PSL_MISSING_VALUE, PSL_TIME_UNITS
from idff_ts.errors import ConfigError, DataError

_TITLE = "NOAA/NCEI 1/4 Degree Daily Optimum Interpolation Sea Surface Temperature (OISST)"


def _psl(name: str, values: np.ndarray, days: pd.DatetimeIndex, shape: tuple[int, int]) -> Any:
    data = xr.Variable(("time", "lat", "lon"), values, {
        "long_name": "Daily Mean of Sea Surface Temperature", "units": "degC",
        "standard_name": "sea_surface_temperature"}
    )
    enc = {name: {"dtype": "float32", "missing_value": PSL_MISSING_VALUE, "_FillValue": None,
                  "zlib": True, "complevel": 4, "chunksizes": (1, *shape)},
           "time": {"units": PSL_TIME_UNITS, "calendar": "standard", "dtype": "float64",
                    "_FillValue": None}}
    return days, data, enc, _TITLE


def _ncei(name: str, values: np.ndarray, days: pd.DatetimeIndex, shape: tuple[int, int]) -> Any:
    data = xr.Variable(("time", "zlev", "lat", "lon"), values[:, None], {
        "long_name": "Daily sea surface temperature", "units": "Celsius",
        "valid_min": np.int16(-300), "valid_max": np.int16(4500)}
    )
    enc = {name: {"dtype": "int16", "scale_factor": np.float32(0.01),
                  "add_offset": np.float32(0.0), "_FillValue": np.int16(-999),
                  "zlib": True, "complevel": 4, "chunksizes": (1, 1, *shape)},
           "time": {"units": NCEI_TIME_UNITS, "calendar": "standard", "dtype": "float32",
                    "_FillValue": None}}
    return days + pd.Timedelta(hours=12), data, enc, f"{_TITLE} Analysis, Version 2.1"


def _write_atomic(ds: xr.Dataset, out: Path, enc: dict[str, Any], units: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=enc)
        import netCDF4

        with netCDF4.Dataset(tmp, "a") as nc:  # the official spelling of the units
            nc["time"].units = units
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_oisst(
    da: xr.DataArray,
    path: str | os.PathLike[str],
    *,
    layout: Literal["psl", "ncei"] = "psl",
    var: Hashable | None = None,
) -> Path:
    """Write ``sst(time, lat, lon)`` (°C, NaN = land) in an official layout (module docstring),
    atomically. Used for test fixtures and synthetic archives."""
    if set(da.dims) != {"time", "lat", "lon"}:
        raise DataError(f"write_oisst expects dims (time, lat, lon), found {tuple(da.dims)}")
    if layout not in ("psl", "ncei"):
        raise ConfigError(f"layout must be 'psl' or 'ncei', got {layout!r}")
    name = str(var or da.name or "sst")
    da = da.transpose("time", "lat", "lon")
    days = pd.DatetimeIndex(da.indexes["time"]).floor("D")
    lat = da["lat"].values.astype(np.float32)
    lon = da["lon"].values.astype(np.float32)
    values = np.asarray(da.values, dtype=np.float32)
    make = _psl if layout == "psl" else _ncei
    times, data, enc, title = make(name, values, days, (lat.size, lon.size))
    coords: dict[str, Any] = {
        "time": ("time", times),
        "lat": ("lat", lat, {"units": "degrees_north", "long_name": "Latitude"}),
        "lon": ("lon", lon, {"units": "degrees_east", "long_name": "Longitude"}),
    }
    if layout == "ncei":
        coords["zlev"] = ("zlev", np.zeros(1, np.float32), {"units": "meters"})
    ds = xr.Dataset({name: data}, coords=coords, attrs={"title": title, "Conventions": "CF-1.5"})
    for c in ("lat", "lon", "zlev"):
        if c in ds:
            enc[c] = {"_FillValue": None}
    out = Path(path)
    _write_atomic(ds, out, enc, PSL_TIME_UNITS if layout == "psl" else NCEI_TIME_UNITS)
    return out


__all__ = ["write_oisst"]
