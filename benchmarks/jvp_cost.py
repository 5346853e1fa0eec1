"""What one JVP costs in forward passes, per task backbone (issue 11 item 5).

IDFF's γ2 correction takes one Jacobian-vector product per step
(:meth:`idff_ts.sampling.counting.CountingField.jvp_x1`, ``torch.func.jvp``); the leaderboard
states γ2 rows' JVPs in forward-pass equivalents, so this measures the ratio. Per task the
network is the one its IDFF row was scored with (the model config recorded in the task's IDFF
result file, seed 0) at the batch of one test-forecast call (members × inits × series rows:
trajectories or SST boxes are forecast side by side); on the same
:class:`CountingField` a plain call and a JVP are timed side by side, interleaved, under
``torch.no_grad`` and in eval mode as the sampler runs them; the ratio of their medians is
reported, with the quartiles of the per-round ratios (the machine is shared: its load moves
single timings).
A central finite difference checks that the JVP computes the directional derivative it claims.

    python benchmarks/jvp_cost.py                     # tasks with an IDFF result, quick profile
    python benchmarks/jvp_cost.py --runs R --tasks polyala,sst-demo --out /tmp/jvp.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
from _provenance import RESULTS, provenance

from idff_ts.config import ModelConfig
from idff_ts.model import build_method
from idff_ts.sampling.counting import CountingField

SCHEMA = "idff-ts-jvp-cost/1"


def idff_result(runs: Path, profile: str, task: str) -> Path | None:
    files = sorted((runs / profile / task).glob("idff__nfe*__seed0.json"))
    return files[0] if files else None


def _inputs(cfg: ModelConfig, rows: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(0)
    state = tuple(cfg.state_shape)
    cond_state = (state[0] + cfg.static_channels, *state[1:]) if cfg.static_channels else state
    cond = torch.randn((rows, cfg.context, *cond_state), generator=g)
    x = torch.randn((rows, *state), generator=g)
    return x, torch.randn((rows, *state), generator=g), cond


@torch.no_grad()
def measure(cfg: ModelConfig, rows: int, repeats: int) -> dict[str, Any]:
    """Median wall time of a call and of a JVP on the same field, and their ratio."""
    torch.manual_seed(0)
    method = build_method("idff", cfg).eval()
    for p in method.parameters():  # zero-initialised output layers: give them trained-like
        if not p.any():            # values, so the JVP check is not 0 = 0 (cost is unchanged)
            p.normal_(0.0, 0.05)
    x, dx, cond = _inputs(cfg, rows)
    field = CountingField(method, torch.ones(rows, dtype=torch.long), cond)
    times: dict[str, list[float]] = {"forward": [], "jvp": []}
    for _ in range(repeats + 1):  # the first round warms up and is dropped
        for kind in ("forward", "jvp"):
            t0 = time.perf_counter()
            if kind == "forward":
                field(x, 0.3)
            else:
                field.jvp_x1(x, 0.3, dx, 1.0)
            times[kind].append(time.perf_counter() - t0)
    fwd, jvp = (statistics.median(times[k][1:]) for k in ("forward", "jvp"))
    paired = [j / f for f, j in zip(times["forward"][1:], times["jvp"][1:], strict=True)]
    q1, _, q3 = statistics.quantiles(paired, n=4)
    return {"rows": rows, "forward_ms": 1e3 * fwd, "jvp_ms": 1e3 * jvp, "ratio": jvp / fwd,
            "paired_ratio_quartiles": [q1, q3],
            "repeats": repeats, "counted_calls": field.calls, "counted_jvps": field.n_jvp,
            "jvp_vs_finite_difference_rel_err": _check(field, x[:8], dx[:8])}


def _check(field: CountingField, x: torch.Tensor, dx: torch.Tensor) -> float:
    """Relative error of the JVP against a central difference in x and t (float64, step 1e-5)."""
    import copy

    net = copy.deepcopy(field.net).double()
    n = x.shape[0]
    small = CountingField(net, field.k[:n], field.cond[:n].double())
    x, dx = x.double(), dx.double()
    tangent = small.jvp_x1(x, 0.3, dx, 1.0)
    h = 1e-5
    up, down = small(x + h * dx, 0.3 + h)[0], small(x - h * dx, 0.3 - h)[0]
    fd = (up - down) / (2 * h)
    return float((tangent - fd).norm() / fd.norm().clamp_min(1e-12))


def series_count(task: str, profile: str, cfg: ModelConfig) -> int:
    """Series forecast side by side per init (trajectories, SST boxes): the test split's values
    over its time steps and one state's values (angles count once, the state is sin and cos)."""
    from _bench_tasks import load_task

    td = load_task(task, profile)
    test = td.splits["test"]
    per_state = math.prod(cfg.state_shape) // (2 if td.kind == "angles" else 1)
    return int(test.size // (test.sizes["time"] * per_state))


def task_cost(path: Path, repeats: int) -> dict[str, Any]:
    res = json.loads(path.read_text())
    model = dict(res["sizes"]["model"])
    cfg = ModelConfig(**model)
    series = int(res.get("n_series") or series_count(res["task"], res["profile"], cfg))
    rows = int(res["members"]) * int(res["n_inits"]) * series
    out = measure(cfg, rows, repeats)
    out["rows_are"] = f"members {res['members']} × inits {res['n_inits']} × series {series}"
    out["network"] = {k: model[k] for k in ("backbone", "state_shape", "hidden", "depth",
                                             "channel_mult", "num_res_blocks", "static_channels",
                                             "context") if k in model}
    out["n_parameters"] = res["sizes"].get("n_parameters")
    out["from_result"] = {"file": "/".join(path.parts[-3:]),
                          "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=RESULTS / "runs")
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--tasks", default=None, help="comma list (default: every task folder)")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (as run.py)")
    ap.add_argument("--out", type=Path, default=RESULTS / "jvp_cost.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    root = args.runs / args.profile
    tasks = args.tasks.split(",") if args.tasks else sorted(p.name for p in root.iterdir()
                                                            if p.is_dir())
    found = {t: idff_result(args.runs, args.profile, t) for t in tasks}
    doc = {"schema": SCHEMA, "profile": args.profile,
           "tasks": {t: task_cost(p, args.repeats) for t, p in found.items() if p is not None},
           "not_measured": sorted(t for t, p in found.items() if p is None),
           "provenance": provenance(command="python benchmarks/jvp_cost.py "
                                    + " ".join(argv if argv is not None else sys.argv[1:]))}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.replace(args.out)
    for task, m in doc["tasks"].items():
        print(f"{task}: {m['network']['backbone']} {m['rows']} rows: forward {m['forward_ms']:.2f} "
              f"ms, JVP {m['jvp_ms']:.2f} ms, ratio {m['ratio']:.2f} (per-round quartiles "
              f"{m['paired_ratio_quartiles'][0]:.2f}–{m['paired_ratio_quartiles'][1]:.2f}; "
              "finite-difference check "
              f"{m['jvp_vs_finite_difference_rel_err']:.1e})")
    if doc["not_measured"]:
        print("no IDFF result file, not measured:", ", ".join(doc["not_measured"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
