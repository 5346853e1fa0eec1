"""Index conditioning: a learned embedding of the slot ``k`` and a sinusoidal one of ``t``.

The slot ``k ∈ {1..K}`` is the position *within the forecast window* (method.md §2), never the
absolute index in the archive. The interpolation time ``t ∈ [0, 1]`` uses the sinusoidal
features of Vaswani et al. (2017), as in diffusion models (Ho et al. 2020).
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SinusoidalTimeEmbedding(nn.Module):
    """``t`` (B,) ↦ ``[sin(ω_j t), cos(ω_j t)]`` (B, dim) with geometric frequencies ω_j."""

    def __init__(self, dim: int, max_period: float = 1000.0) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError(f"embedding dim must be even, got {dim}")
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(half) / max(half - 1, 1))
        self.register_buffer("freqs", freqs * max_period / 2.0, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = t.reshape(-1, 1).to(self.freqs.dtype) * self.freqs
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)


class IndexEmbedding(nn.Module):
    """Embedding of the index pair (slot ``k``, time ``t``) used to modulate every block.

    ``k`` is an integer tensor (B,) with values in ``1..horizon``.
    """

    def __init__(self, horizon: int, dim: int) -> None:
        super().__init__()
        self.horizon = horizon
        self.time = SinusoidalTimeEmbedding(dim)
        self.slot = nn.Embedding(horizon, dim)
        self.mix = nn.Sequential(nn.Linear(2 * dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        slot = self.slot((k.long() - 1).clamp(0, self.horizon - 1))
        return self.mix(torch.cat([self.time(t), slot], dim=-1))
