"""NOAA OISST v2.1 daily sea surface temperature: every file layout, one normalised DataArray.

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

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.oisst.layouts import (
    DEFAULT_CHUNKS,
    MaskFrom,
    OisstFile,
    detect_layout,
    fmt_dates,
    normalise,
    open_one,
    open_raw,
    wrong_variable,
)
from idff_ts.domains.sst.oisst.paths import resolve_paths
from idff_ts.domains.sst.precision import MASK_FLAG_VALUES
from idff_ts.errors import ConfigError, DataError

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- dates


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
            f"{fmt_dates(missing)}; download them (idff-ts data download) or choose another "
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
        ds = open_raw(path, chunks=None)
        try:
            if var not in ds.data_vars:
                raise wrong_variable(path, var, ds)
            da = normalise(ds[var], path)
            found.append(OisstFile(path, detect_layout(path, ds[var]), pd.DatetimeIndex(da.indexes["time"])))
        finally:
            ds.close()
    found = [f for f in found if len(f.dates)] or found
    found.sort(key=lambda f: (f.dates[0] if len(f.dates) else pd.Timestamp.max, str(f.path)))
    _check_duplicates([(f.path, f.dates) for f in found])
    return found


# --------------------------------------------------------------------------- mask


def with_mask(da: xr.DataArray, mask_from: MaskFrom | None) -> xr.DataArray:
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
        "flag_values": MASK_FLAG_VALUES,
        "flag_meanings": "land ocean",
        "comment": f"ocean where {rule} ({da.time.values[0]!s:.10} first)",
    }
    return da.assign_coords(mask=ocean.drop_vars([c for c in ocean.coords if c not in ("lat", "lon")]))


# --------------------------------------------------------------------------- public openers


def _open_parts(
    files: list[Path], var: str, chunks: Mapping[str, int] | str | None
) -> tuple[list[tuple[xr.DataArray, Path]], list[str]]:
    """Each file normalised (empty ones skipped), sorted by first day; no day twice."""
    parts: list[tuple[xr.DataArray, Path]] = []
    layouts: list[str] = []
    for path in files:
        da, layout = open_one(path, var, chunks)
        if da.sizes["time"] == 0:
            log.warning("skipping %s: no time steps", path)
            continue
        parts.append((da, path))
        layouts.append(layout)
    if not parts:
        raise DataError(f"the {len(files)} OISST input file(s) hold no time steps")
    parts.sort(key=lambda item: (item[0].indexes["time"][0], str(item[1])))
    _check_duplicates([(p, pd.DatetimeIndex(da.indexes["time"])) for da, p in parts])
    return parts, layouts


def _combine(parts: list[tuple[xr.DataArray, Path]]) -> xr.DataArray:
    """Concatenate along ``time``; DataError when the files' grids differ."""
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
        return ref
    out = xr.concat(
        [da for da, _ in parts], dim="time", data_vars="all", coords="minimal",
        compat="override", join="override", combine_attrs="override",
    )
    if not out.indexes["time"].is_monotonic_increasing:
        out = out.sortby("time")
    return out


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
    parts, layouts = _open_parts(files, var, chunks)
    ref = parts[0][0]
    out = _combine(parts)
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
    return with_mask(out, mask_from)


__all__ = [
    "check_continuous",
    "open_oisst",
    "scan_oisst",
    "with_mask",
]
