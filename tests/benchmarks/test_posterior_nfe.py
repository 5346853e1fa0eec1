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
