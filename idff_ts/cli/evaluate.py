"""``idff-ts evaluate``: score a forecast file per lead against truth or a task's test split."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from idff_ts.cli.app import app, command_line, console
from idff_ts.domains.series.summary import lead_label
from idff_ts.errors import DataError, UsageError

if TYPE_CHECKING:
    import xarray as xr


_TABLE_METRICS = (("crps_ecdf", "CRPS ecdf"), ("crps_fair", "CRPS fair"), ("rmse", "RMSE"),
                  ("ssr", "SSR"), ("energy", "energy"))
_METRIC_SUFFIXES = (".csv", ".nc", ".nc4", ".netcdf", ".zarr")


def _metrics_frame(scores: xr.Dataset) -> Any:
    import pandas as pd

    per_lead = [v for v in scores.data_vars if scores[v].dims == ("lead",)]
    index = [lead_label(v) for v in scores["lead"].values]
    df = pd.DataFrame({v: scores[v].values for v in per_lead}, index=index)
    means = {v: float(scores[f"{v}_mean"]) for v in per_lead if f"{v}_mean" in scores}
    df.loc["mean"] = pd.Series(means)
    df.index.name = "lead"
    return df


def _check_output(output: Path | None, overwrite: bool) -> None:
    from idff_ts.io import check_output_path

    if output is not None:
        check_output_path(output, overwrite=overwrite, suffixes=_METRIC_SUFFIXES)


def _open_forecast(forecast_file: Path, var: str | None) -> tuple[xr.Dataset, xr.DataArray]:
    from idff_ts.io import open_user_dataset, select_variable

    fc_ds = open_user_dataset(forecast_file)
    name = var if var in fc_ds.data_vars else fc_ds.attrs.get("forecast_variable")
    fc = select_variable(fc_ds, name if name in fc_ds.data_vars else None, repr(str(forecast_file)))
    missing = [d for d in ("init", "lead", "member") if d not in fc.dims]
    if missing:
        raise DataError(
            f"{str(forecast_file)!r} is not an ensemble forecast: expected dims (init, lead, "
            f"member, ...), found {list(map(str, fc.dims))}; make one with idff-ts forecast"
        )
    return fc_ds, fc


def _truth(truth: str | None, task: str | None, var: str | None, fc: xr.DataArray,
           attrs: dict[str, Any]) -> tuple[xr.DataArray, str]:
    """The truth DataArray (``--truth`` file, ``--task`` or the file's task) and its label."""
    from idff_ts.io import missing_time_message, open_user_dataset, select_variable

    task = task or (None if truth is not None else attrs.get("task"))
    if truth is not None:
        truth_da = select_variable(
            open_user_dataset(truth), var or str(fc.name) if var or fc.name else None, repr(truth)
        )
        source = truth
    elif task:
        from idff_ts.tasks import get_task

        truth_da = get_task(task).splits()["test"]
        source = f"task {task} (test split)"
    else:
        raise UsageError("no truth given: pass --truth FILE --var NAME or --task NAME")
    if "time" not in truth_da.dims:
        raise DataError(missing_time_message(truth_da, "time", " in the truth"))
    return truth_da, source


def _score(fc: xr.DataArray, truth_da: xr.DataArray, fc_ds: xr.Dataset, forecast_file: Path,
           source: str) -> xr.Dataset:
    from idff_ts.evaluate import evaluate
    from idff_ts.io import history_line, provenance_attrs

    point_dims = [d for d in fc.dims if d not in ("init", "lead", "member", "trajectory")]
    feature_dim = point_dims[0] if len(point_dims) == 1 and fc.sizes[point_dims[0]] > 1 else None
    scores = evaluate(fc, truth_da, feature_dim=feature_dim)
    scores.attrs.update(provenance_attrs(
        title=f"idff-ts scores of {forecast_file.name}",
        ensemble_size=int(fc.sizes["member"]),
        command=command_line(),
        forecast_file=str(forecast_file),
        truth=source,
        checkpoint_sha256=fc_ds.attrs.get("checkpoint_sha256"),
        seed=fc_ds.attrs.get("seed"),
        nfe_counted=fc_ds.attrs.get("nfe_counted"),
    ))
    scores.attrs["history"] = history_line(command_line())
    return scores


def _print_table(df: Any, fc: xr.DataArray, source: str, output: Path | None) -> None:
    from rich.table import Table

    table = Table(title=f"scores of {fc.name} ({fc.sizes['init']} inits × "
                  f"{fc.sizes['member']} members) against {source}")
    table.add_column("lead", justify="right")
    cols = [(k, label) for k, label in _TABLE_METRICS if k in df.columns]
    for _, label in cols:
        table.add_column(label, justify="right")
    for lead, row in df.iterrows():
        table.add_row(str(lead), *[f"{row[k]:.4g}" for k, _ in cols], end_section=lead == df.index[-2])
    con = console()
    con.print(table)
    if output is not None:
        con.print(f"wrote {output}")


@app.command("evaluate")
def evaluate_cmd(
    forecast_file: Path = typer.Argument(..., help="Forecast file written by idff-ts forecast."),
    truth: str | None = typer.Option(None, "--truth", help="Truth netCDF/Zarr file or glob."),
    var: str | None = typer.Option(None, "--var", help="Variable (default: the forecast's)."),
    task: str | None = typer.Option(
        None, "--task", help="Score against a built-in task's test split (default: the file's)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the metrics: .csv, .nc/.nc4/.netcdf or .zarr."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace OUTPUT if it exists (atomically, once complete)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No table."),
) -> None:
    """Score a forecast per lead: CRPS (ecdf, fair), RMSE, spread-skill ratio, energy score."""
    from idff_ts.io import write_dataset, write_table

    _check_output(output, overwrite)
    if truth is not None and task is not None:
        raise UsageError("pass --truth FILE or --task NAME, not both")
    fc_ds, fc = _open_forecast(forecast_file, var)
    truth_da, source = _truth(truth, task, var, fc, dict(fc_ds.attrs))
    scores = _score(fc, truth_da, fc_ds, forecast_file, source)
    df = _metrics_frame(scores)
    if output is not None:
        if output.suffix.lower() == ".csv":
            write_table(df, output, overwrite=overwrite)
        else:
            write_dataset(scores, output, overwrite=overwrite)
    if not quiet:
        _print_table(df, fc, source, output)


__all__ = ["evaluate_cmd"]
