"""The real-series suite with IDFF's three bridge steps (issue 12 item 5): mean, Gaussian and
distributional posterior sampling, versus NFE, 3 training seeds.

Same series, splits, test origins, members and CRPS (fair) as ``real_series.py``. For each
series, the knobs ``idff_ts.fit`` chose there on validation (context, trend, seasonal handling,
phase input, σ: ``results/real_series/<name>.json``) are kept fixed, and for each step
(``ModelConfig.posterior`` = ``none`` / ``gaussian`` / ``distributional``, sampled with
``endpoint`` = ``mean`` / ``gaussian`` / ``distributional``) and training seed an IDFF is
trained with ``idff_ts.fit(..., tune=False)``. At every NFE ∈ {1, 2, 3, 5, 10, 20}:

1. the validation origins (``autotune.validation_origins``, as ``idff_ts.fit`` scores) are
   forecast with the spread inflation switched off, the per-lead inflation is refit on them
   (``spread_inflation``, what ``idff_ts.fit`` does for its own sampler) and their fair CRPS
   with it is the validation score;
2. the test origins are forecast with that inflation: CRPS and SSR per lead.

Selection uses validation only: per series, the step and NFE with the lowest validation CRPS
(mean over seeds), and per step the best NFE ≤ 3. The report compares them with the mean step
at NFE 3 (what ``idff_ts.fit`` uses by default) by a paired bootstrap over test origins of the
seed-averaged CRPS.

    python benchmarks/real_series_posterior.py              # → results/real_series_posterior/
    python benchmarks/real_series_posterior.py --render     # tables from the result files
    python benchmarks/real_series_posterior.py --smoke      # tiny run into a temporary folder
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _classical import scores_ensemble  # noqa: E402
from _provenance import RESULTS, provenance  # noqa: E402
from _real_series_posterior_report import render  # noqa: E402
from real_series import (  # noqa: E402
    HORIZON,
    MEMBERS,
    SEEDS,
    SERIES,
    SHARED,
    TEST_FRACTION,
    VAL_FRACTION,
    _as_dataarray,
    load_series,
    test_origins,
)
from real_series import OUT as SUITE  # noqa: E402

STEPS = {"mean": "none", "gaussian": "gaussian", "distributional": "distributional"}
NFES = (1, 2, 3, 5, 10, 20)
OUT = RESULTS / "real_series_posterior"


def _forecast(da, model, times, idx, nfe, endpoint, seed, inflation):
    """``(I, K, M, P)`` members from origins ``idx`` with the given per-lead inflation."""
    import idff_ts

    model.data_info["inflation"] = [float(f) for f in inflation]
    fc = idff_ts.forecast(da, model, init=times[idx], members=MEMBERS, seed=seed, nfe=nfe,
                          endpoint=endpoint)
    return fc["y"].transpose("init", "lead", "member", "point").values.astype(np.float64)


def run_cell(name: str, data: dict, step: str, seed: int, nfes: tuple[int, ...],
             train_over: dict | None = None) -> dict:
    """Train one model, then validation and test scores at every NFE (module docstring)."""
    import idff_ts
    from idff_ts.config import SamplerConfig
    from idff_ts.data.encoding import inflate
    from idff_ts.training.autotune import spread_inflation, validation_origins

    chosen, k, (n_train, n_val) = data["chosen"], data["k"], data["split"]
    da, times, x = data["da"], data["times"], data["x"]
    t0 = time.perf_counter()
    model = idff_ts.fit(
        da.isel(time=slice(0, n_train)), val=da.isel(time=slice(n_train, n_train + n_val)),
        horizon=k, train={"seed": seed, **(train_over or {})}, tune=False, context=chosen["context"],
        trend=chosen["trend"], seasonal=chosen["seasonal"], phase=chosen["phase"],
        model={"sigma": chosen["sigma"], "posterior": STEPS[step]},
        sampler=SamplerConfig(nfe=3, endpoint=step), progress=False)
    train_s = time.perf_counter() - t0
    ok = np.isfinite(x).all(axis=1)
    vidx = np.array([i for i in validation_origins(n_train, n_val, k, chosen["context"])
                     if ok[i - chosen["context"] + 1 : i + k + 1].all()], dtype=np.int64)
    vtruth = x[vidx[:, None] + np.arange(1, k + 1)[None, :]]
    ones, cells = np.ones(k), {}
    for nfe in nfes:
        raw = _forecast(da, model, times, vidx, nfe, step, seed + 1000, ones)
        factors = spread_inflation(raw, vtruth)
        val = scores_ensemble(inflate(raw, factors), vtruth)
        test = scores_ensemble(
            _forecast(da, model, times, data["idx"], nfe, step, seed, factors), data["truth"])
        cells[str(nfe)] = {"val_crps": val["crps"], "inflation": factors.tolist(),
                           **{key: test[key] for key in ("crps", "crps_lead", "ssr", "ssr_lead",
                                                          "crps_origin")}}
        print(f"[{name}] {step} seed {seed} NFE {nfe}: val {val['crps']:.4f} test "
              f"{test['crps']:.4f} SSR {test['ssr']:.2f}", flush=True)
    return {"step": step, "seed": seed, "train_s": train_s, "n_val_origins": int(vidx.size),
            "checkpoint_sha256": getattr(model, "sha256", None), "nfe": cells}


def series_data(name: str, smoke: bool, daily_stride: int) -> dict:
    """The series, its split and test origins as ``real_series.py`` makes them, and the knobs
    ``idff_ts.fit`` chose there."""
    from idff_ts.data.calendar import infer_cadence
    from idff_ts.training.autotune import CONTEXTS

    x, times, units = load_series(name)
    suite = json.loads((SUITE / f"{name}.json").read_text())
    cad = infer_cadence(times)
    n = x.shape[0]
    n_test, n_val = round(TEST_FRACTION * n), round(VAL_FRACTION * n)
    n_train, n_fit, k = n - n_test - n_val, n - n_test, HORIZON[cad.kind]
    stride = daily_stride if cad.kind == "daily" else 1
    idx = test_origins(x, n_fit, k, stride, max(CONTEXTS.get(cad.kind, CONTEXTS["yearly"])))
    if smoke:
        idx = idx[:6]
    if idx.size != suite["n_origins"] and not smoke:
        raise SystemExit(f"{name}: {idx.size} test origins, the suite's result has "
                         f"{suite['n_origins']}; rerun real_series.py first")
    return {"x": x, "times": times, "da": _as_dataarray(x, times, units), "k": k,
            "split": (n_train, n_val), "idx": idx,
            "truth": x[idx[:, None] + np.arange(1, k + 1)[None, :]],
            "chosen": suite["methods"]["IDFF"]["autotune"]["chosen"],
            "defaults_crps": suite["methods"]["IDFF"]["crps"], "units": units,
            "cadence": cad.describe()}


def run_series(name: str, args: argparse.Namespace, out: Path) -> Path:
    data = series_data(name, args.smoke, args.daily_stride)
    seeds = SEEDS[:1] if args.smoke else SEEDS
    nfes = (1, 3) if args.smoke else NFES
    over = {"max_epochs": 2} if args.smoke else None
    cells = [run_cell(name, data, step, seed, nfes, over) for step in args.steps
             for seed in seeds]
    result = {"series": name, "units": data["units"], "cadence": data["cadence"],
              "horizon": data["k"], "members": MEMBERS, "n_origins": int(data["idx"].size),
              "knobs": data["chosen"], "suite_idff_crps": data["defaults_crps"],
              "cells": cells, "provenance": provenance(smoke=bool(args.smoke),
                                                       argv=sys.argv[1:])}
    path = out / f"{name}.json"
    path.write_text(json.dumps(result, indent=1, default=str))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", nargs="*", default=list(SERIES), choices=SERIES)
    ap.add_argument("--steps", nargs="*", default=list(STEPS), choices=list(STEPS))
    ap.add_argument("--smoke", action="store_true", help="tiny run into a temporary folder")
    ap.add_argument("--daily-stride", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--render", action="store_true", help="only rebuild the markdown")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    out = args.out or (Path(tempfile.mkdtemp(prefix="rs-post-")) if args.smoke else OUT)
    if args.render:
        print(render(out))
        return 0
    if not SHARED.is_dir():
        print(f"skipped: the real-series data folder {SHARED} is absent")
        return 0
    import torch

    torch.set_num_threads(args.threads)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.series:
        print(f"[{name}] written to {run_series(name, args, out)}", flush=True)
    print(render(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
