"""Paired bootstrap over test inits and training seeds for a CRPS difference (issue 11 item 5;
evaluation.md §3).

Two rows of one task were scored on the same test inits, with per-init CRPS stored per seed.
The statistic is ``mean_seeds mean_inits (a − b)``; each bootstrap replicate resamples the
seeds (with replacement) and, independently, the inits (with replacement, the same inits for
both rows: paired), and the 95 % percentile interval of the replicates is reported. A row with
no training seed (persistence) is paired with itself at every seed.
"""

from __future__ import annotations

import numpy as np

REPLICATES = 2000


def paired_difference(a: dict[int, list[float]], b: dict[int, list[float]],
                      replicates: int = REPLICATES, seed: int = 0) -> dict[str, float] | None:
    """Mean CRPS difference ``a − b`` and its 95 % bootstrap interval; ``None`` if unpaired.

    ``a``, ``b``: per seed, the per-init CRPS (same inits in the same order). A side with a
    single seed is broadcast to the other's seeds (seed-free references).
    """
    if len(a) == 1 or len(b) == 1:  # a seed-free side is paired with every seed of the other
        seeds = sorted(b if len(a) == 1 else a)
    else:
        seeds = sorted(set(a) & set(b))
    if not seeds:
        return None

    def pick(side: dict[int, list[float]], s: int) -> np.ndarray:
        return np.asarray(side[s] if s in side else next(iter(side.values())), dtype=np.float64)

    d = np.stack([pick(a, s) - pick(b, s) for s in seeds])  # (n_seeds, n_inits)
    if d.ndim != 2 or not np.all(np.isfinite(d)):
        return None
    rng = np.random.default_rng(seed)
    n_s, n_i = d.shape
    s_idx = rng.integers(0, n_s, size=(replicates, n_s))
    i_idx = rng.integers(0, n_i, size=(replicates, n_i))
    reps = np.array([d[s_idx[r]][:, i_idx[r]].mean() for r in range(replicates)])
    lo, hi = np.percentile(reps, [2.5, 97.5])
    return {"diff": float(d.mean()), "lo": float(lo), "hi": float(hi), "n_seeds": n_s,
            "n_inits": n_i}


def verdict(name_a: str, name_b: str, res: dict[str, float] | None) -> str:
    """"A beats B" only when the interval of CRPS(A) − CRPS(B) lies below 0; else "tied"."""
    if res is None:
        return f"{name_a} vs {name_b}: not comparable (no paired per-init scores)"
    ci = f"CRPS difference {res['diff']:+.4f}, 95 % CI [{res['lo']:+.4f}, {res['hi']:+.4f}]"
    if res["hi"] < 0:
        return f"{name_a} beats {name_b} ({ci})"
    if res["lo"] > 0:
        return f"{name_b} beats {name_a} ({ci})"
    return f"{name_a} and {name_b} are tied ({ci})"


__all__ = ["REPLICATES", "paired_difference", "verdict"]
