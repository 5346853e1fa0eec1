"""DYffusion's splits and sizes: train 1982–2018, validation 2019, test 2020; one input day,
leads 1..7 days, ensembles of 20 (validation) and 50 (test); periods as inclusive dates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import xarray as xr

from idff_ts.errors import ConfigError, DataError

#: Inclusive date ranges of the splits.
SPLITS: dict[str, tuple[str, str]] = {
    "train": ("1982-01-01", "2018-12-31"),
    "val": ("2019-01-01", "2019-12-31"),
    "test": ("2020-01-01", "2020-12-31"),
}
#: Input days, forecast leads (days) and ensemble sizes of the protocol.
INPUT_DAYS = 1
LEAD_DAYS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
ENSEMBLE_SIZE: dict[str, int] = {"val": 20, "test": 50}


# --------------------------------------------------------------------------- splits


def day_range(period: Sequence[Any]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first day, last day)`` of an inclusive period; years or months are widened.

    ``("1982", "2018")`` → 1982-01-01..2018-12-31; ``("2019-03", "2019-05")`` →
    2019-03-01..2019-05-31; full dates are kept.
    """
    if len(period) != 2:
        raise ConfigError(f"a period is (start, end), got {period!r}")
    try:
        lo = pd.Period(str(period[0])).start_time.floor("D")
        hi = pd.Period(str(period[1])).end_time.floor("D")
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read {period!r} as (start, end) dates: {exc}") from None
    if hi < lo:
        raise ConfigError(f"period end {hi:%Y-%m-%d} is before its start {lo:%Y-%m-%d}")
    return lo, hi


def parse_period(text: str) -> tuple[str, str]:
    """``"1982..2018"``, ``"1982:2018"``, ``"1982-2018"`` (years) or
    ``"1982-01-01..2018-12-31"`` → ``(start, end)`` strings for :func:`day_range` (for the CLI)."""
    t = text.strip()
    for sep in ("..", ":", "/"):
        if sep in t:
            lo, _, hi = t.partition(sep)
            break
    else:
        lo, _, hi = t.partition("-") if t.count("-") == 1 else (t, "", t)
    period = (lo.strip(), hi.strip())
    day_range(period)  # validates
    return period


def split_period(name: str, splits: Mapping[str, Sequence[str]] = SPLITS) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of split ``name`` (``"train"``, ``"val"``, ``"test"``)."""
    if name not in splits:
        raise ConfigError(f"unknown split {name!r}; expected one of {sorted(splits)}")
    return day_range(splits[name])


def select_split(
    da: xr.DataArray, name: str, splits: Mapping[str, Sequence[str]] = SPLITS
) -> xr.DataArray:
    """The days of split ``name`` in ``da`` (a ``time`` dim); DataError if there are none."""
    lo, hi = split_period(name, splits)
    out = da.sel(time=slice(lo, hi))
    if out.sizes["time"] == 0:
        t = da.indexes["time"]
        raise DataError(
            f"no days of the {name} split ({lo:%Y-%m-%d}..{hi:%Y-%m-%d}) in the data, which "
            f"covers {t.min():%Y-%m-%d}..{t.max():%Y-%m-%d}"
        )
    return out


__all__ = [
    "ENSEMBLE_SIZE",
    "INPUT_DAYS",
    "LEAD_DAYS",
    "SPLITS",
    "day_range",
    "parse_period",
    "select_split",
    "split_period",
]
