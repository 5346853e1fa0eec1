"""SST pipeline: standardisation fitted on training years only, the climatology in the
checkpoint, the harmonic approximation bound, and the registered SST tasks."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from idff_ts.domains.sst.climatology import HarmonicClimatology
from idff_ts.domains.sst.demo import DEMO_REGION
from idff_ts.domains.sst.dyffusion import DoyClimatology, doy_slot
from idff_ts.domains.sst.protocol import SSTProtocol
from idff_ts.domains.sst.synthetic import write_synthetic_archive
from idff_ts.domains.sst.tasks import ETP_MODEL, wa4_path
from idff_ts.domains.sst.tiles import as_tiles, open_sst_source
from idff_ts.errors import DataError
from idff_ts.tasks import TASKS, get_task
from idff_ts.training.checkpoint import load_checkpoint

PROTOCOL = SSTProtocol(boxes=(88, 89), train=("2016-01-01", "2018-12-31"),
                       val=("2019-01-01", "2019-01-31"), test=("2019-02-01", "2019-02-28"))
TINY_MODEL = {"hidden": 4, "channel_mult": (1, 2), "emb_dim": 8}
TINY_TRAIN = {"max_epochs": 1, "limit_train_batches": 1, "batch_size": 4, "val_inits": 1,
              "val_members": 2, "val_nfe": 1, "val_batch_size": 1}
POISON = 10.0  # °C added to every non-training day: must not reach the statistics


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Synthetic PSL archive 2016-01..2019-02 (boxes 88-89), val/test days poisoned."""
    root = tmp_path_factory.mktemp("sstarch")
    files = write_synthetic_archive(root / "clean", "2016-01-01", "2019-02-28",
                                    region=DEMO_REGION, seed=1)
    poisoned = root / "poisoned"
    poisoned.mkdir()
    for f in files:
        with xr.open_dataset(f) as ds:
            ds = ds.load()
        if "2019" in f.name:
            ds["sst"] = ds["sst"] + POISON
        ds.to_netcdf(poisoned / f.name)
    return root


@pytest.fixture(scope="module")
def trained(archive, tmp_path_factory):
    from idff_ts.domains.sst.train import fit_sst

    out = tmp_path_factory.mktemp("sstrun")
    fit_sst(str(archive / "poisoned"), protocol=PROTOCOL, model=TINY_MODEL, train=TINY_TRAIN,
            out_dir=out, progress=False, task=None)
    return out / "model.pt"


def test_standardisation_fitted_on_training_years_only(archive, trained):
    from idff_ts.domains.sst.train import climatology_of

    fc = load_checkpoint(trained)
    stored = climatology_of(fc)
    clean = as_tiles(open_sst_source(str(archive / "clean")), PROTOCOL.boxes)
    train_only = HarmonicClimatology.fit(clean.sel(time=slice("2016", "2018")).load(),
                                         period=PROTOCOL.train)
    np.testing.assert_allclose(stored.mean_coef, train_only.mean_coef, atol=1e-4)
    np.testing.assert_allclose(stored.var_coef, train_only.var_coef, rtol=1e-4, atol=1e-5)
    assert (stored.ocean == train_only.ocean).all()
    assert tuple(stored.period) == ("2016-01-01", "2018-12-31")
    info = fc.data_info["sst"]
    assert info["boxes"] == [88, 89] and info["tile_size"] == 60
    assert fc.data_info["domain"] == "sst"  # the registry finds the domain by name
    from idff_ts.domains import domain_for_model

    assert domain_for_model(fc.data_info).name == "sst"
    assert info["protocol"]["train"] == ["2016-01-01", "2018-12-31"]
    # the network's own normaliser saw only (standardised) training data: mean ~ 0, std ~ 1
    assert abs(float(np.ravel(fc.mean)[0])) < 0.1 and 0.8 < float(np.ravel(fc.std)[0]) < 1.2


def test_stored_climatology_reproduces_the_fitted_one(archive, trained):
    from idff_ts.domains.sst.train import climatology_of

    stored = climatology_of(load_checkpoint(trained))
    tiles = as_tiles(open_sst_source(str(archive / "clean")), PROTOCOL.boxes)
    train = tiles.sel(time=slice("2016", "2018")).load()
    raw = DoyClimatology.fit(train, period=PROTOCOL.train, window_days=1)
    mean_h, std_h = stored.mean_std(np.arange(1, 367))
    ocean = stored.ocean
    slots = np.arange(366) != 59  # 29 Feb: one value in three years, not comparable
    mu_raw = raw.mean.transpose("doy", "box", "y", "x").values[slots][:, ocean]
    sd_raw = raw.std.transpose("doy", "box", "y", "x").values[slots][:, ocean]
    rms_diff = np.sqrt(np.mean((mean_h[slots][:, ocean] - mu_raw) ** 2))
    n_years = 3
    assert rms_diff <= 2 * np.sqrt(np.mean(sd_raw**2)) / np.sqrt(n_years)  # documented bound
    # z of the training days: ~ zero mean and unit variance over ocean
    z = stored.transform(train).values[:, ocean]
    assert abs(z.mean()) < 0.05 and 0.9 < z.std() < 1.1
    assert np.isnan(std_h[:, ~ocean]).all() and (std_h[:, ocean] >= stored.min_std).all()


def test_blocked_loading_and_standardisation_equal_the_whole_at_once(archive, monkeypatch):
    """Training tiles are read and standardised a block of days at a time (memory): with a
    7-day block (many blocks, a partial last one) the values are bitwise those of loading the
    period whole and transforming it in one call; the validation split alike, and a missing
    ocean value in a late block is still reported."""
    from idff_ts.domains.sst import train as sst_train

    monkeypatch.setattr(sst_train, "BLOCK_DAYS", 7)
    tiles = as_tiles(open_sst_source(str(archive / "clean")), PROTOCOL.boxes)
    assert tiles.chunks is not None  # a lazy multi-file archive: the blocked path
    z_train, z_val, clim = sst_train.standardised_splits(tiles, PROTOCOL, 3)
    whole = tiles.sel(time=slice("2016", "2018")).load()
    direct = HarmonicClimatology.fit(whole, period=PROTOCOL.train)
    assert np.array_equal(clim.mean_coef, direct.mean_coef)
    assert np.array_equal(clim.var_coef, direct.var_coef)
    assert np.array_equal(z_train.values, clim.transform(whole, fill_land=0.0).values)
    val = tiles.sel(time=slice("2019-01-01", "2019-01-31")).load()
    assert np.array_equal(z_val.values, clim.transform(val, fill_land=0.0).values)
    assert z_train.dtype == np.float32 and z_train.name == "sst_anomaly"
    assert list(z_train.indexes["time"]) == list(whole.indexes["time"])
    broken = val.copy()
    ocean_pixel = np.argwhere(clim.ocean)[0]
    broken[(20, *ocean_pixel)] = np.nan  # day 21: the third 7-day block
    with pytest.raises(DataError, match="missing SST values over ocean on 1 day"):
        sst_train.standardise_tiles(broken, clim)


def test_harmonic_round_trip_and_dates():
    rng = np.random.default_rng(0)
    times = np.arange("2001-01-01", "2004-12-31", dtype="datetime64[D]")
    slot = doy_slot(times)
    truth = 20 + 2 * np.cos(2 * np.pi * (slot - 1) / 366)
    x = truth[:, None] + 0.3 * rng.standard_normal((times.size, 3))
    x[:, 2] = np.nan  # a land pixel
    da = xr.DataArray(x.astype(np.float32), dims=("time", "pixel"),
                      coords={"time": times.astype("datetime64[ns]")})
    clim = HarmonicClimatology.fit(da, period=("2001", "2004"), n_harmonics=2)
    again = HarmonicClimatology.from_tensors(clim.to_tensors(), clim.meta())
    m1, s1 = clim.mean_std([1, 100, 366])
    m2, s2 = again.mean_std([1, 100, 366])
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_array_equal(s1, s2)
    assert np.isnan(m1[:, 2]).all() and not clim.ocean[2]
    expected = 20 + 2 * np.cos(2 * np.pi * (np.array([1, 100, 366]) - 1) / 366)
    np.testing.assert_allclose(m1[:, :2], np.repeat(expected[:, None], 2, 1), atol=0.1)
    np.testing.assert_allclose(s1[:, :2], 0.3, atol=0.05)


def test_sst_tasks_registered():
    assert {"sst-demo", "sst-etp", "sst-wa4"} <= set(TASKS)
    demo = get_task("sst-demo")
    assert demo.protocol.boxes == (88, 89) and demo.horizon == 7 and demo.context == 1
    assert demo.protocol.train == ("2010-01-01", "2018-12-31")
    assert demo.train["val_members"] == 20 and demo.members == 50
    from idff_ts.nets.unet import UNET_PRESETS

    assert {k: v for k, v in ETP_MODEL.items() if k != "sigma"} == UNET_PRESETS["paper"]


@pytest.mark.shared_data
@pytest.mark.skipif(wa4_path() is None, reason="../shared/data/oisst/oisst_wa_4px_1982_2022.csv absent")
def test_wa4_task_shapes_and_train_only_standardisation():
    task = get_task("sst-wa4")
    sp = task.splits()
    assert {k: v.dims for k, v in sp.items()} == {k: ("time", "pixel") for k in sp}
    assert {k: v.sizes["pixel"] for k, v in sp.items()} == {"train": 4, "val": 4, "test": 4}
    assert str(sp["train"].time.values[0])[:10] == "1982-01-01"
    assert str(sp["train"].time.values[-1])[:10] == "2018-12-31"
    assert sp["val"].sizes["time"] == 365 and sp["test"].sizes["time"] == 366
    tr = sp["train"].values
    assert abs(np.nanmean(tr)) < 0.01 and abs(np.nanstd(tr) - 1) < 0.01
    assert np.isfinite(sp["test"].values).all()
    assert sp["test"].attrs["units"] == "1" and "1982-01-01..2018-12-31" in \
        sp["test"].attrs["standardisation"]


def test_cli_train_resume_then_forecast(archive, tmp_path):
    """``idff-ts train --task sst --data …`` trains, ``--resume`` continues the same run, and the
    checkpoint forecasts real-layout files from a chosen init."""
    from typer.testing import CliRunner

    from idff_ts.cli import app
    from idff_ts.training.checkpoint import read_config

    data, out = str(archive / "poisoned"), tmp_path / "run"
    base = ["train", "--task", "sst", "--data", data, "--box", "88",
            "--train-period", "2016..2018", "--val-period", "2019-01-01..2019-01-31",
            "--max-batches", "1", "--batch-size", "4", "--val-inits", "1", "--val-members", "2",
            "--hidden", "4", "-q", "-o", str(out)]
    runner = CliRunner()
    first = runner.invoke(app, [*base, "--epochs", "1"])
    assert first.exit_code == 0, first.output
    step1 = read_config(out / "model.pt")["extra"]["global_step"]
    again = runner.invoke(app, [*base, "--epochs", "2", "--resume"])
    assert again.exit_code == 0, again.output
    extra = read_config(out / "model.pt")["extra"]
    assert extra["global_step"] == 2 * step1 > 0  # continued, not restarted
    fc = runner.invoke(app, ["forecast", "--checkpoint", str(out / "model.pt"), "--data", data,
                             "--init", "2019-02-10", "--members", "2", "-q",
                             "-o", str(tmp_path / "fc.nc")])
    assert fc.exit_code == 0, fc.output
    with xr.open_dataset(tmp_path / "fc.nc") as ds:
        assert list(ds.box.values) == [88] and ds.sizes["member"] == 2
        assert str(ds.init.values[0])[:10] == "2019-02-10"
        assert np.isfinite(ds.sst.where(ds.mask)).all()
