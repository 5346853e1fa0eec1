"""DYffusion baseline: Rühling Cachay, Zhao, Joren & Yu, "DYffusion: A Dynamics-informed
Diffusion Model for Spatiotemporal Forecasting", NeurIPS 2023 (arXiv:2306.01984).

The "diffusion" runs along physical time within a horizon of ``h = K`` slots. Two networks on
the shared backbone (both see the context window ``c`` whose last entry is ``x_t``):

- **interpolator** ``I_φ(x_t, x_{t+h}, i) ≈ x_{t+i}`` for ``0 < i < h``, stochastic through
  Monte-Carlo dropout that stays on at inference (dropout ``p_I``);
- **forecaster** ``F_θ(x_{t+i}, i) ≈ x_{t+h}``, trained on interpolated inputs.

Losses (valid points only), with ``i ~ U{1..h−1}`` for the interpolator and ``j ~ U{0..h−1}`` for
the forecaster (``x_{t+0} = x_t``)::

    L_I = ‖I_φ(x_t, x_{t+h}, i) − x_{t+i}‖²,     L_F = ‖F_θ(sg[I_φ(x_t, x_{t+h}, j)], j) − x_{t+h}‖²

DYffusion trains ``I_φ`` first and then ``F_θ`` with ``I_φ`` frozen; here both are trained at
once on ``L_I + L_F`` with the interpolation passed through a stop-gradient ``sg`` (so ``L_F``
never changes ``φ``), which keeps the one-loss training loop of every other method.

**Cold sampling** (their Algorithm 2) on a schedule ``0 = i_0 < i_1 < … < i_N = h``::

    x̂_{t+h} = F_θ(x_{t+i_n}, i_n)
    x_{t+i_{n+1}} = I_φ(x_t, x̂_{t+h}, i_{n+1}) − I_φ(x_t, x̂_{t+h}, i_n) + x_{t+i_n}

with ``I(x_t, ·, 0) = x_t`` and ``I(x_t, x̂, h) = x̂`` (not network calls). The schedule has
``SamplerConfig.nfe = s`` sub-steps per slot (``i_n = n/s``, ``N = s h``); the states at integer
``i`` are the forecasts for leads ``1..h``. A window of ``h`` slots therefore makes about ``3 s h``
network calls (each counted; the rollout reports calls per slot). The forecast covers ``h`` slots
at once (:meth:`DYffusion.sample_window`), not one slot at a time.

Randomness: the dropout masks come from torch's global generator, seeded (inside a forked RNG
state) from the members' streams, so a forecast is reproducible from its seed; unlike the other
methods, member ``m`` of an ``M``-member ensemble is not the same as of a larger ensemble.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.base import LossOutput, Method, WindowResult, masked_mean
from idff_ts.nets import build_backbone
from idff_ts.sampling.bridge import SampleResult


class DYffusion(Method):
    """Interpolator + forecaster over two backbones of ``cfg`` (the interpolator with dropout).

    Args:
        cfg: model config; ``cfg.horizon`` is DYffusion's horizon ``h``.
        interpolator_dropout: ``p_I`` of the interpolator (used when ``cfg.dropout`` is 0).
    """

    name = "dyffusion"

    def __init__(self, cfg: ModelConfig, interpolator_dropout: float = 0.15) -> None:
        super().__init__(cfg)
        p = cfg.dropout if cfg.dropout > 0 else interpolator_dropout
        self.interpolator = build_backbone(dataclasses.replace(cfg, dropout=p))
        self.forecaster = build_backbone(cfg)
        self.h = int(cfg.horizon)

    # ------------------------------------------------------------------------------ networks
    def _ones(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ones(x.shape[0], dtype=torch.long, device=x.device)

    def _i(self, x: torch.Tensor, i: float | torch.Tensor) -> torch.Tensor:
        i = torch.as_tensor(i, dtype=x.dtype, device=x.device)
        return (i.expand(x.shape[0]) if i.dim() == 0 else i) / self.h

    def interpolate(self, cond: torch.Tensor, x_end: torch.Tensor, i: float | torch.Tensor) -> torch.Tensor:
        """``I_φ(x_t, x_{t+h}, i)``: ``x_t = cond[:, -1]``, ``x_end`` the state at ``t + h``."""
        return self.interpolator(x_end, self._i(x_end, i), self._ones(x_end), cond)[0]

    def forecast(self, cond: torch.Tensor, x_i: torch.Tensor, i: float | torch.Tensor) -> torch.Tensor:
        """``F_θ(x_{t+i}, i) ≈ x_{t+h}``."""
        return self.forecaster(x_i, self._i(x_i, i), self._ones(x_i), cond)[0]

    # -------------------------------------------------------------------------------- training
    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        window = batch["window"]
        mask = batch.get("mask")
        L = self.cfg.context
        if window.shape[1] != L + self.h:
            raise ConfigError(
                f"DYffusion trains on windows of context + horizon = {L + self.h} states, got "
                f"{window.shape[1]}"
            )
        b = window.shape[0]
        rows = torch.arange(b, device=window.device)
        cond = window[:, :L]
        x_end = window[:, L - 1 + self.h]
        if self.h > 1:
            i = torch.randint(1, self.h, (b,), generator=generator, device="cpu").to(window.device)
            interp = masked_mean((self.interpolate(cond, x_end, i) - window[rows, L - 1 + i]) ** 2, mask)
        else:
            interp = torch.zeros(b, device=window.device, dtype=window.dtype)
        j = torch.randint(0, self.h, (b,), generator=generator, device="cpu").to(window.device)
        with torch.no_grad():
            x_j = self.interpolate(cond, x_end, j)
            jb = j.reshape(b, *([1] * (x_j.dim() - 1)))
            x_j = torch.where(jb == 0, cond[:, -1], x_j)
        fore = masked_mean((self.forecast(cond, x_j.detach(), j) - x_end) ** 2, mask)
        loss = interp.mean() + fore.mean()
        return LossOutput(loss=loss, parts={"interpolator": interp.mean(), "forecaster": fore.mean()})

    # -------------------------------------------------------------------------------- sampling
    def sample_next(
        self,
        cond: torch.Tensor,
        k: torch.Tensor,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
    ) -> SampleResult:
        raise NotImplementedError("DYffusion forecasts a whole window: use sample_window")

    def sample_window(
        self,
        cond: torch.Tensor,
        horizon: int,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
        on_slot: Callable[[], None] | None = None,
    ) -> WindowResult:
        """Cold sampling over ``s = sampler.nfe`` sub-steps per slot; leads ``1..horizon``."""
        if sampler.solver not in ("auto", "cold"):
            raise ConfigError(f"unknown DYffusion solver {sampler.solver!r}; expected 'cold' or 'auto'")
        if horizon > self.h:
            raise ConfigError(f"DYffusion was trained for a horizon of {self.h}; asked for {horizon}")
        s = int(sampler.nfe)
        schedule = [n / s for n in range(s * self.h + 1)]  # i_0 = 0 … i_N = h
        draws = noise((1,)).detach().double().cpu().numpy().tobytes()
        seed = int.from_bytes(hashlib.sha256(draws).digest()[:8], "little") >> 1
        devices = [cond.device] if cond.device.type == "cuda" else []
        x0 = cond[:, -1]
        x = x0
        out: list[torch.Tensor] = []
        calls = 0
        was_training = self.interpolator.training
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            self.interpolator.train(True)  # MC dropout stays on at inference
            try:
                for n in range(len(schedule) - 1):
                    i_n, i_next = schedule[n], schedule[n + 1]
                    x_hat = self.forecast(cond, x, i_n)
                    calls += 1
                    nxt = x_hat if i_next >= self.h else self.interpolate(cond, x_hat, i_next)
                    cur = x0 if i_n == 0 else self.interpolate(cond, x_hat, i_n)
                    calls += (i_next < self.h) + (i_n > 0)
                    x = nxt - cur + x
                    if float(i_next).is_integer():
                        out.append(x)
                        if on_slot is not None:
                            on_slot()
                        if len(out) == horizon:
                            break
            finally:
                self.interpolator.train(was_training)
        return WindowResult(x=torch.stack(out, dim=1), calls=calls, n_jvp=0)
