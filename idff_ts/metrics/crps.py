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

**NaN policy** (``nan_policy``): a NaN truth always gives a NaN score (e.g. land).
``"propagate"``: a NaN member makes the score NaN. ``"omit"``: the point is scored on its
``m`` valid members with ``m`` in place of ``M`` in both terms (``m`` is counted and can be
returned); ``m = 0`` gives NaN. ``"raise"``: any NaN member where the truth is finite raises
:class:`~idff_ts.errors.DataError`. Nothing is ever divided by M when members are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from idff_ts.errors import ConfigError, DataError

Estimator = Literal["ecdf", "fair"]
NanPolicy = Literal["propagate", "omit", "raise"]
Distance = Literal["absolute", "circular"]

ESTIMATORS: tuple[str, ...] = ("ecdf", "fair")
NAN_POLICIES: tuple[str, ...] = ("propagate", "omit", "raise")

_CHUNK_ELEMENTS = 1 << 18  # members per chunk: 2 MB of float64 stays in cache


@dataclass(frozen=True)
class EnsembleScore:
    """Per-point score (CRPS or energy score) with the number of members it used.

    Attributes: ``score`` (float64, truth's shape), ``n_members`` (int64, same shape): valid
    members per point (M everywhere unless members are NaN).
    """

    score: np.ndarray
    n_members: np.ndarray


def check_options(estimator: str, nan_policy: str, distance: str | None) -> bool:
    """Validate the shared options; return True for circular distance."""
    if estimator not in ESTIMATORS:
        raise ConfigError(f"estimator must be one of {ESTIMATORS}, found {estimator!r}")
    if nan_policy not in NAN_POLICIES:
        raise ConfigError(f"nan_policy must be one of {NAN_POLICIES}, found {nan_policy!r}")
    if distance not in (None, "absolute", "circular"):
        raise ConfigError(f"distance must be None, 'absolute' or 'circular', found {distance!r}")
    return distance == "circular"


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
    m = n_valid.astype(np.float64)
    norm = m * m if estimator == "ecdf" else m * (m - 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = truth_term - half / norm
    if estimator == "fair":
        score = np.where(m >= 2, score, np.nan)
    return np.where(m > 0, score, np.nan)


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
    n_members = x.shape[-1]
    if estimator == "fair" and n_members < 2:
        raise DataError(
            "the fair CRPS needs at least 2 members (its pair term divides by M(M−1)); found "
            "M = 1. Use estimator='ecdf' (which equals the absolute error for one member)."
        )
    truth_nan = np.isnan(y)
    n_valid = count_valid_members(
        np.isnan(x), truth_nan, nan_policy, min_members=2 if estimator == "fair" else 1
    )
    y_filled = np.where(truth_nan, 0.0, y)  # keeps NaN-truth rows out of the arithmetic
    score = np.empty(y.shape)
    rows = max(1, _CHUNK_ELEMENTS // n_members)
    for start in range(0, y.size, rows):
        sl = slice(start, start + rows)
        score[sl] = _crps_rows(x[sl], y_filled[sl], n_valid[sl], estimator, circular, period)
    if nan_policy == "propagate":
        score[n_valid < n_members] = np.nan
    score[truth_nan] = np.nan
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
        if not isinstance(truth, xr.Dataset):
            raise DataError(
                "forecast is a Dataset, so truth must be a Dataset with the same variables; "
                f"found {type(truth).__name__}"
            )
        missing = [v for v in forecast.data_vars if v not in truth.data_vars]
        if missing:
            raise DataError(
                f"truth lacks forecast variables {missing}; truth has {list(truth.data_vars)}"
            )
        return xr.Dataset(
            {
                name: crps_ensemble_xr(
                    forecast[name],
                    truth[name],
                    member_dim=member_dim,
                    estimator=estimator,
                    distance=distance,
                    period=period,
                    nan_policy=nan_policy,
                )
                for name in forecast.data_vars
            }
        )
    check_member_dim(forecast, truth, member_dim)
    try:
        score = xr.apply_ufunc(
            crps_ensemble,
            forecast,
            truth,
            input_core_dims=[[member_dim], []],
            kwargs={
                "member_axis": -1,
                "estimator": estimator,
                "distance": distance,
                "period": period,
                "nan_policy": nan_policy,
            },
            dask="parallelized",
            output_dtypes=[np.float64],
            join="exact",
        )
    except ValueError as err:
        raise DataError(
            f"forecast and truth coordinates do not align exactly ({err}); select the same "
            "points in both before scoring"
        ) from None
    if nan_policy == "omit":
        score = score.assign_coords(n_members=forecast.notnull().sum(member_dim))
    score.name = "crps"
    score.attrs = {
        "long_name": f"CRPS ({estimator} estimator)",
        "estimator": estimator,
        "ensemble_size": int(forecast.sizes[member_dim]),
        "nan_policy": nan_policy,
        "distance": distance or "absolute",
    }
    if distance == "circular":
        score.attrs["period"] = float(period)
    return score


def check_member_dim(forecast: xr.DataArray, truth: xr.DataArray, member_dim: str) -> None:
    """Raise DataError unless ``forecast`` has ``member_dim`` and ``truth`` does not."""
    if member_dim not in forecast.dims:
        raise DataError(
            f"forecast has no member dimension {member_dim!r}; found dims {forecast.dims}. "
            "Pass member_dim= with the name of the ensemble dimension."
        )
    if member_dim in truth.dims:
        raise DataError(
            f"truth must not have the member dimension {member_dim!r}; found dims {truth.dims}"
        )
