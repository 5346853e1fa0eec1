"""From user DataArrays to model arrays, and splits by trajectory.

:func:`as_series_array` turns a ``DataArray`` with a ``time`` dim into a float32 array
``(n_series, T, *state)`` plus a :class:`SeriesInfo` that remembers the names and coordinates
needed to turn model outputs back into labelled DataArrays. The state layout follows the dims
left once ``time`` (and an optional series dim such as ``trajectory``) are removed:

- no dim left, ``(time,)``: a scalar series, state shape ``(1,)``;
- one, ``(time, var)``: a vector, state shape ``(D,)``;
- two, ``(time, lat, lon)``: a field, state shape ``(1, H, W)`` (a channel axis is added);
- three, ``(time, channel, lat, lon)``: a field, state shape ``(C, H, W)``.

For fields, recognised spatial dims (``lat``/``lon``, ``latitude``/``longitude``, ``y``/``x``)
are moved last; otherwise the DataArray's own dim order is kept.

:func:`split_by_trajectory` splits whole trajectories into train / val / test, never frames:
neighbouring frames of one chaotic trajectory are nearly identical, so a frame-level split
leaks the test set into training.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError, DataError

SPLITS = ("train", "val", "test")
SERIES_DIM_CANDIDATES = ("trajectory",)
SPATIAL_DIM_PAIRS = (("lat", "lon"), ("latitude", "longitude"), ("y", "x"))
TIME_LIKE_NAMES = ("t", "times", "date", "dates", "Time", "TIME", "valid_time", "datetime", "step")


@dataclass(frozen=True)
class SeriesInfo:
    """What :func:`as_series_array` removed, kept to rebuild labelled outputs.

    Attributes:
        name: the DataArray's name.
        time_dim: name of the time dim.
        time: its coordinate values (``arange(T)`` where it had none).
        series_dim: name of the dim treated as separate series, or ``None``.
        series: coordinate values along ``series_dim`` (``[0]`` when there is none).
        state_dims: names of the state dims, in array order (``()`` for a scalar series).
        state_shape: shape of one state in the array (a channel axis of 1 added for scalars
            and 2-D fields).
        kind: ``"scalar"``, ``"vector"`` or ``"field"``.
        coords: coords that live on the state dims only, ``{name: (dims, values)}`` — the
            form ``xr.DataArray(coords=...)`` accepts.
        attrs: the DataArray's attrs.
    """

    name: Hashable | None
    time_dim: str
    time: np.ndarray
    series_dim: str | None
    series: np.ndarray
    state_dims: tuple[str, ...]
    state_shape: tuple[int, ...]
    kind: Literal["scalar", "vector", "field"]
    coords: dict[str, tuple[tuple[str, ...], np.ndarray]] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def dims_shape(self) -> tuple[int, ...]:
        """Sizes of ``state_dims``: ``state_shape`` without the added channel axis."""
        return self.state_shape[len(self.state_shape) - len(self.state_dims) :]

    def to_dataarray(
        self,
        values: np.ndarray,
        leading_dims: Sequence[str],
        leading_coords: Mapping[str, Any] | None = None,
    ) -> xr.DataArray:
        """Wrap ``values`` of shape ``(*leading, *state_shape)`` as a labelled DataArray.

        The added channel axis is dropped again, the state dims get their names and coords
        back, and ``leading_dims`` (e.g. ``("init", "lead", "member")``) name the rest.
        """
        values = np.asarray(values)
        n_lead = len(leading_dims)
        if (
            values.ndim != n_lead + len(self.state_shape)
            or values.shape[n_lead:] != self.state_shape
        ):
            raise DataError(
                f"expected values of shape (*{tuple(leading_dims)}, *{self.state_shape}), "
                f"found {values.shape}"
            )
        values = values.reshape(values.shape[:n_lead] + self.dims_shape)
        return xr.DataArray(
            values,
            dims=(*leading_dims, *self.state_dims),
            coords={**self.coords, **dict(leading_coords or {})},
            name=self.name,
            attrs=dict(self.attrs),
        )


def as_series_array(
    da: xr.DataArray,
    time_dim: str = "time",
    series_dim: str | None = None,
    min_length: int = 2,
) -> tuple[np.ndarray, SeriesInfo]:
    """Convert a DataArray with a time dim into a float32 array ``(n_series, T, *state)``.

    Args:
        da: the data; any numeric dtype, no NaN / inf.
        time_dim: name of the time dim.
        series_dim: a dim whose entries are independent series (stacked first in the output).
            ``None`` uses ``"trajectory"`` when present, otherwise one series.
        min_length: fewest time steps accepted (for windows: ``context + horizon``).

    Returns:
        ``(array, info)``: the float32 array and the :class:`SeriesInfo` to rebuild labels.
    """
    if isinstance(da, xr.Dataset):
        raise DataError(
            f"expected a DataArray, found a Dataset with variables {list(da.data_vars)}; "
            "select one, e.g. ds['sst']"
        )
    dims = tuple(str(d) for d in da.dims)
    if time_dim not in dims:
        raise DataError(_missing_time_message(da, time_dim))
    if series_dim is None:
        series_dim = next((d for d in SERIES_DIM_CANDIDATES if d in dims and d != time_dim), None)
    elif series_dim not in dims or series_dim == time_dim:
        raise DataError(
            f"series_dim {series_dim!r} is not a dim of the data (other than {time_dim!r}); "
            f"found dims {list(dims)}"
        )
    if not (np.issubdtype(da.dtype, np.integer) or np.issubdtype(da.dtype, np.floating)):
        raise DataError(
            f"expected a real numeric dtype (int or float), found {da.dtype} in {da.name!r}; "
            "convert it, e.g. da.astype('float32')"
        )
    n_time = da.sizes[time_dim]
    if n_time < min_length:
        raise DataError(
            f"series too short: expected at least {min_length} steps along {time_dim!r}, "
            f"found {n_time}; use a longer series or a shorter context/horizon"
        )

    state_dims = _state_dims(dims, time_dim, series_dim)
    if len(state_dims) > 3:
        raise DataError(
            f"expected at most 3 state dims besides {time_dim!r}"
            f"{f' and {series_dim!r}' if series_dim else ''} (vector, (lat, lon) or "
            f"(channel, lat, lon)), found {list(state_dims)}; stack or select some, "
            "e.g. da.stack(channel=('var', 'level'))"
        )
    ordered = (*(() if series_dim is None else (series_dim,)), time_dim, *state_dims)
    values = np.asarray(da.transpose(*ordered).values, dtype=np.float32)
    if series_dim is None:
        values = values[None]
    dims_shape = values.shape[2:]
    kind: Literal["scalar", "vector", "field"]
    if len(state_dims) == 0:
        kind, state_shape = "scalar", (1,)
    elif len(state_dims) == 1:
        kind, state_shape = "vector", dims_shape
    else:
        kind, state_shape = "field", (1, *dims_shape) if len(state_dims) == 2 else dims_shape
    values = values.reshape(values.shape[:2] + tuple(state_shape))
    _check_finite(values, da, ordered, series_dim, time_dim)
    _check_time(da, time_dim)

    info = SeriesInfo(
        name=da.name,
        time_dim=time_dim,
        time=_coord_values(da, time_dim),
        series_dim=series_dim,
        series=_coord_values(da, series_dim) if series_dim else np.arange(1),
        state_dims=state_dims,
        state_shape=tuple(int(s) for s in state_shape),
        kind=kind,
        coords={
            str(k): (tuple(str(d) for d in c.dims), np.asarray(c.values))
            for k, c in da.coords.items()
            if set(c.dims) <= set(state_dims)
        },
        attrs=dict(da.attrs),
    )
    return values, info


def split_by_trajectory(
    da: xr.DataArray,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    *,
    counts: Sequence[int] | None = None,
    seed: int = 0,
    dim: str = "trajectory",
) -> dict[str, xr.DataArray]:
    """Split whole trajectories into ``{"train", "val", "test"}``, disjoint and seeded.

    The trajectories are permuted with ``numpy.random.default_rng(seed)``; the first
    ``n_train`` go to train, the next ``n_val`` to val, the rest to test (each split keeps its
    trajectories in their original order and coordinates). With ``fractions`` the val / test
    sizes are ``round(n · f)``, at least 1 where ``f > 0``, and train takes the remainder;
    ``counts`` gives the three sizes exactly (they must sum to the number of trajectories).
    """
    if dim not in da.dims:
        raise DataError(
            f"expected a {dim!r} dim to split by, found dims {[str(d) for d in da.dims]}; "
            "rename yours (da.rename({'run': 'trajectory'})) or pass dim=..."
        )
    n = da.sizes[dim]
    sizes = _split_sizes(n, fractions, counts, dim)
    perm = np.random.default_rng(seed).permutation(n)
    bounds = np.cumsum((0, *sizes))
    return {
        key: da.isel({dim: np.sort(perm[bounds[i] : bounds[i + 1]])})
        for i, key in enumerate(SPLITS)
    }


def _split_sizes(
    n: int, fractions: Sequence[float], counts: Sequence[int] | None, dim: str
) -> tuple[int, int, int]:
    """Numbers of trajectories in train, val, test."""
    if counts is not None:
        c = tuple(int(x) for x in counts)
        if len(c) != 3 or min(c) < 0 or sum(c) != n:
            raise ConfigError(
                f"counts must be 3 non-negative ints summing to the {n} trajectories along "
                f"{dim!r}, got {tuple(counts)}"
            )
        return c  # type: ignore[return-value]
    f = tuple(float(x) for x in fractions)
    if len(f) != 3 or min(f) < 0 or not np.isclose(sum(f), 1.0):
        raise ConfigError(f"fractions must be 3 non-negative numbers summing to 1, got {f}")
    n_val, n_test = (max(1, round(n * x)) if x > 0 else 0 for x in f[1:])
    n_train = n - n_val - n_test
    if n_train < (1 if f[0] > 0 else 0):
        raise DataError(
            f"too few trajectories along {dim!r} to split by {f}: found {n}, need at least "
            f"{1 + (f[1] > 0) + (f[2] > 0)}; simulate more or pass counts=..."
        )
    return n_train, n_val, n_test


def _state_dims(dims: tuple[str, ...], time_dim: str, series_dim: str | None) -> tuple[str, ...]:
    """Dims that make up one state; recognised spatial pairs are moved last."""
    rest = [d for d in dims if d not in (time_dim, series_dim)]
    if len(rest) >= 2:
        for pair in SPATIAL_DIM_PAIRS:
            if set(pair) <= set(rest):
                rest = [d for d in rest if d not in pair] + list(pair)
                break
    return tuple(rest)


def _coord_values(da: xr.DataArray, dim: str) -> np.ndarray:
    """Values of ``dim``'s coordinate, or ``arange`` where it has none."""
    return np.asarray(da[dim].values) if dim in da.coords else np.arange(da.sizes[dim])


def _missing_time_message(da: xr.DataArray, time_dim: str) -> str:
    """Error text for a DataArray without ``time_dim``, with a rename suggestion."""
    dims = [str(d) for d in da.dims]
    guess = next((d for d in dims if d in TIME_LIKE_NAMES or "time" in d.lower()), None)
    if guess is None:
        guess = next((str(d) for d in da.dims if np.issubdtype(da[d].dtype, np.datetime64)), None)
    fix = (
        f"rename it: da.rename({{{guess!r}: {time_dim!r}}})"
        if guess
        else f"rename the time dim to {time_dim!r} (da.rename({{'t': {time_dim!r}}})) or pass "
        "time_dim=..."
    )
    return f"expected a {time_dim!r} dim, found dims {dims}; {fix}"


def _check_finite(
    values: np.ndarray,
    da: xr.DataArray,
    ordered: tuple[str, ...],
    series_dim: str | None,
    time_dim: str,
) -> None:
    """Raise :class:`DataError` naming how many NaN / inf there are and where the first one is."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    n_nan = int(np.isnan(values).sum())
    n_inf = int(bad.sum()) - n_nan
    bad_steps = bad.reshape(bad.shape[0], bad.shape[1], -1).any(axis=-1)
    s, t = (int(i) for i in np.argwhere(bad_steps)[0])
    where = f"{time_dim}[{t}] = {_coord_values(da, time_dim)[t]}"
    if series_dim:
        where = f"{series_dim}[{s}], {where}"
    raise DataError(
        f"expected finite values, found {n_nan} NaN and {n_inf} inf in {da.name!r} "
        f"(dims {list(ordered)}) at {int(bad_steps.sum())} time steps, first at {where}; "
        f"fill or drop them (da.interpolate_na({time_dim!r}), da.dropna({time_dim!r}), or for "
        "land points da.fillna(0) with a mask)"
    )


def _check_time(da: xr.DataArray, time_dim: str) -> None:
    """Raise :class:`DataError` unless the time coordinate is strictly increasing."""
    if time_dim not in da.coords:
        return
    t = np.asarray(da[time_dim].values)
    if t.size > 1 and not np.all(t[1:] > t[:-1]):
        raise DataError(
            f"expected a strictly increasing {time_dim!r} coordinate, found it unsorted or with "
            f"duplicates; fix with da.sortby({time_dim!r}) and drop duplicated steps"
        )


__all__ = ["SeriesInfo", "as_series_array", "split_by_trajectory"]
