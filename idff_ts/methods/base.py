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


@dataclass(frozen=True)
class WindowResult:
    """Slots ``1..K`` sampled from one context: ``x`` (B, K, *state), network ``calls`` (batched
    calls count once) and how many of them were JVPs."""

    x: torch.Tensor
    calls: int
    n_jvp: int


class Method(nn.Module):
    """Base class of forecasting methods over a backbone.

    Class attributes: ``trainable`` (False for reference forecasts that have no network and are
    set from the training data by :meth:`fit_reference`), ``stochastic`` (False when every
    member of an ensemble is the same, e.g. persistence).
    """

    name: str = "method"
    trainable: bool = True
    stochastic: bool = True

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

    def sample_window(
        self,
        cond: torch.Tensor,
        horizon: int,
        sampler: SamplerConfig,
        noise: Callable[[tuple[int, ...]], torch.Tensor],
        on_slot: Callable[[], None] | None = None,
    ) -> WindowResult:
        """Slots ``k = 1..horizon`` from the context ``cond`` (B, L, *state).

        Default: the autoregressive rollout of method.md §4, one :meth:`sample_next` per slot,
        the context window sliding over sampled states. Methods that forecast a whole window at
        once (DYffusion) override this.
        """
        out, calls, jvps = [], 0, 0
        rows = cond.shape[0]
        for k in range(1, horizon + 1):
            k_vec = torch.full((rows,), k, dtype=torch.long, device=cond.device)
            res = self.sample_next(cond, k_vec, sampler, noise)
            x1 = res.x1.detach()
            calls += res.nfe
            jvps += res.n_jvp
            out.append(x1)
            cond = torch.cat([cond[:, 1:], x1[:, None]], dim=1)
            if on_slot is not None:
                on_slot()
        return WindowResult(x=torch.stack(out, dim=1), calls=calls, n_jvp=jvps)

    def fit_reference(self, train: torch.Tensor) -> None:
        """Set a reference forecast from standardised training series (n_series, T, *state).

        Only for methods with ``trainable = False``.
        """
        raise NotImplementedError(f"{self.name} is trained by its loss, not by fit_reference")
