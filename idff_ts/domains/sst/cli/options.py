"""Flag parsing and output helpers of the SST domain's ``idff-ts data`` commands."""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from idff_ts.errors import ConfigError


class Layout(str, enum.Enum):
    """The two NOAA file layouts ``idff-ts data download`` fetches."""

    psl = "psl"
    ncei = "ncei"


def show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal and without ``--quiet`` (as in :mod:`idff_ts.cli`)."""
    return not quiet and sys.stdout.isatty()


def console() -> Any:
    from rich.console import Console

    return Console()


def checked(parse: Callable[[str], Any]) -> Callable[[str | None], Any]:
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


def parse_years(text: str) -> list[int]:
    from idff_ts.domains.sst.download import parse_years

    return parse_years(text)


def parse_boxes(text: str) -> tuple[int, ...] | str:
    from idff_ts.domains.sst.dyffusion import parse_boxes

    return parse_boxes(text)


def parse_period(text: str) -> tuple[str, str]:
    from idff_ts.domains.sst.dyffusion import parse_period

    return parse_period(text)


def parse_day(text: str) -> Any:
    import pandas as pd

    try:
        return pd.Timestamp(text.strip()).floor("D")
    except (ValueError, TypeError):
        raise ConfigError(f"cannot read {text!r} as a date; expected e.g. 2010-01-01") from None


def parse_region(text: str) -> tuple[float, float, float, float]:
    """``etp`` → the ETP region; box indices (``89``, ``84-89,108-112``) → their bounding box."""
    from idff_ts.domains.sst.dyffusion import box_bounds
    from idff_ts.domains.sst.synthetic import ETP_REGION

    if text.strip().lower() == "etp":
        return ETP_REGION
    boxes = parse_boxes(text)
    if isinstance(boxes, str):
        raise ConfigError(
            f"region {text!r} needs data to decide which boxes are ocean; pass 'etp' or box "
            "indices such as 89 or 84-89,108-112"
        )
    bounds = [box_bounds(b) for b in boxes]
    return (min(b.lat_min for b in bounds), max(b.lat_max for b in bounds),
            min(b.lon_min for b in bounds), max(b.lon_max for b in bounds))


def odd_window(value: int) -> int:
    if value < 1 or value % 2 == 0 or value > 365:
        raise typer.BadParameter(f"expected an odd number of days in 1..365, got {value}")
    return value


def disk_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def human_size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def zarr_beside(folder: Path, tag: str = "") -> Path:
    """``data/oisst`` → ``data/oisst{tag}.zarr`` (a store next to the input folder)."""
    folder = Path(folder).expanduser().absolute()
    return folder.parent / f"{folder.name or 'oisst'}{tag}.zarr"


def region_label(region: tuple[float, float, float, float]) -> str:
    lat0, lat1, lon0, lon1 = region
    return f"lat {lat0:g}..{lat1:g}, lon {lon0:g}..{lon1:g}"



def progress_bar(enabled: bool, total: int) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True),
                    disable=not enabled or total < 1, transient=True)

