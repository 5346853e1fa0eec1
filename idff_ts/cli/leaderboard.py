"""``idff-ts leaderboard``: render the benchmark leaderboard from result files only.

A thin delegate to ``benchmarks/leaderboard.py`` of a checkout of the repository (the runner and
its result files live next to the code that produced them, not in the installed package):
found from the current directory upwards, else next to the imported ``idff_ts``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import typer

from idff_ts.errors import DataError

SCRIPT = Path("benchmarks") / "leaderboard.py"


def find_script(start: Path | None = None) -> Path:
    """``benchmarks/leaderboard.py`` of the checkout holding ``start`` (or this package)."""
    import idff_ts

    start = (start or Path.cwd()).resolve()
    candidates = [p / SCRIPT for p in (start, *start.parents)]
    candidates.append(Path(idff_ts.__file__).resolve().parents[1] / SCRIPT)
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(
        "idff-ts leaderboard renders the result files of a checkout of the idff-ts repository "
        f"({SCRIPT}); none found above {start}. Run it inside a checkout, or run "
        f"`python {SCRIPT}` there"
    )


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("idff_ts_bench_leaderboard", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


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
) -> None:
    """Render the leaderboard (Markdown, CSV, plots, headline) from benchmark result files."""
    script = find_script()
    module = _load(script)
    argv: list[str] = []
    for flag, value in (("--runs", runs), ("--out", output), ("--docs", docs), ("--profile", profile)):
        if value is not None:
            argv += [flag, str(value)]
    if no_plots:
        argv.append("--no-plots")
    try:
        module.main(argv)
    except SystemExit as exc:  # the script's own "no result files" message
        if exc.code not in (0, None):
            raise DataError(str(exc.code)) from None


__all__ = ["find_script", "leaderboard_cmd"]
