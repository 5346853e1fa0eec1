"""No hand-tuning: choose context, seasonal and trend handling and σ on the validation split.

:func:`autotune` fits one candidate at a time on the training split and scores it on the
validation split by the CRPS of rolling-origin forecasts in physical units (fair estimator, 20
members, mean over leads and variables, each variable in units of its training spread). The
search is coordinate-wise over small grids (one knob at a time, keeping the best so far), in
this order: trend ∈ {none, diff, linear}, seasonal ∈ {on, off} and the phase of year as a
conditioning input ∈ {off, on} (:func:`with_phase`; both only for daily, weekly or monthly data
with at least two years of training steps, :func:`seasonal_cadence`),
context ∈ three cadence-based lengths, σ ∈ {0.5, 1, 2}. It stops when the user's time
budget is spent (the first candidate always runs). The best candidate's model is returned
(no refit), with every trial, its score and time, and a sentence saying why it was chosen —
stored in :class:`TunedSeries` and printed. Each candidate's ensemble spread is calibrated
on the same validation forecasts (per-lead variance inflation, :func:`spread_inflation`) before
it is scored, and the chosen model keeps its factors. Model selection uses the validation split
only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from idff_ts.data.calendar import Cadence
from idff_ts.data.encoding import (
    SeriesEncoding,
    decode_anomalies,
    encode_anomalies,
    inflate,
    with_phase,
)
from idff_ts.metrics.crps import crps_ensemble
from idff_ts.training.series_fit import AnomalyFit, FitSettings, fit_anomalies, sample_anomalies

#: Context lengths tried per cadence (short, medium, about one seasonal cycle / long memory).
CONTEXTS = {"daily": (1, 3, 7), "weekly": (1, 4, 13), "monthly": (1, 3, 12),
            "yearly": (1, 4, 12)}
SIGMAS = (0.5, 1.0, 2.0)
TRENDS = ("none", "diff", "linear")
VAL_MEMBERS = 20
MAX_VAL_ORIGINS = 150
DEFAULT_BUDGET_S = 600.0
#: Years of training data a seasonal climatology needs before it is tried.
MIN_CYCLES = 2


@dataclass(frozen=True)
class Candidate:
    """One configuration of the knobs autotune chooses."""

    context: int
    trend: str
    seasonal: bool
    sigma: float
    phase: bool = False


@dataclass
class TunedSeries:
    """The chosen model of a series, with the search record."""

    encoding: SeriesEncoding
    fit: AnomalyFit
    candidate: Candidate
    horizon: int
    trials: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    inflation: np.ndarray | None = None

    def forecast(
        self, values: np.ndarray, times: np.ndarray, init_idx: np.ndarray, members: int = 20,
        seed: int = 0, index0: int = 0,
    ) -> np.ndarray:
        """Physical ``(I, K, M, P)`` ensembles from inits (indices into ``values``; ``index0``:
        the step index of ``values[0]`` counted from the first training step)."""
        z = encode_anomalies(self.encoding, self.candidate.phase, values, times, index0)
        zf = sample_anomalies(self.fit.forecaster, z, init_idx, self.horizon, members, seed,
                              times=times)
        return decode_anomalies(self.encoding, zf, values, times, init_idx, index0,
                                self.inflation)

    def summary(self) -> str:
        lines = [f"autotune chose {asdict(self.candidate)}: {self.reason}"]
        for t in self.trials:
            lines.append(f"  {t['candidate']}  val CRPS {t['val_crps']:.4f}  ({t['seconds']:.0f} s)")
        return "\n".join(lines)


def seasonal_cadence(cadence: Cadence, n_train: int | None = None) -> bool:
    """Whether a seasonal cycle is searched: daily, weekly or monthly data with at least
    :data:`MIN_CYCLES` years of training steps (``None``: enough) — a harmonic climatology
    fitted on part of one year extrapolates wildly."""
    if cadence.kind not in ("daily", "weekly", "monthly"):
        return False
    per_year = cadence.periods_per_year or 0.0
    return n_train is None or n_train >= MIN_CYCLES * per_year


def search_knobs(cadence: Cadence, n_train: int | None = None) -> list[tuple[str, tuple[Any, ...]]]:
    """The knobs searched for ``cadence`` and their grids, in search order (module docstring)."""
    knobs: list[tuple[str, tuple[Any, ...]]] = [("trend", TRENDS)]
    if seasonal_cadence(cadence, n_train):
        knobs.append(("seasonal", (True, False)))
        knobs.append(("phase", (False, True)))
    knobs.append(("context", CONTEXTS.get(cadence.kind, CONTEXTS["yearly"])))
    knobs.append(("sigma", SIGMAS))
    return knobs


def default_candidate(cadence: Cadence, n_train: int | None = None) -> Candidate:
    contexts = CONTEXTS.get(cadence.kind, CONTEXTS["yearly"])
    return Candidate(context=contexts[1], trend="none",
                     seasonal=seasonal_cadence(cadence, n_train), sigma=1.0)


def validation_origins(n_train: int, n_val: int, horizon: int, context: int) -> np.ndarray:
    """Init indices whose targets lie in the validation split (at most MAX_VAL_ORIGINS)."""
    first, last = n_train - 1, n_train + n_val - 1 - horizon
    idx = np.arange(max(first, context - 1), last + 1)
    if idx.size > MAX_VAL_ORIGINS:
        idx = idx[np.linspace(0, idx.size - 1, MAX_VAL_ORIGINS).round().astype(int)]
    return idx


def spread_inflation(ens: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per-lead factors ``f_k = RMSE_k / spread_k`` (clipped to [0.5, 5]) that make the
    validation spread-skill ratio 1: ensemble variance inflation (e.g. Anderson & Anderson 1999;
    Gneiting et al. 2005 calibrate spread on a training period the same way). ``ens``
    ``(I, K, M, P)``, ``truth`` ``(I, K, P)``; NaN points are ignored."""
    m = ens.shape[2]
    var = np.nanmean(np.var(ens, axis=2, ddof=1), axis=(0, 2)) * (m + 1) / m
    mse = np.nanmean((ens.mean(axis=2) - truth) ** 2, axis=(0, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.sqrt(mse / var)
    return np.clip(np.where(np.isfinite(f), f, 1.0), 0.5, 5.0)


def _score(
    tuned: TunedSeries, x: np.ndarray, times: np.ndarray, n_train: int, n_val: int,
    scale: np.ndarray, seed: int,
) -> float:
    k, ctx = tuned.horizon, tuned.candidate.context
    z = tuned.encoding.encode(x[: n_train + n_val], times[: n_train + n_val],
                              np.arange(n_train + n_val))
    idx = validation_origins(n_train, n_val, k, ctx + 1)
    ok = np.isfinite(z).all(axis=1)
    idx = np.array([i for i in idx if ok[i - ctx + 1 : i + 1].all()], dtype=np.int64)
    if idx.size == 0:
        return float("inf")
    tuned.inflation = None
    fc = tuned.forecast(x[: n_train + n_val], times[: n_train + n_val], idx, VAL_MEMBERS,
                        seed + 1000)
    truth = x[idx[:, None] + np.arange(1, k + 1)[None, :]]  # (I, K, P)
    tuned.inflation = spread_inflation(fc, truth)
    fc = inflate(fc, tuned.inflation)
    crps = crps_ensemble(fc, truth, member_axis=2, estimator="fair", nan_policy="omit")
    return float(np.nanmean(crps / scale))


def _fit_candidate(
    cand: Candidate, x: np.ndarray, times: np.ndarray, cadence: Cadence, n_train: int,
    n_val: int, horizon: int, seed: int, settings: FitSettings | None = None,
) -> TunedSeries:
    enc = SeriesEncoding.fit(x[:n_train], times[:n_train], cadence, trend=cand.trend,
                             seasonal=cand.seasonal)
    z = enc.encode(x[: n_train + n_val], times[: n_train + n_val], np.arange(n_train + n_val))
    z = with_phase(z, times[: n_train + n_val], cand.phase)
    fit = fit_anomalies(z[:n_train], z[max(0, n_train - cand.context) :], context=cand.context,
                        horizon=horizon, sigma=cand.sigma, seed=seed, settings=settings)
    return TunedSeries(enc, fit, cand, horizon)


def train_candidate(
    cand: Candidate, values: np.ndarray, times: np.ndarray, cadence: Cadence, n_train: int,
    n_val: int, horizon: int, seed: int = 0, settings: FitSettings | None = None,
) -> tuple[TunedSeries, float]:
    """Train one candidate, calibrate its spread on validation; ``(model, validation CRPS)``."""
    x = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    has_data = np.isfinite(x[:n_train]).sum(axis=0) > 1
    scale = np.ones(x.shape[1])
    scale[has_data] = np.nanstd(x[:n_train, has_data], axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    tuned = _fit_candidate(cand, x, times, cadence, n_train, n_val, horizon, seed, settings)
    return tuned, _score(tuned, x, times, n_train, n_val, scale, seed)


def autotune(
    values: np.ndarray, times: np.ndarray, cadence: Cadence, n_train: int, n_val: int,
    horizon: int, *, seed: int = 0, budget_s: float = DEFAULT_BUDGET_S,
    fixed: dict[str, Any] | None = None, echo: Callable[[str], None] | None = print,
    settings: FitSettings | None = None,
) -> TunedSeries:
    """Choose and train the best candidate on validation (module docstring).

    ``fixed`` pins knobs the user gave (e.g. ``{"context": 12}``); they are not searched.
    ``settings``: network / training fields the user fixed (:class:`FitSettings`).
    """
    x = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    fixed = dict(fixed or {})
    first = replace(default_candidate(cadence, n_train), **fixed)
    seen: dict[Candidate, float] = {}
    best: TunedSeries | None = None
    trials: list[dict[str, Any]] = []
    start = time.perf_counter()
    queue = [(None, (None,))] + [k for k in search_knobs(cadence, n_train) if k[0] not in fixed]
    for name, options in queue:
        for value in options:
            cand = first if best is None else replace(best.candidate, **{str(name): value})
            if cand in seen or (best is not None and time.perf_counter() - start > budget_s):
                continue
            t0 = time.perf_counter()
            tuned, seen[cand] = train_candidate(cand, x, times, cadence, n_train, n_val,
                                                horizon, seed, settings)
            trials.append({"candidate": asdict(cand), "val_crps": seen[cand],
                           "seconds": time.perf_counter() - t0})
            if best is None or seen[cand] < seen[best.candidate]:
                best = tuned
    assert best is not None
    best.trials = trials
    spent = time.perf_counter() - start
    best.reason = (
        f"lowest validation CRPS {seen[best.candidate]:.4f} of {len(trials)} candidates "
        f"(coordinate search over trend, seasonal, phase, context, sigma; {spent:.0f} s of a "
        f"{budget_s:.0f} s budget{'; budget exhausted' if spent > budget_s else ''})"
    )
    if echo is not None:
        echo(best.summary())
    return best


__all__ = ["Candidate", "TunedSeries", "autotune", "search_knobs", "with_phase", "spread_inflation", "train_candidate", "default_candidate",
           "seasonal_cadence", "validation_origins"]
