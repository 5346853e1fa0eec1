"""Preparing an OISST archive: one Zarr store of DYffusion tiles with training-only statistics.

- :mod:`~idff_ts.domains.sst.prepare.archive`: :func:`prepare_archive`, :func:`open_prepared`;
- :mod:`~idff_ts.domains.sst.prepare.store`: hyperslab reads, block writes, the atomic swap.
"""

from __future__ import annotations

from idff_ts.domains.sst.prepare.archive import PRODUCT, open_prepared, prepare_archive

__all__ = ["PRODUCT", "open_prepared", "prepare_archive"]
