"""Missing values: a static mask for points missing at every time, and gaps in time.

- :func:`static_mask`: state points that are NaN at *every* time (land in a gridded SST
  product) form a static mask (``True`` = valid). They are excluded from the loss, filled with
  0 for the network and written as NaN in forecasts; the user fills nothing.
- :func:`gap_windows`: training / validation windows of ``L + K`` steps that contain a missing
  value (at a valid point) are skipped; :class:`GapReport` counts them.
- :func:`contiguous_segments`: the runs of fully valid steps, as a list of arrays, the form the
  window datasets (:mod:`idff_ts.data.windows`) take, so no window crosses a gap.
- :func:`check_context_gaps`: a forecast whose context window contains a gap is refused with
  the dates of the missing steps and the inits affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from idff_ts.errors import DataError


def static_mask(values: np.ndarray, time_axis: int = 0) -> np.ndarray:
    """``(*state)`` bool: True where the point has a finite value at some time.

    ``values`` is ``(T, *state)`` (``time_axis=0``) or ``(n_series, T, *state)``
    (``time_axis=1``: series and time are both reduced).
    """
    v = np.asarray(values)
    axes = tuple(range(time_axis + 1))
    mask = np.isfinite(v).any(axis=axes)
    if not mask.any():
        raise DataError("every value is missing (NaN): expected some finite data")
    return mask


def step_is_valid(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(T,)`` bool: every valid point of the step is finite (``values`` is ``(T, *state)``)."""
    v = np.asarray(values)
    finite = np.isfinite(v) | ~np.broadcast_to(mask, v.shape[1:])
    return finite.reshape(v.shape[0], -1).all(axis=1)


@dataclass(frozen=True)
class GapReport:
    """How many windows were usable: ``kept`` of ``total``, ``skipped`` for missing values."""

    total: int
    kept: int
    missing_steps: int

    @property
    def skipped(self) -> int:
        return self.total - self.kept

    def describe(self, what: str = "training") -> str:
        return (
            f"{self.skipped} of {self.total} {what} windows skipped for missing values "
            f"({self.missing_steps} steps with gaps)"
        )


def gap_windows(valid: np.ndarray, width: int) -> tuple[np.ndarray, GapReport]:
    """Start indices of the windows of ``width`` steps with every step valid, and the count."""
    ok = np.asarray(valid, dtype=bool)
    total = max(ok.size - width + 1, 0)
    if total == 0:
        return np.zeros(0, np.int64), GapReport(0, 0, int((~ok).sum()))
    bad = np.convolve((~ok).astype(np.int64), np.ones(width, np.int64), mode="valid")
    starts = np.flatnonzero(bad == 0)
    return starts, GapReport(total, int(starts.size), int((~ok).sum()))


def contiguous_segments(
    values: np.ndarray, valid: np.ndarray, min_length: int
) -> tuple[list[np.ndarray], list[int]]:
    """Runs of valid steps of at least ``min_length``: the arrays and their start indices."""
    ok = np.concatenate([[False], np.asarray(valid, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(ok.astype(np.int8)))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    keep = [(a, b) for a, b in runs if b - a >= min_length]
    return [np.asarray(values[a:b]) for a, b in keep], [a for a, _ in keep]


def check_context_gaps(
    valid: np.ndarray, times: np.ndarray, init_idx: np.ndarray, context: int, time_dim: str = "time"
) -> None:
    """Refuse inits whose context window ``[n − L + 1, n]`` holds a missing step, naming dates."""
    ok = np.asarray(valid, dtype=bool)
    rows = np.asarray(init_idx)[:, None] + np.arange(-context + 1, 1)[None, :]
    bad_rows = ~ok[np.clip(rows, 0, ok.size - 1)].all(axis=1)
    if not bad_rows.any():
        return
    missing = np.unique(rows[bad_rows][~ok[rows[bad_rows]]])
    dates = [_fmt(times[i]) for i in missing[:5]]
    inits = [_fmt(times[i]) for i in np.asarray(init_idx)[bad_rows][:5]]
    raise DataError(
        f"the context window of {int(bad_rows.sum())} init(s) ({', '.join(inits)}"
        f"{' …' if bad_rows.sum() > 5 else ''}) has missing values along {time_dim!r} at "
        f"{', '.join(dates)}{' …' if missing.size > 5 else ''}; each init needs {context} "
        "complete step(s) ending at it: choose another init or fill the gap "
        f"(da.interpolate_na({time_dim!r}); time_dim= names the time dim)"
    )


def _fmt(value: Any) -> str:
    if isinstance(value, np.datetime64 | pd.Timestamp):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


__all__ = [
    "GapReport",
    "check_context_gaps",
    "contiguous_segments",
    "gap_windows",
    "static_mask",
    "step_is_valid",
]
