"""Download the NOAA OISST v2.1 archive: cached, resumable, size-, hash- and format-checked.

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

import logging
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

from idff_ts.domains.sst.download.cache import (
    Options,
    Registry,
    cached,
    discard,
    drop_superseded,
    expected_sha,
    fsync_dir,
    is_netcdf,
    sha256_of,
)
from idff_ts.domains.sst.download.plan import (
    LAYOUTS,
    PART_SUFFIX,
    DownloadError,
    Layout,
    RemoteFile,
    parse_years,
    plan_downloads,
)
from idff_ts.domains.sst.download.transfer import Missing, fetch_with_retries
from idff_ts.domains.sst.download.verify import verify_oisst
from idff_ts.errors import ConfigError

log = logging.getLogger(__name__)


def _download_one(rf: RemoteFile, dest: Path, registry: Registry, opt: Options) -> Path:
    path = dest / rf.filename
    if cached(rf, path, registry, opt):
        log.info("%s: cached and verified", path)
        drop_superseded(rf, dest, registry)
        return path
    part = path.with_name(path.name + PART_SUFFIX)
    try:
        fetch_with_retries(rf.url, part, rf, registry, opt)
    except Missing:
        if rf.fallback is None:
            raise
        log.info("%s not found; trying %s", rf.url, rf.fallback.url)
        return _download_one(rf.fallback, dest, registry, opt)

    if not is_netcdf(part):
        with open(part, "rb") as fh:
            head = fh.read(16)
        discard(part, rf, registry)
        raise DownloadError(
            f"{rf.url} did not return a netCDF file (it starts with {head!r}, expected netCDF-3 "
            "'CDF' or HDF5 magic bytes); the server may have sent an error page; check the URL"
        )
    sha = sha256_of(part)
    size = part.stat().st_size
    want = expected_sha(rf, opt.checksums)
    if want and sha != want:
        discard(part, rf, registry)
        raise DownloadError(
            f"sha256 mismatch for {rf.url}: expected {want}, got {sha}; the download was "
            "deleted. If the file was updated upstream, update the checksum"
        )
    if rf.size is not None and size != rf.size:
        discard(part, rf, registry)
        raise DownloadError(
            f"{rf.url} has {size} bytes, expected {rf.size}; the download was deleted"
        )
    try:  # open it: time axis, grid, every value (a cut body can carry a matching length)
        verify_oisst(part, rf.filename, rf.url)
    except DownloadError:
        discard(part, rf, registry)
        raise
    os.replace(part, path)
    fsync_dir(dest)
    registry.complete(rf, rf.url, sha, size)
    log.info("%s: downloaded (%d bytes, sha256 %s)", path, size, sha)
    drop_superseded(rf, dest, registry)
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
    registry = Registry(folder)
    bar = _Bar(progress, len(files))
    opt = Options(
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
    timeout: float = 60,
    retries: int = 3,
) -> list[Path]:
    """What ``idff-ts data download --layout psl --years 1982-2020 --dest DIR`` runs.

    Args:
        layout: ``"psl"`` or ``"ncei"``.
        years: ``"1982-2020"``, ``"2019,2020"`` or a mix (see :func:`parse_years`).
        dest: destination folder (``~`` expanded).
        base_url: a mirror instead of NOAA.
        progress: rich progress bar on a terminal.
        timeout: seconds for connecting and for each read (CLI ``--timeout``).
        retries: further attempts after a retryable failure (CLI ``--retries``).

    Raises:
        ConfigError: bad layout or years text. DownloadError: see :func:`download`.
    """
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown --layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    files = plan_downloads(cast(Layout, layout), years=parse_years(years), base_url=base_url)
    return download(files, Path(dest).expanduser(), progress=progress, timeout=timeout,
                    retries=retries)


__all__ = [
    "download",
    "download_cli",
]
