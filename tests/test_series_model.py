"""fit_series / SeriesModel.forecast: pandas with gaps, a monthly field with land, a Dataset
of several variables (issue 14: 'Done means')."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.series_model import fit_series
from idff_ts.training import autotune as at
from idff_ts.training import series_fit as sf


@pytest.fixture
def tiny(monkeypatch):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    monkeypatch.setattr(sf, "TARGET_STEPS", 10)
    monkeypatch.setattr(sf, "MAX_EPOCHS", 1)
    monkeypatch.setattr(at, "MAX_VAL_ORIGINS", 4)
    yield
    torch.set_num_threads(threads)


def test_weekly_pandas_series_with_gaps(tiny):
    rng = np.random.default_rng(0)
    idx = pd.date_range("1990-01-06", periods=200, freq="W-SAT")
    s = pd.Series(np.sin(np.arange(200) / 8.3) + 0.1 * rng.normal(size=200), index=idx,
                  name="co2")
    s.iloc[[30, 31, 150]] = np.nan
    model = fit_series(s, horizon=4, budget_s=0, context=2, echo=None)
    fc = model.forecast(s, init="all", stride=5, members=3)
    assert fc["co2"].dims == ("init", "lead", "member")
    assert fc["lead"].attrs["units"] == "weeks" and list(fc["lead"].values) == [1, 2, 3, 4]
    inits = pd.DatetimeIndex(fc["init"].values)
    assert not inits.isin(idx[[30, 31, 32, 150, 151]]).any()  # contexts with a gap skipped
    last = model.forecast(s, members=2)
    np.testing.assert_array_equal(last["valid_time"].values[0],
                                  pd.date_range(idx[-1], periods=5, freq="W-SAT")[1:].values)
    assert "autotune" in fc.attrs and fc.attrs["context_length"] == 2


def test_monthly_field_with_land_and_a_multivariable_dataset(tiny):
    t = pd.date_range("2000-01-16", periods=96, freq="MS") + pd.Timedelta(days=15)
    rng = np.random.default_rng(1)
    sst = 280 + 3 * np.cos(2 * np.pi * np.arange(96) / 12)[:, None, None] + rng.normal(
        size=(96, 2, 3))
    sst[:, 0, 1] = np.nan  # land
    da = xr.DataArray(sst, dims=("time", "latitude", "longitude"),
                      coords={"time": t.values, "latitude": [10.0, 11.0],
                              "longitude": [1.0, 2.0, 3.0]}, name="sst",
                      attrs={"units": "K"})
    model = fit_series(da, horizon=3, budget_s=0, context=1, echo=None)
    fc = model.forecast(da, members=2)
    assert fc["sst"].dims == ("init", "lead", "member", "latitude", "longitude")
    assert np.isnan(fc["sst"].values[..., 0, 1]).all()
    assert np.isfinite(fc["sst"].values[..., 1, :]).all()
    assert fc["lead"].attrs["units"] == "months" and fc["sst"].attrs["units"] == "K"
    vt = pd.DatetimeIndex(fc["valid_time"].values[0])
    assert list(vt.day) == [16, 16, 16] and list(vt.month) == [2, 3, 4]  # the data's stamps
    ds = xr.Dataset({"a": da.isel(latitude=1, longitude=0, drop=True),
                     "b": da.isel(latitude=1, longitude=2, drop=True) * 2}).rename(time="date")
    both = fit_series(ds, horizon=3, budget_s=0, context=1, echo=None).forecast(ds, members=2)
    assert list(both.data_vars) == ["a", "b"] and both["a"].dims == ("init", "lead", "member")
