"""``idff-ts leaderboard`` renders result files with the package's renderer, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from idff_ts.cli import main; main()", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_renders_from_result_files(tmp_path: Path) -> None:
    runs, out = tmp_path / "runs", tmp_path / "out"
    _result(runs, "idff", 1.0)
    _result(runs, "persistence", 2.0)
    proc = _cli("leaderboard", "--runs", str(runs), "-o", str(out), "--no-plots", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    md = (out / "leaderboard.md").read_text()
    assert "| idff | 1.00 | 1 | 0 | 1.000 |" in md


def test_same_output_as_the_benchmarks_script(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _result(runs, "idff", 1.0)
    _result(runs, "climatology", 1.5)
    assert _cli("leaderboard", "--runs", str(runs), "-o", str(tmp_path / "a"), "--no-plots",
                cwd=ROOT).returncode == 0
    script = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "leaderboard.py"), "--runs",
                             str(runs), "--out", str(tmp_path / "b"), "--no-plots"],
                            capture_output=True, text=True, timeout=300)
    assert script.returncode == 0, script.stderr
    for name in ("leaderboard.md", "leaderboard.csv", "leaderboard_headline.json"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_no_result_files_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = _cli("leaderboard", "--runs", str(tmp_path / "empty"), "-o", str(tmp_path / "out"),
                cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error: no result files")
    assert "Traceback" not in proc.stderr


def test_outside_a_checkout_says_where_it_looked(tmp_path: Path) -> None:
    proc = _cli("leaderboard", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "benchmarks/results/runs" in lines[0], proc.stderr
    assert not (tmp_path / "benchmarks").exists()
