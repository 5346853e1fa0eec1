"""What the calendar-series domain accepts, and its inputs as plain arrays.

Accepted (:func:`is_calendar_series`): one series (a scalar, a vector per step or a field such
as ``latitude × longitude``) whose time dim — ``time`` or a common name (``date``, ``t``, ...),
else the only datetime64 dim — holds datetime64 stamps, and no dim of independent series
(``trajectory``). Its steps are daily, weekly, calendar-monthly or calendar-yearly
(:func:`idff_ts.data.calendar.infer_cadence`), or irregular: those are accepted so that the
error says how to regularise them and names ``time_dim=``. Other constant steps (hourly, ...),
numeric time and series with a ``trajectory`` dim go to the generic series domain. pandas
Series / DataFrames and Datasets of several variables arrive as DataArrays
(:func:`idff_ts.data.pandas_input.as_input_dataarray`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.data.calendar import Cadence, infer_cadence
from idff_ts.data.pandas_input import VARIABLE_DIM, as_input_dataarray
from idff_ts.errors import DataError, IdffError

CADENCES = ("daily", "weekly", "monthly", "yearly")
SERIES_DIMS = ("trajectory",)
FLOAT32_MAX = float(np.finfo(np.float32).max)


def is_calendar_series(data: Any) -> bool:
    """Whether ``data`` (or its ``train`` split) is a calendar series (module docstring)."""
    first = data.get("train") if isinstance(data, Mapping) else data
    try:
        da, dim = as_input_dataarray(first, "time")
    except IdffError:
        return False
    if any(d in da.dims for d in SERIES_DIMS) or dim not in da.coords:
        return False
    times = np.asarray(da[dim].values)
    if times.dtype.kind != "M":
        return False
    try:
        return infer_cadence(times, dim).kind in CADENCES
    except DataError:  # irregular or unsorted: accepted, so that fit explains the fix
        return True


def series_values(da: xr.DataArray, dim: str, state_dims: tuple[str, ...]) -> np.ndarray:
    """``(T, P)`` float64 values (state dims flattened in ``state_dims`` order), checked:
    a real numeric dtype, no inf, nothing beyond the float32 range (NaN = missing)."""
    if set(state_dims) != {str(d) for d in da.dims if d != dim}:
        raise DataError(f"expected dims {[dim, *state_dims]}, found {list(map(str, da.dims))}; "
                        "use data laid out like the training data")
    if da.dtype.kind not in "iuf":
        raise DataError(f"expected a real numeric dtype (int or float), found {da.dtype} in "
                        f"{da.name!r}; convert it, e.g. da.astype('float32')")
    from idff_ts.io import load_values

    x = np.asarray(load_values(da.transpose(dim, *state_dims)), dtype=np.float64)
    x = x.reshape(x.shape[0], -1)
    if np.isinf(x).any():
        raise DataError(f"{da.name!r} holds {int(np.isinf(x).sum())} inf values; expected "
                        "finite values or NaN for missing ones")
    if np.nanmax(np.abs(x), initial=0.0) > FLOAT32_MAX:
        raise DataError(f"{da.name!r} holds values beyond the float32 range (|x| > 3.4e38); "
                        "rescale them (e.g. other units)")
    return x


def time_values(da: xr.DataArray, dim: str) -> tuple[np.ndarray, Cadence]:
    """The datetime64 stamps of ``dim`` and their cadence (errors name ``time_dim=``)."""
    if dim not in da.coords:
        raise DataError(f"the {dim!r} dim has no coordinate; give it dates "
                        f"(da.assign_coords({dim}=...)) or pass time_dim=")
    times = np.asarray(da[dim].values)
    cadence = infer_cadence(times, dim, str(da[dim].attrs.get("units", "")))
    if cadence.kind not in CADENCES:
        raise DataError(f"the {dim!r} axis has a {cadence.describe()}, expected daily, weekly, "
                        "monthly or yearly steps; resample it or pass time_dim=")
    return times.astype("datetime64[ns]"), cadence


def training_input(
    data: Any, val: Any, time_dim: str
) -> tuple[xr.DataArray, str, int | None]:
    """One DataArray of the training steps followed by the validation steps (a ``val`` split,
    given or in ``data["val"]``, must continue the training axis), its time dim, and the
    number of validation steps (``None``: hold out the default share)."""
    if isinstance(data, Mapping):
        if "train" not in data:
            raise DataError(f"a dict of splits needs a 'train' entry, found {sorted(data)}")
        val = val if val is not None else data.get("val")
        data = data["train"]
    da, dim = as_input_dataarray(data, time_dim)
    if val is None:
        return da, dim, None
    vda, _ = as_input_dataarray(val, dim)
    both = xr.concat([da, vda.transpose(*da.dims)], dim=dim, coords="minimal",
                     combine_attrs="override")
    return both, dim, int(vda.sizes[dim])


def stacked_variables(da: xr.DataArray) -> list[str] | None:
    """The variable names of a Dataset stacked along ``variable`` (round-trip), else None."""
    if VARIABLE_DIM in da.dims and "variables" in da.attrs:
        return [str(v) for v in da[VARIABLE_DIM].values]
    return None


__all__ = ["CADENCES", "is_calendar_series", "series_values", "stacked_variables",
           "time_values", "training_input"]
