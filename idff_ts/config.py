"""Typed configuration: model, sampler and training settings.

Configurations are plain dataclasses of primitives so that they round-trip through JSON/YAML and
are saved next to the weights in a checkpoint (see :mod:`idff_ts.training.checkpoint`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from idff_ts.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class ModelConfig:
    """Backbone and bridge settings (method.md §2).

    ``state_shape`` is the shape of one state ``y_n`` (``(D,)`` for vectors, ``(C, H, W)`` for
    fields); ``context`` is the number ``L`` of past states the network sees (``L = 1``: only
    ``x0``); ``horizon`` is the number ``K`` of slots the slot embedding knows.
    """

    state_shape: tuple[int, ...] = (3,)
    backbone: str = "mlp"
    context: int = 1
    horizon: int = 7
    sigma: float = 0.1
    hidden: int = 128
    depth: int = 3
    emb_dim: int = 32
    loss_lambda: float = 1.0
    loss_weight: str = "inverse"
    loss_weight_eps: float = 0.1
    dropout: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "state_shape", tuple(int(s) for s in self.state_shape))
        if self.sigma <= 0:
            raise ConfigError(f"sigma must be > 0, got {self.sigma}")
        if self.context < 1:
            raise ConfigError(f"context must be >= 1, got {self.context}")
        if self.horizon < 1:
            raise ConfigError(f"horizon must be >= 1, got {self.horizon}")
        if self.loss_weight not in ("uniform", "inverse"):
            raise ConfigError(
                f"loss_weight must be 'uniform' or 'inverse', got {self.loss_weight!r}"
            )


@dataclass(frozen=True)
class SamplerConfig:
    """Bridge-sampler knobs (method.md §3): steps per slot (= NFE), γ1 momentum, γ2 curvature."""

    nfe: int = 5
    gamma1: float = 0.0
    gamma2: float = 0.0
    schedule: str = "uniform"

    def __post_init__(self) -> None:
        if self.nfe < 1:
            raise ConfigError(f"nfe must be >= 1, got {self.nfe}")
        if self.gamma1 < 0 or self.gamma2 < 0:
            raise ConfigError(f"gamma1, gamma2 must be >= 0, got {self.gamma1}, {self.gamma2}")
        if self.schedule not in ("uniform", "cosine"):
            raise ConfigError(f"schedule must be 'uniform' or 'cosine', got {self.schedule!r}")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings for :mod:`idff_ts.training`."""

    max_epochs: int = 20
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    val_members: int = 20
    val_nfe: int = 5
    val_inits: int = 64
    patience: int = 5
    seed: int = 0
    num_workers: int = 0
    limit_train_batches: int | float = 1.0


def to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-safe dict of a config dataclass (tuples become lists)."""
    out = dataclasses.asdict(cfg)
    return json.loads(json.dumps(out))


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build ``cls`` from a dict, refusing unknown keys with a clear message."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} keys {unknown}; expected a subset of {sorted(names)}")
    return cls(**data)


def to_yaml(cfg: Any) -> str:
    """YAML text of a config dataclass."""
    import yaml

    return yaml.safe_dump(to_dict(cfg), sort_keys=False)


def from_yaml(cls: type[T], text: str) -> T:
    """Inverse of :func:`to_yaml`."""
    import yaml

    return from_dict(cls, yaml.safe_load(text) or {})


__all__ = [
    "ModelConfig",
    "SamplerConfig",
    "TrainConfig",
    "field",
    "from_dict",
    "from_yaml",
    "to_dict",
    "to_yaml",
]
