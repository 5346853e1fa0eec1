"""Day-of-year slots and running sums behind the per-pixel day-of-year standardisation fitted on
training days only (DYffusion's). The formulas, the slot convention (29 February = slot 60 in
every year) and the land policy are documented with the climatology itself,
:class:`~idff_ts.domains.sst.dyffusion.climatology.DoyClimatology`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from idff_ts.errors import ConfigError, DataError

#: Number of day-of-year slots and the slot of 29 February.
N_SLOTS = 366
FEB29_SLOT = 60


# --------------------------------------------------------------------------- day-of-year statistics


def doy_slot(times: Any) -> np.ndarray:
    """Day-of-year slot 1..366 of each date: its position in a leap year (29 Feb = 60).

    ``s = day_of_year + 1`` for dates from 1 March on in non-leap years, ``dayofyear`` otherwise,
    so that every calendar date has the same slot in every year.
    """
    t = pd.DatetimeIndex(np.asarray(times).ravel())
    doy = t.day_of_year.to_numpy()
    shift = (~t.is_leap_year) & (doy >= 60)
    return (doy + shift.astype(doy.dtype)).reshape(np.shape(times)).astype(np.int64)


def _circular_window_sum(a: np.ndarray, window: int) -> np.ndarray:
    """``out[s] = Σ_{|k| ≤ h} a[(s + k) mod n]`` along axis 0, ``h = window // 2``."""
    h = window // 2
    out = a.copy()
    for k in range(1, h + 1):
        out += np.roll(a, k, axis=0)
        out += np.roll(a, -k, axis=0)
    return out


def _mean_std(
    n: np.ndarray, s1: np.ndarray, s2: np.ndarray, min_std: float
) -> tuple[np.ndarray, np.ndarray]:
    """float32 ``μ = Σx / N`` and ``σ = sqrt(max(Σx² / N − μ², 0))`` (NaN where N = 0);
    σ < ``min_std`` becomes 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = s2 / n
    var -= mean * mean
    np.maximum(var, 0.0, out=var)
    std = np.sqrt(var, out=var)
    std[std < min_std] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def _finalise(
    n: np.ndarray, s1: np.ndarray, s2: np.ndarray, window_days: int, min_std: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Window the per-slot sums ``(366, P)``, pool 29 February, return ``N, Σx, Σx², μ, σ``."""
    if window_days > 1:
        n, s1, s2 = (_circular_window_sum(a, window_days) for a in (n, s1, s2))
    else:  # 29 Feb pools 28 Feb, 29 Feb and 1 Mar
        f = FEB29_SLOT - 1
        for a in (n, s1, s2):
            a[f] = a[f - 1 : f + 2].sum(axis=0)
    mean, std = _mean_std(n, s1, s2, min_std)
    return n, s1, s2, mean, std


@dataclass
class DoyMoments:
    """Running per-slot sums ``N``, ``Σx``, ``Σx²`` over finite values, for streaming fits.

    Memory is ``366 × n_pixels × 20`` bytes, whatever the number of days added.

    Attributes:
        count: int32 ``(366, *space)``; ``total``, ``total_sq``: float64 of the same shape.
    """

    space_shape: tuple[int, ...]
    allocate: Callable[[tuple[int, ...], Any], np.ndarray] = field(default=np.zeros, repr=False)
    n_days: int = 0
    first_day: pd.Timestamp | None = None
    last_day: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        shape = (N_SLOTS, *self.space_shape)
        self.count = self.allocate(shape, np.int32)
        self.total = self.allocate(shape, np.float64)
        self.total_sq = self.allocate(shape, np.float64)

    def update(self, times: Any, values: np.ndarray) -> None:
        """Add days ``times`` with fields ``values`` of shape ``(len(times), *space)``."""
        t = pd.DatetimeIndex(np.asarray(times)).floor("D")
        x = np.asarray(values, dtype=np.float64)
        if x.shape != (len(t), *self.space_shape):
            raise DataError(
                f"expected values of shape {(len(t), *self.space_shape)}, found {x.shape}"
            )
        if len(t) == 0:
            return
        slots = doy_slot(t) - 1
        order = np.argsort(slots, kind="stable")
        slots, x = slots[order], x[order]
        valid = np.isfinite(x)
        x = np.where(valid, x, 0.0)
        uniq, starts = np.unique(slots, return_index=True)
        self.count[uniq] += np.add.reduceat(valid.astype(np.int32), starts, axis=0)
        self.total[uniq] += np.add.reduceat(x, starts, axis=0)
        self.total_sq[uniq] += np.add.reduceat(x * x, starts, axis=0)
        self.n_days += len(t)
        lo, hi = t.min(), t.max()
        self.first_day = lo if self.first_day is None else min(self.first_day, lo)
        self.last_day = hi if self.last_day is None else max(self.last_day, hi)

    def finalise(
        self, *, window_days: int = 1, min_std: float = 1e-6
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(mean, std, count)`` per slot ``(366, *space)`` (float32, float32, int32)."""
        if window_days < 1 or window_days % 2 == 0 or window_days > N_SLOTS:
            raise ConfigError(f"window_days must be an odd integer in 1..365, got {window_days}")
        if self.n_days == 0:
            raise DataError("no training days were added; check the training period")
        shape = (N_SLOTS, *self.space_shape)
        mean = np.empty(shape, np.float32)
        std = np.empty(shape, np.float32)
        count = np.empty(shape, np.int32)
        flat = [a.reshape(N_SLOTS, -1) for a in (self.count, self.total, self.total_sq, mean, std,
                                                  count)]
        step = 4096  # pixels per pass: temporaries stay ~12 MB each, whatever the grid
        for lo in range(0, flat[0].shape[1], step):
            cols = slice(lo, lo + step)
            n_c, s1_c, s2_c = (flat[i][:, cols].astype(np.float64) for i in range(3))
            n_c, s1_c, s2_c, m_c, sd_c = _finalise(n_c, s1_c, s2_c, window_days, min_std)
            flat[3][:, cols], flat[4][:, cols], flat[5][:, cols] = m_c, sd_c, n_c
        return mean, std, count


__all__ = [
    "DoyMoments",
    "FEB29_SLOT",
    "N_SLOTS",
    "doy_slot",
]
