"""Backbones: one network per data shape, all with the contract of :mod:`idff_ts.nets.base`.

Extend by registering: a new backbone is one file plus one entry in :data:`BACKBONES`.
"""

from __future__ import annotations

from collections.abc import Callable

from idff_ts.config import ModelConfig
from idff_ts.errors import ConfigError
from idff_ts.nets.base import Backbone, HeadOutput
from idff_ts.nets.mlp import MLPBackbone
from idff_ts.nets.unet import UNET_PRESETS, UNetBackbone


def _mlp(cfg: ModelConfig) -> Backbone:
    return MLPBackbone(
        cfg.state_shape,
        context=cfg.context,
        horizon=cfg.horizon,
        hidden=cfg.hidden,
        depth=cfg.depth,
        emb_dim=cfg.emb_dim,
        dropout=cfg.dropout,
        posterior=cfg.posterior,
    )


def _unet(cfg: ModelConfig) -> Backbone:
    return UNetBackbone(
        cfg.state_shape,  # type: ignore[arg-type]
        context=cfg.context,
        horizon=cfg.horizon,
        base_channels=cfg.hidden,
        channel_mult=cfg.channel_mult,
        emb_dim=cfg.emb_dim,
        dropout=cfg.dropout,
        static_channels=cfg.static_channels,
        num_res_blocks=cfg.num_res_blocks,
        attention=cfg.attention,
        posterior=cfg.posterior,
    )


BACKBONES: dict[str, Callable[[ModelConfig], Backbone]] = {"mlp": _mlp, "unet": _unet}


def build_backbone(cfg: ModelConfig) -> Backbone:
    """Instantiate the backbone named by ``cfg.backbone``."""
    try:
        factory = BACKBONES[cfg.backbone]
    except KeyError:
        raise ConfigError(
            f"unknown backbone {cfg.backbone!r}; known: {sorted(BACKBONES)}"
        ) from None
    return factory(cfg)


__all__ = [
    "BACKBONES",
    "UNET_PRESETS",
    "Backbone",
    "HeadOutput",
    "MLPBackbone",
    "UNetBackbone",
    "build_backbone",
]
