"""The real-series posterior-step benchmark end to end on one small series (needs
``../shared/data``): every step trained with its own head, scored at every NFE asked, the
inflation refit on validation per NFE, and the mean step's single call giving no spread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_run import _load

ROOT = Path(__file__).resolve().parents[2]
SERIES_DIR = ROOT.parent / "shared" / "data" / "series"


@pytest.mark.skipif(not SERIES_DIR.is_dir(), reason=f"real-series data absent ({SERIES_DIR})")
def test_smoke_run_on_elec_equip(tmp_path: Path) -> None:
    bench = _load("real_series_posterior")
    assert bench.main(["--smoke", "--series", "elec_equip", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "elec_equip.json").read_text())
    assert [c["step"] for c in res["cells"]] == ["mean", "gaussian", "distributional"]
    for cell in res["cells"]:
        assert sorted(cell["nfe"], key=int) == ["1", "3"]
        for scores in cell["nfe"].values():
            assert len(scores["crps_lead"]) == res["horizon"] == len(scores["inflation"])
            assert len(scores["crps_origin"]) == res["n_origins"]
    mean_nfe1 = res["cells"][0]["nfe"]["1"]
    assert mean_nfe1["ssr"] == 0.0  # one call from the source state: identical members
    assert all(c["nfe"]["1"]["ssr"] > 0.1 for c in res["cells"][1:])  # posterior draws
    md = (tmp_path / "real_series_posterior.md").read_text()
    assert "## elec_equip" in md and "NFE ≤ 3 chosen on val" in md
