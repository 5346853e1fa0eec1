"""``idff-ts train --task sst-demo|sst (--data FILES)``: the SST domain's training hook.

The CLI parses its flags into a :class:`~idff_ts.domains.base.TrainRequest`; here the SST
flags (``--box``, ``--train-period``, ``--val-period``) change the task's
:class:`~idff_ts.domains.sst.protocol.SSTProtocol` and :func:`~idff_ts.domains.sst.train.fit_sst`
trains on the task's archive or on ``--data``. The protocol fixes the context and horizon, so
``--context``, ``--horizon``, ``--val-data`` and ``--var`` are refused.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains.base import TrainOutcome, TrainRequest
from idff_ts.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from idff_ts.domains.sst.protocol import SSTProtocol


def parse_box_option(box: str | None) -> tuple[int, ...] | None:
    """``--box 84,85`` → box indices (``ocean`` is for ``idff-ts data prepare`` only)."""
    if box is None:
        return None
    from idff_ts.domains.sst.dyffusion import parse_boxes

    boxes = parse_boxes(box)
    if isinstance(boxes, str):
        raise UsageError("--box ocean is for `idff-ts data prepare`; give box indices, e.g. 84,85")
    return boxes


def _protocol(task: Any, options: dict[str, Any]) -> SSTProtocol:
    from idff_ts.domains.sst.dyffusion import parse_period
    from idff_ts.domains.sst.train import with_protocol

    train_period, val_period = options.get("train_period"), options.get("val_period")
    return with_protocol(
        task.protocol, boxes=parse_box_option(options.get("box")),
        train=parse_period(train_period) if train_period else None,
        val=parse_period(val_period) if val_period else None,
    )


def _check_request(request: TrainRequest) -> None:
    if (request.val_data is not None or request.var not in (None, "sst") or request.context
            or request.horizon):
        raise UsageError(
            "SST tasks take --data (the archive), --box, --train-period, --val-period; "
            "not --val-data, --var, --context or --horizon (the protocol fixes them)"
        )
    if request.file_context or request.file_horizon:
        raise ConfigError("SST tasks fix context and horizon (1 input day, 7 leads); drop them")


def train_sst_task(request: TrainRequest) -> TrainOutcome:
    """Train an SST tile task from the CLI's request (module docstring)."""
    from idff_ts.config import TrainConfig, from_dict
    from idff_ts.domains.sst.train import fit_sst

    task = request.task
    assert task is not None
    _check_request(request)
    protocol = _protocol(task, request.options)
    model = {**task.model, **request.model}
    train_cfg = from_dict(TrainConfig, {**task.train, **request.train})
    out_dir = request.out_dir or Path("runs") / task.name
    if request.data is None and task.archive is None:
        raise UsageError(
            f"task {task.name} needs your OISST archive: pass --data FILES|GLOB|FOLDER "
            "(download it with `idff-ts data download`)"
        )
    source: Any = request.data if request.data is not None else task.archive()
    fitted = fit_sst(
        source, protocol=protocol, model=model, train=train_cfg, out_dir=out_dir,
        resume_from=request.resume_from, progress=request.progress, task=task.name,
        data_label=task.data_label if request.data is None else None,
        accelerator=request.accelerator, devices=request.devices, strategy=request.strategy,
        num_nodes=request.num_nodes,
    )
    src = "" if request.data is None else f"--data {shlex.quote(str(request.data))}"
    return TrainOutcome(
        model=fitted, name=task.name, out_dir=out_dir,
        cli_extra={"data": str(request.data or "task archive")},
        window="1 day / 7 days", source_args=src,
    )


__all__ = ["parse_box_option", "train_sst_task"]
