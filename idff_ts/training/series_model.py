"""Your own series in a few lines: calendar, seasons, trend, gaps, land and pandas handled.

::

    from idff_ts.training.series_model import fit_series
    model = fit_series(weekly_pandas_series, horizon=8)       # knobs chosen on validation
    fc = model.forecast(weekly_pandas_series, init="all", stride=4, members=20)

:func:`fit_series` accepts a pandas Series / DataFrame with a ``DatetimeIndex``, a DataArray
with any common time-dim name, or a Dataset with several variables (fit jointly, names come
back). It infers the cadence (:mod:`idff_ts.data.calendar`), holds out the last 15 % for
validation, treats points missing at every time as a static mask and other NaN as gaps
(:mod:`idff_ts.data.gaps`), and chooses context, trend, seasonal handling and σ on validation
within ``budget_s`` (:mod:`idff_ts.training.autotune`) — a knob the user passes is kept.
:meth:`SeriesModel.forecast` returns a CF Dataset with ``init``, integer ``lead`` in the
cadence's unit, ``member`` and ``valid_time`` on the data's calendar; masked points are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.data.calendar import Cadence, infer_cadence, valid_times
from idff_ts.data.pandas_input import VARIABLE_DIM, as_input_dataarray, unstack_variables
from idff_ts.errors import ConfigError, DataError
from idff_ts.training.autotune import DEFAULT_BUDGET_S, TunedSeries, autotune

VAL_FRACTION = 0.15
DEFAULT_HORIZON = {"daily": 7, "weekly": 8, "monthly": 6, "yearly": 5}


@dataclass
class SeriesModel:
    """A tuned series model and the labels needed to write its forecasts."""

    tuned: TunedSeries
    cadence: Cadence
    time_dim: str
    state_dims: tuple[str, ...]
    state_coords: dict[str, Any]
    state_shape: tuple[int, ...]
    name: str
    attrs: dict[str, Any]
    stacked: bool

    def forecast(
        self, data: Any, *, init: Any = None, stride: int = 1, members: int = 20, seed: int = 0,
    ) -> xr.Dataset:
        """Ensemble forecast from ``init`` (``None``: the last time; ``"all"``: every time with
        a complete context, every ``stride``-th; or a list of times of the data)."""
        da, dim = as_input_dataarray(data, self.time_dim)
        x, times = _values(da, dim, self.state_dims)
        idx = self._inits(init, times, x, stride, dim)
        ens = self.tuned.forecast(x, times, idx, members=int(members), seed=int(seed))
        return self._to_dataset(ens, times, idx)

    def _inits(self, init: Any, times: np.ndarray, x: np.ndarray, stride: int, dim: str):
        ctx = self.tuned.candidate.context
        if int(stride) < 1:
            raise ConfigError(f"stride must be >= 1, got {stride}")
        if init is None:
            return np.array([times.size - 1])
        if isinstance(init, str) and init == "all":
            ok = np.isfinite(self.tuned.encoding.encode(x, times, np.arange(x.shape[0]))).all(1)
            cand = np.arange(ctx - 1, times.size, int(stride))
            return np.array([n for n in cand if ok[n - ctx + 1 : n + 1].all()], dtype=np.int64)
        wanted = np.atleast_1d(np.asarray(init, dtype=times.dtype))
        idx = np.searchsorted(times, wanted)
        bad = (idx >= times.size) | (times[np.minimum(idx, times.size - 1)] != wanted)
        if bad.any():
            raise DataError(f"init {wanted[bad][0]} is not a {dim!r} value of the data; pass "
                            "times of the data, init='all', or None for the last")
        return idx

    def _to_dataset(self, ens: np.ndarray, times: np.ndarray, idx: np.ndarray) -> xr.Dataset:
        k = ens.shape[1]
        ens = ens.reshape(ens.shape[:3] + self.state_shape)
        dims = ("init", "lead", "member", *self.state_dims)
        coords: dict[str, Any] = {
            "init": ("init", times[idx], self.cadence.init_attrs()),
            "lead": ("lead", self.cadence.lead_values(k), self.cadence.lead_attrs()),
            "member": ("member", np.arange(ens.shape[2]), {"standard_name": "realization"}),
            "valid_time": (("init", "lead"), valid_times(times, idx, k, self.cadence),
                           {"standard_name": "time", "long_name": "valid time"}),
            **self.state_coords,
        }
        da = xr.DataArray(ens.astype(np.float32), dims=dims, coords=coords, name=self.name,
                          attrs=self.attrs)
        out = unstack_variables(da) if self.stacked else da.to_dataset()
        c = self.tuned.candidate
        return out.assign_attrs(
            Conventions="CF-1.8", title=f"idff-ts ensemble forecast of {self.name}",
            source="idff-ts IDFF (series model, autotuned)", cadence=self.cadence.describe(),
            context_length=c.context, trend=c.trend, seasonal=int(c.seasonal), sigma=c.sigma,
            ensemble_size=int(ens.shape[2]), autotune=self.tuned.reason,
            encoding=self.tuned.encoding.describe(),
        )


def _values(da: xr.DataArray, dim: str, state_dims: tuple[str, ...] | None = None):
    """``(T, P)`` float64 values (state dims flattened) and the time values."""
    rest = tuple(d for d in da.dims if d != dim) if state_dims is None else state_dims
    if set(rest) != set(d for d in da.dims if d != dim):
        raise DataError(f"expected state dims {list(rest)} besides {dim!r}, found {list(da.dims)}")
    arr = np.asarray(da.transpose(dim, *rest).values, dtype=np.float64)
    return arr.reshape(arr.shape[0], -1), np.asarray(da[dim].values)


def fit_series(
    data: Any, *, horizon: int | None = None, time_dim: str | None = None,
    context: int | None = None, trend: str | None = None, seasonal: bool | None = None,
    sigma: float | None = None, budget_s: float = DEFAULT_BUDGET_S, seed: int = 0,
    echo: Any = print,
) -> SeriesModel:
    """Fit a series model (module docstring); knobs left ``None`` are chosen on validation."""
    da, dim = as_input_dataarray(data, time_dim or "time")
    if dim not in da.coords:
        raise DataError(f"the {dim!r} dim has no coordinate; give it times or steps "
                        f"(da.assign_coords({dim}=...)) or pass time_dim=")
    state_dims = tuple(str(d) for d in da.dims if d != dim)
    x, times = _values(da, dim, state_dims)
    cad = infer_cadence(times, dim, str(da[dim].attrs.get("units", "")))
    k = int(horizon or DEFAULT_HORIZON.get(cad.kind, 5))
    n_val = max(k + 1, round(VAL_FRACTION * x.shape[0]))
    n_train = x.shape[0] - n_val
    if n_train < 2 * k:
        raise DataError(f"series too short: {x.shape[0]} steps along {dim!r}, need at least "
                        f"{2 * k + n_val} for training and validation with horizon {k}")
    fixed = {k_: v for k_, v in (("context", context), ("trend", trend), ("seasonal", seasonal),
                                 ("sigma", sigma)) if v is not None}
    tuned = autotune(x, times, cad, n_train, n_val, k, seed=seed, budget_s=budget_s,
                     fixed=fixed, echo=echo)
    return SeriesModel(
        tuned=tuned, cadence=cad, time_dim=dim, state_dims=state_dims,
        state_coords={d: (d, np.asarray(da[d].values), dict(da[d].attrs))
                      for d in state_dims if d in da.coords},
        state_shape=tuple(int(da.sizes[d]) for d in state_dims),
        name=str(da.name or "forecast"), attrs=dict(da.attrs),
        stacked=VARIABLE_DIM in state_dims and "variables" in da.attrs,
    )


__all__ = ["SeriesModel", "fit_series"]
