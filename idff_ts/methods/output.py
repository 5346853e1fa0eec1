"""The output parameterisation every method can use, so that no method gets a head start.

``method_options["output"]``:

- ``"residual"``: the method derives its prediction from the backbone's **data head**
  ``x̂1 = x_src + Δ_θ`` (``x_src = cond[:, -1]``, the last context state), whose output layer is
  zero-initialised, so every method starts as persistence. IDFF and DYffusion always work this
  way; OT-CFM, I-CFM and DDPM derive their velocity / noise / v from ``x̂1`` (see each method).
- ``"direct"``: the method reads its native target (velocity, ``ε̂``, ``v̂``) from the
  backbone's second head (the baselines' behaviour before the fair-contest rules; kept as the
  default only so that old checkpoints load unchanged).

The benchmark runner sets ``"residual"`` for every method (evaluation.md §3, "a fair contest").
"""

from __future__ import annotations

from torch import nn

from idff_ts.config import ModelConfig
from idff_ts.errors import ConfigError

OUTPUTS = ("direct", "residual")


def output_mode(cfg: ModelConfig, default: str = "direct", allowed: tuple[str, ...] = OUTPUTS) -> str:
    """The ``output`` option of ``cfg``, checked against ``allowed``."""
    mode = str(cfg.method_options.get("output", default))
    if mode not in allowed:
        raise ConfigError(f"method option output={mode!r}; expected one of {list(allowed)}")
    return mode


def zero_init_data_heads(module: nn.Module) -> int:
    """Zero the output layer of every backbone's data head inside ``module``; returns how many.

    MLP backbones: ``head_x1``; UNet backbones: the final convolution ``out`` (both heads, it is
    already zero-initialised at construction).
    """
    from idff_ts.nets.base import Backbone

    count = 0
    for sub in module.modules():
        if not isinstance(sub, Backbone):
            continue
        layer = getattr(sub, "head_x1", None) or getattr(sub, "out", None)
        if isinstance(layer, nn.Module):
            for p in layer.parameters():
                nn.init.zeros_(p)
            count += 1
    return count
