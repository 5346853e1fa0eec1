"""Molecular-dynamics tasks: ``polyala`` (simulated, OpenMM) and ``ala2`` (real data).

Both tasks' DataArrays are backbone dihedrals ``dihedral([trajectory,] time, angle)`` in
degrees (attrs ``units="degree"``, ``circular=1``, ``period=360.0``): train them in
``(sin, cos)`` space with :func:`idff_ts.domains.md.forecast.fit_angles` and score them with
``distance="circular"``.

- ``polyala``: ``n`` independent OpenMM runs of an extended Ace-(Ala)n-Nme in vacuum
  (:func:`~idff_ts.domains.md.polyala.simulate_polyala_set`, seeds ``1000 · seed + i``), split by
  whole trajectory in run order (the runs are exchangeable: their seeds are independent) into
  ``counts = (train, val, test)``. Runs are cached under ``cache_dir`` (default
  :func:`~idff_ts.data.locations.default_cache_dir`), so only the first call simulates. Profiles (:data:`POLYALA_PROFILES`):
  ``"quick"`` (5 residues, 40 ps, 4/1/1 runs: ~30 s on 2 cores) for tests and demos,
  ``"default"`` (the registered task: 23 residues = the paper's 46 dihedrals, 100 ps per run,
  a frame every 0.5 ps, 3/1/1 runs: ~4 min of simulation on one core, once) and ``"paper"``
  (23 residues, the paper's 400 ps, 4/1/1 runs: ~15 min). All run at 500 K: at 300 K the
  extended chain folds into a helix within ~50 ps and then stays there (one transition per
  residue in 400 ps; see ``benchmarks/results/md_polyala.md``).
- ``ala2``: alanine dipeptide in explicit water, 100 ns at one frame per 10 ps (cgnet's
  ``ala2_backbone_coordinates.npy``, φ = ``phi_2``, ψ = ``psi_2`` from the backbone beads).
  There is one trajectory, so it is split by **contiguous time blocks**: the first 70 % of the
  frames train, the next 15 % validate, the last 15 % test (7000 / 1500 / 1500 frames; time
  in ps keeps the original values). Neighbouring blocks touch at one boundary each, where
  frames 10 ps apart are correlated: a small, documented leak that a single trajectory cannot
  avoid. The data are fixed: the seed does not change them.

The MD domain registers both (``polyala`` with the ``"default"`` profile,
:meth:`MDDomain.tasks <idff_ts.domains.md.domain.MDDomain.tasks>`) when :mod:`idff_ts.domains`
is imported, which ``import idff_ts`` does; :func:`register_md_tasks` re-registers another
profile. Nothing is simulated or read until a task's splits are requested.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.data.locations import default_cache_dir, find_shared_file
from idff_ts.errors import ConfigError, DataError
from idff_ts.tasks import Splits, Task, register_task

ALA2_FILE = "ala2_backbone_coordinates.npy"
ALA2_DT_PS = 10.0
ALA2_FRACTIONS = (0.70, 0.15, 0.15)

POLYALA_PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"n_residues": 5, "picoseconds": 40.0, "temperature": 500.0,
              "frame_interval_ps": 1.0, "counts": (4, 1, 1)},
    "default": {"n_residues": 23, "picoseconds": 100.0, "temperature": 500.0,
                "frame_interval_ps": 0.5, "counts": (3, 1, 1)},
    "paper": {"n_residues": 23, "picoseconds": 400.0, "temperature": 500.0,
              "frame_interval_ps": 1.0, "counts": (4, 1, 1)},
}
"""``simulate_polyala`` settings and split sizes of the ``polyala`` task's profiles."""

# Bridge width σ per task: the lowest validation CRPS of `benchmarks/sigma_sweep.py` over
# σ ∈ {0.1, …, 5} (benchmarks/results/sigma_sweep.md); σ = 0.1 gave 22–33 % worse CRPS.
_MD_MODEL = {"hidden": 256, "depth": 3, "emb_dim": 32}
_POLYALA_MODEL = {**_MD_MODEL, "sigma": 3.0}
_ALA2_MODEL = {**_MD_MODEL, "sigma": 2.0}
_MD_TRAIN = {
    "max_epochs": 10, "batch_size": 256, "lr": 2e-3, "stride": 1, "limit_train_batches": 24,
    "val_members": 16, "val_nfe": 5, "val_inits": 48, "patience": 3,
}
# polyala's training set is small (3 runs of 200 frames: ~570 windows). At ala2's batch of 256
# that is 3 optimizer steps per epoch, ≤ 30 in all, and every method under-fits; batches of 64
# for up to 60 epochs give ~540 steps (validation CRPS of IDFF at σ = 1: 24.3° → 17.8°).
_POLYALA_TRAIN = {**_MD_TRAIN, "batch_size": 64, "max_epochs": 60, "patience": 10}
_ANGLE_ATTRS = {"units": "degree", "circular": 1, "period": 360.0}


def _split_in_order(da: xr.DataArray, counts: Sequence[int], dim: str) -> Splits:
    bounds = np.cumsum((0, *counts))
    return {key: da.isel({dim: slice(int(bounds[i]), int(bounds[i + 1]))})
            for i, key in enumerate(("train", "val", "test"))}


def polyala_runs(
    seed: int,
    n_residues: int,
    picoseconds: float,
    temperature: float,
    frame_interval_ps: float = 1.0,
    counts: Sequence[int] = (4, 1, 1),
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    threads: int = 1,
) -> list[Any]:
    """The task's ``sum(counts)`` simulations (cached): seeds ``1000 · seed + i``.

    Returns :class:`~idff_ts.domains.md.polyala.SimulationResult` s in run order (train first).
    """
    from idff_ts.domains.md.polyala import simulate_polyala_set

    counts = _check_counts(counts)
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = (f"n{n_residues}_ps{picoseconds:g}_T{temperature:g}_dt{frame_interval_ps:g}"
           f"_threads{threads}")
    return simulate_polyala_set(
        sum(counts), root / "polyala" / key, seed=1000 * int(seed), n_residues=n_residues,
        picoseconds=picoseconds, temperature=temperature, frame_interval_ps=frame_interval_ps,
        threads=threads, progress=sys.stderr.isatty(),
    )


def split_runs(runs: Sequence[Any], counts: Sequence[int]) -> Splits:
    """Stack runs into ``dihedral(trajectory, time, angle)`` and split them in order."""
    from idff_ts.domains.md.polyala import stack_trajectories

    counts = _check_counts(counts)
    if len(runs) != sum(counts):
        raise ConfigError(f"{len(runs)} runs for split sizes {counts}")
    da = stack_trajectories(runs).astype(np.float32)
    da.attrs.update(_ANGLE_ATTRS)
    return _split_in_order(da, counts, "trajectory")


def _check_counts(counts: Sequence[int]) -> tuple[int, int, int]:
    c = tuple(int(x) for x in counts)
    if len(c) != 3 or min(c) < 1:
        raise ConfigError(f"counts must be 3 positive ints (train, val, test), got {tuple(counts)}")
    return c  # type: ignore[return-value]


def polyala_splits(
    n_residues: int,
    picoseconds: float,
    temperature: float,
    frame_interval_ps: float = 1.0,
    counts: Sequence[int] = (4, 1, 1),
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    threads: int = 1,
) -> Callable[[int], Splits]:
    """A ``make_splits(seed)`` recipe: ``sum(counts)`` cached runs split by trajectory in order."""
    counts = _check_counts(counts)

    def make(seed: int) -> Splits:
        runs = polyala_runs(seed, n_residues, picoseconds, temperature, frame_interval_ps,
                            counts, cache_dir=cache_dir, threads=threads)
        return split_runs(runs, counts)

    return make


def polyala_task(profile: str = "quick", **overrides: Any) -> Task:
    """The ``polyala`` Task of a profile (:data:`POLYALA_PROFILES`), settings overridden.

    ``overrides``: any :func:`polyala_splits` argument (``n_residues``, ``picoseconds``,
    ``temperature``, ``frame_interval_ps``, ``counts``, ``cache_dir``, ``threads``).
    """
    if profile not in POLYALA_PROFILES:
        raise ConfigError(f"unknown polyala profile {profile!r}; expected one of "
                          f"{sorted(POLYALA_PROFILES)}")
    p = {**POLYALA_PROFILES[profile], **overrides}
    n_tr, n_va, n_te = p["counts"]
    return Task(
        name="polyala",
        description=(
            f"OpenMM Ace-(Ala){p['n_residues']}-Nme in vacuum, {p['temperature']:g} K, "
            f"{p['picoseconds']:g} ps, frames every {p['frame_interval_ps']:g} ps, "
            f"{2 * p['n_residues']} dihedrals (degrees), split {n_tr}/{n_va}/{n_te} by trajectory"
        ),
        make_splits=polyala_splits(**p),
        context=1, horizon=10, model=_POLYALA_MODEL, train=_POLYALA_TRAIN, members=20,
        test_stride=10, variable="dihedral",
    )


# ------------------------------------------------------------------------------------ ala2
def load_ala2(path: str | os.PathLike[str] | None = None) -> xr.DataArray:
    """The alanine-dipeptide dihedrals ``(time, angle)``: 10000 frames, 10 ps apart."""
    from idff_ts.domains.md.loader import load_dihedrals

    found = Path(path) if path is not None else find_shared_file(f"md/{ALA2_FILE}")
    if found is None or not found.is_file():
        raise DataError(
            f"alanine-dipeptide data not found: expected {ALA2_FILE} at "
            f"{path or '$IDFF_SHARED_DATA/md/ or ../shared/data/md/'}; set IDFF_SHARED_DATA to "
            "the folder holding md/ or pass path="
        )
    da = load_dihedrals(found, dt=ALA2_DT_PS).astype(np.float32)
    da.attrs.update({**_ANGLE_ATTRS, "source": str(found),
                     "description": "alanine dipeptide, AMBER ff99SB-ILDN, explicit water, "
                     "300 K (cgnet examples)"})
    return da


def ala2_splits(path: str | os.PathLike[str] | None = None) -> Callable[[int], Splits]:
    """A ``make_splits(seed)`` recipe: contiguous 70 / 15 / 15 % time blocks (seed unused)."""

    def make(seed: int) -> Splits:
        da = load_ala2(path)
        n = da.sizes["time"]
        n_val, n_test = (round(f * n) for f in ALA2_FRACTIONS[1:])
        n_train = n - n_val - n_test
        return {
            "train": da.isel(time=slice(0, n_train)),
            "val": da.isel(time=slice(n_train, n_train + n_val)),
            "test": da.isel(time=slice(n_train + n_val, n)),
        }

    return make


def ala2_task(path: str | os.PathLike[str] | None = None) -> Task:
    """The ``ala2`` Task (module doc)."""
    return Task(
        name="ala2",
        description="alanine dipeptide (phi_2, psi_2 in degrees), 100 ns every 10 ps; "
        "contiguous time blocks 70/15/15 %",
        make_splits=ala2_splits(path),
        context=1, horizon=10, model=_ALA2_MODEL, train=_MD_TRAIN, members=20, test_stride=10,
        variable="dihedral",
    )


def register_md_tasks(
    *, polyala_profile: str = "default", overwrite: bool = False, **polyala_overrides: Any
) -> list[Task]:
    """Register ``polyala`` (the given profile and overrides) and ``ala2``; return them.

    Nothing is simulated or read until a task's splits are requested.
    """
    tasks = [polyala_task(polyala_profile, **polyala_overrides), ala2_task()]
    return [register_task(t, overwrite=overwrite) for t in tasks]


__all__ = [
    "ALA2_FILE",
    "POLYALA_PROFILES",
    "ala2_splits",
    "ala2_task",
    "default_cache_dir",
    "find_shared_file",
    "load_ala2",
    "polyala_runs",
    "polyala_splits",
    "polyala_task",
    "register_md_tasks",
    "split_runs",
]
