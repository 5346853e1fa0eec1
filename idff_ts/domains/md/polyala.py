"""Polyalanine in vacuum with OpenMM: the IDFF paper's molecular-dynamics data (data.md §3).

:func:`simulate_polyala` builds a fully **extended** Ace-(Ala)n-Nme chain from internal
coordinates (every φ = ψ = ω = 180°, Engh & Huber bond lengths and angles, L-alanine), adds
hydrogens with ``Modeller.addHydrogens`` (amber14 ``amber14-all.xml``), and simulates it in
vacuum: ``NoCutoff``, ``HBonds`` constraints, ``LangevinMiddleIntegrator`` (2 fs, friction
1/ps, random seed from ``seed``), after an energy minimisation. It writes

- ``polyala.pdb``: the topology and the minimised structure (hydrogens included);
- ``polyala.dcd``: one frame every ``frame_interval_ps`` (at t = Δ, 2Δ, …; the minimised
  structure is not a frame);
- ``dihedrals.nc``: the backbone dihedrals of the saved frames (mdtraj), a
  ``dihedral(time, angle)`` variable in degrees with ``time`` in ps and names
  ``phi_2, psi_2, …, phi_{n+1}, psi_{n+1}`` (2n angles: residue numbers as in the PDB, ACE = 1,
  the n alanines 2..n+1, NME = n+2; see :mod:`idff_ts.domains.md.dihedrals` for the naming rule). The paper's
  23 residues give its 46 dihedrals.

**Determinism.** On the CPU platform with a fixed thread count (``threads``, default 1) and
``DeterministicForces``, a seed gives the same trajectory bit for bit: the hydrogen placement
is seeded (the same start structure for every run), and the initial velocities and the
Langevin noise both use the OpenMM seed ``seed + 1`` (OpenMM treats 0 as "pick a random
seed"). Another thread count gives another (equally valid) trajectory.

**Cache.** A finished run is recognised by ``run.json`` (all settings + file names): calling
again with the same settings and ``out_dir`` returns it without simulating (``overwrite=True``
re-runs). Files are written to temporary names and moved into place at the end, so an
interrupted run leaves no half-written cache behind.

**Cost.** Vacuum with no cutoff is O(N²) in atoms. Measured on a shared 2-core machine, one
thread: ~7,000–8,000 steps/s for 5 residues (62 atoms), ~2,200–3,000 steps/s for the paper's
23 residues (242 atoms), so its 400 ps (200,000 steps) take ~70–100 s per run.

**Temperature.** Started extended, the chain folds into a helix within ~50 ps at 300 K and then
barely moves (≈ 0.1 ψ transitions per residue in the next 300 ps); 500 K keeps a few
transitions per residue per 100 ps (``benchmarks/results/md_polyala.md``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from idff_ts.domains.md.polyala_chain import FORCEFIELD
from idff_ts.domains.md.polyala_engine import FRICTION_PER_PS, TIMESTEP_PS, run_simulation
from idff_ts.errors import ConfigError

log = logging.getLogger(__name__)

RUN_FILE = "run.json"
FORMAT_VERSION = 1

@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate_polyala` wrote, with its cost.

    Attributes:
        pdb: topology + minimised structure. dcd: the frames. angles: the dihedral table
            (netCDF, ``dihedral(time, angle)`` in degrees, time in ps).
        n_frames: frames in the DCD (= time steps of the angle table).
        n_atoms: atoms including hydrogens.
        n_residues: alanines (the chain is Ace-(Ala)n-Nme).
        seed, temperature: the run's seed and temperature (K).
        wall_s: wall time of the run that produced the files (also when ``cached``).
        steps_per_s: integration speed (MD steps per second of wall time).
        cached: True when the files came from an earlier run.
    """

    pdb: Path
    dcd: Path
    angles: Path
    n_frames: int
    n_atoms: int
    n_residues: int
    seed: int
    temperature: float
    wall_s: float
    steps_per_s: float
    cached: bool = False

    def dihedrals(self) -> xr.DataArray:
        """The dihedral table as a ``(time, angle)`` DataArray (loaded into memory)."""
        with xr.open_dataset(self.angles) as ds:
            return ds["dihedral"].load()


# ------------------------------------------------------------------------------ simulation
def _settings(n_residues: int, picoseconds: float, temperature: float,
              frame_interval_ps: float, seed: int, threads: int) -> dict[str, Any]:
    steps_per_frame = frame_interval_ps / TIMESTEP_PS
    if n_residues < 1:
        raise ConfigError(f"n_residues must be >= 1, got {n_residues}")
    if not temperature > 0:
        raise ConfigError(f"temperature must be > 0 K, got {temperature}")
    if not frame_interval_ps > 0 or abs(steps_per_frame - round(steps_per_frame)) > 1e-6:
        raise ConfigError(
            f"frame_interval_ps must be a positive multiple of the {TIMESTEP_PS} ps time step, "
            f"got {frame_interval_ps}"
        )
    n_frames = int(round(picoseconds / frame_interval_ps))
    if n_frames < 1:
        raise ConfigError(
            f"picoseconds={picoseconds} gives no frame at frame_interval_ps={frame_interval_ps}"
        )
    if threads < 1:
        raise ConfigError(f"threads must be >= 1, got {threads}")
    return {
        "format_version": FORMAT_VERSION, "n_residues": int(n_residues),
        "picoseconds": float(picoseconds), "temperature": float(temperature),
        "frame_interval_ps": float(frame_interval_ps), "seed": int(seed),
        "timestep_ps": TIMESTEP_PS, "friction_per_ps": FRICTION_PER_PS, "forcefield": FORCEFIELD,
        "n_frames": n_frames, "steps_per_frame": int(round(steps_per_frame)),
        "threads": int(threads),
    }


def _cached(out: Path, settings: dict[str, Any]) -> SimulationResult | None:
    run = out / RUN_FILE
    if not run.is_file():
        return None
    try:
        meta = json.loads(run.read_text())
    except (OSError, ValueError):
        return None
    if meta.get("settings") != settings:
        return None
    files = {k: out / meta["files"][k] for k in ("pdb", "dcd", "angles")}
    if not all(p.is_file() for p in files.values()):
        return None
    return SimulationResult(
        **files, n_frames=int(meta["n_frames"]), n_atoms=int(meta["n_atoms"]),
        n_residues=settings["n_residues"], seed=settings["seed"],
        temperature=settings["temperature"], wall_s=float(meta["wall_s"]),
        steps_per_s=float(meta["steps_per_s"]), cached=True,
    )


def simulate_polyala(
    n_residues: int = 23,
    picoseconds: float = 400.0,
    temperature: float = 300.0,
    frame_interval_ps: float = 1.0,
    seed: int = 0,
    out_dir: str | os.PathLike[str] = "polyala",
    platform: str = "CPU",
    progress: bool = True,
    *,
    threads: int = 1,
    overwrite: bool = False,
) -> SimulationResult:
    """Simulate an extended Ace-(Ala)n-Nme in vacuum and write PDB, DCD and dihedral table.

    Args:
        n_residues: alanines n (the paper: 23 → 46 backbone dihedrals).
        picoseconds: simulated time after minimisation (the paper: 400 ps).
        temperature: Langevin bath temperature in K (higher values, e.g. 500 K, give more
            conformational transitions in a short run).
        frame_interval_ps: time between saved frames (a multiple of the 2 fs step).
        seed: seeds the velocities and the Langevin noise (OpenMM seed ``seed + 1``).
        out_dir: folder for ``polyala.pdb``, ``polyala.dcd``, ``dihedrals.nc``, ``run.json``.
        platform: OpenMM platform (``"CPU"`` is deterministic; ``"Reference"``, ``"CUDA"``…).
        progress: rich progress bar on stderr, advanced once per frame (chunk of steps).
        threads: CPU platform threads (fixed so a seed gives the same trajectory).
        overwrite: re-run even when ``out_dir`` holds a finished run with these settings.

    Returns:
        :class:`SimulationResult` with the file paths, frame and atom counts and speed.

    Raises:
        ConfigError: bad settings, unknown platform, OpenMM / mdtraj not installed.
    """
    settings = _settings(n_residues, picoseconds, temperature, frame_interval_ps, seed, threads)
    settings["platform"] = platform
    out = Path(out_dir)
    if not overwrite and (hit := _cached(out, settings)) is not None:
        log.info("polyala: using the cached run in %s", out)
        return hit
    try:
        import mdtraj  # noqa: F401
        import openmm as mm
    except ImportError:
        raise ConfigError(
            "simulating polyalanine needs OpenMM and mdtraj: pip install 'idff-ts[md]'"
        ) from None

    result = _simulate_into(out, settings, progress, mm.__version__)
    log.info("polyala n=%d seed=%d: %d frames, %d atoms, %.0f steps/s, %.1fs",
             n_residues, seed, result.n_frames, result.n_atoms, result.steps_per_s,
             result.wall_s)
    return result


def _simulate_into(out: Path, settings: dict[str, Any], progress: bool,
                   openmm_version: str) -> SimulationResult:
    """Run into temporary files, move them into place, then write ``run.json`` (atomic cache)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / RUN_FILE).unlink(missing_ok=True)  # no stale cache entry while files change
    pdb, dcd, angles = out / "polyala.pdb", out / "polyala.dcd", out / "dihedrals.nc"
    tmp = {p: p.with_name(f".{p.name}.tmp") for p in (pdb, dcd, angles)}
    start = time.perf_counter()
    try:
        topology, steps_per_s = run_simulation(settings, tmp[pdb], tmp[dcd], tmp[angles], progress)
        for path, part in tmp.items():
            os.replace(part, path)
    finally:
        for part in tmp.values():
            part.unlink(missing_ok=True)
    wall_s = time.perf_counter() - start
    n_atoms, n_frames = topology.getNumAtoms(), settings["n_frames"]
    meta = {
        "settings": settings, "files": {"pdb": pdb.name, "dcd": dcd.name, "angles": angles.name},
        "n_frames": n_frames, "n_atoms": n_atoms, "wall_s": wall_s, "steps_per_s": steps_per_s,
        "openmm": openmm_version,
    }
    (out / RUN_FILE).write_text(json.dumps(meta, indent=2))
    return SimulationResult(
        pdb=pdb, dcd=dcd, angles=angles, n_frames=n_frames, n_atoms=n_atoms,
        n_residues=int(settings["n_residues"]), seed=int(settings["seed"]),
        temperature=float(settings["temperature"]), wall_s=wall_s, steps_per_s=steps_per_s,
    )

def cached_run(
    out_dir: str | os.PathLike[str],
    n_residues: int = 23,
    picoseconds: float = 400.0,
    temperature: float = 300.0,
    frame_interval_ps: float = 1.0,
    seed: int = 0,
    platform: str = "CPU",
    *,
    threads: int = 1,
) -> SimulationResult | None:
    """The finished run in ``out_dir`` with exactly these settings, else None (nothing runs).

    Raises:
        ConfigError: bad settings (as :func:`simulate_polyala`).
    """
    settings = _settings(n_residues, picoseconds, temperature, frame_interval_ps, seed, threads)
    settings["platform"] = platform
    return _cached(Path(out_dir), settings)


def simulate_polyala_set(
    n_trajectories: int,
    out_dir: str | os.PathLike[str] = "polyala",
    *,
    seed: int = 0,
    **kwargs: Any,
) -> list[SimulationResult]:
    """``n_trajectories`` independent runs, seeds ``seed, seed + 1, …``, in ``out_dir/seed_NNNN``.

    Every run starts from the same extended chain with its own velocities and Langevin noise;
    split them by whole trajectory (train / val / test), never by frame. ``kwargs`` go to
    :func:`simulate_polyala` (cached runs are reused).
    """
    if n_trajectories < 1:
        raise ConfigError(f"n_trajectories must be >= 1, got {n_trajectories}")
    root = Path(out_dir)
    return [
        simulate_polyala(seed=seed + i, out_dir=root / f"seed_{seed + i:04d}", **kwargs)
        for i in range(n_trajectories)
    ]


def stack_trajectories(results: Sequence[SimulationResult]) -> xr.DataArray:
    """The runs' dihedrals as one ``dihedral(trajectory, time, angle)`` (trajectory = seed)."""
    if not results:
        raise ConfigError("no simulation results to stack")
    arrays = [r.dihedrals() for r in results]
    out = xr.concat(arrays, dim="trajectory", join="exact", combine_attrs="drop_conflicts")
    out = out.assign_coords(trajectory=("trajectory", [r.seed for r in results],
                                        {"long_name": "simulation seed"}))
    out.attrs.pop("seed", None)
    return out


def result_dict(result: SimulationResult) -> dict[str, Any]:
    """A JSON-safe dict of a :class:`SimulationResult` (paths as strings)."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()}


__all__ = [
    "SimulationResult",
    "cached_run",
    "result_dict",
    "simulate_polyala",
    "simulate_polyala_set",
    "stack_trajectories",
]
