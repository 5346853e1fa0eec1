"""``benchmarks/jvp_cost.py`` times a forward pass and a JVP of a task's IDFF network side by
side, checks the JVP against a finite difference, and writes what the leaderboard reads."""

from __future__ import annotations

import json
from pathlib import Path

from test_run import _load

from idff_ts.leaderboard.jvp import load_ratios


def test_measures_the_ratio_for_tasks_with_an_idff_result(tmp_path: Path) -> None:
    jvp = _load("jvp_cost")
    model = {"state_shape": [3], "backbone": "mlp", "context": 2, "horizon": 4, "hidden": 16,
             "depth": 1, "emb_dim": 8, "method_options": {"output": "residual"}}
    res = tmp_path / "runs" / "quick" / "toy" / "idff__nfe5__seed0.json"
    res.parent.mkdir(parents=True)
    res.write_text(json.dumps({"members": 4, "n_inits": 3, "n_series": 2,
                               "sizes": {"model": model, "n_parameters": 1}}))
    (tmp_path / "runs" / "quick" / "no-idff").mkdir()
    out = tmp_path / "jvp_cost.json"
    assert jvp.main(["--runs", str(tmp_path / "runs"), "--repeats", "3", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    toy = doc["tasks"]["toy"]
    assert doc["not_measured"] == ["no-idff"] and toy["rows"] == 4 * 3 * 2
    rounds = 3 + 1  # with the warm-up round; a JVP counts as a call too
    assert toy["counted_jvps"] == rounds and toy["counted_calls"] == 2 * rounds
    assert toy["ratio"] == toy["jvp_ms"] / toy["forward_ms"] > 0
    assert toy["jvp_vs_finite_difference_rel_err"] < 1e-4  # central difference, float64
    assert toy["network"]["context"] == 2 and toy["from_result"]["file"].endswith("seed0.json")
    assert load_ratios(out)["toy"]["ratio"] == toy["ratio"]


def test_series_are_the_test_trajectories_forecast_side_by_side() -> None:
    from idff_ts.config import ModelConfig

    jvp = _load("jvp_cost")
    tasks = _load("_bench_tasks")
    test = tasks.load_task("lorenz63", "quick").splits["test"]
    assert jvp.series_count("lorenz63", "quick", ModelConfig(state_shape=(3,))) \
        == test.sizes["trajectory"] > 1
