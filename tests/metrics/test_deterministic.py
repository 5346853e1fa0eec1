"""MSE / RMSE / MAE / CC of the ensemble mean against plain numpy and scipy oracles."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from idff_ts.errors import DataError
from idff_ts.metrics.deterministic import (
    cc,
    ensemble_mean,
    error,
    mae,
    mse,
    rmse,
    wrapped_difference,
)


def make(rng, shape=(6, 5, 4)):
    n_init, m, n_x = shape
    fc = xr.DataArray(
        rng.normal(size=shape),
        dims=("init", "member", "x"),
        coords={"init": np.arange(n_init), "x": np.arange(n_x)},
    )
    truth = xr.DataArray(
        rng.normal(size=(n_init, n_x)), dims=("init", "x"), coords={"init": fc.init, "x": fc.x}
    )
    return fc, truth


def test_scores_match_numpy_over_dims():
    rng = np.random.default_rng(0)
    fc, truth = make(rng)
    e = fc.values.mean(axis=1) - truth.values  # (init, x)
    np.testing.assert_allclose(mse(fc, truth).values, np.mean(e**2))
    np.testing.assert_allclose(mse(fc, truth, dim="init").values, np.mean(e**2, axis=0))
    np.testing.assert_allclose(mae(fc, truth, dim=["init"]).values, np.mean(np.abs(e), axis=0))
    # RMSE is the root of the mean, not the mean of per-point roots
    np.testing.assert_allclose(rmse(fc, truth).values, np.sqrt(np.mean(e**2)))
    assert not np.isclose(rmse(fc, truth).values, np.mean(np.abs(e)))
    np.testing.assert_allclose(mse(fc, truth, dim=()).values, e**2)
    # a deterministic forecast (no member dim)
    det = fc.isel(member=0, drop=True)
    np.testing.assert_allclose(
        mae(det, truth, member_dim=None).values, np.mean(np.abs(det.values - truth.values))
    )


def test_mask_and_nan_truth_are_not_counted_but_nan_forecasts_are():
    rng = np.random.default_rng(1)
    fc, truth = make(rng)
    truth[:, 0] = np.nan  # "land"
    mask = xr.DataArray([True, True, False, True], dims="x", coords={"x": fc.x})
    e = fc.values.mean(axis=1) - truth.values
    keep = np.array([False, True, False, True])
    np.testing.assert_allclose(mse(fc, truth, mask=mask).values, np.mean(e[:, keep] ** 2))
    fc[2, 1, 1] = np.nan  # a missing member at a valid point
    assert np.isnan(mse(fc, truth, mask=mask).values)
    omit = mse(fc, truth, mask=mask, nan_policy="omit").values
    e_omit = np.nanmean(fc.values, axis=1) - truth.values
    np.testing.assert_allclose(omit, np.mean(e_omit[:, keep] ** 2))
    with pytest.raises(DataError, match="NaN members"):
        mse(fc, truth, nan_policy="raise")
    # NaN members only where the truth is NaN: not an error
    fc2, truth2 = make(rng)
    truth2[:, 0] = np.nan
    fc2[:, :, 0] = np.nan
    assert np.isfinite(mse(fc2, truth2, nan_policy="raise").values)


def test_cc_matches_pearson():
    rng = np.random.default_rng(2)
    fc, truth = make(rng, (40, 5, 3))
    truth = truth + fc.mean("member")  # correlated
    xbar = fc.values.mean(axis=1)
    out = cc(fc, truth, dim="init")
    for j in range(3):
        np.testing.assert_allclose(
            out.values[j], stats.pearsonr(xbar[:, j], truth.values[:, j]).statistic, atol=1e-12
        )
    pooled = cc(fc, truth, dim=None)
    np.testing.assert_allclose(
        pooled.values, np.corrcoef(xbar.ravel(), truth.values.ravel())[0, 1], atol=1e-12
    )


def test_wrapped_difference_and_circular_mean():
    np.testing.assert_allclose(wrapped_difference(-179.0, 179.0), 2.0)
    np.testing.assert_allclose(wrapped_difference(179.0, -179.0), -2.0)
    np.testing.assert_allclose(wrapped_difference(np.array([10.0, 370.0]), 0.0), [10.0, 10.0])
    fc = xr.DataArray([[170.0, -170.0, 180.0]], dims=("p", "member"))
    xbar = ensemble_mean(fc, distance="circular")
    np.testing.assert_allclose(abs(wrapped_difference(xbar.values, 180.0)), 0.0, atol=1e-9)
    rng = np.random.default_rng(3)
    angles = rng.uniform(-180, 180, size=(50, 7))
    ours = ensemble_mean(xr.DataArray(angles, dims=("p", "member")), distance="circular")
    ref = stats.circmean(angles, high=180, low=-180, axis=1)
    np.testing.assert_allclose(wrapped_difference(ours.values, ref), 0.0, atol=1e-9)


def test_circular_errors():
    fc = xr.DataArray([[179.0, 179.0]], dims=("p", "member"))
    truth = xr.DataArray([-179.0], dims="p")
    np.testing.assert_allclose(mae(fc, truth, distance="circular").values, 2.0)
    np.testing.assert_allclose(mae(fc, truth).values, 358.0)
    np.testing.assert_allclose(error(fc, truth, distance="circular").values, [-2.0])


def circular_cc_oracle(a, b):
    """Jammalamadaka & SenGupta (2001) in radians, means from scipy.stats.circmean."""
    a, b = np.deg2rad(a), np.deg2rad(b)
    a0, b0 = stats.circmean(a), stats.circmean(b)
    u, v = np.sin(a - a0), np.sin(b - b0)
    return np.sum(u * v) / np.sqrt(np.sum(u * u) * np.sum(v * v))


def test_circular_cc_against_oracle_and_rotation_invariance():
    rng = np.random.default_rng(4)
    a = rng.vonmises(0.0, 2.0, size=200) * 180 / np.pi
    b = a + rng.normal(scale=20, size=200)
    fc = xr.DataArray(a[:, None], dims=("t", "member"))
    truth = xr.DataArray(b, dims="t")
    out = cc(fc, truth, dim="t", distance="circular").values
    np.testing.assert_allclose(out, circular_cc_oracle(a, b), atol=1e-12)
    # rotate both by 180 degrees: now the data straddle the wrap, the score must not change
    rot = lambda z: wrapped_difference(z + 180.0, 0.0)  # noqa: E731
    out_rot = cc(
        fc.copy(data=rot(a)[:, None]), truth.copy(data=rot(b)), dim="t", distance="circular"
    ).values
    np.testing.assert_allclose(out_rot, out, atol=1e-12)
    pearson_rot = cc(fc.copy(data=rot(a)[:, None]), truth.copy(data=rot(b)), dim="t").values
    assert pearson_rot < out - 0.1  # plain Pearson is broken by the wrap


def test_errors_on_bad_dims():
    rng = np.random.default_rng(5)
    fc, truth = make(rng)
    with pytest.raises(DataError, match="member dimension"):
        mse(fc.rename(member="ens"), truth)
    with pytest.raises(DataError, match="cannot reduce"):
        mse(fc, truth, dim="lat")
    with pytest.raises(DataError, match="align"):
        mse(fc, truth.assign_coords(x=[0, 1, 2, 5]))
