"""Benchmark result files → leaderboard rows: load (schema-checked), average over seeds,
headline, CSV (evaluation.md §3).

Result files are data: JSON read with :func:`json.loads`, nothing is imported or executed. A
file that is not JSON, or not of the result schema, is a one-line
:class:`~idff_ts.errors.DataError` naming it.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from idff_ts.errors import DataError

SCHEMA = "idff-ts-result/1"
HEADLINE_MAX_NFE = 100.0
HEADLINE_TOL = 0.02
MEAN_METRICS = ("crps_ecdf", "crps_fair", "mse", "rmse", "ssr")
REFERENCE = ("persistence", "climatology")


def load_results(root: Path, profile: str | None = None) -> list[dict[str, Any]]:
    """Every result file under ``root`` (``<profile>/<task>/*.json``), schema-checked."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"no result folder {str(root)!r}; expected benchmarks/results/runs of a "
                        "checkout (run benchmarks/run.py first) or pass --runs FOLDER")
    out = []
    for path in sorted(root.glob("*/*/*.json")):
        res = _read_json(path)
        if not isinstance(res, dict) or res.get("schema") != SCHEMA:
            raise DataError(f"{path}: not a result file of schema {SCHEMA!r}")
        if profile is None or res.get("profile") == profile:
            res["_path"] = str(path)
            out.append(res)
    return out


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise DataError(f"{path}: expected a JSON result file, found invalid JSON ({detail})") from None


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



__all__ = ["HEADLINE_MAX_NFE", "HEADLINE_TOL", "MEAN_METRICS", "REFERENCE", "SCHEMA",
           "aggregate", "headline", "load_results", "write_csv"]
