"""What every forecasting method provides: a training loss and a one-slot sampler.

A method owns a backbone; ``loss(batch)`` trains it and ``sample_next(cond, k, ...)`` draws the
next state given the context window, for the ensemble rollout of :mod:`idff_ts.sampling.rollout`.

Batches are dicts: ``window`` (B, L + K, *state) holds L context states then K future states;
``mask`` (optional, broadcastable to (B, *state)) is 1 where a point counts (ocean) and 0 where
it never does (land).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.sampling.bridge import SampleResult


@dataclass(frozen=True)
class LossOutput:
    """Total loss and its parts (scalars), for logging."""

    loss: torch.Tensor
    parts: dict[str, torch.Tensor]


@dataclass(frozen=True)
class SlotBatch:
    """One training example per row: source ``x0``, target ``x1``, context ``cond``, slot ``k``."""

    x0: torch.Tensor
    x1: torch.Tensor
    cond: torch.Tensor
    k: torch.Tensor
    mask: torch.Tensor | None


def draw_slots(
    batch: dict[str, torch.Tensor], context: int, generator: torch.Generator | None = None
) -> SlotBatch:
    """Pick ``k ~ U{1..K}`` per row and cut ``x0 = y_{n+k-1}``, ``x1 = y_{n+k}`` and the context.

    The window index of ``y_n`` (the last context state) is ``L − 1``.
    """
    window = batch["window"]
    b, length = window.shape[:2]
    horizon = length - context
    k = torch.randint(1, horizon + 1, (b,), generator=generator, device="cpu").to(window.device)
    rows = torch.arange(b, device=window.device)
    src = context - 1 + k - 1
    offsets = torch.arange(-context + 1, 1, device=window.device)
    cond = window[rows[:, None], src[:, None] + offsets[None, :]]
    return SlotBatch(
        x0=window[rows, src], x1=window[rows, src + 1], cond=cond, k=k, mask=batch.get("mask")
    )


def masked_mean(sq: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Per-row mean of ``sq`` (B, *state) over valid points only (B,)."""
    dims = tuple(range(1, sq.dim()))
    if mask is None:
        return sq.mean(dim=dims)
    m = mask.to(sq.dtype).expand_as(sq)
    return (sq * m).sum(dim=dims) / m.sum(dim=dims).clamp_min(1.0)


class Method(nn.Module):
    """Base class of forecasting methods over a backbone."""

    name: str = "method"

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg

    def loss(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None
    ) -> LossOutput:
        raise NotImplementedError

    def sample_next(
        self,
        cond: torch.Tensor,
        k: torch.Tensor,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
    ) -> SampleResult:
        raise NotImplementedError
