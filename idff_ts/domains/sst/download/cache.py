"""The download folder's cache: the registry of completed files, hashes, format checks.

A file already present counts as downloaded when its size and sha256 match what is known about
it (see :mod:`~idff_ts.domains.sst.download.fetch` for the guarantees).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import http.client
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idff_ts.domains.sst.download.plan import (
    CHUNK_BYTES,
    NETCDF_MAGIC,
    REGISTRY_NAME,
    USER_AGENT,
    RemoteFile,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- registry


class Registry:
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
        if not self.files and not self.partial:  # nothing to remember: leave no file behind
            self.path.unlink(missing_ok=True)
            return
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


def sha256_of(path: Path) -> str:
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


def fsync_dir(folder: Path) -> None:
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


def expected_sha(rf: RemoteFile, checksums: Mapping[str, str]) -> str | None:
    sha = checksums.get(rf.filename) or checksums.get(rf.url) or rf.sha256
    return sha.lower() if sha else None


def cached(rf: RemoteFile, path: Path, registry: Registry, opt: Options) -> bool:
    """Whether ``path`` is a complete, verified copy of ``rf`` (recording it if newly adopted)."""
    if not path.is_file():
        return False
    size = path.stat().st_size
    record = registry.files.get(rf.filename, {})
    want_size = rf.size if rf.size is not None else record.get("size")
    if want_size is not None and size != want_size:
        log.warning("%s has %d bytes, expected %d; downloading it again", path, size, want_size)
        return False
    want_sha = expected_sha(rf, opt.checksums) or record.get("sha256")
    if want_sha:
        sha = sha256_of(path)
        if sha != want_sha:
            log.warning("%s has sha256 %s, expected %s; downloading it again", path, sha, want_sha)
            return False
    else:
        # No hash known: a file copied in by hand. Compare with the server's size when unknown.
        if want_size is None:
            remote = remote_size(rf.url, opt)
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
        sha = sha256_of(path)
    if record.get("sha256") != sha:
        registry.complete(rf, rf.url, sha, size)
    return True


def drop_superseded(rf: RemoteFile, dest: Path, registry: Registry) -> None:
    """Delete the preliminary copy of a day once its final file is present."""
    if rf.fallback is None:
        return
    stale = dest / rf.fallback.filename
    if stale.is_file():
        stale.unlink()
        log.info("removed %s, superseded by %s", stale, rf.filename)
    if registry.files.pop(rf.fallback.filename, None) is not None:
        registry.save()


def discard(part: Path, rf: RemoteFile, registry: Registry) -> None:
    part.unlink(missing_ok=True)
    if registry.partial.pop(rf.filename, None) is not None:
        registry.save()


@dataclass
class Options:
    timeout: float
    retries: int
    backoff: float
    checksums: Mapping[str, str]
    opener: urllib.request.OpenerDirector
    on_start: Callable[[str, int | None, int], None]
    on_bytes: Callable[[int], None]


def remote_size(url: str, opt: Options) -> int | None:
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


__all__ = [
    "Options",
    "Registry",
    "cached",
    "discard",
    "drop_superseded",
    "expected_sha",
    "fsync_dir",
    "is_netcdf",
    "remote_size",
    "sha256_of",
]
