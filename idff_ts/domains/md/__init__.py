"""Molecular dynamics: backbone dihedrals (φ, ψ) in degrees, modelled on the circle.

Everything specific to MD data lives in this folder (data.md §3, method.md §6):

==================  ===========================================================================
``loader``          :func:`load_dihedrals`: any trajectory mdtraj reads, ``gmx rama`` ``.xvg``,
                    CSV / netCDF angle tables, backbone ``.npy`` → ``dihedral(time, angle)``
``dihedrals``       the dihedral formula, angle naming, the labelled output array
``trajectory``,     the readers behind :func:`load_dihedrals` (mdtraj trajectories; angle
``tables``          tables)
``angles``          encode / decode: degrees ↔ ``(sin, cos)`` features (:class:`AngleEncoder`),
                    wrapping to ``(−180, 180]``, circular mean and spread
``forecast``        :func:`fit_angles`, :func:`forecast_angles`, :func:`generate_angles`:
                    training and forecasting in ``(sin, cos)`` space, degrees in and out
``polyala*``        :func:`simulate_polyala`: extended Ace-(Ala)n-Nme in vacuum with OpenMM
``tasks``           the ``polyala`` and ``ala2`` benchmark tasks
``metrics``         :func:`trajectory_scores`, :func:`ramachandran_js`: the paper's MD scores
``cli``             ``idff-ts data simulate polyala`` and ``idff-ts data dihedrals``
``domain``          :class:`MDDomain`, the :class:`~idff_ts.domains.base.Domain` plug-in
==================  ===========================================================================

The public names below are importable from here (``from idff_ts.domains.md import
load_dihedrals``). Nothing here imports torch, OpenMM or mdtraj until a function needs them.
"""

from __future__ import annotations

from idff_ts.domains.md.angles import (
    ENCODING,
    AngleEncoder,
    angle_names,
    circular_mean,
    circular_std,
    is_angle_data,
    is_encoded,
    wrap_degrees,
)
from idff_ts.domains.md.dihedrals import (
    ANGLE_NAME,
    CIRCULAR_ATTRS,
    dihedral,
    dihedrals_from_backbone,
)
from idff_ts.domains.md.domain import MDDomain
from idff_ts.domains.md.forecast import fit_angles, forecast_angles, generate_angles
from idff_ts.domains.md.loader import load_dihedrals
from idff_ts.domains.md.metrics import (
    ramachandran_histogram,
    ramachandran_js,
    ramachandran_js_per_residue,
    ramachandran_pairs,
    trajectory_scores,
)
from idff_ts.domains.md.polyala import (
    SimulationResult,
    cached_run,
    result_dict,
    simulate_polyala,
    simulate_polyala_set,
    stack_trajectories,
)
from idff_ts.domains.md.polyala_chain import build_polyala, extended_chain, place_atom
from idff_ts.domains.md.trajectory import dihedrals_from_trajectory

__all__ = [
    "ANGLE_NAME",
    "CIRCULAR_ATTRS",
    "ENCODING",
    "AngleEncoder",
    "MDDomain",
    "SimulationResult",
    "angle_names",
    "build_polyala",
    "cached_run",
    "circular_mean",
    "circular_std",
    "dihedral",
    "dihedrals_from_backbone",
    "dihedrals_from_trajectory",
    "extended_chain",
    "fit_angles",
    "forecast_angles",
    "generate_angles",
    "is_angle_data",
    "is_encoded",
    "load_dihedrals",
    "place_atom",
    "ramachandran_histogram",
    "ramachandran_js",
    "ramachandran_js_per_residue",
    "ramachandran_pairs",
    "result_dict",
    "simulate_polyala",
    "simulate_polyala_set",
    "stack_trajectories",
    "trajectory_scores",
    "wrap_degrees",
]
