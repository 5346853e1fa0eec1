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
from _provenance import RESULTS, provenance

NFES = (1, 2, 3, 5, 10, 20, 50)
ABLATION = [(g1, 0.0) for g1 in (0.5, 2.0)] + [(0.0, g2) for g2 in (0.5, 1.0)]
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


def sigma_markdown(sweep: dict) -> list[str]:
    rows = sweep["rows"]
    names = list(dict.fromkeys(r["task"] for r in rows))
    sigmas = list(dict.fromkeys(r["sigma"] for r in rows))
    settings_ = list(dict.fromkeys((r["nfe"], r["gamma1"]) for r in rows))
    lines = ["## Bridge width σ (validation split)", "",
             "Validation CRPS (ecdf, mean over leads) of an IDFF trained with each σ (everything "
             "else the task's defaults, seed 0), per sampler setting; **bold**: the best of each "
             "σ. σ chosen: the lowest mean over tasks of best val CRPS(σ) / best over σ.", ""]
    for name in names:
        lines += [f"**{name}**", "", "| σ | " + " | ".join(f"NFE {n} γ1 {g:g}" for n, g in settings_)
                  + " |", "|---|" + "---|" * len(settings_)]
        for sg in sigmas:
            vals = {(r["nfe"], r["gamma1"]): r["val_crps_ecdf_mean"] for r in rows
                    if r["task"] == name and r["sigma"] == sg}
            best = min(vals.values())
            cells = [f"**{vals[k]:.3f}**" if vals[k] == best else f"{vals[k]:.3f}" for k in settings_]
            lines.append(f"| {sg:g} | " + " | ".join(cells) + " |")
        lines.append("")
    rel = ", ".join(f"σ {k}: {v:.3f}" for k, v in sweep["mean_relative_to_best"].items())
    lines += [f"Mean relative best validation CRPS: {rel}. **Chosen σ = {sweep['chosen']:g}**; "
              "the sections below use it.", ""]
    return lines


def markdown(all_results: list[dict], prov: dict, sweep: dict) -> str:
    lines = ["# IDFF on attractors: bridge width σ, quality versus NFE, γ1/γ2 ablation", "",
             "Command: `python benchmarks/attractor_nfe.py`. Lower CRPS/RMSE is better; SSR ≈ 1 is "
             "calibrated. NFE = network calls per slot, counted (γ2 steps add one JVP each, "
             "counted in NFE and listed as JVPs). Settings are chosen on the validation split; "
             "the tables below the σ sweep show the test split.", ""]
    lines += sigma_markdown(sweep)
    for res in all_results:
        test = res["splits"]["test"]
        ch = res["chosen_on_validation"]
        lines += [f"## {res['task']}", "", res["description"], "",
                  f"σ = {res['sigma']:g}. Test inits × trajectories: {test['n_inits']}, M = {res['members']}, seed "
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
    d = cross_task_default(all_results)
    lines += ["## The sampler default", "",
              "Rule: the fewest steps whose validation CRPS is within 2 % of each task's best "
              "validation CRPS on every task (ties: γ1 = γ2 = 0 first). Chosen: **NFE "
              f"{d['nfe']}, γ1 {d['gamma1']:g}, γ2 {d['gamma2']:g}** ("
              + ", ".join(f"{t}: {v:.4f} vs best {b:.4f}" for t, (v, b) in d["scores"].items())
              + ").", ""]
    lines += ["![CRPS vs NFE](attractor_nfe.png)", "", "Provenance: " + json.dumps(prov), ""]
    return "\n".join(lines)


def cross_task_default(all_results: list[dict]) -> dict:
    """Fewest-NFE sampler setting within 2 % of the best validation CRPS on every task."""
    keys = lambda r: (r["nfe"], r["gamma1"], r["gamma2"])  # noqa: E731
    val = {res["task"]: {keys(r): r["crps_ecdf_mean"] for r in res["splits"]["val"]["settings"]}
           for res in all_results}
    best = {t: min(v.values()) for t, v in val.items()}
    common = set.intersection(*(set(v) for v in val.values()))
    ok = [k for k in common if all(val[t][k] <= 1.02 * best[t] for t in val)]
    if not ok:  # no setting close on every task: the best mean relative score
        ok = [min(common, key=lambda k: sum(val[t][k] / best[t] for t in val))]
    k = min(ok, key=lambda k: (k[0], k[1] > 0 or k[2] > 0, k[1], k[2]))
    return {"nfe": k[0], "gamma1": k[1], "gamma2": k[2],
            "scores": {t: (val[t][k], best[t]) for t in val}}


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
