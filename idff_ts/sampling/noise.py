"""Per-member random streams (method.md §4, architecture.md principle 6).

Member ``m`` draws from its own generator, seeded from ``numpy.random.SeedSequence(seed)
.spawn(M)[m]``. Spawned children do not depend on ``M``, so member ``m`` can be regenerated
alone and a 20-member ensemble is a prefix of a 50-member one. Noise is drawn on the CPU and
moved to the device, so a seed means the same noise on every device.
"""

from __future__ import annotations

import numpy as np
import torch


def member_seeds(seed: int, members: int) -> list[int]:
    """64-bit seeds of the first ``members`` member streams of base ``seed``."""
    children = np.random.SeedSequence(int(seed)).spawn(int(members))
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


class MemberNoise:
    """Standard normal draws for a member-major batch ``(members · n_per_member, *state)``.

    Args:
        seed: base seed.
        members: indices of the members in this batch (e.g. ``range(M)`` or a chunk of it).
        n_per_member: rows per member (number of inits).
        device, dtype: where the draws are returned.
    """

    def __init__(
        self,
        seed: int,
        members: range | list[int],
        n_per_member: int,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
    ) -> None:
        members = list(members)
        seeds = member_seeds(seed, max(members) + 1 if members else 0)
        self.generators = []
        for m in members:
            g = torch.Generator(device="cpu")
            g.manual_seed(seeds[m])
            self.generators.append(g)
        self.n_per_member = n_per_member
        self.device = torch.device(device)
        self.dtype = dtype

    def __call__(self, state_shape: tuple[int, ...]) -> torch.Tensor:
        draws = [
            torch.randn((self.n_per_member, *state_shape), generator=g, dtype=torch.float32)
            for g in self.generators
        ]
        return torch.cat(draws, dim=0).to(device=self.device, dtype=self.dtype)
