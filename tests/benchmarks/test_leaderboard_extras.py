"""The leaderboard's JVP column (counted JVPs × measured ratio), the MD per-trajectory tables
and the compute-time section, on fabricated result sets; every expected value is computed
from the inputs, not written down."""

from __future__ import annotations

import csv
import json
import logging
import math
import statistics
from pathlib import Path

import pytest

from idff_ts.errors import DataError
from idff_ts.leaderboard import render
from idff_ts.leaderboard.compute import compute_section, compute_time
from idff_ts.leaderboard.jvp import SCHEMA as JVP_SCHEMA
from idff_ts.leaderboard.trajectories import SCHEMA as TRAJ_SCHEMA

HORIZON = 8


def _result(method: str, seed: int, *, task: str = "toy", n_jvp: int = 0, calls: int = 40,
            train_s: float = 10.0, wall_s: float = 2.0, tried: list | None = None,
            chosen: dict | None = None, **extra) -> dict:
    crps = 1.0 + 0.1 * seed + (0.5 if method != "idff" else 0.0)
    return {"schema": "idff-ts-result/2", "task": task, "method": method, "profile": "quick",
            "seed": seed, "members": 20, "nfe_setting": 5, "nfe_counted": calls / HORIZON,
            "network_calls": calls, "n_jvp": n_jvp, "horizon": HORIZON, "wall_s": wall_s,
            "train_wall_s": train_s, "checkpoint_sha256": f"{method}{seed}", "data_version": "v1",
            "selection": {"n_configurations": len(tried or []), "tuned_with_seed": 0,
                          "configurations_tried": tried or [], "chosen": chosen or {}},
            "mean_over_leads": {"crps_ecdf": crps}, "per_init_crps_ecdf": [crps] * 4,
            "provenance": {"machine": "box (2 CPUs)", "torch_threads": 1,
                           "load_average_1min": 3.0 + seed,
                           "timestamp": f"2026-12-05T0{4 + seed}:00:00+00:00"}, **extra}


def _write(root: Path, res: dict) -> None:
    path = root / res["profile"] / res["task"] / f"{res['method']}__nfe5__seed{res['seed']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res))


def _table_rows(md: str, header_start: str) -> dict[str, list[str]]:
    """Cells of the Markdown table whose header starts with ``header_start``, by row name."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    out = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[cells[0]] = cells
    return out


def test_jvp_column_is_counted_jvps_times_the_measured_ratio(tmp_path: Path) -> None:
    runs = tmp_path / "results" / "runs"
    jvps = {0: 16, 1: 24, 2: 16}  # a γ2 row: JVPs per window, differing by seed
    for seed in (0, 1, 2):
        _write(runs, _result("idff-g2", seed, n_jvp=jvps[seed], calls=40 + jvps[seed]))
        _write(runs, _result("idff", seed))
        _write(runs, _result("idff-g2", seed, task="other", n_jvp=8, calls=48))
    ratio = 2.75
    (runs.parent / "jvp_cost.json").write_text(json.dumps(
        {"schema": JVP_SCHEMA, "tasks": {"toy": {"ratio": ratio}}}))
    out = tmp_path / "lb"
    render(runs, out, plots=False)
    counted = statistics.fmean(j / HORIZON for j in jvps.values())
    rows = {(r["task"], r["method"]): r for r in csv.DictReader((out / "leaderboard.csv").open())}
    assert float(rows["toy", "idff-g2"]["jvp_per_slot"]) == pytest.approx(counted)
    assert float(rows["toy", "idff-g2"]["jvp_fwd_equiv_measured"]) == pytest.approx(counted * ratio)
    assert float(rows["toy", "idff"]["jvp_fwd_equiv_measured"]) == 0.0
    assert math.isnan(float(rows["other", "idff-g2"]["jvp_fwd_equiv_measured"]))
    md = (out / "leaderboard.md").read_text()
    toy = _table_rows(md.split("### toy")[1], "| row |")
    assert toy["idff-g2"][-1] == f"{counted:.2f} × {ratio:.2f} = {counted * ratio:.2f}"
    assert toy["idff"][-1] == "0"
    other = _table_rows(md.split("### other")[1], "| row |")
    assert other["idff-g2"][-1] == f"{8 / HORIZON:.2f} JVPs (cost not measured)"
    assert "No row takes Jacobian-vector products" not in md


def test_malformed_jvp_cost_file_is_a_data_error(tmp_path: Path) -> None:
    runs = tmp_path / "results" / "runs"
    _write(runs, _result("idff", 0))
    bad = runs.parent / "jvp_cost.json"
    bad.write_text(json.dumps({"schema": JVP_SCHEMA, "tasks": {"toy": {"ratio": -1}}}))
    with pytest.raises(DataError, match="positive 'ratio'"):
        render(runs, tmp_path / "lb", plots=False)


def _side(root: Path, res: dict, scores: dict, **change) -> None:
    doc = {"schema": TRAJ_SCHEMA, **{k: res[k] for k in ("profile", "task", "method", "seed",
                                                          "checkpoint_sha256", "data_version")},
           "trajectory_scores": scores, **change}
    path = root / res["profile"] / res["task"] / f"{res['method']}__nfe5__seed{res['seed']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))


def test_md_per_trajectory_table_is_mean_and_sd_over_seeds(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="idff_ts")  # a CLI test before may have quieted it
    runs, side = tmp_path / "results" / "runs", tmp_path / "results" / "trajectory_scores"
    mae = {0: 40.0, 1: 44.0, 2: 45.5}
    for seed in (0, 1, 2):
        scores = {"members": 10, "steps": 99, "nfe_counted": 5.0, "mae": mae[seed],
                  "rmse": 2 * mae[seed], "cc": 0.1 * seed, "crps": mae[seed] / 2,
                  "ramachandran_js": 0.2, "wall_s": 100.0}
        res = _result("idff", seed)
        _write(runs, res)
        _side(side, res, scores)
        inline = _result("persistence", seed, trajectory_scores={
            "members": 1, "steps": 99, "nfe_counted": 0.0, "mae": 90.0, "rmse": 99.0, "cc": None,
            "ramachandran_js": 0.8, "wall_s": 0.5})
        _write(runs, inline)
        stale = _result("ddpm", seed)
        _write(runs, stale)
        _side(side, stale, scores, checkpoint_sha256="another model")
    _side(side, _result("gone", 0), {"mae": 1.0})  # no result file
    out = tmp_path / "lb"
    render(runs, out, plots=False)
    assert "1 trajectory-score files have no result file" in caplog.text
    assert "3 trajectory-score files were made with another checkpoint" in caplog.text
    md = (out / "leaderboard.md").read_text()
    table = _table_rows(md, "| row | M | seeds |")
    m, sd = statistics.fmean(mae.values()), statistics.stdev(mae.values())
    assert table["idff"][4] == f"{m:.2f} ± {sd:.2f}"
    assert table["idff"][5] == f"{2 * m:.2f} ± {2 * sd:.2f}"
    assert table["idff"][1:4] == ["10", "3", "5.00"]
    assert table["persistence"][4] == "90.00 ± 0.00" and table["persistence"][6] == "–"
    assert "ddpm" not in table  # its side files scored another checkpoint
    assert list(table) == ["idff", "persistence"]  # lowest MAE first


def test_side_file_of_another_schema_is_a_data_error(tmp_path: Path) -> None:
    runs, side = tmp_path / "results" / "runs", tmp_path / "results" / "trajectory_scores"
    res = _result("idff", 0)
    _write(runs, res)
    _side(side, res, {}, schema="something")
    with pytest.raises(DataError, match="trajectory-score file of schema"):
        render(runs, tmp_path / "lb", plots=False)


def test_compute_time_sums_recorded_wall_times_without_double_counting() -> None:
    timed = [{"train_wall_s": 30.0, "val_wall_s": 1.5}, {"train_wall_s": 0.0, "val_wall_s": 1.0},
             {"train_wall_s": 20.0, "val_wall_s": 2.0}]
    # schema-2 files before per-configuration timing: 4 configurations, the chosen one's
    # γ1 variant shares its model, so 2 untimed configurations trained models of their own
    untimed = [{"config": {"model": {"s": s}, "gamma1": g}} for s, g in
               ((0, 0.0), (1, 0.0), (1, 2.0), (2, 0.0))]
    chosen = {"model": {"s": 1}, "gamma1": 2.0}
    results = [_result("new", s, train_s=30.0 + s, wall_s=1.0 + s, tried=timed) for s in (0, 1, 2)]
    results += [_result("old", s, train_s=50.0 + s, wall_s=3.0, tried=untimed, chosen=chosen)
                for s in (0, 1, 2)]
    results += [_result("ref", s, train_s=0.5, wall_s=0.25) for s in (0, 1)]
    results.append(_result("md", 0, train_s=5.0, wall_s=1.0, trajectory_scores={"wall_s": 7.0}))
    t = compute_time(results)["quick"]["toy"]
    tuning = sum(c["train_wall_s"] + c["val_wall_s"] for c in timed)  # counted once per row
    train = (31.0 + 32.0) + (50.0 + 51.0 + 52.0) + 2 * 0.5 + 5.0  # "new" seed 0 is a tuning model
    forecast = (1.0 + 2.0 + 3.0) + 3 * 3.0 + 2 * 0.25 + (1.0 + 7.0)
    assert t["tuning_s"] == pytest.approx(tuning) and t["train_s"] == pytest.approx(train)
    assert t["forecast_s"] == pytest.approx(forecast)
    assert t["total_s"] == pytest.approx(tuning + train + forecast)
    assert t["untimed_configs"] == len(untimed) - 1 and t["files"] == len(results)
    assert t["untimed_estimate_s"] == pytest.approx(2 * statistics.fmean([50.0, 51.0, 52.0]))
    assert (min(t["loads"]), max(t["loads"])) == (3.0, 5.0)


def test_compute_time_counts_trainings_resumed_from_an_earlier_run() -> None:
    """A reused or continued training records only this run's part of its time: counted. The
    tuning seed's training is one of the tried configurations (counted there, not twice); a
    configuration that shares an earlier one's model (reused_model) is not a training."""
    tried = [{"train_wall_s": 5.0, "val_wall_s": 1.0, "training": {"resume": "continue"}},
             {"train_wall_s": 0.0, "val_wall_s": 1.0, "training": {"resume": "continue"},
              "reused_model": True},
             {"train_wall_s": 0.1, "val_wall_s": 1.0, "training": {"resume": "reuse"}},
             {"train_wall_s": 9.0, "val_wall_s": 1.0, "training": {"resume": "fresh"}}]
    resume = {0: "continue", 1: "reuse", 2: "fresh"}
    results = [_result("ddpm", s, tried=tried, training={"resume": resume[s]}) for s in (0, 1, 2)]
    results.append(_result("persistence", 0))  # no training record at all
    t = compute_time(results)["quick"]["toy"]
    assert t["resumed"] == 2 + 1  # two tried trainings, seed 1's own (seed 0's is a tried one)
    section = "\n".join(compute_section({"toy": t}))
    assert "| resumed |" in section and "3 trainings (column *resumed*)" in section


def test_compute_section_is_rendered_per_profile(tmp_path: Path) -> None:
    runs = tmp_path / "results" / "runs"
    for seed in (0, 1):
        _write(runs, _result("idff", seed, train_s=600.0, wall_s=60.0))
        _write(runs, _result("idff", seed, task="other", train_s=1200.0, wall_s=0.0))
    render(runs, tmp_path / "lb", plots=False)
    md = (tmp_path / "lb" / "leaderboard.md").read_text()
    assert "### How long the `quick` profile took" in md
    rows = _table_rows(md, "| task | result files |")
    total_min = (2 * 660.0 + 2 * 1200.0) / 60
    assert rows["toy"][5] == f"{2 * 660.0 / 60:.1f} min"
    expected = f"{total_min / 60:.2f} h" if total_min >= 120 else f"{total_min:.1f} min"
    assert rows["**all**"][5] == f"**{expected}**"
    assert "Some of the tasks' runs overlapped in time" in md  # both tasks wrote files 04:00–05:00
