"""Turn an OISST archive (any layout) into a DYffusion tile store, streaming, atomically.

:func:`prepare_archive` writes one Zarr store (format 2, consolidated metadata) holding

==================  ==========================  ===============================================
variable            dims                        content
==================  ==========================  ===============================================
``sst``             ``(time, box, y, x)``       float32 °C, NaN over land; chunks
                                                ``(time_chunk, 1, 60, 60)``
``mask``            ``(box, y, x)``             bool, True = ocean (finite on the first day)
``lat``, ``lon``    ``(box, y)``, ``(box, x)``  pixel centres (lon 0–360)
``clim_mean``,      ``(doy, box, y, x)``        day-of-year statistics fitted on the training
``clim_std``,                                   days only (:class:`~idff_ts.domains.sst.dyffusion.
``clim_count``                                  DoyClimatology`; ``doy`` 1..366, 29 Feb = 60)
==================  ==========================  ===============================================

**Streaming.** The archive is read one file at a time and, within a file, ``read_days`` days at
a time, and only the rows/columns that hold the requested boxes are read (netCDF hyperslabs, no
dask). Tiles go to a buffer that is written to the store in blocks of exactly ``time_chunk``
days (region writes aligned with the Zarr chunks), and training days are added to running
per-slot sums ``N, Σx, Σx²`` (:class:`~idff_ts.domains.sst.dyffusion.DoyMoments`). Memory is therefore

    O((time_chunk + read_days) · rows·cols of the boxes' bounding region) + 366 · n_pixels · 20 B

independent of the number of years: for the 11 ETP boxes, ~20 MB of blocks plus ~290 MB of
float64 sums, a measured peak of ~0.9 GB resident for 2 or 6 years alike; sums larger than
1 GiB (e.g. all ocean boxes) are memory-mapped in a temporary folder beside the output.

**Before any writing**, every file's header is read (:func:`~idff_ts.domains.sst.oisst.scan_oisst`):
variables, days, duplicates across files, and gaps (a :class:`DataError` naming the missing days
unless ``allow_gaps``).

**Atomic.** The store is built at a hidden temporary path beside the target and renamed into
place at the end; an existing store is replaced only then (``overwrite=True``). Any failure
removes the temporary store and leaves the target as it was.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.dyffusion import (
    BOX_SIZE,
    ETP_BOXES,
    N_SLOTS,
    OCEAN_THRESHOLD,
    DoyClimatology,
    DoyMoments,
    box_bounds,
    box_coords,
    box_slices,
    day_range,
    ocean_boxes,
    parse_boxes,
)
from idff_ts.domains.sst.oisst import (
    OisstFile,
    check_continuous,
    open_oisst_file,
    scan_oisst,
)
from idff_ts.errors import ConfigError, DataError

log = logging.getLogger(__name__)

#: Value of the store's ``product`` attribute; :func:`open_prepared` checks it.
PRODUCT = "idff_ts.oisst_tiles"
#: Accumulators above this many bytes are memory-mapped instead of held in RAM.
MEMMAP_BYTES = 1 << 30
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


class _BoxReader:
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


def _read_block(reader: _BoxReader, t0: int, t1: int) -> np.ndarray:
    """One streaming read (a seam for tests and instrumentation)."""
    return reader.read(t0, t1)


# --------------------------------------------------------------------------- writing


def _allocator(folder: Path | None) -> Callable[[tuple[int, ...], Any], np.ndarray]:
    if folder is None:
        return np.zeros
    counter = iter(range(1_000_000))

    def allocate(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        path = folder / f"acc{next(counter)}.npy"
        return np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)

    return allocate


class _Writer:
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


def _create_store(path: Path, dates: pd.DatetimeIndex, boxes: Sequence[int],
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


def _swap_into_place(tmp: Path, out: Path) -> None:
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


def _progress(enabled: bool, total: int) -> tuple[Any, Callable[[int], None]]:
    if not (enabled and sys.stderr.isatty()):
        return nullcontext(), lambda n: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), transient=False)
    task = bar.add_task("preparing OISST tiles (days)", total=total)
    return bar, lambda n: bar.advance(task, n)


# --------------------------------------------------------------------------- public API


def _resolve_boxes(boxes: Iterable[int] | str, files: Sequence[OisstFile], var: str) -> tuple[int, ...]:
    chosen = parse_boxes(boxes) if isinstance(boxes, str) else tuple(int(b) for b in boxes)
    if chosen == "ocean":
        first = open_oisst_file(files[0].path, var=var)
        try:
            chosen = ocean_boxes(first.isel(time=0).load(), OCEAN_THRESHOLD)
        finally:
            first.close()
        if not chosen:
            raise DataError(f"no box of {files[0].path.name} is >= 95 % ocean on its first day")
        log.info("%d boxes pass the 95 %% ocean rule: %s", len(chosen), chosen)
    assert not isinstance(chosen, str)
    if not chosen:
        raise ConfigError("no boxes requested")
    if len(set(chosen)) != len(chosen):
        raise ConfigError(f"boxes must be distinct, got {chosen}")
    for b in chosen:
        box_bounds(b)
    return chosen


def prepare_archive(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out_zarr: str | os.PathLike[str],
    *,
    boxes: Iterable[int] | str = ETP_BOXES,
    train: Sequence[Any] = ("1982", "2018"),
    progress: bool = True,
    var: str = "sst",
    window_days: int = 1,
    time_chunk: int = 32,
    read_days: int = 32,
    allow_gaps: bool = False,
    overwrite: bool = False,
) -> Path:
    """Build the DYffusion tile store from an OISST archive (see the module docstring).

    Args:
        paths: files, folder, glob or list (PSL yearly, NCEI daily, v2.0 names, Zarr; mixed
            layouts are fine, a day in two files is refused).
        out_zarr: the store to create (a directory, conventionally ``*.zarr``).
        boxes: box indices, or ``"etp"`` / ``"ocean"`` (boxes ≥ 95 % ocean on the first day) /
            ``"all"`` / ``"84-89,108-112"``.
        train: inclusive training period, years or dates; the statistics use only these days.
        progress: a rich progress bar on a terminal.
        var: the SST variable's name.
        window_days: odd circular smoothing window of the day-of-year statistics (1: none).
        time_chunk: days per Zarr chunk (and per write).
        read_days: days per read from one file.
        allow_gaps: accept missing days (logged) instead of raising.
        overwrite: replace an existing store at ``out_zarr`` (only once the new one is complete).

    Returns:
        The path of the store.

    Raises:
        DataError: bad inputs (see :func:`~idff_ts.domains.sst.oisst.scan_oisst`), gaps, a grid without
            the boxes, no training day, or ``out_zarr`` exists and ``overwrite`` is False.
        ConfigError: bad ``boxes``, ``train``, ``window_days``, chunk sizes.
    """
    out = Path(out_zarr).expanduser()
    if time_chunk < 1 or read_days < 1:
        raise ConfigError(f"time_chunk and read_days must be >= 1, got {time_chunk}, {read_days}")
    if window_days < 1 or window_days % 2 == 0 or window_days > N_SLOTS - 1:
        raise ConfigError(f"window_days must be an odd integer in 1..365, got {window_days}")
    if out.exists() and not overwrite:
        raise DataError(
            f"{str(out)!r} already exists; pass overwrite=True (--overwrite) to replace it"
        )
    if out.exists() and not out.is_dir():
        raise DataError(f"{str(out)!r} is a file; a Zarr store is a folder, choose another path")
    train_days = day_range(train)

    files = scan_oisst(paths, var=var)
    dates = pd.DatetimeIndex(np.concatenate([f.dates.values for f in files]), name="time")
    if not dates.is_monotonic_increasing:
        raise DataError("the input files interleave in time; give files that cover disjoint spans")
    try:
        check_continuous(dates)
    except DataError as gap:
        if not allow_gaps:
            raise DataError(f"{gap} (pass allow_gaps=True / --allow-gaps to accept gaps)") from None
        log.warning("the archive has gaps: %s", gap)
    n_train = int(((dates >= train_days[0]) & (dates <= train_days[1])).sum())
    if n_train == 0:
        raise DataError(
            f"no day of the training period {train_days[0]:%Y-%m-%d}..{train_days[1]:%Y-%m-%d} "
            f"in the archive ({dates[0]:%Y-%m-%d}..{dates[-1]:%Y-%m-%d})"
        )
    box_list = _resolve_boxes(boxes, files, var)
    first = open_oisst_file(files[0].path, var=var)
    try:
        coords = box_coords(first, box_list)
    finally:
        first.close()

    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    n_pixels = len(box_list) * BOX_SIZE * BOX_SIZE
    big = N_SLOTS * n_pixels * 20 > MEMMAP_BYTES
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.sums-", dir=parent)) if big else None
    attrs = {
        "title": "NOAA OISST v2.1 daily SST in DYffusion 15-degree tiles",
        "Conventions": "CF-1.8",
        "product": PRODUCT,
        "source": "NOAA OISST v2.1 (NOAA/NCEI, public domain); "
                  f"{len(files)} file(s), layouts {','.join(sorted({f.layout for f in files}))}",
        "history": f"{_dt.datetime.now(_dt.timezone.utc):%Y-%m-%dT%H:%M:%SZ}: "
                   "idff_ts.domains.sst.prepare.prepare_archive",
        "idff_ts_version": _version(),
        "boxes": list(box_list),
        "train_start": f"{train_days[0]:%Y-%m-%d}",
        "train_end": f"{train_days[1]:%Y-%m-%d}",
        "time_start": f"{dates[0]:%Y-%m-%d}",
        "time_end": f"{dates[-1]:%Y-%m-%d}",
        "mask_rule": "ocean where SST is finite on the first day",
    }
    bar, advance = _progress(progress, len(dates))
    try:
        _create_store(tmp, dates, box_list, coords, time_chunk, attrs)
        moments = DoyMoments((len(box_list), BOX_SIZE, BOX_SIZE), allocate=_allocator(scratch))
        writer = _Writer(tmp, dates, time_chunk, moments, train_days, advance)
        with bar:
            for f in files:
                da = open_oisst_file(f.path, var=var)
                try:
                    reader = _BoxReader(da, box_list)
                    days = pd.DatetimeIndex(da.indexes["time"])
                    for t0 in range(0, len(days), read_days):
                        t1 = min(t0 + read_days, len(days))
                        writer.push(days[t0:t1], _read_block(reader, t0, t1))
                finally:
                    da.close()
            writer.close()
        assert writer.first_day is not None
        template = xr.DataArray(
            np.zeros((len(box_list), BOX_SIZE, BOX_SIZE), np.float32), dims=("box", "y", "x"),
            coords={"box": np.asarray(box_list, dtype=np.int64), "lat": coords["lat"],
                    "lon": coords["lon"],
                    "mask": (("box", "y", "x"), np.isfinite(writer.first_day))},
        )
        clim = DoyClimatology.from_moments(moments, template, window_days=window_days)
        stats = clim.to_dataset().reset_coords("mask")
        stats["mask"].attrs = {
            "long_name": "ocean mask (True over ocean, False over land)",
            "flag_values": [0, 1], "flag_meanings": "land ocean",
            "comment": f"ocean where SST is finite on {dates[0]:%Y-%m-%d}",
        }
        stats.attrs = attrs  # mode="a" replaces the group's attributes
        clim_chunks = {"chunks": (N_SLOTS, 1, BOX_SIZE, BOX_SIZE)}
        stats.to_zarr(tmp, mode="a", zarr_format=2, consolidated=True,
                      encoding={f"clim_{k}": clim_chunks for k in ("mean", "std", "count")})
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    log.info("wrote %s: %d days x %d boxes (%s..%s), statistics from %d training days",
             out, len(dates), len(box_list), f"{dates[0]:%Y-%m-%d}", f"{dates[-1]:%Y-%m-%d}",
             n_train)
    return out


def open_prepared(path: str | os.PathLike[str]) -> xr.Dataset:
    """Open a store written by :func:`prepare_archive`, lazily (dask, one chunk per write block).

    Returns:
        Dataset with ``sst(time, box, y, x)`` (°C), the coordinate ``mask(box, y, x)`` (True =
        ocean) and ``clim_mean``/``clim_std``/``clim_count(doy, box, y, x)``; pass it to
        :meth:`~idff_ts.domains.sst.dyffusion.DoyClimatology.from_dataset` to standardise.

    Raises:
        DataError: missing path, or not a prepared OISST store.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise DataError(f"prepared OISST store not found: {str(p)!r}; create it with "
                        "`idff-ts data prepare`")
    try:
        ds = xr.open_zarr(p)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"cannot open {str(p)!r} as a Zarr store: {exc}") from None
    needed = {"sst", "mask", "clim_mean", "clim_std", "clim_count"}
    if ds.attrs.get("product") != PRODUCT or not needed <= set(ds.variables):
        raise DataError(
            f"{str(p)!r} is not a prepared OISST tile store (expected variables {sorted(needed)} "
            f"and product={PRODUCT!r}; found {sorted(map(str, ds.variables))}); create it with "
            "`idff-ts data prepare`"
        )
    return ds.set_coords("mask")


def _version() -> str:
    try:
        from idff_ts import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return "unknown"


__all__ = ["PRODUCT", "open_prepared", "prepare_archive"]
