"""Parameters, grid, stylised coast and analytic climatology of the synthetic SST generator.

See :mod:`~idff_ts.domains.sst.synthetic.model` for the model these feed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.errors import ConfigError

#: The eastern tropical Pacific region (degrees; lat_min, lat_max, lon_min, lon_max, lon 0–360):
#: 120 × 360 points holding the DYffusion ETP boxes 84–89 and 108–112 (and box 113).
ETP_REGION: tuple[float, float, float, float] = (-15.0, 15.0, 180.0, 270.0)
#: Grid spacing of OISST v2.1 (degrees); cell centres are at ``edge + 0.125 + 0.25 k``.
RESOLUTION = 0.25
#: NOAA PSL's float32 fill value of ``sst`` (written as ``missing_value`` and ``_FillValue``).
PSL_MISSING_VALUE = np.float32(-9.96921e36)
PSL_TIME_UNITS = "days since 1800-01-01 00:00:00"
SYNTHETIC_TITLE = "SYNTHETIC DEMO DATA — not NOAA OISST"

EARTH_RADIUS = 6.371e6  # m
SECONDS_PER_DAY = 86400.0
YEAR_DAYS = 365.25


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


def region_edges(region: Any) -> tuple[float, float, float, float]:
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
    lat0, lat1, lon0, lon1 = region_edges(region)
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


def east_fraction(lon: np.ndarray) -> np.ndarray:
    """0 at 180°, 1 at 270°E (90°W), clipped to [0, 1.1]."""
    return np.clip((np.asarray(lon, float) % 360.0 - 180.0) / 90.0, 0.0, 1.1)


def cold_tongue(la: np.ndarray, p: SyntheticSSTParams, widen: float = 1.0) -> np.ndarray:
    return np.exp(-0.5 * ((la - p.cold_tongue_lat) / (widen * p.cold_tongue_width)) ** 2)


def climatology_terms(
    lat: np.ndarray, lon: np.ndarray, p: SyntheticSSTParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, a, b)`` with ``T_clim(day) = mean + a cos(ω d) + b sin(ω d)``, ``ω = 2π/365.25``."""
    la, lo = np.meshgrid(np.asarray(lat, float), np.asarray(lon, float), indexing="ij")
    xe = east_fraction(lo)
    ct = cold_tongue(la, p)
    south = np.clip(-la / 15.0, 0.0, 2.0)
    mean = (
        p.warm_pool_temp
        - p.poleward_cooling * la**2
        - p.cold_tongue_depth * xe**1.2 * ct
        - p.southeast_cooling * xe * south**1.2
        + p.itcz_warming * xe * np.exp(-0.5 * ((la - 9.0) / 3.0) ** 2)
    )
    w = 2.0 * np.pi / YEAR_DAYS
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
    mean, a, b = climatology_terms(lat, lon, p)
    ang = 2.0 * np.pi / YEAR_DAYS * _doy(times)
    clim = mean + a * np.cos(ang)[:, None, None] + b * np.sin(ang)[:, None, None]
    clim[:, ~ocean_mask(lat, lon)] = np.nan
    return xr.DataArray(
        clim.astype(np.float32), dims=("time", "lat", "lon"),
        coords={"time": times, "lat": lat, "lon": lon}, name="sst_climatology",
        attrs={"units": "degC", "long_name": "climatology of the synthetic SST generator"},
    )


__all__ = [
    "EARTH_RADIUS",
    "ETP_REGION",
    "PSL_MISSING_VALUE",
    "PSL_TIME_UNITS",
    "RESOLUTION",
    "SECONDS_PER_DAY",
    "SYNTHETIC_TITLE",
    "SyntheticSSTParams",
    "YEAR_DAYS",
    "climatology",
    "climatology_terms",
    "cold_tongue",
    "east_fraction",
    "ocean_mask",
    "region_edges",
    "region_grid",
]
