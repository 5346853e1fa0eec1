"""Resolution of the generic forecast options: device, model, horizon, sampler overrides."""

from __future__ import annotations

import math
import os
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from idff_ts.errors import ConfigError

if TYPE_CHECKING:
    from idff_ts.config import SamplerConfig
    from idff_ts.model import Forecaster


def resolve_device(device: str | None = "auto") -> str:
    """``"auto"`` → ``"cuda"`` when available, else ``"cpu"``; checks an explicit choice."""
    import torch

    dev = (device or "auto").lower()
    if dev == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if dev == "cpu":
        return "cpu"
    if dev.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"device {device!r} requested but no CUDA GPU is available; use --device cpu "
                "(or auto)"
            )
        return dev
    if dev == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError("device 'mps' requested but it is not available; use cpu or auto")
        return dev
    raise ConfigError(f"unknown device {device!r}; expected auto, cpu, cuda or cuda:N")


def resolve_model(
    model: Forecaster | str | os.PathLike[str] | None, checkpoint: str | os.PathLike[str] | None
) -> Forecaster:
    """The :class:`Forecaster` from ``model`` (object or checkpoint path) or ``checkpoint``."""
    from idff_ts.model import Forecaster

    if model is not None and checkpoint is not None:
        raise ConfigError("pass either model=... or checkpoint=..., not both")
    source = model if model is not None else checkpoint
    if source is None:
        raise ConfigError(
            "forecast needs a model: pass model=<Forecaster> or checkpoint='path/to/model.pt' "
            "(train one with idff_ts.fit(...) or `idff-ts train`)"
        )
    if isinstance(source, Forecaster):
        return source
    if isinstance(source, str | os.PathLike):
        from idff_ts.training.checkpoint import load_checkpoint

        return load_checkpoint(source, map_location="cpu")
    raise ConfigError(
        f"model must be a Forecaster or a checkpoint path, got {type(source).__name__}"
    )


def resolve_horizon(
    horizon: int | None, days: float | None, kind: str, step: float, max_horizon: int
) -> int:
    """Number of slots K from ``horizon`` or calendar ``days`` (K = days / Δt)."""
    k_days = None
    if days is not None and not (isinstance(days, int | float) and math.isfinite(days) and days > 0):
        raise ConfigError(f"days (CLI --days) must be a finite number > 0, got {days!r}")
    if days is not None:
        if kind != "datetime":
            raise ConfigError(
                "days (CLI --days) needs calendar (datetime) data; this data has a numeric "
                "time axis, so give the number of slots with horizon (CLI --horizon) instead"
            )
        ratio = float(days) / step
        if not np.isclose(ratio, round(ratio)) or round(ratio) < 1:
            raise ConfigError(
                f"days={days:g} is not a whole number of time steps of {step:g} days; "
                "give the number of slots with horizon (CLI --horizon) instead"
            )
        k_days = int(round(ratio))
    if horizon is not None and k_days is not None and int(horizon) != k_days:
        raise ConfigError(
            f"horizon={horizon} and days={days:g} disagree ({k_days} slots of {step:g} days); "
            "give only one of them"
        )
    k = int(horizon) if horizon is not None else (k_days if k_days is not None else max_horizon)
    if k < 1:
        raise ConfigError(f"horizon must be >= 1 slot, got {k}")
    if k > max_horizon:
        raise ConfigError(
            f"requested {k} slots but the model was trained for at most {max_horizon}; "
            f"use a horizon <= {max_horizon} (or train with a longer horizon)"
        )
    return k


def resolve_sampler(
    sampler: SamplerConfig, nfe: int | None, gamma1: float | None, gamma2: float | None,
    endpoint: str | None = None,
) -> SamplerConfig:
    """The model's sampler with the given overrides (``None`` keeps the stored value); a bad
    value is a :class:`ConfigError` from :class:`SamplerConfig`."""
    pairs = (("nfe", nfe), ("gamma1", gamma1), ("gamma2", gamma2), ("endpoint", endpoint))
    changes = {k: v for k, v in pairs if v is not None}
    return replace(sampler, **changes) if changes else sampler


__all__ = ["resolve_device", "resolve_horizon", "resolve_model", "resolve_sampler"]
