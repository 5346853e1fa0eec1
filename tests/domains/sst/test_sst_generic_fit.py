"""``idff_ts.fit`` on SST-shaped data with the generic options (regression: the SST domain
passed ``val=``, ``series_dim=`` ... on to ``fit_sst``, which raised a TypeError)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import idff_ts
from idff_ts.errors import ConfigError

TINY_UNET = {"backbone": "unet", "hidden": 4, "channel_mult": [1], "num_res_blocks": 1,
             "emb_dim": 8}


def _tiles(n_days: int = 40) -> xr.DataArray:
    t = np.datetime64("2010-01-01", "ns") + np.arange(n_days) * np.timedelta64(1, "D")
    rng = np.random.default_rng(0)
    return xr.DataArray(rng.normal(size=(n_days, 2, 8, 8)).astype("float32"),
                        dims=("time", "box", "y", "x"), coords={"time": t}, name="sst")


def test_tiles_with_series_options_train_as_a_series_of_boxes() -> None:
    da = _tiles()
    fc = idff_ts.fit({"train": da.isel(time=slice(0, 30)), "val": da.isel(time=slice(30, None))},
                     context=1, horizon=2, series_dim="box", model=TINY_UNET,
                     train={"max_epochs": 1, "batch_size": 8, "val_inits": 2, "val_members": 2},
                     progress=False)
    assert fc.data_info["series_dim"] == "box"
    assert fc.data_info["state_dims"] == ["y", "x"]
    assert fc.cfg.horizon == 2


def test_oisst_grid_with_options_the_protocol_fixes_is_refused_in_one_line() -> None:
    t = np.datetime64("2010-01-01", "ns") + np.arange(5) * np.timedelta64(1, "D")
    grid = xr.DataArray(np.zeros((5, 4, 4), np.float32), dims=("time", "lat", "lon"),
                        coords={"time": t, "lat": np.arange(4.0), "lon": np.arange(4.0)},
                        name="sst")
    with pytest.raises(ConfigError, match=r"expected context left at the default, found "
                                          r"context=3") as err:
        idff_ts.fit(grid, context=3)
    assert "\n" not in str(err.value)
