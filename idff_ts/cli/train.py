"""``idff-ts train``: flags → a :class:`~idff_ts.domains.base.TrainRequest` → the domain that
owns the task (or the generic one for ``--data``) trains → checkpoint notes and a summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from idff_ts.cli.app import Device, app, command_line, console, log, show_progress
from idff_ts.cli.domain_options import domain_option_values
from idff_ts.domains import domain_for_task, domains
from idff_ts.domains.base import TrainOutcome, TrainRequest
from idff_ts.errors import ConfigError, DataError, UsageError
from idff_ts.tasks import TASKS, get_task


def read_config_file(path: Path | None) -> dict[str, Any]:
    """The YAML of ``--config`` (see :func:`idff_ts.config_file.read_config_file`)."""
    if path is None:
        return {}
    from idff_ts.config_file import read_config_file as read_checked

    return read_checked(path)


def resume_path(out_dir: Path, resume: bool) -> Path | None:
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(f"--output {str(out_dir)!r} is a file; expected a folder for the checkpoint")
    if not resume:
        return None
    last = out_dir / "last.ckpt"
    if not last.is_file():
        raise UsageError(f"--resume: no {str(last)!r} to continue from; run without --resume first")
    return last


def accelerator_of(device: Device) -> str:
    if device is Device.cuda:
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("--device cuda requested but no CUDA GPU is available; use cpu or auto")
    return {"auto": "auto", "cpu": "cpu", "cuda": "gpu"}[device.value]


def train_summary(outcome: TrainOutcome, ckpt: Path, digest: str, extra: dict[str, Any],
                  wall: float) -> None:
    from rich.table import Table

    table = Table(title=f"idff-ts train: {outcome.name}", show_header=False)
    table.add_row("checkpoint", str(ckpt))
    table.add_row("sha256", digest[:16] + "…")
    best = extra.get("best_val_crps")
    table.add_row("best val CRPS", "n/a" if best is None else f"{best:.4f} (standardised units)")
    table.add_row("epochs / steps", f"{extra.get('epochs', '?')} / {extra.get('global_step', '?')}")
    table.add_row("context / horizon", outcome.window)
    table.add_row("wall time", f"{wall:.1f} s")
    con = console()
    con.print(table)
    for note in outcome.notes:
        con.print(note, soft_wrap=True)
    con.print(f"next: idff-ts forecast --checkpoint {ckpt} {outcome.source_args} -o forecast.nc",
              soft_wrap=True)


def _overrides(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def parse_devices(value: str | None, accelerator: str) -> Any:
    """``--devices``: ``auto``, a count (``4``) or device indices (``0,2``) for Lightning."""
    if value is None:
        return 1 if accelerator != "auto" else "auto"
    text = value.strip()
    if text == "auto":
        return "auto"
    try:
        if "," in text:
            return [int(p) for p in text.split(",") if p.strip()]
        count = int(text)
    except ValueError:
        raise UsageError(f"--devices expects auto, a count or indices like 0,1; got {value!r}") from None
    if count < 1 and count != -1:
        raise UsageError(f"--devices must be >= 1 (or -1 for all), got {count}")
    return count


def is_global_zero() -> bool:
    """Whether this process is rank 0 of a distributed run (or not distributed at all)."""
    import os
    import sys

    if "torch" in sys.modules:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank() == 0
    for name in ("RANK", "SLURM_PROCID"):  # torchrun, srun
        if os.environ.get(name):
            return int(os.environ[name]) == 0
    # Lightning's own launcher (fit has ended its process group by now): node and local rank
    return all(int(os.environ.get(n) or 0) == 0 for n in ("NODE_RANK", "LOCAL_RANK"))


def _finish(outcome: TrainOutcome, wall: float, quiet: bool) -> None:
    """Add the command line to the checkpoint notes, rewrite it, print the summary (rank 0
    only: the other ranks of a multi-process run return)."""
    from idff_ts.training.checkpoint import read_config, save_checkpoint

    if not is_global_zero():
        return

    ckpt = outcome.out_dir / "model.pt"
    extra = read_config(ckpt).get("extra", {})
    extra["cli"] = {"command": command_line(), **outcome.cli_extra, "wall_time_s": wall}
    digest = save_checkpoint(ckpt, outcome.model, extra=extra)
    log.info("trained in %.1fs; checkpoint %s (sha256 %s)", wall, ckpt, digest)
    if not quiet:
        train_summary(outcome, ckpt, digest, extra, wall)


def run_training(request: TrainRequest, quiet: bool) -> None:
    """Hand ``request`` to the domain of its task (or the generic domain) and finish up."""
    domain = domain_for_task(request.task) if request.task is not None else domains()[-1]
    start = time.perf_counter()
    outcome = domain.train_from_cli(request)
    _finish(outcome, time.perf_counter() - start, quiet)


def build_request(f: dict[str, Any]) -> TrainRequest:
    """The :class:`TrainRequest` of the ``train`` command's flags ``f`` (its locals, and the
    domain flags' values under ``"domain_options"``)."""
    task = get_task(f["task"]) if f["task"] is not None else None
    data = f["data"]
    if task is None and data is None:
        raise UsageError(f"nothing to train on: pass --task {'|'.join(TASKS)} or --data FILE --var NAME")
    file_cfg = read_config_file(f["config"])
    name = task.name if task else (Path(str(data).split("*")[0]).stem or "model")
    out_dir = f["output"] or Path("runs") / name
    accelerator = accelerator_of(f["device"])
    train_flags = {"max_epochs": f["epochs"], "limit_train_batches": f["max_batches"],
                   "batch_size": f["batch_size"], "val_inits": f["val_inits"],
                   "val_members": f["val_members"], "precision": f["precision"],
                   "accumulate_grad_batches": f["accumulate_grad_batches"]}
    return TrainRequest(
        task=task, data=data, var=f["var"], val_data=f["val_data"], context=f["context"],
        horizon=f["horizon"], file_context=file_cfg.get("context"),
        file_horizon=file_cfg.get("horizon"),
        model={**file_cfg.get("model", {}),
               **_overrides({"hidden": f["hidden"], "depth": f["depth"]})},
        train={**file_cfg.get("train", {}), **_overrides(train_flags), "seed": f["seed"]},
        options=dict(f.get("domain_options") or {}),
        out_dir=out_dir, resume_from=resume_path(out_dir, f["resume"]),
        accelerator=accelerator, devices=parse_devices(f["devices"], accelerator),
        strategy=f["strategy"], num_nodes=f["num_nodes"], progress=show_progress(f["quiet"]),
    )


@app.command()
def train(
    ctx: typer.Context,
    task: str | None = typer.Option(
        None, "--task", help=f"Built-in task: {', '.join(TASKS)}, …"
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
    resume: bool = typer.Option(
        False, "--resume", help="Continue the run in OUTPUT from its last.ckpt."
    ),
    devices: str | None = typer.Option(
        None, "--devices", help="Cluster: devices per node: auto, a count or indices (0,1)."
    ),
    num_nodes: int = typer.Option(1, "--num-nodes", min=1, help="Cluster: number of nodes."),
    strategy: str = typer.Option(
        "auto", "--strategy", help="Cluster: Lightning strategy (auto, ddp, ddp_spawn, fsdp, …)."
    ),
    precision: str | None = typer.Option(
        None, "--precision", help="Lightning precision: 32-true, bf16-mixed, 16-mixed, …"
    ),
    accumulate_grad_batches: int | None = typer.Option(
        None, "--accumulate-grad-batches", min=1, help="Batches per optimiser step."
    ),
) -> None:
    """Train a model on a built-in task or on your own series; writes OUTPUT/model.pt.

    On a cluster, --devices/--num-nodes/--strategy go to Lightning (docs: "Training on a
    cluster" has torchrun and SLURM recipes).

    The task's kind of data decides how it is trained and may add flags (Domain options) and
    notes below; validation CRPS picks the checkpoint.
    """
    run_training(build_request(dict(locals(), domain_options=domain_option_values(ctx))), quiet)


__all__ = ["accelerator_of", "build_request", "is_global_zero", "parse_devices",
           "read_config_file", "resume_path", "train"]
