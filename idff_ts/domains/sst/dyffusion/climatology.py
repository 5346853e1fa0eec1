"""Per-pixel day-of-year standardisation fitted on training days only (DYffusion's).

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

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.domains.sst.dyffusion.moments import N_SLOTS, DoyMoments, doy_slot
from idff_ts.domains.sst.dyffusion.splits import SPLITS, day_range
from idff_ts.errors import DataError

_DOY_ATTRS = {"long_name": "day-of-year slot (29 Feb = 60)", "units": "1"}
_SERIAL_KEYS = ("clim_period_start", "clim_period_end", "clim_window_days", "clim_min_std",
                "clim_slots", "description")


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
        return cls.from_moments(moments, template, window_days=window_days, min_std=min_std)

    @classmethod
    def from_moments(
        cls, moments: DoyMoments, template: xr.DataArray, *, window_days: int = 1,
        min_std: float = 1e-6,
    ) -> DoyClimatology:
        """Finalise running sums; ``template`` gives the space dims and coords."""
        if tuple(template.shape) != moments.space_shape:
            raise DataError(
                f"template shape {template.shape} != statistics {moments.space_shape}"
            )
        mean, std, count = moments.finalise(window_days=window_days, min_std=min_std)
        dims = ("doy", *template.dims)
        coords = {k: v for k, v in template.coords.items() if "time" not in v.dims}
        units = str(template.attrs.get("units", "degC"))
        coords["doy"] = xr.DataArray(np.arange(1, N_SLOTS + 1), dims="doy", attrs=_DOY_ATTRS)
        return cls(
            mean=xr.DataArray(mean, dims=dims, coords=coords, name="mean",
                              attrs={"units": units, "long_name": "day-of-year mean"}),
            std=xr.DataArray(std, dims=dims, coords=coords, name="std",
                             attrs={"units": units, "long_name": "day-of-year std"}),
            count=xr.DataArray(count, dims=dims, coords=coords, name="count",
                               attrs={"long_name": "training values pooled per slot"}),
            period=(f"{moments.first_day:%Y-%m-%d}", f"{moments.last_day:%Y-%m-%d}"),
            window_days=int(window_days),
            min_std=float(min_std),
        )

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
    "DoyClimatology",
]
