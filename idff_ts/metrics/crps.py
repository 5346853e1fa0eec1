"""Continuous ranked probability score (CRPS) of an ensemble, per point.

For an ensemble ``X_1..X_M`` and a truth ``y`` (Gneiting & Raftery 2007, eq. 21, the kernel
form of the CRPS)::

    CRPS_ecdf = (1/M) Σ_i |X_i − y| − 1/(2 M²)      Σ_ij |X_i − X_j|
    CRPS_fair = (1/M) Σ_i |X_i − y| − 1/(2 M (M−1)) Σ_ij |X_i − X_j|

``ecdf`` is the CRPS of the ensemble's empirical CDF (what ``properscoring`` and
``xskillscore`` compute); ``fair`` is unbiased for the CRPS of the distribution the members
are drawn from, whatever M (Ferro 2014, "Fair scores for ensemble forecasts", QJRMS 140).

**Cost.** O(M log M) per point, never the O(M²) double sum: with the members sorted
ascending, ``x_(1) ≤ … ≤ x_(M)``, the pair sum is (Zamo & Naveau 2018, "Estimation of the
CRPS with limited information and applications to ensemble weather forecasts", Math. Geosci.
50)::

    Σ_ij |X_i − X_j| = 2 Σ_{i=1..M} (2i − M − 1) x_(i)

Everything is vectorised over points; rows are processed in chunks so memory stays
O(chunk · M).

**Angles** (``distance="circular"``): ``|a − b|`` becomes the geodesic distance on a circle of
circumference ``period``, ``d(a, b) = |((a − b + P/2) mod P) − P/2|``; the kernel form stays a
proper score (Grimit et al. 2006, "The continuous ranked probability score for circular
variables", QJRMS 132). With angles reduced to ``θ ∈ [0, P)`` and sorted, for ``i < j``
``δ = θ_(j) − θ_(i) ∈ [0, P)`` and ``d = δ`` if ``δ ≤ P/2`` else ``P − δ``; hence::

    Σ_{i<j} d_ij = Σ_i (2i − M − 1) θ_(i) − Σ_i Σ_{j ≥ k_i} (2 (θ_(j) − θ_(i)) − P)

where ``k_i`` is the first index with ``θ_(j) > θ_(i) + P/2``. The inner sum is a suffix sum
of the sorted angles (prefix sums), and all ``k_i`` come from one stable argsort of the 2M
values ``[θ, θ + P/2]``, so the circular CRPS is O(M log M) per point too (about 10× the
constant of the linear case: see ``benchmarks/crps_throughput.py``).

**NaN policy** (``nan_policy``, shared with the energy score: :mod:`idff_ts.metrics.kernel`):
a NaN truth always gives a NaN score (e.g. land). ``"propagate"``: a NaN member makes the score
NaN. ``"omit"``: the point is scored on its ``m`` valid members with ``m`` in place of ``M`` in
both terms (``m`` is counted and can be returned); ``m = 0`` gives NaN. ``"raise"``: any NaN
member where the truth is finite raises :class:`~idff_ts.errors.DataError`. Nothing is ever
divided by M when members are missing. The xarray form is :func:`crps_ensemble_xr` (the shared
wrapper of :mod:`idff_ts.metrics.wrapper`).
"""

from __future__ import annotations

from functools import partial
from typing import Literal, overload

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from idff_ts.metrics.kernel import EnsembleScore as EnsembleScore
from idff_ts.metrics.kernel import count_valid_members as count_valid_members
from idff_ts.metrics.kernel import (
    kernel_form,
    kernel_formula,
    prepare_rows,
    require_members_for,
    score_rows,
)
from idff_ts.metrics.options import ESTIMATORS as ESTIMATORS
from idff_ts.metrics.options import NAN_POLICIES as NAN_POLICIES
from idff_ts.metrics.options import Distance, Estimator, NanPolicy, check_options
from idff_ts.metrics.wrapper import apply_kernel, per_variable, score_attrs
from idff_ts.metrics.wrapper import check_member_dim as check_member_dim

_CHUNK_ELEMENTS = 1 << 18  # members per chunk: 2 MB of float64 stays in cache
_DISTANCE_TEXT = ("|{a} - {b}|", "d_circle({a}, {b})")  # formula attr: absolute, circular


def _pair_half_sum_sorted(z: np.ndarray, n_valid: np.ndarray | None) -> np.ndarray:
    """``Σ_{i<j} (z_(j) − z_(i))`` for rows of ``z`` sorted ascending (NaN last)."""
    n_members = z.shape[-1]
    rank = np.arange(1, n_members + 1, dtype=np.float64)
    if n_valid is None:
        return z @ (2.0 * rank - n_members - 1.0)
    weights = 2.0 * rank[None, :] - n_valid[:, None] - 1.0
    weights = np.where(rank[None, :] <= n_valid[:, None], weights, 0.0)
    return np.einsum("nm,nm->n", np.where(np.isnan(z), 0.0, z), weights)


def _circular_half_sum_sorted(theta: np.ndarray, n_valid: np.ndarray, period: float) -> np.ndarray:
    """``Σ_{i<j} d(θ_i, θ_j)`` (geodesic) for rows of ``θ ∈ [0, P)`` sorted ascending, NaN last."""
    n_rows, n_members = theta.shape
    linear = _pair_half_sum_sorted(theta, n_valid)
    t = np.where(np.isnan(theta), np.inf, theta)
    # k_i = #{j : θ_j ≤ θ_i + P/2}, from a stable argsort of [θ, θ + P/2]: an equal θ sorts
    # before the query, and exactly i queries precede query i.
    merged = np.concatenate([t, t + 0.5 * period], axis=-1)
    order = np.argsort(merged, axis=-1, kind="stable")
    position = np.empty_like(order)
    np.put_along_axis(position, order, np.arange(2 * n_members)[None, :], axis=-1)
    k = position[:, n_members:] - np.arange(n_members)[None, :]
    k = np.minimum(k, n_valid[:, None])
    t = np.where(np.isinf(t), 0.0, t)
    prefix = np.zeros((n_rows, n_members + 1))
    np.cumsum(t, axis=-1, out=prefix[:, 1:])
    total = prefix[np.arange(n_rows), n_valid]
    suffix = total[:, None] - np.take_along_axis(prefix, k, axis=-1)
    count = n_valid[:, None] - k
    excess = 2.0 * suffix - count * (2.0 * t + period)
    in_row = np.arange(n_members)[None, :] < n_valid[:, None]
    return linear - np.where(in_row, excess, 0.0).sum(axis=-1)


def _crps_rows(
    x: np.ndarray,
    y: np.ndarray,
    n_valid: np.ndarray,
    estimator: str,
    circular: bool,
    period: float,
) -> np.ndarray:
    """CRPS of rows ``x`` (N, M) against ``y`` (N,) on their valid members (module doc)."""
    complete = bool((n_valid == x.shape[-1]).all())
    # Centre on the truth (CRPS is shift invariant): the sorted weighted sum then cancels on
    # small numbers, which keeps full precision for e.g. temperatures in kelvin.
    z = x - y[:, None]
    if circular:
        z = np.mod(z, period)
        dist_truth = np.minimum(z, period - z)
    else:
        dist_truth = np.abs(z)
    if complete:
        truth_term = dist_truth.mean(axis=-1)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            truth_term = np.nansum(dist_truth, axis=-1) / n_valid
    z.sort(axis=-1)
    if circular:
        half = _circular_half_sum_sorted(z, n_valid, period)
    else:
        half = _pair_half_sum_sorted(z, None if complete else n_valid)
    return kernel_form(truth_term, half, n_valid, estimator)


@overload
def crps_ensemble(
    forecast: ArrayLike,
    truth: ArrayLike,
    *,
    member_axis: int = ...,
    estimator: Estimator = ...,
    distance: Distance | None = ...,
    period: float = ...,
    nan_policy: NanPolicy = ...,
    return_count: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def crps_ensemble(
    forecast: ArrayLike,
    truth: ArrayLike,
    *,
    member_axis: int = ...,
    estimator: Estimator = ...,
    distance: Distance | None = ...,
    period: float = ...,
    nan_policy: NanPolicy = ...,
    return_count: Literal[True],
) -> EnsembleScore: ...


def crps_ensemble(
    forecast: ArrayLike,
    truth: ArrayLike,
    *,
    member_axis: int = -1,
    estimator: Estimator = "ecdf",
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
    return_count: bool = False,
) -> np.ndarray | EnsembleScore:
    """CRPS of an ensemble per point, O(M log M) (formulas, references, NaN policy: module doc).

    Args:
        forecast: members along ``member_axis``, e.g. shape (N, M).
        truth: forecast's shape without the member axis (or broadcastable to it).
        member_axis: axis of ``forecast`` that holds the M members.
        estimator: ``"ecdf"`` (empirical CDF, as properscoring) or ``"fair"`` (Ferro 2014).
        distance: ``None``/``"absolute"`` for ``|a − b|``; ``"circular"`` for the wrapped
            distance on a circle of circumference ``period`` (angles in degrees: 360).
        period: circumference used when ``distance="circular"``.
        nan_policy: ``"propagate"``, ``"omit"`` or ``"raise"``.
        return_count: also return the number of valid members per point.

    Returns:
        float64 array of truth's (broadcast) shape, or a :class:`EnsembleScore`.

    Raises:
        DataError: shapes that do not match, ``estimator="fair"`` with one member, NaN members
            under ``nan_policy="raise"``.
    """
    circular = check_options(estimator, nan_policy, distance)
    x, y, out_shape = prepare_rows(forecast, truth, member_axis)
    require_members_for(
        estimator, x.shape[-1], "CRPS", " (which equals the absolute error for one member)"
    )
    row_kernel = partial(_crps_rows, estimator=estimator, circular=circular, period=period)
    score, n_valid = score_rows(
        row_kernel,
        x,
        y,
        member_missing=np.isnan(x),
        truth_missing=np.isnan(y),
        estimator=estimator,
        nan_policy=nan_policy,
        chunk_elements=_CHUNK_ELEMENTS,
        what="CRPS",
    )
    score = score.reshape(out_shape)
    if return_count:
        return EnsembleScore(score=score, n_members=n_valid.reshape(out_shape).astype(np.int64))
    return score


def crps_ensemble_xr(
    forecast: xr.DataArray | xr.Dataset,
    truth: xr.DataArray | xr.Dataset,
    *,
    member_dim: str = "member",
    estimator: Estimator = "ecdf",
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray | xr.Dataset:
    """CRPS per point over named dims: :func:`crps_ensemble` applied along ``member_dim``.

    ``truth`` must not have ``member_dim``; its other coordinates must equal the forecast's
    (exact alignment). A Dataset forecast needs a Dataset truth with the same data variables;
    each variable is scored. The result has the forecast's dims without ``member_dim`` and attrs
    ``estimator``, ``ensemble_size`` (M), ``nan_policy``, ``distance`` (and ``period``). With
    ``nan_policy="omit"`` it also carries a coordinate ``n_members`` (valid members per point).
    Cost: O(M log M) per point. Works on dask-backed inputs (lazily, chunk by chunk).
    """
    check_options(estimator, nan_policy, distance)
    if isinstance(forecast, xr.Dataset):
        return per_variable(
            crps_ensemble_xr,
            forecast,
            truth,
            member_dim=member_dim,
            estimator=estimator,
            distance=distance,
            period=period,
            nan_policy=nan_policy,
        )
    check_member_dim(forecast, truth, member_dim)
    options = {"estimator": estimator, "distance": distance, "period": period}
    score = apply_kernel(
        crps_ensemble,
        forecast,
        truth,
        forecast_core=[member_dim],
        truth_core=[],
        kwargs={"member_axis": -1, "nan_policy": nan_policy, **options},
    )
    if nan_policy == "omit":
        score = score.assign_coords(n_members=forecast.notnull().sum(member_dim))
    score.name = "crps"
    score.attrs = score_attrs(
        f"CRPS ({estimator} estimator)",
        ensemble_size=forecast.sizes[member_dim],
        nan_policy=nan_policy,
        formula=kernel_formula(estimator, _DISTANCE_TEXT[distance == "circular"]),
        **options,
    )
    return score
