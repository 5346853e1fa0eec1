"""``idff-ts``: the command line. It translates flags into library calls, nothing more.

::

    idff-ts train    --task lorenz63 -o runs/lorenz63
    idff-ts forecast --checkpoint runs/lorenz63/model.pt -o forecast.nc
    idff-ts evaluate forecast.nc -o metrics.csv

    idff-ts forecast --days 7 --members 20            # bundled SST demo (synthetic demo data)
    idff-ts forecast --data 'sst.day.mean.*.nc' --checkpoint runs/sst/model.pt --box 84,85
    idff-ts train    --task sst-demo -o runs/sst-demo
    idff-ts train    --task sst --data 'sst.day.mean.*.nc' -o runs/sst

    idff-ts train    --data obs.nc --var x --context 1 --horizon 7 -o runs/obs
    idff-ts forecast --checkpoint runs/obs/model.pt --data obs.nc --var x --init all -o fc.nc
    idff-ts evaluate fc.nc --truth obs.nc --var x -o metrics.csv

User errors (bad input, missing files, bad flags) print one line ``error: …`` on stderr and
exit with 1 (bad data / config) or 2 (bad usage); outputs are written atomically, so a failed
run never leaves a half-written file or replaces an existing one. Progress bars go to stderr
and are off with ``--quiet`` or when stdout is not a terminal. Diagnostics use ``logging``
(``-v`` for INFO, ``-vv`` for DEBUG).
"""

from __future__ import annotations

import enum
import logging
import os
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from idff_ts.errors import ConfigError, DataError, IdffError

if TYPE_CHECKING:
    import xarray as xr

log = logging.getLogger("idff_ts.cli")

_ARGV: list[str] = []
"""The arguments of the running command (for the ``history`` attribute)."""

TRAIN_HINT = "idff-ts train --task lorenz63 -o runs/lorenz63"


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).strip().splitlines() if part.strip())


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {_one_line(message)}", err=True)
    sys.exit(code)


class UsageError(IdffError):
    """The command line is incomplete or contradictory (exit code 2, like a bad flag)."""


class _Group(TyperGroup):
    """Runs the app with one-line errors instead of usage boxes and tracebacks."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        _ARGV[:] = argv
        try:
            rv = super().main(
                args=argv, prog_name=prog_name or "idff-ts", complete_var=complete_var,
                standalone_mode=False, **extra,
            )
        except typer.Abort:
            _fail("aborted", 1)
        except UsageError as exc:
            _fail(str(exc), 2)
        except typer.TyperException as exc:  # bad flags and values (typer's click exceptions)
            fmt = getattr(exc, "format_message", None)
            _fail(fmt() if fmt else str(exc), int(getattr(exc, "exit_code", 2) or 2))
        except IdffError as exc:
            _fail(str(exc), 1)
        except OSError as exc:  # missing inputs, permissions, a full disk: no traceback
            _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=_Group,
    name="idff-ts",
    help="Probabilistic forecasting with Implicit Dynamical Flow Fusion (IDFF).",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Device(str, enum.Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


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


def _console() -> Any:
    from rich.console import Console

    return Console()


def _show_progress(quiet: bool) -> bool:
    return not quiet and sys.stdout.isatty()


def _command_line() -> str:
    return shlex.join(["idff-ts", *_ARGV])


def _task_or_data(task: str | None, data: str | None) -> None:
    if task is not None and data is not None:
        raise UsageError("pass --task NAME or --data FILE, not both")


def _open_data(data: str, var: str | None) -> xr.DataArray:
    from idff_ts.io import open_user_data

    return open_user_data(data, var)


# ----------------------------------------------------------------------------------- train


def _read_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    import yaml

    if not path.is_file():
        raise DataError(f"config file not found: {str(path)!r}")
    try:
        cfg = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot parse {str(path)!r} as YAML: {_one_line(str(exc))}") from None
    allowed = {"model", "train", "context", "horizon"}
    if not isinstance(cfg, dict) or set(cfg) - allowed:
        found = sorted(cfg) if isinstance(cfg, dict) else type(cfg).__name__
        raise ConfigError(f"{str(path)!r}: expected a mapping with keys {sorted(allowed)}, found {found}")
    return cfg


@app.command()
def train(
    task: str | None = typer.Option(
        None, "--task", help="Built-in task: lorenz63, rossler, polyala, ala2, sst-demo, …"
    ),
    data: str | None = typer.Option(
        None, "--data", help="Your series: a netCDF/Zarr file or a glob, with a 'time' dim."
    ),
    var: str | None = typer.Option(None, "--var", help="Variable to learn (with --data)."),
    val_data: str | None = typer.Option(
        None, "--val-data",
        help="Validation file (default: the last 15% of trajectories or time steps).",
    ),
    context: int | None = typer.Option(None, "--context", min=1, help="Context length L."),
    horizon: int | None = typer.Option(None, "--horizon", min=1, help="Forecast slots K."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Maximum epochs."),
    seed: int = typer.Option(0, "--seed", help="Seed of the training run."),
    device: Device = typer.Option(Device.auto, "--device", help="Where to train."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Checkpoint folder (default: runs/<task or file name>)."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="YAML with 'model:' / 'train:' sections and context/horizon."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    max_batches: int | None = typer.Option(None, "--max-batches", min=1, hidden=True),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1, hidden=True),
    hidden: int | None = typer.Option(None, "--hidden", min=1, hidden=True),
    depth: int | None = typer.Option(None, "--depth", min=1, hidden=True),
    val_inits: int | None = typer.Option(None, "--val-inits", min=1, hidden=True),
    val_members: int | None = typer.Option(None, "--val-members", min=1, hidden=True),
    box: str | None = typer.Option(
        None, "--box", help="SST tasks: boxes, e.g. 84,85 or 84-89,108-112 (default: the task's)."
    ),
    train_period: str | None = typer.Option(
        None, "--train-period", help="SST tasks: training years, e.g. 1982..2018."
    ),
    val_period: str | None = typer.Option(
        None, "--val-period", help="SST tasks: validation years, e.g. 2019..2019."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the run in OUTPUT from its last.ckpt."
    ),
) -> None:
    """Train a model on a built-in task or on your own series; writes OUTPUT/model.pt.

    SST: ``--task sst-demo`` (bundled synthetic demo archive) or ``--task sst --data FILES``
    (your OISST archive, either layout); validation CRPS with 20 members picks the checkpoint.
    """
    from idff_ts.domains.sst.tasks import SSTTileTask, resolve_name
    from idff_ts.tasks import get_task

    sst_task = get_task(resolve_name(task)) if task is not None else None
    if isinstance(sst_task, SSTTileTask):
        if val_data is not None or var not in (None, "sst") or context or horizon:
            raise UsageError(
                "SST tasks take --data (the archive), --box, --train-period, --val-period; "
                "not --val-data, --var, --context or --horizon (the protocol fixes them)"
            )
        _train_sst(
            sst_task, data, box, train_period, val_period, epochs, seed, device, output, config,
            quiet, resume, {"limit_train_batches": max_batches, "batch_size": batch_size,
                            "val_inits": val_inits, "val_members": val_members},
            {"hidden": hidden},
        )
        return
    if box is not None or train_period is not None or val_period is not None:
        raise UsageError("--box, --train-period and --val-period go with an SST task (--task sst)")
    _task_or_data(task, data)
    if task is None and data is None:
        raise UsageError(
            "nothing to train on: pass --task lorenz63|rossler|polyala|ala2|sst-demo|sst-wa4 "
            "or --data FILE "
            "--var NAME"
        )
    file_cfg = _read_config_file(config)
    task_obj = get_task(task) if task is not None else None
    if task_obj is not None:
        splits = task_obj.splits()
        train_da, val_da = splits["train"], splits["val"]
        name = task_obj.name
    else:
        assert data is not None
        train_da = _open_data(data, var)
        val_da = _open_data(val_data, var or str(train_da.name)) if val_data else None
        name = Path(data.split("*")[0]).stem or "model"
    if task_obj is not None and val_data is not None:
        raise UsageError("--val-data goes with --data, not --task")

    L = context or file_cfg.get("context") or (task_obj.context if task_obj else 1)
    K = horizon or file_cfg.get("horizon") or (task_obj.horizon if task_obj else 7)
    model = {**(task_obj.model if task_obj else {}), **file_cfg.get("model", {})}
    model.update({k: v for k, v in (("hidden", hidden), ("depth", depth)) if v is not None})
    train_fields = {**(task_obj.train if task_obj else {}), **file_cfg.get("train", {})}
    overrides = {
        "max_epochs": epochs, "limit_train_batches": max_batches, "batch_size": batch_size,
        "val_inits": val_inits, "val_members": val_members,
    }
    train_fields.update({k: v for k, v in overrides.items() if v is not None})
    train_fields["seed"] = seed
    from idff_ts.config import TrainConfig, from_dict

    train_cfg = from_dict(TrainConfig, train_fields)
    out_dir = output or Path("runs") / name
    resume_from = _resume_path(out_dir, resume)
    accelerator = _accelerator(device)

    from idff_ts.training.checkpoint import read_config, save_checkpoint
    from idff_ts.training.fit import fit

    start = time.perf_counter()
    model_obj = fit(
        train_da, val=val_da, context=int(L), horizon=int(K), model=model, train=train_cfg,
        out_dir=out_dir, progress=_show_progress(quiet), accelerator=accelerator,
        devices=1 if accelerator != "auto" else "auto", resume_from=resume_from,
    )
    wall = time.perf_counter() - start
    ckpt = out_dir / "model.pt"
    extra = read_config(ckpt).get("extra", {})
    extra["cli"] = {
        "command": _command_line(),
        "data": f"task {name} (train/val splits)" if task_obj else str(data),
        "var": None if task_obj else str(train_da.name),
        "wall_time_s": wall,
    }
    if task_obj is not None:
        model_obj.data_info["task"] = task_obj.name
    digest = save_checkpoint(ckpt, model_obj, extra=extra)
    log.info("trained in %.1fs; checkpoint %s (sha256 %s)", wall, ckpt, digest)
    if quiet:
        return
    src = f"--task {name}" if task_obj else f"--data {shlex.quote(str(data))} --var {train_da.name}"
    _train_summary(name, ckpt, digest, extra, f"{L} / {K}", wall, src)


def _resume_path(out_dir: Path, resume: bool) -> Path | None:
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(f"--output {str(out_dir)!r} is a file; expected a folder for the checkpoint")
    if not resume:
        return None
    last = out_dir / "last.ckpt"
    if not last.is_file():
        raise UsageError(f"--resume: no {str(last)!r} to continue from; run without --resume first")
    return last


def _accelerator(device: Device) -> str:
    if device is Device.cuda:
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("--device cuda requested but no CUDA GPU is available; use cpu or auto")
    return {"auto": "auto", "cpu": "cpu", "cuda": "gpu"}[device.value]


def _train_summary(
    name: str, ckpt: Path, digest: str, extra: dict[str, Any], window: str, wall: float, src: str
) -> None:
    from rich.table import Table

    table = Table(title=f"idff-ts train: {name}", show_header=False)
    table.add_row("checkpoint", str(ckpt))
    table.add_row("sha256", digest[:16] + "…")
    best = extra.get("best_val_crps")
    table.add_row("best val CRPS", "n/a" if best is None else f"{best:.4f} (standardised units)")
    table.add_row("epochs / steps", f"{extra.get('epochs', '?')} / {extra.get('global_step', '?')}")
    table.add_row("context / horizon", window)
    table.add_row("wall time", f"{wall:.1f} s")
    con = _console()
    con.print(table)
    con.print(f"next: idff-ts forecast --checkpoint {ckpt} {src} -o forecast.nc", soft_wrap=True)


def _parse_box_option(box: str | None) -> tuple[int, ...] | None:
    if box is None:
        return None
    from idff_ts.domains.sst.dyffusion import parse_boxes

    boxes = parse_boxes(box)
    if isinstance(boxes, str):
        raise UsageError("--box ocean is for `idff-ts data prepare`; give box indices, e.g. 84,85")
    return boxes


def _train_sst(
    task_obj: Any, data: str | None, box: str | None, train_period: str | None,
    val_period: str | None, epochs: int | None, seed: int, device: Device, output: Path | None,
    config: Path | None, quiet: bool, resume: bool, train_over: dict[str, Any],
    model_over: dict[str, Any],
) -> None:
    """``idff-ts train`` for an SST tile task (see :mod:`idff_ts.domains.sst.train`)."""
    from idff_ts.config import TrainConfig, from_dict
    from idff_ts.domains.sst.dyffusion import parse_period
    from idff_ts.domains.sst.train import fit_sst, with_protocol
    from idff_ts.training.checkpoint import read_config, save_checkpoint

    file_cfg = _read_config_file(config)
    if file_cfg.get("context") or file_cfg.get("horizon"):
        raise ConfigError("SST tasks fix context and horizon (1 input day, 7 leads); drop them")
    protocol = with_protocol(
        task_obj.protocol, boxes=_parse_box_option(box),
        train=parse_period(train_period) if train_period else None,
        val=parse_period(val_period) if val_period else None,
    )
    model = {**task_obj.model, **file_cfg.get("model", {})}
    model.update({k: v for k, v in model_over.items() if v is not None})
    fields = {**task_obj.train, **file_cfg.get("train", {})}
    fields.update({k: v for k, v in train_over.items() if v is not None})
    if epochs is not None:
        fields["max_epochs"] = epochs
    fields["seed"] = seed
    train_cfg = from_dict(TrainConfig, fields)
    out_dir = output or Path("runs") / task_obj.name
    resume_from = _resume_path(out_dir, resume)
    accelerator = _accelerator(device)
    source: Any = data if data is not None else None
    if source is None and task_obj.archive is None:
        raise UsageError(
            f"task {task_obj.name} needs your OISST archive: pass --data FILES|GLOB|FOLDER "
            "(download it with `idff-ts data download`)"
        )
    start = time.perf_counter()
    if source is None:
        source = task_obj.archive()
    label = task_obj.data_label if data is None else None
    model_obj = fit_sst(
        source, protocol=protocol, model=model, train=train_cfg, out_dir=out_dir,
        resume_from=resume_from, progress=_show_progress(quiet), task=task_obj.name,
        data_label=label, accelerator=accelerator,
        devices=1 if accelerator != "auto" else "auto",
    )
    wall = time.perf_counter() - start
    ckpt = out_dir / "model.pt"
    extra = read_config(ckpt).get("extra", {})
    extra["cli"] = {"command": _command_line(), "data": str(data or "task archive"),
                    "wall_time_s": wall}
    digest = save_checkpoint(ckpt, model_obj, extra=extra)
    log.info("trained in %.1fs; checkpoint %s (sha256 %s)", wall, ckpt, digest)
    if quiet:
        return
    src = "" if data is None else f"--data {shlex.quote(str(data))}"
    _train_summary(task_obj.name, ckpt, digest, extra, "1 day / 7 days", wall, src)


# -------------------------------------------------------------------------------- forecast


def _resolve_checkpoint(path: Path) -> Path:
    if path.is_dir():
        if (path / "model.pt").is_file():
            return path / "model.pt"
        raise DataError(f"no model.pt in folder {str(path)!r}; pass the checkpoint file")
    if not path.exists():
        raise DataError(f"checkpoint not found: {str(path)!r}; train one with: {TRAIN_HINT}")
    return path


def _parse_inits(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def _lead_label(value: Any) -> str:
    import numpy as np

    if isinstance(value, np.timedelta64):
        days = value / np.timedelta64(1, "D")
        return f"{days:g} d"
    return f"{float(value):g}"


def _average(da: xr.DataArray, dims: list[Any]) -> xr.DataArray:
    """Mean over ``dims``; the circular mean for angles (``attrs["circular"]``)."""
    if da.attrs.get("circular"):
        from idff_ts.domains.md.angles import circular_mean

        return circular_mean(da, dims)
    return da.mean(dims)


def _forecast_table(ds: xr.Dataset, name: str) -> Any:
    """Per-lead ensemble mean and spread (std over members), averaged over inits and series."""
    import numpy as np
    from rich.table import Table

    da = ds[name]
    reduce_dims = [d for d in da.dims if d not in ("lead", "member")]
    state_dims = [d for d in reduce_dims if d != "init" and d != "trajectory"]
    n_state = int(np.prod([da.sizes[d] for d in state_dims])) if state_dims else 1
    mean = da.mean("member")
    spread = da.std("member", ddof=1) if da.sizes["member"] > 1 else da.isel(member=0) * 0
    if da.attrs.get("circular"):  # angles: circular mean and spread (no ±180° artefacts)
        from idff_ts.domains.md.angles import circular_mean, circular_std

        mean, spread = circular_mean(da, "member"), circular_std(da, "member")
        mean.attrs["circular"] = 1
    units = da.attrs.get("units")
    title = f"{name} forecast: ensemble mean and spread per lead"
    title += f" ({units})" if units else ""
    title += f", {ds.sizes['init']} init(s), {da.sizes['member']} members"
    table = Table(title=title)
    table.add_column("lead", justify="right")
    if 1 < n_state <= 4 and len(state_dims) == 1:
        dim = state_dims[0]
        labels = [str(v) for v in (da[dim].values if dim in da.coords else range(da.sizes[dim]))]
        other = [d for d in reduce_dims if d != dim]
        m = _average(mean, other).transpose("lead", dim).values
        s = spread.mean(other).transpose("lead", dim).values
        for lab in labels:
            table.add_column(f"{lab} mean", justify="right")
            table.add_column(f"{lab} spread", justify="right")
        rows = [[v for pair in zip(m[k], s[k], strict=True) for v in pair] for k in range(m.shape[0])]
    else:
        avg = "" if n_state == 1 else " (domain mean)"
        table.add_column(f"mean{avg}", justify="right")
        table.add_column(f"spread{avg}", justify="right")
        m = _average(mean, reduce_dims).values
        s = spread.mean(reduce_dims).values
        rows = [[m[k], s[k]] for k in range(m.shape[0])]
    for k, row in enumerate(rows):
        table.add_row(_lead_label(ds["lead"].values[k]), *[f"{v:.4g}" for v in row])
    return table


@app.command("forecast")
def forecast_cmd(
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
    init: list[str] | None = typer.Option(
        None, "--init",
        help="Init time(s): dates or numbers (repeat or comma-separate); 'last' (default with "
        "--data) or 'all' (every time with a full context and truth for all leads).",
    ),
    stride: int | None = typer.Option(None, "--stride", min=1, help="With --init all: every N-th."),
    seed: int = typer.Option(0, "--seed", help="Base seed of the ensemble."),
    device: Device = typer.Option(Device.auto, "--device", help="Where to run."),
    output: Path = typer.Option(
        Path("forecast.nc"), "--output", "-o", help="Output .nc/.nc4/.netcdf or .zarr."
    ),
    chunk_members: int | None = typer.Option(None, "--chunk-members", min=1, hidden=True),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    box: str | None = typer.Option(
        None, "--box", help="SST: boxes to forecast, e.g. 84,85 (default: the checkpoint's)."
    ),
) -> None:
    """Ensemble forecast from a trained model; writes a CF-annotated netCDF or Zarr file.

    With no --checkpoint and no --data (or OISST files as --data), forecasts SST with the
    bundled demo model, trained on synthetic demo data, and saves a quick-look PNG beside the
    output.
    """
    from idff_ts.io import history_line, output_format, write_dataset

    output_format(output)  # refuse a bad suffix before any work
    _task_or_data(task, data)
    demo = False
    if checkpoint is None:
        from idff_ts.domains.sst.tiles import is_oisst_source

        if task is None and (data is None or is_oisst_source(data)):
            from idff_ts.domains.sst.demo import DEMO_WARNING, demo_checkpoint

            log.warning(DEMO_WARNING)
            checkpoint, demo = demo_checkpoint(), True
        else:
            raise UsageError(
                f"no model given: pass --checkpoint PATH/model.pt (train one with: {TRAIN_HINT})"
            )
    from idff_ts.domains.sst.forecast import is_sst_model
    from idff_ts.forecast import forecast
    from idff_ts.tasks import get_task, hindcast_inits
    from idff_ts.training.checkpoint import load_checkpoint

    model = load_checkpoint(_resolve_checkpoint(checkpoint))
    if is_sst_model(model):
        if task is not None:
            raise UsageError(
                "an SST checkpoint forecasts OISST files: pass --data FILES|GLOB (or nothing, "
                "for the bundled demo archive), not --task"
            )
        _forecast_sst(
            model, checkpoint, demo, data, var, horizon, days, members, nfe, gamma1, gamma2,
            init, stride, seed, device, output, chunk_members, quiet, box,
        )
        return
    if box is not None:
        raise UsageError("--box applies to SST tile checkpoints only")
    task = task or (None if data is not None else model.data_info.get("task"))
    inits = _parse_inits(init)
    task_obj = get_task(task) if task is not None else None
    if task_obj is not None:
        da = task_obj.splits()["test"]
        source = f"task {task_obj.name} (test split)"
    elif data is not None:
        da = _open_data(data, var or model.data_info.get("name"))
        source = data
    else:
        raise UsageError(
            "no input data: pass --data FILE --var NAME (or --task NAME for a built-in task)"
        )
    if len(inits) > 1 and any(v in ("all", "last") for v in inits):
        raise UsageError("--init all/last cannot be combined with other init times")
    K = horizon
    if K is None and days is None:
        K = model.cfg.horizon
    if inits == ["all"] or (not inits and task_obj is not None):
        k_need = K if K is not None else model.cfg.horizon
        if days is not None:
            k_need = max(1, round(days / float(model.data_info.get("time_step") or 1.0)))
        default_stride = task_obj.test_stride if task_obj is not None and not inits else 1
        init_values: Any = hindcast_inits(
            da, model.cfg.context, k_need, stride or default_stride
        )
    elif not inits or inits == ["last"]:
        init_values = None
    else:
        init_values = inits
    ds = forecast(
        da, model, days=days, horizon=K if days is None else horizon, members=members, seed=seed,
        init=init_values, nfe=nfe, gamma1=gamma1, gamma2=gamma2, device=device.value,
        chunk_members=chunk_members, progress=_show_progress(quiet),
    )
    ds.attrs["history"] = f"{history_line(_command_line())}\n{ds.attrs['history']}"
    ds.attrs["input_data"] = source
    ds.attrs["checkpoint"] = str(checkpoint)
    if task_obj is not None:
        ds.attrs["task"] = task_obj.name
    write_dataset(ds, output)
    if quiet:
        return
    name = str(ds.attrs.get("forecast_variable") or next(iter(ds.data_vars)))
    con = _console()
    con.print(_forecast_table(ds, name))
    con.print(
        f"wrote {output} ({ds.sizes['init']} init(s) × {ds.sizes['lead']} leads × "
        f"{ds.sizes['member']} members; NFE {ds.attrs['nfe_counted']} per slot, "
        f"{ds.attrs['wall_time_s']:.2f} s)", soft_wrap=True,
    )


def _forecast_sst(
    model: Any, checkpoint: Path, demo: bool, data: str | None, var: str | None,
    horizon: int | None, days: float | None, members: int, nfe: int | None,
    gamma1: float | None, gamma2: float | None, init: list[str] | None, stride: int | None,
    seed: int, device: Device, output: Path, chunk_members: int | None, quiet: bool,
    box: str | None,
) -> None:
    """``idff-ts forecast`` for an SST tile checkpoint (see :mod:`idff_ts.domains.sst.forecast`)."""
    import numpy as np

    from idff_ts.domains.sst.demo import demo_archive_files
    from idff_ts.domains.sst.quicklook import quicklook_png, summary_table
    from idff_ts.domains.sst.tiles import open_sst_source
    from idff_ts.domains.sst.train import sst_info
    from idff_ts.forecast import forecast
    from idff_ts.io import history_line, write_dataset

    info = sst_info(model) or {}
    if data is None:
        if not info.get("synthetic"):
            raise UsageError(
                "this SST checkpoint was trained on real OISST: pass the input files with "
                "--data FILES|GLOB|FOLDER (either layout)"
            )
        files: Any = demo_archive_files()
        source = "bundled synthetic demo archive (idff_ts/assets/sst_demo), SYNTHETIC DEMO DATA"
    else:
        files, source = data, data
    da = open_sst_source(files, var=var or str(info.get("var", "sst")))
    inits = _parse_inits(init)
    if len(inits) > 1 and any(v in ("all", "last") for v in inits):
        raise UsageError("--init all/last cannot be combined with other init times")
    init_values: Any
    if not inits or inits == ["last"]:
        init_values = None
    elif inits == ["all"]:
        times = da["time"].values
        ctx = int(model.cfg.context)
        init_values = list(times[ctx - 1 :: stride or 1])
    else:
        init_values = inits
    ds = forecast(
        da, model, days=days, horizon=horizon, members=members, seed=seed, init=init_values,
        boxes=_parse_box_option(box), nfe=nfe, gamma1=gamma1, gamma2=gamma2,
        device=device.value, chunk_members=chunk_members, progress=_show_progress(quiet),
    )
    ds.attrs["history"] = f"{history_line(_command_line())}\n{ds.attrs['history']}"
    ds.attrs["input_data"] = str(source)
    ds.attrs["checkpoint"] = "bundled demo checkpoint" if demo else str(checkpoint)
    write_dataset(ds, output)
    png = quicklook_png(ds, output.with_suffix(".png"))
    if quiet:
        return
    from rich.table import Table

    table = summary_table(ds)
    note = " — SYNTHETIC DEMO DATA" if info.get("synthetic") else ""
    inits_txt = ", ".join(f"{np.datetime_as_string(t, unit='D')}" for t in ds["init"].values[:3])
    rich_table = Table(
        title=f"IDFF SST forecast{note}\ninit {inits_txt}{' …' if ds.sizes['init'] > 3 else ''},"
        f" boxes {', '.join(map(str, ds['box'].values))}, {ds.sizes['member']} members",
        caption="mean and spread over ocean pixels of all boxes; spread = ensemble std",
    )
    for col in ("lead", "mean (°C)", "spread (°C)", "anomaly spread"):
        rich_table.add_column(col, justify="right")
    for lead, row in table.iterrows():
        rich_table.add_row(str(lead), f"{row['mean_degC']:.2f}", f"{row['spread_degC']:.3f}",
                           f"{row['anomaly_spread']:.3f}")
    con = _console()
    con.print(rich_table)
    con.print(
        f"wrote {output} and {png} ({ds.sizes['init']} init(s) × {ds.sizes['box']} box(es) × "
        f"{ds.sizes['lead']} leads × {ds.sizes['member']} members; NFE "
        f"{ds.attrs['nfe_counted']} per slot, {ds.attrs['wall_time_s']:.1f} s sampling)",
        soft_wrap=True,
    )
    if info.get("synthetic"):
        con.print("note: model and input are synthetic demo data, not NOAA OISST; use --data "
                  "with real OISST files and --checkpoint with a model trained on them.",
                  soft_wrap=True)


# -------------------------------------------------------------------------------- evaluate

_TABLE_METRICS = (("crps_ecdf", "CRPS ecdf"), ("crps_fair", "CRPS fair"), ("rmse", "RMSE"),
                  ("ssr", "SSR"), ("energy", "energy"))
_METRIC_SUFFIXES = (".csv", ".nc", ".nc4", ".netcdf", ".zarr")


def _metrics_frame(scores: xr.Dataset) -> Any:
    import pandas as pd

    per_lead = [v for v in scores.data_vars if scores[v].dims == ("lead",)]
    index = [_lead_label(v) for v in scores["lead"].values]
    df = pd.DataFrame({v: scores[v].values for v in per_lead}, index=index)
    means = {v: float(scores[f"{v}_mean"]) for v in per_lead if f"{v}_mean" in scores}
    df.loc["mean"] = pd.Series(means)
    df.index.name = "lead"
    return df


@app.command("evaluate")
def evaluate_cmd(
    forecast_file: Path = typer.Argument(..., help="Forecast file written by idff-ts forecast."),
    truth: str | None = typer.Option(None, "--truth", help="Truth netCDF/Zarr file or glob."),
    var: str | None = typer.Option(None, "--var", help="Variable (default: the forecast's)."),
    task: str | None = typer.Option(
        None, "--task", help="Score against a built-in task's test split (default: the file's)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the metrics: .csv, .nc/.nc4/.netcdf or .zarr."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No table."),
) -> None:
    """Score a forecast per lead: CRPS (ecdf, fair), RMSE, spread-skill ratio, energy score."""
    from idff_ts.io import (
        history_line,
        open_user_dataset,
        output_format,
        provenance_attrs,
        select_variable,
        write_dataset,
        write_table,
    )

    if output is not None and output.suffix.lower() != ".csv":
        try:
            output_format(output)
        except DataError:
            raise DataError(
                f"unknown output suffix {output.suffix or '(none)'!r} in {str(output)!r}; "
                f"expected one of {', '.join(_METRIC_SUFFIXES)}"
            ) from None
    if truth is not None and task is not None:
        raise UsageError("pass --truth FILE or --task NAME, not both")
    fc_ds = open_user_dataset(forecast_file)
    name = var if var in fc_ds.data_vars else fc_ds.attrs.get("forecast_variable")
    fc = select_variable(fc_ds, name if name in fc_ds.data_vars else None, repr(str(forecast_file)))
    missing = [d for d in ("init", "lead", "member") if d not in fc.dims]
    if missing:
        raise DataError(
            f"{str(forecast_file)!r} is not an ensemble forecast: expected dims (init, lead, "
            f"member, ...), found {list(map(str, fc.dims))}; make one with idff-ts forecast"
        )
    task = task or (None if truth is not None else fc_ds.attrs.get("task"))
    if truth is not None:
        truth_da = select_variable(
            open_user_dataset(truth), var or str(fc.name) if var or fc.name else None, repr(truth)
        )
        source = truth
    elif task:
        from idff_ts.tasks import get_task

        truth_da = get_task(task).splits()["test"]
        source = f"task {task} (test split)"
    else:
        raise UsageError("no truth given: pass --truth FILE --var NAME or --task NAME")
    if "time" not in truth_da.dims:
        from idff_ts.io import missing_time_message

        raise DataError(missing_time_message(truth_da, "time", " in the truth"))
    from idff_ts.evaluate import evaluate

    point_dims = [d for d in fc.dims if d not in ("init", "lead", "member", "trajectory")]
    feature_dim = point_dims[0] if len(point_dims) == 1 and fc.sizes[point_dims[0]] > 1 else None
    scores = evaluate(fc, truth_da, feature_dim=feature_dim)
    scores.attrs.update(provenance_attrs(
        title=f"idff-ts scores of {forecast_file.name}",
        ensemble_size=int(fc.sizes["member"]),
        command=_command_line(),
        forecast_file=str(forecast_file),
        truth=source,
        checkpoint_sha256=fc_ds.attrs.get("checkpoint_sha256"),
        seed=fc_ds.attrs.get("seed"),
        nfe_counted=fc_ds.attrs.get("nfe_counted"),
    ))
    scores.attrs["history"] = history_line(_command_line())
    df = _metrics_frame(scores)
    if output is not None:
        if output.suffix.lower() == ".csv":
            write_table(df, output)
        else:
            write_dataset(scores, output)
    if quiet:
        return
    from rich.table import Table

    table = Table(title=f"scores of {fc.name} ({fc.sizes['init']} inits × "
                  f"{fc.sizes['member']} members) against {source}")
    table.add_column("lead", justify="right")
    cols = [(k, label) for k, label in _TABLE_METRICS if k in df.columns]
    for _, label in cols:
        table.add_column(label, justify="right")
    for lead, row in df.iterrows():
        table.add_row(str(lead), *[f"{row[k]:.4g}" for k, _ in cols], end_section=lead == df.index[-2])
    con = _console()
    con.print(table)
    if output is not None:
        con.print(f"wrote {output}")


from idff_ts.cli_data import data_app  # noqa: E402

app.add_typer(data_app, name="data")

from idff_ts.cli_leaderboard import leaderboard_cmd  # noqa: E402

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
