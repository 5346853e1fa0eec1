"""Reading user data: a netCDF file, a Zarr store or a glob of either, lazily.

Every failure is a one-line :class:`~idff_ts.errors.DataError` naming the user's path:
a missing file, a glob that matches nothing, bytes that are not netCDF or Zarr, a variable or
time dim that is not there, and (:func:`load_values`) chunks that cannot be decoded.
"""

from __future__ import annotations

import glob as _glob
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.io.formats import OUTPUT_SUFFIXES, ZARR_SUFFIXES

GLOB_CHARS = "*?["


def _is_glob(text: str) -> bool:
    return any(c in text for c in GLOB_CHARS)


def _is_zarr(path: str | Path) -> bool:
    p = Path(path)
    return p.suffix.lower() in ZARR_SUFFIXES or (p.is_dir() and (p / "zarr.json").exists()) or (
        p.is_dir() and (p / ".zgroup").exists()
    )


def open_user_dataset(path_or_glob: str | os.PathLike[str], *, chunks: Any = None) -> xr.Dataset:
    """Open a netCDF file, a Zarr store, or a glob of either (lazily, with dask).

    A glob is expanded and sorted, and its files combined by coordinates with
    :func:`xarray.open_mfdataset` (lazy: memory does not grow with the number of files).
    """
    text = os.fspath(path_or_glob)
    if _is_glob(text):
        files = sorted(_glob.glob(os.path.expanduser(text)))
        if not files:
            raise DataError(f"no input files match {text!r}; check the path and the pattern")
        engine = "zarr" if all(_is_zarr(f) for f in files) else None
        try:
            return xr.open_mfdataset(
                files, combine="by_coords", engine=engine, data_vars="minimal",
                coords="minimal", compat="override", join="outer",
                chunks=chunks if chunks is not None else {},
            )
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot combine the {len(files)} files matching {text!r}: {exc}") from None
    path = Path(text).expanduser()
    if not path.exists():
        raise DataError(f"input file not found: {text!r}; check the path")
    try:
        if _is_zarr(path):
            return xr.open_zarr(path, chunks=chunks if chunks is not None else {})
        if path.is_dir():
            raise DataError(
                f"{text!r} is a folder; expected a netCDF file, a .zarr store or a glob such as "
                f"'{text.rstrip('/')}/*.nc'"
            )
        return xr.open_dataset(path, chunks=chunks)
    except DataError:
        raise
    except (OSError, ValueError) as exc:
        raise DataError(
            f"cannot read {text!r} as netCDF or Zarr ({type(exc).__name__}: {exc}); expected a "
            f"file ending in {', '.join(OUTPUT_SUFFIXES)}"
        ) from None


def describe_dims(obj: xr.Dataset | xr.DataArray) -> str:
    """``"time (365), lat (60)"`` and the CF ``standard_name``/``axis`` of coords that have one."""
    dims = ", ".join(f"{d} ({n})" for d, n in obj.sizes.items()) or "none"
    named = []
    for name, coord in obj.coords.items():
        tags = [f"{k}={coord.attrs[k]}" for k in ("standard_name", "axis") if k in coord.attrs]
        if tags:
            named.append(f"{name}: {', '.join(tags)}")
    return dims + (f"; CF coords: {'; '.join(named)}" if named else "")


def guess_time_dim(obj: xr.Dataset | xr.DataArray) -> str | None:
    """A dim that looks like time: CF ``standard_name=time`` / ``axis=T``, datetime, or named so."""
    for dim in obj.dims:
        if dim in obj.coords:
            attrs = obj[dim].attrs
            if attrs.get("standard_name") == "time" or attrs.get("axis") == "T":
                return str(dim)
            if np.issubdtype(obj[dim].dtype, np.datetime64):
                return str(dim)
    for dim in obj.dims:
        if "time" in str(dim).lower() or str(dim).lower() in ("t", "date", "day", "step"):
            return str(dim)
    return None


def missing_time_message(obj: xr.Dataset | xr.DataArray, time_dim: str = "time", what: str = "") -> str:
    """Error text for data without ``time_dim``: dims, CF names found, and the fix."""
    guess = guess_time_dim(obj)
    fix = (
        f"rename it, e.g. data.rename({{{guess!r}: {time_dim!r}}})"
        if guess
        else f"give the data a {time_dim!r} dimension (one entry per time step)"
    )
    return f"expected a {time_dim!r} dimension{what}, found dims {describe_dims(obj)}; {fix}"


def select_variable(ds: xr.Dataset, var: str | None, source: str = "the data") -> xr.DataArray:
    """``ds[var]``, or the only data variable when ``var`` is None; clear errors otherwise."""
    names = [str(v) for v in ds.data_vars]
    if var is None:
        if len(names) == 1:
            return ds[names[0]]
        raise DataError(
            f"{source} holds {len(names)} variables {names}; choose one with var=... "
            "(CLI: --var NAME)"
        )
    if var not in ds.data_vars:
        raise DataError(
            f"variable {var!r} not found in {source}; available variables: {names or 'none'}"
        )
    return ds[var]


def open_user_data(
    path_or_glob: str | os.PathLike[str],
    var: str | None = None,
    *,
    time_dim: str = "time",
    chunks: Any = None,
) -> xr.DataArray:
    """Open one variable with a time dim from a netCDF file, Zarr store or glob (lazily).

    Raises :class:`DataError` for a missing file (or a glob that matches nothing), a variable
    that is not there (listing those that are; ``var=None`` picks the only one), and data
    without ``time_dim`` (listing the dims and CF names found, with a rename suggestion).
    """
    ds = open_user_dataset(path_or_glob, chunks=chunks)
    da = select_variable(ds, var, source=repr(os.fspath(path_or_glob)))
    if time_dim not in da.dims:
        raise DataError(missing_time_message(da, time_dim, f" in variable {da.name!r}"))
    da.encoding.setdefault("source", os.fspath(path_or_glob))  # named by load_values' errors
    return da


def load_dataarray(da: xr.DataArray, what: str | None = None) -> xr.DataArray:
    """``da.load()``, with the one-line :class:`DataError` of :func:`load_values`."""
    try:
        return da.load()
    except (RuntimeError, ValueError, OSError, KeyError) as exc:
        raise DataError(_unreadable(da, exc, what)) from None


def _unreadable(da: xr.DataArray, exc: BaseException, what: str | None) -> str:
    source = what or da.encoding.get("source") or repr(da.name)
    detail = " ".join(str(exc).split())[:160]
    return (
        f"cannot read the values of {da.name!r} from {source}: {type(exc).__name__}: {detail}; "
        "the file or store is damaged (re-copy or re-download it)"
    )


def load_values(da: xr.DataArray, what: str | None = None) -> np.ndarray:
    """``da.values``, with a :class:`DataError` naming the source if the bytes cannot be decoded.

    Lazy data are only read here; a Zarr chunk that is corrupt (a failed decompression) or a
    netCDF file cut short surfaces now, as one line naming the file.
    """
    try:
        return np.asarray(da.values)
    except (RuntimeError, ValueError, OSError, KeyError) as exc:
        raise DataError(_unreadable(da, exc, what)) from None


__all__ = [
    "describe_dims",
    "guess_time_dim",
    "load_dataarray",
    "load_values",
    "missing_time_message",
    "open_user_data",
    "open_user_dataset",
    "select_variable",
]
