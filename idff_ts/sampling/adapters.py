"""Bring-your-own-solver adapters: a ``torchsde`` SDE and a ``torchdiffeq`` probability-flow ODE.

For a trained IDFF and a fixed slot ``k`` / conditioning ``cond``, with ``û = (x̂1 − x)/(1 − t)``
and ``s = −ε̂/σ_t`` (method.md §3):

- SDE (Itô, diagonal noise): ``dx = [û + α_t s] dt + sqrt(σ² + 2 α_t) dW``, ``α_t = γ1 σ_t²``;
  ``γ1 = 0`` is the Markovian projection of the bridge. Same marginals for every ``γ1``.
- probability-flow ODE (``g = 0``): ``dx/dt = û − ½ σ² s = û + ½ σ² ε̂ / σ_t``.

Both are singular at ``t = 1`` (``û``) and the ODE at ``t = 0`` (the source is a point mass,
so no deterministic flow can spread it). The helpers therefore start the ODE after one exact
bridge step to ``t0`` and stop both at ``t1 < 1``, then land on ``x̂1(x_{t1}, t1)``; every network
call is counted. States are flattened to ``(B, D)`` as torchsde requires.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from idff_ts.sampling.bridge import SampleResult, bridge_step
from idff_ts.sampling.counting import CountingField
from idff_ts.sampling.posterior import require_mean_head


class BridgeSDE(nn.Module):
    """A ``torchsde``-compatible SDE (``f``, ``g``) over flattened states (B, D)."""

    noise_type = "diagonal"
    sde_type = "ito"

    def __init__(self, field: CountingField, sigma: float, state_shape: tuple[int, ...], gamma1: float = 0.0) -> None:
        super().__init__()
        self.field = field
        self.sigma = sigma
        self.state_shape = tuple(state_shape)
        self.gamma1 = gamma1

    def _sigma_t(self, t: float) -> float:
        return self.sigma * math.sqrt(max(t * (1.0 - t), 0.0))

    def f(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        tf = float(t)
        x = y.reshape(y.shape[0], *self.state_shape)
        x1_hat, eps_hat = self.field(x, tf)[:2]
        drift = (x1_hat - x) / (1.0 - tf) - self.gamma1 * self._sigma_t(tf) * eps_hat
        return drift.reshape(y.shape)

    def g(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        tf = float(t)
        scale = math.sqrt(self.sigma**2 + 2.0 * self.gamma1 * self._sigma_t(tf) ** 2)
        return torch.full_like(y, scale)


class ProbabilityFlowODE(nn.Module):
    """``torchdiffeq``-compatible ``forward(t, x)`` for the probability-flow ODE."""

    def __init__(self, field: CountingField, sigma: float) -> None:
        super().__init__()
        self.field = field
        self.sigma = sigma

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        tf = float(t)
        x1_hat, eps_hat = self.field(x, tf)[:2]
        sigma_t = self.sigma * math.sqrt(max(tf * (1.0 - tf), 1e-12))
        return (x1_hat - x) / (1.0 - tf) + 0.5 * self.sigma**2 * eps_hat / sigma_t


def sample_sde(
    field: CountingField,
    x0: torch.Tensor,
    sigma: float,
    gamma1: float = 0.0,
    dt: float = 0.01,
    t1: float = 0.99,
    method: str = "euler",
    seed: int | None = None,
) -> SampleResult:
    """Integrate :class:`BridgeSDE` with ``torchsde.sdeint`` from 0 to ``t1``, then land on x̂1."""
    import torchsde

    require_mean_head(field.net)
    calls0 = field.calls
    sde = BridgeSDE(field, sigma, tuple(x0.shape[1:]), gamma1)
    y0 = x0.reshape(x0.shape[0], -1)
    ts = torch.tensor([0.0, t1], dtype=y0.dtype, device=y0.device)
    bm = torchsde.BrownianInterval(
        t0=0.0, t1=t1, size=y0.shape, dtype=y0.dtype, device=y0.device, entropy=seed
    )
    ys = torchsde.sdeint(sde, y0, ts, method=method, dt=dt, bm=bm)
    x = ys[-1].reshape(x0.shape)
    x1_hat = field(x, t1)[0]
    return SampleResult(x1=x1_hat, nfe=field.calls - calls0, n_jvp=0)


def sample_ode(
    field: CountingField,
    x0: torch.Tensor,
    sigma: float,
    noise: Callable[[tuple[int, ...]], torch.Tensor],
    t0: float = 0.02,
    t1: float = 0.98,
    method: str = "dopri5",
    rtol: float = 1e-5,
    atol: float = 1e-5,
    options: dict | None = None,
) -> SampleResult:
    """One exact bridge step ``0 → t0``, the probability-flow ODE ``t0 → t1`` with
    ``torchdiffeq.odeint``, then x̂1 at ``t1``. NFE counts every evaluation the solver made."""
    from torchdiffeq import odeint

    require_mean_head(field.net)
    calls0 = field.calls
    x1_hat, eps_hat = field(x0, 0.0)[:2]
    x = bridge_step(x0, 0.0, t0, x1_hat, eps_hat, sigma, noise(tuple(x0.shape[1:])))
    ode = ProbabilityFlowODE(field, sigma)
    ts = torch.tensor([t0, t1], dtype=x.dtype, device=x.device)
    # Adaptive solvers may overshoot the last output time and evaluate at t > 1 (singular):
    # force a step to end exactly at t1 so no stage goes past it.
    opts = {"step_t": ts} if method in ("dopri5", "dopri8", "bosh3", "adaptive_heun") else {}
    opts.update(options or {})
    x = odeint(ode, x, ts, method=method, rtol=rtol, atol=atol, options=opts)[-1]
    x1_hat = field(x, t1)[0]
    return SampleResult(x1=x1_hat, nfe=field.calls - calls0, n_jvp=0)
