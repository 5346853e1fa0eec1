"""The MD domain as a plug-in: what it accepts and owns, its tasks and commands, and that a
model without a ``"domain"`` key (a checkpoint from before domains existed) still forecasts in
degrees through it, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import idff_ts
from idff_ts.domains import domain_for_data, domain_for_model, domain_for_task, get_domain
from idff_ts.domains.md import MDDomain
from idff_ts.errors import DataError


def _angles(n_traj: int = 4, n_time: int = 30, seed: int = 0) -> xr.DataArray:
    """A random walk of two dihedrals that keeps crossing ±180° (degrees, circular)."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 25.0, size=(n_traj, n_time, 2))
    values = (170.0 + np.cumsum(steps, axis=1) + 180.0) % 360.0 - 180.0
    return xr.DataArray(
        values.astype(np.float32), dims=("trajectory", "time", "angle"), name="dihedral",
        coords={"time": np.arange(n_time, dtype=float), "angle": ["phi_2", "psi_2"]},
        attrs={"units": "degree", "circular": 1, "period": 360.0},
    )


def test_accepts_circular_angles_only() -> None:
    md = get_domain("md")
    da = _angles()
    assert md.accepts_data(da) and md.accepts_data({"train": da, "val": da})
    assert not md.accepts_data(da.assign_attrs(circular=0))
    assert not md.accepts_data(da.rename(angle="variable"))
    assert not md.accepts_data(da.to_dataset())
    assert domain_for_data(da) is md
    assert domain_for_data(da.assign_attrs(circular=0)).name == "series"
    with pytest.raises(DataError, match="units 'radian'"):
        md.accepts_data(da.assign_attrs(units="radian"))


def test_owns_angle_models_with_or_without_a_domain_key() -> None:
    md = get_domain("md")
    assert md.owns_model({"domain": "md"})
    assert md.owns_model({"angle_encoding": "sincos", "angle_names": ["phi_2"]})
    assert not md.owns_model({"domain": "series", "angle_encoding": "sincos"})
    assert not md.owns_model({"name": "x"})
    assert domain_for_model({"angle_encoding": "sincos"}) is md
    assert domain_for_model({"name": "x"}).name == "series"


def test_tasks_are_registered_once_and_trained_by_md() -> None:
    from idff_ts.tasks import TASKS, get_task

    md = get_domain("md")
    first, again = tuple(md.tasks()), tuple(md.tasks())
    assert [t.name for t in first] == ["polyala", "ala2"]
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert TASKS["polyala"] is first[0] and TASKS["ala2"] is first[1]
    assert domain_for_task(get_task("polyala")) is md and domain_for_task(get_task("ala2")) is md
    assert MDDomain().tasks() is not None  # a fresh instance builds its own (nothing runs)


def test_cli_commands_hold_simulate_and_dihedrals() -> None:
    (app,) = tuple(get_domain("md").cli_commands())
    commands = [c.name for c in app.registered_commands]
    groups = [g.name for g in app.registered_groups]
    assert commands == ["dihedrals"] and groups == ["simulate"]
    simulate = app.registered_groups[0].typer_instance
    assert [c.name for c in simulate.registered_commands] == ["polyala"]


def test_summary_uses_circular_means_and_spreads() -> None:
    """phi_2 members at ±179°: circular mean 180° with a 1.0° spread (a plain mean would say 0°
    with a 207° spread); psi_2 members at 10…40°: the circular mean is the plain one, 25°."""
    from rich.console import Console

    members = np.array([[179.0, 10.0], [-179.0, 20.0], [179.0, 30.0], [-179.0, 40.0]])
    fc = xr.Dataset(
        {"dihedral": (("init", "lead", "member", "angle"), members[None, None],
                      {"units": "degree", "circular": 1})},
        coords={"init": [0.0], "lead": [1.0], "member": np.arange(4),
                "angle": ["phi_2", "psi_2"]},
        attrs={"nfe_counted": 3, "wall_time_s": 0.1},
    )
    table, line = get_domain("md").summary(fc, ["fc.nc"])
    console = Console(record=True, width=200)
    console.print(table)
    text = console.export_text()
    assert "phi_2 mean" in text and "psi_2 spread" in text and "(degree)" in text
    row = next(r for r in text.splitlines() if r.startswith("│"))
    lead, phi_mean, phi_spread, psi_mean, psi_spread = (
        float(c) for c in row.strip("│").split("│"))
    r_phi = abs(np.mean(np.exp(1j * np.radians(members[:, 0]))))
    r_psi = abs(np.mean(np.exp(1j * np.radians(members[:, 1]))))
    assert lead == 1 and abs(phi_mean) == pytest.approx(180.0)
    assert phi_spread == pytest.approx(np.degrees(np.sqrt(-2 * np.log(r_phi))), rel=1e-3)
    assert psi_mean == pytest.approx(25.0, abs=0.01)
    assert psi_spread == pytest.approx(np.degrees(np.sqrt(-2 * np.log(r_psi))), rel=1e-3)
    assert line.startswith("wrote fc.nc")


@pytest.fixture(scope="module")
def trained():
    pytest.importorskip("lightning", reason="training needs lightning")
    data = _angles()
    model = idff_ts.fit(
        {"train": data.isel(trajectory=slice(0, 3)), "val": data.isel(trajectory=[3])},
        context=1, horizon=2, model={"hidden": 16, "depth": 1, "emb_dim": 8},
        train={"max_epochs": 1, "limit_train_batches": 2, "batch_size": 32, "val_inits": 4,
               "val_members": 2}, progress=False,
    )
    return data, model


def test_fit_records_the_domain_and_the_angles(trained) -> None:
    _, model = trained
    info = model.data_info
    assert info["domain"] == "md" and info["angle_encoding"] == "sincos"
    assert info["angle_names"] == ["phi_2", "psi_2"] and info["angle_dim"] == "angle"
    assert tuple(model.cfg.state_shape) == (4,)


def test_a_model_without_domain_key_forecasts_the_same(trained) -> None:
    """Old checkpoints carry the angle keys but no ``"domain"``: the registry still routes them
    to the MD domain, and the forecast is bitwise the same (degrees, names, attrs)."""
    from idff_ts.domains.md import forecast_angles

    data, model = trained
    test = data.isel(trajectory=[3])
    kwargs = {"horizon": 2, "members": 3, "seed": 5, "init": [10.0, 20.0]}
    new = idff_ts.forecast(test, model, **kwargs)
    model.data_info.pop("domain")
    try:
        old = idff_ts.forecast(test, model, **kwargs)
        via_helper = forecast_angles(test, model, **kwargs)
    finally:
        model.data_info["domain"] = "md"
    for ds in (old, via_helper):
        assert np.array_equal(ds["dihedral"].values, new["dihedral"].values)
        assert ds["dihedral"].attrs == new["dihedral"].attrs
    da = new["dihedral"]
    assert da.dims == ("init", "trajectory", "lead", "member", "angle")
    assert da.attrs["units"] == "degree" and da.attrs["circular"] == 1
    assert new.attrs["angle_encoding"] == "sincos"
    assert np.all((da.values > -180) & (da.values <= 180))


def test_forecast_refuses_other_angles_and_options(trained) -> None:
    from idff_ts.errors import ConfigError

    data, model = trained
    test = data.isel(trajectory=[3])
    with pytest.raises(DataError, match="differ from the model's"):
        idff_ts.forecast(test.assign_coords(angle=["psi_2", "phi_2"]), model, horizon=1)
    with pytest.raises(DataError, match="expected an 'angle' dim"):
        idff_ts.forecast(test.rename(angle="variable"), model, horizon=1)
    with pytest.raises(ConfigError, match="boxes="):
        idff_ts.forecast(test, model, horizon=1, boxes=[84])


def test_another_angle_dim_gives_the_same_forecast(trained) -> None:
    """fit_angles with ``angle_dim="torsion"`` on the renamed data trains the same network (same
    features, same seed), and idff_ts.forecast answers along ``torsion`` with equal values."""
    from idff_ts.domains.md import fit_angles

    data, model = trained
    renamed = data.rename(angle="torsion")
    other = fit_angles(
        {"train": renamed.isel(trajectory=slice(0, 3)), "val": renamed.isel(trajectory=[3])},
        angle_dim="torsion", context=1, horizon=2,
        model={"hidden": 16, "depth": 1, "emb_dim": 8},
        train={"max_epochs": 1, "limit_train_batches": 2, "batch_size": 32, "val_inits": 4,
               "val_members": 2}, progress=False,
    )
    assert other.data_info["angle_dim"] == "torsion" and other.data_info["domain"] == "md"
    kwargs = {"horizon": 2, "members": 3, "seed": 1, "init": [10.0]}
    ref = idff_ts.forecast(data.isel(trajectory=[3]), model, **kwargs)["dihedral"]
    got = idff_ts.forecast(renamed.isel(trajectory=[3]), other, **kwargs)["dihedral"]
    assert got.dims == ("init", "trajectory", "lead", "member", "torsion")
    assert list(got["torsion"].values) == ["phi_2", "psi_2"]
    assert np.array_equal(got.values, ref.values)
