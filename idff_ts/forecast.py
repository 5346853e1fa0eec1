"""Ensemble forecasts as CF-annotated xarray: model → context windows → ensemble → Dataset.

:func:`forecast` takes a labelled series (a ``DataArray``, or a ``Dataset`` and a variable name)
with a ``time`` dim, cuts the context window ``y_{n-L+1..n}`` ending at each requested
initialisation time ``n``, samples an ``M``-member ensemble of ``K`` slots with the model's
bridge sampler (method.md §4), and returns it in physical units with the dims and CF
attributes of data.md §1::

    <name>(init, [series,] lead, member, *state_dims)
    init        forecast_reference_time   the last context time of each window
    lead        forecast_period           k · Δt, k = 1..K (timedelta64 days for calendar data)
    member      realization               0..M-1
    valid_time  time                      init + lead (2-D coordinate)

Only the context windows are read from the input (it may be a lazy, dask-backed archive).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.errors import ConfigError, DataError

if TYPE_CHECKING:
    from idff_ts.model import Forecaster

log = logging.getLogger(__name__)

SERIES_DIM_CANDIDATES = ("trajectory",)
CF_VAR_ATTRS = ("units", "long_name", "standard_name", "description", "comment")


def resolve_device(device: str | None = "auto") -> str:
    """``"auto"`` → ``"cuda"`` when available, else ``"cpu"``; checks an explicit choice."""
    import torch

    dev = (device or "auto").lower()
    if dev == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if dev == "cpu":
        return "cpu"
    if dev.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"device {device!r} requested but no CUDA GPU is available; use --device cpu "
                "(or auto)"
            )
        return dev
    if dev == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError("device 'mps' requested but it is not available; use cpu or auto")
        return dev
    raise ConfigError(f"unknown device {device!r}; expected auto, cpu, cuda or cuda:N")


def resolve_model(
    model: Forecaster | str | os.PathLike[str] | None, checkpoint: str | os.PathLike[str] | None
) -> Forecaster:
    """The :class:`Forecaster` from ``model`` (object or checkpoint path) or ``checkpoint``."""
    from idff_ts.model import Forecaster

    if model is not None and checkpoint is not None:
        raise ConfigError("pass either model=... or checkpoint=..., not both")
    source = model if model is not None else checkpoint
    if source is None:
        raise ConfigError(
            "forecast needs a model: pass model=<Forecaster> or checkpoint='path/to/model.pt' "
            "(train one with idff_ts.fit(...) or `idff-ts train`)"
        )
    if isinstance(source, Forecaster):
        return source
    if isinstance(source, str | os.PathLike):
        from idff_ts.training.checkpoint import load_checkpoint

        return load_checkpoint(source, map_location="cpu")
    raise ConfigError(
        f"model must be a Forecaster or a checkpoint path, got {type(source).__name__}"
    )


def _select_dataarray(
    data: xr.DataArray | xr.Dataset, var: str | None, info: dict[str, Any]
) -> xr.DataArray:
    from idff_ts.io import select_variable

    if isinstance(data, xr.DataArray):
        return data
    if isinstance(data, xr.Dataset):
        if var is None and info.get("name") in data.data_vars and len(data.data_vars) > 1:
            var = str(info["name"])
        return select_variable(data, var)
    raise DataError(
        f"expected an xarray DataArray or Dataset with a 'time' dim, found {type(data).__name__}; "
        "wrap arrays with xr.DataArray(values, dims=('time', ...))"
    )


def _time_kind(times: np.ndarray) -> str:
    if np.issubdtype(times.dtype, np.datetime64):
        return "datetime"
    if np.issubdtype(times.dtype, np.number):
        return "numeric"
    raise DataError(
        f"expected a datetime64 or numeric time coordinate, found dtype {times.dtype} "
        "(cftime dates: convert with data.convert_calendar('standard', use_cftime=False))"
    )


def _data_time_step(times: np.ndarray, kind: str) -> float | None:
    """Median spacing of ``times`` (days for datetime data), or None with < 2 steps."""
    if times.size < 2:
        return None
    diffs = np.diff(times)
    if kind == "datetime":
        return float(np.median(diffs / np.timedelta64(1, "D")))
    return float(np.median(diffs))


def _resolve_inits(init: Any, times: np.ndarray, kind: str, time_dim: str) -> np.ndarray:
    """Indices into ``times`` of the requested init times (default: the last one)."""
    n = times.size
    if init is None:
        return np.array([n - 1])
    if isinstance(init, xr.DataArray | pd.Index | np.ndarray):
        values = list(np.asarray(init).ravel())
    elif isinstance(init, str) or not isinstance(init, Sequence):
        values = [init]
    else:
        values = list(init)
    if not values:
        raise ConfigError("init is empty; pass at least one init time (or None for the last)")
    idx = np.empty(len(values), dtype=np.int64)
    span = f"[{_fmt_time(times[0])} .. {_fmt_time(times[-1])}]"
    for j, value in enumerate(values):
        if kind == "datetime":
            try:
                t = np.datetime64(pd.Timestamp(value).to_datetime64(), "ns")
            except (ValueError, TypeError):
                raise DataError(f"init {value!r} is not a date; expected e.g. '2020-01-31'") from None
            hits = np.flatnonzero(times.astype("datetime64[ns]") == t)
        else:
            try:
                t = float(value)
            except (ValueError, TypeError):
                raise DataError(f"init {value!r} is not a number; the data's {time_dim!r} is numeric") from None
            step = _data_time_step(times, kind) or 1.0
            hits = np.flatnonzero(np.isclose(times.astype(np.float64), t, rtol=0, atol=1e-6 * abs(step)))
        if hits.size == 0:
            raise DataError(
                f"init {_fmt_time(value)} is not a {time_dim!r} value of the data (found "
                f"{n} steps in {span}); pick one of the data's times"
            )
        idx[j] = hits[0]
    if len(set(idx.tolist())) != idx.size:
        raise ConfigError(f"init holds duplicated times: {[_fmt_time(v) for v in values]}")
    return idx


def _fmt_time(value: Any) -> str:
    if isinstance(value, np.datetime64 | pd.Timestamp):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def _resolve_horizon(
    horizon: int | None, days: float | None, kind: str, step: float, max_horizon: int
) -> int:
    """Number of slots K from ``horizon`` or calendar ``days`` (K = days / Δt)."""
    k_days = None
    if days is not None:
        if kind != "datetime":
            raise ConfigError(
                "days (CLI --days) needs calendar (datetime) data; this data has a numeric "
                "time axis, so give the number of slots with horizon (CLI --horizon) instead"
            )
        ratio = float(days) / step
        if not np.isclose(ratio, round(ratio)) or round(ratio) < 1:
            raise ConfigError(
                f"days={days:g} is not a whole number of time steps of {step:g} days; "
                "give the number of slots with horizon (CLI --horizon) instead"
            )
        k_days = int(round(ratio))
    if horizon is not None and k_days is not None and int(horizon) != k_days:
        raise ConfigError(
            f"horizon={horizon} and days={days:g} disagree ({k_days} slots of {step:g} days); "
            "give only one of them"
        )
    k = int(horizon) if horizon is not None else (k_days if k_days is not None else max_horizon)
    if k < 1:
        raise ConfigError(f"horizon must be >= 1 slot, got {k}")
    if k > max_horizon:
        raise ConfigError(
            f"requested {k} slots but the model was trained for at most {max_horizon}; "
            f"use a horizon <= {max_horizon} (or train with a longer horizon)"
        )
    return k


def _check_time_step(info: dict[str, Any], kind: str, step: float | None) -> float:
    """The model's time step; :class:`DataError` if the data's spacing or kind differs."""
    model_kind = info.get("time_kind")
    model_step = info.get("time_step")
    if model_kind is not None and model_kind != kind:
        raise DataError(
            f"the checkpoint was trained on {model_kind} time but the data's time axis is "
            f"{kind}; use data with the same kind of time axis as the training data"
        )
    if model_step is not None and step is not None:
        if not np.isclose(float(model_step), step, rtol=1e-3):
            unit = "days" if kind == "datetime" else "time units"
            raise DataError(
                f"the data's time step is {step:g} {unit} but the checkpoint was trained on "
                f"steps of {float(model_step):g} {unit}; resample the data to the training step"
            )
    if model_step is not None:
        return float(model_step)
    return step if step is not None else 1.0


def _check_state_shape(
    da: xr.DataArray, time_dim: str, series_dim: str | None, fc: Forecaster
) -> None:
    """Compare the data's state shape (from its sizes, nothing loaded) with the checkpoint's.

    The model input adds a channel axis to scalars ``(1,)`` and 2-D fields ``(1, H, W)``, as
    :func:`~idff_ts.data.series.as_series_array` does.
    """
    dims = [str(d) for d in da.dims if d not in (time_dim, series_dim)]
    sizes = tuple(int(da.sizes[d]) for d in dims)
    model_in = (1,) if not sizes else (1, *sizes) if len(sizes) == 2 else sizes
    if tuple(model_in) == tuple(fc.cfg.state_shape):
        return
    model_dims = fc.data_info.get("state_dims")
    raise DataError(
        f"the data's state has shape {sizes} (dims {dims}) but the checkpoint was trained on "
        f"state shape {tuple(fc.cfg.state_shape)}"
        f"{f' (dims {list(model_dims)})' if model_dims is not None else ''}; use a checkpoint "
        "trained on data of this shape, or select the matching variables/region"
    )


def _check_finite_windows(
    sub: xr.DataArray, time_dim: str, sub_times: np.ndarray, init_times: np.ndarray, n_ctx: int
) -> None:
    """Refuse NaN / inf in the context windows, naming the times and the inits affected."""
    if not np.issubdtype(sub.dtype, np.number):
        return  # as_series_array reports the dtype
    bad = ~np.isfinite(np.asarray(sub.values, dtype=np.float64))
    if not bad.any():
        return
    axis = sub.get_axis_num(time_dim)
    bad_t = bad.any(axis=tuple(a for a in range(bad.ndim) if a != axis))
    when = [_fmt_time(t) for t in sub_times[bad_t]]
    shown = ", ".join(when[:5]) + (" …" if len(when) > 5 else "")
    raise DataError(
        f"the input window holds {int(bad.sum())} NaN/inf values at {len(when)} time(s) "
        f"({shown}); each init needs {n_ctx} finite step(s) ending at it (inits: "
        f"{', '.join(_fmt_time(t) for t in init_times[:5])}{' …' if init_times.size > 5 else ''}). "
        f"Fill them (da.interpolate_na({time_dim!r}), da.fillna(...)) or choose another init"
    )


def _valid_times(times: np.ndarray, idx: np.ndarray, lead: np.ndarray, kind: str) -> np.ndarray:
    """``init + lead``; for model time, the data's own time value where it has that step.

    Float sums such as ``0.05 · n + 0.05 · k`` need not equal the data's ``0.05 · (n + k)``
    bit for bit; taking the data's value keeps exact truth alignment (evaluate selects exactly).
    """
    vt = times[idx][:, None] + lead[None, :]
    if kind == "datetime":
        return vt
    ahead = idx[:, None] + np.arange(1, lead.size + 1)[None, :]
    inside = ahead < times.size
    data_vt = np.where(inside, times[np.minimum(ahead, times.size - 1)], vt)
    tol = 1e-6 * max(float(np.abs(lead).max(initial=0.0)), 1e-12)
    same = inside & np.isclose(data_vt, vt, rtol=0, atol=tol)
    return np.where(same, data_vt, vt).astype(np.float64)


def _progress_callback(progress: bool | Callable[[], None], total: int) -> tuple[Any, Any]:
    """(on_slot, context manager) for a rich progress bar on stderr, or a user callback."""
    import contextlib

    if callable(progress):
        return progress, contextlib.nullcontext()
    if not progress:
        return None, contextlib.nullcontext()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("forecast slots"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )
    task = bar.add_task("slots", total=total)
    return (lambda: bar.advance(task)), bar


def forecast(
    data: xr.DataArray | xr.Dataset,
    model: Forecaster | str | os.PathLike[str] | None = None,
    *,
    days: float | None = None,
    horizon: int | None = None,
    members: int = 20,
    seed: int = 0,
    init: Any = None,
    var: str | None = None,
    nfe: int | None = None,
    gamma1: float | None = None,
    gamma2: float | None = None,
    device: str = "auto",
    checkpoint: str | os.PathLike[str] | None = None,
    chunk_members: int | None = None,
    progress: bool | Callable[[], None] = False,
    time_dim: str = "time",
    series_dim: str | None = None,
    boxes: Sequence[int] | None = None,
) -> xr.Dataset:
    """Ensemble forecast of ``data`` from one or more initialisation times.

    **SST tiles.** When the model is an SST tile model (trained by
    :func:`idff_ts.domains.sst.train.fit_sst`; its ``data_info`` says so), the call is routed to
    :func:`idff_ts.domains.sst.forecast.forecast_sst`: ``data`` is OISST (either file layout, e.g.
    ``xr.open_dataset("sst.day.mean.2020.nc")``), ``init`` defaults to the latest day, ``boxes``
    picks some of the model's boxes, and the result has variables ``sst`` (°C) and
    ``sst_anomaly`` over ``(init, box, lead, member, y, x)``. With no ``model``/``checkpoint``
    and OISST-like data, the bundled demo checkpoint (trained on synthetic demo data) is used,
    with a warning.

    Args:
        data: a ``DataArray`` with a ``time`` dim (plus optional state dims, e.g. ``variable``
            or ``lat, lon``, and an optional series dim such as ``trajectory``), or a
            ``Dataset`` and ``var``. Values in physical units; may be lazy (dask): only the
            context windows are loaded.
        model: a trained :class:`~idff_ts.model.Forecaster` (from :func:`idff_ts.fit` or
            :func:`idff_ts.load_model`) or the path of a checkpoint.
        days: forecast length in calendar days, for datetime data (``K = days / Δt``); an
            alias of ``horizon`` for daily data. Give ``days`` or ``horizon``, not both.
        horizon: number of slots ``K`` (default: the model's training horizon).
        members: ensemble size ``M``.
        seed: base seed; member ``m`` has its own stream, so results are reproducible and an
            ``M``-member ensemble is a prefix of a larger one.
        init: initialisation time(s): the last context time of each window. ``None`` → the
            last time of the data; a scalar (``"2020-01-31"``, a number for model time) or a
            list/array of times. Each must be a time of the data with ``L - 1`` steps before it.
        var: the variable to forecast when ``data`` is a Dataset (default: the only one, or
            the checkpoint's variable name).
        nfe, gamma1, gamma2: sampler overrides (network calls per slot, momentum γ1,
            curvature γ2); default: the settings stored with the model.
        device: ``"auto"`` (CUDA if available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
        checkpoint: a checkpoint path (alternative to ``model``).
        chunk_members: roll out this many members at a time to bound memory (same result).
        progress: show a progress bar over slots (stderr), or a callable run after each slot.
        time_dim: name of the time dim.
        series_dim: a dim of independent series forecast side by side (default: the model's
            training series dim, or ``trajectory``, when the data has it).
        boxes: SST tile models only: a subset of the model's DYffusion boxes.

    **Angles.** A model trained on angle data (``data_info["angle_encoding"] == "sincos"``,
    see :func:`idff_ts.domains.md.fit_angles`) takes and returns degrees: ``data`` is encoded
    to ``(sin, cos)``, forecast, and decoded to ``(−180, 180]`` with the angle names
    (attrs ``units="degree"``, ``circular=1``).

    Returns:
        A Dataset holding one variable named like the input, dims
        ``(init, [series_dim,] lead, member, *state_dims)``, with coords ``init``
        (``forecast_reference_time``), ``lead`` (``forecast_period``: ``timedelta64`` days for
        calendar data, else ``k · Δt`` in model time), ``member`` (``realization``), ``slot``
        (``k``), ``valid_time(init, lead)`` (``time``), the state coords, and global attributes
        with provenance (checkpoint sha256, seed, ensemble size, sampler σ/γ1/γ2/NFE, counted
        NFE and JVPs, wall time, normalisation).

    Raises:
        DataError: no time dim, wrong variable, NaNs in an input window, too short a series
            for the context window, an init not in the data, or a state shape other than the
            checkpoint's. ConfigError: bad horizon / days / members / sampler / device.

    Example:
        >>> fc = idff_ts.forecast(da, model, horizon=10, members=20, seed=0)  # doctest: +SKIP
        >>> fc = da.idff.forecast(model=model, horizon=10, members=20)  # the same  # doctest: +SKIP
    """
    from idff_ts.data.series import as_series_array
    from idff_ts.io import missing_time_message, provenance_attrs

    if model is None and checkpoint is None:
        from idff_ts.domains.sst.tiles import looks_like_oisst

        if looks_like_oisst(data, var):
            from idff_ts.domains.sst.demo import DEMO_WARNING, demo_checkpoint

            log.warning(DEMO_WARNING)
            checkpoint = demo_checkpoint()
    fc = resolve_model(model, checkpoint)
    from idff_ts.domains.sst.forecast import forecast_sst, is_sst_model

    if is_sst_model(fc):
        return forecast_sst(
            data, fc, days=days, horizon=horizon, members=members, seed=seed, init=init,
            var=var, boxes=boxes, nfe=nfe, gamma1=gamma1, gamma2=gamma2, device=device,
            chunk_members=chunk_members, progress=progress,
        )
    if boxes is not None:
        raise ConfigError("boxes= applies to SST tile models only; this model is not one")
    info = dict(fc.data_info or {})
    da = _select_dataarray(data, var, info)
    from idff_ts.domains.md.angles import ENCODING, is_encoded
    from idff_ts.domains.md.forecast import forecast_angles

    if info.get("angle_encoding") == ENCODING and not is_encoded(da):
        # an angle model (trained on sin/cos features): encode, forecast, decode to degrees
        return forecast_angles(
            da, fc, days=days, horizon=horizon, members=members, seed=seed, init=init,
            nfe=nfe, gamma1=gamma1, gamma2=gamma2, device=device, chunk_members=chunk_members,
            progress=progress, time_dim=time_dim, series_dim=series_dim,
        )
    if time_dim not in da.dims:
        raise DataError(missing_time_message(da, time_dim))
    if series_dim is None:
        cands = [info.get("series_dim"), *SERIES_DIM_CANDIDATES]
        series_dim = next((d for d in cands if d and d in da.dims and d != time_dim), None)
    _check_state_shape(da, time_dim, series_dim, fc)
    members = int(members)
    if members < 1:
        raise ConfigError(f"members must be >= 1, got {members}")
    if chunk_members is not None and int(chunk_members) < 1:
        raise ConfigError(f"chunk_members must be >= 1, got {chunk_members}")

    times = np.asarray(da[time_dim].values) if time_dim in da.coords else np.arange(da.sizes[time_dim])
    kind = _time_kind(times)
    step = _check_time_step(info, kind, _data_time_step(times, kind))
    n_ctx = int(fc.cfg.context)
    if times.size < n_ctx:
        raise DataError(
            f"series too short: the model needs a context window of {n_ctx} steps along "
            f"{time_dim!r}, found {times.size}; use a longer series"
        )
    idx = _resolve_inits(init, times, kind, time_dim)
    early = idx < n_ctx - 1
    if early.any():
        bad = idx[early][0]
        raise DataError(
            f"series too short before init {_fmt_time(times[bad])}: the context window needs "
            f"{n_ctx} steps ending at the init, found {bad + 1}; choose an init at or after "
            f"{_fmt_time(times[n_ctx - 1])}"
        )
    k_slots = _resolve_horizon(horizon, days, kind, step, int(fc.cfg.horizon))
    sampler = fc.sampler
    changes = {k: v for k, v in (("nfe", nfe), ("gamma1", gamma1), ("gamma2", gamma2)) if v is not None}
    if changes:
        sampler = replace(sampler, **changes)
    dev = resolve_device(device)

    # Load only the context windows: rows (init, L) of indices into the time axis.
    rows = idx[:, None] + np.arange(-n_ctx + 1, 1)[None, :]
    needed, inverse = np.unique(rows, return_inverse=True)
    sub = da.isel({time_dim: needed}).load()
    _check_finite_windows(sub, time_dim, times[needed], times[idx], n_ctx)
    values, sinfo = as_series_array(sub, time_dim=time_dim, series_dim=series_dim, min_length=1)
    n_series = values.shape[0]
    windows = values[:, inverse.reshape(rows.shape)]  # (S, I, L, *state)
    windows = np.moveaxis(windows, 0, 1)  # (I, S, L, *state)
    context = windows.reshape(-1, *windows.shape[2:])
    try:
        fc.check_context(context)
    except DataError as exc:
        raise DataError(f"{exc} (data state shape {tuple(sinfo.dims_shape)})") from None

    n_chunks = -(-members // int(chunk_members or members))
    on_slot, bar = _progress_callback(progress, k_slots * n_chunks)
    with bar:
        samples, res = fc.predict(
            context, k_slots, members, seed=int(seed), sampler=sampler, device=dev,
            chunk_members=chunk_members, on_slot=on_slot,
        )
    # (M, I·S, K, *state) → (I, S, K, M, *state)
    samples = samples.reshape(members, idx.size, n_series, k_slots, *samples.shape[3:])
    samples = np.moveaxis(samples, 0, 3)
    leading = ["init", "lead", "member"]
    if sinfo.series_dim is not None:
        leading.insert(1, sinfo.series_dim)
    else:
        samples = samples[:, 0]

    init_values = times[idx]
    slots = np.arange(1, k_slots + 1)
    time_units = str(da[time_dim].attrs.get("units", info.get("time_step_units", "time steps"))) \
        if time_dim in da.coords else str(info.get("time_step_units", "time steps"))
    if kind == "datetime":
        lead_values = pd.to_timedelta(slots * step, unit="D").to_numpy()
        time_attrs: dict[str, Any] = {}
    else:
        lead_values = slots * step
        time_attrs = {"units": time_units}
    coords: dict[str, Any] = {
        "init": ("init", init_values, {
            "standard_name": "forecast_reference_time",
            "long_name": "forecast initialisation time (last context time)", **time_attrs,
        }),
        "lead": ("lead", lead_values, {
            "standard_name": "forecast_period",
            "long_name": f"lead time: slot k times the time step ({step:g}"
            f" {'days' if kind == 'datetime' else time_units})", **time_attrs,
        }),
        "member": ("member", np.arange(members), {
            "standard_name": "realization", "long_name": "ensemble member",
        }),
        "slot": ("lead", slots, {"long_name": "forecast slot k (1..K)"}),
        "valid_time": (("init", "lead"), _valid_times(times, idx, lead_values, kind), {
            "standard_name": "time", "long_name": "valid time (init + lead)", **time_attrs,
        }),
    }
    if sinfo.series_dim is not None:
        coords[sinfo.series_dim] = (sinfo.series_dim, sinfo.series)
    out = sinfo.to_dataarray(samples, leading)
    out = out.assign_coords({k: xr.Variable(*v) for k, v in coords.items()})
    for dim, values_ in (info.get("state_coords") or {}).items():
        if dim in out.dims and dim not in out.coords and len(values_) == out.sizes[dim]:
            out = out.assign_coords({dim: (dim, np.asarray(values_))})
    if kind == "datetime":
        out["lead"].encoding["units"] = "days"
    name = da.name if da.name is not None else info.get("name") or "forecast"
    out.name = str(name)
    out.attrs = {k: da.attrs[k] for k in CF_VAR_ATTRS if k in da.attrs}
    for key in ("units", "long_name"):
        if key not in out.attrs and info.get(key):
            out.attrs[key] = info[key]

    call = (
        f"idff_ts.forecast(var={out.name!r}, horizon={k_slots}, members={members}, seed={seed}, "
        f"nfe={sampler.nfe}, gamma1={sampler.gamma1}, gamma2={sampler.gamma2}, "
        f"inits={idx.size}, device={dev!r})"
    )
    attrs = provenance_attrs(
        fc,
        title=f"idff-ts ensemble forecast of {out.name}",
        seed=int(seed),
        ensemble_size=members,
        sampler=sampler,
        command=call,
        horizon=k_slots,
        context_length=n_ctx,
        time_step=float(step),
        time_step_units="days" if kind == "datetime" else time_units,
        nfe_counted=int(res.nfe),
        network_calls=int(res.calls),
        n_jvp=int(res.n_jvp),
        wall_time_s=float(res.wall_s),
        device=dev,
        forecast_variable=str(out.name),
    )
    log.info(
        "forecast %s: %d inits x %d series, K=%d, M=%d, NFE=%d, %.2fs on %s",
        out.name, idx.size, n_series, k_slots, members, res.nfe, res.wall_s, dev,
    )
    return out.to_dataset().assign_attrs(attrs)


__all__ = ["forecast", "resolve_device", "resolve_model"]
