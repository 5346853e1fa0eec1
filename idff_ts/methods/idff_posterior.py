"""Training losses of IDFF's posterior heads (method.md §3, ``ModelConfig.posterior``).

- **Gaussian** (Bao et al. 2022, "Analytic-DPM", ICLR 2022; Bao et al. 2022, "Estimating the
  optimal covariance with imperfect mean in diffusion probabilistic models", ICML 2022): the
  variance head ``v̂ = exp(log v̂)`` is fitted to the squared error ``r² = (x1 − sg(x̂1))²`` of the
  stop-gradient data head, per point. We minimise the Gaussian negative log-likelihood
  ``log v̂ + r² / v̂`` (valid points only), whose minimiser is ``v̂ = E[r² | x_t, c]``, the same as
  that of Bao et al.'s squared loss ``(v̂ − r²)²``, but insensitive to the scale of ``r²``. With a
  perfect data head ``E[r² | x_t, c]`` is the posterior variance; with an imperfect one it also
  absorbs the head's error, which is what a sampler drawing around ``x̂1`` needs.
- **Distributional** (De Bortoli et al. 2025, "Distributional diffusion models with scoring
  rules", arXiv:2502.02483): the data head is a generator ``x̃1 = G(x_t, t, k, c, ξ)``; two draws
  ``ξ, ξ'`` per example give the unbiased energy score
  ``½ (‖x̃1 − x1‖ + ‖x̃1' − x1‖) − ½ ‖x̃1 − x̃1'‖``, a strictly proper scoring rule, so its
  minimiser over generators is ``p(x1 | x_t, c)`` itself. ``‖·‖`` is the root-mean-square
  over valid points (a scaled Euclidean norm, which keeps the rule proper).
"""

from __future__ import annotations

import torch

from idff_ts.methods.base import masked_mean


def gaussian_nll(
    x1: torch.Tensor, x1_hat: torch.Tensor, log_var: torch.Tensor, mask: torch.Tensor | None
) -> torch.Tensor:
    """Per-row ``mean(log v̂ + (x1 − sg(x̂1))² / v̂)`` over valid points (B,)."""
    r2 = (x1 - x1_hat.detach()) ** 2
    return masked_mean(log_var + r2 * torch.exp(-log_var), mask)


def _rms(diff: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return torch.sqrt(masked_mean(diff**2, mask) + 1e-12)


def energy_score_two_draws(
    x1: torch.Tensor, draw_a: torch.Tensor, draw_b: torch.Tensor, mask: torch.Tensor | None
) -> torch.Tensor:
    """Per-row unbiased energy score of two generator draws against the target (B,)."""
    spread = _rms(draw_a - draw_b, mask)
    return 0.5 * (_rms(draw_a - x1, mask) + _rms(draw_b - x1, mask)) - 0.5 * spread


def distributional_loss(
    method: torch.nn.Module,
    x_t: torch.Tensor,
    t: torch.Tensor,
    k: torch.Tensor,
    cond: torch.Tensor,
    target: tuple[torch.Tensor, torch.Tensor],
    mask: torch.Tensor | None,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Energy score (B,) and noise-head squared error (B,) from one doubled batch.

    ``target = (x1, ε)``; the two draws of each example share ``x_t, t, k, c`` and differ in
    ``ξ``; the noise head's error is averaged over both halves.
    """
    x1, eps = target
    b = x_t.shape[0]
    xi = torch.randn((2 * b, *x_t.shape[1:]), generator=generator, device="cpu").to(x_t)
    twice = [torch.cat([v, v], dim=0) for v in (x_t, t, k, cond)]
    draws, eps_hat = method(*twice, xi)[:2]
    score = energy_score_two_draws(x1, draws[:b], draws[b:], mask)
    noise = [masked_mean((half - eps) ** 2, mask) for half in (eps_hat[:b], eps_hat[b:])]
    return score, 0.5 * (noise[0] + noise[1])
