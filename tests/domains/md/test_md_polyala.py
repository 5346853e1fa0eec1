"""Polyalanine with OpenMM: extended chain geometry, tiny runs (files, names, determinism, cache),
sets of trajectories and the ``polyala`` task."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from idff_ts.domains.md import dihedral, extended_chain, place_atom
from idff_ts.errors import ConfigError

TINY = {"n_residues": 2, "picoseconds": 0.2, "frame_interval_ps": 0.02, "progress": False}


def _need_md() -> None:
    pytest.importorskip("openmm", reason="simulating polyalanine needs OpenMM (the md extra)")
    pytest.importorskip("mdtraj", reason="dihedrals need mdtraj (the md extra)")


def test_place_atom_sets_bond_angle_and_torsion() -> None:
    a, b, c = np.array([1.0, 1, 0]), np.array([0.0, 0, 0]), np.array([1.5, 0, 0])
    d = place_atom(a, b, c, 1.33, 116.0, -65.0)
    assert np.linalg.norm(d - c) == pytest.approx(1.33)
    u, v = b - c, d - c
    assert np.degrees(np.arccos(u @ v / np.linalg.norm(u) / np.linalg.norm(v))) == pytest.approx(
        116.0)
    assert dihedral(a, b, c, d) == pytest.approx(-65.0)


def test_extended_chain_is_fully_extended_l_alanine() -> None:
    residues = extended_chain(3)
    assert [r for r, _ in residues] == ["ACE", "ALA", "ALA", "ALA", "NME"]
    atoms = {(i, name): xyz for i, (_, at) in enumerate(residues) for name, _, xyz in at}
    for i in (1, 2, 3):
        prev_c = atoms[(i - 1, "C")]
        nxt_n = atoms[(i + 1, "N")]
        n, ca, c = atoms[(i, "N")], atoms[(i, "CA")], atoms[(i, "C")]
        assert abs(dihedral(prev_c, n, ca, c)) == pytest.approx(180.0, abs=1e-6)  # φ
        assert abs(dihedral(n, ca, c, nxt_n)) == pytest.approx(180.0, abs=1e-6)  # ψ
        assert dihedral(n, c, ca, atoms[(i, "CB")]) == pytest.approx(122.69, abs=1e-6)  # L
        # carbonyl O in the peptide plane, trans to N(i+1)'s H side: cis to CA(i+1)
        nxt_ca = atoms[(i + 1, "CA")] if i < 3 else atoms[(i + 1, "C")]
        assert dihedral(nxt_ca, nxt_n, c, atoms[(i, "O")]) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ConfigError):
        extended_chain(0)


def test_tiny_simulation_files_names_and_topology(tmp_path: Path, capfd) -> None:
    _need_md()
    import mdtraj as md

    from idff_ts.domains.md import simulate_polyala

    res = simulate_polyala(out_dir=tmp_path, seed=3, **TINY)
    out, err = capfd.readouterr()
    assert "polyala" not in err  # progress off: no bar
    assert res.pdb.is_file() and res.dcd.is_file() and res.angles.is_file()
    assert (tmp_path / "run.json").is_file()
    assert not list(tmp_path.glob(".*.tmp"))
    assert res.n_frames == 10 and res.n_atoms == 32 and not res.cached
    top = md.load_topology(str(res.pdb))
    assert [r.name for r in top.residues] == ["ACE", "ALA", "ALA", "NME"]
    assert top.n_atoms == 32 and sum(a.element.symbol == "H" for a in top.atoms) == 17
    da = res.dihedrals()
    # 2 angles per alanine: the caps carry no φ/ψ of their own; ACE = residue 1
    assert list(da["angle"].values) == ["phi_2", "psi_2", "phi_3", "psi_3"]
    assert da.sizes["angle"] == 2 * TINY["n_residues"]
    assert np.allclose(da["time"].values, 0.02 * np.arange(1, 11))
    assert da.attrs["units"] == "degree" and da["time"].attrs["units"] == "ps"
    traj = md.load(str(res.dcd), top=str(res.pdb))
    assert traj.n_frames == 10
    assert np.allclose(np.degrees(md.compute_phi(traj)[1][:, 0]), da.sel(angle="phi_2"),
                       atol=1e-3)
    assert np.all(np.isfinite(da.values)) and np.all(np.abs(da.values) <= 180)
    from idff_ts.domains.md import load_dihedrals

    again = load_dihedrals(res.dcd, top=res.pdb, dt=0.02)  # the loader's DCD path
    assert list(again["angle"].values) == list(da["angle"].values)
    assert np.allclose(again.values, da.values, atol=1e-3)


def test_progress_bar_runs(tmp_path: Path) -> None:
    _need_md()
    from idff_ts.domains.md import simulate_polyala

    res = simulate_polyala(out_dir=tmp_path, **{**TINY, "picoseconds": 0.04, "progress": True})
    assert res.n_frames == 2 and res.steps_per_s > 0


def test_seeded_runs_are_deterministic_and_cached(tmp_path: Path) -> None:
    _need_md()
    from idff_ts.domains.md import simulate_polyala

    a = simulate_polyala(out_dir=tmp_path / "a", seed=5, **TINY)
    b = simulate_polyala(out_dir=tmp_path / "b", seed=5, **TINY)
    c = simulate_polyala(out_dir=tmp_path / "c", seed=6, **TINY)
    va, vb, vc = (r.dihedrals().values for r in (a, b, c))
    assert np.array_equal(va, vb)
    assert not np.allclose(va, vc)
    again = simulate_polyala(out_dir=tmp_path / "a", seed=5, **TINY)
    assert again.cached and again.wall_s == a.wall_s and np.array_equal(again.dihedrals().values, va)
    other = simulate_polyala(out_dir=tmp_path / "a", seed=5, **{**TINY, "picoseconds": 0.1})
    assert not other.cached and other.n_frames == 5


def test_set_task_and_splits(tmp_path: Path) -> None:
    _need_md()
    from idff_ts.domains.md.tasks import polyala_task

    task = polyala_task("quick", n_residues=2, picoseconds=0.12, frame_interval_ps=0.02,
                        counts=(2, 1, 1), cache_dir=tmp_path)
    splits = task.make_splits(0)
    assert {k: v.sizes["trajectory"] for k, v in splits.items()} == {"train": 2, "val": 1,
                                                                     "test": 1}
    train = splits["train"]
    assert train.dims == ("trajectory", "time", "angle") and train.sizes["time"] == 6
    assert list(train["trajectory"].values) == [0, 1]
    assert list(splits["test"]["trajectory"].values) == [3]
    assert train.attrs["units"] == "degree" and train.attrs["circular"] == 1
    assert not np.allclose(train.isel(trajectory=0), train.isel(trajectory=1))
    assert len(list((tmp_path / "polyala").glob("*/seed_*/run.json"))) == 4


def test_bad_settings() -> None:
    _need_md()
    from idff_ts.domains.md import simulate_polyala

    with pytest.raises(ConfigError, match="multiple of the 0.002 ps"):
        simulate_polyala(frame_interval_ps=0.003, out_dir="unused", progress=False)
    with pytest.raises(ConfigError, match="n_residues"):
        simulate_polyala(n_residues=0, out_dir="unused", progress=False)
    with pytest.raises(ConfigError, match="temperature"):
        simulate_polyala(temperature=-1.0, out_dir="unused", progress=False)
    with pytest.raises(ConfigError, match="unknown polyala profile"):
        from idff_ts.domains.md.tasks import polyala_task

        polyala_task("huge")


def test_register_md_tasks() -> None:
    from idff_ts.domains.md.tasks import register_md_tasks
    from idff_ts.tasks import TASKS, get_task

    saved = dict(TASKS)
    try:
        assert {"polyala", "ala2"} <= set(TASKS)  # registered on import
        assert "23-Nme" in get_task("polyala").description  # the default profile
        tasks = register_md_tasks(polyala_profile="quick", overwrite=True)
        assert {t.name for t in tasks} == {"polyala", "ala2"}
        assert get_task("polyala").variable == "dihedral"
        assert "5-Nme" in get_task("polyala").description
        paper = register_md_tasks(polyala_profile="paper", overwrite=True)[0]
        assert "23-Nme" in paper.description and "46 dihedrals" in paper.description
    finally:
        TASKS.clear()
        TASKS.update(saved)
