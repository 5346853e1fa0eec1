"""Per-lead CRPS and SSR against NFE for IDFF's three steps (issue 12, "per lead versus NFE").

One figure per task or series: a column per step (mean, Gaussian, distributional), CRPS on top
and SSR below, one line per NFE (mean over training seeds), the target SSR band shaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SSR_BAND = (0.85, 1.15)

#: step → NFE → (per-lead CRPS per seed, per-lead SSR per seed or None)
Curves = dict[str, dict[int, tuple[list[list[float]], list[list[float]] | None]]]


def _mean(per_seed: list[list[float]]) -> np.ndarray:
    return np.nanmean(np.asarray(per_seed, dtype=float), axis=0)


def per_lead_figure(title: str, curves: Curves, path: Path, crps_label: str) -> Path:
    """Write the figure to ``path`` (PNG) and return it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [s for s in ("mean", "gaussian", "distributional") if s in curves]
    nfes = sorted({n for s in steps for n in curves[s]})
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, max(len(nfes), 1)))
    fig, axes = plt.subplots(2, len(steps), figsize=(3.6 * len(steps), 5.6), squeeze=False,
                             sharex=True, sharey="row")
    for j, step in enumerate(steps):
        for colour, nfe in zip(colours, nfes, strict=True):
            if nfe not in curves[step]:
                continue
            crps, ssr = curves[step][nfe]
            leads = np.arange(1, len(crps[0]) + 1)
            axes[0, j].plot(leads, _mean(crps), color=colour, marker=".", label=f"NFE {nfe}")
            if ssr is not None:
                axes[1, j].plot(leads, _mean(ssr), color=colour, marker=".")
        axes[0, j].set_title(step)
        axes[1, j].axhspan(*SSR_BAND, color="0.85", zorder=0)
        axes[1, j].axhline(1.0, color="0.5", lw=0.8)
        axes[1, j].set_xlabel("lead")
    axes[0, 0].set_ylabel(crps_label)
    axes[1, 0].set_ylabel("SSR (band: target 0.85-1.15)")
    axes[0, -1].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
