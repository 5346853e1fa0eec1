"""Per-trajectory scores of the MD tasks' leaderboard rows, after the fact (issue 11 item 7).

For every result file of an MD task (``results/runs/<profile>/<task>/*.json`` written by
``run.py``) this loads the very checkpoint it was scored with (found under ``--work`` by its
sha256, which the result file records), puts it on the sampler the row is reported with (the
result's ``sampler``: solver, NFE, γ1, γ2) and runs the IDFF paper's protocol on the held-out
test run (:mod:`_md_trajectories`): from its first frame, ``M = 10`` generated trajectories
(persistence: its one member), MAE / RMSE / circular CC per trajectory and angle over time,
averaged, plus the CRPS of the trajectories and the Ramachandran JS. The generation seed is
the row's seed. Rows without a checkpoint (AutoARIMA, AutoETS) are not defined here.

Writes ``results/trajectory_scores/<profile>/<task>/<row>__nfe<N>__seed<S>.json`` with
provenance (the result file and its sha256, the checkpoint path and sha256, the sampler, git
sha, machine, load). The leaderboard uses a file only while its profile, task, row, seed,
checkpoint sha256 and data version match the result file's.

    python benchmarks/md_trajectory_scores.py --work runs/benchmarks          # polyala, quick
    python benchmarks/md_trajectory_scores.py --runs /tmp/r --work /tmp/w --profile smoke
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from _md_trajectories import TRAJ_MEMBERS, trajectory_record
from _provenance import RESULTS, provenance

SCHEMA = "idff-ts-trajectory/1"
NO_CHECKPOINT = ("autoarima", "autoets")
log = logging.getLogger("md_trajectory_scores")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_checkpoint(work: Path, result: dict[str, Any]) -> Path:
    """The ``model.pt`` under ``work/<task>/<row>__c*__seed<S>/`` whose sha256 is the result's."""
    want = result.get("checkpoint_sha256")
    pattern = f"{result['method']}__c*__seed{result['seed']}/model.pt"
    candidates = sorted((Path(work) / result["task"]).glob(pattern))
    for path in candidates:
        if file_sha256(path) == want:
            return path
    raise SystemExit(f"no checkpoint with sha256 {want} for {result['task']} {result['method']} "
                     f"seed {result['seed']} under {work} (looked at {len(candidates)} files "
                     f"{pattern}); pass the --work folder of the run that wrote the results")


def reported_model(path: Path, result: dict[str, Any]) -> Any:
    """The checkpoint on the row's reported sampler, set exactly as ``run.py`` sets it."""
    from idff_ts.config import SamplerConfig
    from idff_ts.training.checkpoint import load_checkpoint

    s = result["sampler"]
    sampler = SamplerConfig(nfe=int(s["nfe"]), gamma1=float(s["gamma1"]),
                            gamma2=float(s.get("gamma2", 0.0)), solver=s["solver"])
    return load_checkpoint(path, map_location="cpu").with_sampler(**dataclasses.asdict(sampler))


def score_result(res_path: Path, result: dict, test: Any, work: Path, members: int) -> dict:
    ckpt = find_checkpoint(work, result)
    model = reported_model(ckpt, result)
    m = 1 if result["members"] == 1 else members  # persistence: its one member
    record = trajectory_record(test, model, m, int(result["seed"]))
    log.info("%s %s seed %s: MAE %.2f RMSE %.2f CC %s (%.1fs)", result["task"], result["method"],
             result["seed"], record["mae"], record["rmse"], record["cc"], record["wall_s"])
    return {
        "schema": SCHEMA, **{k: result[k] for k in ("task", "method", "profile", "seed",
                                                    "nfe_setting", "data_version",
                                                    "checkpoint_sha256", "sampler")},
        "result_file": "/".join(res_path.parts[-3:]), "result_sha256": file_sha256(res_path),
        "checkpoint": str(ckpt), "trajectory_scores": record,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=RESULTS / "runs")
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--tasks", default="polyala", help="comma list of MD tasks")
    ap.add_argument("--work", type=Path, required=True,
                    help="the --work folder of the run.py run (its checkpoints)")
    ap.add_argument("--out", type=Path, default=RESULTS / "trajectory_scores")
    ap.add_argument("--members", type=int, default=TRAJ_MEMBERS)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    import torch
    from _bench_tasks import load_task

    torch.set_num_threads(args.threads)
    base = provenance(command="python benchmarks/md_trajectory_scores.py " + " ".join(argv or sys.argv[1:]))
    for task in args.tasks.split(","):
        files = sorted((args.runs / args.profile / task).glob("*.json"))
        if not files:
            raise SystemExit(f"no result files under {args.runs / args.profile / task}")
        td = load_task(task, args.profile)
        if td.kind != "angles":
            raise SystemExit(f"{task} is not an MD (angle) task: nothing to generate")
        for path in files:
            result = json.loads(path.read_text())
            if result["method"] in NO_CHECKPOINT or "trajectory_scores" in result:
                continue  # not defined, or scored by run.py itself
            if result["data_version"] != td.data_version:
                raise SystemExit(f"{path}: data version {result['data_version']!r} is not the "
                                 f"task's {td.data_version!r}; refusing to score other data")
            out = score_result(path, result, td.splits["test"], args.work, args.members)
            out["provenance"] = {**base, **provenance()}
            dest = args.out / args.profile / task / path.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(out, indent=1))
            tmp.replace(dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
