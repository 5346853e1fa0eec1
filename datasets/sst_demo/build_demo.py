"""Build the bundled SST demo: a synthetic archive in PSL layout and a pretrained checkpoint.

Writes into ``idff_ts/assets/sst_demo/`` (inside the package, so a non-editable install has it):

- ``sst.day.mean.2020.nc``  the test year of the synthetic archive, exact NOAA PSL yearly layout
- ``demo_model.pt`` (+ ``.sha256``)  the IDFF UNet (weights-only checkpoint with the climatology)
- ``model_card.json``  how it was built: command, git sha, seeds, data, validation CRPS, timings

Recipe (deterministic; every number below is the ``sst-demo`` task's, :mod:`idff_ts.domains.sst.tasks`):

1. generate the synthetic archive 2010–2020 over DYffusion boxes 88–89 with
   :mod:`idff_ts.domains.sst.synthetic` (seed 0), cached (:func:`idff_ts.domains.sst.demo.demo_archive`);
2. train with :func:`idff_ts.domains.sst.train.fit_sst` on 2010–2018 (Lightning, EMA, seed 0), selecting
   the checkpoint by validation CRPS on 2019 with 20 members (8 fixed validation inits);
3. pick the sampler's NFE (network calls per daily slot) on validation: the fewest calls whose
   CRPS is within 1 % of the best of NFE ∈ {2, 3, 5} (8 inits of 2019 × 2 boxes, 20 members);
4. copy the archive's 2020 file and write the checkpoint and the model card.

Usage (about 12 minutes on 2 CPU cores; run it in the background)::

    python datasets/sst_demo/build_demo.py                 # → idff_ts/assets/sst_demo/
    python datasets/sst_demo/build_demo.py --resume        # continue an interrupted training
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "idff_ts" / "assets" / "sst_demo"
NFE_CANDIDATES = (2, 3, 5)
ASSET_BUDGET_MB = 10.0

log = logging.getLogger("build_demo")


def git_sha() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def validation_crps_by_nfe(fc, files, protocol, n_inits: int = 8, members: int = 20) -> dict:
    """Validation CRPS (ecdf, standardised units, mean over leads) for each NFE candidate."""
    import numpy as np
    import pandas as pd

    from idff_ts.domains.sst.forecast import forecast_sst
    from idff_ts.domains.sst.tiles import as_tiles, open_sst_source
    from idff_ts.domains.sst.train import climatology_of, split_tiles
    from idff_ts.evaluate import evaluate

    tiles = as_tiles(open_sst_source(files), protocol.boxes)
    val = split_tiles(tiles, protocol.val, "validation")
    days = pd.DatetimeIndex(val["time"].values)
    last = len(days) - 1 - protocol.horizon
    inits = days[np.unique(np.linspace(0, last, n_inits).round().astype(int))]
    truth = climatology_of(fc).transform(val)
    out = {}
    for nfe in NFE_CANDIDATES:
        t0 = time.perf_counter()
        ds = forecast_sst(val, fc, init=list(inits), members=members, seed=0, nfe=nfe,
                          device="cpu")
        scores = evaluate(ds["sst_anomaly"], truth.rename("sst_anomaly"),
                          metrics=("crps_ecdf", "crps_fair", "rmse", "ssr"))
        out[nfe] = {k: float(scores[f"{k}_mean"]) for k in ("crps_ecdf", "crps_fair", "rmse", "ssr")}
        out[nfe]["wall_s"] = time.perf_counter() - t0
        log.info("validation NFE %d: %s", nfe, out[nfe])
    return {"inits": [f"{t:%Y-%m-%d}" for t in inits], "members": members, "scores": out}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="asset folder")
    ap.add_argument("--workdir", type=Path, default=REPO / "runs" / "sst_demo_build",
                    help="training folder (Lightning checkpoints, logs)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--seed", type=int, default=0, help="training seed")
    ap.add_argument("--epochs", type=int, default=None, help="override the task's max_epochs")
    ap.add_argument("--resume", action="store_true", help="continue from WORKDIR/last.ckpt")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    import torch

    from idff_ts.domains.sst.demo import (
        BUNDLED_YEARS,
        DEMO_CHECKPOINT,
        DEMO_REGION,
        DEMO_SEED,
        MODEL_CARD,
        demo_archive,
    )
    from idff_ts.domains.sst.train import fit_sst
    from idff_ts.tasks import get_task
    from idff_ts.training.checkpoint import read_config, save_checkpoint, sha256_file

    if args.threads:
        torch.set_num_threads(args.threads)
    task = get_task("sst-demo")
    protocol = task.protocol
    t_start = time.perf_counter()
    files = demo_archive()
    t_data = time.perf_counter() - t_start
    log.info("synthetic archive: %d files (%.1f s)", len(files), t_data)

    train_cfg = task.train_config(seed=args.seed, **({"max_epochs": args.epochs}
                                                     if args.epochs else {}))
    resume = args.workdir / "last.ckpt" if args.resume else None
    t0 = time.perf_counter()
    fc = fit_sst(
        files, protocol=protocol, model=dict(task.model), train=train_cfg,
        out_dir=args.workdir, resume_from=resume, progress=False, task=task.name,
        data_label=task.data_label, accelerator="cpu", devices=1,
    )
    t_train = time.perf_counter() - t0
    extra = read_config(args.workdir / "model.pt")["extra"]
    log.info("trained in %.1f s; best val CRPS %s", t_train, extra.get("best_val_crps"))

    t0 = time.perf_counter()
    nfe_eval = validation_crps_by_nfe(fc, files, protocol)
    scores = nfe_eval["scores"]
    best = min(v["crps_ecdf"] for v in scores.values())
    nfe = min(n for n, v in scores.items() if v["crps_ecdf"] <= 1.01 * best)
    fc.sampler = replace(fc.sampler, nfe=int(nfe))
    t_nfe = time.perf_counter() - t0
    log.info("sampler NFE %d chosen on validation (%.1f s)", nfe, t_nfe)

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for year in BUNDLED_YEARS:
        src = next(f for f in files if f.name == f"sst.day.mean.{year}.nc")
        shutil.copyfile(src, out / src.name)
    command = "python datasets/sst_demo/build_demo.py " + " ".join(sys.argv[1:] if argv is None
                                                                     else argv)
    card = {
        "name": "idff-ts SST demo model",
        "data": "SYNTHETIC DEMO DATA (idff_ts.domains.sst.synthetic), not NOAA OISST",
        "synthetic_archive": {"seed": DEMO_SEED, "region": list(DEMO_REGION),
                              "span": ["2010-01-01", "2020-12-31"],
                              "bundled_years": list(BUNDLED_YEARS), "layout": "NOAA PSL yearly"},
        "protocol": protocol.to_dict(),
        "task": task.name,
        "model": dict(task.model) | {"parameters": int(sum(p.numel() for p in
                                                            fc.method.parameters()))},
        "train": {k: v for k, v in extra.get("train", {}).items()},
        "seed": args.seed,
        "best_val_crps_training": extra.get("best_val_crps"),
        "val_crps_note": "ecdf CRPS in standardised units, mean over leads 1..7, 20 members, "
                         f"{train_cfg.val_inits} fixed 2019 inits x 2 boxes, NFE {train_cfg.val_nfe}",
        "val_history": extra.get("val_history"),
        "sampler_nfe_selection": nfe_eval,
        "sampler": {"nfe": fc.sampler.nfe, "gamma1": fc.sampler.gamma1,
                    "gamma2": fc.sampler.gamma2, "sigma": fc.cfg.sigma},
        "command": command.strip(),
        "git_sha": git_sha(),
        "versions": extra.get("versions"),
        "torch_threads": torch.get_num_threads(),
        "wall_time_s": {"data": round(t_data, 1), "train": round(t_train, 1),
                        "nfe_selection": round(t_nfe, 1)},
        "epochs": extra.get("epochs"), "global_step": extra.get("global_step"),
    }
    extra["model_card"] = {k: card[k] for k in ("data", "command", "git_sha", "seed")}
    ckpt = out / DEMO_CHECKPOINT
    digest = save_checkpoint(ckpt, fc, extra=extra)
    card["checkpoint"] = {"file": DEMO_CHECKPOINT, "sha256": digest}
    card["archive_files"] = {
        p.name: sha256_file(p) for p in sorted(out.glob("sst.day.mean.*.nc"))
    }
    (out / MODEL_CARD).write_text(json.dumps(card, indent=2, default=str) + "\n")
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file()) / 1e6
    log.info("assets in %s: %.2f MB (budget %.0f MB); checkpoint sha256 %s", out, total,
             ASSET_BUDGET_MB, digest)
    if total > ASSET_BUDGET_MB:
        log.error("assets exceed the budget")
        return 1
    print(json.dumps({"assets_mb": round(total, 2), "sha256": digest, "nfe": int(nfe),
                      "best_val_crps": extra.get("best_val_crps"),
                      "train_s": round(t_train, 1)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
