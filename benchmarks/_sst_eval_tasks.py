"""The two tasks of ``sst_eval.py``: the bundled demo checkpoint on ``sst-demo`` and an IDFF
trained on ``sst-wa4``, each scored with persistence and climatology beside it."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("sst_eval")
METRICS = ("crps_ecdf", "crps_fair", "mse", "rmse", "ssr")
NFE_GRID = (1, 2, 3, 5, 10)


def _sha_arrays(*arrays: Any) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a, dtype=np.float32)).tobytes())
    return h.hexdigest()


def _table(scores: Any) -> dict[str, Any]:
    """Per-lead lists and means over leads of the metrics present in ``scores``."""
    lead = scores["lead"].values
    leads = ([float(v / np.timedelta64(1, "D")) for v in lead] if lead.dtype.kind == "m"
             else [float(v) for v in lead])
    per_lead = {m: [float(x) for x in scores[m].values] for m in METRICS if m in scores}
    means = {m: float(scores[f"{m}_mean"]) for m in METRICS if f"{m}_mean" in scores}
    return {"leads": leads, "per_lead": per_lead, "mean_over_leads": means,
            "n_points_per_lead": [int(x) for x in scores["n_points"].values]}


def _score(fc: Any, truth: Any, members: int, **kw: Any) -> dict[str, Any]:
    import idff_ts

    metrics = [m for m in METRICS if members > 1 or m not in ("crps_fair", "ssr")]
    return _table(idff_ts.evaluate(fc, truth, metrics=metrics, **kw))


# ------------------------------------------------------------------------------ sst-demo
def eval_demo(cfg: dict[str, Any], seed: int) -> dict[str, Any]:
    import pandas as pd

    from idff_ts.domains.sst.demo import demo_archive, demo_archive_files, demo_checkpoint
    from idff_ts.domains.sst.forecast import forecast_sst
    from idff_ts.domains.sst.tiles import as_tiles, open_sst_source
    from idff_ts.domains.sst.train import climatology_of, split_tiles
    from idff_ts.methods.reference import climatology_like, persistence_like
    from idff_ts.tasks import get_task
    from idff_ts.training.checkpoint import load_checkpoint

    task = get_task("sst-demo")
    p = task.protocol
    t0 = time.perf_counter()
    model = load_checkpoint(demo_checkpoint())
    clim = climatology_of(model)
    test_files = demo_archive_files()
    test = split_tiles(as_tiles(open_sst_source(test_files), list(p.boxes)), p.test, "test")
    truth = clim.transform(test).rename("sst_anomaly")
    # training anomalies for the climatology reference (the regenerated 2010-2018 archive)
    train = split_tiles(as_tiles(open_sst_source(demo_archive()), list(p.boxes)), p.train, "train")
    train_z = clim.transform(train).rename("sst_anomaly")
    t_data = time.perf_counter() - t0
    inits = task.test_inits(test, stride=cfg["demo_stride"])
    members = cfg["demo_members"]
    t0 = time.perf_counter()
    fc = forecast_sst(test, model, init=list(inits), members=members, seed=seed, device="cpu")
    t_fc = time.perf_counter() - t0
    z = fc[["sst_anomaly"]]
    mask = fc["mask"].reset_coords(drop=True) if "mask" in fc.coords else None
    if mask is not None:
        z = z.drop_vars("mask")
    kw = {"mask": mask}
    res: dict[str, Any] = {}
    t0 = time.perf_counter()
    res["idff"] = _score(z, truth, members, **kw)
    pers = persistence_like(z, truth, var="sst_anomaly")
    res["persistence"] = _score(pers, truth, 1, **kw)
    clim_fc = climatology_like(z, train_z, members=members, seed=seed, var="sst_anomaly")
    res["climatology"] = _score(clim_fc, truth, members, **kw)
    t_score = time.perf_counter() - t0
    return {
        "task": "sst-demo",
        "data": "SYNTHETIC DEMO DATA (idff_ts.domains.sst.synthetic, seed 0), not NOAA OISST",
        "split": f"test {p.test[0]}..{p.test[1]} (bundled sst.day.mean.2020.nc)",
        "boxes": [int(b) for b in p.boxes],
        "units": "standardised SST anomaly (checkpoint's harmonic day-of-year climatology, "
                 "fitted on the training years 2010-2018)",
        "checkpoint": "idff_ts/assets/sst_demo/demo_model.pt (bundled)",
        "checkpoint_sha256": model.sha256,
        "model_selection": "checkpoint by validation CRPS (2019), sampler NFE on 2019 "
                           "(datasets/sst_demo/build_demo.py, model_card.json)",
        "sampler": {"nfe": model.sampler.nfe, "gamma1": model.sampler.gamma1,
                    "gamma2": model.sampler.gamma2},
        "n_parameters": int(sum(q.numel() for q in model.method.parameters())),
        "members": members, "seed": seed,
        "n_inits": int(len(inits)), "init_stride_days": cfg["demo_stride"],
        "inits": [f"{pd.Timestamp(t):%Y-%m-%d}" for t in inits],
        "nfe_counted_per_slot": int(fc.attrs["nfe_counted"]),
        "network_calls": int(fc.attrs["network_calls"]),
        "data_version": "test file sha256 " + _sha_file(test_files[0])[:16]
                        + f" | truth anomalies sha256 {_sha_arrays(truth.values)[:16]}",
        "climatology_pool": f"{train_z.sizes['time']} training days x {len(p.boxes)} boxes",
        "wall_s": {"data": t_data, "forecast": t_fc, "score": t_score},
        "scores": res,
    }


def _sha_file(path: Path) -> str:
    from idff_ts.training.checkpoint import sha256_file

    return sha256_file(path)


# ------------------------------------------------------------------------------- sst-wa4
def _training_extra(path: Path) -> dict[str, Any]:
    """Best validation CRPS, epochs, steps and the validation history of a saved checkpoint."""
    from idff_ts.training.checkpoint import read_config

    extra = read_config(path).get("extra", {})
    return {k: extra.get(k) for k in ("best_val_crps", "best_checkpoint", "epochs", "global_step",
                                      "val_history")}


def eval_wa4(cfg: dict[str, Any], seed: int, work: Path) -> dict[str, Any]:
    import dataclasses

    import pandas as pd

    import idff_ts
    from idff_ts.methods.reference import climatology_like, persistence_like
    from idff_ts.tasks import get_task, hindcast_inits

    task = get_task("sst-wa4")
    splits = task.splits()
    train, val, test = splits["train"], splits["val"], splits["test"]
    t0 = time.perf_counter()
    from idff_ts.domains.registry import get_domain

    # the task's protocol: the generic trainer (idff_ts.fit would take the dated-series path)
    model = get_domain("series").fit(
        train, val=val, context=task.context, horizon=task.horizon, model=task.model_config(),
        train=task.train_config(seed=seed, **cfg["wa4_train"]), out_dir=work / "sst-wa4",
        progress=False, accelerator="cpu", devices=1,
    )
    t_train = time.perf_counter() - t0
    # sampler NFE on validation only: the fewest calls within 1 % of the best CRPS
    val_inits = hindcast_inits(val, task.context, task.horizon, 1)
    pick = np.unique(np.linspace(0, len(val_inits) - 1, cfg["wa4_val_inits"]).round().astype(int))
    val_inits = val_inits[pick]
    val_members = min(20, cfg["wa4_members"])
    val_scores = {}
    t0 = time.perf_counter()
    for nfe in NFE_GRID:
        fc = idff_ts.forecast(val, model.with_sampler(nfe=nfe), horizon=task.horizon,
                              members=val_members, seed=seed, init=val_inits, device="cpu")
        val_scores[nfe] = float(idff_ts.evaluate(fc, val, metrics=["crps_ecdf"])["crps_ecdf_mean"])
    best = min(val_scores.values())
    nfe = min(n for n, v in val_scores.items() if v <= 1.01 * best)
    model = model.with_sampler(nfe=nfe)
    t_val = time.perf_counter() - t0

    inits = task.test_inits(test, stride=cfg["wa4_stride"])
    members = cfg["wa4_members"]
    t0 = time.perf_counter()
    fc = idff_ts.forecast(test, model, horizon=task.horizon, members=members, seed=seed,
                          init=inits, device="cpu")
    t_fc = time.perf_counter() - t0
    name = str(next(iter(fc.data_vars)))
    res: dict[str, Any] = {}
    t0 = time.perf_counter()
    res["idff"] = _score(fc, test, members)
    res["persistence"] = _score(persistence_like(fc, test, var=name), test, 1)
    res["climatology"] = _score(climatology_like(fc, train, members=members, seed=seed, var=name),
                                test, members)
    t_score = time.perf_counter() - t0
    return {
        "task": "sst-wa4",
        "data": "NOAA OISST v2.1, 4 pixels off Western Australia "
                f"({test.attrs.get('source', 'oisst_wa_4px_1982_2022.csv')})",
        "split": "train 1982-2018 / val 2019 / test 2020 (DYffusion splits); scored on test",
        "units": "standardised SST anomaly (per-pixel day-of-year mean/std, training years only)",
        "checkpoint": str(work / "sst-wa4" / "model.pt") + " (not committed)",
        "checkpoint_sha256": model.sha256,
        "model_selection": "checkpoint by validation CRPS during training (val 2019); sampler "
                           f"NFE from {list(NFE_GRID)} on {len(val_inits)} val inits x "
                           f"{val_members} members (fewest calls within 1 % of the best)",
        "val_crps_ecdf_by_nfe": {str(k): v for k, v in val_scores.items()},
        "sampler": {"nfe": model.sampler.nfe, "gamma1": model.sampler.gamma1,
                    "gamma2": model.sampler.gamma2},
        "model": {k: (list(v) if isinstance(v, tuple) else v)
                  for k, v in dataclasses.asdict(model.cfg).items()},
        "train_config": {**task.train, **cfg["wa4_train"], "seed": seed},
        "training": _training_extra(work / "sst-wa4" / "model.pt"),
        "n_parameters": int(sum(q.numel() for q in model.method.parameters())),
        "members": members, "seed": seed,
        "n_inits": int(len(inits)), "init_stride_days": cfg["wa4_stride"],
        "inits_span": [f"{pd.Timestamp(inits[0]):%Y-%m-%d}", f"{pd.Timestamp(inits[-1]):%Y-%m-%d}"],
        "nfe_counted_per_slot": int(fc.attrs["nfe_counted"]),
        "network_calls": int(fc.attrs["network_calls"]),
        "data_version": f"{task.description} | splits sha256 "
                        f"{_sha_arrays(train.values, val.values, test.values)[:16]}",
        "wall_s": {"train": t_train, "nfe_selection": t_val, "forecast": t_fc, "score": t_score},
        "scores": res,
    }


__all__ = ["METRICS", "NFE_GRID", "eval_demo", "eval_wa4"]
