"""``idff-ts leaderboard`` delegates to benchmarks/leaderboard.py, with one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from idff_ts.cli_leaderboard import find_script
from idff_ts.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


def _result(root: Path, method: str, crps: float) -> None:
    path = root / "quick" / "toy" / f"{method}__nfe1__seed0.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "schema": "idff-ts-result/2", "task": "toy", "method": method, "solver": "auto",
        "profile": "quick", "seed": 0, "members": 4, "nfe_setting": 1, "nfe_counted": 1.0,
        "n_inits": 3, "wall_s": 0.1, "sampler": {"gamma1": 0.0}, "leads": [1.0],
        "data_version": "toy", "metrics": {"crps_ecdf": [crps]}, "selection": {},
        "mean_over_leads": {"crps_ecdf": crps}, "per_init_crps_ecdf": [crps] * 3,
    }))


def test_finds_the_script_of_this_checkout(tmp_path: Path) -> None:
    assert find_script(ROOT / "tests") == ROOT / "benchmarks" / "leaderboard.py"


def test_renders_from_result_files(tmp_path: Path) -> None:
    runs, out = tmp_path / "runs", tmp_path / "out"
    _result(runs, "idff", 1.0)
    _result(runs, "persistence", 2.0)
    proc = subprocess.run(
        [sys.executable, "-c", "from idff_ts.cli import main; main()", "leaderboard", "--runs", str(runs), "-o", str(out),
         "--no-plots"], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    md = (out / "leaderboard.md").read_text()
    assert "| idff | 1.00 | 1 | 0 | 1.000 |" in md


def test_no_result_files_is_a_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from idff_ts.cli import main; main()", "leaderboard", "--runs", str(tmp_path / "none"),
         "-o", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error: no result files")
    assert "Traceback" not in proc.stderr


def test_outside_a_checkout_says_how_to_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import idff_ts

    monkeypatch.setattr(idff_ts, "__file__", str(tmp_path / "site" / "idff_ts" / "__init__.py"))
    with pytest.raises(DataError, match="checkout"):
        find_script(tmp_path)
