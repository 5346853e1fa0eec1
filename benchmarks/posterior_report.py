"""Tables of ``posterior_nfe.py``: selection on validation, test CRPS/SSR, the issue's targets.

Reads only the result files ``<out>/<task>/<step>__sigma<σ>__seed<s>.json`` and writes
``<out>/summary.json`` and ``<out>/../posterior_nfe.md`` (or ``<out>/posterior_nfe.md`` for a
scratch folder).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import _posterior_headline as headline
from _posterior_plots import per_lead_figure

T975 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776}  # Student t quantiles, n − 1 = 1..4
SSR_BAND = (0.85, 1.15)


def _mean_sd(values: list[float]) -> tuple[float, float]:
    n = len(values)
    m = sum(values) / n
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1)) if n > 1 else float("nan")
    return m, sd


def load(out: Path) -> dict[tuple[str, str, float], dict[int, dict]]:
    cells: dict[tuple[str, str, float], dict[int, dict]] = defaultdict(dict)
    for path in sorted(out.glob("*/*__sigma*__seed*.json")):
        r = json.loads(path.read_text())
        cells[(r["task"], r["step"], float(r["sigma"]))][int(r["seed"])] = r
    return cells


def val_of(r: dict, nfe: str) -> float:
    return min(r["val_crps_ecdf_mean"][nfe].values())


def choose(runs: dict[int, dict], nfes: list[str]) -> tuple[str, float]:
    """The NFE with the lowest validation CRPS averaged over seeds, and that value."""
    scores = {n: _mean_sd([val_of(r, n) for r in runs.values()])[0] for n in nfes}
    best = min(scores, key=scores.get)
    return best, scores[best]


def select(cells: dict, task: str, step: str, max_nfe: int | None = None) -> dict | None:
    """σ and NFE of one step chosen on validation (NFE ≤ max_nfe when given). Only σ values
    run with every seed of the task compete (a σ with fewer seeds is left out, not favoured)."""
    best = None
    n_seeds = max((len(r) for (t, _, _), r in cells.items() if t == task), default=0)
    for (t, s, sigma), runs in cells.items():
        if t != task or s != step or len(runs) < n_seeds:
            continue
        nfes = [n for n in next(iter(runs.values()))["val_crps_ecdf_mean"]
                if max_nfe is None or int(n) <= max_nfe]
        if not nfes:
            continue
        nfe, val = choose(runs, nfes)
        if best is None or val < best["val_crps"]:
            best = {"sigma": sigma, "nfe": nfe, "val_crps": val, "runs": runs}
    return best


def test_stat(runs: dict[int, dict], nfe: str, key: str) -> tuple[float, float, int]:
    vals = [r["test"][nfe]["mean_over_leads"][key] for r in runs.values()]
    return (*_mean_sd(vals), len(vals))


def paired(a: dict[int, dict], nfe_a: str, b: dict[int, dict], nfe_b: str) -> dict[str, Any]:
    """Test CRPS of a minus b, paired by training seed: mean, sd, 95 % t-interval."""
    seeds = sorted(set(a) & set(b))
    d = [a[s]["test"][nfe_a]["mean_over_leads"]["crps_ecdf"]
         - b[s]["test"][nfe_b]["mean_over_leads"]["crps_ecdf"] for s in seeds]
    m, sd = _mean_sd(d)
    half = T975.get(len(d), float("nan")) * sd / math.sqrt(len(d)) if len(d) > 1 else float("nan")
    return {"seeds": seeds, "diff": d, "mean": m, "sd": sd, "ci95": [m - half, m + half]}


def _fmt(m: float, sd: float) -> str:
    return f"{m:.3f} ± {sd:.3f}" if not math.isnan(sd) else f"{m:.3f}"


def task_tables(cells: dict, task: str, steps: list[str]) -> tuple[list[str], dict]:
    lines, summary = [f"## {task}", ""], {}
    chosen = {s: select(cells, task, s) for s in steps}
    lines += ["| step | σ (val) | val CRPS at best NFE | " + " | ".join(
        f"NFE {n}: CRPS / SSR" for n in ("1", "2", "3", "5", "10", "20")) + " |",
              "|---|---:|---:|" + "---|" * 6]
    for step, sel in chosen.items():
        if sel is None:
            continue
        row = [step, f"{sel['sigma']:g}", f"{sel['val_crps']:.3f} (NFE {sel['nfe']})"]
        for n in ("1", "2", "3", "5", "10", "20"):
            if n not in next(iter(sel["runs"].values()))["test"]:
                row.append("–")
                continue
            c, s = test_stat(sel["runs"], n, "crps_ecdf"), test_stat(sel["runs"], n, "ssr")
            row.append(f"{_fmt(c[0], c[1])} / {_fmt(s[0], s[1])}")
        lines.append("| " + " | ".join(row) + " |")
        summary[step] = {"sigma": sel["sigma"], "val_best_nfe": sel["nfe"],
                         "n_seeds": len(sel["runs"])}
    lines += ["", f"Test CRPS / SSR: mean ± sd over training seeds (n = "
              f"{max((len(s['runs']) for s in chosen.values() if s), default=0)}), at the σ "
              "chosen on validation.", ""]
    return lines, {"chosen": summary, "targets": targets(cells, task, steps, lines)}


def targets(cells: dict, task: str, steps: list[str], lines: list[str]) -> dict:
    base = select(cells, task, "mean")
    out: dict[str, Any] = {}
    if base is None:
        return out
    lines += [f"Targets (NFE ≤ 3 chosen on validation; today's best IDFF = mean step, σ "
              f"{base['sigma']:g}, NFE {base['nfe']} chosen on validation):", "",
              "| step | σ | NFE | test SSR | SSR in [0.85, 1.15] | CRPS − best IDFF (paired, 95 % CI) | CRPS target |",
              "|---|---:|---:|---:|---|---:|---|"]
    for step in steps:
        sel = select(cells, task, step, max_nfe=3)
        if sel is None:
            continue
        ssr = test_stat(sel["runs"], sel["nfe"], "ssr")
        diff = paired(sel["runs"], sel["nfe"], base["runs"], base["nfe"])
        ssr_ok = SSR_BAND[0] <= ssr[0] <= SSR_BAND[1]
        crps_ok = diff["ci95"][1] < 0
        same = step == "mean" and (sel["sigma"], sel["nfe"]) == (base["sigma"], base["nfe"])
        verdict = "– (it is the reference)" if same else ("met" if crps_ok else "missed")
        lines.append(f"| {step} | {sel['sigma']:g} | {sel['nfe']} | {_fmt(ssr[0], ssr[1])} | "
                     f"{'met' if ssr_ok else 'missed'} | {diff['mean']:+.4f} "
                     f"[{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}] | {verdict} |")
        out[step] = {"sigma": sel["sigma"], "nfe": int(sel["nfe"]), "ssr_mean": ssr[0],
                     "ssr_sd": ssr[1], "ssr_target_met": ssr_ok, "crps_diff": diff,
                     "crps_target_met": crps_ok}
    lines.append("")
    return out


def per_lead(cells: dict, task: str, steps: list[str]) -> list[str]:
    lines = [f"### {task}: CRPS and SSR per lead at the validation-chosen NFE ≤ 3", ""]
    for step in steps:
        sel = select(cells, task, step, max_nfe=3)
        if sel is None:
            continue
        runs = list(sel["runs"].values())
        leads = len(runs[0]["test"][sel["nfe"]]["per_lead"]["crps_ecdf"])
        crps = [_mean_sd([r["test"][sel["nfe"]]["per_lead"]["crps_ecdf"][i] for r in runs])[0]
                for i in range(leads)]
        ssr = [_mean_sd([r["test"][sel["nfe"]]["per_lead"]["ssr"][i] for r in runs])[0]
               for i in range(leads)]
        lines.append(f"- {step} (σ {sel['sigma']:g}, NFE {sel['nfe']}): CRPS "
                     + ", ".join(f"{c:.3f}" for c in crps) + "; SSR "
                     + ", ".join(f"{s:.2f}" for s in ssr))
    return lines + [""]


def figure(cells: dict, task: str, steps: list[str], out: Path) -> list[str]:
    """Per-lead CRPS and SSR at every NFE, each step at its validation-chosen σ."""
    curves = {}
    for step in steps:
        if (sel := select(cells, task, step)) is None:
            continue
        runs = list(sel["runs"].values())
        curves[step] = {int(n): ([r["test"][n]["per_lead"]["crps_ecdf"] for r in runs],
                                 [r["test"][n]["per_lead"]["ssr"] for r in runs])
                        for n in runs[0]["test"]}
    if not curves:
        return []
    path = per_lead_figure(f"{task}: test CRPS and SSR per lead, mean over seeds (σ chosen on "
                           "validation per step)", curves, out / f"{task}_per_lead.png",
                           "CRPS (ecdf)")
    return [f"![{task}: CRPS and SSR per lead at every NFE]({out.name}/{path.name})", ""]


def render(out: Path) -> str:
    cells = load(out)
    tasks = sorted({t for t, _, _ in cells})
    steps = [s for s in ("mean", "gaussian", "distributional") if any(k[1] == s for k in cells)]
    any_run = next((next(iter(r.values())) for r in cells.values()), None)
    prov = any_run["provenance"] if any_run else {}
    lines = ["# IDFF: mean step vs posterior-sampling steps, by NFE (issue 12)", "",
             f"`python benchmarks/posterior_nfe.py` ({prov.get('git_sha', '?')}, "
             f"{prov.get('machine', '?')}, torch {prov.get('torch', '?')}). M = 20 members, "
             "CRPS = ecdf CRPS (in the data's units), SSR = spread/skill, both averaged over "
             "leads. Everything chosen on validation; test reported.", ""]
    summary: dict[str, Any] = {}
    for task in tasks:
        tbl, summary[task] = task_tables(cells, task, steps)
        lines += tbl + per_lead(cells, task, steps) + figure(cells, task, steps, out)
    board = out.parent / "leaderboard.csv"
    heads = {t: headline.check(cells, t, steps, select, board) for t in tasks}
    for task, h in heads.items():
        summary[task]["headline"] = h
    lines += headline.lines(heads)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=float))
    text = "\n".join(lines)
    md = out.parent / "posterior_nfe.md" if out.name == "posterior_nfe" else out / "posterior_nfe.md"
    md.write_text(text)
    return text
