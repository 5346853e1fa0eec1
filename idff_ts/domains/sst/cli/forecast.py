"""``idff-ts forecast`` for SST tile checkpoints: input, init days, ``--box`` and the summary.

With no ``--data`` a checkpoint trained on the synthetic demo archive forecasts the bundled
demo year; a checkpoint trained on real OISST needs ``--data``. ``--init all`` takes every day
with a full input window and truth in the data for every lead (``--init all-context``: every day
with a full window, the last ones forecasting past the end of the archive). The summary is the per-lead table of
:func:`~idff_ts.domains.sst.quicklook.summary_table` and a line naming the written files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains.base import ForecastInput
from idff_ts.errors import UsageError

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.model import Forecaster
    from idff_ts.tasks import Task

DEMO_SOURCE = "bundled synthetic demo archive (idff_ts/assets/sst_demo), SYNTHETIC DEMO DATA"


def sst_forecast_input(
    model: Forecaster, data: str | None, var: str | None, task: Task | None
) -> ForecastInput:
    """OISST files (``--data``) or the bundled demo year, opened lazily."""
    from idff_ts.domains.sst.demo import demo_archive_files
    from idff_ts.domains.sst.tiles import open_sst_source
    from idff_ts.domains.sst.train import sst_info

    if task is not None:
        raise UsageError(
            "an SST checkpoint forecasts OISST files: pass --data FILES|GLOB (or nothing, "
            "for the bundled demo archive), not --task"
        )
    info = sst_info(model) or {}
    if data is None:
        if not info.get("synthetic"):
            raise UsageError(
                "this SST checkpoint was trained on real OISST: pass the input files with "
                "--data FILES|GLOB|FOLDER (either layout)"
            )
        files: Any = demo_archive_files()
        source = DEMO_SOURCE
    else:
        files, source = data, data
    da = open_sst_source(files, var=var or str(info.get("var", "sst")))
    return ForecastInput(data=da, source=str(source))


ALL_CONTEXT = "all-context"
"""``--init all-context``: every day with a full input window, truth or not (``all`` needs it)."""


def hindcast_days(times: Any, context: int, k_slots: int, stride: int = 1,
                  need_truth: bool = True) -> list[Any]:
    """Days of ``times`` whose ``context``-day window is in the data and, with ``need_truth``,
    whose ``k_slots`` valid days ``t + 1 … t + K`` are all in it too; every ``stride``-th.

    Calendar days, not positions: a gap in the archive removes the inits whose window or
    leads it touches (the generic path's :func:`idff_ts.tasks.hindcast_inits` counts positions
    and agrees on gap-free data).
    """
    import numpy as np

    days = np.asarray(times, dtype="datetime64[D]").astype(np.int64)  # day numbers
    have = set(days.tolist())
    keep = []
    for t, day in zip(np.asarray(times), days.tolist(), strict=True):
        window = all(day - j in have for j in range(1, context))
        leads = not need_truth or all(day + k in have for k in range(1, k_slots + 1))
        if window and leads:
            keep.append(t)
    return keep[:: stride or 1]


def sst_forecast_inits(source: ForecastInput, model: Forecaster, inits: list[str],
                       stride: int | None, horizon: int | None = None,
                       days: float | None = None) -> Any:
    """``[]``/``["last"]`` → the latest day; ``["all"]`` → every day with a full window and
    truth for every lead in the data; ``["all-context"]`` → every day with a full window."""
    from idff_ts.forecasting.options import resolve_horizon

    special = ("all", "last", ALL_CONTEXT)
    if len(inits) > 1 and any(v in special for v in inits):
        raise UsageError("--init all/all-context/last cannot be combined with other init times")
    if not inits or inits == ["last"]:
        return None
    if inits in (["all"], [ALL_CONTEXT]):
        k_slots = resolve_horizon(horizon, days, "datetime", 1.0, int(model.cfg.horizon))
        keep = hindcast_days(source.data["time"].values, int(model.cfg.context), k_slots,
                             stride or 1, need_truth=inits == ["all"])
        if not keep:
            raise UsageError(
                f"no init in the data has a {int(model.cfg.context)}-day window"
                + (f" and truth for {k_slots} leads" if inits == ["all"] else "")
                + "; use more days of data or --init all-context"
            )
        return keep
    return inits


def _table(ds: xr.Dataset) -> Any:
    import numpy as np
    from rich.table import Table

    from idff_ts.domains.sst.quicklook import summary_table

    note = " — SYNTHETIC DEMO DATA" if ds.attrs.get("synthetic_demo") else ""
    inits_txt = ", ".join(f"{np.datetime_as_string(t, unit='D')}" for t in ds["init"].values[:3])
    table = Table(
        title=f"IDFF SST forecast{note}\ninit {inits_txt}{' …' if ds.sizes['init'] > 3 else ''},"
        f" boxes {', '.join(map(str, ds['box'].values))}, {ds.sizes['member']} members",
        caption="mean and spread over ocean pixels of all boxes; spread = ensemble std",
    )
    for col in ("lead", "mean (°C)", "spread (°C)", "anomaly spread"):
        table.add_column(col, justify="right")
    for lead, row in summary_table(ds).iterrows():
        table.add_row(str(lead), f"{row['mean_degC']:.2f}", f"{row['spread_degC']:.3f}",
                      f"{row['anomaly_spread']:.3f}")
    return table


def sst_summary(ds: xr.Dataset, written: list[Path]) -> list[Any]:
    """The per-lead table, the files written, and a note on synthetic demo data."""
    names = " and ".join(str(p) for p in written)
    lines: list[Any] = [
        _table(ds),
        f"wrote {names} ({ds.sizes['init']} init(s) × {ds.sizes['box']} box(es) × "
        f"{ds.sizes['lead']} leads × {ds.sizes['member']} members; NFE "
        f"{ds.attrs['nfe_counted']} per slot, {ds.attrs['wall_time_s']:.1f} s sampling)",
    ]
    if ds.attrs.get("synthetic_demo"):
        lines.append("note: model and input are synthetic demo data, not NOAA OISST; use --data "
                     "with real OISST files and --checkpoint with a model trained on them.")
    return lines


__all__ = ["ALL_CONTEXT", "DEMO_SOURCE", "hindcast_days", "sst_forecast_input", "sst_forecast_inits", "sst_summary"]
