"""The SST domain plug-in: what it recognises, its default model, hooks and encode step."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.domains import domain_for_data, domain_for_model, domain_for_task, get_domain
from idff_ts.domains.base import ForecastRequest
from idff_ts.domains.sst.demo import DEMO_WARNING, demo_archive_files, demo_checkpoint
from idff_ts.domains.sst.tiles import as_tiles, open_sst_source
from idff_ts.domains.sst.train import climatology_of
from idff_ts.errors import ConfigError, UsageError
from idff_ts.tasks import get_task
from idff_ts.training.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def demo_model():
    return load_checkpoint(demo_checkpoint())


def _grid(name: str) -> xr.Dataset:
    times = pd.date_range("2020-01-01", periods=3)
    lat, lon = np.arange(-1.875, 0, 0.25), np.arange(240.125, 242, 0.25)
    values = np.full((3, lat.size, lon.size), 25.0, np.float32)
    return xr.Dataset({name: (("time", "lat", "lon"), values)},
                      coords={"time": times, "lat": lat, "lon": lon})


def test_recognises_oisst_data_and_not_other_series():
    assert domain_for_data(_grid("sst")).name == "sst"
    assert domain_for_data(_grid("sst")["sst"]).name == "sst"
    series = xr.DataArray(np.zeros(10), dims="time", name="x",
                          coords={"time": pd.date_range("2020", periods=10)})
    assert domain_for_data(series).name != "sst"
    assert domain_for_data(_grid("temperature")).name != "sst"


def test_owns_the_bundled_demo_checkpoint_without_a_domain_key(demo_model):
    info = dict(demo_model.data_info)
    assert "domain" not in info  # written before domains had names
    assert domain_for_model(info).name == "sst"
    sst = get_domain("sst")
    assert not sst.owns_model({}) and not sst.owns_model({"sst": {"kind": "other"}})
    assert sst.owns_model({"domain": "sst"})


def test_default_model_is_the_demo_for_no_input_or_oisst_files(caplog, tmp_path):
    sst = get_domain("sst")
    with caplog.at_level(logging.WARNING, logger="idff_ts"):
        assert sst.default_model(None) == demo_checkpoint()
    assert DEMO_WARNING in caplog.text
    assert sst.default_model(str(demo_archive_files()[0])) == demo_checkpoint()
    other = tmp_path / "series.nc"
    xr.Dataset({"x": ("time", np.arange(5.0))}).to_netcdf(other)
    assert sst.default_model(str(other)) is None
    assert sst.default_model(xr.DataArray(np.zeros(3), dims="time", name="x")) is None


def test_tasks_aliases_and_task_ownership():
    sst = get_domain("sst")
    assert [t.name for t in sst.tasks()] == ["sst-demo", "sst-etp", "sst-wa4"]
    assert get_task("sst").name == "sst-etp"  # alias registered with the domain
    assert domain_for_task(get_task("sst-demo")).name == "sst"
    # sst-wa4 is a plain vector series of anomalies: the generic path trains it
    assert domain_for_task(get_task("sst-wa4")).name != "sst"


def test_data_commands_and_box_option():
    sst = get_domain("sst")
    (app,) = sst.cli_commands()
    names = {c.name for c in app.registered_commands}
    assert names == {"download", "prepare", "synthetic"}
    assert sst.forecast_options({"box": "88"}) == {"boxes": (88,)}
    assert sst.forecast_options({"box": None}) == {}
    with pytest.raises(UsageError, match="--box ocean"):
        sst.forecast_options({"box": "ocean"})
    with pytest.raises(UsageError, match="--train-period"):
        sst.forecast_options({"box": None, "train_period": "2000..2001"})


def test_encode_is_the_climatology_standardisation(demo_model):
    """The context equals (x − μ_H) / σ_H of the last input day over ocean, 0 over land."""
    sst = get_domain("sst")
    data = open_sst_source(demo_archive_files())
    encoded = sst.encode(data, demo_model, ForecastRequest(init="2020-06-01", days=3))
    assert encoded.horizon == 3 and encoded.context.shape == (2, 1, 1, 60, 60)
    tiles = as_tiles(data, [88, 89]).sel(time="2020-06-01")
    clim = climatology_of(demo_model)
    mean, std = clim.at_dates(np.array(["2020-06-01"], dtype="datetime64[ns]"))
    expected = np.where(clim.ocean, (tiles.values - mean[0]) / std[0], 0.0)
    np.testing.assert_allclose(encoded.context[:, 0, 0], expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ConfigError, match="unknown option"):
        sst.encode(data, demo_model, ForecastRequest(options={"levels": 3}))


def _request(**changes):
    from idff_ts.domains.base import TrainRequest

    fields = dict(task=get_task("sst-etp"), data=None, var=None, val_data=None, context=None,
                  horizon=None, file_context=None, file_horizon=None, model={},
                  train={"seed": 0}, options={"box": None, "train_period": None,
                                              "val_period": None},
                  out_dir=None, resume_from=None, accelerator="cpu", devices=1, progress=False)
    fields.update(changes)
    return TrainRequest(**fields)


def test_cli_training_refuses_what_the_protocol_fixes_before_any_work():
    sst = get_domain("sst")
    for changes in ({"context": 2}, {"horizon": 3}, {"val_data": "v.nc"}, {"var": "anom"}):
        with pytest.raises(UsageError, match="the protocol fixes them"):
            sst.train_from_cli(_request(**changes))
    with pytest.raises(ConfigError, match="fix context and horizon"):
        sst.train_from_cli(_request(file_horizon=5))
    with pytest.raises(UsageError, match="needs your OISST archive"):
        sst.train_from_cli(_request())  # sst-etp has no bundled archive
    with pytest.raises(UsageError, match="--box ocean"):
        sst.train_from_cli(_request(data="x.nc", options={"box": "ocean"}))
