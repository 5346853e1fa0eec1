"""The OISST downloader against a local HTTP server on 127.0.0.1 (:mod:`_oisst_http`; no
internet needed): caching, resuming, checksums, retries, bad payloads and the CLI."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import xarray as xr
from _oisst_http import Server, clear_proxies, make_payloads, psl_dataset, serving

from idff_ts.domains.sst.download import (
    REGISTRY_NAME,
    DownloadError,
    RemoteFile,
    download,
    download_cli,
    plan_downloads,
)
from idff_ts.errors import ConfigError

FAST = {"progress": False, "backoff": 0.0, "timeout": 5}


@pytest.fixture(scope="module")
def payloads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """URL path → bytes: PSL files as netCDF-4 (HDF5) and netCDF-3, NCEI-named daily files."""
    return make_payloads(tmp_path_factory.mktemp("oisst_fixtures"))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxies(monkeypatch)


@pytest.fixture
def server(payloads: dict[str, bytes]) -> Iterator[Server]:
    with serving(payloads) as state:
        yield state


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
    (psl_dataset(2019) + 1.0).to_netcdf(changed, engine="netcdf4")
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


# --------------------------------------------------------------------------- CLI


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
