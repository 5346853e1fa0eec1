"""What a trained model records about its data (``data_info``) and the model config derived
from the data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from idff_ts.config import ModelConfig, from_dict
from idff_ts.data.series import SeriesInfo
from idff_ts.errors import ConfigError


def _jsonable(value: Any) -> Any:
    """Plain Python of a coordinate value (numbers, strings; datetimes as ISO strings)."""
    if isinstance(value, np.ndarray):
        return (
            [_jsonable(v) for v in value.tolist()]
            if value.dtype.kind not in "mM"
            else [str(v) for v in value]
        )
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item() if value.dtype.kind not in "mM" else str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def time_step(time: np.ndarray) -> tuple[str, float, str]:
    """``(time_kind, step, units)``: the median spacing, in days for datetimes."""
    t = np.asarray(time)
    if t.dtype.kind == "M":
        step = float(np.median(np.diff(t)) / np.timedelta64(1, "D")) if t.size > 1 else 1.0
        return "datetime", step, "D"
    if t.dtype == object and t.size > 1 and hasattr(t[1] - t[0], "total_seconds"):  # cftime
        diffs = [(b - a).total_seconds() / 86400.0 for a, b in zip(t[:-1], t[1:], strict=True)]
        return "datetime", float(np.median(diffs)), "D"
    if t.size > 1 and t.dtype.kind in "iuf":
        return "numeric", float(np.median(np.diff(t.astype(np.float64)))), "model time"
    return "numeric", 1.0, "model time"


def build_data_info(info: SeriesInfo, context: int) -> dict[str, Any]:
    """The JSON-safe ``data_info`` a Forecaster carries (see the module's users in forecast)."""
    kind, step, units = time_step(info.time)
    coords = {
        dim: _jsonable(info.coords[dim][1])
        for dim in info.state_dims
        if dim in info.coords and tuple(info.coords[dim][0]) == (dim,)
    }
    attrs = info.attrs
    return {
        "name": None if info.name is None else str(info.name),
        "units": _jsonable(attrs.get("units")),
        "long_name": _jsonable(attrs.get("long_name")),
        "state_dims": list(info.state_dims),
        "state_coords": coords,
        "kind": info.kind,
        "time_kind": kind,
        "time_step": step,
        "time_step_units": units,
        "series_dim": info.series_dim,
        "context": int(context),
        "task": None,
    }


def default_backbone(kind: str) -> str:
    """``"mlp"`` for scalars and vectors; ``"unet"`` for fields once it is registered."""
    from idff_ts.nets import BACKBONES

    if kind == "field" and "unet" in BACKBONES:
        return "unet"
    return "mlp"


def resolve_model_config(
    model: ModelConfig | Mapping[str, Any] | None,
    state_shape: tuple[int, ...],
    kind: str,
    context: int,
    horizon: int,
) -> ModelConfig:
    """Data-derived defaults, overridden by ``model``; refuse a config that contradicts the data."""
    derived = {"state_shape": tuple(state_shape), "context": context, "horizon": horizon}
    if isinstance(model, ModelConfig):
        given = {k: getattr(model, k) for k in derived}
        bad = {
            k: (given[k], v)
            for k, v in derived.items()
            if tuple(np.atleast_1d(given[k])) != tuple(np.atleast_1d(v))
        }
        if bad:
            raise ConfigError(
                "model config disagrees with the data / fit arguments: "
                + ", ".join(f"{k}={g} (expected {e})" for k, (g, e) in bad.items())
                + "; pass model as a dict of the fields to change instead"
            )
        return model
    overrides = dict(model or {})
    for k, v in derived.items():
        if k in overrides and tuple(np.atleast_1d(overrides[k])) != tuple(np.atleast_1d(v)):
            raise ConfigError(
                f"model[{k!r}] = {overrides[k]} contradicts the data / fit arguments ({v}); "
                f"drop it (it is derived) or change the {'data' if k == 'state_shape' else k}"
            )
    values = {"backbone": default_backbone(kind), **overrides, **derived}
    return from_dict(ModelConfig, values)


__all__ = ["build_data_info", "default_backbone", "resolve_model_config", "time_step"]
