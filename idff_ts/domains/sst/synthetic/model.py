"""Synthetic daily SST on the OISST 0.25° grid: SYNTHETIC DEMO DATA, not NOAA OISST.

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

import dataclasses
import json
import math
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.ndimage import gaussian_filter

from idff_ts.errors import ConfigError, DataError

#: The eastern tropical Pacific region (degrees; lat_min, lat_max, lon_min, lon_max, lon 0–360):
#: 120 × 360 points holding the DYffusion ETP boxes 84–89 and 108–112 (and box 113).
ETP_REGION: tuple[float, float, float, float] = (-15.0, 15.0, 180.0, 270.0)
#: Grid spacing of OISST v2.1 (degrees); cell centres are at ``edge + 0.125 + 0.25 k``.
RESOLUTION = 0.25
#: NOAA PSL's float32 fill value of ``sst`` (written as ``missing_value`` and ``_FillValue``).
PSL_MISSING_VALUE = np.float32(-9.96921e36)
PSL_TIME_UNITS = "days since 1800-01-01 00:00:00"
SYNTHETIC_TITLE = "SYNTHETIC DEMO DATA — not NOAA OISST"

_EARTH_RADIUS = 6.371e6  # m
_SECONDS_PER_DAY = 86400.0
_YEAR_DAYS = 365.25


@dataclass(frozen=True)
class SyntheticSSTParams:
    """Physical and numerical parameters of the generator (units in the names or comments).

    See the module docstring for the equations in which each appears.
    """

    # climatology (°C, degrees latitude, day of year)
    warm_pool_temp: float = 29.5
    cold_tongue_depth: float = 6.0
    cold_tongue_lat: float = -1.0
    cold_tongue_width: float = 4.0
    southeast_cooling: float = 5.0
    itcz_warming: float = 0.7
    poleward_cooling: float = 0.01  # °C per degree² of latitude
    annual_amp_equator: float = 2.2
    annual_peak_doy_equator: float = 90.0
    annual_amp_hemispheric: float = 1.2
    annual_peak_doy_south: float = 60.0
    # currents (m/s, positive eastward; degrees latitude)
    current_speed: float = 0.45
    current_lat: float = 0.0
    current_width: float = 5.0
    countercurrent_speed: float = 0.25
    countercurrent_lat: float = 7.0
    countercurrent_width: float = 1.5
    # anomaly dynamics
    diffusivity: float = 1000.0  # m²/s
    relaxation_days: float = 45.0
    eddy_amplitude: float = 0.6  # °C, approximate std of the eddy-forced anomaly
    eddy_memory_days: float = 10.0
    eddy_scale_lat_deg: float = 1.0
    eddy_scale_lon_deg: float = 2.0
    enso_amplitude: float = 1.0  # °C
    enso_period_days: float = 4.0 * 365.25
    enso_damping_days: float = 2.0 * 365.25
    # tropical instability waves
    tiw_amplitude: float = 0.5  # °C
    tiw_wavelength_deg: float = 9.0
    tiw_period_days: float = 25.0
    tiw_lat: float = 2.5
    tiw_width: float = 2.0
    tiw_memory_days: float = 30.0
    tiw_peak_doy: float = 300.0
    # short-lived surface "weather" (diurnal warm layers, wind-mixing events)
    weather_amplitude: float = 0.15  # °C
    weather_memory_days: float = 2.0
    # numerics
    spinup_days: int = 365
    max_courant: float = 0.9
    noise_coarsening: int = 2
    precision: float = 0.01  # °C; 0 keeps full float32 precision

    def __post_init__(self) -> None:
        positive = ("relaxation_days", "eddy_memory_days", "eddy_scale_lat_deg",
                    "eddy_scale_lon_deg", "enso_period_days", "enso_damping_days",
                    "tiw_wavelength_deg", "tiw_period_days", "tiw_memory_days", "tiw_width",
                    "cold_tongue_width", "current_width", "countercurrent_width",
                    "weather_memory_days")
        bad = [n for n in positive if not getattr(self, n) > 0]
        if bad:
            raise ConfigError(f"SyntheticSSTParams: {bad} must be > 0")
        if not 0 < self.max_courant <= 1:
            raise ConfigError(f"max_courant must be in (0, 1], got {self.max_courant}")
        if self.diffusivity < 0 or self.spinup_days < 0 or self.noise_coarsening < 1:
            raise ConfigError("diffusivity and spinup_days must be >= 0, noise_coarsening >= 1")

    def to_json(self) -> str:
        """The parameters as a compact JSON object (stored in the files' attributes)."""
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"))


# --------------------------------------------------------------------------- geometry


def _region_edges(region: Any) -> tuple[float, float, float, float]:
    """``(lat_min, lat_max, lon_min, lon_max)`` from a 4-sequence or an object with those names."""
    if all(hasattr(region, n) for n in ("lat_min", "lat_max", "lon_min", "lon_max")):
        edges = (region.lat_min, region.lat_max, region.lon_min, region.lon_max)
    else:
        edges = tuple(region)
    if len(edges) != 4:
        raise ConfigError(f"region must be (lat_min, lat_max, lon_min, lon_max), got {region!r}")
    lat0, lat1, lon0, lon1 = (float(e) for e in edges)
    for e in (lat0, lat1, lon0, lon1):
        if abs(e / RESOLUTION - round(e / RESOLUTION)) > 1e-9:
            raise ConfigError(f"region edges must be multiples of {RESOLUTION}°, got {edges}")
    if not (-90 <= lat0 < lat1 <= 90 and 0 <= lon0 < lon1 <= 360):
        raise ConfigError(
            "region needs -90 <= lat_min < lat_max <= 90 and 0 <= lon_min < lon_max <= 360 "
            f"(lon 0–360), got {edges}"
        )
    return lat0, lat1, lon0, lon1


def region_grid(region: Any = ETP_REGION) -> tuple[np.ndarray, np.ndarray]:
    """OISST cell centres (float32, ascending) inside ``region``: ``lat_min + 0.125 + 0.25 k``."""
    lat0, lat1, lon0, lon1 = _region_edges(region)
    lat = lat0 + RESOLUTION / 2 + RESOLUTION * np.arange(round((lat1 - lat0) / RESOLUTION))
    lon = lon0 + RESOLUTION / 2 + RESOLUTION * np.arange(round((lon1 - lon0) / RESOLUTION))
    return lat.astype(np.float32), lon.astype(np.float32)


def ocean_mask(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Stylised land–sea mask ``(lat, lon)``: True over ocean (module docstring, "Land")."""
    la, lo = np.meshgrid(np.asarray(lat, float), np.asarray(lon, float) % 360.0, indexing="ij")
    central_america = (lo >= 263.0) & (la >= np.maximum(15.0 - (lo - 263.0) * 8.0 / 7.0, 7.0))
    south_america = (la <= 7.5) & (lo >= 280.5 + 0.5 * np.maximum(-la - 4.0, 0.0))
    island = ((la + 0.5) / 0.6) ** 2 + ((lo - 268.9) / 0.9) ** 2 <= 1.0
    return ~(central_america | south_america | island)


def _east_fraction(lon: np.ndarray) -> np.ndarray:
    """0 at 180°, 1 at 270°E (90°W), clipped to [0, 1.1]."""
    return np.clip((np.asarray(lon, float) % 360.0 - 180.0) / 90.0, 0.0, 1.1)


def _cold_tongue(la: np.ndarray, p: SyntheticSSTParams, widen: float = 1.0) -> np.ndarray:
    return np.exp(-0.5 * ((la - p.cold_tongue_lat) / (widen * p.cold_tongue_width)) ** 2)


def _climatology_terms(
    lat: np.ndarray, lon: np.ndarray, p: SyntheticSSTParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, a, b)`` with ``T_clim(day) = mean + a cos(ω d) + b sin(ω d)``, ``ω = 2π/365.25``."""
    la, lo = np.meshgrid(np.asarray(lat, float), np.asarray(lon, float), indexing="ij")
    xe = _east_fraction(lo)
    ct = _cold_tongue(la, p)
    south = np.clip(-la / 15.0, 0.0, 2.0)
    mean = (
        p.warm_pool_temp
        - p.poleward_cooling * la**2
        - p.cold_tongue_depth * xe**1.2 * ct
        - p.southeast_cooling * xe * south**1.2
        + p.itcz_warming * xe * np.exp(-0.5 * ((la - 9.0) / 3.0) ** 2)
    )
    w = 2.0 * np.pi / _YEAR_DAYS
    amp_eq = p.annual_amp_equator * xe * ct
    amp_hemi = -p.annual_amp_hemispheric * np.clip(la / 15.0, -2.0, 2.0)  # sign flips the phase
    a = amp_eq * np.cos(w * p.annual_peak_doy_equator) + amp_hemi * np.cos(
        w * p.annual_peak_doy_south
    )
    b = amp_eq * np.sin(w * p.annual_peak_doy_equator) + amp_hemi * np.sin(
        w * p.annual_peak_doy_south
    )
    return mean, a, b


def _doy(times: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(times.day_of_year, dtype=float)


def climatology(
    time: Iterable[Any], region: Any = ETP_REGION, params: SyntheticSSTParams | None = None
) -> xr.DataArray:
    """The generator's climatology ``T_clim(time, lat, lon)`` (°C, float32, land NaN).

    ``sst − climatology(sst.time, region)`` are the anomalies ``T' + T_tiw``.
    """
    p = params or SyntheticSSTParams()
    times = pd.DatetimeIndex(pd.to_datetime(np.asarray(time)))
    lat, lon = region_grid(region)
    mean, a, b = _climatology_terms(lat, lon, p)
    ang = 2.0 * np.pi / _YEAR_DAYS * _doy(times)
    clim = mean + a * np.cos(ang)[:, None, None] + b * np.sin(ang)[:, None, None]
    clim[:, ~ocean_mask(lat, lon)] = np.nan
    return xr.DataArray(
        clim.astype(np.float32), dims=("time", "lat", "lon"),
        coords={"time": times, "lat": lat, "lon": lon}, name="sst_climatology",
        attrs={"units": "degC", "long_name": "climatology of the synthetic SST generator"},
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


class _SSTModel:
    """State and operators of one run (see the module docstring)."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, p: SyntheticSSTParams, seed: int):
        self.p, self.seed = p, int(seed)
        lat64, lon64 = lat.astype(float), lon.astype(float)
        self.ny, self.nx = ny, nx = lat.size, lon.size
        self.ocean = ocean_mask(lat, lon)
        la = np.broadcast_to(lat64[:, None], (ny, nx))

        # Currents (cells/day) and diffusion numbers per day.
        u = p.current_speed * -np.exp(-0.5 * ((la - p.current_lat) / p.current_width) ** 2)
        u = u + p.countercurrent_speed * np.exp(
            -0.5 * ((la - p.countercurrent_lat) / p.countercurrent_width) ** 2
        )
        dy = _EARTH_RADIUS * math.radians(RESOLUTION)
        dx = dy * np.cos(np.radians(la))
        c = u * _SECONDS_PER_DAY / dx
        kx = p.diffusivity * _SECONDS_PER_DAY / dx**2
        ky = np.full_like(kx, p.diffusivity * _SECONDS_PER_DAY / dy**2)
        ocean = self.ocean
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

        # Eddy forcing: AR(1) on a coarse grid, unit variance; F = sigma_f · r.
        f = p.noise_coarsening
        self.iy, self.wy, self.nyc = _interp_weights(ny, f)
        self.ix, self.wx, self.nxc = _interp_weights(nx, f)
        self.eddy_sigma = (p.eddy_scale_lat_deg / (RESOLUTION * f),
                           p.eddy_scale_lon_deg / (RESOLUTION * f))
        self.eddy_a = math.exp(-1.0 / p.eddy_memory_days)
        self.eddy_b = math.sqrt(1.0 - self.eddy_a**2)
        tau, tf = p.relaxation_days, p.eddy_memory_days
        # OU(τ) driven by an OU(τ_f) forcing of std σ_f: Var T' = σ_f² τ² τ_f / (τ + τ_f).
        self.sigma_f = p.eddy_amplitude / math.sqrt(tau**2 * tf / (tau + tf))

        self.weather_a = math.exp(-1.0 / p.weather_memory_days)
        self.weather_b = math.sqrt(1.0 - self.weather_a**2)

        # ENSO index (complex AR(1) oscillator) and pattern.
        self.enso_rho = math.exp(-1.0 / p.enso_damping_days) * complex(
            math.cos(2 * math.pi / p.enso_period_days), math.sin(2 * math.pi / p.enso_period_days)
        )
        self.enso_b = math.sqrt(1.0 - abs(self.enso_rho) ** 2)
        xe = _east_fraction(lon64)[None, :]
        self.enso_pattern = (xe * _cold_tongue(la, p, widen=1.5)) * ocean

        # Tropical instability waves.
        self.tiw_rho = math.exp(-1.0 / p.tiw_memory_days)
        self.tiw_b = math.sqrt(1.0 - self.tiw_rho**2)
        env = np.exp(-0.5 * ((lat64 - p.tiw_lat) / p.tiw_width) ** 2)[:, None]
        self.tiw_env = math.sqrt(2.0) * p.tiw_amplitude * env * np.clip(1.5 * xe, 0.0, 1.0)
        k = 2.0 * np.pi / p.tiw_wavelength_deg
        self.tiw_cos, self.tiw_sin = np.cos(k * lon64)[None, :], np.sin(k * lon64)[None, :]

        self.clim = _climatology_terms(lat, lon, p)
        self._year: int | None = None
        self._year_noise: dict[str, np.ndarray] = {}

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
        ang = 2.0 * np.pi / _YEAR_DAYS * day.day_of_year
        p = self.p
        seasonal = 1.0 + 0.6 * math.cos(2.0 * np.pi / _YEAR_DAYS * (day.day_of_year - p.tiw_peak_doy))
        days = (day - pd.Timestamp("1800-01-01")).days
        wave = self.tiw * complex(math.cos(2 * np.pi * days / p.tiw_period_days),
                                  math.sin(2 * np.pi * days / p.tiw_period_days))
        tiw = (seasonal / math.sqrt(1.18)) * self.tiw_env * (
            wave.real * self.tiw_cos - wave.imag * self.tiw_sin
        )
        weather = p.weather_amplitude * self._fine(self.weather)
        return mean + a * math.cos(ang) + b * math.sin(ang) + self.anom + tiw + weather


# --------------------------------------------------------------------------- public API


def _attrs(seed: int, region: tuple[float, ...], p: SyntheticSSTParams, substeps: int) -> dict:
    from idff_ts import __version__

    return {
        "units": "degC",
        "long_name": "Daily Mean of Sea Surface Temperature",
        "title": SYNTHETIC_TITLE,
        "dataset": SYNTHETIC_TITLE,
        "source": (
            f"idff_ts {__version__} idff_ts.domains.sst.synthetic: stochastic advection-diffusion-"
            f"relaxation model, seed={seed}, region={list(region)}, substeps_per_day={substeps}"
        ),
        "synthetic_seed": int(seed),
        "synthetic_region": json.dumps(list(region)),
        "synthetic_params": p.to_json(),
        "synthetic_substeps_per_day": int(substeps),
    }


def iter_sst_years(
    start: str | pd.Timestamp = "1982-01-01",
    end: str | pd.Timestamp = "2020-12-31",
    region: Any = ETP_REGION,
    seed: int = 0,
    params: SyntheticSSTParams | None = None,
) -> Iterator[xr.DataArray]:
    """Generate the synthetic SST one calendar year at a time (memory bounded by one year).

    Yields ``sst(time, lat, lon)`` float32 DataArrays (°C, land NaN) covering ``[start, end]``
    (inclusive, daily at 00:00) in calendar-year pieces; the values equal :func:`generate_sst`'s.
    """
    p = params or SyntheticSSTParams()
    t0, t1 = pd.Timestamp(start).floor("D"), pd.Timestamp(end).floor("D")
    if t1 < t0:
        raise ConfigError(f"end {t1.date()} is before start {t0.date()}")
    edges = _region_edges(region)
    lat, lon = region_grid(edges)
    model = _SSTModel(lat, lon, p, seed)
    attrs = _attrs(seed, edges, p, model.substeps)
    day = t0 - pd.Timedelta(days=p.spinup_days)
    model.init_state(day)
    while day < t0:
        model.step_day(day)
        day += pd.Timedelta(days=1)
    land = ~model.ocean
    for year in range(t0.year, t1.year + 1):
        times = pd.date_range(max(t0, pd.Timestamp(year, 1, 1)), min(t1, pd.Timestamp(year, 12, 31)))
        block = np.empty((times.size, lat.size, lon.size), dtype=np.float32)
        for i, d in enumerate(times):
            block[i] = model.observe(d)  # the state at 00:00 of day d
            model.step_day(d)
        if p.precision > 0:
            block = (np.round(block / p.precision) * p.precision).astype(np.float32)
        block[:, land] = np.nan
        yield xr.DataArray(
            block, dims=("time", "lat", "lon"),
            coords={"time": times, "lat": lat, "lon": lon}, name="sst", attrs=dict(attrs),
        )


def generate_sst(
    start: str | pd.Timestamp = "1982-01-01",
    end: str | pd.Timestamp = "2020-12-31",
    region: Any = ETP_REGION,
    seed: int = 0,
    params: SyntheticSSTParams | None = None,
) -> xr.DataArray:
    """Synthetic daily SST ``sst(time, lat, lon)`` in °C (float32, land NaN) — NOT NOAA OISST.

    ``region`` is ``(lat_min, lat_max, lon_min, lon_max)`` in degrees (lon 0–360, multiples of
    0.25°), or any object with those attributes (e.g. ``idff_ts.domains.sst.dyffusion.box_bounds(89)``);
    the grid is OISST's (cell centres ``lat_min + 0.125 + 0.25 k``). The default, the ETP region,
    is 120 × 360 points; 39 years of it hold 2.5 GB in memory — use :func:`iter_sst_years` or
    :func:`write_synthetic_archive` to stream. See the module docstring for the model.
    """
    return xr.concat(list(iter_sst_years(start, end, region, seed, params)), dim="time")


def _psl_dataset(da: xr.DataArray) -> tuple[xr.Dataset, dict[str, dict[str, Any]]]:
    """One year of ``da`` as a PSL-layout Dataset and its netCDF encoding."""
    values = np.asarray(da.values, dtype=np.float32)
    finite = values[np.isfinite(values)]
    rng = [float(finite.min()), float(finite.max())] if finite.size else [np.nan, np.nan]
    src = da.attrs
    sst_attrs = {
        "long_name": "Daily Mean of Sea Surface Temperature",
        "units": "degC",
        "valid_range": np.array([-3.0, 45.0], dtype=np.float32),
        "precision": np.float32(2.0),
        "dataset": src.get("dataset", SYNTHETIC_TITLE),
        "var_desc": "Sea Surface Temperature",
        "level_desc": "Surface",
        "statistic": "Mean",
        "parent_stat": "SYNTHETIC (idff_ts generator), not individual observations",
        "actual_range": np.array(rng, dtype=np.float32),
    }
    times = pd.DatetimeIndex(da.indexes["time"]).floor("D")
    # Encoded here (not by xarray, which shortens the units string) exactly as PSL writes it.
    days = np.asarray((times - pd.Timestamp("1800-01-01")) / pd.Timedelta(days=1), np.float64)
    lat = da["lat"].values.astype(np.float32)
    lon = da["lon"].values.astype(np.float32)
    coords = {
        "time": ("time", days, {
            "units": PSL_TIME_UNITS, "calendar": "standard",
            "long_name": "Time", "standard_name": "time", "axis": "T",
            "delta_t": "0000-00-01 00:00:00", "avg_period": "0000-00-01 00:00:00",
            "coordinate_defines": "start",
            "actual_range": np.array([days.min(), days.max()], dtype=np.float64)}),
        "lat": ("lat", lat, {
            "units": "degrees_north", "long_name": "Latitude", "standard_name": "latitude",
            "axis": "Y", "actual_range": np.array([lat.min(), lat.max()], np.float32)}),
        "lon": ("lon", lon, {
            "units": "degrees_east", "long_name": "Longitude", "standard_name": "longitude",
            "axis": "X", "actual_range": np.array([lon.min(), lon.max()], np.float32)}),
    }
    attrs = {
        "Conventions": "CF-1.5",
        "title": src.get("title", SYNTHETIC_TITLE),
        "dataset_title": SYNTHETIC_TITLE,
        "institution": "idff_ts (synthetic data generator)",
        "source": src.get("source", "idff_ts.domains.sst.synthetic"),
        "comment": (
            "SYNTHETIC DEMO DATA, not observations and not NOAA OISST. Written in the layout of "
            "NOAA PSL's sst.day.mean.YYYY.nc (OISST v2.1) so that readers of the real archive "
            "read it unchanged."
        ),
    }
    for key in ("synthetic_seed", "synthetic_region", "synthetic_params",
                "synthetic_substeps_per_day"):
        if key in src:
            attrs[key] = src[key]
    ds = xr.Dataset({"sst": (("time", "lat", "lon"), values, sst_attrs)}, coords=coords,
                    attrs=attrs)
    enc = {
        "sst": {"dtype": "float32", "_FillValue": PSL_MISSING_VALUE,
                "missing_value": PSL_MISSING_VALUE, "zlib": True, "complevel": 4,
                "shuffle": True, "chunksizes": (1, lat.size, lon.size)},
        "time": {"dtype": "float64", "_FillValue": None},
        "lat": {"dtype": "float32", "_FillValue": None},
        "lon": {"dtype": "float32", "_FillValue": None},
    }
    return ds, enc


def write_psl_archive(
    da: xr.DataArray, out_dir: str | os.PathLike[str], years: Sequence[int] | None = None
) -> list[Path]:
    """Write ``da`` (``sst(time, lat, lon)`` °C, NaN = land) as NOAA PSL yearly files.

    One file ``out_dir/sst.day.mean.YYYY.nc`` per calendar year in ``da`` (or in ``years``):
    netCDF4/HDF5, zlib; ``sst(time, lat, lon)`` float32 with ``missing_value = _FillValue =
    -9.96921e36`` over land; ``time`` float64 ``days since 1800-01-01 00:00:00`` at 00:00; ``lat``
    ascending and ``lon`` 0–360 float32; PSL's variable attributes and ``Conventions = CF-1.5``;
    ``title``/``dataset`` say it is synthetic. Each file is written to a temporary name and
    renamed, so a failure never leaves a partial file. Returns the paths in year order.
    """
    if set(da.dims) != {"time", "lat", "lon"}:
        raise DataError(f"write_psl_archive expects dims (time, lat, lon), found {da.dims}")
    da = da.transpose("time", "lat", "lon")
    lon = da["lon"].values
    if np.any(np.diff(da["lat"].values) <= 0) or np.any(np.diff(lon) <= 0) or lon.min() < 0:
        raise DataError("write_psl_archive needs ascending lat and ascending lon in [0, 360)")
    all_years = np.asarray(pd.DatetimeIndex(da.indexes["time"]).year)
    wanted = sorted(set(all_years.tolist())) if years is None else sorted({int(y) for y in years})
    missing = sorted(set(wanted) - set(all_years.tolist()))
    if missing:
        raise DataError(
            f"years {missing} are not in the data ({all_years.min()}–{all_years.max()})"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in wanted:
        ds, enc = _psl_dataset(da.isel(time=np.flatnonzero(all_years == year)))
        path = out / f"sst.day.mean.{year}.nc"
        tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
        try:
            ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=enc,
                         unlimited_dims=["time"])
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        paths.append(path)
    return paths


def write_synthetic_archive(
    out_dir: str | os.PathLike[str],
    start: str | pd.Timestamp = "1982-01-01",
    end: str | pd.Timestamp = "2020-12-31",
    region: Any = ETP_REGION,
    seed: int = 0,
    params: SyntheticSSTParams | None = None,
) -> list[Path]:
    """Generate and write the synthetic archive year by year (memory bounded by one year)."""
    paths: list[Path] = []
    for block in iter_sst_years(start, end, region, seed, params):
        paths += write_psl_archive(block, out_dir)
    return paths


__all__ = [
    "ETP_REGION",
    "PSL_MISSING_VALUE",
    "PSL_TIME_UNITS",
    "RESOLUTION",
    "SYNTHETIC_TITLE",
    "SyntheticSSTParams",
    "climatology",
    "generate_sst",
    "iter_sst_years",
    "ocean_mask",
    "region_grid",
    "write_psl_archive",
    "write_synthetic_archive",
]
