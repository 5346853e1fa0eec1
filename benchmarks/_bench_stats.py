"""Classical statistical forecasters users already have, as ensemble forecasts: statsforecast's
AutoARIMA and AutoETS (Hyndman & Khandakar 2008; Hyndman et al. 2002, via Nixtla's
``statsforecast``), one model per state dimension.

Protocol (issue 11 item 6): each model is **fitted once on the training split** (the first
training series, at most ``max_fit`` points), then re-forecast from every test init with
``model.forward(history, h, level=...)``: statsforecast's "apply the fitted model to a new
series", which keeps the fitted parameters and only filters the history up to the init (no
refitting on test data). Where the history before an init is too short for the fitted model
(statsforecast raises), that init gets the training split's climatological Gaussian of the
dimension instead, and the result file counts such inits (``fallback_inits``). Its Gaussian predictive law per lead (mean, and sd from the 68.27 %
interval half-width) is turned into an ``M``-member ensemble by ``M`` standard-normal draws (one
per member, shared by the leads of a member), and scored with the same CRPS as every method.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LEVEL = 68.27  # ±1 sd of a Gaussian
MODELS = ("autoarima", "autoets")


def make_model(name: str) -> Any:
    from statsforecast.models import AutoARIMA, AutoETS

    if name == "autoarima":
        return AutoARIMA()
    if name == "autoets":
        return AutoETS()
    raise ValueError(f"unknown statistical model {name!r}; expected one of {MODELS}")


def fit_per_dim(name: str, train: np.ndarray, max_fit: int = 2000) -> list[Any]:
    """One fitted model per column of ``train`` (T, D), on its last ``max_fit`` points."""
    series = np.asarray(train, dtype=np.float64)[-max_fit:]
    return [make_model(name).fit(series[:, d]) for d in range(series.shape[1])]


def predictive(model: Any, history: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd (h,) of the fitted ``model`` applied to ``history`` (no refit)."""
    out = model.forward(np.asarray(history, dtype=np.float64), h=horizon, level=[LEVEL])
    mean = np.asarray(out["mean"], dtype=np.float64)
    half = (np.asarray(out[f"hi-{LEVEL}"]) - np.asarray(out[f"lo-{LEVEL}"])) / 2.0
    return mean, np.maximum(half, 0.0)


def predictive_or_climatology(model: Any, history: np.ndarray, horizon: int,
                              clim: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, bool]:
    """:func:`predictive`, or the climatological (mean, sd) when the history is too short."""
    try:
        mean, sd = predictive(model, history, horizon)
        if np.all(np.isfinite(mean)) and np.all(np.isfinite(sd)):
            return mean, sd, False
    except (ValueError, IndexError, np.linalg.LinAlgError):  # too short a history
        pass
    return np.full(horizon, clim[0]), np.full(horizon, clim[1]), True


def ensemble(mean: np.ndarray, sd: np.ndarray, members: int, rng: np.random.Generator) -> np.ndarray:
    """``members`` draws (members, h) of the per-lead Gaussian, one normal per member."""
    z = rng.standard_normal(members)
    return mean[None, :] + sd[None, :] * z[:, None]


def forecast_like(template: Any, data: Any, models: list[Any], members: int, seed: int,
                  clim: list[tuple[float, float]], history: int = 500) -> Any:
    """Fill the forecast ``template`` (dims init, lead, member, [trajectory], variable/pixel)
    with the statistical ensemble re-forecast from every init of ``data``."""
    name = [str(v) for v in template.data_vars][0]
    var = template[name]
    horizon = var.sizes["lead"]
    rng = np.random.default_rng(seed)
    state_dim = [d for d in var.dims if d not in ("init", "lead", "member", "trajectory")][0]
    series_dim = "trajectory" if "trajectory" in var.dims else None
    values = np.empty(var.transpose("init", "lead", "member", *( [series_dim] if series_dim else []),
                                    state_dim).shape, dtype=np.float64)
    series_ids = list(var[series_dim].values) if series_dim else [None]
    fallbacks = 0
    for i, t0 in enumerate(var["init"].values):
        for s, sid in enumerate(series_ids):
            da = data if sid is None else data.sel({series_dim: sid})
            past = da.sel(time=slice(None, t0)).transpose("time", state_dim).values[-history:]
            for d, model in enumerate(models):
                mean, sd, fell_back = predictive_or_climatology(model, past[:, d], horizon, clim[d])
                fallbacks += fell_back
                draws = ensemble(mean, sd, members, rng).T  # (h, members)
                if series_dim:
                    values[i, :, :, s, d] = draws
                else:
                    values[i, :, :, d] = draws
    order = ("init", "lead", "member", *([series_dim] if series_dim else []), state_dim)
    filled = var.transpose(*order).copy(data=values.astype(var.dtype)).transpose(*var.dims)
    out = filled.to_dataset(name=name)
    out.attrs = {**template.attrs, "method": "statsforecast", "network_calls": 0, "n_jvp": 0,
                 "fallback_forecasts": fallbacks}
    return out
