"""``idff_ts.fit``: train on any kind of data; the domain that accepts the data does it.

Generic: the registry (:mod:`idff_ts.domains`) picks the domain from the data; the domain
encodes its values and runs the generic trainer (:func:`idff_ts.training.fit.fit`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains import domain_for_data
from idff_ts.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import xarray as xr

    from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig
    from idff_ts.model import Forecaster


def fit(
    data: xr.DataArray | Mapping[str, xr.DataArray],
    *,
    val: xr.DataArray | None = None,
    context: int | None = None,
    horizon: int | None = None,
    model: ModelConfig | Mapping[str, Any] | None = None,
    train: TrainConfig | Mapping[str, Any] | None = None,
    sampler: SamplerConfig | None = None,
    time_dim: str = "time",
    series_dim: str | None = None,
    mask: np.ndarray | xr.DataArray | None = None,
    accelerator: str = "auto",
    devices: int | str | Sequence[int] = "auto",
    strategy: str | Any = "auto",
    num_nodes: int = 1,
    out_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
    progress: bool = True,
    callbacks: Sequence[Any] | None = None,
    method: str = "idff",
    tune: bool | None = None,
    tune_budget_s: float | None = None,
    trend: str | None = None,
    seasonal: bool | None = None,
    **options: Any,
) -> Forecaster:
    """Train a forecaster on ``data`` and return the best one by validation CRPS.

    The domain that accepts ``data`` (:func:`idff_ts.domains.domain_for_data`) trains it: it
    turns physical values into model values where its kind of data needs it and calls the generic trainer
    :func:`idff_ts.training.fit.fit`; forecasts of the model come back in physical units.

    Args:
        data: a DataArray with a ``time_dim`` (scalar series, vector per step, or field), or a
            dict ``{"train": da, "val": da}``.
        val: validation data; ``None`` holds out the last ~15 % of trajectories (series dim
            present) or of time steps — never used for training.
        context, horizon: ``L`` past states seen, ``K`` future slots trained and validated;
            ``None``: the domain's choice (1 and 7 for most data; for calendar series the
            context is chosen on validation and the horizon follows the cadence).
        model: a full :class:`ModelConfig`, or a dict of fields overriding the data-derived
            defaults (``state_shape``, ``context``, ``horizon`` always come from the data).
        train: :class:`TrainConfig` (or dict of its fields); ``seed`` seeds everything.
        sampler: sampler defaults stored with the model (validation uses ``train.val_nfe``).
        time_dim, series_dim: see :func:`idff_ts.data.series.as_series_array`.
        mask: static mask (1 = valid) broadcastable to the state; masked points never count.
        accelerator, devices, strategy, num_nodes: passed to ``lightning.Trainer``.
        out_dir: where ``model.pt`` (+ ``.sha256``), ``last.ckpt``, the best Lightning
            checkpoint and CSV logs (``logs/``) go. ``None``: nothing is kept.
        resume_from: a Lightning checkpoint (``out_dir/last.ckpt``) to continue from; epochs,
            step counter, optimiser, EMA and early-stopping state are restored.
        progress: Lightning's progress bar (rich) and summaries on a TTY; quiet otherwise.
        callbacks: extra Lightning callbacks.
        method: a registered method name (:data:`idff_ts.methods.METHODS`).
        tune, tune_budget_s, trend, seasonal: options of domains that choose their settings on
            validation (calendar series: ``tune=False`` trains the default candidate, no
            search; ``tune_budget_s`` bounds the search; ``trend`` ∈ {"none", "diff",
            "linear"} and ``seasonal`` fix those knobs). ``None``: the domain's default; a
            domain that does not take one refuses it when given.
        **options: further options of the data's domain (calendar series: ``phase=`` fixes the
            phase-of-year input); refused by a domain that does not take them.

    Returns:
        A :class:`Forecaster` with the EMA weights of the best checkpoint, the training
        normalisation and ``data_info``.

    Also accepted: a pandas Series / DataFrame with a ``DatetimeIndex``, a Dataset of several
    variables (fit jointly as one vector along a ``variable`` dim; with dates, forecasting the
    Dataset gives its variables back; otherwise forecast the stacked DataArray,
    :func:`idff_ts.data.pandas_input.stack_variables`, and unstack the result with
    :func:`~idff_ts.data.pandas_input.unstack_variables`), and a time dim called ``date``,
    ``t``, ... when ``time_dim`` is absent (:func:`~idff_ts.data.pandas_input.find_time_dim`).
    Dated series (daily, weekly, monthly, yearly dates) choose their settings on validation
    and log the choice (logger ``idff_ts``, INFO) unless ``progress=False``: see the Python API
    page of the docs.
    """
    data, time_dim = _user_input(data, time_dim)
    if val is not None:
        val, _ = _user_input(val, time_dim)
    first = data.get("train") if isinstance(data, Mapping) else data
    domain = domain_for_data(first)
    extra = {k: v for k, v in (("tune", tune), ("tune_budget_s", tune_budget_s),
                               ("trend", trend), ("seasonal", seasonal), *options.items())
             if v is not None}
    refused = sorted(set(extra) - set(domain.fit_options()))
    if refused:
        raise ConfigError(f"{', '.join(f'{k}=' for k in refused)} does not apply to this data "
                          f"({domain.name!r} models; it takes {list(domain.fit_options())})")
    given = {"context": context, "horizon": horizon}
    window = {k: domain.fit_defaults().get(k) if v is None else v for k, v in given.items()}
    return domain.fit(
        data, val=val, **window, model=model, train=train,
        sampler=sampler, time_dim=time_dim, series_dim=series_dim, mask=mask,
        accelerator=accelerator, devices=devices, strategy=strategy, num_nodes=num_nodes,
        out_dir=out_dir, resume_from=resume_from, progress=progress, callbacks=callbacks,
        method=method, **extra,
    )


def _user_input(data: Any, time_dim: str) -> tuple[Any, str]:
    """Inputs users have (issue 14): a pandas Series / DataFrame, a Dataset of several variables
    (stacked along ``variable``, :func:`idff_ts.data.pandas_input.stack_variables`), a time dim
    with another common name. Anything else passes unchanged."""
    import pandas as pd
    import xarray as xr

    from idff_ts.data.pandas_input import as_input_dataarray

    if isinstance(data, xr.Dataset) and len(data.data_vars) == 1:
        return data, time_dim
    if isinstance(data, pd.Series | pd.DataFrame | xr.Dataset) or (
        isinstance(data, xr.DataArray) and time_dim not in data.dims
    ):
        return as_input_dataarray(data, time_dim)
    if isinstance(data, Mapping):
        out = {}
        for key, value in data.items():
            out[key], found = (None, time_dim) if value is None else _user_input(value, time_dim)
        return out, found
    return data, time_dim


__all__ = ["fit"]
