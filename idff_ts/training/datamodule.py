"""Lightning data module: training windows and a fixed set of validation inits.

Training batches are ``{"window": (B, L + K, *state)}`` cut from the (standardised) training
series by :class:`~idff_ts.data.windows.WindowDataset`, gathered a whole batch at a time
(``__getitems__``: one fancy-indexing gather per series instead of B item calls and a collate).

**Deterministic shuffling.** The training order of epoch ``e`` is ``randperm(N)`` drawn from a
generator seeded with ``seed + e`` (:class:`EpochRandomSampler`), so it depends on (seed, epoch)
only: a run resumed at an epoch boundary sees exactly the batches of an uninterrupted run.
Under DDP Lightning replaces this ``RandomSampler`` by a ``DistributedSampler`` seeded with the
global seed (``seed_everything``) and calls its ``set_epoch``: each rank reads a disjoint shard.

**Validation inits** are ``n_inits`` windows spread evenly over the validation windows, fixed
for the whole run so that ``val_crps`` is comparable across epochs. Under DDP they are sharded
without padding (:class:`ShardSampler`), so every init is scored exactly once and the sums
reduced across ranks give the same mean as on one process.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler

from idff_ts.data.windows import WindowDataset


class BatchedWindows(WindowDataset):
    """A :class:`WindowDataset` (optionally restricted to ``indices``) fetched a batch at a time.

    ``__getitems__(idx)`` returns the collated batch ``{"window": (B, L + K, *state) float32,
    "index": (B,) int64}``, where ``index`` is the window's position in the unrestricted
    dataset (the validation init id). Use it with :func:`passthrough_collate`.
    """

    def __init__(
        self,
        series: np.ndarray | Sequence[np.ndarray],
        context: int,
        horizon: int,
        stride: int = 1,
        indices: Sequence[int] | np.ndarray | None = None,
    ) -> None:
        super().__init__(series, context, horizon, stride)
        all_ids = np.arange(len(self.starts), dtype=np.int64)
        self.ids = all_ids if indices is None else all_ids[np.asarray(indices, dtype=np.int64)]
        self.offsets = np.arange(self.context + self.horizon)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        batch = self.__getitems__([index])
        return {"window": batch["window"][0], "index": batch["index"][0]}

    def __getitems__(self, indices: Sequence[int]) -> dict[str, torch.Tensor]:
        ids = self.ids[np.asarray(indices, dtype=np.int64)]
        starts = self.starts[ids]
        width = self.context + self.horizon
        out = np.empty((len(ids), width, *self.state_shape), dtype=np.float32)
        for i in np.unique(starts[:, 0]):
            rows = starts[:, 0] == i
            out[rows] = self.series[int(i)][starts[rows, 1][:, None] + self.offsets]
        return {"window": torch.from_numpy(out), "index": torch.from_numpy(ids)}


def passthrough_collate(batch: Any) -> Any:
    """Collate for :class:`BatchedWindows`: the batch is already collated."""
    return batch


class EpochRandomSampler(RandomSampler):
    """Random order that depends only on ``(seed, epoch)``; Lightning calls :meth:`set_epoch`.

    A ``RandomSampler`` subclass, so that under DDP Lightning swaps in its seeded
    ``DistributedSampler`` (shuffle on) as it does for ``shuffle=True``.
    """

    def __init__(self, data_source: Any, seed: int = 0) -> None:
        super().__init__(data_source)
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        yield from torch.randperm(len(self.data_source), generator=g).tolist()


class ShardSampler(DistributedSampler):
    """Rank ``r`` of ``W`` reads indices ``r, r + W, r + 2W, …``; no padding, no shuffling."""

    def __init__(self, dataset: Any, num_replicas: int, rank: int) -> None:
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=False)

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, len(self.dataset), self.num_replicas))

    def __len__(self) -> int:
        return len(range(self.rank, len(self.dataset), self.num_replicas))


def fixed_inits(n_windows: int, n_inits: int) -> np.ndarray:
    """``min(n_inits, n_windows)`` window indices spread evenly over ``0..n_windows−1``."""
    n = min(int(n_inits), int(n_windows))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.round(np.linspace(0, n_windows - 1, n)).astype(np.int64))


class SeriesDataModule(L.LightningDataModule):
    """Training windows and fixed validation inits from standardised series arrays.

    Args:
        train, val: series ``(n_series, T, *state)`` (or lists of ``(T_i, *state)``), already
            standardised with statistics of ``train``.
        context, horizon: ``L`` and ``K``.
        batch_size: training windows per optimiser step (per process under DDP).
        val_inits: number of fixed validation inits; ``val_batch_size`` of them per step.
        seed: base seed of the shuffling.
        num_workers: DataLoader worker processes (0 = in the main process).
        stride: spacing of training window starts.
    """

    def __init__(
        self,
        train: np.ndarray | Sequence[np.ndarray],
        val: np.ndarray | Sequence[np.ndarray] | None,
        context: int,
        horizon: int,
        batch_size: int = 256,
        val_inits: int = 64,
        val_batch_size: int = 64,
        seed: int = 0,
        num_workers: int = 0,
        stride: int = 1,
    ) -> None:
        super().__init__()
        self.train_set = BatchedWindows(train, context, horizon, stride)
        self.val_set: BatchedWindows | None = None
        if val is not None:
            full = WindowDataset(val, context, horizon)
            ids = fixed_inits(len(full), val_inits)
            self.val_set = BatchedWindows(val, context, horizon, 1, indices=ids)
        self.batch_size = int(batch_size)
        self.val_batch_size = int(val_batch_size)
        self.seed = int(seed)
        self.num_workers = int(num_workers)

    def _loader(self, dataset: BatchedWindows, batch_size: int, **kwargs: Any) -> DataLoader:
        return DataLoader(
            dataset,
            batch_size=batch_size,
            collate_fn=passthrough_collate,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
            pin_memory=False,
            **kwargs,
        )

    def train_dataloader(self) -> DataLoader:
        sampler = EpochRandomSampler(self.train_set, seed=self.seed)
        return self._loader(self.train_set, self.batch_size, sampler=sampler, drop_last=False)

    def val_dataloader(self) -> DataLoader | list:
        if self.val_set is None or len(self.val_set) == 0:
            return []
        trainer = getattr(self, "trainer", None)
        world = trainer.world_size if trainer is not None else 1
        rank = trainer.global_rank if trainer is not None else 0
        kwargs: dict[str, Any] = {}
        if world > 1:
            kwargs["sampler"] = ShardSampler(self.val_set, num_replicas=world, rank=rank)
        return self._loader(self.val_set, self.val_batch_size, shuffle=False, **kwargs)

    @property
    def steps_per_epoch(self) -> int:
        """Optimiser steps in one epoch on one process."""
        return math.ceil(len(self.train_set) / self.batch_size)


__all__ = [
    "BatchedWindows",
    "EpochRandomSampler",
    "SeriesDataModule",
    "ShardSampler",
    "fixed_inits",
    "passthrough_collate",
]
