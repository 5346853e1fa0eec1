"""Streamed hindcasts: blocks written as sampled, one or two processes give the same file bit
for bit, each block equals a plain forecast with its block seed, failures leave no output."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import netCDF4
import numpy as np
import pytest
import xarray as xr

import idff_ts
from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint
from idff_ts.errors import ConfigError, DataError, OutputExistsError
from idff_ts.hindcast import block_seed, finished_blocks, hindcast, parts_folder, plan_blocks
from idff_ts.training.checkpoint import load_checkpoint

KW = {"members": 2, "nfe": 1, "days": 2, "device": "cpu"}
N_INITS, BLOCK = 5, 2


@pytest.fixture(scope="module")
def setup():
    ds = xr.open_dataset(demo_archive_files()[0])
    return ds, load_checkpoint(demo_checkpoint()), list(ds["time"].values[10 : 10 + N_INITS])


@pytest.fixture(scope="module")
def single(setup, tmp_path_factory):
    ds, model, inits = setup
    out = tmp_path_factory.mktemp("hc") / "hc.nc"
    assert hindcast(ds, model, out, init=inits, block_inits=BLOCK, seed=3, **KW) == out
    return out


def test_plan_and_seeds():
    assert plan_blocks(range(5), 2) == [[0, 1], [2, 3], [4]]
    seeds = {block_seed(3, b) for b in range(100)} | {block_seed(4, 0)}
    assert len(seeds) == 101 and block_seed(3, 7) == block_seed(3, 7)
    with pytest.raises(ConfigError):
        plan_blocks([], 2)
    with pytest.raises(ConfigError):
        plan_blocks([1], 0)


def test_each_block_is_a_forecast_with_its_block_seed(setup, single):
    ds, model, inits = setup
    with xr.open_dataset(single) as out:
        assert out.sizes["init"] == N_INITS and out.attrs["hindcast_blocks"] == 3
        np.testing.assert_array_equal(out["init"].values, np.asarray(inits))
        for b, block in enumerate(plan_blocks(inits, BLOCK)):
            ref = idff_ts.forecast(ds, model, init=block, seed=block_seed(3, b), **KW)
            got = out["sst"].sel(init=ref["init"].values).values
            np.testing.assert_allclose(got, ref["sst"].values, rtol=0, atol=2.0**-8)
    assert not parts_folder(single).exists()
    with netCDF4.Dataset(single) as nc:  # CF: flag_values of the mask's stored type
        assert nc["mask"].flag_values.dtype == nc["mask"].dtype
        assert nc["sst"].chunking()[:2] == [1, 1]  # one init (and box) per chunk: written once


SCRIPT = textwrap.dedent(
    """
    import sys, torch, xarray as xr
    from idff_ts.hindcast import hindcast
    from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint
    torch.set_num_threads(1)  # the same CPU kernels in every process (threads change sums)
    ds = xr.open_dataset(demo_archive_files()[0])
    inits = list(ds["time"].values[10 : 10 + {n}])
    hindcast(ds, demo_checkpoint(), sys.argv[1], init=inits, block_inits={b}, seed=3,
             rank=int(sys.argv[2]), world_size=int(sys.argv[3]), wait_timeout_s=600, **{kw!r})
    """
).format(n=N_INITS, b=BLOCK, kw=KW)


def _run_ranks(script, out, world):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [subprocess.Popen([sys.executable, str(script), str(out), str(rank), str(world)],
                              env=env, stderr=subprocess.PIPE, text=True)
             for rank in reversed(range(world))]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]


@pytest.mark.slow
def test_two_processes_write_the_same_file_bit_for_bit(tmp_path):
    script = tmp_path / "rank.py"
    script.write_text(SCRIPT)
    one, two = tmp_path / "one.nc", tmp_path / "two.nc"
    _run_ranks(script, one, 1)
    _run_ranks(script, two, 2)  # two CPU processes at once, blocks shared round-robin
    with xr.open_dataset(one) as a, xr.open_dataset(two) as b:
        assert a.sizes["init"] == N_INITS
        for name in ("sst", "sst_anomaly", "valid_time"):
            assert a[name].values.tobytes() == b[name].values.tobytes(), name


def test_zarr_output_and_failure_leaves_no_output(setup, single, tmp_path):
    ds, model, inits = setup
    out = tmp_path / "hc.zarr"
    hindcast(ds, model, out, init=inits, block_inits=BLOCK, seed=3, **KW)
    with xr.open_zarr(out) as z, xr.open_dataset(single) as nc:
        assert z["sst"].dtype == np.float32 and z["sst"].encoding["chunks"][0] == 1
        for name in ("sst", "sst_anomaly", "valid_time"):  # the same quantised values
            assert z[name].values.tobytes() == nc[name].values.tobytes(), name
        assert z.attrs["hindcast_blocks"] == nc.attrs["hindcast_blocks"] == 3
    bad = tmp_path / "bad.nc"
    late = np.datetime64("2999-01-01")
    with pytest.raises(DataError):
        hindcast(ds, model, bad, init=[inits[0], late], block_inits=1, **KW)
    assert not bad.exists() and finished_blocks(bad) == [0]  # kept for a rerun
    hindcast(ds, model, bad, init=inits[:1], block_inits=1, **KW)  # other settings: afresh
    assert bad.exists() and not parts_folder(bad).exists()
    with pytest.raises(OutputExistsError):
        hindcast(ds, model, bad, init=inits[:1], block_inits=1, overwrite=False, **KW)


def test_an_interrupted_run_resumes_with_its_finished_blocks(setup, single, tmp_path,
                                                             monkeypatch):
    ds, model, inits = setup
    module = sys.modules["idff_ts.forecast"]
    real, calls = module.forecast, []

    def interrupted(*args, **kw):
        calls.append(list(kw["init"]))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(module, "forecast", interrupted)
    out = tmp_path / "hc.nc"
    with pytest.raises(KeyboardInterrupt):
        hindcast(ds, model, out, init=inits, block_inits=BLOCK, seed=3, **KW)
    assert not out.exists() and finished_blocks(out) == [0]
    with xr.open_zarr(parts_folder(out) / "store.zarr") as store, \
            xr.open_dataset(single) as ref:  # the full layout, block 0 written, one init a chunk
        assert store.sizes["init"] == N_INITS and store["sst"].encoding["chunks"][0] == 1
        np.testing.assert_array_equal(store["init"].values, ref["init"].values)
        first = store["sst"].isel(init=slice(0, BLOCK)).values
        assert first.tobytes() == ref["sst"].isel(init=slice(0, BLOCK)).values.tobytes()
        assert np.isnan(store["sst"].isel(init=slice(BLOCK, None)).values).all()  # not yet
    calls.clear()
    monkeypatch.setattr(module, "forecast", lambda *a, **kw: calls.append(kw["init"]) or real(*a, **kw))
    hindcast(ds, model, out, init=inits, block_inits=BLOCK, seed=3, **KW)
    assert len(calls) == 2  # blocks 1 and 2 only
    with xr.open_dataset(out) as a, xr.open_dataset(single) as b:
        for name in ("sst", "sst_anomaly", "valid_time"):
            assert a[name].values.tobytes() == b[name].values.tobytes(), name


def test_cli_streams_with_block_inits(tmp_path):
    from typer.testing import CliRunner

    from idff_ts.cli import app

    out = tmp_path / "fc.nc"
    args = ["forecast", "--init", "all", "--stride", "120", "--days", "2", "-m", "2", "--nfe",
            "1", "--block-inits", "2", "-q", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out) as fc:
        assert fc.attrs["hindcast_blocks"] == 2 and fc.sizes["init"] == 4
        assert "--block-inits 2" in fc.attrs["history"]
    bad = CliRunner().invoke(app, [*args[:-1], str(tmp_path / "x.nc"), "--rank", "2",
                                   "--world-size", "2"])
    assert bad.exit_code == 2 and "--rank must be in 0..1" in bad.stderr


def test_a_run_stopped_while_writing_the_output_resumes_or_says_what_to_do(setup, tmp_path,
                                                                          monkeypatch):
    import shutil

    import idff_ts.io.regions as regions

    ds, model, inits = setup
    out = tmp_path / "hc.nc"
    real = regions.export_store

    def stopped(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(regions, "export_store", stopped)
    with pytest.raises(KeyboardInterrupt):
        hindcast(ds, model, out, init=inits[:2], block_inits=1, **KW)
    assert finished_blocks(out) == [0, 1] and not out.exists()
    monkeypatch.setattr(regions, "export_store", real)
    store = parts_folder(out) / "store.zarr"
    kept = tmp_path / "kept.zarr"
    shutil.copytree(store, kept)
    shutil.rmtree(store)
    with pytest.raises(DataError, match="is missing; remove"):
        hindcast(ds, model, out, init=inits[:2], block_inits=1, **KW)
    shutil.copytree(kept, store)  # all blocks done: the rerun only writes the output
    hindcast(ds, model, out, init=inits[:2], block_inits=1, **KW)
    with xr.open_dataset(out) as fc:
        assert fc.sizes["init"] == 2 and np.isfinite(fc["sst"].values).any()
