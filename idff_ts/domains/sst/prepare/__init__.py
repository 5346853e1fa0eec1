"""Preparing an OISST archive into one Zarr store of DYffusion tiles."""

from __future__ import annotations

from idff_ts.domains.sst.prepare.archive import (
    PRODUCT,
    open_prepared,
    prepare_archive,
)

__all__ = [
    "PRODUCT",
    "open_prepared",
    "prepare_archive",
]
