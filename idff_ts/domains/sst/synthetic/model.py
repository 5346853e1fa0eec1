"""The synthetic SST model and its integrator: SYNTHETIC DEMO DATA, not NOAA OISST.

No multi-year real tile archive can ship with the package (data.md §2, "Embedded default"), so the
demo archive is made by this documented, seeded, physically motivated generator and written in
the exact NOAA PSL yearly layout (:func:`write_psl_archive`), so that every code path that reads
real ``sst.day.mean.YYYY.nc`` files reads it too.

**Model.** ``T = T_clim(lat, lon, day of year) + T'(lat, lon, t) + T_tiw(lat, lon, t) + T_w``
where

- ``T_clim`` is an analytic seasonal climatology of the tropical Pacific: a warm pool of
  ``warm_pool_temp`` in the west, a cold tongue cooler by ``cold_tongue_depth`` at the eastern
  equator (centred at ``cold_tongue_lat``, slightly south of the equator as observed), a cooler
  south-east Pacific (``southeast_cooling``), a weak warm band under the ITCZ near 9°N and a
  quadratic poleward cooling; plus an annual harmonic with a cold-tongue part
  (``annual_amp_equator``, warmest around day ``annual_peak_doy_equator`` ≈ early April, coldest
  in September–October) and a hemispheric part (``annual_amp_hemispheric`` at 15° from the
  equator, southern peak on day ``annual_peak_doy_south`` ≈ March, northern six months later);
- ``T'`` is the anomaly of a stochastic advection–diffusion–relaxation equation ::

      ∂T'/∂t = −u(lat) ∂T'/∂x + κ ∇²T' − (T' − E(t) P(lat, lon)) / τ + F(lat, lon, t)

  with the zonal current ``u`` = a westward South Equatorial Current (``current_speed`` m/s,
  Gaussian in latitude around ``current_lat``, width ``current_width``) plus an eastward North
  Equatorial Countercurrent (``countercurrent_speed`` at ``countercurrent_lat``); diffusivity
  ``κ = diffusivity`` m²/s; relaxation time ``τ = relaxation_days``; an ENSO-like index ``E(t)``
  (a damped stochastic oscillator: complex AR(1) with period ``enso_period_days``, damping
  ``enso_damping_days``, std ``enso_amplitude`` °C) over the cold-tongue pattern ``P``; and eddy
  forcing ``F``: red noise, AR(1) in time with memory ``eddy_memory_days``, spatially Gaussian
  smoothed white noise (``eddy_scale_lat_deg``, ``eddy_scale_lon_deg``), scaled so that the
  forced anomaly has a standard deviation of about ``eddy_amplitude`` °C. Writing the model for the
  anomaly is the usual "restoring to climatology" form in which ``T_clim`` is the equilibrium of
  the full equation (the relaxation target absorbs the advection of the climatology), so the
  seasonal cycle and the mean state are exactly those above;
- ``T_tiw`` are tropical instability waves: westward-propagating waves of wavelength
  ``tiw_wavelength_deg`` and period ``tiw_period_days`` (phase speed ≈ 0.46 m/s) around
  ``tiw_lat`` north of the equator, in the eastern basin, with a random amplitude and phase
  (complex AR(1), memory ``tiw_memory_days``) and a seasonal modulation (strongest in
  boreal autumn, as observed), std ≈ ``tiw_amplitude`` °C on their axis;
- ``T_w`` is short-lived surface "weather" (diurnal warm layers, wind-mixing events): AR(1)
  red noise with memory ``weather_memory_days`` and std ``weather_amplitude`` on the eddy
  scales — the unpredictable part, which keeps the lag-1 autocorrelation of daily anomalies
  near the observed ≈ 0.95 rather than ≈ 0.99.

**Numerics.** Explicit forward Euler in flux-difference form with first-order upwind advection and
centred diffusion on the 0.25° grid (``dx = R cos(lat) Δλ``, ``dy = R Δφ``); the number of
sub-steps per day is the smallest with a Courant number ``Σ coefficients · dt ≤ max_courant``
(0.9: the update is a convex combination, hence monotone and stable) — with the defaults
(SEC ≈ 1.4 cells/day, ``κ dt/dx²`` ≈ 0.11/day) that is 3 sub-steps per day. Boundaries (the region's edges and coasts) have zero normal gradient. The
eddy noise is drawn on a grid ``noise_coarsening`` times coarser (it is smooth on that scale
anyway) and interpolated bilinearly; a 39-year run of the 120 × 360 ETP region takes
≈ 40 s of integration on one core (≈ 1 s per year), plus ≈ 1 s per year to write the files. Values are rounded to ``precision`` °C (0.01, the
precision OISST files state).

**Land.** A stylised coast — not real geography — so that land masks are exercised:
Central America as the half-plane north-east of the line (15°N, 263°E)–(7°N, 270°E) (flat at
7°N further east), South America east of ≈ 280.5°E south of 7.5°N, and a Galápagos-like island
near (0.5°S, 268.9°E). In the DYffusion tiling this makes box 113 (0–15°N, 255–270°E) ≈ 12 %
land (so it fails the ≥ 95 % ocean rule, like the real box left out of the ETP set) while the 11
ETP boxes 84–89 and 108–112 are ≥ 99 % ocean; box 89 contains the island (< 1 % land), so masked
pixels occur inside a kept tile. The mask is fixed in time; land is NaN (``missing_value`` on
disk).

**Randomness.** Each calendar year draws its forcing from its own stream
``SeedSequence(seed, spawn_key=(year, 0))``, so a year's forcing does not depend on ``start``,
``end`` or how the run is chunked: :func:`iter_sst_years` and :func:`generate_sst` give identical
values, and a shorter run is a prefix of a longer one from the same ``start``. The state is
spun up for ``spinup_days`` before ``start`` (initial states from ``spawn_key=(year, 1)``), so two
runs with different ``start`` agree only approximately (to ≈ e^{-spinup/τ}). A different region
is a different realisation (the PDE and its noise live on the region).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from idff_ts.domains.sst.synthetic.climate import (
    EARTH_RADIUS,
    RESOLUTION,
    SECONDS_PER_DAY,
    YEAR_DAYS,
    SyntheticSSTParams,
    climatology_terms,
    cold_tongue,
    east_fraction,
    ocean_mask,
)

# --------------------------------------------------------------------------- the integrator


def _interp_weights(n_fine: int, factor: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Linear interpolation from a grid ``factor`` times coarser: (index, weight, n_coarse)."""
    n_coarse = -(-n_fine // factor) + 2
    s = (np.arange(n_fine) - (factor - 1) / 2.0) / factor + 1.0
    i0 = np.floor(s).astype(np.intp)
    return i0, s - i0, n_coarse


def _smooth_unit(white: np.ndarray, sigma: tuple[float, float]) -> np.ndarray:
    """Gaussian-smoothed white noise over the last two axes, rescaled to unit variance."""
    out = gaussian_filter(white, sigma=(0.0, *sigma), mode="wrap")
    delta = np.zeros((1, *(int(8 * s) + 3 for s in sigma)), dtype=np.float64)
    delta[0, delta.shape[1] // 2, delta.shape[2] // 2] = 1.0
    kernel = gaussian_filter(delta, sigma=(0.0, *sigma), mode="constant")
    out /= np.float32(math.sqrt(float(np.sum(kernel**2))))
    return out


class SSTModel:
    """State and operators of one run (see the module docstring)."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, p: SyntheticSSTParams, seed: int):
        self.p, self.seed = p, int(seed)
        lat64, lon64 = lat.astype(float), lon.astype(float)
        self.ny, self.nx = lat.size, lon.size
        self.ocean = ocean_mask(lat, lon)
        la = np.broadcast_to(lat64[:, None], (self.ny, self.nx))
        self._init_transport(la)
        self._init_eddies()
        self._init_modes(la, lat64, lon64)
        self.clim = climatology_terms(lat, lon, p)
        self._year: int | None = None
        self._year_noise: dict[str, np.ndarray] = {}

    def _init_transport(self, la: np.ndarray) -> None:
        """Currents (cells/day), diffusion numbers per day, sub-steps and flux coefficients."""
        p, ocean = self.p, self.ocean
        u = p.current_speed * -np.exp(-0.5 * ((la - p.current_lat) / p.current_width) ** 2)
        u = u + p.countercurrent_speed * np.exp(
            -0.5 * ((la - p.countercurrent_lat) / p.countercurrent_width) ** 2
        )
        dy = EARTH_RADIUS * math.radians(RESOLUTION)
        dx = dy * np.cos(np.radians(la))
        c = u * SECONDS_PER_DAY / dx
        kx = p.diffusivity * SECONDS_PER_DAY / dx**2
        ky = np.full_like(kx, p.diffusivity * SECONDS_PER_DAY / dy**2)
        has_e = np.zeros_like(ocean)
        has_e[:, :-1] = ocean[:, :-1] & ocean[:, 1:]
        has_w = np.zeros_like(ocean)
        has_w[:, 1:] = ocean[:, 1:] & ocean[:, :-1]
        has_n = np.zeros_like(ocean)
        has_n[:-1] = ocean[:-1] & ocean[1:]
        has_s = np.zeros_like(ocean)
        has_s[1:] = ocean[1:] & ocean[:-1]
        a_e = (np.maximum(-c, 0.0) + kx) * has_e  # westward flow takes the eastern value
        a_w = (np.maximum(c, 0.0) + kx) * has_w
        a_n, a_s = ky * has_n, ky * has_s
        rate = a_e + a_w + a_n + a_s + 1.0 / p.relaxation_days
        self.courant_per_day = float(rate.max())
        self.substeps = max(1, math.ceil(self.courant_per_day / p.max_courant))
        self.dt = 1.0 / self.substeps
        self.a_e, self.a_w = a_e * self.dt, a_w * self.dt
        self.a_n, self.a_s = a_n * self.dt, a_s * self.dt
        self.relax = self.dt / p.relaxation_days
        self.max_speed_cells_per_day = float(np.abs(c).max())

    def _init_eddies(self) -> None:
        """Eddy forcing: AR(1) on a coarse grid, unit variance; F = sigma_f · r; weather."""
        p, f = self.p, self.p.noise_coarsening
        self.iy, self.wy, self.nyc = _interp_weights(self.ny, f)
        self.ix, self.wx, self.nxc = _interp_weights(self.nx, f)
        self.eddy_sigma = (p.eddy_scale_lat_deg / (RESOLUTION * f),
                           p.eddy_scale_lon_deg / (RESOLUTION * f))
        self.eddy_a = math.exp(-1.0 / p.eddy_memory_days)
        self.eddy_b = math.sqrt(1.0 - self.eddy_a**2)
        tau, tf = p.relaxation_days, p.eddy_memory_days
        # OU(τ) driven by an OU(τ_f) forcing of std σ_f: Var T' = σ_f² τ² τ_f / (τ + τ_f).
        self.sigma_f = p.eddy_amplitude / math.sqrt(tau**2 * tf / (tau + tf))
        self.weather_a = math.exp(-1.0 / p.weather_memory_days)
        self.weather_b = math.sqrt(1.0 - self.weather_a**2)

    def _init_modes(self, la: np.ndarray, lat64: np.ndarray, lon64: np.ndarray) -> None:
        """The ENSO index (complex AR(1) oscillator) and pattern; tropical instability waves."""
        p = self.p
        self.enso_rho = math.exp(-1.0 / p.enso_damping_days) * complex(
            math.cos(2 * math.pi / p.enso_period_days), math.sin(2 * math.pi / p.enso_period_days)
        )
        self.enso_b = math.sqrt(1.0 - abs(self.enso_rho) ** 2)
        xe = east_fraction(lon64)[None, :]
        self.enso_pattern = (xe * cold_tongue(la, p, widen=1.5)) * self.ocean
        self.tiw_rho = math.exp(-1.0 / p.tiw_memory_days)
        self.tiw_b = math.sqrt(1.0 - self.tiw_rho**2)
        env = np.exp(-0.5 * ((lat64 - p.tiw_lat) / p.tiw_width) ** 2)[:, None]
        self.tiw_env = math.sqrt(2.0) * p.tiw_amplitude * env * np.clip(1.5 * xe, 0.0, 1.0)
        k = 2.0 * np.pi / p.tiw_wavelength_deg
        self.tiw_cos, self.tiw_sin = np.cos(k * lon64)[None, :], np.sin(k * lon64)[None, :]

    # -- randomness ---------------------------------------------------------------------------

    def _rng(self, year: int, kind: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(year, kind)))

    def _noise(self, year: int) -> dict[str, np.ndarray]:
        """The forcing innovations of one calendar year (366 days, drawn in a fixed order)."""
        if self._year != year:
            rng = self._rng(year, 0)
            white = rng.standard_normal((366, self.nyc, self.nxc), dtype=np.float32)
            enso = rng.standard_normal((366, 2)) @ np.array([1.0, 1j]) / math.sqrt(2.0)
            tiw = rng.standard_normal((366, 2)) @ np.array([1.0, 1j]) / math.sqrt(2.0)
            weather = rng.standard_normal((366, self.nyc, self.nxc), dtype=np.float32)
            self._year_noise = {"eddy": _smooth_unit(white, self.eddy_sigma),
                                "enso": enso, "tiw": tiw,
                                "weather": _smooth_unit(weather, self.eddy_sigma)}
            self._year = year
        return self._year_noise

    def init_state(self, first_day: pd.Timestamp) -> None:
        rng = self._rng(first_day.year, 1)
        white = rng.standard_normal((1, self.nyc, self.nxc), dtype=np.float32)
        self.r = _smooth_unit(white, self.eddy_sigma)[0].astype(np.float64)
        white = rng.standard_normal((1, self.nyc, self.nxc), dtype=np.float32)
        self.weather = _smooth_unit(white, self.eddy_sigma)[0].astype(np.float64)
        z = rng.standard_normal(4) / math.sqrt(2.0)
        self.enso, self.tiw = complex(z[0], z[1]), complex(z[2], z[3])
        self.anom = np.zeros((self.ny, self.nx))

    # -- dynamics -----------------------------------------------------------------------------

    def _fine(self, coarse: np.ndarray) -> np.ndarray:
        """Bilinear interpolation of a coarse field to the region grid."""
        rx = coarse[:, self.ix] * (1.0 - self.wx) + coarse[:, self.ix + 1] * self.wx
        return rx[self.iy] * (1.0 - self.wy)[:, None] + rx[self.iy + 1] * self.wy[:, None]

    def step_day(self, day: pd.Timestamp) -> None:
        """Advance the state from the start of ``day`` to the start of the next day."""
        noise = self._noise(day.year)
        i = day.day_of_year - 1
        self.r = self.eddy_a * self.r + self.eddy_b * noise["eddy"][i]
        self.enso = self.enso_rho * self.enso + self.enso_b * noise["enso"][i]
        self.tiw = self.tiw_rho * self.tiw + self.tiw_b * noise["tiw"][i]
        self.weather = self.weather_a * self.weather + self.weather_b * noise["weather"][i]
        target = (math.sqrt(2.0) * self.p.enso_amplitude * self.enso.real) * self.enso_pattern
        source = self.dt * self.sigma_f * self._fine(self.r) + self.relax * target
        t = self.anom
        for _ in range(self.substeps):
            gx = t[:, 1:] - t[:, :-1]
            gy = t[1:] - t[:-1]
            tend = source - self.relax * t
            tend[:, :-1] += self.a_e[:, :-1] * gx
            tend[:, 1:] -= self.a_w[:, 1:] * gx
            tend[:-1] += self.a_n[:-1] * gy
            tend[1:] -= self.a_s[1:] * gy
            t = t + tend
        self.anom = t

    def observe(self, day: pd.Timestamp) -> np.ndarray:
        """``T_clim + T' + T_tiw`` on ``day`` (float64, land not yet masked)."""
        mean, a, b = self.clim
        ang = 2.0 * np.pi / YEAR_DAYS * day.day_of_year
        p = self.p
        seasonal = 1.0 + 0.6 * math.cos(2.0 * np.pi / YEAR_DAYS * (day.day_of_year - p.tiw_peak_doy))
        days = (day - pd.Timestamp("1800-01-01")).days
        wave = self.tiw * complex(math.cos(2 * np.pi * days / p.tiw_period_days),
                                  math.sin(2 * np.pi * days / p.tiw_period_days))
        tiw = (seasonal / math.sqrt(1.18)) * self.tiw_env * (
            wave.real * self.tiw_cos - wave.imag * self.tiw_sin
        )
        weather = p.weather_amplitude * self._fine(self.weather)
        return mean + a * math.cos(ang) + b * math.sin(ang) + self.anom + tiw + weather


__all__ = [
    "SSTModel",
]
