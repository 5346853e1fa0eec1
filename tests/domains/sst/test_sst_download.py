"""The OISST downloader against a local HTTP server on 127.0.0.1 (no internet needed).

The server serves in-memory payloads (small valid netCDF files in the PSL and NCEI layouts,
written by xarray, plus raw bytes) by URL path, supports ``Range`` / ``If-Range``, records
every request, and has per-path failure modes: ``truncate`` (announce the full
``Content-Length``, send half, close), ``truncate_once``, ``no_range`` (ignore ``Range``, always
200) and ``500``. Unknown paths answer 404. A watchdog stops it after 60 s in any case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.domains.sst.download import (
    NCEI_BASE_URL,
    PSL_BASE_URL,
    REGISTRY_NAME,
    DownloadError,
    RemoteFile,
    download,
    download_cli,
    parse_years,
    plan_downloads,
)
from idff_ts.errors import ConfigError

FAST = {"progress": False, "backoff": 0.0, "timeout": 5}


# --------------------------------------------------------------------------- fixture files


def _psl_dataset(year: int) -> xr.Dataset:
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


@pytest.fixture(scope="module")
def payloads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """URL path → bytes: PSL files as netCDF-4 (HDF5) and netCDF-3, NCEI-named daily files."""
    folder = tmp_path_factory.mktemp("oisst_fixtures")
    out: dict[str, bytes] = {}
    for year, fmt in [(2019, "NETCDF4"), (2020, "NETCDF3_64BIT")]:
        path = folder / f"sst.day.mean.{year}.nc"
        _psl_dataset(year).to_netcdf(path, format=fmt, engine="netcdf4")
        out[path.name] = path.read_bytes()
    out["sst.day.mean.2021.nc"] = b"<html><body>Service temporarily unavailable</body></html>"
    for day in ("20211025", "20211026"):
        path = folder / f"ncei_{day}.nc"
        ds = _psl_dataset(int(day[:4])).sel(time=[pd.Timestamp(day)])  # the file's own day
        ds.to_netcdf(path, engine="netcdf4")
        out[f"202110/oisst-avhrr-v02r01.{day}.nc"] = path.read_bytes()
    return out


# --------------------------------------------------------------------------- the server


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


class _Handler(BaseHTTPRequestHandler):
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


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server(payloads: dict[str, bytes]):
    state = Server(files=dict(payloads))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.state = state  # type: ignore[attr-defined]
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    watchdog = threading.Timer(60.0, httpd.shutdown)  # never outlives a stuck test
    watchdog.daemon = True
    watchdog.start()
    try:
        yield state
    finally:
        watchdog.cancel()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _psl(server: Server, *years: int) -> list[RemoteFile]:
    return plan_downloads("psl", years=list(years), base_url=server.base)


def _registry(dest: Path) -> dict:
    return json.loads((dest / REGISTRY_NAME).read_text())


# --------------------------------------------------------------------------- downloads


def test_fresh_download_then_cached_without_requests(server: Server, tmp_path: Path) -> None:
    paths = download(_psl(server, 2019, 2020), tmp_path, **FAST)

    assert [p.name for p in paths] == ["sst.day.mean.2019.nc", "sst.day.mean.2020.nc"]
    files = _registry(tmp_path)["files"]
    for p in paths:
        body = server.files[p.name]
        assert p.read_bytes() == body
        assert files[p.name]["sha256"] == hashlib.sha256(body).hexdigest()
        assert files[p.name]["size"] == len(body)
    assert not list(tmp_path.glob("*.part"))
    with xr.open_dataset(paths[0]) as ds:
        assert ds.sst.dims == ("time", "lat", "lon")
    n = len(server.requests)
    assert n == 2

    assert download(_psl(server, 2019, 2020), tmp_path, **FAST) == paths
    assert len(server.requests) == n  # verified from the registry, no request at all


def test_corrupt_local_file_is_downloaded_again(server: Server, tmp_path: Path) -> None:
    (path,) = download(_psl(server, 2019), tmp_path, **FAST)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # same size, wrong sha256
    path.write_bytes(bytes(data))

    download(_psl(server, 2019), tmp_path, **FAST)
    assert path.read_bytes() == server.files[path.name]
    assert len(server.gets()) == 2

    path.write_bytes(server.files[path.name][:100])  # wrong size
    download(_psl(server, 2019), tmp_path, **FAST)
    assert path.read_bytes() == server.files[path.name]
    assert len(server.gets()) == 3


def test_hand_copied_file_is_adopted_after_a_head_request(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2020.nc"
    (tmp_path / name).write_bytes(server.files[name])
    download(_psl(server, 2020), tmp_path, **FAST)
    assert [m for m, _, _ in server.requests] == ["HEAD"]
    assert _registry(tmp_path)["files"][name]["size"] == len(server.files[name])


def test_checksums_are_verified(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2019.nc"
    good = hashlib.sha256(server.files[name]).hexdigest()
    download(_psl(server, 2019), tmp_path / "ok", checksums={name: good}, **FAST)
    assert (tmp_path / "ok" / name).is_file()

    with pytest.raises(DownloadError, match=f"sha256 mismatch for {re.escape(server.base)}"):
        download(_psl(server, 2019), tmp_path / "bad", checksums={name: "0" * 64}, **FAST)
    assert not list((tmp_path / "bad").glob("sst*"))


def test_resume_from_part_uses_range(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2019.nc"
    body = server.files[name]
    n = len(body) // 3
    (tmp_path / f"{name}.part").write_bytes(body[:n])

    (path,) = download(_psl(server, 2019), tmp_path, **FAST)

    (headers,) = server.gets(name)
    assert headers["Range"] == f"bytes={n}-"
    assert path.read_bytes() == body
    assert not (tmp_path / f"{name}.part").exists()


def test_server_ignoring_range_restarts_from_zero(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2020.nc"
    server.modes[name] = "no_range"
    (tmp_path / f"{name}.part").write_bytes(b"stale bytes that must not survive")

    (path,) = download(_psl(server, 2020), tmp_path, **FAST)

    assert "Range" in server.gets(name)[0]
    assert path.read_bytes() == server.files[name]


def test_truncated_transfer_is_an_error_and_never_final(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2019.nc"
    server.modes[name] = "truncate"
    with pytest.raises(
        DownloadError, match=rf"{re.escape(server.base + name)} after 3 attempts: received"
    ):
        download(_psl(server, 2019), tmp_path, retries=2, **FAST)
    assert not (tmp_path / name).exists()
    assert len(server.gets(name)) == 3
    assert (tmp_path / f"{name}.part").stat().st_size == len(server.files[name]) // 2


def test_truncated_once_resumes_on_retry(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2019.nc"
    body = server.files[name]
    server.modes[name] = "truncate_once"
    (path,) = download(_psl(server, 2019), tmp_path, retries=1, **FAST)
    first, second = server.gets(name)
    assert "Range" not in first
    assert second["Range"] == f"bytes={len(body) // 2}-"
    assert path.read_bytes() == body


def test_changed_upstream_file_restarts_instead_of_splicing(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2019.nc"
    server.modes[name] = "truncate"
    with pytest.raises(DownloadError):
        download(_psl(server, 2019), tmp_path, retries=0, **FAST)
    server.modes[name] = "ok"
    changed = tmp_path / "changed.nc"
    (_psl_dataset(2019) + 1.0).to_netcdf(changed, engine="netcdf4")
    server.files[name] = changed.read_bytes()  # the file changed upstream
    changed.unlink()

    (path,) = download(_psl(server, 2019), tmp_path, **FAST)
    assert "If-Range" in server.gets(name)[-1]
    assert path.read_bytes() == server.files[name]


def test_http_500_after_retries_names_url_and_status(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2019.nc"
    server.modes[name] = "500"
    url = re.escape(server.base + name)
    with pytest.raises(DownloadError, match=rf"{url} after 4 attempts: HTTP 500"):
        download(_psl(server, 2019), tmp_path, retries=3, **FAST)
    assert len(server.gets(name)) == 4
    assert not (tmp_path / name).exists()


def test_http_404_is_not_retried(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"HTTP 404 .* for http://127\.0\.0\.1.*2018\.nc"):
        download(_psl(server, 2018), tmp_path, retries=3, **FAST)
    assert len(server.gets()) == 1


def test_non_netcdf_payload_is_refused(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="did not return a netCDF file"):
        download(_psl(server, 2021), tmp_path, **FAST)
    assert not list(tmp_path.glob("sst*"))


def test_ncei_preliminary_fallback_then_final_replaces_it(server: Server, tmp_path: Path) -> None:
    final26 = "202110/oisst-avhrr-v02r01.20211026.nc"
    final_bytes = server.files.pop(final26)
    server.files["202110/oisst-avhrr-v02r01.20211026_preliminary.nc"] = final_bytes
    files = plan_downloads("ncei", start="2021-10-25", end="2021-10-26", base_url=server.base)

    paths = download(files, tmp_path, **FAST)
    assert [p.name for p in paths] == [
        "oisst-avhrr-v02r01.20211025.nc",
        "oisst-avhrr-v02r01.20211026_preliminary.nc",
    ]

    server.files[final26] = final_bytes  # the final version appears
    paths = download(files, tmp_path, **FAST)
    assert [p.name for p in paths] == [
        "oisst-avhrr-v02r01.20211025.nc",
        "oisst-avhrr-v02r01.20211026.nc",
    ]
    assert sorted(p.name for p in tmp_path.glob("*.nc")) == [p.name for p in paths]
    assert sorted(_registry(tmp_path)["files"]) == [p.name for p in paths]


# --------------------------------------------------------------------------- planning / CLI


def test_plan_downloads_psl() -> None:
    files = plan_downloads("psl", years=[2020, 1982, 2020])
    assert [f.filename for f in files] == ["sst.day.mean.1982.nc", "sst.day.mean.2020.nc"]
    assert files[0].url == PSL_BASE_URL + "sst.day.mean.1982.nc"
    by_dates = plan_downloads(
        "psl", start=dt.date(2018, 12, 30), end="2020-01-02", base_url="http://127.0.0.1:1/mirror"
    )
    assert [f.url for f in by_dates] == [
        f"http://127.0.0.1:1/mirror/sst.day.mean.{y}.nc" for y in (2018, 2019, 2020)
    ]


def test_plan_downloads_ncei() -> None:
    files = plan_downloads("ncei", start="2019-12-31", end="2020-01-01")
    assert [f.url for f in files] == [
        NCEI_BASE_URL + "201912/oisst-avhrr-v02r01.20191231.nc",
        NCEI_BASE_URL + "202001/oisst-avhrr-v02r01.20200101.nc",
    ]
    assert files[0].fallback.filename == "oisst-avhrr-v02r01.20191231_preliminary.nc"
    assert files[0].fallback.url == NCEI_BASE_URL + "201912/" + files[0].fallback.filename
    assert len(plan_downloads("ncei", years=[2020])) == 366
    first_year = plan_downloads("ncei", years=[1981])  # the record starts on 1981-09-01
    assert (first_year[0].filename, len(first_year)) == ("oisst-avhrr-v02r01.19810901.nc", 122)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layout": "zarr", "years": [2020]}, "unknown OISST layout"),
        ({"layout": "psl", "years": [2020], "start": "2020-01-01"}, "not both"),
        ({"layout": "psl"}, "give years"),
        ({"layout": "ncei", "start": "2020-02-01", "end": "2020-01-01"}, "before start"),
        ({"layout": "ncei", "start": "1981-08-31", "end": "1981-09-02"}, "first OISST"),
        ({"layout": "ncei", "start": "2020-13-01", "end": "2020-12-31"}, "must be a date"),
        ({"layout": "psl", "years": [1970]}, "outside the OISST"),
        ({"layout": "psl", "years": [dt.date.today().year + 1]}, "outside the OISST"),
    ],
)
def test_plan_downloads_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_downloads(**kwargs)


def test_remote_file_rejects_paths() -> None:
    with pytest.raises(ConfigError, match="bare file name"):
        RemoteFile("http://127.0.0.1/x.nc", "../x.nc")


def test_parse_years() -> None:
    assert parse_years("1982-1984, 1990,1983") == [1982, 1983, 1984, 1990]
    assert parse_years("2020") == [2020]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("abc", "cannot read 'abc'"),
        ("2019;2020", "cannot read"),
        ("82-90", "cannot read"),
        ("2020-2019", "runs backwards"),
        ("1975-1985", "outside the OISST"),
    ],
)
def test_download_cli_year_errors(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=message):
        download_cli("psl", text, tmp_path)
    assert not list(tmp_path.iterdir())


def test_download_cli(server: Server, tmp_path: Path) -> None:
    paths = download_cli(
        "psl", "2019-2020", tmp_path / "oisst", base_url=server.base, progress=False
    )
    assert [p.read_bytes() for p in paths] == [server.files[p.name] for p in paths]
    with pytest.raises(ConfigError, match="unknown --layout"):
        download_cli("nc", "2019", tmp_path)


def test_complete_part_left_before_rename_restarts(server: Server, tmp_path: Path) -> None:
    name = "sst.day.mean.2020.nc"
    (tmp_path / f"{name}.part").write_bytes(server.files[name])  # Range is unsatisfiable: 416
    (path,) = download(_psl(server, 2020), tmp_path, **FAST)
    assert [h.get("Range") for h in server.gets(name)] == [
        f"bytes={len(server.files[name])}-",
        None,
    ]
    assert path.read_bytes() == server.files[name]
