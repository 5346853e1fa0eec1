"""Deterministic scores of the ensemble mean: MSE, RMSE, MAE and Pearson correlation (CC).

With ``x̄ = (1/M) Σ_i X_i`` the ensemble mean and ``e = x̄ − y``::

    MSE  = mean(e²)          RMSE = sqrt(MSE)   (mean first, then the square root)
    MAE  = mean(|e|)
    CC   = Σ (x̄ − <x̄>)(y − <y>) / sqrt(Σ (x̄ − <x̄>)² Σ (y − <y>)²)   (Pearson, over ``dim``)

means taken over ``dim`` on valid points only (finite truth, ``mask`` True; see
:mod:`idff_ts.metrics.reduce`). Cost: O(M) per point plus O(size) for the reduction.

**Angles** (``distance="circular"``): the ensemble mean is the circular mean
``atan2(mean sin X, mean cos X)``, the error is the wrapped difference
``((x̄ − y + P/2) mod P) − P/2`` (method.md §6), and CC is the circular correlation
coefficient of Jammalamadaka & SenGupta (2001, "Topics in Circular Statistics")::

    CC = Σ sin(x̄ − x̄₀) sin(y − y₀) / sqrt(Σ sin²(x̄ − x̄₀) Σ sin²(y − y₀))

with ``x̄₀, y₀`` the circular means over ``dim`` (angles in radians of the period).

Each score is its per-point maths plus the shared wrapper (:mod:`idff_ts.metrics.wrapper`):
the member options are checked once (:class:`~idff_ts.metrics.options.ScoreOptions`), the
reduction and attrs are :func:`~idff_ts.metrics.wrapper.reduce_points`.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.metrics.options import Distance, NanPolicy, ScoreOptions
from idff_ts.metrics.reduce import Dims, masked_mean, valid_points
from idff_ts.metrics.wrapper import align_exact, named, reduce_points

ArrayOrDA = TypeVar("ArrayOrDA", np.ndarray, xr.DataArray, float)


def wrapped_difference(a: ArrayOrDA, b: ArrayOrDA, period: float = 360.0) -> ArrayOrDA:
    """``((a − b + P/2) mod P) − P/2``: the signed difference on a circle, in [−P/2, P/2).

    Works on numpy arrays, scalars and xarray objects.
    """
    half = 0.5 * period
    return (a - b + half) % period - half


def ensemble_mean(
    forecast: xr.DataArray,
    *,
    member_dim: str = "member",
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Mean over ``member_dim`` (circular mean for ``distance="circular"``).

    ``nan_policy="omit"`` averages the valid members; ``"raise"`` refuses NaN members.
    """
    options = ScoreOptions(member_dim, distance, period, nan_policy)
    if member_dim not in forecast.dims:
        raise DataError(
            f"forecast has no member dimension {member_dim!r}; found dims {forecast.dims}"
        )
    if nan_policy == "raise" and bool(forecast.isnull().any()):
        raise DataError(
            "forecast has NaN members (nan_policy='raise'); expected complete ensembles. "
            "Use nan_policy='omit' to average the valid members."
        )
    skipna = nan_policy == "omit"
    if not options.circular:
        return forecast.mean(member_dim, skipna=skipna)
    angle = forecast * (2.0 * np.pi / period)
    s = np.sin(angle).mean(member_dim, skipna=skipna)
    c = np.cos(angle).mean(member_dim, skipna=skipna)
    return np.arctan2(s, c) * (period / (2.0 * np.pi))


def require_complete_members(
    forecast: xr.DataArray, truth: xr.DataArray, member_dim: str, what: str
) -> None:
    """``nan_policy="raise"``: DataError if a member is NaN where the truth is finite."""
    bad = (forecast.isnull().any(member_dim) & truth.notnull()).sum()
    if int(bad) > 0:
        raise DataError(
            f"{what}: {int(bad)} points have NaN members where the truth is finite "
            "(nan_policy='raise'); expected complete ensembles. Use nan_policy='omit' to use "
            "the valid members or fix the forecast."
        )


def point_forecast(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    member_dim: str | None,
    distance: Distance | None,
    period: float,
    nan_policy: NanPolicy,
    what: str = "ensemble mean",
) -> xr.DataArray:
    """The ensemble mean, or ``forecast`` itself when ``member_dim`` is None."""
    if member_dim is None:
        return forecast
    if nan_policy == "raise":
        require_complete_members(forecast, truth, member_dim, what)
        nan_policy = "propagate"
    return ensemble_mean(
        forecast, member_dim=member_dim, distance=distance, period=period, nan_policy=nan_policy
    )


def aligned_point_forecast(
    forecast: xr.DataArray, truth: xr.DataArray, options: ScoreOptions, what: str
) -> tuple[xr.DataArray, xr.DataArray]:
    """The point forecast (:func:`point_forecast`) and the truth, aligned exactly."""
    o = options
    xbar = point_forecast(forecast, truth, o.member_dim, o.distance, o.period, o.nan_policy, what)
    return align_exact(xbar, truth)


def point_error(forecast: xr.DataArray, truth: xr.DataArray, options: ScoreOptions) -> xr.DataArray:
    """``x̄ − y`` per point (wrapped on the circle for circular distance)."""
    xbar, truth = aligned_point_forecast(forecast, truth, options, "error")
    if options.circular:
        return wrapped_difference(xbar, truth, options.period)
    return xbar - truth


def error(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    member_dim: str | None = "member",
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Signed per-point error ``x̄ − y`` of the ensemble mean (wrapped for circular distance).

    ``member_dim=None`` treats ``forecast`` as a deterministic forecast.
    """
    return point_error(forecast, truth, ScoreOptions(member_dim, distance, period, nan_policy))


def mse(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    dim: Dims = None,
    member_dim: str | None = "member",
    mask: xr.DataArray | None = None,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Mean squared error of the ensemble mean over ``dim`` (None: all dims; ``()``: per point)."""
    e = point_error(forecast, truth, ScoreOptions(member_dim, distance, period, nan_policy))
    attrs = {"long_name": "MSE of the ensemble mean", "nan_policy": nan_policy}
    return reduce_points(e**2, truth, mask=mask, dim=dim, name="mse", attrs=attrs)


def rmse(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    dim: Dims = None,
    member_dim: str | None = "member",
    mask: xr.DataArray | None = None,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """``sqrt(MSE)`` of the ensemble mean; the mean over ``dim`` is taken before the root."""
    e = point_error(forecast, truth, ScoreOptions(member_dim, distance, period, nan_policy))
    out = np.sqrt(masked_mean(e**2, valid_points(truth, mask), dim))
    return named(out, "rmse", {"long_name": "RMSE of the ensemble mean", "nan_policy": nan_policy})


def mae(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    dim: Dims = None,
    member_dim: str | None = "member",
    mask: xr.DataArray | None = None,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Mean absolute error of the ensemble mean over ``dim``."""
    e = point_error(forecast, truth, ScoreOptions(member_dim, distance, period, nan_policy))
    attrs = {"long_name": "MAE of the ensemble mean", "nan_policy": nan_policy}
    return reduce_points(abs(e), truth, mask=mask, dim=dim, name="mae", attrs=attrs)


def cc(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    dim: Dims,
    member_dim: str | None = "member",
    mask: xr.DataArray | None = None,
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Pearson correlation of the ensemble mean with the truth over ``dim`` (valid points).

    Two passes (means, then centred moments) for accuracy. Circular distance: the
    Jammalamadaka–SenGupta circular correlation (module doc).
    """
    options = ScoreOptions(member_dim, distance, period, nan_policy)
    xbar, truth = aligned_point_forecast(forecast, truth, options, "cc")
    valid = valid_points(truth, mask)
    if options.circular:
        scale = 2.0 * np.pi / period
        a, b = xbar * scale, truth * scale
        a0 = np.arctan2(masked_mean(np.sin(a), valid, dim), masked_mean(np.cos(a), valid, dim))
        b0 = np.arctan2(masked_mean(np.sin(b), valid, dim), masked_mean(np.cos(b), valid, dim))
        u, v = np.sin(a - a0), np.sin(b - b0)
    else:
        u = xbar - masked_mean(xbar, valid, dim)
        v = truth - masked_mean(truth, valid, dim)
    cov = masked_mean(u * v, valid, dim)
    out = cov / np.sqrt(masked_mean(u * u, valid, dim) * masked_mean(v * v, valid, dim))
    method = "circular (Jammalamadaka-SenGupta)" if options.circular else "pearson"
    attrs = {"long_name": "correlation of the ensemble mean with the truth", "method": method}
    return named(out, "cc", attrs)
