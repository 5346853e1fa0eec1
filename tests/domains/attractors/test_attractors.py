"""Lorenz-63 / Rössler: vector fields, integration accuracy, the attractor, seeds, noise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from idff_ts.domains.attractors.simulate import (
    ATTRACTORS,
    get_attractor,
    lorenz63_rhs,
    rossler_rhs,
    simulate_attractor,
)
from idff_ts.errors import ConfigError


def test_lorenz_rhs_hand_values() -> None:
    # (σ (y − x), x (ρ − z) − y, x y − β z) at (1, 2, 3) = (10, 1·25 − 2, 2 − 8)
    np.testing.assert_allclose(lorenz63_rhs(np.array([1.0, 2.0, 3.0])), [10.0, 23.0, -6.0])


def test_lorenz_rhs_vanishes_at_fixed_points() -> None:
    c = np.sqrt(8.0 / 3.0 * 27.0)
    points = np.array([[0.0, 0.0, 0.0], [c, c, 27.0], [-c, -c, 27.0]])
    np.testing.assert_allclose(lorenz63_rhs(points), 0.0, atol=1e-12)


def test_rossler_rhs_hand_values() -> None:
    # (−y − z, x + a y, b + z (x − c)) at (1, 2, 3) = (−5, 1.4, 0.2 + 3 (1 − 5.7))
    np.testing.assert_allclose(rossler_rhs(np.array([1.0, 2.0, 3.0])), [-5.0, 1.4, -13.9])


def test_rhs_is_vectorised_over_leading_dims() -> None:
    rng = np.random.default_rng(0)
    states = rng.standard_normal((4, 5, 3))
    for rhs in (lorenz63_rhs, rossler_rhs):
        batched = rhs(states)
        assert batched.shape == states.shape
        np.testing.assert_allclose(batched[2, 3], rhs(states[2, 3]))


def test_output_layout_and_metadata() -> None:
    da = simulate_attractor("lorenz63", n_trajectories=3, n_steps=50, seed=1)
    assert da.name == "state"
    assert da.dims == ("trajectory", "time", "variable")
    assert da.shape == (3, 50, 3)
    assert list(da["variable"].values) == ["x", "y", "z"]
    np.testing.assert_array_equal(da["trajectory"].values, [0, 1, 2])
    np.testing.assert_allclose(da["time"].values, 0.05 * np.arange(50))
    assert da["time"].attrs["units"] == "1"  # CF: dimensionless
    assert da.attrs["system"] == "lorenz63"
    assert da.attrs["param_rho"] == 28.0 and da.attrs["dt"] == 0.05
    assert da.attrs["seed"] == 1 and da.attrs["obs_noise"] == 0.0
    assert simulate_attractor("rossler", 1, 2).attrs["dt"] == 0.5


@pytest.mark.parametrize("name", sorted(ATTRACTORS))
def test_each_trajectory_matches_a_separate_tight_integration(name: str) -> None:
    """Integrating all trajectories as one system neither mixes them nor loses accuracy."""
    spec = get_attractor(name)
    da = simulate_attractor(name, n_trajectories=5, n_steps=41, spinup_steps=0, seed=2)
    t = da["time"].values
    for i in (0, 4):
        y0 = da.values[i, 0]
        ref = solve_ivp(
            lambda _t, y: spec.rhs(y, **spec.params),
            (0.0, t[-1]),
            y0,
            method="DOP853",
            t_eval=t,
            rtol=1e-12,
            atol=1e-12,
        )
        np.testing.assert_allclose(da.values[i], ref.y.T, atol=1e-5)


def test_lorenz_samples_lie_on_the_attractor() -> None:
    da = simulate_attractor("lorenz63", 4, 4000, seed=3, method="RK45", rtol=1e-6, atol=1e-6)
    x, y, z = (da.sel(variable=v).values for v in ("x", "y", "z"))
    assert np.abs(x).max() < 25 and np.abs(y).max() < 35 and 0 < z.min() and z.max() < 55
    assert abs(z.mean() - 23.5) < 1.0  # long-run mean of z on the attractor ≈ 23.55
    assert abs(x.mean()) < 2.0  # symmetric wings
    assert ((x > 0).any(axis=1) & (x < 0).any(axis=1)).all()  # every trajectory visits both


def test_rossler_samples_lie_on_the_attractor() -> None:
    da = simulate_attractor("rossler", n_trajectories=4, n_steps=1200, seed=3)
    x, y, z = (da.sel(variable=v).values for v in ("x", "y", "z"))
    assert np.abs(x).max() < 13 and np.abs(y).max() < 13 and 0 < z.min() and z.max() < 25
    assert np.median(z) < 0.5  # z is near 0 except during its short spikes
    # mean time between upward zero crossings of x: the orbit period ≈ 5.9
    up = ((x[:, :-1] < 0) & (x[:, 1:] >= 0)).sum(axis=1)
    period = 1200 * 0.5 / up
    assert np.all((period > 5.6) & (period < 6.2))


def test_spinup_discards_the_transient() -> None:
    """The first returned sample is the random start integrated for ``spinup_steps · dt``."""
    warm = simulate_attractor("lorenz63", n_trajectories=6, n_steps=1, seed=0)
    assert warm.attrs["spinup_steps"] == 400  # 20 time units at dt = 0.05
    raw = simulate_attractor("lorenz63", n_trajectories=6, n_steps=401, spinup_steps=0, seed=0)
    np.testing.assert_allclose(warm.values[:, 0], raw.values[:, 400], atol=1e-6)
    assert np.abs(raw.values[:, 0] - warm.values[:, 0]).max() > 1.0
    assert simulate_attractor("rossler", 1, 1).attrs["spinup_steps"] == 200  # 100 time units


def test_seed_determinism() -> None:
    a = simulate_attractor("rossler", 3, 30, seed=7)
    b = simulate_attractor("rossler", 3, 30, seed=7)
    c = simulate_attractor("rossler", 3, 30, seed=8)
    np.testing.assert_array_equal(a.values, b.values)
    assert np.abs(a.values - c.values).max() > 1.0
    # trajectories of one run start at different points
    assert np.abs(a.values[0, 0] - a.values[1, 0]).max() > 0.1


def test_observation_noise_statistics() -> None:
    fast = {"spinup_steps": 0, "rtol": 1e-4, "atol": 1e-4, "method": "RK45"}
    clean = simulate_attractor("lorenz63", 4, 2500, seed=5, **fast)
    noisy = simulate_attractor("lorenz63", 4, 2500, seed=5, obs_noise=0.5, **fast)
    diff = (noisy - clean).values
    assert abs(diff.std() - 0.5) < 0.01  # 30,000 draws: sd of the estimate ≈ 0.002
    assert abs(diff.mean()) < 0.01
    assert abs(np.corrcoef(diff[..., 0].ravel(), diff[..., 1].ravel())[0, 1]) < 0.03
    assert noisy.attrs["obs_noise"] == 0.5
    short = {"n_trajectories": 2, "n_steps": 20, "obs_noise": 0.5, **fast}
    noise = {
        seed: simulate_attractor("lorenz63", seed=seed, **short)
        - simulate_attractor("lorenz63", seed=seed, **{**short, "obs_noise": 0.0})
        for seed in (5, 6)
    }
    assert np.abs(noise[5].values - noise[6].values).min() > 0  # the noise changes with the seed


def test_params_override() -> None:
    da = simulate_attractor("lorenz63", 2, 1000, seed=0, params={"rho": 15.0})
    assert da.attrs["param_rho"] == 15.0 and da.attrs["param_sigma"] == 10.0
    # ρ = 15 < 24.74: the fixed points (±sqrt(β (ρ − 1)), ±sqrt(β (ρ − 1)), ρ − 1) are stable
    c = np.sqrt(8.0 / 3.0 * 14.0)
    np.testing.assert_allclose(np.abs(da.values[:, -1]), [[c, c, 14.0]] * 2, rtol=1e-4)


def test_unknown_system_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match="lorenz63.*rossler"):
        simulate_attractor("lorenz96", 1, 10)
    assert get_attractor("Lorenz63") is ATTRACTORS["lorenz63"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_trajectories": 0},
        {"n_steps": 0},
        {"dt": -0.1},
        {"obs_noise": -1.0},
        {"spinup_steps": -1},
        {"method": "Euler"},
        {"params": {"gamma": 1.0}},
    ],
)
def test_bad_arguments_raise_config_error(kwargs: dict) -> None:
    args = {"name": "lorenz63", "n_trajectories": 1, "n_steps": 5, **kwargs}
    with pytest.raises(ConfigError):
        simulate_attractor(**args)
