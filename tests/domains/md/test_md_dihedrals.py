"""Dihedral loader: real alanine-dipeptide fixtures (xtc + gro, gmx rama xvg, cgnet backbone npy),
the numpy dihedral formula on hand-built geometry, tables, and each bad-input error."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.domains.md import dihedral, dihedrals_from_backbone, load_dihedrals
from idff_ts.errors import ConfigError, DataError

SHARED = Path(
    os.environ.get("IDFF_SHARED_DATA")
    or Path(__file__).resolve().parents[4] / "shared" / "data"
)
MD = SHARED / "md"
XTC, GRO = MD / "ala2_solvated.xtc", MD / "ala2_solvated.gro"
XVG, NPY = MD / "ala2_rama.xvg", MD / "ala2_backbone_coordinates.npy"


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real fixture {path.name} not found under {MD} (set IDFF_SHARED_DATA)")


def _mdtraj():
    return pytest.importorskip("mdtraj", reason="trajectory files need mdtraj (the md extra)")


# ----------------------------------------------------------------------------- dihedral formula
def test_dihedral_of_a_hand_built_geometry_is_60_degrees() -> None:
    c60, s60 = np.cos(np.pi / 3), np.sin(np.pi / 3)
    p0, p1, p2 = np.array([1.0, 0, 0]), np.zeros(3), np.array([0, 0, 1.0])
    assert dihedral(p0, p1, p2, np.array([c60, s60, 1.0])) == pytest.approx(60.0)
    assert dihedral(p0, p1, p2, np.array([c60, -s60, 1.0])) == pytest.approx(-60.0)
    assert dihedral(p0, p1, p2, np.array([-1.0, 0, 1.0])) == pytest.approx(180.0)  # trans
    assert dihedral(p0, p1, p2, np.array([1.0, 0, 1.0])) == pytest.approx(0.0)  # cis
    # backbone beads with φ = 60° (beads 0..3 as above) and ψ = −120°: bead 4 is bead 1
    # rotated by −120° about the axis 2 → 3 (Rodrigues), then moved along that axis
    beads = np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 1], [c60, s60, 1], [0, 0, 0]])
    axis = (beads[3] - beads[2]) / np.linalg.norm(beads[3] - beads[2])
    ref = beads[1] - beads[2]
    ref -= ref.dot(axis) * axis
    ang = np.radians(-120.0)
    beads[4] = beads[3] + ref * np.cos(ang) + np.cross(axis, ref) * np.sin(ang) + 0.3 * axis
    da = dihedrals_from_backbone(np.stack([beads, beads]), dt=10.0)
    assert list(da["angle"].values) == ["phi_2", "psi_2"]
    assert da.sel(angle="phi_2").values == pytest.approx([60.0, 60.0])
    assert da.sel(angle="psi_2").values == pytest.approx([-120.0, -120.0])
    assert list(da["time"].values) == [0.0, 10.0] and da["time"].attrs["units"] == "ps"


def test_dihedral_formula_matches_mdtraj_on_random_points() -> None:
    md = _mdtraj()
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(50, 4, 3)).astype(np.float32)
    top = md.Topology()
    res = top.add_residue("X", top.add_chain())
    for i in range(4):
        top.add_atom(f"C{i}", md.element.carbon, res)
    ref = np.degrees(md.compute_dihedrals(md.Trajectory(xyz, top), [[0, 1, 2, 3]])[:, 0])
    ours = dihedral(xyz[:, 0], xyz[:, 1], xyz[:, 2], xyz[:, 3])
    assert np.allclose(ours, ref, atol=1e-3)


def test_backbone_shape_and_nan_errors() -> None:
    with pytest.raises(DataError, match=r"shape \(T, 5, 3\)"):
        dihedrals_from_backbone(np.zeros((3, 4, 3)))
    coords = np.random.default_rng(1).normal(size=(4, 5, 3))
    coords[2, 1] = np.nan
    with pytest.raises(DataError, match="NaN/inf.*frame 2"):
        dihedrals_from_backbone(coords)


# ------------------------------------------------------------------------------ real fixtures
def test_xtc_with_gro_gives_ala2_phi_psi() -> None:
    md = _mdtraj()
    _need(XTC, GRO)
    da = load_dihedrals(XTC, top=GRO)
    assert da.dims == ("time", "angle") and da.sizes["time"] == 51
    assert list(da["angle"].values) == ["phi_2", "psi_2"]
    assert da.attrs["units"] == "degree"
    traj = md.load(str(XTC), top=str(GRO))
    assert np.allclose(da.sel(angle="phi_2"), np.degrees(md.compute_phi(traj)[1][:, 0]))
    assert np.allclose(da.sel(angle="psi_2"), np.degrees(md.compute_psi(traj)[1][:, 0]))
    # the numpy formula on the backbone atoms C(ACE), N, CA, C, N(NME) gives the same angles
    sel = [traj.topology.select(f"resid {r} and name {n}")[0]
           for r, n in ((0, "C"), (1, "N"), (1, "CA"), (1, "C"), (2, "N"))]
    beads = dihedrals_from_backbone(traj.xyz[:, sel])
    assert np.allclose(beads.values, da.values, atol=1e-3)
    # dt overrides the file's times
    assert load_dihedrals(XTC, top=GRO, dt=20.0)["time"].values[-1] == pytest.approx(1000.0)
    # selections: names, or atoms (the φ quartet needs the ACE carbon)
    assert list(load_dihedrals(XTC, top=GRO, selection=["psi_2"])["angle"].values) == ["psi_2"]
    only_ala = load_dihedrals(XTC, top=GRO, selection="resname ALA or resname NME")
    assert list(only_ala["angle"].values) == ["psi_2"]


def test_gmx_rama_xvg() -> None:
    _need(XVG)
    da = load_dihedrals(XVG)
    assert da.sizes["time"] == 5001 and list(da["angle"].values) == ["phi_2", "psi_2"]
    raw = np.loadtxt(XVG, comments=("#", "@"), usecols=(0, 1))
    assert np.allclose(da.values, raw)
    assert da["time"].attrs["units"] == "frame"  # gmx rama writes no time
    assert load_dihedrals(XVG, dt=2.0)["time"].attrs["units"] == "ps"


def test_xvg_and_xtc_describe_the_same_system() -> None:
    """Same names; both trajectories sample the same (β / PII) basin of alanine dipeptide."""
    _mdtraj()
    _need(XTC, GRO, XVG)
    a, b = load_dihedrals(XTC, top=GRO), load_dihedrals(XVG)
    assert list(a["angle"].values) == list(b["angle"].values)
    assert float(a.sel(angle="phi_2").mean()) < -50 and float(b.sel(angle="phi_2").mean()) < -50


def test_cgnet_backbone_npy() -> None:
    _need(NPY)
    da = load_dihedrals(NPY, dt=10.0)
    assert da.shape == (10000, 2) and list(da["angle"].values) == ["phi_2", "psi_2"]
    assert da["time"].values[1] == 10.0
    coords = np.load(NPY)
    ref = dihedral(coords[:5, 0], coords[:5, 1], coords[:5, 2], coords[:5, 3])
    assert np.allclose(da.sel(angle="phi_2").values[:5], ref)


def test_ala2_task_contiguous_blocks() -> None:
    _need(NPY)
    from idff_ts.domains.md.tasks import ala2_task

    splits = ala2_task(NPY).make_splits(0)
    sizes = {k: v.sizes["time"] for k, v in splits.items()}
    assert sizes == {"train": 7000, "val": 1500, "test": 1500}
    assert splits["val"]["time"].values[0] == splits["train"]["time"].values[-1] + 10.0
    assert splits["test"]["time"].values[-1] == 99990.0
    assert splits["test"].attrs["units"] == "degree"


def test_ala2_task_missing_file(tmp_path: Path) -> None:
    from idff_ts.domains.md.tasks import ala2_task

    with pytest.raises(DataError, match="alanine-dipeptide data not found"):
        ala2_task(tmp_path / "nope.npy").make_splits(0)


# ------------------------------------------------------------------------------------ tables
def _table() -> xr.DataArray:
    rng = np.random.default_rng(2)
    return xr.DataArray(
        rng.uniform(-180, 180, (6, 4)), dims=("time", "angle"),
        coords={"time": np.arange(6) * 2.0, "angle": ["phi_2", "psi_2", "phi_3", "psi_3"]},
        name="dihedral", attrs={"units": "degree"},
    )


def test_csv_and_netcdf_tables_round_trip(tmp_path: Path) -> None:
    da = _table()
    csv = tmp_path / "angles.csv"
    df = da.to_pandas()
    df.insert(0, "time", da["time"].values)
    df.to_csv(csv, index=False)
    back = load_dihedrals(csv)
    assert np.allclose(back.values, da.values) and list(back["time"].values) == list(da["time"])
    nc = tmp_path / "angles.nc"
    da.to_dataset().to_netcdf(nc)
    back = load_dihedrals(nc, selection=["psi_3", "phi_2"])
    assert list(back["angle"].values) == ["psi_3", "phi_2"]
    assert np.allclose(back.values, da.sel(angle=["psi_3", "phi_2"]).values)
    # radians are converted
    rad = np.radians(da).assign_attrs(units="rad")
    rad.to_dataset().to_netcdf(tmp_path / "rad.nc")
    assert np.allclose(load_dihedrals(tmp_path / "rad.nc").values, da.values)
    # no time column → frame index
    pd.DataFrame(da.values, columns=list(da["angle"].values)).to_csv(tmp_path / "n.csv",
                                                                      index=False)
    assert load_dihedrals(tmp_path / "n.csv")["time"].attrs["units"] == "frame"


# ------------------------------------------------------------------------------------ errors
def test_table_with_wrong_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame({"time": [0, 1], "alpha": [1.0, 2.0], "phi_2": [3.0, 4.0]}).to_csv(path,
                                                                                  index=False)
    with pytest.raises(DataError, match=r"expected angle columns named like phi_3.*alpha"):
        load_dihedrals(path)
    nc = tmp_path / "bad.nc"
    xr.Dataset({"x": (("t", "k"), np.zeros((2, 2)))}).to_netcdf(nc)
    with pytest.raises(DataError, match=r"dims \(time, angle\)"):
        load_dihedrals(nc)


def test_table_with_nan(tmp_path: Path) -> None:
    path = tmp_path / "nan.csv"
    pd.DataFrame({"phi_2": [1.0, np.nan], "psi_2": [3.0, 4.0]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="NaN/inf.*frame 1.*'phi_2'"):
        load_dihedrals(path)


def test_bad_xvg(tmp_path: Path) -> None:
    path = tmp_path / "energy.xvg"
    path.write_text('@ title "Energies"\n0.0 1.0\n1.0 2.0\n')
    with pytest.raises(DataError, match="expected gmx rama rows"):
        load_dihedrals(path)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "angles.foo"
    path.write_text("x")
    with pytest.raises(DataError, match="unknown file extension '.foo'.*expected"):
        load_dihedrals(path)
    with pytest.raises(DataError, match="file not found"):
        load_dihedrals(tmp_path / "missing.xtc")


def test_atom_selection_on_a_table_is_refused(tmp_path: Path) -> None:
    nc = tmp_path / "a.nc"
    _table().to_dataset().to_netcdf(nc)
    with pytest.raises(ConfigError, match="atom selection"):
        load_dihedrals(nc, selection="name CA")


def test_topology_that_does_not_match_the_trajectory(tmp_path: Path) -> None:
    md = _mdtraj()
    _need(XTC, GRO)
    small = tmp_path / "ala2_only.pdb"
    md.load(str(GRO)).atom_slice(np.arange(22)).save_pdb(str(small))
    with pytest.raises(DataError, match="22 atoms but ala2_solvated.xtc stores 3514"):
        load_dihedrals(XTC, top=small)


def test_trajectory_without_backbone(tmp_path: Path) -> None:
    md = _mdtraj()
    top = md.Topology()
    chain = top.add_chain()
    xyz = []
    for i in range(3):
        res = top.add_residue("HOH", chain, resSeq=i + 1)
        o = top.add_atom("O", md.element.oxygen, res)
        h1 = top.add_atom("H1", md.element.hydrogen, res)
        h2 = top.add_atom("H2", md.element.hydrogen, res)
        top.add_bond(o, h1)
        top.add_bond(o, h2)
        xyz += [[0.3 * i, 0, 0], [0.3 * i + 0.1, 0, 0], [0.3 * i, 0.1, 0]]
    path = tmp_path / "water.pdb"
    md.Trajectory(np.asarray([xyz], dtype=np.float32), top).save_pdb(str(path))
    with pytest.raises(DataError, match="no protein backbone.*HOH"):
        load_dihedrals(path)
