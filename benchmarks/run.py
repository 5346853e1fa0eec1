"""Benchmark runner: tasks × rows × seeds, one result file per (task, row, seed) (evaluation.md §3).

For every task and leaderboard row (:mod:`_bench_config`) it searches the row's
``N_CONFIGS`` configurations on the **validation** split with training seed 0 (each trained
with the same early-stopping rule and epoch cap, its checkpoint selected by validation CRPS with
the row's own sampler at its reported NFE), retrains the chosen configuration with the other
seeds, forecasts the **test** split and writes
``results/runs/<profile>/<task>/<row>__nfe<N>__seed<S>.json``: ``metric × lead`` (CRPS ecdf and
fair, MSE, RMSE, MAE, CC, SSR), the per-init CRPS (for the leaderboard's paired bootstrap), the
configurations tried with their validation scores and wall times (training, validation), the
training budget used (best epoch, cap hit), for MD tasks the per-trajectory scores of the IDFF
paper's protocol (``trajectory_scores``, :mod:`_md_trajectories`) and provenance (git sha,
checkpoint sha256, seed, M, counted NFE, wall time, data version).
Reference rows (persistence, probabilistic persistence, climatology) and the statsforecast rows
(AutoARIMA, AutoETS; vector tasks only, ``pip install idff-ts[bench]``) have no knobs.

    python benchmarks/run.py --profile quick                       # every quick task
    python benchmarks/run.py --profile quick --tasks lorenz63 --methods idff,ddpm-ddim
    python benchmarks/leaderboard.py                               # render the tables

``--resume`` reuses the finished trainings of an earlier run in the same ``--work`` folder and
continues the interrupted ones or those a raised epoch cap extends (:mod:`_bench_resume`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _bench_config import PATIENCE, PROFILES, STAT_ROWS, RowSpec, configurations, rows
from _bench_result import SCHEMA
from _bench_tasks import (
    DEVICE,
    TaskData,
    fit_method,
    forecast_and_score,
    load_task,
    training_summary,
)
from _provenance import RESULTS, provenance

RUNS = RESULTS / "runs"
BASE_PROVENANCE: dict[str, Any] = {}
RESUME = {"on": False}
__all__ = ["PROFILES", "SCHEMA", "fit_method", "forecast_and_score", "load_task", "main", "rows"]


def _task_settings(td: TaskData, profile: str) -> dict[str, Any]:
    prof = PROFILES[profile]
    over = prof["tasks"].get(td.name, {})
    train = {"patience": PATIENCE, **over.get("train", {})}
    cap = int(train.get("max_epochs", td.task.train_config().max_epochs))
    return {"train": train, "cap": cap, "stride": int(over.get("test_stride", td.task.test_stride)),
            "members": int(over.get("members", prof["members"]))}


def _model_over(spec: RowSpec, cfg: dict[str, Any], td: TaskData, train: dict[str, Any]) -> dict:
    over = json.loads(json.dumps(cfg["model"]))
    if spec.method == "dyffusion":  # stage 1 (interpolator) lasts 3 epochs, < PATIENCE
        limit = train.get("limit_train_batches", td.task.train_config().limit_train_batches)
        steps = 3 * int(limit) if isinstance(limit, int) and limit > 1 else 100
        over.setdefault("method_options", {})["interpolator_steps"] = steps
    return over


def _train(td: TaskData, spec: RowSpec, cfg: dict, seed: int, st: dict, work: Path, cache: dict):
    """Train (or take from ``cache``, or with ``--resume`` reuse or continue from ``work``)
    ``spec`` with configuration ``cfg`` and ``seed``."""
    over = _model_over(spec, cfg, td, st["train"])
    key = (spec.label, json.dumps(over, sort_keys=True), seed)
    if key not in cache:
        out = work / td.name / f"{spec.label}__c{len(cache)}__seed{seed}"
        t0 = time.perf_counter()
        out, mode, path = _resume_plan(spec, cfg, over, seed, st, out)
        if mode == "reuse":
            from idff_ts.training.checkpoint import load_checkpoint

            model = load_checkpoint(path)
        else:
            model = fit_method(td, spec, seed, st["train"], out, model_over=over,
                               gamma1=cfg["gamma1"], resume_from=path)
        budget = (training_summary(out / "model.pt", st["cap"], PATIENCE)
                  if spec.method not in ("persistence", "prob-persistence", "climatology") else {})
        if budget and RESUME["on"]:
            budget["resume"] = mode
        cache[key] = (model, time.perf_counter() - t0, budget)
    return cache[key]


def _resume_plan(spec: RowSpec, cfg: dict, over: dict, seed: int, st: dict,
                 out: Path) -> tuple[Path, str, Path | None]:
    """Where the training goes and what ``--resume`` does there (:mod:`_bench_resume`): the
    folder of an earlier run of it, whatever its ``c<N>``; ``out`` and ``fresh`` without it."""
    if not RESUME["on"] or spec.method in ("persistence", "prob-persistence", "climatology"):
        return out, "fresh", None
    from _bench_resume import find

    want = {"method": spec.method, "model": over,
            "sampler": {"nfe": spec.val_nfe, "gamma1": cfg["gamma1"], "solver": spec.solver},
            "train": {**st["train"], "seed": seed, "val_nfe": spec.val_nfe}}
    found, mode, path = find(out, want, st["cap"])
    logging.info("%s: %s%s", found.name, mode, f" ({path.name})" if path else "")
    return found, mode, path


def _sampler(spec: RowSpec, gamma1: float) -> Any:
    from idff_ts.config import SamplerConfig

    return SamplerConfig(nfe=spec.nfe, gamma1=gamma1, gamma2=0.0, solver=spec.solver)


def tune(td: TaskData, spec: RowSpec, st: dict, work: Path, cache: dict) -> tuple[dict, list]:
    """Score every configuration on the validation split (training seed 0); the best by
    validation CRPS (ecdf, mean over leads) is chosen."""
    tried = []
    for cfg in configurations(spec, td.task.model_config(), td.task.horizon):
        n_trained = len(cache)
        model, train_s, budget = _train(td, spec, cfg, 0, st, work, cache)
        fresh = len(cache) > n_trained  # else the model of an earlier configuration (γ1 only)
        t0 = time.perf_counter()
        _, sc = forecast_and_score(td, model, "val", st["members"], 0, st["stride"],
                                   _sampler(spec, cfg["gamma1"]))
        tried.append({"config": cfg, "val_crps_ecdf_mean": float(sc["crps_ecdf_mean"]),
                      "training": budget, "train_wall_s": train_s if fresh else 0.0,
                      "reused_model": not fresh, "val_wall_s": time.perf_counter() - t0})
        logging.info("%s %s config %s: val CRPS %.4f", td.name, spec.label, cfg,
                     tried[-1]["val_crps_ecdf_mean"])
    best = min(tried, key=lambda t: t["val_crps_ecdf_mean"])
    return best["config"], tried


def _stat_forecast(td: TaskData, spec: RowSpec, seed: int, st: dict, work: Path, cache: dict):
    """AutoARIMA / AutoETS fitted on the training split, re-forecast from every test init."""
    import _bench_stats

    clim = _train(td, RowSpec("climatology", "climatology"), {"model": {}, "gamma1": 0.0}, 0, st,
                  work, cache)[0]
    template, _ = forecast_and_score(td, clim, "test", st["members"], seed, st["stride"],
                                     clim.sampler)
    key = (spec.label, "fit")
    t0 = time.perf_counter()
    if key not in cache:
        train = td.splits["train"]
        first = train.isel(trajectory=0) if "trajectory" in train.dims else train
        values = first.transpose("time", ...).values
        clim = [(float(np.mean(train.values[..., d])), float(np.std(train.values[..., d])))
                for d in range(values.shape[1])]
        cache[key] = (_bench_stats.fit_per_dim(spec.method, values), clim)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    models, clim = cache[key]
    fc = _bench_stats.forecast_like(template, td.splits["test"], models, st["members"], seed, clim)
    fc.attrs["wall_time_s"] = time.perf_counter() - t0
    return fc, fit_s


def _score(td: TaskData, fc: Any, members: int) -> Any:
    from _bench_tasks import METRICS

    import idff_ts

    kw = {"mask": td.mask} if td.kind == "tiles" else {}
    if td.kind == "angles":
        kw = {"distance": "circular"}
    fc.attrs["_score_kw"] = kw
    metrics = [m for m in METRICS if members > 1 or m not in ("crps_fair", "ssr")]
    return idff_ts.evaluate(fc, td.splits["test"], metrics=metrics, **kw)


def run_row(td: TaskData, spec: RowSpec, seeds: list[int], profile: str, out_root: Path,
            work: Path, cache: dict) -> list[Path]:
    """Tune (learned rows), then train, forecast and score every seed; one file per seed."""
    st = _task_settings(td, profile)
    if spec.method in STAT_ROWS and td.kind != "vector":
        return []
    members = 1 if spec.method == "persistence" else st["members"]
    learned = spec.method not in ("persistence", "prob-persistence", "climatology", *STAT_ROWS)
    chosen, tried = (tune(td, spec, st, work, cache) if learned
                     else ({"model": {}, "gamma1": 0.0}, []))
    written = []
    for seed in seeds:
        if spec.method in STAT_ROWS:
            fc, train_s = _stat_forecast(td, spec, seed, st, work, cache)
            scores, model, budget = _score(td, fc, members), None, {}
        else:
            model, train_s, budget = _train(td, spec, chosen, seed, st, work, cache)
            fc, scores = forecast_and_score(td, model, "test", members, seed, st["stride"],
                                            _sampler(spec, chosen["gamma1"]))
        result = _result(td, spec, seed, profile, st, fc, scores, model, train_s, budget,
                         chosen, tried)
        if td.kind == "angles" and model is not None:  # the IDFF paper's MD protocol
            result["trajectory_scores"] = _trajectories(td, spec, model, chosen, members, seed)
        written.append(_write(result, out_root))
    return written


def _trajectories(td: TaskData, spec: RowSpec, model: Any, chosen: dict, members: int,
                  seed: int) -> dict[str, Any]:
    """Generated trajectories from the test run's first frame, scored per trajectory and
    angle (:mod:`_md_trajectories`), with the row's reported sampler and seed."""
    from _md_trajectories import TRAJ_MEMBERS, trajectory_record

    fc_model = model.with_sampler(**dataclasses.asdict(_sampler(spec, chosen["gamma1"])))
    return trajectory_record(td.splits["test"], fc_model, 1 if members == 1 else TRAJ_MEMBERS,
                             seed)


def _result(td, spec, seed, profile, st, fc, scores, model, train_s, budget, chosen, tried):  # noqa: ANN001, ANN202
    from _bench_result import build_result

    res = build_result(td, spec, seed, profile, st, fc, scores, model, train_s, budget, chosen,
                       tried, BASE_PROVENANCE)
    logging.info("%s %s nfe=%s (counted %.2f) seed=%d: CRPS %.4f (%.1fs)", td.name, spec.label,
                 spec.nfe, res["nfe_counted"], seed, res["mean_over_leads"].get("crps_ecdf", np.nan),
                 res["wall_s"])
    return res


def _write(result: dict, out_root: Path) -> Path:
    from _bench_result import write_result

    return write_result(result, out_root)


def main(argv: list[str] | None = None) -> int:
    global BASE_PROVENANCE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    ap.add_argument("--tasks", default=None, help="comma list (default: the profile's tasks)")
    ap.add_argument("--methods", default=None, help="comma list of row labels (default: all)")
    ap.add_argument("--seeds", default=None, help="comma list (default: the profile's)")
    ap.add_argument("--out", type=Path, default=RUNS)
    ap.add_argument("--work", type=Path, default=Path("runs") / "benchmarks",
                    help="where checkpoints go (not committed)")
    ap.add_argument("--data", nargs="+", default=None,
                    help="OISST files / glob for SST tile tasks without a bundled archive")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--resume", action="store_true",
                    help="reuse or continue the trainings already in --work (_bench_resume)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    import torch

    torch.set_num_threads(args.threads)
    DEVICE["name"] = args.device
    RESUME["on"] = bool(args.resume)
    BASE_PROVENANCE = provenance(device=args.device)
    prof = PROFILES[args.profile]
    specs = rows(args.profile)
    tasks = args.tasks.split(",") if args.tasks else list(prof["tasks"])
    labels = args.methods.split(",") if args.methods else list(specs)
    unknown = [m for m in labels if m not in specs]
    if unknown:
        ap.error(f"unknown methods {unknown}; known: {sorted(specs)}")
    unknown_tasks = [t for t in tasks if t not in prof["tasks"]]
    if unknown_tasks:
        ap.error(f"unknown tasks {unknown_tasks} for profile {args.profile}; known: {sorted(prof['tasks'])}")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else list(prof["seeds"])
    for name in tasks:
        td = load_task(name, args.profile, args.data)
        cache: dict = {}
        for label in labels:
            run_row(td, specs[label], seeds, args.profile, args.out, args.work, cache)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())


# ------------------------------------------------ for benchmarks/sigma_sweep.py (IDFF's σ sweep)
@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """IDFF as the σ sweep trains it (validation at NFE 5, γ1 grid {0, 2})."""

    label: str = "idff"
    method: str = "idff"
    solver: str = "auto"
    val_nfe: int = 5
    gamma1_grid: tuple[float, ...] = (0.0, 2.0)


def method_specs(profile: str) -> dict[str, SweepSpec]:
    return {"idff": SweepSpec()}


def gamma1_candidates(spec: SweepSpec, nfe: int) -> tuple[float, ...]:
    """γ1's Langevin move has weight γ1 σ_t², zero at t = 0, and the last step lands on x̂1:
    at NFE ≤ 2 every γ1 gives the same samples, so only the first of the grid is kept."""
    return spec.gamma1_grid[:1] if nfe <= 2 else spec.gamma1_grid
