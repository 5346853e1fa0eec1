"""NOAA OISST v2.1 daily SST (data.md §2): either file layout, read lazily and identically.

- :mod:`~idff_ts.domains.sst.oisst.layouts`: the PSL / NCEI / Zarr layouts; one file normalised;
- :mod:`~idff_ts.domains.sst.oisst.paths`: files, folders, globs → data files;
- :mod:`~idff_ts.domains.sst.oisst.reading`: :func:`open_oisst` (many files, checked, lazy);
- :mod:`~idff_ts.domains.sst.oisst.csv_table`: long-format CSV extracts;
- :mod:`~idff_ts.domains.sst.oisst.writing`: :func:`write_oisst` in an official layout.
"""

from __future__ import annotations

from idff_ts.domains.sst.oisst.csv_table import (
    read_oisst_csv,
)
from idff_ts.domains.sst.oisst.layouts import (
    DEFAULT_CHUNKS,
    NCEI_TIME_UNITS,
    OISST_NAME_PATTERNS,
    PSL_MISSING_VALUE,
    PSL_TIME_UNITS,
    OisstFile,
    open_oisst_file,
)
from idff_ts.domains.sst.oisst.paths import (
    resolve_paths,
)
from idff_ts.domains.sst.oisst.reading import (
    check_continuous,
    open_oisst,
    scan_oisst,
)
from idff_ts.domains.sst.oisst.writing import (
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
