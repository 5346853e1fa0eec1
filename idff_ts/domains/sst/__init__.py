"""Sea-surface temperature forecasting on DYffusion OISST tiles (the product's headline job).

Everything specific to SST lives in this folder (data.md §2); one concept per module:

=====================  ======================================================================
``domain``             :class:`SSTDomain`, the :class:`~idff_ts.domains.base.Domain` plug-in
``oisst/``             NOAA OISST v2.1 files of either layout (PSL yearly, NCEI daily), Zarr,
                       CSV pixel tables: paths, reading, writing
``dyffusion/``         the DYffusion protocol: 15° boxes, splits, day-of-year climatology
``download/``          the hash-checked, resumable, cached downloader of the NOAA archive
``prepare/``           an archive → one Zarr store of tiles with training-only statistics
``synthetic/``         the synthetic SST generator behind the bundled demo archive
``protocol``           boxes, splits, L, K, M (:data:`DYFFUSION`, the scaled :data:`DEMO`)
``tiles``              any OISST input → normalised SST → tiles ``(time, box, y, x)``
``climatology``        the harmonic day-of-year climatology stored in checkpoints
``harmonics``          its annual harmonic basis and per-pixel weighted least squares
``train``              :func:`fit_sst` (UNet, box series, ocean mask, climatology inside)
``encode``, ``decode`` physical ↔ model states around the generic ensemble step
``forecast``           :func:`forecast_sst`: encode → sample → decode
``quicklook``          per-lead summary table and the quick-look PNG
``demo``               the bundled synthetic demo archive and checkpoint
``tasks``              the ``sst-demo``, ``sst-etp`` and ``sst-wa4`` tasks
``cli/``               ``idff-ts data download|prepare|synthetic``; train / forecast hooks
=====================  ======================================================================

The names below are importable from here; torch is imported only by the functions that need
it.
"""

from __future__ import annotations

import importlib
from typing import Any

from idff_ts.domains.sst.domain import SSTDomain

_LAZY = {
    "SSTProtocol": "protocol", "DYFFUSION": "protocol", "DEMO": "protocol",
    "HarmonicClimatology": "climatology",
    "as_oisst": "tiles", "as_tiles": "tiles", "looks_like_oisst": "tiles",
    "open_sst_source": "tiles",
    "fit_sst": "train", "climatology_of": "train",
    "forecast_sst": "forecast", "is_sst_model": "forecast",
    "summary_table": "quicklook", "quicklook_png": "quicklook",
    "demo_checkpoint": "demo", "demo_archive_files": "demo", "open_demo": "demo",
    "demo_archive": "demo",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"idff_ts.domains.sst.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SSTDomain", *sorted(_LAZY)]
