"""Masked means and the per-lead summary."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.metrics.reduce import add_lead_means, masked_mean, valid_points


def test_masked_mean_counts_valid_points_only():
    score = xr.DataArray([[1.0, 2.0, 100.0], [3.0, np.nan, 5.0]], dims=("init", "x"))
    valid = xr.DataArray([True, False, True], dims="x")
    np.testing.assert_allclose(masked_mean(score, valid).values, (1 + 100 + 3 + 5) / 4)
    np.testing.assert_allclose(masked_mean(score, valid, "init").values, [2.0, np.nan, 52.5])
    # NaN at a valid point propagates instead of being dropped
    bad = score.copy()
    bad[0, 0] = np.nan
    assert np.isnan(masked_mean(bad, valid).values)
    # nothing valid: NaN
    assert np.isnan(masked_mean(score, valid & False).values)


def test_valid_points_with_mask_and_features():
    truth = xr.DataArray(
        [[1.0, np.nan], [2.0, 3.0], [4.0, 5.0]], dims=("x", "f"), coords={"x": [0, 1, 2]}
    )
    mask = xr.DataArray([True, True, False], dims="x", coords={"x": [0, 1, 2]})
    np.testing.assert_array_equal(
        valid_points(truth, mask).values, [[True, False], [True, True], [False, False]]
    )
    np.testing.assert_array_equal(
        valid_points(truth, mask, feature_dim="f").values, [False, True, False]
    )
    with pytest.raises(DataError, match="boolean"):
        valid_points(truth, mask.astype(int))
    with pytest.raises(DataError, match="grid"):
        valid_points(truth, mask.assign_coords(x=[0, 1, 3]))


def test_add_lead_means_weights_every_lead_once():
    ds = xr.Dataset({"crps": ("lead", [1.0, 2.0, 6.0])}, coords={"lead": [1, 2, 3]})
    out = add_lead_means(ds, ["crps"])
    np.testing.assert_allclose(out["crps_mean"].values, 3.0)
    assert "mean over lead" in out["crps_mean"].attrs["reduction"]
