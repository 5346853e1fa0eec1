"""Download the NOAA OISST v2.1 archive: cached, resumable, size-, hash- and format-checked.

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
folder, :func:`download_cli` is what ``idff-ts data download`` calls.

**What** :func:`download` **guarantees**, per file ``dest/NAME``:

1. *Cached.* A file already present is skipped without any request when it matches what is known
   about it: its size (``RemoteFile.size``, or the registry) and its sha256 (``checksums``,
   ``RemoteFile.sha256``, or the registry ``dest/.idff_ts_downloads.json``, which records
   ``sha256`` and ``size`` of every completed download). A mismatch (a corrupted or truncated
   copy) is downloaded again. A file the registry does not know and no checksum describes (copied
   in by hand) costs one ``HEAD`` request: it is adopted when its size equals the server's
   ``Content-Length`` and it looks like netCDF.
2. *Atomic.* Bytes go to ``NAME.part``; it is fsynced, verified, then renamed to ``NAME``. The
   final name only ever holds a complete, verified file.
3. *Resumable.* An existing ``NAME.part`` is continued with ``Range: bytes=N-`` (plus ``If-Range``
   with the ETag / Last-Modified recorded when it was started, so a file that changed on the
   server restarts instead of being spliced). A server answering ``206`` appends; one answering
   ``200`` (Range unsupported, or the file changed) restarts from byte 0.
4. *Size-verified.* Bytes received must equal ``Content-Length``: a transfer cut short is an
   error (retried, resuming from the ``.part``), never renamed to the final name.
5. *Checksum-verified* when a sha256 is known from ``checksums`` or ``RemoteFile.sha256``.
   (The registry's hash verifies the cached copy, not a new download: PSL's current-year file
   grows daily, so its hash legitimately changes.)
6. *Format-checked.* The file must start with netCDF-3 (``CDF\\x01``, ``CDF\\x02``, ``CDF\\x05``)
   or HDF5 / netCDF-4 (``\\x89HDF\\r\\n\\x1a\\n``) magic bytes; an HTML error page served with
   status 200 is refused and deleted.

Network failures, truncated transfers, HTTP 5xx, 408 and 429 are retried ``retries`` times with
exponential backoff ``backoff · 2**attempt`` seconds; other HTTP 4xx fail at once. Every failure
is a :class:`DownloadError` naming the URL (and HTTP status). Proxies come from the usual
``http_proxy`` / ``https_proxy`` / ``no_proxy`` environment variables (``urllib``).

Two processes must not download into the same folder at the same time (the registry is a plain
JSON file rewritten atomically after each file).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import http.client
import json
import logging
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

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

_RETRY_HTTP = frozenset({408, 429})
_MISSING_HTTP = frozenset({404, 410})


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
        if start is None or end is None:
            raise ConfigError("give years (e.g. [2019, 2020]) or both start and end dates")
        first, last = _as_date(start, "start"), _as_date(end, "end")
        if last < first:
            raise ConfigError(f"end {last} is before start {first}")
        if first < FIRST_DAY:
            raise ConfigError(f"start {first} is before the first OISST v2.1 day {FIRST_DAY}")
        year_list = _check_years(range(first.year, last.year + 1))
    else:
        year_list = _check_years(years)

    if layout == "psl":
        base = base_url or PSL_BASE_URL
        return [
            RemoteFile(_join(base, f"sst.day.mean.{y}.nc"), f"sst.day.mean.{y}.nc")
            for y in year_list
        ]

    base = base_url or NCEI_BASE_URL
    if years is not None:
        newest = _dt.date.today() - _dt.timedelta(days=NCEI_LAG_DAYS)
        spans = [
            (max(_dt.date(y, 1, 1), FIRST_DAY), min(_dt.date(y, 12, 31), newest)) for y in year_list
        ]
    else:
        spans = [(first, last)]
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


class _Registry:
    """``dest/.idff_ts_downloads.json``: completed files (sha256, size) and partial validators."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / REGISTRY_NAME
        self.files: dict[str, dict[str, Any]] = {}
        self.partial: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text())
                self.files = dict(data.get("files", {}))
                self.partial = dict(data.get("partial", {}))
            except (OSError, ValueError, AttributeError) as err:
                log.warning(
                    "ignoring unreadable download registry %s (%s); it will be rewritten",
                    self.path,
                    err,
                )

    def save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        payload = {"version": 1, "files": self.files, "partial": self.partial}
        with open(tmp, "w") as fh:
            json.dump(payload, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def complete(self, rf: RemoteFile, url: str, sha256: str, size: int) -> None:
        self.partial.pop(rf.filename, None)
        self.files[rf.filename] = {
            "url": url,
            "sha256": sha256,
            "size": size,
            "completed": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        self.save()


# --------------------------------------------------------------------------- checks


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def is_netcdf(path: Path) -> bool:
    """Whether ``path`` starts with netCDF-3 or HDF5 (netCDF-4) magic bytes."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    return any(head.startswith(magic) for magic in NETCDF_MAGIC)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on some platforms (Windows); the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- transfer


class _Retryable(Exception):
    """A failure worth another attempt (network error, truncated body, 5xx)."""


class _Missing(DownloadError):
    """HTTP 404 / 410: the file is not on the server (an NCEI day may have a fallback name)."""


@dataclass
class _Options:
    timeout: float
    retries: int
    backoff: float
    checksums: Mapping[str, str]
    opener: urllib.request.OpenerDirector
    on_start: Callable[[str, int | None, int], None]
    on_bytes: Callable[[int], None]


def _parse_content_range(value: str | None) -> tuple[int, int | None]:
    """``"bytes START-END/TOTAL"`` → ``(START, TOTAL)`` (TOTAL ``None`` when ``*``)."""
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value or "")
    if not match:
        raise _Retryable(f"unreadable Content-Range header {value!r}")
    return int(match[1]), None if match[3] == "*" else int(match[3])


def _transfer(url: str, part: Path, rf: RemoteFile, registry: _Registry, opt: _Options) -> None:
    """One attempt: fetch ``url`` into ``part`` (resuming it when possible); verify the length."""
    offset = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        meta = registry.partial.get(rf.filename, {})
        validator = meta.get("etag") or meta.get("last_modified")
        if validator and meta.get("url") == url:
            headers["If-Range"] = validator
    try:
        resp = opt.opener.open(urllib.request.Request(url, headers=headers), timeout=opt.timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # the .part is as long as (or longer than) the file
            err.close()
            part.unlink(missing_ok=True)
            raise _Retryable(f"HTTP 416 for a range from byte {offset}; restarting") from err
        raise
    with resp:
        length_header = resp.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        if resp.status == 206:
            begin, total = _parse_content_range(resp.headers.get("Content-Range"))
            if begin != offset:
                part.unlink(missing_ok=True)
                raise _Retryable(f"server sent a range from byte {begin}, asked for {offset}")
            mode = "ab"
        else:  # 200: Range unsupported or ignored, or the file changed (If-Range): start over
            if offset:
                log.info("%s: server restarted the transfer from byte 0", url)
            offset, total, mode = 0, length, "wb"
            registry.partial[rf.filename] = {
                "url": url,
                "etag": resp.headers.get("ETag"),
                "last_modified": resp.headers.get("Last-Modified"),
            }
            registry.save()
        opt.on_start(rf.filename, total, offset)
        received = 0
        with open(part, mode) as fh:
            while chunk := resp.read(CHUNK_BYTES):
                fh.write(chunk)
                received += len(chunk)
                opt.on_bytes(len(chunk))
            fh.flush()
            os.fsync(fh.fileno())
    if length is not None and received != length:
        raise _Retryable(
            f"received {received} of {length} bytes from {url} (connection closed early)"
        )
    if total is not None and part.stat().st_size != total:
        size = part.stat().st_size
        if size > total:
            part.unlink(missing_ok=True)
        raise _Retryable(f"{part.name} has {size} bytes, the server announced {total}")


def _fetch_with_retries(
    url: str, part: Path, rf: RemoteFile, registry: _Registry, opt: _Options
) -> None:
    attempts = opt.retries + 1
    for attempt in range(attempts):
        try:
            _transfer(url, part, rf, registry, opt)
            return
        except urllib.error.HTTPError as err:
            err.close()
            status = f"HTTP {err.code} {err.reason}"
            if err.code in _MISSING_HTTP:
                raise _Missing(
                    f"{status} for {url}: the file is not on the server; check the years/dates "
                    f"(OISST v2.1 starts {FIRST_DAY}, recent days appear with a delay) and the "
                    "base URL"
                ) from None
            if err.code < 500 and err.code not in _RETRY_HTTP:
                raise DownloadError(f"{status} for {url}; the server refused the request") from None
            reason = status
        except ValueError as err:  # urllib: unknown URL type, malformed URL
            raise DownloadError(f"cannot download {url!r}: {err}") from err
        except _Retryable as err:
            reason = str(err)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            reason = f"{type(err).__name__}: {getattr(err, 'reason', err)}"
        if attempt + 1 < attempts:
            delay = opt.backoff * 2**attempt
            log.warning(
                "%s: %s; retry %d/%d in %.3g s", url, reason, attempt + 1, opt.retries, delay
            )
            time.sleep(delay)
            continue
        kept = ""
        if part.is_file() and part.stat().st_size:
            kept = f"; the partial file {part} is kept and a new run resumes it"
        raise DownloadError(f"could not download {url} after {attempts} attempts: {reason}{kept}")


def _remote_size(url: str, opt: _Options) -> int | None:
    """``Content-Length`` of a ``HEAD`` request, or ``None`` when the server does not say."""
    req = urllib.request.Request(
        url, method="HEAD", headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    )
    try:
        with opt.opener.open(req, timeout=opt.timeout) as resp:
            value = resp.headers.get("Content-Length")
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        log.info("HEAD %s failed (%s); cannot compare sizes", url, err)
        return None
    return int(value) if value and value.isdigit() else None


def _expected_sha(rf: RemoteFile, checksums: Mapping[str, str]) -> str | None:
    sha = checksums.get(rf.filename) or checksums.get(rf.url) or rf.sha256
    return sha.lower() if sha else None


def _cached(rf: RemoteFile, path: Path, registry: _Registry, opt: _Options) -> bool:
    """Whether ``path`` is a complete, verified copy of ``rf`` (recording it if newly adopted)."""
    if not path.is_file():
        return False
    size = path.stat().st_size
    record = registry.files.get(rf.filename, {})
    want_size = rf.size if rf.size is not None else record.get("size")
    if want_size is not None and size != want_size:
        log.warning("%s has %d bytes, expected %d; downloading it again", path, size, want_size)
        return False
    want_sha = _expected_sha(rf, opt.checksums) or record.get("sha256")
    if want_sha:
        sha = _sha256(path)
        if sha != want_sha:
            log.warning("%s has sha256 %s, expected %s; downloading it again", path, sha, want_sha)
            return False
    else:
        # No hash known: a file copied in by hand. Compare with the server's size when unknown.
        if want_size is None:
            remote = _remote_size(rf.url, opt)
            if remote is not None and remote != size:
                log.warning(
                    "%s has %d bytes, the server's copy %d; downloading it again",
                    path,
                    size,
                    remote,
                )
                return False
        if not is_netcdf(path):
            log.warning("%s is not netCDF; downloading it again", path)
            return False
        sha = _sha256(path)
    if record.get("sha256") != sha:
        registry.complete(rf, rf.url, sha, size)
    return True


def _drop_superseded(rf: RemoteFile, dest: Path, registry: _Registry) -> None:
    """Delete the preliminary copy of a day once its final file is present."""
    if rf.fallback is None:
        return
    stale = dest / rf.fallback.filename
    if stale.is_file():
        stale.unlink()
        log.info("removed %s, superseded by %s", stale, rf.filename)
    if registry.files.pop(rf.fallback.filename, None) is not None:
        registry.save()


def _discard(part: Path, rf: RemoteFile, registry: _Registry) -> None:
    part.unlink(missing_ok=True)
    if registry.partial.pop(rf.filename, None) is not None:
        registry.save()


def _download_one(rf: RemoteFile, dest: Path, registry: _Registry, opt: _Options) -> Path:
    path = dest / rf.filename
    if _cached(rf, path, registry, opt):
        log.info("%s: cached and verified", path)
        _drop_superseded(rf, dest, registry)
        return path
    part = path.with_name(path.name + PART_SUFFIX)
    try:
        _fetch_with_retries(rf.url, part, rf, registry, opt)
    except _Missing:
        if rf.fallback is None:
            raise
        log.info("%s not found; trying %s", rf.url, rf.fallback.url)
        return _download_one(rf.fallback, dest, registry, opt)

    if not is_netcdf(part):
        with open(part, "rb") as fh:
            head = fh.read(16)
        _discard(part, rf, registry)
        raise DownloadError(
            f"{rf.url} did not return a netCDF file (it starts with {head!r}, expected netCDF-3 "
            "'CDF' or HDF5 magic bytes); the server may have sent an error page; check the URL"
        )
    sha = _sha256(part)
    size = part.stat().st_size
    want = _expected_sha(rf, opt.checksums)
    if want and sha != want:
        _discard(part, rf, registry)
        raise DownloadError(
            f"sha256 mismatch for {rf.url}: expected {want}, got {sha}; the download was "
            "deleted. If the file was updated upstream, update the checksum"
        )
    if rf.size is not None and size != rf.size:
        _discard(part, rf, registry)
        raise DownloadError(
            f"{rf.url} has {size} bytes, expected {rf.size}; the download was deleted"
        )
    os.replace(part, path)
    _fsync_dir(dest)
    registry.complete(rf, rf.url, sha, size)
    log.info("%s: downloaded (%d bytes, sha256 %s)", path, size, sha)
    _drop_superseded(rf, dest, registry)
    return path


class _Bar:
    """A rich byte progress bar, one row reused for each file; silent unless on a terminal."""

    def __init__(self, enabled: bool, n_files: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not (enabled and console.is_terminal),
            transient=True,
        )
        self.task = self.progress.add_task("OISST", total=None, visible=False)
        self.n_files = n_files
        self.index = 0

    def start(self, name: str, total: int | None, done: int) -> None:
        self.progress.update(
            self.task,
            description=f"[{self.index}/{self.n_files}] {name}",
            total=total,
            completed=done,
            visible=True,
        )

    def advance(self, n: int) -> None:
        self.progress.advance(self.task, n)


def download(
    files: Sequence[RemoteFile],
    dest: str | os.PathLike[str],
    *,
    progress: bool = True,
    retries: int = 3,
    timeout: float = 60,
    checksums: Mapping[str, str] | None = None,
    backoff: float = 1.0,
) -> list[Path]:
    """Fetch ``files`` into the folder ``dest``; see the module docstring for the guarantees.

    Args:
        files: from :func:`plan_downloads` (or hand-made :class:`RemoteFile` s).
        dest: destination folder, created if missing.
        progress: show a rich progress bar (bytes) on a terminal.
        retries: further attempts after a retryable failure (network error, truncated transfer,
            HTTP 5xx / 408 / 429); ``retries + 1`` attempts in all.
        timeout: seconds for connecting and for each read.
        checksums: expected sha256 hex digests keyed by file name (or URL); they take precedence
            over ``RemoteFile.sha256``.
        backoff: the wait before retry ``i`` (from 0) is ``backoff * 2**i`` seconds.

    Returns:
        The local paths, in the order of ``files`` (an NCEI day only available as preliminary
        gives the ``_preliminary.nc`` path).

    Raises:
        DownloadError: a file could not be fetched, or failed the size, sha256 or netCDF check;
            files completed before it are kept and recorded, a partial one is kept as ``.part``
            when it can be resumed.
        ConfigError: ``retries`` < 0 or ``timeout`` ≤ 0.
    """
    if retries < 0 or timeout <= 0 or backoff < 0:
        raise ConfigError(
            f"need retries >= 0, timeout > 0, backoff >= 0; got {retries}, {timeout}, {backoff}"
        )
    folder = Path(dest).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(f"cannot create the destination folder {folder}: {err}") from err
    registry = _Registry(folder)
    bar = _Bar(progress, len(files))
    opt = _Options(
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        checksums=dict(checksums or {}),
        opener=urllib.request.build_opener(),
        on_start=bar.start,
        on_bytes=bar.advance,
    )
    paths: list[Path] = []
    with bar.progress:
        for bar.index, rf in enumerate(files, start=1):
            paths.append(_download_one(rf, folder, registry, opt))
    log.info("%d file(s) ready in %s", len(paths), folder)
    return paths


def download_cli(
    layout: str,
    years: str,
    dest: str | os.PathLike[str],
    base_url: str | None = None,
    progress: bool = True,
) -> list[Path]:
    """What ``idff-ts data download --layout psl --years 1982-2020 --dest DIR`` runs.

    Args:
        layout: ``"psl"`` or ``"ncei"``.
        years: ``"1982-2020"``, ``"2019,2020"`` or a mix (see :func:`parse_years`).
        dest: destination folder (``~`` expanded).
        base_url: a mirror instead of NOAA.
        progress: rich progress bar on a terminal.

    Raises:
        ConfigError: bad layout or years text. DownloadError: see :func:`download`.
    """
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown --layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    files = plan_downloads(cast(Layout, layout), years=parse_years(years), base_url=base_url)
    return download(files, Path(dest).expanduser(), progress=progress)


__all__ = [
    "FIRST_DAY",
    "LAYOUTS",
    "NCEI_BASE_URL",
    "PSL_BASE_URL",
    "REGISTRY_NAME",
    "DownloadError",
    "RemoteFile",
    "download",
    "download_cli",
    "is_netcdf",
    "parse_years",
    "plan_downloads",
]
