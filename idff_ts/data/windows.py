"""Training windows of ``L + K`` consecutive states, never crossing series boundaries.

A window starting at index ``s`` of series ``i`` holds ``y_i[s : s + L + K]``: the context
``y_{n-L+1..n}`` and the targets ``y_{n+1..n+K}`` of the forecast initialised at
``n = s + L − 1`` (method.md §1). Starts run over ``s = 0, stride, 2·stride, …`` while
``s + L + K ≤ T_i``, series by series, so a series of length ``T`` gives
``⌊(T − L − K) / stride⌋ + 1`` windows.

:func:`make_windows` materialises all windows (fine for vectors); :class:`WindowDataset` indexes
into the series lazily, so memory stays that of the series itself (needed for fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from idff_ts.errors import ConfigError, DataError

SeriesLike = np.ndarray | Sequence[np.ndarray]
"""``(n_series, T, *state)`` array, or a list of ``(T_i, *state)`` arrays of varied length."""


def window_starts(
    lengths: Sequence[int], context: int, horizon: int, stride: int = 1
) -> np.ndarray:
    """``(series index, start index)`` of every window, shape ``(N, 2)``, int64.

    Ordered by series, then start. The forecast init of window ``j`` is
    ``starts[j, 1] + context − 1`` in series ``starts[j, 0]``.
    """
    _check_window_args(context, horizon, stride)
    width = context + horizon
    for i, length in enumerate(lengths):
        if length < width:
            raise DataError(
                f"series {i} is too short for windows: expected at least context + horizon = "
                f"{context} + {horizon} = {width} time steps, found {length}; use longer series "
                "or a smaller context/horizon"
            )
    if len(lengths) == 0:
        raise DataError("expected at least one series, found none")
    parts = [
        np.stack([np.full(n, i), np.arange(n) * stride], axis=1)
        for i, n in enumerate((length - width) // stride + 1 for length in lengths)
    ]
    return np.concatenate(parts).astype(np.int64)


def make_windows(series: SeriesLike, context: int, horizon: int, stride: int = 1) -> np.ndarray:
    """All windows, shape ``(N, context + horizon, *state)``, in :func:`window_starts` order.

    ``series`` is ``(n_series, T, *state)`` or a list of ``(T_i, *state)`` arrays; the dtype is
    kept. Memory is ``N · (L + K)`` states: for fields use :class:`WindowDataset`.
    """
    items = _as_list(series)
    starts = window_starts([len(s) for s in items], context, horizon, stride)
    offsets = np.arange(context + horizon)
    if isinstance(series, np.ndarray):
        return series[starts[:, :1], starts[:, 1:] + offsets]
    return np.concatenate(
        [items[i][starts[starts[:, 0] == i, 1:] + offsets] for i in range(len(items))]
    )


class WindowDataset(Dataset):
    """Lazy ``torch`` dataset of windows ``y_i[s : s + L + K]``.

    Item ``j`` is ``{"window": float32 tensor (L + K, *state), "series": i, "start": s}`` with
    ``(i, s) = starts[j]``; windows are sliced from the stored series on access, never all
    materialised. The series are stored once as float32 (no copy if they already are).
    """

    def __init__(self, series: SeriesLike, context: int, horizon: int, stride: int = 1) -> None:
        self.series = [np.asarray(s, dtype=np.float32) for s in _as_list(series)]
        self.context = int(context)
        self.horizon = int(horizon)
        self.stride = int(stride)
        self.starts = window_starts([len(s) for s in self.series], context, horizon, stride)

    @property
    def state_shape(self) -> tuple[int, ...]:
        """Shape of one state."""
        return tuple(self.series[0].shape[1:])

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> dict[str, Any]:
        i, s = (int(v) for v in self.starts[index])
        window = self.series[i][s : s + self.context + self.horizon]
        return {"window": torch.from_numpy(window.copy()), "series": i, "start": s}


def _as_list(series: SeriesLike) -> list[np.ndarray]:
    """Series as a list of ``(T_i, *state)`` arrays (views for an ndarray input)."""
    if isinstance(series, np.ndarray):
        if series.ndim < 3:
            raise DataError(
                f"expected series of shape (n_series, T, *state) with >= 3 dims, found "
                f"{series.shape}; for one vector series use x[None], for a scalar x[None, :, None]"
            )
        return list(series)
    items = [np.asarray(s) for s in series]
    shapes = {s.shape[1:] for s in items}
    if any(s.ndim < 2 for s in items) or len(shapes) > 1:
        raise DataError(
            f"expected a list of (T_i, *state) arrays with one state shape, found shapes "
            f"{[s.shape for s in items]}"
        )
    return items


def _check_window_args(context: int, horizon: int, stride: int) -> None:
    """Raise :class:`ConfigError` unless context, horizon, stride are all >= 1."""
    if min(context, horizon, stride) < 1:
        raise ConfigError(
            f"context, horizon and stride must be >= 1, got {context}, {horizon}, {stride}"
        )


__all__ = ["WindowDataset", "make_windows", "window_starts"]
