"""Spread–skill ratio (SSR) of an ensemble and its raw terms.

With the per-point ensemble variances ``s²₁ = Σ_i (X_i − x̄)² / (M − 1)`` and
``s²₀ = Σ_i (X_i − x̄)² / M`` and ``MSE = mean (x̄ − y)²``, all means over ``dim`` taken
*before* any square root::

    SSR            = sqrt((M + 1)/M · mean s²₁) / sqrt(MSE)     (Fortin et al. 2014)
    SSR_dyffusion  = sqrt(mean s²₀) / sqrt(MSE)                  (DYffusion's code)

For a perfectly reliable ensemble ``E[(M+1)/M · s²₁] = E[(x̄ − y)²]``, so SSR → 1 whatever
M (Fortin, Abaza, Anctil & Turcotte 2014, "Why should ensemble spread match the RMSE of the
ensemble mean?", J. Hydrometeor. 15). DYffusion's variant (ddof 0, no correction) is biased
low by ``sqrt((M−1)/(M+1))``; :func:`spread_skill` returns the raw means so either can be
recomputed (:func:`ssr_from_terms`, :func:`ssr_dyffusion_from_terms`).

With ``nan_policy="omit"`` each point uses its own valid count ``m`` (in the variance and in
the ``(m+1)/m`` factor). Angles (``distance="circular"``): deviations are wrapped differences
from the circular mean. Cost: O(M) per point.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.metrics.deterministic import (
    ensemble_mean,
    point_error,
    require_complete_members,
    wrapped_difference,
)
from idff_ts.metrics.options import Distance, NanPolicy, ScoreOptions
from idff_ts.metrics.reduce import Dims, masked_mean, valid_points
from idff_ts.metrics.wrapper import check_member_dim, named


def ensemble_variance(
    forecast: xr.DataArray,
    *,
    member_dim: str = "member",
    ddof: int = 1,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Per-point ``Σ_i (X_i − x̄)² / (m − ddof)`` over ``member_dim`` (m valid members).

    Points with ``m ≤ ddof`` are NaN.
    """
    xbar = ensemble_mean(
        forecast, member_dim=member_dim, distance=distance, period=period, nan_policy=nan_policy
    )
    dev = forecast - xbar
    if distance == "circular":
        dev = wrapped_difference(forecast, xbar, period)
    n_valid = forecast.notnull().sum(member_dim)
    ss = (dev**2).sum(member_dim, skipna=True)
    if nan_policy != "omit":
        ss = ss.where(n_valid == forecast.sizes[member_dim])
    dof = n_valid - ddof
    return ss / dof.where(dof > 0)


def ssr_from_terms(var_ddof1: xr.DataArray, mse: xr.DataArray, ensemble_size: int) -> xr.DataArray:
    """Fortin et al. (2014) SSR ``sqrt((M+1)/M · var_ddof1 / mse)`` from the mean terms."""
    m = float(ensemble_size)
    return np.sqrt((m + 1.0) / m * var_ddof1) / np.sqrt(mse)


def ssr_dyffusion_from_terms(var_ddof0: xr.DataArray, mse: xr.DataArray) -> xr.DataArray:
    """DYffusion's SSR ``sqrt(var_ddof0) / sqrt(mse)`` (ddof 0, no (M+1)/M)."""
    return np.sqrt(var_ddof0) / np.sqrt(mse)


def _spread_terms(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    dim: Dims,
    mask: xr.DataArray | None,
    options: ScoreOptions,
) -> xr.Dataset:
    """The Dataset of :func:`spread_skill` (its doc), for checked ``options``."""
    member_dim = options.member_dim
    check_member_dim(forecast, truth, member_dim)
    n_members = int(forecast.sizes[member_dim])
    if n_members < 2:
        raise DataError(
            f"the spread-skill ratio needs at least 2 members (variance with ddof 1); found "
            f"M = {n_members}"
        )
    valid = valid_points(truth, mask)
    if options.nan_policy == "raise":
        require_complete_members(forecast, truth, member_dim, "spread-skill ratio")
    policy = "propagate" if options.nan_policy == "raise" else options.nan_policy
    kw = {"member_dim": member_dim, "distance": options.distance, "period": options.period}
    var1 = ensemble_variance(forecast, ddof=1, nan_policy=policy, **kw)
    var0 = ensemble_variance(forecast, ddof=0, nan_policy=policy, **kw)
    m = forecast.notnull().sum(member_dim)
    e = point_error(forecast, truth, ScoreOptions(nan_policy=policy, **kw))
    out = xr.Dataset(
        {
            "var_ddof1": masked_mean(var1, valid, dim),
            "var_ddof1_corrected": masked_mean((m + 1.0) / m * var1, valid, dim),
            "var_ddof0": masked_mean(var0, valid, dim),
            "mse": masked_mean(e**2, valid, dim),
        }
    )
    out["ssr"] = np.sqrt(out["var_ddof1_corrected"]) / np.sqrt(out["mse"])
    out["ssr_dyffusion"] = ssr_dyffusion_from_terms(out["var_ddof0"], out["mse"])
    out.attrs = {"ensemble_size": n_members, "nan_policy": options.nan_policy}
    return out


def spread_skill(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    dim: Dims = None,
    member_dim: str = "member",
    mask: xr.DataArray | None = None,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.Dataset:
    """SSR, its DYffusion variant and the raw terms, means over ``dim`` on valid points.

    Returns a Dataset with ``ssr``, ``ssr_dyffusion``, ``var_ddof1`` (mean s²₁),
    ``var_ddof1_corrected`` (mean (m+1)/m · s²₁), ``var_ddof0`` (mean s²₀) and ``mse``
    (of the ensemble mean); attrs ``ensemble_size`` and ``nan_policy``.
    """
    options = ScoreOptions(member_dim, distance, period, nan_policy)
    return _spread_terms(forecast, truth, dim, mask, options)


def spread_skill_ratio(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    dim: Dims = None,
    member_dim: str = "member",
    mask: xr.DataArray | None = None,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Fortin et al. (2014) SSR ``sqrt((M+1)/M · mean s²₁) / RMSE`` (see module doc)."""
    options = ScoreOptions(member_dim, distance, period, nan_policy)
    terms = _spread_terms(forecast, truth, dim, mask, options)
    attrs = {"long_name": "spread-skill ratio (Fortin et al. 2014)", **terms.attrs}
    return named(terms["ssr"], "ssr", attrs)


def spread_skill_ratio_dyffusion(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    dim: Dims = None,
    member_dim: str = "member",
    mask: xr.DataArray | None = None,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """DYffusion's SSR ``sqrt(mean s²₀) / RMSE`` (ddof 0, no (M+1)/M correction)."""
    options = ScoreOptions(member_dim, distance, period, nan_policy)
    terms = _spread_terms(forecast, truth, dim, mask, options)
    attrs = {"long_name": "spread-skill ratio, DYffusion variant (ddof 0)", **terms.attrs}
    return named(terms["ssr_dyffusion"], "ssr_dyffusion", attrs)
