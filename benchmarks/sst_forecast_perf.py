"""Wall time of the demo SST forecast and the share of it spent inside network calls.

The job measured is the product's headline command, ``idff-ts forecast --days 7 --members 20``
on the bundled demo (SYNTHETIC DEMO DATA, not NOAA OISST): 1 init (the latest day), 2 boxes,
7 daily slots, 20 members, the checkpoint's sampler NFE.

1. **In process** (imports excluded), the same steps as the CLI, each timed: load the
   checkpoint, open the bundled archive, ``forecast_sst`` (itself split into cutting tiles,
   climatology look-ups for standardisation and back, ``Forecaster.predict`` → the sampler, and
   the rest: reading the input window, reshapes, building the CF Dataset), writing the netCDF,
   the quick-look PNG and the summary table. Network calls are timed by forward pre/post hooks
   on the backbone (``model.method.backbone``): their count and their summed wall time. The
   **share** is network time / sampling wall time (``EnsembleResult.wall_s``: the rollout
   alone); the shares of the whole in-process job and of the subprocess are given too.
2. **Subprocess**: ``idff-ts forecast --days 7 --members 20 -o TMP/forecast.nc`` as a user runs
   it, imports included, and ``python -c "import idff_ts.cli"`` for the import cost alone.

Each is repeated ``--repeats`` times (the first in-process run warms caches and is reported
separately, not in the median). The machine is a shared 2-core CPU: other jobs' load is recorded
(1-min load average before and after); medians are reported and every run is kept.

    python benchmarks/sst_forecast_perf.py --quick   # one repeat, temporary folder
    python benchmarks/sst_forecast_perf.py           # → benchmarks/results/sst_forecast_perf.*
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _provenance import REPO, RESULTS, provenance
from _sst_forecast_perf_report import DAYS, MEMBERS, SEED, _med, markdown


class Timers:
    """Named accumulating wall-clock timers and call counts."""

    def __init__(self) -> None:
        self.s: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.n: dict[str, int] = {}

    def add(self, name: str, dt: float, dcpu: float) -> None:
        self.s[name] = self.s.get(name, 0.0) + dt
        self.cpu[name] = self.cpu.get(name, 0.0) + dcpu
        self.n[name] = self.n.get(name, 0) + 1

    @contextlib.contextmanager
    def time(self, name: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0, time.process_time() - c0)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*a: Any, **k: Any) -> Any:
            with self.time(name):
                return fn(*a, **k)

        return inner


def hook_backbone(module: Any, timers: Timers) -> list[Any]:
    """Forward pre/post hooks timing every call of ``module`` (CPU: synchronous)."""
    start: list[tuple[float, float]] = []

    def pre(_m: Any, _inp: Any) -> None:
        start.append((time.perf_counter(), time.process_time()))

    def post(_m: Any, _inp: Any, _out: Any) -> None:
        t0, c0 = start.pop()
        timers.add("network", time.perf_counter() - t0, time.process_time() - c0)

    return [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]


def in_process_once(out_dir: Path) -> dict[str, Any]:
    """One demo forecast, every step timed (module docstring)."""
    import idff_ts.domains.sst.encode as sst_encode
    import idff_ts.domains.sst.forecast as sst_forecast
    import idff_ts.model as idff_model
    from idff_ts.domains.sst.climatology import HarmonicClimatology
    from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint
    from idff_ts.domains.sst.quicklook import quicklook_png, summary_table
    from idff_ts.domains.sst.tiles import open_sst_source
    from idff_ts.io import write_dataset
    from idff_ts.model import Forecaster
    from idff_ts.training.checkpoint import load_checkpoint

    t = Timers()
    patches = [
        (sst_encode, "as_tiles", sst_encode.as_tiles, "forecast_sst: cut tiles"),
        (HarmonicClimatology, "at_dates", HarmonicClimatology.at_dates,
         "forecast_sst: climatology (standardise + back)"),
        (Forecaster, "predict", Forecaster.predict, "forecast_sst: predict"),
        (idff_model, "forecast_ensemble", idff_model.forecast_ensemble, "sampling"),
    ]
    for owner, attr, fn, name in patches:
        setattr(owner, attr, t.wrap(name, fn))
    try:
        t_total0, c_total0 = time.perf_counter(), time.process_time()
        with t.time("load checkpoint"):
            model = load_checkpoint(demo_checkpoint())
        handles = hook_backbone(model.method.backbone, t)
        with t.time("open archive (lazy)"):
            da = open_sst_source(demo_archive_files(), var="sst")
        with t.time("forecast_sst"):
            ds = sst_forecast.forecast_sst(da, model, days=DAYS, members=MEMBERS, seed=SEED,
                                           device="cpu")
        for h in handles:
            h.remove()
        out = out_dir / "forecast.nc"
        with t.time("write netCDF"):
            write_dataset(ds, out)
        with t.time("quick-look PNG"):
            quicklook_png(ds, out.with_suffix(".png"))
        with t.time("summary table"):
            summary_table(ds)
        total, cpu_total = time.perf_counter() - t_total0, time.process_time() - c_total0
    finally:
        for owner, attr, fn, _ in patches:
            setattr(owner, attr, fn)
    sampling_reported = float(ds.attrs["wall_time_s"])

    def breakdown(d: dict[str, float], total: float) -> dict[str, float]:
        sampling, net = d["sampling"], d.get("network", 0.0)
        steps = {k: v for k, v in d.items() if k not in ("network", "sampling")}
        steps["forecast_sst: predict: sampling (rollout)"] = sampling
        steps["forecast_sst: predict: sampling: network calls"] = net
        steps["forecast_sst: predict: sampling: outside network calls"] = sampling - net
        steps["forecast_sst: predict: outside sampling (standardise, copies)"] = (
            d["forecast_sst: predict"] - sampling)
        steps["forecast_sst: rest (read input window, reshapes, CF Dataset)"] = (
            d["forecast_sst"] - d["forecast_sst: predict"] - d["forecast_sst: cut tiles"]
            - d["forecast_sst: climatology (standardise + back)"])
        steps["total"] = total
        return steps

    wall = breakdown(t.s, total)
    cpu = breakdown(t.cpu, cpu_total)
    sampling, net = wall["forecast_sst: predict: sampling (rollout)"], t.s.get("network", 0.0)
    return {
        "total_s": total,
        "sampling_s": sampling,
        "network_s": net,
        "network_calls_hooked": t.n.get("network", 0),
        "network_calls_reported": int(ds.attrs["network_calls"]),
        "nfe_counted_per_slot": int(ds.attrs["nfe_counted"]),
        "sampling_s_reported_by_sampler": sampling_reported,
        "share_of_sampling": net / sampling,
        "share_of_total": net / total,
        "cpu_share_of_sampling": cpu["forecast_sst: predict: sampling: network calls"]
        / cpu["forecast_sst: predict: sampling (rollout)"],
        "cpu_share_of_total": cpu["forecast_sst: predict: sampling: network calls"] / cpu_total,
        "steps_s": wall,
        "steps_cpu_s": cpu,
        "sizes": {"inits": ds.sizes["init"], "boxes": ds.sizes["box"], "leads": ds.sizes["lead"],
                  "members": ds.sizes["member"], "tiles_per_call": ds.sizes["box"] * MEMBERS},
        "checkpoint_sha256": model.sha256,
        "sampler": {"nfe": model.sampler.nfe, "gamma1": model.sampler.gamma1,
                    "gamma2": model.sampler.gamma2},
    }


def subprocess_once(out_dir: Path, env: dict[str, str], args: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system of the child) of one run."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, cwd=out_dir, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repeat, temporary folder")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (also the CLI's)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--render", type=Path, default=None,
                    help="only rewrite the Markdown from an existing result JSON")
    args = ap.parse_args(argv)
    if args.render is not None:
        args.render.with_suffix(".md").write_text(markdown(json.loads(args.render.read_text())))
        return 0
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI sets it
    import torch

    torch.set_num_threads(args.threads)
    repeats = 1 if args.quick else args.repeats
    out_dir = args.out or (None if args.quick else RESULTS)
    prov = provenance(device="cpu", seed=SEED, members=MEMBERS, days=DAYS)
    with tempfile.TemporaryDirectory(prefix="sst_perf_") as tmp:
        work = Path(tmp)
        warm = in_process_once(work)
        runs = [in_process_once(work) for _ in range(repeats)]
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads),
               "OMP_WAIT_POLICY": os.environ["OMP_WAIT_POLICY"]}
        cli = [str(Path(sys.executable).with_name("idff-ts"))]  # the console script
        if not Path(cli[0]).exists():
            cli = [sys.executable, "-c", "from idff_ts.cli import main; main()"]
        fc_args = [*cli, "forecast", "--days", str(DAYS), "--members", str(MEMBERS), "--overwrite", "-o",
                   str(work / "cli_forecast.nc"), "--quiet"]
        imp_args = [sys.executable, "-c", "import idff_ts.cli"]
        fc_runs = [subprocess_once(work, env, fc_args) for _ in range(repeats)]
        imp_runs = [subprocess_once(work, env, imp_args) for _ in range(repeats)]
    fc_s, fc_cpu = [w for w, _ in fc_runs], [c for _, c in fc_runs]
    imp_s, imp_cpu = [w for w, _ in imp_runs], [c for _, c in imp_runs]
    keys = list(runs[0]["steps_s"])
    order = sorted(k for k in keys if k != "total") + ["total"]
    ip = {
        "runs": runs, "warmup": warm,
        "median_total_s": _med([r["total_s"] for r in runs]),
        "median_sampling_s": _med([r["sampling_s"] for r in runs]),
        "median_network_s": _med([r["network_s"] for r in runs]),
        "median_share_of_sampling": _med([r["share_of_sampling"] for r in runs]),
        "median_share_of_total": _med([r["share_of_total"] for r in runs]),
        "median_cpu_share_of_sampling": _med([r["cpu_share_of_sampling"] for r in runs]),
        "median_cpu_share_of_total": _med([r["cpu_share_of_total"] for r in runs]),
        "median_steps_s": {k: _med([r["steps_s"][k] for r in runs]) for k in order},
        "median_steps_cpu_s": {k: _med([r["steps_cpu_s"][k] for r in runs]) for k in order},
        "network_calls_hooked": runs[0]["network_calls_hooked"],
        "network_calls_reported": runs[0]["network_calls_reported"],
        "sizes": runs[0]["sizes"], "sampler": runs[0]["sampler"],
    }
    argv_txt = " ".join(sys.argv[1:] if argv is None else argv)
    res = {
        "schema": "idff-ts-sst-forecast-perf/1",
        "command": f"python benchmarks/sst_forecast_perf.py {argv_txt}".strip(),
        "job": f"idff-ts forecast --days {DAYS} --members {MEMBERS} (bundled demo, synthetic)",
        "repeats": repeats,
        "checkpoint_sha256": runs[0]["checkpoint_sha256"],
        "nfe_counted_per_slot": runs[0]["nfe_counted_per_slot"],
        "crps_estimator": None,
        "data_version": "bundled idff_ts/assets/sst_demo/sst.day.mean.2020.nc (synthetic demo "
                        "data), init = latest day 2020-12-31",
        "in_process": ip,
        "subprocess": {"forecast_s": fc_s, "forecast_cpu_s": fc_cpu, "import_s": imp_s,
                       "import_cpu_s": imp_cpu, "command": " ".join(fc_args[-8:]),
                       "median_forecast_s": _med(fc_s), "median_import_s": _med(imp_s),
                       "median_forecast_cpu_s": _med(fc_cpu), "median_import_cpu_s": _med(imp_cpu),
                       "omp_num_threads": args.threads},
        "load_average_1min_end": os.getloadavg()[0],
        "provenance": prov,
    }
    text = markdown(res)
    print(text)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "sst_forecast_perf.json").write_text(json.dumps(res, indent=1) + "\n")
        (out_dir / "sst_forecast_perf.md").write_text(text)
        print(f"wrote {out_dir / 'sst_forecast_perf.json'} and .md")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
