"""How long a benchmark profile took: sums of the wall times its result files record
(issue 11, "say how long it took").

Per result file: ``train_wall_s`` (training of that seed's model, or the statsforecast fit) and
``wall_s`` (the test forecast), plus the generation time of ``trajectory_scores`` when the run
wrote them (not when ``benchmarks/md_trajectory_scores.py`` added them afterwards). The configurations searched on validation are counted once per row: result files
that record each configuration's ``train_wall_s`` and ``val_wall_s`` give the tuning time (the
seed that tuned reuses the chosen configuration's model, so its ``train_wall_s`` is not added
again); older files record only the chosen configuration's training (the tuning seed's
``train_wall_s``), and the other configurations' training and every validation scoring are
counted as *not recorded*: the sums are then lower bounds. Load averages and machines come from
each file's provenance; the machine is shared, so wall times include waiting for the CPU.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any


def _num(x: Any) -> float:
    return float(x) if isinstance(x, int | float) and math.isfinite(float(x)) else 0.0


def _tuning(r: dict[str, Any]) -> tuple[float, int, bool]:
    """(recorded tuning seconds, configurations not timed, whether every one was timed)."""
    tried = (r.get("selection") or {}).get("configurations_tried") or []
    if tried and all("train_wall_s" in t and "val_wall_s" in t for t in tried):
        return sum(_num(t["train_wall_s"]) + _num(t["val_wall_s"]) for t in tried), 0, True
    return 0.0, max(0, len(tried) - 1), False


def _file_cost(r: dict[str, Any], tuned_rows: set[tuple]) -> dict[str, float]:
    row = (r["profile"], r["task"], r["method"])
    tuned_with = (r.get("selection") or {}).get("tuned_with_seed", 0)
    tuning, untimed, timed = _tuning(r)
    first_of_row = row not in tuned_rows
    tuned_rows.add(row)
    train = _num(r.get("train_wall_s"))
    if timed and r["seed"] == tuned_with:  # that model is one of the timed configurations
        train = 0.0
    traj = r.get("trajectory_scores")
    return {"train_s": train, "forecast_s": _num(r.get("wall_s")) + (
                _num(traj.get("wall_s")) if isinstance(traj, dict)
                and not traj.get("after_the_run") else 0.0),
            "tuning_s": tuning if first_of_row else 0.0,
            "untimed_configs": untimed if first_of_row else 0}


def _when(r: dict[str, Any]) -> dt.datetime | None:
    stamp = (r.get("provenance") or {}).get("timestamp")
    try:
        return dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None


def compute_time(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per profile, per task: summed seconds, untimed configurations, load and machines."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    tuned: set[tuple] = set()
    for r in sorted(results, key=lambda r: (r["profile"], r["task"], r["method"], r["seed"])):
        t = out.setdefault(r["profile"], {}).setdefault(r["task"], {
            "files": 0, "train_s": 0.0, "tuning_s": 0.0, "forecast_s": 0.0,
            "untimed_configs": 0, "loads": [], "machines": set(), "threads": set(), "times": []})
        for key, value in _file_cost(r, tuned).items():
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


def compute_section(tasks: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown: one profile's summed compute time per task and in total."""
    lines = ["| task | result files | training | tuning (timed) | test forecasts | sum | "
             "configurations not timed | load average (1 min) | result files written |",
             "|" + "---|" * 9]
    total = {k: 0.0 for k in ("train_s", "tuning_s", "forecast_s", "total_s")}
    untimed, loads, machines, threads = 0, [], set(), set()
    for task, t in sorted(tasks.items()):
        load = f"{min(t['loads']):.1f}–{max(t['loads']):.1f}" if t["loads"] else "–"
        lines.append(f"| {task} | {t['files']} | {_hm(t['train_s'])} | {_hm(t['tuning_s'])} | "
                     f"{_hm(t['forecast_s'])} | {_hm(t['total_s'])} | {t['untimed_configs']} | "
                     f"{load} | {_span(t['times'])} |")
        for k in total:
            total[k] += t[k]
        untimed += t["untimed_configs"]
        loads += t["loads"]
        machines |= t["machines"]
        threads |= t["threads"]
    lines.append(f"| **all** | {sum(t['files'] for t in tasks.values())} | "
                 f"{_hm(total['train_s'])} | {_hm(total['tuning_s'])} | "
                 f"{_hm(total['forecast_s'])} | **{_hm(total['total_s'])}** | {untimed} | "
                 + (f"{min(loads):.1f}–{max(loads):.1f}" if loads else "–") + " | |")
    lines += ["", "Sums of the wall times recorded in the result files (training, the timed "
              "tuning trials, test forecasts), not a measurement of the whole run: data "
              "loading and simulation are not included"
              + (f", and the training and validation scoring of {untimed} configurations "
                 "searched on validation but not chosen were not timed by these result files, "
                 "so the sums are lower bounds" if untimed else "") + ". Machine: "
              + "; ".join(sorted(machines)) + f", torch threads {', '.join(sorted(threads))}; "
              "shared with other work (the load average column), so wall times include "
              "waiting for a CPU."
              + (" The tasks' runs overlapped in time (see the last column), so the elapsed "
                 "time was shorter than the sum." if _overlap(tasks) else ""), ""]
    return lines


__all__ = ["compute_section", "compute_time"]
