"""A trained forecaster: the method, its normalisation, its data description and sampler defaults.

This is what a checkpoint holds and what :func:`idff_ts.forecast` uses. It needs no Lightning.
States enter and leave in physical units; the network works in standardised units
``z = (y − mean) / std``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import DataError
from idff_ts.methods import METHODS, Method
from idff_ts.sampling.rollout import EnsembleResult, forecast_ensemble


@dataclass
class Forecaster:
    """A method with everything needed to forecast in physical units.

    Attributes:
        method: the trained network and its sampler (:class:`idff_ts.methods.Method`).
        mean, std: normalisation fitted on training data, broadcastable to the state shape.
        sampler: default sampler settings (chosen on validation data).
        data_info: JSON-safe description of the data (dims, coords, units, time step, task).
        sha256: hash of the checkpoint file it was loaded from (None if never saved).
        assets: named numeric arrays the model needs at inference besides its weights (e.g.
            the SST day-of-year climatology of :mod:`idff_ts.domains.sst`); saved as plain tensors in
            the checkpoint (empty for most models).
    """

    method: Method
    mean: np.ndarray
    std: np.ndarray
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    data_info: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None
    assets: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def cfg(self) -> ModelConfig:
        return self.method.cfg

    def standardize(self, y: np.ndarray) -> np.ndarray:
        return ((y - self.mean) / self.std).astype(np.float32)

    def destandardize(self, z: np.ndarray) -> np.ndarray:
        return (z * self.std + self.mean).astype(np.float32)

    def check_context(self, context: np.ndarray) -> None:
        """Refuse a context of the wrong shape, with what was expected and found."""
        want = (self.cfg.context, *self.cfg.state_shape)
        if context.ndim != len(want) + 1 or tuple(context.shape[1:]) != want:
            raise DataError(
                f"this checkpoint expects context windows of shape (batch, {', '.join(map(str, want))})"
                f" (context L={self.cfg.context}, state {self.cfg.state_shape}); found "
                f"{tuple(context.shape)}. Use a checkpoint trained on data of this shape."
            )
        if not np.isfinite(context).all():
            raise DataError(
                f"the input window holds {int((~np.isfinite(context)).sum())} NaN/inf values; "
                "fill or drop them before forecasting"
            )

    def predict(
        self,
        context: np.ndarray,
        horizon: int,
        members: int,
        seed: int = 0,
        sampler: SamplerConfig | None = None,
        device: str | torch.device = "cpu",
        chunk_members: int | None = None,
        on_slot: Callable[[], None] | None = None,
    ) -> tuple[np.ndarray, EnsembleResult]:
        """Ensemble forecast from ``context`` (B, L, *state) in physical units.

        Returns samples (M, B, K, *state) in physical units and the raw result (cost, NFE).
        """
        context = np.asarray(context, dtype=np.float32)
        self.check_context(context)
        z = torch.from_numpy(self.standardize(context))
        self.method.to(device)
        res = forecast_ensemble(
            self.method, z, horizon, members, sampler or self.sampler, seed=seed,
            device=device, chunk_members=chunk_members, on_slot=on_slot,
        )
        return self.destandardize(res.samples.numpy()), res

    def with_sampler(self, **changes: Any) -> Forecaster:
        return replace(self, sampler=replace(self.sampler, **changes))


def build_method(name: str, cfg: ModelConfig) -> Method:
    """Instantiate a registered method (see :data:`idff_ts.methods.METHODS`)."""
    from idff_ts.errors import ConfigError

    if name not in METHODS:
        raise ConfigError(f"unknown method {name!r}; known: {sorted(METHODS)}")
    method = METHODS[name](cfg)
    if cfg.method_options.get("output") == "residual":  # idff_ts.methods.output
        from idff_ts.methods.output import zero_init_data_heads

        zero_init_data_heads(method)
    return method
