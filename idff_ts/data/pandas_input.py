"""Inputs users have: pandas objects, unusual time-dim names and multi-variable Datasets.

- :func:`find_time_dim` finds the time dim of a DataArray / Dataset: the requested name, else a
  common one (``time``, ``date``, ``t``, ``datetime``, ``Time``, ...), else the only
  datetime64 dim; every error names ``time_dim=``.
- :func:`from_pandas` turns a ``pandas.Series`` (one variable) or ``DataFrame`` (one variable
  per column) indexed by a ``DatetimeIndex`` (or a numeric index) into a ``DataArray``
  ``(time,)`` or ``(time, variable)``.
- :func:`stack_variables` turns a ``Dataset`` with several variables of the same dims into one
  multivariate ``DataArray`` with a ``variable`` dim whose coordinate holds the names;
  :func:`unstack_variables` gives the Dataset back (names, units and long names round-trip).
- :func:`as_input_dataarray` applies whichever of these the input needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.errors import DataError

#: Names tried, in order, when the requested time dim is absent.
COMMON_TIME_NAMES = ("time", "date", "Date", "DATE", "t", "times", "dates", "datetime", "Time",
                     "TIME", "valid_time", "year", "YEAR", "month", "day", "step")
VARIABLE_DIM = "variable"


def find_time_dim(data: xr.DataArray | xr.Dataset, time_dim: str | None = "time") -> str:
    """The name of the time dim of ``data`` (module docstring)."""
    dims = [str(d) for d in data.dims]
    if time_dim is not None and time_dim in dims:
        return time_dim
    for name in COMMON_TIME_NAMES:
        if name in dims:
            return name
    dated = [d for d in dims if d in data.coords and np.issubdtype(data[d].dtype, np.datetime64)]
    if len(dated) == 1:
        return dated[0]
    raise DataError(
        f"no time dim found: expected {time_dim!r} or one of {list(COMMON_TIME_NAMES[:8])}, "
        f"found dims {dims}; pass time_dim= naming it (e.g. time_dim={dims[0]!r})"
    )


def from_pandas(obj: pd.Series | pd.DataFrame, time_dim: str = "time") -> xr.DataArray:
    """A ``DataArray`` ``(time,)`` from a Series, ``(time, variable)`` from a DataFrame.

    The index must be a ``DatetimeIndex`` (or ``PeriodIndex``, converted to timestamps) or
    numeric; a ``date``/``time`` column is used as the index when the index is a plain range.
    """
    if isinstance(obj, pd.DataFrame):
        obj = _index_from_column(obj)
    index = obj.index
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    if not (isinstance(index, pd.DatetimeIndex) or pd.api.types.is_numeric_dtype(index)):
        raise DataError(
            f"expected a pandas object indexed by dates (DatetimeIndex) or numbers, found an "
            f"index of dtype {index.dtype}; set one with obj.index = pd.to_datetime(...) "
            "(the time dim is then named by time_dim=)"
        )
    values = np.asarray(obj.to_numpy(), dtype=np.float64)
    if isinstance(obj, pd.Series):
        return xr.DataArray(values, dims=(time_dim,), coords={time_dim: np.asarray(index)},
                            name=None if obj.name is None else str(obj.name))
    names = [str(c) for c in obj.columns]
    da = xr.DataArray(values, dims=(time_dim, VARIABLE_DIM),
                      coords={time_dim: np.asarray(index), VARIABLE_DIM: names})
    return da.squeeze(VARIABLE_DIM, drop=False).rename(names[0]) if len(names) == 1 else da


def _index_from_column(df: pd.DataFrame) -> pd.DataFrame:
    if isinstance(df.index, pd.DatetimeIndex | pd.PeriodIndex) or not isinstance(df.index, pd.RangeIndex):
        return df
    for name in df.columns:
        if str(name) in COMMON_TIME_NAMES:
            return df.set_index(name)
    return df


def stack_variables(ds: xr.Dataset, dim: str = VARIABLE_DIM) -> xr.DataArray:
    """One ``DataArray`` with a ``dim`` of the Dataset's variables (all must share dims)."""
    names = [str(v) for v in ds.data_vars]
    if not names:
        raise DataError("expected a Dataset with at least one data variable, found none")
    dims = {tuple(ds[v].dims) for v in names}
    if len(dims) > 1:
        raise DataError(
            f"to fit several variables jointly they need the same dims; found "
            f"{ {v: list(ds[v].dims) for v in names} }; select one, e.g. ds[{names[0]!r}]"
        )
    da = xr.concat([ds[v].astype(np.float64) for v in names], dim=dim, coords="minimal")
    da = da.assign_coords({dim: names}).transpose(*list(dims.pop()), dim)
    da.attrs = {"variables": names}
    da.coords[dim].attrs["units_by_variable"] = [str(ds[v].attrs.get("units", "")) for v in names]
    da.coords[dim].attrs["long_names"] = [str(ds[v].attrs.get("long_name", "")) for v in names]
    da.name = "+".join(names)
    return da


def unstack_variables(da: xr.DataArray, dim: str = VARIABLE_DIM) -> xr.Dataset:
    """Inverse of :func:`stack_variables`: a Dataset named by the ``dim`` coordinate."""
    if dim not in da.dims:
        raise DataError(f"expected a {dim!r} dim to unstack, found dims {list(da.dims)}")
    names = [str(v) for v in da[dim].values]
    units = list(da[dim].attrs.get("units_by_variable", [""] * len(names)))
    longs = list(da[dim].attrs.get("long_names", [""] * len(names)))
    out = {}
    for i, name in enumerate(names):
        var = da.isel({dim: i}, drop=True)
        var.attrs = {k: v for k, v in (("units", units[i]), ("long_name", longs[i])) if v}
        out[name] = var
    return xr.Dataset(out)


def as_input_dataarray(data: Any, time_dim: str | None = "time") -> tuple[xr.DataArray, str]:
    """``(DataArray, time_dim)`` from a DataArray, Dataset (several variables stacked), pandas
    Series or DataFrame."""
    if isinstance(data, pd.Series | pd.DataFrame):
        data = from_pandas(data, time_dim or "time")
    if isinstance(data, xr.Dataset):
        dim = find_time_dim(data, time_dim)
        if len(data.data_vars) == 1:
            return data[next(iter(data.data_vars))], dim
        return stack_variables(data), dim
    if isinstance(data, xr.DataArray):
        return data, find_time_dim(data, time_dim)
    raise DataError(
        f"expected an xarray DataArray / Dataset or a pandas Series / DataFrame with a time "
        f"index, found {type(data).__name__}; wrap arrays with xr.DataArray(values, "
        "dims=('time', ...)) and pass time_dim= if it is named otherwise"
    )


__all__ = [
    "COMMON_TIME_NAMES",
    "VARIABLE_DIM",
    "as_input_dataarray",
    "find_time_dim",
    "from_pandas",
    "stack_variables",
    "unstack_variables",
]
