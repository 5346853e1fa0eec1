"""``idff-ts data``: the data commands every registered domain brings.

Each domain's :meth:`~idff_ts.domains.base.Domain.cli_commands` returns typer apps; their
commands and groups are added here, in registration order (each domain's page in the docs
lists its commands). Errors follow :mod:`idff_ts.cli`: one line
``error: …`` on stderr, exit 2 for a bad flag value, 1 for bad data.
"""

from __future__ import annotations

import typer

from idff_ts.domains import DOMAINS

data_app = typer.Typer(
    name="data",
    help="Get and prepare data: the commands each kind of data brings (downloads, "
    "preparation, synthetic and simulated data).",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@data_app.callback()
def _data_root(ctx: typer.Context) -> None:
    """Get and prepare data: downloads, preparation, synthetic and simulated data."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


def add_domain_commands(target: typer.Typer) -> None:
    """Add the commands and groups of every registered domain's typer apps to ``target``."""
    for domain in DOMAINS.values():
        for sub in domain.cli_commands():
            target.registered_commands.extend(sub.registered_commands)
            target.registered_groups.extend(sub.registered_groups)


add_domain_commands(data_app)

__all__ = ["add_domain_commands", "data_app"]
