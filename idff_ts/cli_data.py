"""``idff-ts data``: download the NOAA OISST archive, prepare DYffusion tiles, make demo data.

::

    idff-ts data download  --layout psl --years 1982-2020 --dest data/oisst
    idff-ts data prepare   data/oisst --output data/oisst_etp.zarr --boxes etp --train 1982..2018
    idff-ts data synthetic --start 2010-01-01 --end 2020-12-31 --dest data/synthetic --seed 0
    idff-ts data simulate polyala --residues 23 --picoseconds 400 --temperature 500 -o polyala
    idff-ts data dihedrals traj.xtc --top conf.gro -o angles.nc

The commands only translate flags into calls of :func:`idff_ts.domains.sst.download.download_cli`,
:func:`idff_ts.domains.sst.prepare.prepare_archive` and
:func:`idff_ts.domains.sst.synthetic.write_psl_archive`. Errors follow :mod:`idff_ts.cli`: a bad
flag value exits with 2, bad data (missing or wrong files, an existing output) with 1, each with
one line ``error: …`` on stderr (the root app's group turns the exceptions into that line).
Progress bars go to stderr and are off with ``--quiet`` or when stdout is not a terminal.
"""

from __future__ import annotations

import enum
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from idff_ts.errors import ConfigError, DataError

log = logging.getLogger("idff_ts.cli")

data_app = typer.Typer(
    name="data",
    help="Get and prepare data: NOAA OISST download, DYffusion tiles, synthetic demo SST, "
    "polyalanine MD.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@data_app.callback()
def _data_root(ctx: typer.Context) -> None:
    """Get and prepare data: NOAA OISST download, DYffusion tiles, synthetic demo SST."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


class Layout(str, enum.Enum):
    psl = "psl"
    ncei = "ncei"


# --------------------------------------------------------------------------------- helpers


def _show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal and without ``--quiet`` (as in :mod:`idff_ts.cli`)."""
    return not quiet and sys.stdout.isatty()


def _console() -> Any:
    from rich.console import Console

    return Console()


def _checked(parse: Callable[[str], Any]) -> Callable[[str | None], Any]:
    """A typer callback that validates a flag with ``parse`` (a ConfigError → exit code 2)."""

    def callback(value: str | None) -> Any:
        if value is None:
            return None
        try:
            parse(value)
        except ConfigError as exc:
            raise typer.BadParameter(str(exc)) from None
        return value

    return callback


def _parse_years(text: str) -> list[int]:
    from idff_ts.domains.sst.download import parse_years

    return parse_years(text)


def _parse_boxes(text: str) -> tuple[int, ...] | str:
    from idff_ts.domains.sst.dyffusion import parse_boxes

    return parse_boxes(text)


def _parse_period(text: str) -> tuple[str, str]:
    from idff_ts.domains.sst.dyffusion import parse_period

    return parse_period(text)


def _parse_day(text: str) -> Any:
    import pandas as pd

    try:
        return pd.Timestamp(text.strip()).floor("D")
    except (ValueError, TypeError):
        raise ConfigError(f"cannot read {text!r} as a date; expected e.g. 2010-01-01") from None


def _parse_region(text: str) -> tuple[float, float, float, float]:
    """``etp`` → the ETP region; box indices (``89``, ``84-89,108-112``) → their bounding box."""
    from idff_ts.domains.sst.dyffusion import box_bounds
    from idff_ts.domains.sst.synthetic import ETP_REGION

    if text.strip().lower() == "etp":
        return ETP_REGION
    boxes = _parse_boxes(text)
    if isinstance(boxes, str):
        raise ConfigError(
            f"region {text!r} needs data to decide which boxes are ocean; pass 'etp' or box "
            "indices such as 89 or 84-89,108-112"
        )
    bounds = [box_bounds(b) for b in boxes]
    return (min(b.lat_min for b in bounds), max(b.lat_max for b in bounds),
            min(b.lon_min for b in bounds), max(b.lon_max for b in bounds))


def _odd_window(value: int) -> int:
    if value < 1 or value % 2 == 0 or value > 365:
        raise typer.BadParameter(f"expected an odd number of days in 1..365, got {value}")
    return value


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def _zarr_beside(folder: Path, tag: str = "") -> Path:
    """``data/oisst`` → ``data/oisst{tag}.zarr`` (a store next to the input folder)."""
    folder = Path(folder).expanduser().absolute()
    return folder.parent / f"{folder.name or 'oisst'}{tag}.zarr"


def _region_label(region: tuple[float, float, float, float]) -> str:
    lat0, lat1, lon0, lon1 = region
    return f"lat {lat0:g}..{lat1:g}, lon {lon0:g}..{lon1:g}"


# -------------------------------------------------------------------------------- download


@data_app.command("download")
def download_cmd(
    layout: Layout = typer.Option(
        Layout.psl, "--layout", help="psl: yearly sst.day.mean.YYYY.nc; ncei: daily files."
    ),
    years: str = typer.Option(
        ..., "--years", callback=_checked(_parse_years),
        help="Years: 1982-2020, 2019,2020 or a mix (1982-1990,2000).",
    ),
    dest: Path = typer.Option(..., "--dest", help="Destination folder (created if missing)."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="A mirror instead of NOAA (default: PSL / NCEI)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Download NOAA OISST v2.1 files: cached, resumable, size- and format-checked."""
    from idff_ts.domains.sst.download import download_cli

    start = time.perf_counter()
    paths = download_cli(layout.value, years, dest, base_url=base_url,
                         progress=_show_progress(quiet))
    wall = time.perf_counter() - start
    if quiet:
        return
    total = sum(p.stat().st_size for p in paths)
    con = _console()
    con.print(f"{len(paths)} OISST file(s) ready in {dest} ({_human(total)}, {wall:.1f} s)",
              soft_wrap=True)
    con.print(f"next: idff-ts data prepare {dest} --output {_zarr_beside(dest, '_etp')}",
              soft_wrap=True)


# --------------------------------------------------------------------------------- prepare


@data_app.command("prepare")
def prepare_cmd(
    paths: list[str] = typer.Argument(
        ..., help="OISST files, folders or globs (PSL yearly, NCEI daily, Zarr)."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="The Zarr store to create (*.zarr)."),
    boxes: str = typer.Option(
        "etp", "--boxes", callback=_checked(_parse_boxes),
        help="etp (84-89,108-112), ocean (>= 95% ocean on the first day), all, or indices.",
    ),
    train: str = typer.Option(
        "1982..2018", "--train", callback=_checked(_parse_period),
        help="Training period of the day-of-year statistics (inclusive years or dates).",
    ),
    window_days: int = typer.Option(
        1, "--window-days", callback=_odd_window,
        help="Odd circular window (days) of the day-of-year statistics; 1: none.",
    ),
    var: str = typer.Option("sst", "--var", help="Name of the SST variable in the files."),
    allow_gaps: bool = typer.Option(False, "--allow-gaps", help="Accept missing days."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an existing store (only once the new one is complete)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Cut an OISST archive into DYffusion 15° tiles with training-only day-of-year statistics."""
    from idff_ts.domains.sst.prepare import open_prepared, prepare_archive

    if output.exists() and not overwrite:  # before reading any input: the store stays as it is
        raise DataError(f"{str(output)!r} already exists; pass --overwrite to replace it")
    start = time.perf_counter()
    out = prepare_archive(
        paths, output, boxes=boxes, train=_parse_period(train), progress=_show_progress(quiet),
        var=var, window_days=window_days, allow_gaps=allow_gaps, overwrite=overwrite,
    )
    wall = time.perf_counter() - start
    if quiet:
        return
    ds = open_prepared(out)
    try:
        n_days, box_list = ds.sizes["time"], [int(b) for b in ds["box"].values]
        attrs = dict(ds.attrs)
    finally:
        ds.close()
    from rich.table import Table

    table = Table(title=f"idff-ts data prepare: {out}", show_header=False)
    table.add_row("days", f"{n_days} ({attrs.get('time_start')} .. {attrs.get('time_end')})")
    table.add_row("boxes", f"{len(box_list)}: {','.join(map(str, box_list))}")
    table.add_row("training period", f"{attrs.get('train_start')} .. {attrs.get('train_end')}")
    table.add_row("tiles", f"{n_days * len(box_list)} ({n_days * len(box_list) / wall:.0f}/s)")
    table.add_row("output size", _human(_size(out)))
    table.add_row("wall time", f"{wall:.1f} s")
    con = _console()
    con.print(table)
    if "SYNTHETIC" in str(attrs.get("source", "")) or _is_synthetic(paths):
        con.print("note: the input is synthetic demo data, not NOAA OISST")


def _is_synthetic(paths: list[str]) -> bool:
    """Whether the first input file says it is synthetic demo data (for the summary only)."""
    from idff_ts.domains.sst.oisst import resolve_paths

    try:
        first = resolve_paths(paths)[0]
        if first.is_dir():
            return False
        import netCDF4

        with netCDF4.Dataset(first) as nc:
            return "SYNTHETIC" in str(getattr(nc, "title", ""))
    except Exception:  # noqa: BLE001 - a cosmetic check must never fail the command
        return False


# ------------------------------------------------------------------------------- synthetic


@data_app.command("synthetic")
def synthetic_cmd(
    start: str = typer.Option(
        "2010-01-01", "--start", callback=_checked(_parse_day), help="First day."
    ),
    end: str = typer.Option("2020-12-31", "--end", callback=_checked(_parse_day), help="Last day."),
    dest: Path = typer.Option(..., "--dest", help="Folder for sst.day.mean.YYYY.nc files."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generator."),
    region: str = typer.Option(
        "etp", "--region", callback=_checked(_parse_region),
        help="etp (15S-15N, 180-270E) or box indices (89, 84-89,108-112): their bounding box.",
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace sst.day.mean.YYYY.nc files already in --dest."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Write SYNTHETIC DEMO SST (not NOAA OISST) in the NOAA PSL yearly-file layout."""
    from idff_ts.domains.sst.synthetic import iter_sst_years, write_psl_archive

    t0, t1 = _parse_day(start), _parse_day(end)
    if t1 < t0:
        raise typer.BadParameter(f"--end {t1:%Y-%m-%d} is before --start {t0:%Y-%m-%d}",
                                 param_hint="'--end'")
    edges = _parse_region(region)
    if dest.exists() and not dest.is_dir():
        raise DataError(f"--dest {str(dest)!r} is a file; expected a folder")
    names = [dest / f"sst.day.mean.{y}.nc" for y in range(t0.year, t1.year + 1)]
    clash = [p.name for p in names if p.exists()]
    if clash and not overwrite:
        raise DataError(
            f"{str(dest)!r} already holds {', '.join(clash)}; pass --overwrite to replace them "
            "or choose another --dest"
        )
    start_wall = time.perf_counter()
    paths: list[Path] = []
    progress = _bar(_show_progress(quiet), len(names))
    with progress as bar:
        task = bar.add_task("synthetic demo SST (years)", total=len(names))
        for block in iter_sst_years(t0, t1, region=edges, seed=seed):
            paths += write_psl_archive(block, dest)
            bar.advance(task, 1)
    wall = time.perf_counter() - start_wall
    log.info("wrote %d synthetic file(s) to %s in %.1f s", len(paths), dest, wall)
    if quiet:
        return
    con = _console()
    n_days = (t1 - t0).days + 1
    con.print(
        f"wrote synthetic demo data (NOT NOAA OISST): {len(paths)} file(s), {n_days} days "
        f"{t0:%Y-%m-%d}..{t1:%Y-%m-%d}, {_region_label(edges)}, seed {seed}, into {dest} "
        f"({_human(sum(p.stat().st_size for p in paths))}, {wall:.1f} s)", soft_wrap=True,
    )
    # leave the last two years for validation and test (DYffusion: train .. 2018, 2019, 2020)
    train = f"{t0.year}..{t1.year - 2}" if t1.year - t0.year >= 2 else f"{t0:%Y-%m-%d}..{t1:%Y-%m-%d}"
    boxes = "etp" if region.strip().lower() == "etp" else region.strip()
    con.print(
        f"next: idff-ts data prepare {dest} --output {_zarr_beside(dest)} "
        f"--boxes {boxes} --train {train}", soft_wrap=True,
    )


# ---------------------------------------------------------------------- molecular dynamics
# `simulate polyala` and `dihedrals` live in the MD domain (idff_ts/domains/md/cli.py).
from idff_ts.domains.md.cli import dihedrals as _md_dihedrals  # noqa: E402
from idff_ts.domains.md.cli import simulate_app  # noqa: E402

data_app.add_typer(simulate_app, name="simulate")
data_app.command("dihedrals")(_md_dihedrals)


def _bar(enabled: bool, total: int) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True),
                    disable=not enabled or total < 1, transient=True)


__all__ = ["data_app"]
