"""``idff-ts``: the command line. It translates flags into library calls, nothing more.

::

    idff-ts train    --task TASK -o runs/TASK                  # a built-in task (train --help)
    idff-ts forecast --checkpoint runs/TASK/model.pt -o forecast.nc
    idff-ts evaluate forecast.nc -o metrics.csv

    idff-ts train    --data obs.nc --var x --context 1 --horizon 7 -o runs/obs
    idff-ts forecast --checkpoint runs/obs/model.pt --data obs.nc --var x --init all -o fc.nc
    idff-ts evaluate fc.nc --truth obs.nc --var x -o metrics.csv

The commands are generic: the domain registry (:mod:`idff_ts.domains`) says which kind of data
handles a task, a model or an input; each domain adds its ``idff-ts data`` commands and its
flags and help notes of ``train`` / ``forecast`` (:mod:`~idff_ts.cli.domain_options`). The
docs' pages of the domains and ``docs/src/cli.md`` have their examples.
User errors (bad input, missing files, bad flags) print one line ``error: …`` on stderr and
exit with 1 (bad data / config) or 2 (bad usage); outputs are written atomically, so a failed
run never leaves a half-written file or replaces an existing one. Progress bars go to stderr
and are off with ``--quiet`` or when stdout is not a terminal. Diagnostics use ``logging``
(``-v`` for INFO, ``-vv`` for DEBUG).

One file per command: :mod:`~idff_ts.cli.app` (the app, errors, logging),
:mod:`~idff_ts.cli.train`, :mod:`~idff_ts.cli.forecast`, :mod:`~idff_ts.cli.evaluate`,
:mod:`~idff_ts.cli.data`, :mod:`~idff_ts.cli.leaderboard`.
"""

from __future__ import annotations

import os

import typer

from idff_ts.cli import evaluate as _evaluate  # noqa: F401  (registers the command)
from idff_ts.cli import forecast as _forecast  # noqa: F401
from idff_ts.cli import train as _train  # noqa: F401
from idff_ts.cli.app import app
from idff_ts.cli.data import data_app
from idff_ts.cli.leaderboard import leaderboard_cmd

app.add_typer(data_app, name="data")
app.command("leaderboard")(leaderboard_cmd)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``idff-ts`` (see the module doc)."""
    # Idle OpenMP threads sleep instead of spinning: on a shared CPU, spinning threads of a
    # busy machine made the demo forecast 5-7x slower (benchmarks/sst_forecast_perf.py).
    # Set before torch is imported (lazily, by the commands); a user's own value wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    command = typer.main.get_command(app)
    command.main(args=argv, prog_name="idff-ts")


__all__ = ["app", "main"]
