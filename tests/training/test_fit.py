"""fit(): splits, normalisation, data_info, learning, out_dir files and resume."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from idff_ts.config import ModelConfig, TrainConfig
from idff_ts.data.series import as_series_array
from idff_ts.errors import ConfigError, DataError
from idff_ts.model import Forecaster, build_method
from idff_ts.training.checkpoint import load_checkpoint, read_config
from idff_ts.training.fit import (
    align_mask,
    build_data_info,
    default_backbone,
    fit,
    hold_out,
    prepare_data,
    time_step,
)
from idff_ts.training.val_crps import crps_ensemble_torch

pytestmark = pytest.mark.filterwarnings("ignore:.*LeafSpec.*")

TINY = {"hidden": 32, "depth": 2, "emb_dim": 16}


def _ar1(n_time: int, dim: int = 2, phi: float = 0.3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros((n_time, dim))
    for t in range(1, n_time):
        y[t] = phi * y[t - 1] + rng.standard_normal(dim)
    return y


def _ar1_da(n_time: int = 3000) -> xr.DataArray:
    return xr.DataArray(
        5.0 + 2.0 * _ar1(n_time),
        dims=("time", "variable"),
        coords={"time": 0.5 * np.arange(n_time), "variable": ["u", "v"]},
        name="ar1",
        attrs={"units": "m s-1", "long_name": "toy AR(1)"},
    )


def _crps_std(forecaster: Forecaster, series: np.ndarray, horizon: int, members: int) -> float:
    """Mean over leads of the CRPS (standardised units) on all windows of ``series`` (T, D)."""
    n = series.shape[0] - horizon
    ctx = series[:n, None].astype(np.float32)
    truth = np.stack([series[1 + k : n + 1 + k] for k in range(horizon)], axis=1)
    samples, _ = forecaster.predict(ctx, horizon, members, seed=11)
    z = torch.from_numpy(forecaster.standardize(samples).astype(np.float64))
    y = torch.from_numpy(forecaster.standardize(truth).astype(np.float64))
    return float(crps_ensemble_torch(z, y).mean())


# ----------------------------------------------------------------------------- learning
def test_fit_learns_mean_reverting_ar1_and_beats_persistence() -> None:
    """AR(1), φ = 0.3: persistence is bad (its CRPS ≈ 1.09 in std units), the optimum ≈ 0.59.

    The optimum for M = 16 (ecdf) is ``E CRPS = σ_k/√π (1 + 1/M)`` with
    ``σ_k = sqrt(1 − φ^{2k})``: 0.589 averaged over k = 1..3.
    """
    da = _ar1_da(3000)
    horizon = 3
    train = TrainConfig(
        max_epochs=4,
        batch_size=128,
        limit_train_batches=25,
        val_inits=48,
        val_members=12,
        patience=10,
        seed=0,
    )
    fc = fit(da, horizon=horizon, model={**TINY, "sigma": 0.5}, train=train, progress=False)

    held = da.values[-450:]  # the last 15 % of time, never trained on
    trained = _crps_std(fc, held, horizon, members=16)
    torch.manual_seed(0)
    untrained = Forecaster(build_method("idff", fc.cfg), fc.mean, fc.std, fc.sampler)
    before = _crps_std(untrained, held, horizon, members=16)
    z = (held - fc.mean) / fc.std
    persistence = float(
        np.mean(
            [
                np.abs(z[1 + k : len(z) - horizon + 1 + k] - z[: len(z) - horizon]).mean()
                for k in range(horizon)
            ]
        )
    )
    optimum = float(
        np.mean([np.sqrt(1 - 0.3 ** (2 * k)) for k in (1, 2, 3)]) / np.sqrt(np.pi) * (1 + 1 / 16)
    )
    assert persistence > 1.0
    assert before > 0.9
    assert trained < 0.8 * persistence and trained < 0.8 * before
    assert trained < 1.25 * optimum

    # normalisation fitted on the training part only (the first 85 % of time)
    np.testing.assert_allclose(fc.mean, da.values[:2550].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(fc.std, da.values[:2550].std(axis=0), rtol=1e-5)
    assert fc.cfg.state_shape == (2,) and fc.cfg.backbone == "mlp" and fc.cfg.horizon == 3
    assert fc.data_info == {
        "name": "ar1",
        "units": "m s-1",
        "long_name": "toy AR(1)",
        "state_dims": ["variable"],
        "state_coords": {"variable": ["u", "v"]},
        "kind": "vector",
        "time_kind": "numeric",
        "time_step": 0.5,
        "time_step_units": "model time",
        "series_dim": None,
        "context": 1,
        "task": None,
    }
    json.dumps(fc.data_info)


# ------------------------------------------------------------------------------- splits
def test_hold_out_last_trajectories_else_last_time_steps() -> None:
    arr = np.zeros((20, 50, 3), dtype=np.float32)
    arr[:, :, 0] = np.arange(20)[:, None]
    arr[:, :, 1] = np.arange(50)[None, :]
    traj = xr.DataArray(arr, dims=("trajectory", "time", "variable"))
    a, info = as_series_array(traj)
    tr, va, note = hold_out(a, info, min_length=8)
    assert tr.shape[0] == 17 and va.shape[0] == 3 and va[:, 0, 0].tolist() == [17, 18, 19]
    assert "trajectory" in note
    one, info1 = as_series_array(traj.isel(trajectory=0))
    tr, va, note = hold_out(one, info1, min_length=8)
    assert tr.shape[1] + va.shape[1] == 50 and va.shape[1] == 8 and va[0, 0, 1] == tr.shape[1]
    with pytest.raises(DataError, match="too short"):
        hold_out(one[:, :12], info1, min_length=8)


def test_prepare_data_dict_of_splits_and_masked_normalisation() -> None:
    rng = np.random.default_rng(0)
    field = rng.standard_normal((60, 3, 4)) * 2 + 1
    field[:, 0, 0] = np.nan  # "land"
    da = xr.DataArray(field, dims=("time", "lat", "lon"))
    mask = xr.DataArray(np.ones((3, 4)), dims=("lat", "lon"))
    mask[0, 0] = 0
    prep = prepare_data({"train": da[:40], "val": da[40:]}, None, 1, 3, "time", None, mask)
    assert prep.train.shape == (1, 40, 1, 3, 4) and prep.val.shape == (1, 20, 1, 3, 4)
    valid = field[:40].reshape(40, -1)[:, 1:]
    np.testing.assert_allclose(prep.normalizer.mean.ravel(), [valid.mean()], rtol=1e-6)
    np.testing.assert_allclose(prep.normalizer.std.ravel(), [valid.std()], rtol=1e-5)
    assert np.isfinite(prep.train).all()
    # a DataArray mask is ordered like the state; foreign dims are refused
    aligned = align_mask(mask.T, prep.info)
    np.testing.assert_array_equal(aligned, mask.values)
    with pytest.raises(DataError, match="not all among the state dims"):
        align_mask(mask.expand_dims(member=2), prep.info)
    with pytest.raises(ConfigError, match="twice"):
        prepare_data({"train": da, "val": da}, da, 1, 3, "time", None, mask)
    with pytest.raises(DataError, match="'train'"):
        prepare_data({"training": da}, None, 1, 3, "time", None, mask)


def test_data_info_for_datetimes_and_scalars() -> None:
    t = pd.date_range("2000-01-01", periods=30, freq="D")
    da = xr.DataArray(
        np.arange(30.0), dims="time", coords={"time": t}, name="sst", attrs={"units": "degC"}
    )
    _, info = as_series_array(da)
    di = build_data_info(info, context=2)
    assert di["time_kind"] == "datetime" and di["time_step"] == 1.0 and di["time_step_units"] == "D"
    assert di["kind"] == "scalar" and di["state_dims"] == [] and di["context"] == 2
    assert time_step(np.arange(5)) == ("numeric", 1.0, "model time")
    json.dumps(di)


def test_config_errors_before_anything_is_written(tmp_path) -> None:
    da = _ar1_da(200)
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match="state_shape"):
        fit(da, model={"state_shape": (3,)}, out_dir=out, progress=False)
    with pytest.raises(ConfigError, match="disagrees"):
        fit(da, model=ModelConfig(state_shape=(2,), horizon=2), out_dir=out, progress=False)
    with pytest.raises(ConfigError, match="not found"):
        fit(da, resume_from=tmp_path / "nope.ckpt", out_dir=out, progress=False)
    with pytest.raises(ConfigError, match="unknown TrainConfig"):
        fit(da, train={"epochs": 3}, out_dir=out, progress=False)
    with pytest.raises(DataError):
        fit(da.rename(time="t"), out_dir=out, progress=False)
    assert not out.exists()


# ------------------------------------------------------------------------ files, resume
def _small(epochs: int) -> TrainConfig:
    return TrainConfig(
        max_epochs=epochs,
        batch_size=32,
        limit_train_batches=5,
        val_inits=8,
        val_members=4,
        val_nfe=2,
        patience=100,
        log_every_n_steps=1,
    )


def test_out_dir_files_and_exact_resume(tmp_path) -> None:
    da = _ar1_da(600)
    kw = {"horizon": 2, "model": TINY, "progress": False}
    part = tmp_path / "part"
    fit(da, train=_small(2), out_dir=part, **kw)
    model = part / "model.pt"
    assert model.is_file() and (part / "last.ckpt").is_file()
    assert list(part.glob("best-epoch=*.ckpt"))
    side = (part / "model.pt.sha256").read_text().split()
    assert side == [hashlib.sha256(model.read_bytes()).hexdigest(), "model.pt"]
    first = torch.load(part / "last.ckpt", weights_only=True)
    assert first["global_step"] == 10

    resumed = fit(da, train=_small(4), out_dir=part, resume_from=part / "last.ckpt", **kw)
    last = torch.load(part / "last.ckpt", weights_only=True)
    assert last["global_step"] == 20 and last["epoch"] == 3
    assert last["optimizer_states"][0]["state"][0]["step"] == 20  # AdamW state continued
    log2 = pd.read_csv(part / "logs" / "version_1" / "metrics.csv")
    assert log2["epoch"].min() == 2 and log2["step"].min() >= 10  # history continues
    assert log2["train_loss"].notna().sum() == 2
    extra = read_config(model)["extra"]
    assert [h["epoch"] for h in extra["val_history"]] == [0, 1, 2, 3]
    assert extra["global_step"] == 20 and extra["resumed_from"].endswith("last.ckpt")

    full = fit(da, train=_small(4), out_dir=tmp_path / "full", **kw)
    for key, value in full.method.state_dict().items():
        torch.testing.assert_close(resumed.method.state_dict()[key], value, rtol=0, atol=0)
    assert (
        read_config(tmp_path / "full" / "model.pt")["extra"]["val_history"] == extra["val_history"]
    )
    loaded = load_checkpoint(model)
    assert loaded.sha256 == resumed.sha256 != side[0]  # model.pt rewritten by the resumed run


def test_resume_in_a_moved_folder_keeps_the_best_epoch_before_the_restart(tmp_path) -> None:
    """Lightning forgets a checkpoint callback's best score when the run folder changed; the
    resumed run must still choose among all epochs, as an uninterrupted run does."""
    import shutil
    import warnings

    da = _ar1_da(600)
    kw = {"horizon": 2, "model": TINY, "progress": False}
    fit(da, train=_small(2), out_dir=tmp_path / "before", **kw)
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "before", moved)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed = fit(da, train=_small(4), out_dir=moved, resume_from=moved / "last.ckpt", **kw)
    assert not [w for w in caught if "dirpath has changed" in str(w.message)]
    assert not list(moved.glob(".resume*"))
    extra = read_config(moved / "model.pt")["extra"]
    assert extra["best_val_crps"] == pytest.approx(min(h["val_crps"] for h in extra["val_history"]),
                                                   rel=1e-6)
    assert str(moved) in extra["best_checkpoint"] or "/" not in extra["best_checkpoint"]
    full = fit(da, train=_small(4), out_dir=tmp_path / "full", **kw)
    for key, value in full.method.state_dict().items():
        torch.testing.assert_close(resumed.method.state_dict()[key], value, rtol=0, atol=0)


def test_relocate_resume_moves_only_paths_inside_the_old_folder(tmp_path) -> None:
    """Paths under the stored folder move to the new one; a sibling whose name merely starts
    with the old folder's (``run`` vs ``run2``) is left alone."""
    import torch

    from idff_ts.training.trainer import relocate_resume

    old, new = tmp_path / "run", tmp_path / "moved"
    new.mkdir()
    state = {"dirpath": str(old), "best_model_path": str(old / "best-epoch=003.ckpt"),
             "last_model_path": str(tmp_path / "run2" / "last.ckpt"),
             "best_k_models": {str(old / "best-epoch=003.ckpt"): 0.5}}
    ckpt = {"callbacks": {"ModelCheckpoint{'monitor': 'val_crps'}": state}}
    target = relocate_resume(tmp_path / "last.ckpt", ckpt, new)
    saved = torch.load(target, weights_only=True)["callbacks"]
    moved = next(iter(saved.values()))
    assert moved["dirpath"] == str(new.resolve())
    assert moved["best_model_path"] == str(new.resolve() / "best-epoch=003.ckpt")
    assert moved["last_model_path"] == str(tmp_path / "run2" / "last.ckpt")
    assert list(moved["best_k_models"]) == [str(new.resolve() / "best-epoch=003.ckpt")]


def test_fit_field_with_mask_and_scalar_series() -> None:
    rng = np.random.default_rng(1)
    field = rng.standard_normal((80, 3, 4)).astype(np.float32)
    field[:, 0, 0] = np.nan
    da = xr.DataArray(field, dims=("time", "lat", "lon"), coords={"lat": [1.0, 2.0, 3.0]})
    mask = xr.DataArray(np.ones((3, 4)), dims=("lat", "lon"), coords={"lat": [1.0, 2.0, 3.0]})
    mask[0, 0] = 0
    small = TrainConfig(
        max_epochs=1, batch_size=16, limit_train_batches=2, val_inits=4, val_members=3, val_nfe=2
    )
    fc = fit(
        da, horizon=2, model={"hidden": 8, "emb_dim": 8}, train=small, mask=mask, progress=False
    )
    assert fc.cfg.state_shape == (1, 3, 4) and fc.data_info["kind"] == "field"
    assert fc.cfg.backbone == default_backbone("field")
    assert fc.data_info["state_coords"] == {"lat": [1.0, 2.0, 3.0]}
    ctx = np.nan_to_num(field[:2, None, None])
    samples, _ = fc.predict(ctx, 2, 3)
    assert samples.shape == (3, 2, 2, 1, 3, 4) and np.isfinite(samples).all()

    scalar = xr.DataArray(_ar1(200, dim=1)[:, 0], dims="time")
    fc1 = fit(scalar, horizon=2, model=TINY, train=small, progress=False)
    assert fc1.cfg.state_shape == (1,) and fc1.data_info["kind"] == "scalar"
