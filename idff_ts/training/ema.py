"""Exponential moving average (EMA) of a network's weights.

After the ``n``-th optimiser step (``n = 1, 2, …``) every parameter ``θ`` of the trained network
updates its shadow ``θ̄``::

    θ̄ ← d_n θ̄ + (1 − d_n) θ,      d_n = min(decay, (1 + n) / (10 + n))   (warmup)
                                   d_n = decay                             (no warmup)

The warmup (TensorFlow's ``ExponentialMovingAverage(num_updates=…)``) lets the average forget
the random initialisation in short runs: ``d_1 = 2/11``, so after the first step the shadow is
mostly the trained weights. Buffers (normalisation statistics) are copied, not averaged.

The shadow is a full copy of the network (an ``nn.Module`` without gradients), so it can be
handed to the sampler as it is; validation and the saved model use it. It lives inside the
:class:`~idff_ts.training.module.ForecastModule`, hence in its ``state_dict`` and in Lightning
checkpoints: resuming restores the average and the update counter ``n``. The update is the same
function in the Lightning path and in a bare PyTorch loop (``benchmarks/train_overhead.py``).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def ema_decay(decay: float, num_updates: int, warmup: bool = True) -> float:
    """``d_n``: ``min(decay, (1 + n)/(10 + n))`` with warmup, else ``decay``."""
    if not warmup:
        return float(decay)
    return float(min(decay, (1.0 + num_updates) / (10.0 + num_updates)))


class EMA(nn.Module):
    """A shadow copy of ``model`` holding the moving average of its parameters.

    Args:
        model: the network being trained (its current weights initialise the shadow).
        decay: the asymptotic decay ``d`` in ``[0, 1)``.
        warmup: use ``d_n = min(d, (1 + n)/(10 + n))``.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999, warmup: bool = True) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay = float(decay)
        self.warmup = bool(warmup)
        self.shadow = copy.deepcopy(model)
        self.shadow.requires_grad_(False)
        self.shadow.eval()
        self.register_buffer("num_updates", torch.zeros((), dtype=torch.long))
        self._n: int | None = None  # host mirror of num_updates: no device sync per step

    def _load_from_state_dict(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super()._load_from_state_dict(*args, **kwargs)
        self._n = None  # re-read the restored counter on the next update

    def train(self, mode: bool = True) -> EMA:
        """The shadow always stays in eval mode (no dropout when it is used)."""
        super().train(mode)
        self.shadow.eval()
        return self

    @torch.no_grad()
    def update(self, model: nn.Module) -> float:
        """One EMA step from the current weights of ``model``; returns the ``d_n`` used."""
        shadow_params = list(self.shadow.parameters())
        model_params = [p.detach() for p in model.parameters()]
        if len(shadow_params) != len(model_params):
            raise ValueError("EMA.update: the model does not match the shadow's architecture")
        if self._n is None:
            self._n = int(self.num_updates.item())
        self._n += 1
        self.num_updates.fill_(self._n)
        d = ema_decay(self.decay, self._n, self.warmup)
        # θ̄ + (1 − d)(θ − θ̄) = d θ̄ + (1 − d) θ, fused over all tensors.
        torch._foreach_lerp_(shadow_params, model_params, 1.0 - d)
        for b_shadow, b_model in zip(self.shadow.buffers(), model.buffers(), strict=True):
            b_shadow.copy_(b_model)
        return d


__all__ = ["EMA", "ema_decay"]
