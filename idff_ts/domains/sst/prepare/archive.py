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
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.domains.sst.dyffusion.boxes import (
    BOX_SIZE,
    ETP_BOXES,
    OCEAN_THRESHOLD,
    box_bounds,
    box_coords,
    ocean_boxes,
    parse_boxes,
)
from idff_ts.domains.sst.dyffusion.climatology import DoyClimatology
from idff_ts.domains.sst.dyffusion.moments import N_SLOTS, DoyMoments
from idff_ts.domains.sst.dyffusion.splits import day_range
from idff_ts.domains.sst.oisst.layouts import OisstFile, open_oisst_file
from idff_ts.domains.sst.oisst.reading import check_continuous, scan_oisst
from idff_ts.domains.sst.precision import MASK_FLAG_VALUES
from idff_ts.domains.sst.prepare.store import (
    BoxReader,
    TileWriter,
    allocator,
    create_store,
    progress_bar,
    swap_into_place,
)
from idff_ts.domains.sst.prepare.store import read_block as _read_block
from idff_ts.errors import ConfigError, DataError

log = logging.getLogger(__name__)

#: Value of the store's ``product`` attribute; :func:`open_prepared` checks it.
PRODUCT = "idff_ts.oisst_tiles"
#: Accumulators above this many bytes are memory-mapped instead of held in RAM.
MEMMAP_BYTES = 1 << 30


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


def _check_options(out: Path, time_chunk: int, read_days: int, window_days: int,
                   overwrite: bool) -> None:
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


def _scan(paths: Any, var: str, train_days: tuple[pd.Timestamp, pd.Timestamp],
          allow_gaps: bool) -> tuple[list[OisstFile], pd.DatetimeIndex, int]:
    """Every file's header: the files, their days (no gap unless allowed), training days."""
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
    return files, dates, n_train


def _store_attrs(files: Sequence[OisstFile], box_list: Sequence[int], dates: pd.DatetimeIndex,
                 train_days: tuple[pd.Timestamp, pd.Timestamp]) -> dict[str, Any]:
    from idff_ts import __version__

    return {
        "title": "NOAA OISST v2.1 daily SST in DYffusion 15-degree tiles",
        "Conventions": "CF-1.8",
        "product": PRODUCT,
        "source": "NOAA OISST v2.1 (NOAA/NCEI, public domain); "
                  f"{len(files)} file(s), layouts {','.join(sorted({f.layout for f in files}))}",
        "history": f"{_dt.datetime.now(_dt.timezone.utc):%Y-%m-%dT%H:%M:%SZ}: "
                   "idff_ts.domains.sst.prepare.prepare_archive",
        "idff_ts_version": str(__version__),
        "boxes": list(box_list),
        "train_start": f"{train_days[0]:%Y-%m-%d}",
        "train_end": f"{train_days[1]:%Y-%m-%d}",
        "time_start": f"{dates[0]:%Y-%m-%d}",
        "time_end": f"{dates[-1]:%Y-%m-%d}",
        "mask_rule": "ocean where SST is finite on the first day",
    }


def _stream(files: Sequence[OisstFile], box_list: Sequence[int], writer: TileWriter, var: str,
            read_days: int) -> None:
    """Read every file ``read_days`` days at a time into ``writer``."""
    for f in files:
        da = open_oisst_file(f.path, var=var)
        try:
            reader = BoxReader(da, box_list)
            days = pd.DatetimeIndex(da.indexes["time"])
            for t0 in range(0, len(days), read_days):
                t1 = min(t0 + read_days, len(days))
                writer.push(days[t0:t1], _read_block(reader, t0, t1))
        finally:
            da.close()
    writer.close()


def _write_statistics(store: Path, moments: DoyMoments, writer: TileWriter,
                      box_list: Sequence[int], coords: dict[str, Any], first: pd.Timestamp,
                      window_days: int, attrs: dict[str, Any]) -> None:
    """The day-of-year statistics and the ocean mask (from the first day) into ``store``."""
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
        "flag_values": MASK_FLAG_VALUES, "flag_meanings": "land ocean",
        "comment": f"ocean where SST is finite on {first:%Y-%m-%d}",
    }
    stats.attrs = attrs  # mode="a" replaces the group's attributes
    clim_chunks = {"chunks": (N_SLOTS, 1, BOX_SIZE, BOX_SIZE)}
    stats.to_zarr(store, mode="a", zarr_format=2, consolidated=True,
                  encoding={f"clim_{k}": clim_chunks for k in ("mean", "std", "count")})


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

    ``paths``: files, folder, glob or list (PSL yearly, NCEI daily, v2.0 names, Zarr; mixed
    layouts are fine, a day in two files is refused); ``out_zarr``: the store to create;
    ``boxes``: indices, or ``"etp"`` / ``"ocean"`` (≥ 95 % ocean on the first day) / ``"all"`` /
    ``"84-89,108-112"``; ``train``: inclusive training period of the statistics;
    ``window_days``: odd circular smoothing window (1: none); ``time_chunk``: days per Zarr
    chunk and write; ``read_days``: days per read; ``allow_gaps``: accept missing days (logged);
    ``overwrite``: replace an existing store once the new one is complete. Returns its path.
    DataError: bad inputs, gaps, a grid without the boxes, no training day, an existing store;
    ConfigError: bad ``boxes``, ``train``, ``window_days``, chunk sizes.
    """
    out = Path(out_zarr).expanduser()
    _check_options(out, time_chunk, read_days, window_days, overwrite)
    train_days = day_range(train)
    files, dates, n_train = _scan(paths, var, train_days, allow_gaps)
    box_list = _resolve_boxes(boxes, files, var)
    first = open_oisst_file(files[0].path, var=var)
    try:
        coords = box_coords(first, box_list)
    finally:
        first.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    big = N_SLOTS * len(box_list) * BOX_SIZE * BOX_SIZE * 20 > MEMMAP_BYTES
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.sums-", dir=out.parent)) if big else None
    attrs = _store_attrs(files, box_list, dates, train_days)
    bar, advance = progress_bar(progress, len(dates))
    try:
        create_store(tmp, dates, box_list, coords, time_chunk, attrs)
        moments = DoyMoments((len(box_list), BOX_SIZE, BOX_SIZE), allocate=allocator(scratch))
        writer = TileWriter(tmp, dates, time_chunk, moments, train_days, advance)
        with bar:
            _stream(files, box_list, writer, var, read_days)
        _write_statistics(tmp, moments, writer, box_list, coords, dates[0], window_days, attrs)
        swap_into_place(tmp, out)
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


__all__ = ["PRODUCT", "open_prepared", "prepare_archive"]
