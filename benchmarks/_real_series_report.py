"""Render benchmarks/results/real_series/*.json into a Markdown table, plots and target checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ORDER = ("IDFF", "persistence", "seasonal_naive", "climatology", "AutoETS", "AutoARIMA")


def targets(result: dict) -> dict[str, bool | None]:
    """The issue's targets for one series: beats the naive references, near the best classical
    model (lower than or within 5 %), SSR in [0.8, 1.2]."""
    m = result["methods"]
    idff = m["IDFF"]["crps"]
    best_cls = min(m["AutoETS"]["crps"], m["AutoARIMA"]["crps"])
    return {
        "beats_naive": all(idff < m[k]["crps"] for k in ("persistence", "seasonal_naive",
                                                         "climatology")),
        "within_5pct_classical": idff <= 1.05 * best_cls,
        "ssr_ok": 0.8 <= m["IDFF"]["ssr"] <= 1.2,
    }


def _table(results: list[dict]) -> list[str]:
    lines = ["| series | " + " | ".join(ORDER) + " | IDFF SSR | IDFF choice |",
             "|---" * (len(ORDER) + 3) + "|"]
    for r in results:
        m = r["methods"]
        cells = []
        for k in ORDER:
            c = f"{m[k]['crps']:.4g}"
            if k == "IDFF":
                c += f" ± {m[k]['crps_sd']:.2g}"
            cells.append(c)
        ch = m["IDFF"]["autotune"]["chosen"]
        choice = (f"L={ch['context']}, trend {ch['trend']}, season {ch['seasonal']}, "
                  f"phase input {ch.get('phase', False)}, σ={ch['sigma']}")
        lines.append(f"| {r['series']} ({r['units']}) | " + " | ".join(cells)
                     + f" | {m['IDFF']['ssr']:.2f} | {choice} |")
    return lines


def _intervals(results: list[dict]) -> list[str]:
    """Paired-bootstrap 95 % intervals of IDFF − other (mean CRPS over origins)."""
    if not all("idff_minus_other_ci95" in r for r in results):
        return []
    others = [k for k in ORDER if k != "IDFF"]
    lines = ["## IDFF − other: paired bootstrap over origins (95 % interval of the mean CRPS "
             "difference; IDFF averaged over seeds)", "",
             "| series | " + " | ".join(others) + " |", "|---" * (len(others) + 1) + "|"]
    for r in results:
        cells = []
        for k in others:
            lo, hi = r["idff_minus_other_ci95"][k]
            verdict = "lower" if hi < 0 else "higher" if lo > 0 else "tied"
            cells.append(f"[{lo:.3g}, {hi:.3g}] {verdict}")
        lines.append(f"| {r['series']} | " + " | ".join(cells) + " |")
    return lines + [""]


def _plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    leads = np.arange(1, result["horizon"] + 1)
    for k in ORDER:
        ax.plot(leads, result["methods"][k]["crps_lead"], marker="o", ms=3, label=k)
    ax.set_xlabel("lead (steps)")
    ax.set_ylabel(f"CRPS ({result['units']})")
    ax.set_title(f"{result['series']}: {result['cadence']}, {result['n_origins']} origins",
                 fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render(folder: Path) -> int:
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        print(f"no results in {folder}; run benchmarks/real_series.py first")
        return 2
    results = [json.loads(f.read_text()) for f in files]
    lines = ["# Real-series suite (issue 14)", "",
             "Mean CRPS over leads (data units; IDFF mean ± sd over 3 seeds). Produced by "
             "`nice -n 10 python benchmarks/real_series.py`; protocol in its docstring.", ""]
    lines += _table(results)
    lines += ["", "## Targets", "", "| series | beats persistence, seasonal naive, climatology "
              "| ≤ 1.05 × best of ETS/ARIMA | SSR in [0.8, 1.2] |", "|---|---|---|---|"]
    hits = 0
    for r in results:
        t = targets(r)
        hits += bool(t["within_5pct_classical"])
        lines.append(f"| {r['series']} | {t['beats_naive']} | {t['within_5pct_classical']} | "
                     f"{t['ssr_ok']} |")
        _plot(r, Path(folder).parent / f"real_series_{r['series']}.png")
    lines += ["", f"Within 5 % of the better classical model on {hits} of {len(results)} "
              "series (target: at least 4 of 5).", ""]
    lines += _intervals(results)
    for r in results:
        at = r["methods"]["IDFF"]["autotune"]
        lines.append(f"- **{r['series']}**: {r['n_origins']} origins (stride {r['origin_stride']}),"
                     f" split {r['split']}, K = {r['horizon']}; autotune: {at['reason']}; "
                     f"encoding: {at['encoding']}; {r['methods']['IDFF']['runs'][0]['train_gaps']}"
                     f"; git {r['provenance']['git_sha']}")
    out = Path(folder).parent / "real_series.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0
