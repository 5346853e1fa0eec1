"""Issue 12's leaderboard-headline target, checked from committed result files only.

Target: IDFF's lowest NFE whose test CRPS is within 2 % of the best CRPS reached by any method
at ≤ 100 NFE is 1 or 2, on every task. "Any method" is every row of the quick leaderboard
(``results/leaderboard.csv``: learned rows, references and classical forecasters) and every
IDFF cell of ``posterior_nfe.py`` (each step at its validation-chosen σ, each NFE). IDFF's
CRPS at an NFE is the best of its steps there, mean over training seeds. The test inits are the
same in both (the same test stride); the ensemble size may differ (sst-demo: 8 members on the
leaderboard, 20 here), so the CRPS compared is the fair (ensemble-size-unbiased) estimator.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

TOLERANCE = 0.02
MAX_NFE = 100
KEY = "crps_fair"


def leaderboard_best(csv_path: Path, task: str) -> tuple[float, str] | None:
    """Lowest mean fair CRPS of the quick leaderboard's rows of ``task`` at ≤ 100 NFE (a row
    without one, such as one-member persistence, has NaN there and is left out)."""
    if not csv_path.exists():
        return None
    with open(csv_path, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["profile"] == "quick" and r["task"] == task
                and float(r["nfe_counted"]) <= MAX_NFE and math.isfinite(float(r[KEY]))]
    if not rows:
        return None
    best = min(rows, key=lambda r: float(r[KEY]))
    return float(best[KEY]), f"{best['method']} (NFE {float(best['nfe_counted']):g})"


def idff_curve(cells: dict, task: str, steps: list[str], select: Any) -> dict[int, tuple]:
    """NFE → (lowest mean test CRPS over the steps, that step), at each step's chosen σ."""
    curve: dict[int, tuple[float, str]] = {}
    for step in steps:
        sel = select(cells, task, step)
        if sel is None:
            continue
        runs = list(sel["runs"].values())
        for nfe in runs[0]["test"]:
            crps = sum(r["test"][nfe]["mean_over_leads"][KEY] for r in runs) / len(runs)
            if int(nfe) <= MAX_NFE and (int(nfe) not in curve or crps < curve[int(nfe)][0]):
                curve[int(nfe)] = (crps, f"{step}, σ {sel['sigma']:g}")
    return curve


def check(cells: dict, task: str, steps: list[str], select: Any, csv_path: Path) -> dict:
    """The best CRPS at ≤ 100 NFE, IDFF's lowest NFE within 2 % of it, and the verdict."""
    curve = idff_curve(cells, task, steps, select)
    if not curve:
        return {}
    cands = [(c, f"idff {s} (NFE {n})") for n, (c, s) in curve.items()]
    board = leaderboard_best(csv_path, task)
    best, who = min(cands + ([board] if board else []), key=lambda x: x[0])
    within = sorted(n for n, (c, _) in curve.items() if c <= (1 + TOLERANCE) * best)
    lowest = within[0] if within else None
    return {"best_crps": best, "best_by": who, "leaderboard_best": board,
            "idff_lowest_nfe_within_2pct": lowest,
            "idff_at_that_nfe": curve[lowest] if lowest else None,
            "idff_nfe1": curve.get(1), "idff_nfe2": curve.get(2),
            "target_met": lowest is not None and lowest <= 2}


def _cell(x: tuple[float, str] | None, best: float) -> str:
    return f"{x[0]:.3f} ({x[1]}; {x[0] / best - 1:+.1%})" if x else "–"


def lines(results: dict[str, dict]) -> list[str]:
    out = ["## The leaderboard headline target", "",
           "IDFF's lowest NFE whose test CRPS (fair estimator, mean over seeds, best of its steps "
           "at the validation-chosen σ) is within 2 % of the best CRPS of any method at ≤ 100 NFE "
           "(the quick leaderboard's rows and these IDFF cells); target: 1 or 2 on every task.",
           "", "| task | best fair CRPS (by) | IDFF at NFE 1 | IDFF at NFE 2 | IDFF's lowest NFE "
           "within 2 % | target |", "|---|---|---|---|---|---|"]
    for task, r in results.items():
        if not r:
            continue
        best, at = r["best_crps"], r["idff_at_that_nfe"]
        low = f"{r['idff_lowest_nfe_within_2pct']} ({at[1]})" if at else "none ≤ 100"
        out.append(f"| {task} | {best:.3f} ({r['best_by']}) | {_cell(r['idff_nfe1'], best)} | "
                   f"{_cell(r['idff_nfe2'], best)} | {low} | "
                   f"{'met' if r['target_met'] else 'missed'} |")
    return out + [""]
