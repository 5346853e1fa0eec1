"""Backbone dihedrals (φ, ψ) from molecular-dynamics files, as a labelled ``(time, angle)`` array.

:func:`load_dihedrals` reads

- **any trajectory mdtraj reads** (DCD, XTC, TRR, H5, NetCDF (AMBER), GRO, PDB, …, with a
  topology file ``top`` where the format has none) and computes φ / ψ with
  ``mdtraj.compute_phi`` / ``mdtraj.compute_psi``;
- **precomputed angle tables**: GROMACS ``gmx rama`` output (``.xvg``: rows ``φ ψ RES-N``, one row
  per residue per frame), CSV (columns named like the angles, optional ``time`` column) and
  netCDF (a variable with dims ``(time, angle)``);
- **backbone-bead arrays** (``.npy`` of shape ``(T, 5, 3)``: C(i−1), N, CA, C, N(i+1) of one
  residue, as cgnet's alanine-dipeptide data), through :func:`dihedrals_from_backbone`.

Output: ``xr.DataArray`` named ``dihedral`` with dims ``(time, angle)``, in degrees wrapped to
``(−180, 180]``, ``time`` in ps (or the frame index where the file stores no time and no ``dt``
is given), and angle names ``phi_<resSeq>`` / ``psi_<resSeq>``; attrs ``units="degree"``,
``circular=1``, ``period=360.0`` (:data:`CIRCULAR_ATTRS`: train, forecast and score it as
angles with the same calls as any other series).

**Naming.** A dihedral is named after the residue that owns its central CA: φ_i is
``C(i−1)–N(i)–CA(i)–C(i)`` and ψ_i is ``N(i)–CA(i)–C(i)–N(i+1)``, both labelled with the PDB
residue number (``resSeq``) of residue ``i`` — the numbering GROMACS uses (``gmx rama``'s
``ALA-2``) and the same residue whose atoms mdtraj's ``compute_phi`` / ``compute_psi`` index
(atoms 2 and 1 of each quartet). Alanine dipeptide ACE(1)–ALA(2)–NME(3) thus has ``phi_2,
psi_2``; Ace-(Ala)n-Nme has ``phi_2, psi_2, …, phi_{n+1}, psi_{n+1}`` (the caps carry no
φ / ψ of their own). Angles are ordered by residue, φ before ψ.

**Dihedral formula** (IUPAC sign convention, the same as mdtraj's)::

    b1 = p1 − p0,  b2 = p2 − p1,  b3 = p3 − p2
    θ  = atan2( |b2| b1 · (b2 × b3),  (b1 × b2) · (b2 × b3) )
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError, DataError

ANGLE_NAME = re.compile(r"^(phi|psi|omega|chi[1-5])_(-?\d+)$")
"""Accepted angle names: ``phi_3``, ``psi_3`` (and ``omega_3``, ``chi1_3`` … in tables)."""

CIRCULAR_ATTRS = {"circular": 1, "period": 360.0}
"""Attributes that mark a DataArray as angles on the circle (degrees): :func:`idff_ts.fit`,
:func:`idff_ts.forecast` and :func:`idff_ts.evaluate` then work in ``(sin, cos)`` space and
score wrapped differences (:mod:`idff_ts.data.angles`)."""

TABLE_SUFFIXES = (".xvg", ".csv")
NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf")
BACKBONE_SUFFIXES = (".npy",)
TIME_COLUMNS = ("time", "time_ps")
_CHUNK_FRAMES = 2000


def wrap_degrees(x: Any) -> Any:
    """Wrap angles in degrees to ``(−180, 180]`` (numpy arrays, scalars or xarray objects)."""
    y = (x + 180.0) % 360.0 - 180.0  # [−180, 180)
    return y + 360.0 * (y <= -180.0)


def dihedral(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray) -> np.ndarray:
    """Dihedral angle of the points ``p0–p1–p2–p3`` in degrees, over leading axes ``(..., 3)``.

    ``θ = atan2(|b2| b1·(b2×b3), (b1×b2)·(b2×b3))`` with ``b1 = p1−p0``, ``b2 = p2−p1``,
    ``b3 = p3−p2`` (IUPAC sign; equals ``mdtraj.compute_dihedrals``). Degenerate (collinear)
    points give NaN.
    """
    p0, p1, p2, p3 = (np.asarray(p, dtype=np.float64) for p in (p0, p1, p2, p3))
    b1, b2, b3 = p1 - p0, p2 - p1, p3 - p2
    c23 = np.cross(b2, b3)
    c12 = np.cross(b1, b2)
    y = np.linalg.norm(b2, axis=-1) * np.einsum("...i,...i->...", b1, c23)
    x = np.einsum("...i,...i->...", c12, c23)
    with np.errstate(invalid="ignore"):
        theta = np.degrees(np.arctan2(y, x))
    degenerate = (np.abs(x) < 1e-12) & (np.abs(y) < 1e-12)
    return wrap_degrees(np.where(degenerate, np.nan, theta))


def _time_coord(n: int, dt: float | None, time: np.ndarray | None = None) -> xr.Variable:
    """``time`` in ps from ``dt`` (ps per frame) or the file's times; else the frame index."""
    if dt is not None:
        if not dt > 0:
            raise ConfigError(f"dt (ps per frame) must be > 0, got {dt}")
        return xr.Variable("time", np.arange(n) * float(dt), {"units": "ps", "long_name": "time"})
    if time is not None:
        return xr.Variable("time", np.asarray(time, dtype=np.float64),
                           {"units": "ps", "long_name": "time"})
    return xr.Variable("time", np.arange(n, dtype=np.float64), {
        "units": "frame",
        "long_name": "frame index (the file stores no time; pass dt= in ps per frame)",
    })


def _angle_array(values: np.ndarray, names: Sequence[str], time: xr.Variable,
                 source: str) -> xr.DataArray:
    """The labelled output; refuses NaN / inf with the first offending frame and angle."""
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        t, a = np.argwhere(bad)[0]
        raise DataError(
            f"{source}: {int(bad.sum())} dihedral values are NaN/inf (first at frame {t}, "
            f"angle {names[a]!r}); expected finite angles — check for overlapping or missing "
            "backbone atoms, or clean the table"
        )
    return xr.DataArray(
        wrap_degrees(values),
        dims=("time", "angle"),
        coords={"time": time, "angle": ("angle", np.asarray([str(n) for n in names]))},
        name="dihedral",
        attrs={"units": "degree", "long_name": "backbone dihedral angle", "source": source,
               **CIRCULAR_ATTRS},
    )


def dihedrals_from_backbone(
    coords: np.ndarray, *, dt: float | None = None, residue: int = 2
) -> xr.DataArray:
    """φ and ψ of one residue from backbone beads ``(T, 5, 3)``: C(i−1), N, CA, C, N(i+1).

    ``φ = dihedral(0, 1, 2, 3)``, ``ψ = dihedral(1, 2, 3, 4)`` (pure numpy, module formula);
    named ``phi_<residue>``, ``psi_<residue>`` (2 for alanine dipeptide, as mdtraj and
    ``gmx rama`` number it). ``dt``: ps between frames (cgnet's alanine dipeptide: 10).
    """
    x = np.asarray(coords)
    if x.ndim != 3 or x.shape[1:] != (5, 3):
        raise DataError(
            f"expected backbone coordinates of shape (T, 5, 3) (C, N, CA, C, N per frame), "
            f"found {x.shape}"
        )
    phi = dihedral(x[:, 0], x[:, 1], x[:, 2], x[:, 3])
    psi = dihedral(x[:, 1], x[:, 2], x[:, 3], x[:, 4])
    return _angle_array(
        np.stack([phi, psi], axis=1), [f"phi_{residue}", f"psi_{residue}"],
        _time_coord(x.shape[0], dt), "backbone beads",
    )


# ------------------------------------------------------------------------ trajectories (mdtraj)
def _trajectory_suffixes() -> tuple[str, ...]:
    try:
        from mdtraj.formats.registry import FormatRegistry
    except ImportError:
        return ()
    return tuple(sorted(FormatRegistry.loaders))


def _count_atoms(path: Path) -> int | None:
    """Atoms per frame stored in a trajectory file (None if the format cannot tell cheaply)."""
    import mdtraj as md

    try:
        with md.open(str(path)) as fh:
            got = fh.read(n_frames=1)
        xyz = got[0] if isinstance(got, tuple) else getattr(got, "xyz", None)
        return None if xyz is None else int(np.asarray(xyz).shape[1])
    except Exception:  # noqa: BLE001 - only used to enrich an error message
        return None


def _load_trajectory(path: Path, top: str | Path | None, dt: float | None,
                     selection: str | None) -> xr.DataArray:
    try:
        import mdtraj as md
    except ImportError:
        raise ConfigError(
            "reading MD trajectories needs mdtraj: pip install 'idff-ts[md]'"
        ) from None
    source = str(path) if top is None else f"{path} (topology {top})"
    try:
        topology = md.load_topology(str(top if top is not None else path))
    except Exception as exc:  # noqa: BLE001 - mdtraj raises many types
        if top is None:
            raise DataError(
                f"{path}: the {path.suffix} format holds no topology; pass top= (a PDB, GRO, "
                f"PRMTOP, PSF, … with the same atoms) ({exc})"
            ) from None
        raise DataError(f"cannot read topology {top}: {exc}") from None
    chunks, frames = [], 0
    try:
        for chunk in md.iterload(str(path), top=topology, chunk=_CHUNK_FRAMES):
            chunks.append(chunk)
            frames += chunk.n_frames
    except Exception as exc:  # noqa: BLE001 - mdtraj raises ValueError/IOError/…
        found = _count_atoms(path)
        if found is not None and found != topology.n_atoms:
            raise DataError(
                f"topology does not match the trajectory: {top or path} has "
                f"{topology.n_atoms} atoms but {path.name} stores {found} per frame; use the "
                "topology written with this trajectory"
            ) from None
        raise DataError(f"cannot read trajectory {source}: {exc}") from None
    if not chunks:
        raise DataError(f"trajectory {source} holds no frames")
    traj = md.join(chunks, check_topology=False) if len(chunks) > 1 else chunks[0]
    return dihedrals_from_trajectory(traj, dt=dt, selection=selection, source=source)


def dihedrals_from_trajectory(
    traj: Any, *, dt: float | None = None, selection: str | None = None, source: str = "trajectory"
) -> xr.DataArray:
    """φ / ψ of an ``mdtraj.Trajectory`` as ``dihedral(time, angle)`` (module doc for names).

    ``time`` is ``traj.time`` (ps) unless ``dt`` (ps per frame) is given; ``selection`` keeps
    the dihedrals whose four atoms an mdtraj selection string selects.
    """
    import mdtraj as md

    phi_idx, phi = md.compute_phi(traj)
    psi_idx, psi = md.compute_psi(traj)
    columns: list[tuple[int, int, str, np.ndarray, np.ndarray]] = []
    for kind, order, idx, vals in (("phi", 0, phi_idx, phi), ("psi", 1, psi_idx, psi)):
        centre = 2 if kind == "phi" else 1  # the quartet's CA
        for j, quartet in enumerate(idx):
            residue = traj.topology.atom(int(quartet[centre])).residue
            columns.append((residue.index, order, f"{kind}_{residue.resSeq}", quartet, vals[:, j]))
    if not columns:
        residues = sorted({r.name for r in traj.topology.residues})
        shown = ", ".join(residues[:8]) + (" …" if len(residues) > 8 else "")
        raise DataError(
            f"no protein backbone in {source}: no φ/ψ dihedral found (expected residues with "
            f"N, CA and C atoms bonded to neighbours; found residues {shown})"
        )
    if selection is not None:
        try:
            keep = set(traj.topology.select(selection).tolist())
        except Exception as exc:  # noqa: BLE001 - mdtraj selection parser errors
            raise ConfigError(f"bad mdtraj selection {selection!r}: {exc}") from None
        columns = [c for c in columns if set(int(a) for a in c[3]) <= keep]
        if not columns:
            raise DataError(f"selection {selection!r} keeps no complete φ/ψ quartet in {source}")
    columns.sort(key=lambda c: (c[0], c[1]))
    values = np.degrees(np.stack([c[4] for c in columns], axis=1))
    names = [c[2] for c in columns]
    return _angle_array(values, names, _time_coord(traj.n_frames, dt, traj.time), source)


# ----------------------------------------------------------------------------- angle tables
def _check_names(names: Sequence[str], path: Path, extra: str = "") -> None:
    bad = [n for n in names if not ANGLE_NAME.match(str(n))]
    if bad or not names:
        raise DataError(
            f"angle table {path.name}: expected angle columns named like phi_3, psi_3 "
            f"(kind_residue){extra}; found columns {list(names)}"
            + (f", unexpected {bad}" if bad else ", none of them angles")
        )


def _read_xvg(path: Path, dt: float | None) -> xr.DataArray:
    """``gmx rama`` output: '#'/'@' header lines, then rows ``φ ψ RES-N`` per residue and frame."""
    rows: list[tuple[float, float, str]] = []
    title = ""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if s.startswith("@"):
                m = re.match(r'@\s*title\s+"(.*)"', s)
                title = m.group(1) if m else title
                continue
            parts = s.split()
            try:
                if len(parts) != 3:
                    raise ValueError
                rows.append((float(parts[0]), float(parts[1]), parts[2]))
            except ValueError:
                raise DataError(
                    f"{path.name} line {lineno}: expected gmx rama rows 'phi psi RESIDUE-N' "
                    f"(3 columns); found {s[:60]!r}{' (title ' + repr(title) + ')' if title else ''}"
                ) from None
    if not rows:
        raise DataError(f"{path.name}: no data rows (expected gmx rama rows 'phi psi RESIDUE-N')")
    labels = [r[2] for r in rows]
    per_frame = list(dict.fromkeys(labels))
    n_res = len(per_frame)
    if len(rows) % n_res or labels != per_frame * (len(rows) // n_res):
        raise DataError(
            f"{path.name}: rows do not repeat the residues {per_frame} frame after frame "
            f"({len(rows)} rows); expected {n_res} rows per frame in the same order"
        )
    names: list[str] = []
    for label in per_frame:
        m = re.match(r"^[A-Za-z0-9]+-(-?\d+)$", label)
        if not m:
            raise DataError(f"{path.name}: residue label {label!r} is not RES-N (e.g. ALA-2)")
        names += [f"phi_{m.group(1)}", f"psi_{m.group(1)}"]
    values = np.array([(r[0], r[1]) for r in rows], dtype=np.float64)
    values = values.reshape(len(rows) // n_res, 2 * n_res)
    return _angle_array(values, names, _time_coord(values.shape[0], dt), str(path))


def _read_csv(path: Path, dt: float | None) -> xr.DataArray:
    import pandas as pd

    try:
        df = pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - pandas parser errors
        raise DataError(f"cannot read angle table {path}: {exc}") from None
    cols = [str(c).strip() for c in df.columns]
    df.columns = cols
    time_col = next((c for c in cols if c.lower() in TIME_COLUMNS), None)
    names = [c for c in cols if c != time_col]
    _check_names(names, path, " plus an optional 'time' column in ps")
    try:
        values = df[names].to_numpy(dtype=np.float64)
    except ValueError as exc:
        raise DataError(f"angle table {path.name}: non-numeric values ({exc})") from None
    time = None if time_col is None or dt is not None else df[time_col].to_numpy(np.float64)
    return _angle_array(values, names, _time_coord(len(df), dt, time), str(path))


def _read_netcdf_table(ds: xr.Dataset, path: Path, dt: float | None) -> xr.DataArray:
    cands = [v for v in ds.data_vars if set(ds[v].dims) == {"time", "angle"}]
    if len(cands) != 1:
        raise DataError(
            f"{path.name}: expected one variable with dims (time, angle) (angles in degrees); "
            f"found variables { {str(v): tuple(map(str, ds[v].dims)) for v in ds.data_vars} }"
        )
    da = ds[cands[0]].transpose("time", "angle").load()
    names = [str(n) for n in da["angle"].values] if "angle" in da.coords else []
    _check_names(names, path, " as the 'angle' coordinate")
    values = np.asarray(da.values, dtype=np.float64)
    if str(da.attrs.get("units", "degree")).lower() in ("rad", "radian", "radians"):
        values = np.degrees(values)
    time = None if dt is not None or "time" not in da.coords else da["time"].values
    if time is not None and np.asarray(time).dtype.kind not in "iuf":
        raise DataError(f"{path.name}: expected a numeric time coordinate in ps, found "
                        f"{np.asarray(time).dtype}")
    out = _angle_array(values, names, _time_coord(values.shape[0], dt, time), str(path))
    if dt is None and "time" in da.coords:
        out["time"].attrs.update({k: v for k, v in da["time"].attrs.items() if k == "units"})
    return out


# ------------------------------------------------------------------------------------- entry
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
    suffix = path.suffix.lower()
    names_wanted = None if selection is None or isinstance(selection, str) else list(selection)
    traj_sel = selection if isinstance(selection, str) else None
    is_table = False
    if suffix == ".xvg":
        out, is_table = _read_xvg(path, dt), True
    elif suffix == ".csv":
        out, is_table = _read_csv(path, dt), True
    elif suffix in BACKBONE_SUFFIXES:
        out, is_table = dihedrals_from_backbone(np.load(path, allow_pickle=False), dt=dt), True
        out.attrs["source"] = str(path)
    elif suffix in NETCDF_SUFFIXES and _is_angle_netcdf(path):
        with xr.open_dataset(path) as ds:
            out, is_table = _read_netcdf_table(ds, path, dt), True
    elif suffix in _trajectory_suffixes() or suffix in NETCDF_SUFFIXES:
        out = _load_trajectory(path, top, dt, traj_sel)
    else:
        known = sorted({*TABLE_SUFFIXES, *NETCDF_SUFFIXES, *BACKBONE_SUFFIXES,
                        *_trajectory_suffixes()})
        raise DataError(
            f"unknown file extension {suffix or '(none)'!r} of {path.name}; expected an MD "
            f"trajectory mdtraj reads or an angle table: {', '.join(known)}"
            + ("" if _trajectory_suffixes() else " (trajectories need mdtraj: pip install "
               "'idff-ts[md]')")
        )
    if is_table and traj_sel is not None:
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


def _is_angle_netcdf(path: Path) -> bool:
    """True for a netCDF angle table (dims time, angle), False for e.g. an AMBER trajectory."""
    try:
        with xr.open_dataset(path) as ds:
            return "angle" in ds.dims or not {"atom", "spatial"} <= set(ds.dims)
    except Exception:  # noqa: BLE001 - not readable by xarray: let mdtraj try
        return False


__all__ = [
    "ANGLE_NAME",
    "CIRCULAR_ATTRS",
    "dihedral",
    "dihedrals_from_backbone",
    "dihedrals_from_trajectory",
    "load_dihedrals",
    "wrap_degrees",
]
