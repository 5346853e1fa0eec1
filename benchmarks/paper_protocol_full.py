"""The SST paper protocol at FULL data size on this CPU, stage by stage, with a small network.

Every data dimension is the DYffusion test protocol's (Cachay et al. 2023, "DYffusion"):
SYNTHETIC SST in the NOAA PSL layout for 1982-2020 over the 11 ETP boxes' region, the tiles of
all 39 years, training on 1982-2018 with validation on 2019, and the full 2020 test hindcast:
359 init days × 11 boxes = 3,949 tile-inits × 50 members × 7 leads of 60 × 60, streamed to Zarr,
then scored. Only the network is scaled down (``--hidden``, one UNet level; the paper UNet
costs about 1 s per tile-lead here, 395 CPU-hours for this hindcast: see
``paper_protocol_dryrun.py``), and it is trained for ``--max-batches`` batches only, so its
scores mean nothing: this run measures whether each stage completes, its wall time and its peak
RSS at full size.

The last stage (``paper_protocol_row.py``) turns the scores into a leaderboard row: a result
file of profile ``paper-dryrun`` with every init's CRPS, rendered by the leaderboard's code
(``results/paper_protocol_full_leaderboard.md``).

Each stage is the user's command in its own process (``paper_protocol_dryrun.stage``: wall time
and peak RSS from ``wait4``). A stage whose output is already in ``--work`` is skipped (its row
is kept from the results file, with the git sha it ran at), so an interrupted run goes on where
it stopped; results are written after every stage.

    python benchmarks/paper_protocol_full.py --work /tmp/paperfull
    # the same stages on 3 years, a few inits and members (the test's smoke run, a minute):
    python benchmarks/paper_protocol_full.py --work /tmp/pp --first-year 2018 --members 2 \
        --stride 120 --max-batches 1 --out /tmp/pp/results
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from _provenance import RESULTS, provenance
from paper_protocol_dryrun import FULL, stage

OUT_NAME = "paper_protocol_full.json"
ROW_SCRIPT = Path(__file__).resolve().parent / "paper_protocol_row.py"
LEADERBOARD_NOTE = (
    "<!-- written by benchmarks/paper_protocol_full.py -->\n"
    "> **The paper protocol's dry run, not a result.** SYNTHETIC SST, a small UNet trained for a "
    "few batches (`paper_protocol_full.json` has the settings): this page shows that the "
    "hindcast's scores go through the leaderboard's code (`idff_ts.leaderboard.render`), from "
    "the work folder's `runs/`, not from `benchmarks/results/runs/`.\n\n")


def config_yaml(hidden: int) -> str:
    """The small UNet: the paper protocol's context, horizon and σ; one level of ``hidden``."""
    return (f"model:\n  backbone: unet\n  hidden: {hidden}\n  channel_mult: [1]\n"
            "  num_res_blocks: 1\n  attention: false\n  emb_dim: 8\n  sigma: 0.5\n")


def commands(a: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    """(stage, the output that marks it done, the arguments of ``idff-ts`` or of the script)."""
    first, last = a.first_year, a.last_year
    train = f"{first}..{last - 2}"
    return [
        ("synthetic", f"psl/sst.day.mean.{last}.nc",
         ["data", "synthetic", "--start", f"{first}-01-01", "--end", f"{last}-12-31", "--dest",
          "psl", "--region", "etp", "-q"]),
        ("prepare", "tiles.zarr", ["data", "prepare", "psl", "-o", "tiles.zarr", "--boxes", "etp",
                                   "--train", train, "-q"]),
        ("train", "run/model.pt",
         ["train", "--task", "sst-etp", "--data", "psl", "--config", "small_unet.yaml",
          "--train-period", train, "--val-period", f"{last - 1}..{last - 1}", "--epochs", "1",
          "--max-batches", str(a.max_batches), "--val-inits", "4", "--val-members", "4",
          "--device", "cpu", "-q", "-o", "run"]),
        ("forecast", "test2020.zarr",
         ["forecast", "--checkpoint", "run/model.pt", "--data", f"psl/sst.day.mean.{last}.nc",
          "--init", "all", *(["--stride", str(a.stride)] if a.stride > 1 else []),
          "--members", str(a.members), "--nfe", str(a.nfe), "--block-inits", str(a.block_inits),
          "--device", "cpu", "-q", "-o", "test2020.zarr"]),
        ("evaluate", "metrics.csv", ["evaluate", "test2020.zarr", "--truth", "tiles.zarr", "-q",
                                     "-o", "metrics.csv"]),
        ("leaderboard", "leaderboard/leaderboard.md", [".", "--nfe", str(a.nfe)]),
    ]


def du_mb(path: Path) -> float:
    """Bytes under ``path`` (a file or a Zarr folder), in MB."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)


def forecast_sizes(path: Path) -> dict[str, Any]:
    """The hindcast's dims, stored size and full float32 size, from the written store."""
    import xarray as xr

    with xr.open_zarr(path) as ds:
        dims = {str(k): int(v) for k, v in ds.sizes.items()}
        variables = [str(v) for v in ds.data_vars if {"member", "lead"} <= set(ds[v].dims)]
        f32 = sum(ds[v].size * 4 for v in variables) / 1e9
    return {"dims": dims, "forecast_variables": variables, "stored_mb": du_mb(path),
            "float32_gb": round(f32, 1),
            "tile_inits": dims.get("init", 0) * dims.get("box", 1)}


def mean_scores(path: Path) -> dict[str, float]:
    """The ``mean`` row of ``idff-ts evaluate``'s CSV (scores of a barely trained network)."""
    import csv

    with open(path, newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["lead"] == "mean")
    return {k: float(v) for k, v in row.items() if k != "lead" and v}


def _remove(path: Path) -> None:
    """A stage's output, a folder (``run``, ``test2020.zarr``) or a file (``metrics.csv``)."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="work folder (kept; about 4 GB)")
    ap.add_argument("--hidden", type=int, default=4, help="UNet channels (one level)")
    ap.add_argument("--max-batches", type=int, default=20)
    ap.add_argument("--nfe", type=int, default=1)
    ap.add_argument("--first-year", type=int, default=1982)
    ap.add_argument("--last-year", type=int, default=2020, help="the test year (the one before "
                    "it validates, the rest trains)")
    ap.add_argument("--members", type=int, default=FULL["members"])
    ap.add_argument("--stride", type=int, default=1, help="every STRIDE-th test init day "
                    "(1: all of them, the protocol)")
    ap.add_argument("--block-inits", type=int, default=8)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--redo", nargs="*", default=[], help="stages to run again (their output "
                    "is removed first; the later stages are kept)")
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.work / "small_unet.yaml").write_text(config_yaml(a.hidden))
    out = a.out / OUT_NAME
    old = json.loads(out.read_text()) if out.exists() else {}
    done = {r["stage"]: r for r in old.get("stages", []) if r.get("exit") == 0}
    res: dict[str, Any] = {"provenance": provenance(benchmark="paper_protocol_full"),
                           "settings": {k: str(v) for k, v in vars(a).items()}, "stages": [],
                           "superseded_stages": old.get("superseded_stages", [])
                           + [r for r in old.get("stages", []) if r["stage"] in a.redo],
                           "notes": old.get("notes", {})}
    old_sha = old.get("provenance", {}).get("git_sha")
    for name, marker, args in commands(a):
        if name in a.redo:
            _remove(a.work / Path(marker).parts[0])
        row = done.get(name) if (a.work / marker).exists() else None
        if row is not None:  # kept from the run that did it (and its code's sha)
            row.setdefault("git_sha", old_sha)
        else:
            script = ROW_SCRIPT if name == "leaderboard" else None
            if script is not None:
                wall = {r["stage"]: r["wall_s"] for r in res["stages"]}
                args = [*args, "--train-wall-s", str(wall["train"]),
                        "--forecast-wall-s", str(wall["forecast"])]
            row = {**stage(name, args, a.work, script), "git_sha": res["provenance"]["git_sha"]}
        res["stages"].append(row)
        if name == "forecast" and row["exit"] == 0:
            res["forecast"] = forecast_sizes(a.work / marker)
        if name == "evaluate" and row["exit"] == 0:
            res["scores_mean_over_leads"] = mean_scores(a.work / marker)
        if name == "leaderboard" and row["exit"] == 0:
            (a.out / OUT_NAME.replace(".json", "_leaderboard.md")).write_text(
                LEADERBOARD_NOTE + (a.work / marker).read_text())
        out.write_text(json.dumps(res, indent=1) + "\n")
        if row["exit"] != 0:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
