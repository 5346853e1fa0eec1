"""The per-lead table ``idff-ts forecast`` prints for a labelled series forecast.

Domains whose values need other averages (circular means of angles) pass their own
``stats`` (member mean and spread) and ``average`` (mean over other dims) functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

Stats = Callable[[xr.DataArray], tuple[xr.DataArray, xr.DataArray]]
Average = Callable[[xr.DataArray, list[Any]], xr.DataArray]


def lead_label(value: Any) -> str:
    """``"3 d"`` for a timedelta lead, ``"0.15"`` for model time."""
    if isinstance(value, np.timedelta64):
        return f"{value / np.timedelta64(1, 'D'):g} d"
    return f"{float(value):g}"


def member_stats(da: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Ensemble mean and spread (std over members, ddof 1; 0 for one member)."""
    spread = da.std("member", ddof=1) if da.sizes["member"] > 1 else da.isel(member=0) * 0
    return da.mean("member"), spread


def plain_average(da: xr.DataArray, dims: list[Any]) -> xr.DataArray:
    return da.mean(dims)


def _title(ds: xr.Dataset, da: xr.DataArray, name: str) -> str:
    units = da.attrs.get("units")
    title = f"{name} forecast: ensemble mean and spread per lead"
    title += f" ({units})" if units else ""
    return title + f", {ds.sizes['init']} init(s), {da.sizes['member']} members"


def forecast_table(
    ds: xr.Dataset, name: str, stats: Stats = member_stats, average: Average = plain_average
) -> Any:
    """Per-lead ensemble mean and spread, averaged over inits, series and (for more than four
    state values) the state."""
    from rich.table import Table

    da = ds[name]
    reduce_dims = [d for d in da.dims if d not in ("lead", "member")]
    state_dims = [d for d in reduce_dims if d != "init" and d != "trajectory"]
    n_state = int(np.prod([da.sizes[d] for d in state_dims])) if state_dims else 1
    mean, spread = stats(da)
    table = Table(title=_title(ds, da, name))
    table.add_column("lead", justify="right")
    if 1 < n_state <= 4 and len(state_dims) == 1:
        dim = state_dims[0]
        labels = [str(v) for v in (da[dim].values if dim in da.coords else range(da.sizes[dim]))]
        other = [d for d in reduce_dims if d != dim]
        m = average(mean, other).transpose("lead", dim).values
        s = spread.mean(other).transpose("lead", dim).values
        for lab in labels:
            table.add_column(f"{lab} mean", justify="right")
            table.add_column(f"{lab} spread", justify="right")
        rows = [[v for pair in zip(m[k], s[k], strict=True) for v in pair] for k in range(m.shape[0])]
    else:
        avg = "" if n_state == 1 else " (domain mean)"
        table.add_column(f"mean{avg}", justify="right")
        table.add_column(f"spread{avg}", justify="right")
        m = average(mean, reduce_dims).values
        s = spread.mean(reduce_dims).values
        rows = [[m[k], s[k]] for k in range(m.shape[0])]
    for k, row in enumerate(rows):
        table.add_row(lead_label(ds["lead"].values[k]), *[f"{v:.4g}" for v in row])
    return table


def series_summary(
    ds: xr.Dataset, written: list[Path], stats: Stats = member_stats,
    average: Average = plain_average,
) -> list[Any]:
    """The table and the ``wrote …`` line."""
    name = str(ds.attrs.get("forecast_variable") or next(iter(ds.data_vars)))
    line = (
        f"wrote {written[0]} ({ds.sizes['init']} init(s) × {ds.sizes['lead']} leads × "
        f"{ds.sizes['member']} members; NFE {ds.attrs['nfe_counted']} per slot, "
        f"{ds.attrs['wall_time_s']:.2f} s)"
    )
    return [forecast_table(ds, name, stats, average), line]


__all__ = ["forecast_table", "lead_label", "member_stats", "plain_average", "series_summary"]
