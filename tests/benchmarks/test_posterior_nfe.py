"""The posterior-step benchmark runs end to end on the smoke sizes: one JSON per cell with the
step it was trained with, validation scores only at the selectable NFEs, and counted NFE."""

from __future__ import annotations

import json
from pathlib import Path

from test_run import _load


def test_quick_run_writes_one_result_per_step(tmp_path: Path) -> None:
    bench = _load("posterior_nfe")
    out = tmp_path / "post"
    assert bench.main(["--quick", "--tasks", "lorenz63", "--seeds", "0", "--sigmas", "0.5",
                       "--out", str(out), "--work", str(tmp_path / "work")]) == 0
    files = sorted((out / "lorenz63").glob("*.json"))
    assert [f.name.split("__")[0] for f in files] == ["distributional", "gaussian", "mean"]
    for f in files:
        res = json.loads(f.read_text())
        assert res["model"]["posterior"] == bench.STEPS[res["step"]]
        assert sorted(res["test"], key=int) == ["1", "3"]
        assert sorted(res["val_crps_ecdf_mean"], key=int) == ["1", "3"]
        for nfe, cell in res["test"].items():
            assert cell["mean_over_leads"]["nfe_counted"] == int(nfe)
            assert len(cell["per_lead"]["crps_ecdf"]) == res["model"]["horizon"]


def _cell(fair_by_nfe: dict[int, float], seed: int, sigma: float, step: str) -> dict:
    return {"task": "t", "step": step, "sigma": sigma, "seed": seed,
            "val_crps_ecdf_mean": {str(n): {"0": v} for n, v in fair_by_nfe.items()},
            "test": {str(n): {"mean_over_leads": {"crps_fair": v, "crps_ecdf": v}}
                     for n, v in fair_by_nfe.items()}}


def test_headline_target_uses_the_lowest_nfe_within_two_percent(tmp_path: Path) -> None:
    """Hand-made cells: the leaderboard's best row is 1.00; IDFF's Gaussian step reaches 1.019
    (within 2 %) at NFE 2, the mean step 1.01 only at NFE 5, so the lowest NFE is 2 (met); with
    a leaderboard best of 0.90 no IDFF cell is within 2 % (missed)."""
    _load("posterior_report")
    import _posterior_headline as headline
    import posterior_report as report

    cells = {("t", "mean", 1.0): {s: _cell({1: 1.5, 2: 1.2, 5: 1.01}, s, 1.0, "mean")
                                   for s in (0, 1)},
             ("t", "gaussian", 1.0): {s: _cell({1: 1.3, 2: 1.019 + 0.001 * (2 * s - 1), 5: 1.05},
                                               s, 1.0, "gaussian") for s in (0, 1)}}
    board = tmp_path / "leaderboard.csv"
    header = "profile,task,method,nfe_counted,crps_fair\n"
    board.write_text(header + "quick,t,p,0.0,nan\nquick,t,a,5.0,1.0\nquick,t,b,200.0,0.5\n"
                     "smoke,t,c,1.0,0.1\n")  # NaN: one-member persistence has no fair CRPS
    res = headline.check(cells, "t", ["mean", "gaussian"], report.select, board)
    assert res["best_crps"] == 1.0 and res["best_by"] == "a (NFE 5)"  # NFE 200 and smoke ignored
    assert res["idff_lowest_nfe_within_2pct"] == 2 and res["target_met"]
    assert abs(res["idff_at_that_nfe"][0] - 1.019) < 1e-12
    board.write_text(header + "quick,t,a,5.0,0.9\n")
    res = headline.check(cells, "t", ["mean", "gaussian"], report.select, board)
    assert res["idff_lowest_nfe_within_2pct"] is None and not res["target_met"]
    assert "missed" in "\n".join(headline.lines({"t": res}))
