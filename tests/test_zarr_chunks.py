"""A hindcast's Zarr store: whole chunks written in the calling thread are the bytes zarr
itself writes, and its netCDF export reads it a few MB at a time with the same result."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import zarr
from numcodecs import Blosc, Quantize, Zlib

from idff_ts.io.zarr_chunks import ChunkWriter


def _pair(tmp_path, shape, dtype, **kw):
    """Two identical empty v2 arrays chunked one first index at a time, the rest whole."""
    arrays = []
    for name in ("by_zarr", "by_writer"):
        arrays.append(zarr.create_array(
            str(tmp_path / name), shape=shape, chunks=(1, *shape[1:]), dtype=dtype,
            zarr_format=2, **kw))
    return arrays


@pytest.mark.parametrize("kw", [
    dict(filters=[Quantize(digits=2, dtype="<f4")], compressors=Blosc("lz4", 5, Blosc.SHUFFLE),
         fill_value=np.nan),
    dict(compressors=Zlib(level=4), chunk_key_encoding={"name": "v2", "separator": "/"},
         fill_value=np.nan),
    dict(compressors=None, fill_value=0.0),
])
def test_chunks_are_the_bytes_zarr_writes(tmp_path, kw):
    rng = np.random.default_rng(0)
    values = (20 + rng.normal(size=(5, 3, 4, 6))).astype("f4")
    by_zarr, by_writer = _pair(tmp_path, values.shape, "f4", **kw)
    by_zarr[:] = values
    writer = ChunkWriter(tmp_path / "by_writer")
    for i in range(values.shape[0]):
        writer.write(i, values[i])
    stored_zarr = sorted(p.relative_to(tmp_path / "by_zarr") for p in
                         (tmp_path / "by_zarr").rglob("*") if p.is_file() and p.name[0] != ".")
    assert len(stored_zarr) == values.shape[0]
    for key in stored_zarr:
        assert (tmp_path / "by_writer" / key).read_bytes() == (tmp_path / "by_zarr" / key).read_bytes()
    back = zarr.open_array(str(tmp_path / "by_writer"), mode="r")[:]
    np.testing.assert_array_equal(back, by_zarr[:])
    if "filters" not in kw:
        np.testing.assert_array_equal(back, values)


def test_integer_times_and_accepts(tmp_path):
    values = np.arange(12, dtype="i8").reshape(4, 3) * 86_400
    by_zarr, _ = _pair(tmp_path, values.shape, "i8", fill_value=None)
    by_zarr[:] = values
    writer = ChunkWriter(tmp_path / "by_writer")
    for i in range(4):
        writer.write(i, values[i])
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "by_writer"))[:], values)
    assert ChunkWriter.accepts(tmp_path / "by_writer")
    zarr.create_array(str(tmp_path / "split"), shape=(4, 6), chunks=(1, 3), dtype="f4",
                      zarr_format=2)
    assert not ChunkWriter.accepts(tmp_path / "split")  # the other dim is not whole
    assert not ChunkWriter.accepts(tmp_path / "missing")


def test_a_wrong_chunk_is_refused(tmp_path):
    _pair(tmp_path, (2, 3), "f4")
    writer = ChunkWriter(tmp_path / "by_writer")
    with pytest.raises(ValueError, match=r"shape \(3,\), got \(4,\)"):
        writer.write(0, np.zeros(4, "f4"))
    with pytest.raises(IndexError, match="outside"):
        writer.write(2, np.zeros(3, "f4"))


def test_netcdf_export_reads_by_bytes_and_gives_the_same_file(tmp_path, monkeypatch):
    import xarray as xr

    from idff_ts.io import regions

    values = np.arange(10 * 2 * 500, dtype="f4").reshape(10, 2, 500)
    ds = xr.Dataset({"a": (("init", "box", "x"), values), "b": (("box",), np.ones(2, "f4"))},
                    coords={"init": np.arange(10)})
    ds.to_zarr(tmp_path / "s.zarr", zarr_format=2, consolidated=True,
               encoding={"a": {"chunks": (1, 2, 500)}})  # one init per chunk, as a hindcast's
    assert regions._inits_per_read(tmp_path / "s.zarr") == regions.READ_BYTES // 4000
    monkeypatch.setattr(regions, "READ_BYTES", 12_000)  # 3 inits of 4,000 bytes
    assert regions._inits_per_read(tmp_path / "s.zarr") == 3
    monkeypatch.setattr(regions, "READ_BYTES", 100)  # less than one init: one at a time
    assert regions._inits_per_read(tmp_path / "s.zarr") == 1
    outs = []
    for per_read in (None, 1, 7):
        shutil.copytree(tmp_path / "s.zarr", tmp_path / f"c{per_read}.zarr")
        out = tmp_path / f"o{per_read}.nc"
        regions.export_store(tmp_path / f"c{per_read}.zarr", out, overwrite=False,
                             inits_per_read=per_read)
        with xr.open_dataset(out) as got:
            outs.append(got.load())
    for got in outs:
        xr.testing.assert_identical(got, outs[0])
        np.testing.assert_array_equal(got["a"].values, values)
