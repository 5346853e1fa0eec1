"""A scaled-down dry run of the DYffusion/IDFF SST test protocol, stage by stage, as commands.

Each stage is the command a user runs (``idff-ts …``), in its own process, timed (wall) and
with its peak RSS (``wait4``); the per-unit cost is extrapolated to the full protocol:

1. ``data synthetic``: SYNTHETIC SST in the NOAA PSL layout for the 11 ETP boxes' region
   (``--region etp``), ``--years`` years from 1982 (full protocol: 1982-2020, 39 years);
2. ``data prepare``: tiles and day-of-year statistics (streaming) into a Zarr store;
3. ``train --task sst-etp`` for ``--max-batches`` batches of one epoch (train = first year,
   validation = last year: the real split needs 1982-2019);
4. ``forecast`` of the ``--inits`` days × 11 boxes × ``--members`` members × 7 leads, streamed
   (``--block-inits``); full protocol: 3,949 tile-inits (359 days × 11 boxes) × 50 members;
5. ``evaluate`` of that forecast against the prepared tiles (the truth on the same tiles).

    python benchmarks/paper_protocol_dryrun.py --years 2 --max-batches 5 --members 2
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _provenance import RESULTS, provenance

FULL = {"years": 39, "tile_inits": 3949, "members": 50, "leads": 7, "boxes": 11}


def stage(name: str, args: list[str], cwd: Path, script: Path | None = None) -> dict[str, Any]:
    """Run ``idff-ts ARGS`` (or ``python SCRIPT ARGS``) in ``cwd``; wall time, peak RSS, exit."""
    cmd = [sys.executable, *([str(script)] if script else ["-m", "idff_ts.cli"]), *args]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONWARNINGS": "ignore"}
    t0 = time.perf_counter()
    with open(cwd / f"{name}.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    shown = ["python", f"benchmarks/{script.name}"] if script else ["idff-ts"]
    row = {"stage": name, "command": shlex.join([*shown, *args]),
           "wall_s": round(time.perf_counter() - t0, 1),
           "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
           "exit": os.waitstatus_to_exitcode(status), "load_1min": round(os.getloadavg()[0], 1)}
    print(row, flush=True)
    if row["exit"] != 0:  # recorded, not hidden: the error's last line
        row["error"] = (cwd / f"{name}.log").read_text().strip().splitlines()[-1][:300]
    return row


def commands(a: argparse.Namespace) -> list[tuple[str, list[str]]]:
    last = 1982 + a.years - 1
    return [
        ("synthetic", ["data", "synthetic", "--start", "1982-01-01", "--end", f"{last}-12-31",
                       "--dest", "psl", "--region", "etp", "-q"]),
        ("prepare", ["data", "prepare", "psl", "-o", "tiles.zarr", "--boxes", "etp",
                     "--train", "1982..1982", "-q"]),
        ("train", ["train", "--task", "sst-etp", "--data", "psl", "--train-period", "1982..1982",
                   "--val-period", f"{last}..{last}", "--epochs", "1", "--max-batches",
                   str(a.max_batches), "--val-inits", "4", "--val-members", "4", "--device",
                   "cpu", "-q", "-o", "run"]),
        ("forecast", ["forecast", "--checkpoint", "run/model.pt", "--data", "psl/sst.day.mean.*.nc",
                      "--init", a.inits, "--members", str(a.members),
                      "--block-inits", str(a.block_inits), "--device", "cpu", "-q", "-o",
                      "test.zarr"]),
        ("evaluate", ["evaluate", "test.zarr", "--truth", "tiles.zarr", "-q", "-o",
                      "metrics.csv"]),
    ]


def extrapolate(rows: dict[str, dict[str, Any]], a: argparse.Namespace, tiles: int) -> dict:
    """Full-protocol estimates from the measured per-unit costs (this CPU)."""
    per_year = rows["synthetic"]["wall_s"] / a.years
    per_tile_member_lead = rows["forecast"]["wall_s"] / max(tiles * a.members * 7, 1)
    full_tml = FULL["tile_inits"] * FULL["members"] * FULL["leads"]
    return {"synthetic_s_per_year": round(per_year, 1),
            "synthetic_full_h": round(per_year * FULL["years"] / 3600, 2),
            "prepare_full_h": round(rows["prepare"]["wall_s"] / a.years * FULL["years"] / 3600, 2),
            "forecast_s_per_tile_member_lead": round(per_tile_member_lead, 5),
            "forecast_full_cpu_h": round(per_tile_member_lead * full_tml / 3600, 1),
            "forecast_full_output_gb_float32": round(full_tml * 3600 * 4 * 2 / 1e9, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--max-batches", type=int, default=5)
    ap.add_argument("--inits", default="1983-06-01,1983-06-02", help="init days of the test")
    ap.add_argument("--members", type=int, default=2)
    ap.add_argument("--block-inits", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep")
    ap.add_argument("--out", type=Path, default=RESULTS)
    a = ap.parse_args(argv)
    work = a.keep or Path(tempfile.mkdtemp(prefix="paper-dryrun-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = {name: stage(name, args, work) for name, args in commands(a)}
    import xarray as xr

    with xr.open_zarr(work / "test.zarr") as fc:
        tiles = int(fc.sizes["init"] * fc.sizes["box"])
    res = {"provenance": provenance(benchmark="paper_protocol_dryrun"), "settings": vars(a) |
           {"keep": str(a.keep), "out": str(a.out)}, "stages": list(rows.values()),
           "forecast_tile_inits": tiles, "extrapolation": extrapolate(rows, a, tiles)}
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "paper_protocol_dryrun.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res["extrapolation"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
