"""Content checks of a downloaded OISST file before it gets its final name (issue 16).

A transfer can end early yet look complete (a server that announces a matching
``Content-Length`` and closes half-way, a proxy that caches a cut copy), and a file can be
netCDF by its magic bytes yet hold a truncated body. So every file is opened with xarray and
checked against what its name promises:

- ``sst.day.mean.YYYY.nc`` (PSL): variable ``sst(time, lat, lon)``; ``time`` is every day of
  ``YYYY`` from 1 January without a gap, through 31 December, except for the current year
  (and 1981, which starts on 1 September), which may end early;
- ``oisst-avhrr-v02r01.YYYYMMDD[_preliminary].nc`` (NCEI): variable ``sst`` holding exactly the
  day ``YYYYMMDD``;
- a grid of ``lat``/``lon`` that is regular (OISST: 0.25°), non-empty and within ±90° / 0–360°;
- every value decodes: the data are read a month at a time (a truncated or corrupt body fails
  here, without holding the whole year in memory).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import numpy as np

from idff_ts.domains.sst.download.plan import FIRST_DAY, DownloadError

PSL_NAME = re.compile(r"sst\.day\.mean\.(\d{4})\.nc$")
NCEI_NAME = re.compile(r"oisst-avhrr-v02r01\.(\d{8})(_preliminary)?\.nc$")
STEP_DEG = 0.25
READ_DAYS = 31


def expected_days(filename: str, today: _dt.date | None = None) -> tuple[np.ndarray, bool]:
    """The days a file named ``filename`` must hold, and whether it may end early."""
    today = today or _dt.date.today()
    m = PSL_NAME.search(filename)
    if m:
        year = int(m.group(1))
        first = max(_dt.date(year, 1, 1), FIRST_DAY)
        days = np.arange(np.datetime64(first), np.datetime64(_dt.date(year + 1, 1, 1)))
        return days, year >= today.year
    m = NCEI_NAME.search(filename)
    if m:
        day = _dt.datetime.strptime(m.group(1), "%Y%m%d").date()
        return np.array([np.datetime64(day)]), False
    return np.array([], dtype="datetime64[D]"), True


def verify_oisst(path: Path, filename: str, url: str, today: _dt.date | None = None) -> None:
    """Open ``path`` (to be saved as ``filename``) and check its time axis, grid and values.

    Raises :class:`DownloadError` naming ``url`` and what is missing.
    """
    import xarray as xr

    try:
        ds = xr.open_dataset(path, engine="netcdf4", decode_times=True, cache=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unusable file
        raise DownloadError(
            f"{url}: the download cannot be opened as netCDF ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:120]}); it is incomplete or damaged and was deleted"
        ) from None
    with ds:
        if "sst" not in ds.data_vars or "time" not in ds["sst"].dims:
            raise DownloadError(f"{url}: expected a variable sst(time, ...), found "
                                f"{sorted(map(str, ds.data_vars))}; the download was deleted")
        _check_time(ds["time"].values, filename, url, today)
        _check_grid(ds, url)
        _check_values(ds["sst"], url)


def _check_time(times: np.ndarray, filename: str, url: str, today: _dt.date | None) -> None:
    days = np.asarray(times).astype("datetime64[D]")
    want, may_end_early = expected_days(filename, today)
    if want.size == 0:
        return
    n = days.size if may_end_early else want.size
    if days.size == 0 or days.size > want.size or not np.array_equal(days, want[: max(n, 1)]):
        found = f"{days.size} days" + (f" from {days[0]} to {days[-1]}" if days.size else "")
        raise DownloadError(
            f"{url}: incomplete time axis: expected {want.size} consecutive days from {want[0]} "
            f"to {want[-1]}{' (or fewer, this year)' if may_end_early else ''}, found {found}; "
            "the download was deleted"
        )


def _check_grid(ds, url: str) -> None:
    for name, limit in (("lat", 90.0), ("lon", 360.0)):
        if name not in ds.coords:
            raise DownloadError(f"{url}: expected a {name!r} coordinate; the download was deleted")
        v = np.asarray(ds[name].values, dtype=float)
        steps = np.diff(v)
        regular = v.size > 0 and (v.size == 1 or np.allclose(np.abs(steps), STEP_DEG, atol=1e-4))
        if not regular or np.abs(v).max() > limit + 1e-6:
            raise DownloadError(
                f"{url}: expected a regular {STEP_DEG}° {name} grid within ±{limit:g}, found "
                f"{v.size} values from {v.min() if v.size else '-'} to {v.max() if v.size else '-'}; "
                "the download was deleted"
            )


def _check_values(sst, url: str) -> None:
    for start in range(0, sst.sizes["time"], READ_DAYS):
        try:
            np.asarray(sst.isel(time=slice(start, start + READ_DAYS)).values)
        except Exception as exc:  # noqa: BLE001 - a body that does not decode
            raise DownloadError(
                f"{url}: the values of days {start}..{start + READ_DAYS - 1} cannot be read "
                f"({type(exc).__name__}); the file is incomplete and was deleted"
            ) from None


__all__ = ["expected_days", "verify_oisst"]
