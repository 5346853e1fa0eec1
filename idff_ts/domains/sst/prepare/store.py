"""The pieces of :func:`~idff_ts.domains.sst.prepare.archive.prepare_archive`: reading the
boxes' hyperslabs, buffering tiles into Zarr blocks, the store's layout, the atomic swap.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.dyffusion import (
    BOX_SIZE,
    DoyMoments,
    box_slices,
)
from idff_ts.errors import DataError

log = logging.getLogger(__name__)

TIME_UNITS = "days since 1800-01-01"



# --------------------------------------------------------------------------- reading regions


def _runs(slices: Sequence[slice]) -> list[slice]:
    """Merge overlapping or adjacent index slices into maximal runs."""
    out: list[list[int]] = []
    for s in sorted(slices, key=lambda s: s.start):
        if out and s.start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], s.stop)
        else:
            out.append([s.start, s.stop])
    return [slice(a, b) for a, b in out]


class BoxReader:
    """Reads the tiles of ``boxes`` from one normalised, lazily indexed file."""

    def __init__(self, da: xr.DataArray, boxes: Sequence[int]) -> None:
        self.da = da
        lat, lon = da["lat"].values, da["lon"].values
        self.slices = [box_slices(lat, lon, b) for b in boxes]
        lat_runs = _runs([s[0] for s in self.slices])
        lon_runs = _runs([s[1] for s in self.slices])

        def run_of(runs: list[slice], s: slice) -> int:
            return next(i for i, r in enumerate(runs) if r.start <= s.start and s.stop <= r.stop)

        self.regions: dict[tuple[int, int], tuple[slice, slice]] = {}
        self.where: list[tuple[tuple[int, int], slice, slice]] = []
        for s_lat, s_lon in self.slices:
            key = (run_of(lat_runs, s_lat), run_of(lon_runs, s_lon))
            r_lat, r_lon = lat_runs[key[0]], lon_runs[key[1]]
            self.regions[key] = (r_lat, r_lon)
            self.where.append((
                key,
                slice(s_lat.start - r_lat.start, s_lat.stop - r_lat.start),
                slice(s_lon.start - r_lon.start, s_lon.stop - r_lon.start),
            ))

    def read(self, t0: int, t1: int) -> np.ndarray:
        """Tiles of days ``t0:t1`` of the file: float32 ``(t, box, 60, 60)``."""
        blocks = {
            key: np.asarray(self.da.isel(time=slice(t0, t1), lat=r_lat, lon=r_lon).values,
                            dtype=np.float32)
            for key, (r_lat, r_lon) in self.regions.items()
        }
        return np.stack([blocks[key][:, sy, sx] for key, sy, sx in self.where], axis=1)


def read_block(reader: BoxReader, t0: int, t1: int) -> np.ndarray:
    """One streaming read (a seam for tests and instrumentation)."""
    return reader.read(t0, t1)


# --------------------------------------------------------------------------- writing


def allocator(folder: Path | None) -> Callable[[tuple[int, ...], Any], np.ndarray]:
    if folder is None:
        return np.zeros
    counter = iter(range(1_000_000))

    def allocate(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        path = folder / f"acc{next(counter)}.npy"
        return np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)

    return allocate


class TileWriter:
    """Buffers tiles and writes them in blocks of ``time_chunk`` days; feeds the moments."""

    def __init__(self, store: Path, dates: pd.DatetimeIndex, time_chunk: int,
                 moments: DoyMoments, train: tuple[pd.Timestamp, pd.Timestamp],
                 advance: Callable[[int], None]) -> None:
        import zarr

        self.array = zarr.open_group(str(store), mode="r+")["sst"]
        self.dates = dates
        self.time_chunk = time_chunk
        self.moments = moments
        self.train = train
        self.advance = advance
        self.pos = 0
        self.buf: list[np.ndarray] = []
        self.buf_days: list[pd.DatetimeIndex] = []
        self.first_day: np.ndarray | None = None

    def push(self, days: pd.DatetimeIndex, tiles: np.ndarray) -> None:
        if self.first_day is None and len(days):
            self.first_day = tiles[0].copy()
        self.buf.append(tiles)
        self.buf_days.append(days)
        while sum(len(d) for d in self.buf_days) >= self.time_chunk:
            self._flush(self.time_chunk)

    def close(self) -> None:
        n = sum(len(d) for d in self.buf_days)
        if n:
            self._flush(n)
        if self.pos != len(self.dates):
            raise DataError(f"wrote {self.pos} days but the archive lists {len(self.dates)}")

    def _flush(self, n: int) -> None:
        tiles = np.concatenate(self.buf, axis=0)
        days = self.buf_days[0].append(self.buf_days[1:]) if len(self.buf_days) > 1 else self.buf_days[0]
        head, head_days = tiles[:n], days[:n]
        expected = self.dates[self.pos : self.pos + n]
        if not head_days.equals(expected):
            raise DataError("internal: streamed days are out of order with the scanned archive")
        self.array[self.pos : self.pos + n] = head
        in_train = (head_days >= self.train[0]) & (head_days <= self.train[1])
        if in_train.any():
            self.moments.update(head_days[in_train], head[in_train])
        self.pos += n
        self.buf = [tiles[n:]] if len(tiles) > n else []
        self.buf_days = [days[n:]] if len(days) > n else []
        self.advance(n)


def create_store(path: Path, dates: pd.DatetimeIndex, boxes: Sequence[int],
                  coords: dict[str, Any], time_chunk: int, attrs: dict[str, Any]) -> None:
    import dask.array as dsa

    shape = (len(dates), len(boxes), BOX_SIZE, BOX_SIZE)
    chunks = (time_chunk, 1, BOX_SIZE, BOX_SIZE)
    sst = xr.DataArray(
        dsa.empty(shape, chunks=chunks, dtype=np.float32), dims=("time", "box", "y", "x"),
        attrs={"long_name": "Daily sea surface temperature (OISST v2.1)", "units": "degC",
               "standard_name": "sea_surface_temperature"},
    )
    ds = xr.Dataset(
        {"sst": sst},
        coords={"time": dates, "box": np.asarray(boxes, dtype=np.int64),
                "lat": coords["lat"], "lon": coords["lon"]},
        attrs=attrs,
    )
    ds["lat"].attrs = {"units": "degrees_north", "long_name": "latitude of pixel centres"}
    ds["lon"].attrs = {"units": "degrees_east", "long_name": "longitude of pixel centres (0-360)"}
    encoding = {
        "sst": {"chunks": chunks, "dtype": "float32", "_FillValue": np.float32(np.nan)},
        "time": {"units": TIME_UNITS, "calendar": "proleptic_gregorian", "dtype": "int32"},
    }
    ds.to_zarr(path, mode="w-", compute=False, encoding=encoding, zarr_format=2, consolidated=True)


def swap_into_place(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` to ``out``; an existing ``out`` is moved aside first, deleted last."""
    old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}") if out.exists() else None
    if old is not None:
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if old is not None and not out.exists():
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def progress_bar(enabled: bool, total: int) -> tuple[Any, Callable[[int], None]]:
    if not (enabled and sys.stderr.isatty()):
        return nullcontext(), lambda n: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), transient=False)
    task = bar.add_task("preparing OISST tiles (days)", total=total)
    return bar, lambda n: bar.advance(task, n)


__all__ = ["BoxReader", "TileWriter", "allocator", "create_store", "progress_bar", "read_block", "swap_into_place"]
