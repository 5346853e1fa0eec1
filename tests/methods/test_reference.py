"""Persistence and climatology references, in the layout of a model forecast."""

from __future__ import annotations

import numpy as np
import xarray as xr

from idff_ts.methods.reference import climatology_like, persistence_like


def make(n_time=30, n_var=2, seed=0):
    rng = np.random.default_rng(seed)
    time = np.arange(n_time) * 0.5
    return xr.DataArray(
        rng.normal(size=(n_time, n_var)), dims=("time", "variable"),
        coords={"time": time, "variable": ["a", "b"][:n_var]}, name="state",
    )


def template(data, inits, leads, members=3):
    lead = np.asarray(leads, dtype=float) * 0.5
    fc = xr.DataArray(
        np.zeros((len(inits), len(lead), members, data.sizes["variable"]), np.float32),
        dims=("init", "lead", "member", "variable"),
        coords={"init": inits, "lead": lead, "member": np.arange(members), "variable": data["variable"].values},
    )
    ds = fc.to_dataset(name="state")
    return ds.assign_coords(valid_time=ds.init + ds.lead)


def test_persistence_repeats_the_init_state_for_every_lead():
    data = make()
    tmpl = template(data, data.time.values[[3, 7]], [1, 2, 3])
    p = persistence_like(tmpl, data)
    assert p.state.dims == tmpl.state.dims and p.sizes["member"] == 1
    for i, t0 in enumerate(tmpl.init.values):
        expected = data.sel(time=t0).values
        assert np.allclose(p.state.isel(init=i, member=0).values, expected[None], atol=1e-6)


def test_climatology_draws_training_states_reproducibly():
    train, data = make(seed=1), make(seed=2)
    tmpl = template(data, data.time.values[[3, 7]], [1, 2])
    c1 = climatology_like(tmpl, train, members=10, seed=5)
    c2 = climatology_like(tmpl, train, members=10, seed=5)
    c3 = climatology_like(tmpl, train, members=10, seed=6)
    assert c1.state.dims == tmpl.state.dims and c1.sizes["member"] == 10
    assert np.array_equal(c1.state.values, c2.state.values)
    assert not np.array_equal(c1.state.values, c3.state.values)
    rows = {tuple(np.round(r, 5)) for r in train.values.astype(np.float32)}
    for m in range(10):
        v = c1.state.isel(init=0, lead=0, member=m).values
        assert tuple(np.round(v, 5)) in rows
    # the same draw for every init and lead
    assert np.array_equal(c1.state.isel(init=0).values, c1.state.isel(init=1).values)
