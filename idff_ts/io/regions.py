"""One Zarr store filled an ``init`` region at a time (the streamed hindcast's output).

:mod:`idff_ts.hindcast` samples a hindcast a block of inits at a time; each block is written
straight into its own region of ONE store, so nothing ever holds more than a block and there is
no final assembly:

1. :func:`create_region_store` writes the store's full layout from the first block sampled:
   every variable with an ``init`` dim at its full length (``init`` = all the hindcast's inits,
   one init per Zarr chunk, so the regions of any two blocks never share a chunk), the other
   variables (``lead``, ``member``, the tile coordinates, ...) whole, the CF attributes, and
   the encoding of :func:`idff_ts.io.write_dataset` (float32, the quantisation filter of
   ``least_significant_digit``). Only metadata and the small variables are written; the layout
   is built under a temporary name and renamed, so concurrent processes create it once.
2. :class:`RegionWriter` writes a block's init-dependent variables into its slice of ``init``
   (what ``xarray.Dataset.to_zarr(region=...)`` does, without reopening the store per block);
   several processes may do this at the same time. Its chunks (one init each) are encoded and
   written in the calling thread (:mod:`idff_ts.io.zarr_chunks`), not in zarr's codec threads,
   whose malloc arenas made peak memory creep up with the number of blocks.
3. :func:`set_store_attrs` rewrites the global attributes (the summed costs) and consolidates
   the metadata; :func:`export_store` then renames the store into place (``.zarr`` output,
   atomic) or converts it to netCDF a few inits at a time (about 8 MB per read; dask's
   synchronous scheduler: one read in memory at a time; netCDF chunks of one init, a small
   HDF5 chunk cache), written atomically by :func:`~idff_ts.io.write_dataset`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.io.formats import output_format
from idff_ts.io.writing import (
    _prepare,
    _sanitize_attrs,
    _temp_sibling,
    move_store_into_place,
    write_dataset,
)
from idff_ts.io.zarr_chunks import ChunkWriter

INIT = "init"

WRITE_CHUNK_CACHE = 1 << 20
"""Bytes of HDF5 chunk cache per variable while a store is converted to netCDF."""


def _init_variables(ds: xr.Dataset) -> list[str]:
    """Names of the variables (data and coordinates) that vary with ``init``, but ``init``."""
    return [str(n) for n, v in ds.variables.items() if INIT in v.dims and n != INIT]


def region_template(block: xr.Dataset, inits: np.ndarray) -> xr.Dataset:
    """``block``'s layout for all ``inits``: its init variables as lazy zeros of full length,
    one dask chunk each (never computed: ``to_zarr(compute=False)`` only writes metadata, and a
    dask chunk per init made building the unused write graph cost time growing with the
    number of inits; the Zarr chunks, one per init, come from the encoding)."""
    import dask.array as da

    names = _init_variables(block)
    template = block.drop_vars([*names, INIT]).assign_coords({INIT: (INIT, np.asarray(inits))})
    template[INIT].attrs = dict(block[INIT].attrs)
    for name in names:
        var = block[name].variable
        shape = tuple(len(inits) if d == INIT else block.sizes[d] for d in var.dims)
        chunks = shape  # one dask chunk: a graph of one task, whatever the number of inits
        lazy = xr.Variable(var.dims, da.zeros(shape, dtype=var.dtype, chunks=chunks),
                           var.attrs, var.encoding)
        if name in block.coords:
            template = template.assign_coords({name: lazy})
        else:
            template[name] = lazy
    return template


def create_region_store(block: xr.Dataset, inits: np.ndarray, store: Path) -> bool:
    """Write the layout of ``store`` for ``inits`` from ``block``; False if it already exists."""
    template, encoding = _prepare(region_template(block, inits), "zarr", 4)
    for name in _init_variables(template):
        sizes = template[name].sizes
        encoding.setdefault(name, {})["chunks"] = tuple(
            1 if d == INIT else sizes[d] for d in template[name].dims
        )
    tmp = _temp_sibling(store, "new")
    try:
        template.to_zarr(tmp, mode="w-", compute=False, encoding=encoding, zarr_format=2,
                         consolidated=True)
        try:
            os.rename(tmp, store)  # atomic; refused when another process created it first
        except OSError:
            if not store.exists():
                raise
            return False
        return True
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


CF_ENCODING = ("units", "calendar", "dtype", "_FillValue", "scale_factor", "add_offset")
"""The encoding keys that decide how a value is stored (time units, packing, fill value)."""


class RegionWriter:
    """Writes blocks into their ``init`` regions of an existing store (arrays opened once).

    A block's init variables are CF-encoded with the store's own encoding (time units, dtype,
    fill value) by xarray's encoder, as ``to_zarr(region=...)`` does, and assigned to their
    slice of the Zarr arrays (zarr applies the compressor and the quantisation filter), without
    reopening and validating the store at every block.
    """

    def __init__(self, store: Path) -> None:
        import zarr

        group = zarr.open_group(str(store), mode="r+", zarr_format=2)
        with xr.open_zarr(store, consolidated=True) as ds:
            names = _init_variables(ds)
            self.dims = {n: ds[n].dims for n in names}
            self.encoding = {n: {k: ds[n].encoding[k] for k in CF_ENCODING
                                 if k in ds[n].encoding} for n in names}
        self.arrays = {n: group[n] for n in names}
        # whole-init chunks whose first dim is init are written in this thread (zarr_chunks)
        whole_inits = [n for n in names if self.dims[n][:1] == (INIT,)
                       and ChunkWriter.accepts(Path(store) / n)]
        self.chunk_writers = {n: ChunkWriter(Path(store) / n) for n in whole_inits}

    def write(self, block: xr.Dataset, start: int) -> None:
        """Write ``block``'s init variables at inits ``start .. start + block.sizes["init"]``."""
        stop = start + block.sizes[INIT]
        for name, array in self.arrays.items():
            var = block[name].variable.transpose(*self.dims[name]).copy(deep=False)
            var.attrs, var.encoding = {}, dict(self.encoding[name])
            values = np.asarray(xr.conventions.encode_cf_variable(var, name=name).values,
                                dtype=array.dtype)
            if name in self.chunk_writers:
                for i in range(stop - start):
                    self.chunk_writers[name].write(start + i, values[i])
                continue
            where = tuple(slice(start, stop) if d == INIT else slice(None) for d in var.dims)
            array[where] = values


def _json_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def set_store_attrs(store: Path, attrs: dict[str, Any]) -> None:
    """Update the global attributes of ``store`` and consolidate its metadata."""
    import zarr

    group = zarr.open_group(str(store), mode="r+", zarr_format=2)
    group.attrs.update({k: _json_value(v) for k, v in _sanitize_attrs(attrs).items()})
    zarr.consolidate_metadata(str(store), zarr_format=2)


def _for_netcdf(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` from a store, its small variables loaded and its encoding reset for netCDF.

    The Zarr quantisation filter becomes ``least_significant_digit`` again (the same rounding;
    applying it twice changes nothing). The netCDF chunks of the data variables hold one init
    (and one series or lead): written a block of whole inits at a time, each chunk is written
    once and whole (netCDF's default chunks span hundreds of inits, each rewritten at every
    init).
    """
    ds = ds.copy(deep=False)
    small = [n for n in ds.variables if n not in ds.data_vars]
    ds = ds.assign_coords({n: ds[n].load() for n in small if n in ds.coords})
    for name in ds.variables:
        var = ds[name]
        digits = [f.digits for f in var.encoding.get("filters") or () if hasattr(f, "digits")]
        var.encoding = {"least_significant_digit": int(digits[0])} if digits else {}
        if name in ds.data_vars and var.dims[:1] == (INIT,):
            # HDF5 chunks inside one init (and one series): each init written once, whole
            var.encoding["chunksizes"] = tuple(
                1 if i == 0 or (i == 1 and var.ndim >= 4) else n for i, n in enumerate(var.shape)
            )
        if "flag_values" in var.attrs:  # JSON made them plain ints; CF wants the stored type
            stored = np.int8 if var.dtype == bool else var.dtype
            var.attrs["flag_values"] = np.asarray(var.attrs["flag_values"], dtype=stored)
    return ds


READ_BYTES = 1 << 23
"""Bytes of stored values (as decoded) per read when a store is converted to netCDF."""


def _inits_per_read(store: Path) -> int:
    """How many inits of ``store`` fit in :data:`READ_BYTES` (at least one)."""
    with xr.open_zarr(store, consolidated=True) as ds:
        n = max(1, ds.sizes.get(INIT, 1))
        per_init = sum(v.size * v.dtype.itemsize for v in ds.data_vars.values()
                       if INIT in v.dims) / n
    return max(1, int(READ_BYTES // max(per_init, 1)))


def export_store(store: Path, output: Path, *, overwrite: bool,
                 inits_per_read: int | None = None) -> Path:
    """Move the finished ``store`` to ``output`` (Zarr) or convert it (netCDF), atomically,
    reading ``inits_per_read`` inits at a time (default: as many as fit in
    :data:`READ_BYTES`, at least one). A read's conversion holds several copies of it, so its
    size sets the conversion's memory: at the demo's sizes (8 MB per init) a read of 8 inits
    peaked 390 MB above the process's baseline and a read of 1 init 70 MB, in the same time;
    at small sizes a read of many inits saves each read's fixed cost
    (``benchmarks/results/hindcast_export.md``)."""
    if output_format(output) == "zarr":
        try:
            move_store_into_place(store, output, overwrite)
        except OSError as exc:
            from idff_ts.errors import DataError

            raise DataError(f"cannot write {str(output)!r}: {exc.strerror or exc}") from None
        return output
    import dask
    import netCDF4

    cache = netCDF4.get_chunk_cache()
    # every chunk is written once and whole: HDF5's cache (64 MiB per variable) would only
    # fill up with chunks already written
    netCDF4.set_chunk_cache(WRITE_CHUNK_CACHE, cache[1], cache[2])
    try:
        if inits_per_read is None:
            inits_per_read = _inits_per_read(store)
        with xr.open_zarr(store, consolidated=True,
                          chunks={INIT: max(1, int(inits_per_read))}) as ds, \
                dask.config.set(scheduler="synchronous"):
            write_dataset(_for_netcdf(ds), output, overwrite=overwrite)
    finally:
        netCDF4.set_chunk_cache(*cache)
    return output


__all__ = [
    "RegionWriter",
    "create_region_store",
    "export_store",
    "region_template",
    "set_store_attrs",
]
