"""Long-format OISST extracts (CSV): one row per (pixel, day), columns ``lon, lat, t, temp``.

Column names are matched case-insensitively: time ``t``/``time``/``date``, value
``temp``/``sst``, ``lon``/``longitude``, ``lat``/``latitude``. Read into the same normalised
form as :func:`~idff_ts.domains.sst.oisst.reading.open_oisst` (days, lon 0–360, °C).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.oisst.layouts import MaskFrom
from idff_ts.domains.sst.oisst.reading import check_continuous, with_mask
from idff_ts.errors import ConfigError, DataError

log = logging.getLogger(__name__)

_COLUMNS = {
    "lon": (("lon", "longitude"), "longitude"),
    "lat": (("lat", "latitude"), "latitude"),
    "time": (("t", "time", "date"), "time"),
    "sst": (("temp", "sst"), "temperature"),
}


def _read_table(p: Path) -> pd.DataFrame:
    if not p.is_file():
        raise DataError(f"CSV file not found: {str(p)!r}")
    try:
        return pd.read_csv(p)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {str(p)!r} as CSV: {exc}") from None


def _pick(df: pd.DataFrame, p: Path, names: Sequence[str], what: str) -> str:
    cols = {c.strip().lower(): c for c in df.columns}
    for n in names:
        if n in cols:
            return cols[n]
    raise DataError(
        f"{str(p)!r} has no {what} column (expected one of {list(names)}); found "
        f"{list(df.columns)}"
    )


def _tidy(df: pd.DataFrame, p: Path) -> pd.DataFrame:
    """Columns ``time`` (days), ``lat``, ``lon`` (0–360), ``sst`` (float32); no duplicates."""
    c = {key: _pick(df, p, names, what) for key, (names, what) in _COLUMNS.items()}
    try:
        t = pd.to_datetime(df[c["time"]]).dt.floor("D")
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{str(p)!r}: cannot parse the {c['time']!r} column as dates: {exc}"
        ) from None
    tidy = pd.DataFrame({
        "time": t,
        "lat": df[c["lat"]].astype(np.float64).round(6),
        "lon": np.mod(df[c["lon"]].astype(np.float64), 360.0).round(6),
        "sst": df[c["sst"]].astype(np.float32),
    })
    if tidy.duplicated(["time", "lat", "lon"]).any():
        n = int(tidy.duplicated(["time", "lat", "lon"]).sum())
        raise DataError(f"{str(p)!r}: {n} (pixel, day) pair(s) occur more than once")
    return tidy


def _pixels(wide: pd.DataFrame, times: pd.DatetimeIndex, attrs: dict[str, str],
            mask_from: MaskFrom | None) -> xr.DataArray:
    lat = np.array([c[0] for c in wide.columns])
    lon = np.array([c[1] for c in wide.columns])
    da = xr.DataArray(
        wide.to_numpy(np.float32), dims=("time", "pixel"),
        coords={"time": times, "pixel": np.arange(lat.size), "lat": ("pixel", lat),
                "lon": ("pixel", lon)},
        name="sst", attrs=attrs,
    )
    if mask_from is not None:
        if mask_from == "first":
            ocean = np.isfinite(da.isel(time=0).values)
        else:
            ocean = da.notnull().any("time").values
        da = da.assign_coords(mask=("pixel", ocean))
    return da


def _grid(wide: pd.DataFrame, times: pd.DatetimeIndex, attrs: dict[str, str],
          mask_from: MaskFrom | None) -> xr.DataArray:
    lats = np.unique([c[0] for c in wide.columns])
    lons = np.unique([c[1] for c in wide.columns])
    full = pd.MultiIndex.from_product([lats, lons])
    arr = wide.reindex(columns=full).to_numpy(np.float32).reshape(len(times), lats.size,
                                                                  lons.size)
    da = xr.DataArray(
        arr, dims=("time", "lat", "lon"),
        coords={"time": times, "lat": lats.astype(np.float32), "lon": lons.astype(np.float32)},
        name="sst", attrs=attrs,
    )
    return with_mask(da, mask_from)


def read_oisst_csv(
    path: str | os.PathLike[str],
    *,
    layout: Literal["grid", "pixel"] = "grid",
    mask_from: MaskFrom | None = "first",
) -> xr.DataArray:
    """Read a long-format OISST extract (module docstring).

    Args:
        path: the CSV file (e.g. ``oisst_wa_4px_1982_2022.csv``).
        layout: ``"grid"``: ``sst(time, lat, lon)`` over the distinct lats × lons (absent pixels
            NaN); ``"pixel"``: ``sst(time, pixel)`` with ``lat(pixel)``, ``lon(pixel)``, pixels
            ordered by (lat, lon).
        mask_from: as in :func:`~idff_ts.domains.sst.oisst.reading.open_oisst`.

    Returns:
        float32 DataArray ``sst`` in °C, normalised like ``open_oisst`` (days, lon 0–360).

    Raises:
        DataError: missing file or columns, unparsable dates, a (pixel, day) given twice.
    """
    p = Path(path).expanduser()
    if layout not in ("grid", "pixel"):
        raise ConfigError(f"layout must be 'grid' or 'pixel', got {layout!r}")
    tidy = _tidy(_read_table(p), p)
    wide = tidy.pivot(index="time", columns=["lat", "lon"], values="sst").sort_index()
    wide = wide.reindex(columns=sorted(wide.columns))
    times = pd.DatetimeIndex(wide.index, name="time")
    attrs = {"units": "degC", "long_name": "Daily sea surface temperature", "source": p.name}
    make = _pixels if layout == "pixel" else _grid
    da = make(wide, times, attrs, mask_from)
    try:
        check_continuous(times)
    except DataError as gap:
        log.warning("%s has gaps: %s", p.name, gap)
    return da


__all__ = ["read_oisst_csv"]
