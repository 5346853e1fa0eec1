"""The benchmark leaderboard, rendered from result files only (evaluation.md §3).

Part of the installed package so that ``idff-ts leaderboard`` never imports or runs a file
found on disk: it reads the JSON result files of schema ``idff-ts-result/2`` written by
``benchmarks/run.py`` (``<runs>/<profile>/<task>/*.json``; older schemas are skipped) and writes
into ``out``:

- ``leaderboard.csv``: one row per (profile, task, row): the mean and sd over training seeds of
  CRPS (ecdf and fair), MSE, MAE, CC (ensemble mean against truth) and SSR, counted NFE, seeds,
  configurations tried, best epochs and whether the epoch cap was hit;
- ``leaderboard.md``: per task that table and the **verdicts**: IDFF against every other row,
  "A beats B" only when the paired bootstrap over test inits and seeds
  (:mod:`idff_ts.leaderboard.bootstrap`) gives a 95 % interval of the CRPS difference excluding
  0, otherwise "tied" with the interval; the JVPs in forward-pass equivalents, measured
  (:mod:`idff_ts.leaderboard.jvp`); for the MD tasks the per-trajectory scores of the IDFF
  paper's protocol (:mod:`idff_ts.leaderboard.trajectories`); per profile how long it took,
  summed from the recorded wall times (:mod:`idff_ts.leaderboard.compute`);
- ``leaderboard_headline.json`` (the verdicts, per profile and task) and, unless ``plots=False``,
  ``leaderboard_lead.png``, ``leaderboard_nfe.png``, ``leaderboard_wall.png``.

``benchmarks/leaderboard.py`` is a thin script over :func:`render`.
"""

from __future__ import annotations

import json
from pathlib import Path

from idff_ts.errors import DataError
from idff_ts.leaderboard.compute import compute_time
from idff_ts.leaderboard.jvp import annotate, load_ratios
from idff_ts.leaderboard.pages import docs_page, markdown
from idff_ts.leaderboard.results import aggregate, headline, load_results, verdicts, write_csv
from idff_ts.leaderboard.trajectories import attach, load_side_files, trajectory_rows


def render(runs: Path, out: Path, *, profile: str | None = None, plots: bool = True,
           docs: Path | None = None, jvp_cost: Path | None = None,
           trajectories: Path | None = None) -> int:
    """Write the leaderboard of the result files under ``runs`` into ``out``; returns their count.

    ``jvp_cost`` (default ``<runs>/../jvp_cost.json``) holds the measured JVP / forward-pass
    ratios; ``trajectories`` (default ``<runs>/../trajectory_scores``) the MD tasks'
    per-trajectory side files. Either may be absent.

    Raises :class:`DataError` for a missing folder, no result files (of ``profile``), or a file
    that is not a JSON result file (or a malformed JVP-cost or trajectory-score file).
    """
    runs, out = Path(runs), Path(out)
    results = load_results(runs, profile)
    if not results:
        which = f" of profile {profile!r}" if profile else ""
        raise DataError(f"no result files (schema 2){which} under {runs}; run benchmarks/run.py "
                        "first")
    attach(results, load_side_files(trajectories or runs.parent / "trajectory_scores"))
    rows = aggregate(results)
    ratios = load_ratios(jvp_cost or runs.parent / "jvp_cost.json")
    annotate(rows, ratios)
    extras = {"jvp_ratios": ratios, "trajectory_rows": trajectory_rows(results),
              "compute": compute_time(results)}
    verdict_maps = {p: verdicts([r for r in rows if r["profile"] == p])
                    for p in sorted({r["profile"] for r in rows})}
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the leaderboard folder {str(out)!r}: {exc.strerror}") from None
    figures: list[str] = []
    if plots:
        from idff_ts.leaderboard.plots import plot

        figures = plot(rows, out)
    write_csv(rows, out / "leaderboard.csv")
    (out / "leaderboard.md").write_text(markdown(rows, verdict_maps, figures, extras))
    heads = {p: headline(v) for p, v in verdict_maps.items()}
    (out / "leaderboard_headline.json").write_text(json.dumps(heads, indent=1))
    if docs is not None:
        Path(docs).write_text(docs_page(rows, verdict_maps, extras))
    return len(results)


__all__ = ["aggregate", "docs_page", "headline", "load_results", "markdown", "render", "verdicts",
           "write_csv"]
