"""Hostile input files given to ``idff-ts forecast --data`` (and ``train --data``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hostile_kit import series


def _bytes(name: str, payload: bytes):
    def make(tmp: Path, inputs: Path) -> None:
        (tmp / name).write_bytes(payload)
    return make


def _truncated(name: str, src: str = "obs.nc"):
    def make(tmp: Path, inputs: Path) -> None:
        data = (inputs / src).read_bytes()
        (tmp / name).write_bytes(data[: len(data) // 2])
    return make


def _dataset(name: str, build):
    def make(tmp: Path, inputs: Path) -> None:
        build().to_netcdf(tmp / name)
    return make


def _zarr_corrupt_chunk(tmp: Path, inputs: Path) -> None:
    series().to_zarr(tmp / "bad.zarr", zarr_format=2, consolidated=True)
    chunks = [p for p in (tmp / "bad.zarr" / "x").iterdir() if not p.name.startswith(".")]
    for chunk in chunks:
        chunk.write_bytes(b"\x02\x01garbage-not-a-blosc-frame" * 3)


def _zarr_missing_chunk(tmp: Path, inputs: Path) -> None:
    ds = series()
    ds.to_zarr(tmp / "gap.zarr", zarr_format=2, consolidated=True, encoding={"x": {"chunks": (10, 2)}})
    (tmp / "gap.zarr" / "x" / "5.0").unlink()  # a missing chunk reads as fill value (NaN)


def _zarr_no_metadata(tmp: Path, inputs: Path) -> None:
    series().to_zarr(tmp / "nometa.zarr", zarr_format=2, consolidated=True)
    for meta in (tmp / "nometa.zarr").glob(".z*"):
        meta.unlink()


def _folder(tmp: Path, inputs: Path) -> None:
    (tmp / "folder").mkdir()
    (tmp / "folder" / "readme.txt").write_text("not data")


def _glob_with_garbage(tmp: Path, inputs: Path) -> None:
    (tmp / "parts").mkdir()
    series().isel(time=slice(0, 30)).to_netcdf(tmp / "parts" / "a.nc")
    (tmp / "parts" / "b.nc").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)


def _glob_with_other_grid(tmp: Path, inputs: Path) -> None:
    (tmp / "mixed").mkdir()
    series().isel(time=slice(0, 30)).to_netcdf(tmp / "mixed" / "a.nc")
    series(d=3).isel(time=slice(30, 60)).to_netcdf(tmp / "mixed" / "b.nc")


def _npy(tmp: Path, inputs: Path) -> None:
    np.save(tmp / "arr.npy", np.zeros((10, 2)))


def _two_vars() -> xr.Dataset:
    ds = series()
    ds["y"] = ds["x"] * 2
    return ds


def _no_vars() -> xr.Dataset:
    return xr.Dataset(coords={"time": series()["time"]})


CASES = [
    ("missing-file", None, ["--data", "nope.nc"], ("nope.nc", "not found")),
    ("empty-file", _bytes("empty.nc", b""), ["--data", "empty.nc"], ("empty.nc",)),
    ("random-bytes", _bytes("rand.nc", bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8))),
     ["--data", "rand.nc"], ("rand.nc",)),
    ("html-error-page", _bytes("page.nc", b"<html><body>503 Service Unavailable</body></html>"),
     ["--data", "page.nc"], ("page.nc",)),
    ("truncated-netcdf", _truncated("half.nc"), ["--data", "half.nc"], ("half.nc",)),
    ("hdf5-magic-only", _bytes("magic.nc", b"\x89HDF\r\n\x1a\n" + b"\x00" * 128),
     ["--data", "magic.nc"], ("magic.nc",)),
    ("netcdf3-magic-only", _bytes("cdf.nc", b"CDF\x01" + b"\x00" * 32), ["--data", "cdf.nc"], ("cdf.nc",)),
    ("text-as-csv", _bytes("obs.csv", b"time,x\n2020-01-01,1\n"), ["--data", "obs.csv"], ("obs.csv",)),
    ("npy-as-data", _npy, ["--data", "arr.npy"], ("arr.npy",)),
    ("folder-without-data", _folder, ["--data", "folder"], ("folder",)),
    ("glob-matches-nothing", None, ["--data", "none/*.nc"], ("none/*.nc",)),
    ("glob-with-garbage-file", _glob_with_garbage, ["--data", "parts/*.nc"], ("parts",)),
    ("glob-with-other-grid", _glob_with_other_grid, ["--data", "mixed/*.nc"], ("component",)),
    ("zarr-corrupt-chunks", _zarr_corrupt_chunk, ["--data", "bad.zarr"], ("bad.zarr",)),
    ("zarr-missing-chunk", _zarr_missing_chunk, ["--data", "gap.zarr"], ("nan",)),
    ("zarr-without-metadata", _zarr_no_metadata, ["--data", "nometa.zarr"], ("nometa.zarr",)),
    ("empty-zarr-folder", lambda t, i: (t / "empty.zarr").mkdir(), ["--data", "empty.zarr"], ("empty.zarr",)),
    ("wrong-variable", None, ["--data", "{in}/obs.nc", "--var", "sst"], ("sst", "x")),
    ("two-variables-none-chosen", _dataset("two.nc", _two_vars), ["--data", "two.nc", "--var", "z"], ("z",)),
    ("no-variables", _dataset("novars.nc", _no_vars), ["--data", "novars.nc"], ("novars.nc",)),
    ("no-time-dim", _dataset("notime.nc", lambda: series().rename(time="date")),
     ["--data", "notime.nc"], ("time", "date")),
]


@pytest.mark.parametrize("name,setup,args,needles", CASES, ids=[c[0] for c in CASES])
def test_bad_input_file(hostile, tmp_path, inputs, name, setup, args, needles):
    if setup is not None:
        setup(tmp_path, inputs)
    hostile(["forecast", "-c", "{in}/model.pt", *args, "-o", "out.nc", "-q"], (1, 2), needles)


NO_MODEL = [
    ("truncated-ncei-file-no-checkpoint", _truncated("oisst-avhrr-v02r01.20200101.nc"),
     ["--data", "oisst-avhrr-v02r01.20200101.nc"], ("oisst-avhrr-v02r01.20200101.nc",)),
    ("psl-name-garbage-no-checkpoint", _bytes("sst.day.mean.2020.nc", b"garbage" * 100),
     ["--data", "sst.day.mean.2020.nc"], ("sst.day.mean.2020.nc",)),
    ("file-without-sst-no-checkpoint", None, ["--data", "{in}/obs.nc"], ("sst", "--checkpoint")),
]


@pytest.mark.parametrize("name,setup,args,needles", NO_MODEL, ids=[c[0] for c in NO_MODEL])
def test_bad_input_without_checkpoint_names_the_real_problem(hostile, tmp_path, inputs, name,
                                                              setup, args, needles):
    if setup is not None:
        setup(tmp_path, inputs)
    hostile(["forecast", *args, "-o", "out.nc", "-q"], (1, 2), needles)


TRAIN = [
    ("train-random-bytes", _bytes("rand.nc", b"\x00\xff" * 500), ["--data", "rand.nc", "--var", "x"]),
    ("train-truncated", _truncated("half.nc"), ["--data", "half.nc", "--var", "x"]),
    ("train-zarr-corrupt", _zarr_corrupt_chunk, ["--data", "bad.zarr", "--var", "x"]),
]


@pytest.mark.parametrize("name,setup,args", TRAIN, ids=[c[0] for c in TRAIN])
def test_bad_training_file(hostile, tmp_path, inputs, name, setup, args):
    setup(tmp_path, inputs)
    hostile(["train", *args, "-o", "run", "--epochs", "1", "-q"], (1, 2), (args[1],))


def test_existing_output_is_untouched_by_a_bad_input(hostile, tmp_path, inputs):
    shutil.copy(inputs / "obs.nc", tmp_path / "out.nc")  # snapshot: must stay byte-identical
    hostile(["forecast", "-c", "{in}/model.pt", "--data", "missing.nc", "-o", "out.nc", "-q"], 1)
