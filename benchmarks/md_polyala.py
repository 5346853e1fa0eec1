"""IDFF on simulated polyalanine, the paper's MD setting, scored on held-out trajectories.

Data (the registered ``polyala`` task, profile ``default`` of :mod:`idff_ts.domains.md.tasks`): 5
independent OpenMM runs of an extended Ace-(Ala)23-Nme in vacuum (amber14, Langevin 2 fs, 1/ps,
HBonds, NoCutoff), 100 ps each, a frame every 0.5 ps, the paper's 46 backbone dihedrals; runs
0–2 train, 3 validates, 4 tests (split by whole trajectory). ``--profile paper`` runs the
paper's 400 ps (4/1/1 runs, ~15 min of simulation). Temperature 500 K: the benchmark first
measures how much the chain moves at 300 / 500 / 700 K (one seed-0 run each, ψ switching
between the helical region −120° < ψ < 50° and the rest; cached) — at 300 K it folds into a
helix within ~50 ps and then barely moves.

Model: IDFF trained in ``(sin, cos)`` space (:func:`fit_angles`), MLP, context 1, horizon
K = 10, selected on the validation run only. Two evaluations on the test run, at NFE 5 and 12:

1. **Paper protocol, done on held-out data**: from the test run's first frame, generate
   M = 10 trajectories of the full length (every remaining frame: K-slot rollouts chained on the model's
   own states, :func:`generate_angles`), then per generated trajectory and angle the wrapped
   MAE, RMSE and circular CC over time (:func:`trajectory_scores`; averaged over trajectories
   and angles as the paper does), the circular CRPS of the M trajectories per time, and the
   Ramachandran Jensen–Shannon divergence (36 × 36 periodic bins, pooled over residues)
   between the generated and the held-out test angles. References: persistence (first frame
   forever), climatology (random training frames, i.i.d. in time), and — for the
   Ramachandran distance — the validation run itself (a second, independent MD run of the
   same length).
2. **Lead-wise forecasts**: from every 10th test frame, M = 20, leads 1..K frames, wrapped CRPS
   (ecdf, fair), MAE, RMSE, energy score vs persistence and climatology.

Writes ``benchmarks/results/md_polyala.json`` (+ ``.md``) with provenance (git sha, seeds,
counted NFE, simulation speed and wall times, data sha256s, split). Run:
``python benchmarks/md_polyala.py`` (~8 min on one core when nothing is cached: the five
task runs and two probe runs take ~45 s each; ``--threads`` sets torch's thread count).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from _md_polyala_report import markdown
from _md_trajectories import paper_scores, start_and_truth
from _provenance import RESULTS
from md_ala2 import climatology, md_provenance, persistence, score, sha256


def motion(da: xr.DataArray, skip_ps: float = 100.0) -> dict[str, float]:
    """How much a run moves: ψ transitions between helical (−120 < ψ < 50) and not."""
    psi = da.sel(angle=[a for a in da["angle"].values if str(a).startswith("psi")]).values
    helical = (psi > -120) & (psi < 50)
    flips = np.diff(helical.astype(int), axis=0) != 0
    late = da["time"].values[1:] > skip_ps
    rad = np.radians(da.values[da["time"].values > skip_ps])
    r = np.abs(np.exp(1j * rad).mean(axis=0))
    return {
        "helical_fraction": round(float(helical.mean()), 3),
        "transitions_per_residue": round(float(flips.sum(0).mean()), 2),
        f"transitions_per_residue_after_{skip_ps:g}ps": round(float(flips[late].sum(0).mean()), 2),
        f"circular_std_deg_after_{skip_ps:g}ps": round(
            float(np.degrees(np.sqrt(-2 * np.log(r))).mean()), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="default", choices=("default", "paper", "quick"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--traj-members", type=int, default=10)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--motion-temperatures", type=float, nargs="*", default=[300.0, 700.0])
    parser.add_argument("--out", type=Path, default=RESULTS / "md_polyala.json")
    args = parser.parse_args(argv)

    try:
        import mdtraj  # noqa: F401
        import openmm  # noqa: F401
    except ImportError:
        print("skipped: needs OpenMM and mdtraj (pip install 'idff-ts[md]')")
        return 0
    import torch

    from idff_ts.domains.md import (
        fit_angles,
        forecast_angles,
        generate_angles,
        result_dict,
        simulate_polyala,
    )
    from idff_ts.domains.md.metrics import ramachandran_js
    from idff_ts.domains.md.tasks import (
        POLYALA_PROFILES,
        default_cache_dir,
        polyala_runs,
        split_runs,
    )
    from idff_ts.tasks import hindcast_inits

    torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    params = dict(POLYALA_PROFILES[args.profile])
    if args.temperature is not None:
        params["temperature"] = args.temperature
    counts = params["counts"]

    # 1. data: simulate (or reuse) the runs, measure motion per temperature
    runs = polyala_runs(args.seed, **params)
    splits = split_runs(runs, counts)
    train, val, test = splits["train"], splits["val"], splits["test"]
    skip_ps = params["picoseconds"] / 4  # "late": after the first quarter of the run
    motion_by_t = {f"{params['temperature']:g}": motion(runs[0].dihedrals(), skip_ps)}
    for temp in args.motion_temperatures:
        if temp != params["temperature"]:
            probe = simulate_polyala(
                n_residues=params["n_residues"], picoseconds=params["picoseconds"],
                temperature=temp, frame_interval_ps=params["frame_interval_ps"],
                seed=1000 * args.seed, progress=False,
                out_dir=default_cache_dir() / "polyala" / "probes" / f"{args.profile}_T{temp:g}")
            motion_by_t[f"{temp:g}"] = motion(probe.dihedrals(), skip_ps)
    sim = [{k: v for k, v in result_dict(r).items() if k not in ("pdb", "dcd")}
           for r in runs]

    # 2. model
    # σ: the polyala task's validation choice (benchmarks/results/sigma_sweep.md)
    model_cfg = {"hidden": 256, "depth": 2, "emb_dim": 32, "sigma": 3.0}
    train_cfg = {"max_epochs": args.epochs, "batch_size": 64, "lr": 2e-3,
                 "limit_train_batches": 8, "val_members": 8, "val_nfe": 5, "val_inits": 32,
                 "patience": args.epochs, "seed": args.seed}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="md-polyala-") as tmp:
        model = fit_angles({"train": train, "val": val}, context=1, horizon=10,
                           model=model_cfg, train=train_cfg, progress=False, out_dir=tmp)
        from idff_ts.training.checkpoint import read_config

        extra = read_config(Path(tmp) / "model.pt").get("extra", {})
    fit_s = time.perf_counter() - t0

    # 3a. paper protocol on the held-out run
    truth_full = test.isel(trajectory=0)
    start, truth = start_and_truth(test)
    n_steps = truth.sizes["time"]
    m_traj = args.traj_members
    paper: dict[str, Any] = {}
    nfe_info: dict[str, Any] = {}
    for nfe in (5, 12):
        gen = generate_angles(start, model, n_steps, members=m_traj, seed=args.seed, nfe=nfe)
        paper[f"IDFF NFE {nfe}"] = paper_scores(gen, truth, truth)
        nfe_info[f"generate_nfe_{nfe}"] = {"nfe_counted": gen.attrs["nfe"],
                                           "wall_s": round(gen.attrs["wall_time_s"], 2)}
    x0 = np.repeat(start.values[None], m_traj, axis=0)
    pers = xr.DataArray(np.repeat(x0, n_steps, axis=1), dims=("member", "time", "angle"),
                        coords={"time": truth["time"], "angle": truth["angle"]})
    paper["persistence"] = paper_scores(pers.isel(member=[0]), truth, truth)
    pool = train.values.reshape(-1, train.sizes["angle"])
    rng = np.random.default_rng(args.seed + 1)
    clim = xr.DataArray(pool[rng.integers(0, pool.shape[0], (m_traj, n_steps))],
                        dims=("member", "time", "angle"),
                        coords={"time": truth["time"], "angle": truth["angle"]})
    paper["climatology"] = paper_scores(clim, truth, truth)
    js_floor = round(ramachandran_js(val.isel(trajectory=0), truth), 4)

    # 3b. lead-wise forecasts
    inits = hindcast_inits(truth_full, 1, 10, 10)  # leads 1..10 frames
    step = float(truth_full["time"].values[1] - truth_full["time"].values[0])
    leads: dict[str, Any] = {}
    for nfe in (5, 12):
        t1 = time.perf_counter()
        fc = forecast_angles(truth_full, model, horizon=10, members=args.members,
                             seed=args.seed, init=inits, nfe=nfe)
        leads[f"IDFF NFE {nfe}"] = score(fc, truth_full)
        nfe_info[f"forecast_nfe_{nfe}"] = {"nfe_counted": int(fc.attrs["nfe_counted"]),
                                           "wall_s": round(time.perf_counter() - t1, 2)}
    leads["persistence"] = score(persistence(truth_full, inits, 10, step), truth_full)
    leads["climatology"] = score(
        climatology(train, truth_full, inits, 10, step, args.members, args.seed + 1),
        truth_full)
    total_s = time.perf_counter() - t_start

    result = {
        "benchmark": "md_polyala",
        "description": "IDFF (sin/cos, MLP) on OpenMM polyalanine (the paper's 46 dihedrals), held-out "
                       "trajectory: paper metrics on generated trajectories + lead-wise scores",
        "settings": {"profile": args.profile, **{k: v for k, v in params.items()},
                     "n_angles": int(train.sizes["angle"]), "context": 1, "horizon": 10,
                     "traj_members": m_traj, "traj_steps": int(n_steps),
                     "members": args.members, "model": model_cfg,
                     "train": train_cfg, "encoding": "sincos",
                     "ramachandran": "Jensen-Shannon divergence (bits), 36x36 periodic bins, "
                                     "pooled over residues and members"},
        "motion_by_temperature_K": motion_by_t,
        "paper_protocol": paper,
        "ramachandran_js_val_vs_test": js_floor,
        "lead_scores": leads,
        "nfe": nfe_info,
        "training": {"wall_s": round(fit_s, 1), "best_val_crps": extra.get("best_val_crps"),
                     "epochs": extra.get("epochs"), "global_step": extra.get("global_step")},
        "simulations": sim,
        "provenance": md_provenance(
            seed=args.seed, command="python benchmarks/md_polyala.py",
            simulation_seeds=[r.seed for r in runs],
            data_sha256={f"seed_{r.seed}": sha256(r.angles) for r in runs},
            split=f"by trajectory in run order: train seeds {train.trajectory.values.tolist()}, "
                  f"val {val.trajectory.values.tolist()}, test {test.trajectory.values.tolist()}",
            total_wall_s=round(total_s, 1),
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=_json) + "\n")
    args.out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


def _json(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    return str(obj)


if __name__ == "__main__":
    sys.exit(main())
