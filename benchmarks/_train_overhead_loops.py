"""The two training loops ``train_overhead.py`` compares: a bare PyTorch loop and the Lightning
fit path, the same model, data, steps and seed."""

from __future__ import annotations

import time
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from idff_ts.config import ModelConfig, TrainConfig
from idff_ts.model import build_method
from idff_ts.training.datamodule import (
    BatchedWindows,
    EpochRandomSampler,
    SeriesDataModule,
    passthrough_collate,
)
from idff_ts.training.ema import EMA
from idff_ts.training.module import ForecastModule, step_seed


def _checksum(ema: EMA) -> float:
    """Sum of |θ̄| over the EMA weights: equal when both paths did the same optimisation."""
    return float(sum(p.double().abs().sum() for p in ema.shadow.parameters()))


def bare_loop(
    series: np.ndarray, cfg: ModelConfig, train: TrainConfig, steps: int, warmup: int
) -> dict[str, float]:
    """(a): the training step written out in plain PyTorch."""
    start = time.perf_counter()
    torch.manual_seed(train.seed)
    method = build_method("idff", cfg)
    method.train()
    ema = EMA(method, train.ema_decay, warmup=train.ema_warmup)
    opt = torch.optim.AdamW(method.parameters(), lr=train.lr, weight_decay=train.weight_decay)
    data = BatchedWindows(series, cfg.context, cfg.horizon)
    sampler = EpochRandomSampler(data, seed=train.seed)
    loader = DataLoader(
        data, batch_size=train.batch_size, sampler=sampler, collate_fn=passthrough_collate
    )
    gen = torch.Generator()
    step, epoch, t_warm, c_warm = 0, 0, 0.0, 0.0
    while step < steps:
        sampler.set_epoch(epoch)
        for batch in loader:
            if step == warmup:
                t_warm, c_warm = time.perf_counter(), time.process_time()
            gen.manual_seed(step_seed(train.seed, 0, step))
            loss = method.loss(batch, generator=gen).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(method.parameters(), train.grad_clip)
            opt.step()
            ema.update(method)
            step += 1
            if step >= steps:
                break
        epoch += 1
    end, c_end = time.perf_counter(), time.process_time()
    return {
        "per_step_ms": 1e3 * (end - t_warm) / (steps - warmup),
        "cpu_per_step_ms": 1e3 * (c_end - c_warm) / (steps - warmup),
        "total_s": end - start,
        "ema_checksum": _checksum(ema),
    }


class _StepTimer(L.Callback):
    """Wall and CPU clocks at the start of step ``warmup`` and at the end of the last step."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.t_warm = self.t_end = self.c_warm = self.c_end = 0.0

    def on_train_batch_start(
        self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int
    ) -> None:
        if trainer.global_step == self.warmup:
            self.t_warm, self.c_warm = time.perf_counter(), time.process_time()

    def on_train_batch_end(self, trainer: Any, pl_module: Any, *args: Any) -> None:
        self.t_end, self.c_end = time.perf_counter(), time.process_time()


def lightning_loop(
    series: np.ndarray, cfg: ModelConfig, train: TrainConfig, steps: int, warmup: int
) -> dict[str, float]:
    """(b): the same steps through ForecastModule + lightning.Trainer."""
    start = time.perf_counter()
    torch.manual_seed(train.seed)
    module = ForecastModule(build_method("idff", cfg), train)
    dm = SeriesDataModule(
        series, None, cfg.context, cfg.horizon, batch_size=train.batch_size, seed=train.seed
    )
    timer = _StepTimer(warmup)
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        max_steps=steps,
        max_epochs=-1,
        gradient_clip_val=train.grad_clip,
        gradient_clip_algorithm="norm",
        deterministic=train.deterministic,
        precision=train.precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        inference_mode=False,
        callbacks=[timer],
    )
    trainer.fit(module, datamodule=dm)
    end = time.perf_counter()
    return {
        "per_step_ms": 1e3 * (timer.t_end - timer.t_warm) / (steps - warmup),
        "cpu_per_step_ms": 1e3 * (timer.c_end - timer.c_warm) / (steps - warmup),
        "total_s": end - start,
        "ema_checksum": _checksum(module.ema),
    }


__all__ = ["bare_loop", "lightning_loop"]
