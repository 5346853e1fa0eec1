"""``endpoint=`` / ``--endpoint``: choosing IDFF's bridge step when forecasting.

An untrained model with a variance head (``posterior="gaussian"``) is enough: at NFE 1 the
bridge state at ``t = 0`` is the source state itself, so the mean step gives the same first
lead to every member (spread exactly 0), while the Gaussian step draws its endpoint from
``N(x̂1, diag v̂)`` with the untrained head's ``v̂ = exp(0) = 1`` (standardised units): members
differ. The step used is recorded in the output's ``sampler_endpoint``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.config import ModelConfig, SamplerConfig
from idff_ts.errors import ConfigError
from idff_ts.forecast import forecast
from idff_ts.hindcast import hindcast
from idff_ts.model import Forecaster, build_method
from idff_ts.training.checkpoint import save_checkpoint


def gaussian_model() -> Forecaster:
    torch.manual_seed(0)
    cfg = ModelConfig(state_shape=(2,), context=1, horizon=3, hidden=16, depth=1, emb_dim=8,
                      posterior="gaussian")
    return Forecaster(
        build_method("idff", cfg), mean=np.zeros(2, np.float32), std=np.ones(2, np.float32),
        sampler=SamplerConfig(nfe=1),
        data_info={"name": "x", "state_dims": ["component"], "time_kind": "datetime",
                   "time_step": 1.0, "time_step_units": "D", "series_dim": None, "task": None},
    )


def data(n=30) -> xr.DataArray:
    rng = np.random.default_rng(0)
    return xr.DataArray(rng.standard_normal((n, 2)), dims=("time", "component"),
                        coords={"time": pd.date_range("2020-01-01", periods=n),
                                "component": ["a", "b"]}, name="x")


def lead1_spread(ds: xr.Dataset) -> float:
    return float(ds["x"].isel(lead=0).std("member").max())


def test_mean_step_has_no_spread_at_nfe1_and_the_gaussian_step_has():
    m, da = gaussian_model(), data()
    default = forecast(da, m, members=6, init=["2020-01-10"], device="cpu")
    gauss = forecast(da, m, members=6, init=["2020-01-10"], device="cpu", endpoint="gaussian")
    mean = forecast(da, m, members=6, init=["2020-01-10"], device="cpu", endpoint="mean")
    assert default.attrs["sampler_endpoint"] == "auto"  # the model's setting: the mean step
    assert lead1_spread(default) == 0.0 and lead1_spread(mean) == 0.0
    assert gauss.attrs["sampler_endpoint"] == "gaussian" and lead1_spread(gauss) > 0.1
    assert gauss.attrs["network_calls"] == mean.attrs["network_calls"]  # no extra call
    np.testing.assert_array_equal(mean["x"].values, default["x"].values)


def test_a_step_the_model_has_no_head_for_is_refused():
    with pytest.raises(ConfigError, match="posterior='distributional'"):
        forecast(data(), gaussian_model(), members=2, device="cpu", endpoint="distributional")
    with pytest.raises(ConfigError, match="endpoint must be one of"):
        forecast(data(), gaussian_model(), members=2, device="cpu", endpoint="posterior")


def test_cli_endpoint_reaches_plain_and_streamed_forecasts(tmp_path):
    ckpt, src = tmp_path / "m.pt", tmp_path / "obs.nc"
    save_checkpoint(ckpt, gaussian_model())
    data().to_dataset().to_netcdf(src)
    common = ["forecast", "-c", ckpt, "--data", src, "--var", "x", "--members", "4", "--quiet",
              "--endpoint", "gaussian"]
    for extra, out in (([], tmp_path / "a.nc"), (["--init", "all", "--stride", "9",
                                                   "--block-inits", "2"], tmp_path / "b.nc")):
        r = CliRunner().invoke(app, [str(a) for a in [*common, *extra, "-o", out]])
        assert r.exit_code == 0, r.output
        with xr.open_dataset(out) as ds:
            assert ds.attrs["sampler_endpoint"] == "gaussian" and lead1_spread(ds) > 0.1
    bad = CliRunner().invoke(app, [str(a) for a in [*common[:-1], "median", "-o",
                                                    tmp_path / "c.nc"]])
    assert bad.exit_code == 2 and not (tmp_path / "c.nc").exists()


def test_hindcast_passes_the_endpoint_to_every_block(tmp_path):
    da = data()
    out = hindcast(da, gaussian_model(), tmp_path / "h.nc", init=list(da["time"].values[:5]),
                   block_inits=2, members=3, device="cpu", endpoint="gaussian")
    with xr.open_dataset(out) as ds:
        assert ds.sizes["init"] == 5 and ds.attrs["sampler_endpoint"] == "gaussian"
        assert float(ds["x"].isel(lead=0).std("member").min()) > 0.0
