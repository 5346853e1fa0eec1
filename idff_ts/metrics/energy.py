"""Energy score (multivariate CRPS) of an ensemble of state vectors, per point.

For members ``X_1..X_M ∈ R^D`` and truth ``y ∈ R^D`` (Gneiting & Raftery 2007, eq. 22 with
β = 1; Gneiting et al. 2008, Test 17)::

    ES_ecdf = (1/M) Σ_i ‖X_i − y‖ − 1/(2 M²)      Σ_ij ‖X_i − X_j‖
    ES_fair = (1/M) Σ_i ‖X_i − y‖ − 1/(2 M (M−1)) Σ_ij ‖X_i − X_j‖

with ``‖·‖`` the Euclidean norm over the feature axis. For D = 1 it is exactly the CRPS with
the same estimator. ``fair`` is unbiased in M (Ferro 2014). For angles
(``distance="circular"``) each component difference is wrapped,
``((a − b + P/2) mod P) − P/2``, so ``‖·‖`` is the geodesic distance on the torus.

**Cost.** O(M² · D) time per point (there is no sorting shortcut in more than one dimension);
pairs are visited once (``i < j``) in a loop over members, vectorised over points, with
memory O(chunk · M · D).

**NaN policy**: a truth with any NaN component gives NaN; a member with any NaN component is
missing, and ``nan_policy`` treats missing members as for the CRPS (the kernel form and its
NaN policy are shared: :mod:`idff_ts.metrics.kernel`; the xarray form uses the shared wrapper
of :mod:`idff_ts.metrics.wrapper`).
"""

from __future__ import annotations

from functools import partial
from typing import Literal, overload

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from idff_ts.errors import DataError
from idff_ts.metrics.deterministic import wrapped_difference
from idff_ts.metrics.kernel import (
    EnsembleScore,
    kernel_form,
    kernel_formula,
    require_members_for,
    score_rows,
)
from idff_ts.metrics.options import Distance, Estimator, NanPolicy, check_options
from idff_ts.metrics.wrapper import apply_kernel, check_member_dim, score_attrs

_CHUNK_ELEMENTS = 1 << 20


def _norm(diff: np.ndarray, circular: bool, period: float) -> np.ndarray:
    if circular:
        diff = wrapped_difference(diff, 0.0, period)
    return np.sqrt(np.einsum("...d,...d->...", diff, diff))


def _energy_rows(
    x: np.ndarray,
    y: np.ndarray,
    n_valid: np.ndarray,
    estimator: str,
    circular: bool,
    period: float,
) -> np.ndarray:
    """ES of rows ``x`` (N, M, D) against ``y`` (N, D) on members without NaN."""
    member_ok = ~np.isnan(x).any(axis=-1)
    x = np.where(member_ok[..., None], x, 0.0)
    to_truth = np.where(member_ok, _norm(x - y[:, None, :], circular, period), 0.0)
    pair_half = np.zeros(x.shape[0])
    for i in range(x.shape[1] - 1):
        d = _norm(x[:, i + 1 :, :] - x[:, i : i + 1, :], circular, period)
        both = member_ok[:, i : i + 1] & member_ok[:, i + 1 :]
        pair_half += np.where(both, d, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        truth_term = to_truth.sum(axis=-1) / n_valid.astype(np.float64)
    return kernel_form(truth_term, pair_half, n_valid, estimator)


def _vector_rows(
    forecast: ArrayLike, truth: ArrayLike, member_axis: int, feature_axis: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Return ``x`` (N, M, D) float64, ``y`` (N, D) float64 and the output shape."""
    x = np.asarray(forecast, dtype=np.float64)
    y = np.asarray(truth, dtype=np.float64)
    if x.ndim < 2:
        raise DataError(f"forecast needs a member and a feature axis; found shape {x.shape}")
    member_axis %= x.ndim
    feature_axis %= x.ndim
    if member_axis == feature_axis:
        raise DataError(f"member_axis and feature_axis are the same axis ({member_axis})")
    y_feature_axis = feature_axis - (feature_axis > member_axis)
    x = np.moveaxis(x, (member_axis, feature_axis), (-2, -1))
    if y.ndim != x.ndim - 1:
        raise DataError(
            f"truth must have the forecast's dims without the member axis ({x.ndim - 1} dims); "
            f"found shape {y.shape} for forecast shape {np.shape(forecast)}"
        )
    y = np.moveaxis(y, y_feature_axis, -1)
    try:
        out_shape = np.broadcast_shapes(x.shape[:-2], y.shape[:-1])
    except ValueError:
        raise DataError(
            f"truth shape {y.shape} does not match forecast shape {x.shape} (member and "
            "feature axes moved last)"
        ) from None
    n_members, n_features = x.shape[-2:]
    if y.shape[-1] != n_features:
        raise DataError(f"truth has {y.shape[-1]} features, forecast has {n_features}")
    x = np.broadcast_to(x, out_shape + (n_members, n_features)).reshape(-1, n_members, n_features)
    y = np.broadcast_to(y, out_shape + (n_features,)).reshape(-1, n_features)
    return x, y, out_shape


@overload
def energy_score(
    forecast: ArrayLike,
    truth: ArrayLike,
    *,
    member_axis: int = ...,
    feature_axis: int = ...,
    estimator: Estimator = ...,
    distance: Distance | None = ...,
    period: float = ...,
    nan_policy: NanPolicy = ...,
    return_count: Literal[False] = ...,
) -> np.ndarray: ...


@overload
def energy_score(
    forecast: ArrayLike,
    truth: ArrayLike,
    *,
    member_axis: int = ...,
    feature_axis: int = ...,
    estimator: Estimator = ...,
    distance: Distance | None = ...,
    period: float = ...,
    nan_policy: NanPolicy = ...,
    return_count: Literal[True],
) -> EnsembleScore: ...


def energy_score(
    forecast: ArrayLike,
    truth: ArrayLike,
    *,
    member_axis: int = -2,
    feature_axis: int = -1,
    estimator: Estimator = "ecdf",
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
    return_count: bool = False,
) -> np.ndarray | EnsembleScore:
    """Energy score per point, O(M² · D) (formulas, references, NaN policy: module doc).

    Args:
        forecast: array with a member axis and a feature axis, e.g. (N, M, D).
        truth: forecast's shape without the member axis, e.g. (N, D); ``feature_axis`` refers
            to the forecast, and the truth's feature axis is the same axis with the member
            axis removed.
        member_axis, feature_axis: axes of ``forecast`` (distinct).
        estimator, distance, period, nan_policy, return_count: as
            :func:`~idff_ts.metrics.crps.crps_ensemble`.

    Returns:
        float64 array of the truth's shape without its feature axis, or an ``EnsembleScore``
        (``score``, ``n_members``).
    """
    circular = check_options(estimator, nan_policy, distance)
    x, y, out_shape = _vector_rows(forecast, truth, member_axis, feature_axis)
    require_members_for(estimator, x.shape[1], "energy score")
    row_kernel = partial(_energy_rows, estimator=estimator, circular=circular, period=period)
    score, n_valid = score_rows(
        row_kernel,
        x,
        y,
        member_missing=np.isnan(x).any(axis=-1),
        truth_missing=np.isnan(y).any(axis=-1),
        estimator=estimator,
        nan_policy=nan_policy,
        chunk_elements=_CHUNK_ELEMENTS,
        what="energy score",
    )
    score = score.reshape(out_shape)
    if return_count:
        return EnsembleScore(score=score, n_members=n_valid.reshape(out_shape).astype(np.int64))
    return score


def energy_score_xr(
    forecast: xr.DataArray,
    truth: xr.DataArray,
    *,
    feature_dim: str,
    member_dim: str = "member",
    estimator: Estimator = "ecdf",
    distance: Distance | None = None,
    period: float = 360.0,
    nan_policy: NanPolicy = "propagate",
) -> xr.DataArray:
    """Energy score per point over named dims: the norm runs over ``feature_dim``.

    Result: the forecast's dims without ``member_dim`` and ``feature_dim``; attrs
    ``estimator``, ``ensemble_size``, ``n_features``, ``nan_policy``, ``distance``.
    Cost: O(M² · D) per point.
    """
    check_options(estimator, nan_policy, distance)
    check_member_dim(forecast, truth, member_dim)
    for name, arr in (("forecast", forecast), ("truth", truth)):
        if feature_dim not in arr.dims:
            raise DataError(
                f"{name} has no feature dimension {feature_dim!r}; found dims {arr.dims}"
            )
    options = {"estimator": estimator, "distance": distance, "period": period}
    score = apply_kernel(
        energy_score,
        forecast,
        truth,
        forecast_core=[member_dim, feature_dim],
        truth_core=[feature_dim],
        kwargs={"member_axis": -2, "feature_axis": -1, "nan_policy": nan_policy, **options},
    )
    score.name = "energy_score"
    norm = "||{a} - {b}||_circle" if distance == "circular" else "||{a} - {b}||"
    score.attrs = score_attrs(
        f"energy score ({estimator} estimator)",
        ensemble_size=forecast.sizes[member_dim],
        n_features=int(forecast.sizes[feature_dim]),
        nan_policy=nan_policy,
        formula=kernel_formula(estimator, norm),
        **options,
    )
    return score
