"""The .idff accessor: thin delegates with the public functions' signatures, dims in its repr."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

import idff_ts
from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import DataError
from idff_ts.model import Forecaster, build_method


def _model() -> Forecaster:
    torch.manual_seed(0)
    cfg = ModelConfig(state_shape=(2,), context=2, horizon=4, hidden=16, depth=1, emb_dim=8)
    return Forecaster(
        build_method("idff", cfg), mean=np.zeros(2, np.float32), std=np.ones(2, np.float32),
        sampler=SamplerConfig(nfe=3),
        data_info={"name": "x", "time_kind": "datetime", "time_step": 1.0, "state_dims": ["c"]},
    )


def _da() -> xr.DataArray:
    rng = np.random.default_rng(0)
    return xr.DataArray(
        rng.standard_normal((30, 2)), dims=("time", "c"),
        coords={"time": pd.date_range("2020-01-01", periods=30), "c": ["a", "b"]}, name="x",
    )


def test_forecast_delegate_equals_function_and_is_bitwise_reproducible():
    m, da = _model(), _da()
    a = da.idff.forecast(model=m, horizon=4, members=5, seed=0, device="cpu")
    b = idff_ts.forecast(da, m, horizon=4, members=5, seed=0, device="cpu")
    c = da.idff.forecast(model=m, horizon=4, members=5, seed=0, device="cpu")
    xr.testing.assert_identical(a["x"], b["x"])
    assert np.array_equal(a["x"].values, c["x"].values)
    assert a["x"].values.tobytes() == c["x"].values.tobytes()


def test_dataset_accessor_with_var():
    m, da = _model(), _da()
    ds = xr.Dataset({"x": da, "y": da * 2})
    a = ds.idff.forecast(model=m, var="x", horizon=2, members=3, device="cpu")
    b = idff_ts.forecast(da, m, horizon=2, members=3, device="cpu")
    assert np.array_equal(a["x"].values, b["x"].values)


def test_same_signature_and_docs_as_the_functions():
    acc = _da().idff
    fsig = inspect.signature(idff_ts.forecast)
    msig = inspect.signature(acc.forecast)
    assert list(msig.parameters) == list(fsig.parameters)[1:]
    assert acc.forecast.__doc__ == idff_ts.forecast.__doc__
    assert acc.evaluate.__doc__ == idff_ts.evaluate.__doc__
    assert "fit" in acc.fit.__doc__


def test_evaluate_delegate():
    m, da = _model(), _da()
    fc = idff_ts.forecast(da, m, init=["2020-01-10", "2020-01-20"], horizon=3, members=4,
                          device="cpu")
    xr.testing.assert_identical(fc.idff.evaluate(da), idff_ts.evaluate(fc, da))


def test_repr_shows_detected_dims():
    da = _da().expand_dims(trajectory=[0, 1]).transpose("trajectory", "time", "c")
    text = repr(da.idff)
    assert "time dim:   time (30 steps)" in text
    assert "series dim: trajectory" in text and "state dims: ['c']" in text
    fc = idff_ts.forecast(_da(), _model(), horizon=2, members=2, device="cpu")
    assert "ensemble forecast" in repr(fc.idff)
    assert "variables ['x']" in repr(fc.idff)


def test_missing_time_repr_and_error_list_dims_cf_names_and_fix():
    da = _da().rename(time="t")
    da["t"].attrs["standard_name"] = "time"
    assert "NOT FOUND (rename 't' to 'time')" in repr(da.idff)
    with pytest.raises(DataError) as err:
        da.idff.require_time()
    msg = str(err.value)
    assert "t (30), c (2)" in msg and "standard_name=time" in msg and "rename" in msg
    with pytest.raises(DataError, match="expected a 'time' dimension"):
        da.idff.forecast(model=_model(), device="cpu")
