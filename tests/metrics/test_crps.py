"""CRPS against properscoring, the brute-force O(M²) kernel formula and closed forms."""

from __future__ import annotations

import numpy as np
import properscoring
import pytest
import xarray as xr
from scipy import stats

from idff_ts.errors import ConfigError, DataError
from idff_ts.metrics.crps import crps_ensemble, crps_ensemble_xr


def brute_crps(x, y, estimator="ecdf", period=None):
    """Oracle: the kernel formula with the O(M²) double sum, rows of x (N, M), y (N,)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)

    def dist(a, b):
        d = a - b
        if period is not None:
            d = (d + period / 2) % period - period / 2
        return np.abs(d)

    m = x.shape[-1]
    truth_term = dist(x, y[..., None]).mean(-1)
    pair = np.zeros(x.shape[:-1])
    for i in range(m):
        for j in range(m):
            pair += dist(x[..., i], x[..., j])
    norm = 2 * m * m if estimator == "ecdf" else 2 * m * (m - 1)
    return truth_term - pair / norm


def with_ties(rng, n, m):
    x = rng.normal(size=(n, m))
    y = rng.normal(size=n)
    x[: n // 3] = np.round(x[: n // 3])  # many tied members
    y[: n // 3] = np.round(y[: n // 3])  # truth tied with members
    return x, y


@pytest.mark.parametrize("m", [1, 2, 3, 50])
def test_ecdf_equals_properscoring(m):
    rng = np.random.default_rng(m)
    x, y = with_ties(rng, 3000, m)
    ours = crps_ensemble(x, y)
    theirs = properscoring.crps_ensemble(y, x)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize("m", [2, 3, 7, 20])
@pytest.mark.parametrize("estimator", ["ecdf", "fair"])
def test_both_estimators_equal_brute_force(m, estimator):
    rng = np.random.default_rng(10 + m)
    x, y = with_ties(rng, 500, m)
    np.testing.assert_allclose(
        crps_ensemble(x, y, estimator=estimator), brute_crps(x, y, estimator), atol=1e-12
    )


def test_member_axis_and_shapes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6, 5))  # members on axis 1
    y = rng.normal(size=(4, 5))
    expected = brute_crps(np.moveaxis(x, 1, -1), y)
    out = crps_ensemble(x, y, member_axis=1)
    assert out.shape == (4, 5)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    # float32 input is scored in float64 and the member order does not matter
    perm = rng.permutation(6)
    np.testing.assert_allclose(
        crps_ensemble(x[:, perm].astype(np.float32), y, member_axis=1),
        brute_crps(np.moveaxis(x.astype(np.float32), 1, -1), y),
        atol=1e-6,
    )


def test_shift_invariant_with_large_offset():
    rng = np.random.default_rng(1)
    x = 0.01 * rng.normal(size=(200, 50))
    y = 0.01 * rng.normal(size=200)
    np.testing.assert_allclose(crps_ensemble(x + 300.0, y + 300.0), crps_ensemble(x, y), atol=1e-12)


def test_one_member_is_absolute_error_and_fair_is_undefined():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(100, 1))
    y = rng.normal(size=100)
    np.testing.assert_allclose(crps_ensemble(x, y), np.abs(x[:, 0] - y), atol=1e-15)
    with pytest.raises(DataError, match="at least 2 members"):
        crps_ensemble(x, y, estimator="fair")


def gaussian_crps(y, sigma=1.0):
    """Closed form CRPS of N(0, σ²) at y: σ [z (2Φ(z) − 1) + 2 φ(z) − 1/√π]."""
    z = y / sigma
    return sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def test_fair_is_unbiased_and_ecdf_is_biased_by_the_known_amount():
    rng = np.random.default_rng(3)
    n, m = 200_000, 3
    y = rng.normal(size=n)
    x = rng.normal(size=(n, m))
    target = gaussian_crps(y).mean()  # E over y of the CRPS of the true N(0, 1)
    fair = crps_ensemble(x, y, estimator="fair")
    ecdf = crps_ensemble(x, y, estimator="ecdf")
    # E[ecdf] − E[fair] = E|X − X'| / (2M) = (2/√π) / (2M)
    bias = 1.0 / (m * np.sqrt(np.pi))
    se_fair = fair.std() / np.sqrt(n)
    se_ecdf = ecdf.std() / np.sqrt(n)
    assert abs(fair.mean() - target) < 4 * se_fair
    assert abs(ecdf.mean() - (target + bias)) < 4 * se_ecdf
    assert ecdf.mean() - target > 20 * se_ecdf  # the ecdf bias is clearly detected
    # the average closed form is 1/√π for y ~ N(0, 1)
    assert abs(target - 1 / np.sqrt(np.pi)) < 4 * gaussian_crps(y).std() / np.sqrt(n)


def test_circular_wraps_around():
    out = crps_ensemble(np.array([[-179.0]]), np.array([179.0]), distance="circular")
    np.testing.assert_allclose(out, [2.0])
    linear = crps_ensemble(np.array([[-179.0]]), np.array([179.0]))
    np.testing.assert_allclose(linear, [358.0])


@pytest.mark.parametrize(
    ("m", "estimator"),
    [(1, "ecdf"), (2, "ecdf"), (3, "ecdf"), (31, "ecdf"), (2, "fair"), (8, "fair"), (31, "fair")],
)
def test_circular_equals_brute_force(m, estimator):
    rng = np.random.default_rng(20 + m)
    x = rng.uniform(-540, 540, size=(800, m))
    y = rng.uniform(-360, 720, size=800)
    # ties, and pairs exactly half a period apart (the branch point of the wrapped distance)
    x[:200] = np.round(x[:200] / 90) * 90
    y[:200] = np.round(y[:200] / 90) * 90
    np.testing.assert_allclose(
        crps_ensemble(x, y, estimator=estimator, distance="circular"),
        brute_crps(x, y, estimator, period=360.0),
        atol=1e-9,
    )


def test_circular_other_period_and_agreement_on_a_short_arc():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 2 * np.pi, size=(300, 9))
    y = rng.uniform(0, 2 * np.pi, size=300)
    np.testing.assert_allclose(
        crps_ensemble(x, y, distance="circular", period=2 * np.pi),
        brute_crps(x, y, period=2 * np.pi),
        atol=1e-12,
    )
    # all angles within 120 degrees of each other: wrapping changes nothing
    a = rng.uniform(10, 130, size=(300, 9))
    b = rng.uniform(10, 130, size=300)
    np.testing.assert_allclose(
        crps_ensemble(a, b, distance="circular"), crps_ensemble(a, b), atol=1e-10
    )


@pytest.mark.parametrize("distance", [None, "circular"])
@pytest.mark.parametrize("estimator", ["ecdf", "fair"])
def test_omit_scores_on_valid_members_and_counts_them(distance, estimator):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 6)) * 100
    y = rng.normal(size=60) * 100
    n_missing = np.arange(60) % 5  # 0..4 missing members per row
    for i, k in enumerate(n_missing):
        x[i, rng.choice(6, size=k, replace=False)] = np.nan
    res = crps_ensemble(
        x, y, estimator=estimator, distance=distance, nan_policy="omit", return_count=True
    )
    np.testing.assert_array_equal(res.n_members, 6 - n_missing)
    period = 360.0 if distance == "circular" else None
    for i in range(60):
        xi = x[i][~np.isnan(x[i])][None, :]
        np.testing.assert_allclose(
            res.score[i], brute_crps(xi, y[i : i + 1], estimator, period)[0], atol=1e-9
        )


def test_omit_matches_properscoring_which_ignores_nan_members():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(500, 10))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = rng.normal(size=500)
    np.testing.assert_allclose(
        crps_ensemble(x, y, nan_policy="omit"), properscoring.crps_ensemble(y, x), atol=1e-6
    )


def test_nan_policies():
    x = np.array([[0.0, 1.0, np.nan], [0.0, 1.0, 2.0], [np.nan, np.nan, np.nan], [1.0, 2.0, 3.0]])
    y = np.array([0.5, 0.5, 0.0, np.nan])
    prop = crps_ensemble(x, y)
    assert np.isnan(prop[0]) and np.isfinite(prop[1]) and np.isnan(prop[2]) and np.isnan(prop[3])
    omit = crps_ensemble(x, y, nan_policy="omit", return_count=True)
    np.testing.assert_array_equal(omit.n_members, [2, 3, 0, 3])
    np.testing.assert_allclose(omit.score[0], brute_crps(x[:1, :2], y[:1])[0])
    assert np.isnan(omit.score[2])  # no valid member: NaN, not a division by M
    assert np.isnan(omit.score[3])  # NaN truth (e.g. land) is always NaN
    with pytest.raises(DataError, match="2 of 4 points have NaN members"):
        crps_ensemble(x, y, nan_policy="raise")
    # a NaN truth with NaN members is not an error under "raise"
    out = crps_ensemble(x[[1, 3]], y[[1, 3]], nan_policy="raise")
    assert np.isfinite(out[0]) and np.isnan(out[1])
    with pytest.raises(DataError, match="fewer than 2 valid members"):
        crps_ensemble(
            np.array([[1.0, np.nan]]), np.array([0.0]), estimator="fair", nan_policy="omit"
        )


def test_bad_input_and_options_raise():
    with pytest.raises(DataError, match="does not broadcast"):
        crps_ensemble(np.zeros((3, 4)), np.zeros(5))
    with pytest.raises(ConfigError, match="estimator"):
        crps_ensemble(np.zeros((3, 4)), np.zeros(3), estimator="pwm")
    with pytest.raises(ConfigError, match="nan_policy"):
        crps_ensemble(np.zeros((3, 4)), np.zeros(3), nan_policy="drop")


def make_xr(rng, m=7):
    fc = xr.DataArray(
        rng.normal(size=(4, m, 3)),
        dims=("init", "member", "x"),
        coords={"init": np.arange(4), "x": [10.0, 20.0, 30.0]},
    )
    truth = xr.DataArray(
        rng.normal(size=(4, 3)), dims=("init", "x"), coords={"init": np.arange(4), "x": fc.x}
    )
    return fc, truth


def test_xarray_wrapper_values_dims_and_attrs():
    rng = np.random.default_rng(7)
    fc, truth = make_xr(rng)
    out = crps_ensemble_xr(fc, truth, estimator="fair")
    assert out.dims == ("init", "x")
    assert out.attrs["estimator"] == "fair"
    assert out.attrs["ensemble_size"] == 7
    assert out.attrs["nan_policy"] == "propagate"
    expected = brute_crps(fc.transpose("init", "x", "member").values, truth.values, "fair")
    np.testing.assert_allclose(out.values, expected, atol=1e-12)
    # truth with its dims in another order is aligned by name
    out2 = crps_ensemble_xr(fc, truth.transpose("x", "init"), estimator="fair")
    np.testing.assert_allclose(out2.transpose("init", "x").values, expected, atol=1e-12)


def test_xarray_wrapper_dataset_omit_count_and_errors():
    rng = np.random.default_rng(8)
    fc, truth = make_xr(rng)
    fc[0, :3, 0] = np.nan
    ds = crps_ensemble_xr(
        xr.Dataset({"a": fc, "b": fc + 1}),
        xr.Dataset({"a": truth, "b": truth}),
        nan_policy="omit",
    )
    assert set(ds.data_vars) == {"a", "b"}
    assert int(ds["a"].n_members[0, 0]) == 4 and int(ds["a"].n_members[1, 1]) == 7
    assert ds["b"].attrs["ensemble_size"] == 7
    with pytest.raises(DataError, match="member dimension"):
        crps_ensemble_xr(fc.rename(member="ens"), truth)
    with pytest.raises(DataError, match="align"):
        crps_ensemble_xr(fc, truth.assign_coords(x=[10.0, 20.0, 31.0]))
    with pytest.raises(DataError, match="Dataset"):
        crps_ensemble_xr(xr.Dataset({"a": fc}), truth)
