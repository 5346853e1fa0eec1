"""The benchmark leaderboard, rendered from result files only (evaluation.md §3).

Part of the installed package so that ``idff-ts leaderboard`` never imports or runs a file
found on disk: it reads the JSON result files written by ``benchmarks/run.py``
(``<runs>/<profile>/<task>/*.json``) and writes into ``out``:

- ``leaderboard.csv``: one row per (profile, task, method, NFE setting), scores averaged over
  seeds (means over leads and per lead), counted NFE, wall time, ensemble size, seeds, sizes;
- ``leaderboard.md``: per task the sizes, every row, the per-lead tables of each method at its
  best setting, and the headline (best CRPS at ≤ 100 counted NFE, and for each method the
  lowest NFE within 2 % of it);
- ``leaderboard_headline.json`` and, unless ``plots=False``, ``leaderboard_lead.png``,
  ``leaderboard_nfe.png``, ``leaderboard_wall.png``.

``benchmarks/leaderboard.py`` is a thin script over :func:`render`.
"""

from __future__ import annotations

import json
from pathlib import Path

from idff_ts.errors import DataError
from idff_ts.leaderboard.pages import docs_page, markdown
from idff_ts.leaderboard.results import aggregate, headline, load_results, write_csv


def render(runs: Path, out: Path, *, profile: str | None = None, plots: bool = True,
           docs: Path | None = None) -> int:
    """Write the leaderboard of the result files under ``runs`` into ``out``; returns their count.

    Raises :class:`DataError` for a missing folder, no result files (of ``profile``), or a file
    that is not a JSON result file.
    """
    runs, out = Path(runs), Path(out)
    results = load_results(runs, profile)
    if not results:
        which = f" of profile {profile!r}" if profile else ""
        raise DataError(f"no result files{which} under {runs}; run benchmarks/run.py first")
    rows = aggregate(results)
    heads = {p: headline([r for r in rows if r["profile"] == p])
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
    (out / "leaderboard.md").write_text(markdown(rows, figures))
    (out / "leaderboard_headline.json").write_text(json.dumps(heads, indent=1))
    if docs is not None:
        Path(docs).write_text(docs_page(rows))
    return len(results)


__all__ = ["aggregate", "docs_page", "headline", "load_results", "markdown", "render", "write_csv"]
