"""UNet backbone for gridded fields ``(C, H, W)`` (SST tiles: 1 × 60 × 60).

Input: the channel concatenation ``[x_t, y_{n-L+1}, …, y_n, statics]`` of the bridge state, the
``L`` context fields and ``S`` optional static fields (e.g. a land mask). Every residual block is
modulated by the index embedding of (slot ``k``, time ``t``) through an adaptive group norm
(FiLM after GroupNorm, as in Dhariwal & Nichol 2021): ``h ← GN(h) · (1 + scale) + shift``.
Only GroupNorm is used, so each row of a batch is processed independently of the others.

Resolution: ``len(channel_mult)`` levels, one stride-2 downsampling between consecutive levels
(``60 → 30 → 15`` for ``channel_mult = (1, 2, 2)``). A stride-2 convolution with padding 1 maps
``n ↦ ceil(n / 2)`` and every upsampling resizes (nearest) to its skip connection's exact size,
so odd sizes (15, 33, 7 × 11, …) work without cropping rules.

Output: ``2C`` channels, split into the data head ``x̂1 = x0 + Δ`` (a residual on the source
``x0 = cond[:, -1]``, consecutive states being close) and the noise head ``ε̂``. The last
convolution is zero-initialised: the untrained network returns ``x̂1 = x0`` and ``ε̂ = 0``.
Posterior heads (:mod:`idff_ts.nets.base`): ``"gaussian"`` adds a variance convolution on the
last features, detached (Bao et al. 2022 fit the covariance of a given mean network);
``"distributional"`` feeds ``ξ`` as ``C`` extra input channels.

**Static channels.** With ``static_channels = S > 0`` the context carries the statics as extra
channels: ``cond`` has shape ``(B, L, C + S, H, W)``; channels ``:C`` are the states (so
``x0 = cond[:, -1, :C]``) and channels ``C:`` of the *last* context entry are the statics (they
do not change in time, the other entries' copies are ignored). :meth:`UNetBackbone.append_static`
builds such a ``cond`` from a plain ``(B, L, C, H, W)`` context and ``(S, H, W)`` or
``(B, S, H, W)`` static fields, e.g. the ocean mask (1 = ocean, 0 = land) of each tile.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from idff_ts.errors import ConfigError
from idff_ts.nets.base import Backbone
from idff_ts.nets.embeddings import IndexEmbedding
from idff_ts.nets.unet_blocks import Downsample, ResBlock, SelfAttention, Upsample, norm_groups

#: Model-config kwargs of the two reference sizes (``ModelConfig(**UNET_PRESETS["demo"], ...)``).
#: "demo": ≈ 0.26 M parameters, a forward + backward pass on 16 tiles of 60 × 60 in ≈ 0.2 s on a
#: 2-core CPU. "paper": ≈ 18 M parameters (four levels 60 → 30 → 15 → 8, two res blocks per level,
#: attention at the lowest resolution), for a GPU.
UNET_PRESETS: dict[str, dict[str, object]] = {
    "demo": {
        "backbone": "unet",
        "hidden": 16,
        "channel_mult": (1, 2, 2),
        "num_res_blocks": 1,
        "attention": False,
        "emb_dim": 32,
    },
    "paper": {
        "backbone": "unet",
        "hidden": 64,
        "channel_mult": (1, 2, 2, 4),
        "num_res_blocks": 2,
        "attention": True,
        "emb_dim": 256,
    },
}


def _check_unet_args(
    state_shape: tuple[int, ...],
    channel_mult: tuple[int, ...],
    base_channels: int,
    num_res_blocks: int,
    static_channels: int,
    context: int,
) -> None:
    """ConfigError unless the UNet's sizes are usable (see :class:`UNetBackbone`)."""
    if len(state_shape) != 3:
        raise ConfigError(f"UNet needs state_shape (C, H, W), got {tuple(state_shape)}")
    if not channel_mult or min(channel_mult) < 1:
        raise ConfigError(f"channel_mult must be positive integers, got {channel_mult}")
    if base_channels < 1 or num_res_blocks < 1 or static_channels < 0 or context < 1:
        raise ConfigError(
            "UNet needs base_channels >= 1, num_res_blocks >= 1, static_channels >= 0 and "
            f"context >= 1; got {base_channels}, {num_res_blocks}, {static_channels}, {context}"
        )


class UNetBackbone(Backbone):
    """Index-conditioned UNet with a data head (residual on ``x0``) and a noise head.

    ``state_shape = (C, H, W)``; ``context = L`` fields in ``cond``; ``horizon = K`` slots;
    level ``i`` has ``base_channels · channel_mult[i]`` channels and ``num_res_blocks`` residual
    blocks on the way down (``+ 1`` on the way up, for the extra skip); ``attention`` adds one
    self-attention layer in the middle (lowest resolution only); ``static_channels = S`` extra
    fixed input fields (see the module docstring). Evaluated in blocks of 8 rows outside
    training (:class:`Backbone`): a field costs much, so a small block wastes little on padding.
    """

    row_block = 8

    def __init__(
        self,
        state_shape: tuple[int, int, int],
        context: int = 1,
        horizon: int = 7,
        base_channels: int = 32,
        channel_mult: tuple[int, ...] = (1, 2, 2),
        emb_dim: int = 64,
        dropout: float = 0.0,
        static_channels: int = 0,
        num_res_blocks: int = 1,
        attention: bool = False,
        posterior: str = "none",
    ) -> None:
        super().__init__()
        _check_unet_args(
            state_shape, channel_mult, base_channels, num_res_blocks, static_channels, context
        )
        self.state_shape = tuple(int(s) for s in state_shape)
        self.channels = c = self.state_shape[0]
        self.context = context
        self.static_channels = static_channels
        self.posterior = posterior
        self.index = IndexEmbedding(horizon, emb_dim)

        widths = [base_channels * m for m in channel_mult]
        n_xi = c if posterior == "distributional" else 0
        self.inp = nn.Conv2d(c * (1 + context) + static_channels + n_xi, widths[0], 3, padding=1)

        ch = self._build_path(widths, num_res_blocks, emb_dim, dropout, attention)
        self.out_norm = nn.GroupNorm(norm_groups(ch), ch)
        self.out = nn.Conv2d(ch, 2 * c, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        if posterior == "gaussian":
            self.out_logvar = nn.Conv2d(ch, c, 3, padding=1)
            nn.init.zeros_(self.out_logvar.weight)
            nn.init.zeros_(self.out_logvar.bias)

    def _build_path(
        self, widths: list[int], num_res_blocks: int, emb_dim: int, dropout: float, attention: bool
    ) -> int:
        """The down path, the middle and the up path; returns the channels of the last block."""
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips = [widths[0]]
        ch = widths[0]
        for i, w in enumerate(widths):
            blocks = nn.ModuleList()
            for _ in range(num_res_blocks):
                blocks.append(ResBlock(ch, w, emb_dim, dropout))
                ch = w
                skips.append(ch)
            self.down.append(blocks)
            if i < len(widths) - 1:
                self.downsample.append(Downsample(ch))
                skips.append(ch)

        self.mid1 = ResBlock(ch, ch, emb_dim, dropout)
        self.mid_attn = SelfAttention(ch) if attention else nn.Identity()
        self.mid2 = ResBlock(ch, ch, emb_dim, dropout)

        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i, w in reversed(list(enumerate(widths))):
            blocks = nn.ModuleList()
            for _ in range(num_res_blocks + 1):
                blocks.append(ResBlock(ch + skips.pop(), w, emb_dim, dropout))
                ch = w
            self.up.append(blocks)
            if i > 0:
                self.upsample.append(Upsample(ch))
        return ch

    @staticmethod
    def append_static(cond: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        """``cond`` (B, L, C, H, W) + ``static`` (H, W), (S, H, W) or (B, S, H, W) → (B, L, C+S, H, W).

        The static fields are repeated over the batch (when not given per row) and over the L
        context entries.
        """
        b, n_ctx = cond.shape[:2]
        while static.dim() < 4:
            static = static.unsqueeze(0)
        static = static.to(cond).expand(b, -1, -1, -1)
        return torch.cat([cond, static.unsqueeze(1).expand(-1, n_ctx, -1, -1, -1)], dim=2)

    def _inputs(self, x_t: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The network input (B, C(1+L)+S, H, W) and the source state ``x0`` (B, C, H, W)."""
        c, s = self.channels, self.static_channels
        want = (x_t.shape[0], self.context, c + s, *x_t.shape[2:])
        if x_t.dim() != 4 or x_t.shape[1] != c or tuple(cond.shape) != want:
            raise ValueError(
                f"UNet expects x_t (B, {c}, H, W) and cond (B, L={self.context}, {c}+{s}, H, W); "
                f"got x_t {tuple(x_t.shape)}, cond {tuple(cond.shape)}"
                + ("; add the static fields with UNetBackbone.append_static" if s else "")
            )
        states = cond[:, :, :c].flatten(1, 2)
        parts = [x_t, states] + ([cond[:, -1, c:]] if s else [])
        return torch.cat(parts, dim=1), cond[:, -1, :c]

    def heads(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        k: torch.Tensor,
        cond: torch.Tensor,
        xi: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        inp, x0 = self._inputs(x_t, cond)
        if self.posterior == "distributional":
            inp = torch.cat([inp, torch.zeros_like(x_t) if xi is None else xi], dim=1)
        emb = self.index(t, k)
        h = self.inp(inp)
        hs = [h]
        for i, blocks in enumerate(self.down):
            for block in blocks:
                h = block(h, emb)
                hs.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
                hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        for i, blocks in enumerate(self.up):
            for block in blocks:
                h = block(torch.cat([h, hs.pop()], dim=1), emb)
            if i < len(self.upsample):
                h = self.upsample[i](h, hs[-1].shape[-2:])
        h = F.silu(self.out_norm(h))
        delta, eps_hat = self.out(h).chunk(2, dim=1)
        if self.posterior == "gaussian":
            return x0 + delta, eps_hat, self.out_logvar(h.detach())
        return x0 + delta, eps_hat


__all__ = ["UNET_PRESETS", "UNetBackbone"]
