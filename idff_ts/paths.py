"""The Brownian-bridge interpolant between consecutive states (method.md §2).

For a source ``x0 = y_{n+k-1}`` and a target ``x1 = y_{n+k}``, with ``ε ~ N(0, I)``::

    σ_t = σ · sqrt(t (1 − t))
    x_t = (1 − t) x0 + t x1 + σ_t ε

is the Brownian bridge from ``x0`` to ``x1`` with diffusion ``σ``: given both ends its law at time
``t`` is exactly ``N((1 − t) x0 + t x1, σ_t² I)`` (Rezaei et al. 2024, "Implicit Dynamical Flow
Fusion for Generative Modeling", arXiv:2409.14599, §3).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def _expand(t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Reshape a per-sample time ``t`` of shape ``(B,)`` to broadcast against ``like`` (B, ...)."""
    return t.reshape(t.shape + (1,) * (like.dim() - t.dim()))


@dataclass(frozen=True)
class PathSample:
    """One draw of the interpolant and its regression targets.

    Attributes: ``x_t`` (B, *state), ``t`` (B,), ``sigma_t`` (B,), ``x1`` the data-head target,
    ``eps`` the noise-head target (both (B, *state)).
    """

    x_t: torch.Tensor
    t: torch.Tensor
    sigma_t: torch.Tensor
    x1: torch.Tensor
    eps: torch.Tensor


@dataclass(frozen=True)
class BridgePath:
    """Brownian bridge with diffusion coefficient ``sigma``."""

    sigma: float

    def sigma_t(self, t: torch.Tensor) -> torch.Tensor:
        """Bridge width ``σ_t = σ sqrt(t (1 − t))``, zero at both ends."""
        return self.sigma * torch.sqrt((t * (1.0 - t)).clamp_min(0.0))

    def mean(self, x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Conditional mean ``(1 − t) x0 + t x1`` of ``x_t`` given both ends."""
        tt = _expand(t, x0)
        return (1.0 - tt) * x0 + tt * x1

    def sample(
        self, x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor, eps: torch.Tensor
    ) -> PathSample:
        """Draw ``x_t`` for given ends, times ``t`` (B,) and standard noise ``eps``."""
        sigma_t = self.sigma_t(t)
        x_t = self.mean(x0, x1, t) + _expand(sigma_t, x0) * eps
        return PathSample(x_t=x_t, t=t, sigma_t=sigma_t, x1=x1, eps=eps)
