"""Training and forecasting in ``(sin, cos)`` space: users pass and receive degrees.

:func:`fit_angles` and :func:`forecast_angles` are :func:`idff_ts.fit` and
:func:`idff_ts.forecast` through :class:`~idff_ts.domains.md.domain.MDDomain` for any angle dim:
the data are encoded with :class:`~idff_ts.domains.md.angles.AngleEncoder`, the generic trainer
and ensemble sampler work on the features, and forecasts are decoded to degrees in
``(−180, 180]`` with the angle names (attrs ``units="degree"``, ``circular=1``).
:func:`generate_angles` chains ``K``-slot rollouts into long generated trajectories (the
paper's MD protocol).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from idff_ts.domains.md.angles import ENCODING, AngleEncoder, angle_names
from idff_ts.domains.md.domain import MDDomain
from idff_ts.errors import ConfigError, DataError

if TYPE_CHECKING:
    from idff_ts.model import Forecaster

def fit_angles(
    data: xr.DataArray | Mapping[str, xr.DataArray],
    *,
    angle_dim: str = "angle",
    val: xr.DataArray | None = None,
    **fit_kwargs: Any,
) -> Forecaster:
    """:func:`idff_ts.fit` on the ``(sin, cos)`` features of angle data (:class:`MDDomain`).

    ``data`` (and ``val``, or the entries of a ``{"train", "val"}`` dict) hold angles in degrees
    with ``angle_dim`` (plus ``time`` and optionally ``trajectory``). The returned Forecaster
    works on features; ``data_info`` records ``angle_encoding="sincos"``, ``angle_names``,
    ``angle_dim`` and ``angle_units="degree"`` (also in ``out_dir/model.pt`` when given), so
    :func:`forecast_angles` can decode. ``fit_kwargs`` go to ``fit`` unchanged.
    """
    return MDDomain(angle_dim).fit(data, val=val, **fit_kwargs)


def _resolve_angle_model(model: Forecaster | str | os.PathLike[str]) -> Forecaster:
    from idff_ts.forecasting.options import resolve_model

    fc = resolve_model(model, None)
    if fc.data_info.get("angle_encoding") != ENCODING:
        raise ConfigError(
            f"this model was not trained on sin/cos angle features (data_info angle_encoding="
            f"{fc.data_info.get('angle_encoding')!r}); train it with fit_angles"
        )
    return fc


_REQUEST_KEYS = ("init", "days", "horizon", "var", "time_dim", "series_dim")
_RUN_KEYS = ("members", "seed", "nfe", "gamma1", "gamma2", "endpoint", "device", "chunk_members",
             "progress")


def forecast_angles(
    data: xr.DataArray,
    model: Forecaster | str | os.PathLike[str],
    **kwargs: Any,
) -> xr.Dataset:
    """:func:`idff_ts.forecast` of angle data with an angle model, in degrees.

    ``data``: angles in degrees with the model's angle dim and names (checked). ``kwargs`` are
    those of ``forecast`` (``horizon``, ``members``, ``seed``, ``init``, ``nfe``, …). Returns
    its Dataset with the variable in degrees: dims ``(init, [trajectory,] lead, member,
    angle)``, ``units="degree"``, plus the global attribute ``angle_encoding="sincos"``.

    Raises:
        ConfigError: the model was not trained on angle features.
    """
    from idff_ts.domains.base import ForecastRequest
    from idff_ts.forecasting.ensemble import EnsembleSettings

    fc = _resolve_angle_model(model)
    request = ForecastRequest(
        **{k: kwargs.pop(k) for k in _REQUEST_KEYS if k in kwargs},
        options={k: v for k, v in kwargs.items() if k not in _RUN_KEYS and v is not None},
    )
    run = EnsembleSettings(**{k: kwargs[k] for k in _RUN_KEYS if k in kwargs})
    domain = MDDomain(str(fc.data_info.get("angle_dim", "angle")))
    return domain.forecast(data, fc, request, run)


def generate_angles(
    start: xr.DataArray,
    model: Forecaster | str | os.PathLike[str],
    n_steps: int,
    *,
    members: int = 1,
    seed: int = 0,
    nfe: int | None = None,
    time_dim: str = "time",
) -> xr.DataArray:
    """Long generated trajectories: ``K``-slot rollouts chained from ``start`` (degrees).

    ``start`` holds at least the model's ``L`` context frames (the last ``L`` are used). Each
    member runs ``n_steps`` steps; every chunk of ``K`` slots starts from that member's last
    ``L`` generated states and draws fresh noise (chunk ``c`` uses seed ``seed + 7919 c``), so a
    trajectory never sees the truth after ``start``. Returns ``(member, time, angle)`` degrees,
    ``time`` continuing ``start`` with the model's time step; attrs ``nfe`` (network calls per member and step,
    counted, rounded down), ``network_calls`` (batched calls made), ``nfe_counted``
    (``network_calls / n_steps``: exact also for methods whose calls per slot vary, e.g.
    DYffusion) and ``wall_time_s``.
    """
    import time as _time

    fc = _resolve_angle_model(model)
    angle_dim = str(fc.data_info.get("angle_dim", "angle"))
    if n_steps < 1 or members < 1:
        raise ConfigError(f"n_steps and members must be >= 1, got {n_steps}, {members}")
    n_ctx, k_max = int(fc.cfg.context), int(fc.cfg.horizon)
    if time_dim not in start.dims or start.sizes[time_dim] < n_ctx:
        raise DataError(f"start needs {n_ctx} frames along {time_dim!r}; found dims "
                        f"{dict(start.sizes)}")
    enc = AngleEncoder(angle_dim=angle_dim)
    names = angle_names(start, angle_dim)
    feats = enc.encode(start.isel({time_dim: slice(-n_ctx, None)})).transpose(time_dim, ...)
    context = np.repeat(np.asarray(feats.values, dtype=np.float32)[None], members, axis=0)
    sampler = fc.sampler if nfe is None else replace(fc.sampler, nfe=int(nfe))
    pieces, calls, batched, t0, done, c = [], 0, 0, _time.perf_counter(), 0, 0
    while done < n_steps:
        k = min(k_max, n_steps - done)
        samples, res = fc.predict(context, k, 1, seed=seed + 7919 * c, sampler=sampler)
        block = samples[0]  # (members, k, F)
        pieces.append(block)
        context = np.concatenate([context, block], axis=1)[:, -n_ctx:]
        calls += res.nfe * k
        batched += res.calls
        done += k
        c += 1
    values = np.concatenate(pieces, axis=1)
    times = np.asarray(start[time_dim].values, dtype=np.float64) if time_dim in start.coords \
        else np.arange(start.sizes[time_dim], dtype=np.float64)
    step = fc.data_info.get("time_step")
    if step is None:
        step = float(np.median(np.diff(times))) if times.size > 1 else 1.0
    new_t = times[-1] + step * np.arange(1, n_steps + 1)
    feat = xr.DataArray(values, dims=("member", time_dim, enc.feature_dim),
                        coords={"member": np.arange(members), time_dim: new_t})
    out = enc.decode(feat, names=names).rename(start.name)
    if time_dim in start.coords:
        out[time_dim].attrs = dict(start[time_dim].attrs)
    out.attrs.update({"nfe": int(calls // n_steps), "network_calls": int(batched),
                      "nfe_counted": batched / n_steps, "wall_time_s": _time.perf_counter() - t0,
                      "seed": int(seed)})
    return out

__all__ = ["fit_angles", "forecast_angles", "generate_angles"]
