"""prepare_archive: streaming tiles + training-only statistics into an atomic Zarr store."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import idff_ts.domains.sst.prepare.archive as prep
from idff_ts.domains.sst.dyffusion import DoyClimatology, box_bounds, extract_boxes
from idff_ts.domains.sst.oisst import open_oisst, write_oisst
from idff_ts.domains.sst.prepare import open_prepared, prepare_archive
from idff_ts.errors import DataError

SHARED = Path(
    os.environ.get("IDFF_SHARED_DATA")
    or Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
)
NCEI_REAL = SHARED / "oisst" / "oisst-avhrr-v02r01.20211025.nc"
BOXES = (84, 108)  # two ETP tiles keep the statistics arrays small


def _region(times: pd.DatetimeIndex, offset: float = 0.0, seed: int = 0) -> xr.DataArray:
    """SST on the ETP region (15°S–15°N, 180°–270°) at 0.25°, a few land pixels in box 84."""
    lat = np.arange(-15 + 0.125, 15, 0.25)
    lon = np.arange(180 + 0.125, 270, 0.25)
    rng = np.random.default_rng(seed)
    v = 26 + offset + rng.normal(size=(times.size, lat.size, lon.size)).astype(np.float32)
    v[:, :3, :4] = np.nan  # "land"
    return xr.DataArray(v.astype(np.float32), dims=("time", "lat", "lon"),
                        coords={"time": times, "lat": lat, "lon": lon}, name="sst")


def _archive(folder: Path, years: dict[int, float], days: int = 6) -> Path:
    """One PSL yearly file per year, its first ``days`` days, mean shifted by ``years[y]``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, (year, offset) in enumerate(years.items()):
        t = pd.date_range(f"{year}-01-01", periods=days)
        write_oisst(_region(t, offset, seed=i), folder / f"sst.day.mean.{year}.nc")
    return folder


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_streams_tiles_and_training_statistics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arch = _archive(tmp_path / "arch", {2017: 0.0, 2018: 0.0, 2019: 2.0, 2020: 3.0})
    reads: list[int] = []
    real_read = prep._read_block

    def spy(reader: prep._BoxReader, t0: int, t1: int) -> np.ndarray:
        reads.append(t1 - t0)
        return real_read(reader, t0, t1)

    monkeypatch.setattr(prep, "_read_block", spy)
    out = prepare_archive(arch, tmp_path / "tiles.zarr", boxes=BOXES, train=("2017", "2018"),
                          allow_gaps=True, time_chunk=4, read_days=4, progress=False)
    assert reads and max(reads) <= 4  # never more than read_days days in memory per read
    ds = open_prepared(out)
    assert ds["sst"].dims == ("time", "box", "y", "x") and ds["sst"].dtype == np.float32
    assert ds["sst"].shape == (24, 2, 60, 60)
    assert ds["sst"].encoding["chunks"] == (4, 1, 60, 60)
    assert ds.attrs["train_start"] == "2017-01-01" and ds.attrs["train_end"] == "2018-12-31"
    # tiles identical to the in-memory route
    ref = extract_boxes(open_oisst(arch), BOXES)
    np.testing.assert_array_equal(ds["sst"].values, ref.values)
    np.testing.assert_array_equal(ds["lat"].values, ref["lat"].values)
    np.testing.assert_array_equal(ds["mask"].values, ref["mask"].values)
    assert int((~ds["mask"]).sum()) == 12  # the land corner of box 84
    # statistics equal the batch fit on training years only
    clim = DoyClimatology.from_dataset(ds)
    batch = DoyClimatology.fit(ref, period=("2017", "2018"))
    np.testing.assert_allclose(clim.mean.values, batch.mean.values, rtol=1e-6)
    np.testing.assert_allclose(clim.std.values, batch.std.values, rtol=1e-5)
    assert clim.period == ("2017-01-01", "2018-01-06")
    z = clim.transform(ds["sst"], fill_land=0.0).where(ds["mask"])
    assert abs(float(z.sel(time=slice("2017", "2018")).mean())) < 1e-5
    assert float(z.sel(time="2019").mean()) > 1.0 and float(z.sel(time="2020").mean()) > 1.0
    assert _leftovers(tmp_path) == []


def test_gaps_are_refused_unless_allowed(tmp_path: Path) -> None:
    arch = _archive(tmp_path / "arch", {2018: 0.0, 2019: 0.0})
    with pytest.raises(DataError, match=r"missing day\(s\).*2018-01-07\.\.2018-12-31.*allow_gaps"):
        prepare_archive(arch, tmp_path / "t.zarr", boxes=BOXES, train=("2018", "2018"),
                        progress=False)
    assert not (tmp_path / "t.zarr").exists() and _leftovers(tmp_path) == []


def test_continuous_mixed_layouts_across_a_year_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prep, "MEMMAP_BYTES", 0)  # exercise the memory-mapped sums too
    t = pd.date_range("2018-12-29", "2019-01-03")
    src = _region(t)
    write_oisst(src.sel(time="2018"), tmp_path / "arch" / "sst.day.mean.2018.nc")
    for day in src.sel(time="2019").time.values:
        write_oisst(src.sel(time=[day]),
                    tmp_path / "arch" / f"oisst-avhrr-v02r01.{pd.Timestamp(day):%Y%m%d}.nc",
                    layout="ncei")
    out = prepare_archive(tmp_path / "arch", tmp_path / "t.zarr", boxes=BOXES,
                          train=("2018", "2018"), time_chunk=5, read_days=2, progress=False)
    ds = open_prepared(out)
    assert (ds.indexes["time"] == t).all()
    assert ds.attrs["source"].endswith("layouts ncei,psl")
    np.testing.assert_allclose(ds["sst"].values, extract_boxes(src, BOXES).values, atol=0.006)
    clim = DoyClimatology.from_dataset(ds)
    assert clim.period == ("2018-12-29", "2018-12-31")
    assert int(clim.count.sel(doy=366).max()) == 1 and int(clim.count.sel(doy=1).max()) == 0
    assert _leftovers(tmp_path) == []  # scratch folder of the memory-mapped sums removed


def test_failure_midway_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arch = _archive(tmp_path / "arch", {2017: 0.0, 2018: 0.0, 2019: 0.0})
    calls = {"n": 0}
    real_read = prep._read_block

    def failing(reader: prep._BoxReader, t0: int, t1: int) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk vanished")
        return real_read(reader, t0, t1)

    monkeypatch.setattr(prep, "_read_block", failing)
    with pytest.raises(OSError, match="disk vanished"):
        prepare_archive(arch, tmp_path / "t.zarr", boxes=BOXES, train=("2017", "2018"),
                        allow_gaps=True, time_chunk=2, read_days=2, progress=False)
    assert not (tmp_path / "t.zarr").exists()
    assert _leftovers(tmp_path) == []


def test_existing_store_is_kept_on_failure_and_without_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arch = _archive(tmp_path / "arch", {2017: 0.0, 2018: 0.0})
    target = tmp_path / "t.zarr"
    kw = {"boxes": BOXES, "train": ("2017", "2017"), "allow_gaps": True, "progress": False}
    prepare_archive(arch, target, **kw)
    before = open_prepared(target)
    history, values = before.attrs["history"], before["sst"].values.copy()
    with pytest.raises(DataError, match="already exists.*overwrite"):
        prepare_archive(arch, target, **kw)

    def failing(reader: prep._BoxReader, t0: int, t1: int) -> np.ndarray:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(prep, "_read_block", failing)
    with pytest.raises(RuntimeError, match="interrupted"):
        prepare_archive(arch, target, overwrite=True, **kw)
    after = open_prepared(target)
    assert after.attrs["history"] == history
    np.testing.assert_array_equal(after["sst"].values, values)
    assert _leftovers(tmp_path) == []
    monkeypatch.undo()
    prepare_archive(arch, target, overwrite=True, **{**kw, "train": ("2017", "2018")})
    assert open_prepared(target).attrs["train_end"] == "2018-12-31"
    assert _leftovers(tmp_path) == []


def test_ocean_rule_chooses_boxes_and_training_days_are_required(tmp_path: Path) -> None:
    arch = tmp_path / "arch"
    src = _region(pd.date_range("2018-01-01", periods=2))
    src[:, 60:90, 0:60] = np.nan  # half of box 108 is land on the first day
    write_oisst(src, arch / "sst.day.mean.2018.nc")
    out = prepare_archive(arch, tmp_path / "t.zarr", boxes="ocean", train=("2018", "2018"),
                          progress=False)
    boxes = open_prepared(out)["box"].values.tolist()
    assert boxes == [84, 85, 86, 87, 88, 89, 109, 110, 111, 112, 113]  # 108 fails the 95 % rule
    with pytest.raises(DataError, match="no day of the training period"):
        prepare_archive(arch, tmp_path / "u.zarr", boxes=BOXES, train=("2019", "2019"),
                        progress=False)
    with pytest.raises(DataError, match="box 36: 45°S–30°S.*needs 60 lat points"):
        prepare_archive(arch, tmp_path / "u.zarr", boxes=(36,), train=("2018", "2018"),
                        progress=False)
    assert not (tmp_path / "u.zarr").exists()


def test_open_prepared_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        open_prepared(tmp_path / "nope.zarr")
    xr.Dataset({"a": ("x", [1.0])}).to_zarr(tmp_path / "other.zarr", zarr_format=2)
    with pytest.raises(DataError, match="not a prepared OISST tile store"):
        open_prepared(tmp_path / "other.zarr")


@pytest.mark.shared_data
def test_real_ncei_day_through_the_pipeline(tmp_path: Path) -> None:
    if not NCEI_REAL.exists():
        pytest.skip(f"real fixture {NCEI_REAL.name} not found under {SHARED} (set IDFF_SHARED_DATA)")
    out = prepare_archive(NCEI_REAL, tmp_path / "real.zarr", train=("2021", "2021"),
                          progress=False)
    ds = open_prepared(out)
    assert ds["box"].values.tolist() == [84, 85, 86, 87, 88, 89, 108, 109, 110, 111, 112]
    assert ds["sst"].shape == (1, 11, 60, 60)
    assert ds.indexes["time"][0] == pd.Timestamp("2021-10-25")
    np.testing.assert_allclose(ds["lat"].sel(box=89).values, box_bounds(89).lat)
    np.testing.assert_allclose(ds["lon"].sel(box=89).values, box_bounds(89).lon)
    sst = ds["sst"].values
    assert 15 < np.nanmin(sst) and np.nanmax(sst) < 33  # tropical Pacific °C
    ocean = ds["mask"].values.mean(axis=(1, 2))
    assert (ocean >= 0.95).all() and ocean.min() < 1.0  # Galápagos land in box 89
    assert float(ds["mask"].sel(box=89).mean()) < 1.0
    ref = extract_boxes(open_oisst(NCEI_REAL))
    np.testing.assert_array_equal(sst, ref.values)
