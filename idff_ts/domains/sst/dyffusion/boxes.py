"""DYffusion's 15° OISST tiles and the eastern tropical Pacific (data.md §2).

The band 60°S–60°N of the 0.25° OISST grid is cut into 60 × 60-point boxes (15° × 15°):
8 latitude bands × 24 longitude bands = 192 boxes, numbered ::

    index = lat_band · 24 + lon_band,
    lat_band 0 = 60°S–45°S, …, 7 = 45°N–60°N   (south to north),
    lon_band 0 = 0°–15°E,  …, 23 = 345°–360°E  (eastwards from Greenwich, lon in [0, 360)).

Box ``i`` covers ``lat ∈ [−60 + 15·(i // 24), −45 + 15·(i // 24)]`` and
``lon ∈ [15·(i mod 24), 15·(i mod 24) + 15]``; its pixel centres are ``lat_min + 0.125 + 0.25·k``,
``k = 0..59`` (likewise for lon). With this ordering the "eastern tropical Pacific" subset of
DYffusion is :data:`ETP_BOXES`: boxes 84–89 = 15°S–0°, 180°–90°W and 108–112 = 0°–15°N,
180°–105°W (11 tiles). A box is kept when at least 95 % of its pixels are ocean (finite SST) on
the first day (:func:`ocean_boxes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from idff_ts.errors import ConfigError, DataError

#: Southern and northern edge of the tiled band (degrees north).
LAT_MIN, LAT_MAX = -60.0, 60.0
#: Side of a box in degrees, grid spacing in degrees, points per box side.
BOX_DEG = 15.0
RESOLUTION = 0.25
BOX_SIZE = 60
N_LAT_BANDS = 8
N_LON_BANDS = 24
N_BOXES = N_LAT_BANDS * N_LON_BANDS
#: DYffusion's "eastern tropical Pacific": 15°S–0°, 180°–90°W and 0°–15°N, 180°–105°W.
ETP_BOXES: tuple[int, ...] = (84, 85, 86, 87, 88, 89, 108, 109, 110, 111, 112)
#: Minimum ocean fraction on the first day for a box to be used.
OCEAN_THRESHOLD = 0.95

_TOL = 1e-3  # degrees; coordinates are multiples of 0.125, exact in float32


# --------------------------------------------------------------------------- geometry


def _deg(value: float, pos: str, neg: str) -> str:
    v = round(value, 6)
    if v == 0:
        return "0°"
    return f"{abs(v):g}°{pos if v > 0 else neg}"


def _lon_label(lon: float) -> str:
    lon = lon % 360.0
    if lon in (0.0, 180.0):
        return f"{lon:g}°"
    return f"{lon:g}°E" if lon < 180 else f"{360 - lon:g}°W"


@dataclass(frozen=True)
class BoxBounds:
    """Edges of one 15° box (degrees; lon in [0, 360]).

    Attributes:
        index: ``lat_band · 24 + lon_band``.
        lat_band, lon_band: 0..7 south to north, 0..23 eastwards from 0°E.
        lat_min, lat_max, lon_min, lon_max: edges (``lon_max`` may be 360).
    """

    index: int
    lat_band: int
    lon_band: int
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    @property
    def lat(self) -> np.ndarray:
        """The 60 pixel-centre latitudes, ascending."""
        return self.lat_min + RESOLUTION / 2 + RESOLUTION * np.arange(BOX_SIZE)

    @property
    def lon(self) -> np.ndarray:
        """The 60 pixel-centre longitudes in [0, 360), ascending."""
        return self.lon_min + RESOLUTION / 2 + RESOLUTION * np.arange(BOX_SIZE)

    def __str__(self) -> str:
        return (
            f"box {self.index}: {_deg(self.lat_min, 'N', 'S')}–{_deg(self.lat_max, 'N', 'S')}, "
            f"{_lon_label(self.lon_min)}–{_lon_label(self.lon_max)}"
        )


def box_bounds(index: int) -> BoxBounds:
    """Edges of box ``index`` (0..191); see the module docstring for the numbering."""
    i = int(index)
    if i != index or not 0 <= i < N_BOXES:
        raise ConfigError(f"box index must be an integer in 0..{N_BOXES - 1}, got {index!r}")
    lat_band, lon_band = divmod(i, N_LON_BANDS)
    lat0 = LAT_MIN + BOX_DEG * lat_band
    lon0 = BOX_DEG * lon_band
    return BoxBounds(i, lat_band, lon_band, lat0, lat0 + BOX_DEG, lon0, lon0 + BOX_DEG)


def box_index(lat: float, lon: float) -> int:
    """The box containing the point ``(lat, lon)`` (lon in any convention)."""
    if not LAT_MIN <= lat < LAT_MAX:
        raise ConfigError(f"latitude {lat} is outside the tiled band [{LAT_MIN}, {LAT_MAX})")
    return int((lat - LAT_MIN) // BOX_DEG) * N_LON_BANDS + int((lon % 360.0) // BOX_DEG)


def _coord_slice(values: np.ndarray, centres: np.ndarray, dim: str, box: BoxBounds) -> slice:
    i0 = int(np.searchsorted(values, centres[0] - _TOL))
    window = values[i0 : i0 + BOX_SIZE]
    if window.size != BOX_SIZE or not np.allclose(window, centres, atol=_TOL):
        span = f"{values.min():.3f}..{values.max():.3f}" if values.size else "none"
        step = f", step {np.median(np.diff(values)):.4g}°" if values.size > 1 else ""
        raise DataError(
            f"{box} needs {BOX_SIZE} {dim} points at {RESOLUTION}° ({centres[0]:g}..{centres[-1]:g});"
            f" the input {dim} has {values.size} points {span}{step}. Use the 0.25° OISST grid "
            f"covering the box (lon 0–360)"
        )
    return slice(i0, i0 + BOX_SIZE)


def box_slices(lat: np.ndarray, lon: np.ndarray, box: int) -> tuple[slice, slice]:
    """Index slices ``(lat, lon)`` of box ``box`` on an ascending grid (lon in [0, 360)).

    Raises:
        DataError: the grid does not hold the box's 60 × 60 pixel centres.
    """
    b = box_bounds(box)
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    return _coord_slice(lat, b.lat, "lat", b), _coord_slice(lon, b.lon, "lon", b)


def parse_boxes(text: str) -> tuple[int, ...] | str:
    """Box selection from text (for the CLI): ``"etp"`` → :data:`ETP_BOXES`, ``"all"`` → 0..191,
    ``"ocean"`` → ``"ocean"`` (every box passing the 95 % ocean rule, decided on the data),
    ``"84-89,108-112"`` → (84, …, 89, 108, …, 112).
    """
    key = text.strip().lower()
    if key == "etp":
        return ETP_BOXES
    if key == "all":
        return tuple(range(N_BOXES))
    if key == "ocean":
        return "ocean"
    out: list[int] = []
    try:
        for part in filter(None, (p.strip() for p in key.split(","))):
            lo, _, hi = part.partition("-")
            out.extend(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise ConfigError(
            f"cannot read boxes {text!r}; expected 'etp', 'ocean', 'all' or indices like "
            "'84-89,108-112'"
        ) from None
    if not out:
        raise ConfigError(f"no boxes in {text!r}")
    for b in out:
        box_bounds(b)
    return tuple(dict.fromkeys(out))


def _check_grid(da: xr.DataArray) -> None:
    missing = {"lat", "lon"} - set(da.dims)
    if missing:
        raise DataError(
            f"expected a field with dims lat and lon (OISST grid), found dims {tuple(da.dims)}"
        )
    for dim in ("lat", "lon"):
        if not da.indexes[dim].is_monotonic_increasing:
            raise DataError(f"{dim} must be ascending (open the data with open_oisst)")


def box_coords(da: xr.DataArray, boxes: Sequence[int]) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """``lat(box, y)``, ``lon(box, x)`` (and ``mask(box, y, x)`` if ``da`` has one) for ``boxes``."""
    _check_grid(da)
    slices = [box_slices(da["lat"].values, da["lon"].values, b) for b in boxes]
    lat = np.stack([da["lat"].values[s[0]] for s in slices])
    lon = np.stack([da["lon"].values[s[1]] for s in slices])
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        "lat": (("box", "y"), lat), "lon": (("box", "x"), lon),
    }
    if "mask" in da.coords and set(da["mask"].dims) == {"lat", "lon"}:
        m = np.asarray(da["mask"].transpose("lat", "lon").values)
        out["mask"] = (("box", "y", "x"), np.stack([m[s] for s in slices]))
    return out


def extract_boxes(da: xr.DataArray, boxes: Iterable[int] = ETP_BOXES) -> xr.DataArray:
    """Cut 60 × 60 tiles out of a field on the 0.25° grid (global or a region holding them).

    Args:
        da: DataArray with ascending ``lat`` and ``lon`` (0–360) dims, e.g. from
            :func:`~idff_ts.domains.sst.oisst.open_oisst`; other dims (``time``) are kept. Lazy input
            stays lazy.
        boxes: box indices (see the module docstring).

    Returns:
        DataArray ``(*other, box, y, x)`` with coords ``box``, ``lat(box, y)``, ``lon(box, x)``
        and, when ``da`` has ``mask(lat, lon)``, ``mask(box, y, x)``.

    Raises:
        DataError: ``da`` lacks lat/lon, or its grid does not hold a requested box.
    """
    boxes = tuple(int(b) for b in boxes)
    if not boxes:
        raise ConfigError("extract_boxes needs at least one box index")
    coords = box_coords(da, boxes)
    lat_vals, lon_vals = da["lat"].values, da["lon"].values
    spatial = [c for c in da.coords if set(da[c].dims) & {"lat", "lon"}]
    pieces = []
    for b in boxes:
        s_lat, s_lon = box_slices(lat_vals, lon_vals, b)
        sub = da.isel(lat=s_lat, lon=s_lon).drop_vars(spatial)
        pieces.append(sub.rename({"lat": "y", "lon": "x"}))
    out = xr.concat(
        pieces, dim=pd.Index(list(boxes), name="box"), data_vars="all", coords="minimal",
        compat="override", join="override", combine_attrs="override",
    )
    other = [d for d in da.dims if d not in ("lat", "lon")]
    out = out.transpose(*other, "box", "y", "x").assign_coords(coords)
    out["lat"].attrs = {"units": "degrees_north", "long_name": "latitude of pixel centres"}
    out["lon"].attrs = {"units": "degrees_east", "long_name": "longitude of pixel centres (0-360)"}
    if "mask" in out.coords:
        out["mask"].attrs = dict(da["mask"].attrs)
    return out


def ocean_fraction(first_day: xr.DataArray, boxes: Iterable[int] | None = None) -> xr.DataArray:
    """Fraction of ocean pixels (finite values, or True in a boolean mask) per box.

    Args:
        first_day: a field ``(lat, lon)``; with a ``time`` dim its first day is used. A boolean
            array is read as an ocean mask.
        boxes: boxes to evaluate; ``None``: every box the grid fully covers.

    Returns:
        float DataArray ``(box)``.
    """
    da = first_day.isel(time=0) if "time" in first_day.dims else first_day
    _check_grid(da)
    values = np.asarray(da.transpose("lat", "lon", ...).values)
    ocean = values.astype(bool) if values.dtype == bool else np.isfinite(values)
    if ocean.ndim != 2:
        raise DataError(f"expected one day (lat, lon), found dims {tuple(da.dims)}")
    lat, lon = da["lat"].values, da["lon"].values
    found: dict[int, float] = {}
    for b in range(N_BOXES) if boxes is None else boxes:
        try:
            s = box_slices(lat, lon, b)
        except DataError:
            if boxes is None:
                continue
            raise
        found[int(b)] = float(ocean[s].mean())
    return xr.DataArray(
        np.array(list(found.values()), dtype=np.float64), dims="box",
        coords={"box": np.array(list(found), dtype=np.int64)}, name="ocean_fraction",
    )


def ocean_boxes(
    first_day: xr.DataArray, threshold: float = OCEAN_THRESHOLD, boxes: Iterable[int] | None = None
) -> tuple[int, ...]:
    """The boxes with ocean fraction ≥ ``threshold`` on the first day (DYffusion's 95 % rule)."""
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"threshold must lie in [0, 1], got {threshold}")
    frac = ocean_fraction(first_day, boxes)
    return tuple(int(b) for b, f in zip(frac["box"].values, frac.values, strict=True) if f >= threshold)


__all__ = [
    "BOX_DEG",
    "BOX_SIZE",
    "BoxBounds",
    "ETP_BOXES",
    "LAT_MAX",
    "LAT_MIN",
    "N_BOXES",
    "N_LAT_BANDS",
    "N_LON_BANDS",
    "OCEAN_THRESHOLD",
    "RESOLUTION",
    "box_bounds",
    "box_coords",
    "box_index",
    "box_slices",
    "extract_boxes",
    "ocean_boxes",
    "ocean_fraction",
    "parse_boxes",
]
