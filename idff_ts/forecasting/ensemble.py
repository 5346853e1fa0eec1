"""The generic middle of every forecast: model-space windows in, an ensemble out.

A domain's ``encode`` returns :class:`Encoded` (context windows in the model's input space and
the number of slots); :func:`sample_ensemble` runs :meth:`idff_ts.model.Forecaster.predict`
(the bridge sampler of method.md §4, one random stream per member) and returns
:class:`Ensemble`, which the domain's ``decode`` turns into a CF Dataset.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from idff_ts.errors import ConfigError, DataError

if TYPE_CHECKING:
    from idff_ts.config import SamplerConfig
    from idff_ts.model import Forecaster


@dataclass
class Encoded:
    """Context windows ``context (N, L, *state)`` in the model's input space, ``horizon`` K
    slots to sample, and ``meta``: whatever the domain's ``decode`` needs (times, dims, names,
    what its encoding removed)."""

    context: np.ndarray
    horizon: int
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class EnsembleSettings:
    """Ensemble size, seed, sampler overrides, device, member chunking and progress."""

    members: int = 20
    seed: int = 0
    nfe: int | None = None
    gamma1: float | None = None
    gamma2: float | None = None
    endpoint: str | None = None
    device: str = "auto"
    chunk_members: int | None = None
    progress: bool | Callable[[], None] = False

    def check(self) -> None:
        """:class:`ConfigError` for fewer than one member or a chunk size below one."""
        self.members = int(self.members)
        if self.members < 1:
            raise ConfigError(f"members must be >= 1, got {self.members}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer) or not (
            0 <= int(self.seed) < 2**63
        ):
            raise ConfigError(
                f"seed (CLI --seed) must be an integer in [0, 2**63), got {self.seed!r}"
            )
        if self.chunk_members is not None and int(self.chunk_members) < 1:
            raise ConfigError(f"chunk_members must be >= 1, got {self.chunk_members}")


@dataclass
class Ensemble:
    """``samples (M, N, K, *state)`` in the model's input space, and how they were made."""

    samples: np.ndarray
    members: int
    seed: int
    horizon: int
    sampler: SamplerConfig
    device: str
    nfe: int
    calls: int
    n_jvp: int
    wall_s: float

    def cost_attrs(self) -> dict[str, Any]:
        """Counted NFE, network calls, JVPs, wall time and device (provenance attributes)."""
        return {
            "nfe_counted": int(self.nfe), "network_calls": int(self.calls),
            "n_jvp": int(self.n_jvp), "wall_time_s": float(self.wall_s), "device": self.device,
        }


def progress_callback(progress: bool | Callable[[], None], total: int) -> tuple[Any, Any]:
    """(on_slot, context manager) for a rich progress bar on stderr, or a user callback."""
    if callable(progress):
        return progress, contextlib.nullcontext()
    if not progress:
        return None, contextlib.nullcontext()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("forecast slots"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )
    task = bar.add_task("slots", total=total)
    return (lambda: bar.advance(task)), bar


def sample_ensemble(model: Forecaster, encoded: Encoded, run: EnsembleSettings) -> Ensemble:
    """``run.members`` members of ``encoded.horizon`` slots from every context window."""
    from idff_ts.forecasting.options import resolve_device, resolve_sampler

    run.check()
    sampler = resolve_sampler(model.sampler, run.nfe, run.gamma1, run.gamma2, run.endpoint)
    device = resolve_device(run.device)
    try:
        model.check_context(encoded.context)
    except DataError as exc:
        shape = encoded.meta.get("data_state_shape")
        if shape is None:
            raise
        raise DataError(f"{exc} (data state shape {tuple(shape)})") from None
    from idff_ts.resources import check_ensemble_memory

    check_ensemble_memory(run.members, int(encoded.context.shape[0]), int(encoded.horizon),
                          int(np.prod(encoded.context.shape[2:])), run.chunk_members)
    n_chunks = -(-run.members // int(run.chunk_members or run.members))
    on_slot, bar = progress_callback(run.progress, encoded.horizon * n_chunks)
    with bar:
        samples, res = model.predict(
            encoded.context, encoded.horizon, run.members, seed=int(run.seed), sampler=sampler,
            device=device, chunk_members=run.chunk_members, on_slot=on_slot,
        )
    return Ensemble(
        samples=samples, members=run.members, seed=int(run.seed), horizon=encoded.horizon,
        sampler=sampler, device=device, nfe=int(res.nfe), calls=int(res.calls),
        n_jvp=int(res.n_jvp), wall_s=float(res.wall_s),
    )


__all__ = ["Encoded", "Ensemble", "EnsembleSettings", "progress_callback", "sample_ensemble"]
