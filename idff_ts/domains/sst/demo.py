"""The embedded default: a bundled SYNTHETIC DEMO archive and a pretrained demo checkpoint.

No multi-year real OISST archive can ship with the package (data.md §2), so ``idff-ts forecast
--days 7 --members 20`` with no other argument forecasts the **synthetic demo data** bundled in
``idff_ts/assets/sst_demo/``:

- ``sst.day.mean.2020.nc``: the test year (2020) of a synthetic archive written by
  :mod:`idff_ts.domains.sst.synthetic` (seed :data:`DEMO_SEED`) in the exact NOAA PSL yearly
  layout, over :data:`DEMO_REGION` = DYffusion boxes 88–89 (15°S–0°, 120°W–90°W);
- ``demo_model.pt`` (+ ``.sha256``): an IDFF UNet trained on 2010–2018 of the same archive,
  selected on 2019 by validation CRPS with 20 members (:data:`~idff_ts.domains.sst.protocol.DEMO`);
- ``model_card.json``: how it was built (command, git sha, seed, validation CRPS).

All three are made by ``datasets/sst_demo/build_demo.py``. The training years are not bundled:
:func:`demo_archive` regenerates the full 2010–2020 archive (seeded, deterministic; ≈ 15 s)
into the cache folder when a task needs them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

from idff_ts.domains.sst.dyffusion import box_bounds
from idff_ts.errors import DataError

log = logging.getLogger(__name__)

#: Seed of the synthetic demo archive.
DEMO_SEED = 0
#: Boxes and region of the demo (lat_min, lat_max, lon_min, lon_max; lon 0–360).
DEMO_BOXES = (88, 89)
DEMO_REGION = (
    box_bounds(88).lat_min, box_bounds(88).lat_max, box_bounds(88).lon_min, box_bounds(89).lon_max
)
#: Span of the synthetic demo archive (spin-up before the start is the generator's).
DEMO_START, DEMO_END = "2010-01-01", "2020-12-31"
#: Years bundled in the package (the test year).
BUNDLED_YEARS = (2020,)
DEMO_CHECKPOINT = "demo_model.pt"
MODEL_CARD = "model_card.json"
DEMO_WARNING = (
    "no model given: using the bundled demo model trained on SYNTHETIC DEMO DATA "
    "(idff_ts.domains.sst.synthetic), not on NOAA OISST; pass --checkpoint/checkpoint= for a real model"
)


def asset_dir() -> Path:
    """``idff_ts/assets/sst_demo`` inside the installed package."""
    return Path(str(resources.files("idff_ts") / "assets" / "sst_demo"))


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataError(
            f"bundled demo file missing: {path}; reinstall idff-ts or rebuild the demo with "
            "python datasets/sst_demo/build_demo.py"
        )
    return path


def demo_checkpoint() -> Path:
    """Path of the pretrained demo checkpoint (synthetic demo data)."""
    return _need(asset_dir() / DEMO_CHECKPOINT)


def demo_archive_files() -> list[Path]:
    """The bundled PSL-layout file(s) of the synthetic demo archive."""
    return [_need(asset_dir() / f"sst.day.mean.{y}.nc") for y in BUNDLED_YEARS]


def model_card() -> dict[str, Any]:
    """The demo checkpoint's model card (how it was built)."""
    return json.loads(_need(asset_dir() / MODEL_CARD).read_text())


def open_demo(**kwargs: Any) -> Any:
    """The bundled demo archive as ``sst(time, lat, lon)`` (°C, lazy; synthetic demo data)."""
    from idff_ts.domains.sst.oisst import open_oisst

    return open_oisst(demo_archive_files(), **kwargs)


def demo_cache_dir() -> Path:
    """Where :func:`demo_archive` keeps the regenerated archive."""
    from idff_ts.data.locations import default_cache_dir

    return default_cache_dir() / f"sst_demo_seed{DEMO_SEED}"


def demo_archive(cache_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The full synthetic demo archive 2010–2020 (PSL layout), generated once and cached.

    Deterministic: the same seed, region and span always give the same files (the bundled
    ``sst.day.mean.2020.nc`` is its last year). Written to a temporary folder and renamed into
    place, so an interrupted run leaves nothing half-written.
    """
    from idff_ts.domains.sst.synthetic import write_synthetic_archive

    folder = Path(cache_dir) if cache_dir is not None else demo_cache_dir()
    years = range(int(DEMO_START[:4]), int(DEMO_END[:4]) + 1)
    files = [folder / f"sst.day.mean.{y}.nc" for y in years]
    if all(f.is_file() for f in files):
        return files
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    log.info("generating the synthetic demo archive %s..%s in %s", DEMO_START, DEMO_END, folder)
    try:
        write_synthetic_archive(tmp, DEMO_START, DEMO_END, region=DEMO_REGION, seed=DEMO_SEED)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return files


__all__ = [
    "BUNDLED_YEARS",
    "DEMO_BOXES",
    "DEMO_CHECKPOINT",
    "DEMO_END",
    "DEMO_REGION",
    "DEMO_SEED",
    "DEMO_START",
    "DEMO_WARNING",
    "asset_dir",
    "demo_archive",
    "demo_archive_files",
    "demo_checkpoint",
    "model_card",
    "open_demo",
]
