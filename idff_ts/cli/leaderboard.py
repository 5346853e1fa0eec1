"""``idff-ts leaderboard``: render the benchmark leaderboard from result files only.

The renderer is part of the package (:mod:`idff_ts.leaderboard`): the command reads JSON result
files and never imports or runs a file found on disk. By default it reads
``benchmarks/results/runs`` of the current folder (a checkout of the repository, where
``benchmarks/run.py`` writes them) and writes into ``benchmarks/results``.
"""

from __future__ import annotations

from pathlib import Path

import typer

RESULTS = Path("benchmarks") / "results"


def leaderboard_cmd(
    runs: Path | None = typer.Option(
        None, "--runs", help="Folder of result files (default: benchmarks/results/runs)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Folder for leaderboard.md/.csv/.png (default: benchmarks/results)."
    ),
    docs: Path | None = typer.Option(None, "--docs", help="Also write the docs page here."),
    profile: str | None = typer.Option(None, "--profile", help="Only this profile (quick, paper)."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Tables only."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary."),
) -> None:
    """Render the leaderboard (Markdown, CSV, plots, headline) from benchmark result files."""
    from idff_ts.leaderboard import render

    out = output or RESULTS
    n = render(runs or RESULTS / "runs", out, profile=profile, plots=not no_plots, docs=docs)
    if not quiet:
        typer.echo(f"{n} result files → {out}/leaderboard.{{md,csv}}")


__all__ = ["leaderboard_cmd"]
