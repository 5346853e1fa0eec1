"""The ``.idff`` accessor on xarray Datasets and DataArrays (registered on ``import idff_ts``).

Stateless thin delegates to the public functions, with the same signatures and docs::

    da.idff.forecast(model=m, horizon=10, members=20)   # == idff_ts.forecast(da, m, ...)
    da.idff.fit(context=1, horizon=10)                  # == idff_ts.fit(da, ...)
    fc.idff.evaluate(truth)                             # == idff_ts.evaluate(fc, truth)
    da.idff                                             # shows the dims it detected

Torch is not imported here; the delegates import what they need when called.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import xarray as xr

from idff_ts.errors import DataError
from idff_ts.io import describe_dims, guess_time_dim, missing_time_message

# importlib, not ``from idff_ts import forecast``: the package rebinds those names to the
# functions of the same name (``idff_ts.forecast`` is the function, not the module).
_forecast_mod = importlib.import_module("idff_ts.forecast")
_evaluate_mod = importlib.import_module("idff_ts.evaluate")

FORECAST_DIMS = ("init", "lead", "member")
SERIES_DIM_CANDIDATES = ("trajectory",)


def _delegate(func: Callable[..., Any]) -> Callable[..., Any]:
    """A method ``self.m(*a, **k) == func(self._obj, *a, **k)`` with ``func``'s docs/signature."""

    def method(self: _IdffAccessor, *args: Any, **kwargs: Any) -> Any:
        return func(self._obj, *args, **kwargs)

    sig = inspect.signature(func)
    params = list(sig.parameters.values())[1:]
    method.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *params]
    )
    method.__doc__ = func.__doc__
    method.__name__ = func.__name__
    method.__qualname__ = f"_IdffAccessor.{func.__name__}"
    method.__module__ = __name__
    return method


class _IdffAccessor:
    """``obj.idff``: forecasting, training and scoring of labelled series (see module doc)."""

    def __init__(self, xarray_obj: xr.Dataset | xr.DataArray) -> None:
        self._obj = xarray_obj

    forecast = _delegate(_forecast_mod.forecast)
    evaluate = _delegate(_evaluate_mod.evaluate)

    def fit(self, *args: Any, **kwargs: Any) -> Any:
        """Train a :class:`~idff_ts.model.Forecaster` on this data: ``idff_ts.fit(obj, ...)``.

        Same arguments as :func:`idff_ts.fit` (``val``, ``context``, ``horizon``,
        ``model``, ``train``, ``sampler``, ``time_dim``, ``series_dim``, ``out_dir``, ...);
        ``var=`` picks one variable of a Dataset; without it a Dataset of several variables
        is fit jointly as one multivariate model (as :func:`idff_ts.fit` does).
        """
        from idff_ts.fitting import fit

        obj = self._obj
        var = kwargs.pop("var", None)
        if isinstance(obj, xr.Dataset) and var is not None:
            from idff_ts.io import select_variable

            obj = select_variable(obj, var)
        return fit(obj, *args, **kwargs)

    # ------------------------------------------------------------------ detection

    def detected_dims(self, time_dim: str = "time") -> dict[str, Any]:
        """What the accessor sees: ``kind`` ("forecast" or "series") and the dims of each role."""
        obj = self._obj
        dims = [str(d) for d in obj.dims]
        if all(d in dims for d in FORECAST_DIMS):
            rest = [d for d in dims if d not in FORECAST_DIMS]
            return {
                "kind": "forecast", "init": "init", "lead": "lead", "member": "member",
                "state_dims": rest,
            }
        time = time_dim if time_dim in dims else None
        series = next((d for d in SERIES_DIM_CANDIDATES if d in dims and d != time), None)
        state = [d for d in dims if d not in (time, series)]
        return {
            "kind": "series", "time_dim": time, "time_guess": guess_time_dim(obj),
            "series_dim": series, "state_dims": state,
        }

    def require_time(self, time_dim: str = "time") -> None:
        """Raise :class:`DataError` (dims, CF names and the fix) unless ``time_dim`` is a dim."""
        if time_dim not in self._obj.dims:
            raise DataError(missing_time_message(self._obj, time_dim))

    def __repr__(self) -> str:
        d = self.detected_dims()
        head = f"<idff accessor on {type(self._obj).__name__}"
        if isinstance(self._obj, xr.Dataset):
            head += f" (variables {[str(v) for v in self._obj.data_vars]})"
        lines = [head + ">"]
        if d["kind"] == "forecast":
            lines += [
                "  kind:       ensemble forecast",
                "  init/lead/member: init, lead, member",
                f"  state dims: {d['state_dims'] or 'none (scalar)'}",
                "  use:        .idff.evaluate(truth)",
            ]
            return "\n".join(lines)
        if d["time_dim"] is None:
            hint = (f"rename {d['time_guess']!r} to 'time'" if d["time_guess"]
                    else "add a 'time' dimension")
            lines.append(f"  time dim:   NOT FOUND ({hint}); dims {describe_dims(self._obj)}")
        else:
            lines.append(f"  time dim:   {d['time_dim']} ({self._obj.sizes[d['time_dim']]} steps)")
        lines.append(f"  series dim: {d['series_dim'] or 'none (one series)'}")
        lines.append(f"  state dims: {d['state_dims'] or 'none (scalar series)'}")
        lines.append("  use:        .idff.fit(...), .idff.forecast(model=..., horizon=...)")
        return "\n".join(lines)


@xr.register_dataset_accessor("idff")
class IdffDatasetAccessor(_IdffAccessor):
    """``ds.idff``: see :mod:`idff_ts.accessor`."""


@xr.register_dataarray_accessor("idff")
class IdffDataArrayAccessor(_IdffAccessor):
    """``da.idff``: see :mod:`idff_ts.accessor`."""


__all__ = ["IdffDataArrayAccessor", "IdffDatasetAccessor"]
