"""DYffusion baseline: Rühling Cachay, Zhao, Joren & Yu, "DYffusion: A Dynamics-informed
Diffusion Model for Spatiotemporal Forecasting", NeurIPS 2023 (arXiv:2306.01984).

The "diffusion" runs along physical time within a horizon of ``h = K`` slots. Two networks on
the shared backbone (both see the context window ``c`` whose last entry is ``x_t``):

- **interpolator** ``I_φ(x_t, x_{t+h}, i) ≈ x_{t+i}`` for ``0 < i < h``, stochastic through
  Monte-Carlo dropout that stays on at inference (dropout ``p_I``);
- **forecaster** ``F_θ(x_{t+i}, i) ≈ x_{t+h}``, trained on interpolated inputs.

Losses (valid points only), with ``i ~ U{1..h−1}`` for the interpolator and ``j ~ U{0..h−1}`` for
the forecaster (``x_{t+0} = x_t``)::

    L_I = ‖I_φ(x_t, x_{t+h}, i) − x_{t+i}‖²,     L_F = ‖F_θ(I_φ(x_t, x_{t+h}, j), j) − x_{t+h}‖²

**Two stages**, as in the paper: the first ``method_options["interpolator_steps"]`` training
steps (default 100) optimise ``L_I`` only; afterwards ``L_F`` only, with ``I_φ`` frozen (its
output passes through ``no_grad``). Both networks sit in one module so that one Lightning run,
with the same early-stopping rule as every other method, trains both stages.

**Cold sampling** (their Algorithm 2) on the integer schedule ``i_n = n, n = 0..h``: the
forecaster is queried only at the integer steps it was trained at (the paper's choice)::

    x̂_{t+h} = F_θ(x_{t+i_n}, i_n)
    x_{t+i_{n+1}} = I_φ(x_t, x̂_{t+h}, i_{n+1}) − I_φ(x_t, x̂_{t+h}, i_n) + x_{t+i_n}

with ``I(x_t, ·, 0) = x_t`` and ``I(x_t, x̂, h) = x̂`` (not network calls). A window of ``h``
slots makes ``3h − 2`` network calls; ``SamplerConfig.nfe`` must be 1 (sub-steps between
integers would query ``F_θ`` where it was never trained, and its CRPS worsened with them). The
interpolation horizon ``h = method_options["h"]`` (default ``cfg.horizon``) may be shorter than
the forecast horizon; longer forecasts chain windows of ``h`` slots, the context sliding over
the sampled states. Both ``h`` and the interpolator's dropout ``cfg.dropout`` are knobs chosen
on validation.

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
        cfg: model config; ``cfg.method_options`` may set ``h`` (the interpolation horizon,
            default ``cfg.horizon``) and ``interpolator_steps`` (length of stage 1).
        interpolator_dropout: ``p_I`` of the interpolator (used when ``cfg.dropout`` is 0).
    """

    name = "dyffusion"

    def __init__(self, cfg: ModelConfig, interpolator_dropout: float = 0.15) -> None:
        super().__init__(cfg)
        p = cfg.dropout if cfg.dropout > 0 else interpolator_dropout
        self.interpolator = build_backbone(dataclasses.replace(cfg, dropout=p))
        self.forecaster = build_backbone(cfg)
        self.h = int(cfg.method_options.get("h", cfg.horizon))
        self.interpolator_steps = int(cfg.method_options.get("interpolator_steps", 100))
        if not 1 <= self.h <= cfg.horizon:
            raise ConfigError(f"DYffusion's h must be in 1..{cfg.horizon} (the horizon), got {self.h}")
        self.steps_taken = 0  # training steps seen (stage 1 while < interpolator_steps)

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
    def stage(self) -> str:
        """``"interpolator"`` for the first ``interpolator_steps`` training steps, then
        ``"forecaster"`` (always ``"forecaster"`` when ``h = 1``: nothing to interpolate)."""
        return "interpolator" if self.h > 1 and self.steps_taken < self.interpolator_steps else "forecaster"

    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        window = batch["window"]
        mask = batch.get("mask")
        L = self.cfg.context
        if window.shape[1] < L + self.h:
            raise ConfigError(
                f"DYffusion trains on windows of at least context + h = {L + self.h} states, got "
                f"{window.shape[1]}"
            )
        b = window.shape[0]
        rows = torch.arange(b, device=window.device)
        cond = window[:, :L]
        x_end = window[:, L - 1 + self.h]
        stage = self.stage()
        if self.training and torch.is_grad_enabled():
            self.steps_taken += 1
        if stage == "interpolator":
            i = torch.randint(1, self.h, (b,), generator=generator, device="cpu").to(window.device)
            interp = masked_mean((self.interpolate(cond, x_end, i) - window[rows, L - 1 + i]) ** 2, mask)
            return LossOutput(loss=interp.mean(), parts={"interpolator": interp.mean()})
        j = torch.randint(0, self.h, (b,), generator=generator, device="cpu").to(window.device)
        with torch.no_grad():
            x_j = self.interpolate(cond, x_end, j)
            jb = j.reshape(b, *([1] * (x_j.dim() - 1)))
            x_j = torch.where(jb == 0, cond[:, -1], x_j)
        fore = masked_mean((self.forecast(cond, x_j.detach(), j) - x_end) ** 2, mask)
        return LossOutput(loss=fore.mean(), parts={"forecaster": fore.mean()})

    # -------------------------------------------------------------------------------- sampling
    def sample_next(
        self,
        cond: torch.Tensor,
        k: torch.Tensor,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
    ) -> SampleResult:
        raise NotImplementedError("DYffusion forecasts a whole window: use sample_window")

    def _cold_window(self, cond: torch.Tensor, slots: int, on_slot: Callable[[], None] | None
                     ) -> tuple[list[torch.Tensor], int]:
        """Cold sampling over the integer schedule ``0..h``; the first ``slots`` leads."""
        x0 = cond[:, -1]
        x, out, calls = x0, [], 0
        for i_n in range(self.h):
            i_next = i_n + 1
            x_hat = self.forecast(cond, x, i_n)
            nxt = x_hat if i_next >= self.h else self.interpolate(cond, x_hat, i_next)
            cur = x0 if i_n == 0 else self.interpolate(cond, x_hat, i_n)
            calls += 1 + (i_next < self.h) + (i_n > 0)
            x = nxt - cur + x
            out.append(x)
            if on_slot is not None:
                on_slot()
            if len(out) == slots:
                break
        return out, calls

    def sample_window(
        self,
        cond: torch.Tensor,
        horizon: int,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
        on_slot: Callable[[], None] | None = None,
    ) -> WindowResult:
        """Cold sampling at integer steps; windows of ``h`` slots chained up to ``horizon``."""
        if sampler.solver not in ("auto", "cold"):
            raise ConfigError(f"unknown DYffusion solver {sampler.solver!r}; expected 'cold' or 'auto'")
        if sampler.nfe != 1:
            raise ConfigError(f"DYffusion samples only at the integer steps it was trained at: "
                              f"nfe must be 1, got {sampler.nfe}")
        draws = noise((1,)).detach().double().cpu().numpy().tobytes()
        seed = int.from_bytes(hashlib.sha256(draws).digest()[:8], "little") >> 1
        devices = [cond.device] if cond.device.type == "cuda" else []
        out: list[torch.Tensor] = []
        calls = 0
        was_training = self.interpolator.training
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            self.interpolator.train(True)  # MC dropout stays on at inference
            try:
                while len(out) < horizon:
                    new, c = self._cold_window(cond, horizon - len(out), on_slot)
                    out.extend(new)
                    calls += c
                    cond = torch.cat([cond, torch.stack(new, dim=1)], dim=1)[:, -self.cfg.context:]
            finally:
                self.interpolator.train(was_training)
        return WindowResult(x=torch.stack(out, dim=1), calls=calls, n_jvp=0)
