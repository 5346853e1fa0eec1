"""OISST input in any form → normalised SST → DYffusion tiles ``(time, box, y, x)``.

Accepted inputs (all end up as the normalised ``sst(time, lat, lon)`` of
:func:`~idff_ts.domains.sst.oisst.open_oisst`: °C, calendar days, lon 0–360, ``mask`` True = ocean):

- paths (a file, folder, glob or list) of NOAA PSL yearly or NCEI daily files, v2.0 names or
  Zarr stores — opened lazily with :func:`~idff_ts.domains.sst.oisst.open_oisst`;
- a prepared tile store (``idff-ts data prepare``, :func:`~idff_ts.domains.sst.prepare.open_prepared`),
  whose ``sst(time, box, y, x)`` is already tiled;
- an ``xarray`` object the user opened: ``xr.open_dataset("sst.day.mean.2020.nc")`` (PSL),
  ``xr.open_mfdataset("oisst-avhrr-v02r01.*.nc")`` (NCEI, with ``zlev``), or a DataArray of
  either — normalised here exactly as ``open_oisst`` normalises files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.domains.sst.dyffusion import BOX_SIZE, OCEAN_THRESHOLD, box_bounds, extract_boxes
from idff_ts.domains.sst.oisst.layouts import is_zarr, normalise
from idff_ts.domains.sst.oisst.paths import resolve_paths
from idff_ts.domains.sst.oisst.reading import open_oisst, with_mask
from idff_ts.errors import DataError

#: Variables of the other OISST products (PSL ships each in its own file).
OTHER_OISST_VARS = {"icec": "sea-ice concentration", "ice": "sea-ice concentration",
                    "anom": "SST anomalies", "err": "SST error estimates"}
_IN_MEMORY = Path("<xarray input>")


def _has_grid(obj: xr.Dataset | xr.DataArray) -> bool:
    dims = set(map(str, obj.dims))
    return "time" in dims and ({"lat", "lon"} <= dims or {"latitude", "longitude"} <= dims)


def _daily_grid(obj: xr.Dataset | xr.DataArray) -> bool:
    """A grid whose datetime axis does not step by more than a day: a monthly product, say, is
    not OISST's daily fields but an ordinary dated series (the calendar-series domain)."""
    if not _has_grid(obj) or "time" not in obj.coords or obj.sizes["time"] < 2:
        return _has_grid(obj)
    t = np.asarray(obj["time"].values[:2])
    return not (t.dtype.kind == "M" and (t[1] - t[0]) > np.timedelta64(36, "h"))


def _is_prepared(obj: Any) -> bool:
    from idff_ts.domains.sst.prepare import PRODUCT

    return isinstance(obj, xr.Dataset) and obj.attrs.get("product") == PRODUCT


def looks_like_oisst(data: Any, var: str | None = None) -> bool:
    """Whether ``data`` is OISST-shaped: gridded daily SST (or another OISST product's file).

    True for a Dataset/DataArray with ``time`` and ``lat``/``lon`` dims holding ``sst`` (or
    ``var``, or another OISST variable such as ``icec``, so that the SST path can say what is
    wrong), for normalised tiles ``(time, box, y, x)`` and for a prepared tile store.
    """
    if _is_prepared(data):
        return True
    if isinstance(data, xr.DataArray):
        if {"box", "y", "x"} <= set(map(str, data.dims)) and "time" in data.dims:
            return True
        return _daily_grid(data) and str(data.name) in {"sst", var, *OTHER_OISST_VARS}
    if isinstance(data, xr.Dataset):
        names = {str(v) for v in data.data_vars}
        wanted = {"sst", *OTHER_OISST_VARS} | ({var} if var else set())
        return bool(names & wanted) and any(_daily_grid(data[v]) for v in names & wanted)
    return False


def is_oisst_source(paths: str | os.PathLike[str] | Iterable[Any]) -> bool:
    """Whether ``paths`` (file, folder, glob, list) name OISST-like files (headers only)."""
    try:
        files = resolve_paths(paths)
    except DataError:
        return False
    try:
        ds = xr.open_zarr(files[0]) if is_zarr(files[0]) else xr.open_dataset(files[0])
    except Exception:  # noqa: BLE001 - unreadable: not ours to judge here
        return False
    with ds:
        return looks_like_oisst(ds)


def open_sst_source(
    paths: str | os.PathLike[str] | Iterable[Any], var: str = "sst"
) -> xr.DataArray:
    """Open OISST files (any layout) or a prepared tile store, lazily.

    Returns:
        ``sst(time, lat, lon)`` with ``mask`` (files) or ``sst(time, box, y, x)`` (a store).
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if len(items) == 1:
        p = Path(os.path.expanduser(os.fspath(items[0])))
        if p.is_dir() and is_zarr(p):
            try:
                ds = xr.open_zarr(p)
            except (OSError, ValueError, KeyError):
                ds = None
            if ds is not None and _is_prepared(ds):
                from idff_ts.domains.sst.prepare import open_prepared

                return open_prepared(p)[var]
    return open_oisst(paths, var=var)


def _wrong_variable(ds: xr.Dataset, var: str) -> DataError:
    found = sorted(str(v) for v in ds.data_vars)
    hint = ""
    for name, what in OTHER_OISST_VARS.items():
        if name in found and var not in found:
            hint = f" It looks like {what} ({name!r}), not SST; open the SST files instead."
            break
    return DataError(
        f"the input has no variable {var!r}; it holds {found or 'no data variables'}.{hint} "
        "Pass var=<name> if the SST variable is named differently."
    )


def as_oisst(data: xr.Dataset | xr.DataArray, var: str = "sst") -> xr.DataArray:
    """Normalise a user's OISST object (PSL or NCEI layout) like :func:`open_oisst` does.

    Returns ``sst(time, lat, lon)`` float32 °C with ``mask(lat, lon)`` (True = ocean, from the
    first day), or the tiles ``(time, box, y, x)`` of a prepared store / already-tiled input.

    Raises:
        DataError: no ``var`` (names what the input holds), or not gridded daily data.
    """
    if isinstance(data, xr.Dataset):
        if var not in data.data_vars:
            raise _wrong_variable(data, var)
        da = data[var]
        if _is_prepared(data):
            return da.assign_coords(mask=data["mask"]) if "mask" in data.variables else da
    elif isinstance(data, xr.DataArray):
        da = data
        if da.name is not None and str(da.name) in OTHER_OISST_VARS and str(da.name) != var:
            raise _wrong_variable(da.to_dataset(), var)
    else:
        raise DataError(
            f"expected OISST data as an xarray Dataset/DataArray or file paths, found "
            f"{type(data).__name__}"
        )
    dims = set(map(str, da.dims))
    if {"box", "y", "x"} <= dims:
        return da
    if not _has_grid(da):
        raise DataError(
            f"expected daily SST with dims (time, lat, lon) (NCEI files: plus zlev), found dims "
            f"{tuple(map(str, da.dims))}; open OISST files with idff_ts.domains.sst.oisst.open_oisst"
        )
    already = (
        "mask" in da.coords
        and tuple(map(str, da.dims)) == ("time", "lat", "lon")
        and da.dtype == np.float32
        and bool(np.all(da.indexes["time"] == da.indexes["time"].floor("D")))
    )
    if already:
        return da
    norm = normalise(da, _IN_MEMORY)
    if norm.dtype != np.float32:
        norm = norm.astype(np.float32)
    norm.name = var
    return with_mask(norm, "first")


def as_tiles(
    data: xr.Dataset | xr.DataArray, boxes: Sequence[int], var: str = "sst"
) -> xr.DataArray:
    """Tiles ``sst(time, box, y, x)`` (°C, lazy where the input is) with ``lat(box, y)``,
    ``lon(box, x)`` and ``mask(box, y, x)`` for ``boxes``.

    Raises:
        DataError: the input does not cover a requested box (names the box and what the
            input covers), or is not OISST (see :func:`as_oisst`).
    """
    da = as_oisst(data, var)
    boxes = [int(b) for b in boxes]
    if "box" in da.dims:
        have = [int(b) for b in da["box"].values]
        missing = [b for b in boxes if b not in have]
        if missing:
            raise DataError(
                f"boxes {missing} are not in the tiled input, which holds boxes {have}; choose "
                "boxes among them (CLI --box) or prepare the archive with those boxes"
            )
        return da.sel(box=boxes).transpose("time", "box", "y", "x")
    try:
        return extract_boxes(da, boxes)
    except DataError as exc:
        lat, lon = da["lat"].values, da["lon"].values
        covered = (
            f"lat {lat.min():.3f}..{lat.max():.3f}, lon {lon.min():.3f}..{lon.max():.3f}"
            if lat.size and lon.size else "no grid"
        )
        bad = next((b for b in boxes if str(box_bounds(b)) in str(exc)), None)
        which = str(box_bounds(bad)) if bad is not None else f"boxes {boxes}"
        raise DataError(
            f"the data do not cover {which} (60 × 60 points at 0.25°); the input covers "
            f"{covered}. Pass files covering the box, or choose covered boxes with --box/boxes="
        ) from None


def ocean_fraction_warning(tiles: xr.DataArray) -> list[str]:
    """Messages for tiles below the DYffusion ≥ 95 % ocean rule (empty when all pass)."""
    if "mask" not in tiles.coords:
        return []
    frac = tiles["mask"].astype(float).mean(("y", "x")).values
    return [
        f"box {int(b)} is only {100 * f:.1f} % ocean (the protocol keeps boxes with >= "
        f"{100 * OCEAN_THRESHOLD:.0f} %)"
        for b, f in zip(tiles["box"].values, frac, strict=True) if f < OCEAN_THRESHOLD
    ]


__all__ = [
    "BOX_SIZE",
    "OTHER_OISST_VARS",
    "as_oisst",
    "as_tiles",
    "is_oisst_source",
    "looks_like_oisst",
    "ocean_fraction_warning",
    "open_sst_source",
]
