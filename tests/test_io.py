"""idff_ts.io: suffix dispatch, atomic writes, provenance attrs, reading user data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from idff_ts.errors import DataError, OutputExistsError
from idff_ts.io import (
    check_output_path,
    load_values,
    open_user_data,
    output_format,
    provenance_attrs,
    write_dataset,
    write_table,
)


def _ds(n: int = 10, value: float = 1.0, odd_attrs: bool = False) -> xr.Dataset:
    t = pd.date_range("2020-01-01", periods=n)
    x = np.full((n, 2), value) + np.arange(n)[:, None]
    return xr.Dataset(
        {"x": (("time", "component"), x, {"units": "K"})},
        coords={"time": t, "component": ["a", "b"]},
        attrs={"flag": True, "nothing": None, "nested": {"a": 1}, "vec": [1.0, 2.0]}
        if odd_attrs
        else {},
    )


def _siblings(path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.nc", "netcdf"), ("a.NC4", "netcdf"), ("a.netcdf", "netcdf"), ("a.zarr", "zarr")],
)
def test_output_format_by_suffix(name, fmt):
    assert output_format(name) == fmt


@pytest.mark.parametrize("name", ["a.txt", "a", "a.h5"])
def test_unknown_suffix_names_the_allowed_ones(name):
    with pytest.raises(DataError, match=r"\.nc, \.nc4, \.netcdf, \.zarr"):
        output_format(name)


def test_netcdf_float32_compressed_and_attrs_sanitised(tmp_path):
    out = write_dataset(_ds(odd_attrs=True), tmp_path / "f.nc")
    back = xr.open_dataset(out)
    assert back["x"].dtype == np.float32
    assert back["x"].encoding["zlib"] is True
    assert back.attrs["flag"] == 1 and "nothing" not in back.attrs
    np.testing.assert_array_equal(back.attrs["vec"], [1.0, 2.0])
    np.testing.assert_array_equal(back["x"].values, _ds()["x"].values.astype(np.float32))
    back.close()
    assert _siblings(out) == []  # no temporary files left


def test_netcdf_replaces_atomically_and_failure_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "f.nc"
    write_dataset(_ds(value=1.0), path)
    write_dataset(_ds(value=2.0), path)
    with xr.open_dataset(path) as back:
        assert float(back["x"][0, 0]) == 2.0
    before = path.read_bytes()

    def boom(self, *args, **kwargs):
        open(args[0], "wb").write(b"half-written")  # a partial temp file, then a crash
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    with pytest.raises(DataError, match="disk full") as err:
        write_dataset(_ds(value=3.0), path)
    assert str(path) in str(err.value) and ".tmp-" not in str(err.value)  # the user's path
    assert path.read_bytes() == before
    assert _siblings(path) == []


def test_zarr_write_replace_and_failure_keeps_old_store(tmp_path, monkeypatch):
    path = tmp_path / "f.zarr"
    write_dataset(_ds(value=1.0), path)
    write_dataset(_ds(value=2.0), path)
    with xr.open_zarr(path) as back:
        assert float(back["x"][0, 0]) == 2.0
        assert back["x"].dtype == np.float32
        assert list(back["component"].values) == ["a", "b"]

    def boom(self, store, *args, **kwargs):
        (store / "junk").mkdir(parents=True)
        raise RuntimeError("interrupted")

    monkeypatch.setattr(xr.Dataset, "to_zarr", boom)
    with pytest.raises(DataError, match="interrupted") as err:
        write_dataset(_ds(value=3.0), path)
    assert str(path) in str(err.value) and ".tmp-" not in str(err.value)
    with xr.open_zarr(path) as back:
        assert float(back["x"][0, 0]) == 2.0
    assert _siblings(path) == []


def test_bad_suffix_writes_nothing(tmp_path):
    with pytest.raises(DataError, match="unknown output suffix"):
        write_dataset(_ds(), tmp_path / "f.csv")
    assert list(tmp_path.iterdir()) == []


def test_write_table_csv(tmp_path):
    df = pd.DataFrame({"crps": [0.1, 0.2]}, index=pd.Index([1, 2], name="lead"))
    out = write_table(df, tmp_path / "m.csv")
    assert pd.read_csv(out, index_col=0)["crps"].tolist() == [0.1, 0.2]


def test_provenance_attrs_without_model():
    from idff_ts import __version__
    from idff_ts.config import SamplerConfig

    attrs = provenance_attrs(
        title="t", seed=3, ensemble_size=5, sampler=SamplerConfig(nfe=4, gamma1=0.5),
        command="idff-ts forecast", history="older line",
    )
    assert attrs["Conventions"] == "CF-1.8"
    assert attrs["idff_ts_version"] == __version__
    assert attrs["seed"] == 3 and attrs["ensemble_size"] == 5
    assert attrs["sampler_nfe"] == 4 and attrs["sampler_gamma1"] == 0.5
    first, second = attrs["history"].split("\n")
    assert first.endswith("Z: idff-ts forecast") and second == "older line"


# --------------------------------------------------------------------------- reading


def test_open_user_data_single_file_and_default_var(tmp_path):
    _ds().to_netcdf(tmp_path / "a.nc")
    da = open_user_data(tmp_path / "a.nc")
    assert da.name == "x" and da.dims == ("time", "component")


def test_open_user_data_glob_is_lazy_and_combined(tmp_path):
    ds = _ds(20)
    ds.isel(time=slice(0, 10)).to_netcdf(tmp_path / "p1.nc")
    ds.isel(time=slice(10, 20)).to_netcdf(tmp_path / "p2.nc")
    da = open_user_data(str(tmp_path / "p*.nc"), "x")
    assert da.chunks is not None  # dask-backed
    assert da.sizes["time"] == 20
    np.testing.assert_array_equal(da.values, ds["x"].values)


def test_open_user_data_zarr(tmp_path):
    write_dataset(_ds(), tmp_path / "s.zarr")
    assert open_user_data(tmp_path / "s.zarr", "x").sizes["time"] == 10


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="input file not found"):
        open_user_data(tmp_path / "nope.nc", "x")
    with pytest.raises(DataError, match="no input files match"):
        open_user_data(str(tmp_path / "nope*.nc"), "x")


def test_variable_not_found_lists_available(tmp_path):
    _ds().assign(y=lambda d: d.x * 2).to_netcdf(tmp_path / "a.nc")
    with pytest.raises(DataError, match=r"variable 'sst' not found.*\['x', 'y'\]"):
        open_user_data(tmp_path / "a.nc", "sst")
    with pytest.raises(DataError, match=r"holds 2 variables \['x', 'y'\]; choose one"):
        open_user_data(tmp_path / "a.nc")


def test_no_time_dim_lists_dims_cf_names_and_fix(tmp_path):
    ds = _ds().rename(time="t")
    ds["t"].attrs["standard_name"] = "time"
    ds.to_netcdf(tmp_path / "a.nc")
    with pytest.raises(DataError) as err:
        open_user_data(tmp_path / "a.nc", "x")
    msg = str(err.value)
    assert "expected a 'time' dimension" in msg
    assert "t (10), component (2)" in msg and "standard_name=time" in msg
    assert "rename({'t': 'time'})" in msg


def test_unreadable_file(tmp_path):
    (tmp_path / "a.nc").write_text("not netcdf")
    with pytest.raises(DataError, match="cannot read"):
        open_user_data(tmp_path / "a.nc", "x")


# ------------------------------------------------------------------ one overwrite rule (issue 16)


@pytest.mark.parametrize("name", ["f.nc", "f.zarr"])
def test_existing_output_is_refused_without_overwrite(tmp_path, name):
    path = tmp_path / name
    write_dataset(_ds(value=1.0), path)
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_dataset(_ds(value=2.0), path, overwrite=False)
    reader = xr.open_zarr if name.endswith(".zarr") else xr.open_dataset
    with reader(path) as back:
        assert float(back["x"][0, 0]) == 1.0
    assert _siblings(path) == []
    write_dataset(_ds(value=2.0), path, overwrite=True)
    with reader(path) as back:
        assert float(back["x"][0, 0]) == 2.0


def test_no_clobber_when_a_concurrent_writer_got_there_first(tmp_path, monkeypatch):
    """Without overwrite, an output that appears during the write is not replaced."""
    path = tmp_path / "f.nc"
    real = xr.Dataset.to_netcdf

    def racing(self, target, *args, **kwargs):
        real(self, target, *args, **kwargs)
        path.write_bytes(b"the other writer's file")  # appears between check and rename

    monkeypatch.setattr(xr.Dataset, "to_netcdf", racing)
    with pytest.raises(OutputExistsError, match="appeared while writing"):
        write_dataset(_ds(), path, overwrite=False)
    assert path.read_bytes() == b"the other writer's file"
    assert _siblings(path) == []


def test_two_concurrent_writers_leave_one_valid_file(tmp_path):
    """Two processes replacing one output at once: the survivor is a complete, readable file."""
    import subprocess
    import sys

    path = tmp_path / "f.nc"
    code = (
        "import sys, numpy as np, xarray as xr; from idff_ts.io import write_dataset\n"
        "v = float(sys.argv[1]); ds = xr.Dataset({'x': (('time',), np.full(20000, v))})\n"
        "for _ in range(3): write_dataset(ds, sys.argv[2])\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(v), str(path)]) for v in (1, 2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with xr.open_dataset(path) as back:
        values = np.unique(back["x"].values)
    assert values.size == 1 and values[0] in (1.0, 2.0)
    assert _siblings(path) == []


@pytest.mark.parametrize(
    "name,setup,needle",
    [
        ("out.txt", None, "unknown output suffix"),
        ("dir.nc", lambda p: p.mkdir(), "existing folder"),
        ("f.zarr", lambda p: p.write_text("x"), "existing file"),
        ("afile/out.nc", lambda p: p.parent.write_text("x"), "is a file"),
    ],
)
def test_check_output_path_refuses_before_any_work(tmp_path, name, setup, needle):
    path = tmp_path / name
    if setup is not None:
        setup(path)
    with pytest.raises(DataError, match=needle):
        check_output_path(path, overwrite=True)


def test_unreadable_chunks_are_a_data_error_naming_the_store(tmp_path):
    store = tmp_path / "s.zarr"
    _ds().to_zarr(store, zarr_format=2, consolidated=True)
    for chunk in (store / "x").iterdir():
        if not chunk.name.startswith("."):
            chunk.write_bytes(b"not a compressed chunk")
    da = open_user_data(store, "x")
    with pytest.raises(DataError, match="s.zarr.*damaged"):
        load_values(da)
