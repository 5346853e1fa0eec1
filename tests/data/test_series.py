"""DataArray → (n_series, T, *state) arrays, their errors, and splits by trajectory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.data.series import as_series_array, split_by_trajectory
from idff_ts.errors import ConfigError, DataError


def _vector(n_time: int = 10) -> xr.DataArray:
    values = np.arange(n_time * 3, dtype=np.float64).reshape(n_time, 3)
    return xr.DataArray(
        values,
        dims=("time", "var"),
        coords={"time": np.arange(n_time) * 0.1, "var": ["a", "b", "c"]},
        name="v",
        attrs={"units": "m"},
    )


def _trajectories(n: int = 10, n_time: int = 4) -> xr.DataArray:
    values = np.arange(n * n_time * 3, dtype=np.float64).reshape(n, n_time, 3)
    return xr.DataArray(
        values,
        dims=("trajectory", "time", "variable"),
        coords={"trajectory": np.arange(100, 100 + n), "variable": ["x", "y", "z"]},
    )


# ---------------------------------------------------------------- as_series_array


def test_vector_series() -> None:
    da = _vector()
    arr, info = as_series_array(da)
    assert arr.dtype == np.float32 and arr.shape == (1, 10, 3)
    np.testing.assert_array_equal(arr[0], da.values)
    assert info.kind == "vector" and info.state_shape == (3,) and info.state_dims == ("var",)
    assert info.series_dim is None
    np.testing.assert_allclose(info.time, da["time"].values)
    assert list(info.coords["var"][1]) == ["a", "b", "c"] and info.attrs == {"units": "m"}


def test_vector_with_time_not_first_is_transposed() -> None:
    da = _vector().transpose("var", "time")
    arr, _ = as_series_array(da)
    np.testing.assert_array_equal(arr[0], da.transpose("time", "var").values)


def test_scalar_series_gets_a_state_axis() -> None:
    time = pd.date_range("2000-01-01", periods=6)
    da = xr.DataArray(np.arange(6, dtype=np.int32), dims="time", coords={"time": time})
    arr, info = as_series_array(da)
    assert arr.shape == (1, 6, 1) and arr.dtype == np.float32
    np.testing.assert_array_equal(arr[0, :, 0], np.arange(6))
    assert info.kind == "scalar" and info.state_shape == (1,) and info.state_dims == ()
    assert info.time.dtype.kind == "M"


def test_field_gets_a_channel_axis_and_spatial_dims_last() -> None:
    rng = np.random.default_rng(0)
    da = xr.DataArray(
        rng.standard_normal((4, 5, 3)),
        dims=("lon", "time", "lat"),
        coords={"lat": [-1.0, 0.0, 1.0], "lon": np.arange(4.0)},
    )
    arr, info = as_series_array(da)
    assert arr.shape == (1, 5, 1, 3, 4)
    np.testing.assert_allclose(arr[0, :, 0], da.transpose("time", "lat", "lon").values, rtol=1e-6)
    assert info.kind == "field" and info.state_dims == ("lat", "lon")
    assert info.state_shape == (1, 3, 4) and info.dims_shape == (3, 4)


def test_multichannel_field() -> None:
    da = xr.DataArray(np.zeros((7, 2, 3, 4)), dims=("time", "channel", "lat", "lon"))
    arr, info = as_series_array(da)
    assert arr.shape == (1, 7, 2, 3, 4) and info.state_shape == (2, 3, 4)
    np.testing.assert_array_equal(info.time, np.arange(7))  # no time coord: an index


def test_trajectory_dim_is_detected_as_series() -> None:
    da = _trajectories(n=3, n_time=5).transpose("time", "variable", "trajectory")
    arr, info = as_series_array(da)
    assert arr.shape == (3, 5, 3)
    np.testing.assert_array_equal(arr[2], da.sel(trajectory=102).values)
    assert info.series_dim == "trajectory"
    np.testing.assert_array_equal(info.series, [100, 101, 102])


def test_explicit_series_dim() -> None:
    da = xr.DataArray(np.arange(12.0).reshape(3, 4), dims=("run", "time"))
    arr, info = as_series_array(da, series_dim="run")
    assert arr.shape == (3, 4, 1) and info.series_dim == "run" and info.kind == "scalar"
    np.testing.assert_array_equal(arr[1, :, 0], [4, 5, 6, 7])


def test_info_rebuilds_a_labelled_dataarray() -> None:
    da = xr.DataArray(
        np.arange(24.0).reshape(2, 3, 4),
        dims=("time", "lat", "lon"),
        coords={"lat": [10.0, 20.0, 30.0], "lon": [1.0, 2.0, 3.0, 4.0]},
        name="sst",
    )
    arr, info = as_series_array(da)
    out = info.to_dataarray(arr[0], ["init"], {"init": [5, 6]})
    xr.testing.assert_allclose(out.rename(init="time").drop_vars("time"), da)
    assert out.name == "sst"
    with pytest.raises(DataError, match=r"expected values of shape"):
        info.to_dataarray(arr, ["init"])


def test_no_time_dim_lists_dims_and_suggests_rename() -> None:
    da = _vector().rename(time="t")
    with pytest.raises(
        DataError, match=r"found dims \['t', 'var'\].*da\.rename\(\{'t': 'time'\}\)"
    ):
        as_series_array(da)


def test_no_time_dim_detects_datetime_dim() -> None:
    da = xr.DataArray(
        np.zeros(3), dims="day", coords={"day": pd.date_range("2000-01-01", periods=3)}
    )
    with pytest.raises(DataError, match=r"da\.rename\(\{'day': 'time'\}\)"):
        as_series_array(da)


def test_dataset_is_refused_with_its_variables() -> None:
    with pytest.raises(DataError, match=r"Dataset.*'v'"):
        as_series_array(_vector().to_dataset())


def test_nan_reports_count_and_first_time() -> None:
    da = _trajectories(n=2, n_time=6)
    da[1, 3, 0] = np.nan
    da[1, 3, 2] = np.nan
    da[1, 4, 1] = np.inf
    with pytest.raises(
        DataError, match=r"2 NaN and 1 inf.*at 2 time steps.*trajectory\[1\], time\[3\]"
    ):
        as_series_array(da)


@pytest.mark.parametrize(
    "values",
    [np.array(["a", "b", "c"]), np.array([True, False, True]), np.array([1j, 2j, 3j])],
)
def test_non_numeric_dtype(values: np.ndarray) -> None:
    with pytest.raises(DataError, match="numeric dtype"):
        as_series_array(xr.DataArray(values, dims="time"))


def test_too_short_series() -> None:
    with pytest.raises(DataError, match=r"at least 8 steps.*found 5"):
        as_series_array(_vector(5), min_length=8)


def test_unsorted_time() -> None:
    with pytest.raises(DataError, match="sortby"):
        as_series_array(_vector().isel(time=[0, 2, 1, 3]))


def test_too_many_state_dims() -> None:
    with pytest.raises(DataError, match="at most 3 state dims"):
        as_series_array(xr.DataArray(np.zeros((3, 1, 1, 1, 1)), dims=("time", "a", "b", "c", "d")))


def test_missing_series_dim() -> None:
    with pytest.raises(DataError, match="series_dim 'run'"):
        as_series_array(_vector(), series_dim="run")


# ---------------------------------------------------------------- split_by_trajectory


def test_split_is_disjoint_complete_and_sized() -> None:
    da = _trajectories(n=20)
    splits = split_by_trajectory(da, seed=0)
    ids = {k: set(v["trajectory"].values.tolist()) for k, v in splits.items()}
    assert list(splits) == ["train", "val", "test"]
    assert [len(ids[k]) for k in splits] == [14, 3, 3]
    assert not (ids["train"] & ids["val"] or ids["train"] & ids["test"] or ids["val"] & ids["test"])
    assert ids["train"] | ids["val"] | ids["test"] == set(range(100, 120))
    for part in splits.values():  # whole trajectories, all frames, values kept
        assert part.sizes["time"] == da.sizes["time"]
        xr.testing.assert_equal(part, da.sel(trajectory=part["trajectory"]))


def test_split_is_deterministic_and_seeded() -> None:
    da = _trajectories(n=30)
    a = split_by_trajectory(da, seed=1)
    b = split_by_trajectory(da, seed=1)
    c = split_by_trajectory(da, seed=2)
    for k in a:
        xr.testing.assert_identical(a[k], b[k])
    assert any(not a[k]["trajectory"].equals(c[k]["trajectory"]) for k in a)
    assert not a["test"]["trajectory"].equals(da["trajectory"][-a["test"].sizes["trajectory"] :])


def test_split_counts_and_small_numbers() -> None:
    da = _trajectories(n=5)

    def sizes(**kwargs: object) -> list[int]:
        return [v.sizes["trajectory"] for v in split_by_trajectory(da, **kwargs).values()]

    assert sizes(counts=(2, 2, 1)) == [2, 2, 1]
    assert sizes() == [3, 1, 1]  # val, test: max(1, round(5 · 0.15)); train the rest
    assert sizes(fractions=(0.8, 0.2, 0.0)) == [4, 1, 0]
    with pytest.raises(DataError, match=r"found 2, need at least 3"):
        split_by_trajectory(_trajectories(n=2))
    with pytest.raises(ConfigError, match="summing to the 5"):
        split_by_trajectory(da, counts=(2, 2, 2))
    with pytest.raises(ConfigError, match="summing to 1"):
        split_by_trajectory(da, fractions=(0.5, 0.2, 0.2))


def test_split_needs_the_dim() -> None:
    with pytest.raises(DataError, match=r"'trajectory' dim.*found dims \['time', 'var'\]"):
        split_by_trajectory(_vector())
