"""Time axes of labelled series: kind, step, init times and valid times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.errors import ConfigError, DataError


def time_kind(times: np.ndarray) -> str:
    if np.issubdtype(times.dtype, np.datetime64):
        return "datetime"
    if np.issubdtype(times.dtype, np.number):
        return "numeric"
    raise DataError(
        f"expected a datetime64 or numeric time coordinate, found dtype {times.dtype} "
        "(cftime dates: convert with data.convert_calendar('standard', use_cftime=False))"
    )


def data_time_step(times: np.ndarray, kind: str) -> float | None:
    """Median spacing of ``times`` (days for datetime data), or None with < 2 steps."""
    if times.size < 2:
        return None
    diffs = np.diff(times)
    if kind == "datetime":
        return float(np.median(diffs / np.timedelta64(1, "D")))
    return float(np.median(diffs))


def resolve_inits(init: Any, times: np.ndarray, kind: str, time_dim: str) -> np.ndarray:
    """Indices into ``times`` of the requested init times (default: the last one)."""
    n = times.size
    if init is None:
        return np.array([n - 1])
    if isinstance(init, xr.DataArray | pd.Index | np.ndarray):
        values = list(np.asarray(init).ravel())
    elif isinstance(init, str) or not isinstance(init, Sequence):
        values = [init]
    else:
        values = list(init)
    if not values:
        raise ConfigError("init is empty; pass at least one init time (or None for the last)")
    idx = np.empty(len(values), dtype=np.int64)
    span = f"[{fmt_time(times[0])} .. {fmt_time(times[-1])}]"
    for j, value in enumerate(values):
        if kind == "datetime":
            try:
                t = np.datetime64(pd.Timestamp(value).to_datetime64(), "ns")
            except (ValueError, TypeError):
                raise DataError(f"init {value!r} is not a date; expected e.g. '2020-01-31'") from None
            hits = np.flatnonzero(times.astype("datetime64[ns]") == t)
        else:
            try:
                t = float(value)
            except (ValueError, TypeError):
                raise DataError(f"init {value!r} is not a number; the data's {time_dim!r} is numeric") from None
            step = data_time_step(times, kind) or 1.0
            hits = np.flatnonzero(np.isclose(times.astype(np.float64), t, rtol=0, atol=1e-6 * abs(step)))
        if hits.size == 0:
            raise DataError(
                f"init {fmt_time(value)} is not a {time_dim!r} value of the data (found "
                f"{n} steps in {span}); pick one of the data's times"
            )
        idx[j] = hits[0]
    if len(set(idx.tolist())) != idx.size:
        raise ConfigError(f"init holds duplicated times: {[fmt_time(v) for v in values]}")
    return idx


def fmt_time(value: Any) -> str:
    if isinstance(value, np.datetime64 | pd.Timestamp):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def valid_times(times: np.ndarray, idx: np.ndarray, lead: np.ndarray, kind: str) -> np.ndarray:
    """``init + lead``; for model time, the data's own time value where it has that step.

    Float sums such as ``0.05 · n + 0.05 · k`` need not equal the data's ``0.05 · (n + k)``
    bit for bit; taking the data's value keeps exact truth alignment (evaluate selects exactly).
    """
    vt = times[idx][:, None] + lead[None, :]
    if kind == "datetime":
        return vt
    ahead = idx[:, None] + np.arange(1, lead.size + 1)[None, :]
    inside = ahead < times.size
    data_vt = np.where(inside, times[np.minimum(ahead, times.size - 1)], vt)
    tol = 1e-6 * max(float(np.abs(lead).max(initial=0.0)), 1e-12)
    same = inside & np.isclose(data_vt, vt, rtol=0, atol=tol)
    return np.where(same, data_vt, vt).astype(np.float64)


__all__ = ["data_time_step", "fmt_time", "resolve_inits", "time_kind", "valid_times"]
