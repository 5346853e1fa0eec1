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

from idff_ts.data.series_checks import (
    TIME_LIKE_NAMES,
    check_finite,
    check_time,
    coord_values,
    missing_time_message,
)
from idff_ts.data.trajectories import SPLITS, split_by_trajectory
from idff_ts.errors import DataError
from idff_ts.io.reading import load_values

SERIES_DIM_CANDIDATES = ("trajectory",)
SPATIAL_DIM_PAIRS = (("lat", "lon"), ("latitude", "longitude"), ("y", "x"))


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
    series_dim = _check_input(da, time_dim, series_dim, min_length)
    dims = tuple(str(d) for d in da.dims)
    state_dims = _state_dims(dims, time_dim, series_dim)
    if len(state_dims) > 3:
        raise DataError(
            f"expected at most 3 state dims besides {time_dim!r}"
            f"{f' and {series_dim!r}' if series_dim else ''} (vector, (lat, lon) or "
            f"(channel, lat, lon)), found {list(state_dims)}; stack or select some, "
            "e.g. da.stack(channel=('var', 'level'))"
        )
    ordered = (*(() if series_dim is None else (series_dim,)), time_dim, *state_dims)
    values = np.asarray(load_values(da.transpose(*ordered)), dtype=np.float32)
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
    check_finite(values, da, ordered, series_dim, time_dim)
    check_time(da, time_dim)

    info = SeriesInfo(
        name=da.name,
        time_dim=time_dim,
        time=coord_values(da, time_dim),
        series_dim=series_dim,
        series=coord_values(da, series_dim) if series_dim else np.arange(1),
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


def _check_input(
    da: xr.DataArray, time_dim: str, series_dim: str | None, min_length: int
) -> str | None:
    """The series dim to use; :class:`DataError` for a Dataset, a missing time dim, a bad
    series dim, a non-numeric dtype or too few steps."""
    if isinstance(da, xr.Dataset):
        raise DataError(
            f"expected a DataArray, found a Dataset with variables {list(da.data_vars)}; "
            "select one, e.g. ds['sst']"
        )
    dims = tuple(str(d) for d in da.dims)
    if time_dim not in dims:
        raise DataError(missing_time_message(da, time_dim))
    if series_dim is None:
        series_dim = next((d for d in SERIES_DIM_CANDIDATES if d in dims and d != time_dim), None)
    elif series_dim not in dims or series_dim == time_dim:
        raise DataError(
            f"series_dim {series_dim!r} is not a dim of the data (other than {time_dim!r}); "
            f"found dims {list(dims)}"
        )
    if da.dtype.kind not in "iuf":  # not timedelta64 (a numpy integer subtype), bool, complex
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

    return series_dim


def _state_dims(dims: tuple[str, ...], time_dim: str, series_dim: str | None) -> tuple[str, ...]:
    """Dims that make up one state; recognised spatial pairs are moved last."""
    rest = [d for d in dims if d not in (time_dim, series_dim)]
    if len(rest) >= 2:
        for pair in SPATIAL_DIM_PAIRS:
            if set(pair) <= set(rest):
                rest = [d for d in rest if d not in pair] + list(pair)
                break
    return tuple(rest)


__all__ = [
    "SPLITS",
    "TIME_LIKE_NAMES",
    "SeriesInfo",
    "as_series_array",
    "split_by_trajectory",
]
