"""idff_ts.fit takes the inputs users have (issue 14 item 6): pandas, multi-variable Datasets,
other time-dim names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import idff_ts
from idff_ts.data.pandas_input import stack_variables, unstack_variables
from idff_ts.errors import DataError

TINY = {"max_epochs": 1, "batch_size": 32, "val_inits": 4, "val_members": 2,
        "limit_train_batches": 2}


def _series(n: int = 120) -> pd.Series:
    idx = pd.date_range("2000-01-01", periods=n, freq="D")
    return pd.Series(np.sin(np.arange(n) / 5.0), index=idx, name="level")


def test_fit_accepts_a_pandas_series_and_a_date_dim():
    fc = idff_ts.fit(_series(), horizon=2, train=TINY, progress=False, tune=False)
    assert fc.cfg.state_shape == (1,) and fc.data_info["name"] == "level"
    assert fc.data_info["domain"] == "calendar-series"  # a dated series: the calendar path
    da = xr.DataArray(_series().to_numpy(), dims=("date",),
                      coords={"date": _series().index.values})
    model = idff_ts.fit(da, horizon=2, train=TINY, progress=False, tune=False)
    assert model.cfg.state_shape == (1,) and model.data_info["time_dim"] == "date"


def test_fit_on_a_dataset_of_three_variables_is_one_multivariate_model():
    s = _series()
    ds = xr.Dataset({k: ("time", s.to_numpy() * f) for k, f in (("a", 1), ("b", 2), ("c", 3))},
                    coords={"time": s.index.values})
    model = idff_ts.fit(ds, horizon=2, train=TINY, progress=False, tune=False)
    assert model.cfg.state_shape == (3,)
    assert model.data_info["state_coords"]["variable"] == ["a", "b", "c"]
    fc = idff_ts.forecast(ds, model, horizon=2, members=2)  # the names come back
    assert list(fc.data_vars) == ["a", "b", "c"]
    stacked = idff_ts.forecast(stack_variables(ds), model, horizon=2, members=2)
    assert list(stacked.data_vars) == ["a", "b", "c"]
    generic = idff_ts.fit(stack_variables(ds).rename(time="step").assign_coords(
        step=np.arange(ds.sizes["time"], dtype=float)), time_dim="step", horizon=2, train=TINY,
        progress=False)  # numeric time: the generic path, the stacked DataArray unstacks
    out = idff_ts.forecast(stack_variables(ds).rename(time="step").assign_coords(
        step=np.arange(ds.sizes["time"], dtype=float)), generic, time_dim="step", members=2)
    back = unstack_variables(out[next(iter(out.data_vars))])
    assert list(back.data_vars) == ["a", "b", "c"]


def test_no_time_dim_error_names_time_dim():
    with pytest.raises(DataError, match="time_dim="):
        idff_ts.fit(xr.DataArray(np.zeros((5, 2)), dims=("a", "b")), train=TINY)
