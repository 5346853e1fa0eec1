"""Chaotic attractors: Lorenz-63 and Rössler, simulated with ``scipy.integrate.solve_ivp``.

Lorenz-63 (Lorenz 1963, "Deterministic nonperiodic flow", J. Atmos. Sci. 20:130)::

    dx/dt = σ (y − x)
    dy/dt = x (ρ − z) − y
    dz/dt = x y − β z              σ = 10, ρ = 28, β = 8/3

Rössler (Rössler 1976, "An equation for continuous chaos", Phys. Lett. A 57:397)::

    dx/dt = −y − z
    dy/dt = x + a y
    dz/dt = b + z (x − c)          a = b = 0.2, c = 5.7

**Sampling interval.** The default ``dt`` is the spacing of the *returned* samples (the solver
takes its own adaptive steps in between). Both defaults give roughly 12–15 samples per
characteristic oscillation, so one forecast slot is a small, learnable fraction of the
dynamics and K = 7 slots stay within about a third of a Lyapunov time:

- Lorenz-63: ``dt = 0.05``. One loop around a wing takes ≈ 0.7 model time units; the largest
  Lyapunov exponent is λ₁ ≈ 0.906, so 7 slots span ≈ 0.32 Lyapunov times.
- Rössler: ``dt = 0.5``. The orbit period is ≈ 6.1 model time units; λ₁ ≈ 0.071, so 7 slots
  span ≈ 0.25 Lyapunov times.

**On the attractor.** Each trajectory starts at a seeded random point in a box around the
attractor and is integrated for a spin-up (20 time units for Lorenz, 100 for Rössler; both
contract phase-space volume at rate ≈ 5–14 per unit time) that is discarded, so the returned
samples lie on the attractor. All trajectories are integrated together as one system of size
``3 · n_trajectories`` (one ``solve_ivp`` call; the RHS is vectorised over trajectories).
Because the solver's error norm is the RMS over that whole system, the default tolerances are
tight (``rtol = atol = 1e-8`` with DOP853) so that each trajectory stays accurate on its own.

**Adding a system** is a right-hand side plus one entry in :data:`ATTRACTORS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from scipy.integrate import solve_ivp

from idff_ts.errors import ConfigError, DataError

RightHandSide = Callable[..., np.ndarray]
"""``rhs(state, **params) -> d state / dt``, both of shape ``(..., D)``."""

SOLVER_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


def lorenz63_rhs(
    state: np.ndarray, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0
) -> np.ndarray:
    """Lorenz-63 vector field ``(σ (y − x), x (ρ − z) − y, x y − β z)`` for ``state`` (..., 3)."""
    x, y, z = state[..., 0], state[..., 1], state[..., 2]
    return np.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z], axis=-1)


def rossler_rhs(state: np.ndarray, a: float = 0.2, b: float = 0.2, c: float = 5.7) -> np.ndarray:
    """Rössler vector field ``(−y − z, x + a y, b + z (x − c))`` for ``state`` (..., 3)."""
    x, y, z = state[..., 0], state[..., 1], state[..., 2]
    return np.stack([-y - z, x + a * y, b + z * (x - c)], axis=-1)


@dataclass(frozen=True)
class AttractorSpec:
    """Everything needed to simulate one system.

    Attributes:
        name: registry key, e.g. ``"lorenz63"``.
        rhs: vectorised vector field ``rhs(state (..., D), **params) -> (..., D)``.
        params: default parameters, passed to ``rhs`` as keywords.
        variables: names of the D state variables.
        dt: default sampling interval of the returned series (model time units).
        spinup_time: default transient discarded before the first returned sample.
        init_mean, init_std: initial states are ``init_mean + init_std · N(0, I)``, a box around
            the attractor from which every start converges to it within ``spinup_time``.
        init_abs: indices of variables whose initial value is made non-negative (Rössler z).
    """

    name: str
    rhs: RightHandSide
    params: Mapping[str, float]
    variables: tuple[str, ...]
    dt: float
    spinup_time: float
    init_mean: tuple[float, ...]
    init_std: tuple[float, ...]
    init_abs: tuple[int, ...] = field(default=())

    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` seeded random starting points, shape ``(n, D)``."""
        y0 = np.asarray(self.init_mean) + np.asarray(self.init_std) * rng.standard_normal(
            (n, len(self.variables))
        )
        for j in self.init_abs:
            y0[:, j] = np.abs(y0[:, j])
        return y0


ATTRACTORS: dict[str, AttractorSpec] = {
    "lorenz63": AttractorSpec(
        name="lorenz63",
        rhs=lorenz63_rhs,
        params={"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0},
        variables=("x", "y", "z"),
        dt=0.05,
        spinup_time=20.0,
        init_mean=(0.0, 0.0, 25.0),
        init_std=(8.0, 8.0, 8.0),
    ),
    "rossler": AttractorSpec(
        name="rossler",
        rhs=rossler_rhs,
        params={"a": 0.2, "b": 0.2, "c": 5.7},
        variables=("x", "y", "z"),
        dt=0.5,
        spinup_time=100.0,
        init_mean=(0.0, 0.0, 0.0),
        init_std=(6.0, 6.0, 1.0),
        init_abs=(2,),
    ),
}
"""Registry of simulated systems; adding a system is one entry."""


def get_attractor(name: str) -> AttractorSpec:
    """Look up ``name`` (case-insensitive) in :data:`ATTRACTORS`."""
    key = name.lower()
    if key not in ATTRACTORS:
        raise ConfigError(
            f"unknown attractor {name!r}; expected one of {sorted(ATTRACTORS)} "
            "(or add an AttractorSpec to idff_ts.domains.attractors.simulate.ATTRACTORS)"
        )
    return ATTRACTORS[key]


def simulate_attractor(
    name: str,
    n_trajectories: int,
    n_steps: int,
    dt: float | None = None,
    seed: int = 0,
    spinup_steps: int | None = None,
    obs_noise: float = 0.0,
    method: str = "DOP853",
    rtol: float = 1e-8,
    atol: float = 1e-8,
    params: Mapping[str, float] | None = None,
) -> xr.DataArray:
    """Simulate ``n_trajectories`` independent trajectories of a registered attractor.

    The clean state ``y(t_n)`` at ``t_n = n · dt`` (``n = 0..n_steps-1``, after the spin-up) is
    observed as ``y_obs = y + obs_noise · ε`` with ``ε ~ N(0, I)`` (absolute noise, in state
    units). Initial conditions and noise use two independent streams spawned from ``seed``, so
    the clean trajectories do not depend on ``obs_noise``.

    Args:
        name: a key of :data:`ATTRACTORS` (``"lorenz63"``, ``"rossler"``).
        n_trajectories: number of independent trajectories.
        n_steps: number of returned samples per trajectory.
        dt: sampling interval in model time units; ``None`` takes the system's default.
        seed: seed of the initial conditions and of the observation noise.
        spinup_steps: samples integrated and discarded before ``t = 0``; ``None`` takes
            ``ceil(spinup_time / dt)`` from the system's spec.
        obs_noise: standard deviation of the Gaussian observation noise (≥ 0).
        method, rtol, atol: passed to :func:`scipy.integrate.solve_ivp`.
        params: overrides of the system's parameters (e.g. ``{"rho": 35.0}``).

    Returns:
        ``DataArray`` named ``"state"`` with dims ``(trajectory, time, variable)``, float64; the
        ``time`` coord is dimensionless model time from 0 (``units = "1"``), ``variable`` holds
        the variable names and ``attrs`` the system, its parameters (``param_<name>``), ``dt``,
        ``seed``, ``obs_noise``, ``spinup_steps`` and the solver settings (all netCDF-safe).
    """
    spec = get_attractor(name)
    dt = spec.dt if dt is None else float(dt)
    if spinup_steps is None:
        spinup_steps = int(np.ceil(spec.spinup_time / dt))
    _check_simulation_args(n_trajectories, n_steps, dt, spinup_steps, obs_noise, method)
    unknown = sorted(set(params or {}) - set(spec.params))
    if unknown:
        raise ConfigError(
            f"unknown parameters {unknown} for {spec.name}; expected a subset of {sorted(spec.params)}"
        )
    p = {**spec.params, **(params or {})}

    ic_seq, noise_seq = np.random.SeedSequence(seed).spawn(2)
    y = _integrate(spec, p, n_trajectories, dt * np.arange(spinup_steps + n_steps), ic_seq,
                   method, rtol, atol)
    d = len(spec.variables)
    clean = y.reshape(n_trajectories, d, -1).transpose(0, 2, 1)[:, spinup_steps:]
    noisy = clean
    if obs_noise > 0:
        noisy = clean + obs_noise * np.random.default_rng(noise_seq).standard_normal(clean.shape)
    attrs = {
        "title": f"{spec.name} attractor simulation",
        "system": spec.name,
        **{f"param_{k}": float(v) for k, v in p.items()},
        "dt": dt,
        "seed": int(seed),
        "obs_noise": float(obs_noise),
        "spinup_steps": int(spinup_steps),
        "solver": method,
        "rtol": float(rtol),
        "atol": float(atol),
    }
    return _as_dataarray(noisy, dt, spec.variables, attrs)


def _integrate(
    spec: AttractorSpec, p: Mapping[str, float], n_trajectories: int, t_eval: np.ndarray,
    ic_seq: np.random.SeedSequence, method: str, rtol: float, atol: float,
) -> np.ndarray:
    """``(n_trajectories · d, T)`` states at ``t_eval`` from random initial states."""
    d = len(spec.variables)
    y0 = spec.initial_states(n_trajectories, np.random.default_rng(ic_seq))

    def fun(_t: float, y: np.ndarray) -> np.ndarray:
        return spec.rhs(y.reshape(n_trajectories, d), **p).ravel()

    if t_eval.size == 1:  # nothing to integrate
        y, ok, message = y0.ravel()[:, None], True, "no integration needed"
    else:
        sol = solve_ivp(
            fun, (0.0, t_eval[-1]), y0.ravel(), method=method, t_eval=t_eval, rtol=rtol, atol=atol
        )
        y, ok, message = sol.y, sol.status == 0, sol.message
    if not ok or y.shape[1] != t_eval.size or not np.all(np.isfinite(y)):
        raise DataError(
            f"integrating {spec.name} failed ({message}); expected {t_eval.size} finite "
            f"samples, found {y.shape[1]}. Check params={dict(p)}, or try method='RK45' / a smaller dt"
        )
    return y


def _as_dataarray(
    values: np.ndarray, dt: float, variables: Any, attrs: dict[str, Any]
) -> xr.DataArray:
    n_trajectories, n_steps = values.shape[:2]
    return xr.DataArray(
        np.ascontiguousarray(values),
        dims=("trajectory", "time", "variable"),
        coords={
            "trajectory": np.arange(n_trajectories),
            "time": xr.Variable(
                "time",
                dt * np.arange(n_steps),
                attrs={"units": "1", "long_name": "model time",
                       "comment": "dimensionless time of the ODE system"},
            ),
            "variable": list(variables),
        },
        name="state",
        attrs=attrs,
    )


def _check_simulation_args(
    n_trajectories: int, n_steps: int, dt: float, spinup_steps: int, obs_noise: float, method: str
) -> None:
    """Raise :class:`ConfigError` on out-of-range simulation settings."""
    if n_trajectories < 1 or n_steps < 1:
        raise ConfigError(
            f"n_trajectories and n_steps must be >= 1, got {n_trajectories} and {n_steps}"
        )
    if not dt > 0:
        raise ConfigError(f"dt must be > 0, got {dt}")
    if spinup_steps < 0:
        raise ConfigError(f"spinup_steps must be >= 0, got {spinup_steps}")
    if not obs_noise >= 0:
        raise ConfigError(f"obs_noise must be >= 0, got {obs_noise}")
    if method not in SOLVER_METHODS:
        raise ConfigError(f"method must be one of {list(SOLVER_METHODS)}, got {method!r}")


__all__ = [
    "ATTRACTORS",
    "AttractorSpec",
    "get_attractor",
    "lorenz63_rhs",
    "rossler_rhs",
    "simulate_attractor",
]
