"""NOAA OISST v2.1 daily files of either layout, read lazily and identically."""

from __future__ import annotations

from idff_ts.domains.sst.oisst.reading import (
    DEFAULT_CHUNKS,
    NCEI_TIME_UNITS,
    OISST_NAME_PATTERNS,
    PSL_MISSING_VALUE,
    PSL_TIME_UNITS,
    OisstFile,
    check_continuous,
    open_oisst,
    open_oisst_file,
    read_oisst_csv,
    resolve_paths,
    scan_oisst,
    write_oisst,
)

__all__ = [
    "DEFAULT_CHUNKS",
    "NCEI_TIME_UNITS",
    "OISST_NAME_PATTERNS",
    "OisstFile",
    "PSL_MISSING_VALUE",
    "PSL_TIME_UNITS",
    "check_continuous",
    "open_oisst",
    "open_oisst_file",
    "read_oisst_csv",
    "resolve_paths",
    "scan_oisst",
    "write_oisst",
]
