"""What a calendar-series model records (``data_info``) and how its forecasts are labelled.

``data_info`` is JSON (it goes into the checkpoint as is): the domain name, the encoding
(:meth:`idff_ts.data.encoding.SeriesEncoding.to_dict`, cadence included), the chosen
candidate (context, trend, seasonal, σ, phase input), the per-lead inflation factors, the
first training time (the origin of a linear trend's step index), the time dim, the state dims
with their coordinates and attributes, the variable names of a stacked Dataset, and the
autotune record (every trial, its validation CRPS and time, why the winner was chosen, the
training / validation windows skipped for gaps). :class:`CalendarModel` reads it back.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.data.encoding import SeriesEncoding
from idff_ts.data.pandas_input import VARIABLE_DIM, unstack_variables
from idff_ts.domains.calendar.inputs import stacked_variables

DOMAIN_NAME = "calendar-series"
VAR_ATTRS = ("units", "long_name", "standard_name", "description", "comment")


def _plain(value: Any) -> Any:
    """JSON-safe: arrays → lists, numpy scalars → Python, datetimes → ISO strings, inf → None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        arr = np.asarray(value)
        if arr.dtype.kind == "M":
            return [str(v) for v in arr.astype("datetime64[ns]")]
        return [_plain(v) for v in list(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def calendar_info(
    da: xr.DataArray, dim: str, times: np.ndarray, state_dims: tuple[str, ...], tuned: Any,
    n_train: int, n_val: int, budget_s: float,
) -> dict[str, Any]:
    """The model's ``data_info`` (module docstring)."""
    c = tuned.candidate
    fit = tuned.fit
    variables = stacked_variables(da)
    return {
        "domain": DOMAIN_NAME,
        "name": None if da.name is None else str(da.name),
        "attrs": _plain({k: da.attrs[k] for k in VAR_ATTRS if k in da.attrs}),
        "units": _plain(da.attrs.get("units")),
        "time_dim": dim, "time_kind": "datetime", "origin": str(times[0]),
        "cadence": tuned.encoding.cadence.describe(),
        "state_dims": list(state_dims),
        "state_shape": [int(da.sizes[d]) for d in state_dims],
        "state_coords": {d: _plain(np.asarray(da[d].values)) for d in state_dims if d in da.coords},
        "state_coord_attrs": {d: _plain(dict(da[d].attrs)) for d in state_dims if d in da.coords},
        "variables": variables, "series_dim": None, "task": None,
        "context": int(c.context), "horizon": int(tuned.horizon),
        "encoding": tuned.encoding.to_dict(),
        "candidate": asdict(c),
        "inflation": [float(f) for f in (np.ones(tuned.horizon) if tuned.inflation is None
                                         else tuned.inflation)],  # None: nothing to calibrate on
        "autotune": _plain({
            "reason": tuned.reason, "trials": tuned.trials, "budget_s": budget_s,
            "split": {"train": n_train, "val": n_val},
            "train_gaps": fit.train_gaps.describe("training"),
            "val_gaps": fit.val_gaps.describe("validation"),
        }),
    }


@dataclass(frozen=True)
class CalendarModel:
    """A calendar-series model's ``data_info``, read back."""

    info: dict[str, Any]

    @property
    def encoding(self) -> SeriesEncoding:
        return SeriesEncoding.from_dict(self.info["encoding"])

    @property
    def phase(self) -> bool:
        return bool(self.info["candidate"].get("phase", False))

    @property
    def inflation(self) -> np.ndarray:
        return np.asarray(self.info["inflation"], dtype=np.float64)

    @property
    def state_dims(self) -> tuple[str, ...]:
        return tuple(self.info["state_dims"])

    @property
    def state_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.info["state_shape"])

    def state_coords(self) -> dict[str, Any]:
        attrs = self.info.get("state_coord_attrs") or {}
        return {d: (d, np.asarray(v), dict(attrs.get(d) or {}))
                for d, v in (self.info.get("state_coords") or {}).items()}

    def labelled(self, ens: np.ndarray, coords: dict[str, Any], da: xr.DataArray) -> xr.Dataset:
        """``(I, K, M, P)`` physical values → the Dataset of one variable (or the stacked
        Dataset's variables, names, units and long names restored)."""
        ens = ens.reshape(ens.shape[:3] + self.state_shape).astype(np.float32)
        name = self.info.get("name") or (None if da.name is None else str(da.name)) or "forecast"
        out = xr.DataArray(ens, dims=("init", "lead", "member", *self.state_dims),
                           coords={**coords, **self.state_coords()}, name=str(name),
                           attrs=dict(self.info.get("attrs") or {}))
        if not self.info.get("variables"):
            return out.to_dataset()
        if VARIABLE_DIM in da.coords:
            out.coords[VARIABLE_DIM].attrs.update(da[VARIABLE_DIM].attrs)
        return unstack_variables(out)


__all__ = ["DOMAIN_NAME", "CalendarModel", "calendar_info"]
