"""Spread-skill ratio against its hand formula, DYffusion's variant and a calibrated ensemble."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.metrics.spread import (
    ensemble_variance,
    spread_skill,
    spread_skill_ratio,
    spread_skill_ratio_dyffusion,
    ssr_dyffusion_from_terms,
    ssr_from_terms,
)


def make(rng, n=30, m=6, n_x=4):
    fc = xr.DataArray(rng.normal(size=(n, m, n_x)) * 2.0, dims=("init", "member", "x"))
    truth = xr.DataArray(rng.normal(size=(n, n_x)), dims=("init", "x"))
    return fc, truth


def test_ssr_equals_hand_formula_and_dyffusion_variant():
    rng = np.random.default_rng(0)
    fc, truth = make(rng)
    x, y = fc.values, truth.values
    m = x.shape[1]
    mse = np.mean((x.mean(axis=1) - y) ** 2)
    var1 = np.var(x, axis=1, ddof=1).mean()
    var0 = np.var(x, axis=1, ddof=0).mean()
    expected = np.sqrt((m + 1) / m * var1) / np.sqrt(mse)
    expected_dyf = np.sqrt(var0) / np.sqrt(mse)  # DYffusion: np.var(axis=0).mean(), no factor
    np.testing.assert_allclose(spread_skill_ratio(fc, truth).values, expected, rtol=1e-12)
    np.testing.assert_allclose(
        spread_skill_ratio_dyffusion(fc, truth).values, expected_dyf, rtol=1e-12
    )
    terms = spread_skill(fc, truth)
    np.testing.assert_allclose(terms["var_ddof1"].values, var1, rtol=1e-12)
    np.testing.assert_allclose(terms["var_ddof0"].values, var0, rtol=1e-12)
    np.testing.assert_allclose(terms["mse"].values, mse, rtol=1e-12)
    assert terms.attrs["ensemble_size"] == m
    # both ratios can be recomputed from the saved terms
    np.testing.assert_allclose(
        ssr_from_terms(terms["var_ddof1"], terms["mse"], m).values, expected, rtol=1e-12
    )
    np.testing.assert_allclose(
        ssr_dyffusion_from_terms(terms["var_ddof0"], terms["mse"]).values,
        expected_dyf,
        rtol=1e-12,
    )
    # for complete ensembles the two differ by sqrt((M − 1)/(M + 1))
    np.testing.assert_allclose(expected_dyf / expected, np.sqrt((m - 1) / (m + 1)))


def test_means_before_square_roots_per_dim():
    rng = np.random.default_rng(1)
    fc, truth = make(rng)
    x, y = fc.values, truth.values
    m = x.shape[1]
    mse = np.mean((x.mean(axis=1) - y) ** 2, axis=0)
    var1 = np.var(x, axis=1, ddof=1).mean(axis=0)
    np.testing.assert_allclose(
        spread_skill_ratio(fc, truth, dim="init").values,
        np.sqrt((m + 1) / m * var1 / mse),
        rtol=1e-12,
    )


def test_reliable_ensemble_has_ssr_one():
    """Members and truth drawn from the same distribution: Fortin's SSR → 1, DYffusion's less."""
    rng = np.random.default_rng(2)
    n, m = 100_000, 5
    mu = rng.normal(size=n) * 3
    fc = xr.DataArray(mu[:, None] + rng.normal(size=(n, m)), dims=("p", "member"))
    truth = xr.DataArray(mu + rng.normal(size=n), dims="p")
    terms = spread_skill(fc, truth)
    assert abs(float(terms["ssr"]) - 1.0) < 0.02
    assert abs(float(terms["ssr_dyffusion"]) - np.sqrt((m - 1) / (m + 1))) < 0.02


def test_nan_members_and_policies():
    rng = np.random.default_rng(3)
    fc, truth = make(rng, n=5, m=4, n_x=2)
    fc[0, 0, 0] = np.nan
    assert np.isnan(spread_skill_ratio(fc, truth).values)
    with pytest.raises(DataError, match="NaN members"):
        spread_skill_ratio(fc, truth, nan_policy="raise")
    var1 = ensemble_variance(fc, ddof=1, nan_policy="omit")
    np.testing.assert_allclose(var1.values, np.nanvar(fc.values, axis=1, ddof=1), rtol=1e-12)
    terms = spread_skill(fc, truth, nan_policy="omit")
    counts = np.sum(~np.isnan(fc.values), axis=1)
    corrected = (counts + 1) / counts * np.nanvar(fc.values, axis=1, ddof=1)
    mse = np.mean((np.nanmean(fc.values, axis=1) - truth.values) ** 2)
    np.testing.assert_allclose(terms["ssr"].values, np.sqrt(corrected.mean() / mse), rtol=1e-12)


def test_one_member_is_refused():
    rng = np.random.default_rng(4)
    fc, truth = make(rng, m=1)
    with pytest.raises(DataError, match="at least 2 members"):
        spread_skill_ratio(fc, truth)
