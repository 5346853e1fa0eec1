"""Annual harmonics of the day-of-year slot and the per-pixel weighted least-squares fit behind
:class:`~idff_ts.domains.sst.climatology.HarmonicClimatology`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from idff_ts.domains.sst.dyffusion.moments import N_SLOTS


def harmonic_basis(slots: np.ndarray | Sequence[int], n_harmonics: int) -> np.ndarray:
    """``(n, 2H + 1)`` float64 basis ``[1, cos θ, sin θ, …, cos Hθ, sin Hθ]``, ``θ = 2π(s−1)/366``."""
    s = np.asarray(slots, dtype=np.float64).ravel()
    theta = 2.0 * np.pi * (s - 1.0) / N_SLOTS
    cols = [np.ones_like(theta)]
    for j in range(1, n_harmonics + 1):
        cols += [np.cos(j * theta), np.sin(j * theta)]
    return np.stack(cols, axis=1)


def weighted_lstsq(basis: np.ndarray, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-column weighted least squares: ``argmin_c Σ_s w[s,p] (B[s] · c[:, p] − v[s, p])²``.

    ``basis`` (S, K), ``values`` and ``weights`` (S, P) → coefficients (K, P); columns without
    weight get zeros.
    """
    v = np.where(weights > 0, values, 0.0)
    gram = np.einsum("sp,sk,sl->pkl", weights, basis, basis)  # (P, K, K)
    rhs = np.einsum("sp,sk,sp->pk", weights, basis, v)  # (P, K)
    ok = weights.sum(axis=0) > 0
    coef = np.zeros((basis.shape[1], values.shape[1]), dtype=np.float64)
    if ok.any():
        k = basis.shape[1]
        gram_ok = gram[ok] + 1e-12 * np.eye(k)[None]
        coef[:, ok] = np.linalg.solve(gram_ok, rhs[ok][..., None])[..., 0].T
    return coef


__all__ = ["harmonic_basis", "weighted_lstsq"]
