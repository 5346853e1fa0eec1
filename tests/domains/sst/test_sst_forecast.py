"""SST forecasts on the bundled demo: API == CLI, the output's layout, and every bad input.

Each bad input must exit non-zero with one line ``error: …`` and leave an existing output
(and its PNG) untouched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

import idff_ts
from idff_ts.cli import app
from idff_ts.config import ModelConfig
from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint
from idff_ts.domains.sst.oisst import open_oisst
from idff_ts.errors import CheckpointError, ConfigError, DataError
from idff_ts.model import Forecaster, build_method
from idff_ts.training.checkpoint import load_checkpoint, save_checkpoint

M = 3  # members: small, the equality and layout checks do not need more
SENTINEL = b"an existing output that must survive\n"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_error(result, *needles):
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("error: ")]
    # one error line, last on stderr (the demo-model warning may come before it)
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def demo_file():
    return demo_archive_files()[0]


@pytest.fixture(scope="module")
def cli_forecast(tmp_path_factory):
    out = tmp_path_factory.mktemp("sstcli") / "fc.nc"
    r = run("forecast", "--days", "7", "--members", M, "--seed", "3", "-o", out)
    assert r.exit_code == 0, r.output
    return out, r


def test_api_and_cli_identical(cli_forecast, demo_file):
    out, _ = cli_forecast
    with xr.open_dataset(demo_file) as ds:  # the user's own open_dataset of the PSL file
        api = ds.idff.forecast(days=7, members=M, seed=3, checkpoint=demo_checkpoint(),
                               device="cpu")
    with xr.open_dataset(out) as cli:  # the file holds sst to 0.01 °C, anomalies to 0.001
        for name, atol in (("sst", 2.0**-8), ("sst_anomaly", 2.0**-11)):
            np.testing.assert_allclose(cli[name].values, api[name].values, rtol=0, atol=atol)
        assert cli["init"].values[0] == api["init"].values[0]
    # default model for OISST-like data without a model: the same demo checkpoint
    with xr.open_dataset(demo_file) as ds:
        again = idff_ts.forecast(ds, days=7, members=M, seed=3, device="cpu")
    np.testing.assert_array_equal(again["sst"].values, api["sst"].values)


def test_layout_attrs_units_land(cli_forecast, demo_file):
    out, result = cli_forecast
    with xr.open_dataset(out) as fc:
        for name in ("sst", "sst_anomaly"):
            assert fc[name].dims == ("init", "box", "lead", "member", "y", "x")
        assert fc.sizes == {"init": 1, "box": 2, "lead": 7, "member": M, "y": 60, "x": 60}
        assert fc["sst"].attrs["units"] == "degC" and fc["sst_anomaly"].attrs["units"] == "1"
        assert fc["sst"].attrs["standard_name"] == "sea_surface_temperature"
        leads = fc["lead"].values / np.timedelta64(1, "D")
        assert leads.tolist() == [1, 2, 3, 4, 5, 6, 7]
        assert fc["lead"].attrs["standard_name"] == "forecast_period"
        assert fc["init"].attrs["standard_name"] == "forecast_reference_time"
        assert fc["member"].attrs["standard_name"] == "realization"
        assert fc["init"].values[0] == np.datetime64("2020-12-31")  # latest day of the data
        assert (fc["valid_time"].values[0] == fc["init"].values[0] + fc["lead"].values).all()
        assert fc["lat"].dims == ("box", "y") and fc["lon"].dims == ("box", "x")
        land = ~fc["mask"].values.astype(bool)
        assert land.any() and land.mean() < 0.05
        for name in ("sst", "sst_anomaly"):
            v = fc[name].values
            assert np.isnan(np.moveaxis(v, 1, -3)[..., land]).all()
            assert np.isfinite(np.moveaxis(v, 1, -3)[..., ~land]).all()
        a = fc.attrs
        for key in ("Conventions", "title", "source", "history", "idff_ts_version", "seed",
                    "ensemble_size", "sampler_nfe", "sampler_gamma1", "sampler_gamma2",
                    "sampler_sigma", "checkpoint_sha256", "nfe_counted", "standardisation"):
            assert key in a, key
        assert a["seed"] == 3 and a["ensemble_size"] == M
        assert "SYNTHETIC DEMO DATA" in a["title"] and "synthetic" in a["comment"].lower()
        assert a["checkpoint_sha256"] == load_checkpoint(demo_checkpoint()).sha256
        sst = fc["sst"].values
        assert 15 < np.nanmean(sst) < 32
    png = out.with_suffix(".png")
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "synthetic demo data" in result.stdout.lower()
    assert "spread" in result.stdout and "7 d" in result.stdout


def test_zarr_output_and_box_choice(tmp_path):
    out = tmp_path / "fc.zarr"
    r = run("forecast", "--days", "2", "--members", "2", "--box", "89", "--init", "2020-06-01",
            "-o", out, "--quiet")
    assert r.exit_code == 0, r.output
    fc = xr.open_zarr(out)
    assert fc["box"].values.tolist() == [89] and fc.sizes["lead"] == 2
    assert fc["init"].values[0] == np.datetime64("2020-06-01")
    assert (tmp_path / "fc.png").is_file()


# --------------------------------------------------------------------------- bad inputs


@pytest.fixture()
def existing(tmp_path):
    out = tmp_path / "fc.nc"
    out.write_bytes(SENTINEL)
    return out


def assert_untouched(out):
    assert out.read_bytes() == SENTINEL
    assert not out.with_suffix(".png").exists()
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp files


def test_init_outside_archive(existing):
    assert_error(run("forecast", "--init", "2021-02-01", "--members", "2", "-o", existing, "--overwrite"),
                 "outside the archive", "2020-01-01..2020-12-31")
    assert_untouched(existing)
    with pytest.raises(DataError, match="outside the archive"):
        idff_ts.forecast(open_oisst(demo_archive_files()), init="2019-12-01", members=2)


@pytest.fixture(scope="module")
def gap_file(tmp_path_factory, demo_file):
    """The demo year without 2020-06-15, written in the NCEI daily layout (other layout)."""
    from idff_ts.domains.sst.oisst import write_oisst

    folder = tmp_path_factory.mktemp("gap")
    da = open_oisst(demo_file).sel(time=slice("2020-06-10", "2020-06-20")).load()
    for day in da["time"].values:
        if pd.Timestamp(day) == pd.Timestamp("2020-06-15"):
            continue
        name = f"oisst-avhrr-v02r01.{pd.Timestamp(day):%Y%m%d}.nc"
        write_oisst(da.sel(time=[day]), folder / name, layout="ncei")
    return folder


def test_missing_day_in_window(existing, gap_file):
    assert_error(run("forecast", "--data", gap_file, "--init", "2020-06-15", "--members", "2",
                     "-o", existing, "--overwrite"), "missing day", "2020-06-15")
    assert_untouched(existing)
    # the NCEI layout forecasts like the PSL one elsewhere
    r = run("forecast", "--data", str(gap_file / "*.nc"), "--init", "2020-06-16", "--days", "1",
            "--members", "2", "-o", existing.with_name("ok.nc"), "--quiet")
    assert r.exit_code == 0, r.output


def test_files_of_another_variable(existing, tmp_path, demo_file):
    ice = open_oisst(demo_file).isel(time=slice(0, 3)).load().rename("icec") * 0
    ds = ice.drop_vars("mask").to_dataset()
    path = tmp_path / "icec.day.mean.2020.nc"
    ds.to_netcdf(path)
    msg = assert_error(run("forecast", "--data", path, "--members", "2", "-o", existing, "--overwrite"),
                       "icec")
    assert "sea-ice" in msg
    assert_untouched(existing)
    with xr.open_dataset(path) as opened, pytest.raises(DataError, match="no variable 'sst'"):
        idff_ts.forecast(opened, members=2)


def test_checkpoint_for_another_tile_size(existing, tmp_path):
    demo = load_checkpoint(demo_checkpoint())
    cfg = ModelConfig(state_shape=(1, 30, 30), backbone="unet", hidden=4, channel_mult=(1,),
                      emb_dim=8, horizon=7)
    small = Forecaster(method=build_method("idff", cfg), mean=np.zeros((1, 1, 1), np.float32),
                       std=np.ones((1, 1, 1), np.float32), data_info=dict(demo.data_info),
                       assets=dict(demo.assets))
    ckpt = tmp_path / "small.pt"
    save_checkpoint(ckpt, small)
    assert_error(run("forecast", "--checkpoint", ckpt, "--members", "2", "-o", existing, "--overwrite"),
                 "tile", "60")
    assert_untouched(existing)
    r = run("forecast", "--checkpoint", ckpt, "--data", demo_archive_files()[0], "-o", existing, "--overwrite")
    assert r.exit_code != 0
    with pytest.raises(CheckpointError, match="60 × 60"):
        idff_ts.forecast(open_oisst(demo_archive_files()), checkpoint=ckpt, members=2)


def test_boxes_not_in_data(existing, tmp_path, demo_file):
    half = open_oisst(demo_file).sel(lon=slice(240, 255)).isel(time=slice(0, 5)).load()
    path = tmp_path / "sst.day.mean.2020.nc"
    from idff_ts.domains.sst.oisst import write_oisst

    write_oisst(half, path, layout="psl")
    assert_error(run("forecast", "--data", path, "--members", "2", "-o", existing, "--overwrite"),
                 "do not cover box 89")
    assert_untouched(existing)
    assert_error(run("forecast", "--box", "84", "--members", "2", "-o", existing, "--overwrite"),
                 "not among the checkpoint's boxes")
    assert_untouched(existing)
    with pytest.raises(ConfigError, match="boxes"):
        idff_ts.forecast(open_oisst(demo_file), members=2, boxes=[84])
