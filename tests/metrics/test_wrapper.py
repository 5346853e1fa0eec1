"""The shared pieces every metric uses: options, the kernel form with its NaN policy, the
xarray wrapper (alignment, reduction over valid points, attrs). Oracles: brute-force sums."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
import xarray as xr

from idff_ts.errors import ConfigError, DataError
from idff_ts.metrics.crps import crps_ensemble, crps_ensemble_xr
from idff_ts.metrics.kernel import kernel_form, score_rows
from idff_ts.metrics.options import ScoreOptions
from idff_ts.metrics.wrapper import apply_kernel, per_variable, reduce_points, score_attrs


def brute_kernel(x, y, estimator):
    """O(M²) kernel form on the finite members of one row."""
    x = x[np.isfinite(x)]
    m = x.size
    pair = np.abs(x[:, None] - x[None, :]).sum()
    return np.abs(x - y).mean() - pair / (2 * m * m if estimator == "ecdf" else 2 * m * (m - 1))


def abs_rows(x, y, n_valid, estimator):
    """A row kernel built on kernel_form with brute-force sums (for score_rows)."""
    ok = np.isfinite(x)
    truth_term = np.where(ok, np.abs(x - y[:, None]), 0.0).sum(-1) / n_valid
    d = np.abs(x[:, :, None] - x[:, None, :])
    half = 0.5 * np.where(ok[:, :, None] & ok[:, None, :], d, 0.0).sum((-1, -2))
    return kernel_form(truth_term, half, n_valid, estimator)


@pytest.mark.parametrize("estimator", ["ecdf", "fair"])
def test_kernel_form_and_score_rows_against_brute_force(estimator):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 5)), rng.normal(size=40)
    x[::3, 1] = np.nan
    y[7] = np.nan
    kw = {"member_missing": np.isnan(x), "truth_missing": np.isnan(y), "estimator": estimator}

    def kernel(a, b, n):
        return abs_rows(a, b, n, estimator)

    score, n_valid = score_rows(kernel, x, y, nan_policy="omit", chunk_elements=7, what="t", **kw)
    expected = [
        np.nan if np.isnan(y[i]) else brute_kernel(x[i], y[i], estimator) for i in range(40)
    ]
    np.testing.assert_allclose(score, expected, atol=1e-12)
    np.testing.assert_array_equal(n_valid, 5 - np.isnan(x).sum(-1))
    # one chunk or many: the same numbers
    whole, _ = score_rows(kernel, x, y, nan_policy="omit", chunk_elements=10**6, what="t", **kw)
    np.testing.assert_array_equal(score, whole)
    prop, _ = score_rows(kernel, x, y, nan_policy="propagate", chunk_elements=7, what="t", **kw)
    assert np.isnan(prop[::3]).all() and np.isfinite(prop[1:3]).all()
    with pytest.raises(DataError, match="t: 14 of 40 points have NaN members"):
        score_rows(kernel, x, y, nan_policy="raise", chunk_elements=7, what="t", **kw)


def test_kernel_form_is_nan_where_undefined():
    n_valid = np.array([0, 1, 2])
    out = kernel_form(np.ones(3), np.ones(3), n_valid, "fair")
    assert np.isnan(out[:2]).all() and out[2] == pytest.approx(1.0 - 1.0 / 2.0)
    out = kernel_form(np.ones(3), np.ones(3), n_valid, "ecdf")
    assert np.isnan(out[0]) and out[1] == 0.0 and out[2] == pytest.approx(1.0 - 1.0 / 4.0)


def test_options_are_checked_once():
    with pytest.raises(ConfigError, match="nan_policy"):
        ScoreOptions(nan_policy="skip")
    with pytest.raises(ConfigError, match="distance"):
        ScoreOptions(distance="geodesic")
    assert ScoreOptions(distance="circular").circular and not ScoreOptions().circular


def test_score_attrs_record_estimator_size_and_period():
    attrs = score_attrs(
        "x", estimator="fair", ensemble_size=5, nan_policy="omit", distance=None, period=360.0
    )
    assert attrs == {
        "long_name": "x",
        "estimator": "fair",
        "ensemble_size": 5,
        "nan_policy": "omit",
        "distance": "absolute",
    }
    attrs = score_attrs(
        "x", estimator="ecdf", ensemble_size=5, nan_policy="omit", distance="circular", period=2.0
    )
    assert attrs["period"] == 2.0 and attrs["distance"] == "circular"


def test_apply_kernel_aligns_exactly_and_runs_lazily_on_dask():
    rng = np.random.default_rng(1)
    fc = xr.DataArray(rng.normal(size=(6, 4)), dims=("x", "member"), coords={"x": np.arange(6)})
    truth = xr.DataArray(rng.normal(size=6), dims="x", coords={"x": np.arange(6)})
    core = {"forecast_core": ["member"], "truth_core": [], "kwargs": {"member_axis": -1}}
    eager = apply_kernel(crps_ensemble, fc, truth, **core)
    np.testing.assert_array_equal(eager.values, crps_ensemble(fc.values, truth.values))
    lazy = apply_kernel(crps_ensemble, fc.chunk({"x": 2}), truth.chunk({"x": 2}), **core)
    assert isinstance(lazy.data, da.Array)
    np.testing.assert_array_equal(lazy.values, eager.values)
    with pytest.raises(DataError, match="align exactly"):
        apply_kernel(crps_ensemble, fc, truth.assign_coords(x=np.arange(6) + 1), **core)


def test_reduce_points_skips_land_but_keeps_nan_scores():
    truth = xr.DataArray([1.0, np.nan, 2.0, 3.0], dims="x")
    mask = xr.DataArray([True, True, True, False], dims="x")
    score = xr.DataArray([1.0, 100.0, 3.0, 100.0], dims="x")
    out = reduce_points(score, truth, mask=mask, dim="x", name="s", attrs={"a": 1})
    assert float(out) == 2.0 and out.name == "s" and out.attrs == {"a": 1}
    nan_at_valid = score.where(score != 3.0)
    assert np.isnan(
        float(reduce_points(nan_at_valid, truth, mask=mask, dim="x", name="s", attrs={}))
    )


def test_per_variable_and_formula_attr():
    rng = np.random.default_rng(2)
    fc = xr.Dataset({"a": (("x", "member"), rng.normal(size=(3, 4)))})
    truth = xr.Dataset({"a": ("x", rng.normal(size=3))})
    out = per_variable(crps_ensemble_xr, fc, truth, estimator="fair")
    assert out["a"].attrs["formula"].endswith("/ (2 m (m - 1))  (Ferro 2014)")
    with pytest.raises(DataError, match="truth lacks forecast variables"):
        per_variable(crps_ensemble_xr, fc, truth.rename(a="b"))
    with pytest.raises(DataError, match="must be a Dataset"):
        per_variable(crps_ensemble_xr, fc, truth["a"])
