"""Physical series ↔ model anomalies: trend, seasonal climatology and static mask in one object.

``encode``: ``x (T, P)`` → ``z (T, P)``: the trend is removed (:mod:`idff_ts.data.trend`), then
the seasonal mean and spread by phase of year (:mod:`idff_ts.data.seasonal`; plain
standardisation for series without a season); points missing at every time
(:func:`idff_ts.data.gaps.static_mask`) are set to 0 and other missing values stay NaN (gaps).

``decode``: an ensemble of anomalies ``(I, K, M, P)`` at valid times → physical values, the
inverse steps in reverse order; masked points come back NaN. Everything is fitted on the
training split only.

The model's states are the anomalies, plus, when the phase of the year is a conditioning input,
two channels ``(sin 2πφ, cos 2πφ)`` (:func:`with_phase`). :func:`encode_anomalies` and
:func:`decode_anomalies` are the two ends of every forecast of such a model (validation during
autotuning and :func:`idff_ts.forecast` alike); :func:`inflate` scales the ensemble spread
about its mean per lead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from idff_ts.data.calendar import Cadence, valid_times
from idff_ts.data.gaps import static_mask
from idff_ts.data.seasonal import SeasonalClimatology, phase_features
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


def with_phase(z: np.ndarray, times: np.ndarray, phase: bool) -> np.ndarray:
    """``z`` with the phase of year of each step appended as two conditioning channels
    ``(sin 2πφ, cos 2πφ)`` when ``phase``: the network sees the season of its context, hence of
    every target slot (slot k of a regular cadence lies k steps later); the channels are dropped
    from the forecasts."""
    if not phase:
        return z
    return np.concatenate([z, phase_features(np.asarray(times))], axis=1)


def encode_anomalies(
    encoding: SeriesEncoding, phase: bool, values: np.ndarray, times: np.ndarray, index0: int = 0
) -> np.ndarray:
    """Model states ``(T, P [+ 2])`` of physical ``values`` ``(T, P)`` at ``times``; ``index0``
    is the step index of ``values[0]`` counted from the first training time (for a trend)."""
    x = _as_2d(values)
    z = encoding.encode(x, times, int(index0) + np.arange(x.shape[0]))
    return with_phase(z, times, phase)


def decode_anomalies(
    encoding: SeriesEncoding, states: np.ndarray, values: np.ndarray, times: np.ndarray,
    init_idx: np.ndarray, index0: int = 0, inflation: np.ndarray | None = None,
) -> np.ndarray:
    """Physical ``(I, K, M, P)`` from sampled states ``(I, K, M, P [+ 2])`` of the inits
    ``init_idx`` (indices into ``values`` / ``times``): phase channels dropped, the encoding
    inverted at the valid times, the spread inflated per lead (:func:`inflate`)."""
    x = _as_2d(values)
    idx = np.asarray(init_idx, dtype=np.int64)
    horizon = int(states.shape[1])
    vt = valid_times(times, idx, horizon, encoding.cadence)
    vidx = int(index0) + idx[:, None] + np.arange(1, horizon + 1)[None, :]
    ens = encoding.decode(np.asarray(states)[..., : x.shape[1]], vt, vidx, x[idx])
    return ens if inflation is None else inflate(ens, inflation)


def inflate(ens: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """``mean + f_k · (member − mean)`` per lead ``k`` of an ``(I, K, M, P)`` ensemble."""
    mean = ens.mean(axis=2, keepdims=True)
    return mean + np.asarray(factors)[None, :, None, None] * (ens - mean)


def _fake_days(index: Any) -> np.ndarray:
    """Placeholder datetimes for a series without a calendar (only used with no season)."""
    idx = np.arange(index) if np.ndim(index) == 0 else np.asarray(index)
    return np.datetime64("2000-01-01", "ns") + np.zeros(np.shape(idx), "timedelta64[ns]")


def _as_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x.reshape(x.shape[0], -1)


__all__ = ["SeriesEncoding", "decode_anomalies", "encode_anomalies", "inflate", "with_phase"]
