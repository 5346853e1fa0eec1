"""Splits of a set of trajectories into train / val / test, by whole trajectory.

Neighbouring frames of one chaotic trajectory are nearly identical, so a frame-level split
leaks the test set into training; these splits never cut a trajectory.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError, DataError

SPLITS = ("train", "val", "test")


def split_by_trajectory(
    da: xr.DataArray,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    *,
    counts: Sequence[int] | None = None,
    seed: int = 0,
    dim: str = "trajectory",
) -> dict[str, xr.DataArray]:
    """Split whole trajectories into ``{"train", "val", "test"}``, disjoint and seeded.

    The trajectories are permuted with ``numpy.random.default_rng(seed)``; the first
    ``n_train`` go to train, the next ``n_val`` to val, the rest to test (each split keeps its
    trajectories in their original order and coordinates). With ``fractions`` the val / test
    sizes are ``round(n · f)``, at least 1 where ``f > 0``, and train takes the remainder;
    ``counts`` gives the three sizes exactly (they must sum to the number of trajectories).
    """
    if dim not in da.dims:
        raise DataError(
            f"expected a {dim!r} dim to split by, found dims {[str(d) for d in da.dims]}; "
            "rename yours (da.rename({'run': 'trajectory'})) or pass dim=..."
        )
    n = da.sizes[dim]
    sizes = _split_sizes(n, fractions, counts, dim)
    perm = np.random.default_rng(seed).permutation(n)
    bounds = np.cumsum((0, *sizes))
    return {
        key: da.isel({dim: np.sort(perm[bounds[i] : bounds[i + 1]])})
        for i, key in enumerate(SPLITS)
    }


def _split_sizes(
    n: int, fractions: Sequence[float], counts: Sequence[int] | None, dim: str
) -> tuple[int, int, int]:
    """Numbers of trajectories in train, val, test."""
    if counts is not None:
        c = tuple(int(x) for x in counts)
        if len(c) != 3 or min(c) < 0 or sum(c) != n:
            raise ConfigError(
                f"counts must be 3 non-negative ints summing to the {n} trajectories along "
                f"{dim!r}, got {tuple(counts)}"
            )
        return c  # type: ignore[return-value]
    f = tuple(float(x) for x in fractions)
    if len(f) != 3 or min(f) < 0 or not np.isclose(sum(f), 1.0):
        raise ConfigError(f"fractions must be 3 non-negative numbers summing to 1, got {f}")
    n_val, n_test = (max(1, round(n * x)) if x > 0 else 0 for x in f[1:])
    n_train = n - n_val - n_test
    if n_train < (1 if f[0] > 0 else 0):
        raise DataError(
            f"too few trajectories along {dim!r} to split by {f}: found {n}, need at least "
            f"{1 + (f[1] > 0) + (f[2] > 0)}; simulate more or pass counts=..."
        )
    return n_train, n_val, n_test


__all__ = ["SPLITS", "split_by_trajectory"]
