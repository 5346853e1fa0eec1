"""A local HTTP server on 127.0.0.1 for the OISST downloader's tests (no internet needed).

It serves in-memory payloads (small valid netCDF files in the PSL and NCEI layouts, written by
xarray, plus raw bytes) by URL path, supports ``Range`` / ``If-Range``, records every request,
and has per-path failure modes: ``truncate`` (announce the full ``Content-Length``, send half,
close), ``truncate_once``, ``no_range`` (ignore ``Range``, always 200) and ``500``. Unknown
paths answer 404. A watchdog stops it after 60 s in any case.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr


def psl_dataset(year: int) -> xr.Dataset:
    time = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")  # a complete year
    lat = np.arange(-1.875, 2.0, 0.25, dtype=np.float32)
    lon = np.arange(180.125, 184.0, 0.25, dtype=np.float32)
    sst = 20 + np.random.default_rng(year).standard_normal((time.size, lat.size, lon.size))
    ds = xr.Dataset(
        {"sst": (("time", "lat", "lon"), sst.astype(np.float32), {"units": "degC"})},
        coords={"time": time, "lat": lat, "lon": lon},
    )
    ds.time.encoding["units"] = "days since 1800-01-01 00:00:00"
    return ds


def make_payloads(folder: Path) -> dict[str, bytes]:
    """URL path → bytes: PSL files as netCDF-4 (HDF5) and netCDF-3, NCEI-named daily files."""
    out: dict[str, bytes] = {}
    for year, fmt in [(2019, "NETCDF4"), (2020, "NETCDF3_64BIT")]:
        path = folder / f"sst.day.mean.{year}.nc"
        psl_dataset(year).to_netcdf(path, format=fmt, engine="netcdf4")
        out[path.name] = path.read_bytes()
    out["sst.day.mean.2021.nc"] = b"<html><body>Service temporarily unavailable</body></html>"
    for day in ("20211025", "20211026"):
        path = folder / f"ncei_{day}.nc"
        ds = psl_dataset(int(day[:4])).sel(time=[pd.Timestamp(day)])  # the file's own day
        ds.to_netcdf(path, engine="netcdf4")
        out[f"202110/oisst-avhrr-v02r01.{day}.nc"] = path.read_bytes()
    return out


@dataclass
class Server:
    files: dict[str, bytes]
    base: str = ""
    modes: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def gets(self, name: str | None = None) -> list[dict[str, str]]:
        """Headers of the GET requests so far (for one path if ``name``)."""
        with self.lock:
            return [h for m, p, h in self.requests if m == "GET" and name in (None, p)]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        state: Server = self.server.state  # type: ignore[attr-defined]
        name = self.path.lstrip("/")
        with state.lock:
            state.requests.append((self.command, name, dict(self.headers)))
            mode = state.modes.get(name, "ok")
            if mode == "truncate_once":
                state.modes[name] = "ok"
            body = state.files.get(name)
        if mode == "500":
            self.send_error(500, "Internal Server Error")
            return
        if body is None:
            self.send_error(404, "Not Found")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        start = 0
        wanted = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if wanted and mode == "ok" and if_range in (None, etag):
            start = int(re.fullmatch(r"bytes=(\d+)-", wanted)[1])
            if start >= len(body):
                self.send_error(416, "Range Not Satisfiable")
                return
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "none" if mode == "no_range" else "bytes")
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if not send_body:
            return
        if mode.startswith("truncate"):  # announce everything, send half, close (HTTP/1.0)
            self.wfile.write(body[: len(body) // 2])
        else:
            self.wfile.write(body[start:])


@contextmanager
def running(httpd: ThreadingHTTPServer) -> Iterator[str]:
    """Serve ``httpd`` from a thread for the duration of the block (a watchdog stops it after
    60 s whatever happens); yields its base URL."""
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    watchdog = threading.Timer(60.0, httpd.shutdown)  # never outlives a stuck test
    watchdog.daemon = True
    watchdog.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        watchdog.cancel()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@contextmanager
def serving(payloads: dict[str, bytes]) -> Iterator[Server]:
    """A :class:`Server` on 127.0.0.1 serving ``payloads`` for the duration of the block."""
    state = Server(files=dict(payloads))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.state = state  # type: ignore[attr-defined]
    with running(httpd) as base:
        state.base = base
        yield state


def clear_proxies(monkeypatch: Any) -> None:
    """Requests to 127.0.0.1 go direct whatever proxy the environment sets."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


__all__ = ["Handler", "Server", "clear_proxies", "make_payloads", "psl_dataset", "running",
           "serving"]
