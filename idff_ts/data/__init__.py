"""Generic data pieces every source uses (sources themselves live in :mod:`idff_ts.domains`).

- :mod:`~idff_ts.data.series`: DataArray → ``(n_series, T, *state)`` arrays; splits by trajectory.
- :mod:`~idff_ts.data.normalize`: standardisation fitted on training data only.
- :mod:`~idff_ts.data.windows`: ``L + K`` windows and a lazy torch dataset (imports torch, so it
  is loaded on first use of its names).
"""

from __future__ import annotations

import importlib
from typing import Any

from idff_ts.data.normalize import Normalizer
from idff_ts.data.series import SeriesInfo, as_series_array, split_by_trajectory

_LAZY = {"WindowDataset": "windows", "make_windows": "windows", "window_starts": "windows"}


def __getattr__(name: str) -> Any:
    """Import the torch-dependent names of :mod:`idff_ts.data.windows` on first access."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"idff_ts.data.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Normalizer",
    "SeriesInfo",
    "WindowDataset",
    "as_series_array",
    "make_windows",
    "split_by_trajectory",
    "window_starts",
]
