"""Throughput and peak memory of ``prepare_archive`` versus the length of the OISST archive.

A synthetic PSL-layout archive (``idff_ts.domains.sst.synthetic``, SYNTHETIC DEMO DATA, not NOAA
OISST) of the longest length asked for is generated once into a temporary folder, one
``sst.day.mean.YYYY.nc`` per year; the archive of ``n`` years is its first ``n`` files (nested
prefixes, so the inputs differ only in length). Each ``prepare_archive`` run happens in a fresh
Python process, which reports

- ``prepare_s``: the wall time of the ``prepare_archive`` call alone (imports excluded);
- ``cpu_s``: the CPU time (user + system, all threads) of that call, which depends much less
  than wall time on other load of a shared machine;
- ``rss_before_mb``: its resident memory after the imports, just before the call (``VmRSS``);
- ``peak_rss_mb``: its peak resident memory over the whole process (``VmHWM`` from
  ``/proc/self/status`` read after the call; ``ru_maxrss`` where /proc is unavailable).

Tiles per second are ``days × boxes / prepare_s`` (and per CPU second ``/ cpu_s``); the run
with the shortest wall time of ``--repeats`` is reported. Every day of every archive is a training day
(``train`` = the archive's full span), so the day-of-year sums are updated on every day: the
worst case for time. Memory is "flat" when the peak at the longest archive is within 25 % of
the peak at the shortest.

Usage::

    python benchmarks/sst_prepare_perf.py                 # ETP region, 1/2/4/8 years (~3 min)
    python benchmarks/sst_prepare_perf.py --quick         # one box, 1 and 2 years, temp output
    python benchmarks/sst_prepare_perf.py --years 1,2,4,8,16 --repeats 3 --out DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _sst_prepare_perf_report import FIRST_YEAR, FLAT_RATIO, markdown

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NAME = "sst_prepare_perf"


# --------------------------------------------------------------------------- child process


def _proc_status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return None


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one ``prepare_archive`` in this (fresh) process and measure it."""
    from idff_ts.domains.sst.prepare import prepare_archive

    before = _proc_status_mb("VmRSS")
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    out = prepare_archive(
        spec["inputs"], spec["output"], boxes=spec["boxes"], train=tuple(spec["train"]),
        progress=False, overwrite=True,
    )
    wall = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    peak = _proc_status_mb("VmHWM")
    if peak is None:  # no /proc: ru_maxrss is kB on Linux, bytes on macOS
        scale = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    import xarray as xr

    with xr.open_zarr(out) as ds:
        days, boxes = int(ds.sizes["time"]), int(ds.sizes["box"])
    size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    return {"prepare_s": wall, "cpu_s": cpu, "rss_before_mb": before, "peak_rss_mb": peak, "days": days,
            "boxes": boxes, "output_bytes": size}


# --------------------------------------------------------------------------- provenance


def git_state() -> tuple[str, bool | None]:
    """HEAD's sha (or "uncommitted") and whether tracked files have uncommitted changes."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return sha, bool(status.strip())
    except (OSError, subprocess.CalledProcessError):
        return "uncommitted", None


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 - provenance must not fail the benchmark
        return "n/a"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def provenance(args: argparse.Namespace, region: tuple[float, ...]) -> dict[str, Any]:
    import idff_ts

    sha, dirty = git_state()
    return {
        "command": " ".join(["python", "benchmarks/sst_prepare_perf.py", *sys.argv[1:]]),
        "git_sha": sha,
        "git_dirty": dirty,
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seed": args.seed,
        "region": list(region),
        "data": "SYNTHETIC DEMO DATA (idff_ts.domains.sst.synthetic, PSL layout), not NOAA OISST",
        "versions": {
            "idff_ts": idff_ts.__version__, "python": platform.python_version(),
            **{m: _version(m) for m in ("numpy", "pandas", "xarray", "zarr", "netCDF4", "dask")},
        },
        "machine": {
            "platform": platform.platform(), "cpu": _cpu_model(), "cpus": os.cpu_count(),
            "mem_total_gb": _mem_total_gb(),
            "load_average_1min_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        },
    }


# --------------------------------------------------------------------------- driver


def _region(text: str) -> tuple[tuple[float, float, float, float], str]:
    """``etp`` → (ETP region, "etp"); a box index → (that box, "N")."""
    from idff_ts.domains.sst.dyffusion import box_bounds
    from idff_ts.domains.sst.synthetic import ETP_REGION

    if text == "etp":
        return ETP_REGION, "etp"
    b = box_bounds(int(text))
    return (b.lat_min, b.lat_max, b.lon_min, b.lon_max), str(b.index)


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - start
    # cross-check: the largest ru_maxrss of any child so far (cumulative, so only a bound)
    out["ru_maxrss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Memory ratios and a linear fit ``cpu_s = fixed + days · per_day`` (the marginal rate)."""
    import numpy as np

    first, last = rows[0], rows[-1]
    ratio = last["peak_rss_mb"] / first["peak_rss_mb"]
    delta_first = first["peak_rss_mb"] - first["rss_before_mb"]
    delta_last = last["peak_rss_mb"] - last["rss_before_mb"]
    out: dict[str, Any] = {
        "peak_rss_ratio_longest_vs_shortest": ratio,
        "peak_rss_ratio_longest_vs_second": (
            last["peak_rss_mb"] / rows[1]["peak_rss_mb"] if len(rows) > 2 else None
        ),
        "prepare_rss_growth_ratio": delta_last / delta_first if delta_first > 0 else None,
        "memory_flat": bool(ratio <= FLAT_RATIO),
        "flat_threshold": FLAT_RATIO,
        "years": [first["years"], last["years"]],
    }
    if len(rows) > 1:
        days = np.array([r["days"] for r in rows], float)
        per_day, fixed = np.polyfit(days, [r["cpu_s"] for r in rows], 1)
        out["cpu_fixed_s"] = float(fixed)
        out["marginal_tiles_per_cpu_s"] = float(last["boxes"] / per_day) if per_day > 0 else None
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--years", default="1,2,4,8", help="archive lengths in years (ascending)")
    ap.add_argument("--region", default="etp", help="etp or one box index (e.g. 89)")
    ap.add_argument("--repeats", type=int, default=3, help="prepare runs per archive length")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help=f"default: {RESULTS}")
    ap.add_argument("--quick", action="store_true", help="one box, 1 and 2 years, temp output")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    if args.quick:
        args.years, args.region, args.repeats = "1,2", "89", 1
        args.out = args.out or Path(tempfile.mkdtemp(prefix=f"{NAME}-"))
    out_dir = args.out or RESULTS
    years = sorted({int(y) for y in args.years.split(",")})
    region, boxes = _region(args.region)

    from idff_ts.domains.sst.synthetic import write_synthetic_archive

    prov = provenance(args, region)  # timestamp and load average at the start
    work = Path(tempfile.mkdtemp(prefix=f"{NAME}-"))
    try:
        t0 = time.perf_counter()
        files = write_synthetic_archive(work / "archive", f"{FIRST_YEAR}-01-01",
                                        f"{FIRST_YEAR + years[-1] - 1}-12-31", region=region,
                                        seed=args.seed)
        generate_s = time.perf_counter() - t0
        print(f"generated {len(files)} synthetic year(s) in {generate_s:.1f} s", flush=True)
        # one discarded run first: warms the page cache and the interpreter's bytecode caches
        run_child({"inputs": [str(files[0])], "output": str(work / "warmup.zarr"),
                   "boxes": boxes, "train": [str(FIRST_YEAR), str(FIRST_YEAR)]})
        shutil.rmtree(work / "warmup.zarr", ignore_errors=True)
        rows = []
        for n in years:
            spec = {"inputs": [str(p) for p in files[:n]], "output": str(work / f"{n}y.zarr"),
                    "boxes": boxes, "train": [str(FIRST_YEAR), str(FIRST_YEAR + n - 1)]}
            runs = [run_child(spec) for _ in range(args.repeats)]
            best = min(runs, key=lambda r: r["prepare_s"])
            row = {"years": n, **best,
                   "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                   "prepare_s_all": [r["prepare_s"] for r in runs],
                   "peak_rss_mb_all": [r["peak_rss_mb"] for r in runs],
                   "input_bytes": sum(p.stat().st_size for p in files[:n])}
            row["tiles"] = row["days"] * row["boxes"]
            row["tiles_per_s"] = row["tiles"] / row["prepare_s"]
            row["tiles_per_cpu_s"] = row["tiles"] / row["cpu_s"]
            rows.append(row)
            print(f"{n:>3} y: {row['tiles']:>6} tiles in {row['prepare_s']:6.2f} s = "
                  f"{row['tiles_per_s']:6.0f} tiles/s, peak RSS {row['peak_rss_mb']:.0f} MB",
                  flush=True)
            shutil.rmtree(spec["output"], ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {"provenance": prov, "boxes": boxes, "years": years,
              "repeats": args.repeats, "generate_s": generate_s, "rows": rows,
              "summary": summarise(rows)}
    result["provenance"]["machine"]["load_average_1min_end"] = os.getloadavg()[0]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{NAME}.json").write_text(json.dumps(result, indent=1) + "\n")
    (out_dir / f"{NAME}.md").write_text(markdown(result))
    print(f"wrote {out_dir / (NAME + '.json')} and {out_dir / (NAME + '.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
