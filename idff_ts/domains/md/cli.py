"""The MD domain's ``idff-ts data`` commands: ``simulate polyala`` and ``dihedrals``.

::

    idff-ts data simulate polyala --residues 23 --picoseconds 400 --temperature 500 -o polyala
    idff-ts data dihedrals traj.xtc --top conf.gro -o angles.nc

The commands only translate flags into calls of
:func:`~idff_ts.domains.md.polyala.simulate_polyala` and
:func:`~idff_ts.domains.md.loader.load_dihedrals`. :data:`md_data_app` is a typer app holding
the group ``simulate`` (:data:`simulate_app`) and the command ``dihedrals``, whose commands and
groups the CLI mounts under ``idff-ts data``
(:meth:`MDDomain.cli_commands <idff_ts.domains.md.domain.MDDomain.cli_commands>`).
Errors follow :mod:`idff_ts.cli`: a bad flag value exits with 2, bad data (an existing output
with other settings, a missing file) with 1, each with one line ``error: …`` on stderr (the
root app turns :class:`~idff_ts.errors.DataError` into that line). Progress bars go to stderr
and are off with ``--quiet`` or when stdout is not a terminal.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import typer

from idff_ts.errors import ConfigError, DataError

log = logging.getLogger("idff_ts.cli")

POLYALA_FILES = ("polyala.pdb", "polyala.dcd", "dihedrals.nc", "run.json")
"""What one ``simulate polyala`` run writes into its folder."""

md_data_app = typer.Typer(
    name="data",
    help="MD data: polyalanine simulation (OpenMM), dihedrals of MD files.",
    add_completion=False,
    pretty_exceptions_enable=False,
)

simulate_app = typer.Typer(
    name="simulate",
    help="Simulate data: polyalanine molecular dynamics with OpenMM (the md extra).",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@simulate_app.callback()
def _simulate_root(ctx: typer.Context) -> None:
    """Simulate data: polyalanine molecular dynamics with OpenMM (the md extra)."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


md_data_app.add_typer(simulate_app, name="simulate")


def _show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal and without ``--quiet`` (as in :mod:`idff_ts.cli`)."""
    return not quiet and sys.stdout.isatty()


def _console() -> Any:
    from rich.console import Console

    return Console()


@simulate_app.command("polyala")
def simulate_polyala_cmd(
    residues: int = typer.Option(
        23, "--residues", min=1, help="Alanines n of Ace-(Ala)n-Nme (23: the paper's 46 "
        "dihedrals)."
    ),
    picoseconds: float = typer.Option(
        400.0, "--picoseconds", "--ps", min=0.0, help="Simulated time per run, after "
        "minimisation (the paper: 400 ps)."
    ),
    temperature: float = typer.Option(
        300.0, "--temperature", "-T", help="Langevin bath temperature in K (500 K gives many "
        "more transitions in a short run)."
    ),
    frame_interval: float = typer.Option(
        1.0, "--frame-interval", help="ps between saved frames (a multiple of the 2 fs step)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the velocities and the Langevin noise."),
    trajectories: int = typer.Option(
        1, "--trajectories", "-n", min=1,
        help="Independent runs, seeds SEED, SEED+1, … in OUTPUT/seed_NNNN, stacked in "
        "OUTPUT/dihedrals.nc (split them by trajectory for train / val / test).",
    ),
    output: Path = typer.Option(
        Path("polyala"), "--output", "-o", help="Folder for polyala.pdb, polyala.dcd, "
        "dihedrals.nc, run.json."
    ),
    threads: int = typer.Option(
        1, "--threads", min=1, help="OpenMM CPU threads (a seed reproduces its run bit for bit "
        "at a fixed thread count)."
    ),
    platform: str = typer.Option("CPU", "--platform", help="OpenMM platform: CPU, CUDA, …"),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace a run with other settings already in OUTPUT."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Simulate an extended Ace-(Ala)n-Nme in vacuum (OpenMM amber14, Langevin 2 fs, HBonds,
    NoCutoff); write PDB + DCD and the backbone dihedral table (degrees).

    A finished run with the same settings is reused; see :mod:`idff_ts.domains.md.polyala`.
    """
    settings = {"n_residues": residues, "picoseconds": picoseconds, "temperature": temperature,
                "frame_interval_ps": frame_interval, "platform": platform, "threads": threads}
    _simulate(output, seed, trajectories, settings, overwrite, quiet)


def _simulate(output: Path, seed: int, trajectories: int, settings: dict[str, Any],
              overwrite: bool, quiet: bool) -> None:
    """Check every output first (nothing is written on a clash), then run and report."""
    from idff_ts.domains.md.polyala import simulate_polyala, stack_trajectories

    if output.exists() and not output.is_dir():
        raise DataError(f"--output {str(output)!r} is a file; expected a folder")
    folders = [output] if trajectories == 1 else [
        output / f"seed_{seed + i:04d}" for i in range(trajectories)
    ]
    all_cached = _check_run_folders(folders, seed, settings, overwrite)
    stacked = output / "dihedrals.nc" if trajectories > 1 else None
    if stacked is not None and stacked.exists() and not (overwrite or all_cached):
        raise DataError(f"{str(stacked)!r} exists; pass --overwrite or choose another --output")
    start = time.perf_counter()
    results = [
        simulate_polyala(seed=seed + i, out_dir=folder, progress=_show_progress(quiet),
                         overwrite=overwrite, **settings)
        for i, folder in enumerate(folders)
    ]
    if stacked is not None:
        from idff_ts.io import write_dataset

        write_dataset(stack_trajectories(results).to_dataset(), stacked)
    wall = time.perf_counter() - start
    log.info("polyala: %d run(s) in %.1f s into %s", len(results), wall, output)
    if not quiet:
        _print_runs(results, settings, stacked or results[0].angles, wall)


def _check_run_folders(folders: list[Path], seed: int, settings: dict[str, Any],
                       overwrite: bool) -> bool:
    """Whether every folder already holds this run; refuse one holding another run.

    Raises:
        typer.BadParameter: bad settings (exit 2). DataError: a clash without ``--overwrite``.
    """
    from idff_ts.domains.md.polyala import cached_run

    all_cached = True
    for i, folder in enumerate(folders):
        try:
            hit = cached_run(folder, seed=seed + i, **settings)
        except ConfigError as exc:
            raise typer.BadParameter(str(exc)) from None
        all_cached &= hit is not None
        clash = [n for n in POLYALA_FILES if (folder / n).exists()]
        if hit is None and clash and not overwrite:
            raise DataError(
                f"{str(folder)!r} already holds a run with other settings ({', '.join(clash)}); "
                "pass --overwrite to replace it or choose another --output"
            )
    return all_cached


def _print_runs(results: list[Any], settings: dict[str, Any], angles: Path, wall: float) -> None:
    """A table of the runs (seed, frames, atoms, speed, folder) and the next command."""
    from rich.table import Table

    table = Table(title=f"Ace-(Ala){settings['n_residues']}-Nme, vacuum, "
                  f"{settings['temperature']:g} K, {settings['picoseconds']:g} ps, "
                  f"a frame every {settings['frame_interval_ps']:g} ps")
    for col in ("seed", "frames", "atoms", "dihedrals", "steps/s", "wall (s)", "folder"):
        table.add_column(col, justify="right" if col != "folder" else "left")
    for r in results:
        table.add_row(str(r.seed), str(r.n_frames), str(r.n_atoms), str(2 * r.n_residues),
                      f"{r.steps_per_s:.0f}", f"{r.wall_s:.1f}" + (" (cached)" if r.cached else ""),
                      str(r.pdb.parent))
    con = _console()
    con.print(table)
    con.print(f"wrote {angles} (dihedral(time, angle) in degrees) in {wall:.1f} s; next: "
              f"idff-ts train --data {angles} --var dihedral -o runs/polyala", soft_wrap=True)


@md_data_app.command("dihedrals")
def dihedrals(
    source: Path = typer.Argument(
        ..., help="A trajectory mdtraj reads (.dcd .xtc .trr .h5 .pdb …), a gmx rama .xvg, a "
        "CSV / netCDF angle table or a (T, 5, 3) backbone .npy."
    ),
    top: Path | None = typer.Option(
        None, "--top", help="Topology (PDB, GRO, PRMTOP, …) for formats without one."
    ),
    dt: float | None = typer.Option(
        None, "--dt", min=0.0, help="ps between frames (overrides the file's times)."
    ),
    select: str | None = typer.Option(
        None, "--select", help="mdtraj atom selection: keep dihedrals of these atoms."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Angle table: .nc or .zarr."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUTPUT if it exists."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary."),
) -> None:
    """Backbone φ / ψ of an MD file as a dihedral(time, angle) table in degrees."""
    from idff_ts.domains.md.loader import load_dihedrals
    from idff_ts.io import check_output_path, write_dataset

    check_output_path(output, overwrite=overwrite)  # suffix, folder, existing: before any work
    da = load_dihedrals(source, top=top, selection=select, dt=dt)
    write_dataset(da.to_dataset(), output, overwrite=overwrite)
    if quiet:
        return
    names = [str(n) for n in da["angle"].values]
    shown = ", ".join(names[:6]) + (" …" if len(names) > 6 else "")
    _console().print(
        f"wrote {output}: {da.sizes['time']} frames × {len(names)} angles ({shown}), degrees; "
        f"next: idff-ts train --data {output} --var dihedral", soft_wrap=True,
    )


__all__ = ["POLYALA_FILES", "dihedrals", "md_data_app", "simulate_app"]
