"""``--init all`` keeps only inits whose every lead has truth in the data (SST and generic agree);
``--init all-context`` explicitly keeps every init with a full input window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from idff_ts.cli import app
from idff_ts.domains.sst.cli.forecast import hindcast_days
from idff_ts.domains.sst.demo import demo_archive_files
from idff_ts.domains.sst.domain import SSTDomain
from idff_ts.tasks import hindcast_inits
from idff_ts.training.checkpoint import load_checkpoint


def _brute_force(days: pd.DatetimeIndex, context: int, k: int, need_truth: bool) -> list:
    have = set(days)
    keep = []
    for t in days:
        window = [t - pd.Timedelta(days=j) for j in range(context)]
        leads = [t + pd.Timedelta(days=j) for j in range(1, k + 1)] if need_truth else []
        if all(d in have for d in window + leads):
            keep.append(t)
    return keep


@pytest.mark.parametrize("context,k,need_truth", [(1, 7, True), (3, 2, True), (2, 7, False)])
def test_hindcast_days_with_a_gap_matches_brute_force(context, k, need_truth):
    days = pd.date_range("2020-01-01", "2020-03-01", freq="D").delete([20, 21, 40])
    got = hindcast_days(days.values, context, k, need_truth=need_truth)
    assert pd.DatetimeIndex(got).tolist() == _brute_force(days, context, k, need_truth)


@pytest.mark.parametrize("context,k,stride", [(1, 7, 1), (2, 3, 5), (4, 1, 30)])
def test_sst_and_generic_paths_agree_without_gaps(context, k, stride):
    times = pd.date_range("2019-06-01", periods=120, freq="D")
    da = xr.DataArray(np.zeros(times.size), dims="time", coords={"time": times})
    generic = hindcast_inits(da, context, k, stride)
    np.testing.assert_array_equal(np.asarray(hindcast_days(times.values, context, k, stride)),
                                  generic)


@pytest.fixture(scope="module")
def demo():
    domain = SSTDomain()
    model = load_checkpoint(domain.default_model(None))
    return domain, model, domain.forecast_input(model, None, None, None)


def test_demo_init_all_every_lead_has_truth(demo):
    domain, model, source = demo
    times = pd.DatetimeIndex(source.data["time"].values)
    for days in (7, 3):
        inits = pd.DatetimeIndex(domain.forecast_inits(source, model, ["all"], None, None, days))
        assert inits.max() + pd.Timedelta(days=days) == times.max()
        assert inits.min() == times.min() + pd.Timedelta(days=int(model.cfg.context) - 1)
    every = pd.DatetimeIndex(domain.forecast_inits(source, model, ["all-context"], 10, None, 7))
    assert every[0] == inits.min() and (np.diff(every.values) == np.timedelta64(10, "D")).all()
    assert every.max() > times.max() - pd.Timedelta(days=7)  # forecasts past the archive's end


def test_cli_init_all_forecast_stays_inside_the_archive(tmp_path):
    out = tmp_path / "fc.nc"
    result = CliRunner().invoke(app, ["forecast", "--init", "all", "--stride", "90", "--days",
                                      "7", "-m", "2", "--nfe", "1", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out) as fc, xr.open_dataset(demo_archive_files()[-1]) as archive:
        last_day = archive["time"].values.max()
        assert fc["valid_time"].values.max() <= last_day
        n_days = archive.sizes["time"]  # one gap-free year, a 1-day context
        assert fc.sizes["init"] == len(range(0, n_days - 7, 90))
