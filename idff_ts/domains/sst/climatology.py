"""A compact day-of-year climatology: a few annual harmonics per pixel, fitted on training days.

The DYffusion standardisation ``z = (x − μ(s)) / σ(s)`` (:class:`~idff_ts.domains.sst.dyffusion.
DoyClimatology`) needs ``μ`` and ``σ`` for every day-of-year slot ``s = 1..366`` and pixel: for
the 11 ETP tiles that is 2 × 366 × 39 600 float32 values (116 MB), too much to store inside a
checkpoint. Here both are smooth functions of the slot, a truncated Fourier series with
``H`` harmonics (``θ(s) = 2π (s − 1) / 366``)::

    μ_H(s, p)      = a_0(p) + Σ_{j=1..H} [ a_j(p) cos(j θ(s)) + b_j(p) sin(j θ(s)) ]
    log σ²_H(s, p) = c_0(p) + Σ_{j=1..H} [ c_j(p) cos(j θ(s)) + d_j(p) sin(j θ(s)) ],
    σ_H = max(sqrt(σ²_H), min_std)

stored as ``(2H + 1, *space)`` coefficients: ``2 · 7 · 39 600`` float32 values (2.2 MB) for the
ETP tiles with ``H = 3``. The variance is modelled on the log scale so that it stays positive:
a truncated Fourier series of the variance itself undershoots to ~0 where the seasonal cycle of
variance is peaked (then ``z`` explodes there).

**Fit** (:meth:`HarmonicClimatology.from_doy`), per pixel, by weighted least squares on the raw
per-slot statistics of the training days (``DoyClimatology`` with ``window_days = 1``), the
weight of slot ``s`` being its number of training values ``N(s)`` (29 February, whose raw
statistics pool 28 Feb–1 Mar, gets a quarter of 28 February's weight, its share of the years):

- ``μ_H`` fits the per-slot means ``μ(s)`` — with weights ``N(s)`` this is exactly the least-
  squares harmonic regression of all training values;
- ``log σ²_H`` fits ``log r²(s)``, ``r²(s) = σ(s)² + (μ(s) − μ_H(s))²`` being the per-slot mean
  of ``(x − μ_H(s))²``; then ``c_0`` is shifted so that ``Σ_s N(s) r²(s) / σ²_H(s) = Σ_s N(s)``:
  ``z = (x − μ_H) / σ_H`` has exactly unit mean square over each pixel's training days (the
  log fit alone is biased low by the noise of ``r²``).

**Approximation.** Raw per-day statistics from ``N`` training years carry sampling noise
(``≈ σ/√N`` in the mean); the harmonic fit removes most of it along with any sub-monthly
structure of the true climatology. The documented bound, checked in the tests:
``RMS(μ_H − μ_raw) ≤ 2 · RMS(σ_raw) / √N_years`` over ocean pixels and slots. The model is
trained on anomalies standardised with ``μ_H, σ_H`` and the same coefficients travel in its
checkpoint, so training and inference use *exactly* the same standardisation (float32).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.data.seasonal import evaluate_harmonics, fit_slot_harmonics
from idff_ts.domains.sst.dyffusion import FEB29_SLOT, N_SLOTS, DoyClimatology, doy_slot
from idff_ts.domains.sst.harmonics import harmonic_basis
from idff_ts.errors import CheckpointError, ConfigError, DataError

#: Default number of annual harmonics (annual, semi-annual and 4-month cycles).
N_HARMONICS = 3
#: Floor of σ_H in °C (a pixel is never divided by less).
MIN_STD = 0.05


@dataclass(frozen=True)
class HarmonicClimatology:
    """Per-pixel harmonic day-of-year mean and variance (module docstring).

    Attributes:
        mean_coef, var_coef: float32 ``(2H + 1, *space)`` of ``μ_H`` and ``log σ²_H``; zeros
            over land.
        ocean: bool ``(*space)``, True where the pixel has training data (and the mask says so).
        space_dims: names of the pixel dims, e.g. ``("box", "y", "x")`` or ``("pixel",)``.
        coords: coordinates on the pixel dims (``{name: (dims, values)}``), e.g. ``box``,
            ``lat(box, y)``, ``lon(box, x)``.
        period: first and last training day used.
        n_harmonics: ``H``.
        min_std: floor of ``σ_H`` (data units).
        units: units of the data (``degC``).
    """

    mean_coef: np.ndarray
    var_coef: np.ndarray
    ocean: np.ndarray
    space_dims: tuple[str, ...]
    coords: Mapping[str, tuple[tuple[str, ...], np.ndarray]]
    period: tuple[str, str]
    n_harmonics: int = N_HARMONICS
    min_std: float = MIN_STD
    units: str = "degC"

    # ------------------------------------------------------------------------------ fitting

    @classmethod
    def fit(
        cls,
        da: xr.DataArray,
        *,
        period: Sequence[Any] | None,
        n_harmonics: int = N_HARMONICS,
        min_std: float = MIN_STD,
    ) -> HarmonicClimatology:
        """Fit on the days of ``da`` (``(time, *space)``, NaN = land) inside ``period`` only."""
        raw = DoyClimatology.fit(da, period=period, window_days=1)
        return cls.from_doy(raw, n_harmonics=n_harmonics, min_std=min_std)

    @classmethod
    def from_doy(
        cls, raw: DoyClimatology, *, n_harmonics: int = N_HARMONICS, min_std: float = MIN_STD
    ) -> HarmonicClimatology:
        """Harmonic fit of raw per-slot statistics (``window_days = 1``; module docstring)."""
        if n_harmonics < 0 or n_harmonics > 60:
            raise ConfigError(f"n_harmonics must be in 0..60, got {n_harmonics}")
        if min_std <= 0:
            raise ConfigError(f"min_std must be > 0, got {min_std}")
        if raw.window_days != 1:
            raise ConfigError(
                "fit the harmonics on raw per-day statistics (window_days=1), got "
                f"window_days={raw.window_days}"
            )
        space = tuple(str(d) for d in raw.space_dims)
        shape = tuple(raw.mean.sizes[d] for d in space)
        mean = raw.mean.transpose("doy", *space).values.reshape(N_SLOTS, -1).astype(np.float64)
        std = raw.std.transpose("doy", *space).values.reshape(N_SLOTS, -1).astype(np.float64)
        count = raw.count.transpose("doy", *space).values.reshape(N_SLOTS, -1).astype(np.float64)
        ocean = np.asarray(raw.ocean.transpose(*space).values, dtype=bool).reshape(-1)
        weights = np.where(np.isfinite(mean) & np.isfinite(std), count, 0.0)
        f = FEB29_SLOT - 1  # 29 Feb pools three days in one year of four
        weights[f] = weights[f - 1] / 4.0
        weights[:, ~ocean] = 0.0
        basis = harmonic_basis(np.arange(1, N_SLOTS + 1), n_harmonics)
        mean_coef, var_coef = fit_slot_harmonics(basis, mean, std, weights, min_std)
        ocean &= weights.sum(axis=0) > 0
        k = basis.shape[1]
        coords = {
            str(name): (tuple(str(d) for d in c.dims), np.asarray(c.values))
            for name, c in raw.mean.coords.items()
            if name not in ("doy", "mask") and set(c.dims) <= set(space)
        }
        return cls(
            mean_coef=np.where(ocean, mean_coef, 0.0).astype(np.float32).reshape(k, *shape),
            var_coef=np.where(ocean, var_coef, 0.0).astype(np.float32).reshape(k, *shape),
            ocean=ocean.reshape(shape),
            space_dims=space,
            coords=coords,
            period=tuple(raw.period),  # type: ignore[arg-type]
            n_harmonics=int(n_harmonics),
            min_std=float(min_std),
            units=str(raw.mean.attrs.get("units", "degC")),
        )

    # ------------------------------------------------------------------------- evaluation

    @property
    def space_shape(self) -> tuple[int, ...]:
        return tuple(self.mean_coef.shape[1:])

    def mean_std(self, slots: np.ndarray | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """``μ_H``, ``σ_H`` float32 of shape ``(*slots.shape, *space)``; NaN over land."""
        s = np.asarray(slots)
        basis = harmonic_basis(s, self.n_harmonics)  # (n, K)
        k = basis.shape[1]
        mean, std = evaluate_harmonics(
            basis, self.mean_coef.reshape(k, -1).astype(np.float64),
            self.var_coef.reshape(k, -1).astype(np.float64), self.min_std,
        )
        land = ~self.ocean.reshape(-1)
        mean[:, land] = np.nan
        std[:, land] = np.nan
        out_shape = (*s.shape, *self.space_shape)
        return mean.astype(np.float32).reshape(out_shape), std.astype(np.float32).reshape(out_shape)

    def at_dates(self, dates: Any) -> tuple[np.ndarray, np.ndarray]:
        """``μ_H``, ``σ_H`` at calendar dates (any shape of datetime64), via their slots."""
        return self.mean_std(doy_slot(np.asarray(dates, dtype="datetime64[ns]")))

    def to_doy(self) -> DoyClimatology:
        """The equivalent :class:`DoyClimatology` (μ_H, σ_H at the 366 slots), for its transforms."""
        mean, std = self.mean_std(np.arange(1, N_SLOTS + 1))
        dims = ("doy", *self.space_dims)
        coords: dict[Hashable, Any] = {k: v for k, v in self.coords.items()}
        coords["doy"] = ("doy", np.arange(1, N_SLOTS + 1))
        coords["mask"] = (self.space_dims, self.ocean)
        count = np.zeros((N_SLOTS, *self.space_shape), dtype=np.int32)
        return DoyClimatology(
            mean=xr.DataArray(mean, dims=dims, coords=coords, name="mean",
                              attrs={"units": self.units, "long_name": "day-of-year mean"}),
            std=xr.DataArray(std, dims=dims, coords=coords, name="std",
                             attrs={"units": self.units, "long_name": "day-of-year std"}),
            count=xr.DataArray(count, dims=dims, coords=coords, name="count"),
            period=self.period,
            window_days=1,
            min_std=self.min_std,
        )

    def transform(
        self, da: xr.DataArray, *, time: Hashable = "time", fill_land: float | None = None
    ) -> xr.DataArray:
        """``z = (x − μ_H(s(t))) / σ_H(s(t))`` per pixel (see ``DoyClimatology.transform``)."""
        out = self.to_doy().transform(da, time=time, fill_land=fill_land)
        out.attrs["standardisation"] = self.describe()
        return out

    def inverse(self, z: xr.DataArray, *, time: Hashable = "time") -> xr.DataArray:
        """``x = z · σ_H(s(t)) + μ_H(s(t))``; NaN over land."""
        return self.to_doy().inverse(z, time=time)

    def describe(self) -> str:
        return (
            f"per-pixel day-of-year mean and log-variance as {self.n_harmonics} annual harmonics, "
            f"least-squares fit on the training days {self.period[0]}..{self.period[1]} "
            f"(sigma floor {self.min_std:g} {self.units}); 29 Feb = slot 60"
        )

    # ---------------------------------------------------------------------- serialisation

    def to_tensors(self, prefix: str = "clim_") -> dict[str, np.ndarray]:
        """Plain arrays (for a weights-only checkpoint): coefficients and the ocean mask."""
        return {
            f"{prefix}mean_coef": np.ascontiguousarray(self.mean_coef, dtype=np.float32),
            f"{prefix}var_coef": np.ascontiguousarray(self.var_coef, dtype=np.float32),
            f"{prefix}ocean": np.ascontiguousarray(self.ocean, dtype=np.uint8),
        }

    def meta(self) -> dict[str, Any]:
        """JSON-safe description that, with :meth:`to_tensors`, rebuilds the climatology."""
        return {
            "form": "harmonic",
            "variance": "log",
            "n_harmonics": self.n_harmonics,
            "min_std": self.min_std,
            "period": list(self.period),
            "space_dims": list(self.space_dims),
            "units": self.units,
            "description": self.describe(),
        }

    @classmethod
    def from_tensors(
        cls,
        tensors: Mapping[str, Any],
        meta: Mapping[str, Any],
        coords: Mapping[str, tuple[tuple[str, ...], np.ndarray]] | None = None,
        prefix: str = "clim_",
    ) -> HarmonicClimatology:
        """Inverse of :meth:`to_tensors` / :meth:`meta`."""
        names = [f"{prefix}{k}" for k in ("mean_coef", "var_coef", "ocean")]
        missing = [n for n in names if n not in tensors]
        if missing or meta.get("form") != "harmonic" or meta.get("variance", "log") != "log":
            raise CheckpointError(
                f"the checkpoint holds no harmonic climatology (missing {missing or 'its meta'}); "
                "it was not trained by idff_ts.domains.sst"
            )
        arrays = [np.asarray(tensors[n]) for n in names]
        n_h = int(meta["n_harmonics"])
        if arrays[0].shape[0] != 2 * n_h + 1 or arrays[0].shape != arrays[1].shape:
            raise CheckpointError(
                f"climatology coefficients of shape {arrays[0].shape} do not match "
                f"n_harmonics={n_h}"
            )
        return cls(
            mean_coef=arrays[0].astype(np.float32),
            var_coef=arrays[1].astype(np.float32),
            ocean=arrays[2].astype(bool),
            space_dims=tuple(meta["space_dims"]),
            coords=dict(coords or {}),
            period=tuple(meta["period"]),  # type: ignore[arg-type]
            n_harmonics=n_h,
            min_std=float(meta["min_std"]),
            units=str(meta.get("units", "degC")),
        )


def check_space(clim: HarmonicClimatology, da: xr.DataArray) -> None:
    """:class:`DataError` unless ``da`` has the climatology's pixel dims and sizes."""
    for d, n in zip(clim.space_dims, clim.space_shape, strict=True):
        if d not in da.dims or da.sizes[d] != n:
            raise DataError(
                f"the climatology has pixel dims {dict(zip(clim.space_dims, clim.space_shape, strict=True))}"
                f"; the data has {dict(da.sizes)}"
            )


__all__ = ["MIN_STD", "N_HARMONICS", "HarmonicClimatology", "check_space", "harmonic_basis"]
