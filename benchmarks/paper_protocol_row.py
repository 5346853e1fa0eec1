"""The last stage of ``paper_protocol_full.py``: the hindcast's scores as a leaderboard row.

Reads, in the work folder, the streamed test hindcast (``test2020.zarr``), the prepared tiles
(``tiles.zarr``, the truth) and ``idff-ts evaluate``'s per-lead scores (``metrics.csv``); scores
each init day on its own (CRPS ecdf, mean over leads and points: what the leaderboard's paired
bootstrap reads, as ``run.py`` does); writes a result file of schema ``idff-ts-result/2``
(profile ``paper-dryrun``, task ``sst-etp``, row ``idff``) under ``runs/`` and renders the
leaderboard of that folder into ``leaderboard/`` with :func:`idff_ts.leaderboard.render`.

The data are SYNTHETIC and the network is a barely trained small UNet: the row shows that the
protocol's output goes through the leaderboard's code at full size, not how IDFF scores.

    python benchmarks/paper_protocol_row.py WORK --nfe 1 --train-wall-s 98.7 --forecast-wall-s 3384.5
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

PROFILE, TASK, METHOD = "paper-dryrun", "sst-etp", "idff"
METRICS = ("crps_ecdf", "crps_fair", "mse", "rmse", "mae", "ssr", "cc", "ssr_dyffusion")


def lead_metrics(path: Path) -> tuple[dict[str, list[float]], dict[str, float], list[int]]:
    """Per-lead lists, the ``mean`` row and the leads (days) of ``idff-ts evaluate``'s CSV."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    leads = [r for r in rows if r["lead"] != "mean"]
    mean = next(r for r in rows if r["lead"] == "mean")
    per_lead = {m: [float(r[m]) for r in leads] for m in METRICS if m in mean}
    return per_lead, {m: float(mean[m]) for m in per_lead}, [int(r["lead"].split()[0]) for r in leads]


def per_init_crps(work: Path) -> list[float]:
    """CRPS (ecdf) of each init, mean over leads and points (one :func:`evaluate` per init)."""
    import xarray as xr

    import idff_ts
    from idff_ts.io import open_user_dataset, select_variable

    fc = xr.open_zarr(work / "test2020.zarr")["sst"]
    truth = select_variable(open_user_dataset(str(work / "tiles.zarr")), "sst", "tiles.zarr")
    return [float(idff_ts.evaluate(fc.isel(init=[i]), truth, metrics=["crps_ecdf"])
                  ["crps_ecdf_mean"]) for i in range(fc.sizes["init"])]


def result_file(work: Path, nfe: int, walls: tuple[float, float],
                per_init: list[float]) -> dict[str, Any]:
    """The schema-2 result of the dry run's hindcast (fields as ``run.py`` writes them);
    ``walls``: the train and forecast stages' wall seconds."""
    import xarray as xr
    from _provenance import provenance

    per_lead, mean, leads = lead_metrics(work / "metrics.csv")
    with xr.open_zarr(work / "test2020.zarr") as ds:
        attrs, sizes = dict(ds.attrs), {str(k): int(v) for k, v in ds.sizes.items()}
    calls = int(attrs.get("network_calls", 0))
    return {
        "schema": "idff-ts-result/2", "task": TASK, "method": METHOD,
        "method_registry_name": METHOD, "profile": PROFILE, "seed": int(attrs.get("seed", 0)),
        "split": "test", "members": sizes["member"], "crps_estimators": ["ecdf", "fair"],
        "nfe_setting": int(nfe), "nfe_counted": float(attrs.get("nfe_counted", nfe)),
        "network_calls": calls, "n_jvp": int(attrs.get("n_jvp", 0)),
        "wall_s": float(walls[1]), "train_wall_s": float(walls[0]), "checkpoint_sha256": attrs.get("checkpoint_sha256"),
        "data_version": "SYNTHETIC SST in the PSL layout, 11 ETP boxes, train 1982-2018 / val "
                        "2019 / test 2020 (paper_protocol_full.py)",
        "n_inits": sizes["init"], "horizon": len(leads), "leads": leads, "lead_units": "days",
        "metrics": per_lead, "mean_over_leads": mean, "per_init_crps_ecdf": per_init,
        "sizes": sizes, "sampler": {"nfe": int(nfe), "solver": "auto"},
        "selection": {"searched": "nothing (a plumbing run)", "n_configurations": 1,
                      "chosen": {"model": {"config": "small_unet.yaml"}}},
        "training": {"note": "a few batches of a small UNet (paper_protocol_full.py --hidden, "
                             "--max-batches): a plumbing run"},
        "command": "python benchmarks/paper_protocol_full.py (stage leaderboard)",
        "provenance": provenance(benchmark="paper_protocol_full"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("--nfe", type=int, required=True)
    ap.add_argument("--train-wall-s", type=float, required=True)
    ap.add_argument("--forecast-wall-s", type=float, required=True)
    a = ap.parse_args(argv)
    from idff_ts.leaderboard import render

    walls = (a.train_wall_s, a.forecast_wall_s)
    res = result_file(a.work, a.nfe, walls, per_init_crps(a.work))
    path = a.work / "runs" / PROFILE / TASK / f"{METHOD}__nfe{a.nfe}__seed{res['seed']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=1) + "\n")
    render(a.work / "runs", a.work / "leaderboard", plots=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
