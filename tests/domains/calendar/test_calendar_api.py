"""The calendar-series domain through the public API (issue 14): idff_ts.fit → forecast →
evaluate for each cadence, land, gaps, pandas and Datasets, save/load, init='all'."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from calendar_kit import monthly_field, weekly_with_gaps

import idff_ts
from idff_ts.data.gaps import gap_windows
from idff_ts.domains import domain_for_data
from idff_ts.errors import ConfigError, DataError

CADENCES = {  # kind: (stamps, lead units, horizon)
    "daily": (pd.date_range("2001-03-01", periods=90, freq="D"), "days", 3),
    "weekly": (pd.date_range("2001-03-04", periods=80, freq="W-SUN"), "weeks", 3),
    "monthly": (pd.date_range("1990-01-31", periods=72, freq="ME"), "months", 3),
    "yearly": (pd.date_range("1900-01-01", periods=40, freq="YS"), "years", 2),
}


def _series(times: pd.DatetimeIndex) -> xr.DataArray:
    rng = np.random.default_rng(2)
    values = np.sin(np.arange(times.size) / 3.0) + 0.1 * rng.normal(size=times.size)
    return xr.DataArray(values, dims="time", coords={"time": times.values}, name="level",
                        attrs={"units": "m"})


@pytest.mark.parametrize("kind", sorted(CADENCES))
def test_each_cadence_fit_forecast_evaluate(tiny, kind):
    times, unit, k = CADENCES[kind]
    da = _series(times)
    model = idff_ts.fit(da, tune=False, horizon=k, context=2, progress=False, **tiny)
    assert model.data_info["domain"] == "calendar-series"
    assert model.data_info["encoding"]["cadence"]["kind"] == kind
    fc = idff_ts.forecast(da, model, init="all", members=3, seed=1)
    assert fc["lead"].attrs["units"] == unit and list(fc["lead"].values) == list(range(1, k + 1))
    pos = np.searchsorted(times.values, fc["init"].values)
    np.testing.assert_array_equal(  # valid times are the data's own stamps
        fc["valid_time"].values, times.values[pos[:, None] + np.arange(1, k + 1)])
    assert fc["level"].attrs["units"] == "m"
    scores = idff_ts.evaluate(fc, da)
    assert np.isfinite(scores["crps_fair_mean"]) and scores.attrs["n_inits"] == fc.sizes["init"]
    last = idff_ts.forecast(da, model, members=2)  # past the data: the calendar's next stamps
    want = {"daily": "D", "weekly": "W-SUN", "monthly": "ME", "yearly": "YS"}[kind]
    np.testing.assert_array_equal(last["valid_time"].values[0],
                                  pd.date_range(times[-1], periods=k + 1, freq=want)[1:].values)


def test_monthly_field_with_land_is_forecast_with_nan_land(tiny):
    da = monthly_field()
    assert domain_for_data(da).name == "calendar-series"  # not the daily-OISST domain
    model = idff_ts.fit(da, tune=False, horizon=3, progress=False, **tiny)
    fc = idff_ts.forecast(da, model, init="all", stride=6, members=2)
    sst = fc["sst"]
    assert sst.dims == ("init", "lead", "member", "latitude", "longitude")
    assert np.isnan(sst.values[..., 0, 1]).all()
    ocean = np.ones((2, 3), bool)
    ocean[0, 1] = False
    assert np.isfinite(sst.values[..., ocean]).all()
    vt = pd.DatetimeIndex(fc["valid_time"].values.ravel())
    assert set(vt.day) == {16} and (vt.hour == 0).all()  # the data's mid-month stamps
    assert fc["latitude"].values.tolist() == [10.0, 11.0] and sst.attrs["units"] == "K"
    scores = idff_ts.evaluate(fc, da)
    assert np.isfinite(scores["crps_fair"]).all()


def test_weekly_pandas_with_gaps_skips_windows_and_refuses_a_gappy_context(tiny):
    s = weekly_with_gaps()
    model = idff_ts.fit(s, tune=False, context=2, horizon=4, progress=False, **tiny)
    n_train = model.data_info["autotune"]["split"]["train"]
    _, expected = gap_windows(np.isfinite(s.to_numpy()[:n_train]), 2 + 4)  # brute-force count
    assert model.data_info["autotune"]["train_gaps"].startswith(
        f"{expected.skipped} of {expected.total} training windows skipped")
    assert expected.skipped > 0
    fc = idff_ts.forecast(s, model, init="all", members=2)
    inits = pd.DatetimeIndex(fc["init"].values)
    gappy = s.index[[30, 31, 32, 100, 101]]  # inits whose 2-step context holds a gap
    assert not inits.isin(gappy).any() and inits.size == 160 - 1 - 4 - 5
    pandas_scores = idff_ts.evaluate(fc, s)  # the pandas truth as it is
    assert np.isfinite(pandas_scores["crps_fair_mean"])
    with pytest.raises(DataError, match=r"1990-08-04.*time_dim=") as err:
        idff_ts.forecast(s, model, init=s.index[31])
    assert "\n" not in str(err.value)


def test_pandas_dataframe_and_three_variable_dataset_round_trip(tiny):
    s = weekly_with_gaps().ffill()
    df = pd.DataFrame({"a": s, "b": 2 * s})
    fc = idff_ts.forecast(df, idff_ts.fit(df, tune=False, horizon=2, progress=False, **tiny),
                          members=2)
    assert fc["variable"].values.tolist() == ["a", "b"]
    ds = xr.Dataset({v: ("date", s.to_numpy() * f, {"units": u}) for v, f, u in
                     (("u", 1, "m/s"), ("v", 2, "m/s"), ("p", 3, "hPa"))},
                    coords={"date": s.index.values})
    model = idff_ts.fit(ds, tune=False, horizon=2, progress=False, **tiny)
    assert model.cfg.state_shape == (3,) and model.data_info["variables"] == ["u", "v", "p"]
    out = idff_ts.forecast(ds, model, init="all", stride=10, members=2)
    assert list(out.data_vars) == ["u", "v", "p"] and out["p"].attrs["units"] == "hPa"
    assert out["u"].dims == ("init", "lead", "member")
    scores = idff_ts.evaluate(out, ds.rename(date="time"))
    assert scores.sizes["variable"] == 3
    joint = ds.idff.fit(tune=False, horizon=2, progress=False, **tiny)  # the accessor: the same
    assert joint.data_info["variables"] == ["u", "v", "p"]


def test_saved_model_forecasts_bitwise_the_same(tiny, tmp_path):
    da = monthly_field()
    model = idff_ts.fit(da, tune=False, horizon=3, progress=False, out_dir=tmp_path, **tiny)
    loaded = idff_ts.load_model(tmp_path / "model.pt")
    assert loaded.data_info == model.data_info
    a = idff_ts.forecast(da, model, init="all", members=3, seed=7)
    b = idff_ts.forecast(da, loaded, init="all", members=3, seed=7)
    np.testing.assert_array_equal(a["sst"].values, b["sst"].values)
    c = da.idff.forecast(model=loaded, init="all", members=3, seed=7)  # the accessor: the same
    np.testing.assert_array_equal(a["sst"].values, c["sst"].values)
    # members are sampled as prefixes; the inflation about the ensemble mean is not (factor 1:
    # an M-member ensemble is the prefix of a larger one)
    loaded.data_info["inflation"] = [1.0] * len(loaded.data_info["inflation"])
    big = idff_ts.forecast(da, loaded, init="all", members=3, seed=7)
    small = idff_ts.forecast(da, loaded, init="all", members=2, seed=7)
    np.testing.assert_array_equal(small["sst"].values, big["sst"].values[:, :, :2])
    mean = big["sst"].mean("member")
    f = xr.DataArray(model.data_info["inflation"], dims="lead")
    inflated = (mean + (big["sst"] - mean) * f).transpose(*a["sst"].dims)
    np.testing.assert_allclose(a["sst"].values, inflated.values, rtol=1e-5)


def test_init_all_needs_truth_all_context_does_not_and_stride_thins(tiny):
    times, _, _ = CADENCES["monthly"]
    da = _series(times)
    model = idff_ts.fit(da, tune=False, context=3, horizon=2, progress=False, **tiny)
    every = idff_ts.forecast(da, model, init="all", members=2)
    assert every["init"].values[0] == times.values[2]  # first complete 3-step context
    assert every["init"].values[-1] == times.values[-3]  # last init with 2 leads of truth
    ctx_only = idff_ts.forecast(da, model, init="all-context", members=2)
    assert ctx_only["init"].values[-1] == times.values[-1]
    thin = idff_ts.forecast(da, model, init="all", stride=5, members=2)
    np.testing.assert_array_equal(thin["init"].values, every["init"].values[::5])
    with pytest.raises(ConfigError, match="stride"):
        idff_ts.forecast(da, model, init=times[10], stride=2)


def test_generic_domain_takes_init_all_and_stride():
    """Numeric time stays generic; init='all' keeps the CLI's hindcast inits."""
    from idff_ts.tasks import hindcast_inits

    t = np.arange(60, dtype=float)
    da = xr.DataArray(np.sin(t / 4)[:, None] * [1.0, 2.0], dims=("time", "component"),
                      coords={"time": t}, name="x")
    model = idff_ts.fit(da, context=2, horizon=3, progress=False, model={"hidden": 8, "depth": 1},
                        train={"max_epochs": 1, "limit_train_batches": 1, "val_inits": 2,
                               "val_members": 2})
    assert model.data_info.get("domain") is None and model.cfg.context == 2
    fc = idff_ts.forecast(da, model, init="all", stride=4, members=2)
    np.testing.assert_array_equal(fc["init"].values, hindcast_inits(da, 2, 3, 4))
    with pytest.raises(ConfigError, match="tune="):
        idff_ts.fit(da, tune=False)


def test_bad_inputs_name_time_dim(tiny):
    times = pd.date_range("2000-01-01", periods=60, freq="D").delete([5, 17, 18])
    with pytest.raises(DataError, match="time_dim="):
        idff_ts.fit(_series(times), tune=False, progress=False, **tiny)
    with pytest.raises(DataError, match="time_dim="):
        idff_ts.fit(xr.DataArray(np.zeros(30), dims="when"), tune=False, progress=False)
    da = monthly_field(land=False).isel(latitude=0, longitude=0, drop=True)
    model = idff_ts.fit(da, tune=False, context=1, horizon=2, progress=False, **tiny)
    with pytest.raises(ConfigError, match="days="):
        idff_ts.forecast(da, model, days=30)


def test_given_knobs_are_fixed_and_the_choice_is_stored_and_logged(tiny, caplog):
    caplog.set_level(logging.INFO, logger="idff_ts.domains.calendar")
    s = weekly_with_gaps().ffill()
    model = idff_ts.fit(s, context=2, trend="diff", seasonal=True, horizon=2, tune_budget_s=600,
                        model={**tiny["model"], "sigma": 0.5}, train=tiny["train"])
    trials = model.data_info["autotune"]["trials"]
    # weekly data with a season: of the knobs only the phase input is left to search
    assert [t["candidate"]["phase"] for t in trials] == [False, True]
    for t in trials:
        assert (t["candidate"]["context"], t["candidate"]["trend"], t["candidate"]["seasonal"],
                t["candidate"]["sigma"]) == (2, "diff", True, 0.5)
    best = min(trials, key=lambda t: t["val_crps"])
    assert model.data_info["candidate"] == best["candidate"]
    assert model.cfg.sigma == 0.5 and model.cfg.context == 2
    assert "autotune chose" in caplog.text
    caplog.clear()
    quiet = idff_ts.fit(s, tune=False, horizon=2, progress=False, phase=True, **tiny)
    assert "autotune chose" not in caplog.text and quiet.data_info["candidate"]["phase"] is True
    assert quiet.cfg.state_shape == (3,)  # the series and its two phase channels


def test_a_given_validation_split_and_mask(tiny):
    da = monthly_field(land=False)
    mask = xr.DataArray([[True, True, False], [True, True, True]],
                        dims=("latitude", "longitude"))
    model = idff_ts.fit(da.isel(time=slice(0, 60)), val=da.isel(time=slice(60, None)),
                        mask=mask, tune=False, horizon=3, progress=False, **tiny)
    assert model.data_info["autotune"]["split"] == {"train": 60, "val": 12}
    assert model.data_info["encoding"]["mask"] == [1, 1, 0, 1, 1, 1]
    fc = idff_ts.forecast(da, model, members=2)
    assert np.isnan(fc["sst"].values[..., 0, 2]).all()
    assert np.isfinite(fc["sst"].values[..., 1, :]).all()
    with pytest.raises(DataError, match="time_dim="):  # validation must continue training
        idff_ts.fit(da.isel(time=slice(0, 50)), val=da.isel(time=slice(60, None)), tune=False,
                    horizon=3, progress=False, **tiny)


def test_which_data_take_the_calendar_path():
    def da(times, dims=("time",), name="x"):
        shape = (len(times),) + (2,) * (len(dims) - 1)
        return xr.DataArray(np.zeros(shape), dims=dims, coords={"time": times}, name=name)

    days = pd.date_range("2000-01-01", periods=40, freq="D")
    routed = {
        "daily": da(days), "monthly": da(pd.date_range("2000-01-01", periods=40, freq="MS")),
        "irregular": da(days.delete([3, 9])),  # accepted, so that fit says how to regularise
        "hourly": da(pd.date_range("2000-01-01", periods=40, freq="h")),
        "numeric": da(np.arange(40.0)),
        "trajectory": da(days, ("time", "trajectory")),
        "daily sst grid": da(days, ("time", "lat", "lon"), name="sst"),
        "monthly sst grid": da(pd.date_range("2000-01-01", periods=40, freq="MS"),
                               ("time", "lat", "lon"), name="sst"),
    }
    names = {k: domain_for_data(v).name for k, v in routed.items()}
    assert names == {"daily": "calendar-series", "monthly": "calendar-series",
                     "irregular": "calendar-series", "hourly": "series", "numeric": "series",
                     "trajectory": "series", "daily sst grid": "sst",
                     "monthly sst grid": "calendar-series"}


def test_a_series_dim_keeps_the_generic_fit():
    days = pd.date_range("2000-01-01", periods=50, freq="D")
    da = xr.DataArray(np.sin(np.arange(100.0) / 4).reshape(2, 50), dims=("station", "time"),
                      coords={"time": days}, name="x")
    model = idff_ts.fit(da, series_dim="station", progress=False, horizon=2,
                        model={"hidden": 8, "depth": 1},
                        train={"max_epochs": 1, "limit_train_batches": 1, "val_inits": 2,
                               "val_members": 2})
    assert model.data_info.get("domain") is None and model.data_info["series_dim"] == "station"
    assert model.cfg.context == 1  # the generic default
    with pytest.raises(ConfigError, match="tune="):
        idff_ts.fit(da, series_dim="station", tune=False)
