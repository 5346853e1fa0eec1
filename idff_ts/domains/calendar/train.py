"""``idff_ts.fit`` on a calendar series: the knobs chosen on validation, a saveable Forecaster.

The series (train steps, then validation steps: the last 15 %, at least ``K + 1``) is handed to
:func:`idff_ts.training.autotune.autotune`, which fits the encoding (trend, seasonal
climatology, static mask; :class:`idff_ts.data.encoding.SeriesEncoding`) and IDFF on the
anomalies for each candidate and keeps the one with the lowest validation CRPS, its spread
inflation calibrated on the same validation forecasts. Knobs the user passes (``context=``,
``trend=``, ``seasonal=``, ``phase=``, ``model={"sigma": ...}``) are fixed; ``tune=False`` trains the
default candidate only; ``tune_budget_s`` bounds the search. The result is a plain
:class:`~idff_ts.model.Forecaster` (normalisation identity: its states are the anomalies)
whose ``data_info`` holds the encoding, the candidate, the inflation factors, the cadence,
the labels and the search record (:func:`calendar_info`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np

from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig, to_dict
from idff_ts.domains.calendar.inputs import series_values, time_values, training_input
from idff_ts.domains.calendar.labels import calendar_info
from idff_ts.errors import ConfigError, DataError
from idff_ts.model import Forecaster

VAL_FRACTION = 0.15
DEFAULT_HORIZON = {"daily": 7, "weekly": 8, "monthly": 6, "yearly": 5}
DERIVED = ("state_shape", "context", "horizon")

log = logging.getLogger(__name__)


def _overrides(given: Any, cls: type, what: str) -> dict[str, Any]:
    """The fields a user set: a dict as given, a dataclass' fields that differ from defaults."""
    if given is None:
        return {}
    if isinstance(given, cls):
        defaults = {f.name: f.default for f in fields(cls)}
        return {k: v for k, v in to_dict(given).items() if v != defaults.get(k)}
    if not hasattr(given, "items"):
        raise ConfigError(f"{what} must be a dict of {cls.__name__} fields, found "
                          f"{type(given).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(given) - names)
    if unknown:
        raise ConfigError(f"unknown {what} field(s) {unknown}; expected some of {sorted(names)}")
    return dict(given)


def _mask(mask: Any, da: Any, state_dims: tuple[str, ...]) -> np.ndarray:
    """``(P,)`` bool of the user's static mask (1 = valid) over the state dims."""
    if hasattr(mask, "dims"):
        mask = mask.transpose(*[d for d in state_dims if d in mask.dims]).values
    shape = tuple(int(da.sizes[d]) for d in state_dims)
    try:
        return np.broadcast_to(np.asarray(mask).astype(bool), shape).reshape(-1)
    except ValueError:
        raise DataError(f"mask of shape {np.shape(mask)} does not fit the state "
                        f"{dict(zip(state_dims, shape, strict=True))}") from None


def _split(n: int, n_val: int | None, horizon: int, dim: str) -> tuple[int, int]:
    n_val = n_val if n_val is not None else max(horizon + 1, round(VAL_FRACTION * n))
    n_train = n - n_val
    if n_val < horizon + 1 or n_train < 2 * horizon:
        raise DataError(
            f"series too short: {n} steps along {dim!r} ({n_val} for validation), need at "
            f"least {2 * horizon + max(n_val, horizon + 1)} for training and validation with "
            f"horizon {horizon}; use a longer series, a shorter horizon or pass time_dim="
        )
    return n_train, n_val


def _settings(model: Any, train: Any, sampler: SamplerConfig | None, hardware: dict) -> tuple:
    from idff_ts.training.series_fit import FitSettings

    m = _overrides(model, ModelConfig, "model")
    bad = sorted(k for k in DERIVED if k in m and not isinstance(model, ModelConfig))
    if bad:
        raise ConfigError(f"model{bad} is set from the data and the fit arguments; pass "
                          "context= / horizon= to fit instead")
    m = {k: v for k, v in m.items() if k not in DERIVED}
    t = _overrides(train, TrainConfig, "train")
    seed = int(t.pop("seed", 0))
    accel = hardware["accelerator"]
    settings = FitSettings(
        model={k: v for k, v in m.items() if k != "sigma"}, train=t, sampler=sampler,
        accelerator="cpu" if accel == "auto" else accel,
        devices=1 if hardware["devices"] == "auto" else hardware["devices"],
        strategy=hardware["strategy"], num_nodes=hardware["num_nodes"],
    )
    return settings, m.get("sigma"), seed


def fit_calendar(
    data: Any, *, val: Any = None, context: int | None = None, horizon: int | None = None,
    model: Any = None, train: Any = None, sampler: SamplerConfig | None = None,
    time_dim: str = "time", mask: Any = None, out_dir: str | Path | None = None,
    progress: bool = True, tune: bool | None = None, tune_budget_s: float | None = None,
    trend: str | None = None, seasonal: bool | None = None, phase: bool | None = None,
    **hardware: Any,
) -> Forecaster:
    """Train a calendar-series model (module docstring)."""
    from idff_ts.training.autotune import DEFAULT_BUDGET_S, autotune

    da, dim, n_val = training_input(data, val, time_dim)
    times, cadence = time_values(da, dim)
    state_dims = tuple(str(d) for d in da.dims if d != dim)
    x = series_values(da, dim, state_dims)
    if mask is not None:
        x[:, ~_mask(mask, da, state_dims)] = np.nan
    k = int(horizon or DEFAULT_HORIZON[cadence.kind])
    if context is not None and x.shape[0] < int(context) + k:
        raise DataError(f"series too short: a context of {context} and a horizon of {k} need "
                        f"at least {int(context) + k} steps along {dim!r}, found {x.shape[0]}")
    n_train, n_val = _split(x.shape[0], n_val, k, dim)
    settings, sigma, seed = _settings(model, train, sampler, hardware)
    fixed = {name: v for name, v in (("context", context), ("trend", trend),
                                     ("seasonal", seasonal), ("sigma", sigma),
                                     ("phase", phase)) if v is not None}
    if context is not None and n_train < int(context) + k:
        raise DataError(f"series too short: a context of {context} and a horizon of {k} need "
                        f"{int(context) + k} training steps along {dim!r}, found {n_train}")
    budget = 0.0 if tune is False else float(DEFAULT_BUDGET_S if tune_budget_s is None
                                             else tune_budget_s)
    tuned = autotune(x, times, cadence, n_train, n_val, k, seed=seed, budget_s=budget,
                     fixed=fixed, echo=None, settings=settings)
    if budget <= 0:
        tuned.reason = ("no search (tune=False or a zero budget): the default candidate with "
                        f"the knobs given; validation CRPS {tuned.trials[0]['val_crps']:.4f}")
    fc = tuned.fit.forecaster
    fc.data_info = calendar_info(da, dim, times, state_dims, tuned, n_train, n_val, budget)
    if progress:
        log.info("%s", tuned.summary())
    if out_dir is not None:
        _save(fc, tuned, out_dir, n_train, n_val)
    return fc


def _save(fc: Forecaster, tuned: Any, out_dir: str | Path, n_train: int, n_val: int) -> None:
    from idff_ts.training.checkpoint import save_checkpoint
    from idff_ts.training.trainer import provenance

    fit = tuned.fit
    extra = {"train": to_dict(fit.train_config), "split": {"train": n_train, "val": n_val},
             "best_val_crps": fit.best_val_crps, "autotune_choice": asdict(tuned.candidate),
             "epochs": fit.epochs, "global_step": fit.steps,
             "versions": provenance()}
    save_checkpoint(Path(out_dir) / "model.pt", fc, extra=extra)


__all__ = ["DEFAULT_HORIZON", "VAL_FRACTION", "fit_calendar"]
