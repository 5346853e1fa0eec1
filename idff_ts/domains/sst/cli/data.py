"""The SST domain's ``idff-ts data`` commands: ``download``, ``prepare``, ``synthetic``.

::

    idff-ts data download  --layout psl --years 1982-2020 --dest data/oisst
    idff-ts data prepare   data/oisst --output data/oisst_etp.zarr --boxes etp --train 1982..2018
    idff-ts data synthetic --start 2010-01-01 --end 2020-12-31 --dest data/synthetic --seed 0

The commands only translate flags into calls of
:func:`~idff_ts.domains.sst.download.download_cli`,
:func:`~idff_ts.domains.sst.prepare.prepare_archive` and
:func:`~idff_ts.domains.sst.synthetic.write_psl_archive`. :data:`sst_data_app` is a typer app
whose commands the CLI mounts under ``idff-ts data``
(:meth:`SSTDomain.cli_commands <idff_ts.domains.sst.SSTDomain.cli_commands>`). Errors follow
:mod:`idff_ts.cli`: a bad flag value exits with 2, bad data (missing or wrong files, an existing
output) with 1, each with one line ``error: …`` on stderr (the root app's group turns the
exceptions into that line). Progress bars go to stderr and are off with ``--quiet`` or when
stdout is not a terminal.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import typer

from idff_ts.domains.sst.cli.options import (
    Layout,
    checked,
    console,
    disk_size,
    human_size,
    odd_window,
    parse_boxes,
    parse_day,
    parse_period,
    parse_region,
    parse_years,
    progress_bar,
    region_label,
    show_progress,
    zarr_beside,
)
from idff_ts.errors import DataError

log = logging.getLogger("idff_ts.cli")

sst_data_app = typer.Typer(
    name="data",
    help="SST data: NOAA OISST download, DYffusion tiles, synthetic demo SST.",
    add_completion=False,
    pretty_exceptions_enable=False,
)


# -------------------------------------------------------------------------------- download


@sst_data_app.command("download")
def download_cmd(
    layout: Layout = typer.Option(
        Layout.psl, "--layout", help="psl: yearly sst.day.mean.YYYY.nc; ncei: daily files."
    ),
    years: str = typer.Option(
        ..., "--years", callback=checked(parse_years),
        help="Years: 1982-2020, 2019,2020 or a mix (1982-1990,2000).",
    ),
    dest: Path = typer.Option(..., "--dest", help="Destination folder (created if missing)."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="A mirror instead of NOAA (default: PSL / NCEI)."
    ),
    timeout: float = typer.Option(
        60.0, "--timeout", help="Seconds to wait for a connection and for each read."
    ),
    retries: int = typer.Option(
        3, "--retries", help="Further attempts after a network failure or a cut transfer."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Download NOAA OISST v2.1 files: cached, resumable, each opened and checked (complete
    time axis, grid, every value) before it gets its final name."""
    from idff_ts.domains.sst.download import download_cli

    start = time.perf_counter()
    paths = download_cli(layout.value, years, dest, base_url=base_url,
                         progress=show_progress(quiet), timeout=timeout, retries=retries)
    wall = time.perf_counter() - start
    if quiet:
        return
    total = sum(p.stat().st_size for p in paths)
    con = console()
    con.print(f"{len(paths)} OISST file(s) ready in {dest} ({human_size(total)}, {wall:.1f} s)",
              soft_wrap=True)
    con.print(f"next: idff-ts data prepare {dest} --output {zarr_beside(dest, '_etp')}",
              soft_wrap=True)


# --------------------------------------------------------------------------------- prepare


@sst_data_app.command("prepare")
def prepare_cmd(
    paths: list[str] = typer.Argument(
        ..., help="OISST files, folders or globs (PSL yearly, NCEI daily, Zarr)."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="The Zarr store to create (*.zarr)."),
    boxes: str = typer.Option(
        "etp", "--boxes", callback=checked(parse_boxes),
        help="etp (84-89,108-112), ocean (>= 95% ocean on the first day), all, or indices.",
    ),
    train: str = typer.Option(
        "1982..2018", "--train", callback=checked(parse_period),
        help="Training period of the day-of-year statistics (inclusive years or dates).",
    ),
    window_days: int = typer.Option(
        1, "--window-days", callback=odd_window,
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
    from idff_ts.io import check_output_path

    # before reading any input: a bad suffix or path, or an existing store (kept as it is)
    check_output_path(output, overwrite=overwrite, suffixes=(".zarr",))
    start = time.perf_counter()
    out = prepare_archive(
        paths, output, boxes=boxes, train=parse_period(train), progress=show_progress(quiet),
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
    table.add_row("output size", human_size(disk_size(out)))
    table.add_row("wall time", f"{wall:.1f} s")
    con = console()
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


@sst_data_app.command("synthetic")
def synthetic_cmd(
    start: str = typer.Option(
        "2010-01-01", "--start", callback=checked(parse_day), help="First day."
    ),
    end: str = typer.Option("2020-12-31", "--end", callback=checked(parse_day), help="Last day."),
    dest: Path = typer.Option(..., "--dest", help="Folder for sst.day.mean.YYYY.nc files."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generator."),
    region: str = typer.Option(
        "etp", "--region", callback=checked(parse_region),
        help="etp (15S-15N, 180-270E) or box indices (89, 84-89,108-112): their bounding box.",
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace sst.day.mean.YYYY.nc files already in --dest."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Write SYNTHETIC DEMO SST (not NOAA OISST) in the NOAA PSL yearly-file layout."""
    from idff_ts.domains.sst.synthetic import iter_sst_years, write_psl_archive

    t0, t1 = parse_day(start), parse_day(end)
    if t1 < t0:
        raise typer.BadParameter(f"--end {t1:%Y-%m-%d} is before --start {t0:%Y-%m-%d}",
                                 param_hint="'--end'")
    edges = parse_region(region)
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
    progress = progress_bar(show_progress(quiet), len(names))
    with progress as bar:
        task = bar.add_task("synthetic demo SST (years)", total=len(names))
        for block in iter_sst_years(t0, t1, region=edges, seed=seed):
            paths += write_psl_archive(block, dest)
            bar.advance(task, 1)
    wall = time.perf_counter() - start_wall
    log.info("wrote %d synthetic file(s) to %s in %.1f s", len(paths), dest, wall)
    if quiet:
        return
    con = console()
    n_days = (t1 - t0).days + 1
    con.print(
        f"wrote synthetic demo data (NOT NOAA OISST): {len(paths)} file(s), {n_days} days "
        f"{t0:%Y-%m-%d}..{t1:%Y-%m-%d}, {region_label(edges)}, seed {seed}, into {dest} "
        f"({human_size(sum(p.stat().st_size for p in paths))}, {wall:.1f} s)", soft_wrap=True,
    )
    # leave the last two years for validation and test (DYffusion: train .. 2018, 2019, 2020)
    train = f"{t0.year}..{t1.year - 2}" if t1.year - t0.year >= 2 else f"{t0:%Y-%m-%d}..{t1:%Y-%m-%d}"
    boxes = "etp" if region.strip().lower() == "etp" else region.strip()
    con.print(
        f"next: idff-ts data prepare {dest} --output {zarr_beside(dest)} "
        f"--boxes {boxes} --train {train}", soft_wrap=True,
    )


__all__ = ["prepare_cmd", "download_cmd", "sst_data_app", "synthetic_cmd"]
