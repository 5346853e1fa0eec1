"""Render the leaderboard from result files only (evaluation.md §3).

Reads every ``results/runs/<profile>/<task>/*.json`` written by ``benchmarks/run.py`` (nothing
else: no model, no data) and writes, next to ``results/``:

- ``leaderboard.csv``: one row per (profile, task, method, NFE setting), scores averaged over
  seeds; CRPS ecdf and fair, MSE, RMSE, SSR as the mean over leads and per lead
  (``crps_ecdf_lead1`` …), counted NFE, wall time, ensemble size, seeds, sizes;
- ``leaderboard.md``: per task the sizes, the table of every row, the per-lead tables of each
  method at its best setting, and the **headline**: the best CRPS (ecdf) any method reaches at
  ≤ 100 counted NFE, and for IDFF and each baseline the lowest counted NFE at which it comes
  within 2 % of that best (or its own best, when it never does);
- ``leaderboard_lead.png``, ``leaderboard_nfe.png``, ``leaderboard_wall.png``: CRPS versus
  lead, versus counted NFE and versus forecast wall time.

    python benchmarks/leaderboard.py --docs docs/src/leaderboard.md   # what is committed
    python benchmarks/leaderboard.py --profile quick

The renderer lives in the package (:mod:`idff_ts.leaderboard`, also ``idff-ts leaderboard``);
this script only parses its flags and calls :func:`idff_ts.leaderboard.render`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from idff_ts.errors import DataError
from idff_ts.leaderboard import render
from idff_ts.leaderboard.results import (  # noqa: F401 - the script's historical names
    HEADLINE_MAX_NFE,
    HEADLINE_TOL,
    SCHEMA,
    aggregate,
    headline,
    load_results,
)

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=RESULTS / "runs")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--profile", default=None)
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--docs", type=Path, default=None,
                    help="also write the docs page here (docs/src/leaderboard.md)")
    args = ap.parse_args(argv)
    try:
        n = render(args.runs, args.out, profile=args.profile, plots=not args.no_plots,
                   docs=args.docs)
    except DataError as exc:
        raise SystemExit(str(exc)) from None
    print(f"{n} result files → {args.out}/leaderboard.{{md,csv}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
