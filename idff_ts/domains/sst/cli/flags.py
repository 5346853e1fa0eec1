"""The flags the SST domain adds to the generic ``idff-ts train`` / ``idff-ts forecast``.

The CLI shows them under "Domain options" and passes their values back to
:class:`~idff_ts.domains.sst.domain.SSTDomain` (``request.options`` in
:func:`~idff_ts.domains.sst.cli.train.train_sst_task`, ``forecast_options`` for forecasts).
"""

from __future__ import annotations

from idff_ts.domains.base import CliOption

TRAIN_OPTIONS = (
    CliOption("--box", "Tile tasks: boxes, e.g. 84,85 or 84-89,108-112 (default: the task's)."),
    CliOption("--train-period", "Tasks with periods: training years, e.g. 1982..2018."),
    CliOption("--val-period", "Tasks with periods: validation years, e.g. 2019..2019."),
)

FORECAST_OPTIONS = (
    CliOption("--box", "Tile models: boxes to forecast, e.g. 84,85 (default: the checkpoint's)."),
    CliOption("--precision", "SST: stored precision in °C (default 0.01; 0: full float32).",
              type=float),
)

NOTES = {
    "train": ("SST tile tasks take the OISST archive as --data and --box / --train-period / "
              "--val-period; the protocol fixes context and horizon.",),
    "forecast": ("SST: with no --checkpoint and no --data, or OISST files as --data, the "
                 "bundled SST demo model (trained on synthetic demo data) is used, with a "
                 "quick-look PNG beside the output.",),
}


def sst_cli_options(command: str) -> tuple[CliOption, ...]:
    """The SST flags of ``command`` (``"train"`` or ``"forecast"``; none for others)."""
    return {"train": TRAIN_OPTIONS, "forecast": FORECAST_OPTIONS}.get(command, ())


def sst_cli_notes(command: str) -> tuple[str, ...]:
    """The SST paragraphs of ``command``'s help."""
    return NOTES.get(command, ())


__all__ = ["FORECAST_OPTIONS", "TRAIN_OPTIONS", "sst_cli_notes", "sst_cli_options"]
