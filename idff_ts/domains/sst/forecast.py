"""Ensemble SST forecasts on DYffusion tiles, in °C and in standardised anomalies.

:func:`forecast_sst` is what :func:`idff_ts.forecast` (hence ``ds.idff.forecast``) and
``idff-ts forecast`` run for a model trained by :func:`~idff_ts.domains.sst.train.fit_sst`,
in three pieces:

1. **encode** (:mod:`~idff_ts.domains.sst.encode`): cut the model's boxes (or ``boxes``) out of
   the input (any OISST layout, or tiles); take the ``L``-day window ending at each ``init``
   (default: the latest day of the data), check every day of it is present and finite over
   ocean; standardise with the checkpoint's climatology, ``z = (x − μ_H) / σ_H``, land 0;
2. **sample** with the generic rollout (``Forecaster.predict``): ``M`` members × ``K`` daily
   slots (member ``m`` has its own random stream: results depend only on the seed, the inputs
   and the batch of tiles);
3. **decode** (:mod:`~idff_ts.domains.sst.decode`): ``x = z · σ_H(valid day) + μ_H(valid day)``
   as a CF Dataset ``sst`` / ``sst_anomaly (init, box, lead, member, y, x)``.

Arguments of :func:`forecast_sst`: ``data`` is OISST as an xarray Dataset/DataArray (PSL or
NCEI layout, or tiles); ``model`` an SST tile Forecaster; ``days`` / ``horizon`` the number of
daily leads ``K`` (give one; default the model's, 7); ``members`` the ensemble size ``M``;
``seed`` the base seed; ``init`` the init date(s) (default: the latest day); ``var`` the SST
variable (default ``sst``); ``boxes`` a subset of the model's boxes; ``nfe``, ``gamma1``,
``gamma2`` sampler overrides; ``device`` ``auto|cpu|cuda|cuda:N``; ``chunk_members`` members per
batch (bounds memory; same result); ``progress`` a bar over slots or a callable run after each.

Errors: DataError for an init outside the archive, a missing day in the input window, missing
values over ocean, files of another variable, data not covering the boxes; CheckpointError for
a checkpoint of another tile size; ConfigError for bad options.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import xarray as xr

from idff_ts.domains.sst.decode import DEMO_TITLE_NOTE, forecast_attrs, forecast_dataset
from idff_ts.domains.sst.encode import (
    box_climatology,
    check_tile_model,
    encode_inputs,
    resolve_boxes,
)
from idff_ts.domains.sst.train import climatology_of, sst_info
from idff_ts.errors import ConfigError

if TYPE_CHECKING:
    from idff_ts.config import SamplerConfig
    from idff_ts.model import Forecaster

log = logging.getLogger(__name__)


def is_sst_model(model: Any) -> bool:
    """Whether ``model`` (a Forecaster) was trained by :func:`~idff_ts.domains.sst.train.fit_sst`."""
    return sst_info(model) is not None


def _sampler(model: Forecaster, nfe: int | None, gamma1: float | None,
             gamma2: float | None) -> SamplerConfig:
    changes = {k: v for k, v in (("nfe", nfe), ("gamma1", gamma1), ("gamma2", gamma2))
               if v is not None}
    return replace(model.sampler, **changes) if changes else model.sampler


def _check_sizes(members: int, chunk_members: int | None) -> None:
    if members < 1:
        raise ConfigError(f"members must be >= 1, got {members}")
    if chunk_members is not None and int(chunk_members) < 1:
        raise ConfigError(f"chunk_members must be >= 1, got {chunk_members}")


def forecast_sst(
    data: Any, model: Forecaster, *, days: float | None = None, horizon: int | None = None,
    members: int = 20, seed: int = 0, init: Any = None, var: str | None = None,
    boxes: Sequence[int] | None = None, nfe: int | None = None, gamma1: float | None = None,
    gamma2: float | None = None, device: str = "auto", chunk_members: int | None = None,
    progress: bool | Callable[[], None] = False,
) -> xr.Dataset:
    """Ensemble forecast of SST tiles: encode, sample, decode (module docstring)."""
    from idff_ts.forecast import _progress_callback, _resolve_horizon, resolve_device

    info = sst_info(model)
    if info is None:
        raise ConfigError("forecast_sst needs an SST tile model (trained by idff_ts.domains.sst.train.fit_sst)")
    check_tile_model(model, info)
    box_list = resolve_boxes(boxes, info)
    members = int(members)
    _check_sizes(members, chunk_members)
    k_slots = _resolve_horizon(horizon, days, "datetime", 1.0, int(model.cfg.horizon))
    sampler = _sampler(model, nfe, gamma1, gamma2)
    dev = resolve_device(device)
    sel = [list(info["boxes"]).index(b) for b in box_list]
    enc = encode_inputs(
        data, box_climatology(climatology_of(model), sel), box_list,
        var=var or str(info.get("var", "sst")), init=init, n_ctx=int(model.cfg.context),
    )
    n_chunks = -(-members // int(chunk_members or members))
    on_slot, bar = _progress_callback(progress, k_slots * n_chunks)
    with bar:
        samples, res = model.predict(
            enc.context, k_slots, members, seed=int(seed), sampler=sampler, device=dev,
            chunk_members=chunk_members, on_slot=on_slot,
        )
    out = forecast_dataset(samples, enc, model, sel, bool(info.get("synthetic")))
    attrs = forecast_attrs(model, enc, res, sampler=sampler, seed=int(seed), members=members,
                           k_slots=k_slots, device=dev, info=info)
    log.info(
        "SST forecast: %d init(s) x %d box(es), K=%d, M=%d, NFE=%d, %.2fs on %s",
        enc.inits.size, len(box_list), k_slots, members, res.nfe, res.wall_s, dev,
    )
    return out.assign_attrs(attrs)


__all__ = ["DEMO_TITLE_NOTE", "forecast_sst", "is_sst_model"]
