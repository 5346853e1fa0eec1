"""Quality versus NFE and the γ1/γ2 ablation on Lorenz-63 and Rössler.

For each task: train IDFF with the task's defaults (seeded), then on the **validation** split
sweep the sampler (NFE ∈ {1, 2, 3, 5, 10, 20, 50} and γ1/γ2 variants), choose the default
setting from validation CRPS only, and report every setting on the **test** split against
persistence and climatology. Writes ``results/attractor_nfe.json``, ``.md`` and ``.png``.

    python benchmarks/attractor_nfe.py            # full run (~10 min on 2 CPU cores)
    python benchmarks/attractor_nfe.py --quick    # smoke run, writes to a temp folder
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from _provenance import RESULTS, provenance

NFES = (1, 2, 3, 5, 10, 20, 50)
ABLATION = [(g1, 0.0) for g1 in (0.5, 2.0)] + [(0.0, g2) for g2 in (0.5, 1.0)]
ABLATION_NFES = (2, 5, 10)
MEMBERS = 20
SEED = 0


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


def run_task(name: str, quick: bool, out_dir: Path) -> dict:
    import idff_ts
    from idff_ts.methods.reference import climatology_like, persistence_like
    from idff_ts.tasks import get_task

    task = get_task(name)
    sp = task.splits()
    overrides = {"max_epochs": 1, "limit_train_batches": 4, "val_inits": 8} if quick else {}
    t0 = time.perf_counter()
    model = idff_ts.fit(
        sp["train"], val=sp["val"], context=task.context, horizon=task.horizon,
        model=task.model_config(), train=task.train_config(seed=SEED, **overrides),
        out_dir=out_dir / name, progress=False,
    )
    train_s = time.perf_counter() - t0
    stride = 30 if quick else task.test_stride
    results = {"task": name, "description": task.description, "train_wall_s": train_s,
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


def plot(all_results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(all_results), figsize=(5.5 * len(all_results), 8), squeeze=False)
    for j, res in enumerate(all_results):
        test = res["splits"]["test"]
        ax = axes[0, j]
        for (g1, g2), style in {(0.0, 0.0): "o-", **{a: "s--" for a in ABLATION}}.items():
            rows = [r for r in test["settings"] if r["gamma1"] == g1 and r["gamma2"] == g2]
            if rows:
                ax.plot([r["nfe"] for r in rows], [r["crps_ecdf_mean"] for r in rows], style,
                        label=f"IDFF γ1={g1:g} γ2={g2:g}")
        for ref, ls in (("persistence", ":"), ("climatology", "-.")):
            ax.axhline(test["references"][ref]["crps_ecdf_mean"], color="k", ls=ls, label=ref)
        ax.set_xscale("log")
        ax.set(title=f"{res['task']} (test): CRPS vs NFE", xlabel="NFE per slot (counted)",
               ylabel="CRPS (ecdf), mean over leads")
        ax.legend(fontsize=7)
        ax = axes[1, j]
        for r in test["settings"]:
            if r["gamma1"] == 0 and r["gamma2"] == 0 and r["nfe"] in (1, 5, 50):
                ax.plot(range(1, len(r["crps_ecdf_by_lead"]) + 1), r["crps_ecdf_by_lead"],
                        "o-", label=f"IDFF NFE {r['nfe']}")
        for ref, ls in (("persistence", ":"), ("climatology", "-.")):
            ax.plot(range(1, 1 + len(test["references"][ref]["crps_ecdf_by_lead"])),
                    test["references"][ref]["crps_ecdf_by_lead"], "k" + ls, label=ref)
        ax.set(title=f"{res['task']} (test): CRPS by lead", xlabel="lead (slots)", ylabel="CRPS (ecdf)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def markdown(all_results: list[dict], prov: dict) -> str:
    lines = ["# IDFF on attractors: quality versus NFE, γ1/γ2 ablation", "",
             "Command: `python benchmarks/attractor_nfe.py`. Lower CRPS/RMSE is better; SSR ≈ 1 is "
             "calibrated. NFE = network calls per slot, counted (γ2 steps add one JVP each, "
             "counted in NFE and listed as JVPs). Settings are chosen on the validation split; "
             "the table shows the test split.", ""]
    for res in all_results:
        test = res["splits"]["test"]
        ch = res["chosen_on_validation"]
        lines += [f"## {res['task']}", "", res["description"], "",
                  f"Test inits × trajectories: {test['n_inits']}, M = {res['members']}, seed "
                  f"{res['seed']}, training {res['train_wall_s']:.0f} s, checkpoint sha256 "
                  f"`{(res['checkpoint_sha256'] or '')[:12]}`.", "",
                  "| method | NFE | γ1 | γ2 | JVPs/slot | CRPS ecdf | CRPS fair | RMSE | SSR | wall s |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in test["settings"]:
            lines.append(
                f"| IDFF | {r['nfe']} | {r['gamma1']:g} | {r['gamma2']:g} | {r['n_jvp'] // max(1, r['network_calls'] // max(1, r['nfe_counted'])) if r['n_jvp'] else 0} "
                f"| {r['crps_ecdf_mean']:.4f} | {r['crps_fair_mean'] or float('nan'):.4f} | "
                f"{r['rmse_mean']:.4f} | {r['ssr_mean'] or float('nan'):.3f} | {r['wall_s']:.2f} |")
        for ref, v in test["references"].items():
            fair = v["crps_fair_mean"] if v["crps_fair_mean"] is not None else float("nan")
            ssr = v["ssr_mean"] if v["ssr_mean"] is not None else float("nan")
            lines.append(f"| {ref} | – | – | – | – | {v['crps_ecdf_mean']:.4f} | {fair:.4f} | "
                         f"{v['rmse_mean']:.4f} | {ssr:.3f} | – |")
        lines += ["", f"Chosen on validation: best overall NFE {ch['best_overall']['nfe']}, "
                  f"γ1 {ch['best_overall']['gamma1']:g}, γ2 {ch['best_overall']['gamma2']:g} "
                  f"(val CRPS {ch['best_overall']['crps_ecdf_mean']:.4f}); lowest plain NFE within "
                  f"2 % of the best plain setting: NFE "
                  f"{ch['lowest_nfe_within_2pct_of_best_plain']['nfe']}.", ""]
    lines += ["![CRPS vs NFE](attractor_nfe.png)", "", "Provenance: " + json.dumps(prov), ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run into a temp folder")
    ap.add_argument("--tasks", default="lorenz63,rossler")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or (Path(tempfile.mkdtemp()) if args.quick else RESULTS)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="idff_bench_"))
    t0 = time.perf_counter()
    all_results = [run_task(name, args.quick, work) for name in args.tasks.split(",")]
    prov = provenance(seed=SEED, members=MEMBERS, wall_s=time.perf_counter() - t0,
                      quick=args.quick, data_version="idff_ts.tasks (simulated, data_seed 0)")
    (out / "attractor_nfe.json").write_text(json.dumps({"provenance": prov, "tasks": all_results}, indent=1))
    (out / "attractor_nfe.md").write_text(markdown(all_results, prov))
    plot(all_results, out / "attractor_nfe.png")
    print(f"wrote {out}/attractor_nfe.{{json,md,png}}")
    for res in all_results:
        print(res["task"], res["chosen_on_validation"])


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
