"""Hostile inputs to the data commands, the leaderboard, downloads, ``-q`` and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hostile_kit import invoke


def _object_npy(tmp: Path) -> None:
    np.save(tmp / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)


DATA = [
    ("synthetic-bad-start", ["data", "synthetic", "--start", "someday", "--dest", "d"], ("someday",)),
    ("synthetic-end-before-start", ["data", "synthetic", "--start", "2020-02-01", "--end",
                                    "2020-01-01", "--dest", "d"], ("2020-01-01",)),
    ("synthetic-bad-region", ["data", "synthetic", "--region", "atlantis", "--dest", "d"],
     ("atlantis",)),
    ("prepare-missing-input", ["data", "prepare", "nothere/*.nc", "-o", "p.zarr"], ("nothere",)),
    ("prepare-not-zarr", ["data", "prepare", "{in}/obs.nc", "-o", "p.nc"], ("p.nc",)),
    ("prepare-existing-output", ["data", "prepare", "{in}/obs.nc", "-o", "exists.zarr"],
     ("exists.zarr", "--overwrite")),
    ("dihedrals-missing-source", ["data", "dihedrals", "none.dcd", "-o", "a.nc"], ("none.dcd",)),
    ("dihedrals-object-npy", ["data", "dihedrals", "obj.npy", "-o", "a.nc"], ("obj.npy",)),
    ("dihedrals-wrong-shape-npy", ["data", "dihedrals", "flat.npy", "-o", "a.nc"], ("flat.npy",)),
    ("dihedrals-random-bytes-npy", ["data", "dihedrals", "junk.npy", "-o", "a.nc"], ("junk.npy",)),
    ("dihedrals-bad-suffix", ["data", "dihedrals", "flat.npy", "-o", "a.txt"], ("a.txt",)),
    ("download-bad-years", ["data", "download", "--years", "last-year", "--dest", "d"], ("last-year",)),
    ("download-future-year", ["data", "download", "--years", "2999", "--dest", "d"], ("2999",)),
    ("download-zero-timeout", ["data", "download", "--years", "2020", "--dest", "d", "--timeout", "0"],
     ("timeout",)),
    ("download-negative-retries", ["data", "download", "--years", "2020", "--dest", "d",
                                   "--retries", "-1"], ("retries",)),
    ("download-dest-is-file", ["data", "download", "--years", "2020", "--dest", "afile"], ("afile",)),
    ("leaderboard-runs-missing", ["leaderboard", "--runs", "noruns", "-o", "lb"], ("noruns",)),
    ("leaderboard-result-not-json", ["leaderboard", "--runs", "runs", "-o", "lb", "--no-plots"],
     ("bad.json",)),
]


@pytest.mark.parametrize("name,args,needles", DATA, ids=[c[0] for c in DATA])
def test_bad_data_command(hostile, tmp_path, name, args, needles):
    _object_npy(tmp_path)
    np.save(tmp_path / "flat.npy", np.zeros(7))
    (tmp_path / "junk.npy").write_bytes(b"\x93NUMPY garbage")
    (tmp_path / "afile").write_text("x")
    (tmp_path / "exists.zarr").mkdir()
    (tmp_path / "runs" / "quick" / "toy").mkdir(parents=True)
    (tmp_path / "runs" / "quick" / "toy" / "bad.json").write_text("{ not json")
    hostile(args, (1, 2), needles)


def test_leaderboard_never_runs_a_planted_script(tmp_path, monkeypatch):
    """A benchmarks/leaderboard.py in the working folder (or above) is never imported or run."""
    marker = tmp_path / "PWNED"
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "leaderboard.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\ndef main(argv=None):\n    return 0\n"
    )
    runs = tmp_path / "benchmarks" / "results" / "runs"
    runs.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = invoke(["leaderboard", "--runs", str(runs), "-o", str(tmp_path / "lb"), "--no-plots"])
    assert not marker.exists(), "the planted script ran"
    assert "Traceback" not in result.output
    assert not any("idff_ts_bench" in m or m == "leaderboard" for m in sys.modules)


def test_quiet_silences_the_demo_warning(tmp_path, monkeypatch):
    """``-q``: nothing on stdout or stderr but errors (the demo's warning included)."""
    monkeypatch.chdir(tmp_path)
    result = invoke(["forecast", "--days", "1", "--members", "1", "--nfe", "1", "--box", "88",
                     "-q", "-o", "fc.nc"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "", result.output
    assert (tmp_path / "fc.nc").is_file()


def _default_sigint() -> None:
    """In the child: SIGINT back to its default. A runner started in the background by a shell
    without job control ignores SIGINT, its children inherit that, and Python then installs no
    KeyboardInterrupt handler: the signal would be lost and the test would fail for that reason."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _spawn(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "idff_ts.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc/<pid>/stat``, fields 14-15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until_sampling(proc: subprocess.Popen, cpu_s: float = 6.0, wall_s: float = 120.0):
    """Until the command has used ``cpu_s`` CPU seconds: imports and model loading take about
    3 here, the 4000-member sampling about 100. CPU time, unlike a fixed sleep, does not run
    out early on a loaded machine; without ``/proc``, a fixed 6 s."""
    if not Path(f"/proc/{proc.pid}/stat").exists():
        time.sleep(6.0)
        return
    deadline = time.monotonic() + wall_s
    while proc.poll() is None and _cpu_seconds(proc.pid) < cpu_s:
        assert time.monotonic() < deadline, f"no {cpu_s} CPU seconds in {wall_s} s"
        time.sleep(0.2)


def test_ctrl_c_prints_interrupted_and_leaves_no_output(tmp_path, inputs):
    """SIGINT while sampling a long ensemble: exit 130, one line 'interrupted', no file."""
    proc = _spawn(["forecast", "-c", str(inputs / "model.pt"), "--data", str(inputs / "obs.nc"),
                   "--init", "all", "--members", "4000", "--nfe", "50", "-o", "out.nc", "-q"],
                  tmp_path)
    _wait_until_sampling(proc)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the command went on for 60 s after SIGINT")
    assert proc.returncode == 130, (proc.returncode, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["error: interrupted"], err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_entry_point_bad_input_is_one_line(tmp_path):
    """The installed console script (not only the in-process app) answers in one line."""
    proc = subprocess.run(["idff-ts", "forecast", "--days", "nan"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (1, 2)
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []

