"""Cost of evaluating the backbones in fixed row blocks (``Backbone.row_block``).

Outside training every backbone evaluates its rows in blocks of exactly ``row_block`` rows
(the last one padded) so that each row's arithmetic does not depend on the batch size: member
``m`` of an ensemble is then bitwise the same for every ensemble size and chunking
(:mod:`idff_ts.nets.base`). This script measures what that costs: the median wall time of one
forward pass (``torch.no_grad``, eval mode) with blocks against the same network with blocking
off (``row_block = 0``), interleaved, for the default MLP (attractors) and the demo UNet
(60 × 60 SST tiles) over batch sizes met in practice (rows = members × inits), and checks that
the blocked rows are bitwise the rows of one whole-batch call made of the same rows.

    python benchmarks/row_blocks.py            # writes results/row_blocks.{json,md}
    python benchmarks/row_blocks.py --quick    # smoke run into a temporary folder
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
from _provenance import RESULTS, provenance

from idff_ts.config import ModelConfig
from idff_ts.nets import build_backbone
from idff_ts.nets.unet import UNET_PRESETS

CASES = {
    "mlp (default, D = 3)": (ModelConfig(state_shape=(3,)), (1, 12, 100, 256, 1280, 5000)),
    "unet (demo, 1 × 60 × 60)": (ModelConfig(state_shape=(1, 60, 60), **UNET_PRESETS["demo"]),
                                 (1, 7, 20, 50)),
}
QUICK = {
    "mlp (default, D = 3)": (ModelConfig(state_shape=(3,)), (12, 300)),
    "unet (demo, 1 × 60 × 60)": (ModelConfig(state_shape=(1, 60, 60), **UNET_PRESETS["demo"]),
                                 (3,)),
}


def _inputs(cfg: ModelConfig, rows: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(rows)
    s = cfg.state_shape
    return (torch.randn((rows, *s), generator=g), torch.rand(rows, generator=g),
            torch.randint(1, cfg.horizon + 1, (rows,), generator=g),
            torch.randn((rows, cfg.context, *s), generator=g))


@torch.no_grad()
def measure(cfg: ModelConfig, rows: int, repeats: int) -> dict:
    torch.manual_seed(0)
    net = build_backbone(cfg).eval()
    block = net.row_block
    x = _inputs(cfg, rows)
    times: dict[int, list[float]] = {block: [], 0: []}
    outs = {}
    for _ in range(repeats + 1):  # the first round warms up and is dropped
        for size in (block, 0):
            net.row_block = size
            t0 = time.perf_counter()
            outs[size] = net(*x)
            times[size].append(time.perf_counter() - t0)
    net.row_block = 0
    whole = net(*_inputs(cfg, max(rows, 2 * block)))  # the same rows inside a larger batch
    blocked_eq = all(torch.equal(a, b[:rows]) for a, b in zip(outs[block], whole, strict=True))
    on, off = (statistics.median(times[s][1:]) for s in (block, 0))
    return {"rows": rows, "row_block": block, "blocked_ms": 1e3 * on, "whole_ms": 1e3 * off,
            "ratio": on / off, "blocked_rows_equal_unblocked_large_batch": blocked_eq}


def markdown(result: dict) -> str:
    p = result["provenance"]
    lines = ["# Cost of fixed row blocks (bitwise member-prefix property)", "",
             f"`python benchmarks/row_blocks.py` at git `{p['git_sha']}`, {p['timestamp']}, "
             f"{p['machine']}, torch {p['torch']} ({p['torch_threads']} threads), median of "
             f"{p['repeats']} interleaved forward passes (no grad, eval mode).", "",
             "| network | rows | row_block | blocked (ms) | whole batch (ms) | blocked / whole |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, rows in result["cases"].items():
        for r in rows:
            lines.append(f"| {name} | {r['rows']} | {r['row_block']} | {r['blocked_ms']:.2f} | "
                         f"{r['whole_ms']:.2f} | {r['ratio']:.2f} |")
    lines += ["", "The last column is the price of the guarantee for one network call; a "
              "sampler makes NFE of them per slot. Blocked rows padded up to the block "
              "are paid for in full (e.g. 1 MLP row costs a 256-row block). Column "
              "`blocked_rows_equal_unblocked_large_batch` of the JSON records whether the "
              "blocked result equals, bitwise, the same rows computed inside a larger "
              "unblocked batch (it need not: kernels differ by batch size; this is "
              "informative only). Shared 2-core machine: ±20 % between runs is noise.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny smoke run into a temp folder")
    ap.add_argument("--out", type=Path, default=None, help="folder for row_blocks.{json,md}")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: stable timings on a shared machine)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = args.out or (Path(tempfile.mkdtemp()) if args.quick else RESULTS)
    repeats = args.repeats or (2 if args.quick else 15)
    cases = QUICK if args.quick else CASES
    result = {"cases": {name: [measure(cfg, r, repeats) for r in rows]
                        for name, (cfg, rows) in cases.items()},
              "provenance": provenance(repeats=repeats, quick=args.quick)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "row_blocks.json").write_text(json.dumps(result, indent=1))
    (out / "row_blocks.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
