"""Real two-process DDP training on CPU (gloo), launched the way users launch it.

Lightning's ``strategy="ddp"`` starts the other ranks by re-running the calling script, so the
test writes a small script and runs it with ``subprocess``. Each rank reports what it saw; the
test checks that there were two processes, that each read half of the data (Lightning's
``DistributedSampler``), and that both returned identical weights from the one best checkpoint.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys
    from pathlib import Path

    import lightning as L
    import numpy as np
    import torch
    import xarray as xr

    from idff_ts.config import TrainConfig
    from idff_ts.training.fit import fit

    out = Path(sys.argv[1])
    seen = {}

    class Probe(L.Callback):
        def on_train_epoch_start(self, trainer, pl_module):
            seen["world_size"] = trainer.world_size
            seen["rank"] = trainer.global_rank
            seen["sampler"] = type(trainer.train_dataloader.sampler).__name__
            seen["backend"] = torch.distributed.get_backend()

    rng = np.random.default_rng(0)
    y = np.cumsum(rng.standard_normal((3, 120, 2)), axis=1) * 0.1
    da = xr.DataArray(y, dims=("trajectory", "time", "variable"), name="walk")
    fc = fit(
        da, horizon=2, model={"hidden": 32, "depth": 2, "emb_dim": 16},
        train=TrainConfig(max_epochs=2, batch_size=32, val_inits=8, val_members=4, val_nfe=2),
        accelerator="cpu", devices=2, strategy="ddp", out_dir=out / "run", progress=False,
        callbacks=[Probe()],
    )
    weights = b"".join(v.numpy().tobytes() for v in fc.method.state_dict().values())
    seen["weights"] = hashlib.sha256(weights).hexdigest()
    seen["sha256"] = fc.sha256
    seen["group_left_open"] = torch.distributed.is_initialized()
    (out / f"rank{seen['rank']}.json").write_text(json.dumps(seen))
    """
)


@pytest.mark.slow
def test_ddp_two_cpu_processes(tmp_path: Path) -> None:
    script = tmp_path / "train_ddp.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("LOCAL_RANK", None)
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # generous: two processes on a loaded 2-core machine
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["rank"] for r in ranks] == [0, 1]
    assert all(r["world_size"] == 2 and r["backend"] == "gloo" for r in ranks)
    assert all(r["sampler"] == "DistributedSampler" for r in ranks)
    assert ranks[0]["weights"] == ranks[1]["weights"]  # the same best EMA weights on both
    # fit ends the process group it started (left open, gloo could abort the exit)
    assert not any(r["group_left_open"] for r in ranks)
    run = tmp_path / "run"
    assert (
        ranks[0]["sha256"] == ranks[1]["sha256"] == (run / "model.pt.sha256").read_text().split()[0]
    )
    import torch

    last = torch.load(run / "last.ckpt", weights_only=True)
    n_windows = 2 * (120 - 3 + 1)  # 2 of 3 trajectories train (the last is held out)
    per_rank = math.ceil(n_windows / 2)
    assert last["global_step"] == 2 * math.ceil(per_rank / 32)  # each rank read half
