"""Render the leaderboard from result files only (evaluation.md §3).

Reads every ``results/runs/<profile>/<task>/*.json`` of schema 2 written by ``benchmarks/run.py``
(nothing else: no model, no data) and writes next to ``results/``:

- ``leaderboard.csv``: one row per (profile, task, row): the mean and sd over training seeds of
  CRPS (ecdf and fair), MSE, MAE, CC (ensemble mean against truth, per lead then averaged) and
  SSR, counted NFE, seeds, configurations tried, best epochs and whether the epoch cap was hit;
- ``leaderboard.md``: per task that table and the **verdicts**: IDFF against every other row,
  "A beats B" only when the paired bootstrap over test inits and seeds
  (:mod:`_bench_bootstrap`) gives a 95 % interval of the CRPS difference excluding 0, otherwise
  "tied" with the interval. Persistence is one member: its CRPS is an absolute error, and the
  fair reference for an ensemble is probabilistic persistence; the tables say so.

    python benchmarks/leaderboard.py                     # benchmarks/results/leaderboard.*
    python benchmarks/leaderboard.py --docs docs/src/leaderboard.md
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_bootstrap import paired_difference, verdict  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SCHEMA = "idff-ts-result/2"
METRICS = ("crps_ecdf", "crps_fair", "mse", "mae", "cc", "ssr")
ONE_MEMBER = ("persistence",)
PRODUCT = "idff"


def load_results(root: Path, profile: str | None = None) -> list[dict[str, Any]]:
    """Every schema-2 result file under ``root`` (``<profile>/<task>/*.json``); files of other
    schemas are skipped with a note on stderr (they predate the fair-contest rules)."""
    out, skipped = [], 0
    for path in sorted(Path(root).glob("*/*/*.json")):
        res = json.loads(path.read_text())
        if res.get("schema") != SCHEMA:
            skipped += 1
            continue
        if profile is None or res["profile"] == profile:
            out.append(res)
    if skipped:
        print(f"leaderboard: skipped {skipped} result files not of schema {SCHEMA}", file=sys.stderr)
    return out


def _stats(values: list[float]) -> tuple[float, float]:
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not vals:
        return float("nan"), float("nan")
    return statistics.fmean(vals), (statistics.stdev(vals) if len(vals) > 1 else float("nan"))


def aggregate(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (profile, task, method): mean ± sd over seeds of every metric."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        groups[(r["profile"], r["task"], r["method"])].append(r)
    rows = []
    for (profile, task, method), rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: r["seed"])
        row: dict[str, Any] = {"profile": profile, "task": task, "method": method,
                               "nfe_setting": rs[0]["nfe_setting"], "members": rs[0]["members"],
                               "seeds": [r["seed"] for r in rs]}
        for m in METRICS:
            row[m], row[f"{m}_sd"] = _stats([r["mean_over_leads"].get(m) for r in rs])
        row["nfe_counted"] = _stats([r["nfe_counted"] for r in rs])[0]
        row["n_configurations"] = rs[0]["selection"].get("n_configurations", 0)
        row["chosen"] = rs[0]["selection"].get("chosen")
        train = [r.get("training") or {} for r in rs]
        row["best_epochs"] = [t.get("best_epoch") for t in train]
        row["cap_hit"] = any(t.get("cap_hit") for t in train)
        row["per_init"] = {r["seed"]: r["per_init_crps_ecdf"] for r in rs}
        row["wall_s"] = _stats([r["wall_s"] for r in rs])[0]
        row["n_jvp"] = max(int(r.get("n_jvp", 0)) for r in rs)
        rows.append(row)
    return rows


def verdicts(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per task: IDFF against every other row, by the paired bootstrap."""
    out: dict[str, list[dict[str, Any]]] = {}
    for task in sorted({r["task"] for r in rows}):
        trows = {r["method"]: r for r in rows if r["task"] == task}
        if PRODUCT not in trows:
            continue
        out[task] = []
        for name, other in sorted(trows.items()):
            if name == PRODUCT:
                continue
            res = paired_difference(trows[PRODUCT]["per_init"], other["per_init"])
            text = verdict(PRODUCT, name, res)
            if name in ONE_MEMBER:
                text += " — an ensemble against a one-member forecast (its CRPS is its absolute error)"
            out[task].append({"other": name, **(res or {}), "text": text})
    return out


def _pm(row: dict[str, Any], m: str) -> str:
    mean, sd = row[m], row[f"{m}_sd"]
    if not math.isfinite(mean):
        return "–"
    return f"{mean:.3f}" if not math.isfinite(sd) else f"{mean:.3f} ± {sd:.3f}"


def task_table(trows: list[dict[str, Any]]) -> list[str]:
    head = ("| row | NFE (counted) | seeds | configs | CRPS ecdf | CRPS fair | MSE | MAE | CC | SSR "
            "| best epochs (cap hit) |")
    lines = [head, "|" + "---|" * 11]
    for r in sorted(trows, key=lambda r: r["crps_ecdf"]):
        name = r["method"] + (" (1 member: CRPS = MAE)" if r["method"] in ONE_MEMBER else "")
        epochs = ", ".join(str(e) for e in r["best_epochs"] if e is not None) or "–"
        epochs += " (yes)" if r["cap_hit"] else ""
        lines.append(
            f"| {name} | {r['nfe_counted']:.2f} | {len(r['seeds'])} | {r['n_configurations']} | "
            + " | ".join(_pm(r, m) for m in METRICS) + f" | {epochs} |")
    return lines


def markdown(rows: list[dict[str, Any]], verdict_map: dict[str, list[dict]]) -> str:
    lines = [
        "# Leaderboard", "",
        "Generated by `python benchmarks/leaderboard.py` from `benchmarks/results/runs/` only. "
        "Scores are the mean ± sd over training seeds of the mean over leads (CRPS ecdf and fair, "
        "MSE, MAE and CC of the ensemble mean, SSR); standardised or physical units as each task "
        "stores them. NFE is the counted network calls per member and slot. Every learned row "
        "searched the same number of configurations of its own knobs on the validation split "
        "(column *configs*), selected its checkpoint by validation CRPS with its reported sampler "
        "and NFE, and trained under the same early-stopping rule and epoch cap (best epochs per "
        "seed; *yes* when some seed ran to the cap). Persistence is a single member, so its CRPS "
        "is its absolute error; the fair reference for an ensemble is *prob-persistence* "
        "(persistence plus climatological increments of the training split).", "",
    ]
    if not any(r["n_jvp"] for r in rows):
        lines += ["No row takes Jacobian-vector products (γ2 = 0 in every result file), so every "
                  "NFE column counts plain forward passes.", ""]
    for task in sorted({r["task"] for r in rows}):
        trows = [r for r in rows if r["task"] == task]
        lines += [f"### {task}", "", *task_table(trows), ""]
        if task in verdict_map:
            lines += ["Verdicts (CRPS ecdf, paired bootstrap over test inits and seeds, 95 %):", ""]
            lines += [f"- {v['text']}" for v in verdict_map[task]]
            lines.append("")
    return "\n".join(lines) + "\n"


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    keys = ["profile", "task", "method", "nfe_setting", "nfe_counted", "members", "seeds",
            "n_configurations", *[k for m in METRICS for k in (m, f"{m}_sd")], "best_epochs",
            "cap_hit", "wall_s", "n_jvp"]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(r[k]) if isinstance(r[k], list) else r[k]) for k in keys})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=RESULTS / "runs")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--profile", default=None)
    ap.add_argument("--docs", type=Path, default=None, help="also write this Markdown page")
    ap.add_argument("--no-plots", action="store_true", help="accepted for compatibility (no plots)")
    args = ap.parse_args(argv)
    results = load_results(args.runs, args.profile)
    if not results:
        raise SystemExit(f"no result files (schema 2) under {args.runs}; run benchmarks/run.py first")
    rows = aggregate(results)
    vmap = verdicts(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    md = markdown(rows, vmap)
    (args.out / "leaderboard.md").write_text(md)
    write_csv(rows, args.out / "leaderboard.csv")
    head = {t: [{k: v for k, v in x.items() if k != "text"} | {"verdict": x["text"]} for x in vs]
            for t, vs in vmap.items()}
    (args.out / "leaderboard_headline.json").write_text(json.dumps(head, indent=1))
    if args.docs is not None:
        args.docs.write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
