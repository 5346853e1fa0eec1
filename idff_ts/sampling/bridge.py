"""The IDFF bridge sampler: exact bridge step, γ1 momentum, γ2 curvature (method.md §3).

With ``û(x, t) = (x̂1 − x)/(1 − t)`` and ``s(x, t) = −ε̂/σ_t``, the Markovian projection of the
Brownian bridge is ``dx = û dt + σ dW``; it ends at a draw from ``p(x1 | x0, c)``. One step from
``t`` to ``s = t + h`` on a grid ``0 = t_0 < … < t_N = 1`` makes exactly one network call (two
with γ2 > 0, the second a Jacobian-vector product):

- **exact bridge step** (x̂1 frozen over the step)::

      x ← x + h/(1 − t) · (x̂1 − x) + σ sqrt(h (1 − s)/(1 − t)) · z

  the last step lands on x̂1 without noise;
- **γ1** adds a Langevin move with matched noise, weight ``α_t = γ1 σ_t²``: the SDE
  ``dx = [û + α_t s] dt + sqrt(σ² + 2α_t) dW`` has the same marginals as the bridge (Rezaei et
  al. 2024, arXiv:2409.14599, eq. for the momentum term; the matched-noise form follows the
  marginal-preserving SDE family of Song et al. 2021). ``α_t s = −γ1 σ_t ε̂`` is finite at t = 0;
- **γ2** adds the second-order Taylor term of the drift along the step,
  ``½ h² γ2 (∂f/∂x · f + ∂f/∂t)``. For the bridge drift the terms of a frozen x̂1 cancel
  exactly, leaving ``½ h² γ2 (∂x̂1/∂x · û + ∂x̂1/∂t)/(1 − t)``: one JVP, never a Jacobian;
- **posterior sampling** (``endpoint`` ≠ ``"mean"``, :mod:`idff_ts.sampling.posterior`): the
  step moves towards a draw ``x̃1`` of ``p(x1 | x_t, c)`` instead of ``x̂1``; γ1 is added the same
  way, γ2 does not apply.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from idff_ts.config import SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.sampling.counting import CountingField
from idff_ts.sampling.posterior import endpoint_draw

Noise = Callable[[tuple[int, ...]], torch.Tensor]


def time_grid(nfe: int, schedule: str = "uniform") -> list[float]:
    """Grid ``0 = t_0 < … < t_N = 1`` with ``N = nfe`` steps.

    ``cosine`` puts smaller steps near ``t = 1`` where û is stiffest: ``t_i = sin(π i / 2N)``.
    """
    if schedule == "uniform":
        return [i / nfe for i in range(nfe + 1)]
    if schedule == "cosine":
        return [math.sin(0.5 * math.pi * i / nfe) for i in range(nfe)] + [1.0]
    raise ValueError(f"unknown schedule {schedule!r}")


@dataclass(frozen=True)
class SampleResult:
    """End state ``x1`` (B, *state), network calls made (``nfe``) and how many were JVPs."""

    x1: torch.Tensor
    nfe: int
    n_jvp: int


def bridge_step(
    x: torch.Tensor,
    t: float,
    s: float,
    x1_hat: torch.Tensor,
    eps_hat: torch.Tensor,
    sigma: float,
    z: torch.Tensor | None,
    gamma1: float = 0.0,
    curvature: torch.Tensor | None = None,
    gamma2: float = 0.0,
) -> torch.Tensor:
    """One step ``t → s`` given the heads at ``(x, t)``; ``z`` standard normal (None at s = 1).

    ``curvature`` is ``(∂x̂1/∂x · û + ∂x̂1/∂t)`` from a JVP (needed only when ``gamma2 > 0``).
    """
    h = s - t
    if s >= 1.0:
        out = x1_hat
        var = 0.0
    else:
        out = x + (h / (1.0 - t)) * (x1_hat - x)
        var = sigma**2 * h * (1.0 - s) / (1.0 - t)
    if gamma1 > 0.0 and s < 1.0:
        sigma_t = sigma * math.sqrt(max(t * (1.0 - t), 0.0))
        alpha_t = gamma1 * sigma_t**2
        out = out - h * gamma1 * sigma_t * eps_hat  # h · α_t · s(x, t)
        var = var + 2.0 * h * alpha_t
    if gamma2 > 0.0 and curvature is not None:
        out = out + (0.5 * h * h * gamma2 / (1.0 - t)) * curvature
    if var > 0.0:
        if z is None:
            raise ValueError("a noisy step needs z")
        out = out + math.sqrt(var) * z
    return out


def sample_bridge(
    field: CountingField,
    x0: torch.Tensor,
    sigma: float,
    sampler: SamplerConfig,
    noise: Noise,
    endpoint: str = "mean",
) -> SampleResult:
    """Integrate ``t: 0 → 1`` from ``x0`` (B, *state) with ``sampler.nfe`` steps.

    ``field`` is the counted network for this slot; ``noise(shape)`` returns standard normal
    draws for the whole batch (one stream per member, see :mod:`idff_ts.sampling.noise`).
    ``endpoint`` (already resolved, see :mod:`idff_ts.sampling.posterior`): each step moves
    towards ``x̂1`` (``"mean"``) or towards a posterior draw ``x̃1`` (``"gaussian"``,
    ``"distributional"``); the last step lands on it. Per step the draws are taken in the order
    ``ξ`` (distributional) or the Gaussian's ``z``, then the bridge noise.

    γ2 applies to the mean step only: it corrects the error of freezing ``x̂1`` over a step,
    and a step towards a posterior draw freezes nothing (with the exact posterior it is exact
    for any step size), so there is no second-order term to add.
    """
    if endpoint != "mean" and sampler.gamma2 > 0.0:
        raise ConfigError(
            f"gamma2 applies to endpoint 'mean' only (got endpoint {endpoint!r}, gamma2 "
            f"{sampler.gamma2}): a posterior-sampling step has no frozen-endpoint error to correct"
        )
    grid = time_grid(sampler.nfe, sampler.schedule)
    calls0, jvp0 = field.calls, field.n_jvp
    x = x0
    state_shape = tuple(x0.shape[1:])
    for t, s in zip(grid[:-1], grid[1:], strict=True):
        xi = noise(state_shape) if endpoint == "distributional" else None
        heads = field(x, t, xi)
        x1_hat, eps_hat = endpoint_draw(heads, endpoint, noise), heads[1]
        curvature = None
        if sampler.gamma2 > 0.0:
            u_hat = (x1_hat - x) / (1.0 - t)
            curvature = field.jvp_x1(x, t, u_hat.detach(), 1.0)
        noisy = s < 1.0
        z = noise(state_shape) if noisy else None
        x = bridge_step(
            x, t, s, x1_hat, eps_hat, sigma, z,
            gamma1=sampler.gamma1, curvature=curvature, gamma2=sampler.gamma2,
        )
    return SampleResult(x1=x, nfe=field.calls - calls0, n_jvp=field.n_jvp - jvp0)
