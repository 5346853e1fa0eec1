"""IDFF on real alanine-dipeptide MD: lead-wise wrapped scores vs persistence and climatology.

Data: ``../shared/data/md/ala2_backbone_coordinates.npy`` (cgnet: 100 ns, one frame per 10 ps,
φ = ``phi_2``, ψ = ``psi_2`` from the backbone beads), the ``ala2`` task of
:mod:`idff_ts.domains.md.tasks`: contiguous time blocks, first 70 % train, next 15 % validation, last
15 % test. Skipped (exit 0, with a message) when the shared data folder is absent.

Protocol (evaluation.md): IDFF trained in ``(sin, cos)`` space (:func:`fit_angles`: MLP,
context L = 1, horizon K = 10, model selection by validation CRPS only); forecasts from every
10th test frame with a full horizon after it, M = 20 members, NFE 5 and 12 (counted);
scored per lead with wrapped differences (``distance="circular"``): CRPS (ecdf and fair),
MAE and RMSE of the circular ensemble mean, energy score over (φ, ψ); per lead and the mean
over leads. Baselines on the same inits: **persistence** (the init state for every lead, one
member) and **climatology** (M members drawn at random from the training frames, joint
(φ, ψ), independently per init and lead, seeded).

Writes ``benchmarks/results/md_ala2.json`` (+ ``.md``) with provenance: git sha, seed, counted
NFE, wall times, data file sha256, split. Run: ``python benchmarks/md_ala2.py`` (~6 min on
one CPU core of a shared machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from _provenance import RESULTS, provenance

METRICS = ("crps_ecdf", "crps_fair", "mae", "rmse", "energy")


# ------------------------------------------------------------------------- shared helpers
def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def md_provenance(**extra: Any) -> dict[str, Any]:
    """The shared benchmark provenance plus lightning / xarray / mdtraj / openmm versions."""
    import lightning

    out = provenance(lightning=lightning.__version__, xarray=xr.__version__, **extra)
    for name in ("mdtraj", "openmm"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


def persistence(truth: xr.DataArray, inits: np.ndarray, horizon: int, step: float
                ) -> xr.DataArray:
    """The init state for every lead: ``(init, lead, member=1, angle)``."""
    x0 = truth.sel(time=inits).values  # (I, A)
    vals = np.repeat(x0[:, None, None, :], horizon, axis=1)
    return _as_forecast(vals, truth, inits, horizon, step)


def climatology(train: xr.DataArray, truth: xr.DataArray, inits: np.ndarray, horizon: int,
                step: float, members: int, seed: int) -> xr.DataArray:
    """``members`` random training frames (joint angles) per init and lead."""
    pool = np.asarray(train.transpose(..., "angle").values).reshape(-1, train.sizes["angle"])
    idx = np.random.default_rng(seed).integers(0, pool.shape[0],
                                               size=(inits.size, horizon, members))
    return _as_forecast(pool[idx], truth, inits, horizon, step)


def _as_forecast(vals: np.ndarray, truth: xr.DataArray, inits: np.ndarray, horizon: int,
                 step: float) -> xr.DataArray:
    lead = step * np.arange(1, horizon + 1)
    times = np.asarray(truth["time"].values)
    pos = np.searchsorted(times, inits)
    valid = times[pos[:, None] + np.arange(1, horizon + 1)[None, :]]
    return xr.DataArray(
        vals, dims=("init", "lead", "member", "angle"),
        coords={"init": inits, "lead": lead, "member": np.arange(vals.shape[2]),
                "angle": truth["angle"].values, "valid_time": (("init", "lead"), valid)},
        name="dihedral",
    )


def score(forecast: xr.DataArray | xr.Dataset, truth: xr.DataArray) -> dict[str, Any]:
    """Per-lead and mean scores (wrapped) as plain lists / floats."""
    from idff_ts.evaluate import evaluate

    da = forecast if isinstance(forecast, xr.DataArray) else forecast[next(iter(forecast))]
    metrics = [m for m in METRICS if da.sizes["member"] >= 2 or m != "crps_fair"]
    ds = evaluate(da, truth, distance="circular", feature_dim="angle", metrics=metrics)
    out: dict[str, Any] = {}
    for m in metrics:
        out[m] = [round(float(v), 4) for v in ds[m].values]
        out[f"{m}_mean"] = round(float(ds[f"{m}_mean"]), 4)
    out["n_inits"] = int(da.sizes["init"])
    out["ensemble_size"] = int(da.sizes["member"])
    return out


def markdown_table(rows: dict[str, dict[str, Any]], metric: str, horizon: int,
                   unit: str = "°") -> str:
    head = "| method | " + " | ".join(str(k) for k in range(1, horizon + 1)) + " | mean |"
    sep = "|---" * (horizon + 2) + "|"
    lines = [f"**{metric}** ({unit}) per lead", "", head, sep]
    for name, res in rows.items():
        if metric in res:
            vals = " | ".join(f"{v:.2f}" for v in res[metric])
            lines.append(f"| {name} | {vals} | {res[metric + '_mean']:.2f} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--horizon", type=int, default=10)
    parser.add_argument("--stride", type=int, default=10, help="spacing of test inits (frames)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", type=Path, default=RESULTS / "md_ala2.json")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)

    from idff_ts.domains.md import fit_angles, forecast_angles
    from idff_ts.domains.md.tasks import ALA2_FILE, ala2_task, find_shared_file
    from idff_ts.tasks import hindcast_inits

    path = find_shared_file(f"md/{ALA2_FILE}")
    if path is None:
        print(f"skipped: {ALA2_FILE} not found under $IDFF_SHARED_DATA/md or ../shared/data/md")
        return 0
    t_start = time.perf_counter()
    splits = ala2_task(path).make_splits(args.seed)
    train, val, test = splits["train"], splits["val"], splits["test"]
    step = float(test["time"].values[1] - test["time"].values[0])
    # σ: the ala2 task's validation choice (benchmarks/results/sigma_sweep.md)
    model_cfg = {"hidden": 128, "depth": 2, "emb_dim": 32, "sigma": 2.0}
    train_cfg = {"max_epochs": args.epochs, "batch_size": 256, "lr": 2e-3,
                 "limit_train_batches": 16, "val_members": 16, "val_nfe": 5, "val_inits": 64,
                 "patience": args.epochs, "seed": args.seed}

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="md-ala2-") as tmp:
        model = fit_angles({"train": train, "val": val}, context=1, horizon=args.horizon,
                           model=model_cfg, train=train_cfg, progress=False, out_dir=tmp)
        extra = json.loads(json.dumps(_checkpoint_extra(Path(tmp) / "model.pt")))
    fit_s = time.perf_counter() - t0

    inits = hindcast_inits(test, 1, args.horizon, args.stride)
    rows: dict[str, dict[str, Any]] = {}
    forecast_info: dict[str, Any] = {}
    for nfe in (5, 12):
        t0 = time.perf_counter()
        fc = forecast_angles(test, model, horizon=args.horizon, members=args.members,
                             seed=args.seed, init=inits, nfe=nfe)
        wall = time.perf_counter() - t0
        rows[f"IDFF NFE {nfe}"] = score(fc, test)
        forecast_info[f"nfe_{nfe}"] = {"nfe_counted": int(fc.attrs["nfe_counted"]),
                                       "wall_s": round(wall, 2)}
    rows["persistence"] = score(persistence(test, inits, args.horizon, step), test)
    rows["climatology"] = score(
        climatology(train, test, inits, args.horizon, step, args.members, args.seed + 1), test)
    total_s = time.perf_counter() - t_start

    result = {
        "benchmark": "md_ala2",
        "description": "IDFF (sin/cos encoding, MLP) on real alanine-dipeptide dihedrals; "
                       "wrapped per-lead scores vs persistence and climatology",
        "settings": {"context": 1, "horizon": args.horizon, "members": args.members,
                     "test_init_stride_frames": args.stride, "lead_step_ps": step,
                     "model": model_cfg, "train": train_cfg, "encoding": "sincos",
                     "metrics_distance": "circular (wrapped, degrees)",
                     "crps_estimators": ["ecdf", "fair"]},
        "results": rows,
        "forecast": forecast_info,
        "training": {"wall_s": round(fit_s, 1), "best_val_crps": extra.get("best_val_crps"),
                     "epochs": extra.get("epochs"), "global_step": extra.get("global_step"),
                     "split": extra.get("split")},
        "provenance": md_provenance(
            seed=args.seed, command="python benchmarks/md_ala2.py", data_file=path.name,
            data_sha256=sha256(path),
            split="contiguous time blocks: train frames 0-6999 (0-69990 ps), val 7000-8499, "
                  "test 8500-9999 (one trajectory, 10 ps per frame)",
            n_train=int(train.sizes["time"]), n_val=int(val.sizes["time"]),
            n_test=int(test.sizes["time"]), total_wall_s=round(total_s, 1),
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


def _checkpoint_extra(path: Path) -> dict[str, Any]:
    from idff_ts.training.checkpoint import read_config

    return read_config(path).get("extra", {})


def markdown(result: dict[str, Any]) -> str:
    s, p, tr = result["settings"], result["provenance"], result["training"]
    rows = result["results"]
    parts = [
        "# IDFF on real alanine-dipeptide MD (wrapped scores per lead)",
        "",
        f"Command: `{p['command']}`. Data: `{p['data_file']}` (sha256 `{p['data_sha256'][:16]}…`),"
        f" {p['split']}. Test inits every {s['test_init_stride_frames']} frames "
        f"({rows['persistence']['n_inits']} inits), horizon K = {s['horizon']} "
        f"({s['lead_step_ps']:g} ps per lead), M = {s['members']} members. All errors are "
        "wrapped differences in degrees; CRPS / MAE / RMSE pooled over φ and ψ, energy score over "
        "the (φ, ψ) vector.",
        "",
        f"IDFF: sin/cos encoding, MLP hidden {s['model']['hidden']} × depth "
        f"{s['model']['depth']}, bridge σ = {s['model']['sigma']:g}, trained {tr['wall_s']} s "
        f"({tr['epochs']} epochs, "
        f"{tr['global_step']} steps, best validation CRPS {tr['best_val_crps']:.4f} in "
        "standardised feature units). Counted NFE per slot: "
        + ", ".join(f"{k}: {v['nfe_counted']} ({v['wall_s']} s)"
                    for k, v in result["forecast"].items()) + ".",
        "",
    ]
    for metric in ("crps_ecdf", "mae", "rmse", "energy"):
        parts += [markdown_table(rows, metric, s["horizon"]), ""]
    parts += [
        "Persistence has one member (its CRPS equals its MAE). Climatology: M random training "
        "frames per init and lead.",
        "",
        f"Seed {p['seed']}, git {p['git_sha']}, {p['machine']}, load average "
        f"{p['load_average_1min']}, total {p['total_wall_s']} s, {p['timestamp']}; torch "
        f"{p['torch']}, lightning {p['lightning']}, numpy {p['numpy']}, xarray {p['xarray']}.",
        "",
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
