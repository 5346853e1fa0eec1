"""Converting a streamed hindcast's Zarr store to netCDF: one init per read against a block of
inits per read (issue 15; :func:`idff_ts.io.regions.export_store`), side by side.

A store of ``--inits`` inits is filled with copies of one sampled block of the demo SST model
(SYNTHETIC DEMO DATA; 2 boxes, 2 members, NFE 1, 2 days, as ``hindcast_scaling.py``), then
converted with ``inits_per_read`` 1 and ``--block`` in alternation, ``--repeats`` times each.
The two netCDF files must be identical (checked); the table gives the median wall time of each
and their ratio.

    python benchmarks/hindcast_export.py        # → results/hindcast_export.{json,md}
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _provenance import RESULTS, provenance


def build_store(store: Path, n_inits: int, block: int) -> None:
    """A finished region store of ``n_inits`` inits (each block the same sampled block)."""
    import xarray as xr

    import idff_ts
    from idff_ts.domains.sst.demo import demo_archive_files, demo_checkpoint
    from idff_ts.io.regions import RegionWriter, create_region_store, set_store_attrs
    from idff_ts.training.checkpoint import load_checkpoint

    ds = xr.open_dataset(demo_archive_files()[0])
    times = ds["time"].values
    sample = idff_ts.forecast(ds, load_checkpoint(demo_checkpoint()), init=list(times[:block]),
                              members=2, nfe=1, days=2, device="cpu")
    inits = times[:n_inits]
    create_region_store(sample, inits, store)
    writer = RegionWriter(store)
    for start in range(0, n_inits, block):
        part = sample.isel(init=slice(0, min(block, n_inits - start)))
        writer.write(part.assign_coords(init=inits[start : start + part.sizes["init"]]), start)
    set_store_attrs(store, {"benchmark": "hindcast_export"})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inits", type=int, default=200)
    ap.add_argument("--block", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    import torch
    import xarray as xr

    from idff_ts.io.regions import export_store

    torch.set_num_threads(1)
    tmp = Path(tempfile.mkdtemp(prefix="hindcast-export-"))
    store = tmp / "store.zarr"
    build_store(store, args.inits, args.block)
    walls: dict[int, list[float]] = {1: [], args.block: []}
    for _ in range(args.repeats):
        for per_read in walls:
            out = tmp / f"per{per_read}.nc"
            out.unlink(missing_ok=True)
            t0 = time.perf_counter()
            export_store(store, out, overwrite=True, inits_per_read=per_read)
            walls[per_read].append(time.perf_counter() - t0)
    with xr.open_dataset(tmp / "per1.nc") as a, \
            xr.open_dataset(tmp / f"per{args.block}.nc") as b:
        identical = bool(a.identical(b))
    shutil.rmtree(tmp, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in walls.items()}
    res = {"inits": args.inits, "block": args.block, "repeats": args.repeats,
           "wall_s": {str(k): v for k, v in walls.items()},
           "median_s": {str(k): v for k, v in med.items()},
           "ratio_block_over_one": med[args.block] / med[1], "identical_files": identical,
           "provenance": provenance(command="python benchmarks/hindcast_export.py "
                                    + " ".join(argv or []))}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hindcast_export.json").write_text(json.dumps(res, indent=1))
    md = (f"# netCDF export of a {args.inits}-init hindcast store: inits per read\n\n"
          f"Demo SST model (synthetic demo data), 2 boxes, 2 members, 2 days; alternating "
          f"repeats, {args.repeats} each; git `{res['provenance']['git_sha']}`, 1-min load "
          f"{res['provenance'].get('load_average_1min', float('nan')):.2f} at start.\n\n"
          "| inits per read | median wall s | runs |\n|---|---|---|\n"
          + "".join(f"| {k} | {med[k]:.2f} | {', '.join(f'{w:.2f}' for w in v)} |\n"
                    for k, v in walls.items())
          + f"\n{args.block} inits per read / 1: **{res['ratio_block_over_one']:.2f}**; "
          f"the two files are {'identical' if identical else 'DIFFERENT'}.\n")
    (args.out / "hindcast_export.md").write_text(md)
    print(md)
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
