"""The truth at every forecast valid time, on the forecast's grid (evaluation.md §2).

A forecast has dims ``(init, lead, member, *space)`` and the 2-D coordinate
``valid_time(init, lead)`` (``init + lead`` when absent); the truth has a ``time`` dim and the
same space dims. The truth is selected *exactly* at every valid time (nothing is
interpolated) and its grid must equal the forecast's, coordinate by coordinate.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import xarray as xr

from idff_ts.errors import DataError


def valid_times(forecast: xr.DataArray, init_dim: str, lead_dim: str) -> xr.DataArray:
    """The ``valid_time(init, lead)`` coordinate, or ``init + lead`` when it is absent."""
    if "valid_time" in forecast.coords:
        vt = forecast.coords["valid_time"]
    else:
        try:
            vt = forecast[init_dim] + forecast[lead_dim]
        except TypeError as err:
            raise DataError(
                f"cannot form valid_time = {init_dim} + {lead_dim} from dtypes "
                f"{forecast[init_dim].dtype} and {forecast[lead_dim].dtype} ({err}); add a "
                "valid_time(init, lead) coordinate"
            ) from None
    if set(vt.dims) != {init_dim, lead_dim}:
        raise DataError(f"valid_time must have dims ({init_dim}, {lead_dim}); found {vt.dims}")
    return vt.transpose(init_dim, lead_dim).reset_coords(drop=True)


def align_truth(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    init_dim: str = "init",
    lead_dim: str = "lead",
    time_dim: str = "time",
) -> xr.DataArray:
    """Truth at every ``valid_time(init, lead)`` of the forecast, dims ``(init, lead, …)``.

    Exact selection: a valid time the truth lacks raises DataError listing them.
    """
    if time_dim not in truth.dims:
        raise DataError(f"truth has no time dimension {time_dim!r}; found dims {truth.dims}")
    vt = valid_times(forecast, init_dim, lead_dim)
    times = np.asarray(truth[time_dim].values)
    kinds = {np.asarray(vt.values).dtype.kind, times.dtype.kind}
    if "M" in kinds and kinds != {"M"}:
        raise DataError(
            f"valid times have dtype {vt.dtype} but truth {time_dim} has dtype {times.dtype}; "
            "both must be datetime64 or both numeric model time"
        )
    if np.unique(times).size != times.size:
        raise DataError(f"truth {time_dim} has duplicate values; expected unique times")
    wanted = np.unique(np.asarray(vt.values).ravel())
    missing = wanted[~np.isin(wanted, times)]
    if missing.size:
        shown = ", ".join(str(t) for t in missing[:5]) + (" …" if missing.size > 5 else "")
        raise DataError(
            f"truth does not cover {missing.size} of the {wanted.size} forecast valid times "
            f"(init + lead), e.g. {shown}; truth {time_dim} spans {times.min()} .. "
            f"{times.max()} ({times.size} values). Provide truth for every valid time "
            "(selection is exact: round model times consistently)."
        )
    out = truth.sel({time_dim: vt})
    return out.drop_vars(time_dim).assign_coords(
        {init_dim: forecast[init_dim], lead_dim: forecast[lead_dim]}
    )


def check_grid(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    point_dims: Sequence[Hashable],
    init_dim: str,
    lead_dim: str,
) -> xr.DataArray:
    """Check the truth's point dims and coords equal the forecast's; return truth ordered."""
    extra = [d for d in truth.dims if d not in (init_dim, lead_dim, *point_dims)]
    lacking = [d for d in point_dims if d not in truth.dims]
    if extra or lacking:
        raise DataError(
            f"truth dims {truth.dims} do not match the forecast's point dims {tuple(point_dims)}"
            f" (extra: {extra}, missing: {lacking})"
        )
    for d in point_dims:
        if truth.sizes[d] != forecast.sizes[d]:
            raise DataError(
                f"dim {d!r} has {forecast.sizes[d]} points in the forecast, "
                f"{truth.sizes[d]} in the truth"
            )
        if (
            d in forecast.coords
            and d in truth.coords
            and not np.array_equal(forecast[d].values, truth[d].values)
        ):
            raise DataError(
                f"coordinate {d!r} differs between forecast and truth; select the same grid "
                "(e.g. truth.sel(...) with the forecast's coordinates)"
            )
    return truth.transpose(init_dim, lead_dim, *point_dims)


def split_point_dims(
    forecast: xr.DataArray,
    space_dims: Sequence[Hashable] | None,
    feature_dim: str | None,
    core: tuple[str, str, str],
) -> tuple[list[Hashable], list[Hashable]]:
    """Check the forecast's dims against ``core`` = (init, lead, member) + space + feature.

    Returns ``(space_dims, point_dims)``: space dims default to every other dim; point dims
    are the space dims plus ``feature_dim``.
    """
    lacking = [d for d in core if d not in forecast.dims]
    if lacking:
        raise DataError(
            f"forecast lacks dims {lacking}; expected (init, lead, member, *space), found "
            f"{forecast.dims}. Rename dims or pass init_dim/lead_dim/member_dim."
        )
    if feature_dim is not None and feature_dim not in forecast.dims:
        raise DataError(f"feature_dim {feature_dim!r} is not a forecast dim {forecast.dims}")
    if space_dims is None:
        space_dims = [d for d in forecast.dims if d not in (*core, feature_dim)]
    extra = [d for d in forecast.dims if d not in (*core, feature_dim, *space_dims)]
    missing_space = [d for d in space_dims if d not in forecast.dims]
    if extra or missing_space:
        raise DataError(
            f"forecast dims {forecast.dims} do not match init/lead/member + space_dims "
            f"{tuple(space_dims)} + feature_dim (extra: {extra}, missing: {missing_space})"
        )
    point_dims = [*space_dims] + ([feature_dim] if feature_dim is not None else [])
    return list(space_dims), point_dims
