"""Options every ``idff-ts`` subcommand accepts, wherever they are written on the line.

``-v/--verbose`` (repeatable: INFO, then DEBUG logs) and ``-q/--quiet`` (errors only) are
added to each subcommand that does not declare them itself, so ``idff-ts forecast -v`` works
like ``idff-ts -v forecast``. A command that declares ``--quiet`` keeps its own (it also drops
the progress bar and summary); the added ones only set the log level and never reach the
command's function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import typer

_MARK = "_idff_common_options"


def _quiet(ctx: Any, _param: Any, value: bool) -> None:
    if value:
        import warnings

        logging.getLogger("idff_ts").setLevel(logging.ERROR)
        logging.getLogger("lightning").setLevel(logging.ERROR)
        warnings.simplefilter("ignore")


def _declares(command: Any, flag: str) -> bool:
    return any(flag in getattr(p, "opts", ()) + getattr(p, "secondary_opts", ())
               for p in command.params)


def _common_params(setup_logging: Callable[[int], None]) -> dict[str, Any]:
    """The two options as typer builds them (rich help renders only typer's own options)."""
    probe = typer.Typer(add_completion=False)

    def _verbose(ctx: Any, _param: Any, value: int) -> None:
        if value:
            setup_logging(value)

    @probe.command()
    def _probe(
        verbose: int = typer.Option(0, "--verbose", "-v", count=True, expose_value=False,
                                    callback=_verbose, is_eager=True,
                                    help="-v: INFO, -vv: DEBUG logs."),
        quiet: bool = typer.Option(False, "--quiet", "-q", expose_value=False, callback=_quiet,
                                   help="Only errors on stderr."),
    ) -> None:
        """Unused: carries the options."""

    return {str(p.name): p for p in typer.main.get_command(probe).params}


def add_common_options(command: Any, setup_logging: Callable[[int], None]) -> None:
    """Give ``command``'s subcommands (recursively) ``-v/--verbose`` (calling
    ``setup_logging(count)``, the app's own) and ``-q/--quiet``."""
    if getattr(command, _MARK, False):
        return
    setattr(command, _MARK, True)
    params = _common_params(setup_logging)
    for sub in getattr(command, "commands", {}).values():
        if hasattr(sub, "commands"):  # a group (typer may bring its own click)
            add_common_options(sub, setup_logging)
            continue
        if not _declares(sub, "-v") and not _declares(sub, "--verbose"):
            sub.params.append(params["verbose"])
        if not _declares(sub, "-q") and not _declares(sub, "--quiet"):
            sub.params.append(params["quiet"])


__all__ = ["add_common_options"]
