"""``fit``: from a labelled DataArray to a trained :class:`~idff_ts.model.Forecaster`.

The steps, in order (nothing is written before the inputs have been checked):

1. **Splits.** ``data`` is a DataArray (or ``{"train": …, "val": …}``) with a ``time`` dim. When
   no validation data are given, the last ~15 % of the trajectories (if there is a series dim
   with ≥ 2 entries) or else the last ~15 % of the time steps are held out; they are never
   used for training.
2. **Normalisation** ``z = (y − μ)/s`` fitted on the training split only (per variable /
   channel, valid points only when a mask is given).
3. **Model** defaults derived from the data: ``state_shape`` from the array, ``context`` = L,
   ``horizon`` = K, backbone ``"mlp"`` for scalars and vectors (``"unet"`` for fields once it is
   registered). ``model`` overrides any other field.
4. **Training** with Lightning (:class:`~idff_ts.training.module.ForecastModule`): AdamW,
   gradient clipping, EMA, deterministic seeding, ``accelerator="auto"`` (CPU, GPU, DDP,
   multi-node without code changes); ``ModelCheckpoint`` and ``EarlyStopping`` on ``val_crps``.
5. **Result**: a Forecaster holding the EMA weights of the best checkpoint by ``val_crps``; with
   ``out_dir`` it is also written to ``out_dir/model.pt`` (+ ``.sha256``) and Lightning's
   ``last.ckpt`` stays there for ``resume_from``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr

from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig, from_dict, to_dict
from idff_ts.errors import ConfigError
from idff_ts.model import Forecaster, build_method
from idff_ts.training.describe import (
    build_data_info,
    default_backbone,
    resolve_model_config,
    time_step,
)
from idff_ts.training.splits import (
    VAL_FRACTION,
    PreparedData,
    align_mask,
    fit_normalizer,
    hold_out,
    prepare_data,
)
from idff_ts.training.trainer import build_trainer, provenance, quiet_lightning, relocate_resume

log = logging.getLogger(__name__)


def fit(
    data: xr.DataArray | Mapping[str, xr.DataArray],
    *,
    val: xr.DataArray | None = None,
    context: int = 1,
    horizon: int = 7,
    model: ModelConfig | Mapping[str, Any] | None = None,
    train: TrainConfig | Mapping[str, Any] | None = None,
    sampler: SamplerConfig | None = None,
    time_dim: str = "time",
    series_dim: str | None = None,
    mask: np.ndarray | xr.DataArray | None = None,
    accelerator: str = "auto",
    devices: int | str | Sequence[int] = "auto",
    strategy: str | Any = "auto",
    num_nodes: int = 1,
    out_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
    progress: bool = True,
    callbacks: Sequence[Any] | None = None,
    method: str = "idff",
    data_info: Mapping[str, Any] | None = None,
) -> Forecaster:
    """Train a forecaster on ``data`` and return the best one by validation CRPS.

    Args:
        data: a DataArray with a ``time_dim`` (scalar series, vector per step, or field), or a
            dict ``{"train": da, "val": da}``.
        val: validation data; ``None`` holds out the last ~15 % of trajectories (series dim
            present) or of time steps — never used for training.
        context, horizon: ``L`` past states seen, ``K`` future slots trained and validated.
        model: a full :class:`ModelConfig`, or a dict of fields overriding the data-derived
            defaults (``state_shape``, ``context``, ``horizon`` always come from the data).
        train: :class:`TrainConfig` (or dict of its fields); ``seed`` seeds everything.
        sampler: sampler defaults stored with the model (validation uses ``train.val_nfe``).
        time_dim, series_dim: see :func:`idff_ts.data.series.as_series_array`.
        mask: static mask (1 = valid) broadcastable to the state; masked points never count.
        accelerator, devices, strategy, num_nodes: passed to ``lightning.Trainer``. A
            ``torch.distributed`` process group that training started (DDP) is ended before
            ``fit`` returns; one that existed before is left alone.
        out_dir: where ``model.pt`` (+ ``.sha256``), ``last.ckpt``, the best Lightning
            checkpoint and CSV logs (``logs/``) go. ``None``: nothing is kept.
        resume_from: a Lightning checkpoint (``out_dir/last.ckpt``) to continue from; epochs,
            step counter, optimiser, EMA and early-stopping state are restored.
        progress: Lightning's progress bar (rich) and summaries on a TTY; quiet otherwise.
        callbacks: extra Lightning callbacks.
        method: a registered method name (:data:`idff_ts.methods.METHODS`).
        data_info: entries added to the model's ``data_info`` (a domain's own keys, such as
            its name), before the checkpoint is written.

    Returns:
        A :class:`Forecaster` with the EMA weights of the best checkpoint, the training
        normalisation and ``data_info``.

    """
    train_cfg = (
        train if isinstance(train, TrainConfig) else from_dict(TrainConfig, dict(train or {}))
    )
    sampler_cfg = sampler or SamplerConfig()
    if resume_from is not None and not Path(resume_from).is_file():
        raise ConfigError(f"resume_from: checkpoint not found: {resume_from}")

    prepared = prepare_data(data, val, context, horizon, time_dim, series_dim, mask)
    cfg = resolve_model_config(
        model, prepared.train.shape[2:], prepared.info.kind, context, horizon
    )
    info = {**build_data_info(prepared.info, context), **dict(data_info or {})}
    probe = build_method(method, cfg)
    if not probe.trainable:  # reference forecasts: set from the training data, no Lightning
        return _fit_reference(probe, prepared, sampler_cfg, info, out_dir)
    run = _Run(cfg, train_cfg, sampler_cfg, method, prepared, info, context, horizon)
    trainer_kw = {"accelerator": accelerator, "devices": devices, "strategy": strategy,
                  "num_nodes": num_nodes, "progress": progress, "callbacks": callbacks}
    quiet = not (progress and sys.stderr.isatty())
    started_here = not _distributed_initialised()
    with quiet_lightning(quiet), contextlib.ExitStack() as stack:
        try:
            return _train(run, out_dir, resume_from, trainer_kw, stack)
        finally:
            if started_here and _distributed_initialised():
                # the process group Lightning started for DDP ends with the run: left to the
                # interpreter's exit, gloo's threads could abort the process ("terminate called
                # without an active exception") after the model was written
                torch.distributed.destroy_process_group()


def _distributed_initialised() -> bool:
    return bool(torch.distributed.is_available() and torch.distributed.is_initialized())


class _Run:
    """The resolved inputs of one training run."""

    def __init__(self, cfg: ModelConfig, train: TrainConfig, sampler: SamplerConfig, method: str,
                 prepared: PreparedData, info: dict[str, Any], context: int, horizon: int) -> None:
        self.cfg, self.train, self.sampler, self.method = cfg, train, sampler, method
        self.prepared, self.info, self.context, self.horizon = prepared, info, context, horizon

    def datamodule(self) -> Any:
        from idff_ts.training.datamodule import SeriesDataModule

        t = self.train
        return SeriesDataModule(
            self.prepared.train, self.prepared.val, self.context, self.horizon,
            batch_size=t.batch_size, val_inits=t.val_inits, val_batch_size=t.val_batch_size,
            seed=t.seed, num_workers=t.num_workers, stride=t.stride,
        )


def _train(
    run: _Run, out_dir: str | Path | None, resume_from: str | Path | None,
    trainer_kw: dict[str, Any], stack: contextlib.ExitStack,
) -> Forecaster:
    """Lightning training, then the Forecaster with the best EMA weights (written to
    ``out_dir/model.pt`` when given)."""
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger

    from idff_ts.training.module import ForecastModule

    L.seed_everything(run.train.seed, workers=True, verbose=False)
    prepared = run.prepared
    mask_t = None if prepared.mask is None else torch.from_numpy(prepared.mask)
    module = ForecastModule(build_method(run.method, run.cfg), run.train, run.sampler, mask=mask_t)
    resume_ckpt = None
    if resume_from is not None:  # a bad last.ckpt is one line, before Lightning reads it
        from idff_ts.training.checkpoint import check_resume

        resume_ckpt = check_resume(resume_from, module)
    if out_dir is not None:
        ckpt_dir = Path(out_dir)
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        logger: Any = CSVLogger(save_dir=str(ckpt_dir), name="logs")
    else:
        ckpt_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="idff-fit-")))
        logger = False
    trainer, best = build_trainer(run.train, ckpt_dir, logger, **trainer_kw)
    start = (None if resume_ckpt is None
             else relocate_resume(Path(resume_from), resume_ckpt, ckpt_dir))
    try:
        trainer.fit(module, datamodule=run.datamodule(),
                    ckpt_path=None if start is None else str(start),
                    weights_only=True if start is not None else None)
    finally:
        if start is not None and start != Path(resume_from):
            start.unlink(missing_ok=True)
    assert best.state is not None
    final = build_method(run.method, run.cfg)
    final.load_state_dict(best.state)
    final.eval()
    forecaster = Forecaster(
        method=final,
        mean=prepared.normalizer.mean.astype(np.float32),
        std=prepared.normalizer.std.astype(np.float32),
        sampler=run.sampler,
        data_info=run.info,
    )
    if out_dir is not None:
        forecaster.sha256 = _save(forecaster, run, trainer, module, best, out_dir, resume_from)
    if best.score is not None and not math.isfinite(best.score):
        log.warning("best val_crps is not finite (%s): training diverged", best.score)
    return forecaster


def _save(
    forecaster: Forecaster, run: _Run, trainer: Any, module: Any, best: Any,
    out_dir: str | Path, resume_from: str | Path | None,
) -> str | None:
    """Write ``out_dir/model.pt`` on rank 0 with the run's notes; every rank gets the digest."""
    extra = {
        "train": to_dict(run.train),
        "split": run.prepared.split,
        "normalizer": run.prepared.normalizer.to_dict(),
        "best_checkpoint": os.path.basename(best.path),
        "best_val_crps": best.score,
        "global_step": int(trainer.global_step),
        "epochs": int(trainer.current_epoch),
        "world_size": int(trainer.world_size),
        "val_history": module.val_history,
        "resumed_from": None if resume_from is None else str(resume_from),
        "versions": provenance(),
    }
    digest = None
    if trainer.is_global_zero:
        from idff_ts.training.checkpoint import save_checkpoint

        digest = save_checkpoint(Path(out_dir) / "model.pt", forecaster, extra=extra)
    if trainer.world_size > 1:
        digest = trainer.strategy.broadcast(digest, src=0)
    return digest


def _fit_reference(
    method: Any, prepared: PreparedData, sampler: SamplerConfig, data_info: dict[str, Any],
    out_dir: str | Path | None,
) -> Forecaster:
    """A reference forecast (persistence, climatology) set from the standardised training data."""
    method.fit_reference(torch.from_numpy(prepared.train))
    method.eval()
    forecaster = Forecaster(
        method=method,
        mean=prepared.normalizer.mean.astype(np.float32),
        std=prepared.normalizer.std.astype(np.float32),
        sampler=sampler,
        data_info=data_info,
    )
    if out_dir is not None:
        from idff_ts.training.checkpoint import save_checkpoint

        extra = {"split": prepared.split, "normalizer": prepared.normalizer.to_dict(),
                 "versions": provenance()}
        save_checkpoint(Path(out_dir) / "model.pt", forecaster, extra=extra)
    return forecaster


__all__ = [
    "VAL_FRACTION",
    "PreparedData",
    "align_mask",
    "build_trainer",
    "build_data_info",
    "default_backbone",
    "fit",
    "fit_normalizer",
    "hold_out",
    "prepare_data",
    "resolve_model_config",
    "time_step",
]
