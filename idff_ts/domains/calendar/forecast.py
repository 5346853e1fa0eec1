"""Forecasts of a calendar-series model: encode (physical → anomaly windows), decode (sampled
anomalies → physical Dataset on the data's calendar), and the inits of ``init="all"``.

``encode`` reads the whole series (calendar series are small), encodes it with the model's
:class:`~idff_ts.data.encoding.SeriesEncoding` (trend step indices counted from the model's
first training time, :func:`idff_ts.data.calendar.step_index`) and cuts the context windows
ending at the inits, refusing one with a gap (:func:`idff_ts.training.series_fit.
anomaly_windows`, naming the dates and ``time_dim=``). ``decode`` inverts the encoding at the
valid times, inflates the spread per lead, writes masked points as NaN and labels the result:
``init`` (``forecast_reference_time``), integer ``lead`` in the cadence's CF unit (``days``,
``weeks``, ``months``, ``years``), ``member``, ``valid_time(init, lead)`` on the data's own
calendar stamps (:func:`idff_ts.data.calendar.valid_times`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from idff_ts.data.calendar import step_index, valid_times
from idff_ts.data.encoding import decode_anomalies, encode_anomalies
from idff_ts.data.pandas_input import as_input_dataarray, stack_variables
from idff_ts.domains.calendar.inputs import series_values
from idff_ts.domains.calendar.labels import CalendarModel
from idff_ts.errors import ConfigError, DataError
from idff_ts.forecasting.ensemble import Encoded
from idff_ts.forecasting.options import resolve_horizon
from idff_ts.forecasting.times import resolve_inits

if TYPE_CHECKING:
    from idff_ts.domains.base import ForecastRequest
    from idff_ts.forecasting.ensemble import Ensemble
    from idff_ts.model import Forecaster


def forecast_series(
    data: Any, model: Forecaster, var: str | None, time_dim: str
) -> tuple[xr.DataArray, str, np.ndarray, np.ndarray, int]:
    """``(da, dim, x (T, P), times, index0)`` of a forecast input for ``model``."""
    info = model.data_info
    if isinstance(data, xr.Dataset) and len(data.data_vars) > 1:
        names = info.get("variables")
        if names:
            missing = [v for v in names if v not in data.data_vars]
            if missing:
                raise DataError(f"the model was fit on variables {names}; the Dataset lacks "
                                f"{missing} (found {list(data.data_vars)})")
            data = stack_variables(data[names])
        else:
            from idff_ts.io import select_variable

            data = select_variable(data, var or info.get("name"))
    wanted = time_dim if time_dim != "time" else info.get("time_dim", "time")
    da, dim = as_input_dataarray(data, wanted)
    if dim not in da.coords or np.asarray(da[dim].values).dtype.kind != "M":
        raise DataError(f"expected dates along {dim!r} (the model is a calendar-series model); "
                        "pass time_dim= naming the time dim")
    times = np.asarray(da[dim].values).astype("datetime64[ns]")
    model_view = CalendarModel(info)
    x = series_values(da, dim, model_view.state_dims)
    if x.shape[1] != int(np.prod(model_view.state_shape)):
        found = tuple(da.sizes[d] for d in model_view.state_dims)
        raise DataError(f"the data's state has shape {found}, the model's "
                        f"{model_view.state_shape}; use data like the training data")
    cadence = model_view.encoding.cadence
    index = step_index(times, np.datetime64(info["origin"], "ns"), cadence)
    if times.size > 1 and not np.array_equal(np.diff(index), np.ones(times.size - 1, np.int64)):
        raise DataError(f"the {dim!r} axis is not {cadence.describe()} without missing steps; "
                        f"reindex it onto the model's calendar (missing steps as NaN) or pass "
                        "time_dim=")
    return da, dim, x, times, int(index[0])


def horizon_of(request: ForecastRequest, model: Forecaster) -> int:
    """Slots ``K`` from ``horizon=`` or ``days=`` (daily / weekly data only)."""
    cadence = CalendarModel(model.data_info).encoding.cadence
    if request.days is not None and cadence.kind not in ("daily", "weekly"):
        raise ConfigError(f"days= needs daily or weekly data; this model is {cadence.describe()}"
                          ": give the number of steps with horizon=")
    step_days = (cadence.seconds or 86400.0) / 86400.0
    return resolve_horizon(request.horizon, request.days, "datetime", step_days,
                           int(model.cfg.horizon))


def encode_calendar(data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
    """Context windows of anomalies ``(I, L, P [+ 2])`` ending at the requested inits."""
    from idff_ts.training.series_fit import anomaly_windows

    if request.options:
        raise ConfigError(f"{', '.join(f'{k}=' for k in sorted(request.options))} does not "
                          "apply to calendar-series models")
    da, dim, x, times, index0 = forecast_series(data, model, request.var, request.time_dim)
    view = CalendarModel(model.data_info)
    idx = resolve_inits(request.init, times, "datetime", dim)
    k = horizon_of(request, model)
    z = encode_anomalies(view.encoding, view.phase, x, times, index0)
    windows = anomaly_windows(z, idx, int(model.cfg.context), times, dim)
    meta = {"da": da, "x": x, "times": times, "idx": idx, "index0": index0, "time_dim": dim,
            "data_state_shape": (x.shape[1],)}
    return Encoded(context=windows, horizon=k, meta=meta)


def decode_calendar(encoded: Encoded, ensemble: Ensemble, model: Forecaster) -> xr.Dataset:
    """Physical Dataset ``(init, lead, member, *state)`` (module docstring)."""
    from idff_ts.io import provenance_attrs

    meta, view = encoded.meta, CalendarModel(model.data_info)
    encoding = view.encoding
    states = np.moveaxis(ensemble.samples, 0, 2).astype(np.float64)  # (I, K, M, P')
    inflation = view.inflation[: ensemble.horizon]
    ens = decode_anomalies(encoding, states, meta["x"], meta["times"], meta["idx"],
                           meta["index0"], inflation)
    cad, times, idx, k = encoding.cadence, meta["times"], meta["idx"], ensemble.horizon
    coords = {
        "init": ("init", times[idx], {**cad.init_attrs(),
                                      "long_name": "forecast initialisation time"}),
        "lead": ("lead", cad.lead_values(k), cad.lead_attrs()),
        "member": ("member", np.arange(ensemble.members), {"standard_name": "realization"}),
        "valid_time": (("init", "lead"), valid_times(times, idx, k, cad),
                       {"standard_name": "time", "long_name": "valid time"}),
    }
    out = view.labelled(ens, coords, meta["da"])
    c, tune = model.data_info["candidate"], model.data_info.get("autotune") or {}
    attrs = provenance_attrs(
        model, title=f"idff-ts ensemble forecast of {', '.join(map(str, out.data_vars))}",
        seed=ensemble.seed, ensemble_size=ensemble.members, sampler=ensemble.sampler,
        horizon=k, context_length=int(model.cfg.context), cadence=cad.describe(),
        trend=c["trend"], seasonal=int(c["seasonal"]), phase_input=int(c.get("phase", False)),
        spread_inflation=[float(f) for f in inflation], encoding=encoding.describe(),
        autotune=str(tune.get("reason", "")), **ensemble.cost_attrs(),
    )
    return out.assign_attrs(attrs)


def calendar_inits(data: Any, model: Forecaster, mode: str, stride: int | None,
                   horizon: int | None, days: float | None, time_dim: str = "time") -> list:
    """``init="all"``: every ``stride``-th time (positions from the first complete context)
    whose context window has no gap and, unless ``mode == "all-context"``, whose ``K`` valid
    times lie in the data; the inits of a gappy context are skipped."""
    from idff_ts.domains.base import ForecastRequest

    if stride is not None and int(stride) < 1:
        raise ConfigError(f"stride must be >= 1, got {stride}")
    _, _, x, times, index0 = forecast_series(data, model, None, time_dim)
    view = CalendarModel(model.data_info)
    z = encode_anomalies(view.encoding, view.phase, x, times, index0)
    ok = np.isfinite(z).all(axis=1)
    ctx = int(model.cfg.context)
    k = 0 if mode == "all-context" else horizon_of(
        ForecastRequest(horizon=horizon, days=days), model)
    keep = [n for n in range(ctx - 1, times.size - k, int(stride or 1))
            if ok[n - ctx + 1 : n + 1].all()]
    if not keep:
        raise DataError(f"no init has a complete {ctx}-step context"
                        + (f" and {k} steps of truth after it" if k else "")
                        + f" along {time_dim!r}; use more data or init='all-context'")
    return [times[n] for n in keep]


__all__ = ["calendar_inits", "decode_calendar", "encode_calendar", "forecast_series"]
