"""The NOAA OISST v2.1 file layouts, and one file read into the normalised form.

Layouts read (data.md §2), recognised by their content, not their names:

=================  ===========================================  ==================================
layout             files                                        on disk
=================  ===========================================  ==================================
``"psl"``          NOAA PSL yearly ``sst.day.mean.YYYY.nc``     ``sst(time, lat, lon)`` float32,
                   (v2.0: ``sst.day.mean.YYYY.v2.nc``)          ``missing_value = -9.96921e36``,
                                                                time days since 1800-01-01 00:00
``"ncei"``         NCEI daily ``oisst-avhrr-v02r01.YYYYMMDD.nc``  ``sst(time, zlev, lat, lon)``
                   (v2.0: ``avhrr-only-v2.YYYYMMDD.nc``;        int16, scale 0.01, fill −999,
                   ``…_preliminary.nc``)                         days since 1978-01-01 12:00
``"zarr"``         a Zarr store of either schema                as written
=================  ===========================================  ==================================

Any other netCDF holding ``sst(time, lat, lon)`` (e.g. a regional extract) reads like ``"psl"``.

The normalised form is described in :mod:`~idff_ts.domains.sst.oisst.reading`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.errors import DataError

log = logging.getLogger(__name__)

#: PSL's fill value for ``sst`` (float32 ``missing_value``).
PSL_MISSING_VALUE = np.float32(-9.96921e36)
#: Time units of the two official layouts.
PSL_TIME_UNITS = "days since 1800-01-01 00:00:00"
NCEI_TIME_UNITS = "days since 1978-01-01 12:00:00"
#: Default dask chunks: dask's "auto" sizes (~128 MiB) in multiples of the file's own chunks
#: (about a month of global days for PSL files, one per NCEI file), so no stored chunk is split.
DEFAULT_CHUNKS = "auto"

Layout = Literal["psl", "ncei", "zarr"]
MaskFrom = Literal["first", "all"]

#: File names of the OISST products, v2.1 and v2.0 (used to pick files out of a folder).
OISST_NAME_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^sst\.day\.mean\.\d{4}(\.v2)?\.nc$"),
    re.compile(r"^oisst-avhrr-v02r01\.\d{8}(_preliminary)?\.nc$"),
    re.compile(r"^avhrr-only-v2\.\d{8}(_preliminary)?\.nc$"),
)
_CELSIUS = {"degc", "celsius", "degrees_c", "deg c", "degree_celsius", "degrees celsius", "c"}
_OTHER_PSL_VARS = {"icec": "sea-ice concentration", "anom": "SST anomalies", "err": "SST error"}


@dataclass(frozen=True)
class OisstFile:
    """One input file (or Zarr store) as found by :func:`scan_oisst`.

    Attributes:
        path: the file or store.
        layout: ``"psl"``, ``"ncei"`` or ``"zarr"`` (from its content).
        dates: its days (``floor(time, 1 day)``), increasing.
    """

    path: Path
    layout: Layout
    dates: pd.DatetimeIndex


def is_zarr(path: Path) -> bool:
    return path.suffix.lower() == ".zarr" or (
        path.is_dir() and any((path / n).exists() for n in ("zarr.json", ".zgroup", ".zarray"))
    )


# --------------------------------------------------------------------------- one file


def open_raw(path: Path, chunks: Mapping[str, int] | str | None) -> xr.Dataset:
    try:
        if is_zarr(path):
            return xr.open_dataset(path, engine="zarr", chunks=chunks)
        return xr.open_dataset(path, chunks=chunks)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise DataError(
            f"cannot read {str(path)!r} as netCDF or Zarr ({type(exc).__name__}: {exc})"
        ) from None


def wrong_variable(path: Path, var: str, ds: xr.Dataset) -> DataError:
    found = sorted(str(v) for v in ds.data_vars)
    hint = ""
    for name, what in _OTHER_PSL_VARS.items():
        if name in found or path.name.startswith(f"{name}."):
            hint = f" It looks like a file of {what} ({name!r}), not SST; PSL ships each variable"
            hint += " in its own file (sst.day.mean.YYYY.nc)."
            break
    return DataError(
        f"{str(path)!r} has no variable {var!r}; it holds {found or 'no data variables'}.{hint} "
        f"Pass var=<name> if the SST variable is named differently."
    )


def detect_layout(path: Path, da: xr.DataArray) -> Layout:
    if is_zarr(path):
        return "zarr"
    return "ncei" if "zlev" in da.dims else "psl"


def normalise(da: xr.DataArray, path: Path) -> xr.DataArray:
    """Squeeze ``zlev``; floor times to days; lon to [0, 360) ascending; lat ascending; float32."""
    da = da.rename({k: v for k, v in {"latitude": "lat", "longitude": "lon"}.items() if k in da.dims})
    extra = [d for d in da.dims if d not in ("time", "lat", "lon")]
    for d in extra:
        if da.sizes[d] != 1:
            raise DataError(
                f"{str(path)!r}: expected sst dims (time, lat, lon) plus size-1 zlev, found "
                f"{dict(da.sizes)}; select one {d!r} first"
            )
    da = da.isel({d: 0 for d in extra}, drop=True)
    missing = {"time", "lat", "lon"} - set(da.dims)
    if missing:
        raise DataError(
            f"{str(path)!r}: expected sst dims (time, lat, lon), found {tuple(da.dims)} "
            f"(missing {sorted(missing)})"
        )
    da = da.transpose("time", "lat", "lon")
    da = da.drop_vars([c for c in da.coords if c not in ("time", "lat", "lon")])
    index = da.indexes["time"]
    if isinstance(index, xr.CFTimeIndex):
        index = index.to_datetimeindex(time_unit="ns")
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(
            f"{str(path)!r}: time did not decode to dates (found {index.dtype}); expected CF units "
            "such as 'days since 1800-01-01'"
        )
    days = index.floor("D")
    if days.has_duplicates:
        dup = days[days.duplicated()].unique()
        raise DataError(
            f"{str(path)!r} holds several time steps on the same day ({fmt_dates(dup)}); "
            "expected daily means, one per day"
        )
    da = da.assign_coords(time=days)
    lon = np.asarray(da["lon"].values, dtype=np.float64)
    if np.any(lon < 0) or np.any(lon >= 360):
        da = da.assign_coords(lon=np.mod(lon, 360.0).astype(da["lon"].dtype))
    for dim in ("time", "lat", "lon"):
        idx = da.indexes[dim]
        if idx.has_duplicates:
            raise DataError(f"{str(path)!r}: duplicate {dim} values after normalisation")
        if not idx.is_monotonic_increasing:
            da = da.sortby(dim)
    if da.dtype != np.float32 and da.chunks is not None:  # numpy-backed: cast after reading
        da = da.astype(np.float32)
    # ranges stated in packed units (NCEI valid_min = -300) or for the file only: misleading here
    da.attrs = {k: v for k, v in da.attrs.items()
                if k not in ("valid_min", "valid_max", "valid_range", "actual_range")}
    units = str(da.attrs.get("units", "degC"))
    if units.strip().lower() in _CELSIUS:
        da.attrs["units"] = "degC"
    return da


def open_one(path: Path, var: str, chunks: Mapping[str, int] | str | None) -> tuple[xr.DataArray, Layout]:
    ds = open_raw(path, chunks)
    if var not in ds.data_vars:
        raise wrong_variable(path, var, ds)
    da = ds[var]
    return normalise(da, path), detect_layout(path, da)


def open_oisst_file(
    path: str | os.PathLike[str], *, var: str = "sst", chunks: Mapping[str, int] | str | None = None
) -> xr.DataArray:
    """One file or store, normalised (see the module docstring), without the mask.

    With ``chunks=None`` the data stay lazily indexed on disk (no dask): selecting a region and
    then ``.values`` reads only that hyperslab, which is what :mod:`idff_ts.domains.sst.prepare` uses
    (the dtype is then the file's decoded one, float32 for both official layouts; cast after
    reading).
    """
    return open_one(Path(path), var, chunks)[0]


def fmt_dates(dates: Iterable[Any], limit: int = 10) -> str:
    """``2020-02-03..2020-02-05, 2020-03-01`` (consecutive runs collapsed), at most ``limit``."""
    idx = pd.DatetimeIndex(sorted(set(pd.DatetimeIndex(list(dates)))))
    if len(idx) == 0:
        return "none"
    runs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    start = prev = idx[0]
    for d in idx[1:]:
        if d - prev != pd.Timedelta(days=1):
            runs.append((start, prev))
            start = d
        prev = d
    runs.append((start, prev))
    text = [f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d}..{b:%Y-%m-%d}" for a, b in runs[:limit]]
    more = f" and {len(runs) - limit} more run(s)" if len(runs) > limit else ""
    return ", ".join(text) + more


__all__ = [
    "DEFAULT_CHUNKS",
    "Layout",
    "fmt_dates",
    "open_raw",
    "open_one",
    "wrong_variable",
    "detect_layout",
    "MaskFrom",
    "NCEI_TIME_UNITS",
    "OISST_NAME_PATTERNS",
    "OisstFile",
    "PSL_MISSING_VALUE",
    "PSL_TIME_UNITS",
    "is_zarr",
    "normalise",
    "open_oisst_file",
]
