"""The runner writes schema-2 result files: configurations tried on validation, the chosen one
(the validation argmin), the training budget, per-init CRPS and the four metrics."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    bench = str(ROOT / "benchmarks")
    if bench not in sys.path:  # run.py imports its sibling modules, as when run as a script
        sys.path.insert(0, bench)
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_smoke_profile_writes_result_files_and_a_leaderboard(tmp_path: Path) -> None:
    run = _load("run")
    out, work = tmp_path / "runs", tmp_path / "work"
    assert run.main(["--profile", "smoke", "--methods", "idff,persistence,prob-persistence",
                     "--out", str(out), "--work", str(work)]) == 0
    files = sorted((out / "smoke" / "lorenz63").glob("*.json"))
    seeds = run.PROFILES["smoke"]["seeds"]
    assert len(files) == 3 * len(seeds)
    cfg = _load("_bench_config")
    for f in files:
        res = json.loads(f.read_text())
        assert res["schema"] == run.SCHEMA and res["split"] == "test"
        for key in ("seed", "members", "crps_estimators", "nfe_counted", "wall_s", "data_version",
                    "command", "per_init_crps_ecdf"):
            assert res[key] is not None, key
        assert res["provenance"]["git_sha"]
        assert len(res["per_init_crps_ecdf"]) == res["n_inits"]
        mean_init = sum(res["per_init_crps_ecdf"]) / res["n_inits"]
        assert abs(mean_init - res["mean_over_leads"]["crps_ecdf"]) < 1e-6 * (1 + mean_init)
        assert {"mae", "cc", "mse", "crps_ecdf"} <= set(res["metrics"])
        if res["method"] == "idff":
            sel = res["selection"]
            assert sel["n_configurations"] == cfg.N_CONFIGS == len(sel["configurations_tried"])
            best = min(sel["configurations_tried"], key=lambda t: t["val_crps_ecdf_mean"])
            assert sel["chosen"] == best["config"] and sel["split"] == "val"
            # timed tuning: configurations differing only in γ1 reuse the first one's model
            tried = sel["configurations_tried"]
            assert [t["reused_model"] for t in tried] == [False, True, False]
            assert tried[1]["train_wall_s"] == 0 < tried[0]["train_wall_s"]
            assert all(t["val_wall_s"] > 0 for t in tried)
            assert res["sampler"]["gamma1"] == sel["chosen"]["gamma1"]
            assert res["sizes"]["model"]["method_options"]["output"] == "residual"
            assert res["nfe_counted"] == res["nfe_setting"]
            train = res["training"]
            assert train["patience"] == cfg.PATIENCE and train["best_epoch"] is not None
            assert train["cap_hit"] == (train["epochs_run"] >= train["max_epochs"])
            assert len(res["checkpoint_sha256"]) == 64
        if res["method"] == "persistence":
            assert res["nfe_counted"] == 0 and res["members"] == 1
    lb = _load("leaderboard")
    assert lb.main(["--runs", str(out), "--out", str(tmp_path / "lb")]) == 0
    md = (tmp_path / "lb" / "leaderboard.md").read_text()
    assert "### lorenz63" in md and "| persistence (1 member" in md and "idff" in md


def test_every_learned_row_gets_the_same_number_of_configurations() -> None:
    cfg = _load("_bench_config")
    for spec in cfg.rows("quick").values():
        n = len(cfg.configurations(spec, {"sigma": 0.5}, horizon=7))
        learned = spec.method not in (*cfg.REFERENCE_ROWS, *cfg.STAT_ROWS)
        assert n == (cfg.N_CONFIGS if learned else 1), spec.label
        if learned:
            outs = {c["model"]["method_options"]["output"]
                    for c in cfg.configurations(spec, {"sigma": 0.5}, 7)}
            assert outs == {"residual"}


def test_gamma1_candidates_follow_the_grid_only_from_three_steps() -> None:
    run = _load("run")
    spec = run.method_specs("quick")["idff"]
    assert run.gamma1_candidates(spec, 1) == run.gamma1_candidates(spec, 2) == (0.0,)
    assert run.gamma1_candidates(spec, 3) == run.gamma1_candidates(spec, 20) == (0.0, 2.0)


def test_tile_tasks_train_and_forecast_standardised_tiles(tmp_path: Path) -> None:
    """sst tasks' standardised anomaly tiles go through the generic fit, not the °C SST path."""
    import numpy as np
    import xarray as xr

    from idff_ts.tasks import get_task

    tasks = _load("_bench_tasks")
    cfg = _load("_bench_config")
    rng = np.random.default_rng(0)

    def tiles(n: int) -> xr.DataArray:
        return xr.DataArray(rng.normal(size=(n, 2, 8, 8)).astype("float32"),
                            dims=("time", "box", "y", "x"), name="sst",
                            coords={"time": np.datetime64("2020-01-01") + np.arange(n)})

    mask = xr.DataArray(np.ones((8, 8), bool), dims=("y", "x"))
    splits = {"train": tiles(30), "val": tiles(20), "test": tiles(20)}
    td = tasks.TaskData("sst-demo", get_task("sst-demo"), splits, "tiles", "toy", mask)
    spec = cfg.RowSpec("idff", "idff", "auto", 2)
    model = tasks.fit_method(td, spec, 0, {"max_epochs": 1, "limit_train_batches": 2,
                                           "val_inits": 2, "val_members": 2}, tmp_path)
    from idff_ts.config import SamplerConfig

    fc, scores = tasks.forecast_and_score(td, model, "test", 2, 0, 5, SamplerConfig(nfe=2))
    assert fc.sizes["member"] == 2 and fc.sizes["box"] == 2
    assert np.isfinite(float(scores["crps_ecdf_mean"]))
