"""SST evaluation: IDFF against persistence and climatology on ``sst-demo`` and ``sst-wa4``.

Scores per lead (evaluation.md §2: per point, then per lead over space and inits, then the
mean over leads): CRPS (ecdf and fair estimators), MSE, RMSE and SSR, all in **standardised
anomaly units** (each task's day-of-year climatology fitted on its training years only).

- ``sst-demo`` (SYNTHETIC DEMO DATA, not NOAA OISST): the bundled demo checkpoint
  (``idff_ts/assets/sst_demo/demo_model.pt``; trained on 2010–2018 of the synthetic archive,
  checkpoint and sampler NFE chosen on 2019 by ``datasets/sst_demo/build_demo.py``) forecasts the
  bundled test year 2020 (boxes 88–89) from every ``--demo-stride``-th day. Truth: the 2020
  tiles standardised with the checkpoint's own climatology; ocean pixels only.
- ``sst-wa4`` (real NOAA OISST, four pixels off Western Australia, vector state): an IDFF MLP
  trained here with :func:`idff_ts.fit` and the task's model/train config (seed 0); the
  checkpoint is chosen by validation CRPS (2019) during training, then the sampler's NFE is
  chosen on 2019 (the fewest calls within 1 % of the best validation CRPS of ``NFE_GRID``).
  Test: every day of 2020 with truth for all 7 leads.

Reference forecasts (:mod:`idff_ts.methods.reference`), in the same units and layout:

- persistence: the standardised anomaly at the init, for every lead (one member; its CRPS is
  the absolute error; no fair CRPS / SSR);
- climatology: ``M`` states drawn (seed 0) from the standardised **training** anomalies, pooled
  over days (a draw is a whole day: both boxes' tiles, or all four pixels), the same ensemble
  for every init and lead. With the seasonal cycle removed this is the ~N(0, 1)-like
  climatological distribution of an anomaly; it ignores the season-dependence of the
  anomaly distribution beyond the day-of-year mean and std.

Nothing is tuned on test data.

    python benchmarks/sst_eval.py --quick     # seconds, written to a temporary folder
    python benchmarks/sst_eval.py             # → benchmarks/results/sst_eval.{json,md,png}
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _provenance import RESULTS, provenance
from _sst_eval_report import markdown, plot
from _sst_eval_tasks import METRICS, eval_demo, eval_wa4

log = logging.getLogger("sst_eval")

FULL = {"demo_stride": 15, "demo_members": 20, "wa4_stride": 1, "wa4_members": 50,
        "wa4_train": {}, "wa4_val_inits": 64}
QUICK = {"demo_stride": 180, "demo_members": 4, "wa4_stride": 60, "wa4_members": 4,
         "wa4_train": {"max_epochs": 1, "limit_train_batches": 2, "val_inits": 4,
                       "val_members": 4}, "wa4_val_inits": 4}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, temporary folder")
    ap.add_argument("--tasks", default="sst-demo,sst-wa4")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--demo-members", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None, help="results folder")
    ap.add_argument("--work", type=Path, default=None, help="checkpoints (not committed)")
    ap.add_argument("--merge", action="store_true",
                    help="keep the other tasks' results (each with its own provenance) from an "
                         "existing sst_eval.json in the results folder")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s",
                        stream=sys.stderr)
    # idle OpenMP threads sleep rather than spin on this shared CPU (set before torch loads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_num_threads(args.threads)
    cfg = dict(QUICK if args.quick else FULL)
    if args.demo_members:
        cfg["demo_members"] = args.demo_members
    tmp = tempfile.TemporaryDirectory(prefix="sst_eval_") if args.quick else None
    out_dir = args.out or (Path(tmp.name) if tmp else RESULTS)
    work = args.work or (Path(tmp.name) / "work" if tmp else Path("runs") / "sst_eval")
    prov = provenance(device="cpu", seed=args.seed, crps_estimators=["ecdf", "fair"])
    t_all = time.perf_counter()
    tasks: dict[str, Any] = {}
    for name in args.tasks.split(","):
        t0 = time.perf_counter()
        task_prov = provenance(device="cpu", seed=args.seed)
        if name == "sst-demo":
            tasks[name] = eval_demo(cfg, args.seed)
        elif name == "sst-wa4":
            tasks[name] = eval_wa4(cfg, args.seed, work)
        else:
            ap.error(f"unknown task {name}")
        tasks[name]["wall_s"]["total"] = time.perf_counter() - t0
        tasks[name]["command"] = f"python benchmarks/sst_eval.py --tasks {name}" + (
            " --quick" if args.quick else "")
        tasks[name]["provenance"] = {**task_prov, "load_average_1min_end": os.getloadavg()[0]}
        log.info("%s: %s", name, {m: round(s["mean_over_leads"]["crps_ecdf"], 4)
                                  for m, s in tasks[name]["scores"].items()})
    argv_txt = " ".join(sys.argv[1:] if argv is None else argv)
    out = {
        "schema": "idff-ts-sst-eval/1",
        "command": f"python benchmarks/sst_eval.py {argv_txt}".strip(),
        "quick": bool(args.quick),
        "sizes": cfg,
        "metrics": list(METRICS),
        "wall_s_total": time.perf_counter() - t_all,
        "provenance": {**prov, "load_average_1min_end": os.getloadavg()[0]},
        "tasks": tasks,
    }
    old = out_dir / "sst_eval.json"
    if args.merge and old.is_file():
        kept = {k: v for k, v in json.loads(old.read_text())["tasks"].items() if k not in tasks}
        out["tasks"] = {**kept, **tasks}
        out["merged_from_previous_run"] = sorted(kept)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sst_eval.json").write_text(json.dumps(out, indent=1) + "\n")
    (out_dir / "sst_eval.md").write_text(markdown(out))
    plot(out, out_dir / "sst_eval.png")
    print(markdown(out))
    print(f"wrote {out_dir / 'sst_eval.json'}, .md, .png")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
