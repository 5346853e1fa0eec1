"""How long a benchmark profile took: sums of the wall times its result files record
(issue 11, "say how long it took").

Per result file: ``train_wall_s`` (training of that seed's model, or the statsforecast fit) and
``wall_s`` (the test forecast), plus the generation time of ``trajectory_scores`` when the run
wrote them (not when ``benchmarks/md_trajectory_scores.py`` added them afterwards). The configurations searched on validation are counted once per row: result files
that record each configuration's ``train_wall_s`` and ``val_wall_s`` give the tuning time (the
seed that tuned reuses the chosen configuration's model, so its ``train_wall_s`` is not added
again); older files record only the chosen configuration's training (the tuning seed's
``train_wall_s``), and the other configurations' training and every validation scoring are
counted as *not recorded*: the sums are then lower bounds. A training that ``run.py --resume``
reused or continued (``training.resume``) records only this run's part of it; such trainings are
counted (``resumed``), since their earlier time is in older result files. Load averages and
machines come from each file's provenance; the machine is shared, so wall times include waiting
for the CPU.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any


def _num(x: Any) -> float:
    return float(x) if isinstance(x, int | float) and math.isfinite(float(x)) else 0.0


def _tuning(r: dict[str, Any]) -> tuple[float, int, int, bool]:
    """(recorded tuning seconds, configurations not timed, models among them other than the
    chosen one's, whether every configuration was timed)."""
    sel = r.get("selection") or {}
    tried = sel.get("configurations_tried") or []
    if tried and all("train_wall_s" in t and "val_wall_s" in t for t in tried):
        return sum(_num(t["train_wall_s"]) + _num(t["val_wall_s"]) for t in tried), 0, 0, True
    chosen = json.dumps((sel.get("chosen") or {}).get("model"), sort_keys=True)
    models = {json.dumps((t.get("config") or {}).get("model"), sort_keys=True) for t in tried}
    return 0.0, max(0, len(tried) - 1), len(models - {chosen}), False


RESUMED = ("reuse", "continue")


def _resumed(r: dict[str, Any], first_of_row: bool, own_is_tried: bool) -> int:
    """Trainings of this file (its seed's, and the row's tried configurations with its first
    file) that an earlier run started: their earlier wall time is not in this file."""
    tried = (r.get("selection") or {}).get("configurations_tried") or []
    n = sum((t.get("training") or {}).get("resume") in RESUMED and not t.get("reused_model")
            for t in tried) if first_of_row else 0
    own = (r.get("training") or {}).get("resume") in RESUMED and not own_is_tried
    return n + int(own)


def _file_cost(r: dict[str, Any], first_of_row: bool, row_train_s: float) -> dict[str, float]:
    """Seconds of one result file; the row's tuning goes with its first file. ``row_train_s``:
    the row's mean training time per seed (the estimate for an untimed configuration)."""
    tuned_with = (r.get("selection") or {}).get("tuned_with_seed", 0)
    tuning, untimed, models, timed = _tuning(r)
    train = _num(r.get("train_wall_s"))
    own_is_tried = timed and r["seed"] == tuned_with
    if own_is_tried:  # that model is one of the timed configurations
        train = 0.0
    traj = r.get("trajectory_scores")
    return {"train_s": train, "forecast_s": _num(r.get("wall_s")) + (
                _num(traj.get("wall_s")) if isinstance(traj, dict)
                and not traj.get("after_the_run") else 0.0),
            "tuning_s": tuning if first_of_row else 0.0,
            "untimed_configs": untimed if first_of_row else 0,
            "untimed_estimate_s": models * row_train_s if first_of_row else 0.0,
            "resumed": _resumed(r, first_of_row, own_is_tried)}


def _when(r: dict[str, Any]) -> dt.datetime | None:
    stamp = (r.get("provenance") or {}).get("timestamp")
    try:
        return dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None


def compute_time(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per profile, per task: summed seconds, untimed configurations, load and machines."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    by_row: dict[tuple, list[float]] = {}
    for r in results:
        by_row.setdefault((r["profile"], r["task"], r["method"]), []).append(
            _num(r.get("train_wall_s")))
    seen: set[tuple] = set()
    for r in sorted(results, key=lambda r: (r["profile"], r["task"], r["method"], r["seed"])):
        row = (r["profile"], r["task"], r["method"])
        t = out.setdefault(r["profile"], {}).setdefault(r["task"], {
            "files": 0, "train_s": 0.0, "tuning_s": 0.0, "forecast_s": 0.0,
            "untimed_configs": 0, "untimed_estimate_s": 0.0, "resumed": 0, "loads": [],
            "machines": set(), "threads": set(), "times": []})
        cost = _file_cost(r, row not in seen, sum(by_row[row]) / len(by_row[row]))
        seen.add(row)
        for key, value in cost.items():
            t[key] += value
        t["files"] += 1
        prov = r.get("provenance") or {}
        if isinstance(prov.get("load_average_1min"), int | float):
            t["loads"].append(float(prov["load_average_1min"]))
        t["machines"].add(str(prov.get("machine", "unknown machine")))
        t["threads"].add(str(prov.get("torch_threads", "?")))
        if (when := _when(r)) is not None:
            t["times"].append(when)
    for tasks in out.values():
        for t in tasks.values():
            t["total_s"] = t["train_s"] + t["tuning_s"] + t["forecast_s"]
    return out


def _hm(seconds: float) -> str:
    minutes = seconds / 60.0
    return f"{minutes:.1f} min" if minutes < 120 else f"{minutes / 60:.2f} h"


def _span(times: list[dt.datetime]) -> str:
    if not times:
        return "–"
    lo, hi = min(times), max(times)
    return f"{lo:%H:%M}–{hi:%H:%M} UTC {lo:%Y-%m-%d}" if lo.date() == hi.date() else \
        f"{lo:%Y-%m-%d %H:%M} – {hi:%Y-%m-%d %H:%M}"


def _overlap(tasks: dict[str, dict[str, Any]]) -> bool:
    spans = sorted((min(t["times"]), max(t["times"])) for t in tasks.values() if t["times"])
    return any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))


def _cells(name: str, t: dict[str, Any]) -> str:
    tuning = "not timed" if t["untimed_configs"] and not t["tuning_s"] else _hm(t["tuning_s"])
    load = f"{min(t['loads']):.1f}–{max(t['loads']):.1f}" if t["loads"] else "–"
    estimate = f"≈ {_hm(t['untimed_estimate_s'])}" if t["untimed_configs"] else "–"
    total = f"**{_hm(t['total_s'])}**" if name == "**all**" else _hm(t["total_s"])
    return (f"| {name} | {t['files']} | {_hm(t['train_s'])} | {tuning} | {_hm(t['forecast_s'])} "
            f"| {total} | {t['untimed_configs']} | {estimate} | {t['resumed']} | {load} "
            f"| {_span(t['times'])} |")


def _note(untimed: int, resumed: int, machines: set[str], threads: set[str],
          overlap: bool) -> str:
    text = ("Sums of the wall times recorded in the result files (training, the timed tuning "
            "trials, test forecasts), not a measurement of the whole run: data loading and "
            "simulation are not included.")
    if untimed:
        text += (f" These result files time only each learned row's chosen configuration (its "
                 f"training is the tuning seed's): the other {untimed} configurations searched "
                 "on validation and the validation scoring of every configuration were not "
                 "timed, so the sums are lower bounds. The *estimate* column is not a "
                 "measurement: it prices each untimed configuration that trained a model of its "
                 "own (configurations that differ from the chosen one only in γ1 share its "
                 "model) at its row's mean training time per seed.")
    if resumed:
        text += (f" {resumed} trainings (column *resumed*) were reused or continued by "
                 "`run.py --resume` from an earlier run (e.g. under a lower epoch cap): only "
                 "this run's part of their training is in the sums (none for a reused one), so "
                 "those sums are lower bounds too; the earlier part is in the result files "
                 "that run wrote (git history).")
    text += (" Machine: " + "; ".join(sorted(machines)) + f", torch threads "
             f"{', '.join(sorted(threads))}; shared with other work (the load average column), "
             "so wall times include waiting for a CPU.")
    if overlap:
        text += (" Some of the tasks' runs overlapped in time (last column), so the elapsed time was "
                 "shorter than the sum.")
    return text


def compute_section(tasks: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown: one profile's summed compute time per task and in total."""
    lines = ["| task | result files | training | tuning | test forecasts | sum | configurations "
             "not timed | their training (estimate) | resumed | load average (1 min) | result "
             "files written |", "|" + "---|" * 11]
    keys = ("files", "train_s", "tuning_s", "forecast_s", "total_s", "untimed_configs",
            "untimed_estimate_s", "resumed")
    total: dict[str, Any] = {k: 0 for k in keys} | {"loads": [], "times": []}
    machines: set[str] = set()
    threads: set[str] = set()
    for task, t in sorted(tasks.items()):
        lines.append(_cells(task, t))
        for k in keys:
            total[k] += t[k]
        total["loads"] += t["loads"]
        machines |= t["machines"]
        threads |= t["threads"]
    lines.append(_cells("**all**", total).rsplit("|", 2)[0] + "| |")
    note = _note(total["untimed_configs"], total["resumed"], machines, threads, _overlap(tasks))
    return [*lines, "", note, ""]


__all__ = ["compute_section", "compute_time"]
