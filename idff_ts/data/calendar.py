"""Calendar-aware time axes: the cadence of a series, its valid times and CF lead / init units.

:func:`infer_cadence` reads a time coordinate and returns a :class:`Cadence`:

- ``daily``, ``weekly``, ``hourly``-like fixed spacings (any constant ``timedelta``);
- ``monthly`` and ``yearly``, whose steps vary in days (28–31, 365/366). Their *anchor* says
  where in the month / year the stamps sit: the start (``2009-10-01``), the end
  (``2009-10-31``), the midpoint (``2009-10-16T12:00``, the CF "mid-month" convention of
  gridded monthly products), or a fixed day of the month / date of the year;
- ``step``: a numeric axis with a constant spacing (model time, integer index).

Steps are added with pandas offsets (``pandas.DateOffset(months=k)``), never as a mean number of
days, so a monthly forecast lands on the data's months: ``init + 1 month`` of a mid-month series
is the midpoint of the next month, exactly the stamp the data would have. An axis that follows
none of these rules gets a :class:`~idff_ts.errors.DataError` that names ``time_dim=`` and how
to regularise it.

Lead units follow the CF conventions (``standard_name = forecast_period``) and are among the
units climpred accepts (``days``, ``weeks``, ``months``, ``years``, ``hours``, ``minutes``,
``seconds``): lead ``k`` is an integer count of the cadence's steps. A numeric axis has no
calendar unit, so its lead is the integer number of steps with the dimensionless UDUNITS unit
``"1"`` and attributes saying how long a step is in the data's own units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from idff_ts.errors import DataError

CALENDAR_KINDS = ("daily", "weekly", "monthly", "yearly", "fixed")
#: climpred's accepted lead units (climpred.constants.VALID_LEAD_UNITS, in part).
LEAD_UNITS = {"daily": "days", "weekly": "weeks", "monthly": "months", "yearly": "years"}
#: CF / UDUNITS time units for a constant timedelta step, largest that divides it first.
_FIXED_UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))
#: Periods per year for the seasonal phase of each cadence (None: no annual cycle).
PERIODS_PER_YEAR = {"daily": 365.25, "weekly": 365.25 / 7, "monthly": 12.0, "yearly": 1.0}


@dataclass(frozen=True)
class Cadence:
    """The regular spacing of a time axis.

    Attributes:
        kind: ``daily``, ``weekly``, ``monthly``, ``yearly``, ``fixed`` (another constant
            timedelta) or ``step`` (numeric axis).
        anchor: monthly / yearly only: ``start``, ``end``, ``mid`` or ``day`` (a fixed day of
            the month or date of the year, taken from the init); ``""`` otherwise.
        seconds: length of one step in seconds for daily / weekly / fixed cadences.
        step: numeric axes: the constant spacing in the data's units.
        time_units: numeric axes: the data's time units (``attrs["units"]``) or ``""``.
    """

    kind: str
    anchor: str = ""
    seconds: float = 0.0
    step: float = 1.0
    time_units: str = ""

    @property
    def is_calendar(self) -> bool:
        return self.kind != "step"

    @property
    def periods_per_year(self) -> float | None:
        """Steps per year for a seasonal cycle (fixed: from the step length), None for ``step``."""
        if self.kind == "fixed":
            return 365.25 * 86400.0 / self.seconds
        return PERIODS_PER_YEAR.get(self.kind)

    def describe(self) -> str:
        if self.kind == "step":
            unit = f" {self.time_units}" if self.time_units else ""
            return f"numeric time, step {self.step:g}{unit}"
        if self.kind in ("monthly", "yearly"):
            return f"{self.kind} (stamps at the {self.anchor} of each period)"
        if self.kind == "fixed":
            return f"fixed step of {self.seconds:g} s"
        return self.kind

    # ------------------------------------------------------------------ stepping
    def shift(self, times: Any, k: int) -> np.ndarray:
        """``times`` moved ``k`` steps ahead (array of datetime64[ns] or floats)."""
        if self.kind == "step":
            return np.asarray(times, dtype=np.float64) + k * self.step
        t = pd.DatetimeIndex(np.atleast_1d(np.asarray(times, dtype="datetime64[ns]")))
        if self.kind in ("daily", "weekly", "fixed"):
            return (t + pd.Timedelta(seconds=k * self.seconds)).to_numpy()
        months = k if self.kind == "monthly" else 12 * k
        return _anchored(t, months, self.kind, self.anchor)

    def lead_attrs(self) -> dict[str, Any]:
        """CF attributes of the integer ``lead`` coordinate (see the module docstring)."""
        attrs: dict[str, Any] = {"standard_name": "forecast_period"}
        if self.kind in LEAD_UNITS:
            attrs["units"] = LEAD_UNITS[self.kind]
            attrs["long_name"] = f"lead time in {LEAD_UNITS[self.kind]} (calendar steps)"
            if self.kind in ("monthly", "yearly"):
                attrs["comment"] = (
                    f"lead k counts calendar {LEAD_UNITS[self.kind]}; valid_time holds the date"
                )
        elif self.kind == "fixed":
            unit, size = next((u, s) for u, s in _FIXED_UNITS if self.seconds % s == 0)
            attrs["units"] = unit
            attrs["long_name"] = f"lead time in {unit}"
            attrs["step_size"] = self.seconds / size
        else:
            attrs["units"] = "1"
            attrs["long_name"] = "lead in time steps of the data (k = 1..K)"
            attrs["step_size"] = self.step
            attrs["comment"] = (
                f"one step is {self.step:g} {self.time_units or 'time units of the data'}; "
                "valid_time = init + lead * step_size"
            )
        return attrs

    def lead_values(self, horizon: int) -> np.ndarray:
        """Lead coordinate values for slots ``1..horizon`` in :meth:`lead_attrs`'s units."""
        k = np.arange(1, int(horizon) + 1)
        if self.kind == "fixed":
            return k * self.lead_attrs()["step_size"]
        return k

    def init_attrs(self) -> dict[str, Any]:
        """CF attributes of ``init`` (calendar units come from the datetime64 encoding)."""
        attrs: dict[str, Any] = {"standard_name": "forecast_reference_time"}
        if self.kind == "step":
            attrs["units"] = self.time_units or "1"
        return attrs


def _anchored(t: pd.DatetimeIndex, months: int, kind: str, anchor: str) -> np.ndarray:
    """Month / year arithmetic that keeps the data's position inside the period."""
    start = (t.to_period("M") if kind == "monthly" else t.to_period("Y")).start_time
    start = start.normalize() + pd.DateOffset(months=months)
    length = pd.DateOffset(months=1 if kind == "monthly" else 12)
    if anchor == "start":
        out = start + (t - t.to_period("M" if kind == "monthly" else "Y").start_time.normalize())
    elif anchor == "end":
        out = start + length - pd.Timedelta(days=1) + (t - t.normalize())
    elif anchor == "mid":
        out = start + ((start + length) - start) / 2
    else:
        out = t + pd.DateOffset(months=months)
    return pd.DatetimeIndex(out).to_numpy()


def infer_cadence(times: Any, time_dim: str = "time", units: str = "") -> Cadence:
    """The :class:`Cadence` of a strictly increasing time coordinate (module docstring).

    Raises :class:`DataError` for fewer than 2 steps of calendar data, a non-increasing axis,
    an axis of another dtype, or one that is not regular under any cadence; the message names
    ``time_dim=``.
    """
    t = np.asarray(times)
    if t.dtype == object and t.size and hasattr(t.flat[0], "calendar"):
        raise DataError(
            f"the {time_dim!r} coordinate holds cftime dates; convert them with "
            "da.convert_calendar('standard', use_cftime=False) (or pass time_dim= naming "
            "another dim)"
        )
    if t.dtype.kind not in "Miuf":
        raise DataError(
            f"expected a datetime64 or numeric {time_dim!r} coordinate, found dtype {t.dtype}; "
            "pass time_dim= naming the time dim, or convert it with pd.to_datetime"
        )
    if t.size < 2:
        return Cadence("daily", seconds=86400.0) if t.dtype.kind == "M" else Cadence("step")
    if t.dtype.kind != "M":
        return _numeric_cadence(t.astype(np.float64), time_dim, units)
    t = t.astype("datetime64[ns]")
    diffs = np.diff(t).astype(np.int64) / 1e9
    if np.any(diffs <= 0):
        raise DataError(
            f"expected a strictly increasing {time_dim!r} axis, found it unsorted or with "
            f"duplicates; da.sortby({time_dim!r}) (or pass time_dim= naming the time dim)"
        )
    if np.all(diffs == diffs[0]):
        kind = {86400.0: "daily", 7 * 86400.0: "weekly"}.get(float(diffs[0]), "fixed")
        return Cadence(kind, seconds=float(diffs[0]))
    for kind in ("monthly", "yearly"):
        for anchor in ("start", "end", "mid", "day"):
            cad = Cadence(kind, anchor=anchor)
            if np.array_equal(cad.shift(t[:-1], 1), t[1:]):
                return cad
    raise DataError(_irregular_message(t, diffs, time_dim))


def _numeric_cadence(t: np.ndarray, time_dim: str, units: str) -> Cadence:
    diffs = np.diff(t)
    if np.any(diffs <= 0):
        raise DataError(
            f"expected a strictly increasing {time_dim!r} axis, found it unsorted or with "
            f"duplicates; sort it (or pass time_dim= naming the time dim)"
        )
    step = float(np.median(diffs))
    if not np.allclose(diffs, step, rtol=1e-6, atol=0):
        raise DataError(
            f"the numeric {time_dim!r} axis is irregular: steps between {diffs.min():g} and "
            f"{diffs.max():g}; interpolate it onto a regular grid (or pass time_dim= naming "
            "the right dim)"
        )
    return Cadence("step", step=step, time_units=str(units or ""))


def _irregular_message(t: np.ndarray, diffs: np.ndarray, time_dim: str) -> str:
    days = diffs / 86400.0
    i = int(np.argmax(days != np.median(days)))
    return (
        f"the {time_dim!r} axis is irregular (steps from {days.min():g} to {days.max():g} "
        f"days; first odd step {pd.Timestamp(t[i]).date()} -> {pd.Timestamp(t[i + 1]).date()}) "
        "and is neither daily, weekly, monthly nor yearly; put it on a regular calendar, "
        f"e.g. da.resample({time_dim}='MS').mean() or da.reindex({time_dim}=pd.date_range(...)) "
        "(missing steps become NaN), or pass time_dim= naming the right dim"
    )


def valid_times(times: np.ndarray, idx: np.ndarray, horizon: int, cadence: Cadence) -> np.ndarray:
    """``(n_init, horizon)`` valid times: the data's own stamps where it has them, else the
    cadence's shift of the init (identical by construction for a regular axis)."""
    times = np.asarray(times)
    idx = np.asarray(idx, dtype=np.int64)
    out = np.stack([cadence.shift(times[idx], k) for k in range(1, int(horizon) + 1)], axis=1)
    ahead = idx[:, None] + np.arange(1, int(horizon) + 1)[None, :]
    inside = ahead < times.size
    data_vt = times[np.minimum(ahead, times.size - 1)].astype(out.dtype)
    return np.where(inside, data_vt, out)


def step_index(times: Any, origin: Any, cadence: Cadence) -> np.ndarray:
    """Whole steps of ``cadence`` from ``origin`` to each of ``times`` (a trend's step index,
    counted from the first training time); :class:`DataError` for a time off the grid."""
    if cadence.kind == "step":
        raw = (np.asarray(times, np.float64) - float(origin)) / cadence.step
    elif cadence.kind in ("monthly", "yearly"):
        t = pd.DatetimeIndex(np.atleast_1d(np.asarray(times, dtype="datetime64[ns]")))
        o = pd.Timestamp(origin)
        months = (t.year - o.year) * 12 + (t.month - o.month)
        raw = np.asarray(months if cadence.kind == "monthly" else months / 12.0, np.float64)
    else:
        delta = np.atleast_1d(np.asarray(times, "datetime64[ns]")) - np.datetime64(origin, "ns")
        raw = delta.astype(np.int64) / 1e9 / cadence.seconds
    index = np.round(raw).astype(np.int64)
    if not np.allclose(raw, index, atol=1e-6):
        raise DataError(f"times are not whole {cadence.describe()} steps from the model's first "
                        f"training time {origin}; expected the model's calendar (time_dim= "
                        "names the time dim)")
    return index


def phase_of_year(times: Any) -> np.ndarray:
    """Fraction of the year elapsed at each datetime, in ``[0, 1)`` (leap years use 366 d)."""
    t = pd.DatetimeIndex(np.atleast_1d(np.asarray(times, dtype="datetime64[ns]")))
    start = t.to_period("Y").start_time
    length = np.where(t.is_leap_year, 366.0, 365.0)
    return np.asarray(((t - start) / pd.Timedelta(days=1)).to_numpy() / length, dtype=np.float64)


__all__ = [
    "CALENDAR_KINDS",
    "LEAD_UNITS",
    "Cadence",
    "infer_cadence",
    "phase_of_year",
    "step_index",
    "valid_times",
]
