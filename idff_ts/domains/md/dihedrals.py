"""Backbone dihedrals (φ, ψ) as a labelled ``(time, angle)`` array: naming, formula, labelling.

The readers (:mod:`idff_ts.domains.md.loader`, :mod:`~idff_ts.domains.md.trajectory`,
:mod:`~idff_ts.domains.md.tables`) all end in :func:`angle_array`, so every source gives the
same output: ``xr.DataArray`` named ``dihedral`` with dims ``(time, angle)``, in degrees wrapped
to ``(−180, 180]``, attrs ``units="degree"``, ``circular=1``, ``period=360.0``.

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

import numpy as np
import xarray as xr

from idff_ts.domains.md.angles import wrap_degrees
from idff_ts.errors import ConfigError, DataError

ANGLE_NAME = re.compile(r"^(phi|psi|omega|chi[1-5])_(-?\d+)$")
"""Accepted angle names: ``phi_3``, ``psi_3`` (and ``omega_3``, ``chi1_3`` … in tables)."""

CIRCULAR_ATTRS = {"circular": 1, "period": 360.0}
"""Attributes that mark a DataArray as angles on the circle (degrees): :func:`idff_ts.fit`,
:func:`idff_ts.forecast` and :func:`idff_ts.evaluate` then work in ``(sin, cos)`` space and
score wrapped differences (:mod:`idff_ts.domains.md.angles`)."""


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


def time_coord(n: int, dt: float | None, time: np.ndarray | None = None) -> xr.Variable:
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


def angle_array(values: np.ndarray, names: Sequence[str], time: xr.Variable,
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
    return angle_array(
        np.stack([phi, psi], axis=1), [f"phi_{residue}", f"psi_{residue}"],
        time_coord(x.shape[0], dt), "backbone beads",
    )


__all__ = [
    "ANGLE_NAME",
    "CIRCULAR_ATTRS",
    "angle_array",
    "dihedral",
    "dihedrals_from_backbone",
    "time_coord",
    "wrap_degrees",
]
