"""What a person looks at first: a per-lead table and a quick-look PNG of one tile.

- :func:`summary_table`: per lead, the ensemble mean SST and the ensemble spread (°C), and the
  spread of the standardised anomaly, averaged over ocean pixels, boxes and inits. The spread
  is ``sqrt(mean over points of the member variance (ddof 1))`` — the square root after the
  mean, as in the spread-skill ratio.
- :func:`quicklook_png`: for one tile and one init, a grid of maps with one column per lead
  and four rows — ensemble mean, ensemble spread, member 0, member 1 — drawn with the tile's
  lat/lon extent, land masked (grey); the title says "synthetic demo data" when it is.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr


def _spread(da: xr.DataArray, dims: list[str]) -> xr.DataArray:
    if da.sizes["member"] < 2:
        return xr.zeros_like(da.isel(member=0)).mean(dims)
    return np.sqrt(da.var("member", ddof=1).mean(dims))


def summary_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per-lead ``mean_degC``, ``spread_degC``, ``anomaly_spread`` (module docstring)."""
    dims = [d for d in ds["sst"].dims if d not in ("lead", "member")]
    mean = ds["sst"].mean("member").mean(dims)
    spread = _spread(ds["sst"], dims)
    spread_z = _spread(ds["sst_anomaly"], dims)
    index = [f"{int(v / np.timedelta64(1, 'D'))} d" for v in ds["lead"].values]
    return pd.DataFrame(
        {"mean_degC": mean.values, "spread_degC": spread.values,
         "anomaly_spread": spread_z.values},
        index=pd.Index(index, name="lead"),
    )


def _lon_label(lon: float) -> str:
    lon = float(lon) % 360.0
    return f"{lon:.0f}°E" if lon <= 180 else f"{360 - lon:.0f}°W"


def _lat_label(lat: float) -> str:
    return f"{abs(lat):.0f}°{'N' if lat >= 0 else 'S'}"


#: Figure layout in inches (square tiles): cell, gap, left, right, top, bottom, colour bar.
_LAYOUT = (1.75, 0.12, 0.75, 1.0, 0.8, 0.35, 0.12)


def _panels(sst: xr.DataArray) -> list[tuple[str, np.ndarray]]:
    """Rows of the figure: ensemble mean, ensemble spread, members 0 and 1 ``(lead, y, x)``."""
    mean = sst.mean("member").values
    spread = sst.std("member", ddof=1).values if sst.sizes["member"] > 1 else 0 * mean
    rows = [("ensemble mean (°C)", mean), ("ensemble spread (°C)", spread)]
    rows += [(f"member {m} (°C)", sst.isel(member=m).values)
             for m in range(min(2, sst.sizes["member"]))]
    return rows


def _grid_axes(fig: Any, n_rows: int, n_lead: int, size: tuple[float, float]) -> np.ndarray:
    """A fixed grid of axes sharing x/y (much cheaper than constrained layout: the PNG is part
    of every demo forecast's wall time)."""
    cell, gap, left, _, top, _, _ = _LAYOUT
    width, height = size
    axes = np.empty((n_rows, n_lead), dtype=object)
    for r in range(n_rows):
        y0 = height - top - (r + 1) * cell - r * gap
        for k in range(n_lead):
            x0 = left + k * (cell + gap)
            axes[r, k] = fig.add_axes(
                (x0 / width, y0 / height, cell / width, cell / height),
                sharex=axes[0, 0] if (r or k) else None, sharey=axes[0, 0] if (r or k) else None,
            )
    return axes


def _draw(axes: np.ndarray, rows: list[tuple[str, np.ndarray]], sst: xr.DataArray,
          extent: tuple[float, ...]) -> list[Any]:
    """Maps per row and lead; one image per row for its colour bar."""
    import matplotlib

    mean, spread = rows[0][1], rows[1][1]
    vmin, vmax = np.nanpercentile(np.stack([mean] + [r[1] for r in rows[2:]]), [1, 99])
    smax = float(np.nanmax(spread)) if np.isfinite(spread).any() else 1.0
    cmap = matplotlib.colormaps["RdYlBu_r"].with_extremes(bad="0.6")
    cmap_s = matplotlib.colormaps["viridis"].with_extremes(bad="0.6")
    images = []
    for r, (label, values) in enumerate(rows):
        for k in range(axes.shape[1]):
            ax = axes[r, k]
            is_spread = r == 1
            im = ax.imshow(
                np.ma.masked_invalid(values[k]), origin="lower", extent=extent,
                cmap=cmap_s if is_spread else cmap,
                vmin=0.0 if is_spread else vmin, vmax=smax if is_spread else vmax,
                interpolation="nearest", aspect="equal",
            )
            if r == 0:
                days = int(sst["lead"].values[k] / np.timedelta64(1, "D"))
                ax.set_title(f"+{days} d", fontsize=9)
            if k == 0:
                ax.set_ylabel(label, fontsize=8)
            ax.tick_params(labelsize=6)
        images.append(im)
    return images


def _ticks_and_bars(fig: Any, axes: np.ndarray, images: list[Any], extent: tuple[float, ...],
                    size: tuple[float, float]) -> None:
    cell, gap, _, right, top, _, bar = _LAYOUT
    width, height = size
    ticks_x = [extent[0] + 0.5 * (extent[1] - extent[0])]
    for ax in axes[-1]:
        ax.set_xticks(ticks_x, [_lon_label(t) for t in ticks_x])
    for ax in axes[:, 0]:
        ticks_y = [extent[2], extent[3]]
        ax.set_yticks(ticks_y, [_lat_label(t) for t in ticks_y])
    for ax in axes[:-1].ravel():
        ax.tick_params(labelbottom=False)
    for ax in axes[:, 1:].ravel():
        ax.tick_params(labelleft=False)
    for r, im in enumerate(images):  # one bar per row; rows other than the spread share a scale
        y0 = height - top - (r + 1) * cell - r * gap
        cax = fig.add_axes(((width - right + gap) / width, (y0 + 0.1 * cell) / height,
                            bar / width, 0.8 * cell / height))
        fig.colorbar(im, cax=cax, label="spread (°C)" if r == 1 else "SST (°C)")
        cax.tick_params(labelsize=7)


def _title(b: int, extent: tuple[float, ...], init_day: pd.Timestamp, members: int,
           synthetic: bool) -> str:
    title = (
        f"IDFF SST forecast, box {b} ({_lat_label(extent[2])}–{_lat_label(extent[3])}, "
        f"{_lon_label(extent[0])}–{_lon_label(extent[1])}), init {init_day:%Y-%m-%d}, "
        f"{members} members"
    )
    return title + "\nSYNTHETIC DEMO DATA (not NOAA OISST)" if synthetic else title


def quicklook_png(
    ds: xr.Dataset, path: str | os.PathLike[str], *, box: int | None = None, init: Any = None,
    dpi: int = 80,
) -> Path:
    """Write the quick-look PNG (module docstring) atomically; returns its path."""
    # A bare Figure draws with the Agg canvas on savefig: no pyplot, no GUI backend, no global
    # figure registry (pyplot and its projections cost ~0.3 s of the CLI's start-up).
    from matplotlib.figure import Figure

    path = Path(path)
    b = int(ds["box"].values[0]) if box is None else int(box)
    sub = ds.sel(box=b)
    sub = sub.isel(init=-1) if init is None else sub.sel(init=np.datetime64(pd.Timestamp(init)))
    lat, lon = sub["lat"].values, sub["lon"].values
    half = 0.125
    extent = (lon.min() - half, lon.max() + half, lat.min() - half, lat.max() + half)
    sst = sub["sst"]
    rows = _panels(sst)
    n_lead = sst.sizes["lead"]
    cell, gap, left, right, top, bottom, _ = _LAYOUT
    size = (left + n_lead * cell + (n_lead - 1) * gap + right,
            top + len(rows) * cell + (len(rows) - 1) * gap + bottom)
    fig = Figure(figsize=size)
    axes = _grid_axes(fig, len(rows), n_lead, size)
    _ticks_and_bars(fig, axes, _draw(axes, rows, sst, extent), extent, size)
    synthetic = bool(ds.attrs.get("synthetic_demo", 0))
    fig.suptitle(_title(b, extent, pd.Timestamp(sub["init"].values), sst.sizes["member"],
                        synthetic), fontsize=10, color="darkred" if synthetic else "black")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}.png")
    try:
        fig.savefig(tmp, dpi=dpi)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


__all__ = ["quicklook_png", "summary_table"]
