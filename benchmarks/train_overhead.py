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
import time
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader

from idff_ts.config import ModelConfig, TrainConfig
from idff_ts.model import build_method
from idff_ts.training.datamodule import (
    BatchedWindows,
    EpochRandomSampler,
    SeriesDataModule,
    passthrough_collate,
)
from idff_ts.training.ema import EMA
from idff_ts.training.module import ForecastModule, step_seed

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


def _checksum(ema: EMA) -> float:
    """Sum of |θ̄| over the EMA weights: equal when both paths did the same optimisation."""
    return float(sum(p.double().abs().sum() for p in ema.shadow.parameters()))


def bare_loop(
    series: np.ndarray, cfg: ModelConfig, train: TrainConfig, steps: int, warmup: int
) -> dict[str, float]:
    """(a): the training step written out in plain PyTorch."""
    start = time.perf_counter()
    torch.manual_seed(train.seed)
    method = build_method("idff", cfg)
    method.train()
    ema = EMA(method, train.ema_decay, warmup=train.ema_warmup)
    opt = torch.optim.AdamW(method.parameters(), lr=train.lr, weight_decay=train.weight_decay)
    data = BatchedWindows(series, cfg.context, cfg.horizon)
    sampler = EpochRandomSampler(data, seed=train.seed)
    loader = DataLoader(
        data, batch_size=train.batch_size, sampler=sampler, collate_fn=passthrough_collate
    )
    gen = torch.Generator()
    step, epoch, t_warm, c_warm = 0, 0, 0.0, 0.0
    while step < steps:
        sampler.set_epoch(epoch)
        for batch in loader:
            if step == warmup:
                t_warm, c_warm = time.perf_counter(), time.process_time()
            gen.manual_seed(step_seed(train.seed, 0, step))
            loss = method.loss(batch, generator=gen).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(method.parameters(), train.grad_clip)
            opt.step()
            ema.update(method)
            step += 1
            if step >= steps:
                break
        epoch += 1
    end, c_end = time.perf_counter(), time.process_time()
    return {
        "per_step_ms": 1e3 * (end - t_warm) / (steps - warmup),
        "cpu_per_step_ms": 1e3 * (c_end - c_warm) / (steps - warmup),
        "total_s": end - start,
        "ema_checksum": _checksum(ema),
    }


class _StepTimer(L.Callback):
    """Wall and CPU clocks at the start of step ``warmup`` and at the end of the last step."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.t_warm = self.t_end = self.c_warm = self.c_end = 0.0

    def on_train_batch_start(
        self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int
    ) -> None:
        if trainer.global_step == self.warmup:
            self.t_warm, self.c_warm = time.perf_counter(), time.process_time()

    def on_train_batch_end(self, trainer: Any, pl_module: Any, *args: Any) -> None:
        self.t_end, self.c_end = time.perf_counter(), time.process_time()


def lightning_loop(
    series: np.ndarray, cfg: ModelConfig, train: TrainConfig, steps: int, warmup: int
) -> dict[str, float]:
    """(b): the same steps through ForecastModule + lightning.Trainer."""
    start = time.perf_counter()
    torch.manual_seed(train.seed)
    module = ForecastModule(build_method("idff", cfg), train)
    dm = SeriesDataModule(
        series, None, cfg.context, cfg.horizon, batch_size=train.batch_size, seed=train.seed
    )
    timer = _StepTimer(warmup)
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        max_steps=steps,
        max_epochs=-1,
        gradient_clip_val=train.grad_clip,
        gradient_clip_algorithm="norm",
        deterministic=train.deterministic,
        precision=train.precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        inference_mode=False,
        callbacks=[timer],
    )
    trainer.fit(module, datamodule=dm)
    end = time.perf_counter()
    return {
        "per_step_ms": 1e3 * (timer.t_end - timer.t_warm) / (steps - warmup),
        "cpu_per_step_ms": 1e3 * (timer.c_end - timer.c_warm) / (steps - warmup),
        "total_s": end - start,
        "ema_checksum": _checksum(module.ema),
    }


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
    md = [
        "# Training-loop overhead: Lightning vs bare PyTorch",
        "",
        f"Command: `python benchmarks/train_overhead.py` ({args.steps} optimiser steps per run, "
        f"batch {args.batch_size}, IDFF with MLP hidden {args.hidden} depth {cfg.depth}, "
        f"{args.repeats} alternating repeats per path, first {args.warmup} steps of each run "
        "excluded). Both paths do identical work: the final EMA weights agree exactly "
        f"({'yes' if all(x['same_ema_weights'] for x in settings) else 'NO'}).",
        "",
        "| threads | path | min wall ms/step | median wall ms/step | median CPU ms/step |",
        "|---|---|---|---|---|",
    ]
    for st in settings:
        w, c = st["wall_per_step"], st["cpu_per_step"]
        for key, label in (("bare", "bare PyTorch loop"), ("lightning", "Lightning (fit path)")):
            md.append(
                f"| {st['torch_threads']} | {label} | {w['min_ms'][key]:.3f} | "
                f"{w['median_ms'][key]:.3f} | {c['median_ms'][key]:.3f} |"
            )
    md.append("")
    for st in settings:
        w = st["wall_per_step"]
        md.append(
            f"- {st['torch_threads']} thread(s): wall-time overhead {w['overhead_percent_min']:+.1f} % "
            f"(min), {w['overhead_percent_median']:+.1f} % (median); CPU-time overhead "
            f"{st['cpu_per_step']['overhead_percent_median']:+.1f} % (median); 1-min load average "
            f"{st['load_average_1min']['before']:.2f} → {st['load_average_1min']['after']:.2f}."
        )
    md += [
        "",
        f"- Fixed Lightning cost per step (tiny model, hidden 8, batch 16, 1 thread, where compute "
        f"is negligible): {fixed_ms['median']:.2f} ms CPU (median), {fixed_ms['min']:.2f} ms (min); "
        f"bare step {tiny['cpu_per_step']['median_ms']['bare']:.2f} ms, Lightning step "
        f"{tiny['cpu_per_step']['median_ms']['lightning']:.2f} ms.",
        "",
        f"**Headline (ratio of median CPU ms/step, {one['torch_threads']} thread): "
        f"{overhead:+.1f} %** "
        f"(target ≤ 10 %: {'met' if overhead <= 10.0 else 'NOT met'}).",
        "",
        "Where the fixed cost goes (cProfile of the tiny model): Lightning's per-step hook "
        "dispatch (about a dozen module hooks and their callback loops, each setting "
        "`_current_fx_name` on the module; `ForecastModule` writes that attribute directly "
        "instead of through `nn.Module.__setattr__`), the automatic-optimisation closure, "
        "`batch_to_device` walking the batch dict, and an `inspect.getfullargspec` of "
        "`training_step` on every step. Nothing comes from `ForecastModule` itself: no per-step "
        "`self.log` (losses are accumulated on the device and logged once per epoch, plus one "
        "step value every `log_every_n_steps`), no host sync (the EMA counter is mirrored on "
        "the host). The cost is fixed per step, so it shrinks relative to larger models "
        f"(the UNet, GPUs); here it is {fixed_share:.0f} % of the bare 1-thread step "
        f"({one['cpu_per_step']['median_ms']['bare']:.2f} ms CPU).",
        "",
        f"torch {torch.__version__}, lightning {L.__version__}, {os.cpu_count()} CPUs, git "
        f"{result['provenance']['git']}, {result['provenance']['timestamp']}.",
        "",
    ]
    args.out.with_suffix(".md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
