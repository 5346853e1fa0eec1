"""Reading user data, writing outputs atomically, and CF / provenance metadata.

**Formats by suffix.** ``.nc``, ``.nc4``, ``.netcdf`` → netCDF-4 (``netcdf4`` engine, float32
data variables, zlib level 4); ``.zarr`` → a Zarr store (a directory; Zarr format 2 with
consolidated metadata, which every zarr/xarray version reads). Anything else is refused
with a :class:`~idff_ts.errors.DataError` that names the allowed suffixes.

**Atomic writes.** :func:`write_dataset` writes to a temporary path in the target's folder (same
file system, so the final ``os.replace`` is atomic) and renames it into place only after the
write succeeded. A Zarr store is a directory: the new store is written next to the old one, the
old one is moved aside, the new one moved in, and the old one deleted last. A failure at any
point leaves an existing output untouched and no temporary files behind.

**Metadata.** :func:`provenance_attrs` builds the global attributes every output carries
(data.md §1): ``Conventions``, ``title``, ``source`` (model + checkpoint sha256), ``history``
(UTC timestamp + command), ``idff_ts_version``, ``seed``, ``ensemble_size``, the sampler
settings (σ, γ1, γ2, NFE) and the normalisation.
"""

from __future__ import annotations

import datetime as _dt
import glob as _glob
import logging
import os
import shlex
import shutil
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import xarray as xr

from idff_ts.errors import DataError

if TYPE_CHECKING:
    from idff_ts.model import Forecaster

log = logging.getLogger(__name__)

NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")
ZARR_SUFFIXES = (".zarr",)
OUTPUT_SUFFIXES = NETCDF_SUFFIXES + ZARR_SUFFIXES
CSV_SUFFIXES = (".csv",)
CONVENTIONS = "CF-1.8"
GLOB_CHARS = "*?["

Format = Literal["netcdf", "zarr"]


def output_format(path: str | os.PathLike[str]) -> Format:
    """``"netcdf"`` or ``"zarr"`` from the suffix of ``path``; :class:`DataError` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix in NETCDF_SUFFIXES:
        return "netcdf"
    if suffix in ZARR_SUFFIXES:
        return "zarr"
    raise DataError(
        f"unknown output suffix {suffix or '(none)'!r} in {str(path)!r}; expected one of "
        f"{', '.join(OUTPUT_SUFFIXES)} (netCDF or Zarr), e.g. forecast.nc"
    )


# --------------------------------------------------------------------------- writing


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
        if enc:
            encoding[str(name)] = enc
    return ds, encoding


def _temp_sibling(path: Path, tag: str) -> Path:
    """A unique hidden path next to ``path`` keeping its suffix (``.out.nc.<tag>-<id>.nc``)."""
    return path.with_name(f".{path.name}.{tag}-{uuid.uuid4().hex[:8]}{path.suffix}")


def write_dataset(
    ds: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    compression_level: int = 4,
) -> Path:
    """Write ``ds`` to ``path`` (netCDF or Zarr by suffix) atomically; returns the path.

    Floating data variables are stored as float32 (netCDF: zlib-compressed). An existing file or
    store at ``path`` is replaced only once the new one is complete; on any error it is left
    as it was and the temporary output is removed.
    """
    path = Path(path)
    fmt = output_format(path)
    if path.exists() and fmt == "netcdf" and path.is_dir():
        raise DataError(f"cannot write netCDF to {str(path)!r}: it is a directory")
    if path.exists() and fmt == "zarr" and not path.is_dir():
        raise DataError(f"cannot write a Zarr store to {str(path)!r}: it is an existing file")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the output folder {str(parent)!r}: {exc}") from None
    ds, encoding = _prepare(ds, fmt, compression_level)
    if fmt == "netcdf":
        _write_netcdf(ds, path, encoding)
    else:
        _write_zarr(ds, path, encoding)
    log.info("wrote %s", path)
    return path


def _write_netcdf(ds: xr.Dataset, path: Path, encoding: dict) -> None:
    tmp = _temp_sibling(path, "tmp")
    try:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_zarr(ds: xr.Dataset, path: Path, encoding: dict) -> None:
    tmp = _temp_sibling(path, "tmp")
    old = _temp_sibling(path, "old")
    try:
        # Zarr format 2 with consolidated metadata: read by every zarr/xarray version without
        # warnings (fixed-width strings and consolidation have no Zarr v3 spec yet).
        ds.to_zarr(tmp, mode="w", encoding=encoding, zarr_format=2, consolidated=True)
        if path.exists():
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except BaseException:
            if old.exists() and not path.exists():
                os.replace(old, path)
            raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)


def write_table(df: Any, path: str | os.PathLike[str]) -> Path:
    """Write a pandas DataFrame to CSV atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_sibling(path, "tmp")
    try:
        df.to_csv(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# --------------------------------------------------------------------------- metadata


def history_line(command: str | None = None) -> str:
    """``"<UTC ISO timestamp>: <command>"``; the command defaults to this process's argv."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if command is None:
        argv = list(sys.argv)
        if argv:
            argv[0] = Path(argv[0]).name
        command = shlex.join(argv) if argv else "python"
    return f"{now}: {command}"


def provenance_attrs(
    forecaster: Forecaster | None = None,
    *,
    title: str = "idff-ts output",
    seed: int | None = None,
    ensemble_size: int | None = None,
    sampler: Any = None,
    command: str | None = None,
    history: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Global attributes of an output file (data.md §1).

    Args:
        forecaster: the model used; gives ``source`` (method + checkpoint sha256), σ, the
            sampler defaults and the normalisation.
        title: the file's ``title``.
        seed, ensemble_size: the run's base seed and number of members.
        sampler: the :class:`~idff_ts.config.SamplerConfig` actually used (default: the
            forecaster's).
        command: the command line for ``history`` (default: ``sys.argv``).
        history: an existing ``history`` to append to (newest line first, as NCO does).
        extra: more attributes (``None`` values are dropped when writing).
    """
    from idff_ts import __version__

    attrs: dict[str, Any] = {"Conventions": CONVENTIONS, "title": title}
    line = history_line(command)
    attrs["history"] = f"{line}\n{history}" if history else line
    attrs["idff_ts_version"] = __version__
    if forecaster is not None:
        cfg = forecaster.cfg
        sha = forecaster.sha256 or "not saved"
        attrs["source"] = (
            f"idff-ts {__version__}, method {forecaster.method.name} "
            f"({cfg.backbone} backbone, context {cfg.context}, horizon {cfg.horizon}), "
            f"checkpoint sha256 {sha}"
        )
        attrs["checkpoint_sha256"] = forecaster.sha256 or ""
        attrs["method"] = forecaster.method.name
        attrs["sampler_sigma"] = float(cfg.sigma)
        sampler = sampler or forecaster.sampler
        mean = np.asarray(forecaster.mean, dtype=np.float64)
        std = np.asarray(forecaster.std, dtype=np.float64)
        attrs["normalisation"] = (
            "z = (y - normalisation_mean) / normalisation_std, statistics of the training "
            f"split with shape {list(mean.shape)} broadcast over the state"
        )
        attrs["normalisation_mean"] = mean.ravel()
        attrs["normalisation_std"] = std.ravel()
        task = forecaster.data_info.get("task")
        if task:
            attrs["task"] = str(task)
    else:
        attrs["source"] = f"idff-ts {__version__}"
    if sampler is not None:
        attrs["sampler_nfe"] = int(sampler.nfe)
        attrs["sampler_gamma1"] = float(sampler.gamma1)
        attrs["sampler_gamma2"] = float(sampler.gamma2)
        attrs["sampler_schedule"] = str(sampler.schedule)
    if seed is not None:
        attrs["seed"] = int(seed)
    if ensemble_size is not None:
        attrs["ensemble_size"] = int(ensemble_size)
    attrs.update({k: v for k, v in extra.items() if v is not None})
    return attrs


# --------------------------------------------------------------------------- reading


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
    return da


__all__ = [
    "CONVENTIONS",
    "NETCDF_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "ZARR_SUFFIXES",
    "describe_dims",
    "guess_time_dim",
    "history_line",
    "missing_time_message",
    "open_user_data",
    "open_user_dataset",
    "output_format",
    "provenance_attrs",
    "select_variable",
    "write_dataset",
    "write_table",
]
