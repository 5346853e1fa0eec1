"""Reference forecasts and scores of the real-series suite (benchmarks/real_series.py).

- persistence and seasonal naive: one-member forecasts (their CRPS is the absolute error);
- climatology: a Gaussian with the harmonic seasonal mean and spread by phase of year
  (:class:`idff_ts.data.seasonal.SeasonalClimatology`) fitted on the data before the test period;
- statsforecast ``AutoETS`` and ``AutoARIMA`` (a small wrapper written here; the leaderboard's
  own wrapper is being written elsewhere): fitted once on the data before the test period, then
  re-forecast from each origin without refitting (``model.forward(y[:n+1], h)``), Gaussian
  predictive distributions from their 80 % intervals. Monthly data use ``season_length = 12``;
  daily and weekly data (seasons of 365 and 52 steps are beyond these models' practical range)
  are modelled as anomalies from the same harmonic climatology mean, the mean added back;
  yearly data have no season. Gaps (CO2) are linearly interpolated for these models only
  (statsforecast refuses NaN); no scored truth is ever interpolated.

Scores: Gaussian CRPS in closed form (Gneiting & Raftery 2007, eq. 21); ensemble CRPS with the
fair estimator (idff_ts.metrics); SSR = sqrt(mean predictive variance) / RMSE of the mean, means
taken over origins, leads and points before the square roots (the (M+1)/M correction for an
ensemble of M).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import norm

from idff_ts.data.calendar import Cadence
from idff_ts.data.seasonal import SeasonalClimatology

Z80 = float(norm.ppf(0.9))
SEASON = {"daily": 365, "weekly": 52, "monthly": 12}
DAILY_HISTORY = 3 * 365  # steps of history given to forward() for daily data


def crps_gaussian(mu: np.ndarray, sigma: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Closed-form CRPS of N(mu, sigma²) at y."""
    s = np.maximum(sigma, 1e-12)
    w = (y - mu) / s
    return s * (w * (2 * norm.cdf(w) - 1) + 2 * norm.pdf(w) - 1 / np.sqrt(np.pi))


def persistence(x: np.ndarray, idx: np.ndarray, horizon: int) -> np.ndarray:
    """``(I, K, P)``: the last observed value (gaps forward-filled) at every lead."""
    filled = _ffill(x)
    return np.repeat(filled[idx][:, None, :], horizon, axis=1)


def seasonal_naive(x: np.ndarray, idx: np.ndarray, horizon: int, cadence: Cadence) -> np.ndarray:
    """``(I, K, P)``: the value one season before each target (persistence without a season)."""
    season = SEASON.get(cadence.kind)
    if season is None:
        return persistence(x, idx, horizon)
    filled = _ffill(x)
    k = np.arange(1, horizon + 1)
    src = idx[:, None] + k[None, :] - season * np.ceil(k / season).astype(int)[None, :]
    return filled[src]


def climatology(
    x: np.ndarray, times: np.ndarray, cadence: Cadence, n_fit: int, vt: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian mean and std ``(I, K, P)`` at valid times ``vt`` ``(I, K)``."""
    clim = SeasonalClimatology.fit(x[:n_fit], times[:n_fit], cadence)
    mean, std = clim.mean_std(vt.ravel())
    shape = vt.shape + (x.shape[1],)
    return mean.reshape(shape), std.reshape(shape)


def statsforecast_model(
    name: str, x: np.ndarray, times: np.ndarray, cadence: Cadence, n_fit: int,
    idx: np.ndarray, vt: np.ndarray, horizon: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian mean and std ``(I, K, P)`` of AutoETS / AutoARIMA re-forecasts (module doc)."""
    from statsforecast.models import AutoARIMA, AutoETS

    season = 12 if cadence.kind == "monthly" else 1
    deseason = cadence.kind in ("daily", "weekly")
    mean_out = np.empty(idx.shape + (horizon, x.shape[1]))
    std_out = np.empty_like(mean_out)
    for p in range(x.shape[1]):
        y = _interp(x[:, p])
        offset = np.zeros_like(y)
        off_vt = np.zeros(vt.shape)
        if deseason:
            clim = SeasonalClimatology.fit(y[:n_fit], times[:n_fit], cadence)
            offset = clim.mean_std(times)[0][:, 0]
            off_vt = clim.mean_std(vt.ravel())[0][:, 0].reshape(vt.shape)
        a = y - offset
        model = (AutoETS if name == "AutoETS" else AutoARIMA)(season_length=season)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = model.fit(a[:n_fit])
            for i, n in enumerate(idx):
                lo = max(0, n + 1 - DAILY_HISTORY) if cadence.kind == "daily" else 0
                r = model.forward(a[lo : n + 1], h=horizon, level=[80])
                mean_out[i, :, p] = r["mean"] + off_vt[i]
                std_out[i, :, p] = (r["hi-80"] - r["mean"]) / Z80
    return mean_out, std_out


def scores_point(fc: np.ndarray, y: np.ndarray) -> dict[str, list[float] | float | None]:
    """One-member forecast: CRPS = absolute error, per lead; no SSR."""
    err = np.abs(fc - y)
    per_lead = np.nanmean(err, axis=(0, 2))
    return {"crps_lead": per_lead.tolist(), "crps": float(per_lead.mean()), "ssr": None,
            "crps_origin": _per_origin(err)}


def scores_gaussian(mu: np.ndarray, sd: np.ndarray, y: np.ndarray) -> dict:
    crps = crps_gaussian(mu, sd, y)
    per_lead = np.nanmean(crps, axis=(0, 2))
    ssr = float(np.sqrt(np.nanmean(sd**2)) / np.sqrt(np.nanmean((mu - y) ** 2)))
    return {"crps_lead": per_lead.tolist(), "crps": float(per_lead.mean()), "ssr": ssr,
            "crps_origin": _per_origin(crps)}


def scores_ensemble(ens: np.ndarray, y: np.ndarray) -> dict:
    """``ens`` ``(I, K, M, P)``, ``y`` ``(I, K, P)``."""
    from idff_ts.metrics.crps import crps_ensemble

    crps = crps_ensemble(ens, y, member_axis=2, estimator="fair")
    per_lead = np.nanmean(crps, axis=(0, 2))
    m = ens.shape[2]
    var = np.var(ens, axis=2, ddof=1)
    mse = (ens.mean(axis=2) - y) ** 2
    ssr = float(np.sqrt((m + 1) / m * np.nanmean(var)) / np.sqrt(np.nanmean(mse)))
    with np.errstate(divide="ignore", invalid="ignore"):  # a lead with zero error: inf/nan
        ssr_lead = np.sqrt((m + 1) / m * np.nanmean(var, axis=(0, 2))) / np.sqrt(
            np.nanmean(mse, axis=(0, 2)))
    return {"crps_lead": per_lead.tolist(), "crps": float(per_lead.mean()), "ssr": ssr,
            "ssr_lead": ssr_lead.tolist(), "crps_origin": _per_origin(crps)}


def _per_origin(crps: np.ndarray) -> list[float]:
    """Mean over leads and points of each origin's ``(I, K, P)`` scores (for paired bootstraps)."""
    return np.nanmean(crps, axis=(1, 2)).tolist()


def paired_bootstrap(a: np.ndarray, b: np.ndarray, n_boot: int = 2000, seed: int = 0) -> list:
    """95 % interval of ``mean(a − b)`` over origins resampled with replacement."""
    d = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(n_boot, d.size))].mean(axis=1)
    return np.percentile(means, [2.5, 97.5]).tolist()


def _ffill(x: np.ndarray) -> np.ndarray:
    out = np.array(x, dtype=np.float64)
    for p in range(out.shape[1]):
        col = out[:, p]
        ok = np.isfinite(col)
        last = np.maximum.accumulate(np.where(ok, np.arange(col.size), 0))
        out[:, p] = col[last]
    return out


def _interp(y: np.ndarray) -> np.ndarray:
    ok = np.isfinite(y)
    if ok.all():
        return np.asarray(y, dtype=np.float64)
    i = np.arange(y.size)
    return np.interp(i, i[ok], y[ok])
