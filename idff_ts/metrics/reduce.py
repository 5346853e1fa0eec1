"""Reductions of per-point scores: masked means and the summary over leads (evaluation.md §2).

The protocol is: per lead, average each per-point score over space (valid points only) and
over all inits; then report every lead and the arithmetic mean over leads. Cumulative
windows ("leads 1..k") are never averaged: that over-weights the first leads.

A point is *valid* where the truth is finite and the mask (if any) is True, e.g. ocean. A NaN
score at a valid point is not dropped: it makes the mean NaN, so missing forecasts are never
hidden by the reduction (use ``nan_policy`` upstream to decide how missing members count).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import xarray as xr

from idff_ts.errors import DataError

Dims = str | Sequence[Hashable] | None


def as_dims(dim: Dims, like: xr.DataArray) -> list[Hashable]:
    """Normalise ``dim`` (None means every dim of ``like``) to a list and check it exists."""
    if dim is None:
        return list(like.dims)
    dims = [dim] if isinstance(dim, str) else list(dim)
    missing = [d for d in dims if d not in like.dims]
    if missing:
        raise DataError(f"cannot reduce over {missing}: not among the dims {like.dims}")
    return dims


def valid_points(
    truth: xr.DataArray,
    mask: xr.DataArray | None = None,
    *,
    feature_dim: str | None = None,
) -> xr.DataArray:
    """Boolean DataArray, True where a point is scored: finite truth and ``mask`` True.

    With ``feature_dim`` (vector states) a point is valid only when all its features are
    finite (and all its mask entries True); the result then lacks ``feature_dim``.
    """
    valid = truth.notnull()
    if mask is not None:
        if mask.dtype != bool:
            raise DataError(
                f"mask must be boolean (True = score this point); found dtype {mask.dtype}"
            )
        try:
            valid, mask = xr.align(valid, mask, join="exact")
        except ValueError as err:
            raise DataError(
                f"mask coordinates do not match the truth's ({err}); build the mask on the "
                "same grid"
            ) from None
        extra = [d for d in mask.dims if d not in truth.dims]
        if extra:
            raise DataError(f"mask has dims {extra} that the truth lacks (truth: {truth.dims})")
        valid = valid & mask
    if feature_dim is not None:
        valid = valid.all(feature_dim)
    return valid


def masked_mean(score: xr.DataArray, valid: xr.DataArray, dim: Dims = None) -> xr.DataArray:
    """``Σ score·1[valid] / Σ 1[valid]`` over ``dim`` (None: all dims).

    NaN scores at valid points propagate; a reduction with no valid point is NaN. Cost: O(size).
    """
    score_b, valid_b = xr.broadcast(score, valid)
    dims = as_dims(dim, score_b)
    total = score_b.where(valid_b, 0.0).sum(dims, skipna=False)
    count = valid_b.sum(dims)
    return total / count.where(count > 0)


def masked_sum_count(
    score: xr.DataArray, valid: xr.DataArray, dim: Dims = None
) -> tuple[xr.DataArray, xr.DataArray]:
    """The numerator and denominator of :func:`masked_mean` (for streaming accumulation)."""
    score_b, valid_b = xr.broadcast(score, valid)
    dims = as_dims(dim, score_b)
    return score_b.where(valid_b, 0.0).sum(dims, skipna=False), valid_b.sum(dims)


def add_lead_means(
    per_lead: xr.Dataset, names: Sequence[str], lead_dim: str = "lead"
) -> xr.Dataset:
    """Add ``<name>_mean``: the arithmetic mean over ``lead_dim`` of each per-lead score.

    Every lead counts once, whatever its number of valid points (evaluation.md §2).
    """
    out = per_lead.copy()
    for name in names:
        mean = per_lead[name].mean(lead_dim, skipna=False)
        mean.attrs = dict(per_lead[name].attrs)
        mean.attrs["reduction"] = f"mean over {lead_dim} of the per-{lead_dim} {name}"
        out[f"{name}_mean"] = mean
    return out
