"""Hostile downloads: what a server sends is verified before it gets its final name.

A local HTTP server on 127.0.0.1 (no internet) serves in-memory bytes by path, each with a
``Content-Length`` that matches what it sends: so a file cut in half looks like a complete
transfer, and only opening it and checking its content (the year's time axis, the grid, every
value) can tell. Each bad file must end in one ``DownloadError`` line and leave no file under
its final name (nor a ``.part``).
"""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.errors import IdffError

download_mod = pytest.importorskip("idff_ts.domains.sst.download")
FAST = {"progress": False, "backoff": 0.0, "timeout": 5, "retries": 0}


def _oisst(days: pd.DatetimeIndex, step: float = 0.25) -> xr.Dataset:
    lat = np.arange(-1.875, 2.0, step, dtype=np.float32)[:8]
    lon = np.arange(180.125, 184.0, step, dtype=np.float32)[:8]
    sst = 20 + np.random.default_rng(0).standard_normal((days.size, lat.size, lon.size))
    ds = xr.Dataset({"sst": (("time", "lat", "lon"), sst.astype(np.float32))},
                    coords={"time": days, "lat": lat, "lon": lon})
    ds.time.encoding["units"] = "days since 1800-01-01 00:00:00"
    return ds


def _bytes(ds: xr.Dataset, folder: Path, name: str) -> bytes:
    path = folder / name
    ds.to_netcdf(path, engine="netcdf4")
    return path.read_bytes()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    full = _bytes(_oisst(pd.date_range("2019-01-01", "2019-12-31")), folder, "full.nc")
    files = {
        "sst.day.mean.2019.nc": full,
        "cut/sst.day.mean.2019.nc": full[: len(full) // 2],
        "short/sst.day.mean.2019.nc": _bytes(_oisst(pd.date_range("2019-01-01", periods=200)),
                                             folder, "short.nc"),
        "gap/sst.day.mean.2019.nc": _bytes(_oisst(pd.date_range("2019-01-01", "2019-12-31")
                                                  .delete(100)), folder, "gap.nc"),
        "grid/sst.day.mean.2019.nc": _bytes(_oisst(pd.date_range("2019-01-01", "2019-12-31"),
                                                   step=1.0), folder, "grid.nc"),
        "novar/sst.day.mean.2019.nc": _bytes(_oisst(pd.date_range("2019-01-01", "2019-12-31"))
                                             .rename(sst="analysed_sst"), folder, "novar.nc"),
        "html/sst.day.mean.2019.nc": b"<html>503 Service Unavailable</html>",
        "day/oisst-avhrr-v02r01.20200105.nc": _bytes(_oisst(pd.date_range("2020-01-04",
                                                                          periods=1)),
                                                     folder, "day.nc"),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = files.get(self.path.lstrip("/"))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self):  # noqa: N802
            body = files.get(self.path.lstrip("/"))
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def _get(url: str, name: str, dest: Path):
    rf = download_mod.RemoteFile(url=url, filename=name)
    return download_mod.download([rf], dest, **FAST)


BAD = [
    ("cut-in-half-with-matching-length", "cut/sst.day.mean.2019.nc", ("incomplete",)),
    ("200-days-of-a-past-year", "short/sst.day.mean.2019.nc", ("time axis", "365")),
    ("a-missing-day", "gap/sst.day.mean.2019.nc", ("time axis",)),
    ("one-degree-grid", "grid/sst.day.mean.2019.nc", ("grid",)),
    ("no-sst-variable", "novar/sst.day.mean.2019.nc", ("sst",)),
    ("html-error-page", "html/sst.day.mean.2019.nc", ("netcdf",)),
    ("daily-file-of-another-day", "day/oisst-avhrr-v02r01.20200105.nc", ("2020-01-05",)),
    ("not-found", "nothere/sst.day.mean.2019.nc", ("404",)),
]


@pytest.mark.parametrize("name,path,needles", BAD, ids=[c[0] for c in BAD])
def test_bad_download_never_gets_its_final_name(server, tmp_path, name, path, needles):
    filename = path.rsplit("/", 1)[-1]
    with pytest.raises(IdffError) as err:
        _get(server + path, filename, tmp_path)
    message = str(err.value)
    assert "\n" not in message
    for needle in needles:
        assert needle.lower() in message.lower(), message
    assert not (tmp_path / filename).exists()
    assert not list(tmp_path.glob("*.part"))


def test_a_complete_year_is_accepted(server, tmp_path):
    [path] = _get(server + "sst.day.mean.2019.nc", "sst.day.mean.2019.nc", tmp_path)
    with xr.open_dataset(path) as ds:
        assert ds.sizes["time"] == 365


def test_the_current_year_may_end_early(tmp_path):
    from idff_ts.domains.sst.download.verify import expected_days

    days, may_end_early = expected_days(f"sst.day.mean.{dt.date.today().year}.nc")
    assert may_end_early and days[0] == np.datetime64(f"{dt.date.today().year}-01-01")
    days, may_end_early = expected_days("sst.day.mean.2019.nc")
    assert not may_end_early and days.size == 365


CLI = [
    ("timeout-zero", ["--timeout", "0"], ("timeout",)),
    ("retries-negative", ["--retries", "-1"], ("retries",)),
    ("cut-file", ["--base-url", "{server}cut/"], ("incomplete",)),
]


@pytest.mark.parametrize("name,args,needles", CLI, ids=[c[0] for c in CLI])
def test_download_command_one_line(hostile, server, tmp_path, name, args, needles):
    (tmp_path / "d").mkdir()
    argv = ["data", "download", "--years", "2019", "--dest", "d", "--retries", "0", "-q"]
    hostile([*argv, *[a.replace("{server}", server) for a in args]], (1, 2), needles)
    assert not (tmp_path / "d" / "sst.day.mean.2019.nc").exists()
