"""``idff-ts train --devices 2 --strategy ddp`` runs two CPU processes (gloo) from the CLI.

Lightning restarts the command line for rank 1, so the test runs the real command in a
subprocess. Oracle for the flags reaching Lightning: with ``W`` processes each rank reads
``ceil(n/W)`` of the ``n`` training windows, in ``ceil(·/B)`` batches, and
``--accumulate-grad-batches A`` makes ``ceil(batches/A)`` optimiser steps per epoch; one process
or no accumulation would give twice as many steps here.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from idff_ts.training.checkpoint import load_checkpoint, read_config

N_TRAJ, N_TIME, CONTEXT, HORIZON, BATCH, ACCUMULATE, WORLD = 3, 120, 1, 2, 32, 2, 2


@pytest.mark.slow
def test_cli_trains_with_two_ddp_processes(tmp_path):
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.standard_normal((N_TRAJ, N_TIME, 2)), axis=1) * 0.1
    xr.DataArray(walk, dims=("trajectory", "time", "variable"), name="walk").to_dataset() \
        .to_netcdf(tmp_path / "walk.nc")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for key in ("LOCAL_RANK", "RANK", "WORLD_SIZE", "NODE_RANK"):
        env.pop(key, None)
    args = ["train", "--data", "walk.nc", "--var", "walk", "--context", str(CONTEXT),
            "--horizon", str(HORIZON), "--device", "cpu", "--devices", str(WORLD), "--strategy",
            "ddp", "--num-nodes", "1", "--precision", "32-true", "--accumulate-grad-batches",
            str(ACCUMULATE), "--epochs", "1", "--batch-size", str(BATCH), "--val-inits", "8",
            "--val-members", "4", "--hidden", "32", "--depth", "2", "-o", "run"]
    proc = subprocess.run([sys.executable, "-m", "idff_ts.cli", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "MEMBER: 2/2" in proc.stderr and "distributed_backend=gloo" in proc.stderr
    assert proc.stdout.count("idff-ts train:") == 1  # the summary from rank 0 only
    extra = read_config(tmp_path / "run" / "model.pt")["extra"]
    assert extra["world_size"] == WORLD
    assert extra["train"]["accumulate_grad_batches"] == ACCUMULATE
    n_windows = (N_TRAJ - 1) * (N_TIME - CONTEXT - HORIZON + 1)  # the last trajectory validates
    batches = math.ceil(math.ceil(n_windows / WORLD) / BATCH)
    assert extra["global_step"] == math.ceil(batches / ACCUMULATE)
    assert load_checkpoint(tmp_path / "run" / "model.pt").cfg.horizon == HORIZON


def test_rank_zero_from_the_launchers_environment(monkeypatch):
    from idff_ts.cli.train import is_global_zero

    for name in ("RANK", "SLURM_PROCID", "NODE_RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert is_global_zero()  # not distributed
    monkeypatch.setenv("LOCAL_RANK", "1")  # Lightning's second process on a node
    assert not is_global_zero()
    monkeypatch.setenv("LOCAL_RANK", "0")
    monkeypatch.setenv("NODE_RANK", "1")  # first process of the second node
    assert not is_global_zero()
    monkeypatch.setenv("RANK", "0")  # torchrun's global rank wins
    assert is_global_zero()
    monkeypatch.delenv("RANK")
    monkeypatch.setenv("SLURM_PROCID", "3")
    assert not is_global_zero()
