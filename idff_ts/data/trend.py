"""Trend handling for series such as CO2: none, first differences, or a line fitted on training.

Two classical ways to make a trending series stationary before modelling it (Box & Jenkins'
differencing; a deterministic trend removed by least squares, e.g. Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice*, §9.1 and §7.4):

- ``"diff"``: the model sees ``d_t = x_t − x_{t−1}``; a forecast of increments ``d_{n+1..n+K}``
  becomes ``x_{n+k} = x_n + Σ_{j ≤ k} d_{n+j}``, member by member (so the ensemble spread
  accumulates as it should);
- ``"linear"``: ``x_t = a + b · i_t + r_t`` with ``i_t`` the step index, ``a, b`` fitted by least
  squares on the finite training values only; forecasts add the line back at each slot's index;
- ``"none"``: identity.

Indices are steps of the regular axis (:mod:`idff_ts.data.calendar`), counted from the first
training time, so the line extrapolates exactly at the forecast's valid steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from idff_ts.errors import ConfigError, DataError

TREND_KINDS = ("none", "diff", "linear")


@dataclass(frozen=True)
class Trend:
    """A fitted trend (module docstring); ``intercept`` and ``slope`` are ``(P,)`` arrays."""

    kind: str = "none"
    intercept: np.ndarray | None = None
    slope: np.ndarray | None = None

    @classmethod
    def fit(cls, values: np.ndarray, kind: str = "none") -> Trend:
        """Fit on training ``values`` ``(T, P)`` or ``(T,)`` (NaN = missing), index ``0..T-1``."""
        if kind not in TREND_KINDS:
            raise ConfigError(f"trend must be one of {TREND_KINDS}, got {kind!r}")
        if kind != "linear":
            return cls(kind)
        x = _as_2d(values)
        idx = np.arange(x.shape[0], dtype=np.float64)
        a = np.empty(x.shape[1])
        b = np.empty(x.shape[1])
        for p in range(x.shape[1]):
            ok = np.isfinite(x[:, p])
            if ok.sum() < 2:
                raise DataError("a linear trend needs at least 2 finite training values")
            b[p], a[p] = np.polyfit(idx[ok], x[ok, p], 1)
        return cls(kind, a, b)

    def remove(self, values: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Detrended ``(T, P)`` values at step indices ``index`` (T,); ``diff`` gives NaN at the
        first step (it has no predecessor)."""
        x = _as_2d(values)
        if self.kind == "none":
            return x.copy()
        if self.kind == "diff":
            return np.concatenate([np.full((1, x.shape[1]), np.nan), np.diff(x, axis=0)])
        return x - self.line(index)

    def line(self, index: np.ndarray) -> np.ndarray:
        """``a + b · index`` as ``(*index.shape, P)``."""
        i = np.asarray(index, dtype=np.float64)[..., None]
        return self.intercept + self.slope * i  # type: ignore[operator]

    def restore(self, resid: np.ndarray, last: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Forecast in data units from detrended forecast ``resid`` ``(I, K, M, P)``.

        ``last`` ``(I, P)``: the data at each init (used by ``diff``); ``index`` ``(I, K)``: the
        step index of each slot (used by ``linear``).
        """
        r = np.asarray(resid, dtype=np.float64)
        if self.kind == "none":
            return r
        if self.kind == "diff":
            return np.asarray(last, dtype=np.float64)[:, None, None, :] + np.cumsum(r, axis=1)
        return r + self.line(index)[:, :, None, :]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "intercept": None if self.intercept is None else self.intercept.tolist(),
            "slope": None if self.slope is None else self.slope.tolist(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Trend:
        arr = {k: None if d.get(k) is None else np.asarray(d[k], np.float64)
               for k in ("intercept", "slope")}
        return cls(str(d["kind"]), arr["intercept"], arr["slope"])

    def describe(self) -> str:
        if self.kind == "linear":
            return f"linear trend fitted on training (slope {np.round(self.slope, 6).tolist()} per step)"
        return {"diff": "first differences", "none": "no trend handling"}[self.kind]


def _as_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x.reshape(x.shape[0], -1)


__all__ = ["TREND_KINDS", "Trend"]
