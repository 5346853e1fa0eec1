"""Leaderboard pages: the Markdown next to the results and the docs page (evaluation.md §3).

Per task a table of every row (mean ± sd over training seeds) and IDFF's verdicts against every
other row: "beats" only when the paired bootstrap's 95 % interval excludes 0, else "tied".
"""

from __future__ import annotations

import math
from typing import Any

from idff_ts.leaderboard.compute import compute_section
from idff_ts.leaderboard.jvp import jvp_cell
from idff_ts.leaderboard.results import METRICS, ONE_MEMBER
from idff_ts.leaderboard.trajectories import trajectory_table

REPO_URL = "https://github.com/idff-ts/idff-ts/blob/main/benchmarks/results"

INTRO = (
    "Scores are the mean ± sd over training seeds of the mean over leads (CRPS ecdf and fair, "
    "MSE, MAE and CC of the ensemble mean, SSR); standardised or physical units as each task "
    "stores them. NFE is the counted network calls per member and slot. Every learned row "
    "searched the same number of configurations of its own knobs on the validation split "
    "(column *configs*), selected its checkpoint by validation CRPS with its reported sampler "
    "and NFE, and trained under the same early-stopping rule and epoch cap (best epochs per "
    "seed; *yes* when some seed ran to the cap). Persistence is a single member, so its CRPS "
    "is its absolute error; the fair reference for an ensemble is *prob-persistence* "
    "(persistence plus climatological increments of the training split)."
)


def _pm(row: dict[str, Any], m: str) -> str:
    mean, sd = row[m], row[f"{m}_sd"]
    if not math.isfinite(mean):
        return "–"
    return f"{mean:.3f}" if not math.isfinite(sd) else f"{mean:.3f} ± {sd:.3f}"


def _order(r: dict[str, Any]) -> float:
    return r["crps_ecdf"] if math.isfinite(r["crps_ecdf"]) else math.inf


def task_table(trows: list[dict[str, Any]]) -> list[str]:
    """The Markdown table of one task's rows, best mean CRPS (ecdf) first."""
    head = ("| row | NFE (counted) | seeds | configs | CRPS ecdf | CRPS fair | MSE | MAE | CC | SSR "
            "| best epochs (cap hit) | JVPs (fwd-pass equiv., measured) |")
    lines = [head, "|" + "---|" * 12]
    for r in sorted(trows, key=_order):
        name = r["method"] + (" (1 member: CRPS = MAE)" if r["method"] in ONE_MEMBER else "")
        epochs = ", ".join(str(e) for e in r["best_epochs"] if e is not None) or "–"
        epochs += " (yes)" if r["cap_hit"] else ""
        lines.append(
            f"| {name} | {r['nfe_counted']:.2f} | {len(r['seeds'])} | {r['n_configurations']} | "
            + " | ".join(_pm(r, m) for m in METRICS) + f" | {epochs} | "
            + jvp_cell(r.get("jvp_per_slot", 0.0), r.get("jvp_ratio_measured")) + " |")
    return lines


def _jvp_note(rows: list[dict[str, Any]], ratios: dict[str, dict[str, Any]]) -> list[str]:
    measured = ", ".join(f"{t} {m['ratio']:.2f}" for t, m in sorted(ratios.items()))
    lines = ["Column *JVPs (fwd-pass equiv., measured)*: the Jacobian-vector products of the "
             "γ2 correction per member and slot, as counted (each is also one call of the NFE "
             "column), × the wall time of one JVP over one forward pass of the task's backbone, "
             "measured side by side by `benchmarks/jvp_cost.py` ("
             + (f"`benchmarks/results/jvp_cost.json`: {measured})." if measured
                else "no measurement found).")]
    if not any(r["n_jvp"] for r in rows):
        lines[0] += (" No row takes Jacobian-vector products (γ2 = 0 in every result file), so "
                     "the column is 0 and every NFE column counts plain forward passes.")
    return [*lines, ""]


def _tables(rows: list[dict[str, Any]], verdict_maps: dict[str, dict[str, list[dict]]],
            extras: dict[str, Any] | None = None) -> list[str]:
    extras = extras or {}
    lines = _jvp_note(rows, extras.get("jvp_ratios") or {})
    traj = extras.get("trajectory_rows") or []
    for profile in sorted({r["profile"] for r in rows}):
        prows = [r for r in rows if r["profile"] == profile]
        verdict_map = verdict_maps.get(profile, {})
        lines += [f"## Profile `{profile}`", ""]
        for task in sorted({r["task"] for r in prows}):
            lines += [f"### {task}", "", *task_table([r for r in prows if r["task"] == task]), ""]
            ttab = trajectory_table([t for t in traj if (t["profile"], t["task"]) == (profile, task)])
            lines += [*ttab, ""] if ttab else []
            if task in verdict_map:
                lines += ["Verdicts (CRPS ecdf, paired bootstrap over test inits and seeds, "
                          "95 %):", ""]
                lines += [f"- {v['text']}" for v in verdict_map[task]]
                lines.append("")
        compute = (extras.get("compute") or {}).get(profile)
        if compute:
            lines += [f"### How long the `{profile}` profile took", "", *compute_section(compute)]
    return lines


def markdown(rows: list[dict[str, Any]], verdict_maps: dict[str, dict[str, list[dict]]],
             figures: list[str] = (), extras: dict[str, Any] | None = None) -> str:
    """``leaderboard.md``: every task's table and verdicts (``verdict_maps``: per profile, per
    task, as :func:`~idff_ts.leaderboard.results.verdicts`), then the figures. ``extras``:
    ``jvp_ratios`` (:func:`~idff_ts.leaderboard.jvp.load_ratios`), ``trajectory_rows``
    (:func:`~idff_ts.leaderboard.trajectories.trajectory_rows`) and ``compute``
    (:func:`~idff_ts.leaderboard.compute.compute_time`)."""
    lines = ["# Leaderboard", "",
             "Generated by `python benchmarks/leaderboard.py` from `benchmarks/results/runs/` "
             "only. " + INTRO, "", *_tables(rows, verdict_maps, extras)]
    if figures:
        lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def docs_page(rows: list[dict[str, Any]], verdict_maps: dict[str, dict[str, list[dict]]],
              extras: dict[str, Any] | None = None) -> str:
    """The docs page (``docs/src/leaderboard.md``): how to regenerate, the tables, the verdicts
    (``extras`` as for :func:`markdown`)."""
    lines = [
        "# Leaderboard", "",
        "IDFF against its baselines under the fair-contest rules (issue 11), on the same "
        "backbones, conditioning, data pipeline, tuning budget and metrics. The same tables, "
        f"the CSV and the plots are in [`benchmarks/results/leaderboard.md`]({REPO_URL}/"
        f"leaderboard.md) and [`leaderboard.csv`]({REPO_URL}/leaderboard.csv); this page is "
        "written by the same command, from the same result files.", "",
        "```bash",
        "python benchmarks/run.py --profile quick      # train + score: one JSON per (task, row, seed)",
        "python benchmarks/leaderboard.py --docs docs/src/leaderboard.md   # tables, plots, this page",
        "idff-ts leaderboard --docs docs/src/leaderboard.md                # the same, as a command",
        "```", "",
        "Each result file (`benchmarks/results/runs/<profile>/<task>/<row>__nfe<N>__seed<S>.json`, "
        "schema `idff-ts-result/2`) holds the scores by metric × lead, the per-init CRPS, the "
        "configurations tried and chosen on validation, the training budget used, and its "
        "provenance. For the MD tasks, result files also carry (or `python "
        "benchmarks/md_trajectory_scores.py --work <run.py's --work folder>` adds, in "
        "`benchmarks/results/trajectory_scores/`, from the very checkpoints scored) the "
        "per-trajectory scores of the IDFF paper's protocol.", "",
        INTRO, "", *_tables(rows, verdict_maps, extras),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


__all__ = ["INTRO", "docs_page", "markdown", "task_table"]
