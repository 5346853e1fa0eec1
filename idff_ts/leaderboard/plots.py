"""Leaderboard figures: CRPS versus lead, counted NFE and forecast wall time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from idff_ts.leaderboard.pages import _best_rows, _nfe
from idff_ts.leaderboard.results import REFERENCE


def plot(rows: list[dict[str, Any]], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({(r["profile"], r["task"]) for r in rows})
    names = []
    for kind in ("lead", "nfe", "wall"):
        ncols = min(3, len(tasks))
        nrows = -(-len(tasks) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.4 * ncols, 4.2 * nrows), squeeze=False)
        for ax in axes.flat[len(tasks):]:
            ax.axis("off")
        for ax, (profile, task) in zip(axes.flat, tasks, strict=False):
            trows = [r for r in rows if r["task"] == task and r["profile"] == profile]
            methods = sorted({r["method"] for r in trows})
            for m in methods:
                mine = sorted((r for r in trows if r["method"] == m), key=lambda r: r["nfe_counted"])
                style = {"idff": "o-", "climatology": "k--", "persistence": "k:"}.get(m, ".-")
                if kind == "lead":
                    b = _best_rows(mine)[0]
                    ax.plot(b["leads"], b["crps_ecdf_by_lead"], style,
                            label=f"{m} (NFE {_nfe(b['nfe_counted'])})")
                elif m in REFERENCE:
                    ax.axhline(mine[0]["crps_ecdf"], ls="--" if m == "climatology" else ":",
                               color="k", label=m)
                else:
                    x = [r["nfe_counted"] if kind == "nfe" else r["wall_s"] for r in mine]
                    ax.plot(x, [r["crps_ecdf"] for r in mine], style, label=m)
            if kind != "lead":
                ax.set_xscale("log")
            ax.set_yscale("log")  # low-NFE failures would otherwise flatten everything else
            ax.set(title=f"{task} ({profile})", ylabel="CRPS (ecdf)",
                   xlabel={"lead": f"lead ({trows[0].get('lead_units', '')})",
                           "nfe": "NFE per slot (counted)", "wall": "forecast wall time (s)"}[kind])
            ax.legend(fontsize=6)
        fig.tight_layout()
        name = f"leaderboard_{kind}.png"
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        names.append(name)
    return names



__all__ = ["plot"]
