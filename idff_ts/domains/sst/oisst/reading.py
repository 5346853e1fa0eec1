"""NOAA OISST v2.1 daily sea surface temperature: every file layout, one normalised DataArray.

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

**The normalised form** returned by :func:`open_oisst` is a float32 DataArray ``sst(time, lat,
lon)`` in °C with

- ``time``: calendar days, ``floor(t, 1 day)`` — PSL's 00:00 and NCEI's 12:00 stamps of one day
  become the same label; strictly increasing, no duplicates;
- ``lat`` ascending; ``lon`` in [0, 360) ascending (−180..180 input is mapped by ``lon mod 360``
  and re-sorted: the eastern Pacific boxes straddle 180°);
- missing values (PSL ``missing_value``, NCEI ``_FillValue``) as NaN; ``zlev`` squeezed;
- a boolean coordinate ``mask(lat, lon)``, **True over ocean, False over land**, the convention of
  NOAA's ``lsmask.oisst.nc`` (1 = ocean). Land is where SST is NaN on the first day
  (``mask_from="first"``, the DYffusion rule) or on every day (``mask_from="all"``, lazy).

Files are opened lazily (dask, ``chunks``) one by one, normalised, checked (variable, grid, duplicate
days) and concatenated along ``time``: memory does not grow with the number of files beyond their
metadata. Mixed layouts are fine: each file is normalised before they are combined.
"""

from __future__ import annotations

import glob as _glob
import logging
import os
import re
import uuid
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.errors import ConfigError, DataError

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
_DATA_SUFFIXES = (".nc", ".nc4", ".netcdf", ".zarr")
_GLOB_CHARS = "*?["
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


# --------------------------------------------------------------------------- finding files


def _is_zarr(path: Path) -> bool:
    return path.suffix.lower() == ".zarr" or (
        path.is_dir() and any((path / n).exists() for n in ("zarr.json", ".zgroup", ".zarray"))
    )


def _folder_files(folder: Path) -> list[Path]:
    """OISST-named files (and Zarr stores) below ``folder``; every data file if none is."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        stores = [d for d in dirs if _is_zarr(here / d)]
        found.extend(here / d for d in stores)
        dirs[:] = [d for d in dirs if d not in stores and not d.startswith(".")]
        found.extend(
            here / f for f in files
            if not f.startswith(".") and Path(f).suffix.lower() in _DATA_SUFFIXES
        )
    named = [p for p in found if _is_zarr(p) or any(r.match(p.name) for r in OISST_NAME_PATTERNS)]
    return sorted(named or found)


def _drop_preliminary(files: list[Path]) -> list[Path]:
    """Drop ``X_preliminary.nc`` where the final ``X.nc`` is present too."""
    names = {p.name for p in files}
    keep = []
    for p in files:
        if p.name.endswith("_preliminary.nc") and p.name.replace("_preliminary", "") in names:
            log.info("ignoring %s: the final file for that day is present", p.name)
            continue
        keep.append(p)
    return keep


def resolve_paths(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files (and Zarr stores) named by ``paths``, sorted, without duplicates.

    Args:
        paths: a file, a Zarr store, a folder (searched recursively for OISST-named files —
            ``sst.day.mean.*``, ``oisst-avhrr-v02r01.*``, ``avhrr-only-v2.*`` — and ``.zarr``
            stores; every ``.nc``/``.zarr`` if none is so named), a glob pattern, or a list of any
            of these. ``X_preliminary.nc`` is dropped where ``X.nc`` is also present.

    Raises:
        DataError: nothing matches, or a named path does not exist.
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise DataError("no OISST input given; pass a file, a folder, a glob or a list of files")
    out: list[Path] = []
    for item in items:
        text = os.path.expanduser(os.fspath(item))
        if any(c in text for c in _GLOB_CHARS):
            matched = [Path(p) for p in sorted(_glob.glob(text, recursive=True))]
            if not matched:
                raise DataError(
                    f"no files match {text!r}; expected OISST files such as "
                    "sst.day.mean.YYYY.nc or oisst-avhrr-v02r01.YYYYMMDD.nc"
                )
            out.extend(matched)
            continue
        p = Path(text)
        if not p.exists():
            raise DataError(f"OISST input not found: {text!r}; check the path")
        if p.is_dir() and not _is_zarr(p):
            files = _folder_files(p)
            if not files:
                raise DataError(
                    f"no OISST files in the folder {text!r}; expected sst.day.mean.YYYY.nc, "
                    "oisst-avhrr-v02r01.YYYYMMDD.nc, avhrr-only-v2.YYYYMMDD.nc or *.zarr "
                    "(download them with `idff-ts data download`)"
                )
            out.extend(files)
        else:
            out.append(p)
    unique = list(dict.fromkeys(p.resolve() for p in out))
    return _drop_preliminary(unique)


# --------------------------------------------------------------------------- one file


def _open_raw(path: Path, chunks: Mapping[str, int] | str | None) -> xr.Dataset:
    try:
        if _is_zarr(path):
            return xr.open_dataset(path, engine="zarr", chunks=chunks)
        return xr.open_dataset(path, chunks=chunks)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise DataError(
            f"cannot read {str(path)!r} as netCDF or Zarr ({type(exc).__name__}: {exc})"
        ) from None


def _wrong_variable(path: Path, var: str, ds: xr.Dataset) -> DataError:
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


def _layout(path: Path, da: xr.DataArray) -> Layout:
    if _is_zarr(path):
        return "zarr"
    return "ncei" if "zlev" in da.dims else "psl"


def _normalise(da: xr.DataArray, path: Path) -> xr.DataArray:
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
            f"{str(path)!r} holds several time steps on the same day ({_fmt_dates(dup)}); "
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


def _open_one(path: Path, var: str, chunks: Mapping[str, int] | str | None) -> tuple[xr.DataArray, Layout]:
    ds = _open_raw(path, chunks)
    if var not in ds.data_vars:
        raise _wrong_variable(path, var, ds)
    da = ds[var]
    return _normalise(da, path), _layout(path, da)


def open_oisst_file(
    path: str | os.PathLike[str], *, var: str = "sst", chunks: Mapping[str, int] | str | None = None
) -> xr.DataArray:
    """One file or store, normalised (see the module docstring), without the mask.

    With ``chunks=None`` the data stay lazily indexed on disk (no dask): selecting a region and
    then ``.values`` reads only that hyperslab, which is what :mod:`idff_ts.domains.sst.prepare` uses
    (the dtype is then the file's decoded one, float32 for both official layouts; cast after
    reading).
    """
    return _open_one(Path(path), var, chunks)[0]


# --------------------------------------------------------------------------- dates


def _fmt_dates(dates: Iterable[Any], limit: int = 10) -> str:
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


def check_continuous(
    times: Sequence[Any] | np.ndarray | pd.Index | xr.DataArray,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DatetimeIndex:
    """Check that every calendar day ``start..end`` (inclusive) is among ``times``.

    Args:
        times: datetimes (any time of day; floored to dates).
        start, end: the window; default the first and last of ``times``.

    Returns:
        The expected days ``start..end``.

    Raises:
        DataError: naming the missing dates (consecutive runs collapsed), or when ``times`` is
            empty.
    """
    values = times.values if isinstance(times, xr.DataArray) else times
    days = pd.DatetimeIndex(values).floor("D")
    if len(days) == 0:
        raise DataError("no days at all where a continuous daily series was expected")
    lo = pd.Timestamp(start).floor("D") if start is not None else days.min()
    hi = pd.Timestamp(end).floor("D") if end is not None else days.max()
    if hi < lo:
        raise ConfigError(f"window end {hi:%Y-%m-%d} is before its start {lo:%Y-%m-%d}")
    expected = pd.date_range(lo, hi, freq="D")
    missing = expected.difference(days)
    if len(missing):
        raise DataError(
            f"{len(missing)} missing day(s) in {lo:%Y-%m-%d}..{hi:%Y-%m-%d}: "
            f"{_fmt_dates(missing)}; download them (idff-ts data download) or choose another "
            "window"
        )
    return expected


def _check_duplicates(files: Sequence[tuple[Path, pd.DatetimeIndex]]) -> None:
    all_days = pd.DatetimeIndex(np.concatenate([d.values for _, d in files])) if files else None
    if all_days is None or not all_days.has_duplicates:
        return
    dup = set(all_days[all_days.duplicated()])
    owners = {d: [p.name for p, days in files if d in days] for d in sorted(dup)[:5]}
    detail = "; ".join(f"{d:%Y-%m-%d} in {', '.join(names)}" for d, names in owners.items())
    raise DataError(
        f"{len(dup)} day(s) occur in more than one input file ({detail}"
        f"{'; …' if len(dup) > 5 else ''}); remove the duplicate files (e.g. a yearly PSL file "
        "and NCEI daily files of the same days)"
    )


def scan_oisst(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *, var: str = "sst"
) -> list[OisstFile]:
    """Find the input files and read their headers only: layout and days of each.

    Returns:
        :class:`OisstFile` s sorted by first day.

    Raises:
        DataError: nothing matches; a file lacks ``var`` (the message names the variables it has);
            unreadable file; a day in two files.
    """
    found: list[OisstFile] = []
    for path in resolve_paths(paths):
        ds = _open_raw(path, chunks=None)
        try:
            if var not in ds.data_vars:
                raise _wrong_variable(path, var, ds)
            da = _normalise(ds[var], path)
            found.append(OisstFile(path, _layout(path, ds[var]), pd.DatetimeIndex(da.indexes["time"])))
        finally:
            ds.close()
    found = [f for f in found if len(f.dates)] or found
    found.sort(key=lambda f: (f.dates[0] if len(f.dates) else pd.Timestamp.max, str(f.path)))
    _check_duplicates([(f.path, f.dates) for f in found])
    return found


# --------------------------------------------------------------------------- mask


def _with_mask(da: xr.DataArray, mask_from: MaskFrom | None) -> xr.DataArray:
    """Attach ``mask(lat, lon)``: True over ocean (finite SST), False over land."""
    if mask_from is None:
        return da
    if mask_from == "first":
        ocean = xr.DataArray(np.isfinite(np.asarray(da.isel(time=0).values)), dims=("lat", "lon"))
        rule = "SST finite on the first day"
    elif mask_from == "all":
        ocean = da.notnull().any("time")
        rule = "SST finite on at least one day"
    else:
        raise ConfigError(f"mask_from must be 'first', 'all' or None, got {mask_from!r}")
    ocean.attrs = {
        "long_name": "ocean mask (True over ocean, False over land)",
        "flag_values": [0, 1],
        "flag_meanings": "land ocean",
        "comment": f"ocean where {rule} ({da.time.values[0]!s:.10} first)",
    }
    return da.assign_coords(mask=ocean.drop_vars([c for c in ocean.coords if c not in ("lat", "lon")]))


# --------------------------------------------------------------------------- public openers


def open_oisst(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    var: str = "sst",
    chunks: Mapping[str, int] | str | None = DEFAULT_CHUNKS,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    mask_from: MaskFrom | None = "first",
) -> xr.DataArray:
    """Open OISST files of any layout as one lazy, normalised ``sst(time, lat, lon)`` in °C.

    Args:
        paths: a file, a Zarr store, a folder, a glob, or a list of them (see
            :func:`resolve_paths`).
        var: the SST variable's name.
        chunks: dask chunks per file (default ``"auto"``: ~128 MiB, multiples of the stored
            chunks); ``None`` opens without dask (the files are then loaded into memory when
            concatenated).
        start, end: optional window of days to select; every day of it must be present.
        mask_from: ``"first"`` (land = NaN on the first day, the DYffusion rule; reads one day),
            ``"all"`` (land = NaN on every day; lazy) or ``None`` (no ``mask`` coordinate).

    Returns:
        float32 DataArray named ``var``, dims ``(time, lat, lon)``, coordinate ``mask(lat, lon)``
        (True = ocean); attrs of the first file plus ``units="degC"`` and ``oisst_layouts``.

    Raises:
        DataError: no files; a file without ``var``; grids that differ between files; a day in
            two files; a missing day in ``start..end``.
    """
    files = resolve_paths(paths)
    parts: list[tuple[xr.DataArray, Path]] = []
    layouts: list[str] = []
    for path in files:
        da, layout = _open_one(path, var, chunks)
        if da.sizes["time"] == 0:
            log.warning("skipping %s: no time steps", path)
            continue
        parts.append((da, path))
        layouts.append(layout)
    if not parts:
        raise DataError(f"the {len(files)} OISST input file(s) hold no time steps")
    parts.sort(key=lambda item: (item[0].indexes["time"][0], str(item[1])))
    _check_duplicates([(p, pd.DatetimeIndex(da.indexes["time"])) for da, p in parts])
    ref, ref_path = parts[0]
    for da, path in parts[1:]:
        for dim in ("lat", "lon"):
            a, b = ref[dim].values, da[dim].values
            if a.shape != b.shape or not np.allclose(a, b, atol=1e-4):
                raise DataError(
                    f"{str(path)!r} has another {dim} grid than {str(ref_path)!r} "
                    f"({b.size} points {b.min():.3f}..{b.max():.3f} vs {a.size} points "
                    f"{a.min():.3f}..{a.max():.3f}); open files of one grid together"
                )
    if len(parts) == 1:
        out = ref
    else:
        out = xr.concat(
            [da for da, _ in parts], dim="time", data_vars="all", coords="minimal",
            compat="override", join="override", combine_attrs="override",
        )
        if not out.indexes["time"].is_monotonic_increasing:
            out = out.sortby("time")
    if start is not None or end is not None:
        out = out.sel(time=slice(start, end))
        if out.sizes["time"] == 0:
            raise DataError(f"no day of the window {start}..{end} in the OISST input")
        check_continuous(out.indexes["time"], start, end)
    else:
        try:
            check_continuous(out.indexes["time"])
        except DataError as gap:
            log.warning("OISST input has gaps: %s", gap)
    if out.dtype != np.float32:
        out = out.astype(np.float32)
    out.name = var
    out.attrs = {**ref.attrs, "oisst_layouts": ",".join(sorted(set(layouts))),
                 "oisst_n_files": len(parts)}
    return _with_mask(out, mask_from)


def read_oisst_csv(
    path: str | os.PathLike[str],
    *,
    layout: Literal["grid", "pixel"] = "grid",
    mask_from: MaskFrom | None = "first",
) -> xr.DataArray:
    """Read a long-format OISST extract: one row per (pixel, day), columns ``lon,lat,t,temp``.

    Column names are matched case-insensitively: time ``t``/``time``/``date``, value
    ``temp``/``sst``, ``lon``/``longitude``, ``lat``/``latitude``.

    Args:
        path: the CSV file (e.g. ``oisst_wa_4px_1982_2022.csv``).
        layout: ``"grid"``: ``sst(time, lat, lon)`` over the distinct lats × lons (absent pixels
            NaN); ``"pixel"``: ``sst(time, pixel)`` with ``lat(pixel)``, ``lon(pixel)``, pixels
            ordered by (lat, lon).
        mask_from: as in :func:`open_oisst`.

    Returns:
        float32 DataArray ``sst`` in °C, normalised like :func:`open_oisst` (days, lon 0–360).

    Raises:
        DataError: missing file or columns, unparsable dates, a (pixel, day) given twice.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"CSV file not found: {str(p)!r}")
    try:
        df = pd.read_csv(p)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {str(p)!r} as CSV: {exc}") from None
    cols = {c.strip().lower(): c for c in df.columns}

    def pick(names: Sequence[str], what: str) -> str:
        for n in names:
            if n in cols:
                return cols[n]
        raise DataError(
            f"{str(p)!r} has no {what} column (expected one of {list(names)}); found "
            f"{list(df.columns)}"
        )

    c_lon = pick(("lon", "longitude"), "longitude")
    c_lat = pick(("lat", "latitude"), "latitude")
    c_t = pick(("t", "time", "date"), "time")
    c_v = pick(("temp", "sst"), "temperature")
    try:
        t = pd.to_datetime(df[c_t]).dt.floor("D")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{str(p)!r}: cannot parse the {c_t!r} column as dates: {exc}") from None
    tidy = pd.DataFrame({
        "time": t,
        "lat": df[c_lat].astype(np.float64).round(6),
        "lon": np.mod(df[c_lon].astype(np.float64), 360.0).round(6),
        "sst": df[c_v].astype(np.float32),
    })
    if tidy.duplicated(["time", "lat", "lon"]).any():
        n = int(tidy.duplicated(["time", "lat", "lon"]).sum())
        raise DataError(f"{str(p)!r}: {n} (pixel, day) pair(s) occur more than once")
    wide = tidy.pivot(index="time", columns=["lat", "lon"], values="sst").sort_index()
    wide = wide.reindex(columns=sorted(wide.columns))
    times = pd.DatetimeIndex(wide.index, name="time")
    attrs = {"units": "degC", "long_name": "Daily sea surface temperature", "source": p.name}
    if layout == "pixel":
        lat = np.array([c[0] for c in wide.columns])
        lon = np.array([c[1] for c in wide.columns])
        da = xr.DataArray(
            wide.to_numpy(np.float32), dims=("time", "pixel"),
            coords={"time": times, "pixel": np.arange(lat.size), "lat": ("pixel", lat),
                    "lon": ("pixel", lon)},
            name="sst", attrs=attrs,
        )
        if mask_from is not None:
            first = da.isel(time=0) if mask_from == "first" else da
            ocean = np.isfinite(first.values) if mask_from == "first" else da.notnull().any("time").values
            da = da.assign_coords(mask=("pixel", ocean))
    elif layout == "grid":
        lats = np.unique([c[0] for c in wide.columns])
        lons = np.unique([c[1] for c in wide.columns])
        full = pd.MultiIndex.from_product([lats, lons])
        arr = wide.reindex(columns=full).to_numpy(np.float32).reshape(len(times), lats.size, lons.size)
        da = xr.DataArray(
            arr, dims=("time", "lat", "lon"),
            coords={"time": times, "lat": lats.astype(np.float32), "lon": lons.astype(np.float32)},
            name="sst", attrs=attrs,
        )
        da = _with_mask(da, mask_from)
    else:
        raise ConfigError(f"layout must be 'grid' or 'pixel', got {layout!r}")
    try:
        check_continuous(times)
    except DataError as gap:
        log.warning("%s has gaps: %s", p.name, gap)
    return da


# --------------------------------------------------------------------------- writing layouts


def write_oisst(
    da: xr.DataArray,
    path: str | os.PathLike[str],
    *,
    layout: Literal["psl", "ncei"] = "psl",
    var: Hashable | None = None,
) -> Path:
    """Write ``sst(time, lat, lon)`` (°C, NaN = land) in an official file layout, atomically.

    ``"psl"``: ``sst(time, lat, lon)`` float32 with ``missing_value = -9.96921e36`` (no
    ``_FillValue``), time float64 ``days since 1800-01-01 00:00:00`` at 00:00, zlib, one day per
    chunk — the layout of ``sst.day.mean.YYYY.nc``. ``"ncei"``: ``sst(time, zlev, lat, lon)`` int16,
    ``scale_factor 0.01``, ``_FillValue -999``, time ``days since 1978-01-01 12:00:00`` at 12:00,
    ``zlev = [0.]`` — the layout of ``oisst-avhrr-v02r01.YYYYMMDD.nc`` (one file per day by
    convention; several days are allowed). The attributes are the layout's own; ``da.attrs`` are
    not copied. Used for test fixtures and synthetic archives.
    """
    if set(da.dims) != {"time", "lat", "lon"}:
        raise DataError(f"write_oisst expects dims (time, lat, lon), found {tuple(da.dims)}")
    name = str(var or da.name or "sst")
    da = da.transpose("time", "lat", "lon")
    days = pd.DatetimeIndex(da.indexes["time"]).floor("D")
    lat = da["lat"].values.astype(np.float32)
    lon = da["lon"].values.astype(np.float32)
    values = np.asarray(da.values, dtype=np.float32)
    if layout == "psl":
        times = days
        data = xr.Variable(("time", "lat", "lon"), values, {
            "long_name": "Daily Mean of Sea Surface Temperature", "units": "degC",
            "standard_name": "sea_surface_temperature"}
        )
        enc = {name: {"dtype": "float32", "missing_value": PSL_MISSING_VALUE, "_FillValue": None,
                      "zlib": True, "complevel": 4, "chunksizes": (1, lat.size, lon.size)},
               "time": {"units": PSL_TIME_UNITS, "calendar": "standard", "dtype": "float64",
                        "_FillValue": None}}
        title = "NOAA/NCEI 1/4 Degree Daily Optimum Interpolation Sea Surface Temperature (OISST)"
    elif layout == "ncei":
        times = days + pd.Timedelta(hours=12)
        data = xr.Variable(("time", "zlev", "lat", "lon"), values[:, None], {
            "long_name": "Daily sea surface temperature", "units": "Celsius",
            "valid_min": np.int16(-300), "valid_max": np.int16(4500)}
        )
        enc = {name: {"dtype": "int16", "scale_factor": np.float32(0.01),
                      "add_offset": np.float32(0.0), "_FillValue": np.int16(-999),
                      "zlib": True, "complevel": 4, "chunksizes": (1, 1, lat.size, lon.size)},
               "time": {"units": NCEI_TIME_UNITS, "calendar": "standard", "dtype": "float32",
                        "_FillValue": None}}
        title = "NOAA/NCEI 1/4 Degree Daily Optimum Interpolation Sea Surface Temperature (OISST) Analysis, Version 2.1"
    else:
        raise ConfigError(f"layout must be 'psl' or 'ncei', got {layout!r}")
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
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=enc)
        import netCDF4

        with netCDF4.Dataset(tmp, "a") as nc:  # the official spelling of the units
            nc["time"].units = PSL_TIME_UNITS if layout == "psl" else NCEI_TIME_UNITS
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


__all__ = [
    "DEFAULT_CHUNKS",
    "NCEI_TIME_UNITS",
    "OISST_NAME_PATTERNS",
    "PSL_MISSING_VALUE",
    "PSL_TIME_UNITS",
    "OisstFile",
    "check_continuous",
    "open_oisst",
    "open_oisst_file",
    "read_oisst_csv",
    "resolve_paths",
    "scan_oisst",
    "write_oisst",
]
