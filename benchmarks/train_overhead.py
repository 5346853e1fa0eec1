"""Overhead of the Lightning training path over a bare PyTorch loop.

Same model (IDFF, MLP hidden 128, depth 3), same data (a 3-D AR(1) series, standardised), same
batches (batch 256, the same :class:`~idff_ts.training.datamodule.EpochRandomSampler` order),
same number of optimiser steps, and the same work per step:

- (a) **bare loop**: ``method.loss`` (per-step seeded generator) → ``backward`` → gradient-norm
  clip → ``AdamW.step`` → EMA update;
- (b) **Lightning**: :class:`~idff_ts.training.module.ForecastModule` under ``lightning.Trainer``
  (logger off, no validation, no checkpointing, progress bar off, same clip and EMA).

The two run alternately in one process, ``--repeats`` times each, with 2 and with 1 torch
threads. A run's per-step time is its steady-state time between the start of step ``--warmup``
and the end of the last step, divided by the steps in between (data loading included, one-off
setup excluded), in wall time and in process CPU time; the total wall time of each run (setup
included) is kept too. A tiny model (hidden 8, batch 16) measures Lightning's fixed cost per step.
The headline is the ratio of median CPU times with 1 thread: this 2-core machine is shared, and
wall time (above all with 2 OpenMP threads) swings with other jobs. Both paths must end with
identical EMA weights (checked). Writes ``benchmarks/results/train_overhead.json`` (with
provenance) and ``.md``.

Run: ``python benchmarks/train_overhead.py`` (about three minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import platform
import statistics
import subprocess
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from _train_overhead_loops import bare_loop, lightning_loop
from _train_overhead_report import markdown

from idff_ts.config import ModelConfig, TrainConfig

RESULTS = Path(__file__).parent / "results"


def make_series(n_series: int, n_time: int, dim: int, phi: float, seed: int) -> np.ndarray:
    """Standardised AR(1) series ``y_t = φ y_{t−1} + sqrt(1 − φ²) ε_t``, (n_series, T, D)."""
    rng = np.random.default_rng(seed)
    y = np.zeros((n_series, n_time, dim), dtype=np.float32)
    y[:, 0] = rng.standard_normal((n_series, dim))
    scale = np.sqrt(1 - phi**2)
    for t in range(1, n_time):
        y[:, t] = phi * y[:, t - 1] + scale * rng.standard_normal((n_series, dim))
    return y


def git_sha() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "idff_ts", "benchmarks/train_overhead.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return f"{sha} (uncommitted changes)" if dirty else sha
    except Exception:  # noqa: BLE001
        return "uncommitted"


def _summary(runs: dict[str, list[dict[str, float]]], key: str) -> dict[str, Any]:
    """Per path: min and median of ``key`` over repeats; Lightning / bare ratios of both."""
    best = {k: min(x[key] for x in v) for k, v in runs.items()}
    med = {k: statistics.median(x[key] for x in v) for k, v in runs.items()}
    return {
        "min_ms": best,
        "median_ms": med,
        "overhead_percent_min": 100.0 * (best["lightning"] / best["bare"] - 1.0),
        "overhead_percent_median": 100.0 * (med["lightning"] / med["bare"] - 1.0),
    }


def run_setting(
    series: np.ndarray,
    cfg: ModelConfig,
    train: TrainConfig,
    args: argparse.Namespace,
    threads: int,
    label: str = "benchmark model",
) -> dict[str, Any]:
    """Alternating repeats of both paths with ``threads`` torch threads."""
    import os

    torch.set_num_threads(threads)
    load_before = os.getloadavg()[0]
    runs: dict[str, list[dict[str, float]]] = {"bare": [], "lightning": []}
    for r in range(args.repeats):
        order = ("bare", "lightning") if r % 2 == 0 else ("lightning", "bare")
        for name in order:
            fn = bare_loop if name == "bare" else lightning_loop
            runs[name].append(fn(series, cfg, train, args.steps, args.warmup))
            last = runs[name][-1]
            print(
                f"{label}, threads {threads}, repeat {r} {name:9s} wall {last['per_step_ms']:.3f} ms/step, "
                f"cpu {last['cpu_per_step_ms']:.3f} ms/step",
                flush=True,
            )
    sums = {x["ema_checksum"] for v in runs.values() for x in v}
    return {
        "label": label,
        "model": {"hidden": cfg.hidden, "depth": cfg.depth, "batch_size": train.batch_size},
        "torch_threads": threads,
        "wall_per_step": _summary(runs, "per_step_ms"),
        "cpu_per_step": _summary(runs, "cpu_per_step_ms"),
        "median_total_s": {k: statistics.median(x["total_s"] for x in v) for k, v in runs.items()},
        "same_ema_weights": len(sums) == 1,
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument(
        "--threads", default=f"{torch.get_num_threads()},1", help="comma-separated torch threads"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS / "train_overhead.json")
    args = parser.parse_args()

    import logging
    import os
    import warnings

    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    for pattern in ("does not have many workers", "in eval mode at the start", "LeafSpec"):
        warnings.filterwarnings("ignore", message=f".*{pattern}.*")

    cfg = ModelConfig(state_shape=(3,), context=1, horizon=7, hidden=args.hidden, depth=3)
    train = TrainConfig(batch_size=args.batch_size, seed=args.seed)
    # fit() runs with deterministic="warn"; Lightning sets it process-wide, so set it for both.
    torch.use_deterministic_algorithms(True, warn_only=True)
    series = make_series(4, 20_000, 3, phi=0.8, seed=args.seed)
    settings = [run_setting(series, cfg, train, args, int(t)) for t in str(args.threads).split(",")]
    # Lightning's fixed per-step cost, measured where compute is negligible.
    tiny_cfg = dataclasses.replace(cfg, hidden=8, depth=1, emb_dim=8)
    tiny = run_setting(
        series, tiny_cfg, dataclasses.replace(train, batch_size=16), args, 1, "tiny model"
    )
    fixed_ms = {
        k: tiny["cpu_per_step"][f"{k}_ms"]["lightning"] - tiny["cpu_per_step"][f"{k}_ms"]["bare"]
        for k in ("min", "median")
    }
    head = settings[0]
    one = next((st for st in settings if st["torch_threads"] == 1), head)
    # Headline: 1 thread, process CPU time. On this shared 2-core VM wall time swings with other
    # jobs (2 OpenMP threads wait on a descheduled sibling); 1-thread CPU time barely moves.
    overhead = one["cpu_per_step"]["overhead_percent_median"]
    fixed_share = 100.0 * fixed_ms["median"] / one["cpu_per_step"]["median_ms"]["bare"]
    result = {
        "benchmark": "train_overhead",
        "description": "Lightning training path vs bare PyTorch loop, same model/data/steps",
        "settings": {
            "steps": args.steps,
            "warmup_steps_excluded": args.warmup,
            "repeats": args.repeats,
            "batch_size": args.batch_size,
            "model": {
                "backbone": "mlp",
                "hidden": args.hidden,
                "depth": cfg.depth,
                "state_dim": 3,
                "horizon": cfg.horizon,
            },
            "data": "AR(1) phi=0.8, 4 series x 20000 steps, D=3",
            "grad_clip": train.grad_clip,
            "ema_decay": train.ema_decay,
            "deterministic": train.deterministic,
        },
        "overhead_percent": overhead,
        "overhead_definition": (
            "median over repeats of Lightning CPU ms/step over the median of bare CPU ms/step, "
            f"minus 1, with {one['torch_threads']} torch thread(s); wall-time medians and minima "
            "for 1 and 2 threads are under by_threads (the machine is shared, so wall time is noisy)"
        ),
        "fixed_overhead_share_percent": fixed_share,
        "target_percent": 10.0,
        "meets_target": bool(overhead <= 10.0),
        "by_threads": settings,
        "fixed_overhead_ms_per_step": fixed_ms,
        "fixed_overhead_setting": tiny,
        "provenance": {
            "git": git_sha(),
            "torch": torch.__version__,
            "lightning": L.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "cpu_count": os.cpu_count(),
            "seed": args.seed,
            "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    md = markdown(result)
    args.out.with_suffix(".md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
