"""MLP backbone for vector states (attractors, dihedrals, a few pixels).

Input: the flattened ``x_t`` and context window; every residual block is modulated by FiLM
(Perez et al. 2018) from the index embedding of (k, t). The data head is parameterised as a
residual on the source state, ``x̂1 = x0 + Δ``, since consecutive states are close.

Posterior heads (:mod:`idff_ts.nets.base`): ``"gaussian"`` adds a small variance head on the
last features, detached so that it cannot change the mean heads (Bao et al. 2022 fit the
covariance of a given mean network); ``"distributional"`` feeds ``ξ`` as extra inputs.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from idff_ts.nets.base import Backbone
from idff_ts.nets.embeddings import IndexEmbedding


class FiLMBlock(nn.Module):
    """``h ← h + W2 SiLU(LN(W1 h) · (1 + scale) + shift)`` with (scale, shift) from the index."""

    def __init__(self, hidden: int, emb_dim: int, dropout: float) -> None:
        super().__init__()
        self.lin1 = nn.Linear(hidden, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.film = nn.Linear(emb_dim, 2 * hidden)
        self.lin2 = nn.Linear(hidden, hidden)
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(emb).chunk(2, dim=-1)
        z = self.norm(self.lin1(h)) * (1.0 + scale) + shift
        return h + self.lin2(self.drop(nn.functional.silu(z)))


class MLPBackbone(Backbone):
    """FiLM-modulated residual MLP with a data head and a noise head.

    Evaluated in blocks of 256 rows outside training (:class:`Backbone`): a row costs little, so
    a large block keeps the per-block overhead small.
    """

    row_block = 256

    def __init__(
        self,
        state_shape: tuple[int, ...],
        context: int = 1,
        horizon: int = 7,
        hidden: int = 128,
        depth: int = 3,
        emb_dim: int = 32,
        dropout: float = 0.0,
        posterior: str = "none",
    ) -> None:
        super().__init__()
        self.state_shape = tuple(state_shape)
        self.dim = math.prod(self.state_shape)
        self.context = context
        self.posterior = posterior
        self.index = IndexEmbedding(horizon, emb_dim)
        n_xi = 1 if posterior == "distributional" else 0
        self.inp = nn.Linear(self.dim * (1 + context + n_xi), hidden)
        self.blocks = nn.ModuleList(FiLMBlock(hidden, emb_dim, dropout) for _ in range(depth))
        self.out_norm = nn.LayerNorm(hidden)
        self.head_x1 = nn.Linear(hidden, self.dim)
        self.head_eps = nn.Linear(hidden, self.dim)
        if posterior == "gaussian":
            self.head_logvar = nn.Sequential(
                nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, self.dim)
            )
            nn.init.zeros_(self.head_logvar[-1].weight)
            nn.init.zeros_(self.head_logvar[-1].bias)

    def heads(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        k: torch.Tensor,
        cond: torch.Tensor,
        xi: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        b = x_t.shape[0]
        x0 = cond[:, -1].reshape(b, self.dim)
        parts = [x_t.reshape(b, self.dim), cond.reshape(b, -1)]
        if self.posterior == "distributional":
            parts.append(torch.zeros_like(parts[0]) if xi is None else xi.reshape(b, self.dim))
        h = self.inp(torch.cat(parts, dim=-1))
        emb = self.index(t, k)
        for block in self.blocks:
            h = block(h, emb)
        h = nn.functional.silu(self.out_norm(h))
        x1_hat = x0 + self.head_x1(h)
        eps_hat = self.head_eps(h)
        out = (x1_hat.reshape(x_t.shape), eps_hat.reshape(x_t.shape))
        if self.posterior == "gaussian":
            return (*out, self.head_logvar(h.detach()).reshape(x_t.shape))
        return out
