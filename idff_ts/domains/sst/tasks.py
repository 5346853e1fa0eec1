"""SST tasks of the leaderboard (evaluation.md §3): ``sst-demo``, ``sst-etp``, ``sst-wa4``.

- ``sst-demo``: the bundled **synthetic demo** archive (:mod:`idff_ts.domains.sst.demo`), DYffusion
  protocol scaled to a CPU (:data:`~idff_ts.domains.sst.protocol.DEMO`: boxes 88–89, train 2010–2018,
  val 2019, test 2020, 1 input day, leads 1..7, M = 20 / 50); a small UNet (hidden 8) trained
  in ≈ 10 min on 2 CPU cores. Its splits are the tiles ``sst(time, box, y, x)`` in °C of the
  regenerated archive (cached after the first call).
- ``sst-etp``: real NOAA OISST v2.1, the 11 ETP boxes, DYffusion's splits; the archive is
  yours (``idff-ts data download``): ``idff-ts train --task sst --data 'sst.day.mean.*.nc'``.
- ``sst-wa4``: real OISST at four pixels off Western Australia
  (``../shared/data/oisst/oisst_wa_4px_1982_2022.csv`` or ``$IDFF_SHARED_DATA/oisst/…``) as a
  vector state ``(time, pixel)``; DYffusion's splits (train 1982–2018 / val 2019 / test 2020);
  per-pixel day-of-year standardisation (raw per-day mean/std, DYffusion's) fitted on the
  training years only; its splits are the standardised anomalies ``sst_anomaly(time, pixel)``,
  so a model, its forecasts and their scores are in standardised units; MLP, 1 input day,
  leads 1..7.

The tasks are :data:`SST_TASKS`; :class:`~idff_ts.domains.sst.domain.SSTDomain` registers them
(:meth:`~idff_ts.domains.base.Domain.tasks`) when :mod:`idff_ts.domains` is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.domains.sst.protocol import DEMO, DYFFUSION, SSTProtocol
from idff_ts.errors import DataError
from idff_ts.tasks import Splits, Task

WA4_FILE = "oisst/oisst_wa_4px_1982_2022.csv"
#: Task-name aliases accepted by ``idff-ts train --task``.
ALIASES = {"sst": "sst-etp", "sst-real": "sst-etp"}

#: The demo UNet: ≈ 74 k parameters; one forward pass on 40 tiles ≈ 0.3 s on one busy core.
#: σ = 2 was chosen on the demo's validation year (benchmarks/results/sigma_sweep.md: 0.215 vs
#: 0.235 at σ = 0.5); the ETP model keeps 0.5 (not swept: it needs a GPU).
DEMO_MODEL: dict[str, Any] = {
    "backbone": "unet", "hidden": 8, "channel_mult": (1, 2, 2), "num_res_blocks": 1,
    "attention": False, "emb_dim": 32, "sigma": 2.0,
}
#: Demo training: 6 epochs × 80 steps of 32 windows, validation on 8 fixed inits × 20 members.
DEMO_TRAIN: dict[str, Any] = {
    "max_epochs": 6, "batch_size": 32, "lr": 2e-3, "limit_train_batches": 80,
    "val_members": 20, "val_nfe": 3, "val_inits": 8, "val_batch_size": 8, "patience": 3,
    "log_every_n_steps": 20,
}
#: The ETP model for a GPU: the UNet "paper" preset (``idff_ts.nets.unet.UNET_PRESETS``, spelled
#: out so that importing the task registry does not import torch; a test checks they agree).
ETP_MODEL: dict[str, Any] = {
    "backbone": "unet", "hidden": 64, "channel_mult": (1, 2, 2, 4), "num_res_blocks": 2,
    "attention": True, "emb_dim": 256, "sigma": 0.5,
}
ETP_TRAIN: dict[str, Any] = {
    "max_epochs": 50, "batch_size": 32, "lr": 2e-4, "val_members": 20, "val_nfe": 5,
    "val_inits": 64, "val_batch_size": 8, "patience": 5,
}


@dataclass(frozen=True)
class SSTTileTask(Task):
    """A task on DYffusion OISST tiles: its :class:`SSTProtocol` and where its archive is.

    ``archive()`` returns the archive's files (``None``: the user passes ``--data``).
    """

    protocol: SSTProtocol = DYFFUSION
    archive: Callable[[], list[Path]] | None = None
    n_harmonics: int = 3
    data_label: str = "NOAA OISST v2.1"

    def tiles(self, data: Any = None) -> xr.DataArray:
        """The archive's tiles ``sst(time, box, y, x)`` in °C (lazy)."""
        from idff_ts.domains.sst.tiles import as_tiles, open_sst_source

        if data is None:
            if self.archive is None:
                raise DataError(
                    f"task {self.name!r} needs your OISST archive: pass --data FILES (CLI) or "
                    "data= (Python); download it with `idff-ts data download`"
                )
            data = self.archive()
        source = open_sst_source(data) if not isinstance(data, xr.Dataset | xr.DataArray) else data
        return as_tiles(source, self.protocol.boxes)


def _tile_splits(name: str) -> Callable[[int], Splits]:
    def make(seed: int) -> Splits:
        from idff_ts.domains.sst.train import split_tiles

        task = next(t for t in SST_TASKS if t.name == name)
        assert isinstance(task, SSTTileTask)
        tiles = task.tiles()
        p = task.protocol
        return {k: split_tiles(tiles, getattr(p, k), k) for k in ("train", "val", "test")}

    return make


def _demo_archive() -> list[Path]:
    from idff_ts.domains.sst.demo import demo_archive

    return demo_archive()


def wa4_path() -> Path | None:
    """The Western-Australia CSV if available (``$IDFF_SHARED_DATA`` or ``../shared/data``)."""
    from idff_ts.data.locations import find_shared_file

    return find_shared_file(WA4_FILE)


def wa4_splits(seed: int = 0, path: str | Path | None = None) -> Splits:
    """Standardised anomalies ``sst_anomaly(time, pixel)`` per split (module docstring)."""
    from idff_ts.domains.sst.dyffusion import SPLITS, DoyClimatology, select_split
    from idff_ts.domains.sst.oisst import read_oisst_csv

    found = Path(path) if path is not None else wa4_path()
    if found is None or not found.is_file():
        raise DataError(
            f"sst-wa4 data not found: expected {WA4_FILE} under $IDFF_SHARED_DATA or "
            "../shared/data (the four Western-Australia OISST pixels); pass path="
        )
    sst = read_oisst_csv(found, layout="pixel", mask_from=None)
    clim = DoyClimatology.fit(sst, period=SPLITS["train"], window_days=1)
    z = clim.transform(sst).astype(np.float32).rename("sst_anomaly")
    z.attrs = {
        "units": "1", "long_name": "standardised SST anomaly",
        "standardisation": clim._describe(), "source": found.name,
    }
    return {k: select_split(z, k) for k in ("train", "val", "test")}


def sst_wa4_climatology(path: str | Path | None = None) -> Any:
    """The per-pixel day-of-year climatology of ``sst-wa4`` (training years only)."""
    from idff_ts.domains.sst.dyffusion import SPLITS, DoyClimatology
    from idff_ts.domains.sst.oisst import read_oisst_csv

    found = Path(path) if path is not None else wa4_path()
    if found is None:
        raise DataError(f"sst-wa4 data not found ({WA4_FILE})")
    sst = read_oisst_csv(found, layout="pixel", mask_from=None)
    return DoyClimatology.fit(sst, period=SPLITS["train"], window_days=1)


def resolve_name(name: str) -> str:
    """Apply :data:`ALIASES` (``sst`` → ``sst-etp``)."""
    return ALIASES.get(str(name).lower(), str(name))


SST_TASKS: tuple[Task, ...] = (
    SSTTileTask(
        name="sst-demo",
        description="bundled SYNTHETIC DEMO SST archive, boxes 88-89, train 2010-2018 / "
        "val 2019 / test 2020, 1 input day, leads 1-7 days",
        make_splits=_tile_splits("sst-demo"),
        context=DEMO.context, horizon=DEMO.horizon, model=DEMO_MODEL, train=DEMO_TRAIN,
        members=DEMO.test_members, test_stride=15, variable="sst",
        protocol=DEMO, archive=_demo_archive,
        data_label="synthetic demo data (idff_ts.domains.sst.synthetic, seed 0), not NOAA OISST",
    ),
    SSTTileTask(
        name="sst-etp",
        description="NOAA OISST v2.1, the 11 DYffusion ETP boxes, train 1982-2018 / val 2019"
        " / test 2020, 1 input day, leads 1-7 days (your archive: --data)",
        make_splits=_tile_splits("sst-etp"),
        context=1, horizon=7, model=ETP_MODEL, train=ETP_TRAIN,
        members=50, test_stride=1, variable="sst", protocol=DYFFUSION, archive=None,
    ),
    Task(
        name="sst-wa4",
        description="real OISST, 4 pixels off Western Australia (vector state), per-pixel "
        "day-of-year standardisation on 1982-2018, val 2019, test 2020, leads 1-7 days",
        make_splits=wa4_splits,
        context=1, horizon=7,
        model={"backbone": "mlp", "hidden": 128, "depth": 3, "emb_dim": 32, "sigma": 0.5},
        train={"max_epochs": 10, "batch_size": 256, "lr": 2e-3, "limit_train_batches": 40,
               "val_members": 20, "val_nfe": 5, "val_inits": 64, "patience": 3},
        members=50, test_stride=1, variable="sst_anomaly",
    ),
)
"""``sst-demo``, ``sst-etp`` and ``sst-wa4`` (module docstring)."""


def sst_tasks() -> tuple[Task, ...]:
    """The SST domain's built-in tasks (:data:`SST_TASKS`)."""
    return SST_TASKS


__all__ = [
    "ALIASES",
    "DEMO_MODEL",
    "DEMO_TRAIN",
    "ETP_MODEL",
    "ETP_TRAIN",
    "SSTTileTask",
    "SST_TASKS",
    "sst_tasks",
    "resolve_name",
    "sst_wa4_climatology",
    "wa4_path",
    "wa4_splits",
]
