"""Labelled series → the model's context windows (the generic ``encode``).

Only the context windows ``y_{n-L+1..n}`` ending at each requested init ``n`` are read from the
input (it may be a lazy, dask-backed archive).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from idff_ts.data.series import as_series_array
from idff_ts.data.series_checks import check_regular_time
from idff_ts.domains.series.checks import (
    check_finite_windows,
    check_state_shape,
    check_time_step,
    select_dataarray,
)
from idff_ts.errors import ConfigError, DataError
from idff_ts.forecasting.ensemble import Encoded
from idff_ts.forecasting.options import resolve_horizon
from idff_ts.forecasting.times import data_time_step, fmt_time, resolve_inits, time_kind
from idff_ts.io import load_dataarray

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.domains.base import ForecastRequest
    from idff_ts.model import Forecaster

SERIES_DIM_CANDIDATES = ("trajectory",)


def refuse_options(options: dict[str, Any], domain: str) -> None:
    """:class:`ConfigError` for keyword options this domain does not take."""
    if options:
        raise ConfigError(
            f"{', '.join(f'{k}=' for k in sorted(options))} does not apply to {domain} models "
            "(this model is not one that takes it)"
        )


def _series_dim(da: xr.DataArray, request: ForecastRequest, info: dict[str, Any]) -> str | None:
    if request.series_dim is not None:
        return request.series_dim
    cands = [info.get("series_dim"), *SERIES_DIM_CANDIDATES]
    return next((d for d in cands if d and d in da.dims and d != request.time_dim), None)


def _init_indices(times: np.ndarray, kind: str, n_ctx: int, request: ForecastRequest) -> np.ndarray:
    if times.size < n_ctx:
        raise DataError(
            f"series too short: the model needs a context window of {n_ctx} steps along "
            f"{request.time_dim!r}, found {times.size}; use a longer series"
        )
    idx = resolve_inits(request.init, times, kind, request.time_dim)
    early = idx < n_ctx - 1
    if early.any():
        bad = idx[early][0]
        raise DataError(
            f"series too short before init {fmt_time(times[bad])}: the context window needs "
            f"{n_ctx} steps ending at the init, found {bad + 1}; choose an init at or after "
            f"{fmt_time(times[n_ctx - 1])}"
        )
    return idx


def encode_series(data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
    """Context windows ``(I·S, L, *state)`` (inits × series) in physical units.

    ``meta`` keeps what :func:`~idff_ts.domains.series.decode.decode_series` needs: the
    selected DataArray ``da`` (for its name, attrs and time coordinate), the
    :class:`~idff_ts.data.series.SeriesInfo`, the init indices and the time step.
    """
    from idff_ts.io import missing_time_message

    info = dict(model.data_info or {})
    da = select_dataarray(data, request.var, info)
    time_dim = request.time_dim
    if time_dim not in da.dims:
        raise DataError(missing_time_message(da, time_dim))
    series_dim = _series_dim(da, request, info)
    check_state_shape(da, time_dim, series_dim, model)
    times = np.asarray(da[time_dim].values) if time_dim in da.coords else np.arange(da.sizes[time_dim])
    kind = time_kind(times)
    check_regular_time(da, time_dim)
    step = check_time_step(info, kind, data_time_step(times, kind))
    n_ctx = int(model.cfg.context)
    idx = _init_indices(times, kind, n_ctx, request)
    k_slots = resolve_horizon(request.horizon, request.days, kind, step, int(model.cfg.horizon))

    # Load only the context windows: rows (init, L) of indices into the time axis.
    rows = idx[:, None] + np.arange(-n_ctx + 1, 1)[None, :]
    needed, inverse = np.unique(rows, return_inverse=True)
    sub = load_dataarray(da.isel({time_dim: needed}))  # a damaged store: one line
    check_finite_windows(sub, time_dim, times[needed], times[idx], n_ctx)
    values, sinfo = as_series_array(sub, time_dim=time_dim, series_dim=series_dim, min_length=1)
    windows = np.moveaxis(values[:, inverse.reshape(rows.shape)], 0, 1)  # (I, S, L, *state)
    context = windows.reshape(-1, *windows.shape[2:])
    meta = {
        "da": da, "sinfo": sinfo, "idx": idx, "times": times, "kind": kind, "step": step,
        "time_dim": time_dim, "data_state_shape": tuple(sinfo.dims_shape),
    }
    return Encoded(context=context, horizon=k_slots, meta=meta)


__all__ = ["encode_series", "refuse_options"]
