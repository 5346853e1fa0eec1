"""Leaderboard figures: mean CRPS (ecdf) over seeds versus lead, counted NFE and wall time."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

XLABELS = {"lead": "lead", "nfe": "NFE per slot (counted)", "wall": "forecast wall time (s)"}


def _draw(ax: Any, kind: str, trows: list[dict[str, Any]]) -> None:
    """One task's panel: a line per row (lead) or a point per row (NFE, wall time)."""
    for r in sorted(trows, key=lambda r: r["method"]):
        style = {"idff": "o-", "climatology": "k--", "persistence": "k:"}.get(r["method"], ".-")
        if kind == "lead":
            if r.get("leads") and r.get("crps_ecdf_by_lead"):
                ax.plot(r["leads"], r["crps_ecdf_by_lead"], style, label=r["method"])
            continue
        x = r["nfe_counted"] if kind == "nfe" else r["wall_s"]
        if math.isfinite(x) and x > 0 and math.isfinite(r["crps_ecdf"]):
            ax.errorbar([x], [r["crps_ecdf"]], yerr=[[0.0], [0.0]] if not math.isfinite(
                r["crps_ecdf_sd"]) else [[r["crps_ecdf_sd"]], [r["crps_ecdf_sd"]]],
                fmt="o" if r["method"] == "idff" else ".", label=r["method"])
        elif math.isfinite(r["crps_ecdf"]):  # no network calls: a reference level
            ax.axhline(r["crps_ecdf"], ls=":", color="k", lw=0.8, label=r["method"])
    if kind != "lead":
        ax.set_xscale("log")
    ax.set_yscale("log")  # low-NFE failures would otherwise flatten everything else
    units = trows[0].get("lead_units") or ""
    ax.set(ylabel="CRPS (ecdf)", xlabel=XLABELS[kind] + (f" ({units})" if kind == "lead" else ""))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)


def plot(rows: list[dict[str, Any]], out: Path) -> list[str]:
    """Write ``leaderboard_{lead,nfe,wall}.png`` into ``out``; returns their names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({(r["profile"], r["task"]) for r in rows})
    names = []
    for kind in XLABELS:
        ncols = min(3, len(tasks))
        nrows = -(-len(tasks) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.4 * ncols, 4.2 * nrows), squeeze=False)
        for ax in axes.flat[len(tasks):]:
            ax.axis("off")
        for ax, (profile, task) in zip(axes.flat, tasks, strict=False):
            _draw(ax, kind, [r for r in rows if r["task"] == task and r["profile"] == profile])
            ax.set_title(f"{task} ({profile})")
        fig.tight_layout()
        name = f"leaderboard_{kind}.png"
        fig.savefig(Path(out) / name, dpi=100)
        plt.close(fig)
        names.append(name)
    return names


__all__ = ["plot"]
