"""Output formats by suffix and the checks every command runs on its output path first.

``.nc``, ``.nc4``, ``.netcdf`` → netCDF-4; ``.zarr`` → a Zarr store (a directory); ``.csv``
for tables. **One overwrite rule for every command that writes** (docs: CLI): an existing
output is refused unless the user passes ``--overwrite`` (``overwrite=True``), and then it is
replaced atomically, only once the new output is complete. :func:`check_output_path` applies
the rule, and the other path checks, before any work is done.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from idff_ts.errors import DataError, OutputExistsError

NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")
ZARR_SUFFIXES = (".zarr",)
OUTPUT_SUFFIXES = NETCDF_SUFFIXES + ZARR_SUFFIXES
CSV_SUFFIXES = (".csv",)

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



def check_output_path(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    suffixes: tuple[str, ...] = OUTPUT_SUFFIXES,
    flag: str = "--overwrite",
) -> Path:
    """Refuse an output path before any work: bad suffix, wrong kind, unwritable, or existing.

    Returns the path. Raises :class:`DataError` for a suffix not in ``suffixes``, a folder
    where a file goes (or a file where a Zarr store goes), a parent that is a file or not
    writable; :class:`OutputExistsError` when ``path`` exists and ``overwrite`` is false.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise DataError(
            f"unknown output suffix {suffix or '(none)'!r} in {str(path)!r}; expected one of "
            f"{', '.join(suffixes)}"
        )
    is_store = suffix in ZARR_SUFFIXES
    if path.exists() and path.is_dir() != is_store:
        kind = "folder" if path.is_dir() else "file"
        raise DataError(f"cannot write {str(path)!r}: it is an existing {kind}; choose another path")
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"output {str(path)!r} exists; pass {flag} to replace it, or choose another path"
        )
    _check_parent(path)
    return path


def _check_parent(path: Path) -> None:
    """The nearest existing ancestor of ``path`` must be a writable folder."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise DataError(f"cannot write {str(path)!r}: {str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DataError(f"cannot write {str(path)!r}: no permission to write in {str(parent)!r}")


__all__ = [
    "CSV_SUFFIXES",
    "NETCDF_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "ZARR_SUFFIXES",
    "Format",
    "check_output_path",
    "output_format",
]
