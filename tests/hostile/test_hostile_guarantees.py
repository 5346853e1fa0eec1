"""Guarantees that must keep holding (issue 16): kill -9 during training, then --resume.

The other guarantees have their own tests: no code execution from checkpoints
(tests/training/test_checkpoint.py::test_pickled_objects_are_refused and the malicious cases of
test_hostile_checkpoints.py), same seed → bitwise-equal forecasts
(tests/sampling/test_rollout.py, tests/methods/test_contract.py), member prefix
(tests/sampling/test_rollout.py::test_member_prefix_property), atomic and concurrent writes
(tests/test_io.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import torch
import xarray as xr

from idff_ts.config import TrainConfig
from idff_ts.training.fit import fit

MODEL = {"hidden": 16, "depth": 1, "emb_dim": 8}
TRAIN = {"batch_size": 32, "limit_train_batches": 3, "val_inits": 4, "val_members": 3,
         "val_nfe": 2, "patience": 100, "log_every_n_steps": 1}


def _series(n: int = 300) -> xr.DataArray:
    rng = np.random.default_rng(0)
    y = np.zeros((n, 2))
    for t in range(1, n):
        y[t] = 0.3 * y[t - 1] + rng.standard_normal(2)
    return xr.DataArray(y, dims=("time", "variable"), coords={"time": np.arange(n) * 0.5},
                        name="ar1")


KILLER = textwrap.dedent("""
    import os, signal, sys
    import numpy as np, xarray as xr
    from lightning.pytorch.callbacks import Callback
    sys.path.insert(0, {tests!r})
    from test_hostile_guarantees import MODEL, TRAIN, _series
    from idff_ts.config import TrainConfig
    from idff_ts.training.fit import fit

    class KillAtEpoch(Callback):
        def on_train_epoch_start(self, trainer, module):
            if trainer.current_epoch == 1:  # last.ckpt of epoch 0 is on disk: die like kill -9
                os.kill(os.getpid(), signal.SIGKILL)

    fit(_series(), horizon=2, model=MODEL, train=TrainConfig(max_epochs=3, **TRAIN),
        out_dir={out!r}, progress=False, callbacks=[KillAtEpoch()], accelerator="cpu", devices=1)
""")


def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    script = KILLER.format(tests=str(Path(__file__).parent), out=str(out))
    # One thread on both sides: a multi-threaded BLAS may pick its thread count by the machine's
    # load (MKL's dynamic threading), which changes reduction orders and hence the last bits.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert (out / "last.ckpt").is_file() and not (out / "model.pt").exists()
    kw = {"horizon": 2, "model": MODEL, "progress": False, "accelerator": "cpu", "devices": 1}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        resumed = fit(_series(), train=TrainConfig(max_epochs=3, **TRAIN), out_dir=out,
                      resume_from=out / "last.ckpt", **kw)
        full = fit(_series(), train=TrainConfig(max_epochs=3, **TRAIN), out_dir=tmp_path / "full",
                   **kw)
    finally:
        torch.set_num_threads(threads)
    for key, value in full.method.state_dict().items():
        torch.testing.assert_close(resumed.method.state_dict()[key], value, rtol=0, atol=0)
