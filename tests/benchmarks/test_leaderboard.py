"""The leaderboard renders from synthetic result files only, with a hand-checked headline."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from idff_ts.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


lb = _load("leaderboard")

# task "toy": (method, nfe_setting, nfe_counted, crps by lead per seed)
TOY = [
    ("idff", 1, 1.0, {0: [1.20, 1.40], 1: [1.00, 1.40]}),   # mean 1.25
    ("idff", 3, 3.0, {0: [0.99, 1.03], 1: [1.01, 1.05]}),   # mean 1.02  (within 2 % of 1.00)
    ("idff", 10, 10.0, {0: [0.98, 1.02], 1: [0.98, 1.02]}),  # mean 1.00  (the best ≤ 100)
    ("ot-cfm-euler", 20, 20.0, {0: [1.00, 1.04], 1: [1.00, 1.04]}),  # 1.02: within at 20
    ("ot-cfm-euler", 200, 200.0, {0: [0.80, 0.80], 1: [0.80, 0.80]}),  # better, but > 100 NFE
    ("ddpm-ddim", 50, 50.0, {0: [1.50, 1.50], 1: [1.50, 1.50]}),  # never within
    ("climatology", 1, 0.0, {0: [2.0, 2.0], 1: [2.0, 2.0]}),
]


def _write(root: Path, task: str, method: str, nfe: int, counted: float, seed: int,
           crps: list[float]) -> None:
    res = {
        "schema": lb.SCHEMA, "task": task, "method": method, "method_registry_name": method,
        "solver": "auto", "profile": "quick", "seed": seed, "split": "test", "members": 20,
        "crps_estimators": ["ecdf", "fair"], "nfe_setting": nfe, "nfe_counted": counted,
        "network_calls": int(counted * len(crps)), "n_jvp": 0,
        "sampler": {"nfe": nfe, "gamma1": 0.0}, "selection": {}, "wall_s": 0.01 * (1 + counted),
        "train_wall_s": 1.0, "checkpoint_sha256": "ab" * 32, "data_version": "toy v1",
        "n_inits": 7, "horizon": len(crps), "leads": [1.0, 2.0], "lead_units": "model time",
        "metrics": {"crps_ecdf": crps, "crps_fair": [c * 0.9 for c in crps],
                    "mse": [c * c for c in crps], "ssr": [1.0] * len(crps)},
        "mean_over_leads": {"crps_ecdf": sum(crps) / len(crps),
                            "crps_fair": 0.9 * sum(crps) / len(crps),
                            "mse": sum(c * c for c in crps) / len(crps), "ssr": 1.0},
        "sizes": {"model": {"backbone": "mlp", "hidden": 8, "depth": 1}, "test_stride": 5},
        "command": f"python benchmarks/run.py --tasks {task} --methods {method}",
    }
    path = root / "quick" / task / f"{method}__nfe{nfe}__seed{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res))


@pytest.fixture()
def runs(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    for method, nfe, counted, by_seed in TOY:
        for seed, crps in by_seed.items():
            _write(root, "toy", method, nfe, counted, seed, crps)
    return root


def test_aggregate_means_over_seeds_then_leads(runs: Path) -> None:
    rows = lb.aggregate(lb.load_results(runs))
    idff1 = next(r for r in rows if r["method"] == "idff" and r["nfe_setting"] == 1)
    assert idff1["n_seeds"] == 2
    assert idff1["crps_ecdf_by_lead"] == pytest.approx([1.10, 1.40])
    assert idff1["crps_ecdf"] == pytest.approx(1.25)


def test_headline_lowest_nfe_within_two_percent(runs: Path) -> None:
    head = lb.headline(lb.aggregate(lb.load_results(runs)))["toy"]
    assert head["best_crps"] == pytest.approx(1.00)  # the 200-NFE row is excluded
    assert head["best_method"] == "idff" and head["best_nfe"] == 10
    m = head["methods"]
    assert m["idff"]["nfe_within"] == 3.0
    assert m["ot-cfm-euler"]["nfe_within"] == 20.0
    assert m["ddpm-ddim"]["nfe_within"] is None
    assert m["ddpm-ddim"]["own_best_crps"] == pytest.approx(1.50)
    assert m["climatology"]["nfe_within"] is None


def test_render_reads_only_result_files(runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    docs = tmp_path / "leaderboard_page.md"
    assert lb.main(["--runs", str(runs), "--out", str(out), "--docs", str(docs)]) == 0
    assert "| idff | 3 | 1.0000 (10) |" in docs.read_text()
    md = (out / "leaderboard.md").read_text()
    assert "| idff | 3 | 1.0200 |" in md  # headline row: lowest NFE within 2 %, CRPS there
    assert "| ddpm-ddim | never |" in md
    assert "toy v1" in md and "Profile `quick`" in md
    with open(out / "leaderboard.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(TOY)
    row = next(r for r in rows if r["method"] == "idff" and r["nfe_setting"] == "1")
    assert float(row["crps_ecdf_lead1"]) == pytest.approx(1.10)
    assert float(row["crps_fair"]) == pytest.approx(0.9 * 1.25)
    for name in ("leaderboard_lead.png", "leaderboard_nfe.png", "leaderboard_wall.png"):
        assert (out / name).stat().st_size > 1000


def test_refuses_foreign_files(tmp_path: Path) -> None:
    bad = tmp_path / "runs" / "quick" / "toy" / "x.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({"schema": "something-else"}))
    with pytest.raises(DataError, match="schema"):
        lb.load_results(tmp_path / "runs")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="no result files"):
        lb.main(["--runs", str(tmp_path / "empty"), "--out", str(tmp_path / "o")])
