"""Backbones: one network per data shape, all with the contract of :mod:`idff_ts.nets.base`.

Extend by registering: a new backbone is one file plus one entry in :data:`BACKBONES`.
"""

from __future__ import annotations

from collections.abc import Callable

from idff_ts.config import ModelConfig
from idff_ts.errors import ConfigError
from idff_ts.nets.base import Backbone, HeadOutput
from idff_ts.nets.mlp import MLPBackbone


def _mlp(cfg: ModelConfig) -> Backbone:
    return MLPBackbone(
        cfg.state_shape,
        context=cfg.context,
        horizon=cfg.horizon,
        hidden=cfg.hidden,
        depth=cfg.depth,
        emb_dim=cfg.emb_dim,
        dropout=cfg.dropout,
    )


BACKBONES: dict[str, Callable[[ModelConfig], Backbone]] = {"mlp": _mlp}


def build_backbone(cfg: ModelConfig) -> Backbone:
    """Instantiate the backbone named by ``cfg.backbone``."""
    try:
        factory = BACKBONES[cfg.backbone]
    except KeyError:
        raise ConfigError(
            f"unknown backbone {cfg.backbone!r}; known: {sorted(BACKBONES)}"
        ) from None
    return factory(cfg)


__all__ = ["BACKBONES", "Backbone", "HeadOutput", "MLPBackbone", "build_backbone"]
