"""CRPS of an ensemble in torch, for validation inside training (evaluation.md §1).

For an ensemble ``X_1..X_M`` and the truth ``y`` at one point::

    CRPS_ecdf = mean_i |X_i − y| − 1/(2M²)      Σ_ij |X_i − X_j|
    CRPS_fair = mean_i |X_i − y| − 1/(2M(M−1)) Σ_ij |X_i − X_j|

The double sum is computed in O(M log M) from the sorted members ``X_(1) ≤ … ≤ X_(M)``::

    Σ_ij |X_i − X_j| = 2 Σ_i (2i − M − 1) X_(i)

(each ``X_(i)`` is larger than ``i − 1`` members and smaller than ``M − i``). The ecdf estimator
equals ``properscoring.crps_ensemble`` (checked in the tests); the library's reporting metrics
live in :mod:`idff_ts.metrics`, this file only serves model selection during training.
"""

from __future__ import annotations

import torch


def crps_ensemble_torch(
    samples: torch.Tensor, truth: torch.Tensor, estimator: str = "ecdf"
) -> torch.Tensor:
    """Point-wise CRPS of ``samples`` (M, *shape) against ``truth`` (*shape) → (*shape).

    Computed in float64 (sums of many signed terms), returned in the samples' dtype.
    """
    if samples.shape[1:] != truth.shape:
        raise ValueError(
            f"samples (M, *shape) and truth (*shape) disagree: {tuple(samples.shape)} vs "
            f"{tuple(truth.shape)}"
        )
    if estimator not in ("ecdf", "fair"):
        raise ValueError(f"estimator must be 'ecdf' or 'fair', got {estimator!r}")
    m = samples.shape[0]
    x = samples.to(torch.float64)
    y = truth.to(device=x.device, dtype=torch.float64)
    skill = (x - y).abs().mean(dim=0)
    if m < 2:
        return skill.to(samples.dtype)
    x_sorted, _ = torch.sort(x, dim=0)
    coef = 2.0 * torch.arange(1, m + 1, device=x.device, dtype=torch.float64) - m - 1
    coef = coef.reshape(m, *([1] * (x.dim() - 1)))
    pair_sum = 2.0 * (coef * x_sorted).sum(dim=0)  # Σ_ij |X_i − X_j|
    denom = 2.0 * m * m if estimator == "ecdf" else 2.0 * m * (m - 1)
    return (skill - pair_sum / denom).to(samples.dtype)


def crps_per_lead_sums(
    samples: torch.Tensor, truth: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sums over inits and valid points of the ecdf CRPS, per lead, and the matching counts.

    ``samples`` (M, B, K, *state), ``truth`` (B, K, *state), ``mask`` broadcastable to
    (B, *state) or None (all points valid). Returns ``(sums (K,), counts (K,))`` in float64, so
    that per-lead means can be reduced exactly across batches and processes:
    ``crps_lead = Σ sums / Σ counts`` (evaluation.md §2: average over space and inits per lead).
    """
    crps = crps_ensemble_torch(samples, truth).to(torch.float64)  # (B, K, *state)
    b, k = crps.shape[:2]
    if mask is None:
        weights = torch.ones_like(crps)
    else:
        m = torch.broadcast_to(
            mask.to(device=crps.device, dtype=torch.float64), (b, *crps.shape[2:])
        )
        weights = m.unsqueeze(1).expand_as(crps)
    dims = (0, *range(2, crps.dim()))
    return (crps * weights).sum(dim=dims), weights.sum(dim=dims)


__all__ = ["crps_ensemble_torch", "crps_per_lead_sums"]
