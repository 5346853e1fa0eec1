"""Peak memory and tiles per second of a hindcast against the number of inits (issue 15 targets).

The demo SST model (SYNTHETIC DEMO DATA) forecasts ``N`` consecutive inits of the bundled year,
2 boxes each, scaled down to fit a shared 2-core CPU: ``--members`` (default 2), ``--nfe``
(default 1), ``--days`` (default 1). Each run is its own process, so its peak RSS
(``ru_maxrss`` from ``wait4``) is the run's alone; it includes the interpreter, torch and the
model (the baseline of 1 init). The demo archive is one year, so beyond 365 inits the init days
repeat (never within a block: the work per init is unchanged). Two ways are compared:

* ``streamed``: :func:`idff_ts.hindcast.hindcast` with ``--block-inits`` (default 4) inits per
  block, each block written into its init region of one Zarr store, converted one init at a
  time into the netCDF output (``--format zarr``: the store is the output);
* ``whole``: one :func:`idff_ts.forecast` call over all inits, written with
  :func:`idff_ts.io.write_dataset` (how a hindcast was run before).

Tiles per second = inits × boxes × members × days / sampling-and-writing wall time (after
imports, model loading and one warm-up forecast of one init, whose time ``warmup_s`` is
reported apart: torch's first call builds its kernels, a fixed cost of every run). Runs of up
to ``--repeat-up-to`` inits are repeated ``--repeats`` times (the machine is shared: the table
gives the median and the range); peak RSS is the largest of the repeats. Targets: peak memory
within 20 % over 1-1000 inits and tiles/s within 20 % over 10-1000 inits, for the streamed way.
``--previous`` puts the rows of an earlier result file beside the new ones; ``--block-sweep``
adds streamed runs of ``--sweep-inits`` inits with other block sizes (the cost of a block's fixed
work: encode, decode, region write, against rows per network call).

    python benchmarks/hindcast_scaling.py                 # → results/hindcast_scaling.{json,md}
    python benchmarks/hindcast_scaling.py --inits 1 10    # quick
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _provenance import RESULTS, provenance

CHILD = """
import json, logging, sys, time
import xarray as xr
import idff_ts
from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint
from idff_ts.hindcast import hindcast
from idff_ts.io import write_dataset
from idff_ts.training.checkpoint import load_checkpoint
mode, n, block, members, nfe, days, out = sys.argv[1:8]
n, block, members, nfe, days = int(n), int(block), int(members), int(nfe), int(days)
ds = xr.open_dataset(demo_archive_files()[0])
model = load_checkpoint(demo_checkpoint())
times = ds["time"].values
# one demo year: beyond it the days repeat (never inside a block; the work is the same)
inits = [times[i % (times.size - days)] for i in range(n)]
kw = dict(members=members, nfe=nfe, days=days, device="cpu")
timings = {"block": [], "finish": []}


class Timings(logging.Handler):  # the hindcast's log: each block's time, the output's time
    def emit(self, record):
        if record.msg.startswith(("block", "wrote")):
            timings["block" if record.msg.startswith("block") else "finish"].append(record.args[-1])


logging.getLogger("idff_ts.hindcast").addHandler(Timings())
logging.getLogger("idff_ts.hindcast").setLevel(logging.INFO)
t0 = time.perf_counter()
idff_ts.forecast(ds, model, init=inits[:1], **kw)  # warm-up: torch builds its kernels
warmup = time.perf_counter() - t0
t0 = time.perf_counter()
if mode == "streamed":
    hindcast(ds, model, out, init=inits, block_inits=block, **kw)
else:
    write_dataset(idff_ts.forecast(ds, model, init=inits, **kw), out)
wall = time.perf_counter() - t0
b = timings["block"]
q = [sum(p) / len(p) for p in (b[k * len(b) // 4 : (k + 1) * len(b) // 4] for k in range(4)) if p]
print(json.dumps({"inits": len(inits), "wall_s": wall, "warmup_s": warmup,
                  "finish_s": sum(timings["finish"]), "block_s_by_quarter": q}))
"""


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def run_once(mode: str, n: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """One run in its own process: wall, warm-up, peak RSS, output size, 1-min load."""
    suffix = ".zarr" if mode == "streamed" and args.format == "zarr" else ".nc"
    out = tmp / f"{mode}-{n}{suffix}"
    cmd = [sys.executable, "-c", CHILD, mode, str(n), str(args.block_inits), str(args.members),
           str(args.nfe), str(args.days), str(out)]
    log = tmp / "child.log"
    with open(log, "w") as err, tempfile.TemporaryFile("w+") as so:
        proc = subprocess.Popen(cmd, stdout=so, stderr=err, env={**os.environ,
                                "OMP_WAIT_POLICY": "PASSIVE", "PYTHONWARNINGS": "ignore"})
        _, status, usage = os.wait4(proc.pid, 0)
        so.seek(0)
        text = so.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(log.read_text()[-2000:])
    res = json.loads(text.strip().splitlines()[-1])
    size = _size_mb(out)
    shutil.rmtree(out) if out.is_dir() else out.unlink()
    return {**res, "peak_rss_mb": usage.ru_maxrss / 1024, "output_mb": size,
            "load_1min": os.getloadavg()[0]}


def run(mode: str, n: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """A table row: the median of ``--repeats`` runs for small sizes, else one run."""
    repeats = args.repeats if n <= args.repeat_up_to else 1
    runs = [run_once(mode, n, args, tmp) for _ in range(repeats)]
    tiles = runs[0]["inits"] * 2 * args.members * args.days
    rates = sorted(tiles / r["wall_s"] for r in runs)
    row = {"mode": mode, "inits": runs[0]["inits"], "runs": len(runs),
           "wall_s": round(statistics.median(r["wall_s"] for r in runs), 2),
           "warmup_s": round(statistics.median(r["warmup_s"] for r in runs), 2),
           "tiles_per_s": round(statistics.median(rates), 2),
           "tiles_per_s_range": [round(rates[0], 2), round(rates[-1], 2)],
           "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
           "output_mb": round(runs[0]["output_mb"], 2),
           "finish_s": round(statistics.median(r.get("finish_s", 0.0) for r in runs), 2),
           "block_s_by_quarter": [round(statistics.median(q), 3) for q in
                                  zip(*(r["block_s_by_quarter"] for r in runs), strict=False)],
           "load_1min": [round(r["load_1min"], 1) for r in runs]}
    print(row, flush=True)
    return row


def marginal_rates(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, float]:
    """Tiles/s between consecutive sizes: what one more init costs, per-run setup aside."""
    out = {}
    for a, b in zip(rows, rows[1:], strict=False):
        if b["wall_s"] > a["wall_s"]:
            tiles = (b["inits"] - a["inits"]) * 2 * args.members * args.days
            out[f"{a['inits']}->{b['inits']}"] = round(tiles / (b["wall_s"] - a["wall_s"]), 2)
    return out


def spread(rows: list[dict[str, Any]], key: str, lo: int) -> float | None:
    vals = [r[key] for r in rows if r["inits"] >= lo]
    return round(max(vals) / min(vals) - 1, 3) if len(vals) > 1 else None


def _cells(r: dict[str, Any] | None) -> str:
    if r is None:
        return "| | | | "
    rng = r.get("tiles_per_s_range")
    rate = f"{r['tiles_per_s']}" + (f" ({rng[0]}-{rng[1]})" if rng and r.get("runs", 1) > 1 else "")
    load = r["load_1min"] if isinstance(r["load_1min"], list) else [r["load_1min"]]
    return f"| {r['wall_s']} | {rate} | {r['peak_rss_mb']} | {', '.join(f'{x:.1f}' for x in load)} "


def markdown(res: dict[str, Any]) -> str:
    prev = {(r["mode"], r["inits"]): r for r in res.get("previous", {}).get("rows", [])}
    lines = ["# Hindcast scaling: peak memory and tiles/s against the number of inits", "",
             f"Demo SST model (synthetic demo data), 2 boxes, {res['members']} members, NFE "
             f"{res['nfe']}, {res['days']} day(s); streamed blocks of {res['block_inits']} inits "
             f"to {res['format']}. Machine: {res['provenance']['machine']}, shared with other "
             "jobs (1-min load in the table). Tiles/s: median over the runs (range).", "",
             "| mode | inits | before: wall s | tiles/s | peak RSS MB | load "
             "| now: wall s | tiles/s | peak RSS MB | load | warm-up s | output MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in res["rows"]:
        lines.append(f"| {r['mode']} | {r['inits']} {_cells(prev.get((r['mode'], r['inits'])))}"
                     f"{_cells(r)}| {r['warmup_s']} | {r['output_mb']} |")
    for mode, s in res["spreads"].items():
        if s["peak_rss"] is None and s["tiles_per_s"] is None:  # a mode that did not run
            continue
        lines.append(f"\n{mode} (now): peak RSS max/min - 1 = {s['peak_rss']} (target <= 0.2); "
                     f"tiles/s max/min - 1 from 10 inits = {s['tiles_per_s']} (target <= 0.2)")
    marginal = res.get("marginal_tiles_per_s", {})
    if marginal:
        lines.append("\nstreamed (now), marginal tiles/s (extra tiles / extra wall between two "
                     "sizes, fixed per-run costs removed): "
                     + ", ".join(f"{k}: {v}" for k, v in marginal.items()))
    quarters = [r for r in res["rows"] if r["mode"] == "streamed" and r.get("block_s_by_quarter")]
    if quarters:
        lines += ["", "Streamed, inside the run (medians over the runs): mean seconds per block in "
                  "each quarter of the blocks (does a block cost more late in a long run?), and the "
                  "time to write the output once all blocks are done (layout attrs, netCDF "
                  "conversion):", "", "| inits | blocks | s/block by quarter | output written in s |",
                  "|---|---|---|---|"]
        lines += [f"| {r['inits']} | {-(-r['inits'] // res['block_inits'])} | "
                  f"{' / '.join(str(x) for x in r['block_s_by_quarter'])} | {r['finish_s']} |"
                  for r in quarters]
    if res.get("block_sweep"):
        lines += ["", "Block size (streamed, median of the runs): " + ", ".join(
            f"{r['block_inits']} inits/block: {r['tiles_per_s']} tiles/s "
            f"({r['tiles_per_s_range'][0]}-{r['tiles_per_s_range'][1]})"
            for r in res["block_sweep"]) + f" ({res['block_sweep'][0]['inits']} inits)."]
    if prev:
        p = res["previous"]["provenance"]
        lines.append(f"\nbefore: {p.get('git_sha')} at {p.get('timestamp')}; now: "
                     f"{res['provenance']['git_sha']} at {res['provenance']['timestamp']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inits", type=int, nargs="+", default=[1, 10, 100, 1000])
    ap.add_argument("--whole-up-to", type=int, default=100)
    ap.add_argument("--block-inits", type=int, default=4)
    ap.add_argument("--members", type=int, default=2)
    ap.add_argument("--nfe", type=int, default=1)
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--format", choices=["nc", "zarr"], default="nc")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--repeat-up-to", type=int, default=100)
    ap.add_argument("--previous", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--name", default="hindcast_scaling",
                    help="result file names: NAME.json and NAME.md in --out")
    ap.add_argument("--block-sweep", type=int, nargs="*", default=[],
                    help="also stream --sweep-inits inits with each of these block sizes")
    ap.add_argument("--sweep-inits", type=int, default=96)
    ap.add_argument("--from-json", type=Path, default=None,
                    help="rewrite the markdown (and marginal rates) of a result file; no runs")
    args = ap.parse_args(argv)
    if args.from_json is not None:
        res = json.loads(args.from_json.read_text())
        ns = argparse.Namespace(members=res["members"], days=res["days"])
        res["marginal_tiles_per_s"] = marginal_rates(
            [r for r in res["rows"] if r["mode"] == "streamed"], ns)
        return _write(res, args.out, args.name)
    previous = json.loads(args.previous.read_text()) if args.previous else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.inits:
            rows.append(run("streamed", n, args, Path(tmp)))
            if n <= args.whole_up_to:
                rows.append(run("whole", n, args, Path(tmp)))
        sweep = [{**run("streamed", args.sweep_inits, argparse.Namespace(
            **{**vars(args), "block_inits": b}), Path(tmp)), "block_inits": b}
            for b in args.block_sweep]
    spreads = {m: {"peak_rss": spread([r for r in rows if r["mode"] == m], "peak_rss_mb", 1),
                   "tiles_per_s": spread([r for r in rows if r["mode"] == m], "tiles_per_s", 10)}
               for m in ("streamed", "whole")}
    res = {"provenance": provenance(benchmark="hindcast_scaling"), "rows": rows,
           "marginal_tiles_per_s": marginal_rates([r for r in rows if r["mode"] == "streamed"],
                                                  args),
           "spreads": spreads, **{k: getattr(args, k) for k in
                                  ("block_inits", "members", "nfe", "days", "format")}}
    if sweep:
        res["block_sweep"] = sweep
    if previous:
        res["previous"] = {k: previous[k] for k in ("provenance", "rows") if k in previous}
    return _write(res, args.out, args.name)


def _write(res: dict[str, Any], out: Path, name: str) -> int:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(res, indent=1) + "\n")
    (out / f"{name}.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
