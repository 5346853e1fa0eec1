"""One HTTP transfer into ``NAME.part``: resuming with ``Range``/``If-Range``, length checks,
retries with exponential backoff (see :mod:`~idff_ts.domains.sst.download.fetch`).
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from idff_ts.domains.sst.download.cache import Options, Registry
from idff_ts.domains.sst.download.plan import (
    CHUNK_BYTES,
    FIRST_DAY,
    USER_AGENT,
    DownloadError,
    RemoteFile,
)

log = logging.getLogger(__name__)

_RETRY_HTTP = frozenset({408, 429})
_MISSING_HTTP = frozenset({404, 410})


# --------------------------------------------------------------------------- transfer


class _Retryable(Exception):
    """A failure worth another attempt (network error, truncated body, 5xx)."""


class Missing(DownloadError):
    """HTTP 404 / 410: the file is not on the server (an NCEI day may have a fallback name)."""



def _parse_content_range(value: str | None) -> tuple[int, int | None]:
    """``"bytes START-END/TOTAL"`` → ``(START, TOTAL)`` (TOTAL ``None`` when ``*``)."""
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value or "")
    if not match:
        raise _Retryable(f"unreadable Content-Range header {value!r}")
    return int(match[1]), None if match[3] == "*" else int(match[3])


def _transfer(url: str, part: Path, rf: RemoteFile, registry: Registry, opt: Options) -> None:
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


def fetch_with_retries(
    url: str, part: Path, rf: RemoteFile, registry: Registry, opt: Options
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
                raise Missing(
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



__all__ = [
    "Missing",
    "fetch_with_retries",
]
