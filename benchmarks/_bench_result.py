"""The result file of one (task, row, seed) run of ``benchmarks/run.py`` (schema 2)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
from _bench_config import N_CONFIGS
from _bench_tasks import DEVICE, per_init_crps, score_table
from _provenance import provenance

SCHEMA = "idff-ts-result/2"


def build_result(td: Any, spec: Any, seed: int, profile: str, st: dict, fc: Any, scores: Any,
                 model: Any, train_s: float | None, budget: dict, chosen: dict, tried: list,
                 base_provenance: dict) -> dict[str, Any]:
    leads, per_lead, means = score_table(scores)
    horizon = len(leads)
    members = int(fc.sizes["member"])
    calls = int(fc.attrs.get("network_calls", 0))
    sampler = None if model is None else dataclasses.asdict(model.sampler)
    return {
        "schema": SCHEMA, "task": td.name, "method": spec.label,
        "method_registry_name": spec.method, "solver": spec.solver, "profile": profile,
        "seed": seed, "split": "test", "members": members,
        "crps_estimators": ["ecdf", "fair"] if members > 1 else ["ecdf"],
        "nfe_setting": spec.nfe, "nfe_counted": calls / horizon, "network_calls": calls,
        "n_jvp": int(fc.attrs.get("n_jvp", 0)),
        "fallback_forecasts": fc.attrs.get("fallback_forecasts"),
        "sampler": {"nfe": spec.nfe, "solver": spec.solver, "gamma1": chosen["gamma1"],
                    "gamma2": 0.0} if sampler is not None else None,
        "selection": {
            "searched": "configurations" if tried else "nothing (no knobs)",
            "split": "val", "criterion": "crps_ecdf_mean", "tuned_with_seed": 0,
            "val_sampler": {"solver": spec.solver, "nfe": spec.val_nfe},
            "n_configurations": len(tried), "budget_per_method": N_CONFIGS,
            "configurations_tried": tried, "chosen": chosen,
        },
        "training": budget,
        "wall_s": float(fc.attrs.get("wall_time_s", float("nan"))),
        "train_wall_s": train_s,
        "checkpoint_sha256": None if model is None else model.sha256,
        "data_version": td.data_version,
        "n_inits": int(fc.sizes["init"]),
        "horizon": horizon, "leads": leads,
        "lead_units": "days" if np.asarray(scores["lead"].values).dtype.kind == "m" else "model time",
        "metrics": per_lead, "mean_over_leads": means,
        "per_init_crps_ecdf": per_init_crps(td, fc),
        "sizes": {
            "model": None if model is None else json.loads(json.dumps(
                dataclasses.asdict(model.cfg), default=list)),
            "train_overrides": st["train"], "test_stride": st["stride"],
            "n_parameters": 0 if model is None else int(sum(p.numel() for p in model.method.parameters())),
        },
        "command": (f"python benchmarks/run.py --profile {profile} --tasks {td.name} "
                    f"--methods {spec.label} --seeds {seed}"),
        "provenance": {**base_provenance, **provenance(device=DEVICE["name"]),
                       "git_sha": base_provenance.get("git_sha")},
    }


def write_result(result: dict, out_root: Path) -> Path:
    """Atomically write ``result`` to ``<out>/<profile>/<task>/<row>__nfe<N>__seed<S>.json``."""
    path = (out_root / result["profile"] / result["task"]
            / f"{result['method']}__nfe{result['nfe_setting']}__seed{result['seed']}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(path)
    return path
