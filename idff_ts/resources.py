"""Resource checks made before allocating: will an ensemble fit in memory?

An ensemble forecast holds its samples ``M × N × K × S`` (members × context windows × slots ×
values per state) as float32 three times at its peak (the sampled tensor, the decoded
physical-unit array, the array being written), and rolls out ``C`` members at a time
(``--chunk-members``, default all), each holding about :data:`WORKING_COPIES` state-sized
float32 arrays per window (bridge state, noise, network inputs and outputs, previous
velocities). :func:`check_ensemble_memory` compares that estimate with the memory the system
reports available and refuses, with a one-line :class:`ResourceError`, a request that cannot
fit — before anything is allocated.
"""

from __future__ import annotations

import os

from idff_ts.errors import ResourceError

BYTES_PER_VALUE = 4  # float32
OUTPUT_COPIES = 3
WORKING_COPIES = 16


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or ``None``."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def ensemble_bytes(members: int, windows: int, slots: int, state_size: int,
                   chunk_members: int | None = None) -> tuple[int, int]:
    """``(output, working)`` bytes of an ensemble: the samples and one chunk's rollout."""
    chunk = min(int(chunk_members or members), int(members))
    output = OUTPUT_COPIES * BYTES_PER_VALUE * members * windows * slots * state_size
    working = WORKING_COPIES * BYTES_PER_VALUE * chunk * windows * state_size
    return output, working


def _gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB"


def check_ensemble_memory(members: int, windows: int, slots: int, state_size: int,
                          chunk_members: int | None = None, available: int | None = None) -> None:
    """Refuse an ensemble whose estimated peak memory exceeds the memory available.

    The message gives the estimate, its parts and the fix: fewer members, windows or slots
    when the samples alone do not fit (chunking cannot shrink them), else a ``--chunk-members``
    value whose working set fits.
    """
    available = available_memory() if available is None else available
    if available is None:
        return
    output, working = ensemble_bytes(members, windows, slots, state_size, chunk_members)
    if output + working <= available:
        return
    shape = f"{members} members × {windows} windows × {slots} slots × {state_size} values"
    if output > available:
        raise ResourceError(
            f"the ensemble needs about {_gib(output + working)} of memory ({shape}) but "
            f"{_gib(available)} are available; the samples alone take {_gib(output)}, which "
            "--chunk-members cannot reduce: ask for fewer members, init times or days"
        )
    per_member = working / max(1, min(int(chunk_members or members), members))
    fit = max(1, int((available - output) // max(per_member, 1)))
    raise ResourceError(
        f"the ensemble needs about {_gib(output + working)} of memory ({shape}, rolling out "
        f"{min(int(chunk_members or members), members)} members at a time) but "
        f"{_gib(available)} are available; pass --chunk-members {fit} (or fewer) to roll "
        "out fewer members at a time (same result)"
    )


__all__ = ["available_memory", "check_ensemble_memory", "ensemble_bytes"]
