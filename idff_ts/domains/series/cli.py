"""``idff-ts train`` / ``idff-ts forecast`` for labelled series (the generic domain's hooks)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains.base import ForecastInput, TrainOutcome, TrainRequest
from idff_ts.errors import UsageError

if TYPE_CHECKING:
    from idff_ts.domains.base import Domain
    from idff_ts.model import Forecaster
    from idff_ts.tasks import Task


def _refuse_domain_flags(options: dict[str, Any]) -> None:
    given = [k for k, v in options.items() if v is not None]
    if given:
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
        raise UsageError(f"{flags} go with a task whose kind of data takes them (see 'Domain "
                         "options' in idff-ts train --help), not with series data")


def _training_data(request: TrainRequest) -> tuple[Any, Any, str]:
    from idff_ts.io import open_user_data

    task = request.task
    if task is not None:
        if request.val_data is not None:
            raise UsageError("--val-data goes with --data, not --task")
        splits = task.splits()
        return splits["train"], splits["val"], task.name
    assert request.data is not None
    train_da = open_user_data(request.data, request.var)
    val_da = None
    if request.val_data:
        val_da = open_user_data(request.val_data, request.var or str(train_da.name))
    return train_da, val_da, Path(request.data.split("*")[0]).stem or "model"


def train_series(domain: Domain, request: TrainRequest) -> TrainOutcome:
    """Train on a task's splits or on ``--data`` (validation: ``--val-data`` or held out)."""
    from idff_ts.config import TrainConfig, from_dict
    from idff_ts.domains.registry import domain_for_data

    task = request.task
    if task is not None:
        _refuse_domain_flags(request.options)
    if task is not None and request.data is not None:
        raise UsageError("pass --task NAME or --data FILE, not both")
    train_da, val_da, name = _training_data(request)
    fitter = domain if task is not None else domain_for_data(train_da)
    extra = {} if task is not None else fitter.train_options(request.options)
    defaults = fitter.fit_defaults()
    ctx = request.context or request.file_context or (task.context if task else
                                                      defaults.get("context"))
    hor = request.horizon or request.file_horizon or (task.horizon if task else
                                                      defaults.get("horizon"))
    model = {**(task.model if task else {}), **request.model}
    train_cfg = from_dict(TrainConfig, {**(task.train if task else {}), **request.train})
    out_dir = request.out_dir or Path("runs") / name
    fitted = fitter.fit(
        train_da, val=val_da, context=None if ctx is None else int(ctx),
        horizon=None if hor is None else int(hor), model=model, train=train_cfg,
        out_dir=out_dir, progress=request.progress, accelerator=request.accelerator,
        devices=request.devices, strategy=request.strategy, num_nodes=request.num_nodes,
        resume_from=request.resume_from, **extra,
    )
    if task is not None:
        fitted.data_info["task"] = task.name
    src = (f"--task {name}" if task else
           f"--data {shlex.quote(str(request.data))} --var {train_da.name}")
    return TrainOutcome(
        model=fitted, name=name, out_dir=out_dir,
        cli_extra={
            "data": f"task {name} (train/val splits)" if task else str(request.data),
            "var": None if task else str(train_da.name),
        },
        window=f"{fitted.cfg.context} / {fitted.cfg.horizon}", source_args=src,
        notes=fitter.fit_notes(fitted),
    )


def series_input(
    model: Forecaster, data: str | None, var: str | None, task: Task | None
) -> ForecastInput:
    """The test split of ``task`` (default: the model's task when no ``--data``) or ``--data``."""
    from idff_ts.io import open_user_data
    from idff_ts.tasks import get_task

    name = task.name if task is not None else (None if data is not None else model.data_info.get("task"))
    task = get_task(name) if name is not None else None
    if task is not None:
        return ForecastInput(task.splits()["test"], f"task {task.name} (test split)", task)
    if data is not None:
        return ForecastInput(open_user_data(data, var or model.data_info.get("name")), data)
    raise UsageError(
        "no input data: pass --data FILE --var NAME (or --task NAME for a built-in task)"
    )


def series_inits(
    source: ForecastInput, model: Forecaster, inits: list[str], stride: int | None,
    horizon: int | None, days: float | None,
) -> Any:
    """``all`` (and a task's default): every init with a full context and truth for all leads
    (``all-context``: with a full context, truth or not), every ``stride``-th (a task's ``test_stride`` by default); ``last``/none: the last time."""
    from idff_ts.tasks import hindcast_inits

    task = source.task
    if inits in (["all"], ["all-context"]) or (not inits and task is not None):
        k_need = horizon if horizon is not None else model.cfg.horizon
        if days is not None:
            k_need = max(1, round(days / float(model.data_info.get("time_step") or 1.0)))
        if inits == ["all-context"]:  # explicit: the last inits forecast past the data's end
            k_need = 0
        default_stride = task.test_stride if task is not None and not inits else 1
        return hindcast_inits(source.data, model.cfg.context, k_need, stride or default_stride,
                              time_dim=source.time_dim)
    if not inits or inits == ["last"]:
        return None
    return inits


__all__ = ["series_inits", "series_input", "train_series"]
