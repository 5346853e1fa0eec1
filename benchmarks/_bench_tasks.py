"""Task adapters of the benchmark runner: load a task's splits, train a method on it, forecast
and score a split (the same pipeline for every method; evaluation.md §3)."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

#: Metrics of every result file (CRPS ecdf and fair, MSE, MAE, CC of the ensemble mean, SSR).
METRICS = ("crps_ecdf", "crps_fair", "mse", "rmse", "mae", "cc", "ssr")
DEVICE = {"name": "cpu"}


# ------------------------------------------------------------------------------ task adapters
@dataclasses.dataclass
class TaskData:
    """What a run needs of a task: splits, how to fit, forecast and score, and a data version."""

    name: str
    task: Any
    splits: dict[str, Any]
    kind: str  # "vector" | "angles" | "tiles"
    data_version: str
    mask: Any = None  # tiles: DataArray (y, x), True where scored (ocean in every box)


def _array_sha(splits: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for key in ("train", "val", "test"):
        h.update(key.encode())
        h.update(np.ascontiguousarray(np.asarray(splits[key].values, dtype=np.float32)).tobytes())
    return h.hexdigest()


def load_task(name: str, profile: str, data: list[str] | None = None) -> TaskData:
    from idff_ts.tasks import get_task

    if name == "polyala":  # the registered task; the paper profile simulates the paper's sizes
        from idff_ts.domains.md.tasks import polyala_task

        task = polyala_task("paper") if profile == "paper" else get_task(name)
    else:
        task = get_task(name)
    if data and getattr(task, "protocol", None) is not None:  # the user's OISST archive
        from idff_ts.domains.sst.train import split_tiles

        tiles = task.tiles(data if len(data) > 1 else data[0])
        splits = {k: split_tiles(tiles, getattr(task.protocol, k), k) for k in ("train", "val", "test")}
    else:
        splits = task.splits()
    # dihedral tasks (polyala, ala2) mark their data circular: trained as (sin, cos), scored wrapped
    kind = "angles" if splits["train"].attrs.get("circular") else "vector"
    mask = None
    if getattr(task, "protocol", None) is not None:  # SST tiles: standardised anomalies
        splits, mask = standardise_sst(task, splits)
        kind = "tiles"
    version = f"{task.description} | data_seed {task.data_seed} | splits sha256 {_array_sha(splits)[:16]}"
    return TaskData(name, task, splits, kind, version, mask)


def standardise_sst(task: Any, splits: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """SST tiles (°C) → standardised anomalies of the training years' harmonic day-of-year
    climatology, land 0 (exactly the inputs of :func:`idff_ts.domains.sst.train.fit_sst`), and the mask
    of pixels that are ocean in every box (1 = scored)."""
    import xarray as xr

    from idff_ts.domains.sst.climatology import HarmonicClimatology
    from idff_ts.domains.sst.train import standardise_tiles

    clim = HarmonicClimatology.fit(splits["train"], period=task.protocol.train,
                                   n_harmonics=task.n_harmonics)
    z = {k: standardise_tiles(v, clim) for k, v in splits.items()}
    common = np.asarray(clim.ocean).all(axis=0)
    ydim, xdim = z["train"].dims[-2:]
    return z, xr.DataArray(common, dims=(ydim, xdim))


def fit_method(td: TaskData, spec: Any, seed: int, train_over: dict, out_dir: Path,
               model_over: dict | None = None, gamma1: float = 0.0,
               resume_from: Path | None = None) -> Any:
    """Train ``spec``'s method on the task's train split; validation CRPS with ``spec``'s own
    sampler at its reported NFE (``spec.val_nfe``, γ1 ``gamma1``) selects the checkpoint.
    ``model_over`` overrides the task's model config (e.g. ``{"sigma": 2.0}``);
    ``resume_from`` continues a Lightning ``last.ckpt`` of the same training."""
    from idff_ts.config import SamplerConfig
    from idff_ts.domains.registry import get_domain

    task = td.task
    kwargs = dict(
        val=td.splits["val"], context=task.context, horizon=task.horizon,
        model=task.model_config(**(model_over or {})),
        train=task.train_config(**{**train_over, "seed": seed, "val_nfe": spec.val_nfe}),
        sampler=SamplerConfig(nfe=spec.val_nfe, gamma1=gamma1, solver=spec.solver),
        method=spec.method, out_dir=out_dir, progress=False, resume_from=resume_from,
    )
    if td.kind == "angles":
        from idff_ts.domains.md import fit_angles

        return fit_angles(td.splits["train"], **kwargs)
    if td.kind == "tiles":  # as fit_sst: the UNet demo preset, series = boxes, ocean mask
        from idff_ts.nets.unet import UNET_PRESETS

        kwargs["model"] = {**UNET_PRESETS["demo"], **task.model_config(**(model_over or {}))}
        kwargs.update(series_dim="box", mask=td.mask.values[None].astype(np.float32))
    # the generic trainer with the task's config, for every method (a fair contest): tiles are
    # standardised anomalies, not °C (idff_ts.fit would hand them to the SST domain), and a
    # task's dated split (sst-wa4) would otherwise take idff_ts.fit's dated-series path
    return get_domain("series").fit(td.splits["train"], **kwargs)


def forecast_and_score(td: TaskData, model: Any, split: str, members: int, seed: int,
                       stride: int, sampler: Any) -> tuple[Any, dict]:
    import idff_ts

    data = td.splits[split]
    inits = td.task.test_inits(data, stride=stride)
    fc_model = model.with_sampler(**dataclasses.asdict(sampler))
    if td.kind == "angles":
        from idff_ts.domains.md import forecast_angles

        fc = forecast_angles(data, fc_model, horizon=td.task.horizon, members=members, seed=seed,
                             init=inits, device=DEVICE["name"])
        kw: dict[str, Any] = {"distance": "circular"}
    else:
        extra = {"series_dim": "box"} if td.kind == "tiles" else {}
        fc = idff_ts.forecast(data, fc_model, horizon=td.task.horizon, members=members,
                              seed=seed, init=inits, device=DEVICE["name"], **extra)
        kw = {"mask": td.mask} if td.kind == "tiles" else {}
    metrics = [m for m in METRICS if members > 1 or m not in ("crps_fair", "ssr")]
    scores = idff_ts.evaluate(fc, data, metrics=metrics, **kw)
    scores.attrs["score_kwargs"] = list(kw)
    fc.attrs["_score_kw"] = kw  # for per_init_crps (not serialised)
    return fc, scores


def per_init_crps(td: TaskData, fc: Any, split: str = "test") -> list[float]:
    """CRPS (ecdf), mean over leads and points, of each init (for the paired bootstrap)."""
    import idff_ts

    kw = fc.attrs.get("_score_kw", {})
    data = td.splits[split]
    return [float(idff_ts.evaluate(fc.isel(init=[i]), data, metrics=["crps_ecdf"], **kw)
                  ["crps_ecdf_mean"]) for i in range(fc.sizes["init"])]


def training_summary(ckpt: Path, max_epochs: int, patience: int) -> dict[str, Any]:
    """Best epoch, epochs run and whether the step cap was hit, from a checkpoint's history."""
    from idff_ts.training.checkpoint import read_config

    extra = read_config(ckpt).get("extra", {})
    hist = extra.get("val_history", [])
    if not hist:
        return {"best_epoch": None, "epochs_run": 0, "max_epochs": max_epochs, "patience": patience}
    best = min(hist, key=lambda h: h["val_crps"])
    epochs_run = max(h["epoch"] for h in hist) + 1
    return {"best_epoch": int(best["epoch"]), "best_val_crps": float(best["val_crps"]),
            "steps_at_best": int(best["step"]), "epochs_run": int(epochs_run),
            "max_epochs": max_epochs, "patience": patience,
            "cap_hit": bool(epochs_run >= max_epochs),
            "best_is_last": bool(best["epoch"] == epochs_run - 1)}





def score_table(scores: Any) -> tuple[list, dict, dict]:
    """Leads (days or model time), per-lead metrics and their means over leads."""
    leads = [float(v / np.timedelta64(1, "D")) if np.asarray(v).dtype.kind == "m" else float(v)
             for v in scores["lead"].values]
    per_lead = {str(k): [float(x) for x in v.values] for k, v in scores.data_vars.items()
                if v.dims == ("lead",) and not str(k).startswith("n_points")}
    means = {str(k)[: -len("_mean")]: float(v) for k, v in scores.data_vars.items()
             if str(k).endswith("_mean") and v.ndim == 0}
    return leads, per_lead, means
