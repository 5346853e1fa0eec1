"""Ensemble forecasts as CF-annotated xarray: model → domain encodes → ensemble → decodes.

:func:`forecast` is generic: it resolves the model, asks the domain registry
(:mod:`idff_ts.domains`) which domain owns it, and lets that domain encode the context windows
(physical values → model states), sample the ensemble with the model's bridge sampler
(method.md §4, :func:`idff_ts.forecasting.ensemble.sample_ensemble`) and decode it into a
Dataset with the dims and CF attributes of data.md §1. It names no domain.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from idff_ts.domains import default_model, domain_for_model
from idff_ts.domains.base import ForecastInput, ForecastRequest
from idff_ts.errors import ConfigError
from idff_ts.forecasting.ensemble import EnsembleSettings
from idff_ts.forecasting.options import resolve_device, resolve_model

if TYPE_CHECKING:
    import xarray as xr

    from idff_ts.model import Forecaster

log = logging.getLogger(__name__)

ALL_INITS = ("all", "all-context")


def forecast(
    data: xr.DataArray | xr.Dataset,
    model: Forecaster | str | os.PathLike[str] | None = None,
    *,
    days: float | None = None,
    horizon: int | None = None,
    members: int = 20,
    seed: int = 0,
    init: Any = None,
    stride: int | None = None,
    var: str | None = None,
    nfe: int | None = None,
    gamma1: float | None = None,
    gamma2: float | None = None,
    endpoint: str | None = None,
    device: str = "auto",
    checkpoint: str | os.PathLike[str] | None = None,
    chunk_members: int | None = None,
    progress: bool | Callable[[], None] = False,
    time_dim: str = "time",
    series_dim: str | None = None,
    **options: Any,
) -> xr.Dataset:
    """Ensemble forecast of ``data`` from one or more initialisation times.

    The model (or, with neither ``model`` nor ``checkpoint``, the default model a domain
    offers for this data, such as a bundled demo checkpoint, with a warning) decides the
    domain (:mod:`idff_ts.domains`): the domain encodes the input windows into model states,
    the ensemble is sampled generically, and the domain decodes it into a CF Dataset. The
    domains' pages in the docs describe their inputs, options and outputs.

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
            ``"all"``: every time whose context window is complete and whose ``K`` leads
            have truth in the data (as ``idff-ts forecast --init all``; the model's domain
            decides, e.g. skipping windows with gaps); ``"all-context"``: every time with a
            complete context window, truth or not.
        stride: with ``init="all"`` / ``"all-context"``: keep every ``stride``-th init.
        var: the variable to forecast when ``data`` is a Dataset (default: the only one, or
            the checkpoint's variable name).
        nfe, gamma1, gamma2: sampler overrides (network calls per slot, momentum γ1,
            curvature γ2); default: the settings stored with the model.
        endpoint: IDFF's bridge step (:class:`~idff_ts.config.SamplerConfig`): ``"mean"``
            (the paper's step), ``"gaussian"`` or ``"distributional"`` (posterior sampling,
            for a model trained with that ``posterior`` head) or ``"auto"``; default: the
            model's stored setting. Other methods ignore it.
        device: ``"auto"`` (CUDA if available, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
        checkpoint: a checkpoint path (alternative to ``model``).
        chunk_members: roll out this many members at a time to bound memory (same result).
        progress: show a progress bar over slots (stderr), or a callable run after each slot.
        time_dim: name of the time dim.
        series_dim: a dim of independent series forecast side by side (default: the model's
            training series dim, or ``trajectory``, when the data has it).
        **options: options of the model's domain (its page in the docs lists them); a
            domain refuses options it does not take.

    Returns:
        A Dataset holding one variable named like the input (or the variables of a Dataset
        fit jointly), dims ``(init, [series_dim,] lead, member, *state_dims)``, with coords
        ``init`` (``forecast_reference_time``), ``lead`` (``forecast_period``: integer steps
        in ``days``/``weeks``/``months``/``years`` for daily to yearly dated series,
        ``timedelta64`` days for other datetime data, else ``k · Δt`` in model time),
        ``member`` (``realization``), ``slot`` (``k``, most data),
        ``valid_time(init, lead)`` (``time``), the state coords, and global attributes
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
    if model is None and checkpoint is None:
        checkpoint = default_model(data, var)
    fc = resolve_model(model, checkpoint)
    domain = domain_for_model(fc.data_info)
    if isinstance(init, str) and init in ALL_INITS:
        source = ForecastInput(data, "python", None, time_dim=time_dim)
        init = domain.forecast_inits(source, fc, [init], stride, horizon, days)
    elif stride is not None:
        raise ConfigError(f"stride={stride} goes with init='all' or 'all-context', not with "
                          "init times given one by one")
    request = ForecastRequest(
        init=init, days=days, horizon=horizon, var=var, time_dim=time_dim,
        series_dim=series_dim, options={k: v for k, v in options.items() if v is not None},
    )
    run = EnsembleSettings(
        members=members, seed=seed, nfe=nfe, gamma1=gamma1, gamma2=gamma2, endpoint=endpoint,
        device=device, chunk_members=chunk_members, progress=progress,
    )
    return domain.forecast(data, fc, request, run)


__all__ = ["forecast", "resolve_device", "resolve_model"]
