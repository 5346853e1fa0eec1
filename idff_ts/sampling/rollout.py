"""Autoregressive rollout over slots and M-member ensembles (method.md §4).

For ``k = 1..K`` the slot-``k`` state is sampled from the slot-``k−1`` one (``x0 = y_n`` for
``k = 1``), the context window sliding over sampled states (:meth:`Method.sample_window`; a
method that forecasts a whole window at once overrides it). Members are independent rollouts,
batched member-major, each with its own random stream (:class:`MemberNoise`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from idff_ts.config import SamplerConfig
from idff_ts.sampling.noise import MemberNoise

if TYPE_CHECKING:
    from idff_ts.methods.base import Method


@dataclass(frozen=True)
class EnsembleResult:
    """``samples`` (M, B, K, *state) on the CPU, with the cost actually paid.

    ``nfe`` is the number of network calls per member and slot (batched calls count once,
    whatever the batch size); ``calls`` the total batched calls made; ``n_jvp`` how many of those
    were JVPs; ``wall_s`` the wall time.
    """

    samples: torch.Tensor
    nfe: int
    calls: int
    n_jvp: int
    wall_s: float


@torch.no_grad()
def _rollout_chunk(
    method: Method,
    context: torch.Tensor,
    horizon: int,
    sampler: SamplerConfig,
    noise: MemberNoise,
    n_members: int,
    on_slot: Callable[[], None] | None,
) -> tuple[torch.Tensor, int, int]:
    cond = context.repeat(n_members, *([1] * (context.dim() - 1)))
    res = method.sample_window(cond, horizon, sampler, noise, on_slot)
    samples = res.x.cpu()  # (n_members · B, K, *state)
    return samples.reshape(n_members, context.shape[0], *samples.shape[1:]), res.calls, res.n_jvp


def forecast_ensemble(
    method: Method,
    context: torch.Tensor,
    horizon: int,
    members: int,
    sampler: SamplerConfig,
    seed: int = 0,
    device: torch.device | str = "cpu",
    chunk_members: int | None = None,
    on_slot: Callable[[], None] | None = None,
) -> EnsembleResult:
    """Sample an M-member ensemble of K-slot trajectories from ``context`` (B, L, *state).

    ``chunk_members`` bounds memory by rolling out that many members at a time; the result does
    not depend on it (streams are per member). ``on_slot`` is called after each slot of each
    chunk (for progress bars).
    """
    if horizon > method.cfg.horizon:
        from idff_ts.errors import ConfigError

        raise ConfigError(
            f"requested {horizon} slots but the model was trained for at most "
            f"{method.cfg.horizon}; use a horizon <= {method.cfg.horizon}"
        )
    method.eval()
    device = torch.device(device)
    context = context.to(device=device, dtype=torch.float32)
    chunk = chunk_members or members
    start = time.perf_counter()
    pieces, calls, jvps = [], 0, 0
    for m0 in range(0, members, chunk):
        ids = range(m0, min(members, m0 + chunk))
        noise = MemberNoise(seed, ids, context.shape[0], device=device)
        samples, c, j = _rollout_chunk(
            method, context, horizon, sampler, noise, len(ids), on_slot
        )
        pieces.append(samples)
        calls += c
        jvps += j
    samples = torch.cat(pieces, dim=0)
    n_chunks = len(pieces)
    return EnsembleResult(
        samples=samples,
        nfe=calls // (n_chunks * horizon),
        calls=calls,
        n_jvp=jvps,
        wall_s=time.perf_counter() - start,
    )
