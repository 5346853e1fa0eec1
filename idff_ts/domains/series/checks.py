"""Checks of a labelled series against a trained model, before any window is loaded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from idff_ts.errors import DataError
from idff_ts.forecasting.times import fmt_time

if TYPE_CHECKING:
    from idff_ts.model import Forecaster


def select_dataarray(
    data: xr.DataArray | xr.Dataset, var: str | None, info: dict[str, Any]
) -> xr.DataArray:
    from idff_ts.io import select_variable

    if isinstance(data, xr.DataArray):
        return data
    if isinstance(data, xr.Dataset):
        if var is None and info.get("name") in data.data_vars and len(data.data_vars) > 1:
            var = str(info["name"])
        return select_variable(data, var)
    raise DataError(
        f"expected an xarray DataArray or Dataset with a 'time' dim, found {type(data).__name__}; "
        "wrap arrays with xr.DataArray(values, dims=('time', ...))"
    )


def check_time_step(info: dict[str, Any], kind: str, step: float | None) -> float:
    """The model's time step; :class:`DataError` if the data's spacing or kind differs."""
    model_kind = info.get("time_kind")
    model_step = info.get("time_step")
    if model_kind is not None and model_kind != kind:
        raise DataError(
            f"the checkpoint was trained on {model_kind} time but the data's time axis is "
            f"{kind}; use data with the same kind of time axis as the training data"
        )
    if model_step is not None and step is not None:
        if not np.isclose(float(model_step), step, rtol=1e-3):
            unit = "days" if kind == "datetime" else "time units"
            raise DataError(
                f"the data's time step is {step:g} {unit} but the checkpoint was trained on "
                f"steps of {float(model_step):g} {unit}; resample the data to the training step"
            )
    if model_step is not None:
        return float(model_step)
    return step if step is not None else 1.0


def check_state_shape(
    da: xr.DataArray, time_dim: str, series_dim: str | None, fc: Forecaster
) -> None:
    """Compare the data's state shape (from its sizes, nothing loaded) with the checkpoint's.

    The model input adds a channel axis to scalars ``(1,)`` and 2-D fields ``(1, H, W)``, as
    :func:`~idff_ts.data.series.as_series_array` does.
    """
    dims = [str(d) for d in da.dims if d not in (time_dim, series_dim)]
    sizes = tuple(int(da.sizes[d]) for d in dims)
    model_in = (1,) if not sizes else (1, *sizes) if len(sizes) == 2 else sizes
    if tuple(model_in) == tuple(fc.cfg.state_shape):
        return
    model_dims = fc.data_info.get("state_dims")
    raise DataError(
        f"the data's state has shape {sizes} (dims {dims}) but the checkpoint was trained on "
        f"state shape {tuple(fc.cfg.state_shape)}"
        f"{f' (dims {list(model_dims)})' if model_dims is not None else ''}; use a checkpoint "
        "trained on data of this shape, or select the matching variables/region"
    )


def check_finite_windows(
    sub: xr.DataArray, time_dim: str, sub_times: np.ndarray, init_times: np.ndarray, n_ctx: int
) -> None:
    """Refuse NaN / inf in the context windows, naming the times and the inits affected."""
    if not np.issubdtype(sub.dtype, np.number):
        return  # as_series_array reports the dtype
    bad = ~np.isfinite(np.asarray(sub.values, dtype=np.float64))
    if not bad.any():
        return
    axis = sub.get_axis_num(time_dim)
    bad_t = bad.any(axis=tuple(a for a in range(bad.ndim) if a != axis))
    when = [fmt_time(t) for t in sub_times[bad_t]]
    shown = ", ".join(when[:5]) + (" …" if len(when) > 5 else "")
    raise DataError(
        f"the input window holds {int(bad.sum())} NaN/inf values at {len(when)} time(s) "
        f"({shown}); each init needs {n_ctx} finite step(s) ending at it (inits: "
        f"{', '.join(fmt_time(t) for t in init_times[:5])}{' …' if init_times.size > 5 else ''}). "
        f"Fill them (da.interpolate_na({time_dim!r}), da.fillna(...)) or choose another init"
    )


__all__ = ["check_finite_windows", "check_state_shape", "check_time_step", "select_dataarray"]
