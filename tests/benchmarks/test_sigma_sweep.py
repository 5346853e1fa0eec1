"""The σ sweep trains with the σ asked for, scores only validation, and picks the argmin."""

from __future__ import annotations

import json
from pathlib import Path

from test_run import _load


def test_sweep_applies_sigma_and_chooses_the_best_validation_score(tmp_path: Path) -> None:
    sweep = _load("sigma_sweep")
    out = tmp_path / "sigma.json"
    assert sweep.main(["--tasks", "lorenz63", "--profile", "smoke", "--sigmas", "0.3", "2",
                       "--nfe", "2", "3", "--out", str(out)]) == 0
    res = json.loads(out.read_text())["tasks"]["lorenz63"]
    rows = res["rows"]
    assert {r["sigma"] for r in rows} == {0.3, 2.0}
    assert all(r["trained_sigma"] == r["sigma"] for r in rows)  # σ reached the model
    # γ1 cannot matter at NFE ≤ 2: searched only at NFE 3
    assert sorted((r["nfe"], r["gamma1"]) for r in rows if r["sigma"] == 2.0) == [
        (2, 0.0), (3, 0.0), (3, 2.0)]
    assert all(r["nfe_counted"] == r["nfe"] for r in rows)  # counted calls per slot
    best = {s: min(r["val_crps_ecdf_mean"] for r in rows if r["sigma"] == s) for s in (0.3, 2.0)}
    assert res["chosen_sigma"] == min(best, key=best.get)
    assert res["best_val_crps_by_sigma"] == {f"{s:g}": v for s, v in best.items()}
    md = out.with_suffix(".md").read_text()
    assert f"chosen σ = {res['chosen_sigma']:g}" in md


def test_unknown_task_stops_before_training_and_writes_nothing(tmp_path: Path, capsys) -> None:
    import pytest

    sweep = _load("sigma_sweep")
    out = tmp_path / "sigma.json"
    with pytest.raises(SystemExit) as exc:
        sweep.main(["--tasks", "lorenz63", "lorenz-63x", "--out", str(out)])
    assert exc.value.code == 2
    assert "unknown task 'lorenz-63x'" in capsys.readouterr().err
    assert not out.exists() and not out.with_suffix(".md").exists()
