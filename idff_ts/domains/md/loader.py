"""Backbone dihedrals (φ, ψ) from molecular-dynamics files: :func:`load_dihedrals`.

:func:`load_dihedrals` reads

- **any trajectory mdtraj reads** (DCD, XTC, TRR, H5, NetCDF (AMBER), GRO, PDB, …, with a
  topology file ``top`` where the format has none) and computes φ / ψ with
  ``mdtraj.compute_phi`` / ``mdtraj.compute_psi``;
- **precomputed angle tables**: GROMACS ``gmx rama`` output (``.xvg``: rows ``φ ψ RES-N``, one row
  per residue per frame), CSV (columns named like the angles, optional ``time`` column) and
  netCDF (a variable with dims ``(time, angle)``);
- **backbone-bead arrays** (``.npy`` of shape ``(T, 5, 3)``: C(i−1), N, CA, C, N(i+1) of one
  residue, as cgnet's alanine-dipeptide data), through :func:`~idff_ts.domains.md.dihedrals.dihedrals_from_backbone`.

Output: ``xr.DataArray`` named ``dihedral`` with dims ``(time, angle)``, in degrees wrapped to
``(−180, 180]``, ``time`` in ps (or the frame index where the file stores no time and no ``dt``
is given), and angle names ``phi_<resSeq>`` / ``psi_<resSeq>``; attrs ``units="degree"``,
``circular=1``, ``period=360.0`` (:data:`~idff_ts.domains.md.dihedrals.CIRCULAR_ATTRS`: train, forecast and score it as
angles with the same calls as any other series).

Naming and formula: :mod:`idff_ts.domains.md.dihedrals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from idff_ts.domains.md.dihedrals import dihedrals_from_backbone
from idff_ts.domains.md.tables import is_angle_netcdf, read_csv, read_netcdf_table, read_xvg
from idff_ts.domains.md.trajectory import load_trajectory, trajectory_suffixes
from idff_ts.errors import ConfigError, DataError

TABLE_SUFFIXES = (".xvg", ".csv")
NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")
BACKBONE_SUFFIXES = (".npy",)


def load_dihedrals(
    path: str | Path,
    top: str | Path | None = None,
    *,
    selection: str | Sequence[str] | None = None,
    dt: float | None = None,
) -> xr.DataArray:
    """Backbone dihedrals of ``path`` as ``(time, angle)`` degrees (module doc for formats).

    Args:
        path: a trajectory mdtraj reads (``.dcd .xtc .trr .h5 .nc .gro .pdb`` …), a
            ``gmx rama`` ``.xvg``, a ``.csv`` / netCDF angle table, or a backbone ``.npy``.
        top: topology for trajectory formats without one (PDB, GRO, PRMTOP, …).
        selection: an mdtraj atom selection (trajectories: keep dihedrals whose four atoms are
            all selected, e.g. ``"resid 1 to 5"``), or a list of angle names (any source).
        dt: ps between frames; overrides the file's times (tables without a time column and
            ``.npy`` arrays have none: without ``dt`` their ``time`` is the frame index).

    Returns:
        ``xr.DataArray`` ``dihedral(time, angle)``, degrees in ``(−180, 180]``, attrs
        ``units="degree"`` and ``source``.

    Raises:
        DataError: missing file, unknown extension, no backbone φ/ψ, a topology with another
            atom count than the trajectory, NaN angles, a table with wrong columns.
        ConfigError: mdtraj not installed, a bad selection.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"file not found: {path}")
    names_wanted = None if selection is None or isinstance(selection, str) else list(selection)
    traj_sel = selection if isinstance(selection, str) else None
    out = _read_table(path, dt)
    if out is None:
        out = load_trajectory(path, top, dt, traj_sel)
    elif traj_sel is not None:
        raise ConfigError(
            f"an atom selection ({traj_sel!r}) needs a trajectory with atoms; {path.name} is an "
            "angle table: pass a list of angle names instead"
        )
    if names_wanted is not None:
        have = [str(n) for n in out["angle"].values]
        missing = [n for n in names_wanted if n not in have]
        if missing:
            raise DataError(f"angles {missing} not in {path.name}; found {have}")
        out = out.sel(angle=names_wanted)
    return out


def _read_table(path: Path, dt: float | None) -> xr.DataArray | None:
    """The angles of a table / backbone array, ``None`` for a trajectory (by extension).

    Raises:
        DataError: an extension that is neither (listing the known ones).
    """
    suffix = path.suffix.lower()
    if suffix == ".xvg":
        return read_xvg(path, dt)
    if suffix == ".csv":
        return read_csv(path, dt)
    if suffix in BACKBONE_SUFFIXES:
        out = dihedrals_from_backbone(_load_backbone(path), dt=dt)
        out.attrs["source"] = str(path)
        return out
    if suffix in NETCDF_SUFFIXES and is_angle_netcdf(path):
        with xr.open_dataset(path) as ds:
            return read_netcdf_table(ds, path, dt)
    if suffix in trajectory_suffixes() or suffix in NETCDF_SUFFIXES:
        return None
    known = sorted({*TABLE_SUFFIXES, *NETCDF_SUFFIXES, *BACKBONE_SUFFIXES, *trajectory_suffixes()})
    raise DataError(
        f"unknown file extension {suffix or '(none)'!r} of {path.name}; expected an MD "
        f"trajectory mdtraj reads or an angle table: {', '.join(known)}"
        + ("" if trajectory_suffixes() else " (trajectories need mdtraj: pip install "
           "'idff-ts[md]')")
    )


def _load_backbone(path: Path) -> np.ndarray:
    """A backbone ``.npy`` as a numeric array; pickled objects are refused unread."""
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        why = ("it holds Python objects (refused: loading them could run code)"
               if "allow_pickle" in str(exc) else f"not a .npy array ({' '.join(str(exc).split())[:100]})")
        raise DataError(f"cannot read {path}: {why}; expected a float array of shape (T, 5, 3)") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if arr.dtype.kind not in "iuf" or arr.ndim != 3 or arr.shape[1:] != (5, 3):
        raise DataError(
            f"{path}: expected backbone coordinates of shape (T, 5, 3) (C, N, CA, C, N per "
            f"frame) as numbers, found shape {arr.shape} of dtype {arr.dtype}"
        )
    return arr

__all__ = ["BACKBONE_SUFFIXES", "NETCDF_SUFFIXES", "TABLE_SUFFIXES", "load_dihedrals"]
