"""``idff-ts train --data monthly.nc`` → ``forecast --init all`` → ``evaluate`` on a monthly
field with land (issue 14: the user's NetCDF reaches the calendar-series path)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from calendar_kit import monthly_field
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.training.checkpoint import read_config

TINY = ["--epochs", "1", "--max-batches", "2", "--hidden", "16", "--depth", "1",
        "--val-inits", "4", "--val-members", "2"]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_monthly_netcdf_with_land_trains_forecasts_and_evaluates(tiny, tmp_path):
    monthly_field().to_dataset().to_netcdf(tmp_path / "monthly.nc")
    r = run("train", "--data", tmp_path / "monthly.nc", "--var", "sst", "--tune-budget", "0",
            "--horizon", "3", "-o", tmp_path / "run", *TINY)
    assert r.exit_code == 0, r.output
    assert "chosen:" in r.stdout and "monthly" in r.stdout
    info = read_config(tmp_path / "run" / "model.pt")["data_info"]
    assert info["domain"] == "calendar-series" and info["autotune"]["budget_s"] == 0.0
    out = tmp_path / "fc.nc"
    r = run("forecast", "-c", tmp_path / "run" / "model.pt", "--data", tmp_path / "monthly.nc",
            "--var", "sst", "--init", "all", "--stride", "12", "--members", "3", "-o", out,
            "--quiet")
    assert r.exit_code == 0, r.output
    with xr.open_dataset(out, decode_timedelta=False) as fc:
        assert fc["lead"].attrs["units"] == "months" and fc.sizes["lead"] == 3
        assert np.isnan(fc["sst"].values[..., 0, 1]).all()
        assert np.isfinite(fc["sst"].values[..., 1, :]).all()
        assert set(pd.DatetimeIndex(fc["valid_time"].values.ravel()).day) == {16}
        n_inits = fc.sizes["init"]
    assert n_inits == len(range(2, 72 - 3, 12))  # context 3 (default), 3 leads of truth
    r = run("evaluate", out, "--truth", tmp_path / "monthly.nc", "--var", "sst",
            "-o", tmp_path / "m.nc")
    assert r.exit_code == 0, r.output
    with xr.open_dataset(tmp_path / "m.nc") as m:
        assert np.isfinite(m["crps_fair_mean"])


def test_tune_options_are_refused_for_a_task():
    r = run("train", "--task", "lorenz63", "--tune-budget", "5", "--epochs", "1")
    assert r.exit_code != 0 and "--tune-budget" in r.output


def test_a_model_of_several_variables_forecasts_their_file(tiny, tmp_path):
    import idff_ts

    field = monthly_field(land=False)
    ds = xr.Dataset({"a": field.isel(latitude=0, longitude=0, drop=True),
                     "b": field.isel(latitude=1, longitude=2, drop=True) * 2})
    ds.to_netcdf(tmp_path / "two.nc")
    idff_ts.fit(ds, tune=False, horizon=2, progress=False, out_dir=tmp_path / "run", **tiny)
    r = run("forecast", "-c", tmp_path / "run" / "model.pt", "--data", tmp_path / "two.nc",
            "--init", "all", "--stride", "20", "--members", "2", "-o", tmp_path / "fc.nc")
    assert r.exit_code == 0, r.output
    with xr.open_dataset(tmp_path / "fc.nc", decode_timedelta=False) as fc:
        assert list(fc.data_vars) == ["a", "b"] and fc["a"].dims == ("init", "lead", "member")
        assert fc.sizes["init"] == len(range(2, 72 - 2, 20))
