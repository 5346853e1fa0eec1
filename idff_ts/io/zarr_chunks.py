"""Whole Zarr v2 chunks encoded and written in the calling thread.

A streamed hindcast writes, block after block, chunks that each hold one whole init of a
variable. zarr-python 3 runs every codec in a pool of worker threads, and glibc gives each of
those threads its own malloc arena, whose freed pages it keeps: the process's peak memory then
crept up with the number of blocks written (``benchmarks/results/hindcast_scaling_demo_size.md``).
:class:`ChunkWriter` encodes a chunk as the Zarr v2 storage specification defines it (the
array's ``filters`` in order, then its ``compressor``, applied by :mod:`numcodecs` to the
C-order bytes) and writes it under its key (chunk indices joined by the array's dimension
separator) in the calling thread: no worker threads, and the store reads back through zarr
like any other (https://zarr-specs.readthedocs.io/en/latest/v2/v2.0.html).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class ChunkWriter:
    """Writes whole chunks of one Zarr v2 array kept in a local directory store.

    Only arrays chunked as one index of their first dimension and every other dimension
    whole can be written this way (the layout of :func:`idff_ts.io.regions.create_region_store`);
    :meth:`accepts` says whether an array has it.
    """

    def __init__(self, array_dir: Path) -> None:
        from numcodecs import get_codec

        meta = json.loads((Path(array_dir) / ".zarray").read_text())
        self.dir = Path(array_dir)
        self.shape = tuple(meta["shape"])
        self.chunks = tuple(meta["chunks"])
        self.dtype = np.dtype(meta["dtype"])
        self.filters = [get_codec(dict(f)) for f in meta.get("filters") or ()]
        self.compressor = get_codec(dict(meta["compressor"])) if meta.get("compressor") else None
        self.separator = meta.get("dimension_separator") or "."

    @staticmethod
    def accepts(array_dir: Path) -> bool:
        """True for a v2 array with chunks of one first index and all of the other dims."""
        path = Path(array_dir) / ".zarray"
        if not path.is_file():
            return False
        meta = json.loads(path.read_text())
        shape, chunks = meta.get("shape") or [], meta.get("chunks") or []
        return (meta.get("zarr_format") == 2 and len(shape) >= 1 and meta.get("order") == "C"
                and chunks[:1] == [1] and list(chunks[1:]) == list(shape[1:]))

    def encode(self, values: np.ndarray) -> bytes:
        """The stored bytes of one chunk (``values``: the chunk without its first dim)."""
        from numcodecs.compat import ensure_bytes

        buf = np.ascontiguousarray(values, dtype=self.dtype).reshape(self.chunks)
        for codec in self.filters:
            buf = codec.encode(buf)
        # the array itself, not its bytes: blosc's shuffle works on the item size
        return ensure_bytes(self.compressor.encode(buf) if self.compressor is not None else buf)

    def write(self, index: int, values: np.ndarray) -> None:
        """Write ``values`` (one index of the first dim, the rest whole) as chunk ``index``."""
        if not 0 <= int(index) < self.shape[0]:
            raise IndexError(f"chunk {index} is outside the array's first dim ({self.shape[0]})")
        if tuple(np.shape(values)) != self.chunks[1:]:
            raise ValueError(f"a chunk of {self.dir.name} has shape {self.chunks[1:]}, "
                             f"got {tuple(np.shape(values))}")
        key = self.separator.join(str(i) for i in (int(index),) + (0,) * (len(self.shape) - 1))
        path = self.dir / key
        path.parent.mkdir(parents=True, exist_ok=True)  # a "/" separator nests the keys
        path.write_bytes(self.encode(values))


__all__ = ["ChunkWriter"]
