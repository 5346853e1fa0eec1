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
import hashlib
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

log = logging.getLogger("sst_eval")
METRICS = ("crps_ecdf", "crps_fair", "mse", "rmse", "ssr")
NFE_GRID = (1, 2, 3, 5, 10)

FULL = {"demo_stride": 15, "demo_members": 20, "wa4_stride": 1, "wa4_members": 50,
        "wa4_train": {}, "wa4_val_inits": 64}
QUICK = {"demo_stride": 180, "demo_members": 4, "wa4_stride": 60, "wa4_members": 4,
         "wa4_train": {"max_epochs": 1, "limit_train_batches": 2, "val_inits": 4,
                       "val_members": 4}, "wa4_val_inits": 4}


def _sha_arrays(*arrays: Any) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, dtype=np.float32)).tobytes())
    return h.hexdigest()


def _table(scores: Any) -> dict[str, Any]:
    """Per-lead lists and means over leads of the metrics present in ``scores``."""
    lead = scores["lead"].values
    leads = ([float(v / np.timedelta64(1, "D")) for v in lead] if lead.dtype.kind == "m"
             else [float(v) for v in lead])
    per_lead = {m: [float(x) for x in scores[m].values] for m in METRICS if m in scores}
    means = {m: float(scores[f"{m}_mean"]) for m in METRICS if f"{m}_mean" in scores}
    return {"leads": leads, "per_lead": per_lead, "mean_over_leads": means,
            "n_points_per_lead": [int(x) for x in scores["n_points"].values]}


def _score(fc: Any, truth: Any, members: int, **kw: Any) -> dict[str, Any]:
    import idff_ts

    metrics = [m for m in METRICS if members > 1 or m not in ("crps_fair", "ssr")]
    return _table(idff_ts.evaluate(fc, truth, metrics=metrics, **kw))


# ------------------------------------------------------------------------------ sst-demo
def eval_demo(cfg: dict[str, Any], seed: int) -> dict[str, Any]:
    import pandas as pd

    from idff_ts.domains.sst.demo import demo_archive, demo_archive_files, demo_checkpoint
    from idff_ts.domains.sst.forecast import forecast_sst
    from idff_ts.domains.sst.tiles import as_tiles, open_sst_source
    from idff_ts.domains.sst.train import climatology_of, split_tiles
    from idff_ts.methods.reference import climatology_like, persistence_like
    from idff_ts.tasks import get_task
    from idff_ts.training.checkpoint import load_checkpoint

    task = get_task("sst-demo")
    p = task.protocol
    t0 = time.perf_counter()
    model = load_checkpoint(demo_checkpoint())
    clim = climatology_of(model)
    test_files = demo_archive_files()
    test = split_tiles(as_tiles(open_sst_source(test_files), list(p.boxes)), p.test, "test")
    truth = clim.transform(test).rename("sst_anomaly")
    # training anomalies for the climatology reference (the regenerated 2010-2018 archive)
    train = split_tiles(as_tiles(open_sst_source(demo_archive()), list(p.boxes)), p.train, "train")
    train_z = clim.transform(train).rename("sst_anomaly")
    t_data = time.perf_counter() - t0
    inits = task.test_inits(test, stride=cfg["demo_stride"])
    members = cfg["demo_members"]
    t0 = time.perf_counter()
    fc = forecast_sst(test, model, init=list(inits), members=members, seed=seed, device="cpu")
    t_fc = time.perf_counter() - t0
    z = fc[["sst_anomaly"]]
    mask = fc["mask"].reset_coords(drop=True) if "mask" in fc.coords else None
    if mask is not None:
        z = z.drop_vars("mask")
    kw = {"mask": mask}
    res: dict[str, Any] = {}
    t0 = time.perf_counter()
    res["idff"] = _score(z, truth, members, **kw)
    pers = persistence_like(z, truth, var="sst_anomaly")
    res["persistence"] = _score(pers, truth, 1, **kw)
    clim_fc = climatology_like(z, train_z, members=members, seed=seed, var="sst_anomaly")
    res["climatology"] = _score(clim_fc, truth, members, **kw)
    t_score = time.perf_counter() - t0
    return {
        "task": "sst-demo",
        "data": "SYNTHETIC DEMO DATA (idff_ts.domains.sst.synthetic, seed 0), not NOAA OISST",
        "split": f"test {p.test[0]}..{p.test[1]} (bundled sst.day.mean.2020.nc)",
        "boxes": [int(b) for b in p.boxes],
        "units": "standardised SST anomaly (checkpoint's harmonic day-of-year climatology, "
                 "fitted on the training years 2010-2018)",
        "checkpoint": "idff_ts/assets/sst_demo/demo_model.pt (bundled)",
        "checkpoint_sha256": model.sha256,
        "model_selection": "checkpoint by validation CRPS (2019), sampler NFE on 2019 "
                           "(datasets/sst_demo/build_demo.py, model_card.json)",
        "sampler": {"nfe": model.sampler.nfe, "gamma1": model.sampler.gamma1,
                    "gamma2": model.sampler.gamma2},
        "n_parameters": int(sum(q.numel() for q in model.method.parameters())),
        "members": members, "seed": seed,
        "n_inits": int(len(inits)), "init_stride_days": cfg["demo_stride"],
        "inits": [f"{pd.Timestamp(t):%Y-%m-%d}" for t in inits],
        "nfe_counted_per_slot": int(fc.attrs["nfe_counted"]),
        "network_calls": int(fc.attrs["network_calls"]),
        "data_version": "test file sha256 " + _sha_file(test_files[0])[:16]
                        + f" | truth anomalies sha256 {_sha_arrays(truth.values)[:16]}",
        "climatology_pool": f"{train_z.sizes['time']} training days x {len(p.boxes)} boxes",
        "wall_s": {"data": t_data, "forecast": t_fc, "score": t_score},
        "scores": res,
    }


def _sha_file(path: Path) -> str:
    from idff_ts.training.checkpoint import sha256_file

    return sha256_file(path)


# ------------------------------------------------------------------------------- sst-wa4
def _training_extra(path: Path) -> dict[str, Any]:
    """Best validation CRPS, epochs, steps and the validation history of a saved checkpoint."""
    from idff_ts.training.checkpoint import read_config

    extra = read_config(path).get("extra", {})
    return {k: extra.get(k) for k in ("best_val_crps", "best_checkpoint", "epochs", "global_step",
                                      "val_history")}


def eval_wa4(cfg: dict[str, Any], seed: int, work: Path) -> dict[str, Any]:
    import dataclasses

    import pandas as pd

    import idff_ts
    from idff_ts.methods.reference import climatology_like, persistence_like
    from idff_ts.tasks import get_task, hindcast_inits

    task = get_task("sst-wa4")
    splits = task.splits()
    train, val, test = splits["train"], splits["val"], splits["test"]
    t0 = time.perf_counter()
    from idff_ts.domains.registry import get_domain

    # the task's protocol: the generic trainer (idff_ts.fit would take the dated-series path)
    model = get_domain("series").fit(
        train, val=val, context=task.context, horizon=task.horizon, model=task.model_config(),
        train=task.train_config(seed=seed, **cfg["wa4_train"]), out_dir=work / "sst-wa4",
        progress=False, accelerator="cpu", devices=1,
    )
    t_train = time.perf_counter() - t0
    # sampler NFE on validation only: the fewest calls within 1 % of the best CRPS
    val_inits = hindcast_inits(val, task.context, task.horizon, 1)
    pick = np.unique(np.linspace(0, len(val_inits) - 1, cfg["wa4_val_inits"]).round().astype(int))
    val_inits = val_inits[pick]
    val_members = min(20, cfg["wa4_members"])
    val_scores = {}
    t0 = time.perf_counter()
    for nfe in NFE_GRID:
        fc = idff_ts.forecast(val, model.with_sampler(nfe=nfe), horizon=task.horizon,
                              members=val_members, seed=seed, init=val_inits, device="cpu")
        val_scores[nfe] = float(idff_ts.evaluate(fc, val, metrics=["crps_ecdf"])["crps_ecdf_mean"])
    best = min(val_scores.values())
    nfe = min(n for n, v in val_scores.items() if v <= 1.01 * best)
    model = model.with_sampler(nfe=nfe)
    t_val = time.perf_counter() - t0

    inits = task.test_inits(test, stride=cfg["wa4_stride"])
    members = cfg["wa4_members"]
    t0 = time.perf_counter()
    fc = idff_ts.forecast(test, model, horizon=task.horizon, members=members, seed=seed,
                          init=inits, device="cpu")
    t_fc = time.perf_counter() - t0
    name = str(next(iter(fc.data_vars)))
    res: dict[str, Any] = {}
    t0 = time.perf_counter()
    res["idff"] = _score(fc, test, members)
    res["persistence"] = _score(persistence_like(fc, test, var=name), test, 1)
    res["climatology"] = _score(climatology_like(fc, train, members=members, seed=seed, var=name),
                                test, members)
    t_score = time.perf_counter() - t0
    return {
        "task": "sst-wa4",
        "data": "NOAA OISST v2.1, 4 pixels off Western Australia "
                f"({test.attrs.get('source', 'oisst_wa_4px_1982_2022.csv')})",
        "split": "train 1982-2018 / val 2019 / test 2020 (DYffusion splits); scored on test",
        "units": "standardised SST anomaly (per-pixel day-of-year mean/std, training years only)",
        "checkpoint": str(work / "sst-wa4" / "model.pt") + " (not committed)",
        "checkpoint_sha256": model.sha256,
        "model_selection": "checkpoint by validation CRPS during training (val 2019); sampler "
                           f"NFE from {list(NFE_GRID)} on {len(val_inits)} val inits x "
                           f"{val_members} members (fewest calls within 1 % of the best)",
        "val_crps_ecdf_by_nfe": {str(k): v for k, v in val_scores.items()},
        "sampler": {"nfe": model.sampler.nfe, "gamma1": model.sampler.gamma1,
                    "gamma2": model.sampler.gamma2},
        "model": {k: (list(v) if isinstance(v, tuple) else v)
                  for k, v in dataclasses.asdict(model.cfg).items()},
        "train_config": {**task.train, **cfg["wa4_train"], "seed": seed},
        "training": _training_extra(work / "sst-wa4" / "model.pt"),
        "n_parameters": int(sum(q.numel() for q in model.method.parameters())),
        "members": members, "seed": seed,
        "n_inits": int(len(inits)), "init_stride_days": cfg["wa4_stride"],
        "inits_span": [f"{pd.Timestamp(inits[0]):%Y-%m-%d}", f"{pd.Timestamp(inits[-1]):%Y-%m-%d}"],
        "nfe_counted_per_slot": int(fc.attrs["nfe_counted"]),
        "network_calls": int(fc.attrs["network_calls"]),
        "data_version": f"{task.description} | splits sha256 "
                        f"{_sha_arrays(train.values, val.values, test.values)[:16]}",
        "wall_s": {"train": t_train, "nfe_selection": t_val, "forecast": t_fc, "score": t_score},
        "scores": res,
    }


# --------------------------------------------------------------------------------- output
def _markdown(out: dict[str, Any]) -> str:
    lines = ["# SST evaluation: IDFF vs persistence and climatology", "",
             f"Generated by `{out['command']}`; git `{out['provenance']['git_sha']}`, "
             f"torch threads {out['provenance']['torch_threads']}, 1-min load "
             f"{out['provenance']['load_average_1min']:.2f} at start. Scores in standardised "
             "anomaly units, per lead then mean over leads (evaluation.md §2); CRPS estimators "
             "ecdf and fair; persistence has one member (no fair CRPS / SSR). Each task's own "
             "run and provenance are listed under it.", ""]
    for r in out["tasks"].values():
        lines += [f"## {r['task']}", "",
                  f"- data: {r['data']}; {r['split']}",
                  f"- checkpoint sha256 `{r['checkpoint_sha256']}` ({r['model_selection']})",
                  f"- {r['n_inits']} inits (every {r['init_stride_days']} day(s)), M = "
                  f"{r['members']}, seed {r['seed']}, sampler NFE {r['sampler']['nfe']} "
                  f"(γ1 {r['sampler']['gamma1']}, γ2 {r['sampler']['gamma2']}), counted NFE "
                  f"{r['nfe_counted_per_slot']} per slot, {r['network_calls']} network calls; "
                  "wall: " + ", ".join(f"{k} {v:.1f} s" for k, v in r["wall_s"].items()),
                  f"- run: `{r['command']}`, git `{r['provenance']['git_sha']}`, "
                  f"{r['provenance']['timestamp']}, torch threads "
                  f"{r['provenance']['torch_threads']}, 1-min load "
                  f"{r['provenance']['load_average_1min']:.2f} → "
                  f"{r['provenance']['load_average_1min_end']:.2f}",
                  *([f"- training: best validation CRPS {r['training']['best_val_crps']:.4f} "
                     f"({r['training']['best_checkpoint']}), {r['training']['epochs']} epochs, "
                     f"{r['training']['global_step']} steps; validation CRPS by sampler NFE: "
                     + ", ".join(f"{k}: {v:.4f}" for k, v in r["val_crps_ecdf_by_nfe"].items())]
                    if r.get("training") else []),
                  "", "Mean over leads 1–7:", "",
                  "| method | CRPS ecdf | CRPS fair | MSE | RMSE | SSR |", "|---|---|---|---|---|---|"]
        for meth, s in r["scores"].items():
            m = s["mean_over_leads"]
            cells = [f"{m[k]:.4f}" if k in m else "–" for k in METRICS]
            lines.append(f"| {meth} | " + " | ".join(cells) + " |")
        leads = r["scores"]["idff"]["leads"]
        lines += ["", "CRPS (ecdf) per lead (days):", "",
                  "| method | " + " | ".join(f"{v:g}" for v in leads) + " |",
                  "|---|" + "---|" * len(leads)]
        for meth, s in r["scores"].items():
            lines.append(f"| {meth} | " + " | ".join(f"{v:.4f}" for v in s["per_lead"]["crps_ecdf"])
                         + " |")
        lines += ["", "SSR per lead (IDFF): " + ", ".join(
            f"{v:.3f}" for v in r["scores"]["idff"]["per_lead"]["ssr"]), ""]
    lines += ["Climatology = M training-day anomaly states (seed 0), the same ensemble for "
              "every init and lead; persistence = the anomaly at the init. sst-demo is "
              "synthetic demo data, not the real ocean.", ""]
    return "\n".join(lines)


def _plot(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(out["tasks"].values())
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.2 * len(tasks), 3.6), squeeze=False)
    for ax, r in zip(axes[0], tasks, strict=True):
        for meth, s in r["scores"].items():
            ax.plot(s["leads"], s["per_lead"]["crps_ecdf"], "o-",
                    label=f"{meth} ({s['mean_over_leads']['crps_ecdf']:.3f})")
        title = r["task"] + (" (synthetic demo data)" if r["task"] == "sst-demo" else " (OISST)")
        ax.set(xlabel="lead (days)", ylabel="CRPS ecdf (std. anomaly)",
               title=f"{title}\n{r['n_inits']} inits 2020, M={r['members']}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
    (out_dir / "sst_eval.md").write_text(_markdown(out))
    _plot(out, out_dir / "sst_eval.png")
    print(_markdown(out))
    print(f"wrote {out_dir / 'sst_eval.json'}, .md, .png")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
