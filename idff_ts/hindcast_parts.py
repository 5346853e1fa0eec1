"""The parts folder of a streamed hindcast: its settings, its store and its done markers.

``.<output name>.parts/`` (hidden, next to the output) holds, while :mod:`idff_ts.hindcast`
runs:

* ``run.json``: the key of the run's settings (:func:`run_key`), written by rank 0 first; a
  folder left by a run with another key is discarded, one with the same key is resumed;
* ``store.zarr``: the one Zarr store the blocks are written into (:mod:`idff_ts.io.regions`);
* ``done/block-000007.json``: written (atomically) after block 7's region is in the store, with
  the block's costs; a block without its marker is sampled again by a rerun.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from idff_ts.errors import DataError

log = logging.getLogger("idff_ts.hindcast")

IGNORED_OPTIONS = ("device", "progress", "chunk_members")
"""Forecast options that do not change the result (so ranks on other devices share a run)."""


def parts_folder(output: Path) -> Path:
    """Where the blocks of ``output`` are written before it exists (hidden, same folder)."""
    return Path(output).with_name(f".{Path(output).name}.parts")


def store_path(parts: Path) -> Path:
    """The Zarr store every block is written into."""
    return parts / "store.zarr"


def marker_path(parts: Path, block: int) -> Path:
    """The file that marks block ``block`` as written."""
    return parts / "done" / f"block-{block:06d}.json"


def run_key(blocks: list[list[Any]], seed: int, model_sha256: str | None,
            options: dict[str, Any]) -> str:
    """A hash of what defines the hindcast: inits, blocks, seed, model and forecast options."""
    settings = {
        "blocks": [[str(t) for t in block] for block in blocks], "seed": int(seed),
        "model": model_sha256,
        "options": {k: repr(v) for k, v in sorted(options.items()) if k not in IGNORED_OPTIONS},
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _write_json(path: Path, content: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    tmp.write_text(json.dumps(content))
    os.replace(tmp, path)


def _read_key(parts: Path) -> str | None:
    try:
        return json.loads((parts / "run.json").read_text()).get("key")
    except (OSError, ValueError, AttributeError):
        return None


def prepare_parts(parts: Path, key: str, rank: int, timeout_s: float) -> None:
    """Rank 0 keeps a parts folder of the same run (resume) or starts a new one; the other
    ranks wait until it is there."""
    if rank != 0:
        _poll(lambda: _read_key(parts) == key, timeout_s,
              lambda: f"rank 0 did not prepare {str(parts)!r} for this hindcast")
        return
    if parts.exists() and _read_key(parts) != key:
        log.warning("discarding %s: an unfinished hindcast with other settings", parts)
        shutil.rmtree(parts)
    try:
        (parts / "done").mkdir(parents=True, exist_ok=True)
        _write_json(parts / "run.json", {"key": key})
    except OSError as exc:
        raise DataError(f"cannot write the hindcast parts folder {str(parts)!r}: "
                        f"{exc.strerror or exc}") from None


def write_marker(parts: Path, block: int, content: dict[str, Any]) -> None:
    """Mark ``block`` as written, with ``content`` (its costs)."""
    _write_json(marker_path(parts, block), {"block": int(block), **content})


def read_markers(parts: Path, n_blocks: int) -> list[dict[str, Any]]:
    """The markers of blocks ``0 .. n_blocks - 1``."""
    return [json.loads(marker_path(parts, b).read_text()) for b in range(n_blocks)]


def finished_blocks(output: str | os.PathLike[str]) -> list[int]:
    """The blocks of an unfinished hindcast to ``output`` already written (a rerun keeps them)."""
    done = parts_folder(Path(output)) / "done"
    return sorted(int(p.stem.split("-")[1]) for p in done.glob("block-*.json")) if done.exists() else []


def _poll(ready: Any, timeout_s: float, what: Any) -> None:
    """Wait until ``ready()``; after ``timeout_s`` a DataError says ``what()`` did not happen."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise DataError(f"{what()} within {timeout_s:.0f} s; did every rank run?")
        time.sleep(0.5)


def wait_for_blocks(parts: Path, n_blocks: int, timeout_s: float) -> None:
    """Rank 0: a ``torch.distributed`` barrier if initialised, then poll the done markers."""
    if "torch" in sys.modules:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.barrier()
    missing = [b for b in range(n_blocks) if not marker_path(parts, b).exists()]

    def all_done() -> bool:
        missing[:] = [b for b in missing if not marker_path(parts, b).exists()]
        return not missing

    _poll(all_done, timeout_s, lambda: (
          f"hindcast blocks {missing[:5]}{'…' if len(missing) > 5 else ''} were not written in "
          f"{str(parts)!r}"))


__all__ = ["finished_blocks", "marker_path", "parts_folder", "prepare_parts", "read_markers",
           "run_key", "store_path", "wait_for_blocks", "write_marker"]
