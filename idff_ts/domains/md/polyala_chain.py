"""An extended Ace-(Ala)n-Nme chain from internal coordinates, with hydrogens (OpenMM).

:func:`extended_chain` grows the heavy atoms (every φ = ψ = ω = 180°, Engh & Huber bond lengths
and angles, L-alanine) with the natural extension reference frame (:func:`place_atom`);
:func:`build_polyala` turns them into an OpenMM topology and adds hydrogens with
``Modeller.addHydrogens`` (amber14 ``amber14-all.xml``), seeded so every call gives the same
structure. Simulation: :mod:`idff_ts.domains.md.polyala`.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from idff_ts.errors import ConfigError

FORCEFIELD = "amber14-all.xml"

# Backbone geometry (Engh & Huber 1991, as PeptideBuilder uses): lengths in Å, angles in degrees.
_BOND = {"N-CA": 1.458, "CA-C": 1.525, "C-N": 1.329, "C-O": 1.231, "CA-CB": 1.53}
_ANGLE = {"N-CA-C": 111.2, "CA-C-N": 116.2, "C-N-CA": 121.7, "N-C-O": 123.0, "C-CA-CB": 110.1}
_N_C_CA_CB = 122.69  # improper torsion N–C–CA–CB of L-amino acids



def place_atom(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, bond: float, angle: float, torsion: float
) -> np.ndarray:
    """Position ``d`` with ``|cd| = bond``, angle ``b–c–d`` and dihedral ``a–b–c–d`` (degrees).

    Natural extension reference frame (Parsons et al. 2005): with ``ĉ = (c − b)/|c − b|``,
    ``n̂ = (b − a) × ĉ`` normalised and ``m̂ = n̂ × ĉ``,
    ``d = c + bond · (−cos θ ĉ + sin θ cos τ m̂ + sin θ sin τ n̂)``.
    """
    theta, tau = np.radians(angle), np.radians(torsion)
    bc = (c - b) / np.linalg.norm(c - b)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    return c + bond * (-np.cos(theta) * bc + np.sin(theta) * np.cos(tau) * m
                       + np.sin(theta) * np.sin(tau) * n)


def extended_chain(
    n_residues: int, phi: float = 180.0, psi: float = 180.0, omega: float = 180.0
) -> list[tuple[str, list[tuple[str, str, np.ndarray]]]]:
    """Heavy atoms of Ace-(Ala)n-Nme: ``[(residue name, [(atom name, element, xyz Å)])]``.

    The backbone CH3–C–(N–CA–C)ₙ–N–C is grown atom by atom with :func:`place_atom` (every φ,
    ψ, ω as given: 180° is the fully extended strand); each carbonyl O lies in the peptide
    plane, cis to the next CA (``CA(i+1)–N(i+1)–C(i)–O(i) = 0``); CB from the L-alanine
    improper ``N–C–CA–CB = 122.69°``.
    """
    if n_residues < 1:
        raise ConfigError(f"n_residues must be >= 1, got {n_residues}")
    ch3 = np.zeros(3)
    c_ace = np.array([1.52, 0.0, 0.0])
    dummy = np.array([0.0, 1.0, 0.0])
    n_prev = place_atom(dummy, ch3, c_ace, _BOND["C-N"], _ANGLE["CA-C-N"], 180.0)
    residues: list[tuple[str, list[tuple[str, str, np.ndarray]]]] = [
        ("ACE", [("CH3", "C", ch3), ("C", "C", c_ace)])
    ]
    prev_x, prev_c, n_i = ch3, c_ace, n_prev  # X(i−1) = CA(i−1) (CH3 for ACE), C(i−1), N(i)
    for _ in range(n_residues):
        ca = place_atom(prev_x, prev_c, n_i, _BOND["N-CA"], _ANGLE["C-N-CA"], omega)
        c = place_atom(prev_c, n_i, ca, _BOND["CA-C"], _ANGLE["N-CA-C"], phi)
        o_prev = place_atom(ca, n_i, prev_c, _BOND["C-O"], _ANGLE["N-C-O"], 0.0)
        residues[-1][1].append(("O", "O", o_prev))
        cb = place_atom(n_i, c, ca, _BOND["CA-CB"], _ANGLE["C-CA-CB"], _N_C_CA_CB)
        residues.append(("ALA", [("N", "N", n_i), ("CA", "C", ca), ("C", "C", c),
                                 ("CB", "C", cb)]))
        n_next = place_atom(n_i, ca, c, _BOND["C-N"], _ANGLE["CA-C-N"], psi)
        prev_x, prev_c, n_i = ca, c, n_next
    c_nme = place_atom(prev_x, prev_c, n_i, _BOND["N-CA"], _ANGLE["C-N-CA"], omega)
    o_last = place_atom(c_nme, n_i, prev_c, _BOND["C-O"], _ANGLE["N-C-O"], 0.0)
    residues[-1][1].append(("O", "O", o_last))
    residues.append(("NME", [("N", "N", n_i), ("C", "C", c_nme)]))
    return residues


def build_polyala(n_residues: int) -> tuple[Any, Any, Any]:
    """``(topology, positions, forcefield)`` of the extended Ace-(Ala)n-Nme with hydrogens.

    Deterministic: the same structure on every call (every trajectory starts from it).
    """
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit

    top = app.Topology()
    chain = top.addChain("A")
    xyz: list[np.ndarray] = []
    for i, (resname, atoms) in enumerate(extended_chain(n_residues)):
        res = top.addResidue(resname, chain, id=str(i + 1))
        for name, element, pos in atoms:
            top.addAtom(name, app.Element.getBySymbol(element), res)
            xyz.append(pos)
    top.createStandardBonds()
    positions = unit.Quantity([mm.Vec3(*map(float, p)) for p in np.asarray(xyz) * 0.1],
                              unit.nanometer)
    forcefield = app.ForceField(FORCEFIELD)
    modeller = app.Modeller(top, positions)
    # addHydrogens draws start positions from Python's `random` and relaxes them with a short
    # minimisation: seed it (restoring the caller's state) and use the Reference platform so
    # the structure is the same on every machine and every call.
    saved = random.getstate()
    random.seed(0)
    try:
        modeller.addHydrogens(forcefield, platform=mm.Platform.getPlatformByName("Reference"))
    finally:
        random.setstate(saved)
    return modeller.topology, modeller.positions, forcefield


__all__ = ["FORCEFIELD", "build_polyala", "extended_chain", "place_atom"]
