"""Train and sample a model on encoded anomalies of a series with gaps.

The series path encodes physical values to anomalies (:class:`idff_ts.data.encoding.
SeriesEncoding`); this module trains IDFF on them and samples from it:

- :func:`fit_anomalies`: the anomalies ``(T, P)`` may hold NaN at gap steps; they are cut into
  contiguous runs (:func:`idff_ts.data.gaps.contiguous_segments`), so every training and
  validation window with a missing value is skipped, and the count is reported. The training
  budget follows :func:`default_train_config`: a small series gets enough optimiser steps
  (batches no larger than an eighth of its windows, ~800 steps in at most 16 epochs), a long
  one is not over-trained; model selection is early stopping on validation CRPS as in
  :func:`idff_ts.fit`.
- :func:`anomaly_windows`: the context windows ending at given inits, refusing a window with
  a gap (:func:`idff_ts.data.gaps.check_context_gaps`); :func:`sample_anomalies` samples them.

:class:`FitSettings` carries what the caller of :func:`idff_ts.fit` fixed: network fields
(``model=``), training fields (``train=``, replacing those of the default budget), sampler
defaults and the Lightning hardware options.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig
from idff_ts.data.gaps import GapReport, check_context_gaps, contiguous_segments, gap_windows
from idff_ts.errors import DataError
from idff_ts.model import Forecaster, build_method

#: Optimiser steps aimed at by the default training budget, and the largest batch.
TARGET_STEPS = 800
MAX_EPOCHS = 16
MAX_BATCH = 256


def default_train_config(n_windows: int, seed: int = 0) -> tuple[TrainConfig, int]:
    """``(config, repeats)``: batch ``clip(n/8, 16, 256)``, at most :data:`MAX_EPOCHS` epochs
    of ~:data:`TARGET_STEPS` steps in all; a small series is repeated ``repeats`` times per
    epoch (fewer, longer epochs: Lightning's per-epoch cost dominates tiny data)."""
    batch = int(min(MAX_BATCH, max(16, n_windows // 8)))
    per_epoch = max(1, math.ceil(n_windows / batch))
    epochs = int(min(MAX_EPOCHS, max(5, math.ceil(TARGET_STEPS / per_epoch))))
    repeats = int(max(1, math.ceil(TARGET_STEPS / (epochs * per_epoch))))
    cfg = TrainConfig(max_epochs=epochs, batch_size=batch, seed=int(seed), patience=4,
                      val_inits=64)
    return cfg, repeats


@dataclass(frozen=True)
class FitSettings:
    """Fixed by the user (module docstring): ``model`` fields besides ``sigma``, ``train``
    fields replacing the default budget's (:func:`default_train_config`), ``sampler``, and
    the Lightning options (CPU, one device by default: the networks are small)."""

    model: Mapping[str, Any] = field(default_factory=dict)
    train: Mapping[str, Any] = field(default_factory=dict)
    sampler: SamplerConfig | None = None
    accelerator: str = "cpu"
    devices: Any = 1
    strategy: Any = "auto"
    num_nodes: int = 1


@dataclass
class AnomalyFit:
    """A trained model of anomalies and what its training saw."""

    forecaster: Forecaster
    train_gaps: GapReport
    val_gaps: GapReport
    best_val_crps: float | None
    train_config: TrainConfig
    epochs: int = 0
    steps: int = 0


def _segments(z: np.ndarray, width: int) -> tuple[list[np.ndarray], GapReport]:
    valid = np.isfinite(z).all(axis=1)
    segs, _ = contiguous_segments(z.astype(np.float32), valid, width)
    _, report = gap_windows(valid, width)
    return segs, report


def fit_anomalies(
    z_train: np.ndarray,
    z_val: np.ndarray,
    *,
    context: int,
    horizon: int,
    sigma: float = 0.5,
    seed: int = 0,
    settings: FitSettings | None = None,
) -> AnomalyFit:
    """Train IDFF on anomalies ``(T, P)`` (NaN = gap) with validation anomalies (module doc)."""
    from idff_ts.training.datamodule import SeriesDataModule
    from idff_ts.training.module import ForecastModule
    from idff_ts.training.trainer import build_trainer, quiet_lightning

    width = context + horizon
    train_segs, train_rep = _segments(z_train, width)
    val_segs, val_rep = _segments(z_val, width)
    if not train_segs:
        raise DataError(
            f"no training window of {width} complete steps (context {context} + horizon "
            f"{horizon}); {train_rep.describe()}; use a shorter context or fill gaps"
        )
    n_state = z_train.shape[1]
    settings = settings or FitSettings()
    cfg = ModelConfig(state_shape=(n_state,), context=context, horizon=horizon,
                      sigma=float(sigma), **dict(settings.model))
    train_cfg, repeats = default_train_config(train_rep.kept, seed)
    train_cfg = replace(train_cfg, **{**dict(settings.train), "seed": int(seed)})
    train_segs = train_segs * repeats
    sampler = settings.sampler or SamplerConfig()
    import lightning as L

    with quiet_lightning(True), tempfile.TemporaryDirectory(prefix="idff-series-") as tmp:
        L.seed_everything(train_cfg.seed, workers=True, verbose=False)
        module = ForecastModule(build_method("idff", cfg), train_cfg, sampler)
        dm = SeriesDataModule(train_segs, val_segs or None, context, horizon,
                              batch_size=train_cfg.batch_size, val_inits=train_cfg.val_inits,
                              val_batch_size=train_cfg.val_batch_size, seed=train_cfg.seed)
        from pathlib import Path

        trainer, best = build_trainer(
            train_cfg, Path(tmp), False, accelerator=settings.accelerator,
            devices=settings.devices, strategy=settings.strategy,
            num_nodes=settings.num_nodes, progress=False, callbacks=None,
        )
        trainer.fit(module, datamodule=dm)
        final = build_method("idff", cfg)
        final.load_state_dict(best.state)
        final.eval()
    fc = Forecaster(method=final, mean=np.zeros(n_state, np.float32),
                    std=np.ones(n_state, np.float32), sampler=sampler,
                    data_info={"kind": "vector", "context": context})
    return AnomalyFit(fc, train_rep, val_rep, best.score, train_cfg,
                      int(trainer.current_epoch), int(trainer.global_step))


def anomaly_windows(
    z: np.ndarray,
    init_idx: np.ndarray,
    context: int,
    times: np.ndarray | None = None,
    time_dim: str = "time",
) -> np.ndarray:
    """``(I, L, P)`` float32 context windows of ``z`` ``(T, P)`` ending at the inits; a window
    with a missing step is refused naming its dates (:func:`check_context_gaps`)."""
    idx = np.asarray(init_idx, dtype=np.int64)
    if idx.min(initial=context - 1) < context - 1:
        at = "" if times is None else f" ({times[idx.min()]})"
        raise DataError(f"init{at} has fewer than {context} steps along {time_dim!r} before "
                        "it; choose a later init")
    valid = np.isfinite(z).all(axis=1)
    check_context_gaps(valid, np.arange(z.shape[0]) if times is None else times, idx, context,
                       time_dim)
    rows = idx[:, None] + np.arange(-context + 1, 1)[None, :]
    return z[rows].astype(np.float32)


def sample_anomalies(
    fc: Forecaster,
    z: np.ndarray,
    init_idx: np.ndarray,
    horizon: int,
    members: int,
    seed: int = 0,
    times: np.ndarray | None = None,
    time_dim: str = "time",
) -> np.ndarray:
    """``(I, K, M, P)`` anomaly ensembles from the context windows of ``z`` ending at the inits
    (the same draws as :func:`idff_ts.forecast` with this seed)."""
    windows = anomaly_windows(z, init_idx, int(fc.cfg.context), times, time_dim)
    with torch.no_grad():
        samples, _ = fc.predict(windows, horizon, members, seed=seed)
    return np.moveaxis(samples, 0, 2).astype(np.float64)  # (I, K, M, P)


__all__ = ["AnomalyFit", "FitSettings", "anomaly_windows", "default_train_config", "fit_anomalies",
           "sample_anomalies"]
