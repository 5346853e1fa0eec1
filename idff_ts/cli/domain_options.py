"""Flags and help the registered domains add to the generic commands (``train``, ``forecast``).

A domain declares flags with :meth:`~idff_ts.domains.base.Domain.cli_options` (each a
:class:`~idff_ts.domains.base.CliOption`: flag, help, type, default) and help paragraphs with
:meth:`~idff_ts.domains.base.Domain.cli_notes`. When the app runs, :func:`add_domain_options`
appends them to the built command, under a "Domain options" panel of ``--help``. Their values
never reach the command's function as arguments: each flag's callback collects it in the
click context, :func:`domain_option_values` reads them back, and the command hands them, as
an opaque mapping, to the domain that owns the task or model. So the commands name no flag
of any kind of data.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer

from idff_ts.errors import ConfigError

PANEL = "Domain options"
COMMANDS = ("train", "forecast")
_META = "idff_ts.domain_options"
_MARK = "_idff_domain_options"


def declared_options(command: str) -> list[Any]:
    """The domains' flags of ``command``, one per flag (the highest-priority domain's
    declaration wins; the same flag with another type is a :class:`ConfigError`)."""
    from idff_ts.domains import domains

    chosen: dict[str, tuple[str, Any]] = {}
    for domain in domains():
        for option in domain.cli_options(command):
            owner, first = chosen.setdefault(option.flag, (domain.name, option))
            if first.type is not option.type:
                raise ConfigError(
                    f"domains {owner!r} and {domain.name!r} declare {option.flag} of idff-ts "
                    f"{command} as {first.type.__name__} and {option.type.__name__}; one type "
                    "per flag"
                )
    return [option for _, option in chosen.values()]


def domain_notes(command: str) -> list[str]:
    """The domains' help paragraphs of ``command``, in priority order."""
    from idff_ts.domains import domains

    return [note for domain in domains() for note in domain.cli_notes(command)]


def _collect(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    ctx.meta.setdefault(_META, {})[param.name] = value
    return value


def typer_params(options: list[Any]) -> list[Any]:
    """Click parameters as typer builds them (so rich help renders them) for ``options``."""
    if not options:
        return []
    params = []
    for option in options:
        if not option.flag.startswith("--") or not option.key.isidentifier():
            raise ConfigError(f"a domain flag must look like --some-name, found {option.flag!r}")
        info = typer.Option(option.default, option.flag, help=option.help, rich_help_panel=PANEL,
                            expose_value=False, callback=_collect)
        params.append(inspect.Parameter(option.key, inspect.Parameter.KEYWORD_ONLY,
                                        default=info, annotation=option.type | None))

    def carrier(**values: Any) -> None:
        """Unused: carries the options."""

    carrier.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    carrier.__annotations__ = {p.name: p.annotation for p in params}
    probe = typer.Typer(add_completion=False)
    probe.command()(carrier)
    return list(typer.main.get_command(probe).params)


def add_domain_options(group: Any) -> None:
    """Append every domain's flags and help paragraphs to ``group``'s generic commands."""
    if getattr(group, _MARK, False):
        return
    setattr(group, _MARK, True)
    for name in COMMANDS:
        command = getattr(group, "commands", {}).get(name)
        if command is None:
            continue
        options = declared_options(name)
        taken = {flag for p in command.params
                 for flag in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))}
        clash = sorted(o.flag for o in options if o.flag in taken)
        if clash:
            raise ConfigError(f"domain flags {clash} clash with idff-ts {name}'s own flags")
        command.params.extend(typer_params(options))
        notes = domain_notes(name)
        if notes:
            command.help = "\n\n".join([(command.help or "").rstrip(), *notes])


def domain_option_values(ctx: typer.Context) -> dict[str, Any]:
    """The domain flags' values of the running command (``None`` for each flag not given)."""
    return dict(ctx.meta.get(_META, {}))


__all__ = ["PANEL", "add_domain_options", "declared_options", "domain_notes",
           "domain_option_values", "typer_params"]
