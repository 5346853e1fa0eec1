"""Data and settings shared by the calendar-series tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

#: A tiny network and training budget (tests check plumbing, not skill).
TINY = {"model": {"hidden": 16, "depth": 1, "emb_dim": 8},
        "train": {"max_epochs": 1, "limit_train_batches": 2, "val_inits": 4, "val_members": 2,
                  "val_nfe": 1}}


def monthly_field(n: int = 72, land: bool = True) -> xr.DataArray:
    """Mid-month stamps, a seasonal cycle in kelvin on a 2 × 3 grid; one land point (NaN)."""
    t = pd.date_range("2000-01-01", periods=n, freq="MS") + pd.Timedelta(days=15)
    rng = np.random.default_rng(1)
    cycle = 3 * np.cos(2 * np.pi * np.arange(n) / 12)[:, None, None]
    sst = 280 + cycle + rng.normal(size=(n, 2, 3))
    if land:
        sst[:, 0, 1] = np.nan
    return xr.DataArray(sst, dims=("time", "latitude", "longitude"),
                        coords={"time": t.values, "latitude": [10.0, 11.0],
                                "longitude": [1.0, 2.0, 3.0]},
                        name="sst", attrs={"units": "K", "long_name": "sea temperature"})


def weekly_with_gaps(n: int = 160) -> pd.Series:
    rng = np.random.default_rng(0)
    idx = pd.date_range("1990-01-06", periods=n, freq="W-SAT")
    s = pd.Series(np.sin(np.arange(n) / 8.3) + 0.1 * rng.normal(size=n), index=idx, name="co2")
    s.iloc[[30, 31, 100]] = np.nan
    return s
