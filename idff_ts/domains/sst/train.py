"""Train an IDFF UNet on DYffusion SST tiles; the climatology travels inside the checkpoint.

Steps of :func:`fit_sst` (nothing is written before the inputs have been checked):

1. **Tiles.** The archive (files of any layout, a prepared store or an xarray object; see
   :mod:`idff_ts.domains.sst.tiles`) is cut into the protocol's boxes ``sst(time, box, y, x)`` (°C).
2. **Standardisation fitted on the training years only**: a per-pixel harmonic day-of-year
   climatology (:class:`~idff_ts.domains.sst.climatology.HarmonicClimatology`) of the training period;
   train and validation tiles become ``z = (x − μ_H) / σ_H``, land set to 0 (DYffusion's way).
3. **Model**: :func:`idff_ts.fit` with ``series_dim="box"`` (each box is a series; windows never
   straddle boxes), ``context = L``, ``horizon = K``, a UNet (preset ``"demo"`` unless
   ``model`` says otherwise) and the ocean mask in the loss. ``fit`` takes one mask for all
   series, so the loss counts a pixel where it is ocean in *every* box (land and coast of any
   box excluded: < 5 % of the pixels by the ≥ 95 % ocean rule); inputs keep their values
   everywhere except on each box's own land, which is 0. Validation CRPS with
   ``protocol.val_members`` members selects the checkpoint; resumable via ``resume_from``.
4. **Checkpoint**: the returned :class:`~idff_ts.model.Forecaster` carries, in ``assets``, the
   climatology coefficients, the per-box ocean mask and pixel coordinates, and in
   ``data_info["sst"]`` the boxes, tile size, protocol and provenance, so that inference needs
   nothing but the checkpoint and the input day(s). With ``out_dir`` it is written to
   ``out_dir/model.pt`` (+ ``.sha256``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig, from_dict
from idff_ts.domains.sst.climatology import N_HARMONICS, HarmonicClimatology
from idff_ts.domains.sst.dyffusion import BOX_SIZE, day_range
from idff_ts.domains.sst.protocol import DYFFUSION, SSTProtocol
from idff_ts.domains.sst.tiles import as_tiles, ocean_fraction_warning, open_sst_source
from idff_ts.errors import ConfigError, DataError

log = logging.getLogger(__name__)

#: ``data_info["sst"]["kind"]`` of models trained here (how forecasts recognise them).
SST_KIND = "oisst_tiles"
ANOMALY_NAME = "sst_anomaly"


def is_synthetic(da: xr.DataArray) -> bool:
    """Whether the SST carries the synthetic generator's marks (title/dataset attributes)."""
    text = " ".join(str(da.attrs.get(k, "")) for k in ("dataset", "title", "parent_stat"))
    return "SYNTHETIC" in text.upper()


#: Days read or standardised at a time: memory beyond the result stays that of one block.
BLOCK_DAYS = 366


def _time_slice(da: xr.DataArray, sl: slice) -> tuple[slice, ...]:
    return (slice(None),) * da.get_axis_num("time") + (sl,)


def _blocks(n_days: int) -> list[slice]:
    return [slice(i, min(i + BLOCK_DAYS, n_days)) for i in range(0, n_days, BLOCK_DAYS)]


def split_tiles(tiles: xr.DataArray, period: tuple[str, str], name: str) -> xr.DataArray:
    """The days of ``period`` in ``tiles``, loaded a block of days at a time into one array
    (a lazy multi-file archive is never concatenated whole in memory), or a DataError naming
    what is there."""
    lo, hi = day_range(period)
    out = tiles.sel(time=slice(lo, hi))
    if out.sizes["time"] == 0:
        t = tiles.indexes["time"]
        raise DataError(
            f"no day of the {name} period {lo:%Y-%m-%d}..{hi:%Y-%m-%d} in the data, which covers "
            f"{t.min():%Y-%m-%d}..{t.max():%Y-%m-%d}; pass data covering it or change the protocol"
        )
    if out.chunks is None:  # already in memory
        return out.load()
    values = np.empty(out.shape, dtype=out.dtype)
    for sl in _blocks(out.sizes["time"]):
        values[_time_slice(out, sl)] = out.isel(time=sl).values
    return out.copy(data=values)


def standardise_tiles(tiles: xr.DataArray, clim: HarmonicClimatology) -> xr.DataArray:
    """``z`` (float32) with land 0, named ``sst_anomaly``; DataError on missing ocean values.

    Computed a block of :data:`BLOCK_DAYS` days at a time into one float32 array, so the
    climatology's per-day mean and std never exist for the whole period at once."""
    values = np.empty(tiles.shape, dtype=np.float32)
    for sl in _blocks(tiles.sizes["time"]):
        block = clim.transform(tiles.isel(time=sl), fill_land=0.0)
        values[_time_slice(tiles, sl)] = block.transpose(*tiles.dims).values
    bad = ~np.isfinite(values)
    if bad.any():
        days = tiles["time"].values[bad.reshape(bad.shape[0], -1).any(axis=1)]
        raise DataError(
            f"{int(bad.sum())} missing SST values over ocean on {days.size} day(s) "
            f"(first {str(days[0])[:10]}); fill or drop those days"
        )
    return xr.DataArray(values, dims=tiles.dims, coords=tiles.coords, name=ANOMALY_NAME,
                        attrs={"units": "1", "long_name": "standardised SST anomaly",
                               "standardisation": clim.describe()})


def standardised_splits(
    tiles: xr.DataArray, protocol: SSTProtocol, n_harmonics: int
) -> tuple[xr.DataArray, xr.DataArray, HarmonicClimatology]:
    """Training and validation anomalies and the climatology fitted on the training years; the
    raw training tiles are dropped before returning (one copy of the period less in memory)."""
    train_tiles = split_tiles(tiles, protocol.train, "training")
    clim = HarmonicClimatology.fit(train_tiles, period=protocol.train, n_harmonics=n_harmonics)
    z_train = standardise_tiles(train_tiles, clim)
    del train_tiles
    z_val = standardise_tiles(split_tiles(tiles, protocol.val, "validation"), clim)
    return z_train, z_val, clim


def tile_assets(tiles: xr.DataArray, clim: HarmonicClimatology) -> dict[str, np.ndarray]:
    """Arrays stored in the checkpoint: climatology, per-box ocean mask, pixel lat/lon."""
    return {
        **clim.to_tensors(),
        "tile_lat": np.asarray(tiles["lat"].values, dtype=np.float32),
        "tile_lon": np.asarray(tiles["lon"].values, dtype=np.float32),
    }


def _open(data: Any, var: str) -> Any:
    if isinstance(data, str | os.PathLike) or (
        isinstance(data, list | tuple) and all(isinstance(p, str | os.PathLike) for p in data)
    ):
        return open_sst_source(data, var=var)
    return data


def _model_config(model: ModelConfig | Mapping[str, Any] | None) -> Any:
    """``model`` over the UNet preset ``"demo"``; ConfigError for another backbone."""
    from idff_ts.nets.unet import UNET_PRESETS

    if isinstance(model, ModelConfig):
        return model
    model_arg = {**UNET_PRESETS["demo"], **dict(model or {})}
    if model_arg.get("backbone") != "unet":
        raise ConfigError(f"SST tiles need the UNet backbone, got {model_arg.get('backbone')!r}")
    return model_arg


def _sst_info(protocol: SSTProtocol, var: str, clim: HarmonicClimatology, synthetic: bool,
              label: str) -> dict[str, Any]:
    """``data_info["sst"]`` of a model trained here (how forecasts recognise and decode it)."""
    return {
        "kind": SST_KIND,
        "var": var,
        "units": "degC",
        "boxes": [int(b) for b in protocol.boxes],
        "tile_size": BOX_SIZE,
        "climatology": clim.meta(),
        "protocol": protocol.to_dict(),
        "synthetic": bool(synthetic),
        "data": label,
        "loss_mask": "pixels that are ocean in every box (land of any box excluded)",
        "land": "0 after standardising (inputs); NaN in forecasts",
    }


def _save(out_dir: Any, fc: Any, extra: Mapping[str, Any] | None, days: tuple[int, int],
          label: str) -> None:
    from idff_ts.training.checkpoint import read_config, save_checkpoint

    path = Path(out_dir) / "model.pt"
    kept = read_config(path).get("extra", {})
    kept.update(dict(extra or {}))
    kept["sst"] = {"train_days": days[0], "val_days": days[1], "data": label}
    save_checkpoint(path, fc, extra=kept)


def fit_sst(
    data: Any, *, protocol: SSTProtocol = DYFFUSION,
    model: ModelConfig | Mapping[str, Any] | None = None,
    train: TrainConfig | Mapping[str, Any] | None = None, sampler: SamplerConfig | None = None,
    n_harmonics: int = N_HARMONICS, var: str = "sst",
    out_dir: str | os.PathLike[str] | None = None,
    resume_from: str | os.PathLike[str] | None = None, progress: bool = True,
    task: str | None = None, data_label: str | None = None, accelerator: str = "auto",
    devices: Any = "auto", strategy: Any = "auto", num_nodes: int = 1,
    extra: Mapping[str, Any] | None = None,
) -> Any:
    """Train an SST tile forecaster (module docstring) and return the best by validation CRPS.

    ``data``: OISST files (path, folder, glob, list; either layout), a prepared tile store, or
    an xarray object of either layout (or of tiles). ``model`` overrides the UNet preset
    ``"demo"``; ``train``'s ``val_members`` defaults to the protocol's; ``task`` and
    ``data_label`` are recorded in the checkpoint; ``extra`` is more JSON-safe provenance;
    the Lightning arguments pass through. Returns a Forecaster with ``assets`` and
    ``data_info["sst"]`` (and ``data_info["domain"] == "sst"``).
    """
    from idff_ts.training.fit import fit

    tiles = as_tiles(_open(data, var), protocol.boxes, var=var)
    for msg in ocean_fraction_warning(tiles):
        log.warning(msg)
    synthetic = is_synthetic(tiles)
    z_train, z_val, clim = standardised_splits(tiles, protocol, n_harmonics)
    common = clim.ocean.all(axis=0)  # (y, x): ocean in every box
    if not common.any():
        raise DataError("no pixel is ocean in every box; train boxes one at a time")
    train_cfg = train if isinstance(train, TrainConfig) else from_dict(
        TrainConfig, {"val_members": protocol.val_members, **dict(train or {})}
    )
    fc = fit(
        z_train, val=z_val, context=protocol.context, horizon=protocol.horizon,
        model=_model_config(model), train=train_cfg, sampler=sampler, series_dim="box",
        mask=common[None].astype(np.float32), accelerator=accelerator, devices=devices,
        strategy=strategy, num_nodes=num_nodes, out_dir=out_dir, resume_from=resume_from,
        progress=progress,
    )
    label = data_label or (
        "synthetic demo data (idff_ts.domains.sst.synthetic), not NOAA OISST" if synthetic
        else "NOAA OISST v2.1 daily SST"
    )
    fc.assets = tile_assets(tiles, clim)
    fc.data_info = {**fc.data_info, "domain": "sst", "task": task,
                    "sst": _sst_info(protocol, var, clim, synthetic, label)}
    if out_dir is not None:
        days = (int(z_train.sizes["time"]), int(z_val.sizes["time"]))
        _save(out_dir, fc, extra, days, label)
    return fc


def sst_info(fc: Any) -> dict[str, Any] | None:
    """``data_info["sst"]`` of an SST tile forecaster, else None."""
    info = (getattr(fc, "data_info", None) or {}).get("sst")
    return info if isinstance(info, dict) and info.get("kind") == SST_KIND else None


def climatology_of(fc: Any) -> HarmonicClimatology:
    """The climatology stored in an SST tile forecaster's checkpoint."""
    info = sst_info(fc)
    if info is None:
        raise ConfigError("this model is not an SST tile model (no data_info['sst'])")
    boxes = np.asarray(info["boxes"], dtype=np.int64)
    coords: dict[str, Any] = {"box": (("box",), boxes)}
    if "tile_lat" in fc.assets:
        coords["lat"] = (("box", "y"), np.asarray(fc.assets["tile_lat"]))
        coords["lon"] = (("box", "x"), np.asarray(fc.assets["tile_lon"]))
    return HarmonicClimatology.from_tensors(fc.assets, info["climatology"], coords=coords)


def with_protocol(protocol: SSTProtocol, **changes: Any) -> SSTProtocol:
    """``protocol`` with fields changed (boxes as a tuple of ints)."""
    if "boxes" in changes and changes["boxes"] is not None:
        changes["boxes"] = tuple(int(b) for b in changes["boxes"])
    return replace(protocol, **{k: v for k, v in changes.items() if v is not None})


__all__ = [
    "ANOMALY_NAME",
    "SST_KIND",
    "climatology_of",
    "fit_sst",
    "is_synthetic",
    "split_tiles",
    "sst_info",
    "standardise_tiles",
    "tile_assets",
    "with_protocol",
]
