"""A domain defined here, outside the package, plugs in with one registration call and runs
fit → forecast → evaluate through the CLI (issue 13: "adding a domain is one folder plus one
line"; docs/src/architecture.md shows the same example)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.domains import SeriesDomain, domain_for_data, register_domain, unregister_domain
from idff_ts.tasks import TASKS, Task
from idff_ts.training.checkpoint import load_checkpoint

TINY = ["--epochs", "1", "--max-batches", "2", "--hidden", "16", "--depth", "1",
        "--val-inits", "4", "--val-members", "4", "--quiet"]


def positive_series(seed: int) -> dict[str, xr.DataArray]:
    """Daily positive series (~150 units: log-normal around e^5), split by trajectory."""
    rng = np.random.default_rng(seed)
    t = np.arange(60)
    log_y = 5 + 0.3 * np.sin(t / 6)[None] + 0.05 * rng.standard_normal((6, t.size))
    da = xr.DataArray(
        np.exp(log_y), dims=("trajectory", "time"), name="flow",
        coords={"trajectory": np.arange(6), "time": pd.date_range("2021-01-01", periods=t.size)},
        attrs={"units": "m3 s-1", "positive": "yes"},
    )
    return {"train": da.isel(trajectory=slice(0, 4)), "val": da.isel(trajectory=[4]),
            "test": da.isel(trajectory=[5])}


class LogPositiveDomain(SeriesDomain):
    """Positive quantities, modelled on their logarithm: ``z = log y``, back with ``exp``."""

    name = "log-positive"
    priority = 50

    def accepts_data(self, data: Any, var: str | None = None) -> bool:
        first = data.get("train") if isinstance(data, Mapping) else data
        return isinstance(first, xr.DataArray) and first.attrs.get("positive") == "yes"

    def encode_values(self, data: xr.DataArray) -> xr.DataArray:
        return np.log(data).assign_attrs(data.attrs).rename(data.name)

    def decode_values(self, forecast: xr.Dataset, model: Any) -> xr.Dataset:
        name = str(forecast.attrs["forecast_variable"])
        forecast[name] = np.exp(forecast[name]).assign_attrs(forecast[name].attrs)
        return forecast

    def tasks(self) -> tuple[Task, ...]:
        return (Task(name="tiny-positive", description="log-normal test series",
                     make_splits=positive_series, context=1, horizon=3, test_stride=8),)


@pytest.fixture
def plugin():
    domain = register_domain(LogPositiveDomain())
    yield domain
    unregister_domain(domain.name)
    TASKS.pop("tiny-positive", None)


def run(*args: Any):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_registered_domain_runs_fit_forecast_evaluate_through_the_cli(plugin, tmp_path):
    assert domain_for_data(positive_series(0)["train"]) is plugin
    run("train", "--task", "tiny-positive", "-o", tmp_path / "run", "--seed", "0", *TINY)
    model = load_checkpoint(tmp_path / "run" / "model.pt")
    assert model.data_info["domain"] == "log-positive"
    # the network saw log values (mean ≈ 5), not the physical ones (≈ 150)
    assert abs(float(model.mean.ravel()[0]) - 5.0) < 0.5

    run("forecast", "-c", tmp_path / "run" / "model.pt", "--members", "8",
        "-o", tmp_path / "fc.nc", "--quiet")
    fc = xr.open_dataset(tmp_path / "fc.nc")
    assert fc.attrs["task"] == "tiny-positive"
    values = fc["flow"].values
    assert np.all(values > 0)  # decoded with exp
    assert 40 < float(np.median(values)) < 600  # physical units, not log units (≈ 5)

    run("evaluate", tmp_path / "fc.nc", "-o", tmp_path / "scores.csv", "--quiet")
    scores = pd.read_csv(tmp_path / "scores.csv", index_col="lead")
    assert np.isfinite(scores.loc["mean", "crps_ecdf"])
    assert scores.loc["mean", "crps_ecdf"] > 0


def test_unregistered_domain_is_gone(plugin):
    unregister_domain(plugin.name)
    assert domain_for_data(positive_series(0)["train"]) is not plugin
