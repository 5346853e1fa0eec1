"""Physical series ↔ model anomalies: trend, seasonal climatology and static mask in one object.

``encode``: ``x (T, P)`` → ``z (T, P)``: the trend is removed (:mod:`idff_ts.data.trend`), then
the seasonal mean and spread by phase of year (:mod:`idff_ts.data.seasonal`; plain
standardisation for series without a season); points missing at every time
(:func:`idff_ts.data.gaps.static_mask`) are set to 0 and other missing values stay NaN (gaps).

``decode``: an ensemble of anomalies ``(I, K, M, P)`` at valid times → physical values, the
inverse steps in reverse order; masked points come back NaN. Everything is fitted on the
training split only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from idff_ts.data.calendar import Cadence
from idff_ts.data.gaps import static_mask
from idff_ts.data.seasonal import SeasonalClimatology
from idff_ts.data.trend import Trend


@dataclass(frozen=True)
class SeriesEncoding:
    """A fitted encoding (module docstring).

    Attributes:
        cadence: the series' :class:`~idff_ts.data.calendar.Cadence`.
        trend: the fitted :class:`~idff_ts.data.trend.Trend`.
        seasonal: the fitted :class:`~idff_ts.data.seasonal.SeasonalClimatology`
            (``n_harmonics = 0`` when seasonal handling is off).
        mask: ``(P,)`` bool, True where the point has data.
    """

    cadence: Cadence
    trend: Trend
    seasonal: SeasonalClimatology
    mask: np.ndarray

    @classmethod
    def fit(
        cls,
        values: np.ndarray,
        times: np.ndarray,
        cadence: Cadence,
        *,
        trend: str = "none",
        seasonal: bool = True,
    ) -> SeriesEncoding:
        """Fit on the training ``values`` ``(T, P)`` at ``times`` (index 0 = first time)."""
        x = _as_2d(values)
        mask = static_mask(x)
        tr = Trend.fit(x[:, mask], trend)
        resid = tr.remove(x[:, mask], np.arange(x.shape[0]))
        use_season = seasonal and cadence.is_calendar
        stamps = times if cadence.is_calendar else _fake_days(x.shape[0])
        clim = SeasonalClimatology.fit(
            resid, stamps, cadence if cadence.is_calendar else Cadence("yearly"),
            n_harmonics=None if use_season else 0,
        )
        return cls(cadence, tr, clim, mask)

    @property
    def n_vars(self) -> int:
        return int(self.mask.size)

    def encode(self, values: np.ndarray, times: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Anomalies ``(T, P)`` of ``values`` at ``times`` with step indices ``index``."""
        x = _as_2d(values)
        z = np.zeros(x.shape, dtype=np.float64)
        resid = self.trend.remove(x[:, self.mask], index)
        z[:, self.mask] = self.seasonal.standardise(resid, self._stamps(times, index))
        return z

    def decode(
        self, z: np.ndarray, valid_times: np.ndarray, valid_index: np.ndarray, last: np.ndarray
    ) -> np.ndarray:
        """Physical ``(I, K, M, P)`` from anomalies ``z`` of that shape.

        ``valid_times`` / ``valid_index``: ``(I, K)``; ``last``: ``(I, P)`` data at the inits.
        """
        zz = np.asarray(z, dtype=np.float64)[..., self.mask]
        stamps = self._stamps(valid_times, valid_index)
        resid = self.seasonal.destandardise(zz, stamps)
        x = self.trend.restore(resid, np.asarray(last)[:, self.mask], valid_index)
        out = np.full(zz.shape[:-1] + (self.n_vars,), np.nan)
        out[..., self.mask] = x
        return out

    def _stamps(self, times: np.ndarray, index: np.ndarray) -> np.ndarray:
        return np.asarray(times) if self.cadence.is_calendar else _fake_days(index)

    def describe(self) -> str:
        season = (
            f"seasonal climatology with {self.seasonal.n_harmonics} harmonics"
            if self.seasonal.n_harmonics else "plain standardisation (no seasonal cycle)"
        )
        return f"{self.trend.describe()}; {season}"

    def to_dict(self) -> dict[str, Any]:
        c = self.cadence
        return {
            "cadence": {"kind": c.kind, "anchor": c.anchor, "seconds": c.seconds,
                        "step": c.step, "time_units": c.time_units},
            "trend": self.trend.to_dict(),
            "seasonal": self.seasonal.to_dict(),
            "mask": self.mask.astype(int).tolist(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SeriesEncoding:
        return cls(Cadence(**d["cadence"]), Trend.from_dict(d["trend"]),
                   SeasonalClimatology.from_dict(d["seasonal"]),
                   np.asarray(d["mask"], dtype=bool))


def _fake_days(index: Any) -> np.ndarray:
    """Placeholder datetimes for a series without a calendar (only used with no season)."""
    idx = np.arange(index) if np.ndim(index) == 0 else np.asarray(index)
    return np.datetime64("2000-01-01", "ns") + np.zeros(np.shape(idx), "timedelta64[ns]")


def _as_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x.reshape(x.shape[0], -1)


__all__ = ["SeriesEncoding"]
