"""Seasonal climatology by phase of year: a smooth harmonic mean and spread, fitted on training data.

The model of a seasonal series is ``x(t) = μ(φ(t)) + σ(φ(t)) · z(t)``, ``φ`` the phase of the
year of ``t`` in slot units: the year is cut into ``S`` equal slots (12 for monthly data, 52 for
weekly, 365 for daily; the SST domain uses its 366 day-of-year slots), ``θ = 2π · position / S``
and, with ``H`` harmonics (a truncated Fourier series, as in classical harmonic regression
of seasonal cycles, e.g. Wilks, *Statistical Methods in the Atmospheric Sciences*, §9.4)::

    μ_H(θ)      = a_0 + Σ_{j=1..H} [ a_j cos jθ + b_j sin jθ ]
    log σ²_H(θ) = c_0 + Σ_{j=1..H} [ c_j cos jθ + d_j sin jθ ],   σ_H = max(sqrt(σ²_H), min_std)

**One implementation for SST and series.** :func:`fit_slot_harmonics` is the fit of both:
from per-slot means ``m(s)``, spreads ``sd(s)`` (ddof 0) and counts ``N(s)`` of the training
values it fits ``μ_H`` by least squares weighted by ``N(s)`` (exactly the harmonic regression
of all values), then ``log r²(s)`` with ``r²(s) = sd(s)² + (m(s) − μ_H(s))²``, and shifts
``c_0`` so that ``z`` has unit mean square over the training values (the log fit alone is biased
low). :class:`SeasonalClimatology` computes the slot statistics of any regular calendar series;
``idff_ts.domains.sst.climatology.HarmonicClimatology`` computes them per day of year and pixel
and calls the same function.

``H = 0`` is plain standardisation by the training mean and std (series without a season, e.g.
yearly data). Fit on the training split only; validation, test and forecasts use the same
coefficients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from idff_ts.data.calendar import Cadence, phase_of_year
from idff_ts.errors import ConfigError, DataError

#: Default number of harmonics for calendar series (annual, semi-annual, 4-month cycles).
N_HARMONICS = 3
#: Slots per year for each cadence.
SLOTS = {"daily": 365, "weekly": 52, "monthly": 12}


def harmonic_basis(position: np.ndarray | Sequence[float], period: float, n_harmonics: int) -> np.ndarray:
    """``(n, 2H + 1)`` float64 basis ``[1, cos θ, sin θ, …, cos Hθ, sin Hθ]``, ``θ = 2π · position / period``."""
    p = np.asarray(position, dtype=np.float64).ravel()
    theta = 2.0 * np.pi * p / period
    cols = [np.ones_like(theta)]
    for j in range(1, n_harmonics + 1):
        cols += [np.cos(j * theta), np.sin(j * theta)]
    return np.stack(cols, axis=1)


def weighted_lstsq(basis: np.ndarray, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-column weighted least squares ``argmin_c Σ_s w[s,p] (B[s] · c[:, p] − v[s, p])²``.

    ``basis`` (S, K), ``values`` and ``weights`` (S, P) → coefficients (K, P); columns without
    weight get zeros.
    """
    v = np.where(weights > 0, values, 0.0)
    gram = np.einsum("sp,sk,sl->pkl", weights, basis, basis)  # (P, K, K)
    rhs = np.einsum("sp,sk,sp->pk", weights, basis, v)  # (P, K)
    ok = weights.sum(axis=0) > 0
    coef = np.zeros((basis.shape[1], values.shape[1]), dtype=np.float64)
    if ok.any():
        k = basis.shape[1]
        gram_ok = gram[ok] + 1e-12 * np.eye(k)[None]
        coef[:, ok] = np.linalg.solve(gram_ok, rhs[ok][..., None])[..., 0].T
    return coef


def fit_slot_harmonics(
    basis: np.ndarray, mean: np.ndarray, std: np.ndarray, weights: np.ndarray, min_std: float
) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic coefficients ``(mean_coef, var_coef)``, each ``(K, P)`` float64, from per-slot
    statistics ``mean``, ``std`` (ddof 0) and ``weights`` (counts), all ``(S, P)``."""
    mean_coef = weighted_lstsq(basis, mean, weights)
    resid2 = np.where(weights > 0, std**2 + (mean - basis @ mean_coef) ** 2, 1.0)
    log_r2 = np.log(np.maximum(resid2, min_std**2))
    var_coef = weighted_lstsq(basis, log_r2, weights)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ratio = (weights * resid2 / np.exp(basis @ var_coef)).sum(0) / weights.sum(0)
    var_coef[0] += np.log(np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0))
    return mean_coef, var_coef


def evaluate_harmonics(
    basis: np.ndarray, mean_coef: np.ndarray, var_coef: np.ndarray, min_std: float
) -> tuple[np.ndarray, np.ndarray]:
    """``μ_H`` and ``σ_H`` (float64, ``(n, P)``) at the rows of ``basis``."""
    mean = basis @ mean_coef
    log_var = basis @ var_coef
    std = np.maximum(np.exp(0.5 * np.minimum(log_var, 50.0)), min_std)
    return mean, std


def slot_of(times: Any, cadence: Cadence) -> np.ndarray:
    """Slot index ``0..S-1`` of each time: the month for monthly data, the week of the year
    (day-of-year // 7, week 53 merged into 52) for weekly data, ``⌊φ · 365⌋`` of the phase of
    year ``φ`` for daily data; zeros without a season."""
    n_slots = SLOTS.get(cadence.kind)
    if n_slots is None:
        return np.zeros(np.size(times), dtype=np.int64)
    t = pd.DatetimeIndex(np.atleast_1d(np.asarray(times, dtype="datetime64[ns]")))
    if cadence.kind == "monthly":
        slots = np.asarray(t.month) - 1
    elif cadence.kind == "weekly":
        slots = (np.asarray(t.dayofyear) - 1) // 7
    else:
        slots = np.floor(phase_of_year(t.values) * n_slots).astype(np.int64)
    return np.minimum(slots, n_slots - 1).astype(np.int64)


@dataclass(frozen=True)
class SeasonalClimatology:
    """Harmonic mean and spread by phase of year for ``P`` variables (module docstring).

    Attributes:
        mean_coef, var_coef: float64 ``(2H + 1, P)``.
        n_slots: slots per year ``S`` (1 without a season).
        n_harmonics: ``H`` (0 = plain standardisation).
        min_std: floor of ``σ_H`` in data units.
        cadence: the cadence kind it was fitted for.
        period: first and last training time (ISO strings).
    """

    mean_coef: np.ndarray
    var_coef: np.ndarray
    n_slots: int
    n_harmonics: int
    min_std: float
    cadence: str
    period: tuple[str, str]

    @classmethod
    def fit(
        cls,
        values: np.ndarray,
        times: Any,
        cadence: Cadence,
        n_harmonics: int | None = None,
        min_std: float | None = None,
    ) -> SeasonalClimatology:
        """Fit on training ``values`` ``(T, P)`` (NaN = missing) at datetime ``times``.

        ``n_harmonics`` defaults to :data:`N_HARMONICS` for daily / weekly / monthly data and 0
        otherwise (capped at ``(S − 1) // 2``); ``min_std`` to ``1e-3`` of the overall spread.
        """
        x = _as_2d(values)
        n_slots = SLOTS.get(cadence.kind, 1)
        h = (N_HARMONICS if n_slots > 1 else 0) if n_harmonics is None else int(n_harmonics)
        if h < 0 or h > (n_slots - 1) // 2:
            raise ConfigError(
                f"n_harmonics must be in 0..{(n_slots - 1) // 2} for {cadence.kind} data, got {h}"
            )
        finite = np.isfinite(x)
        if not finite.any(axis=0).all():
            raise DataError("a variable has no finite training value; mask it out first")
        floor = float(min_std) if min_std is not None else 1e-3 * max(float(np.nanstd(x)), 1e-12)
        slots = slot_of(times, cadence) if n_slots > 1 else np.zeros(x.shape[0], np.int64)
        mean, std, count = _slot_stats(x, finite, slots, n_slots)
        basis = harmonic_basis(np.arange(n_slots) + 0.5, n_slots, h)
        mean_coef, var_coef = fit_slot_harmonics(basis, mean, std, count, floor)
        t = pd.DatetimeIndex(np.asarray(times, dtype="datetime64[ns]"))
        return cls(mean_coef, var_coef, n_slots, h, floor, cadence.kind,
                   (t[0].isoformat(), t[-1].isoformat()))

    def mean_std(self, times: Any) -> tuple[np.ndarray, np.ndarray]:
        """``μ_H``, ``σ_H`` of shape ``(n, P)`` at datetime ``times``."""
        n = np.size(times)
        if self.n_slots > 1:
            slots = slot_of(times, Cadence(self.cadence))
        else:
            slots = np.zeros(n, np.int64)
        basis = harmonic_basis(slots + 0.5, self.n_slots, self.n_harmonics)
        return evaluate_harmonics(basis, self.mean_coef, self.var_coef, self.min_std)

    def standardise(self, values: np.ndarray, times: Any) -> np.ndarray:
        """``z = (x − μ_H) / σ_H``; ``values`` ``(T, P)`` or ``(T,)`` at ``times`` (T,)."""
        mean, std = self.mean_std(times)
        x = np.asarray(values, dtype=np.float64)
        return ((_as_2d(x) - mean) / std).reshape(x.shape)

    def destandardise(self, z: np.ndarray, times: Any) -> np.ndarray:
        """``x = z · σ_H + μ_H``. ``z`` has the shape of ``times`` (one variable) or
        ``(*times.shape, ..., P)`` (variables last, e.g. ``(init, lead, member, P)``)."""
        t = np.asarray(times)
        mean, std = self.mean_std(t.ravel())
        z = np.asarray(z, dtype=np.float64)
        if z.ndim == t.ndim:
            shape: tuple[int, ...] = t.shape
        else:
            shape = t.shape + (1,) * (z.ndim - t.ndim - 1) + (mean.shape[1],)
        return z * std.reshape(shape) + mean.reshape(shape)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (see :meth:`from_dict`)."""
        return {
            "mean_coef": self.mean_coef.tolist(), "var_coef": self.var_coef.tolist(),
            "n_slots": self.n_slots, "n_harmonics": self.n_harmonics, "min_std": self.min_std,
            "cadence": self.cadence, "period": list(self.period),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SeasonalClimatology:
        return cls(np.asarray(d["mean_coef"], np.float64), np.asarray(d["var_coef"], np.float64),
                   int(d["n_slots"]), int(d["n_harmonics"]), float(d["min_std"]),
                   str(d["cadence"]), tuple(d["period"]))  # type: ignore[arg-type]


def _as_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x.reshape(x.shape[0], -1)


def _slot_stats(
    x: np.ndarray, finite: np.ndarray, slots: np.ndarray, n_slots: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-slot mean, std (ddof 0) and count of the finite values, each ``(S, P)``."""
    onehot = np.zeros((n_slots, x.shape[0]))
    onehot[slots, np.arange(x.shape[0])] = 1.0
    w = finite.astype(np.float64)
    xv = np.where(finite, x, 0.0)
    count = onehot @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (onehot @ xv) / count
        dev = np.where(finite, x - np.nan_to_num(mean)[slots], 0.0)
        var = (onehot @ (dev**2)) / count
    return mean, np.sqrt(var), count


def phase_features(times: Any) -> np.ndarray:
    """``(n, 2)`` conditioning features ``(sin 2πφ, cos 2πφ)`` of the phase of year ``φ``."""
    phi = phase_of_year(times)
    return np.stack([np.sin(2 * np.pi * phi), np.cos(2 * np.pi * phi)], axis=1)


__all__ = [
    "N_HARMONICS",
    "SeasonalClimatology",
    "evaluate_harmonics",
    "fit_slot_harmonics",
    "harmonic_basis",
    "phase_features",
    "slot_of",
    "weighted_lstsq",
]
