"""Energy score against the brute-force formula, and against the CRPS for one feature."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.metrics.crps import crps_ensemble
from idff_ts.metrics.energy import energy_score, energy_score_xr


def brute_energy(x, y, estimator="ecdf", period=None):
    """Oracle: double loop over members; x (N, M, D), y (N, D)."""

    def norm(d):
        if period is not None:
            d = (d + period / 2) % period - period / 2
        return np.sqrt(np.sum(d * d, axis=-1))

    n, m, _ = x.shape
    out = np.empty(n)
    for p in range(n):
        truth_term = np.mean([norm(x[p, i] - y[p]) for i in range(m)])
        pair = sum(norm(x[p, i] - x[p, j]) for i in range(m) for j in range(m))
        out[p] = truth_term - pair / (2 * m * m if estimator == "ecdf" else 2 * m * (m - 1))
    return out


@pytest.mark.parametrize("estimator", ["ecdf", "fair"])
@pytest.mark.parametrize("period", [None, 360.0])
def test_equals_brute_force(estimator, period):
    rng = np.random.default_rng(0)
    scale = 200.0 if period else 1.0
    x = rng.normal(size=(60, 6, 3)) * scale
    y = rng.normal(size=(60, 3)) * scale
    distance = "circular" if period else None
    np.testing.assert_allclose(
        energy_score(x, y, estimator=estimator, distance=distance),
        brute_energy(x, y, estimator, period),
        atol=1e-10,
    )


@pytest.mark.parametrize("estimator", ["ecdf", "fair"])
def test_one_feature_is_crps(estimator):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 9, 1))
    y = rng.normal(size=(500, 1))
    np.testing.assert_allclose(
        energy_score(x, y, estimator=estimator),
        crps_ensemble(x[..., 0], y[..., 0], estimator=estimator),
        atol=1e-13,
    )


def test_axes_torus_and_one_member():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 5))  # (feature, point, member)
    y = rng.normal(size=(3, 4))
    out = energy_score(x, y, member_axis=2, feature_axis=0)
    np.testing.assert_allclose(out, brute_energy(np.transpose(x, (1, 2, 0)), y.T), atol=1e-12)
    # one member, two angles, wrapped: ‖(2, 0)‖ = 2
    out = energy_score(np.array([[[179.0, 10.0]]]), np.array([[-179.0, 10.0]]), distance="circular")
    np.testing.assert_allclose(out, [2.0])
    with pytest.raises(DataError, match="at least 2 members"):
        energy_score(np.zeros((2, 1, 3)), np.zeros((2, 3)), estimator="fair")


def test_nan_policies():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 5, 2))
    y = rng.normal(size=(4, 2))
    x[0, 1, 0] = np.nan  # one component missing: the whole member is missing
    y[3, 1] = np.nan
    prop = energy_score(x, y)
    assert np.isnan(prop[0]) and np.isfinite(prop[1]) and np.isnan(prop[3])
    omit = energy_score(x, y, nan_policy="omit", return_count=True)
    np.testing.assert_array_equal(omit.n_members, [4, 5, 5, 5])
    np.testing.assert_allclose(
        omit.score[0], brute_energy(np.delete(x[:1], 1, axis=1), y[:1])[0], atol=1e-12
    )
    assert np.isnan(omit.score[3])
    with pytest.raises(DataError, match="NaN members"):
        energy_score(x, y, nan_policy="raise")


def test_xarray_wrapper():
    rng = np.random.default_rng(4)
    fc = xr.DataArray(rng.normal(size=(7, 5, 3)), dims=("init", "member", "component"))
    truth = xr.DataArray(rng.normal(size=(3, 7)), dims=("component", "init"))
    out = energy_score_xr(fc, truth, feature_dim="component", estimator="fair")
    assert out.dims == ("init",)
    assert out.attrs["estimator"] == "fair" and out.attrs["ensemble_size"] == 5
    assert out.attrs["n_features"] == 3
    np.testing.assert_allclose(
        out.values, brute_energy(fc.values, truth.values.T, "fair"), atol=1e-12
    )
    with pytest.raises(DataError, match="feature dimension"):
        energy_score_xr(fc, truth, feature_dim="angle")
