"""Typed configuration: model, sampler and training settings.

Configurations are plain dataclasses of primitives so that they round-trip through JSON/YAML and
are saved next to the weights in a checkpoint (see :mod:`idff_ts.training.checkpoint`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from idff_ts.config_types import check_field_types
from idff_ts.errors import ConfigError

T = TypeVar("T")

#: Kinds of IDFF posterior heads (``ModelConfig.posterior``).
POSTERIORS = ("none", "gaussian", "distributional")
#: Endpoints of the bridge step (``SamplerConfig.endpoint``).
ENDPOINTS = ("auto", "mean", "gaussian", "distributional")


@dataclass(frozen=True)
class ModelConfig:
    """Backbone and bridge settings (method.md §2).

    ``state_shape`` is the shape of one state ``y_n`` (``(D,)`` for vectors, ``(C, H, W)`` for
    fields); ``context`` is the number ``L`` of past states the network sees (``L = 1``: only
    ``x0``); ``horizon`` is the number ``K`` of slots the slot embedding knows.

    UNet only (``backbone="unet"``, :mod:`idff_ts.nets.unet`): ``hidden`` is the base channel
    count, level ``i`` has ``hidden · channel_mult[i]`` channels and ``num_res_blocks`` residual
    blocks; ``attention`` adds self-attention at the lowest resolution; ``static_channels`` is
    the number of fixed fields (e.g. a land mask) appended to the context channels.

    ``sigma`` is the bridge's diffusion in standardised units. The default 0.5 was chosen on the
    validation splits of the Lorenz-63 and Rössler tasks over σ ∈ {0.1, 0.3, 0.5, 1, 2, 3}
    (``benchmarks/results/attractor_nfe.md``): 0.3–1 were within ~4 % of each other (a single
    training seed: an earlier run picked 1), 0.1 about 34 % worse and degrading as NFE grows,
    2–3 7–9 % worse. Other tasks chose their own on validation
    (``benchmarks/results/sigma_sweep.md``): sst-wa4 0.5, the SST demo UNet 2, polyalanine 3,
    alanine dipeptide 2.
    """

    state_shape: tuple[int, ...] = (3,)
    backbone: str = "mlp"
    context: int = 1
    horizon: int = 7
    sigma: float = 0.5
    hidden: int = 128
    depth: int = 3
    emb_dim: int = 32
    loss_lambda: float = 1.0
    loss_weight: str = "inverse"
    loss_weight_eps: float = 0.1
    dropout: float = 0.0
    channel_mult: tuple[int, ...] = (1, 2, 2)
    num_res_blocks: int = 1
    attention: bool = False
    static_channels: int = 0
    posterior: str = "none"
    """IDFF's approximation of ``p(x1 | x_t, c)`` for the posterior-sampling step (method.md §3):
    ``"none"`` (data head only, the paper's model), ``"gaussian"`` (adds a variance head on the
    shared backbone) or ``"distributional"`` (the data head becomes a generator of ``x1`` fed
    with noise ``ξ``, trained with the energy score). Other methods ignore it."""
    posterior_weight: float = 1.0
    """Weight of the variance head's loss (``posterior="gaussian"``)."""
    method_options: dict[str, Any] = field(default_factory=dict)
    """Knobs of the method itself (e.g. OT-CFM's ``beta``, DDPM's ``prediction``, every
    method's ``output``), read by the method; see each method's docstring."""

    def __post_init__(self) -> None:
        if self.method_options is None:
            object.__setattr__(self, "method_options", {})
        check_field_types(self)
        object.__setattr__(self, "method_options", dict(self.method_options))
        object.__setattr__(self, "state_shape", tuple(int(s) for s in self.state_shape))
        object.__setattr__(self, "channel_mult", tuple(int(m) for m in self.channel_mult))
        if not self.channel_mult or min(self.channel_mult) < 1:
            raise ConfigError(f"channel_mult must be positive integers, got {self.channel_mult}")
        if self.num_res_blocks < 1 or self.static_channels < 0:
            raise ConfigError(
                "num_res_blocks must be >= 1 and static_channels >= 0, got "
                f"{self.num_res_blocks}, {self.static_channels}"
            )
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
        if self.posterior not in POSTERIORS:
            raise ConfigError(f"posterior must be one of {POSTERIORS}, got {self.posterior!r}")
        if self.posterior_weight < 0:
            raise ConfigError(f"posterior_weight must be >= 0, got {self.posterior_weight}")


@dataclass(frozen=True)
class SamplerConfig:
    """Bridge-sampler knobs (method.md §3): steps per slot (= NFE), γ1 momentum, γ2 curvature.

    The defaults (NFE 3, γ1 = 0, γ2 = 0) were chosen on the validation splits of the Lorenz-63
    and Rössler tasks (σ = 0.5): the fewest steps within 2 % of each task's best validation CRPS
    of the whole NFE × γ1 × γ2 grid on both systems. γ1 > 0 widens the spread but did not help
    CRPS on both; γ2 > 0 was worse everywhere. The evidence is
    ``benchmarks/results/attractor_nfe.md`` (docs: Benchmarks). γ1 changes nothing at NFE ≤ 2.
    """

    nfe: int = 3
    gamma1: float = 0.0
    gamma2: float = 0.0
    schedule: str = "uniform"
    solver: str = "auto"
    """Which sampler the method uses (``"auto"``: its default); each method lists its own, e.g.
    OT-CFM ``euler | midpoint | rk4 | dopri5``, DDPM ``ancestral | ddim``."""
    endpoint: str = "auto"
    """IDFF's bridge step: towards the posterior mean ``x̂1`` (``"mean"``, the paper's step) or
    towards a draw ``x̃1`` of the posterior, ``N(x̂1, diag v̂)`` (``"gaussian"``, needs a model with
    ``posterior="gaussian"``) or the generator's (``"distributional"``, needs
    ``posterior="distributional"``). ``"auto"``: ``"distributional"`` for a model whose data
    head is a generator, ``"mean"`` otherwise. Other methods ignore it. Validation over three
    training seeds preferred the mean step on Lorenz-63, Rössler, sst-demo and three of five real
    series, and the Gaussian step on sst-wa4 and polyala (``benchmarks/results/posterior_nfe.md``,
    ``real_series_posterior.md``), so ``"auto"`` stays the default."""

    def __post_init__(self) -> None:
        check_field_types(self)
        if not isinstance(self.solver, str) or not self.solver:
            raise ConfigError(f"solver must be a non-empty string, got {self.solver!r}")
        if self.nfe < 1:
            raise ConfigError(f"nfe must be >= 1, got {self.nfe}")
        if self.gamma1 < 0 or self.gamma2 < 0:
            raise ConfigError(f"gamma1, gamma2 must be >= 0, got {self.gamma1}, {self.gamma2}")
        if self.schedule not in ("uniform", "cosine"):
            raise ConfigError(f"schedule must be 'uniform' or 'cosine', got {self.schedule!r}")
        if self.endpoint not in ENDPOINTS:
            raise ConfigError(f"endpoint must be one of {ENDPOINTS}, got {self.endpoint!r}")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings for :mod:`idff_ts.training`.

    ``grad_clip`` is the max gradient norm (0 disables clipping); the EMA uses decay
    ``min(ema_decay, (1 + n)/(10 + n))`` after ``n`` steps when ``ema_warmup``. Validation
    scores ``val_inits`` fixed validation windows with ``val_members`` members and ``val_nfe``
    calls per slot, ``val_batch_size`` inits at a time, every ``check_val_every_n_epoch``
    epochs; early stopping waits ``patience`` validations. ``stride`` spaces training window
    starts; ``deterministic`` is passed to the Lightning Trainer (``"warn"``: deterministic
    algorithms where they exist, a warning otherwise); ``precision`` likewise (``"32-true"``,
    ``"bf16-mixed"``, ``"16-mixed"``, …); ``accumulate_grad_batches`` sums gradients of that many
    batches per optimiser step (Lightning's option of that name).
    """

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
    ema_warmup: bool = True
    val_batch_size: int = 64
    check_val_every_n_epoch: int = 1
    log_every_n_steps: int = 50
    stride: int = 1
    deterministic: bool | str = "warn"
    precision: str = "32-true"
    accumulate_grad_batches: int = 1

    def __post_init__(self) -> None:
        check_field_types(self)
        if self.max_epochs < 0 or self.batch_size < 1:
            raise ConfigError(
                f"max_epochs must be >= 0 and batch_size >= 1, got {self.max_epochs}, "
                f"{self.batch_size}"
            )
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        if self.val_members < 1 or self.val_nfe < 1 or self.val_inits < 1:
            raise ConfigError(
                f"val_members, val_nfe and val_inits must be >= 1, got {self.val_members}, "
                f"{self.val_nfe}, {self.val_inits}"
            )
        if self.accumulate_grad_batches < 1:
            raise ConfigError(
                f"accumulate_grad_batches must be >= 1, got {self.accumulate_grad_batches}"
            )
        if self.grad_clip < 0 or self.lr <= 0:
            raise ConfigError(f"grad_clip must be >= 0 and lr > 0, got {self.grad_clip}, {self.lr}")


def to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-safe dict of a config dataclass (tuples become lists)."""
    out = dataclasses.asdict(cfg)
    return json.loads(json.dumps(out))


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build ``cls`` from a dict, refusing unknown keys with a clear message."""
    if not isinstance(data, dict):
        raise ConfigError(
            f"{cls.__name__}: expected a mapping of settings, found {data!r} ({type(data).__name__})"
        )
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
    "ENDPOINTS",
    "POSTERIORS",
    "ModelConfig",
    "SamplerConfig",
    "TrainConfig",
    "field",
    "from_dict",
    "from_yaml",
    "to_dict",
    "to_yaml",
]
