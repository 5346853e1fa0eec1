"""Angle encoding (sin, cos) ↔ degrees, and wrapped errors in every metric (method.md §6)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from idff_ts.domains.md import AngleEncoder, angle_names, wrap_degrees
from idff_ts.domains.md.metrics import trajectory_scores
from idff_ts.errors import DataError
from idff_ts.evaluate import evaluate
from idff_ts.metrics import crps_ensemble_xr, mae, rmse

NAMES = ["phi_2", "psi_2", "phi_3", "psi_3"]


def _angles(values: np.ndarray, names: list[str] = NAMES) -> xr.DataArray:
    t = np.arange(values.shape[0], dtype=float)
    return xr.DataArray(values, dims=("time", "angle"), coords={"time": t, "angle": names},
                        name="dihedral", attrs={"units": "degree"})


def test_wrap_degrees_range_and_edges() -> None:
    x = np.array([-540.0, -180.0, -179.0, 0.0, 179.0, 180.0, 181.0, 360.0, 540.0])
    assert np.allclose(wrap_degrees(x), [180, 180, -179, 0, 179, 180, -179, 0, 180])


def test_encoder_round_trip_including_plus_minus_180() -> None:
    rng = np.random.default_rng(0)
    values = rng.uniform(-180, 180, size=(20, 4))
    values[0] = [-180.0, 180.0, 179.999, -179.999]
    values[1] = [0.0, 90.0, -90.0, 45.0]
    da = _angles(values)
    enc = AngleEncoder()
    feats = enc.encode(da)
    assert feats.dims == ("time", "feature") and feats.sizes["feature"] == 8
    assert list(feats["feature"].values[:2]) == ["sin(phi_2)", "cos(phi_2)"]
    assert np.allclose(feats.isel(time=1).values, [0, 1, 1, 0, -1, 0, np.sqrt(0.5), np.sqrt(0.5)],
                       atol=1e-12)
    back = enc.decode(feats)
    assert back.dims == da.dims and angle_names(back) == NAMES
    assert back.attrs["units"] == "degree"
    assert np.allclose(back.values, wrap_degrees(values), atol=1e-9)
    assert back.isel(time=0, angle=0).item() == 180.0  # −180 comes back as 180: (−180, 180]
    assert np.all((back.values > -180) & (back.values <= 180))
    # off-circle features (any radius) decode to the same angle
    assert np.allclose(enc.decode(3.0 * feats).values, back.values)


def test_encoder_keeps_other_dims_and_order() -> None:
    rng = np.random.default_rng(1)
    da = xr.DataArray(rng.uniform(-180, 180, (3, 5, 2)), dims=("trajectory", "time", "angle"),
                      coords={"angle": ["phi_2", "psi_2"], "trajectory": [7, 8, 9]})
    enc = AngleEncoder()
    feats = enc.encode(da)
    assert feats.dims == ("trajectory", "time", "feature")
    assert list(feats["trajectory"].values) == [7, 8, 9]
    assert np.allclose(enc.decode(feats).values, da.values)
    # angle dim not last
    da2 = da.transpose("angle", "trajectory", "time")
    assert np.allclose(enc.decode(enc.encode(da2)).transpose(*da.dims).values, da.values)


def test_encoder_errors() -> None:
    enc = AngleEncoder()
    with pytest.raises(DataError, match="'angle' dim"):
        enc.encode(xr.DataArray(np.zeros((3, 2)), dims=("time", "x")))
    with pytest.raises(DataError, match="even number"):
        enc.decode(xr.DataArray(np.zeros((3, 3)), dims=("time", "feature")))
    bad = xr.DataArray(np.zeros((1, 2)), dims=("time", "feature"),
                       coords={"feature": ["cos(a)", "sin(a)"]})
    with pytest.raises(DataError, match="not a 'sin\\(name\\)'"):
        enc.decode(bad)


def _forecast(member_values: list[float], truth_value: float) -> tuple[xr.DataArray, xr.DataArray]:
    """One init, one lead, one angle: forecast (init, lead, member, angle), truth (time, angle)."""
    m = len(member_values)
    fc = xr.DataArray(
        np.asarray(member_values, dtype=float).reshape(1, 1, m, 1),
        dims=("init", "lead", "member", "angle"),
        coords={"init": [0.0], "lead": [1.0], "member": np.arange(m), "angle": ["phi_2"]},
        name="dihedral",
    )
    truth = xr.DataArray([[0.0], [truth_value]], dims=("time", "angle"),
                         coords={"time": [0.0, 1.0], "angle": ["phi_2"]}, name="dihedral")
    return fc, truth


def test_minus_179_vs_179_is_a_2_degree_error_everywhere() -> None:
    fc, truth = _forecast([-179.0, -179.0, -179.0], 179.0)
    y = truth.sel(time=[1.0]).rename(time="init").assign_coords(init=[0.0]).expand_dims(
        lead=[1.0], axis=1)
    kw = {"distance": "circular"}
    assert mae(fc, y, **kw).item() == pytest.approx(2.0)
    assert rmse(fc, y, **kw).item() == pytest.approx(2.0)
    assert crps_ensemble_xr(fc, y, **kw).item() == pytest.approx(2.0)
    scores = evaluate(fc, truth, distance="circular", feature_dim="angle",
                      metrics=["crps_ecdf", "crps_fair", "mae", "rmse", "mse", "energy"])
    for name in ("crps_ecdf", "crps_fair", "mae", "rmse", "energy"):
        assert scores[name].item() == pytest.approx(2.0), name
    assert scores["mse"].item() == pytest.approx(4.0)
    # the raw (non-circular) metric would say 358°: the bug the wrapped difference avoids
    assert mae(fc, y).item() == pytest.approx(358.0)
    # and the MD trajectory scores
    gen = fc.isel(init=0).rename(lead="time").assign_coords(time=[1.0])
    ts = trajectory_scores(gen.transpose("member", "time", "angle"), truth.sel(time=[1.0]))
    assert ts["mae_mean"].item() == pytest.approx(2.0)
    assert ts["rmse_mean"].item() == pytest.approx(2.0)
    assert ts["crps_mean"].item() == pytest.approx(2.0)


def test_decoded_forecast_near_the_cut_is_scored_wrapped() -> None:
    """sin/cos features of −179° decode to −179° and score 2° against 179°."""
    enc = AngleEncoder()
    feats = enc.encode(_angles(np.array([[-179.0, 179.0, 0.0, 0.0]])))
    dec = enc.decode(feats)
    fc, truth = _forecast([float(dec.values[0, 0])] * 2, 179.0)
    scores = evaluate(fc, truth, distance="circular", metrics=["crps_ecdf", "mae"])
    assert scores["mae"].item() == pytest.approx(2.0, abs=1e-9)
    assert scores["crps_ecdf"].item() == pytest.approx(2.0, abs=1e-9)


# ------------------------------------------------------------------ fit / forecast / generate
def _circular_walk(n_traj: int, n_time: int, seed: int) -> xr.DataArray:
    """Angles drifting across ±180 (so a model on raw degrees would see jumps of 360)."""
    rng = np.random.default_rng(seed)
    steps = 12.0 + rng.normal(0, 4, (n_traj, n_time, 2))
    values = wrap_degrees(170.0 + np.cumsum(steps, axis=1))
    return xr.DataArray(values, dims=("trajectory", "time", "angle"),
                        coords={"time": np.arange(n_time) * 2.0, "angle": ["phi_2", "psi_2"]},
                        name="dihedral", attrs={"units": "degree"})


def test_fit_forecast_generate_in_sincos_space(tmp_path) -> None:
    pytest.importorskip("lightning", reason="training needs lightning")
    from idff_ts.domains.md import fit_angles, forecast_angles, generate_angles
    from idff_ts.errors import ConfigError

    data = _circular_walk(4, 40, 0)
    model = fit_angles(
        {"train": data.isel(trajectory=slice(0, 3)), "val": data.isel(trajectory=[3])},
        context=1, horizon=3, model={"hidden": 16, "depth": 1, "emb_dim": 8},
        train={"max_epochs": 1, "limit_train_batches": 2, "batch_size": 32, "val_inits": 4,
               "val_members": 2}, progress=False, out_dir=tmp_path,
    )
    info = model.data_info
    assert info["angle_encoding"] == "sincos" and info["angle_names"] == ["phi_2", "psi_2"]
    assert tuple(model.cfg.state_shape) == (4,)
    test = data.isel(trajectory=3)
    fc = forecast_angles(test, tmp_path / "model.pt", horizon=3, members=5, seed=1,
                         init=[10.0, 20.0])
    da = fc["dihedral"]
    assert da.dims == ("init", "lead", "member", "angle")
    assert list(da["angle"].values) == ["phi_2", "psi_2"] and da.attrs["units"] == "degree"
    assert fc.attrs["angle_encoding"] == "sincos"
    assert np.all((da.values > -180) & (da.values <= 180))
    again = forecast_angles(test, model, horizon=3, members=5, seed=1, init=[10.0, 20.0])
    assert np.allclose(again["dihedral"].values, da.values)  # saved model = returned model
    scores = evaluate(fc, test, distance="circular", feature_dim="angle")
    assert np.isfinite(scores["crps_ecdf_mean"].item())
    gen = generate_angles(test.isel(time=[0]), model, 7, members=2, seed=0)
    assert gen.dims == ("member", "time", "angle") and gen.sizes["time"] == 7
    assert np.allclose(gen["time"].values, 2.0 * np.arange(1, 8))  # the model's 2-unit step
    assert gen.attrs["nfe"] == model.sampler.nfe == gen.attrs["nfe_counted"]
    with pytest.raises(DataError, match="differ from the model's"):
        forecast_angles(test.assign_coords(angle=["psi_2", "phi_2"]), model, horizon=1)
    plain = model.__class__(method=model.method, mean=model.mean, std=model.std)
    with pytest.raises(ConfigError, match="not trained on sin/cos"):
        forecast_angles(test, plain, horizon=1)


# ------------------------------------------------- the generic API on angle data (routing)
def test_circular_attrs_make_evaluate_wrap_by_default() -> None:
    """An angle forecast (attrs circular=1) is scored wrapped with no distance= argument."""
    fc, truth = _forecast([-179.0, -179.0, -179.0], 179.0)
    fc.attrs.update({"units": "degree", "circular": 1, "period": 360.0})
    scores = evaluate(fc, truth, feature_dim="angle",
                      metrics=["crps_ecdf", "crps_fair", "mae", "rmse", "energy"])
    assert scores.attrs["distance"] == "circular" and scores.attrs["period"] == 360.0
    for name in ("crps_ecdf", "crps_fair", "mae", "rmse", "energy"):
        assert scores[name].item() == pytest.approx(2.0), name
    plain = evaluate(fc, truth, metrics=["mae"], distance="absolute")  # forced: 358°
    assert plain["mae"].item() == pytest.approx(358.0)


def test_circular_mean_and_std_across_the_cut() -> None:
    from idff_ts.domains.md import circular_mean, circular_std

    da = xr.DataArray([179.0, -179.0, 177.0, -177.0], dims="member")
    assert circular_mean(da, "member").item() == pytest.approx(180.0)
    # closed form: R = mean cos of ±1°, ±3° about 180°; std = sqrt(-2 ln R)
    r = np.mean(np.cos(np.radians([1.0, 1.0, 3.0, 3.0])))
    assert circular_std(da, "member").item() == pytest.approx(np.degrees(np.sqrt(-2 * np.log(r))))
    assert circular_std(da, "member").item() == pytest.approx(np.std([1, -1, 3, -3]), rel=1e-3)


def test_generic_fit_forecast_and_accessor_work_in_degrees(tmp_path) -> None:
    """``idff_ts.fit`` / ``idff_ts.forecast`` / ``da.idff.forecast`` on angles marked
    circular train on sin/cos and answer in degrees, as the MD tasks and the CLI rely on."""
    pytest.importorskip("lightning", reason="training needs lightning")
    import idff_ts  # noqa: F401 - registers the accessor
    from idff_ts import fit
    from idff_ts.forecast import forecast

    data = _circular_walk(4, 30, 1).assign_attrs(circular=1, period=360.0)
    model = fit({"train": data.isel(trajectory=slice(0, 3)), "val": data.isel(trajectory=[3])},
                context=1, horizon=2, model={"hidden": 16, "depth": 1, "emb_dim": 8},
                train={"max_epochs": 1, "limit_train_batches": 2, "batch_size": 32,
                       "val_inits": 4, "val_members": 2}, progress=False)
    assert model.data_info["angle_encoding"] == "sincos"
    assert tuple(model.cfg.state_shape) == (4,)  # 2 angles -> 4 sin/cos features
    test = data.isel(trajectory=[3])
    fc = forecast(test, model, horizon=2, members=3, seed=0, init=[10.0])
    again = test.idff.forecast(model=model, horizon=2, members=3, seed=0, init=[10.0])
    da = fc["dihedral"]
    assert da.dims == ("init", "trajectory", "lead", "member", "angle")
    assert list(da["angle"].values) == ["phi_2", "psi_2"]
    assert da.attrs["units"] == "degree" and da.attrs["circular"] == 1
    assert np.all((da.values > -180) & (da.values <= 180))
    assert np.array_equal(again["dihedral"].values, da.values)
    assert evaluate(fc, test).attrs["distance"] == "circular"
    with pytest.raises(DataError, match="units 'radian'"):
        fit(data.assign_attrs(units="radian"), context=1, horizon=2)
