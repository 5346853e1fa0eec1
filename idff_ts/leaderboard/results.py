"""Benchmark result files → leaderboard rows: load (schema-checked), mean ± sd over seeds,
IDFF-vs-row verdicts, CSV (evaluation.md §3, issue 11).

Result files are data: JSON read with :func:`json.loads`, nothing is imported or executed. A
file that is not JSON, not a result file, or a schema-2 file missing a field the leaderboard
reads is a one-line :class:`~idff_ts.errors.DataError` naming it. Result files of an older
schema (``idff-ts-result/1``, written before the fair-contest rules) are skipped with a warning.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from idff_ts.errors import DataError
from idff_ts.leaderboard.bootstrap import paired_difference, verdict
from idff_ts.leaderboard.jvp import jvp_per_slot

SCHEMA = "idff-ts-result/2"
OLD_SCHEMAS = ("idff-ts-result/1",)
METRICS = ("crps_ecdf", "crps_fair", "mse", "mae", "cc", "ssr")
ONE_MEMBER = ("persistence",)
PRODUCT = "idff"
#: Fields every schema-2 result file must have, with the type the leaderboard reads.
REQUIRED = {"task": str, "method": str, "profile": str, "seed": int, "members": int,
            "nfe_setting": int, "nfe_counted": (int, float), "wall_s": (int, float),
            "mean_over_leads": dict, "per_init_crps_ecdf": list}

log = logging.getLogger(__name__)


def load_results(root: Path, profile: str | None = None) -> list[dict[str, Any]]:
    """Every schema-2 result file under ``root`` (``<profile>/<task>/*.json``), checked."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"no result folder {str(root)!r}; expected benchmarks/results/runs of a "
                        "checkout (run benchmarks/run.py first) or pass --runs FOLDER")
    out, skipped = [], 0
    for path in sorted(root.glob("*/*/*.json")):
        res = _read_json(path)
        schema = res.get("schema") if isinstance(res, dict) else None
        if schema in OLD_SCHEMAS:
            skipped += 1
            continue
        if schema != SCHEMA:
            raise DataError(f"{path}: not a result file of schema {SCHEMA!r} (found {schema!r})")
        _check_fields(path, res)
        if profile is None or res["profile"] == profile:
            out.append(res)
    if skipped:
        log.warning("leaderboard: skipped %d result files of older schemas %s (not under the "
                    "fair-contest rules)", skipped, list(OLD_SCHEMAS))
    return out


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise DataError(f"{path}: expected a JSON result file, found invalid JSON ({detail})") from None


def _check_fields(path: Path, res: dict[str, Any]) -> None:
    for key, kind in REQUIRED.items():
        value = res.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise DataError(f"{path}: field {key!r} of a {SCHEMA} result file: expected "
                            f"{_kind_name(kind)}, found {value!r}"[:300])
    if not all(isinstance(v, int | float) for v in res["per_init_crps_ecdf"]):
        raise DataError(f"{path}: field 'per_init_crps_ecdf': expected a list of numbers")


def _kind_name(kind: Any) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", float: "a number", dict: "an object",
             list: "a list"}
    return " or ".join(names[k] for k in kinds)


def _stats(values: list[Any]) -> tuple[float, float]:
    vals = [float(v) for v in values if isinstance(v, int | float) and math.isfinite(float(v))]
    if not vals:
        return float("nan"), float("nan")
    return statistics.fmean(vals), (statistics.stdev(vals) if len(vals) > 1 else float("nan"))


def _by_lead(rs: list[dict[str, Any]], metric: str) -> list[float] | None:
    per = [r["metrics"][metric] for r in rs
           if isinstance(r.get("metrics"), dict) and isinstance(r["metrics"].get(metric), list)]
    if not per or len({len(p) for p in per}) != 1:
        return None
    return [_stats([p[i] for p in per])[0] for i in range(len(per[0]))]


def aggregate(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (profile, task, row): mean ± sd over seeds of every metric."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        groups[(r["profile"], r["task"], r["method"])].append(r)
    rows = []
    for (profile, task, method), rs in sorted(groups.items()):
        rs = sorted(rs, key=lambda r: r["seed"])
        selection = rs[0].get("selection") or {}
        train = [r.get("training") or {} for r in rs]
        row: dict[str, Any] = {
            "profile": profile, "task": task, "method": method,
            "nfe_setting": rs[0]["nfe_setting"], "members": rs[0]["members"],
            "seeds": [r["seed"] for r in rs], "leads": rs[0].get("leads"),
            "lead_units": rs[0].get("lead_units", ""),
            "nfe_counted": _stats([r["nfe_counted"] for r in rs])[0],
            "n_configurations": selection.get("n_configurations", 0),
            "chosen": selection.get("chosen"),
            "best_epochs": [t.get("best_epoch") for t in train],
            "cap_hit": any(t.get("cap_hit") for t in train),
            "per_init": {r["seed"]: r["per_init_crps_ecdf"] for r in rs},
            "wall_s": _stats([r["wall_s"] for r in rs])[0],
            "n_jvp": max(int(r.get("n_jvp", 0) or 0) for r in rs),
            "jvp_per_slot": _stats([jvp_per_slot(r) for r in rs])[0],
            "crps_ecdf_by_lead": _by_lead(rs, "crps_ecdf"),
        }
        for m in METRICS:
            row[m], row[f"{m}_sd"] = _stats([r["mean_over_leads"].get(m) for r in rs])
        rows.append(row)
    return rows


def verdicts(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per task: IDFF against every other row, by the paired bootstrap over inits and seeds
    (``rows`` of one profile: the tasks of different profiles are different experiments)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for task in sorted({r["task"] for r in rows}):
        trows = {r["method"]: r for r in rows if r["task"] == task}
        if PRODUCT not in trows:
            continue
        out[task] = []
        for name, other in sorted(trows.items()):
            if name == PRODUCT:
                continue
            res = _paired(trows[PRODUCT]["per_init"], other["per_init"])
            text = verdict(PRODUCT, name, res)
            if name in ONE_MEMBER:
                text += (" — an ensemble against a one-member forecast (its CRPS is its "
                         "absolute error)")
            out[task].append({"other": name, **(res or {}), "text": text})
    return out


def _paired(a: dict[int, list[float]], b: dict[int, list[float]]) -> dict[str, float] | None:
    """The bootstrap, or ``None`` when the two rows were not scored on the same inits."""
    if len({len(v) for v in (*a.values(), *b.values())}) != 1:
        return None
    return paired_difference(a, b)


def headline(verdict_map: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The verdicts as JSON (``leaderboard_headline.json``): interval and sentence per pair."""
    return {t: [{k: v for k, v in x.items() if k != "text"} | {"verdict": x["text"]} for x in vs]
            for t, vs in verdict_map.items()}


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    keys = ["profile", "task", "method", "nfe_setting", "nfe_counted", "members", "seeds",
            "n_configurations", *[k for m in METRICS for k in (m, f"{m}_sd")], "best_epochs",
            "cap_hit", "wall_s", "n_jvp", "jvp_per_slot", "jvp_ratio_measured",
            "jvp_fwd_equiv_measured"]
    with Path(path).open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(r[k]) if isinstance(r.get(k), list) else r.get(k))
                        for k in keys})


__all__ = ["METRICS", "ONE_MEMBER", "PRODUCT", "SCHEMA", "aggregate", "headline",
           "load_results", "verdicts", "write_csv"]
