"""The kernel form shared by the CRPS and the energy score, over rows of numpy arrays.

Both scores are, for members ``X_1..X_m`` (the valid ones) and truth ``y`` (Gneiting &
Raftery 2007, eqs. 21–22)::

    score = (1/m) Σ_i d(X_i, y) − H / N,    H = Σ_{i<j} d(X_i, X_j) = ½ Σ_ij d(X_i, X_j)
    N = m²  (ecdf)   or   m (m − 1)  (fair: unbiased in m, Ferro 2014)

with ``d = |·|`` (CRPS) or ``‖·‖`` (energy score). Each metric computes its two sums; this
module combines them (:func:`kernel_form`) and runs a row kernel over all points in chunks
with the NaN policy (:func:`score_rows`): a NaN truth gives NaN; ``"propagate"``: a NaN member
gives NaN; ``"omit"``: the point is scored on its ``m`` valid members, ``m`` counted and
returned; ``"raise"``: NaN members where the truth is finite are refused. Nothing is ever
divided by M when members are missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from idff_ts.errors import DataError

RowKernel = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EnsembleScore:
    """Per-point score (CRPS or energy score) with the number of members it used.

    Attributes: ``score`` (float64, truth's shape), ``n_members`` (int64, same shape): valid
    members per point (M everywhere unless members are NaN).
    """

    score: np.ndarray
    n_members: np.ndarray


def prepare_rows(
    forecast: ArrayLike, truth: ArrayLike, member_axis: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Return ``x`` (N, M) float64, ``y`` (N,) float64 and the output shape.

    ``truth`` must broadcast against ``forecast`` with the member axis removed.
    """
    x = np.asarray(forecast, dtype=np.float64)
    y = np.asarray(truth, dtype=np.float64)
    if x.ndim == 0:
        raise DataError("forecast must have a member axis; found a scalar")
    x = np.moveaxis(x, member_axis, -1)
    try:
        out_shape = np.broadcast_shapes(x.shape[:-1], y.shape)
    except ValueError:
        raise DataError(
            f"truth shape {y.shape} does not broadcast against the forecast shape without its "
            f"member axis {x.shape[:-1]} (member axis {member_axis} of {x.ndim}-d forecast)"
        ) from None
    n_members = x.shape[-1]
    if n_members == 0:
        raise DataError("forecast has 0 members along the member axis; expected at least 1")
    x = np.broadcast_to(x, out_shape + (n_members,)).reshape(-1, n_members)
    y = np.broadcast_to(y, out_shape).reshape(-1)
    return x, y, out_shape


def count_valid_members(
    member_missing: np.ndarray,
    truth_missing: np.ndarray,
    nan_policy: str,
    *,
    min_members: int = 1,
    what: str = "CRPS",
) -> np.ndarray:
    """Valid members per row of ``member_missing`` (N, M) and enforce ``nan_policy``.

    ``truth_missing`` (N,) marks NaN truths (never an error). ``min_members`` is the fewest
    valid members the estimator is defined for; under ``"omit"`` rows with a finite truth and
    ``0 < m < min_members`` raise.
    """
    n_valid = member_missing.shape[-1] - member_missing.sum(axis=-1)
    truth_ok = ~truth_missing
    if nan_policy == "raise":
        bad = truth_ok & (n_valid < member_missing.shape[-1])
        if bad.any():
            raise DataError(
                f"{what}: {int(bad.sum())} of {bad.size} points have NaN members where the truth "
                f"is finite (nan_policy='raise'); expected complete ensembles. Use "
                "nan_policy='omit' to score on the valid members or fix the forecast."
            )
    if nan_policy == "omit":
        short = truth_ok & (n_valid > 0) & (n_valid < min_members)
        if short.any():
            raise DataError(
                f"{what}: {int(short.sum())} points have fewer than {min_members} valid members "
                f"(found as few as {int(n_valid[short].min())}); the estimator is undefined "
                "there. Use estimator='ecdf' or drop those points."
            )
    return n_valid


def require_members_for(estimator: str, n_members: int, what: str, hint: str = "") -> None:
    """The fair estimator divides by M(M−1): refuse a one-member ensemble with a clear error."""
    if estimator == "fair" and n_members < 2:
        raise DataError(
            f"the fair {what} needs at least 2 members (its pair term divides by M(M−1)); found "
            f"M = {n_members}. Use estimator='ecdf'{hint}."
        )


def kernel_form(
    truth_term: np.ndarray, pair_half: np.ndarray, n_valid: np.ndarray, estimator: str
) -> np.ndarray:
    """``truth_term − pair_half / norm`` per row (module doc); NaN where undefined.

    ``truth_term`` is the mean distance to the truth over the ``n_valid`` members and
    ``pair_half`` the sum over member pairs ``i < j``; NaN for ``m = 0`` (and ``m < 2`` fair).
    """
    m = n_valid.astype(np.float64)
    norm = m * m if estimator == "ecdf" else m * (m - 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = truth_term - pair_half / norm
    if estimator == "fair":
        score = np.where(m >= 2, score, np.nan)
    return np.where(m > 0, score, np.nan)


def score_rows(
    row_kernel: RowKernel,
    x: np.ndarray,
    y: np.ndarray,
    *,
    member_missing: np.ndarray,
    truth_missing: np.ndarray,
    estimator: str,
    nan_policy: str,
    chunk_elements: int,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Score rows ``x`` (N, M, …) against ``y`` (N, …) in chunks; return (score, n_valid).

    ``row_kernel(x_rows, y_rows, n_valid_rows)`` scores a chunk; NaN truths are replaced by 0
    before it sees them and their scores set to NaN after, so memory stays O(chunk).
    """
    n_members = x.shape[1]
    n_valid = count_valid_members(
        member_missing,
        truth_missing,
        nan_policy,
        min_members=2 if estimator == "fair" else 1,
        what=what,
    )
    # keeps NaN-truth rows out of the arithmetic
    y = np.where(truth_missing.reshape(truth_missing.shape + (1,) * (y.ndim - 1)), 0.0, y)
    score = np.empty(y.shape[0])
    rows = max(1, chunk_elements // max(1, int(np.prod(x.shape[1:]))))
    for start in range(0, y.shape[0], rows):
        sl = slice(start, start + rows)
        score[sl] = row_kernel(x[sl], y[sl], n_valid[sl])
    if nan_policy == "propagate":
        score[n_valid < n_members] = np.nan
    score[truth_missing] = np.nan
    return score, n_valid


def kernel_formula(estimator: str, distance: str = "|{a} - {b}|") -> str:
    """The kernel form as text for a score's ``formula`` attribute (m: valid members)."""
    norm = "2 m^2" if estimator == "ecdf" else "2 m (m - 1)"
    pair = distance.format(a="X_i", b="X_j")
    truth = distance.format(a="X_i", b="y")
    source = "Gneiting & Raftery 2007" if estimator == "ecdf" else "Ferro 2014"
    return f"mean_i {truth} - sum_ij {pair} / ({norm})  ({source})"
