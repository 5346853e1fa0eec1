"""Hindcasts over many inits, streamed to disk a block at a time, in one or several processes.

:func:`hindcast` runs :func:`idff_ts.forecast` on fixed blocks of ``block_inits`` consecutive
inits and writes each block, as soon as it is sampled, to its own Zarr store in a parts folder
next to the output (``.<name>.parts/block-000007.zarr``, each written atomically). When every
block exists, the blocks are concatenated lazily along ``init`` and written to ``output``
(netCDF or Zarr, atomically, dask streaming chunk by chunk), and the parts folder is removed.
Memory is bounded by one block (``block_inits`` × series × members × leads × state), not by the
number of inits.

**Several processes.** Blocks are dealt round-robin: process ``rank`` of ``world_size`` samples
the blocks ``b`` with ``b % world_size == rank``, on its own device (``device=f"cuda:{rank}"``
on a multi-GPU node, any node sharing the file system). Ranks other than 0 return after their
blocks; rank 0 waits for all blocks (a barrier when ``torch.distributed`` is initialised, else
the parts folder is polled), then assembles the output. Launch the same command once per rank
(``srun``, ``torchrun``, or by hand with ``--rank/--world-size``).

**Identical results for any partition.** Block ``b`` is sampled with its own seed, derived from
``(seed, b)`` by :class:`numpy.random.SeedSequence`; its inits, its batch of tiles and its
seed do not depend on ``world_size`` or on which process runs it, so one process and several
produce the same file bit for bit. The block size is part of what defines the result (like the
seed): a different ``block_inits`` gives other (equally valid) member streams. A block already
present in the parts folder (an interrupted run) is kept, so rerunning resumes.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from idff_ts.errors import ConfigError, DataError

log = logging.getLogger(__name__)

DEFAULT_BLOCK_INITS = 4
"""Inits per block (and per sampler call) unless told otherwise."""


def block_seed(seed: int, block: int) -> int:
    """The seed of block ``block``: a child of ``SeedSequence(seed)`` keyed by the block."""
    child = np.random.SeedSequence(int(seed), spawn_key=(int(block),))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def plan_blocks(inits: Sequence[Any], block_inits: int) -> list[list[Any]]:
    """``inits`` cut into consecutive blocks of ``block_inits`` (the last may be shorter)."""
    if int(block_inits) < 1:
        raise ConfigError(f"block_inits must be >= 1, got {block_inits}")
    items = list(inits)
    if not items:
        raise ConfigError("a hindcast needs at least one init time")
    return [items[i : i + int(block_inits)] for i in range(0, len(items), int(block_inits))]


def parts_folder(output: Path) -> Path:
    """Where the blocks of ``output`` are written before assembly (hidden, same folder)."""
    return output.with_name(f".{output.name}.parts")


def _block_path(parts: Path, block: int) -> Path:
    return parts / f"block-{block:06d}.zarr"


def _write_blocks(data: Any, model: Any, blocks: list[list[Any]], mine: list[int], parts: Path,
                  seed: int, forecast_kw: dict[str, Any]) -> int:
    """Sample and write this process's blocks (skipping finished ones); returns how many ran."""
    from idff_ts.forecast import forecast
    from idff_ts.io import write_dataset

    ran = 0
    for b in mine:
        path = _block_path(parts, b)
        if _finished(path, blocks[b], block_seed(seed, b)):  # by an earlier, interrupted run
            continue
        t0 = time.perf_counter()
        ds = forecast(data, model, init=list(blocks[b]), seed=block_seed(seed, b), **forecast_kw)
        ds.attrs["hindcast_block"] = b
        write_dataset(ds, path, overwrite=False)
        ran += 1
        log.info("block %d/%d (%d inits) in %.1fs", b + 1, len(blocks), len(blocks[b]),
                 time.perf_counter() - t0)
    return ran


def _finished(path: Path, inits: list[Any], seed: int) -> bool:
    """Whether ``path`` holds this very block (same inits and seed); a stale one is removed."""
    if not path.exists():
        return False
    import xarray as xr

    try:
        with xr.open_zarr(path, consolidated=True) as old:
            same = (old.attrs.get("seed") == seed and old.sizes.get("init") == len(inits)
                    and bool(np.all(old["init"].values == np.asarray(inits, dtype=old["init"].dtype))))
    except (OSError, ValueError, KeyError, TypeError):
        same = False
    if not same:
        shutil.rmtree(path, ignore_errors=True)
    return same


def _wait_for_blocks(parts: Path, n_blocks: int, timeout_s: float) -> None:
    """Rank 0: a ``torch.distributed`` barrier if initialised, else poll the parts folder."""
    import sys

    if "torch" in sys.modules:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.barrier()
    deadline = time.monotonic() + timeout_s
    missing = [b for b in range(n_blocks) if not _block_path(parts, b).exists()]
    while missing:
        if time.monotonic() > deadline:
            raise DataError(
                f"hindcast blocks {missing[:5]}{'…' if len(missing) > 5 else ''} did not appear "
                f"in {str(parts)!r} within {timeout_s:.0f} s; did every rank run?"
            )
        time.sleep(1.0)
        missing = [b for b in missing if not _block_path(parts, b).exists()]


def _assemble(parts: Path, n_blocks: int, output: Path, seed: int, block_inits: int,
              overwrite: bool, attrs: dict[str, Any]) -> Path:
    """Concatenate the blocks lazily along ``init`` and write ``output`` atomically."""
    import xarray as xr

    from idff_ts.io import write_dataset

    pieces = [xr.open_zarr(_block_path(parts, b), consolidated=True) for b in range(n_blocks)]
    try:
        ds = xr.concat(pieces, dim="init", data_vars="minimal", coords="minimal",
                       compat="override", join="override", combine_attrs="override")
        ds.attrs.pop("hindcast_block", None)
        for key in ("wall_time_s", "network_calls", "n_jvp"):
            if key in ds.attrs:
                ds.attrs[key] = sum(p.attrs.get(key, 0) for p in pieces)
        ds.attrs.update(seed=int(seed), hindcast_blocks=n_blocks, hindcast_block_inits=block_inits,
                        hindcast_seeds="block b sampled with seed SeedSequence(seed, spawn_key=(b,))")
        ds.attrs.update(attrs)
        write_dataset(ds, output, overwrite=overwrite)
    finally:
        for piece in pieces:
            piece.close()
    return output


def hindcast(
    data: Any, model: Any, output: str | os.PathLike[str], *, init: Sequence[Any],
    block_inits: int = DEFAULT_BLOCK_INITS, seed: int = 0, rank: int = 0, world_size: int = 1,
    overwrite: bool = True, wait_timeout_s: float = 24 * 3600.0,
    attrs: dict[str, Any] | None = None, **forecast_kw: Any,
) -> Path | None:
    """Forecast every init of ``init``, streamed to ``output`` a block at a time (module doc).

    Args:
        data, model: as for :func:`idff_ts.forecast` (a Forecaster or a checkpoint path).
        output: the final ``.nc``/``.zarr``; it appears only when complete.
        init: the init times (e.g. from ``idff-ts forecast --init all``).
        block_inits: inits per block and per sampler call (part of the result's definition).
        seed: base seed; block ``b`` uses :func:`block_seed` ``(seed, b)``.
        rank, world_size: this process's share of the blocks (round-robin).
        attrs: global attributes added to the output (e.g. the command line).
        **forecast_kw: the other options of :func:`idff_ts.forecast` (members, days, nfe,
            device, chunk_members, domain options such as ``boxes`` or ``precision``).

    Returns:
        ``output`` on rank 0; ``None`` on the other ranks.
    """
    from idff_ts.forecasting.options import resolve_model
    from idff_ts.io import check_output_path

    output = Path(output)
    if not 0 <= int(rank) < int(world_size):
        raise ConfigError(f"rank must be in 0..world_size-1, got rank={rank}, "
                          f"world_size={world_size}")
    if int(rank) == 0:
        check_output_path(output, overwrite=overwrite)
    blocks = plan_blocks(init, block_inits)
    parts = parts_folder(output)
    parts.mkdir(parents=True, exist_ok=True)
    fc = resolve_model(model, forecast_kw.pop("checkpoint", None))
    mine = [b for b in range(len(blocks)) if b % int(world_size) == int(rank)]
    _write_blocks(data, fc, blocks, mine, parts, seed, forecast_kw)
    if int(rank) != 0:
        return None
    _wait_for_blocks(parts, len(blocks), wait_timeout_s)
    _assemble(parts, len(blocks), output, seed, int(block_inits), overwrite, dict(attrs or {}))
    shutil.rmtree(parts, ignore_errors=True)
    return output


__all__ = ["DEFAULT_BLOCK_INITS", "block_seed", "hindcast", "parts_folder", "plan_blocks"]
