"""``fit``: from a labelled DataArray to a trained :class:`~idff_ts.model.Forecaster`.

The steps, in order (nothing is written before the inputs have been checked):

1. **Splits.** ``data`` is a DataArray (or ``{"train": …, "val": …}``) with a ``time`` dim. When
   no validation data are given, the last ~15 % of the trajectories (if there is a series dim
   with ≥ 2 entries) or else the last ~15 % of the time steps are held out; they are never
   used for training.
2. **Normalisation** ``z = (y − μ)/s`` fitted on the training split only (per variable /
   channel, valid points only when a mask is given).
3. **Model** defaults derived from the data: ``state_shape`` from the array, ``context`` = L,
   ``horizon`` = K, backbone ``"mlp"`` for scalars and vectors (``"unet"`` for fields once it is
   registered). ``model`` overrides any other field.
4. **Training** with Lightning (:class:`~idff_ts.training.module.ForecastModule`): AdamW,
   gradient clipping, EMA, deterministic seeding, ``accelerator="auto"`` (CPU, GPU, DDP,
   multi-node without code changes); ``ModelCheckpoint`` and ``EarlyStopping`` on ``val_crps``.
5. **Result**: a Forecaster holding the EMA weights of the best checkpoint by ``val_crps``; with
   ``out_dir`` it is also written to ``out_dir/model.pt`` (+ ``.sha256``) and Lightning's
   ``last.ckpt`` stays there for ``resume_from``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import platform
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr

from idff_ts.config import ModelConfig, SamplerConfig, TrainConfig, from_dict, to_dict
from idff_ts.data.normalize import Normalizer
from idff_ts.data.series import SeriesInfo, as_series_array
from idff_ts.errors import ConfigError, DataError
from idff_ts.model import Forecaster, build_method

log = logging.getLogger(__name__)

VAL_FRACTION = 0.15
"""Share of trajectories (or of time steps) held out for validation when ``val`` is None."""


# ------------------------------------------------------------------------------ data handling
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


def fit_normalizer(train: np.ndarray, mask: np.ndarray | None) -> Normalizer:
    """Per-variable (channel) mean and std of the training split, valid points only."""
    if mask is None:
        return Normalizer.fit(train)
    w = np.broadcast_to(np.asarray(mask, dtype=np.float64), train.shape[2:])
    w = np.broadcast_to(w, train.shape)
    axes = tuple(a for a in range(train.ndim) if a != 2)
    n = np.maximum(w.sum(axis=axes, keepdims=True), 1.0)
    mean = (train * w).sum(axis=axes, keepdims=True) / n
    var = (((train - mean) ** 2) * w).sum(axis=axes, keepdims=True) / n
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
    if val_da is None:
        train_arr, val_arr, split = hold_out(train_arr, info, min_length)
    else:
        val_da = _apply_mask_fill(_to_dataarray(val_da, "val"), mask)
        val_arr, val_info = as_series_array(
            val_da, time_dim, info.series_dim, min_length=min_length
        )
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
        train=norm.transform(train_arr).astype(np.float32),
        val=norm.transform(val_arr).astype(np.float32),
        info=info,
        normalizer=norm,
        split=split,
        mask=mask_arr,
    )


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


# --------------------------------------------------------------------------- lightning plumbing
@contextlib.contextmanager
def _quiet_lightning(quiet: bool) -> Iterator[None]:
    """Silence Lightning's info messages and benign warnings; restore torch's global flags."""
    det = torch.are_deterministic_algorithms_enabled()
    det_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    cublas = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
    loggers = [logging.getLogger(n) for n in ("lightning.pytorch", "lightning.fabric", "lightning")]
    levels = [lg.level for lg in loggers]
    try:
        if quiet:
            for lg in loggers:
                lg.setLevel(logging.WARNING)
        with warnings.catch_warnings():
            for pattern in (
                ".*does not have many workers.*",
                ".*number of training batches.*is smaller than the logging interval.*",
                ".*Checkpoint directory .* exists and is not empty.*",
                ".*`isinstance\\(treespec, LeafSpec\\)` is deprecated.*",
                ".*module\\(s\\) in eval mode at the start of training.*",  # the EMA shadow
            ):
                warnings.filterwarnings("ignore", message=pattern)
            yield
    finally:
        for lg, lvl in zip(loggers, levels, strict=True):
            lg.setLevel(lvl)
        torch.use_deterministic_algorithms(det, warn_only=det_warn)
        if cublas is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
        else:
            os.environ["CUBLAS_WORKSPACE_CONFIG"] = cublas


def _progress_callbacks(progress: bool) -> tuple[bool, list[Any]]:
    """Lightning's rich progress bar on a TTY when ``progress``; no bar otherwise."""
    enabled = bool(progress) and sys.stderr.isatty()
    if not enabled:
        return False, []
    try:
        from lightning.pytorch.callbacks import RichProgressBar

        return True, [RichProgressBar()]
    except Exception:  # noqa: BLE001 - rich missing: Lightning's default tqdm bar
        return True, []


def _best_ema_callback(checkpoint: Any) -> Any:
    """A callback that, at the end of fit, holds the EMA weights of ``checkpoint``'s best file.

    Rank 0 reads the file (``weights_only=True``) and broadcasts the weights, so every rank
    returns the same model even when the checkpoint directory is local to rank 0's node.
    """
    from lightning.pytorch.callbacks import Callback

    from idff_ts.training.module import ema_state_from_lightning

    class BestEMA(Callback):
        def __init__(self) -> None:
            self.state: dict[str, torch.Tensor] | None = None
            self.path = ""
            self.score: float | None = None

        def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
            path = checkpoint.best_model_path or ""
            payload = None
            if trainer.is_global_zero and path and os.path.isfile(path):
                raw = torch.load(path, map_location="cpu", weights_only=True)
                payload = ema_state_from_lightning(raw["state_dict"])
            if trainer.world_size > 1:
                payload = trainer.strategy.broadcast(payload, src=0)
            if payload is None:  # no validation ran: the current EMA weights
                payload = {
                    k: v.detach().cpu().clone()
                    for k, v in pl_module.ema.shadow.state_dict().items()
                }
            self.state = payload
            self.path = path
            score = checkpoint.best_model_score
            self.score = None if score is None else float(score)

    return BestEMA()


def build_trainer(
    train: TrainConfig,
    ckpt_dir: Path,
    logger: Any,
    *,
    accelerator: str,
    devices: Any,
    strategy: Any,
    num_nodes: int,
    progress: bool,
    callbacks: Sequence[Any] | None,
) -> tuple[Any, Any]:
    """The Lightning Trainer of :func:`fit` and the callback that collects the best EMA weights.

    Checkpoints: ``best-epoch=NNN.ckpt`` (lowest ``val_crps``, model selection) and
    ``last.ckpt`` after every completed epoch (for ``resume_from``; Lightning's own
    ``save_last`` only writes when the monitored metric improved). Early stopping on
    ``val_crps``; gradient-norm clipping; no sanity validation (the validation ensemble is the
    expensive part and runs after every epoch anyway).
    """
    import lightning as L
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    best_ckpt = ModelCheckpoint(
        dirpath=str(ckpt_dir),
        filename="best-{epoch:03d}",
        monitor="val_crps",
        mode="min",
        save_top_k=1,
        enable_version_counter=False,
    )
    last_ckpt = ModelCheckpoint(
        dirpath=str(ckpt_dir),
        filename="last",
        monitor=None,
        save_top_k=1,
        save_on_train_epoch_end=True,
        enable_version_counter=False,
    )
    best = _best_ema_callback(best_ckpt)
    bar, bar_callbacks = _progress_callbacks(progress)
    trainer = L.Trainer(
        accelerator=accelerator,
        devices=devices,
        strategy=strategy,
        num_nodes=num_nodes,
        max_epochs=train.max_epochs,
        gradient_clip_val=train.grad_clip or None,
        gradient_clip_algorithm="norm",
        deterministic=train.deterministic,
        precision=train.precision,
        limit_train_batches=train.limit_train_batches,
        check_val_every_n_epoch=train.check_val_every_n_epoch,
        log_every_n_steps=max(1, train.log_every_n_steps),
        num_sanity_val_steps=0,
        inference_mode=False,  # the γ2 sampler term takes JVPs during validation
        logger=logger,
        enable_progress_bar=bar,
        enable_model_summary=bar,
        default_root_dir=str(ckpt_dir),
        callbacks=[
            best_ckpt,
            last_ckpt,
            EarlyStopping(monitor="val_crps", mode="min", patience=train.patience),
            best,
            *bar_callbacks,
            *(callbacks or []),
        ],
    )
    return trainer, best


def _provenance() -> dict[str, Any]:
    import lightning

    return {
        "torch": torch.__version__,
        "lightning": lightning.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


# ------------------------------------------------------------------------------------- fit
def fit(
    data: xr.DataArray | Mapping[str, xr.DataArray],
    *,
    val: xr.DataArray | None = None,
    context: int = 1,
    horizon: int = 7,
    model: ModelConfig | Mapping[str, Any] | None = None,
    train: TrainConfig | Mapping[str, Any] | None = None,
    sampler: SamplerConfig | None = None,
    time_dim: str = "time",
    series_dim: str | None = None,
    mask: np.ndarray | xr.DataArray | None = None,
    accelerator: str = "auto",
    devices: int | str | Sequence[int] = "auto",
    strategy: str | Any = "auto",
    num_nodes: int = 1,
    out_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
    progress: bool = True,
    callbacks: Sequence[Any] | None = None,
    method: str = "idff",
) -> Forecaster:
    """Train a forecaster on ``data`` and return the best one by validation CRPS.

    Args:
        data: a DataArray with a ``time_dim`` (scalar series, vector per step, or field), or a
            dict ``{"train": da, "val": da}``.
        val: validation data; ``None`` holds out the last ~15 % of trajectories (series dim
            present) or of time steps — never used for training.
        context, horizon: ``L`` past states seen, ``K`` future slots trained and validated.
        model: a full :class:`ModelConfig`, or a dict of fields overriding the data-derived
            defaults (``state_shape``, ``context``, ``horizon`` always come from the data).
        train: :class:`TrainConfig` (or dict of its fields); ``seed`` seeds everything.
        sampler: sampler defaults stored with the model (validation uses ``train.val_nfe``).
        time_dim, series_dim: see :func:`idff_ts.data.series.as_series_array`.
        mask: static mask (1 = valid) broadcastable to the state; masked points never count.
        accelerator, devices, strategy, num_nodes: passed to ``lightning.Trainer``.
        out_dir: where ``model.pt`` (+ ``.sha256``), ``last.ckpt``, the best Lightning
            checkpoint and CSV logs (``logs/``) go. ``None``: nothing is kept.
        resume_from: a Lightning checkpoint (``out_dir/last.ckpt``) to continue from; epochs,
            step counter, optimiser, EMA and early-stopping state are restored.
        progress: Lightning's progress bar (rich) and summaries on a TTY; quiet otherwise.
        callbacks: extra Lightning callbacks.
        method: a registered method name (:data:`idff_ts.methods.METHODS`).

    Returns:
        A :class:`Forecaster` with the EMA weights of the best checkpoint, the training
        normalisation and ``data_info``.

    Angles (a DataArray with an ``angle`` dim and ``attrs["circular"]``, e.g. from
    :func:`idff_ts.domains.md.load_dihedrals`) are trained on their ``(sin, cos)`` features through
    :func:`idff_ts.domains.md.fit_angles`; forecasts of that model come back in degrees.
    """
    from idff_ts.domains.md.angles import is_angle_data
    from idff_ts.domains.md.forecast import fit_angles

    first = data.get("train") if isinstance(data, Mapping) else data
    if is_angle_data(first):  # method.md §6: the model never sees raw degrees
        if mask is not None:
            raise ConfigError("mask= is not supported for angle data (sin/cos features)")
        return fit_angles(
            data, val=val, context=context, horizon=horizon, model=model, train=train,
            sampler=sampler, time_dim=time_dim, series_dim=series_dim, accelerator=accelerator,
            devices=devices, strategy=strategy, num_nodes=num_nodes, out_dir=out_dir,
            resume_from=resume_from, progress=progress, callbacks=callbacks, method=method,
        )
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger

    from idff_ts.training.datamodule import SeriesDataModule
    from idff_ts.training.module import ForecastModule

    train_cfg = (
        train if isinstance(train, TrainConfig) else from_dict(TrainConfig, dict(train or {}))
    )
    sampler_cfg = sampler or SamplerConfig()
    if resume_from is not None and not Path(resume_from).is_file():
        raise ConfigError(f"resume_from: checkpoint not found: {resume_from}")

    prepared = prepare_data(data, val, context, horizon, time_dim, series_dim, mask)
    cfg = resolve_model_config(
        model, prepared.train.shape[2:], prepared.info.kind, context, horizon
    )
    data_info = build_data_info(prepared.info, context)
    probe = build_method(method, cfg)
    if not probe.trainable:  # reference forecasts: set from the training data, no Lightning
        return _fit_reference(probe, prepared, sampler_cfg, data_info, out_dir)

    quiet = not (progress and sys.stderr.isatty())
    with _quiet_lightning(quiet), contextlib.ExitStack() as stack:
        L.seed_everything(train_cfg.seed, workers=True, verbose=False)
        mask_t = None if prepared.mask is None else torch.from_numpy(prepared.mask)
        module = ForecastModule(build_method(method, cfg), train_cfg, sampler_cfg, mask=mask_t)
        dm = SeriesDataModule(
            prepared.train,
            prepared.val,
            context,
            horizon,
            batch_size=train_cfg.batch_size,
            val_inits=train_cfg.val_inits,
            val_batch_size=train_cfg.val_batch_size,
            seed=train_cfg.seed,
            num_workers=train_cfg.num_workers,
            stride=train_cfg.stride,
        )
        if out_dir is not None:
            ckpt_dir = Path(out_dir)
            ckpt_dir.mkdir(parents=True, exist_ok=True)
            logger: Any = CSVLogger(save_dir=str(ckpt_dir), name="logs")
        else:
            ckpt_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="idff-fit-")))
            logger = False
        trainer, best = build_trainer(
            train_cfg,
            ckpt_dir,
            logger,
            accelerator=accelerator,
            devices=devices,
            strategy=strategy,
            num_nodes=num_nodes,
            progress=progress,
            callbacks=callbacks,
        )
        trainer.fit(
            module,
            datamodule=dm,
            ckpt_path=None if resume_from is None else str(resume_from),
            weights_only=True if resume_from is not None else None,
        )
        assert best.state is not None
        final = build_method(method, cfg)
        final.load_state_dict(best.state)
        final.eval()
        forecaster = Forecaster(
            method=final,
            mean=prepared.normalizer.mean.astype(np.float32),
            std=prepared.normalizer.std.astype(np.float32),
            sampler=sampler_cfg,
            data_info=data_info,
        )
        if out_dir is not None:
            extra = {
                "train": to_dict(train_cfg),
                "split": prepared.split,
                "normalizer": prepared.normalizer.to_dict(),
                "best_checkpoint": os.path.basename(best.path),
                "best_val_crps": best.score,
                "global_step": int(trainer.global_step),
                "epochs": int(trainer.current_epoch),
                "world_size": int(trainer.world_size),
                "val_history": module.val_history,
                "resumed_from": None if resume_from is None else str(resume_from),
                "versions": _provenance(),
            }
            digest = None
            if trainer.is_global_zero:
                from idff_ts.training.checkpoint import save_checkpoint

                digest = save_checkpoint(Path(out_dir) / "model.pt", forecaster, extra=extra)
            if trainer.world_size > 1:
                digest = trainer.strategy.broadcast(digest, src=0)
            forecaster.sha256 = digest
        if best.score is not None and not math.isfinite(best.score):
            log.warning("best val_crps is not finite (%s): training diverged", best.score)
    return forecaster


def _fit_reference(
    method: Any, prepared: PreparedData, sampler: SamplerConfig, data_info: dict[str, Any],
    out_dir: str | Path | None,
) -> Forecaster:
    """A reference forecast (persistence, climatology) set from the standardised training data."""
    method.fit_reference(torch.from_numpy(prepared.train))
    method.eval()
    forecaster = Forecaster(
        method=method,
        mean=prepared.normalizer.mean.astype(np.float32),
        std=prepared.normalizer.std.astype(np.float32),
        sampler=sampler,
        data_info=data_info,
    )
    if out_dir is not None:
        from idff_ts.training.checkpoint import save_checkpoint

        extra = {"split": prepared.split, "normalizer": prepared.normalizer.to_dict(),
                 "versions": _provenance()}
        save_checkpoint(Path(out_dir) / "model.pt", forecaster, extra=extra)
    return forecaster


__all__ = [
    "PreparedData",
    "align_mask",
    "build_trainer",
    "build_data_info",
    "default_backbone",
    "fit",
    "fit_normalizer",
    "hold_out",
    "prepare_data",
    "resolve_model_config",
    "time_step",
]
