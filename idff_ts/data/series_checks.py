"""Checks of a DataArray before it becomes a model array: time dim, finite values, order."""

from __future__ import annotations

import numpy as np
import xarray as xr

from idff_ts.errors import DataError

TIME_LIKE_NAMES = ("t", "times", "date", "dates", "Time", "TIME", "valid_time", "datetime", "step")


def coord_values(da: xr.DataArray, dim: str) -> np.ndarray:
    """Values of ``dim``'s coordinate, or ``arange`` where it has none."""
    return np.asarray(da[dim].values) if dim in da.coords else np.arange(da.sizes[dim])


def missing_time_message(da: xr.DataArray, time_dim: str) -> str:
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


def check_finite(
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
    if n_nan == 0 and da.dtype.kind == "f" and np.isfinite(np.asarray(da.values)).all():
        raise DataError(
            f"{da.name!r} holds values beyond the float32 range (|x| > 3.4e38, largest "
            f"{float(np.nanmax(np.abs(np.asarray(da.values)))):.3g}); rescale them (e.g. other units)"
        )
    bad_steps = bad.reshape(bad.shape[0], bad.shape[1], -1).any(axis=-1)
    s, t = (int(i) for i in np.argwhere(bad_steps)[0])
    where = f"{time_dim}[{t}] = {coord_values(da, time_dim)[t]}"
    if series_dim:
        where = f"{series_dim}[{s}], {where}"
    raise DataError(
        f"expected finite values, found {n_nan} NaN and {n_inf} inf in {da.name!r} "
        f"(dims {list(ordered)}) at {int(bad_steps.sum())} time steps, first at {where}; "
        f"fill or drop them (da.interpolate_na({time_dim!r}), da.dropna({time_dim!r}), or for "
        "land points da.fillna(0) with a mask)"
    )


def check_time(da: xr.DataArray, time_dim: str) -> None:
    """Raise :class:`DataError` unless the time coordinate is strictly increasing."""
    if time_dim not in da.coords:
        return
    t = np.asarray(da[time_dim].values)
    if t.size > 1 and not np.all(t[1:] > t[:-1]):
        raise DataError(
            f"expected a strictly increasing {time_dim!r} coordinate, found it unsorted or with "
            f"duplicates; fix with da.sortby({time_dim!r}) and drop duplicated steps"
        )


def check_regular_time(da: xr.DataArray, time_dim: str) -> None:
    """Refuse a time axis that is not regular under any cadence (issue 16: never trained or
    forecast with a wrong step). Equal steps, or calendar months / years, pass; the error
    (:func:`idff_ts.data.calendar.infer_cadence`) names the odd step and ``time_dim=``."""
    if time_dim not in da.coords or da.sizes[time_dim] < 2:
        return
    from idff_ts.data.calendar import infer_cadence

    infer_cadence(np.asarray(da[time_dim].values), time_dim)


__all__ = ["check_finite", "check_regular_time", "check_time", "coord_values",
           "missing_time_message"]
