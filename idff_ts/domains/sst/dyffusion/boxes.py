"""The DYffusion OISST protocol: 15° tiles, the eastern tropical Pacific, splits, day-of-year scaling.

**Tiles.** The band 60°S–60°N of the 0.25° OISST grid is cut into 60 × 60-point boxes
(15° × 15°): 8 latitude bands × 24 longitude bands = 192 boxes, numbered ::

    index = lat_band · 24 + lon_band,
    lat_band 0 = 60°S–45°S, …, 7 = 45°N–60°N   (south to north),
    lon_band 0 = 0°–15°E,  …, 23 = 345°–360°E  (eastwards from Greenwich, lon in [0, 360)).

Box ``i`` covers ``lat ∈ [−60 + 15·(i // 24), −45 + 15·(i // 24)]`` and
``lon ∈ [15·(i mod 24), 15·(i mod 24) + 15]``; its pixel centres are ``lat_min + 0.125 + 0.25·k``,
``k = 0..59`` (likewise for lon). With this ordering the "eastern tropical Pacific" subset of
DYffusion is :data:`ETP_BOXES`: boxes 84–89 = 15°S–0°, 180°–90°W and 108–112 = 0°–15°N,
180°–105°W (11 tiles). A box is kept when at least 95 % of its pixels are ocean (finite SST) on
the first day (:func:`ocean_boxes`).

**Splits.** :data:`SPLITS`: train 1982–2018, validation 2019, test 2020; one input day, leads
1..7 days, ensembles of 20 (validation) and 50 (test).

**Standardisation** (:class:`DoyClimatology`). Each pixel ``p`` is standardised by its own
day-of-year statistics, fitted on training days only::

    z(t, p) = (x(t, p) − μ(s(t), p)) / σ(s(t), p),      x = z · σ + μ,

    μ(s, p) = Σ_{t∈W(s)} x(t, p) / N(s, p),   σ²(s, p) = Σ_{t∈W(s)} x(t, p)² / N(s, p) − μ(s, p)²

(population variance, ddof 0) where ``W(s)`` are the training days whose slot lies in the
circular window of ``window_days`` slots centred on ``s`` (``window_days = 1``, the default: the
slot itself, DYffusion's raw per-day statistics) and ``N`` counts their finite values. σ below
``min_std`` becomes 1 (constant pixels are centred, never divided by ~0).

*Slots and 29 February.* The slot ``s(t) ∈ 1..366`` is the date's position in a leap year:
1 January = 1, 28 February = 59, **29 February = 60**, 1 March = 61, 31 December = 366, in
every year. Each calendar date therefore has one slot (plain ``dayofyear`` would shift every date
after February by one day in leap years). 29 February occurs in one year of four only, so its
statistics always pool 28 February, 29 February and 1 March (its window is at least 3 slots).

Land (no finite training value, or ``mask`` False) is NaN in physical units; DYffusion sets it to
0 after standardising, which ``transform(..., fill_land=0.0)`` reproduces. The statistics
serialise to an xarray Dataset (``to_dataset``/``from_dataset``), hence to netCDF or Zarr.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
#: Inclusive date ranges of the splits.
SPLITS: dict[str, tuple[str, str]] = {
    "train": ("1982-01-01", "2018-12-31"),
    "val": ("2019-01-01", "2019-12-31"),
    "test": ("2020-01-01", "2020-12-31"),
}
#: Input days, forecast leads (days) and ensemble sizes of the protocol.
INPUT_DAYS = 1
LEAD_DAYS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
ENSEMBLE_SIZE: dict[str, int] = {"val": 20, "test": 50}
#: Number of day-of-year slots and the slot of 29 February.
N_SLOTS = 366
FEB29_SLOT = 60

_TOL = 1e-3  # degrees; coordinates are multiples of 0.125, exact in float32
_DOY_ATTRS = {"long_name": "day-of-year slot (29 Feb = 60)", "units": "1"}
_SERIAL_KEYS = ("clim_period_start", "clim_period_end", "clim_window_days", "clim_min_std",
                "clim_slots", "description")


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


# --------------------------------------------------------------------------- splits


def day_range(period: Sequence[Any]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first day, last day)`` of an inclusive period; years or months are widened.

    ``("1982", "2018")`` → 1982-01-01..2018-12-31; ``("2019-03", "2019-05")`` →
    2019-03-01..2019-05-31; full dates are kept.
    """
    if len(period) != 2:
        raise ConfigError(f"a period is (start, end), got {period!r}")
    try:
        lo = pd.Period(str(period[0])).start_time.floor("D")
        hi = pd.Period(str(period[1])).end_time.floor("D")
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read {period!r} as (start, end) dates: {exc}") from None
    if hi < lo:
        raise ConfigError(f"period end {hi:%Y-%m-%d} is before its start {lo:%Y-%m-%d}")
    return lo, hi


def parse_period(text: str) -> tuple[str, str]:
    """``"1982..2018"``, ``"1982:2018"``, ``"1982-2018"`` (years) or
    ``"1982-01-01..2018-12-31"`` → ``(start, end)`` strings for :func:`day_range` (for the CLI)."""
    t = text.strip()
    for sep in ("..", ":", "/"):
        if sep in t:
            lo, _, hi = t.partition(sep)
            break
    else:
        lo, _, hi = t.partition("-") if t.count("-") == 1 else (t, "", t)
    period = (lo.strip(), hi.strip())
    day_range(period)  # validates
    return period


def split_period(name: str, splits: Mapping[str, Sequence[str]] = SPLITS) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of split ``name`` (``"train"``, ``"val"``, ``"test"``)."""
    if name not in splits:
        raise ConfigError(f"unknown split {name!r}; expected one of {sorted(splits)}")
    return day_range(splits[name])


def select_split(
    da: xr.DataArray, name: str, splits: Mapping[str, Sequence[str]] = SPLITS
) -> xr.DataArray:
    """The days of split ``name`` in ``da`` (a ``time`` dim); DataError if there are none."""
    lo, hi = split_period(name, splits)
    out = da.sel(time=slice(lo, hi))
    if out.sizes["time"] == 0:
        t = da.indexes["time"]
        raise DataError(
            f"no days of the {name} split ({lo:%Y-%m-%d}..{hi:%Y-%m-%d}) in the data, which "
            f"covers {t.min():%Y-%m-%d}..{t.max():%Y-%m-%d}"
        )
    return out


# --------------------------------------------------------------------------- day-of-year statistics


def doy_slot(times: Any) -> np.ndarray:
    """Day-of-year slot 1..366 of each date: its position in a leap year (29 Feb = 60).

    ``s = day_of_year + 1`` for dates from 1 March on in non-leap years, ``dayofyear`` otherwise,
    so that every calendar date has the same slot in every year.
    """
    t = pd.DatetimeIndex(np.asarray(times).ravel())
    doy = t.day_of_year.to_numpy()
    shift = (~t.is_leap_year) & (doy >= 60)
    return (doy + shift.astype(doy.dtype)).reshape(np.shape(times)).astype(np.int64)


def _circular_window_sum(a: np.ndarray, window: int) -> np.ndarray:
    """``out[s] = Σ_{|k| ≤ h} a[(s + k) mod n]`` along axis 0, ``h = window // 2``."""
    h = window // 2
    out = a.copy()
    for k in range(1, h + 1):
        out += np.roll(a, k, axis=0)
        out += np.roll(a, -k, axis=0)
    return out


def _mean_std(
    n: np.ndarray, s1: np.ndarray, s2: np.ndarray, min_std: float
) -> tuple[np.ndarray, np.ndarray]:
    """float32 ``μ = Σx / N`` and ``σ = sqrt(max(Σx² / N − μ², 0))`` (NaN where N = 0);
    σ < ``min_std`` becomes 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = s2 / n
    var -= mean * mean
    np.maximum(var, 0.0, out=var)
    std = np.sqrt(var, out=var)
    std[std < min_std] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def _finalise(
    n: np.ndarray, s1: np.ndarray, s2: np.ndarray, window_days: int, min_std: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Window the per-slot sums ``(366, P)``, pool 29 February, return ``N, Σx, Σx², μ, σ``."""
    if window_days > 1:
        n, s1, s2 = (_circular_window_sum(a, window_days) for a in (n, s1, s2))
    else:  # 29 Feb pools 28 Feb, 29 Feb and 1 Mar
        f = FEB29_SLOT - 1
        for a in (n, s1, s2):
            a[f] = a[f - 1 : f + 2].sum(axis=0)
    mean, std = _mean_std(n, s1, s2, min_std)
    return n, s1, s2, mean, std


@dataclass
class DoyMoments:
    """Running per-slot sums ``N``, ``Σx``, ``Σx²`` over finite values, for streaming fits.

    Memory is ``366 × n_pixels × 20`` bytes, whatever the number of days added.

    Attributes:
        count: int32 ``(366, *space)``; ``total``, ``total_sq``: float64 of the same shape.
    """

    space_shape: tuple[int, ...]
    allocate: Callable[[tuple[int, ...], Any], np.ndarray] = field(default=np.zeros, repr=False)
    n_days: int = 0
    first_day: pd.Timestamp | None = None
    last_day: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        shape = (N_SLOTS, *self.space_shape)
        self.count = self.allocate(shape, np.int32)
        self.total = self.allocate(shape, np.float64)
        self.total_sq = self.allocate(shape, np.float64)

    def update(self, times: Any, values: np.ndarray) -> None:
        """Add days ``times`` with fields ``values`` of shape ``(len(times), *space)``."""
        t = pd.DatetimeIndex(np.asarray(times)).floor("D")
        x = np.asarray(values, dtype=np.float64)
        if x.shape != (len(t), *self.space_shape):
            raise DataError(
                f"expected values of shape {(len(t), *self.space_shape)}, found {x.shape}"
            )
        if len(t) == 0:
            return
        slots = doy_slot(t) - 1
        order = np.argsort(slots, kind="stable")
        slots, x = slots[order], x[order]
        valid = np.isfinite(x)
        x = np.where(valid, x, 0.0)
        uniq, starts = np.unique(slots, return_index=True)
        self.count[uniq] += np.add.reduceat(valid.astype(np.int32), starts, axis=0)
        self.total[uniq] += np.add.reduceat(x, starts, axis=0)
        self.total_sq[uniq] += np.add.reduceat(x * x, starts, axis=0)
        self.n_days += len(t)
        lo, hi = t.min(), t.max()
        self.first_day = lo if self.first_day is None else min(self.first_day, lo)
        self.last_day = hi if self.last_day is None else max(self.last_day, hi)

    def to_climatology(
        self,
        template: xr.DataArray,
        *,
        window_days: int = 1,
        min_std: float = 1e-6,
    ) -> DoyClimatology:
        """Finalise into :class:`DoyClimatology`; ``template`` gives the space dims and coords."""
        if window_days < 1 or window_days % 2 == 0 or window_days > N_SLOTS:
            raise ConfigError(f"window_days must be an odd integer in 1..365, got {window_days}")
        if self.n_days == 0:
            raise DataError("no training days were added; check the training period")
        if tuple(template.shape) != self.space_shape:
            raise DataError(f"template shape {template.shape} != statistics {self.space_shape}")
        shape = (N_SLOTS, *self.space_shape)
        mean = np.empty(shape, np.float32)
        std = np.empty(shape, np.float32)
        count = np.empty(shape, np.int32)
        flat = [a.reshape(N_SLOTS, -1) for a in (self.count, self.total, self.total_sq, mean, std,
                                                  count)]
        step = 4096  # pixels per pass: temporaries stay ~12 MB each, whatever the grid
        for lo in range(0, flat[0].shape[1], step):
            cols = slice(lo, lo + step)
            n_c, s1_c, s2_c = (flat[i][:, cols].astype(np.float64) for i in range(3))
            n_c, s1_c, s2_c, m_c, sd_c = _finalise(n_c, s1_c, s2_c, window_days, min_std)
            flat[3][:, cols], flat[4][:, cols], flat[5][:, cols] = m_c, sd_c, n_c
        dims = ("doy", *template.dims)
        coords = {k: v for k, v in template.coords.items() if "time" not in v.dims}
        units = str(template.attrs.get("units", "degC"))
        doy = xr.DataArray(np.arange(1, N_SLOTS + 1), dims="doy", attrs=_DOY_ATTRS)
        coords["doy"] = doy
        return DoyClimatology(
            mean=xr.DataArray(mean, dims=dims, coords=coords, name="mean",
                              attrs={"units": units, "long_name": "day-of-year mean"}),
            std=xr.DataArray(std, dims=dims, coords=coords, name="std",
                             attrs={"units": units, "long_name": "day-of-year std"}),
            count=xr.DataArray(count, dims=dims, coords=coords, name="count",
                               attrs={"long_name": "training values pooled per slot"}),
            period=(f"{self.first_day:%Y-%m-%d}", f"{self.last_day:%Y-%m-%d}"),
            window_days=int(window_days),
            min_std=float(min_std),
        )


@dataclass(frozen=True)
class DoyClimatology:
    """Per-pixel day-of-year mean and std (module docstring), fitted on training days only.

    Attributes:
        mean, std: float32 ``(doy, *space)``, ``doy = 1..366`` (slots, 29 Feb = 60); NaN where
            a pixel has no finite training value (land).
        count: int32 ``(doy, *space)``, training values pooled into each slot.
        period: first and last training day actually used (``YYYY-MM-DD``).
        window_days: circular smoothing window in slots (1: none).
        min_std: σ below this was replaced by 1.
    """

    mean: xr.DataArray
    std: xr.DataArray
    count: xr.DataArray
    period: tuple[str, str]
    window_days: int = 1
    min_std: float = 1e-6

    @classmethod
    def fit(
        cls,
        da: xr.DataArray,
        *,
        period: Sequence[Any] | None = SPLITS["train"],
        window_days: int = 1,
        min_std: float = 1e-6,
        block_days: int = 366,
    ) -> DoyClimatology:
        """Fit on the days of ``da`` inside ``period`` (default: the DYffusion training years).

        Days outside ``period`` are ignored, so the whole archive can be passed safely. Lazy
        (dask) input is read ``block_days`` days at a time: memory does not grow with its length.

        Args:
            da: ``(time, *space)`` in physical units, NaN over land.
            period: inclusive (start, end), years allowed (``("1982", "2018")``); ``None``: all
                of ``da``.
            window_days: odd circular smoothing window in slots (1: none).
            min_std: σ below this becomes 1.
            block_days: days loaded at a time.

        Raises:
            DataError: no ``time`` dim, or no day of ``period`` in ``da``.
        """
        if "time" not in da.dims:
            raise DataError(f"expected a time dim to fit day-of-year statistics, found {tuple(da.dims)}")
        if period is not None:
            lo, hi = day_range(period)
            sel = da.sel(time=slice(lo, hi))
            if sel.sizes["time"] == 0:
                t = da.indexes["time"]
                raise DataError(
                    f"no day of the training period {lo:%Y-%m-%d}..{hi:%Y-%m-%d} in the data "
                    f"({t.min():%Y-%m-%d}..{t.max():%Y-%m-%d} if any)"
                )
        else:
            sel = da
        space = [d for d in sel.dims if d != "time"]
        sel = sel.transpose("time", *space)
        template = sel.isel(time=0, drop=True)
        moments = DoyMoments(tuple(template.shape))
        for i in range(0, sel.sizes["time"], block_days):
            block = sel.isel(time=slice(i, i + block_days))
            moments.update(block.indexes["time"], np.asarray(block.values))
        return moments.to_climatology(template, window_days=window_days, min_std=min_std)

    # ----------------------------------------------------------------------- geometry

    @property
    def space_dims(self) -> tuple[Hashable, ...]:
        """The pixel dims (all dims but ``doy``)."""
        return tuple(d for d in self.mean.dims if d != "doy")

    @property
    def ocean(self) -> xr.DataArray:
        """Boolean ``(*space)``: the ``mask`` coordinate if present, else "has training data"."""
        if "mask" in self.mean.coords:
            return self.mean["mask"].astype(bool)
        return (self.count.sum("doy") > 0).rename("mask")

    # ----------------------------------------------------------------------- transforms

    def _apply(
        self,
        da: xr.DataArray,
        time: Hashable,
        fn: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    ) -> xr.DataArray:
        space = self.space_dims
        if time not in da.coords:
            raise DataError(
                f"expected a {time!r} coordinate of dates on the data, found coords {list(da.coords)}"
            )
        missing = [d for d in space if d not in da.dims]
        if missing:
            raise DataError(
                f"the climatology has pixel dims {space}; the data has dims {tuple(da.dims)} "
                f"(missing {missing})"
            )
        for d in space:
            if da.sizes[d] != self.mean.sizes[d]:
                raise DataError(
                    f"dim {d!r} has {da.sizes[d]} points in the data but {self.mean.sizes[d]} in "
                    "the climatology; fit it on the same grid / boxes"
                )
            if d in da.indexes and d in self.mean.indexes and not da.indexes[d].equals(
                self.mean.indexes[d]
            ):
                raise DataError(
                    f"coordinate {d!r} differs between the data and the climatology; fit it on the "
                    "same grid / boxes"
                )
        tcoord = da[time]
        if set(tcoord.dims) & set(space):
            raise DataError(f"the time coordinate {time!r} must not vary over pixel dims {space}")
        slots = xr.DataArray(doy_slot(tcoord.values) - 1, dims=tcoord.dims)
        shape = tuple(self.mean.sizes[d] for d in space)
        pix = xr.DataArray(np.arange(int(np.prod(shape))).reshape(shape), dims=space)
        mean = self.mean.transpose("doy", *space).values.reshape(N_SLOTS, -1)
        std = self.std.transpose("doy", *space).values.reshape(N_SLOTS, -1)
        land = ~np.asarray(self.ocean.transpose(*space).values, dtype=bool).reshape(-1)

        def block(x: np.ndarray, s: np.ndarray, p: np.ndarray) -> np.ndarray:
            return fn(x, mean[s, p], std[s, p], land[p]).astype(np.float32)

        out = xr.apply_ufunc(
            block, da, slots, pix, dask="parallelized", output_dtypes=[np.float32],
            keep_attrs=True,
        )
        return out.transpose(*da.dims)

    def transform(
        self, da: xr.DataArray, *, time: Hashable = "time", fill_land: float | None = None
    ) -> xr.DataArray:
        """``z = (x − μ(s(t))) / σ(s(t))`` per pixel, float32; lazy for dask input.

        Args:
            da: data in physical units with the climatology's pixel dims and a date coordinate.
            time: the coordinate giving each value's date — ``"time"``, or e.g. ``"valid_time"``
                (2-D ``init + lead``) for forecasts.
            fill_land: value for land pixels (DYffusion: ``0.0``); ``None`` keeps NaN.
        """
        fill = np.nan if fill_land is None else float(fill_land)

        def fn(x: np.ndarray, m: np.ndarray, s: np.ndarray, land: np.ndarray) -> np.ndarray:
            return np.where(land, fill, (x - m) / s)

        out = self._apply(da, time, fn)
        attrs = {k: v for k, v in da.attrs.items() if k != "standard_name"}
        out.attrs = {**attrs, "units": "1", "standardisation": self._describe()}
        return out

    def inverse(self, z: xr.DataArray, *, time: Hashable = "time") -> xr.DataArray:
        """``x = z · σ(s(t)) + μ(s(t))``; land is NaN (whatever ``z`` holds there)."""

        def fn(x: np.ndarray, m: np.ndarray, s: np.ndarray, land: np.ndarray) -> np.ndarray:
            return np.where(land, np.nan, x * s + m)

        out = self._apply(z, time, fn)
        attrs = {k: v for k, v in z.attrs.items() if k != "standardisation"}
        out.attrs = {**attrs, "units": self.mean.attrs.get("units", "degC")}
        return out

    def _describe(self) -> str:
        return (
            f"per-pixel day-of-year (29 Feb = slot 60) mean/std over {self.period[0]}.."
            f"{self.period[1]}, window {self.window_days} day(s)"
        )

    # ----------------------------------------------------------------------- serialisation

    def to_dataset(self, prefix: str = "clim_") -> xr.Dataset:
        """``{prefix}mean``, ``{prefix}std``, ``{prefix}count`` over ``(doy, *space)``."""
        attrs = {
            "clim_period_start": self.period[0],
            "clim_period_end": self.period[1],
            "clim_window_days": self.window_days,
            "clim_min_std": self.min_std,
            "clim_slots": "1..366, position in a leap year (29 Feb = 60)",
            "description": self._describe(),
        }
        return xr.Dataset({
            f"{prefix}mean": self.mean.assign_attrs(attrs),
            f"{prefix}std": self.std,
            f"{prefix}count": self.count,
        })

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, prefix: str = "clim_") -> DoyClimatology:
        """Inverse of :meth:`to_dataset` (also reads a prepared OISST store)."""
        names = [f"{prefix}{k}" for k in ("mean", "std", "count")]
        missing = [n for n in names if n not in ds.variables]
        if missing:
            raise DataError(
                f"no day-of-year statistics in the dataset: missing {missing}; found "
                f"{sorted(map(str, ds.data_vars))}"
            )
        mean, std, count = (ds[n].load() for n in names)
        a = dict(mean.attrs)
        mean = mean.rename("mean")
        mean.attrs = {k: v for k, v in a.items() if k not in _SERIAL_KEYS}
        return cls(
            mean=mean,
            std=std.rename("std"),
            count=count.astype(np.int32).rename("count"),
            period=(str(a.get("clim_period_start", "?")), str(a.get("clim_period_end", "?"))),
            window_days=int(a.get("clim_window_days", 1)),
            min_std=float(a.get("clim_min_std", 1e-6)),
        )


__all__ = [
    "BOX_DEG",
    "BOX_SIZE",
    "ENSEMBLE_SIZE",
    "ETP_BOXES",
    "FEB29_SLOT",
    "INPUT_DAYS",
    "LAT_MAX",
    "LAT_MIN",
    "LEAD_DAYS",
    "N_BOXES",
    "N_LAT_BANDS",
    "N_LON_BANDS",
    "N_SLOTS",
    "OCEAN_THRESHOLD",
    "RESOLUTION",
    "SPLITS",
    "BoxBounds",
    "DoyClimatology",
    "DoyMoments",
    "box_bounds",
    "box_coords",
    "box_index",
    "box_slices",
    "day_range",
    "doy_slot",
    "extract_boxes",
    "ocean_boxes",
    "ocean_fraction",
    "parse_boxes",
    "parse_period",
    "select_split",
    "split_period",
]
