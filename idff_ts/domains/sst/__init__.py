"""Sea-surface temperature forecasting on DYffusion OISST tiles (the product's headline job).

One concept per file:

- :mod:`~idff_ts.domains.sst.protocol`: boxes, splits, L, K, M (:data:`DYFFUSION`, the scaled
  :data:`DEMO`);
- :mod:`~idff_ts.domains.sst.tiles`: any OISST input (files of either layout, a prepared store, a
  user's ``xr.open_dataset``) → normalised SST → tiles ``(time, box, y, x)``;
- :mod:`~idff_ts.domains.sst.climatology`: the harmonic day-of-year climatology stored in checkpoints;
- :mod:`~idff_ts.domains.sst.train`: :func:`fit_sst` (UNet, box series, ocean mask, checkpoint with the
  climatology inside);
- :mod:`~idff_ts.domains.sst.forecast`: :func:`forecast_sst` (what ``idff_ts.forecast`` and
  ``idff-ts forecast`` run for SST tile models);
- :mod:`~idff_ts.domains.sst.quicklook`: per-lead summary and the quick-look PNG;
- :mod:`~idff_ts.domains.sst.demo`: the bundled synthetic demo archive and checkpoint;
- :mod:`~idff_ts.domains.sst.tasks`: the ``sst-demo`` and ``sst-wa4`` tasks.

Torch is imported only by the functions that need it.
"""

from __future__ import annotations

import importlib
from typing import Any

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


__all__ = sorted(_LAZY)
