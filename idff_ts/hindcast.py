"""Hindcasts over many inits, streamed into one output a block at a time, in one or several processes.

:func:`hindcast` runs :func:`idff_ts.forecast` on fixed blocks of ``block_inits`` consecutive
inits and writes each block, as soon as it is sampled, into its own ``init`` region of ONE Zarr
store (:mod:`idff_ts.io.regions`) kept in a hidden parts folder next to the output
(``.<name>.parts/store.zarr``), then records the block as done (``done/block-000007.json``).
When every block is done, the store is renamed to a ``.zarr`` output, or converted a block of
inits at a time into a netCDF output written atomically, and the parts folder is removed.
Nothing ever holds more than one block (``block_inits`` × series × members × leads × state),
and nothing is assembled at the end: memory and time per init do not grow with the number of
inits. A partly written store is never visible under the output's name.

**Several processes.** Blocks are dealt round-robin: process ``rank`` of ``world_size`` samples
the blocks ``b`` with ``b % world_size == rank``, on its own device (``device=f"cuda:{rank}"``
on a multi-GPU node, any node sharing the file system), and writes them into the same store
(regions never share a Zarr chunk). Rank 0 prepares the parts folder; ranks other than 0 return
after their blocks; rank 0 waits for all blocks (a barrier when ``torch.distributed`` is
initialised, else the done markers are polled) and writes the output. Launch the same command
once per rank (``srun``, ``torchrun``, or by hand with ``--rank/--world-size``).

**Identical results for any partition.** Block ``b`` is sampled with its own seed, derived from
``(seed, b)`` by :class:`numpy.random.SeedSequence`; its inits, its batch of tiles and its
seed do not depend on ``world_size`` or on which process runs it, so one process and several
produce the same values bit for bit. The block size is part of what defines the result (like
the seed): a different ``block_inits`` gives other (equally valid) member streams.

**Resuming.** The parts folder records the run's settings (``run.json``: the inits, block size,
seed, model and forecast options). A rerun with the same settings keeps the blocks marked done
and samples only the others; a rerun with other settings starts afresh.
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
from idff_ts.hindcast_parts import (
    finished_blocks,
    marker_path,
    parts_folder,
    prepare_parts,
    read_markers,
    run_key,
    store_path,
    wait_for_blocks,
    write_marker,
)

log = logging.getLogger(__name__)

DEFAULT_BLOCK_INITS = 4
"""Inits per block (and per sampler call) unless told otherwise."""

COST_ATTRS = ("wall_time_s", "network_calls", "n_jvp")
"""Per-block costs, summed over the blocks in the output's attributes."""


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


def _check_block_inits(ds: Any, expected: np.ndarray, block: int) -> None:
    got = ds["init"].values
    if got.shape != expected.shape or not np.all(got == expected):
        raise DataError(
            f"hindcast block {block}: the forecast's init times {[str(t) for t in got[:3]]}... "
            f"differ from the requested {[str(t) for t in expected[:3]]}...; pass init times "
            "of the data"
        )


def _write_blocks(data: Any, model: Any, blocks: list[list[Any]], mine: list[int], parts: Path,
                  seed: int, forecast_kw: dict[str, Any]) -> int:
    """Sample this process's unfinished blocks into the store; returns how many ran."""
    from idff_ts.forecast import forecast
    from idff_ts.io.regions import RegionWriter, create_region_store

    starts = np.cumsum([0] + [len(b) for b in blocks])
    store, all_inits, writer, ran = store_path(parts), None, None, 0
    for b in mine:
        if marker_path(parts, b).exists():  # by an earlier, interrupted run
            continue
        t0 = time.perf_counter()
        ds = forecast(data, model, init=list(blocks[b]), seed=block_seed(seed, b), **forecast_kw)
        if all_inits is None:
            all_inits = np.asarray([t for blk in blocks for t in blk], dtype=ds["init"].dtype)
        _check_block_inits(ds, all_inits[starts[b] : starts[b + 1]], b)
        try:
            if writer is None:
                if not store.exists():
                    create_region_store(ds, all_inits, store)
                writer = RegionWriter(store)
            writer.write(ds, int(starts[b]))
        except OSError as exc:
            raise DataError(f"cannot write hindcast block {b} into {str(store)!r}: "
                            f"{exc.strerror or exc}") from None
        write_marker(parts, b, {"inits": len(blocks[b]), "seed": block_seed(seed, b),
                                **{k: ds.attrs.get(k, 0) for k in COST_ATTRS}})
        del ds
        ran += 1
        log.info("block %d/%d (%d inits) in %.2fs", b + 1, len(blocks), len(blocks[b]),
                 time.perf_counter() - t0)
    return ran


def _finish(parts: Path, n_blocks: int, output: Path, seed: int, block_inits: int,
            overwrite: bool, attrs: dict[str, Any]) -> Path:
    """Summed costs and the hindcast's attributes into the store, then the output, atomically."""
    from idff_ts.io.regions import export_store, set_store_attrs

    if not store_path(parts).exists():  # e.g. moved into place by a run stopped right after
        raise DataError(f"every block of {str(output)!r} is marked done but its store "
                        f"{str(store_path(parts))!r} is missing; remove {str(parts)!r} and rerun")
    markers = read_markers(parts, n_blocks)
    summary: dict[str, Any] = {k: sum(m.get(k, 0) for m in markers) for k in COST_ATTRS}
    summary.update(seed=int(seed), hindcast_blocks=n_blocks, hindcast_block_inits=block_inits,
                   hindcast_seeds="block b sampled with seed SeedSequence(seed, spawn_key=(b,))")
    summary.update(attrs)
    set_store_attrs(store_path(parts), summary)
    return export_store(store_path(parts), output, overwrite=overwrite)


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
        wait_timeout_s: how long rank 0 waits for the other ranks' blocks (and they for rank 0
            to prepare the parts folder).
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
    fc = resolve_model(model, forecast_kw.pop("checkpoint", None))
    parts = parts_folder(output)
    key = run_key(blocks, seed, getattr(fc, "sha256", None), forecast_kw)
    prepare_parts(parts, key, int(rank), wait_timeout_s)
    mine = [b for b in range(len(blocks)) if b % int(world_size) == int(rank)]
    _write_blocks(data, fc, blocks, mine, parts, seed, forecast_kw)
    if int(rank) != 0:
        return None
    wait_for_blocks(parts, len(blocks), wait_timeout_s)
    t0 = time.perf_counter()
    _finish(parts, len(blocks), output, seed, int(block_inits), overwrite, dict(attrs or {}))
    shutil.rmtree(parts, ignore_errors=True)
    log.info("wrote %s (%d blocks) in %.2fs", output, len(blocks), time.perf_counter() - t0)
    return output


__all__ = ["DEFAULT_BLOCK_INITS", "block_seed", "finished_blocks", "hindcast", "parts_folder",
           "plan_blocks"]
