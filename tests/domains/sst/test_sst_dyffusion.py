"""DYffusion protocol: box geometry, the ocean rule, splits and day-of-year standardisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.domains.sst.dyffusion import (
    ETP_BOXES,
    N_BOXES,
    SPLITS,
    DoyClimatology,
    box_bounds,
    box_index,
    day_range,
    doy_slot,
    extract_boxes,
    ocean_boxes,
    ocean_fraction,
    parse_boxes,
    parse_period,
    select_split,
)
from idff_ts.errors import ConfigError, DataError


def _grid(lat0: float, lat1: float, lon0: float, lon1: float) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(lat0 + 0.125, lat1, 0.25), np.arange(lon0 + 0.125, lon1, 0.25)


def _coded(lat: np.ndarray, lon: np.ndarray, days: int = 2) -> xr.DataArray:
    """Values that encode their own position: 1000·lat + lon + day."""
    v = 1000 * lat[None, :, None] + lon[None, None, :] + np.arange(days)[:, None, None]
    return xr.DataArray(
        v.astype(np.float64), dims=("time", "lat", "lon"),
        coords={"time": pd.date_range("2020-01-01", periods=days), "lat": lat, "lon": lon},
    )


# --------------------------------------------------------------------------- geometry


def test_etp_box_coordinates_exactly() -> None:
    expected = {
        84: (-15.0, 0.0, 180.0, 195.0),   # 15°S–0°, 180°–165°W
        89: (-15.0, 0.0, 255.0, 270.0),   # 15°S–0°, 105°W–90°W
        108: (0.0, 15.0, 180.0, 195.0),   # 0°–15°N, 180°–165°W
        112: (0.0, 15.0, 240.0, 255.0),   # 0°–15°N, 120°W–105°W
    }
    for index, (la0, la1, lo0, lo1) in expected.items():
        b = box_bounds(index)
        assert (b.lat_min, b.lat_max, b.lon_min, b.lon_max) == (la0, la1, lo0, lo1)
        assert b.lat[0] == la0 + 0.125 and b.lat[-1] == la1 - 0.125 and b.lat.size == 60
        assert b.lon[0] == lo0 + 0.125 and b.lon[-1] == lo1 - 0.125 and b.lon.size == 60
    assert str(box_bounds(84)) == "box 84: 15°S–0°, 180°–165°W"
    assert str(box_bounds(89)) == "box 89: 15°S–0°, 105°W–90°W"
    assert str(box_bounds(112)) == "box 112: 0°–15°N, 120°W–105°W"
    assert ETP_BOXES == (*range(84, 90), *range(108, 113))
    south = [box_bounds(i) for i in range(84, 90)]
    north = [box_bounds(i) for i in range(108, 113)]
    assert {b.lat_min for b in south} == {-15.0} and {b.lat_max for b in north} == {15.0}
    assert south[0].lon_min == 180 and south[-1].lon_max == 270  # 180°–90°W
    assert north[0].lon_min == 180 and north[-1].lon_max == 255  # 180°–105°W


def test_numbering_covers_the_band_once() -> None:
    assert N_BOXES == 192
    first, last = box_bounds(0), box_bounds(191)
    assert (first.lat_min, first.lon_min) == (-60.0, 0.0)
    assert (last.lat_max, last.lon_max) == (60.0, 360.0)
    for i in range(N_BOXES):
        b = box_bounds(i)
        assert box_index(b.lat[30], b.lon[30]) == i
        assert box_index(b.lat[30], b.lon[30] - 360) == i  # −180..180 longitudes too
    with pytest.raises(ConfigError):
        box_bounds(192)


def test_extract_boxes_on_a_regional_grid() -> None:
    lat, lon = _grid(-15, 15, 180, 270)  # just the ETP region
    da = _coded(lat, lon)
    da = da.assign_coords(mask=(("lat", "lon"), np.ones((lat.size, lon.size), bool)))
    tiles = extract_boxes(da.chunk({"time": 1}))
    assert tiles.chunks is not None  # lazy stays lazy
    assert tiles.dims == ("time", "box", "y", "x") and tiles.shape == (2, 11, 60, 60)
    assert tiles["lat"].dims == ("box", "y") and tiles["lon"].dims == ("box", "x")
    assert tiles["mask"].dims == ("box", "y", "x")
    for b in ETP_BOXES:
        t = tiles.sel(box=b)
        bb = box_bounds(b)
        np.testing.assert_allclose(t["lat"].values, bb.lat)
        np.testing.assert_allclose(t["lon"].values, bb.lon)
        expect = 1000 * bb.lat[None, :, None] + bb.lon[None, None, :] + np.arange(2)[:, None, None]
        np.testing.assert_allclose(t.values, expect)


def test_extract_boxes_on_the_global_grid() -> None:
    lat, lon = _grid(-90, 90, 0, 360)
    da = _coded(lat, lon, days=1)
    tiles = extract_boxes(da, boxes=[0, 191, 84])
    assert float(tiles.sel(box=0)[0, 0, 0]) == pytest.approx(1000 * -59.875 + 0.125)
    assert float(tiles.sel(box=191)[0, -1, -1]) == pytest.approx(1000 * 59.875 + 359.875)
    assert float(tiles.sel(box=84)[0, 0, 0]) == pytest.approx(1000 * -14.875 + 180.125)


def test_extract_boxes_refuses_a_grid_without_the_box() -> None:
    lat, lon = _grid(-15, 15, 180, 260)  # misses the eastern end of box 89
    with pytest.raises(DataError, match="box 89.*60 lon points"):
        extract_boxes(_coded(lat, lon), ETP_BOXES)
    lat_half, lon_half = np.arange(-14.75, 15, 0.5), np.arange(180.25, 270, 0.5)
    with pytest.raises(DataError, match="0.25"):
        extract_boxes(_coded(lat_half, lon_half), [84])


def test_ocean_rule_on_the_first_day() -> None:
    lat, lon = _grid(-15, 15, 180, 270)
    first = _coded(lat, lon, days=2)
    i84 = (slice(0, 60), slice(0, 60))
    i85 = (slice(0, 60), slice(60, 120))
    land84 = np.zeros((60, 60), bool)
    land84.flat[:144] = True  # 4 % land: kept
    land85 = np.zeros((60, 60), bool)
    land85.flat[:216] = True  # 6 % land: dropped
    v = first.values
    v[0][i84][land84] = np.nan
    v[0][i85][land85] = np.nan
    v[1, :, :] = np.nan  # the second day does not count
    frac = ocean_fraction(first)
    assert sorted(frac["box"].values) == [*range(84, 90), *range(108, 114)]  # fully covered only
    assert float(frac.sel(box=84)) == pytest.approx(0.96)
    assert float(frac.sel(box=85)) == pytest.approx(0.94)
    kept = ocean_boxes(first)
    assert 84 in kept and 85 not in kept and len(kept) == 11
    assert 85 in ocean_boxes(first, threshold=0.9)
    assert ocean_boxes(np.isfinite(first.isel(time=0)), boxes=ETP_BOXES) == tuple(
        b for b in ETP_BOXES if b != 85
    )


def test_parse_boxes() -> None:
    assert parse_boxes("etp") == ETP_BOXES
    assert parse_boxes("84-89,108-112") == ETP_BOXES
    assert parse_boxes("ocean") == "ocean" and len(parse_boxes("all")) == 192
    with pytest.raises(ConfigError):
        parse_boxes("84-x")
    with pytest.raises(ConfigError):
        parse_boxes("300")


# --------------------------------------------------------------------------- splits


def test_splits() -> None:
    assert SPLITS == {
        "train": ("1982-01-01", "2018-12-31"),
        "val": ("2019-01-01", "2019-12-31"),
        "test": ("2020-01-01", "2020-12-31"),
    }
    assert day_range(("1982", "2018")) == (pd.Timestamp("1982-01-01"), pd.Timestamp("2018-12-31"))
    assert day_range(("2019-03", "2019-05"))[1] == pd.Timestamp("2019-05-31")
    for text in ("1982..2018", "1982:2018", "1982-2018"):
        assert parse_period(text) == ("1982", "2018")
    assert parse_period("1982-01-01..2018-12-31") == ("1982-01-01", "2018-12-31")
    assert parse_period("2019") == ("2019", "2019")
    with pytest.raises(ConfigError):
        parse_period("2018..1982")
    da = xr.DataArray(np.arange(6), dims="time",
                      coords={"time": pd.to_datetime(["2018-12-30", "2018-12-31", "2019-01-01",
                                                      "2019-12-31", "2020-01-01", "2020-12-31"])})
    assert select_split(da, "train").values.tolist() == [0, 1]
    assert select_split(da, "val").values.tolist() == [2, 3]
    assert select_split(da, "test").values.tolist() == [4, 5]
    with pytest.raises(DataError, match="no days of the train split"):
        select_split(da.sel(time="2020"), "train")


# --------------------------------------------------------------------------- standardisation


def test_doy_slots_align_calendar_dates() -> None:
    for year in (2019, 2020):  # non-leap, leap
        slots = doy_slot(pd.to_datetime([f"{year}-01-01", f"{year}-02-28", f"{year}-03-01",
                                         f"{year}-12-31"]))
        assert slots.tolist() == [1, 59, 61, 366]
    assert doy_slot(pd.to_datetime(["2020-02-29"])).tolist() == [60]


def _series(seed: int = 0) -> xr.DataArray:
    """5 years × 2×3 pixels: seasonal cycle + year offset (train 0, val +2, test +3) + noise."""
    t = pd.date_range("2016-01-01", "2020-12-31", freq="D")
    rng = np.random.default_rng(seed)
    season = 20 + 3 * np.sin(2 * np.pi * t.day_of_year.to_numpy() / 365.25)
    offset = np.select([t.year == 2019, t.year == 2020], [2.0, 3.0], 0.0)
    v = season[:, None, None] + offset[:, None, None] + 0.5 * rng.normal(size=(t.size, 2, 3))
    v[:, 0, 0] = np.nan  # land
    return xr.DataArray(
        v.astype(np.float32), dims=("time", "lat", "lon"),
        coords={"time": t, "lat": [0.125, 0.375], "lon": [180.125, 180.375, 180.625]},
        name="sst", attrs={"units": "degC"},
    )


def test_fitted_on_training_years_only() -> None:
    da = _series()
    clim = DoyClimatology.fit(da, period=("2016", "2018"))
    assert clim.period == ("2016-01-01", "2018-12-31")
    only_train = DoyClimatology.fit(da.sel(time=slice("2016", "2018")), period=None)
    xr.testing.assert_identical(clim.mean, only_train.mean)
    z = clim.transform(da)
    ocean = z.isel(lat=slice(None), lon=slice(None)).where(np.isfinite(da.isel(time=0)))
    train, val, test = (ocean.sel(time=y) for y in (slice("2016", "2018"), "2019", "2020"))
    feb29 = (train.time.dt.month == 2) & (train.time.dt.day == 29)
    assert abs(float(train.where(~feb29).mean())) < 1e-5  # exactly standardised per slot
    assert abs(float(train.mean())) < 2e-3  # 29 Feb uses pooled 28 Feb–1 Mar statistics
    assert float(train.std()) == pytest.approx(1.0, abs=1e-3)
    assert float(val.mean()) > 2.0  # shifted years keep their shift: not re-centred
    assert float(test.mean()) > float(val.mean())
    assert bool(z[:, 0, 0].isnull().all())  # land NaN
    assert clim.transform(da, fill_land=0.0)[:, 0, 0].values.tolist() == [0.0] * da.sizes["time"]


def test_statistics_against_a_brute_force_oracle() -> None:
    da = _series()
    clim = DoyClimatology.fit(da, period=("2016", "2018"))
    x = da[:, 1, 2].to_series()
    march1 = x[(x.index.month == 3) & (x.index.day == 1) & (x.index.year <= 2018)]
    assert len(march1) == 3  # 2016 (leap, doy 61) and 2017/2018 (doy 60) share slot 61
    assert float(clim.mean.sel(doy=61)[1, 2]) == pytest.approx(march1.mean(), rel=1e-6)
    assert float(clim.std.sel(doy=61)[1, 2]) == pytest.approx(march1.std(ddof=0), rel=1e-5)
    feb = x[(x.index.month.isin([2, 3])) & (x.index.year <= 2018)]
    feb = feb[((feb.index.month == 2) & (feb.index.day >= 28)) | ((feb.index.month == 3) & (feb.index.day == 1))]
    assert len(feb) == 7  # 3 × 28 Feb, 1 × 29 Feb, 3 × 1 Mar pooled into slot 60
    assert float(clim.mean.sel(doy=60)[1, 2]) == pytest.approx(feb.mean(), rel=1e-6)
    assert int(clim.count.sel(doy=60)[1, 2]) == 7 and int(clim.count.sel(doy=61)[1, 2]) == 3
    smooth = DoyClimatology.fit(da, period=("2016", "2018"), window_days=5)
    slots = doy_slot(x.index)
    near = x[(np.abs(slots - 100) <= 2) & (x.index.year <= 2018)]
    assert float(smooth.mean.sel(doy=100)[1, 2]) == pytest.approx(near.mean(), rel=1e-6)
    assert int(smooth.count.sel(doy=100)[1, 2]) == len(near) == 15  # 5 slots × 3 years
    near_jan = x[((slots <= 3) | (slots >= 365)) & (x.index.year <= 2018)]  # circular window
    assert float(smooth.mean.sel(doy=1)[1, 2]) == pytest.approx(near_jan.mean(), rel=1e-6)


def test_inverse_lazy_and_serialised(tmp_path: Path) -> None:
    da = _series()
    clim = DoyClimatology.fit(da, period=("2016", "2018"))
    lazy = clim.transform(da.chunk({"time": 100}), fill_land=0.0)
    assert lazy.chunks is not None
    xr.testing.assert_allclose(lazy.compute(), clim.transform(da, fill_land=0.0))
    back = clim.inverse(lazy).compute()
    xr.testing.assert_allclose(back, da, atol=1e-4)
    assert back.attrs["units"] == "degC" and bool(back[:, 0, 0].isnull().all())
    clim.to_dataset().to_zarr(tmp_path / "clim.zarr", zarr_format=2, consolidated=True)
    again = DoyClimatology.from_dataset(xr.open_zarr(tmp_path / "clim.zarr"))
    xr.testing.assert_identical(again.mean, clim.mean)
    xr.testing.assert_identical(again.std, clim.std)
    assert again.period == clim.period and again.window_days == 1
    with pytest.raises(DataError, match="no day-of-year statistics"):
        DoyClimatology.from_dataset(xr.Dataset())


def test_inverse_of_forecasts_uses_valid_time() -> None:
    da = _series()
    clim = DoyClimatology.fit(da, period=("2016", "2018"))
    z = xr.DataArray(np.ones((2, 3, 2, 3), np.float32), dims=("init", "lead", "lat", "lon"),
                     coords={"init": pd.to_datetime(["2020-02-27", "2020-12-30"]),
                             "lead": pd.to_timedelta([1, 2, 3], "D"),
                             "lat": da.lat, "lon": da.lon})
    z = z.assign_coords(valid_time=z.init + z.lead)
    x = clim.inverse(z, time="valid_time")
    assert x.dims == z.dims
    for i in range(2):
        for k in range(3):
            s = int(doy_slot([z.valid_time.values[i, k]])[0])
            expect = clim.mean.sel(doy=s) + clim.std.sel(doy=s)
            np.testing.assert_allclose(x[i, k].values, expect.values, rtol=1e-6)


def test_transform_refuses_another_grid() -> None:
    da = _series()
    clim = DoyClimatology.fit(da, period=("2016", "2018"))
    with pytest.raises(DataError, match="coordinate 'lon' differs"):
        clim.transform(da.assign_coords(lon=da.lon + 1))
    with pytest.raises(DataError, match="missing"):
        clim.transform(da.isel(lat=0))
    with pytest.raises(DataError, match="no day of the training period"):
        DoyClimatology.fit(da.sel(time="2020"))
