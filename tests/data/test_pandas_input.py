"""pandas inputs, time-dim discovery and multi-variable Datasets (idff_ts.data.pandas_input)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.data.pandas_input import (
    as_input_dataarray,
    find_time_dim,
    from_pandas,
    stack_variables,
    unstack_variables,
)
from idff_ts.errors import DataError


def test_series_with_datetime_index_becomes_a_time_dataarray():
    idx = pd.date_range("2020-01-04", periods=6, freq="W-SAT")
    s = pd.Series([1.0, 2.0, np.nan, 4.0, 5.0, 6.0], index=idx, name="co2")
    da, dim = as_input_dataarray(s)
    assert dim == "time" and da.dims == ("time",) and da.name == "co2"
    np.testing.assert_array_equal(da["time"].values, idx.values)
    np.testing.assert_array_equal(da.values, s.to_numpy())


def test_dataframe_gives_a_variable_dim_and_a_date_column_is_used():
    df = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=4, freq="MS"),
                       "a": [1.0, 2, 3, 4], "b": [5.0, 6, 7, 8]})
    da = from_pandas(df)
    assert da.dims == ("time", "variable")
    assert list(da["variable"].values) == ["a", "b"]
    np.testing.assert_array_equal(da.sel(variable="b").values, [5, 6, 7, 8])
    period = pd.Series([1.0, 2.0], index=pd.period_range("2000-01", periods=2, freq="M"))
    assert np.issubdtype(from_pandas(period)["time"].dtype, np.datetime64)


def test_bad_pandas_index_is_refused_with_time_dim_hint():
    with pytest.raises(DataError, match="DatetimeIndex.*time_dim="):
        from_pandas(pd.Series([1.0, 2.0], index=["x", "y"]))
    with pytest.raises(DataError, match="found list"):
        as_input_dataarray([1, 2, 3])


def test_common_time_dim_names_are_found_and_errors_name_time_dim():
    da = xr.DataArray(np.zeros(3), dims=("date",))
    assert find_time_dim(da) == "date"
    dated = xr.DataArray(np.zeros(3), dims=("obs",),
                         coords={"obs": pd.date_range("2000", periods=3).values})
    assert find_time_dim(dated) == "obs"
    with pytest.raises(DataError, match="time_dim="):
        find_time_dim(xr.DataArray(np.zeros((2, 2)), dims=("a", "b")))


def test_dataset_variables_are_stacked_and_round_trip():
    t = pd.date_range("2000-01-01", periods=5).values
    ds = xr.Dataset({
        "sst": ("time", np.arange(5.0), {"units": "degC", "long_name": "sea temp"}),
        "wind": ("time", np.arange(5.0) * 2, {"units": "m s-1"}),
        "pres": ("time", np.arange(5.0) * 3),
    }, coords={"time": t})
    da, dim = as_input_dataarray(ds)
    assert dim == "time" and da.dims == ("time", "variable") and da.sizes["variable"] == 3
    back = unstack_variables(da)
    assert list(back.data_vars) == ["sst", "wind", "pres"]
    xr.testing.assert_equal(back["wind"].drop_vars("time"), ds["wind"].drop_vars("time"))
    assert back["sst"].attrs == {"units": "degC", "long_name": "sea temp"}
    bad = ds.assign(other=("x", np.zeros(2)))
    with pytest.raises(DataError, match="same dims"):
        stack_variables(bad)
