"""``idff-ts forecast``: the model's domain picks the input, the inits and its options; the
generic :func:`idff_ts.forecast` runs; the file is written atomically; the domain's quick-look
and summary follow."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from idff_ts.cli.app import (
    Device,
    Endpoint,
    app,
    command_line,
    endpoint_value,
    print_items,
    show_progress,
    task_or_data,
    train_hint,
)
from idff_ts.cli.domain_options import domain_option_values
from idff_ts.cli.hindcast import run_streamed, wants_streaming
from idff_ts.errors import ConfigError, DataError, UsageError


def resolve_checkpoint(path: Path) -> Path:
    if path.is_dir():
        if (path / "model.pt").is_file():
            return path / "model.pt"
        raise DataError(f"no model.pt in folder {str(path)!r}; pass the checkpoint file")
    if not path.exists():
        raise DataError(f"checkpoint not found: {str(path)!r}; train one with: {train_hint()}")
    return path


def parse_inits(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated ``--init`` values, in order."""
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    if values and not out:
        raise UsageError(f"--init {','.join(values)!r} names no init time; give dates, numbers, "
                         "'last' or 'all'")
    if len(out) > 1 and any(v in ("all", "last") for v in out):
        raise UsageError("--init all/last cannot be combined with other init times")
    return out


def _checkpoint(checkpoint: Path | None, task: str | None, data: str | None) -> tuple[Path, bool]:
    """The checkpoint to load, and whether it is a domain's default (bundled demo) model."""
    if checkpoint is not None:
        return checkpoint, False
    from idff_ts.domains import default_model

    path = default_model(data) if task is None else None
    if path is None:
        raise UsageError(
            f"no model given{_what_data_holds(data)}: pass --checkpoint PATH/model.pt (train one "
            f"with: {train_hint()})"
        )
    return Path(path), True


def _what_data_holds(data: str | None) -> str:
    """Why ``--data`` has no bundled model; an unreadable file fails here, naming itself."""
    if data is None:
        return ""
    from idff_ts.domains import domains
    from idff_ts.io import open_user_dataset

    with open_user_dataset(data) as ds:
        names = sorted(map(str, ds.data_vars))
    kinds = [kind for domain in domains() if (kind := domain.default_model_inputs())]
    if not kinds:
        return f" ({data!r} holds {names}; no kind of data bundles a demo model)"
    return (f" ({data!r} holds {names}, not {' or '.join(kinds)}, the only data with a bundled "
            "demo model)")


def run_forecast(flags: dict[str, Any], output: Path, quiet: bool) -> None:
    """The command's work once typer has parsed ``flags`` (see :func:`forecast_cmd`)."""
    from idff_ts.domains import domain_for_model
    from idff_ts.forecast import forecast
    from idff_ts.io import check_output_path, history_line, write_dataset
    from idff_ts.tasks import get_task
    from idff_ts.training.checkpoint import load_checkpoint

    show_progress(quiet)  # --quiet: warnings off from here on
    days = flags["days"]
    if days is not None and not (math.isfinite(days) and days > 0):
        raise ConfigError(f"--days must be a finite number > 0, got {days}")
    overwrite = bool(flags.pop("overwrite"))
    check_output_path(output, overwrite=overwrite)  # suffix, kind, folder, existing: before work
    task_or_data(flags["task"], flags["data"])
    checkpoint, from_default = _checkpoint(flags["checkpoint"], flags["task"], flags["data"])
    model = load_checkpoint(resolve_checkpoint(checkpoint))
    domain = domain_for_model(model.data_info)
    task = get_task(flags["task"]) if flags["task"] is not None else None
    source = domain.forecast_input(model, flags["data"], flags["var"], task)
    options = domain.forecast_options(flags["domain_options"])
    inits = domain.forecast_inits(source, model, parse_inits(flags["init"]), flags["stride"],
                                  flags["horizon"], flags["days"])
    if wants_streaming(flags):
        attrs = {"history": history_line(command_line()), "input_data": source.source,
                 "checkpoint": "bundled demo checkpoint" if from_default else str(checkpoint)}
        run_streamed(source, model, inits, flags, options, output, attrs, overwrite, quiet)
        return
    ds = forecast(
        source.data, model, days=flags["days"], horizon=flags["horizon"],
        members=flags["members"], seed=flags["seed"], init=inits, nfe=flags["nfe"],
        gamma1=flags["gamma1"], gamma2=flags["gamma2"], endpoint=endpoint_value(flags),
        device=flags["device"].value, chunk_members=flags["chunk_members"],
        progress=show_progress(quiet), **options,
    )
    ds.attrs["history"] = f"{history_line(command_line())}\n{ds.attrs['history']}"
    ds.attrs["input_data"] = source.source
    ds.attrs["checkpoint"] = "bundled demo checkpoint" if from_default else str(checkpoint)
    if source.task is not None:
        ds.attrs["task"] = source.task.name
    write_dataset(ds, output, overwrite=overwrite)
    written = [output]
    figure = domain.quicklook(ds, output.with_suffix(".png"))
    if figure is not None:
        written.append(Path(figure))
    if not quiet:
        print_items(domain.summary(ds, written))


@app.command("forecast")
def forecast_cmd(
    ctx: typer.Context,
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", "-c", help="Trained model (model.pt or its folder)."
    ),
    task: str | None = typer.Option(
        None, "--task", help="Forecast the test split of a built-in task (default: the model's)."
    ),
    data: str | None = typer.Option(None, "--data", help="Input netCDF/Zarr file or glob."),
    var: str | None = typer.Option(None, "--var", help="Variable to forecast (with --data)."),
    horizon: int | None = typer.Option(
        None, "--horizon", min=1, help="Slots K (default: the model's training horizon)."
    ),
    days: float | None = typer.Option(
        None, "--days", help="Forecast length in days (calendar data; alias of --horizon)."
    ),
    members: int = typer.Option(20, "--members", "-m", min=1, help="Ensemble size M."),
    nfe: int | None = typer.Option(None, "--nfe", min=1, help="Network calls per slot."),
    gamma1: float | None = typer.Option(None, "--gamma1", min=0.0, help="Momentum term γ1."),
    gamma2: float | None = typer.Option(None, "--gamma2", min=0.0, help="Curvature term γ2."),
    endpoint: Endpoint | None = typer.Option(
        None, "--endpoint",
        help="IDFF's bridge step: mean (the paper's) or a posterior draw (gaussian / "
        "distributional, for a model trained with that head); default: the model's.",
    ),
    init: list[str] | None = typer.Option(
        None, "--init",
        help="Init time(s): dates or numbers (repeat or comma-separate); 'last' (default with "
        "--data), 'all' (every time with a full context and truth for all leads) or "
        "'all-context' (every time with a full context, truth or not).",
    ),
    stride: int | None = typer.Option(None, "--stride", min=1, help="With --init all: every N-th."),
    seed: int = typer.Option(0, "--seed", help="Base seed of the ensemble."),
    device: Device = typer.Option(Device.auto, "--device", help="Where to run."),
    output: Path = typer.Option(
        Path("forecast.nc"), "--output", "-o", help="Output .nc/.nc4/.netcdf or .zarr."
    ),
    chunk_members: int | None = typer.Option(None, "--chunk-members", min=1, hidden=True),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace OUTPUT if it exists (atomically, once complete)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    block_inits: int | None = typer.Option(
        None, "--block-inits", min=1,
        help="Stream: sample and write this many inits at a time (bounded memory).",
    ),
    rank: int = typer.Option(0, "--rank", min=0, help="Stream: this process's rank."),
    world_size: int = typer.Option(
        1, "--world-size", min=1, help="Stream: number of processes sharing the blocks."
    ),
) -> None:
    """Ensemble forecast from a trained model; writes a CF-annotated netCDF or Zarr file.

    With no --checkpoint, a kind of data that bundles a demo model uses it. Each kind of data
    may add flags (Domain options) and notes below.
    """
    flags = dict(locals(), domain_options=domain_option_values(ctx))
    run_forecast(flags, flags.pop("output"), flags.pop("quiet"))


__all__ = ["forecast_cmd", "parse_inits", "resolve_checkpoint", "run_forecast"]
