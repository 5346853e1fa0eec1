"""Render the leaderboard from result files only (evaluation.md §3).

Reads every ``results/runs/<profile>/<task>/*.json`` written by ``benchmarks/run.py`` (nothing
else: no model, no data) and writes, next to ``results/``:

- ``leaderboard.csv``: one row per (profile, task, method, NFE setting), scores averaged over
  seeds; CRPS ecdf and fair, MSE, RMSE, SSR as the mean over leads and per lead
  (``crps_ecdf_lead1`` …), counted NFE, wall time, ensemble size, seeds, sizes;
- ``leaderboard.md``: per task the sizes, the table of every row, the per-lead tables of each
  method at its best setting, and the **headline**: the best CRPS (ecdf) any method reaches at
  ≤ 100 counted NFE, and for IDFF and each baseline the lowest counted NFE at which it comes
  within 2 % of that best (or its own best, when it never does);
- ``leaderboard_lead.png``, ``leaderboard_nfe.png``, ``leaderboard_wall.png``: CRPS versus
  lead, versus counted NFE and versus forecast wall time.

    python benchmarks/leaderboard.py --docs docs/src/leaderboard.md   # what is committed
    python benchmarks/leaderboard.py --profile quick
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
SCHEMA = "idff-ts-result/1"
HEADLINE_MAX_NFE = 100.0
HEADLINE_TOL = 0.02
MEAN_METRICS = ("crps_ecdf", "crps_fair", "mse", "rmse", "ssr")
REFERENCE = ("persistence", "climatology")


def load_results(root: Path, profile: str | None = None) -> list[dict[str, Any]]:
    """Every result file under ``root`` (``<profile>/<task>/*.json``), schema-checked."""
    out = []
    for path in sorted(Path(root).glob("*/*/*.json")):
        res = json.loads(path.read_text())
        if res.get("schema") != SCHEMA:
            raise ValueError(f"{path}: not a result file of schema {SCHEMA!r}")
        if profile is None or res["profile"] == profile:
            res["_path"] = str(path)
            out.append(res)
    return out


def _nanmean(values: Iterable[float | None]) -> float:
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(vals) / len(vals) if vals else float("nan")


def aggregate(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Average over seeds: one row per (profile, task, method, nfe_setting)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        groups[(r["profile"], r["task"], r["method"], r["nfe_setting"])].append(r)
    rows = []
    for (profile, task, method, nfe), rs in sorted(groups.items()):
        first = rs[0]
        row: dict[str, Any] = {
            "profile": profile, "task": task, "method": method, "solver": first["solver"],
            "nfe_setting": nfe, "nfe_counted": _nanmean(r["nfe_counted"] for r in rs),
            "members": first["members"], "seeds": ",".join(str(r["seed"]) for r in rs),
            "n_seeds": len(rs), "n_inits": first["n_inits"],
            "wall_s": _nanmean(r["wall_s"] for r in rs),
            "gamma1": first["sampler"].get("gamma1", 0.0),
            "leads": first["leads"], "lead_units": first.get("lead_units", ""),
            "data_version": first["data_version"], "sizes": first.get("sizes", {}),
            "command": first.get("command", ""),
            "checkpoints": ",".join(sorted({(r.get("checkpoint_sha256") or "")[:12] for r in rs})),
        }
        for m in MEAN_METRICS:
            row[m] = _nanmean(r["mean_over_leads"].get(m) for r in rs)
            per = [r["metrics"].get(m) for r in rs if r["metrics"].get(m) is not None]
            row[f"{m}_by_lead"] = (
                [_nanmean(p[i] for p in per) for i in range(len(per[0]))] if per else None
            )
        rows.append(row)
    return rows


def headline(rows: list[dict[str, Any]], max_nfe: float = HEADLINE_MAX_NFE,
             tol: float = HEADLINE_TOL) -> dict[str, dict[str, Any]]:
    """Per task: best CRPS (ecdf) at ≤ ``max_nfe`` counted NFE over every method, and per method
    the lowest counted NFE within ``tol`` of it (``None`` if it never gets there)."""
    out: dict[str, dict[str, Any]] = {}
    for task in sorted({r["task"] for r in rows}):
        cand = [r for r in rows if r["task"] == task and r["nfe_counted"] <= max_nfe
                and math.isfinite(r["crps_ecdf"])]
        if not cand:
            continue
        best = min(cand, key=lambda r: r["crps_ecdf"])
        target = best["crps_ecdf"] * (1.0 + tol)
        per_method = {}
        for method in sorted({r["method"] for r in cand}):
            mine = [r for r in cand if r["method"] == method]
            ok = [r for r in mine if r["crps_ecdf"] <= target]
            own = min(mine, key=lambda r: r["crps_ecdf"])
            hit = min(ok, key=lambda r: r["nfe_counted"]) if ok else None
            per_method[method] = {
                "nfe_within": None if hit is None else hit["nfe_counted"],
                "crps_at": None if hit is None else hit["crps_ecdf"],
                "own_best_crps": own["crps_ecdf"], "own_best_nfe": own["nfe_counted"],
            }
        out[task] = {"best_crps": best["crps_ecdf"], "best_method": best["method"],
                     "best_nfe": best["nfe_counted"], "target": target, "methods": per_method}
    return out


# ---------------------------------------------------------------------------------- outputs
def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    max_leads = max((len(r["leads"]) for r in rows), default=0)
    cols = ["profile", "task", "method", "solver", "nfe_setting", "nfe_counted", "gamma1",
            "members", "n_seeds", "seeds", "n_inits", "wall_s", *MEAN_METRICS]
    cols += [f"{m}_lead{i + 1}" for m in MEAN_METRICS for i in range(max_leads)]
    cols += ["checkpoints", "data_version", "command"]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            rec = {c: r.get(c) for c in cols}
            for m in MEAN_METRICS:
                for i, v in enumerate(r.get(f"{m}_by_lead") or []):
                    rec[f"{m}_lead{i + 1}"] = v
            w.writerow(rec)


def _f(v: Any, fmt: str = ".4f") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return format(v, fmt)


def _nfe(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _best_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by = defaultdict(list)
    for r in rows:
        by[r["method"]].append(r)
    return [min(v, key=lambda r: (r["crps_ecdf"] if math.isfinite(r["crps_ecdf"]) else 1e300))
            for _, v in sorted(by.items())]


def markdown(rows: list[dict[str, Any]], figures: list[str]) -> str:
    lines = [
        "# Leaderboard: IDFF against its baselines, quality versus NFE", "",
        "Generated by `python benchmarks/leaderboard.py` from the result files under "
        "`benchmarks/results/runs/` only; each file was written by `benchmarks/run.py` (the "
        "command of each row is in `leaderboard.csv`). Scores on the **test** split, in the "
        "task's units (standardised anomalies for `sst-wa4`, degrees for `polyala`); lower CRPS "
        "/ MSE is better, SSR ≈ 1 is calibrated. NFE = network calls per member and forecast "
        "slot, **counted** (DYffusion makes ≈ 3 calls per sub-step; persistence and climatology "
        "none). Checkpoints are chosen by validation CRPS; IDFF's γ1 ∈ {0, 2} is chosen per NFE "
        "on the validation split; nothing is tuned on test data.", "",
    ]
    for profile in sorted({r["profile"] for r in rows}):
        prows = [r for r in rows if r["profile"] == profile]
        head = headline(prows)
        lines += [f"## Profile `{profile}`", ""]
        if profile == "quick":
            lines += ["Sized down to run on a shared 2-core CPU in well under an hour: one seed, "
                      "thinned test inits, smaller ensembles, fewer epochs for the SST tasks and "
                      "fewer NFE settings for `sst-demo` (each task's sizes are stated below). "
                      "Rankings at these sizes are indicative, not the paper protocol "
                      "(`--profile paper`).", ""]
        for task in sorted({r["task"] for r in prows}):
            trows = sorted((r for r in prows if r["task"] == task),
                           key=lambda r: (r["method"], r["nfe_counted"]))
            lines += _task_section(task, trows, head.get(task))
    lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures] + [""]
    lines += ["## How the methods are run (read before comparing)", "", *NOTES, ""]
    return "\n".join(lines)


NOTES = [
    "- **Same everything.** Every learned method uses the task's backbone (MLP or UNet), its "
    "conditioning (context window + slot embedding + sinusoidal time), its normalisation, the "
    "same optimiser, epochs, EMA and validation-CRPS checkpoint selection (`idff_ts.fit(method=...)`).",
    "- **IDFF**: bridge sampler, γ2 = 0; γ1 ∈ {0, 2} chosen per NFE on validation (at NFE ≤ 2 "
    "γ1 has no effect and is not searched). Its bridge width σ was chosen per task on "
    "validation (`attractor_nfe.py`, `sigma_sweep.py`: attractors and sst-wa4 0.5, sst-demo 2, "
    "polyala 3); "
    "the baselines run at their papers' settings with no comparable sweep of their own noise "
    "scales — a tuning asymmetry in IDFF's favour, to keep in mind when ranks are close.",
    "- **OT-CFM** (Tong et al. 2024): noise → next state, exact minibatch OT between noise and "
    "targets, the condition carried with its target; σ = 0.01. Because the pairing looks at the "
    "targets only, when the condition nearly fixes the target the noise it is trained with "
    "is a small part of N(0, I) while sampling draws from all of it; **I-CFM** (independent "
    "coupling, otherwise identical) is listed to separate that effect from flow matching itself.",
    "- **DDPM / DDIM** (Ho et al. 2020; Nichol & Dhariwal 2021; Song et al. 2021): ε-prediction, "
    "cosine schedule, T = 1000, respaced from T; x̂1 clipped to ±5 standardised units. With "
    "this schedule sqrt(ᾱ_T) ≈ 5e-5, so 1–2 DDIM steps turn small ε̂ errors into large x̂1 "
    "errors: its low-NFE rows show that, not a tuning failure.",
    "- **DYffusion** (Rühling Cachay et al. 2023): interpolator (MC dropout 0.15 kept on at "
    "inference) and forecaster over the task's horizon, trained together on the sum of their "
    "losses with a stop-gradient (the paper trains them in two stages); cold sampling with "
    "1, 2, … sub-steps per slot, ≈ 3 network calls each (counted).",
    "- **Persistence** (1 member) and **climatology** (M training states drawn per member and "
    "slot) make no network calls (NFE 0).",
    "- **NFE** is counted by the code that calls the network, per member and slot; dopri5 is "
    "adaptive (its setting is ignored, its calls counted). Wall time is the forecast only, on "
    "the machine in each file's provenance (a shared 2-core CPU for `quick`: compare within a "
    "table, not across runs).",
]


REPO_URL = "https://github.com/idff-ts/idff-ts/blob/main/benchmarks/results"


def docs_page(rows: list[dict[str, Any]]) -> str:
    """The docs page (``docs/src/leaderboard.md``): how to regenerate, and the headlines."""
    lines = [
        "# Leaderboard", "",
        "IDFF against OT-CFM, DDPM/DDIM, DYffusion, persistence and climatology on every task, "
        "on the same backbones, conditioning, data pipeline and metrics. The full tables (every "
        "method × NFE row, per-lead CRPS ecdf / fair, MSE and SSR) and the plots are in "
        f"[`benchmarks/results/leaderboard.md`]({REPO_URL}/leaderboard.md) and "
        f"[`leaderboard.csv`]({REPO_URL}/leaderboard.csv). This page is written by the same "
        "command, from the same result files.", "",
        "```bash",
        "python benchmarks/run.py --profile quick      # train + score: one JSON per run",
        "python benchmarks/leaderboard.py --docs docs/src/leaderboard.md   # tables, plots, this page",
        "idff-ts leaderboard --docs docs/src/leaderboard.md                # the same, as a command",
        "```", "",
        "Each result file (`benchmarks/results/runs/<profile>/<task>/<method>__nfe<N>__seed<S>.json`)"
        " holds the scores by metric × lead and its provenance: git sha, checkpoint sha256, "
        "seed, ensemble size M, CRPS estimators, counted NFE, wall time, data version and split. "
        "Checkpoints are chosen on validation CRPS and IDFF's γ1 per NFE on the validation split;"
        " the test split is only scored.", "",
        "**Headline.** For each task: the best CRPS (ecdf, mean over leads) any method reaches "
        f"with at most {HEADLINE_MAX_NFE:.0f} network calls per slot, and for each method the "
        f"lowest counted NFE at which it comes within {HEADLINE_TOL:.0%} of it.", "",
    ]
    for profile in sorted({r["profile"] for r in rows}):
        prows = [r for r in rows if r["profile"] == profile]
        head = headline(prows)
        lines += [f"## Profile `{profile}`", ""]
        for task, h in head.items():
            r0 = next(r for r in prows if r["task"] == task)
            lines += [f"### {task}", "", f"{r0['n_inits']} test inits, M = {r0['members']}, seeds "
                      f"{r0['seeds']}. Best: {h['best_crps']:.4f} ({h['best_method']}, NFE "
                      f"{_nfe(h['best_nfe'])}).", "",
                      "| method | lowest NFE within 2 % | own best CRPS (NFE) |", "|---|---|---|"]
            for m in sorted(h["methods"], key=lambda m: (m != "idff", m in REFERENCE, m)):
                hm = h["methods"][m]
                within = _nfe(hm["nfe_within"]) if hm["nfe_within"] is not None else "never"
                lines.append(f"| {m} | {within} | {_f(hm['own_best_crps'])} "
                             f"({_nfe(hm['own_best_nfe'])}) |")
            lines.append("")
    lines += ["## How the methods are run", "", *NOTES, ""]
    return "\n".join(lines)


def _task_section(task: str, trows: list[dict[str, Any]],
                  head: dict[str, Any] | None) -> list[str]:
    r0 = trows[0]
    sizes = r0.get("sizes", {})
    model = sizes.get("model", {})
    lines = [f"### {task}", "", f"Data: {r0['data_version']}.", "",
             f"Sizes: {r0['n_inits']} test inits (× series), test stride "
             f"{sizes.get('test_stride', '–')}, M = {max(r['members'] for r in trows)}, seeds "
             f"{r0['seeds']}, backbone {model.get('backbone', '–')} (hidden {model.get('hidden', '–')}, "
             f"depth {model.get('depth', '–')}), training overrides "
             f"`{json.dumps(sizes.get('train_overrides', {}))}`, horizon {len(r0['leads'])} slots.",
             "", f"Regenerate: `python benchmarks/run.py --profile {r0['profile']} --tasks {task}` "
             "then `python benchmarks/leaderboard.py --docs docs/src/leaderboard.md` (one row: "
             "the `command` column of `leaderboard.csv`).", ""]
    if head is not None:
        lines += [f"**Headline.** Best CRPS (ecdf) at ≤ {HEADLINE_MAX_NFE:.0f} counted NFE: "
                  f"{head['best_crps']:.4f} ({head['best_method']}, NFE {_nfe(head['best_nfe'])});"
                  f" within {HEADLINE_TOL:.0%}: ≤ {head['target']:.4f}.", "",
                  "| method | lowest NFE within 2 % of the best | CRPS there | own best CRPS (NFE) |",
                  "|---|---|---|---|"]
        order = sorted(head["methods"], key=lambda m: (m != "idff", m in REFERENCE, m))
        for m in order:
            h = head["methods"][m]
            within = _nfe(h["nfe_within"]) if h["nfe_within"] is not None else "never"
            lines.append(f"| {m} | {within} | {_f(h['crps_at'])} | "
                         f"{_f(h['own_best_crps'])} ({_nfe(h['own_best_nfe'])}) |")
        lines.append("")
    lines += ["| method | NFE setting | NFE counted | γ1 | CRPS ecdf | CRPS fair | MSE | SSR | "
              "wall s |", "|---|---|---|---|---|---|---|---|---|"]
    for r in trows:
        lines.append(
            f"| {r['method']} | {r['nfe_setting']} | {_nfe(r['nfe_counted'])} | "
            f"{_f(r['gamma1'], 'g')} | {_f(r['crps_ecdf'])} | {_f(r['crps_fair'])} | "
            f"{_f(r['mse'])} | {_f(r['ssr'], '.3f')} | {_f(r['wall_s'], '.2f')} |")
    lines.append("")
    best = _best_rows(trows)
    leads = r0["leads"]
    unit = r0.get("lead_units", "")
    for metric, fmt in (("crps_ecdf", ".3f"), ("crps_fair", ".3f"), ("mse", ".3f"), ("ssr", ".2f")):
        lines += [f"Per lead, {metric} (each method at its best setting by mean CRPS ecdf; lead "
                  f"in {unit}):", "",
                  "| method (NFE) | " + " | ".join(f"{v:g}" for v in leads) + " | mean |",
                  "|---|" + "---|" * (len(leads) + 1)]
        for r in best:
            per = r.get(f"{metric}_by_lead")
            cells = [_f(v, fmt) for v in per] if per else ["–"] * len(leads)
            lines.append(f"| {r['method']} ({_nfe(r['nfe_counted'])}) | " + " | ".join(cells)
                         + f" | {_f(r[metric], fmt)} |")
        lines.append("")
    return lines


def plot(rows: list[dict[str, Any]], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({(r["profile"], r["task"]) for r in rows})
    names = []
    for kind in ("lead", "nfe", "wall"):
        ncols = min(3, len(tasks))
        nrows = -(-len(tasks) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.4 * ncols, 4.2 * nrows), squeeze=False)
        for ax in axes.flat[len(tasks):]:
            ax.axis("off")
        for ax, (profile, task) in zip(axes.flat, tasks, strict=False):
            trows = [r for r in rows if r["task"] == task and r["profile"] == profile]
            methods = sorted({r["method"] for r in trows})
            for m in methods:
                mine = sorted((r for r in trows if r["method"] == m), key=lambda r: r["nfe_counted"])
                style = {"idff": "o-", "climatology": "k--", "persistence": "k:"}.get(m, ".-")
                if kind == "lead":
                    b = _best_rows(mine)[0]
                    ax.plot(b["leads"], b["crps_ecdf_by_lead"], style,
                            label=f"{m} (NFE {_nfe(b['nfe_counted'])})")
                elif m in REFERENCE:
                    ax.axhline(mine[0]["crps_ecdf"], ls="--" if m == "climatology" else ":",
                               color="k", label=m)
                else:
                    x = [r["nfe_counted"] if kind == "nfe" else r["wall_s"] for r in mine]
                    ax.plot(x, [r["crps_ecdf"] for r in mine], style, label=m)
            if kind != "lead":
                ax.set_xscale("log")
            ax.set_yscale("log")  # low-NFE failures would otherwise flatten everything else
            ax.set(title=f"{task} ({profile})", ylabel="CRPS (ecdf)",
                   xlabel={"lead": f"lead ({trows[0].get('lead_units', '')})",
                           "nfe": "NFE per slot (counted)", "wall": "forecast wall time (s)"}[kind])
            ax.legend(fontsize=6)
        fig.tight_layout()
        name = f"leaderboard_{kind}.png"
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=RESULTS / "runs")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--profile", default=None)
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--docs", type=Path, default=None,
                    help="also write the docs page here (docs/src/leaderboard.md)")
    args = ap.parse_args(argv)
    results = load_results(args.runs, args.profile)
    if not results:
        raise SystemExit(f"no result files under {args.runs}; run benchmarks/run.py first")
    rows = aggregate(results)
    heads = {p: headline([r for r in rows if r["profile"] == p]) for p in sorted({r["profile"] for r in rows})}
    args.out.mkdir(parents=True, exist_ok=True)
    figures = [] if args.no_plots else plot(rows, args.out)
    write_csv(rows, args.out / "leaderboard.csv")
    (args.out / "leaderboard.md").write_text(markdown(rows, figures))
    (args.out / "leaderboard_headline.json").write_text(json.dumps(heads, indent=1))
    if args.docs is not None:
        args.docs.write_text(docs_page(rows))
    print(f"{len(results)} result files → {args.out}/leaderboard.{{md,csv}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
