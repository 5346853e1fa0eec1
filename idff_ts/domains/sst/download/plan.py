"""Which NOAA OISST v2.1 files to fetch: the two layouts, years and days → :class:`RemoteFile` s.

Two layouts of the same product (data.md §2):

- ``"psl"``: NOAA PSL yearly files ``sst.day.mean.YYYY.nc`` (~0.5 GB each) under
  :data:`PSL_BASE_URL`;
- ``"ncei"``: NCEI daily files ``oisst-avhrr-v02r01.YYYYMMDD.nc`` (~1.6 MB each) under
  ``NCEI_BASE_URL/YYYYMM/``. The most recent ~2 weeks exist only as
  ``oisst-avhrr-v02r01.YYYYMMDD_preliminary.nc``; each planned daily file carries that name as a
  ``fallback``, taken only when the final name answers 404. A preliminary file is saved under its
  own name, so a later run tries the final name again, and once the final file is downloaded the
  stale preliminary copy (and its registry entry) is deleted: the folder never holds one day twice.

:func:`plan_downloads` lists the files (:class:`RemoteFile`), :func:`download` fetches them into a
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from idff_ts.errors import ConfigError, IdffError

log = logging.getLogger(__name__)

Layout = Literal["psl", "ncei"]
LAYOUTS: tuple[str, ...] = ("psl", "ncei")

PSL_BASE_URL = "https://downloads.psl.noaa.gov/Datasets/noaa.oisst.v2.highres/"
NCEI_BASE_URL = "https://www.ncei.noaa.gov/data/sea-surface-temperature-optimum-interpolation/v2.1/access/avhrr/"
#: First day of OISST v2.1.
FIRST_DAY = _dt.date(1981, 9, 1)
#: Days by which NCEI's newest daily file lags today; year-based NCEI plans stop this far back.
NCEI_LAG_DAYS = 1

REGISTRY_NAME = ".idff_ts_downloads.json"
PART_SUFFIX = ".part"
CHUNK_BYTES = 1 << 20
USER_AGENT = "idff-ts-downloader (+https://idff-ts.readthedocs.io)"
NETCDF_MAGIC: tuple[bytes, ...] = (b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF\r\n\x1a\n")



class DownloadError(IdffError):
    """A file could not be downloaded, or what arrived is incomplete, corrupted or not netCDF."""


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch.

    Attributes:
        url: where to get it.
        filename: bare file name it is saved under in the destination folder.
        sha256: expected lowercase hex digest, if known (verified after download and on cache).
        size: expected size in bytes, if known.
        fallback: another file to take when ``url`` answers 404 (NCEI's ``_preliminary`` name).
    """

    url: str
    filename: str
    sha256: str | None = None
    size: int | None = None
    fallback: RemoteFile | None = None

    def __post_init__(self) -> None:
        name = self.filename
        if not name or name in {".", ".."} or "/" in name or "\\" in name or name == REGISTRY_NAME:
            raise ConfigError(f"RemoteFile.filename must be a bare file name, got {name!r}")
        if self.sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", self.sha256):
            raise ConfigError(f"sha256 of {name} must be 64 hex digits, got {self.sha256!r}")


# --------------------------------------------------------------------------- planning


def _as_date(value: _dt.date | str, what: str) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{what} must be a date like 2020-01-31, got {value!r}") from None


def _check_years(years: Iterable[int]) -> list[int]:
    out = sorted({int(y) for y in years})
    if not out:
        raise ConfigError("no years given; pass e.g. years=[2019, 2020]")
    this_year = _dt.date.today().year
    bad = [y for y in out if not FIRST_DAY.year <= y <= this_year]
    if bad:
        raise ConfigError(
            f"years {bad} are outside the OISST v2.1 record "
            f"({FIRST_DAY.year}..{this_year}; it starts on {FIRST_DAY.isoformat()})"
        )
    return out


def _join(base: str, *parts: str) -> str:
    return base.rstrip("/") + "/" + "/".join(parts)


def plan_downloads(
    layout: Layout,
    years: Iterable[int] | None = None,
    start: _dt.date | str | None = None,
    end: _dt.date | str | None = None,
    base_url: str | None = None,
) -> list[RemoteFile]:
    """The files covering ``years`` (or the dates ``start..end``, inclusive) in one layout.

    Args:
        layout: ``"psl"`` (one ``sst.day.mean.YYYY.nc`` per year) or ``"ncei"`` (one
            ``oisst-avhrr-v02r01.YYYYMMDD.nc`` per day, in ``YYYYMM/`` folders, each with its
            ``_preliminary`` name as fallback).
        years: calendar years; for ``"ncei"`` all their days from 1981-09-01 up to
            ``today − NCEI_LAG_DAYS``.
        start, end: first and last day (``datetime.date`` or ISO ``"YYYY-MM-DD"``), instead of
            ``years``; for ``"psl"`` the years they touch.
        base_url: replaces :data:`PSL_BASE_URL` / :data:`NCEI_BASE_URL` (a mirror, or a local
            test server).

    Returns:
        :class:`RemoteFile` s in chronological order, without checksums (NOAA publishes none).

    Raises:
        ConfigError: unknown layout; neither or both of ``years`` and ``start``/``end``; dates
            out of order or outside the record.
    """
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown OISST layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    if years is not None and (start is not None or end is not None):
        raise ConfigError("give either years or start/end, not both")
    if years is None:
        first, last = _date_span(start, end)
        year_list = _check_years(range(first.year, last.year + 1))
    else:
        year_list = _check_years(years)
    if layout == "psl":
        base = base_url or PSL_BASE_URL
        return [
            RemoteFile(_join(base, f"sst.day.mean.{y}.nc"), f"sst.day.mean.{y}.nc")
            for y in year_list
        ]
    if years is not None:
        newest = _dt.date.today() - _dt.timedelta(days=NCEI_LAG_DAYS)
        spans = [
            (max(_dt.date(y, 1, 1), FIRST_DAY), min(_dt.date(y, 12, 31), newest)) for y in year_list
        ]
    else:
        spans = [(first, last)]
    return _ncei_files(base_url or NCEI_BASE_URL, spans)


def _date_span(start: _dt.date | str | None, end: _dt.date | str | None) -> tuple[_dt.date, _dt.date]:
    if start is None or end is None:
        raise ConfigError("give years (e.g. [2019, 2020]) or both start and end dates")
    first, last = _as_date(start, "start"), _as_date(end, "end")
    if last < first:
        raise ConfigError(f"end {last} is before start {first}")
    if first < FIRST_DAY:
        raise ConfigError(f"start {first} is before the first OISST v2.1 day {FIRST_DAY}")
    return first, last


def _ncei_files(base: str, spans: list[tuple[_dt.date, _dt.date]]) -> list[RemoteFile]:
    """One daily file per day of ``spans``, each with its ``_preliminary`` name as fallback."""
    out: list[RemoteFile] = []
    for lo, hi in spans:
        for k in range((hi - lo).days + 1):
            day = lo + _dt.timedelta(days=k)
            folder = f"{day:%Y%m}"
            name = f"oisst-avhrr-v02r01.{day:%Y%m%d}"
            prelim = RemoteFile(
                _join(base, folder, f"{name}_preliminary.nc"), f"{name}_preliminary.nc"
            )
            out.append(RemoteFile(_join(base, folder, f"{name}.nc"), f"{name}.nc", fallback=prelim))
    return out


def parse_years(years: str) -> list[int]:
    """``"1982-2020"``, ``"2019,2020"`` or a mix (``"1982-1990,2000"``) → sorted unique years.

    Raises:
        ConfigError: empty text, a non-integer, a reversed range, or years outside the record.
    """
    text = str(years).strip()
    if not text:
        raise ConfigError("--years is empty; expected e.g. 1982-2020 or 2019,2020")
    out: set[int] = set()
    for item in (p.strip() for p in text.split(",")):
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", item)
        if not match:
            raise ConfigError(
                f"cannot read {item!r} in --years {text!r}; expected four-digit years or ranges "
                "separated by commas, e.g. 1982-2020 or 2019,2020"
            )
        lo = int(match[1])
        hi = int(match[2]) if match[2] else lo
        if hi < lo:
            raise ConfigError(f"range {item!r} in --years runs backwards; write {hi}-{lo}")
        out.update(range(lo, hi + 1))
    return _check_years(out)


# --------------------------------------------------------------------------- registry


__all__ = [
    "CHUNK_BYTES",
    "DownloadError",
    "FIRST_DAY",
    "LAYOUTS",
    "Layout",
    "NCEI_BASE_URL",
    "NCEI_LAG_DAYS",
    "NETCDF_MAGIC",
    "PART_SUFFIX",
    "PSL_BASE_URL",
    "REGISTRY_NAME",
    "RemoteFile",
    "USER_AGENT",
    "parse_years",
    "plan_downloads",
]
