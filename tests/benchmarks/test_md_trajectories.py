"""The MD tasks' per-trajectory protocol (``benchmarks/_md_trajectories.py``) against brute-force
wrapped errors, and the post-hoc script finding a result's checkpoint by its sha256."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from test_run import _load

from idff_ts.domains.md import wrap_degrees

pytest.importorskip("lightning", reason="fitting needs lightning")
traj = _load("_md_trajectories")


def _walk(n_traj: int, n_time: int, seed: int) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    values = wrap_degrees(170.0 + np.cumsum(12.0 + rng.normal(0, 4, (n_traj, n_time, 2)), axis=1))
    return xr.DataArray(values, dims=("trajectory", "time", "angle"),
                        coords={"time": np.arange(n_time) * 2.0, "angle": ["phi_2", "psi_2"]},
                        name="dihedral", attrs={"units": "degree", "circular": 1})


def _fit(method: str, data: xr.DataArray, out: Path):  # noqa: ANN202
    from idff_ts.domains.md import fit_angles

    return fit_angles({"train": data.isel(trajectory=slice(0, 3)), "val": data.isel(trajectory=[3])},
                      context=1, horizon=3, method=method,
                      model={"hidden": 16, "depth": 1, "emb_dim": 8},
                      train={"max_epochs": 1, "limit_train_batches": 2, "batch_size": 32,
                             "val_inits": 4, "val_members": 2}, progress=False, out_dir=out)


def test_persistence_trajectory_scores_are_the_wrapped_errors_of_the_first_frame(tmp_path) -> None:
    data = _walk(5, 30, 0)
    test = data.isel(trajectory=[4])
    rec = traj.trajectory_record(test, _fit("persistence", data, tmp_path), 1, 0)
    run = test.isel(trajectory=0).values
    err = wrap_degrees(run[0][None] - run[1:])  # (time, angle): the first frame held
    assert rec["steps"] == 29 and rec["members"] == 1 and rec["nfe_counted"] == 0
    assert rec["mae"] == pytest.approx(np.abs(err).mean(), rel=1e-6)
    assert rec["rmse"] == pytest.approx(np.sqrt((err**2).mean(axis=0)).mean(), rel=1e-6)
    assert rec["per_angle"]["mae"] == pytest.approx(np.abs(err).mean(axis=0), rel=1e-6)
    assert rec["cc"] is None and "crps" not in rec  # constant trajectory; one member


def test_ensemble_record_averages_per_angle_values_and_counts_calls(tmp_path) -> None:
    data = _walk(5, 30, 1)
    model = _fit("idff", data, tmp_path).with_sampler(nfe=3)
    rec = traj.trajectory_record(data.isel(trajectory=[4]), model, 4, 7)
    assert rec["members"] == 4 and rec["seed"] == 7 and rec["nfe_counted"] == 3
    for key in ("mae", "rmse", "cc", "crps"):
        assert rec[key] == pytest.approx(np.mean(rec["per_angle"][key]), rel=1e-9), key
    assert rec["angles"] == ["phi_2", "psi_2"] and 0 <= rec["ramachandran_js"] <= 1
    again = traj.trajectory_record(data.isel(trajectory=[4]), model, 4, 7)
    assert again["mae"] == rec["mae"]  # the seed fixes the trajectories


def test_post_hoc_script_finds_the_checkpoint_by_sha256(tmp_path) -> None:
    scores = _load("md_trajectory_scores")
    data = _walk(5, 30, 2)
    work = tmp_path / "work" / "toy"
    for c, method in enumerate(("persistence", "climatology")):
        _fit(method, data, work / f"row__c{c}__seed0")
    want = scores.file_sha256(work / "row__c1__seed0" / "model.pt")
    result = {"task": "toy", "method": "row", "seed": 0, "checkpoint_sha256": want}
    assert scores.find_checkpoint(tmp_path / "work", result) == work / "row__c1__seed0" / "model.pt"
    with pytest.raises(SystemExit, match="no checkpoint with sha256"):
        scores.find_checkpoint(tmp_path / "work", {**result, "checkpoint_sha256": "0" * 64})
    res = {**result, "sampler": {"nfe": 4, "solver": "auto", "gamma1": 0.5, "gamma2": 0.0}}
    model = scores.reported_model(work / "row__c1__seed0" / "model.pt", res)
    assert (model.sampler.nfe, model.sampler.gamma1, model.sampler.solver) == (4, 0.5, "auto")
