"""One OpenMM run of the extended polyalanine: build, minimise, simulate, write the files.

Called by :func:`idff_ts.domains.md.polyala.simulate_polyala` (which owns the settings, the
cache and the atomic file moves): ``LangevinMiddleIntegrator`` at :data:`TIMESTEP_PS` with
friction :data:`FRICTION_PER_PS`, ``NoCutoff``, ``HBonds`` constraints; velocities and Langevin
noise seeded with ``seed + 1``; deterministic forces on the CPU / GPU platforms.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from idff_ts.domains.md.polyala_chain import build_polyala
from idff_ts.errors import ConfigError

TIMESTEP_PS = 0.002
FRICTION_PER_PS = 1.0


def _make_platform(platform: str, threads: int) -> tuple[Any, dict[str, str]]:
    import openmm as mm

    try:
        plat = mm.Platform.getPlatformByName(platform)
    except Exception:  # noqa: BLE001 - OpenMMException
        names = [mm.Platform.getPlatform(i).getName() for i in range(mm.Platform.getNumPlatforms())]
        raise ConfigError(f"unknown OpenMM platform {platform!r}; available: {names}") from None
    props: dict[str, str] = {}
    if platform == "CPU":
        props = {"Threads": str(threads), "DeterministicForces": "true"}
    elif platform in ("CUDA", "OpenCL", "HIP"):
        props = {"DeterministicForces": "true"}
    return plat, props


@contextlib.contextmanager
def _progress(enabled: bool, total: int, label: str) -> Iterator[Any]:
    """A rich progress bar on stderr (transient) or a no-op advance function."""
    if not enabled:
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                  transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


def run_simulation(settings: dict[str, Any], pdb: Path, dcd: Path, angles: Path,
         progress: bool) -> tuple[Any, float]:
    """Build, minimise, simulate; write the three files; return (topology, steps/s)."""
    import mdtraj as md
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit

    from idff_ts.domains.md.trajectory import dihedrals_from_trajectory

    n_residues, seed = settings["n_residues"], settings["seed"]
    temperature, frame_interval_ps = settings["temperature"], settings["frame_interval_ps"]
    topology, positions, forcefield = build_polyala(n_residues)
    system = forcefield.createSystem(
        topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds
    )
    integrator = mm.LangevinMiddleIntegrator(
        temperature * unit.kelvin, FRICTION_PER_PS / unit.picosecond,
        TIMESTEP_PS * unit.picoseconds,
    )
    integrator.setRandomNumberSeed(int(seed) + 1)
    plat, props = _make_platform(settings["platform"], settings["threads"])
    simulation = app.Simulation(topology, system, integrator, plat, props)
    simulation.context.setPositions(positions)
    simulation.minimizeEnergy()
    simulation.context.setVelocitiesToTemperature(temperature * unit.kelvin, int(seed) + 1)
    state = simulation.context.getState(getPositions=True)
    with open(pdb, "w") as fh:
        app.PDBFile.writeFile(topology, state.getPositions(), fh, keepIds=True)

    n_frames, per_frame = settings["n_frames"], settings["steps_per_frame"]
    xyz = np.empty((n_frames, topology.getNumAtoms(), 3), dtype=np.float32)
    t_md = time.perf_counter()
    with open(dcd, "wb") as fh, _progress(
        progress, n_frames * per_frame, f"polyala n={n_residues} seed={seed}"
    ) as advance:
        writer = app.DCDFile(fh, topology, TIMESTEP_PS * unit.picoseconds,
                             firstStep=per_frame, interval=per_frame)
        for f in range(n_frames):
            simulation.step(per_frame)
            pos = simulation.context.getState(getPositions=True).getPositions(asNumpy=True)
            writer.writeModel(pos)
            xyz[f] = pos.value_in_unit(unit.nanometer)
            advance(per_frame)
    steps_per_s = n_frames * per_frame / (time.perf_counter() - t_md)

    traj = md.Trajectory(xyz, md.Topology.from_openmm(topology),
                         time=(np.arange(n_frames) + 1) * frame_interval_ps)
    da = dihedrals_from_trajectory(traj, source=str(dcd.name).lstrip(".").removesuffix(".tmp"))
    da["time"].attrs["long_name"] = "simulated time"
    da.attrs.update({
        "source": f"OpenMM {mm.__version__} polyalanine (Ace-(Ala){n_residues}-Nme, vacuum)",
        "temperature_K": float(temperature), "seed": int(seed),
        "naming": "phi_i / psi_i: dihedral of residue i (PDB numbering, ACE = 1)",
    })
    da.to_dataset().to_netcdf(angles)
    return topology, steps_per_s


__all__ = ["FRICTION_PER_PS", "TIMESTEP_PS", "run_simulation"]
