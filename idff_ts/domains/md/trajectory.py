"""Backbone φ / ψ of any trajectory mdtraj reads (``mdtraj.compute_phi`` / ``compute_psi``).

Naming and output as in :mod:`idff_ts.domains.md.dihedrals`; needs the ``md`` extra (mdtraj).
Trajectories are read in chunks of :data:`CHUNK_FRAMES` frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.domains.md.dihedrals import angle_array, time_coord
from idff_ts.errors import ConfigError, DataError

CHUNK_FRAMES = 2000


def trajectory_suffixes() -> tuple[str, ...]:
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


def load_trajectory(path: Path, top: str | Path | None, dt: float | None,
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
        for chunk in md.iterload(str(path), top=topology, chunk=CHUNK_FRAMES):
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
    return angle_array(values, names, time_coord(traj.n_frames, dt, traj.time), source)


__all__ = ["dihedrals_from_trajectory", "load_trajectory", "trajectory_suffixes"]
