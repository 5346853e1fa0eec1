"""Reading user data, writing outputs atomically, and CF / provenance metadata.

**Formats by suffix** (:mod:`idff_ts.io.formats`). ``.nc``, ``.nc4``, ``.netcdf`` → netCDF-4
(``netcdf4`` engine, float32 data variables, zlib level 4); ``.zarr`` → a Zarr store (a
directory; Zarr format 2 with consolidated metadata, which every zarr/xarray version reads).
Anything else is refused with a :class:`~idff_ts.errors.DataError` that names the allowed
suffixes. One overwrite rule for every command: an existing output is refused unless
``--overwrite`` is given (:func:`check_output_path`).

**Atomic writes** (:mod:`idff_ts.io.writing`): a temporary path next to the target, renamed
into place only after the write succeeded; a failure leaves an existing output untouched, no
temporary files behind, and a message naming the user's path.

**Reading** (:mod:`idff_ts.io.reading`): a file, a Zarr store or a glob, lazily.

**Metadata** (:mod:`idff_ts.io.metadata`): the global attributes every output carries
(data.md §1).
"""

from __future__ import annotations

from idff_ts.io.formats import (
    CSV_SUFFIXES,
    NETCDF_SUFFIXES,
    OUTPUT_SUFFIXES,
    ZARR_SUFFIXES,
    check_output_path,
    output_format,
)
from idff_ts.io.metadata import CONVENTIONS, history_line, provenance_attrs
from idff_ts.io.reading import (
    describe_dims,
    guess_time_dim,
    load_dataarray,
    load_values,
    missing_time_message,
    open_user_data,
    open_user_dataset,
    select_variable,
)
from idff_ts.io.writing import write_dataset, write_table

__all__ = [
    "CONVENTIONS",
    "CSV_SUFFIXES",
    "NETCDF_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "ZARR_SUFFIXES",
    "check_output_path",
    "describe_dims",
    "guess_time_dim",
    "history_line",
    "load_dataarray",
    "load_values",
    "missing_time_message",
    "open_user_data",
    "open_user_dataset",
    "output_format",
    "provenance_attrs",
    "select_variable",
    "write_dataset",
    "write_table",
]
