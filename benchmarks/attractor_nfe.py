"""Quality versus NFE and the γ1/γ2 ablation on Lorenz-63 and Rössler.

1. **Bridge width σ.** For each task and σ ∈ {0.1, 0.3, 0.5, 1, 2, 3}, train IDFF (the task's
   defaults otherwise, seeded) and score the **validation** split over NFE ∈ {2, 3, 5, 10, 20,
   50} × γ1 ∈ {0, 2}. The σ chosen is the one with the lowest mean over tasks of
   ``best val CRPS(σ) / best val CRPS over all σ`` (the ModelConfig / task default).
2. **Sampler.** With the chosen σ, sweep the sampler on the validation split (NFE ∈ {1, 2, 3,
   5, 10, 20, 50} and γ1/γ2 variants), choose the default setting from validation CRPS only, and
   report every setting on the **test** split against persistence and climatology.

Writes ``results/attractor_nfe.json``, ``.md`` and ``.png``.

    python benchmarks/attractor_nfe.py            # full run (~8 min on 2 CPU cores)
    python benchmarks/attractor_nfe.py --quick    # smoke run, writes to a temp folder
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from _attractor_nfe_report import ABLATION, cross_task_default, markdown, plot
from _provenance import RESULTS, provenance

NFES = (1, 2, 3, 5, 10, 20, 50)
ABLATION_NFES = (2, 5, 10)
MEMBERS = 20
SEED = 0
SIGMAS = (0.1, 0.3, 0.5, 1.0, 2.0, 3.0)
SIGMA_NFES = (2, 3, 5, 10, 20, 50)


def settings(quick: bool) -> list[dict]:
    nfes = (1, 5) if quick else NFES
    out = [{"nfe": n, "gamma1": 0.0, "gamma2": 0.0} for n in nfes]
    for g1, g2 in ABLATION[: 2 if quick else None]:
        for n in (5,) if quick else ABLATION_NFES:
            out.append({"nfe": n, "gamma1": g1, "gamma2": g2})
    return out


def score(fc, truth) -> dict:
    import idff_ts

    m = fc.sizes["member"]
    metrics = ["crps_ecdf", "rmse"] + (["crps_fair", "ssr"] if m > 1 else [])
    s = idff_ts.evaluate(fc, truth, metrics=metrics)
    return {
        "crps_ecdf_mean": float(s["crps_ecdf_mean"]),
        "crps_fair_mean": float(s["crps_fair_mean"]) if "crps_fair_mean" in s else None,
        "rmse_mean": float(s["rmse_mean"]),
        "ssr_mean": float(s["ssr_mean"]) if "ssr_mean" in s else None,
        "crps_ecdf_by_lead": [float(v) for v in s["crps_ecdf"].values],
        "rmse_by_lead": [float(v) for v in s["rmse"].values],
    }


def train(name: str, sigma: float, quick: bool, out_dir: Path) -> tuple[object, float]:
    """IDFF on the task's training split with bridge width ``sigma``; (model, wall s)."""
    import idff_ts
    from idff_ts.tasks import get_task

    task = get_task(name)
    sp = task.splits()
    overrides = {"max_epochs": 1, "limit_train_batches": 4, "val_inits": 8} if quick else {}
    t0 = time.perf_counter()
    model = idff_ts.fit(
        sp["train"], val=sp["val"], context=task.context, horizon=task.horizon,
        model={**task.model_config(), "sigma": sigma},
        train=task.train_config(seed=SEED, **overrides),
        out_dir=out_dir / f"{name}_sigma{sigma:g}", progress=False,
    )
    return model, time.perf_counter() - t0


def sigma_sweep(names: list[str], quick: bool, out_dir: Path) -> tuple[dict, dict]:
    """Validation CRPS over NFE × γ1 for each σ and task; the models, by (task, σ)."""
    import idff_ts
    from idff_ts.tasks import get_task

    sigmas = SIGMAS[:2] if quick else SIGMAS
    nfes = (2, 5) if quick else SIGMA_NFES
    rows, models = [], {}
    for name in names:
        task = get_task(name)
        val = task.splits()["val"]
        inits = task.test_inits(val, stride=30 if quick else task.test_stride)
        for sigma in sigmas:
            model, train_s = train(name, sigma, quick, out_dir)
            models[(name, sigma)] = (model, train_s)
            for nfe in nfes:
                for g1 in (0.0, 2.0):
                    fc = idff_ts.forecast(val, model, horizon=task.horizon, members=MEMBERS,
                                          seed=SEED, init=inits, device="cpu", nfe=nfe,
                                          gamma1=g1, gamma2=0.0)
                    sc = score(fc, val)
                    rows.append({"task": name, "sigma": sigma, "nfe": nfe, "gamma1": g1,
                                 "val_crps_ecdf_mean": sc["crps_ecdf_mean"],
                                 "val_ssr_mean": sc["ssr_mean"], "train_wall_s": train_s})
    best = {(r["task"], r["sigma"]): min(q["val_crps_ecdf_mean"] for q in rows
                                         if (q["task"], q["sigma"]) == (r["task"], r["sigma"]))
            for r in rows}
    floor = {n: min(v for (t, _), v in best.items() if t == n) for n in names}
    rel = {s: float(np.mean([best[(n, s)] / floor[n] for n in names])) for s in sigmas}
    chosen = min(rel, key=rel.get)
    summary = {"rows": rows, "best_val_crps": {f"{t}/{s:g}": v for (t, s), v in best.items()},
               "mean_relative_to_best": {f"{s:g}": v for s, v in rel.items()}, "chosen": chosen}
    return summary, models


def run_task(name: str, quick: bool, model: object, train_s: float, sigma: float) -> dict:
    import idff_ts
    from idff_ts.methods.reference import climatology_like, persistence_like
    from idff_ts.tasks import get_task

    task = get_task(name)
    sp = task.splits()
    stride = 30 if quick else task.test_stride
    results = {"task": name, "description": task.description, "sigma": sigma,
               "task_default_sigma": task.model_config().get("sigma"), "train_wall_s": train_s,
               "checkpoint_sha256": model.sha256, "members": MEMBERS, "seed": SEED,
               "crps_estimator": "ecdf (fair also reported)", "splits": {}}
    for split in ("val", "test"):
        data = sp[split]
        inits = task.test_inits(data, stride=stride)
        rows = []
        for st in settings(quick):
            fc = idff_ts.forecast(data, model, horizon=task.horizon, members=MEMBERS, seed=SEED,
                                  init=inits, device="cpu", **st)
            rows.append({**st, "nfe_counted": int(fc.attrs["nfe_counted"]),
                         "n_jvp": int(fc.attrs["n_jvp"]), "network_calls": int(fc.attrs["network_calls"]),
                         "wall_s": float(fc.attrs["wall_time_s"]), **score(fc, data)})
        refs = {
            "persistence": score(persistence_like(fc, data), data),
            "climatology": score(climatology_like(fc, sp["train"], MEMBERS, seed=SEED), data),
        }
        results["splits"][split] = {"n_inits": int(len(inits) * data.sizes.get("trajectory", 1)),
                                    "settings": rows, "references": refs}
    val = results["splits"]["val"]["settings"]
    best = min(val, key=lambda r: r["crps_ecdf_mean"])
    plain = [r for r in val if r["gamma1"] == 0 and r["gamma2"] == 0]
    best_plain = min(r["crps_ecdf_mean"] for r in plain)
    within = min((r for r in plain if r["crps_ecdf_mean"] <= 1.02 * best_plain), key=lambda r: r["nfe"])
    results["chosen_on_validation"] = {
        "best_overall": {k: best[k] for k in ("nfe", "gamma1", "gamma2", "crps_ecdf_mean")},
        "lowest_nfe_within_2pct_of_best_plain": {k: within[k] for k in ("nfe", "crps_ecdf_mean")},
    }
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run into a temp folder")
    ap.add_argument("--tasks", default="lorenz63,rossler")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--render", action="store_true",
                    help="only rewrite the .md and .png from the existing .json")
    args = ap.parse_args()
    out = args.out or (Path(tempfile.mkdtemp()) if args.quick else RESULTS)
    out.mkdir(parents=True, exist_ok=True)
    if args.render:
        saved = json.loads((out / "attractor_nfe.json").read_text())
        (out / "attractor_nfe.md").write_text(
            markdown(saved["tasks"], saved["provenance"], saved["sigma_sweep"]))
        plot(saved["tasks"], out / "attractor_nfe.png")
        print(cross_task_default(saved["tasks"]))
        return
    work = Path(tempfile.mkdtemp(prefix="idff_bench_"))
    t0 = time.perf_counter()
    names = args.tasks.split(",")
    sweep, models = sigma_sweep(names, args.quick, work)
    sigma = sweep["chosen"]
    print(f"sigma sweep: {sweep['mean_relative_to_best']} -> {sigma:g}", flush=True)
    all_results = [run_task(name, args.quick, *models[(name, sigma)], sigma) for name in names]
    prov = provenance(seed=SEED, members=MEMBERS, wall_s=time.perf_counter() - t0,
                      quick=args.quick, data_version="idff_ts.tasks (simulated, data_seed 0)")
    (out / "attractor_nfe.json").write_text(json.dumps(
        {"provenance": prov, "sigma_sweep": sweep, "tasks": all_results}, indent=1))
    (out / "attractor_nfe.md").write_text(markdown(all_results, prov, sweep))
    plot(all_results, out / "attractor_nfe.png")
    print(f"wrote {out}/attractor_nfe.{{json,md,png}}")
    for res in all_results:
        print(res["task"], res["chosen_on_validation"])


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
