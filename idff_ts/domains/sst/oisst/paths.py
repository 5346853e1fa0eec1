"""Finding OISST files: a file, a folder, a glob or a list → the data files, in order."""

from __future__ import annotations

import glob as _glob
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from idff_ts.domains.sst.oisst.layouts import OISST_NAME_PATTERNS, is_zarr
from idff_ts.errors import DataError

log = logging.getLogger(__name__)

_DATA_SUFFIXES = (".nc", ".nc4", ".netcdf", ".zarr")
_GLOB_CHARS = "*?["


# --------------------------------------------------------------------------- finding files


def _folder_files(folder: Path) -> list[Path]:
    """OISST-named files (and Zarr stores) below ``folder``; every data file if none is."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        stores = [d for d in dirs if is_zarr(here / d)]
        found.extend(here / d for d in stores)
        dirs[:] = [d for d in dirs if d not in stores and not d.startswith(".")]
        found.extend(
            here / f for f in files
            if not f.startswith(".") and Path(f).suffix.lower() in _DATA_SUFFIXES
        )
    named = [p for p in found if is_zarr(p) or any(r.match(p.name) for r in OISST_NAME_PATTERNS)]
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
        if p.is_dir() and not is_zarr(p):
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


__all__ = [
    "resolve_paths",
]
