"""DDPM baseline with DDPM-ancestral and DDIM sampling, done as the literature now does it.

- Ho, Jain & Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020
  (arXiv:2006.11239): ``x_n = sqrt(ᾱ_n) x1 + sqrt(1 − ᾱ_n) ε``, ``n ~ U{1..T}``, ``T = 1000``.
- Nichol & Dhariwal, ICML 2021 (arXiv:2102.09672): the cosine schedule, β ≤ 0.999.
- Song, Meng & Ermon, "Denoising Diffusion Implicit Models", ICLR 2021 (arXiv:2010.02502):
  for a subsequence ``τ_N > … > τ_1`` and the prediction ``x̂1``::

      x_prev = sqrt(ᾱ_prev) x̂1 + sqrt(1 − ᾱ_prev − s²) ε̂ + s z,
      s = η sqrt((1 − ᾱ_prev)/(1 − ᾱ)) sqrt(1 − ᾱ/ᾱ_prev)

  ``η = 0`` is DDIM, ``η = 1`` the DDPM ancestral step of the respaced chain.
- Lin, Liu, Li & Yang, "Common diffusion noise schedules and sample steps are flawed", WACV 2024
  (arXiv:2305.08891): rescale the schedule to zero terminal SNR (``schedule="cosine-zsnr"``,
  their Algorithm 1), predict ``v`` and start sampling at ``T`` ("trailing" spacing).
- Salimans & Ho, "Progressive distillation", ICLR 2022 (arXiv:2202.00512): the
  v-prediction ``v = sqrt(ᾱ) ε − sqrt(1 − ᾱ) x1``, so that ``x̂1 = sqrt(ᾱ) x − sqrt(1 − ᾱ) v̂``
  never divides by ``sqrt(ᾱ)``.

Why: with ε-prediction on the plain cosine schedule the first step at ``T`` has
``sqrt(ᾱ_T) ≈ 5e-5``, so ``x̂1 = (x − sqrt(1 − ᾱ) ε̂)/sqrt(ᾱ)`` amplifies any error of ``ε̂``
thousands of times and DDIM carries it to the end (the old behaviour, still reachable as
``schedule="cosine", prediction="eps", spacing="trailing"``; tested to fail).

``method_options``: ``schedule`` (``cosine-zsnr`` default | ``cosine``), ``prediction``
(``v`` default | ``eps`` | ``x1``: what the loss compares), ``spacing`` (``trailing`` default,
``τ = T, T − T/N, …``; | ``leading``, ``τ = 1 + iT/N``, which never visits the last ``T/N``
steps), ``output`` (:mod:`idff_ts.methods.output`; ``residual``: the prediction is derived from
the zero-initialised data head ``x̂1``). ``x̂1`` is clipped to ``±clip`` standardised units.
NFE = the number of steps, one call each. Solvers: ``ddim`` (default) and ``ancestral``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.methods.base import LossOutput, Method, draw_slots, masked_mean
from idff_ts.methods.output import output_mode
from idff_ts.nets import Backbone, build_backbone
from idff_ts.sampling.bridge import SampleResult
from idff_ts.sampling.counting import CountingField

SOLVERS = {"ddim": 0.0, "ancestral": 1.0}
SCHEDULES = ("cosine", "cosine-zsnr")
PREDICTIONS = ("eps", "v", "x1")
SPACINGS = ("trailing", "leading", "quadratic")


def cosine_alpha_bar(steps: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """``ᾱ_n`` for ``n = 0..T`` (float64, ``ᾱ_0 = 1``) of the cosine schedule, β clipped."""
    n = torch.arange(steps + 1, dtype=torch.float64)
    f = torch.cos((n / steps + s) / (1.0 + s) * math.pi / 2.0) ** 2
    ratio = (f[1:] / f[:-1]).clamp(min=1.0 - max_beta)  # 1 − β_n
    return torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(ratio, 0)])


def zero_terminal_snr(alpha_bar: torch.Tensor) -> torch.Tensor:
    """Lin et al. 2024, Algorithm 1: shift and scale ``sqrt(ᾱ_n)``, ``n = 1..T``, so that
    ``ᾱ_T = 0`` while ``ᾱ_1`` is unchanged (``ᾱ_0 = 1`` stays)."""
    root = alpha_bar[1:].sqrt()
    first, last = root[0].clone(), root[-1].clone()
    root = (root - last) * first / (first - last)
    return torch.cat([alpha_bar[:1], root**2])


def respaced_steps(nfe: int, steps: int, spacing: str = "trailing") -> list[int]:
    """``τ_N > … > τ_1``: ``nfe`` steps of ``1..T``; ``trailing`` starts at ``T``, ``leading``
    at ``1 + (N − 1) T/N``."""
    if nfe > steps:
        raise ConfigError(f"DDPM has {steps} diffusion steps; nfe={nfe} is more")
    if spacing == "trailing":
        taus = {max(1, round(steps - i * steps / nfe)) for i in range(nfe)}
    elif spacing == "leading":
        taus = {1 + (i * steps) // nfe for i in range(nfe)}
    elif spacing == "quadratic":  # Song et al. 2021's quadratic sequence, ending at T
        taus, last = set(), 0
        for i in range(nfe):
            last = max(last + 1, round(steps * ((i + 1) / nfe) ** 2))
            taus.add(last)
    else:
        raise ConfigError(f"unknown DDPM spacing {spacing!r}; expected one of {list(SPACINGS)}")
    return sorted(taus, reverse=True)


def _option(cfg: ModelConfig, key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = str(cfg.method_options.get(key, default))
    if value not in allowed:
        raise ConfigError(f"DDPM option {key}={value!r}; expected one of {list(allowed)}")
    return value


class DDPM(Method):
    """Diffusion over a backbone; :meth:`predict` returns ``(x̂1, ε̂)`` at step ``n``."""

    name = "ddpm"

    def __init__(
        self, cfg: ModelConfig, backbone: Backbone | None = None, steps: int = 1000,
        clip: float = 5.0,
    ) -> None:
        super().__init__(cfg)
        self.backbone = backbone if backbone is not None else build_backbone(cfg)
        self.steps = int(steps)
        self.clip = float(clip)
        self.schedule = _option(cfg, "schedule", "cosine-zsnr", SCHEDULES)
        self.prediction = _option(cfg, "prediction", "v", PREDICTIONS)
        self.spacing = _option(cfg, "spacing", "trailing", SPACINGS)
        self.output = output_mode(cfg)
        if self.schedule == "cosine-zsnr" and self.output == "direct" and self.prediction == "eps":
            raise ConfigError("DDPM: ε-prediction cannot recover x1 at zero terminal SNR; "
                              "use prediction='v' or 'x1', or output='residual'")
        ab = cosine_alpha_bar(self.steps)
        ab = zero_terminal_snr(ab) if self.schedule == "cosine-zsnr" else ab
        self.register_buffer("alpha_bar", ab.float(), persistent=False)

    def forward(
        self, x_n: torch.Tensor, t: torch.Tensor, k: torch.Tensor, cond: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x̂1, ε̂)`` at ``t = n / T``."""
        t = torch.as_tensor(t, dtype=x_n.dtype, device=x_n.device).expand(x_n.shape[0])
        n = (t * self.steps).round().long().clamp(1, self.steps)
        ab = self.alpha_bar.to(x_n)[n].reshape(-1, *([1] * (x_n.dim() - 1)))
        a, s = ab.sqrt(), (1.0 - ab).sqrt()
        x1_head, out = self.backbone(x_n, t, k, cond)
        if self.output == "residual":
            x1_hat = x1_head
        elif self.prediction == "eps":
            return (x_n - s * out) / a, out
        elif self.prediction == "v":
            x1_hat = a * x_n - s * out
        else:
            x1_hat = out
        return x1_hat, (x_n - a * x1_hat) / s

    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        slots = draw_slots(batch, self.cfg.context, generator)
        x1 = slots.x1
        b = x1.shape[0]
        n = torch.randint(1, self.steps + 1, (b,), generator=generator, device="cpu").to(x1.device)
        eps = torch.randn(x1.shape, generator=generator, device="cpu").to(x1)
        ab = self.alpha_bar.to(x1)[n].reshape(b, *([1] * (x1.dim() - 1)))
        a, s = ab.sqrt(), (1.0 - ab).sqrt()
        x_n = a * x1 + s * eps
        x1_hat, eps_hat = self(x_n, n.to(x1.dtype) / self.steps, slots.k, slots.cond)
        if self.prediction == "eps":
            err = eps_hat - eps
        elif self.prediction == "v":
            err = (a * eps_hat - s * x1_hat) - (a * eps - s * x1)
        else:
            err = x1_hat - x1
        mse = masked_mean(err**2, slots.mask)
        return LossOutput(loss=mse.mean(), parts={self.prediction: mse.mean()})

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
        field = CountingField(lambda x, t, k_, c: self(x, t, k_, c), k, cond)
        state_shape = tuple(cond.shape[2:])
        x = noise(state_shape)
        taus = respaced_steps(sampler.nfe, self.steps, self.spacing)
        ab_all = self.alpha_bar.double().cpu()
        for i, tau in enumerate(taus):
            prev = taus[i + 1] if i + 1 < len(taus) else 0
            ab, ab_prev = float(ab_all[tau]), float(ab_all[prev])
            x1_hat = field(x, tau / self.steps)[0].clamp(-self.clip, self.clip)
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
