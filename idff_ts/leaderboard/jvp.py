"""JVPs in forward-pass equivalents, measured (issue 11 item 5).

IDFF's γ2 correction takes one Jacobian-vector product (``torch.func.jvp``) per step; the
samplers count it as one network call and, separately, in ``n_jvp``. What a JVP costs is not
what a forward pass costs, so the leaderboard states it as *counted JVPs per member and slot ×
the measured wall-time ratio of one JVP to one forward pass of the task's backbone*. The ratios
come from ``benchmarks/jvp_cost.py`` (``benchmarks/results/jvp_cost.json``: per task the median
wall times of a forward pass and of a JVP through the same network, side by side in one run,
with provenance). A row with JVPs and no measured ratio for its task says *not measured*.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from idff_ts.errors import DataError

SCHEMA = "idff-ts-jvp-cost/1"


def load_ratios(path: Path | None) -> dict[str, dict[str, Any]]:
    """Per task the measurement (``ratio`` = JVP / forward wall time); ``{}`` without a file."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DataError(f"{path}: expected the JSON of benchmarks/jvp_cost.py, found invalid "
                        "JSON") from None
    tasks = doc.get("tasks") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(tasks, dict):
        raise DataError(f"{path}: not a JVP-cost file of schema {SCHEMA!r} with a 'tasks' object")
    for task, m in tasks.items():
        ratio = m.get("ratio") if isinstance(m, dict) else None
        if not isinstance(ratio, int | float) or not math.isfinite(ratio) or ratio <= 0:
            raise DataError(f"{path}: task {task!r}: expected a positive 'ratio', found {ratio!r}")
    return tasks


def jvp_per_slot(result: dict[str, Any]) -> float:
    """Counted JVPs per member and slot, in the units of ``nfe_counted`` (calls / horizon)."""
    n_jvp = float(result.get("n_jvp", 0) or 0)
    horizon = result.get("horizon") or len(result.get("leads") or []) or 1
    return n_jvp / float(horizon)


def jvp_cell(counted: float, ratio: float | None) -> str:
    """The table cell: ``0``, ``counted × ratio = equivalents`` or *not measured*."""
    if counted == 0:
        return "0"
    if ratio is None:
        return f"{counted:.2f} JVPs (cost not measured)"
    return f"{counted:.2f} × {ratio:.2f} = {counted * ratio:.2f}"


def jvp_equivalents(counted: float, ratio: float | None) -> float:
    """Counted JVPs × measured ratio (0 without JVPs, NaN when not measured)."""
    if counted == 0:
        return 0.0
    return math.nan if ratio is None else counted * ratio


def annotate(rows: list[dict[str, Any]], ratios: dict[str, dict[str, Any]]) -> None:
    """Add ``jvp_ratio_measured`` and ``jvp_fwd_equiv_measured`` to leaderboard rows."""
    for r in rows:
        ratio = (ratios.get(r["task"]) or {}).get("ratio")
        r["jvp_ratio_measured"] = ratio
        r["jvp_fwd_equiv_measured"] = jvp_equivalents(r["jvp_per_slot"], ratio)


__all__ = ["SCHEMA", "annotate", "jvp_cell", "jvp_equivalents", "jvp_per_slot", "load_ratios"]
