"""Synthetic SST generator: determinism, physical plausibility, and the exact NOAA PSL layout."""

from __future__ import annotations

import json

import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.domains.sst.synthetic import (
    ETP_REGION,
    PSL_MISSING_VALUE,
    SyntheticSSTParams,
    climatology,
    generate_sst,
    iter_sst_years,
    ocean_mask,
    region_grid,
    write_psl_archive,
    write_synthetic_archive,
)
from idff_ts.errors import ConfigError, DataError

EQ_BAND = (-3.0, 3.0, 180.0, 270.0)  # the equatorial strip: warm pool to cold tongue, one island
COAST = (-5.0, 15.0, 250.0, 270.0)  # 80 × 80 points with the stylised coast and island
FAST = SyntheticSSTParams(spinup_days=60)


@pytest.fixture(scope="module")
def eq_band() -> xr.DataArray:
    return generate_sst("1982-01-01", "1984-12-31", region=EQ_BAND, seed=0)


@pytest.fixture(scope="module")
def coast() -> xr.DataArray:
    return generate_sst("1999-12-01", "2000-01-20", region=COAST, seed=3, params=FAST)


def _box_grid(index: int) -> tuple[np.ndarray, np.ndarray]:
    lat_band, lon_band = divmod(index, 24)
    return region_grid((-60 + 15 * lat_band, -45 + 15 * lat_band, 15 * lon_band, 15 * lon_band + 15))


# --------------------------------------------------------------------------- grid and mask


def test_etp_grid_is_oisst():
    lat, lon = region_grid(ETP_REGION)
    assert lat.dtype == lon.dtype == np.float32
    assert lat.size == 120 and lon.size == 360
    assert lat[0] == -14.875 and lat[-1] == 14.875 and lon[0] == 180.125 and lon[-1] == 269.875
    np.testing.assert_array_equal(np.diff(lat), 0.25)
    # The same centres as the global OISST grid.
    glob_lat = -89.875 + 0.25 * np.arange(720)
    assert np.isin(lat, glob_lat.astype(np.float32)).all()


def test_etp_boxes_are_ocean_and_box_113_is_not():
    for box in (84, 85, 86, 87, 88, 89, 108, 109, 110, 111, 112):
        lat, lon = _box_grid(box)
        assert lat.size == lon.size == 60
        assert ocean_mask(lat, lon).mean() >= 0.95, box
    assert 0.95 <= ocean_mask(*_box_grid(89)).mean() < 1.0  # the island: land inside a kept box
    assert ocean_mask(*_box_grid(113)).mean() < 0.95  # the coast, left out as in DYffusion


@pytest.mark.parametrize("region", [(-15, 15, 180), (-15.1, 15, 180, 270), (10, 5, 180, 270),
                                    (-15, 15, -10, 20)])
def test_bad_region(region):
    with pytest.raises(ConfigError):
        region_grid(region)


def test_region_object_with_edges():
    class Box:
        lat_min, lat_max, lon_min, lon_max = -15.0, 0.0, 255.0, 270.0

    lat, lon = region_grid(Box())
    assert lat.size == lon.size == 60 and lon[0] == np.float32(255.125)


# --------------------------------------------------------------------------- determinism


def test_deterministic_by_seed(coast):
    again = generate_sst("1999-12-01", "2000-01-20", region=COAST, seed=3, params=FAST)
    xr.testing.assert_identical(coast, again)
    other = generate_sst("1999-12-01", "2000-01-20", region=COAST, seed=4, params=FAST)
    diff = np.abs(other - coast).values
    assert np.nanmean(diff) > 0.05


def test_chunking_and_prefix_invariance(coast):
    pieces = list(iter_sst_years("1999-12-01", "2000-01-20", region=COAST, seed=3, params=FAST))
    assert [p.time.dt.year.values[0] for p in pieces] == [1999, 2000]
    xr.testing.assert_identical(xr.concat(pieces, "time"), coast)
    short = generate_sst("1999-12-01", "1999-12-20", region=COAST, seed=3, params=FAST)
    xr.testing.assert_identical(short, coast.sel(time=slice(None, "1999-12-20")))


# --------------------------------------------------------------------------- physics


def test_plausible_range_and_daily_grid(eq_band):
    assert eq_band.dtype == np.float32 and eq_band.dims == ("time", "lat", "lon")
    assert eq_band.sizes["time"] == 365 * 3 + 1  # 1984 is a leap year
    assert (pd.DatetimeIndex(eq_band.time.values) == pd.date_range("1982-01-01", "1984-12-31")).all()
    v = eq_band.values
    assert np.nanmin(v) > 15.0 and np.nanmax(v) < 32.0
    np.testing.assert_allclose(v[np.isfinite(v)], np.round(v[np.isfinite(v)], 2), atol=1e-5)


def test_cold_tongue_cooler_in_the_east(eq_band):
    mean = eq_band.mean("time")
    west = float(mean.sel(lon=slice(180, 190)).mean())
    east = float(mean.sel(lon=slice(255, 265)).mean())
    assert west > 28.0 and east < 26.0 and west - east > 3.0


def _annual_harmonic(series: np.ndarray, times: pd.DatetimeIndex) -> tuple[float, float]:
    """Amplitude and day of maximum of the least-squares annual harmonic (with a trend)."""
    w = 2 * np.pi * np.asarray(times.day_of_year) / 365.25
    x = np.arange(times.size) / 365.25
    design = np.stack([np.ones_like(w), x, np.cos(w), np.sin(w)], axis=1)
    coef, *_ = np.linalg.lstsq(design, series, rcond=None)
    amp = float(np.hypot(coef[2], coef[3]))
    peak = float(np.arctan2(coef[3], coef[2]) % (2 * np.pi) * 365.25 / (2 * np.pi))
    return amp, peak


def test_seasonal_cycle(eq_band):
    times = pd.DatetimeIndex(eq_band.time.values)
    east = eq_band.sel(lat=slice(-2, 1), lon=slice(250, 260)).mean(("lat", "lon")).values
    amp, peak = _annual_harmonic(east.astype(float), times)
    assert 1.0 <= amp <= 3.0
    assert 40 <= peak <= 140  # warmest in boreal spring, as the observed cold tongue
    west = eq_band.sel(lat=slice(-2, 1), lon=slice(180, 185)).mean(("lat", "lon")).values
    assert _annual_harmonic(west.astype(float), times)[0] < 0.6 * amp  # the cycle lives in the east


def test_anomalies_are_persistent_but_not_frozen(eq_band):
    anom = (eq_band - climatology(eq_band.time, EQ_BAND)).values
    ocean = np.isfinite(anom[0])
    a = anom[:, ocean] - anom[:, ocean].mean(0)
    lag1 = (a[1:] * a[:-1]).sum(0) / np.sqrt((a[1:] ** 2).sum(0) * (a[:-1] ** 2).sum(0))
    assert 0.8 <= lag1.mean() <= 0.99
    assert 0.2 < a.std(0).mean() < 1.5
    # Westward propagation: the lagged cross-correlation peaks for an upstream (eastern) shift.
    row = anom[:, 12, :300]  # 0.125°N, 180–255°E
    row = row - row.mean(0)
    shifts = range(0, 9)
    corr = [np.mean(row[5:, : 300 - 8] * row[:-5, s : 300 - 8 + s]) for s in shifts]
    assert int(np.argmax(corr)) >= 2  # 5 days at ≈ 1 cell/day


def test_land_mask_fixed_in_time(coast):
    land = np.isnan(coast.values)
    assert land.any()
    assert (land == land[0]).all()
    np.testing.assert_array_equal(~land[0], ocean_mask(coast.lat.values, coast.lon.values))
    np.testing.assert_array_equal(np.isnan(climatology(coast.time[:1], COAST).values[0]), land[0])


def test_courant_substeps_keep_fast_currents_stable():
    fast = SyntheticSSTParams(spinup_days=30, current_speed=2.0, diffusivity=5000.0)
    da = generate_sst("2000-01-01", "2000-02-29", region=EQ_BAND, seed=0, params=fast)
    default = generate_sst("2000-01-01", "2000-01-02", region=EQ_BAND, seed=0, params=FAST)
    assert da.attrs["synthetic_substeps_per_day"] > default.attrs["synthetic_substeps_per_day"]
    v = da.values
    assert np.isfinite(v).sum() == np.isfinite(v[0]).sum() * v.shape[0]
    assert np.nanmin(v) > 15.0 and np.nanmax(v) < 33.0


def test_params_validated_and_recorded(coast):
    with pytest.raises(ConfigError):
        SyntheticSSTParams(relaxation_days=0)
    assert json.loads(coast.attrs["synthetic_params"])["spinup_days"] == 60
    assert "SYNTHETIC" in coast.attrs["title"] and coast.attrs["units"] == "degC"


# --------------------------------------------------------------------------- PSL layout


def test_psl_layout(coast, tmp_path):
    paths = write_psl_archive(coast, tmp_path)
    assert [p.name for p in paths] == ["sst.day.mean.1999.nc", "sst.day.mean.2000.nc"]
    with netCDF4.Dataset(paths[1]) as nc:
        assert nc.data_model == "NETCDF4"
        assert set(nc.variables) == {"sst", "time", "lat", "lon"}
        assert nc.getncattr("Conventions") == "CF-1.5"
        assert "SYNTHETIC" in nc.title and "not NOAA OISST" in nc.title
        sst, time, lat, lon = (nc.variables[n] for n in ("sst", "time", "lat", "lon"))
        assert sst.dimensions == ("time", "lat", "lon") and sst.dtype == np.float32
        assert sst.missing_value == PSL_MISSING_VALUE and sst._FillValue == PSL_MISSING_VALUE
        assert sst.missing_value.dtype == np.float32
        assert sst.units == "degC" and "SYNTHETIC" in sst.dataset
        assert sst.filters()["zlib"]
        assert time.dtype == np.float64 and time.units == "days since 1800-01-01 00:00:00"
        assert time[0] == (pd.Timestamp("2000-01-01") - pd.Timestamp("1800-01-01")).days
        np.testing.assert_array_equal(np.diff(time[:]), 1.0)
        assert lat.dtype == lon.dtype == np.float32
        assert lat.units == "degrees_north" and lon.units == "degrees_east"
        assert (np.diff(lat[:]) > 0).all() and 0 <= lon[0] < lon[-1] < 360
        sst.set_auto_mask(False)
        raw = sst[0]
        land = ~ocean_mask(lat[:], lon[:])
        assert land.any() and (raw[land] == PSL_MISSING_VALUE).all()
        assert (raw[~land] > 15).all()


def test_psl_round_trip(coast, tmp_path):
    paths = write_psl_archive(coast, tmp_path)
    back = xr.concat([xr.open_dataset(p)["sst"].load() for p in paths], "time")
    assert back.dtype == np.float32
    assert (back.time.dt.hour == 0).all()
    np.testing.assert_array_equal(back.values, coast.values)  # NaN == NaN here
    np.testing.assert_array_equal(back.time.values, coast.time.values)
    np.testing.assert_array_equal(back.lat.values, coast.lat.values)
    np.testing.assert_array_equal(back.lon.values, coast.lon.values)


def test_psl_years_selection_and_errors(coast, tmp_path):
    assert [p.name for p in write_psl_archive(coast, tmp_path, years=[2000])] == [
        "sst.day.mean.2000.nc"
    ]
    assert not (tmp_path / "sst.day.mean.1999.nc").exists()
    with pytest.raises(DataError, match="1990"):
        write_psl_archive(coast, tmp_path, years=[1990])
    with pytest.raises(DataError):
        write_psl_archive(coast.isel(lat=0), tmp_path)
    assert not list(tmp_path.glob(".*tmp*"))


def test_streaming_archive_equals_in_memory(coast, tmp_path):
    paths = write_synthetic_archive(tmp_path, "1999-12-01", "2000-01-20", region=COAST, seed=3,
                                    params=FAST)
    back = xr.concat([xr.open_dataset(p)["sst"].load() for p in paths], "time")
    np.testing.assert_array_equal(back.values, coast.values)


def test_read_by_the_oisst_reader(coast, tmp_path):
    oisst = pytest.importorskip("idff_ts.domains.sst.oisst")
    write_psl_archive(coast, tmp_path)
    da = oisst.open_oisst(tmp_path).load()
    np.testing.assert_array_equal(da.values, coast.values)
    np.testing.assert_array_equal(da["mask"].values, ocean_mask(coast.lat.values, coast.lon.values))
