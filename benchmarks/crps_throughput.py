"""Throughput of ``idff_ts.metrics.crps_ensemble`` against ``properscoring.crps_ensemble``.

Both compute the ecdf CRPS on the same random arrays (members ~ N(0, 1), truth ~ N(0, 1),
float64, a fixed seed). properscoring uses its numba gufunc when numba is importable (recorded
as ``properscoring_backend``), otherwise its O(M²) numpy fallback. For every ensemble size we
report the median wall time over ``--repeats`` runs (after one warm-up run), the ratio
ours / properscoring and the largest absolute difference between the two results. Our fair
and circular variants are timed too (no reference to compare with).

Usage::

    python benchmarks/crps_throughput.py            # full run, writes benchmarks/results/
    python benchmarks/crps_throughput.py --quick    # tiny CI-sized run, writes to a temp dir
    python benchmarks/crps_throughput.py --out DIR  # choose where crps_throughput.{json,md} go
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import properscoring

from idff_ts.metrics.crps import crps_ensemble

LOG = logging.getLogger("crps_throughput")
FULL_CASES = [(10, 1_000_000), (20, 1_000_000), (50, 400_000), (100, 200_000)]
QUICK_CASES = [(10, 2_000), (50, 1_000)]


def git_state() -> tuple[str, bool | None]:
    """HEAD's sha (or "uncommitted") and whether the working tree has changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return sha, bool(status.strip())
    except (OSError, subprocess.CalledProcessError):
        return "uncommitted", None


def properscoring_backend() -> str:
    """ "numba" when properscoring dispatches to its numba gufunc, else "numpy"."""
    from properscoring import _crps

    try:
        from properscoring._gufuncs import _crps_ensemble_gufunc
    except ImportError:
        return "numpy"
    return "numba" if _crps._crps_ensemble_core is _crps_ensemble_gufunc else "numpy"


def median_time(fn: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    """Median wall time of ``fn`` over ``repeats`` runs after one warm-up; its last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def run(cases: list[tuple[int, int]], repeats: int, seed: int) -> list[dict[str, object]]:
    rows = []
    for n_members, n_points in cases:
        rng = np.random.default_rng([seed, n_members])
        x = rng.normal(size=(n_points, n_members))
        y = rng.normal(size=n_points)
        t_ours, ours = median_time(lambda x=x, y=y: crps_ensemble(x, y), repeats)
        t_ref, ref = median_time(lambda x=x, y=y: properscoring.crps_ensemble(y, x), repeats)
        t_fair, _ = median_time(lambda x=x, y=y: crps_ensemble(x, y, estimator="fair"), repeats)
        angles, truth_angles = 180.0 * x, 180.0 * y
        t_circ, _ = median_time(
            lambda a=angles, b=truth_angles: crps_ensemble(a, b, distance="circular"), repeats
        )
        row = {
            "n_members": n_members,
            "n_points": n_points,
            "ours_ecdf_s": t_ours,
            "properscoring_s": t_ref,
            "ratio_ours_over_properscoring": t_ours / t_ref,
            "max_abs_diff": float(np.max(np.abs(ours - ref))),
            "ours_points_per_s": n_points / t_ours,
            "ours_fair_s": t_fair,
            "ours_circular_s": t_circ,
        }
        LOG.info(
            "M=%4d N=%8d  ours %.4fs  properscoring %.4fs  ratio %.2f  max|diff| %.1e  "
            "fair %.4fs  circular %.4fs",
            n_members,
            n_points,
            t_ours,
            t_ref,
            row["ratio_ours_over_properscoring"],
            row["max_abs_diff"],
            t_fair,
            t_circ,
        )
        rows.append(row)
    return rows


def provenance(seed: int, repeats: int, quick: bool) -> dict[str, object]:
    import numba

    sha, dirty = git_state()
    return {
        "git_sha": sha,
        "git_dirty": dirty,
        "timestamp_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "repeats": repeats,
        "quick": quick,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "properscoring": getattr(properscoring, "__version__", "unknown"),
        "properscoring_backend": properscoring_backend(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "dtype": "float64",
        "data": "members and truth i.i.d. N(0, 1); circular case uses 180·x degrees",
        "timing": "median wall time over `repeats` runs after one warm-up run",
    }


def markdown(result: dict[str, object]) -> str:
    prov = result["provenance"]
    lines = [
        "# CRPS throughput: idff_ts vs properscoring",
        "",
        f"`python benchmarks/crps_throughput.py` at git `{prov['git_sha']}` "
        f"(dirty: {prov['git_dirty']}), {prov['timestamp_utc']}, seed {prov['seed']}, "
        f"median of {prov['repeats']} runs. {prov['platform']}, {prov['cpu_count']} CPUs; "
        f"numpy {prov['numpy']}, numba {prov['numba']}, properscoring "
        f"{prov['properscoring']} (backend: {prov['properscoring_backend']}).",
        "",
        "| M | N points | ours ecdf (s) | properscoring (s) | ours / properscoring | "
        "max abs diff | ours fair (s) | ours circular (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["cases"]:
        lines.append(
            f"| {r['n_members']} | {r['n_points']:,} | {r['ours_ecdf_s']:.4f} | "
            f"{r['properscoring_s']:.4f} | {r['ratio_ours_over_properscoring']:.2f} | "
            f"{r['max_abs_diff']:.1e} | {r['ours_fair_s']:.4f} | {r['ours_circular_s']:.4f} |"
        )
    lines += [
        "",
        "Ratio < 1 means ours is faster. Both are O(M log M) per point (sorting); ours is "
        "vectorised numpy, properscoring's is a numba gufunc. Single-process timings on a small "
        "shared machine: differences of ±20 % between runs are noise.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes for CI")
    parser.add_argument("--out", type=Path, default=None, help="output directory")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20240917)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    repeats = args.repeats or (2 if args.quick else 5)
    cases = QUICK_CASES if args.quick else FULL_CASES
    if args.out is not None:
        out_dir = args.out
    elif args.quick:
        out_dir = Path(tempfile.mkdtemp(prefix="crps_throughput_"))
    else:
        out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    result = {
        "benchmark": "crps_throughput",
        "provenance": provenance(args.seed, repeats, args.quick),
        "cases": run(cases, repeats, args.seed),
    }
    result["provenance"]["total_wall_s"] = round(time.perf_counter() - start, 2)
    (out_dir / "crps_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / "crps_throughput.md").write_text(markdown(result))
    LOG.info("wrote %s", out_dir / "crps_throughput.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
