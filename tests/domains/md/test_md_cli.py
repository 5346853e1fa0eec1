"""The command line on molecular-dynamics data: ``idff-ts data simulate polyala``,
``idff-ts data dihedrals``, and train → forecast → evaluate on the ``polyala`` / ``ala2`` tasks
and on a simulated angle table, exactly as for the attractor tasks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from idff_ts.cli import app

TINY = ["--epochs", "1", "--max-batches", "2", "--hidden", "16", "--depth", "1",
        "--val-inits", "4", "--val-members", "4", "--quiet"]
SIM = ["--residues", "2", "--picoseconds", "0.2", "--frame-interval", "0.02", "--quiet"]


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _need_md() -> None:
    pytest.importorskip("openmm", reason="simulating polyalanine needs OpenMM (the md extra)")
    pytest.importorskip("mdtraj", reason="dihedrals need mdtraj (the md extra)")


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Path:
    """Three tiny runs (Ace-(Ala)2-Nme, 10 frames each) written by the CLI."""
    _need_md()
    out = tmp_path_factory.mktemp("md") / "polyala"
    r = run("data", "simulate", "polyala", *SIM, "--trajectories", "3", "--seed", "4",
            "-o", out)
    assert r.exit_code == 0, r.output
    return out


def test_simulate_writes_runs_and_a_stacked_table(sim: Path) -> None:
    import mdtraj as md

    assert sorted(p.name for p in sim.iterdir()) == ["dihedrals.nc", "seed_0004", "seed_0005",
                                                     "seed_0006"]
    for folder in ("seed_0004", "seed_0005", "seed_0006"):
        assert {p.name for p in (sim / folder).iterdir()} == {
            "polyala.pdb", "polyala.dcd", "dihedrals.nc", "run.json"}
    with xr.open_dataset(sim / "dihedrals.nc") as ds:
        da = ds["dihedral"].load()
    assert da.dims == ("trajectory", "time", "angle") and da.shape == (3, 10, 4)
    assert list(da["angle"].values) == ["phi_2", "psi_2", "phi_3", "psi_3"]
    assert list(da["trajectory"].values) == [4, 5, 6]
    assert da.attrs["units"] == "degree" and da.attrs["circular"] == 1
    # oracle: mdtraj's own psi of the DCD of the second run
    traj = md.load(str(sim / "seed_0005" / "polyala.dcd"), top=str(sim / "seed_0005" /
                                                                   "polyala.pdb"))
    psi = np.degrees(md.compute_psi(traj)[1])
    assert np.allclose(da.sel(trajectory=5, angle=["psi_2", "psi_3"]).values, psi, atol=1e-3)


def test_simulate_reuses_refuses_and_validates(sim: Path) -> None:
    before = (sim / "seed_0004" / "polyala.dcd").read_bytes()
    r = run("data", "simulate", "polyala", *SIM, "--trajectories", "3", "--seed", "4",
            "-o", sim)  # same settings: cached, nothing re-simulated
    assert r.exit_code == 0, r.output
    r = run("data", "simulate", "polyala", *SIM[:-1], "--temperature", "400", "--quiet",
            "--trajectories", "3", "--seed", "4", "-o", sim)
    one_line_error(r, 1, "already holds a run with other settings", "--overwrite")
    assert (sim / "seed_0004" / "polyala.dcd").read_bytes() == before  # untouched
    r = run("data", "simulate", "polyala", "--frame-interval", "0.003", "-o", sim / "x")
    one_line_error(r, 2, "multiple of the 0.002 ps")
    r = run("data", "simulate", "polyala", "--residues", "0", "-o", sim / "x")
    one_line_error(r, 2, "--residues")
    assert not (sim / "x").exists()


def test_dihedrals_command_and_bad_topology(sim: Path, tmp_path: Path) -> None:
    from idff_ts.domains.md import load_dihedrals

    run_dir = sim / "seed_0004"
    out = tmp_path / "angles.nc"
    r = run("data", "dihedrals", run_dir / "polyala.dcd", "--top", run_dir / "polyala.pdb",
            "-o", out)
    assert r.exit_code == 0, r.output
    assert "10 frames × 4 angles" in r.stdout
    with xr.open_dataset(out) as ds:
        got = ds["dihedral"].load()
    want = load_dihedrals(run_dir / "polyala.dcd", top=run_dir / "polyala.pdb")
    assert list(got["angle"].values) == list(want["angle"].values)
    assert np.allclose(got.values, want.values, atol=1e-3)
    r = run("data", "dihedrals", run_dir / "polyala.dcd", "--top", run_dir / "polyala.pdb",
            "-o", out)
    one_line_error(r, 1, "exists", "--overwrite")
    gro = _shared("md/ala2_solvated.gro")
    if gro is not None:  # a topology of another system: named, with both atom counts
        r = run("data", "dihedrals", run_dir / "polyala.dcd", "--top", gro,
                "-o", tmp_path / "bad.nc")
        one_line_error(r, 1, "topology does not match the trajectory", "3514")
        assert not (tmp_path / "bad.nc").exists()


def test_train_forecast_evaluate_on_a_simulated_table(sim: Path, tmp_path: Path,
                                                      monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    table = sim / "dihedrals.nc"
    r = run("train", "--data", table, "--var", "dihedral", "--horizon", "3", "-o", "run",
            *TINY)
    assert r.exit_code == 0, r.output
    r = run("forecast", "-c", "run/model.pt", "--data", table, "--var", "dihedral",
            "--init", "all", "--stride", "3", "--members", "4", "-o", "fc.nc")
    assert r.exit_code == 0, r.output
    assert "phi_2" in r.stdout and "(degree)" in r.stdout  # a column pair per angle
    with xr.open_dataset("fc.nc") as fc:
        da = fc["dihedral"].load()
        attrs = dict(fc.attrs)
    assert da.dims == ("init", "trajectory", "lead", "member", "angle")
    assert list(da["angle"].values) == ["phi_2", "psi_2", "phi_3", "psi_3"]
    assert da.attrs["units"] == "degree" and da.attrs["circular"] == 1
    assert "long_name" in da["angle"].attrs and attrs["angle_encoding"] == "sincos"
    assert attrs["Conventions"].startswith("CF")
    assert np.all((da.values > -180) & (da.values <= 180))
    r = run("evaluate", "fc.nc", "--truth", table, "--var", "dihedral", "-o", "m.nc")
    assert r.exit_code == 0, r.output
    with xr.open_dataset("m.nc") as m:
        assert m.attrs["distance"] == "circular"
        assert 0 <= float(m["crps_ecdf_mean"]) <= 180


def test_polyala_task_end_to_end(tmp_path: Path, monkeypatch) -> None:
    """``--task polyala`` (a tiny profile registered in place of the default one)."""
    _need_md()
    from idff_ts.domains.md.tasks import register_md_tasks
    from idff_ts.tasks import TASKS

    saved = dict(TASKS)
    monkeypatch.chdir(tmp_path)
    try:
        register_md_tasks(polyala_profile="quick", overwrite=True, n_residues=2,
                          picoseconds=0.3, frame_interval_ps=0.02, counts=(2, 1, 1),
                          cache_dir=tmp_path / "cache")
        r = run("train", "--task", "polyala", "--horizon", "3", "-o", "run", *TINY)
        assert r.exit_code == 0, r.output
        r = run("forecast", "-c", "run/model.pt", "--members", "3", "--quiet")
        assert r.exit_code == 0, r.output
        with xr.open_dataset("forecast.nc") as fc:
            assert fc.attrs["task"] == "polyala"
            assert fc["dihedral"].dims == ("init", "trajectory", "lead", "member", "angle")
            assert list(fc["trajectory"].values) == [3]  # the held-out run
        r = run("evaluate", "forecast.nc", "-o", "metrics.csv")
        assert r.exit_code == 0, r.output
        metrics = pd.read_csv("metrics.csv", index_col=0)
        assert np.isfinite(metrics["crps_ecdf"]).all() and np.isfinite(metrics["energy"]).all()
    finally:
        TASKS.clear()
        TASKS.update(saved)


def _shared(relative: str) -> Path | None:
    from idff_ts.domains.md.tasks import find_shared_file

    return find_shared_file(relative)


def test_ala2_task_end_to_end(tmp_path: Path, monkeypatch) -> None:
    if _shared("md/ala2_backbone_coordinates.npy") is None:
        pytest.skip("real fixture ala2_backbone_coordinates.npy not found under ../shared/data/md "
                    "(set IDFF_SHARED_DATA)")
    monkeypatch.chdir(tmp_path)
    r = run("train", "--task", "ala2", "-o", "run", *TINY)
    assert r.exit_code == 0, r.output
    r = run("forecast", "-c", "run/model.pt", "--members", "3", "--stride", "100")
    assert r.exit_code == 0, r.output
    assert "phi_2 mean" in r.stdout and "psi_2 spread" in r.stdout
    r = run("evaluate", "forecast.nc", "-o", "m.nc", "--quiet")
    assert r.exit_code == 0, r.output
    with xr.open_dataset("m.nc") as m:
        assert m.attrs["distance"] == "circular" and m.sizes["lead"] == 10
        assert m.attrs["truth"] == "task ala2 (test split)"


def test_simulate_without_openmm_says_how_to_install(monkeypatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "openmm", None)  # `import openmm` raises ImportError
    r = run("data", "simulate", "polyala", *SIM, "-o", tmp_path / "x")
    one_line_error(r, 1, "needs OpenMM and mdtraj", "pip install 'idff-ts[md]'")
    assert not list((tmp_path / "x").glob("polyala.*"))
