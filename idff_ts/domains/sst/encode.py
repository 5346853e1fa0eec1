"""SST forecast inputs: physical OISST → standardised anomaly context windows of the model.

The encode half of :func:`~idff_ts.domains.sst.forecast.forecast_sst`: pick the model's boxes
(or a subset), resolve the init days, take the ``L``-day input window ending at each init,
check it is complete over ocean, and standardise with the checkpoint's climatology,
``z = (x − μ_H) / σ_H`` with land 0 (DYffusion's way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from idff_ts.domains.sst.climatology import HarmonicClimatology
from idff_ts.domains.sst.dyffusion.boxes import BOX_SIZE, box_bounds
from idff_ts.domains.sst.tiles import as_tiles
from idff_ts.errors import CheckpointError, ConfigError, DataError

if TYPE_CHECKING:
    from idff_ts.domains.base import ForecastRequest
    from idff_ts.forecasting.ensemble import Encoded
    from idff_ts.model import Forecaster


def fmt_day(t: Any) -> str:
    """``YYYY-MM-DD`` of a timestamp."""
    return f"{pd.Timestamp(t):%Y-%m-%d}"


def _as_list(init: Any) -> list[Any]:
    if isinstance(init, str) or not isinstance(init, Sequence | np.ndarray | pd.Index):
        return [init]
    return list(init)


def resolve_inits(init: Any, days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The init days asked for (default: the latest day), each inside the data's span."""
    if init is None or (isinstance(init, str) and init.strip().lower() == "last"):
        return pd.DatetimeIndex([days[-1]])
    values = _as_list(init)
    if not values:
        raise ConfigError("init is empty; pass at least one date (or None for the latest day)")
    out = []
    for v in values:
        try:
            t = pd.Timestamp(v)
        except (ValueError, TypeError):
            raise DataError(f"init {v!r} is not a date; expected e.g. 2020-06-01") from None
        if t != t.floor("D"):
            t = t.floor("D")
        if t < days[0] or t > days[-1]:
            raise DataError(
                f"init {fmt_day(t)} is outside the archive, which covers {fmt_day(days[0])}.."
                f"{fmt_day(days[-1])}; choose an init date inside it (default: the latest day)"
            )
        out.append(t)
    idx = pd.DatetimeIndex(out)
    if idx.has_duplicates:
        raise ConfigError(f"init holds duplicated dates: {[fmt_day(t) for t in out]}")
    return idx


def window_positions(days: pd.DatetimeIndex, inits: pd.DatetimeIndex, n_ctx: int) -> np.ndarray:
    """Indices ``(I, L)`` of the input days; DataError naming any missing day."""
    rows = np.empty((inits.size, n_ctx), dtype=np.int64)
    for i, t in enumerate(inits):
        window = pd.date_range(t - pd.Timedelta(days=n_ctx - 1), t, freq="D")
        pos = days.get_indexer(window)
        if (pos < 0).any():
            missing = [fmt_day(d) for d, p in zip(window, pos, strict=True) if p < 0]
            raise DataError(
                f"missing day(s) in the input window of init {fmt_day(t)}: {', '.join(missing)} "
                f"(the model needs {n_ctx} consecutive day(s) ending at the init); add the "
                "file(s) for those days or choose another init"
            )
        rows[i] = pos
    return rows


def check_tile_model(fc: Forecaster, info: dict[str, Any]) -> None:
    """CheckpointError unless ``fc`` forecasts 1 × 60 × 60 DYffusion tiles."""
    shape = tuple(int(s) for s in fc.cfg.state_shape)
    size = int(info.get("tile_size", BOX_SIZE))
    if len(shape) != 3 or shape[0] != 1 or shape[1:] != (size, size) or size != BOX_SIZE:
        raise CheckpointError(
            f"this checkpoint was trained on tiles of state shape {shape} (tile size {size}); "
            f"OISST DYffusion tiles are 1 × {BOX_SIZE} × {BOX_SIZE} points. Use a checkpoint "
            "trained on 60 × 60 tiles (idff-ts train --task sst or sst-demo)"
        )


def resolve_boxes(boxes: Sequence[int] | None, info: dict[str, Any]) -> list[int]:
    """``boxes`` (default: all the model's), each one the checkpoint has a climatology for."""
    model_boxes = [int(b) for b in info["boxes"]]
    if boxes is None:
        return model_boxes
    wanted = [int(b) for b in boxes]
    for b in wanted:
        box_bounds(b)  # ConfigError for an index outside 0..191
    unknown = [b for b in wanted if b not in model_boxes]
    if unknown:
        raise ConfigError(
            f"boxes {unknown} are not among the checkpoint's boxes {model_boxes} (its climatology "
            "covers those only); choose among them or train a model for these boxes"
        )
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"duplicated boxes in {wanted}")
    return wanted


def box_climatology(clim_all: HarmonicClimatology, sel: list[int]) -> HarmonicClimatology:
    """The climatology of the boxes at positions ``sel`` of the checkpoint's box list."""
    return HarmonicClimatology(
        mean_coef=clim_all.mean_coef[:, sel], var_coef=clim_all.var_coef[:, sel],
        ocean=clim_all.ocean[sel], space_dims=clim_all.space_dims, coords={},
        period=clim_all.period, n_harmonics=clim_all.n_harmonics, min_std=clim_all.min_std,
        units=clim_all.units,
    )


@dataclass(frozen=True)
class EncodedInput:
    """Model-ready context windows and what decoding needs.

    Attributes:
        context: ``(I·B, L, 1, H, W)`` float32 standardised anomalies (land 0), init-major.
        inits: the init days ``I``.
        boxes: the ``B`` box indices.
        clim: the climatology of those boxes (ocean mask ``(B, H, W)`` inside).
    """

    context: np.ndarray
    inits: pd.DatetimeIndex
    boxes: list[int]
    clim: HarmonicClimatology


def _standardised_windows(
    tiles: Any, day_index: pd.DatetimeIndex, rows: np.ndarray, clim: HarmonicClimatology
) -> np.ndarray:
    """``z`` of the input days ``(I, L, B, H, W)``; DataError on a missing ocean value."""
    needed, inverse = np.unique(rows, return_inverse=True)
    window = np.asarray(tiles.isel(time=needed).values, dtype=np.float32)  # (T', B, H, W)
    ocean = clim.ocean  # (B, H, W)
    missing = ~np.isfinite(window) & ocean[None]
    if missing.any():
        bad_days = [fmt_day(day_index[needed[i]]) for i in np.flatnonzero(missing.any((1, 2, 3)))]
        raise DataError(
            f"the input window holds {int(missing.sum())} missing SST value(s) over ocean on "
            f"{', '.join(bad_days[:5])}; the model needs complete input days (choose another init)"
        )
    mean_in, std_in = clim.at_dates(day_index[needed].values)  # (T', B, H, W)
    z_in = np.where(ocean[None], (window - mean_in) / std_in, 0.0).astype(np.float32)
    return z_in[inverse.reshape(rows.shape)]


def encode_inputs(
    data: Any, clim: HarmonicClimatology, boxes: list[int], *, var: str, init: Any, n_ctx: int
) -> EncodedInput:
    """Cut ``boxes`` out of ``data``, take the windows ending at ``init``, standardise them."""
    tiles = as_tiles(data, boxes, var=var)
    day_index = pd.DatetimeIndex(tiles.indexes["time"]).floor("D")
    if day_index.size == 0:
        raise DataError("the input holds no day of SST")
    inits = resolve_inits(init, day_index)
    rows = window_positions(day_index, inits, n_ctx)  # (I, L)
    z_in = _standardised_windows(tiles, day_index, rows, clim)  # (I, L, B, H, W)
    context = np.moveaxis(z_in, 2, 1).reshape(inits.size * len(boxes), n_ctx, 1, BOX_SIZE,
                                               BOX_SIZE)
    return EncodedInput(context=context, inits=inits, boxes=boxes, clim=clim)


def encode_request(data: Any, model: Forecaster, request: ForecastRequest) -> Encoded:
    """The domain's ``encode``: check the model and options, then :func:`encode_inputs`.

    ``Encoded.meta`` holds the :class:`EncodedInput` (``"tiles"``), the positions of the boxes
    in the checkpoint's list (``"sel"``) and ``data_info["sst"]`` (``"info"``).
    """
    from idff_ts.domains.sst.precision import precision_digits
    from idff_ts.domains.sst.train import climatology_of, sst_info
    from idff_ts.forecasting.ensemble import Encoded
    from idff_ts.forecasting.options import resolve_horizon

    unknown = sorted(set(request.options) - {"boxes", "precision"})
    if unknown:
        raise ConfigError(
            f"unknown option(s) {unknown} for SST tile models; expected boxes= or precision="
        )
    digits = precision_digits(request.options.get("precision"))
    info = sst_info(model)
    if info is None:
        raise ConfigError("this model is not an SST tile model (trained by fit_sst)")
    check_tile_model(model, info)
    box_list = resolve_boxes(request.options.get("boxes"), info)
    k_slots = resolve_horizon(request.horizon, request.days, "datetime", 1.0,
                              int(model.cfg.horizon))
    sel = [list(info["boxes"]).index(b) for b in box_list]
    enc = encode_inputs(
        data, box_climatology(climatology_of(model), sel), box_list,
        var=request.var or str(info.get("var", "sst")), init=request.init,
        n_ctx=int(model.cfg.context),
    )
    return Encoded(context=enc.context, horizon=k_slots,
                   meta={"tiles": enc, "sel": sel, "info": info, "digits": digits})


__all__ = [
    "EncodedInput",
    "encode_request",
    "box_climatology",
    "check_tile_model",
    "encode_inputs",
    "fmt_day",
    "resolve_boxes",
    "resolve_inits",
    "window_positions",
]
