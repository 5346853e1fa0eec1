"""``idff-ts forecast --block-inits N [--rank R --world-size W]``: the streamed hindcast.

Many inits are sampled a block at a time and written as they come (:mod:`idff_ts.hindcast`);
with ``--world-size W`` the same command runs once per process (``srun``, ``torchrun`` or by
hand), each with its ``--rank``, and rank 0 writes the output once every block exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from idff_ts.cli.app import endpoint_value, print_items
from idff_ts.errors import UsageError


def wants_streaming(flags: dict[str, Any]) -> bool:
    """Whether the flags ask for a streamed (block-wise, possibly multi-process) hindcast."""
    if not 0 <= flags["rank"] < flags["world_size"]:
        raise UsageError(f"--rank must be in 0..{flags['world_size'] - 1}, got {flags['rank']}")
    return flags["block_inits"] is not None or flags["world_size"] > 1


def run_streamed(source: Any, model: Any, inits: Any, flags: dict[str, Any],
                 options: dict[str, Any], output: Path, attrs: dict[str, Any],
                 overwrite: bool, quiet: bool) -> None:
    """Hand the inits to :func:`idff_ts.hindcast.hindcast`; rank 0 reports the file."""
    from idff_ts.hindcast import DEFAULT_BLOCK_INITS, hindcast

    if inits is None or isinstance(inits, str):
        raise UsageError("--block-inits/--world-size stream many inits: pass --init all, "
                         "--init all-context or a list of init times")
    block = flags["block_inits"] or DEFAULT_BLOCK_INITS
    written = hindcast(
        source.data, model, output, init=list(inits), block_inits=block, seed=flags["seed"],
        rank=flags["rank"], world_size=flags["world_size"], overwrite=overwrite, attrs=attrs,
        days=flags["days"], horizon=flags["horizon"], members=flags["members"], nfe=flags["nfe"],
        gamma1=flags["gamma1"], gamma2=flags["gamma2"], endpoint=endpoint_value(flags),
        device=flags["device"].value, chunk_members=flags["chunk_members"], **options,
    )
    if written is not None and not quiet:
        n_blocks = -(-len(inits) // block)
        print_items([f"wrote {written}: {len(inits)} inits in {n_blocks} blocks of {block} "
                     f"(ranks: {flags['world_size']})"])


__all__ = ["run_streamed", "wants_streaming"]
