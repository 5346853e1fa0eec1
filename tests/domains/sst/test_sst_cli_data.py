"""``idff-ts data``: synthetic → download (local HTTP server) → prepare, and bad input.

The HTTP server listens on 127.0.0.1 only and serves files from a temporary folder; a watchdog
stops it after 60 s in any case. Every bad input exits non-zero with one line ``error: …`` on
stderr (2 for a bad flag value, 1 for bad data) and leaves existing outputs untouched.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from _oisst_http import clear_proxies, running
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.domains.sst.download import REGISTRY_NAME
from idff_ts.domains.sst.prepare import open_prepared

BOX = "89"  # one ETP tile (15°S–0°, 105°W–90°W): a 60 × 60 synthetic region, fast
START, END = "2019-12-28", "2020-01-04"  # 8 days in two PSL yearly files
N_DAYS = 8


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_error(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _tree(path: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``path`` (to prove it was not touched)."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``idff-ts data synthetic`` on one box: two PSL yearly files."""
    dest = tmp_path_factory.mktemp("cli_data") / "synthetic"
    result = run("data", "synthetic", "--start", START, "--end", END, "--dest", dest,
                 "--region", BOX, "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "synthetic demo data" in result.stdout
    assert "next: idff-ts data prepare" in result.stdout
    assert sorted(p.name for p in dest.iterdir()) == ["sst.day.mean.2019.nc",
                                                       "sst.day.mean.2020.nc"]
    return dest


# --------------------------------------------------------------------------- local HTTP server


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def send_head(self):  # type: ignore[override]
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.requests.append((self.command, self.path))  # type: ignore[attr-defined]
        return super().send_head()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


@pytest.fixture(scope="module")
def full_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two complete PSL years on a tiny 0.25° grid: what a real server sends (the downloader
    opens every file and refuses an incomplete year, so the 8-day synthetic files won't do)."""
    folder = tmp_path_factory.mktemp("full_years")
    for year in (2019, 2020):
        time = pd.date_range(f"{year}-01-01", f"{year}-12-31")
        lat = np.arange(-1.875, 0.0, 0.25, dtype=np.float32)
        lon = np.arange(180.125, 182.0, 0.25, dtype=np.float32)
        sst = 20 + np.zeros((time.size, lat.size, lon.size), np.float32)
        xr.Dataset({"sst": (("time", "lat", "lon"), sst)},
                   coords={"time": time, "lat": lat, "lon": lon}).to_netcdf(
            folder / f"sst.day.mean.{year}.nc")
    return folder


@pytest.fixture
def server(full_years: Path):
    """Serves complete yearly files on 127.0.0.1 (an ephemeral port); yields the httpd."""
    handler = functools.partial(_Handler, directory=str(full_years))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.requests = []  # type: ignore[attr-defined]
    httpd.lock = threading.Lock()  # type: ignore[attr-defined]
    with running(httpd) as base:
        httpd.base = base  # type: ignore[attr-defined]
        yield httpd


# --------------------------------------------------------------------------- happy paths


def test_download_then_cached(server, full_years: Path, tmp_path: Path) -> None:
    dest = tmp_path / "oisst"
    args = ("data", "download", "--layout", "psl", "--years", "2019-2020", "--dest", dest,
            "--base-url", server.base)
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "2 OISST file(s) ready" in result.stdout
    for name in ("sst.day.mean.2019.nc", "sst.day.mean.2020.nc"):
        assert (dest / name).read_bytes() == (full_years / name).read_bytes()
    assert (dest / REGISTRY_NAME).is_file()
    assert not list(dest.glob("*.part"))
    n = len(server.requests)
    assert n == 2

    again = run(*args, "--quiet")
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert len(server.requests) == n  # cached: verified from the registry, no request at all


def test_download_missing_year_is_one_line(server, tmp_path: Path) -> None:
    result = run("data", "download", "--years", "2018", "--dest", tmp_path / "d",
                 "--base-url", server.base, "--quiet")
    assert_error(result, 1, "HTTP 404", "sst.day.mean.2018.nc")


def test_synthetic_then_prepare(synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "tiles.zarr"
    result = run("data", "prepare", synthetic, "--output", out, "--boxes", BOX,
                 "--train", "2019..2019", "--window-days", "3")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "days" in text and str(N_DAYS) in text and "output size" in text
    assert "synthetic demo data" in text
    ds = open_prepared(out)
    try:
        assert dict(ds["sst"].sizes) == {"time": N_DAYS, "box": 1, "y": 60, "x": 60}
        assert ds["sst"].dims == ("time", "box", "y", "x")
        assert ds["clim_mean"].dims == ("doy", "box", "y", "x")
        assert ds["mask"].dims == ("box", "y", "x")
        assert ds["box"].values.tolist() == [int(BOX)]
        assert ds.attrs["train_start"] == "2019-01-01" and ds.attrs["train_end"] == "2019-12-31"
        assert pd.Timestamp(ds["time"].values[0]) == pd.Timestamp(START)
        sst = ds["sst"].values
        assert np.isfinite(sst[:, :, ds["mask"].values[0]]).all()
        # the synthetic tile round-trips: same values as the PSL file
        with xr.open_dataset(synthetic / "sst.day.mean.2020.nc") as raw:
            first = raw["sst"].isel(time=0).values
        np.testing.assert_allclose(sst[4, 0], first, equal_nan=True)
    finally:
        ds.close()

    quiet = run("data", "prepare", synthetic, "-o", tmp_path / "q.zarr", "--boxes", BOX,
                "--train", "2019..2020", "--quiet")
    assert quiet.exit_code == 0 and quiet.stdout == "", quiet.output


# --------------------------------------------------------------------------- bad input


def test_prepare_missing_path(tmp_path: Path) -> None:
    out = tmp_path / "out.zarr"
    result = run("data", "prepare", tmp_path / "nowhere", "--output", out)
    assert_error(result, 1, "not found", "nowhere")
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_prepare_wrong_variable(tmp_path: Path) -> None:
    t = pd.date_range("2020-01-01", periods=2)
    lat = np.arange(-15 + 0.125, 0, 0.25, dtype=np.float32)
    lon = np.arange(255 + 0.125, 270, 0.25, dtype=np.float32)
    ice = xr.Dataset({"icec": (("time", "lat", "lon"), np.zeros((2, 60, 60), np.float32))},
                     coords={"time": t, "lat": lat, "lon": lon})
    ice.to_netcdf(tmp_path / "icec.day.mean.2020.nc")
    result = run("data", "prepare", tmp_path / "icec.day.mean.2020.nc", "-o", tmp_path / "o.zarr")
    assert_error(result, 1, "no variable 'sst'", "icec")
    assert not (tmp_path / "o.zarr").exists()


@pytest.mark.parametrize("years, needle", [
    ("20x9", "cannot read '20x9'"),
    ("1700-1800", "outside the OISST v2.1 record"),
    ("2020-2019", "runs backwards"),
])
def test_download_bad_years(years: str, needle: str, tmp_path: Path) -> None:
    result = run("data", "download", "--years", years, "--dest", tmp_path / "d")
    assert_error(result, 2, "--years", needle)
    assert not (tmp_path / "d").exists()


def test_prepare_refuses_existing_output(synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "tiles.zarr"
    ok = run("data", "prepare", synthetic, "-o", out, "--boxes", BOX, "--train", "2019..2019",
             "--quiet")
    assert ok.exit_code == 0, ok.output
    before = _tree(out)
    result = run("data", "prepare", synthetic, "-o", out, "--boxes", BOX, "--train",
                 "2019..2020", "--quiet")
    assert_error(result, 1, "exists", "--overwrite")
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiles.zarr"]  # no temporary left

    replaced = run("data", "prepare", synthetic, "-o", out, "--boxes", BOX, "--train",
                   "2019..2020", "--overwrite", "--quiet")
    assert replaced.exit_code == 0, replaced.output
    ds = open_prepared(out)
    assert ds.attrs["train_end"] == "2020-12-31"
    ds.close()


@pytest.mark.parametrize("args, code, needle", [
    (["data", "prepare", "x.nc", "-o", "o.zarr", "--boxes", "pacific"], 2, "cannot read boxes"),
    (["data", "prepare", "x.nc", "-o", "o.zarr", "--boxes", "200"], 2, "0..191"),
    (["data", "prepare", "x.nc", "-o", "o.zarr", "--train", "2018..1982"], 2, "before its start"),
    (["data", "prepare", "x.nc"], 2, "--output"),
    (["data", "prepare", "x.nc", "-o", "o.zarr", "--window-days", "4"], 2, "odd"),
    (["data", "download", "--layout", "ftp", "--years", "2020", "--dest", "d"], 2, "ftp"),
    (["data", "synthetic", "--dest", "s", "--start", "2020-02-30"], 2, "cannot read"),
    (["data", "synthetic", "--dest", "s", "--start", "2020-02-01", "--end", "2020-01-01"], 2,
     "before --start"),
    (["data", "synthetic", "--dest", "s", "--region", "ocean"], 2, "box indices"),
])
def test_bad_flags_exit_2(args: list[str], code: int, needle: str, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert_error(run(*args), code, needle)
    assert list(tmp_path.iterdir()) == []


def test_synthetic_refuses_to_overwrite(synthetic: Path) -> None:
    before = _tree(synthetic)
    result = run("data", "synthetic", "--start", START, "--end", END, "--dest", synthetic,
                 "--region", BOX, "--seed", "2")
    assert_error(result, 1, "already holds", "--overwrite")
    assert _tree(synthetic) == before


def test_data_without_subcommand_prints_help() -> None:
    result = run("data")
    assert result.exit_code == 0, result.output
    for name in ("download", "prepare", "synthetic"):
        assert name in result.stdout
