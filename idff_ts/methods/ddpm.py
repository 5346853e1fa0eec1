"""DDPM baseline with DDPM-ancestral and DDIM sampling.

- Ho, Jain & Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020
  (arXiv:2006.11239): ε-prediction, ``L = E ‖ε̂(x_n, n, c) − ε‖²`` with
  ``x_n = sqrt(ᾱ_n) x1 + sqrt(1 − ᾱ_n) ε``, ``n ~ U{1..T}``, ``T = 1000``.
- Nichol & Dhariwal, "Improved Denoising Diffusion Probabilistic Models", ICML 2021
  (arXiv:2102.09672): the cosine schedule ``ᾱ_n = f(n)/f(0)``,
  ``f(n) = cos²((n/T + s)/(1 + s) · π/2)``, ``s = 0.008``, ``β_n ≤ 0.999``; and ancestral
  sampling on a respaced subsequence of the T steps.
- Song, Meng & Ermon, "Denoising Diffusion Implicit Models", ICLR 2021 (arXiv:2010.02502):
  for a subsequence ``τ_N > … > τ_1`` and ``x̂1 = (x − sqrt(1 − ᾱ) ε̂)/sqrt(ᾱ)``::

      x_prev = sqrt(ᾱ_prev) x̂1 + sqrt(1 − ᾱ_prev − s²) ε̂ + s z,
      s = η sqrt((1 − ᾱ_prev)/(1 − ᾱ)) sqrt(1 − ᾱ/ᾱ_prev)

  ``η = 0`` is DDIM (deterministic given the start ``x_T``), ``η = 1`` is exactly the DDPM
  ancestral step of the respaced chain (its posterior ``q(x_prev | x, x̂1)``).

The target is the next state ``x1``, the condition the context window and slot ``k``; the
network's second head is ``ε̂`` (the first, a residual on the source state, is not used).
``x̂1`` is clipped to ``±clip`` standardised units before each update (Ho et al. clip to the data
range; here ±5 training standard deviations), which matters at very few steps where
``sqrt(ᾱ_T) ≈ 5e-5`` would amplify any error of ``ε̂``. NFE = ``nfe`` steps, one call each.
Solvers (``SamplerConfig.solver``): ``ddim`` (default) and ``ancestral``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.base import LossOutput, Method, draw_slots, masked_mean
from idff_ts.nets import Backbone, build_backbone
from idff_ts.sampling.bridge import SampleResult
from idff_ts.sampling.counting import CountingField

SOLVERS = {"ddim": 0.0, "ancestral": 1.0}


def cosine_alpha_bar(steps: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """``ᾱ_n`` for ``n = 0..T`` (float64, ``ᾱ_0 = 1``) of the cosine schedule, β clipped."""
    n = torch.arange(steps + 1, dtype=torch.float64)
    f = torch.cos((n / steps + s) / (1.0 + s) * math.pi / 2.0) ** 2
    ratio = (f[1:] / f[:-1]).clamp(min=1.0 - max_beta)  # 1 − β_n
    return torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(ratio, 0)])


def respaced_steps(nfe: int, steps: int) -> list[int]:
    """``τ_N > … > τ_1``: ``nfe`` evenly spaced steps of ``1..T`` starting at ``T``."""
    if nfe > steps:
        raise ConfigError(f"DDPM has {steps} diffusion steps; nfe={nfe} is more")
    return sorted({max(1, round(steps * (i + 1) / nfe)) for i in range(nfe)}, reverse=True)


class DDPM(Method):
    """ε-prediction diffusion over a backbone; ``forward(x_n, n/T, k, cond)`` returns ``ε̂``."""

    name = "ddpm"

    def __init__(
        self,
        cfg: ModelConfig,
        backbone: Backbone | None = None,
        steps: int = 1000,
        clip: float = 5.0,
    ) -> None:
        super().__init__(cfg)
        self.backbone = backbone if backbone is not None else build_backbone(cfg)
        self.steps = int(steps)
        self.clip = float(clip)
        self.register_buffer("alpha_bar", cosine_alpha_bar(self.steps).float(), persistent=False)

    def forward(
        self, x_n: torch.Tensor, t: torch.Tensor, k: torch.Tensor, cond: torch.Tensor
    ) -> torch.Tensor:
        return self.backbone(x_n, t, k, cond)[1]

    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        slots = draw_slots(batch, self.cfg.context, generator)
        x1 = slots.x1
        b = x1.shape[0]
        n = torch.randint(1, self.steps + 1, (b,), generator=generator, device="cpu").to(x1.device)
        eps = torch.randn(x1.shape, generator=generator, device="cpu").to(x1)
        ab = self.alpha_bar.to(x1)[n].reshape(b, *([1] * (x1.dim() - 1)))
        x_n = ab.sqrt() * x1 + (1.0 - ab).sqrt() * eps
        eps_hat = self(x_n, n.to(x1.dtype) / self.steps, slots.k, slots.cond)
        mse = masked_mean((eps_hat - eps) ** 2, slots.mask)
        return LossOutput(loss=mse.mean(), parts={"eps": mse.mean()})

    def sample_next(
        self,
        cond: torch.Tensor,
        k: torch.Tensor,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
    ) -> SampleResult:
        """``nfe`` DDIM (η = 0) or ancestral (η = 1) steps from ``x_T ~ N(0, I)``."""
        solver = "ddim" if sampler.solver == "auto" else sampler.solver
        if solver not in SOLVERS:
            raise ConfigError(f"unknown DDPM solver {solver!r}; expected {sorted(SOLVERS)} or 'auto'")
        eta = SOLVERS[solver]
        field = CountingField(lambda x, t, k_, c: (None, self(x, t, k_, c)), k, cond)
        state_shape = tuple(cond.shape[2:])
        x = noise(state_shape)
        taus = respaced_steps(sampler.nfe, self.steps)
        ab_all = self.alpha_bar.double().cpu()
        for i, tau in enumerate(taus):
            prev = taus[i + 1] if i + 1 < len(taus) else 0
            ab, ab_prev = float(ab_all[tau]), float(ab_all[prev])
            eps_hat = field(x, tau / self.steps)[1]
            x1_hat = ((x - math.sqrt(1.0 - ab) * eps_hat) / math.sqrt(ab)).clamp(-self.clip, self.clip)
            if prev == 0:
                x = x1_hat
                break
            # ε̂ consistent with the clipped x̂1 (keeps the update on the DDIM manifold).
            eps_hat = (x - math.sqrt(ab) * x1_hat) / math.sqrt(1.0 - ab)
            s = eta * math.sqrt((1.0 - ab_prev) / (1.0 - ab) * (1.0 - ab / ab_prev))
            x = math.sqrt(ab_prev) * x1_hat + math.sqrt(max(1.0 - ab_prev - s * s, 0.0)) * eps_hat
            if s > 0.0:
                x = x + s * noise(state_shape)
        return SampleResult(x1=x, nfe=field.calls, n_jvp=0)
