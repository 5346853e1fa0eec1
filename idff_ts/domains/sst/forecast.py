"""Ensemble SST forecasts on DYffusion tiles, in °C and in standardised anomalies.

:func:`forecast_sst` is what :func:`idff_ts.forecast` (hence ``ds.idff.forecast``) and
``idff-ts forecast`` run for a model trained by :func:`~idff_ts.domains.sst.train.fit_sst`
(:meth:`SSTDomain.forecast <idff_ts.domains.sst.domain.SSTDomain>`), in three pieces:

1. **encode** (:mod:`~idff_ts.domains.sst.encode`): cut the model's boxes (or ``boxes``) out of
   the input (any OISST layout, or tiles); take the ``L``-day window ending at each ``init``
   (default: the latest day of the data), check every day of it is present and finite over
   ocean; standardise with the checkpoint's climatology, ``z = (x − μ_H) / σ_H``, land 0;
2. **sample** with the generic rollout (:func:`idff_ts.forecasting.ensemble.sample_ensemble`):
   ``M`` members × ``K`` daily slots (member ``m`` has its own random stream: results depend
   only on the seed, the inputs and the batch of tiles);
3. **decode** (:mod:`~idff_ts.domains.sst.decode`): ``x = z · σ_H(valid day) + μ_H(valid day)``
   as a CF Dataset ``sst`` / ``sst_anomaly (init, box, lead, member, y, x)``.

Arguments of :func:`forecast_sst`: ``data`` is OISST as an xarray Dataset/DataArray (PSL or
NCEI layout, or tiles); ``model`` an SST tile Forecaster; ``days`` / ``horizon`` the number of
daily leads ``K`` (give one; default the model's, 7); ``members`` the ensemble size ``M``;
``seed`` the base seed; ``init`` the init date(s) (default: the latest day); ``var`` the SST
variable (default ``sst``); ``boxes`` a subset of the model's boxes; ``nfe``, ``gamma1``,
``gamma2``, ``endpoint`` sampler overrides; ``device`` ``auto|cpu|cuda|cuda:N``;
``chunk_members`` members per batch (bounds memory; same result); ``progress`` a bar over slots
or a callable run after each.

Errors: DataError for an init outside the archive, a missing day in the input window, missing
values over ocean, files of another variable, data not covering the boxes; CheckpointError for
a checkpoint of another tile size; ConfigError for bad options.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from idff_ts.domains.sst.decode import DEMO_TITLE_NOTE
from idff_ts.domains.sst.train import sst_info

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.model import Forecaster


def is_sst_model(model: Any) -> bool:
    """Whether ``model`` (a Forecaster) was trained by :func:`~idff_ts.domains.sst.train.fit_sst`."""
    return sst_info(model) is not None


def forecast_sst(
    data: Any, model: Forecaster, *, days: float | None = None, horizon: int | None = None,
    members: int = 20, seed: int = 0, init: Any = None, var: str | None = None,
    boxes: Sequence[int] | None = None, nfe: int | None = None, gamma1: float | None = None,
    gamma2: float | None = None, endpoint: str | None = None, device: str = "auto",
    chunk_members: int | None = None, progress: bool | Callable[[], None] = False,
) -> xr.Dataset:
    """Ensemble forecast of SST tiles: encode, sample, decode (module docstring)."""
    from idff_ts.domains.base import ForecastRequest
    from idff_ts.domains.sst.domain import SSTDomain
    from idff_ts.forecasting.ensemble import EnsembleSettings

    request = ForecastRequest(init=init, days=days, horizon=horizon, var=var,
                              options={} if boxes is None else {"boxes": boxes})
    run = EnsembleSettings(members=members, seed=seed, nfe=nfe, gamma1=gamma1, gamma2=gamma2,
                           endpoint=endpoint, device=device, chunk_members=chunk_members,
                           progress=progress)
    return SSTDomain().forecast(data, model, request, run)


__all__ = ["DEMO_TITLE_NOTE", "forecast_sst", "is_sst_model"]
