"""Writing outputs atomically: netCDF or Zarr by suffix, CSV tables.

**Atomic writes.** :func:`write_dataset` writes to a temporary path in the target's folder (same
file system, so the final rename is atomic) and moves it into place only after the write
succeeded. A Zarr store is a directory: the new store is written next to the old one, the old
one is moved aside, the new one moved in, and the old one deleted last. A failure at any point
leaves an existing output untouched and no temporary files behind, and its message names the
user's path, never the hidden temporary one.

**Overwrite.** With ``overwrite=False`` an existing output is refused up front and the final
move never replaces one that appeared meanwhile (a hard link, which fails if the name exists).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.errors import DataError, OutputExistsError
from idff_ts.io.formats import Format, check_output_path, output_format

log = logging.getLogger("idff_ts.io")


def _sanitize_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes netCDF and Zarr both accept: str, int, float, or 1-D numeric arrays.

    ``None`` is dropped, bools become ints, dicts and other objects become their ``str``.
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, bool | np.bool_):
            out[key] = int(value)
        elif isinstance(value, str | int | float | np.integer | np.floating):
            out[key] = value
        elif isinstance(value, list | tuple | np.ndarray):
            arr = np.asarray(value)
            if arr.dtype.kind in "iuf" and arr.ndim <= 1:
                out[key] = arr
            else:
                out[key] = str(list(np.asarray(value).ravel().tolist()))
        else:
            out[key] = str(value)
    return out


def _prepare(ds: xr.Dataset, fmt: Format, compression_level: int) -> tuple[xr.Dataset, dict]:
    """A copy with netCDF/Zarr-safe attrs and the float32 (+ zlib) encoding of data variables."""
    ds = ds.copy(deep=False)
    ds.attrs = _sanitize_attrs(ds.attrs)
    for name in list(ds.variables):
        ds[name].attrs = _sanitize_attrs(ds[name].attrs)
    encoding: dict[str, dict[str, Any]] = {}
    for name, var in ds.data_vars.items():
        enc: dict[str, Any] = {}
        if var.dtype.kind == "f":
            enc["dtype"] = "float32"
        if fmt == "netcdf" and var.dtype.kind in "iuf":
            enc.update(zlib=True, complevel=int(compression_level))
        enc.update(_quantise_encoding(var, fmt))
        chunks = var.encoding.get("chunksizes")
        if fmt == "netcdf" and chunks is not None and len(chunks) == var.ndim and all(
            0 < c <= n for c, n in zip(chunks, var.shape, strict=True)
        ):
            enc["chunksizes"] = tuple(int(c) for c in chunks)  # e.g. one init per chunk
        if enc:
            encoding[str(name)] = enc
    return ds, encoding


def _quantise_encoding(var: xr.DataArray, fmt: Format) -> dict[str, Any]:
    """A float variable's ``encoding["least_significant_digit"]`` kept in both formats.

    netCDF4 rounds such a variable itself; Zarr gets the same rounding as a numcodecs
    ``Quantize`` filter (e.g. the SST domain's 0.01 °C, :mod:`idff_ts.domains.sst.precision`).
    """
    digits = var.encoding.get("least_significant_digit")
    if digits is None or var.dtype.kind != "f":
        return {}
    if fmt == "netcdf":
        return {"least_significant_digit": int(digits)}
    from numcodecs import Quantize

    return {"filters": [Quantize(digits=int(digits), dtype="<f4")]}


def _temp_sibling(path: Path, tag: str) -> Path:
    """A unique hidden path next to ``path`` keeping its suffix (``.out.nc.<tag>-<id>.nc``)."""
    return path.with_name(f".{path.name}.{tag}-{uuid.uuid4().hex[:8]}{path.suffix}")



def write_dataset(
    ds: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    compression_level: int = 4,
    overwrite: bool = True,
) -> Path:
    """Write ``ds`` to ``path`` (netCDF or Zarr by suffix) atomically; returns the path.

    Floating data variables are stored as float32 (netCDF: zlib-compressed). An existing file or
    store at ``path`` is replaced only once the new one is complete, and only if ``overwrite``
    (the CLI's ``--overwrite``); on any error it is left as it was, the temporary output is
    removed and a :class:`DataError` names ``path``.
    """
    path = Path(path)
    fmt = output_format(path)
    check_output_path(path, overwrite=overwrite)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the output folder {str(path.parent)!r}: {exc.strerror}") from None
    ds, encoding = _prepare(ds, fmt, compression_level)
    writer = _write_netcdf if fmt == "netcdf" else _write_zarr
    _guarded(path, lambda: writer(ds, path, encoding, overwrite))
    log.info("wrote %s", path)
    return path


def _guarded(path: Path, write: Callable[[], None]) -> None:
    """Run ``write``; an OS or encoding failure becomes a DataError naming ``path``."""
    try:
        write()
    except DataError:
        raise
    except OSError as exc:
        raise DataError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    except (TypeError, ValueError, RuntimeError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise DataError(f"cannot write {str(path)!r}: {type(exc).__name__}: {detail}") from None


def _move_into_place(tmp: Path, path: Path, overwrite: bool) -> None:
    """Rename ``tmp`` to ``path``; without ``overwrite`` never replace an existing ``path``."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails with FileExistsError when a concurrent writer got there first
    except FileExistsError:
        raise OutputExistsError(
            f"output {str(path)!r} appeared while writing; pass --overwrite to replace it"
        ) from None
    os.unlink(tmp)


def _write_netcdf(ds: xr.Dataset, path: Path, encoding: dict, overwrite: bool = True) -> None:
    tmp = _temp_sibling(path, "tmp")
    try:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
        _move_into_place(tmp, path, overwrite)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_zarr(ds: xr.Dataset, path: Path, encoding: dict, overwrite: bool = True) -> None:
    tmp = _temp_sibling(path, "tmp")
    try:
        # Zarr format 2 with consolidated metadata: read by every zarr/xarray version without
        # warnings (fixed-width strings and consolidation have no Zarr v3 spec yet).
        ds.to_zarr(tmp, mode="w", encoding=encoding, zarr_format=2, consolidated=True)
        move_store_into_place(tmp, path, overwrite)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def move_store_into_place(store: Path, path: Path, overwrite: bool = True) -> None:
    """Rename the complete Zarr store ``store`` to ``path`` (same folder, so atomic).

    An existing ``path`` is moved aside first and deleted last (only with ``overwrite``); if
    the final rename fails, the old store is put back.
    """
    old = _temp_sibling(path, "old")
    try:
        if path.exists():
            if not overwrite:
                raise OutputExistsError(
                    f"output {str(path)!r} appeared while writing; pass --overwrite to replace it"
                )
            os.replace(path, old)
        try:
            os.replace(store, path)
        except BaseException:
            if old.exists() and not path.exists():
                os.replace(old, path)
            raise
    finally:
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)


def write_table(df: Any, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write a pandas DataFrame to CSV atomically (temporary file, then rename)."""
    path = Path(path)
    check_output_path(path, overwrite=overwrite, suffixes=(".csv",))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_sibling(path, "tmp")

    def write() -> None:
        try:
            df.to_csv(tmp)
            _move_into_place(tmp, path, overwrite)
        finally:
            if tmp.exists():
                tmp.unlink()

    _guarded(path, write)
    return path


__all__ = ["move_store_into_place", "write_dataset", "write_table"]
