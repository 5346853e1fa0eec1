"""The whole ``idff-ts forecast --days 7 --members 20`` command: wall time, import time, memory.

Measures what a user waits for, interpreter start and imports included, for the working tree
and for an earlier commit (``--before REF``, default: the commit before issue 15's output work),
so that a change's effect on the command is measured, not assumed. Each version's source is
exported with ``git archive`` into a temporary folder and run with ``PYTHONPATH`` pointing at
it (the installed environment is shared). Runs alternate between the versions so that the
shared machine's load affects both alike; the 1-min load average is recorded.

Per run: wall time; peak RSS of the child (``ru_maxrss``); with ``python -X importtime``, the
cumulative import time of the top-level packages (torch, matplotlib, netCDF4, dask, scipy,
xarray, pandas, lightning) and of all imports together, and which of them are imported at all;
the output file's size.

    python benchmarks/forecast_command_perf.py --repeats 3   # → results/forecast_command_perf.*
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from _provenance import REPO, RESULTS, provenance

DEFAULT_BEFORE = "19dfaef"  # main just before issue 15's changes to output and imports
PACKAGES = ("torch", "matplotlib", "netCDF4", "dask", "scipy", "xarray", "pandas", "lightning",
            "zarr", "rich", "typer")
COMMAND = ["forecast", "--days", "7", "--members", "20", "-q"]


def export(ref: str, into: Path) -> Path:
    """The tracked files of ``ref`` (``git archive``) under ``into``."""
    archive = into / "src.tar"
    subprocess.run(["git", "archive", "-o", str(archive), ref], cwd=REPO, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "src", filter="data")
    return into / "src"


def parse_importtime(stderr: str) -> dict[str, Any]:
    """Cumulative seconds of each top-level package and of all top-level imports."""
    cumulative: dict[str, float] = {}
    total = 0.0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _self_us, cum_us, name = line.split(":", 1)[1].split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        name = name.strip()
        if depth == 0:
            total += int(cum_us) / 1e6
        top = name.split(".")[0]
        cumulative[top] = max(cumulative.get(top, 0.0), int(cum_us) / 1e6)
    return {"imports_s": round(total, 3),
            "package_s": {p: round(cumulative[p], 3) for p in PACKAGES if p in cumulative},
            "not_imported": [p for p in PACKAGES if p not in cumulative]}


def run_once(src: Path, out: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_WAIT_POLICY": "PASSIVE"}
    log = out.with_suffix(".log")
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "idff_ts.cli",
                                 *COMMAND, "-o", str(out)], env=env, stderr=err,
                                stdout=subprocess.DEVNULL, cwd=src)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = log.read_text()
    if proc.returncode != 0:
        raise RuntimeError(stderr[-2000:])
    return {"wall_s": round(wall, 3), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "output_mb": round(out.stat().st_size / 1e6, 3),
            "load_1min": round(os.getloadavg()[0], 2), **parse_importtime(stderr)}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    med = statistics.median
    return {"runs": len(runs), "wall_s_median": round(med(r["wall_s"] for r in runs), 2),
            "imports_s_median": round(med(r["imports_s"] for r in runs), 2),
            "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs),
            "output_mb": runs[-1]["output_mb"],
            "package_s_median": {p: round(med(r["package_s"].get(p, 0.0) for r in runs), 3)
                                 for p in PACKAGES},
            "not_imported": runs[-1]["not_imported"]}


def markdown(res: dict[str, Any]) -> str:
    b, a = res["before"]["summary"], res["after"]["summary"]
    rows = [f"| {k} | {b[k]} | {a[k]} |" for k in
            ("wall_s_median", "imports_s_median", "peak_rss_mb_max", "output_mb")]
    rows += [f"| import {p} (s) | {b['package_s_median'][p]} | {a['package_s_median'][p]} |"
             for p in PACKAGES]
    rows.append(f"| not imported | {', '.join(b['not_imported'])} | "
                f"{', '.join(a['not_imported'])} |")
    p = res["provenance"]
    return "\n".join([
        "# `idff-ts forecast --days 7 --members 20`: the whole command", "",
        f"Before = `{res['before']['ref']}`, after = the working tree at `{p['git_sha']}`; "
        f"{b['runs']} alternating runs each, medians; machine {p['machine']}, shared "
        f"(1-min load {min(r['load_1min'] for r in res['after']['runs'])}-"
        f"{max(r['load_1min'] for r in res['after']['runs'])} during the runs). "
        "Import times are `python -X importtime` cumulative times (inflated by the importtime "
        "bookkeeping and by the machine's load; compare columns, not absolute values).", "",
        "| | before | after |", "|---|---|---|", *rows, ""])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=DEFAULT_BEFORE)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "before").mkdir()
        sources = {"before": export(args.before, tmp / "before"), "after": REPO}
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for i in range(args.repeats):
            for label, src in sources.items():
                runs[label].append(run_once(src, tmp / f"{label}{i}.nc"))
                print(label, runs[label][-1], flush=True)
    res = {"provenance": provenance(benchmark="forecast_command_perf", command=COMMAND),
           "before": {"ref": args.before, "runs": runs["before"],
                      "summary": summarise(runs["before"])},
           "after": {"ref": "working tree", "runs": runs["after"],
                     "summary": summarise(runs["after"])}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "forecast_command_perf.json").write_text(json.dumps(res, indent=1) + "\n")
    (args.out / "forecast_command_perf.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
