"""paper_protocol_full.py end to end on 3 years, 3 test inits and 2 members (about a minute):
every stage runs as the user's command, and the last one's leaderboard row agrees with
``idff-ts evaluate``'s scores."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = ["synthetic", "prepare", "train", "forecast", "evaluate", "leaderboard"]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    bench = str(ROOT / "benchmarks")
    if bench not in sys.path:  # the script imports its sibling modules, as when run as a script
        sys.path.insert(0, bench)
    import paper_protocol_full

    work = tmp_path_factory.mktemp("pp")
    args = ["--work", str(work), "--first-year", "2018", "--members", "2", "--stride", "120",
            "--max-batches", "1", "--hidden", "2", "--out", str(work / "results")]
    code = paper_protocol_full.main(args)
    return paper_protocol_full, work, args, code


def test_every_stage_runs_and_the_row_matches_evaluate(smoke_run):
    _, work, _, code = smoke_run
    res = json.loads((work / "results" / "paper_protocol_full.json").read_text())
    errors = {r["stage"]: r.get("error") for r in res["stages"] if r["exit"] != 0}
    assert code == 0, errors
    assert [r["stage"] for r in res["stages"]] == STAGES
    assert all(r["wall_s"] > 0 and r["peak_rss_mb"] > 0 for r in res["stages"])
    # 2020 has 359 init days with truth for 7 leads; every 120th: days 1, 121, 241
    assert res["forecast"]["dims"] == {"init": 3, "box": 11, "lead": 7, "member": 2, "y": 60,
                                       "x": 60}
    row = json.loads(next((work / "runs" / "paper-dryrun" / "sst-etp").glob("idff*.json"))
                     .read_text())
    assert len(row["per_init_crps_ecdf"]) == 3 and row["members"] == 2
    # every init has the same points, so the mean over inits of each init's score is the
    # mean over leads of evaluate's per-lead scores
    np.testing.assert_allclose(np.mean(row["per_init_crps_ecdf"]),
                               res["scores_mean_over_leads"]["crps_ecdf"], rtol=1e-6)
    page = (work / "results" / "paper_protocol_full_leaderboard.md").read_text()
    assert "not a result" in page and "| idff | 1.00 | 1 | 1 |" in page


def test_a_rerun_keeps_the_finished_stages(smoke_run):
    script, work, args, _ = smoke_run
    before = json.loads((work / "results" / "paper_protocol_full.json").read_text())["stages"]
    assert script.main(args) == 0
    after = json.loads((work / "results" / "paper_protocol_full.json").read_text())["stages"]
    assert [r["wall_s"] for r in after] == [r["wall_s"] for r in before]
