"""idff_ts.forecast: windows, CF-annotated output, reproducibility and input errors.

Models here are untrained (random weights): the contract under test is the plumbing, not skill.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError, DataError
from idff_ts.forecast import forecast
from idff_ts.io import write_dataset
from idff_ts.model import Forecaster, build_method


def make_model(state_shape=(2,), context=1, horizon=4, time_kind="datetime", time_step=1.0,
               state_dims=("component",), series_dim=None) -> Forecaster:
    torch.manual_seed(0)
    cfg = ModelConfig(state_shape=state_shape, context=context, horizon=horizon, hidden=16,
                      depth=1, emb_dim=8)
    stat = np.ones(state_shape[:1] + (1,) * (len(state_shape) - 1), np.float32)
    return Forecaster(
        build_method("idff", cfg), mean=0.5 * stat, std=2.0 * stat, sampler=SamplerConfig(nfe=3),
        data_info={
            "name": "x", "units": "K", "state_dims": list(state_dims),
            "time_kind": time_kind, "time_step": time_step,
            "time_step_units": "D" if time_kind == "datetime" else "model time",
            "series_dim": series_dim, "context": context, "task": None,
        },
    )


def daily(n=40, d=2, name="x") -> xr.DataArray:
    rng = np.random.default_rng(0)
    return xr.DataArray(
        rng.standard_normal((n, d)), dims=("time", "component"),
        coords={"time": pd.date_range("2020-01-01", periods=n), "component": list("ab")[:d]},
        name=name, attrs={"units": "K", "long_name": "thing"},
    )


def trajectories(n_traj=3, n=30, dt=0.05) -> xr.DataArray:
    rng = np.random.default_rng(1)
    return xr.DataArray(
        rng.standard_normal((n_traj, n, 3)), dims=("trajectory", "time", "variable"),
        coords={"trajectory": np.arange(n_traj), "time": dt * np.arange(n),
                "variable": ["x", "y", "z"]},
        name="state",
    )


def test_calendar_forecast_layout_and_cf_attrs():
    m = make_model()
    ds = forecast(daily(), m, days=3, members=5, seed=0, device="cpu",
                  init=["2020-01-10", "2020-02-09"])
    da = ds["x"]
    assert da.dims == ("init", "lead", "member", "component")
    assert da.shape == (2, 3, 5, 2) and da.dtype == np.float32
    assert list(ds["component"].values) == ["a", "b"]
    np.testing.assert_array_equal(ds["lead"].values, pd.to_timedelta([1, 2, 3], unit="D"))
    np.testing.assert_array_equal(ds["member"].values, np.arange(5))
    assert ds["valid_time"].dims == ("init", "lead")
    assert ds["valid_time"].values[1, -1] == np.datetime64("2020-02-12")
    assert ds["init"].attrs["standard_name"] == "forecast_reference_time"
    assert ds["lead"].attrs["standard_name"] == "forecast_period"
    assert ds["member"].attrs["standard_name"] == "realization"
    assert ds["valid_time"].attrs["standard_name"] == "time"
    assert da.attrs["units"] == "K" and da.attrs["long_name"] == "thing"
    a = ds.attrs
    assert a["Conventions"] == "CF-1.8" and a["seed"] == 0 and a["ensemble_size"] == 5
    assert a["sampler_nfe"] == 3 and a["nfe_counted"] == 3 and a["n_jvp"] == 0
    assert a["sampler_sigma"] == m.cfg.sigma and "sampler_gamma1" in a and "sampler_gamma2" in a
    assert "normalisation" in a and a["wall_time_s"] >= 0 and "not saved" in a["source"]
    assert "idff_ts.forecast(" in a["history"]


def test_netcdf_round_trip_keeps_cf_coords(tmp_path):
    ds = forecast(daily(), make_model(), horizon=2, members=3, device="cpu")
    back = xr.open_dataset(write_dataset(ds, tmp_path / "f.nc"))
    np.testing.assert_array_equal(back["lead"].values, ds["lead"].values)
    np.testing.assert_array_equal(back["x"].values, ds["x"].values)
    assert back["lead"].attrs["standard_name"] == "forecast_period"
    assert back.attrs["ensemble_size"] == 3
    back.close()


def test_default_init_is_last_time_and_horizon_the_models():
    ds = forecast(daily(), make_model(horizon=4), members=2, device="cpu")
    np.testing.assert_array_equal(ds["init"].values, [np.datetime64("2020-02-09")])
    assert ds.sizes["lead"] == 4


def test_model_time_with_trajectories_uses_data_times_for_valid_time():
    data = trajectories()
    m = make_model(state_shape=(3,), time_kind="numeric", time_step=0.05,
                   state_dims=("variable",), series_dim="trajectory")
    inits = data["time"].values[[0, 5, 10]]
    ds = forecast(data, m, horizon=4, members=3, init=inits, device="cpu")
    assert ds["state"].dims == ("init", "trajectory", "lead", "member", "variable")
    np.testing.assert_allclose(ds["lead"].values, 0.05 * np.arange(1, 5))
    # CF-valid: dimensionless model time, explained in a comment (issue 14 item 1)
    assert ds["lead"].attrs["units"] == ds["init"].attrs["units"] == "1"
    assert "dimensionless model time" in ds["lead"].attrs["comment"]
    # exact equality with the data's own times (evaluate selects the truth exactly)
    np.testing.assert_array_equal(ds["valid_time"].values[1], data["time"].values[6:10])


def test_bitwise_reproducible_and_member_prefix_and_chunking():
    m, da = make_model(), daily()
    kw = {"horizon": 3, "seed": 7, "device": "cpu", "init": ["2020-01-20", "2020-01-30"]}
    a = forecast(da, m, members=6, **kw)["x"].values
    b = forecast(da, m, members=6, **kw)["x"].values
    assert np.array_equal(a, b)
    c = forecast(da, m, members=6, chunk_members=4, **kw)["x"].values
    assert np.array_equal(a, c)
    d = forecast(da, m, members=4, **kw)["x"].values
    assert np.array_equal(a[:, :, :4], d)
    e = forecast(da, m, members=6, **{**kw, "seed": 8})["x"].values
    assert not np.array_equal(a, e)


def test_dataset_input_and_checkpoint_path(tmp_path):
    from idff_ts.training.checkpoint import save_checkpoint

    m = make_model()
    sha = save_checkpoint(tmp_path / "model.pt", m)
    ds_in = xr.Dataset({"x": daily(), "other": daily(name="other")})
    a = forecast(ds_in, checkpoint=tmp_path / "model.pt", var="x", horizon=2, members=2,
                 device="cpu")
    b = forecast(ds_in, str(tmp_path / "model.pt"), horizon=2, members=2, device="cpu")  # var from data_info
    assert np.array_equal(a["x"].values, b["x"].values)
    assert sha in a.attrs["source"] and a.attrs["checkpoint_sha256"] == sha
    with pytest.raises(DataError, match="variable 'nope' not found"):
        forecast(ds_in, m, var="nope", device="cpu")


def test_sampler_overrides_are_recorded():
    ds = forecast(daily(), make_model(), horizon=2, members=2, nfe=2, gamma1=0.5, device="cpu")
    assert ds.attrs["sampler_nfe"] == 2 and ds.attrs["nfe_counted"] == 2
    assert ds.attrs["sampler_gamma1"] == 0.5


def test_progress_callback_called_per_slot():
    calls = []
    forecast(daily(), make_model(), horizon=3, members=4, chunk_members=2, device="cpu",
             progress=lambda: calls.append(1))
    assert len(calls) == 3 * 2


# ------------------------------------------------------------------------------ errors


def test_other_state_shape_names_both_shapes():
    with pytest.raises(DataError) as err:
        forecast(daily(d=2), make_model(state_shape=(3,), state_dims=("variable",)), device="cpu")
    msg = str(err.value)
    assert "(2,)" in msg and "(3,)" in msg and "component" in msg and "checkpoint" in msg


def test_too_short_for_the_context_window():
    m = make_model(context=3)
    with pytest.raises(DataError, match="series too short: .*3 steps.*found 2"):
        forecast(daily(n=2), m, device="cpu")
    with pytest.raises(DataError, match="needs 3 steps ending at the init, found 2.*2020-01-03"):
        forecast(daily(), m, init="2020-01-02", device="cpu")


def test_nan_in_input_window_but_not_elsewhere():
    da = daily()
    da[-1, 0] = np.nan
    with pytest.raises(DataError, match=r"NaN/inf values at 1 time\(s\) \(2020-02-09\)"):
        forecast(da, make_model(), device="cpu")
    ds = forecast(da, make_model(), init="2020-02-08", horizon=1, members=2, device="cpu")
    assert np.isfinite(ds["x"].values).all()


def test_init_not_in_data():
    with pytest.raises(DataError, match=r"init 2021-01-01 is not a 'time' value.*2020-01-01 \.\. 2020-02-09"):
        forecast(daily(), make_model(), init="2021-01-01", device="cpu")


def test_no_time_dim():
    with pytest.raises(DataError, match=r"expected a 'time' dimension.*rename"):
        forecast(daily().rename(time="date"), make_model(), device="cpu")


def test_config_errors():
    m = make_model(horizon=4)
    with pytest.raises(ConfigError, match="trained for at most 4"):
        forecast(daily(), m, horizon=5, device="cpu")
    with pytest.raises(ConfigError, match="disagree"):
        forecast(daily(), m, horizon=2, days=3, device="cpu")
    with pytest.raises(ConfigError, match="members must be >= 1"):
        forecast(daily(), m, members=0, device="cpu")
    with pytest.raises(ConfigError, match="needs a model"):
        forecast(daily())
    with pytest.raises(ConfigError, match="unknown device"):
        forecast(daily(), m, device="tpu")
    numeric = make_model(state_shape=(3,), time_kind="numeric", time_step=0.05,
                         state_dims=("variable",))
    with pytest.raises(ConfigError, match="needs calendar"):
        forecast(trajectories(), numeric, days=3, device="cpu")


def test_time_step_or_kind_mismatch():
    weekly = daily().assign_coords(time=pd.date_range("2020-01-01", periods=40, freq="7D"))
    with pytest.raises(DataError, match="time step is 7 days.*steps of 1 days"):
        forecast(weekly, make_model(), device="cpu")
    with pytest.raises(DataError, match="trained on numeric time"):
        forecast(daily(), make_model(time_kind="numeric"), device="cpu")
