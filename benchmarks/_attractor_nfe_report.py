"""The plot and markdown of ``attractor_nfe.py`` (``results/attractor_nfe.{md,png}``)."""

from __future__ import annotations

import json
from pathlib import Path

ABLATION = [(g1, 0.0) for g1 in (0.5, 2.0)] + [(0.0, g2) for g2 in (0.5, 1.0)]
"""The (γ1, γ2) settings scored beside plain IDFF (γ1 = γ2 = 0)."""


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


__all__ = ["ABLATION", "cross_task_default", "markdown", "plot"]
