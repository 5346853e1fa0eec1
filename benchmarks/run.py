"""Benchmark runner: tasks × methods × seeds × NFE, one result file per run (evaluation.md §3).

For every (task, seed, method) it trains the method with the task's data pipeline (the same
backbone, conditioning, normalisation and validation-CRPS checkpoint selection for every
method, :func:`idff_ts.fit`), then forecasts the **test** split at each NFE setting of the
profile and writes ``results/runs/<profile>/<task>/<label>__nfe<N>__seed<S>.json``: the scores
``metric × lead`` (CRPS ecdf and fair, MSE, RMSE, SSR and its raw terms) with provenance (git
sha, checkpoint sha256, seed, M, CRPS estimators, counted NFE, wall time, data version, split).

Nothing is tuned on test data: checkpoints are chosen by validation CRPS during training, and
the one sampler knob searched here (IDFF's γ1 ∈ {0, 2} at each NFE) is chosen on the
**validation** split; the choice and its validation scores are saved in the result file.

    python benchmarks/run.py --profile quick                       # every quick task
    python benchmarks/run.py --profile quick --tasks lorenz63 --methods idff,ddpm-ddim
    python benchmarks/run.py --profile paper --device cuda --data 'sst.day.mean.*.nc'  # GPU
    python benchmarks/leaderboard.py                               # render the tables

Profiles (``PROFILES``): ``quick`` sizes every task down to fit a shared 2-core CPU (fewer
epochs, fewer test inits, M = 20) and says so in each result file; ``paper`` keeps the tasks'
own sizes, M = 50, every test init and three seeds (the DYffusion protocol for SST).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _provenance import RESULTS, provenance

RUNS = RESULTS / "runs"
SCHEMA = "idff-ts-result/1"
METRICS = ("crps_ecdf", "crps_fair", "mse", "rmse", "ssr")


@dataclasses.dataclass(frozen=True)
class MethodSpec:
    """A leaderboard row: a registered method, its sampler (solver) and an NFE grid.

    ``nfe`` values are the sampler's ``nfe`` (steps per slot; OT-CFM: calls per slot; DYffusion:
    sub-steps per slot, ≈ 3 calls each). The NFE reported is always the counted one.
    ``val_nfe``: the sampler setting used for validation CRPS during training.
    """

    label: str
    method: str
    solver: str = "auto"
    nfe: tuple[int, ...] = (1,)
    val_nfe: int = 5
    gamma1_grid: tuple[float, ...] = (0.0,)


def method_specs(profile: str) -> dict[str, MethodSpec]:
    quick = profile != "paper"
    idff_nfe = (1, 2, 3, 5, 10, 20) if quick else (1, 2, 3, 5, 10, 20, 50, 100)
    specs = [
        MethodSpec("idff", "idff", "auto", idff_nfe, 5, (0.0, 2.0)),
        MethodSpec("ot-cfm-euler", "ot-cfm", "euler",
                   (1, 2, 5, 10, 20, 50, 100) if quick else (1, 2, 5, 10, 20, 50, 100), 5),
        MethodSpec("ot-cfm-midpoint", "ot-cfm", "midpoint", (2, 10, 50, 100), 4),
        MethodSpec("ot-cfm-dopri5", "ot-cfm", "dopri5", (1,), 5),
        MethodSpec("i-cfm-euler", "i-cfm", "euler", (1, 2, 5, 10, 20, 50, 100), 5),
        MethodSpec("ddpm-ddim", "ddpm", "ddim", (1, 2, 5, 10, 20, 50, 100), 5),
        MethodSpec("ddpm-ancestral", "ddpm", "ancestral",
                   (10, 20, 50, 100) if quick else (10, 20, 50, 100, 250, 1000), 5),
        MethodSpec("dyffusion", "dyffusion", "cold", (1, 2, 5) if quick else (1, 2, 5, 10), 1),
        MethodSpec("persistence", "persistence", "auto", (1,), 1),
        MethodSpec("climatology", "climatology", "auto", (1,), 1),
    ]
    return {s.label: s for s in specs}


#: Which trained model each row uses (rows sharing a method share one checkpoint).
TRAINED_AS = {"ot-cfm-midpoint": "ot-cfm-euler", "ot-cfm-dopri5": "ot-cfm-euler",
              "ddpm-ancestral": "ddpm-ddim"}

PROFILES: dict[str, dict[str, Any]] = {
    # Sized for a shared 2-core CPU; each entry states what differs from the task's defaults.
    "quick": {
        "seeds": (0,),
        "members": 20,
        "tasks": {
            # The attractors train at the tasks' own sizes (≈ 1 min per method); only the
            # test inits are thinned (every 20th step instead of every 10th).
            "lorenz63": {"test_stride": 20},
            "rossler": {"test_stride": 20},
            "sst-wa4": {"train": {"max_epochs": 6, "limit_train_batches": 30, "val_inits": 48,
                                  "val_members": 12}, "test_stride": 4},
            # polyala is small (3 training runs of 200 frames): the task's own training sizes,
            # every 5th test frame as an init.
            "polyala": {"test_stride": 5},
            # UNet on 60 × 60 tiles costs ~0.3 s per 40 tiles on this CPU: far fewer inits,
            # members and NFE settings than the vector tasks.
            "sst-demo": {"train": {"max_epochs": 3, "limit_train_batches": 30, "val_inits": 4,
                                   "val_members": 8, "val_batch_size": 4},
                         "test_stride": 45, "members": 8,
                         "nfe": {"idff": (1, 2, 5), "ot-cfm-euler": (1, 5),
                                 "i-cfm-euler": (1, 5), "ot-cfm-midpoint": (),
                                 "ot-cfm-dopri5": (), "ddpm-ddim": (2, 10),
                                 "ddpm-ancestral": (10,), "dyffusion": (1,)}},
        },
    },
    # Seconds: checks the plumbing (tests, CI); its numbers mean nothing.
    "smoke": {
        "seeds": (0,),
        "members": 4,
        "tasks": {"lorenz63": {"train": {"max_epochs": 1, "limit_train_batches": 2, "val_inits": 4,
                                         "val_members": 4}, "test_stride": 150,
                                "nfe": {"idff": (1, 3), "ddpm-ddim": (2,)}}},
    },
    "paper": {
        "seeds": (0, 1, 2),
        "members": 50,
        "tasks": {"lorenz63": {}, "rossler": {}, "sst-wa4": {}, "polyala": {}, "sst-demo": {},
                  "sst-etp": {}},
    },
}


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


def fit_method(td: TaskData, spec: MethodSpec, seed: int, train_over: dict, out_dir: Path,
               model_over: dict | None = None) -> Any:
    """Train ``spec``'s method on the task's train split (validation CRPS selects the checkpoint);
    ``model_over`` overrides the task's model config (e.g. ``{"sigma": 2.0}``)."""
    import idff_ts
    from idff_ts.config import SamplerConfig

    task = td.task
    kwargs = dict(
        val=td.splits["val"], context=task.context, horizon=task.horizon,
        model=task.model_config(**(model_over or {})),
        train=task.train_config(**{**train_over, "seed": seed, "val_nfe": spec.val_nfe}),
        sampler=SamplerConfig(nfe=spec.val_nfe, gamma1=0.0, solver=spec.solver),
        method=spec.method, out_dir=out_dir, progress=False,
    )
    if td.kind == "angles":
        from idff_ts.domains.md import fit_angles

        return fit_angles(td.splits["train"], **kwargs)
    if td.kind == "tiles":  # as fit_sst: the UNet demo preset, series = boxes, ocean mask
        from idff_ts.nets.unet import UNET_PRESETS

        kwargs["model"] = {**UNET_PRESETS["demo"], **task.model_config(**(model_over or {}))}
        kwargs.update(series_dim="box", mask=td.mask.values[None].astype(np.float32))
    return idff_ts.fit(td.splits["train"], **kwargs)


def forecast_and_score(td: TaskData, model: Any, split: str, members: int, seed: int,
                       stride: int, sampler: Any) -> tuple[Any, dict]:
    import idff_ts

    data = td.splits[split]
    inits = td.task.test_inits(data, stride=stride)
    fc_model = model.with_sampler(**dataclasses.asdict(sampler))
    if td.kind == "angles":
        from idff_ts.domains.md import forecast_angles

        fc = forecast_angles(data, fc_model, horizon=td.task.horizon, members=members, seed=seed,
                             init=inits, device=ARGS_DEVICE)
        kw: dict[str, Any] = {"distance": "circular"}
    else:
        extra = {"series_dim": "box"} if td.kind == "tiles" else {}
        fc = idff_ts.forecast(data, fc_model, horizon=td.task.horizon, members=members,
                              seed=seed, init=inits, device=ARGS_DEVICE, **extra)
        kw = {"mask": td.mask} if td.kind == "tiles" else {}
    metrics = [m for m in METRICS if members > 1 or m not in ("crps_fair", "ssr")]
    scores = idff_ts.evaluate(fc, data, metrics=metrics, **kw)
    return fc, scores


ARGS_DEVICE = "cpu"
REUSE = False
"""``--reuse-checkpoints``: load ``<work>/<task>/<model>__seed<S>/model.pt`` when it exists."""
BASE_PROVENANCE: dict[str, Any] = {}
"""Provenance taken when the run starts (the git sha of the code that ran)."""


def score_table(scores: Any) -> tuple[list, dict, dict]:
    leads = [float(v / np.timedelta64(1, "D")) if np.asarray(v).dtype.kind == "m" else float(v)
             for v in scores["lead"].values]
    per_lead = {str(k): [float(x) for x in v.values] for k, v in scores.data_vars.items()
                if v.dims == ("lead",) and not str(k).startswith("n_points")}
    means = {str(k)[: -len("_mean")]: float(v) for k, v in scores.data_vars.items()
             if str(k).endswith("_mean") and v.ndim == 0}
    return leads, per_lead, means


# ------------------------------------------------------------------------------------ runs
def gamma1_candidates(spec: MethodSpec, nfe: int) -> tuple[float, ...]:
    """The γ1 values worth scoring on validation at ``nfe`` steps.

    γ1's Langevin move has weight γ1 σ_t², zero at t = 0, and the last step lands on x̂1: at
    NFE ≤ 2 every γ1 gives the same samples, so only the first of the grid is kept.
    """
    return spec.gamma1_grid[:1] if nfe <= 2 else spec.gamma1_grid


def run_one(td: TaskData, spec: MethodSpec, seed: int, profile: str, out_root: Path,
            work: Path, models: dict) -> list[Path]:
    from idff_ts.config import SamplerConfig

    prof = PROFILES[profile]
    over = prof["tasks"].get(td.name, {})
    train_over = dict(over.get("train", {}))
    stride = int(over.get("test_stride", td.task.test_stride))
    members = 1 if spec.method == "persistence" else int(over.get("members", prof["members"]))
    nfe_grid = tuple(over.get("nfe", {}).get(spec.label, spec.nfe))
    if not nfe_grid:
        return []
    trained_label = TRAINED_AS.get(spec.label, spec.label)
    key = (td.name, trained_label, seed)
    ckpt = work / td.name / f"{trained_label}__seed{seed}" / "model.pt"
    if key not in models and REUSE and ckpt.is_file():
        from idff_ts.training.checkpoint import load_checkpoint, read_config

        logging.info("reusing %s", ckpt)
        models[key] = (load_checkpoint(ckpt), read_config(ckpt).get("extra", {}).get("train_wall_s"))
    if key not in models:
        t0 = time.perf_counter()
        model = fit_method(td, method_specs(profile)[trained_label], seed, train_over,
                           work / td.name / f"{trained_label}__seed{seed}")
        models[key] = (model, time.perf_counter() - t0)
    model, train_s = models[key]
    written = []
    for nfe in nfe_grid:
        selection: dict[str, Any] = {"searched": "nothing"}
        gamma1 = 0.0
        candidates = gamma1_candidates(spec, nfe)
        if len(spec.gamma1_grid) > 1 and len(candidates) == 1:
            selection = {"searched": "nothing", "why": "gamma1 has no effect at NFE <= 2"}
        elif len(candidates) > 1:
            val_scores = {}
            for g1 in candidates:
                s = SamplerConfig(nfe=nfe, gamma1=g1, gamma2=0.0, solver=spec.solver)
                _, sc = forecast_and_score(td, model, "val", members, seed, stride, s)
                val_scores[f"{g1:g}"] = float(sc["crps_ecdf_mean"])
            gamma1 = float(min(val_scores, key=val_scores.get))
            selection = {"searched": "gamma1", "split": "val", "criterion": "crps_ecdf_mean",
                         "val_crps_ecdf_mean": val_scores, "chosen": gamma1}
        sampler = SamplerConfig(nfe=nfe, gamma1=gamma1, gamma2=0.0, solver=spec.solver)
        fc, scores = forecast_and_score(td, model, "test", members, seed, stride, sampler)
        leads, per_lead, means = score_table(scores)
        horizon = len(leads)
        calls = int(fc.attrs.get("network_calls", 0))
        n_inits = int(np.prod([fc.sizes[d] for d in fc.dims if d in ("init", "trajectory", "box")]))
        result = {
            "schema": SCHEMA,
            "task": td.name,
            "method": spec.label,
            "method_registry_name": spec.method,
            "solver": spec.solver,
            "profile": profile,
            "seed": seed,
            "split": "test",
            "members": members,
            "crps_estimators": ["ecdf", "fair"] if members > 1 else ["ecdf"],
            "nfe_setting": nfe,
            "nfe_counted": calls / horizon,  # network calls per member and slot
            "network_calls": calls,
            "n_jvp": int(fc.attrs.get("n_jvp", 0)),
            "sampler": dataclasses.asdict(sampler),
            "selection": selection,
            "wall_s": float(fc.attrs.get("wall_time_s", float("nan"))),
            "train_wall_s": train_s,
            "checkpoint_sha256": model.sha256,
            "data_version": td.data_version,
            "n_inits": n_inits,
            "horizon": horizon,
            "leads": leads,
            "lead_units": "days" if np.asarray(scores["lead"].values).dtype.kind == "m" else "model time",
            "metrics": per_lead,
            "mean_over_leads": means,
            "sizes": {
                "model": {k: (list(v) if isinstance(v, tuple) else v)
                          for k, v in dataclasses.asdict(model.cfg).items()},
                "train_overrides": train_over,
                "test_stride": stride,
                "n_parameters": int(sum(p.numel() for p in model.method.parameters())),
            },
            "command": (f"python benchmarks/run.py --profile {profile} --tasks {td.name} "
                        f"--methods {spec.label} --seeds {seed}"),
            "provenance": {**BASE_PROVENANCE, **provenance(device=ARGS_DEVICE),
                           "git_sha": BASE_PROVENANCE.get("git_sha")},
        }
        path = out_root / profile / td.name / f"{spec.label}__nfe{nfe}__seed{seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(result, indent=1))
        tmp.replace(path)
        written.append(path)
        logging.info("%s %s nfe=%s (counted %.2f) seed=%d: CRPS %.4f (%.1fs)", td.name,
                     spec.label, nfe, result["nfe_counted"], seed,
                     means.get("crps_ecdf", float("nan")), result["wall_s"])
    return written


def main(argv: list[str] | None = None) -> int:
    global ARGS_DEVICE, BASE_PROVENANCE, REUSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    ap.add_argument("--tasks", default=None, help="comma list (default: the profile's tasks)")
    ap.add_argument("--methods", default=None, help="comma list of row labels (default: all)")
    ap.add_argument("--seeds", default=None, help="comma list (default: the profile's)")
    ap.add_argument("--out", type=Path, default=RUNS)
    ap.add_argument("--work", type=Path, default=Path("runs") / "benchmarks",
                    help="where checkpoints go (not committed)")
    ap.add_argument("--data", nargs="+", default=None,
                    help="OISST files / glob for SST tile tasks without a bundled archive "
                    "(sst-etp: `--data 'sst.day.mean.*.nc'`)")
    ap.add_argument("--reuse-checkpoints", action="store_true",
                    help="load a model already trained in --work instead of training it again")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    import torch

    torch.set_num_threads(args.threads)
    ARGS_DEVICE = args.device
    REUSE = bool(args.reuse_checkpoints)
    BASE_PROVENANCE = provenance(device=args.device)
    prof = PROFILES[args.profile]
    specs = method_specs(args.profile)
    tasks = args.tasks.split(",") if args.tasks else list(prof["tasks"])
    labels = args.methods.split(",") if args.methods else list(specs)
    unknown = [m for m in labels if m not in specs]
    if unknown:
        ap.error(f"unknown methods {unknown}; known: {sorted(specs)}")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else list(prof["seeds"])
    for name in tasks:
        td = load_task(name, args.profile, args.data)
        models: dict = {}
        for seed in seeds:
            for label in labels:
                run_one(td, specs[label], seed, args.profile, args.out, args.work, models)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
