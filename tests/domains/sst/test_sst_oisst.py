"""OISST readers: both file layouts, v2.0 names, Zarr, CSV extracts, and the real fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.domains.sst.oisst import (
    PSL_MISSING_VALUE,
    check_continuous,
    open_oisst,
    read_oisst_csv,
    resolve_paths,
    scan_oisst,
    write_oisst,
)
from idff_ts.errors import DataError

SHARED = Path(
    os.environ.get("IDFF_SHARED_DATA")
    or Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
)
NCEI_REAL = SHARED / "oisst" / "oisst-avhrr-v02r01.20211025.nc"
TASMANIA = SHARED / "oisst" / "oisst_tasmania_2003_2004.nc"
WA4_CSV = SHARED / "oisst" / "oisst_wa_4px_1982_2022.csv"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"real fixture {path.name} not found under {SHARED} (set IDFF_SHARED_DATA)")


def _field(start: str, days: int, *, lat0: float = -1.0, lon0: float = 180.0, n: int = 8,
           seed: int = 0) -> xr.DataArray:
    """SST °C on a small 0.25° grid, two decimals (exact in both layouts), land in one corner."""
    lat = lat0 + 0.125 + 0.25 * np.arange(n)
    lon = lon0 + 0.125 + 0.25 * np.arange(n + 2)
    rng = np.random.default_rng(seed)
    v = np.round(25 + rng.normal(size=(days, lat.size, lon.size)), 2).astype(np.float32)
    v[:, :2, :3] = np.nan
    return xr.DataArray(
        v, dims=("time", "lat", "lon"),
        coords={"time": pd.date_range(start, periods=days), "lat": lat, "lon": lon}, name="sst",
    )


def _plain(da: xr.DataArray) -> xr.DataArray:
    return da.drop_attrs() if hasattr(da, "drop_attrs") else da.copy(deep=False).assign_attrs({})


# --------------------------------------------------------------------------- PSL layout


def test_psl_fixture_has_the_psl_encoding(tmp_path: Path) -> None:
    path = write_oisst(_field("2020-01-01", 3), tmp_path / "sst.day.mean.2020.nc")
    with netCDF4.Dataset(path) as nc:
        sst = nc["sst"]
        assert sst.dtype == np.float32 and sst.dimensions == ("time", "lat", "lon")
        assert np.float32(sst.missing_value) == PSL_MISSING_VALUE
        assert "_FillValue" not in sst.ncattrs()
        assert nc["time"].units.startswith("days since 1800-01-01")
        sst.set_auto_mask(False)
        assert np.float32(sst[0, 0, 0]) == PSL_MISSING_VALUE  # land stored as missing_value


def test_psl_loads_normalised_and_lazy(tmp_path: Path) -> None:
    src = _field("2020-01-01", 4)
    write_oisst(src, tmp_path / "sst.day.mean.2020.nc")
    da = open_oisst(tmp_path / "sst.day.mean.2020.nc")
    assert da.chunks is not None  # dask, lazy
    assert da.dims == ("time", "lat", "lon") and da.dtype == np.float32 and da.name == "sst"
    assert (da.indexes["time"] == pd.date_range("2020-01-01", periods=4)).all()
    np.testing.assert_array_equal(da.values, src.values)  # missing_value -> NaN
    assert da.attrs["units"] == "degC"
    assert da["mask"].dims == ("lat", "lon") and da["mask"].dtype == bool
    np.testing.assert_array_equal(da["mask"].values, np.isfinite(src.values[0]))


# --------------------------------------------------------------------------- both layouts


def test_ncei_and_psl_layouts_load_identically(tmp_path: Path) -> None:
    src = _field("2020-12-30", 4)
    (tmp_path / "ncei").mkdir()
    for day in src.time.values:
        name = f"oisst-avhrr-v02r01.{pd.Timestamp(day):%Y%m%d}.nc"
        write_oisst(src.sel(time=[day]), tmp_path / "ncei" / name, layout="ncei")
    with netCDF4.Dataset(next((tmp_path / "ncei").glob("*.nc"))) as nc:
        assert nc["sst"].dimensions == ("time", "zlev", "lat", "lon")
        assert nc["sst"].dtype == np.int16 and nc["sst"]._FillValue == -999
        assert nc["time"].units.startswith("days since 1978-01-01 12:00")
    ncei = open_oisst(tmp_path / "ncei")
    assert ncei.sizes == {"time": 4, "lat": 8, "lon": 10}  # zlev squeezed
    assert (ncei.indexes["time"] == src.indexes["time"]).all()  # 12:00 floored to the day
    np.testing.assert_allclose(ncei.values, src.values, atol=0.006)
    # the same days written as PSL yearly files (2020 and 2021) load to the identical array
    for year in ("2020", "2021"):
        write_oisst(ncei.sel(time=year), tmp_path / "psl" / f"sst.day.mean.{year}.nc")
    psl = open_oisst(tmp_path / "psl")
    xr.testing.assert_identical(_plain(psl), _plain(ncei))


def test_v20_names_mixed_layouts_and_folder_selection(tmp_path: Path) -> None:
    src = _field("2019-12-30", 4)
    write_oisst(src.sel(time="2019"), tmp_path / "sst.day.mean.2019.v2.nc")
    for day in src.sel(time="2020").time.values:
        write_oisst(src.sel(time=[day]), tmp_path / f"avhrr-only-v2.{pd.Timestamp(day):%Y%m%d}.nc",
                    layout="ncei")
    write_oisst(src.rename("icec"), tmp_path / "icec.day.mean.2019.nc")  # not OISST-SST-named
    files = resolve_paths(tmp_path)
    assert [p.name for p in files] == [
        "avhrr-only-v2.20200101.nc", "avhrr-only-v2.20200102.nc", "sst.day.mean.2019.v2.nc"
    ]
    assert [f.layout for f in scan_oisst(tmp_path)] == ["psl", "ncei", "ncei"]
    da = open_oisst(tmp_path)
    assert da.attrs["oisst_layouts"] == "ncei,psl"
    np.testing.assert_allclose(da.values, src.values, atol=0.006)
    # the same files by glob and by list
    xr.testing.assert_identical(open_oisst(str(tmp_path / "*v2*.nc")), da)
    xr.testing.assert_identical(open_oisst([str(p) for p in files]), da)


def test_preliminary_file_dropped_when_final_present(tmp_path: Path) -> None:
    src = _field("2024-01-01", 1)
    write_oisst(src, tmp_path / "oisst-avhrr-v02r01.20240101.nc", layout="ncei")
    write_oisst(src + 1, tmp_path / "oisst-avhrr-v02r01.20240101_preliminary.nc", layout="ncei")
    assert [p.name for p in resolve_paths(tmp_path)] == ["oisst-avhrr-v02r01.20240101.nc"]
    np.testing.assert_allclose(open_oisst(tmp_path).values, src.values, atol=0.006)


def test_zarr_store_of_the_same_schema(tmp_path: Path) -> None:
    src = _field("2020-01-01", 3)
    src.to_dataset().to_zarr(tmp_path / "sst.zarr", zarr_format=2, consolidated=True)
    da = open_oisst(tmp_path / "sst.zarr")
    np.testing.assert_array_equal(da.values, src.values)
    assert scan_oisst(tmp_path / "sst.zarr")[0].layout == "zarr"
    assert [p.name for p in resolve_paths(tmp_path)] == ["sst.zarr"]  # a store, not a folder


def test_longitudes_to_0_360_and_latitudes_ascending(tmp_path: Path) -> None:
    src = _field("2020-01-01", 2, lon0=179.0)  # straddles the dateline
    east = src.assign_coords(lon=((src.lon + 180) % 360) - 180).sortby("lon")
    flipped = east.isel(lat=slice(None, None, -1))
    write_oisst(flipped, tmp_path / "sst.day.mean.2020.nc")
    da = open_oisst(tmp_path / "sst.day.mean.2020.nc")
    assert float(da.lon.min()) >= 0 and float(da.lon.max()) < 360
    assert da.indexes["lon"].is_monotonic_increasing and da.indexes["lat"].is_monotonic_increasing
    np.testing.assert_allclose(da.lon.values, src.lon.values)
    np.testing.assert_array_equal(da.values, src.values)


# --------------------------------------------------------------------------- errors


def test_no_files_match(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no files match"):
        open_oisst(str(tmp_path / "sst.day.mean.*.nc"))
    with pytest.raises(DataError, match="no OISST files in the folder"):
        open_oisst(tmp_path)
    with pytest.raises(DataError, match="not found"):
        open_oisst(tmp_path / "missing.nc")


def test_wrong_variable_is_named(tmp_path: Path) -> None:
    write_oisst(_field("2020-01-01", 1).rename("icec"), tmp_path / "icec.day.mean.2020.nc")
    with pytest.raises(DataError, match=r"no variable 'sst'.*\['icec'\].*sea-ice"):
        open_oisst(tmp_path / "icec.day.mean.2020.nc")
    write_oisst(_field("2020-01-01", 1).rename("analysed_sst"), tmp_path / "other.nc")
    with pytest.raises(DataError, match=r"\['analysed_sst'\].*var=<name>"):
        open_oisst(tmp_path / "other.nc")
    assert open_oisst(tmp_path / "other.nc", var="analysed_sst").sizes["time"] == 1


def test_duplicate_days_across_layouts_are_refused(tmp_path: Path) -> None:
    src = _field("2020-01-01", 3)
    write_oisst(src, tmp_path / "sst.day.mean.2020.nc")
    write_oisst(src.isel(time=[2]), tmp_path / "oisst-avhrr-v02r01.20200103.nc", layout="ncei")
    with pytest.raises(DataError, match=r"2020-01-03 in .*sst.day.mean.2020.nc.*oisst-avhrr|"
                                        r"2020-01-03 in .*oisst-avhrr.*sst.day.mean"):
        open_oisst(tmp_path)


def test_other_grid_is_refused(tmp_path: Path) -> None:
    write_oisst(_field("2020-01-01", 1), tmp_path / "oisst-avhrr-v02r01.20200101.nc", layout="ncei")
    write_oisst(_field("2020-01-02", 1, lat0=5.0), tmp_path / "oisst-avhrr-v02r01.20200102.nc",
                layout="ncei")
    with pytest.raises(DataError, match="another lat grid"):
        open_oisst(tmp_path)


def test_missing_days_are_named() -> None:
    days = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-07"])
    with pytest.raises(DataError, match=r"3 missing day\(s\).*2020-01-03\.\.2020-01-04, 2020-01-06"):
        check_continuous(days)
    with pytest.raises(DataError, match="2019-12-31"):
        check_continuous(days[:2], "2019-12-31", "2020-01-02")
    ok = check_continuous(pd.date_range("2020-01-01 12:00", periods=3))
    assert ok[0] == pd.Timestamp("2020-01-01") and len(ok) == 3


def test_requested_window_must_be_complete(tmp_path: Path) -> None:
    src = _field("2020-01-01", 6)
    write_oisst(src.isel(time=[0, 1, 2, 4, 5]), tmp_path / "sst.day.mean.2020.nc")
    path = tmp_path / "sst.day.mean.2020.nc"
    assert open_oisst(path, start="2020-01-01", end="2020-01-03").sizes["time"] == 3
    with pytest.raises(DataError, match="2020-01-04"):
        open_oisst(path, start="2020-01-02", end="2020-01-06")


def test_mask_from_first_or_all_days(tmp_path: Path) -> None:
    src = _field("2020-01-01", 3)
    src[0, 5, 5] = np.nan  # missing on the first day only
    write_oisst(src, tmp_path / "sst.day.mean.2020.nc")
    first = open_oisst(tmp_path / "sst.day.mean.2020.nc")["mask"]
    every = open_oisst(tmp_path / "sst.day.mean.2020.nc", mask_from="all")["mask"]
    assert not bool(first[5, 5]) and bool(every[5, 5])
    assert int((~first).sum()) == 7 and int((~every).sum()) == 6
    assert "mask" not in open_oisst(tmp_path / "sst.day.mean.2020.nc", mask_from=None).coords


# --------------------------------------------------------------------------- real fixtures


@pytest.mark.shared_data
def test_real_ncei_file(tmp_path: Path) -> None:
    _need(NCEI_REAL)
    da = open_oisst(NCEI_REAL)
    assert da.dims == ("time", "lat", "lon") and da.sizes == {"time": 1, "lat": 720, "lon": 1440}
    assert da.indexes["time"][0] == pd.Timestamp("2021-10-25")  # 12:00 floored
    assert da.dtype == np.float32
    v = da.values
    ocean = np.isfinite(v)
    assert -2.0 <= np.nanmin(v) and np.nanmax(v) <= 35.0  # unpacked °C
    assert 0.25 < 1 - ocean.mean() < 0.40  # land (and no-data) NaN
    np.testing.assert_array_equal(da["mask"].values, ocean[0])
    assert da.lon.values[0] == pytest.approx(0.125) and da.lon.values[-1] == pytest.approx(359.875)
    assert da.lat.values[0] == pytest.approx(-89.875)
    # Niño-3.4 region in late October 2021 (La Niña): warm tropical water, no land
    nino = da.sel(lat=slice(-5, 5), lon=slice(190, 240))
    assert 24 < float(nino.mean()) < 29 and bool(nino.notnull().all())
    # the same day in the PSL layout loads identically
    write_oisst(da, tmp_path / "sst.day.mean.2021.nc")
    xr.testing.assert_identical(_plain(open_oisst(tmp_path / "sst.day.mean.2021.nc")), _plain(da))


@pytest.mark.shared_data
def test_real_tasmania_extract() -> None:
    _need(TASMANIA)
    da = open_oisst(TASMANIA)
    assert da.sizes == {"time": 731, "lat": 8, "lon": 4}
    t = da.indexes["time"]
    assert t[0] == pd.Timestamp("2003-01-01") and t[-1] == pd.Timestamp("2004-12-31")
    check_continuous(t)
    assert float(1 - da["mask"].mean()) == pytest.approx(0.625)
    all_days = open_oisst(TASMANIA, mask_from="all")["mask"]
    np.testing.assert_array_equal(all_days.values, da["mask"].values)
    ocean = da.where(da["mask"])
    assert 10 < float(ocean.mean()) < 20  # Tasmanian east coast


@pytest.mark.shared_data
def test_real_wa_csv() -> None:
    _need(WA4_CSV)
    grid = read_oisst_csv(WA4_CSV)
    assert grid.sizes == {"time": 14975, "lat": 2, "lon": 2}
    assert grid.indexes["time"][0] == pd.Timestamp("1982-01-01")
    assert grid.indexes["time"][-1] == pd.Timestamp("2022-12-31")
    check_continuous(grid.indexes["time"])
    np.testing.assert_allclose(grid.lat.values, [-29.375, -29.125])
    np.testing.assert_allclose(grid.lon.values, [112.625, 112.875])
    assert bool(grid["mask"].all()) and bool(grid.notnull().all())
    assert grid.values[0, 0, 0] == pytest.approx(20.94, abs=1e-5)
    pix = read_oisst_csv(WA4_CSV, layout="pixel")
    assert pix.sizes == {"time": 14975, "pixel": 4}
    np.testing.assert_array_equal(pix.values.reshape(-1, 2, 2), grid.values)
