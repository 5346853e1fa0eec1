"""Render the leaderboard from result files only (evaluation.md §3).

Reads every ``results/runs/<profile>/<task>/*.json`` of schema 2 written by ``benchmarks/run.py``
(nothing else: no model, no data; older schemas are skipped with a warning) and writes, next to
``results/``:

- ``leaderboard.csv``: one row per (profile, task, row): the mean and sd over training seeds of
  CRPS (ecdf and fair), MSE, MAE, CC (ensemble mean against truth, per lead then averaged) and
  SSR, counted NFE, seeds, configurations tried, best epochs and whether the epoch cap was hit;
- ``leaderboard.md``: per task that table and the **verdicts**: IDFF against every other row,
  "A beats B" only when the paired bootstrap over test inits and seeds gives a 95 % interval of
  the CRPS difference excluding 0, otherwise "tied" with the interval. Persistence is one
  member: its CRPS is an absolute error, and the fair reference for an ensemble is
  probabilistic persistence; the tables say so;
- ``leaderboard_headline.json`` (the verdicts) and ``leaderboard_lead.png``,
  ``leaderboard_nfe.png``, ``leaderboard_wall.png``: mean CRPS versus lead, counted NFE and
  forecast wall time.

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
    METRICS,
    SCHEMA,
    aggregate,
    headline,
    load_results,
    verdicts,
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
