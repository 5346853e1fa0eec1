"""SST forecasts are stored to 0.01 °C by default (anomalies to 0.001), full float32 on request.

Oracle: netCDF4's and numcodecs' bit rounding keeps ``b = ceil(log2(10**d))`` fractional bits, so
every stored value is a multiple of ``2**-b`` within ``2**-(b+1)`` of the value in memory.
"""

from __future__ import annotations

import math

import netCDF4
import numpy as np
import pytest
import xarray as xr

import idff_ts
from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint
from idff_ts.domains.sst.precision import precision_digits
from idff_ts.errors import ConfigError
from idff_ts.io import write_dataset


def _forecast(**options):
    with xr.open_dataset(demo_archive_files()[0]) as ds:
        return idff_ts.forecast(ds, checkpoint=demo_checkpoint(), days=2, members=2, seed=1, nfe=1,
                                device="cpu", **options)


@pytest.fixture(scope="module")
def forecast():
    return _forecast()


def _check_rounded(stored: np.ndarray, exact: np.ndarray, digits: int) -> None:
    bits = math.ceil(math.log2(10**digits))
    ocean = np.isfinite(exact)
    np.testing.assert_array_equal(np.isfinite(stored), ocean)  # NaN over land kept
    scaled = stored[ocean].astype(np.float64) * 2**bits
    np.testing.assert_array_equal(scaled, np.round(scaled))
    assert np.max(np.abs(stored[ocean] - exact[ocean])) <= 2.0 ** -(bits + 1)
    assert np.max(np.abs(stored[ocean] - exact[ocean])) > 0  # it did round


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_written_forecast_is_rounded_float32(forecast, tmp_path, suffix):
    path = write_dataset(forecast, tmp_path / f"fc{suffix}")
    with xr.open_dataset(path) as back:
        assert back["sst"].dtype == np.float32 and back["sst_anomaly"].dtype == np.float32
        _check_rounded(back["sst"].values, forecast["sst"].values, 2)
        _check_rounded(back["sst_anomaly"].values, forecast["sst_anomaly"].values, 3)
        assert "1e-2 degC" in back.attrs["stored_precision"]


def test_precision_zero_writes_full_float32_and_rounding_shrinks_the_file(forecast, tmp_path):
    full = _forecast(precision=0)
    np.testing.assert_array_equal(full["sst"].values, forecast["sst"].values)  # memory unchanged
    rounded = write_dataset(forecast, tmp_path / "rounded.nc")
    exact = write_dataset(full, tmp_path / "exact.nc")
    with xr.open_dataset(exact) as back:
        np.testing.assert_array_equal(back["sst"].values, forecast["sst"].values)
        assert "stored_precision" not in back.attrs
    assert rounded.stat().st_size < 0.7 * exact.stat().st_size


def test_mask_flag_values_have_the_stored_type(forecast, tmp_path):
    path = write_dataset(forecast, tmp_path / "fc.nc")
    with netCDF4.Dataset(path) as nc:
        mask = nc["mask"]
        assert mask.flag_values.dtype == mask.dtype
        assert mask.flag_values.tolist() == [0, 1]


@pytest.mark.parametrize("value,digits", [(None, 2), (0.01, 2), ("0.001", 3), (1, 0), (0, None)])
def test_precision_digits(value, digits):
    assert precision_digits(value) == digits


@pytest.mark.parametrize("value", [0.05, -0.01, "coarse", float("nan"), 1e-9])
def test_bad_precision_is_refused_before_sampling(value):
    with pytest.raises(ConfigError, match="precision"):
        _forecast(precision=value)
