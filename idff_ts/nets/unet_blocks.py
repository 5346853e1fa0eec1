"""The UNet's building blocks: residual blocks modulated by the index embedding (adaptive group
norm, Dhariwal & Nichol 2021), self-attention, and stride-2 down/upsampling that handle odd
sizes. Used by :class:`idff_ts.nets.unet.UNetBackbone`.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def norm_groups(channels: int, max_groups: int = 32, min_per_group: int = 4) -> int:
    """The largest group count ≤ ``max_groups`` dividing ``channels`` with ≥ 4 channels each."""
    for g in range(min(max_groups, channels // min_per_group), 0, -1):
        if channels % g == 0:
            return g
    return 1


class ResBlock(nn.Module):
    """``h ↦ skip(h) + conv(drop(SiLU(AdaGN(conv(SiLU(GN(h))), emb))))``.

    ``AdaGN(z, emb) = GN(z) · (1 + scale) + shift`` with ``(scale, shift) = W · SiLU(emb)``.
    """

    def __init__(self, c_in: int, c_out: int, emb_dim: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(norm_groups(c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.film = nn.Linear(emb_dim, 2 * c_out)
        self.norm2 = nn.GroupNorm(norm_groups(c_out), c_out)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        z = self.conv1(F.silu(self.norm1(h)))
        scale, shift = self.film(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        z = self.norm2(z) * (1.0 + scale) + shift
        return self.skip(h) + self.conv2(self.drop(F.silu(z)))


class SelfAttention(nn.Module):
    """Multi-head self-attention over the pixels of one map (per sample), with a residual.

    Written out (``softmax(q kᵀ / √d) v``) rather than with a fused kernel so that forward-mode
    AD (``torch.func.jvp``, used by the γ2 correction) works through it. The output projection
    is zero-initialised: the block starts as the identity.
    """

    def __init__(self, channels: int, heads: int = 4) -> None:
        super().__init__()
        if channels % heads:
            heads = 1
        self.heads = heads
        self.norm = nn.GroupNorm(norm_groups(channels), channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        b, c, hh, ww = h.shape
        q, k, v = (
            self.qkv(self.norm(h)).reshape(b, 3, self.heads, c // self.heads, hh * ww).unbind(1)
        )
        logits = torch.einsum("bhdn,bhdm->bhnm", q, k) / math.sqrt(c // self.heads)
        z = torch.einsum("bhnm,bhdm->bhdn", logits.softmax(dim=-1), v)
        return h + self.proj(z.reshape(b, c, hh, ww))


class Downsample(nn.Module):
    """Stride-2 3 × 3 convolution: ``(H, W) ↦ (ceil(H/2), ceil(W/2))``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.conv(h)


class Upsample(nn.Module):
    """Nearest resize to an exact ``size`` (the skip's), then a 3 × 3 convolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, h: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        return self.conv(F.interpolate(h, size=size, mode="nearest"))
