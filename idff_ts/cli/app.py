"""The ``idff-ts`` typer app: one-line errors with exit codes, logging, shared helpers."""

from __future__ import annotations

import enum
import logging
import shlex
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from idff_ts.errors import IdffError, UsageError

log = logging.getLogger("idff_ts.cli")

ARGV: list[str] = []
"""The arguments of the running command (for the ``history`` attribute)."""


def train_hint() -> str:
    """A runnable ``idff-ts train`` line for messages: the first registered built-in task."""
    from idff_ts.tasks import TASKS

    name = next(iter(TASKS), None)
    if name is None:
        return "idff-ts train --data FILE --var NAME -o runs/NAME"
    return f"idff-ts train --task {name} -o runs/{name}"


def one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).strip().splitlines() if part.strip())


def fail(message: str, code: int) -> None:
    typer.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


class Interrupted(IdffError):
    """Ctrl-C (SIGINT) during a command: exit 130 after one line."""


class Group(TyperGroup):
    """Runs the app with one-line errors instead of usage panels and tracebacks.

    Ctrl-C is caught inside :meth:`invoke`, before typer turns it into a silent exit 130, and
    reported as ``error: interrupted``; outputs are written atomically, so none is left. Any
    other unforeseen exception is one line too (``-vv`` logs its traceback).
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        from idff_ts.cli.common import add_common_options
        from idff_ts.cli.domain_options import add_domain_options

        argv = list(sys.argv[1:] if args is None else args)
        ARGV[:] = argv
        add_common_options(self, _setup_logging)  # -v/-q after any subcommand too
        try:
            add_domain_options(self)  # the flags each kind of data adds to train / forecast
            rv = super().main(
                args=argv, prog_name=prog_name or "idff-ts", complete_var=complete_var,
                standalone_mode=False, **extra,
            )
        except Interrupted:
            fail("interrupted", 130)
        except typer.Abort:
            fail("aborted", 1)
        except UsageError as exc:
            fail(str(exc), 2)
        except typer.TyperException as exc:  # bad flags and values (typer's click exceptions)
            fmt = getattr(exc, "format_message", None)
            fail(fmt() if fmt else str(exc), int(getattr(exc, "exit_code", 2) or 2))
        except IdffError as exc:
            fail(str(exc), 1)
        except OSError as exc:  # missing inputs, permissions, a full disk: no traceback
            fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except MemoryError:
            fail("out of memory: the request does not fit; ask for fewer members, init times or "
                 "slots, or pass --chunk-members", 1)
        except RuntimeError as exc:
            if "allocate" not in str(exc) and "out of memory" not in str(exc):
                log.debug("unforeseen failure", exc_info=True)
                fail(f"unexpected RuntimeError: {one_line(str(exc))[:300]} (please report this "
                     "with the command; -vv shows the traceback)", 1)
            fail(f"out of memory: {one_line(str(exc))[:160]}; ask for a smaller model or "
                 "ensemble", 1)
        except Exception as exc:  # noqa: BLE001 - the last resort: never a traceback
            log.debug("unforeseen failure", exc_info=True)
            fail(f"unexpected {type(exc).__name__}: {one_line(str(exc))[:300]} (please report "
                 "this with the command; -vv shows the traceback)", 1)
        if rv == 130:  # an interrupt typer caught outside invoke (while parsing)
            fail("interrupted", 130)
        code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=Group,
    name="idff-ts",
    help="Probabilistic forecasting with Implicit Dynamical Flow Fusion (IDFF).",
    invoke_without_command=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, pwsh)
    pretty_exceptions_enable=False,
)


class Device(str, enum.Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Endpoint(str, enum.Enum):
    """IDFF's bridge step (``SamplerConfig.endpoint``)."""

    auto = "auto"
    mean = "mean"
    gaussian = "gaussian"
    distributional = "distributional"


def endpoint_value(flags: dict[str, Any]) -> str | None:
    """``--endpoint`` as the string the sampler takes (``None``: the model's own)."""
    return None if flags.get("endpoint") is None else str(flags["endpoint"].value)


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root = logging.getLogger("idff_ts")
    root.setLevel(level)
    if not any(getattr(h, "_idff_cli", False) for h in root.handlers):
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(console=Console(stderr=True), show_path=False, show_time=False)
        handler._idff_cli = True  # type: ignore[attr-defined]
        root.addHandler(handler)


def _version(value: bool) -> None:
    if value:
        from idff_ts import __version__

        typer.echo(f"idff-ts {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="-v: INFO, -vv: DEBUG logs"),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Train, forecast and score probabilistic forecasts of time series and fields."""
    _setup_logging(verbose)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


def console() -> Any:
    from rich.console import Console

    return Console()


def show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal and without ``--quiet``; ``--quiet`` also silences
    warnings (only errors are printed)."""
    if quiet:
        silence_warnings()
    return not quiet and sys.stdout.isatty()


def silence_warnings() -> None:
    """``--quiet``: idff_ts logs below ERROR and Python warnings are not shown."""
    import warnings

    logging.getLogger("idff_ts").setLevel(logging.ERROR)
    logging.getLogger("lightning").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")


def command_line() -> str:
    return shlex.join(["idff-ts", *ARGV])


def task_or_data(task: str | None, data: str | None) -> None:
    if task is not None and data is not None:
        raise UsageError("pass --task NAME or --data FILE, not both")


def print_items(items: list[Any]) -> None:
    """Print rich tables and one-line strings (strings soft-wrapped) in order."""
    con = console()
    for item in items:
        if isinstance(item, str):
            con.print(item, soft_wrap=True)
        else:
            con.print(item)


__all__ = ["ARGV", "Device", "app", "command_line", "console", "print_items",
           "show_progress", "task_or_data", "train_hint"]
