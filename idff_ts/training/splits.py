"""Training data for :func:`~idff_ts.training.fit.fit`: arrays, train / validation splits and
the normalisation fitted on the training split only."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.data.normalize import Normalizer
from idff_ts.data.series import SeriesInfo, as_series_array
from idff_ts.data.series_checks import check_regular_time
from idff_ts.errors import ConfigError, DataError

VAL_FRACTION = 0.15
"""Share of trajectories (or of time steps) held out for validation when ``val`` is None."""


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """Standardised training / validation series and what describes them."""

    train: np.ndarray
    val: np.ndarray
    info: SeriesInfo
    normalizer: Normalizer
    split: str
    mask: np.ndarray | None = None


def _to_dataarray(obj: Any, what: str) -> xr.DataArray:
    if isinstance(obj, xr.DataArray):
        return obj
    if isinstance(obj, xr.Dataset):
        if len(obj.data_vars) == 1:
            return obj[next(iter(obj.data_vars))]
        raise DataError(
            f"{what}: expected a DataArray, found a Dataset with variables "
            f"{list(obj.data_vars)}; select one, e.g. ds['sst']"
        )
    raise DataError(f"{what}: expected an xarray DataArray, found {type(obj).__name__}")


def _apply_mask_fill(da: xr.DataArray, mask: Any) -> xr.DataArray:
    """Fill masked-out points with 0 (NaN over land is expected there)."""
    if isinstance(mask, xr.DataArray):
        return da.where(mask.astype(bool), 0.0)
    return da


def hold_out(
    array: np.ndarray, info: SeriesInfo, min_length: int, fraction: float = VAL_FRACTION
) -> tuple[np.ndarray, np.ndarray, str]:
    """Split ``(n_series, T, *state)`` into train / val: last trajectories, else last steps."""
    n_series, n_time = array.shape[:2]
    if info.series_dim is not None and n_series >= 2:
        n_val = min(n_series - 1, max(1, round(fraction * n_series)))
        return (
            array[: n_series - n_val],
            array[n_series - n_val :],
            (f"last {n_val} of {n_series} '{info.series_dim}' held out for validation"),
        )
    n_val = max(min_length, round(fraction * n_time))
    if n_time - n_val < min_length:
        raise DataError(
            f"series too short to hold out validation data: {n_time} steps along "
            f"{info.time_dim!r}, need at least {2 * min_length} (context + horizon = {min_length} "
            "for training and for validation); pass val=... or a longer series"
        )
    return (
        array[:, : n_time - n_val],
        array[:, n_time - n_val :],
        (f"last {n_val} of {n_time} '{info.time_dim}' steps held out for validation"),
    )


BLOCK_BYTES = 1 << 28
"""float64 bytes of training data reduced at once by :func:`fit_normalizer` with a mask. A
smaller array is reduced in one call, as always; a larger one (e.g. decades of SST tiles) a
block of time steps at a time, so its float64 temporaries stay about this size."""


def _time_step(arr: np.ndarray) -> int:
    """Time steps per block: all of them when ``arr`` as float64 fits in :data:`BLOCK_BYTES`."""
    if arr.size * 8 <= BLOCK_BYTES:
        return max(1, arr.shape[1])
    return max(1, BLOCK_BYTES // (8 * max(1, arr.size // max(1, arr.shape[1]))))


def standardised(norm: Normalizer, arr: np.ndarray) -> np.ndarray:
    """``norm.transform(arr)`` as float32, computed a block of time steps at a time into one
    array (the same values: the transform is elementwise), without a full-size temporary."""
    out = np.empty(arr.shape, dtype=np.float32)
    step = _time_step(arr)
    for i in range(0, arr.shape[1], step):
        out[:, i : i + step] = norm.transform(arr[:, i : i + step])
    return out


def _masked_sums(train: np.ndarray, w: np.ndarray, axes: tuple[int, ...],
                 mean: np.ndarray | None) -> np.ndarray:
    """Σ w·x (``mean`` None) or Σ w·(x − mean)² over ``axes``, in float64."""
    if mean is None:
        return (train * w).sum(axis=axes, keepdims=True)
    return (((train - mean) ** 2) * w).sum(axis=axes, keepdims=True)


def fit_normalizer(train: np.ndarray, mask: np.ndarray | None) -> Normalizer:
    """Per-variable (channel) mean and std of the training split, valid points only.

    With a mask, arrays of more than :data:`BLOCK_BYTES` (as float64) are reduced a block of
    time steps at a time: the same two-pass formulas, summed block by block (equal to the
    one-call result up to float64 rounding)."""
    if mask is None:
        return Normalizer.fit(train)
    w_state = np.broadcast_to(np.asarray(mask, dtype=np.float64), train.shape[2:])
    axes = tuple(a for a in range(train.ndim) if a != 2)
    step = _time_step(train)
    blocks = [train[:, i : i + step] for i in range(0, train.shape[1], step)]
    weights = [np.broadcast_to(w_state, b.shape) for b in blocks]
    n = np.maximum(sum(w.sum(axis=axes, keepdims=True) for w in weights), 1.0)
    mean = sum(_masked_sums(b, w, axes, None) for b, w in zip(blocks, weights, strict=True)) / n
    var = sum(_masked_sums(b, w, axes, mean) for b, w in zip(blocks, weights, strict=True)) / n
    std = np.sqrt(var)
    return Normalizer(mean=mean[0, 0], std=np.where(std < 1e-6, 1.0, std)[0, 0])


def align_mask(mask: Any, info: SeriesInfo) -> np.ndarray:
    """A float32 mask broadcastable to the state shape; a DataArray is ordered like the state."""
    if isinstance(mask, xr.DataArray):
        extra = [d for d in mask.dims if d not in info.state_dims]
        if extra:
            raise DataError(
                f"mask has dims {list(mask.dims)}, not all among the state dims "
                f"{list(info.state_dims)}; drop or select {extra}"
            )
        mask = mask.transpose(*[d for d in info.state_dims if d in mask.dims]).values
    arr = np.asarray(mask, dtype=np.float32)
    try:
        np.broadcast_to(arr, info.state_shape)
    except ValueError:
        raise DataError(
            f"mask of shape {arr.shape} does not broadcast to the state shape {info.state_shape}"
        ) from None
    return arr


def prepare_data(
    data: Any,
    val: Any,
    context: int,
    horizon: int,
    time_dim: str,
    series_dim: str | None,
    mask: Any,
) -> PreparedData:
    """Arrays, splits and normalisation (step 1–2 of the module docstring)."""
    min_length = context + horizon
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"train", "val", "test"})
        if "train" not in data or unknown:
            raise DataError(
                f"a dict of splits needs a 'train' entry (and optionally 'val', 'test'); found "
                f"keys {sorted(data)}"
            )
        if val is not None and data.get("val") is not None:
            raise ConfigError("validation data given twice: in data['val'] and as val=...")
        train_da, val_da = data["train"], data.get("val") if val is None else val
    else:
        train_da, val_da = data, val
    train_da = _apply_mask_fill(_to_dataarray(train_da, "data"), mask)
    train_arr, info = as_series_array(train_da, time_dim, series_dim, min_length=min_length)
    check_regular_time(train_da, time_dim)
    del train_da  # the mask-filled copy, when train_arr is another one
    if val_da is None:
        train_arr, val_arr, split = hold_out(train_arr, info, min_length)
    else:
        val_da = _apply_mask_fill(_to_dataarray(val_da, "val"), mask)
        val_arr, val_info = as_series_array(
            val_da, time_dim, info.series_dim, min_length=min_length
        )
        check_regular_time(val_da, time_dim)
        if val_info.state_shape != info.state_shape or val_info.state_dims != info.state_dims:
            raise DataError(
                f"validation data have state dims {val_info.state_dims} of shape "
                f"{val_info.state_shape}, training data {info.state_dims} of shape "
                f"{info.state_shape}; they must match"
            )
        split = "validation data given"
    mask_arr = None if mask is None else align_mask(mask, info)
    norm = fit_normalizer(train_arr, mask_arr)
    return PreparedData(
        train=standardised(norm, train_arr),
        val=standardised(norm, val_arr),
        info=info,
        normalizer=norm,
        split=split,
        mask=mask_arr,
    )


__all__ = ["BLOCK_BYTES", "VAL_FRACTION", "PreparedData", "align_mask", "fit_normalizer",
           "hold_out", "prepare_data", "standardised"]
