"""One xarray wrapper for every metric: named dims in, a named DataArray with attrs out.

Each metric in this package is a few lines of maths on arrays plus the pieces below, in the
spirit of WeatherBench2's metric classes and xskillscore's functions (a numpy core wrapped with
``xr.apply_ufunc``, reductions over named dims):

* :func:`apply_kernel` runs a numpy per-point kernel (CRPS, energy score) over its core dims
  (members, features), with exact coordinate alignment, lazily on dask-backed inputs;
* :func:`reduce_points` averages a per-point score over ``dim`` on the valid points only
  (finite truth and ``mask`` True: land is never scored; a NaN score at a valid point is kept,
  so missing forecasts are never hidden) and names the result;
* :func:`score_attrs` writes the attrs every ensemble score carries: ``estimator``,
  ``ensemble_size``, ``nan_policy``, ``distance`` (``period``) and its ``formula``.

How missing *members* count is each kernel's ``nan_policy`` (:mod:`idff_ts.metrics.kernel`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.metrics.reduce import Dims, masked_mean, valid_points


def check_member_dim(forecast: xr.DataArray, truth: xr.DataArray, member_dim: str) -> None:
    """Raise DataError unless ``forecast`` has ``member_dim`` and ``truth`` does not."""
    if member_dim not in forecast.dims:
        raise DataError(
            f"forecast has no member dimension {member_dim!r}; found dims {forecast.dims}. "
            "Pass member_dim= with the name of the ensemble dimension."
        )
    if member_dim in truth.dims:
        raise DataError(
            f"truth must not have the member dimension {member_dim!r}; found dims {truth.dims}"
        )


def per_variable(
    score: Callable[..., xr.DataArray], forecast: xr.Dataset, truth: Any, **kwargs: Any
) -> xr.Dataset:
    """``score(forecast[v], truth[v], **kwargs)`` for every data variable ``v`` of ``forecast``."""
    if not isinstance(truth, xr.Dataset):
        raise DataError(
            "forecast is a Dataset, so truth must be a Dataset with the same variables; "
            f"found {type(truth).__name__}"
        )
    missing = [v for v in forecast.data_vars if v not in truth.data_vars]
    if missing:
        raise DataError(
            f"truth lacks forecast variables {missing}; truth has {list(truth.data_vars)}"
        )
    return xr.Dataset({v: score(forecast[v], truth[v], **kwargs) for v in forecast.data_vars})


def _misaligned(err: ValueError) -> DataError:
    return DataError(
        f"forecast and truth coordinates do not align exactly ({err}); select the same "
        "points in both before scoring"
    )


def align_exact(forecast: xr.DataArray, truth: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """``xr.align(..., join="exact")``; a mismatch is a DataError that says how to fix it."""
    try:
        return xr.align(forecast, truth, join="exact")
    except ValueError as err:
        raise _misaligned(err) from None


def apply_kernel(
    kernel: Callable[..., np.ndarray],
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    forecast_core: Sequence[str],
    truth_core: Sequence[str],
    kwargs: Mapping[str, Any],
) -> xr.DataArray:
    """``kernel(forecast, truth, **kwargs)`` per point, core dims moved last, float64 out.

    The result has the forecast's dims without ``forecast_core``; coordinates must align
    exactly; dask-backed inputs are scored chunk by chunk.
    """
    try:
        return xr.apply_ufunc(
            kernel,
            forecast,
            truth,
            input_core_dims=[list(forecast_core), list(truth_core)],
            kwargs=dict(kwargs),
            dask="parallelized",
            output_dtypes=[np.float64],
            join="exact",
        )
    except ValueError as err:
        raise _misaligned(err) from None


def score_attrs(
    long_name: str,
    *,
    estimator: str,
    ensemble_size: int,
    nan_policy: str,
    distance: str | None,
    period: float,
    **extra: Any,
) -> dict[str, Any]:
    """The attrs of an ensemble score: what it is, its estimator, M, NaN policy, distance."""
    attrs = {
        "long_name": long_name,
        "estimator": estimator,
        "ensemble_size": int(ensemble_size),
        **extra,
        "nan_policy": nan_policy,
        "distance": distance or "absolute",
    }
    if distance == "circular":
        attrs["period"] = float(period)
    return attrs


def named(out: xr.DataArray, name: str, attrs: Mapping[str, Any]) -> xr.DataArray:
    """``out`` with ``name`` and exactly ``attrs``."""
    out.attrs = dict(attrs)
    return out.rename(name)


def reduce_points(
    per_point: xr.DataArray,
    truth: xr.DataArray,
    *,
    mask: xr.DataArray | None,
    dim: Dims,
    name: str,
    attrs: Mapping[str, Any],
) -> xr.DataArray:
    """Mean of ``per_point`` over ``dim`` on the valid points of ``truth``/``mask``, named."""
    return named(masked_mean(per_point, valid_points(truth, mask), dim), name, attrs)
