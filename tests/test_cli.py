"""The idff-ts command line: end to end (train → forecast → evaluate) and bad input.

Every bad input must exit non-zero with one line ``error: …`` on stderr saying what was
expected and what was found, and must never touch an existing output file.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.model import Forecaster, build_method
from idff_ts.training.checkpoint import save_checkpoint

TINY = ["--epochs", "1", "--max-batches", "2", "--hidden", "16", "--depth", "1",
        "--val-inits", "4", "--val-members", "4", "--quiet"]


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_error(result, code: int | None = None, *needles: str) -> str:
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def obs(n=120, d=2, seed=0) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    x = np.stack([np.sin(k / (5 + 2 * j)) for j in range(d)], -1)
    x = x + 0.1 * rng.standard_normal((n, d))
    return xr.Dataset(
        {"x": (("time", "component"), x, {"units": "K"})},
        coords={"time": pd.date_range("2020-01-01", periods=n), "component": list("abc")[:d]},
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Input files and an untrained daily checkpoint (state (2,), context L = 2, K = 4)."""
    root = tmp_path_factory.mktemp("cli")
    obs().to_netcdf(root / "obs.nc")
    obs(d=3).to_netcdf(root / "obs3.nc")
    obs().rename(time="date").to_netcdf(root / "notime.nc")
    nan = obs()
    nan["x"][-1, 0] = np.nan
    nan.to_netcdf(root / "nan.nc")
    obs(n=1).to_netcdf(root / "short.nc")
    torch.manual_seed(0)
    cfg = ModelConfig(state_shape=(2,), context=2, horizon=4, hidden=16, depth=1, emb_dim=8)
    model = Forecaster(
        build_method("idff", cfg), mean=np.zeros(2, np.float32), std=np.ones(2, np.float32),
        sampler=SamplerConfig(nfe=2),
        data_info={"name": "x", "state_dims": ["component"], "time_kind": "datetime",
                   "time_step": 1.0, "time_step_units": "D", "series_dim": None, "task": None},
    )
    save_checkpoint(root / "daily.pt", model)
    return root


# ------------------------------------------------------------------------- end to end


def test_end_to_end_lorenz63(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("train", "--task", "lorenz63", "-o", "run", "--seed", "1", *TINY)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "run" / "model.pt").is_file()

    r = run("forecast", "--checkpoint", "run/model.pt", "--members", "6", "--nfe", "2")
    assert r.exit_code == 0, r.output
    assert "ensemble mean and spread per lead" in r.stdout and "wrote forecast.nc" in r.stdout
    fc = xr.open_dataset(tmp_path / "forecast.nc")
    assert fc["state"].dims == ("init", "trajectory", "lead", "member", "variable")
    assert fc.sizes["lead"] == 10 and fc.sizes["member"] == 6
    assert fc.attrs["task"] == "lorenz63" and fc.attrs["sampler_nfe"] == 2
    assert fc.attrs["history"].split("\n")[0].endswith(
        "idff-ts forecast --checkpoint run/model.pt --members 6 --nfe 2")
    fc.close()

    r = run("evaluate", "forecast.nc", "-o", "metrics.csv")
    assert r.exit_code == 0, r.output
    assert "CRPS ecdf" in r.stdout and "SSR" in r.stdout
    metrics = pd.read_csv(tmp_path / "metrics.csv", index_col=0)
    assert len(metrics) == 11 and metrics.index[-1] == "mean"
    for col in ("crps_ecdf", "crps_fair", "rmse", "ssr", "energy"):
        assert np.isfinite(metrics[col]).all(), col


def test_bring_your_own_series(tmp_path, files):
    r = run("train", "--data", files / "obs.nc", "--var", "x", "--context", "1",
            "--horizon", "5", "-o", tmp_path / "run", *TINY)
    assert r.exit_code == 0, r.output
    ckpt = tmp_path / "run" / "model.pt"
    out = tmp_path / "fc.zarr"
    r = run("forecast", "-c", ckpt, "--data", files / "obs.nc", "--var", "x", "--init", "all",
            "--stride", "20", "--days", "5", "--members", "4", "-o", out, "--quiet")
    assert r.exit_code == 0, r.output
    fc = xr.open_zarr(out)
    assert fc["x"].dims == ("init", "lead", "member", "component")
    assert fc.sizes["init"] == 6 and fc["lead"].values[-1] == np.timedelta64(5, "D")
    r = run("evaluate", out, "--truth", files / "obs.nc", "--var", "x",
            "-o", tmp_path / "m.nc")
    assert r.exit_code == 0, r.output
    with xr.open_dataset(tmp_path / "m.nc") as m:
        assert m.sizes["lead"] == 5 and np.isfinite(m["crps_ecdf_mean"])
        assert m.attrs["ensemble_size"] == 4 and m.attrs["Conventions"] == "CF-1.8"


def test_console_script_runs(tmp_path):
    """The installed entry point with no model runs the bundled synthetic demo end to end."""
    out = subprocess.run(
        [sys.executable, "-c", "from idff_ts.cli import main; main()", "forecast", "--days", "7",
         "--members", "2", "-o", str(tmp_path / "fc.nc")],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "SYNTHETIC DEMO" in out.stderr  # the demo warning (rich may wrap the line)
    with xr.open_dataset(tmp_path / "fc.nc") as ds:
        assert ds.sizes["lead"] == 7 and ds.sizes["member"] == 2
    assert (tmp_path / "fc.png").stat().st_size > 0


# --------------------------------------------------------------------------- bad input


def test_forecast_without_checkpoint_says_what_is_needed(files):
    """Non-OISST data and no --checkpoint: a usage error naming what is needed."""
    msg = assert_error(run("forecast", "--data", files / "obs.nc", "--var", "x", "--days", "7"),
                       2, "--checkpoint")
    assert "idff-ts train" in msg


def test_missing_file(files):
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "nope.nc",
                     "--var", "x"), 1, "input file not found", "nope.nc")
    assert_error(run("forecast", "-c", files / "nope.pt", "--data", files / "obs.nc"), 1,
                 "checkpoint not found")
    assert_error(run("evaluate", files / "nope.nc", "--truth", files / "obs.nc"), 1,
                 "input file not found")


def test_wrong_variable(files):
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "obs.nc",
                     "--var", "sst"), 1, "variable 'sst' not found", "available variables: ['x']")


def test_no_time_dimension(files):
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "notime.nc",
                     "--var", "x"), 1, "expected a 'time' dimension", "found dims date (120)",
                 "rename")


def test_nans_in_input(files, tmp_path):
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "nan.nc",
                     "--var", "x", "-o", tmp_path / "f.nc"), 1, "NaN", "2020-04-29")


def test_too_short_for_the_window(files):
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "short.nc",
                     "--var", "x"), 1, "series too short", "2 steps", "found 1")
    assert_error(run("train", "--data", files / "obs.nc", "--var", "x", "--context", "100",
                     "--horizon", "30", *TINY), 1, "series too short", "130", "found 120")


def test_checkpoint_trained_on_another_state_shape(files):
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "obs3.nc",
                     "--var", "x"), 1, "shape (3,)", "shape (2,)", "checkpoint")


def test_unknown_output_suffix(files, tmp_path):
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "obs.nc",
                     "-o", tmp_path / "f.txt"), 1, "'.txt'", ".nc, .nc4, .netcdf, .zarr")
    assert not (tmp_path / "f.txt").exists()
    assert_error(run("evaluate", tmp_path / "x.nc", "-o", tmp_path / "m.json"), 1,
                 "'.json'", ".csv")


def test_bad_flags_are_one_line_usage_errors(files):
    assert_error(run("forecast", "-c", files / "daily.pt", "--members", "many"), 2, "--members")
    assert_error(run("forecast", "-c", files / "daily.pt", "--device", "tpu"), 2, "--device")
    assert_error(run("forecast", "--bogus"), 2, "--bogus")
    assert_error(run("train"), 2, "--task", "--data")
    assert_error(run("train", "--task", "lorenz99"), 1, "unknown task 'lorenz99'", "lorenz63")


def test_failed_run_leaves_existing_output_untouched(files, tmp_path, monkeypatch):
    out = tmp_path / "forecast.nc"
    r = run("forecast", "-c", files / "daily.pt", "--data", files / "obs.nc", "--var", "x",
            "-o", out, "--quiet")
    assert r.exit_code == 0, r.output
    before = out.read_bytes()
    # bad input: fails before writing
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "nan.nc",
                     "--var", "x", "-o", out, "--overwrite"))
    assert out.read_bytes() == before
    # without --overwrite the existing output is refused before any work
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "obs.nc",
                     "--var", "x", "-o", out), 1, "--overwrite")
    assert out.read_bytes() == before
    # a crash while writing: the half-written temporary file is removed, the old file stays

    def crash(self, path, *args, **kwargs):
        open(path, "wb").write(b"partial")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(xr.Dataset, "to_netcdf", crash)
    assert_error(run("forecast", "-c", files / "daily.pt", "--data", files / "obs.nc",
                     "--var", "x", "-o", out, "--init", "2020-03-01", "--overwrite"), 1,
                 "No space left", str(out))
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecast.nc"]


def test_help_and_version():
    r = run("--help")
    assert r.exit_code == 0 and "forecast" in r.stdout and "evaluate" in r.stdout
    r = run("--version")
    assert r.exit_code == 0 and "idff-ts 0.1.0" in r.stdout
    r = run()
    assert r.exit_code == 0 and "train" in r.stdout
