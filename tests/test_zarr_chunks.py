"""ChunkWriter: whole chunks written in the calling thread are the bytes zarr itself writes."""

from __future__ import annotations

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
