"""Planning OISST downloads (URLs, year lists, NCEI's preliminary fallback) and refusing bad
requests before anything is fetched: no server, no network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from idff_ts.domains.sst.download import (
    NCEI_BASE_URL,
    PSL_BASE_URL,
    RemoteFile,
    download_cli,
    parse_years,
    plan_downloads,
)
from idff_ts.errors import ConfigError


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
