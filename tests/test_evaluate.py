"""evaluate(): alignment at valid times, per-lead reduction, masking and the output format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.errors import ConfigError, DataError
from idff_ts.evaluate import evaluate

N_INIT, N_LEAD, M = 10, 3, 4
LAT, LON = [-1.0, 0.0, 1.0], [180.0, 181.0]


def brute_crps(x, y, fair=False):
    """Kernel formula with the O(M²) double sum; members on the last axis of x."""
    m = x.shape[-1]
    pair = sum(np.abs(x[..., i] - x[..., j]) for i in range(m) for j in range(m))
    return np.abs(x - y[..., None]).mean(-1) - pair / (2 * m * (m - 1) if fair else 2 * m * m)


def make_case(seed=0, n_member=M):
    """Daily truth, forecasts = truth at valid time + a lead-dependent bias + noise."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2020-01-01", periods=N_INIT + N_LEAD + 2, freq="D")
    truth = xr.DataArray(
        rng.normal(size=(times.size, len(LAT), len(LON))),
        dims=("time", "lat", "lon"),
        coords={"time": times, "lat": LAT, "lon": LON},
        name="sst",
    )
    init = times[:N_INIT]
    lead = pd.to_timedelta(np.arange(1, N_LEAD + 1), unit="D")
    y = np.stack([truth.sel(time=init + ld).values for ld in lead], axis=1)  # (init, lead, ...)
    bias = np.array([0.2, 1.0, 3.0])[None, :, None, None, None]
    x = y[:, :, None] + bias + rng.normal(size=(N_INIT, N_LEAD, n_member, len(LAT), len(LON)))
    fc = xr.DataArray(
        x,
        dims=("init", "lead", "member", "lat", "lon"),
        coords={"init": init, "lead": lead, "member": np.arange(n_member), "lat": LAT, "lon": LON},
        name="sst",
    )
    fc = fc.assign_coords(valid_time=fc.init + fc.lead)
    return fc, truth, x, y


def test_per_lead_scores_then_mean_over_leads():
    fc, truth, x, y = make_case()
    out = evaluate(fc, truth)
    xm = np.moveaxis(x, 2, -1)  # (init, lead, lat, lon, member)
    crps = brute_crps(xm, y)  # per point
    per_lead = crps.mean(axis=(0, 2, 3))
    np.testing.assert_allclose(out["crps_ecdf"].values, per_lead, atol=1e-12)
    np.testing.assert_allclose(
        out["crps_fair"].values, brute_crps(xm, y, fair=True).mean(axis=(0, 2, 3)), atol=1e-12
    )
    np.testing.assert_allclose(out["crps_ecdf_mean"].values, per_lead.mean(), atol=1e-12)
    # averaging cumulative windows (leads 1..k) over-weights lead 1 and gives another number
    cumulative = np.mean([crps[:, : k + 1].mean() for k in range(N_LEAD)])
    assert not np.isclose(out["crps_ecdf_mean"].values, cumulative, rtol=1e-3)
    e = x.mean(axis=2) - y
    mse = (e**2).mean(axis=(0, 2, 3))
    np.testing.assert_allclose(out["mse"].values, mse, atol=1e-12)
    np.testing.assert_allclose(out["rmse"].values, np.sqrt(mse), atol=1e-12)
    np.testing.assert_allclose(out["rmse_mean"].values, np.sqrt(mse).mean(), atol=1e-12)
    np.testing.assert_allclose(out["mae"].values, np.abs(e).mean(axis=(0, 2, 3)), atol=1e-12)
    var1 = x.var(axis=2, ddof=1).mean(axis=(0, 2, 3))
    var0 = x.var(axis=2, ddof=0).mean(axis=(0, 2, 3))
    np.testing.assert_allclose(out["ssr"].values, np.sqrt((M + 1) / M * var1 / mse), atol=1e-12)
    np.testing.assert_allclose(out["ssr_dyffusion"].values, np.sqrt(var0 / mse), atol=1e-12)
    np.testing.assert_allclose(out["spread_var_ddof1"].values, var1, atol=1e-12)
    for k in range(N_LEAD):
        r = np.corrcoef(x[:, k].mean(axis=1).ravel(), y[:, k].ravel())[0, 1]
        np.testing.assert_allclose(out["cc"].values[k], r, atol=1e-12)
    np.testing.assert_array_equal(out["n_points"].values, [N_INIT * 6] * N_LEAD)
    assert out["lead"].values.tolist() == fc["lead"].values.tolist()
    assert out.attrs["ensemble_size"] == M and out.attrs["n_inits"] == N_INIT
    assert out.attrs["nan_policy"] == "propagate"
    assert out["crps_fair"].attrs["estimator"] == "fair"
    assert out["crps_ecdf"].attrs["estimator"] == "ecdf"
    # the metric × lead table of the result files
    table = out[["crps_ecdf", "crps_fair", "mse"]].to_array("metric")
    assert table.dims == ("metric", "lead")


def test_blocks_of_inits_give_the_same_answer():
    fc, truth, _, _ = make_case(1)
    whole = evaluate(fc, truth)
    blocks = evaluate(fc, truth, init_chunk=3)
    xr.testing.assert_allclose(whole, blocks, rtol=1e-12)


def test_land_and_mask_are_not_counted():
    fc, truth, _, _ = make_case(2)
    reference = evaluate(fc.isel(lon=[1]), truth.isel(lon=[1]))
    land = truth.copy()
    land[:, :, 0] = np.nan  # land: NaN truth
    fc_land = fc.copy()
    fc_land[:, :, :, :, 0] = 1e6  # whatever a model writes there
    out = evaluate(fc_land, land)
    for name in ("crps_ecdf", "crps_fair", "mse", "mae", "ssr", "cc"):
        np.testing.assert_allclose(out[name].values, reference[name].values, rtol=1e-12)
    np.testing.assert_array_equal(out["n_points"].values, reference["n_points"].values)
    # land with a finite truth (DYffusion writes 0 there) is excluded by the mask
    mask = xr.DataArray([False, True], dims="lon", coords={"lon": LON})
    truth_zero = truth.copy()
    truth_zero[:, :, 0] = 0.0
    fc_land[:, :, :, :, 0] = np.nan  # NaN members on land are fine even under "raise"
    masked = evaluate(fc_land, truth_zero, mask=mask, nan_policy="raise")
    xr.testing.assert_allclose(
        masked[["crps_ecdf", "mse", "cc", "n_points"]],
        reference[["crps_ecdf", "mse", "cc", "n_points"]],
        rtol=1e-12,
    )


def test_nan_members_follow_the_policy():
    fc, truth, x, y = make_case(3)
    fc[0, 1, 0, 0, 0] = np.nan  # one member at one point of lead 2
    prop = evaluate(fc, truth, metrics=["crps_ecdf"])
    assert np.isfinite(prop["crps_ecdf"].values[[0, 2]]).all()
    assert np.isnan(prop["crps_ecdf"].values[1]) and np.isnan(prop["crps_ecdf_mean"].values)
    omit = evaluate(fc, truth, metrics=["crps_ecdf"], nan_policy="omit")
    xm = np.moveaxis(x[:, 1], 1, -1).copy()  # lead 2: (init, lat, lon, member)
    scores = brute_crps(xm, y[:, 1])
    scores[0, 0, 0] = brute_crps(xm[0, 0, 0, 1:][None], y[:1, 1, 0, 0])[0]
    np.testing.assert_allclose(omit["crps_ecdf"].values[1], scores.mean(), atol=1e-12)
    with pytest.raises(DataError, match="NaN members"):
        evaluate(fc, truth, nan_policy="raise")


def test_misaligned_truth_raises():
    fc, truth, _, _ = make_case(4)
    short = truth.isel(time=slice(0, N_INIT + N_LEAD - 1))  # misses the last valid time
    with pytest.raises(DataError, match="does not cover 1 of the"):
        evaluate(fc, short)
    with pytest.raises(DataError, match="coordinate 'lat' differs"):
        evaluate(fc, truth.assign_coords(lat=[-1.0, 0.0, 2.0]))
    with pytest.raises(DataError, match="datetime64 or both numeric"):
        evaluate(fc, truth.assign_coords(time=np.arange(truth.time.size, dtype=float)))
    with pytest.raises(DataError, match="lacks dims"):
        evaluate(fc.rename(init="start"), truth)
    with pytest.raises(DataError, match="no time dimension"):
        evaluate(fc, truth.rename(time="date"))


def test_valid_time_is_computed_when_absent_and_metric_options():
    fc, truth, _, _ = make_case(5)
    with_vt = evaluate(fc, truth, metrics=["mse"])
    without = evaluate(fc.drop_vars("valid_time"), truth, metrics=["mse"])
    xr.testing.assert_allclose(with_vt, without)
    assert set(with_vt.data_vars) == {"mse", "mse_mean", "n_points"}
    with pytest.raises(ConfigError, match="unknown metrics"):
        evaluate(fc, truth, metrics=["crps_pwm"])
    with pytest.raises(ConfigError, match="feature_dim"):
        evaluate(fc, truth, metrics=["energy"])


def test_one_member_defaults_and_crps_is_mae():
    fc, truth, _, _ = make_case(6, n_member=1)
    out = evaluate(fc, truth)
    assert "crps_fair" not in out and "ssr" not in out
    np.testing.assert_allclose(out["crps_ecdf"].values, out["mae"].values, atol=1e-12)
    with pytest.raises(DataError, match="need at least 2 members"):
        evaluate(fc, truth, metrics=["crps_fair"])


def test_dataset_with_several_variables():
    fc, truth, _, _ = make_case(7)
    fds = xr.Dataset({"sst": fc, "anom": fc * 2})
    tds = xr.Dataset({"sst": truth, "anom": truth * 2})
    out = evaluate(fds, tds, metrics=["crps_ecdf", "mse"])
    assert out["crps_ecdf"].dims == ("variable", "lead")
    assert out["variable"].values.tolist() == ["sst", "anom"]
    np.testing.assert_allclose(
        out["crps_ecdf"].sel(variable="anom").values,
        2 * out["crps_ecdf"].sel(variable="sst").values,
        rtol=1e-12,
    )
    one = evaluate(fds, tds, var="sst", metrics=["crps_ecdf"])
    np.testing.assert_allclose(
        one["crps_ecdf"].values, out["crps_ecdf"].sel(variable="sst").values, rtol=1e-12
    )


def brute_energy(x, y, fair=False):
    """x (..., M, D), y (..., D): double loop over members."""
    m = x.shape[-2]
    to_truth = np.linalg.norm(x - y[..., None, :], axis=-1).mean(-1)
    pair = sum(
        np.linalg.norm(x[..., i, :] - x[..., j, :], axis=-1) for i in range(m) for j in range(m)
    )
    return to_truth - pair / (2 * m * (m - 1) if fair else 2 * m * m)


def test_vector_state_with_model_time_and_energy_score():
    rng = np.random.default_rng(8)
    dt = 0.5
    times = np.arange(30) * dt
    truth = xr.DataArray(
        rng.normal(size=(30, 3)), dims=("time", "component"), coords={"time": times}
    )
    init = times[:20]
    lead = np.array([1, 2, 4]) * dt
    y = np.stack([truth.sel(time=init + ld).values for ld in lead], axis=1)  # (init, lead, D)
    x = y[:, :, None] + rng.normal(size=(20, 3, 5, 3))
    fc = xr.DataArray(
        x, dims=("init", "lead", "member", "component"), coords={"init": init, "lead": lead}
    )
    out = evaluate(fc, truth, feature_dim="component")
    np.testing.assert_allclose(out["energy"].values, brute_energy(x, y).mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(
        out["energy_fair"].values, brute_energy(x, y, fair=True).mean(axis=0), atol=1e-12
    )
    crps = brute_crps(np.moveaxis(x, 2, -1), y)  # scalar metrics average over components too
    np.testing.assert_allclose(out["crps_ecdf"].values, crps.mean(axis=(0, 2)), atol=1e-12)
    np.testing.assert_array_equal(out["n_points_energy"].values, [20] * 3)
    assert out.attrs["feature_dim"] == "component"


def test_angles_use_the_wrapped_difference():
    rng = np.random.default_rng(9)
    times = np.arange(12.0)
    truth = xr.DataArray(
        rng.choice([-179.0, 179.0], size=(12, 2)), dims=("time", "angle"), coords={"time": times}
    )
    init, lead = times[:10], np.array([1.0])
    y = np.stack([truth.sel(time=init + ld).values for ld in lead], axis=1)
    # every member 2 degrees away across the wrap
    x = np.repeat((np.where(y > 0, -179.0, 179.0))[:, :, None], 3, axis=2)
    fc = xr.DataArray(
        x, dims=("init", "lead", "member", "angle"), coords={"init": init, "lead": lead}
    )
    out = evaluate(fc, truth, distance="circular", metrics=["crps_ecdf", "mae", "rmse"])
    np.testing.assert_allclose(out["crps_ecdf"].values, [2.0], atol=1e-9)
    np.testing.assert_allclose(out["mae"].values, [2.0], atol=1e-9)
    np.testing.assert_allclose(out["rmse"].values, [2.0], atol=1e-9)
    assert out.attrs["distance"] == "circular" and out.attrs["period"] == 360.0
