"""Per-trajectory scores of the MD tasks (issue 11 item 7): the IDFF paper's protocol.

From the held-out test run's first frame each row generates ``M`` trajectories over every
remaining frame; MAE, RMSE (wrapped, degrees) and circular CC are taken per generated
trajectory and angle over time and averaged over trajectories and angles, as the paper reports
them; the CRPS of the ``M`` trajectories per time and the Ramachandran JS divergence are added.
The scores come either inside a result file (``trajectory_scores``, written by
``benchmarks/run.py`` for MD tasks) or from a side file of schema ``idff-ts-trajectory/1``
written after the run by ``benchmarks/md_trajectory_scores.py``
(``<folder>/<profile>/<task>/<row>__nfe<N>__seed<S>.json``). A side file is used only while its
profile, task, row, seed, checkpoint sha256 and data version are the result file's (otherwise it
scored another model or other data and is skipped with a warning).
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from pathlib import Path
from typing import Any

from idff_ts.errors import DataError

SCHEMA = "idff-ts-trajectory/1"
SCORES = ("mae", "rmse", "cc", "crps", "ramachandran_js")
MATCH = ("profile", "task", "method", "seed", "checkpoint_sha256", "data_version")
log = logging.getLogger(__name__)


def load_side_files(root: Path | None) -> dict[tuple, dict[str, Any]]:
    """Side files under ``root`` keyed by (profile, task, method, seed); ``{}`` without a folder."""
    if root is None or not Path(root).is_dir():
        return {}
    out: dict[tuple, dict[str, Any]] = {}
    for path in sorted(Path(root).glob("*/*/*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise DataError(f"{path}: expected a JSON trajectory-score file, found invalid "
                            "JSON") from None
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
            raise DataError(f"{path}: not a trajectory-score file of schema {SCHEMA!r} (found "
                            f"{found!r})")
        if not isinstance(doc.get("trajectory_scores"), dict) or any(k not in doc for k in MATCH):
            raise DataError(f"{path}: a {SCHEMA} file needs the fields {list(MATCH)} and "
                            "'trajectory_scores' (an object)")
        out[tuple(doc[k] for k in MATCH[:4])] = doc
    return out


def attach(results: list[dict[str, Any]], side: dict[tuple, dict[str, Any]]) -> int:
    """Give each result without ``trajectory_scores`` those of its matching side file; returns
    how many were attached. Side files that match no result file are reported in a warning."""
    used, stale = 0, 0
    unmatched = set(side) - {tuple(res.get(k) for k in MATCH[:4]) for res in results}
    if unmatched:
        log.warning("leaderboard: %d trajectory-score files have no result file (profile, task, "
                    "row, seed); not used", len(unmatched))
    for res in results:
        doc = side.get(tuple(res.get(k) for k in MATCH[:4]))
        if doc is None or isinstance(res.get("trajectory_scores"), dict):
            continue
        if all(doc[k] == res.get(k) for k in MATCH):  # scored after the run: not its cost
            res["trajectory_scores"] = {**doc["trajectory_scores"], "after_the_run": True}
            used += 1
        else:
            stale += 1
    if stale:
        log.warning("leaderboard: %d trajectory-score files were made with another checkpoint or "
                    "data version than their result files; not used", stale)
    return used


def _mean_sd(values: list[Any]) -> tuple[float, float]:
    vals = [float(v) for v in values if isinstance(v, int | float) and math.isfinite(float(v))]
    if not vals:
        return math.nan, math.nan
    return statistics.fmean(vals), (statistics.stdev(vals) if len(vals) > 1 else math.nan)


def trajectory_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (profile, task, method) with trajectory scores: mean ± sd over seeds."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in results:
        if isinstance(r.get("trajectory_scores"), dict):
            groups.setdefault((r["profile"], r["task"], r["method"]), []).append(r)
    rows = []
    for (profile, task, method), rs in sorted(groups.items()):
        ts = [r["trajectory_scores"] for r in sorted(rs, key=lambda r: r["seed"])]
        row: dict[str, Any] = {"profile": profile, "task": task, "method": method,
                               "seeds": [r["seed"] for r in rs],
                               "members": sorted({t.get("members") for t in ts}, key=str),
                               "steps": sorted({t.get("steps") for t in ts}, key=str),
                               "nfe_counted": _mean_sd([t.get("nfe_counted") for t in ts])[0]}
        for k in SCORES:
            row[k], row[f"{k}_sd"] = _mean_sd([t.get(k) for t in ts])
        rows.append(row)
    return rows


def _pm(row: dict[str, Any], key: str, fmt: str) -> str:
    mean, sd = row[key], row[f"{key}_sd"]
    if not math.isfinite(mean):
        return "–"
    return format(mean, fmt) + ("" if not math.isfinite(sd) else " ± " + format(sd, fmt))


def trajectory_table(trows: list[dict[str, Any]]) -> list[str]:
    """Markdown: one task's per-trajectory scores, lowest mean MAE first."""
    if not trows:
        return []
    steps = ", ".join(str(s) for s in trows[0]["steps"])
    lines = [f"Generated trajectories, the IDFF paper's protocol: from the test run's first "
             f"frame, M trajectories of {steps} steps (the model only ever sees its own states); "
             "MAE, RMSE (wrapped, degrees) and circular CC per trajectory and angle over time, "
             "averaged over trajectories and angles; CRPS (circular) of the M trajectories per "
             "time; Ramachandran JS (bits) against the test run. Mean ± sd over training seeds; "
             "the generation seed is the row's seed, the sampler the one reported above. CC is "
             "undefined (–) for constant trajectories.", "",
             "| row | M | seeds | NFE (counted) | MAE (°) | RMSE (°) | CC | CRPS (°) "
             "| Ramachandran JS |", "|" + "---|" * 9]
    order = sorted(trows, key=lambda r: r["mae"] if math.isfinite(r["mae"]) else math.inf)
    for r in order:
        members = ", ".join(str(m) for m in r["members"])
        lines.append(f"| {r['method']} | {members} | {len(r['seeds'])} | {r['nfe_counted']:.2f} | "
                     f"{_pm(r, 'mae', '.2f')} | {_pm(r, 'rmse', '.2f')} | {_pm(r, 'cc', '.3f')} | "
                     f"{_pm(r, 'crps', '.2f')} | {_pm(r, 'ramachandran_js', '.3f')} |")
    return lines


__all__ = ["SCHEMA", "attach", "load_side_files", "trajectory_rows", "trajectory_table"]
