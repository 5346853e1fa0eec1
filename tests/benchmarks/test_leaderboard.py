"""The leaderboard renders from synthetic schema-2 result files only: mean ± sd over seeds, and
"A beats B" only when the paired bootstrap interval excludes 0 (hand-checked cases)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from test_run import _load

from idff_ts.errors import DataError

lb = _load("leaderboard")
boot = _load("_bench_bootstrap")

INITS = np.linspace(1.0, 2.0, 12)
# row: per-seed per-init CRPS
TOY = {
    "idff": {s: INITS + 0.01 * s for s in (0, 1, 2)},
    "worse": {s: INITS + 0.5 + 0.01 * s for s in (0, 1, 2)},       # clearly worse: IDFF beats it
    "twin": {s: INITS + (0.05 if s == 1 else -0.05) * np.cos(7 * INITS) for s in (0, 1, 2)},
    "persistence": {0: INITS + 0.2},                               # no training seed
}


def _write(root: Path, method: str, seed: int, per_init: np.ndarray) -> None:
    crps = float(per_init.mean())
    res = {
        "schema": lb.SCHEMA, "task": "toy", "method": method, "profile": "quick", "seed": seed,
        "members": 1 if method == "persistence" else 20, "nfe_setting": 5,
        "nfe_counted": 0.0 if method == "persistence" else 5.0, "wall_s": 0.1,
        "selection": {"n_configurations": 0 if method == "persistence" else 3, "chosen": {}},
        "training": {"best_epoch": 4 + seed, "cap_hit": False},
        "mean_over_leads": {"crps_ecdf": crps, "mae": crps, "mse": crps**2, "cc": 0.9},
        "per_init_crps_ecdf": [float(x) for x in per_init],
    }
    path = root / "quick" / "toy" / f"{method}__nfe5__seed{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res))


@pytest.fixture()
def runs(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    for method, by_seed in TOY.items():
        for seed, per_init in by_seed.items():
            _write(root, method, seed, per_init)
    (root / "quick" / "toy" / "old__nfe5__seed0.json").write_text(json.dumps({"schema": "idff-ts-result/1"}))
    return root


def test_aggregate_gives_mean_and_sd_over_seeds(runs: Path) -> None:
    rows = {r["method"]: r for r in lb.aggregate(lb.load_results(runs))}
    assert "old" not in rows  # other schemas are skipped
    means = [float((INITS + 0.01 * s).mean()) for s in (0, 1, 2)]
    assert rows["idff"]["crps_ecdf"] == pytest.approx(np.mean(means))
    assert rows["idff"]["crps_ecdf_sd"] == pytest.approx(np.std(means, ddof=1))
    assert rows["idff"]["best_epochs"] == [4, 5, 6] and rows["idff"]["n_configurations"] == 3


def test_paired_bootstrap_verdicts(runs: Path) -> None:
    v = {x["other"]: x for x in lb.verdicts(lb.aggregate(lb.load_results(runs)))["toy"]}
    assert v["worse"]["hi"] < 0 and v["worse"]["text"].startswith("idff beats worse")
    assert v["worse"]["diff"] == pytest.approx(-0.5, abs=1e-9)
    assert v["twin"]["lo"] < 0 < v["twin"]["hi"] and "tied" in v["twin"]["text"]
    # persistence has one seed: paired with every IDFF seed
    assert v["persistence"]["n_seeds"] == 3 and v["persistence"]["diff"] == pytest.approx(-0.19)


def test_bootstrap_of_a_constant_difference_is_that_constant() -> None:
    a = {0: [1.0, 2.0, 3.0], 1: [2.0, 2.0, 2.0]}
    b = {s: [x + 0.25 for x in v] for s, v in a.items()}
    res = boot.paired_difference(a, b, replicates=200)
    assert res["diff"] == pytest.approx(-0.25) and res["lo"] == pytest.approx(-0.25)
    assert res["hi"] == pytest.approx(-0.25)
    assert boot.paired_difference({0: [1.0], 1: [1.0]}, {2: [1.0], 3: [2.0]}) is None


def test_markdown_and_csv(runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "lb"
    assert lb.main(["--runs", str(runs), "--out", str(out), "--no-plots"]) == 0
    md = (out / "leaderboard.md").read_text()
    assert "| persistence (1 member: CRPS = MAE) |" in md and "idff beats worse" in md
    rows = list(csv.DictReader((out / "leaderboard.csv").open()))
    assert {r["method"] for r in rows} == set(TOY)
    head = json.loads((out / "leaderboard_headline.json").read_text())["quick"]["toy"]
    assert {h["other"] for h in head} == set(TOY) - {"idff"}
    assert all(h["verdict"].startswith("idff") for h in head)


def test_plots_are_written(runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "lb"
    assert lb.main(["--runs", str(runs), "--out", str(out)]) == 0
    for name in ("leaderboard_lead.png", "leaderboard_nfe.png", "leaderboard_wall.png"):
        assert (out / name).stat().st_size > 1000
    assert "![leaderboard_nfe.png](leaderboard_nfe.png)" in (out / "leaderboard.md").read_text()


def test_refuses_foreign_and_malformed_files(tmp_path: Path) -> None:
    bad = tmp_path / "runs" / "quick" / "toy" / "x.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({"schema": "something-else"}))
    with pytest.raises(DataError, match="schema"):
        lb.load_results(tmp_path / "runs")
    bad.write_text(json.dumps({"schema": lb.SCHEMA, "task": "toy", "method": "idff"}))
    with pytest.raises(DataError, match="x.json: field 'profile'"):
        lb.load_results(tmp_path / "runs")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="no result files"):
        lb.main(["--runs", str(tmp_path / "empty"), "--out", str(tmp_path / "o")])


def test_only_older_schemas_is_no_result_files(tmp_path: Path) -> None:
    old = tmp_path / "runs" / "quick" / "toy" / "old.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"schema": "idff-ts-result/1"}))
    with pytest.raises(SystemExit, match=r"no result files \(schema 2\)"):
        lb.main(["--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "o")])


def test_verdicts_stay_within_a_profile(runs: Path, tmp_path: Path) -> None:
    for method in ("idff", "worse"):
        for seed in (0, 1):
            src = runs / "quick" / "toy" / f"{method}__nfe5__seed{seed}.json"
            res = json.loads(src.read_text()) | {"profile": "paper"}
            dst = runs / "paper" / "toy" / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(json.dumps(res))
    out = tmp_path / "lb"
    assert lb.main(["--runs", str(runs), "--out", str(out), "--no-plots"]) == 0
    head = json.loads((out / "leaderboard_headline.json").read_text())
    assert [h["other"] for h in head["paper"]["toy"]] == ["worse"]
    assert head["paper"]["toy"][0]["n_seeds"] == 2
    assert {h["other"] for h in head["quick"]["toy"]} == set(TOY) - {"idff"}
