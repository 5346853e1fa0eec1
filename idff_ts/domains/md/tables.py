"""Precomputed angle tables: GROMACS ``gmx rama`` ``.xvg``, CSV and netCDF (degrees).

- ``.xvg`` (``gmx rama``): ``#`` / ``@`` header lines, then rows ``φ ψ RES-N``, one row per
  residue per frame; names ``phi_N``, ``psi_N``.
- ``.csv``: columns named like the angles (:data:`~idff_ts.domains.md.dihedrals.ANGLE_NAME`),
  plus an optional ``time`` column in ps.
- netCDF: one variable with dims ``(time, angle)`` (radians converted when ``units`` says so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from idff_ts.domains.md.dihedrals import ANGLE_NAME, angle_array, time_coord
from idff_ts.errors import DataError

TIME_COLUMNS = ("time", "time_ps")


def _check_names(names: Sequence[str], path: Path, extra: str = "") -> None:
    bad = [n for n in names if not ANGLE_NAME.match(str(n))]
    if bad or not names:
        raise DataError(
            f"angle table {path.name}: expected angle columns named like phi_3, psi_3 "
            f"(kind_residue){extra}; found columns {list(names)}"
            + (f", unexpected {bad}" if bad else ", none of them angles")
        )


def read_xvg(path: Path, dt: float | None) -> xr.DataArray:
    """``gmx rama`` output: '#'/'@' header lines, then rows ``φ ψ RES-N`` per residue and frame."""
    rows: list[tuple[float, float, str]] = []
    title = ""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if s.startswith("@"):
                m = re.match(r'@\s*title\s+"(.*)"', s)
                title = m.group(1) if m else title
                continue
            parts = s.split()
            try:
                if len(parts) != 3:
                    raise ValueError
                rows.append((float(parts[0]), float(parts[1]), parts[2]))
            except ValueError:
                raise DataError(
                    f"{path.name} line {lineno}: expected gmx rama rows 'phi psi RESIDUE-N' "
                    f"(3 columns); found {s[:60]!r}{' (title ' + repr(title) + ')' if title else ''}"
                ) from None
    if not rows:
        raise DataError(f"{path.name}: no data rows (expected gmx rama rows 'phi psi RESIDUE-N')")
    labels = [r[2] for r in rows]
    per_frame = list(dict.fromkeys(labels))
    n_res = len(per_frame)
    if len(rows) % n_res or labels != per_frame * (len(rows) // n_res):
        raise DataError(
            f"{path.name}: rows do not repeat the residues {per_frame} frame after frame "
            f"({len(rows)} rows); expected {n_res} rows per frame in the same order"
        )
    names: list[str] = []
    for label in per_frame:
        m = re.match(r"^[A-Za-z0-9]+-(-?\d+)$", label)
        if not m:
            raise DataError(f"{path.name}: residue label {label!r} is not RES-N (e.g. ALA-2)")
        names += [f"phi_{m.group(1)}", f"psi_{m.group(1)}"]
    values = np.array([(r[0], r[1]) for r in rows], dtype=np.float64)
    values = values.reshape(len(rows) // n_res, 2 * n_res)
    return angle_array(values, names, time_coord(values.shape[0], dt), str(path))


def read_csv(path: Path, dt: float | None) -> xr.DataArray:
    import pandas as pd

    try:
        df = pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - pandas parser errors
        raise DataError(f"cannot read angle table {path}: {exc}") from None
    cols = [str(c).strip() for c in df.columns]
    df.columns = cols
    time_col = next((c for c in cols if c.lower() in TIME_COLUMNS), None)
    names = [c for c in cols if c != time_col]
    _check_names(names, path, " plus an optional 'time' column in ps")
    try:
        values = df[names].to_numpy(dtype=np.float64)
    except ValueError as exc:
        raise DataError(f"angle table {path.name}: non-numeric values ({exc})") from None
    time = None if time_col is None or dt is not None else df[time_col].to_numpy(np.float64)
    return angle_array(values, names, time_coord(len(df), dt, time), str(path))


def read_netcdf_table(ds: xr.Dataset, path: Path, dt: float | None) -> xr.DataArray:
    cands = [v for v in ds.data_vars if set(ds[v].dims) == {"time", "angle"}]
    if len(cands) != 1:
        raise DataError(
            f"{path.name}: expected one variable with dims (time, angle) (angles in degrees); "
            f"found variables { {str(v): tuple(map(str, ds[v].dims)) for v in ds.data_vars} }"
        )
    da = ds[cands[0]].transpose("time", "angle").load()
    names = [str(n) for n in da["angle"].values] if "angle" in da.coords else []
    _check_names(names, path, " as the 'angle' coordinate")
    values = np.asarray(da.values, dtype=np.float64)
    if str(da.attrs.get("units", "degree")).lower() in ("rad", "radian", "radians"):
        values = np.degrees(values)
    time = None if dt is not None or "time" not in da.coords else da["time"].values
    if time is not None and np.asarray(time).dtype.kind not in "iuf":
        raise DataError(f"{path.name}: expected a numeric time coordinate in ps, found "
                        f"{np.asarray(time).dtype}")
    out = angle_array(values, names, time_coord(values.shape[0], dt, time), str(path))
    if dt is None and "time" in da.coords:
        out["time"].attrs.update({k: v for k, v in da["time"].attrs.items() if k == "units"})
    return out


def is_angle_netcdf(path: Path) -> bool:
    """True for a netCDF angle table (dims time, angle), False for e.g. an AMBER trajectory."""
    try:
        with xr.open_dataset(path) as ds:
            return "angle" in ds.dims or not {"atom", "spatial"} <= set(ds.dims)
    except Exception:  # noqa: BLE001 - not readable by xarray: let mdtraj try
        return False


__all__ = ["TIME_COLUMNS", "is_angle_netcdf", "read_csv", "read_netcdf_table", "read_xvg"]
