"""Probabilistic persistence: the reference forecast an ensemble should be compared with.

Persistence (``ŷ_{n+k} = y_n``) is one member, so comparing its CRPS (an absolute error) with a
20-member ensemble's says little. This reference keeps persistence's centre and adds the spread
the data themselves have: member ``m`` of a forecast from ``y_n`` is

    ŷ^m_{n+k} = y_n + (y_{j+k} − y_j),      k = 1..K,

with ``j`` one training time drawn per member (the same ``j`` for all leads, so each member is a
climatological increment *trajectory* of the training split). No network (NFE 0). The pool of
increment trajectories (at most ``max_values`` numbers, evenly thinned) is a buffer saved with
the model; member draws come from the member's noise stream as for :class:`Climatology`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.base import WindowResult
from idff_ts.methods.reference import PooledReference, draw_rows, thin_evenly
from idff_ts.sampling.bridge import SampleResult


class ProbabilisticPersistence(PooledReference):
    """Persistence plus ``M`` climatological increment trajectories of the training split."""

    name = "prob-persistence"
    pool_name = "increments"

    def __init__(self, cfg: ModelConfig, max_values: int = 5_000_000) -> None:
        super().__init__(cfg)
        self.max_values = int(max_values)
        self.register_buffer("increments", torch.zeros((0, cfg.horizon, *cfg.state_shape)))

    def fit_reference(self, train: torch.Tensor) -> None:
        """``train`` (n_series, T, *state), standardised: every ``y_{j+1..j+K} − y_j``."""
        series = torch.as_tensor(train, dtype=torch.float32)
        k = self.cfg.horizon
        if series.shape[1] <= k:
            raise ConfigError(f"probabilistic persistence needs series longer than K={k} steps, "
                              f"got {series.shape[1]}")
        windows = series.unfold(1, k + 1, 1)  # (S, T − K, *state, K + 1)
        windows = windows.movedim(-1, 2).reshape(-1, k + 1, *self.cfg.state_shape)
        inc = windows[:, 1:] - windows[:, :1]
        cap = max(1, self.max_values // max(1, inc[0].numel()))
        self.increments = thin_evenly(inc, cap).clone()

    def sample_next(self, cond, k, sampler: SamplerConfig, noise) -> SampleResult:  # noqa: ANN001
        raise NotImplementedError("probabilistic persistence forecasts a whole window: use sample_window")

    def sample_window(
        self,
        cond: torch.Tensor,
        horizon: int,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
        on_slot: Callable[[], None] | None = None,
    ) -> WindowResult:
        """Leads ``1..horizon`` from ``cond[:, -1]`` plus one increment trajectory per row."""
        n = self.increments.shape[0]
        if n == 0:
            raise ConfigError("probabilistic persistence has no increments: call fit_reference(train) first")
        if horizon > self.increments.shape[1]:
            raise ConfigError(f"fitted for {self.increments.shape[1]} leads; asked for {horizon}")
        inc = self.increments[draw_rows(self.increments, noise), :horizon].to(cond)
        x = cond[:, -1:] + inc
        if on_slot is not None:
            for _ in range(horizon):
                on_slot()
        return WindowResult(x=x, calls=0, n_jvp=0)
